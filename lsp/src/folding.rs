//! `textDocument/foldingRange`: sections, groups, statements continued over several lines and
//! runs of full-line comments.

use crate::cursor;
use crate::state::Doc;
use fhc_lang::Span;
use fhc_lang::syntax::lexer::{HashKind, RawTok};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

fn range(doc: &Doc, span: Span, kind: Option<FoldingRangeKind>) -> Option<FoldingRange> {
    let start = doc.index.line_of(span.start) as u32;
    let end = doc
        .index
        .line_of(span.end.saturating_sub(1).max(span.start)) as u32;
    (end > start).then_some(FoldingRange {
        start_line: start,
        start_character: None,
        end_line: end,
        end_character: None,
        kind,
        collapsed_text: None,
    })
}

pub fn folding_ranges(doc: &Doc) -> Vec<FoldingRange> {
    let parse = &doc.analysis().parse;
    let mut out: Vec<FoldingRange> = Vec::new();
    for b in cursor::blocks(parse) {
        out.extend(range(doc, b.span, Some(FoldingRangeKind::Region)));
    }
    for s in &parse.file.stmts {
        out.extend(range(doc, s.span, None));
    }
    // Runs of comments that are alone on their lines.
    let mut run: Option<(usize, usize, Span)> = None; // (first line, last line, span)
    for (tok, span) in &parse.tokens {
        if *tok != RawTok::Hash(HashKind::Comment) {
            continue;
        }
        let line = doc.index.line_of(span.start);
        let alone = doc.text[doc.index.line_start(line)..span.start]
            .trim()
            .is_empty();
        if !alone {
            continue;
        }
        run = match run {
            Some((first, last, s)) if last + 1 == line => Some((first, line, s.cover(*span))),
            Some((_, _, s)) => {
                out.extend(range(doc, s, Some(FoldingRangeKind::Comment)));
                Some((line, line, *span))
            }
            None => Some((line, line, *span)),
        };
    }
    if let Some((_, _, s)) = run {
        out.extend(range(doc, s, Some(FoldingRangeKind::Comment)));
    }
    out.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    out.dedup_by_key(|r| (r.start_line, r.end_line));
    out
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
