//! `textDocument/documentHighlight`: `fhc_lang::ide::highlight` (every place the name under the
//! cursor is written, definitions as writes).

use crate::state::Doc;
use fhc_lang::ide::highlight::{self, Access};
use tower_lsp_server::ls_types::{DocumentHighlight, DocumentHighlightKind, Position};

pub fn highlights(doc: &Doc, pos: Position) -> Vec<DocumentHighlight> {
    highlight::highlights(&doc.file, doc.offset(pos))
        .into_iter()
        .map(|(span, access)| DocumentHighlight {
            range: doc.range(span),
            kind: Some(match access {
                Access::Write => DocumentHighlightKind::WRITE,
                Access::Read => DocumentHighlightKind::READ,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_in_utf16() {
        let text = "# \u{1F600}\nLAN=1\ninterface eth0 lan src \"\u{e9}$LAN\"\n";
        let doc = Doc::test(text);
        let h = highlights(&doc, Position::new(2, 27));
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].kind, Some(DocumentHighlightKind::WRITE));
        assert_eq!(h[1].kind, Some(DocumentHighlightKind::READ));
        assert_eq!(
            (h[1].range.start.character, h[1].range.end.character),
            (26, 29)
        );
    }
}
