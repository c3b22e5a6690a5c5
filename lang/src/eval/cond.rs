//! Conditions: `test` / `[ ... ]` (expanded words: `=`, `!=`, `-z`, `-n`, `-eq` ..., `!`, `-a`,
//! `-o`, parentheses) and `[[ ... ]]` (no splitting; `==`/`!=` match a pattern, `&&`, `||`).
//! File tests and the like depend on the host: an error with the way out.

use super::run::Runner;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

/// One operand: its text and where it is (for diagnostics), and for `[[`, whether it may be a
/// pattern (the right side of `==`).
#[derive(Clone, Debug)]
pub(super) struct Arg {
    pub text: String,
    pub span: Span,
    /// The pattern form of the word (`[[` only).
    pub pattern: Option<String>,
}

const UNARY_HOST: &[&str] = &[
    "-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-b", "-c", "-p", "-S", "-t", "-O", "-G",
    "-N", "-a", "-g", "-u", "-k",
];
const BINARY: &[&str] = &[
    "=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef", "=~",
];

struct Parser<'r, 'a> {
    r: &'r mut Runner<'a>,
    args: &'r [Arg],
    at: usize,
    /// `[[`: `==` matches patterns, `&&`/`||` join.
    double: bool,
    whole: Span,
}

/// `Err(())`: reported; the statement stops the evaluation.
type R = Result<bool, ()>;

impl<'a> Runner<'a> {
    /// Evaluates the operands of `test`/`[` (`double`: `[[`). The status: 0 true, 1 false.
    pub(super) fn condition(&mut self, args: &[Arg], double: bool, whole: Span) -> Option<i32> {
        let mut p = Parser {
            r: self,
            args,
            at: 0,
            double,
            whole,
        };
        if args.is_empty() {
            return Some(1);
        }
        let v = p.or().ok()?;
        if p.at != args.len() {
            let a = &args[p.at];
            let span = a.span;
            let text = a.text.clone();
            self.report(
                Diagnostic::new(
                    Code::ShellCommand,
                    span,
                    format!("this condition is malformed at `{text}`"),
                )
                .with_label("bash reports a syntax error here and takes the condition as false")
                .with_help("quote the variables in the condition: [ \"$X\" = value ]"),
            );
            return None;
        }
        Some(i32::from(!v))
    }
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.at).map(|a| a.text.as_str())
    }

    fn is(&self, words: &[&str]) -> bool {
        self.peek().is_some_and(|p| words.contains(&p))
    }

    fn or(&mut self) -> R {
        let mut v = self.and()?;
        let or = if self.double { "||" } else { "-o" };
        while self.is(&[or]) {
            self.at += 1;
            let rhs = self.and()?;
            v = v || rhs;
        }
        Ok(v)
    }

    fn and(&mut self) -> R {
        let mut v = self.not()?;
        let and = if self.double { "&&" } else { "-a" };
        while self.is(&[and]) {
            self.at += 1;
            let rhs = self.not()?;
            v = v && rhs;
        }
        Ok(v)
    }

    fn not(&mut self) -> R {
        // `[ ! = x ]`: a `!` that is the left operand of a binary operator is a string.
        // `[ ! ]`: a lone `!` is a (non-empty) string.
        if self.is(&["!"]) && !self.binary_at(self.at + 1) && self.at + 1 < self.args.len() {
            self.at += 1;
            return self.not().map(|v| !v);
        }
        self.primary()
    }

    fn binary_at(&self, i: usize) -> bool {
        self.args
            .get(i)
            .is_some_and(|a| BINARY.contains(&a.text.as_str()))
            && self.args.len() > i + 1
    }

    fn primary(&mut self) -> R {
        let Some(first) = self.args.get(self.at).cloned() else {
            return self.malformed(self.whole, "the condition ends too early");
        };
        if first.text == "(" && !self.binary_at(self.at + 1) {
            self.at += 1;
            let v = self.or()?;
            if !self.is(&[")"]) {
                return self.malformed(first.span, "`(` is not closed");
            }
            self.at += 1;
            return Ok(v);
        }
        if self.binary_at(self.at + 1) {
            let op = self.args[self.at + 1].text.clone();
            let rhs = self.args[self.at + 2].clone();
            self.at += 3;
            return self.binary(&first, &op, &rhs);
        }
        let text = first.text.as_str();
        let unary_ok = self.args.len() > self.at + 1 && text.starts_with('-') && text.len() == 2;
        if unary_ok {
            let operand = self.args[self.at + 1].clone();
            self.at += 2;
            return match text {
                "-z" => Ok(operand.text.is_empty()),
                "-n" => Ok(!operand.text.is_empty()),
                "-v" => Ok(self.r.vars.get(&operand.text).is_some()),
                t if UNARY_HOST.contains(&t) => {
                    self.r.host(
                        Span::new(first.span.start, operand.span.end),
                        format!("`{t} {}` tests a file on the host", operand.text),
                    );
                    Err(())
                }
                t => self.malformed(first.span, &format!("fhc does not evaluate the test `{t}`")),
            };
        }
        self.at += 1;
        Ok(!first.text.is_empty())
    }

    fn binary(&mut self, a: &Arg, op: &str, b: &Arg) -> R {
        let num = |s: &str| s.trim().parse::<i64>().ok();
        match op {
            "=" | "==" | "!=" => {
                let eq = match (&b.pattern, self.double) {
                    (Some(p), true) => super::pattern::matches(p, &a.text),
                    _ => a.text == b.text,
                };
                Ok(if op == "!=" { !eq } else { eq })
            }
            "<" => Ok(a.text < b.text),
            ">" => Ok(a.text > b.text),
            "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                let (x, y) = if self.double {
                    let x = self.r.arith(&a.text, a.span).ok_or(())?;
                    let y = self.r.arith(&b.text, b.span).ok_or(())?;
                    (x, y)
                } else {
                    match (num(&a.text), num(&b.text)) {
                        (Some(x), Some(y)) => (x, y),
                        (None, _) => return self.not_integer(a),
                        _ => return self.not_integer(b),
                    }
                };
                Ok(match op {
                    "-eq" => x == y,
                    "-ne" => x != y,
                    "-lt" => x < y,
                    "-le" => x <= y,
                    "-gt" => x > y,
                    _ => x >= y,
                })
            }
            "-nt" | "-ot" | "-ef" => {
                self.r.host(
                    Span::new(a.span.start, b.span.end),
                    format!("`{op}` compares files on the host"),
                );
                Err(())
            }
            _ => self.malformed(
                a.span,
                &format!("fhc does not evaluate `{op}` (regular expressions)"),
            ),
        }
    }

    fn not_integer(&mut self, a: &Arg) -> R {
        let msg = if a.text.is_empty() {
            "an empty value where the test needs a number".to_string()
        } else {
            format!("`{}` is not a number", a.text)
        };
        self.malformed(a.span, &msg)
    }

    fn malformed(&mut self, span: Span, msg: &str) -> R {
        self.r.report(
            Diagnostic::new(Code::ShellCommand, span, msg.to_string())
                .with_label("bash reports an error here and takes the condition as false")
                .with_help("give the variable a value, or quote it: [ \"$X\" = value ]"),
        );
        Err(())
    }
}
