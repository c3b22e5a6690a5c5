//! `textDocument/references`: `fhc_lang::ide::references` as locations in the document.

use crate::state::Doc;
use fhc_lang::ide;
use tower_lsp_server::ls_types::{Location, Position};

pub fn references(doc: &Doc, pos: Position, include_declaration: bool) -> Vec<Location> {
    ide::references::references(&doc.file, doc.offset(pos), include_declaration)
        .into_iter()
        .map(|s| Location::new(doc.uri.clone(), doc.range(s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Span;

    #[test]
    fn ranges_cover_the_name_in_utf16() {
        let text = "# \u{1F600}\nLAN=1\ninterface eth0 lan src \"\u{e9}$LAN\"\n";
        let doc = Doc::test(text);
        let at = text.find("LAN").unwrap();
        let refs = references(&doc, doc.range(Span::new(at, at)).start, true);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].range.start.line, 2);
        assert_eq!(refs[1].range.start.character, 26);
        assert_eq!(refs[1].range.end.character, 29);
    }
}
