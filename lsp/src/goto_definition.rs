//! `textDocument/definition`: `fhc_lang::ide::goto_definition`, as locations in this document
//! or in the prelude file (firehol-defaults.conf, a services file) that defines the name.

use crate::state::Doc;
use fhc_lang::ide;
use tower_lsp_server::ls_types::{Location, Position};

pub fn definition(doc: &Doc, pos: Position) -> Vec<Location> {
    ide::goto_definition::definition(&doc.file, doc.offset(pos))
        .into_iter()
        .filter_map(|p| doc.location(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Span;

    #[test]
    fn locations_in_the_document() {
        let text = "A=1\nA=2\ninterface eth0 lan src \"$A\"\n";
        let doc = Doc::test(text);
        let at = text.find("$A").unwrap() + 1;
        let locs = definition(&doc, doc.range(Span::new(at, at)).start);
        assert_eq!(locs.len(), 1);
        assert_eq!(locs[0].uri, doc.uri);
        assert_eq!(locs[0].range.start.line, 1);
    }
}
