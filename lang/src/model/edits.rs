//! Text edits of fixes that move or insert whole lines.

use crate::diag::TextEdit;
use crate::span::Span;

/// Byte offset of the start of the line containing `at`.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// The whole lines a statement occupies, with the final newline.
pub(super) fn full_lines(text: &str, span: Span) -> Span {
    let start = line_start(text, span.start);
    let end = text[span.end.min(text.len())..]
        .find('\n')
        .map(|i| span.end + i + 1)
        .unwrap_or(text.len());
    Span::new(start, end)
}

/// Edits that move the statement at `span` (whole lines) to just before the line of `before`.
pub(super) fn move_line_edits(text: &str, span: Span, before: Span) -> Vec<TextEdit> {
    let lines = full_lines(text, span);
    let mut moved = text[lines.range()].to_string();
    if !moved.ends_with('\n') {
        moved.push('\n');
    }
    // Statements inside sections are indented; at top level they start at column 0.
    let moved = moved
        .lines()
        .map(|l| {
            if l.starts_with(char::is_whitespace) {
                l.trim_start()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let at = line_start(text, before.start);
    vec![
        TextEdit {
            span: Span::new(at, at),
            new_text: moved,
        },
        TextEdit {
            span: lines,
            new_text: String::new(),
        },
    ]
}
