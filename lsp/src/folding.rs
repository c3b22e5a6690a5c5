//! `textDocument/foldingRange`: `fhc_lang::ide::folding` (sections, groups, continued statements,
//! comment runs) as LSP ranges.

use crate::state::Doc;
use fhc_lang::ide::folding::{self, FoldKind};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

pub fn folding_ranges(doc: &Doc) -> Vec<FoldingRange> {
    folding::folds(&doc.file)
        .into_iter()
        .map(|f| FoldingRange {
            start_line: f.start_line as u32,
            start_character: None,
            end_line: f.end_line as u32,
            end_character: None,
            kind: match f.kind {
                FoldKind::Region => Some(FoldingRangeKind::Region),
                FoldKind::Comment => Some(FoldingRangeKind::Comment),
                FoldKind::Statement => None,
            },
            collapsed_text: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_groups_continuations_comments() {
        let text = "# a\n# b\nversion 6\ninterface eth0 lan \\\n    src 10.0.0.1\n    group with src 10.0.0.2\n        server ssh accept\n    group end\n    server http accept\n";
        let doc = Doc::test(text);
        let r: Vec<_> = folding_ranges(&doc)
            .iter()
            .map(|r| (r.start_line, r.end_line, r.kind.clone()))
            .collect();
        assert_eq!(
            r,
            vec![
                (0, 1, Some(FoldingRangeKind::Comment)),
                (3, 8, Some(FoldingRangeKind::Region)),
                (3, 4, None),
                (5, 7, Some(FoldingRangeKind::Region)),
            ]
        );
    }
}
