//! Rule comments: the configuration line (or lines) each rule comes from, and its statement.

use super::Lowerer;
use crate::span::Span;

impl Lowerer<'_> {
    /// `line N: <the statement>` — lets `nft list ruleset` point back at the config. Continued
    /// lines are joined and blanks collapsed; nft keeps at most 128 bytes. A statement inside a
    /// function names the lines that called it: `line 5 (called from line 40): ...`.
    pub(crate) fn comment(&self, span: Span) -> String {
        let line = self.index.line_of(span.start);
        clip(format!(
            "line {}{}: {}",
            line + 1,
            self.called_from(span),
            self.statement_text(span)
        ))
    }

    /// ` (called from line 40)`, or nothing for a statement outside functions.
    fn called_from(&self, span: Span) -> String {
        let lines: Vec<usize> = self
            .model
            .callers_of(span)
            .iter()
            .map(|c| self.index.line_of(c.start) + 1)
            .collect();
        match lines.as_slice() {
            [] => String::new(),
            [one] => format!(" (called from line {one})"),
            more => format!(
                " (called from lines {})",
                crate::span::line_runs(more).replace(", ", ",")
            ),
        }
    }

    /// The first rule's comment says which `--define`s the ruleset was compiled with.
    pub(super) fn with_defines(&self, comment: Option<String>) -> Option<String> {
        if self.model.defines.is_empty() {
            return comment;
        }
        let defs: Vec<String> = self
            .model
            .defines
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let defines = format!("--define {}", defs.join(" "));
        Some(clip(match comment {
            Some(c) if !c.is_empty() => format!("{defines}; {c}"),
            _ => defines,
        }))
    }

    /// A statement on one line: continuations joined, blanks collapsed.
    fn statement_text(&self, span: Span) -> String {
        crate::span::one_line(self.text, span)
    }

    /// The comment of a rule serving several statements: their lines, then the first statement.
    pub(super) fn comment_of(&self, origins: &[Span]) -> Option<String> {
        let (first, more) = origins.split_first()?;
        if more.is_empty() {
            return Some(self.comment(*first));
        }
        let lines: Vec<usize> = origins
            .iter()
            .map(|o| self.index.line_of(o.start) + 1)
            .collect();
        let mut list = crate::span::line_runs(&lines).replace(", ", ",");
        if list.len() > 40 {
            let (lo, hi) = (lines.iter().min(), lines.iter().max());
            list = format!(
                "{}-{} ({} statements)",
                lo.unwrap_or(&0),
                hi.unwrap_or(&0),
                origins.len()
            );
        }
        Some(clip(format!(
            "lines {list}: {}",
            self.statement_text(*first)
        )))
    }
}

/// Rule comments stay well under nft's 128-byte limit, cut at a character boundary.
fn clip(mut c: String) -> String {
    if c.len() > 120 {
        let mut end = 117;
        while !c.is_char_boundary(end) {
            end -= 1;
        }
        c.truncate(end);
        c.push_str("...");
    }
    c
}
