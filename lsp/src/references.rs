//! `textDocument/references`: every place the name under the cursor is written (definitions
//! included when the client asks for them).

use crate::names;
use crate::state::Doc;
use tower_lsp_server::ls_types::{Location, Position};

pub fn references(doc: &Doc, pos: Position, include_declaration: bool) -> Vec<Location> {
    let offset = doc.offset(pos);
    let occs = names::index(&doc.text, &doc.analysis().parse);
    let Some(o) = names::at(&occs, offset) else {
        return Vec::new();
    };
    names::of(&occs, &o.sym)
        .filter(|r| include_declaration || !r.def)
        .map(|r| Location::new(doc.uri.clone(), doc.range(r.span)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Span;

    #[test]
    fn all_uses_of_a_variable_with_and_without_declarations() {
        let text = "LAN=1\ninterface eth0 lan src $LAN dst \"${LAN}\"\n    server ssh accept src \"x $LAN\"\n";
        let doc = Doc::test(text);
        let at = text.find("LAN").unwrap();
        let pos = doc.range(Span::new(at, at)).start;
        let all = references(&doc, pos, true);
        assert_eq!(all.len(), 4);
        assert_eq!(references(&doc, pos, false).len(), 3);
        // Every range covers exactly the name.
        for l in &all {
            assert_eq!(l.range.end.character - l.range.start.character, 3);
        }
    }

    #[test]
    fn actions() {
        let text = "action A chain drop\ninterface eth0 lan\n    policy A\n    server ssh A\n";
        let doc = Doc::test(text);
        let at = text.rfind(" A").unwrap() + 1;
        assert_eq!(
            references(&doc, doc.range(Span::new(at, at)).start, true).len(),
            3
        );
    }
}
