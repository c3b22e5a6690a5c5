//! Rename for actions, user services, variables and section names. Renaming a service renames
//! `server_X_ports`, `client_X_ports` and every use of X in server/client/route lists; renaming a
//! variable renames `NAME=` and every `$NAME` / `${NAME}`, inside double quotes too. A name only
//! a prelude file defines is renamed there, not here (the edit would break the file).

use super::names::Sym;
use super::{File, Place};
use crate::Span;

/// The span of the name at `offset` and the name (what the editor puts in the rename box).
pub fn prepare(file: &File, offset: usize) -> Option<(Span, String)> {
    let o = file.names().at(offset)?;
    Some((o.span, o.sym.name().to_string()))
}

/// The spans to replace with `new_name` (`None`: nothing to rename here), or why the rename is
/// refused.
pub fn rename(file: &File, offset: usize, new_name: &str) -> Result<Option<Vec<Span>>, String> {
    let names = file.names();
    let Some(o) = names.at(offset) else {
        return Ok(None);
    };
    if !o.sym.valid_name(new_name) {
        return Err(format!("`{new_name}` is not a valid {} name", o.sym.kind()));
    }
    if let Some(Place::Prelude(f, _)) = names.definitions(&o.sym).first() {
        return Err(format!(
            "{} `{}` is defined in {}: rename it there",
            o.sym.kind(),
            o.sym.name(),
            file.source_name(*f)
        ));
    }
    let mut spans: Vec<Span> = names.of(&o.sym).map(|r| r.span).collect();
    // A service's port variables may also be expanded as variables somewhere.
    if let Sym::Service(n) = &o.sym {
        for side in ["server", "client"] {
            let var = Sym::Variable(format!("{side}_{n}_ports"));
            for r in names.of(&var).filter(|r| !r.def) {
                let start = r.span.start + side.len() + 1;
                spans.push(Span::new(start, start + n.len()));
            }
        }
    }
    spans.sort();
    spans.dedup();
    Ok(Some(spans))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Prelude;
    use std::sync::Arc;

    fn renamed(text: &str, needle: &str, new: &str) -> Result<String, String> {
        let doc = File::alone(text);
        let at = text.find(needle).unwrap();
        let spans = rename(&doc, at, new)?.ok_or("nothing to rename")?;
        let mut out = text.to_string();
        for s in spans.iter().rev() {
            out.replace_range(s.range(), new);
        }
        Ok(out)
    }

    #[test]
    fn variable_everywhere() {
        let text = "LAN=1\ninterface eth0 lan src $LAN dst \"a ${LAN}\"\n";
        assert_eq!(
            renamed(text, "LAN", "NET").unwrap(),
            "NET=1\ninterface eth0 lan src $NET dst \"a ${NET}\"\n"
        );
    }

    #[test]
    fn service_definitions_and_uses() {
        let text = "server_app_ports=tcp/1\nclient_app_ports=default\ninterface eth0 lan\n    server \"ssh app\" accept\n    client app,ssh accept\n";
        let out = renamed(text, "app", "web").unwrap();
        assert_eq!(out, text.replace("app", "web"));
        // The result still checks clean.
        assert!(!crate::analyze(&out).has_errors());
    }

    #[test]
    fn action_and_refusals() {
        let text = "action A chain drop\ninterface eth0 lan\n    server ssh A\n";
        assert_eq!(
            renamed(text, "A chain", "B").unwrap(),
            text.replace(" A", " B")
        );
        assert!(renamed(text, "A chain", "accept").is_err());
        assert!(renamed(text, "A chain", "two words").is_err());
        assert_eq!(renamed(text, "ssh", "x"), Err("nothing to rename".into()));
    }

    #[test]
    fn prepare_gives_the_name_span() {
        let text = "interface eth0 lan src \"${LAN}\"\n";
        let doc = File::alone(text);
        let at = text.find("LAN").unwrap();
        assert_eq!(
            prepare(&doc, at),
            Some((Span::new(26, 29), "LAN".to_string()))
        );
        assert!(prepare(&doc, 2).is_none());
    }

    #[test]
    fn names_of_the_prelude_are_renamed_there() {
        let mut p = Prelude::none();
        p.add_defaults("d.conf", "server_x_ports=tcp/1\nclient_x_ports=default\n");
        let text = "interface eth0 lan\n    server x accept\n";
        let doc = File::new(text.to_string(), Arc::new(p));
        let e = rename(&doc, text.find("x accept").unwrap(), "y").unwrap_err();
        assert!(e.contains("defined in d.conf"), "{e}");
    }
}
