//! Word-level problems: unterminated quotes and invalid characters. (What an expansion needs
//! from the host is found by the shell evaluator, where the word runs: see `crate::eval`.)

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::ast::Word;
use crate::syntax::words::PartKind;

pub(super) fn word_problems(text: &str, w: &Word, out: &mut Vec<Diagnostic>) {
    for p in w.parts.iter() {
        match &p.kind {
            PartKind::Unterminated(_) => {
                let quote = &text[p.span.start..p.span.start + 1];
                out.push(
                    Diagnostic::new(
                        Code::UnterminatedQuote,
                        p.span,
                        format!("this {quote} quote is never closed"),
                    )
                    .with_label("the string starts here and runs to the end of the line")
                    .with_help(format!("add the closing {quote} where the value ends"))
                    .with_fix(
                        "close the quote at the end of the line".to_string(),
                        vec![TextEdit {
                            span: Span::new(p.span.end, p.span.end),
                            new_text: quote.to_string(),
                        }],
                    ),
                );
            }
            PartKind::Invalid(s) => out.push(
                Diagnostic::new(
                    Code::UnexpectedChar,
                    p.span,
                    format!("unexpected character {:?}", s),
                )
                .with_label("not valid in a configuration file")
                .with_help("remove it; it is probably a stray control character"),
            ),
            _ => {}
        }
    }
}
