//! Document highlight: every place in the file the name under the cursor is written, the
//! definitions told apart from the uses (an editor shades them differently). Variables, actions,
//! user services, sections and functions come from the symbol table; a built-in service (`http`)
//! is highlighted in every server/client/route list that names it.

use super::File;
use crate::Span;

/// Whether a highlighted place defines the name or uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// An assignment, `action NAME`, `server_NAME_ports=`, a section's or function's name.
    Write,
    Read,
}

/// The places of the name at `offset`, in source order; empty when there is no name there.
pub fn highlights(file: &File, offset: usize) -> Vec<(Span, Access)> {
    let names = file.names();
    let access = |def: bool| if def { Access::Write } else { Access::Read };
    if let Some(o) = names.at(offset) {
        return names.of(&o.sym).map(|r| (r.span, access(r.def))).collect();
    }
    names
        .builtin_service_uses(offset)
        .into_iter()
        .map(|o| (o.span, Access::Read))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str, nth: usize) -> usize {
        text.match_indices(needle).nth(nth).unwrap().0 + 1
    }

    #[test]
    fn a_variable_its_assignments_and_uses() {
        let text = "LAN=10.0.0.0/8\ninterface eth0 lan src \"$LAN\"\n    server ssh accept src ${LAN}\nLAN=1\n";
        let f = File::alone(text);
        let h = highlights(&f, at(text, "LAN", 2));
        let got: Vec<(&str, Access)> = h.iter().map(|(s, a)| (&text[s.range()], *a)).collect();
        assert_eq!(
            got,
            [
                ("LAN", Access::Write),
                ("LAN", Access::Read),
                ("LAN", Access::Read),
                ("LAN", Access::Write)
            ]
        );
    }

    #[test]
    fn actions_and_user_services() {
        let text = "server_app_ports=tcp/8080\nclient_app_ports=default\naction A chain drop\ninterface eth0 lan\n    server app A\n    client \"ssh app\" A\n";
        let f = File::alone(text);
        let a = highlights(&f, text.rfind(" A\n").unwrap() + 1);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].1, Access::Write);
        let app = highlights(&f, at(text, "app", 2));
        assert_eq!(app.len(), 4, "two definitions, two uses: {app:?}");
        assert_eq!(app.iter().filter(|(_, a)| *a == Access::Write).count(), 2);
    }

    #[test]
    fn built_in_services_in_every_list() {
        let text = "interface eth0 lan\n    server \"http https\" accept\n    client http accept\nrouter r\n    route http,ssh accept\n";
        let f = File::alone(text);
        let h = highlights(&f, at(text, "http", 0));
        let lines: Vec<usize> = h.iter().map(|(s, _)| f.line(s.start)).collect();
        assert_eq!(lines, [2, 3, 5]);
        for (s, a) in &h {
            assert_eq!(&text[s.range()], "http");
            assert_eq!(*a, Access::Read);
        }
    }

    #[test]
    fn nothing_on_keywords_or_blank_space() {
        let text = "interface eth0 lan\n    server ssh accept\n";
        let f = File::alone(text);
        assert!(highlights(&f, 2).is_empty());
        assert!(highlights(&f, text.len()).is_empty());
    }
}
