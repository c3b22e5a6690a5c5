//! Go to definition: from a use of an action, a user service, a variable or a section name to
//! where it is defined. A variable goes to the assignment in force at the use (the one the model
//! expands there, possibly in a prelude file); used before any assignment, to the file's first.
//! A service goes to both `server_X_ports` and `client_X_ports`, in this file or else in the
//! prelude file that defines it.

use super::names::Sym;
use super::{File, Origin, Place};

/// Where the name at `offset` is defined (empty when it is not a name, or defined nowhere).
pub fn definition(file: &File, offset: usize) -> Vec<Place> {
    let names = file.names();
    let Some(o) = names.at(offset) else {
        return Vec::new();
    };
    match &o.sym {
        Sym::Variable(_) => match names.binding(o).map(|b| b.origin) {
            Some(Origin::Here(span)) => vec![Place::Here(span)],
            Some(Origin::Prelude(f, span)) => vec![Place::Prelude(f, span)],
            Some(Origin::Predefined) | None => Vec::new(),
            Some(Origin::Unset) => names.definitions(&o.sym).into_iter().take(1).collect(),
        },
        _ => names.definitions(&o.sym),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Prelude;
    use std::sync::Arc;

    const TEXT: &str = "A=1\nA=2\naction MYDROP chain drop\nserver_x_ports=tcp/1\nclient_x_ports=default\ninterface eth0 lan src \"$A\"\n    server x MYDROP\n";

    fn lines(text: &str, needle: &str, delta: usize) -> Vec<usize> {
        let doc = File::alone(text);
        let at = text.rfind(needle).unwrap() + delta;
        definition(&doc, at)
            .iter()
            .map(|p| match p {
                Place::Here(s) => doc.index().line_of(s.start),
                Place::Prelude(..) => usize::MAX,
            })
            .collect()
    }

    #[test]
    fn functions_and_loop_variables() {
        let text = "f() {\n    version 6\n}\nfor port in 80 443; do\n    X=\"$port\"\ndone\nf\n";
        assert_eq!(lines(text, "f\n", 0), vec![0]);
        assert_eq!(lines(text, "$port", 1), vec![3]);
        assert_eq!(
            lines("local_var() { local V=1; X=$V; }\nlocal_var\n", "$V", 1),
            vec![0]
        );
    }

    #[test]
    fn variable_goes_to_the_assignment_in_force() {
        assert_eq!(lines(TEXT, "$A", 1), vec![1]);
        assert_eq!(
            lines("X=1\ninterface eth0 lan src \"$X\"\nX=2\n", "$X", 1),
            vec![0]
        );
        assert_eq!(
            lines("interface eth0 lan src \"$X\"\nX=2\nX=3\n", "$X", 1),
            vec![1]
        );
    }

    #[test]
    fn action_and_service() {
        assert_eq!(lines(TEXT, "MYDROP", 0), vec![2]);
        assert_eq!(lines(TEXT, "x MYDROP", 0), vec![3, 4]);
    }

    #[test]
    fn nothing_on_plain_words_or_predefined_variables() {
        assert!(lines(TEXT, "interface", 1).is_empty());
        assert!(lines("interface eth0 lan src \"$PRIVATE_IPV4\"\n", "PRIVATE", 1).is_empty());
    }

    #[test]
    fn into_the_prelude() {
        let mut p = Prelude::none();
        p.add_defaults(
            "d.conf",
            "LAN=1\nserver_x_ports=tcp/1\nclient_x_ports=default\n",
        );
        let text = "interface eth0 lan src \"$LAN\"\n    server x accept\n";
        let doc = File::new(text.to_string(), Arc::new(p));
        let at = |n: &str| text.find(n).unwrap() + 1;
        assert_eq!(
            definition(&doc, at("LAN")),
            vec![Place::Prelude(0, crate::Span::new(0, 3))]
        );
        assert_eq!(definition(&doc, at("x accept") - 1).len(), 2);
    }
}
