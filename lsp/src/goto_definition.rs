//! `textDocument/definition`: from a use of an action, a user service, a variable or a section
//! name to where the file defines it. A variable goes to the assignment in force at the use (the
//! last one before it, as bash evaluates the file top to bottom), falling back to the first.

use crate::names::{self, Sym};
use crate::state::Doc;
use tower_lsp_server::ls_types::{Location, Position};

pub fn definition(doc: &Doc, pos: Position) -> Vec<Location> {
    let offset = doc.offset(pos);
    let occs = names::index(&doc.text, &doc.analysis().parse);
    let Some(o) = names::at(&occs, offset) else {
        return Vec::new();
    };
    let defs: Vec<_> = names::of(&occs, &o.sym).filter(|d| d.def).collect();
    let chosen: Vec<_> = match &o.sym {
        Sym::Variable(_) => {
            let before = defs
                .iter()
                .rev()
                .find(|d| d.span.start <= o.span.start)
                .or(defs.first());
            before.into_iter().copied().collect()
        }
        // `server_X_ports` and `client_X_ports` both define a service.
        _ => defs,
    };
    chosen
        .into_iter()
        .map(|d| Location::new(doc.uri.clone(), doc.range(d.span)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Span;

    const TEXT: &str = "A=1\nA=2\naction MYDROP chain drop\nserver_x_ports=tcp/1\nclient_x_ports=default\ninterface eth0 lan src \"$A\"\n    server x MYDROP\n";

    fn lines(needle: &str, delta: usize) -> Vec<u32> {
        let doc = Doc::test(TEXT);
        let at = TEXT.rfind(needle).unwrap() + delta;
        definition(&doc, doc.range(Span::new(at, at)).start)
            .iter()
            .map(|l| l.range.start.line)
            .collect()
    }

    #[test]
    fn variable_goes_to_the_assignment_in_force() {
        assert_eq!(lines("$A", 1), vec![1]);
    }

    #[test]
    fn action_and_service() {
        assert_eq!(lines("MYDROP", 0), vec![2]);
        assert_eq!(lines("x MYDROP", 0), vec![3, 4]);
    }

    #[test]
    fn nothing_on_plain_words() {
        assert!(lines("interface", 1).is_empty());
    }
}
