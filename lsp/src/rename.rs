//! `textDocument/prepareRename` and `textDocument/rename` for actions, user services, variables
//! and section names. Renaming a service renames `server_X_ports`, `client_X_ports` and every use
//! of X in server/client/route lists; renaming a variable renames `NAME=` and every `$NAME` /
//! `${NAME}`, inside double quotes too.

use crate::names::{self, Sym};
use crate::state::Doc;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, WorkspaceEdit};

pub fn prepare(doc: &Doc, pos: Position) -> Option<PrepareRenameResponse> {
    let offset = doc.offset(pos);
    let occs = names::index(&doc.text, &doc.analysis().parse);
    let o = names::at(&occs, offset)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: doc.range(o.span),
        placeholder: o.sym.name().to_string(),
    })
}

/// The edit, or why the rename is refused.
pub fn rename(doc: &Doc, pos: Position, new_name: &str) -> Result<Option<WorkspaceEdit>, String> {
    let offset = doc.offset(pos);
    let occs = names::index(&doc.text, &doc.analysis().parse);
    let Some(o) = names::at(&occs, offset) else {
        return Ok(None);
    };
    if !o.sym.valid_name(new_name) {
        return Err(format!("`{new_name}` is not a valid {} name", o.sym.kind()));
    }
    let mut spans: Vec<_> = names::of(&occs, &o.sym).map(|r| r.span).collect();
    // A service's port variables may also be expanded as variables somewhere.
    if let Sym::Service(n) = &o.sym {
        for side in ["server", "client"] {
            let var = Sym::Variable(format!("{side}_{n}_ports"));
            for r in names::of(&occs, &var).filter(|r| !r.def) {
                let start = r.span.start + side.len() + 1;
                spans.push(fhc_lang::Span::new(start, start + n.len()));
            }
        }
    }
    spans.sort();
    spans.dedup();
    let edits = spans
        .into_iter()
        .map(|s| TextEdit::new(doc.range(s), new_name.to_string()))
        .collect();
    let mut changes = HashMap::new();
    changes.insert(doc.uri.clone(), edits);
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::apply_change;
    use fhc_lang::Span;

    fn renamed(text: &str, needle: &str, new: &str) -> Result<String, String> {
        let doc = Doc::test(text);
        let at = text.find(needle).unwrap();
        let pos = doc.range(Span::new(at, at)).start;
        let edit = rename(&doc, pos, new)?.ok_or("nothing to rename")?;
        let mut edits = edit.changes.unwrap().remove(&doc.uri).unwrap();
        edits.sort_by_key(|e| std::cmp::Reverse((e.range.start.line, e.range.start.character)));
        let mut out = text.to_string();
        for e in edits {
            apply_change(&mut out, doc.enc, Some(e.range), &e.new_text);
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
        assert!(!fhc_lang::analyze(&out).has_errors());
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
    fn prepare_gives_the_name_range() {
        let text = "interface eth0 lan src \"${LAN}\"\n";
        let doc = Doc::test(text);
        let at = text.find("LAN").unwrap();
        let Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder }) =
            prepare(&doc, doc.range(Span::new(at, at)).start)
        else {
            panic!()
        };
        assert_eq!(placeholder, "LAN");
        assert_eq!((range.start.character, range.end.character), (26, 29));
        assert!(prepare(&doc, Position::new(0, 2)).is_none());
    }
}
