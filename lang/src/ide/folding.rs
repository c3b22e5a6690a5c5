//! Folding ranges: sections, groups, statements continued over several lines and runs of
//! full-line comments. Lines are 0-based and counted the same in every encoding.

use super::{File, cursor};
use crate::Span;
use crate::syntax::lexer::{HashKind, RawTok};

/// What a fold is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    /// A section or a group.
    Region,
    /// A run of comment lines.
    Comment,
    /// A statement continued over several lines.
    Statement,
}

/// A fold from `start_line` to `end_line` (both included, `end_line > start_line`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    pub start_line: usize,
    pub end_line: usize,
    pub kind: FoldKind,
}

fn fold(doc: &File, span: Span, kind: FoldKind) -> Option<Fold> {
    let start = doc.index().line_of(span.start);
    let end = doc
        .index()
        .line_of(span.end.saturating_sub(1).max(span.start));
    (end > start).then_some(Fold {
        start_line: start,
        end_line: end,
        kind,
    })
}

/// The folds of the file, by start line (the longest first), one per line range.
pub fn folds(doc: &File) -> Vec<Fold> {
    let parse = &doc.analysis().parse;
    let mut out: Vec<Fold> = Vec::new();
    for b in cursor::blocks(parse) {
        out.extend(fold(doc, b.span, FoldKind::Region));
    }
    for s in &parse.file.stmts {
        out.extend(fold(doc, s.span, FoldKind::Statement));
    }
    // Runs of comments that are alone on their lines.
    let mut run: Option<(usize, usize, Span)> = None; // (first line, last line, span)
    for (tok, span) in &parse.tokens {
        if *tok != RawTok::Hash(HashKind::Comment) {
            continue;
        }
        let line = doc.index().line_of(span.start);
        let alone = doc.text()[doc.index().line_start(line)..span.start]
            .trim()
            .is_empty();
        if !alone {
            continue;
        }
        run = match run {
            Some((first, last, s)) if last + 1 == line => Some((first, line, s.cover(*span))),
            Some((_, _, s)) => {
                out.extend(fold(doc, s, FoldKind::Comment));
                Some((line, line, *span))
            }
            None => Some((line, line, *span)),
        };
    }
    if let Some((_, _, s)) = run {
        out.extend(fold(doc, s, FoldKind::Comment));
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
        let r: Vec<_> = folds(&File::alone(text))
            .iter()
            .map(|r| (r.start_line, r.end_line, r.kind))
            .collect();
        assert_eq!(
            r,
            vec![
                (0, 1, FoldKind::Comment),
                (3, 8, FoldKind::Region),
                (3, 4, FoldKind::Statement),
                (5, 7, FoldKind::Region),
            ]
        );
    }
}
