//! The canonical formatter behind `fhc fmt` (and the LSP's formatting requests).
//!
//! It works on the lexer's token stream (which keeps every byte, trivia included) and uses the
//! statement tree only to decide indentation and where long statements may be broken. It changes
//! nothing but the whitespace between tokens, so the meaning of a file cannot change; the tests
//! check that the tree (spans removed) is identical before and after, and that formatting twice
//! gives the same text. The style is described, with an example, in `docs/fmt.md`:
//!
//! - top-level statements at column 0; statements of an `interface`/`router` section, `group`
//!   bodies and shell blocks (`if`, `for`, `while`, `case`, functions, `{ }`) one level (4
//!   spaces) deeper each;
//! - one space between words; no blank before `;` and one space after it (statements separated by
//!   `;` stay on their line); trailing blanks removed;
//! - at most one blank line in a row, none at the start, exactly one final newline, LF line ends;
//! - comments are kept; a full-line comment takes the indentation of the statement after it and a
//!   trailing comment is separated from the statement by one space;
//! - a statement that fits in 100 columns is on one line (backslash continuations are joined); a
//!   longer command is broken before its rule parameters (and, for `synproxy`, always before its
//!   action), continuation lines indented one level deeper;
//! - quoting is never changed, and neither is anything inside quotes, comments or here-documents.
//!
//! The work is in three steps: `segments` cuts the token stream into logical lines, `indent`
//! derives each line's indentation from the statement tree, and `layout` prints the lines.

mod indent;
mod layout;
mod segments;

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::words::{PartKind, Piece};
use crate::syntax::{self, Parse};
use layout::layout;

/// Columns per indentation level.
pub const INDENT: usize = 4;
/// Statements longer than this are broken over continuation lines (when they can be).
pub const MAX_WIDTH: usize = 100;

/// Formats a whole file. Fails with the syntax diagnostics (unterminated quotes, invalid
/// characters, statements the parser cannot read) when formatting would not be safe.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parse = syntax::parse(text);
    refuse_if_broken(text, &parse)?;
    let out = layout(text, &parse, "\n");
    let mut s = String::with_capacity(text.len() + text.len() / 8);
    let mut blank = false;
    for seg in &out {
        match &seg.text {
            None => blank = !s.is_empty(),
            Some(t) => {
                if blank {
                    s.push('\n');
                    blank = false;
                }
                s.push_str(t);
                s.push('\n');
            }
        }
    }
    Ok(s)
}

/// Formats only the logical lines holding statements (or full-line comments) that intersect
/// `range`, returning the edits to apply to `text`. Blank lines are left alone, and the file's
/// line ending (LF or CRLF) is used inside the edits.
pub fn format_range(text: &str, range: Span) -> Result<Vec<TextEdit>, Vec<Diagnostic>> {
    let parse = syntax::parse(text);
    refuse_if_broken(text, &parse)?;
    let nl = match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    };
    let hit = |s: Span| {
        if range.is_empty() {
            s.start <= range.start && range.start <= s.end
        } else {
            s.start < range.end && range.start < s.end
        }
    };
    Ok(layout(text, &parse, nl)
        .into_iter()
        .filter(|seg| seg.editable && hit(seg.span))
        .filter_map(|seg| {
            let new_text = seg.text?;
            (new_text != text[seg.span.range()]).then_some(TextEdit {
                span: seg.span,
                new_text,
            })
        })
        .collect())
}

/// The diagnostics that make formatting unsafe: the parser's own errors, unterminated quotes and
/// characters the lexer could not classify. (Shell constructs and every other check are not a
/// reason to refuse: those files format normally.) They all come from the syntax stage, so the
/// file is not evaluated: a broken file with a runaway loop is refused at once.
fn refuse_if_broken(text: &str, parse: &Parse) -> Result<(), Vec<Diagnostic>> {
    let broken_word = parse.pieces.iter().any(|p| match p {
        Piece::Word(w) => w
            .parts
            .iter()
            .any(|p| matches!(p.kind, PartKind::Unterminated(_) | PartKind::Invalid(_))),
        Piece::Op(..) => false,
    });
    if parse.errors.is_empty() && !broken_word {
        return Ok(());
    }
    let mut diags: Vec<Diagnostic> = parse
        .errors
        .iter()
        .cloned()
        .chain(syntax::validate::validate(text, parse))
        .chain(syntax::blocks::blocks(&parse.file).errors)
        .filter(|d| {
            matches!(
                d.code,
                Code::UnterminatedQuote | Code::UnexpectedChar | Code::SyntaxError
            )
        })
        .collect();
    crate::diag::sort(&mut diags);
    if diags.is_empty() {
        // Cannot happen while the checks report every broken word; never refuse silently.
        diags = parse.errors.clone();
        diags.push(Diagnostic::new(
            Code::SyntaxError,
            Span::new(0, 0),
            "this file cannot be formatted safely",
        ));
    }
    Err(diags)
}
