//! Word-level problems: unterminated quotes, invalid characters, and expansions fhc cannot
//! evaluate statically.

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::ast::Word;
use crate::syntax::words::{Opaque, PartKind};

pub(super) fn word_problems(text: &str, w: &Word, in_shell: bool, out: &mut Vec<Diagnostic>) {
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
    if in_shell {
        return;
    }
    for (o, span) in w.opaque_parts() {
        let d = match o {
            Opaque::CommandSubstitution => Diagnostic::new(
                Code::CommandSubstitution,
                span,
                "command substitution cannot be evaluated statically",
            )
            .with_label("fhc does not run commands while reading the configuration")
            .with_help("write the value the command would print, or set it in a variable from a script that generates the file"),
            Opaque::ArrayExpansion => Diagnostic::new(Code::ShellArray, span, "bash arrays cannot be evaluated statically")
                .with_label("array expansion")
                .with_help("write the parameters directly on the statement"),
            Opaque::SpecialParameter => Diagnostic::new(
                Code::UnsupportedExpansion,
                span,
                "positional and special shell parameters have no value when fhc reads the file",
            )
            .with_label("this expands to nothing fhc can know"),
            Opaque::Arithmetic => Diagnostic::new(
                Code::UnsupportedExpansion,
                span,
                "fhc evaluates arithmetic on numbers only",
            )
            .with_label("uses variables or operators fhc cannot evaluate")
            .with_help("write the number, or use constants only (`$((65536 * 2))`)"),
            Opaque::ComplexExpansion => Diagnostic::new(
                Code::UnsupportedExpansion,
                span,
                "this form of ${...} expansion cannot be evaluated statically",
            )
            .with_label("only $NAME and ${NAME} are supported")
            .with_help("assign the final value to a variable and use ${NAME}"),
        };
        out.push(d);
    }
}
