//! `textDocument/prepareRename` and `textDocument/rename`: `fhc_lang::ide::rename` (actions,
//! user services, variables, section names) as a workspace edit of the document.

use crate::state::Doc;
use fhc_lang::ide;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, WorkspaceEdit};

pub fn prepare(doc: &Doc, pos: Position) -> Option<PrepareRenameResponse> {
    let (span, name) = ide::rename::prepare(&doc.file, doc.offset(pos))?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: doc.range(span),
        placeholder: name,
    })
}

/// The edit, or why the rename is refused.
pub fn rename(doc: &Doc, pos: Position, new_name: &str) -> Result<Option<WorkspaceEdit>, String> {
    let Some(spans) = ide::rename::rename(&doc.file, doc.offset(pos), new_name)? else {
        return Ok(None);
    };
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
    fn variable_everywhere_after_non_ascii() {
        let text = "# \u{1F600}\nLAN=1\ninterface eth0 lan src $LAN dst \"\u{e9} ${LAN}\"\n";
        assert_eq!(
            renamed(text, "LAN", "NET").unwrap(),
            text.replace("LAN", "NET")
        );
        assert!(renamed(text, "LAN", "accept me").is_err());
        assert_eq!(renamed(text, "eth0", "x"), Err("nothing to rename".into()));
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
