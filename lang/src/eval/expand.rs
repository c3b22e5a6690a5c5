//! Words to fields, as bash expands them: quotes removed, variables and `${...}` replaced,
//! arithmetic evaluated, unquoted expansions split at blanks (the default IFS), words that expand
//! to nothing unquoted dropped, `"$@"` one field per argument.

use super::run::Runner;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::Word;
use crate::syntax::words::{DqPart, Opaque, PartKind};

/// One expanded word, with the span of the source word it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub span: Span,
}

/// Builds fields: text that is quoted or literal never splits; unquoted expansions split at
/// blanks.
pub(super) struct Fields {
    pub out: Vec<String>,
    cur: String,
    /// The current field exists even if empty (something quoted was in it).
    has: bool,
    split: bool,
}

impl Fields {
    pub(super) fn new(split: bool) -> Self {
        Fields {
            out: Vec::new(),
            cur: String::new(),
            has: false,
            split,
        }
    }

    pub(super) fn literal(&mut self, s: &str) {
        self.cur.push_str(s);
        self.has |= !s.is_empty();
    }

    pub(super) fn quoted(&mut self, s: &str) {
        self.cur.push_str(s);
        self.has = true;
    }

    /// An unquoted expansion's value: split at blanks.
    pub(super) fn unquoted(&mut self, s: &str) {
        if !self.split {
            return self.literal(s);
        }
        for c in s.chars() {
            if matches!(c, ' ' | '\t' | '\n') {
                self.end_field();
            } else {
                self.cur.push(c);
                self.has = true;
            }
        }
    }

    /// Ends the current field if it has anything (between the words of `$@`).
    pub(super) fn end_field(&mut self) {
        if self.has {
            self.out.push(std::mem::take(&mut self.cur));
            self.has = false;
        }
    }

    /// Ends the current field even when empty (`"$@"` keeps empty arguments).
    pub(super) fn force_end(&mut self) {
        if self.split {
            self.out.push(std::mem::take(&mut self.cur));
            self.has = false;
        } else {
            self.cur.push(' ');
        }
    }

    /// Several values as `$@` gives them: quoted, one field each; unquoted, each split.
    pub(super) fn many(&mut self, values: &[String], quoted: bool) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                if quoted {
                    self.force_end();
                } else if self.split {
                    self.end_field();
                } else {
                    self.cur.push(' ');
                }
            }
            if quoted {
                self.quoted(v);
            } else {
                self.unquoted(v);
            }
        }
    }

    pub(super) fn finish(mut self) -> Vec<String> {
        if self.has {
            self.out.push(self.cur);
        }
        self.out
    }
}

impl<'a> Runner<'a> {
    /// A word's fields (split, empty unquoted results dropped). `None`: it cannot be evaluated
    /// (reported).
    pub(super) fn fields(&mut self, w: &Word) -> Option<Vec<Field>> {
        if let Some(words) = super::braces::expand(w) {
            let mut all = Vec::new();
            for v in &words {
                all.extend(self.fields_of(v)?);
            }
            return Some(all);
        }
        self.fields_of(w)
    }

    /// [`Runner::fields`] after brace expansion.
    fn fields_of(&mut self, w: &Word) -> Option<Vec<Field>> {
        let mut f = Fields::new(true);
        self.expand_watching(w, &mut f)?;
        Some(
            f.finish()
                .into_iter()
                .map(|text| Field { text, span: w.span })
                .collect(),
        )
    }

    /// A word as one string (assignments, `case` subjects, `[[ ]]` operands: no splitting).
    pub(super) fn string(&mut self, w: &Word) -> Option<String> {
        let mut f = Fields::new(false);
        self.expand_watching(w, &mut f)?;
        Some(f.finish().concat())
    }

    /// A word as a glob pattern: quoted text matches literally.
    pub(super) fn pattern(&mut self, w: &Word) -> Option<String> {
        let mut out = String::new();
        for p in w.parts.iter() {
            match &p.kind {
                PartKind::Literal(s) => out.push_str(s),
                PartKind::SingleQuoted(s) => out.push_str(&super::pattern::escape(s)),
                _ => {
                    let part = Word::new(p.span, vec![p.clone()]);
                    let s = self.string(&part)?;
                    if matches!(p.kind, PartKind::DoubleQuoted(_)) {
                        out.push_str(&super::pattern::escape(&s));
                    } else {
                        out.push_str(&s);
                    }
                }
            }
        }
        Some(out)
    }

    /// [`Runner::expand_into`], noting the word when it used a value only the host knows.
    fn expand_watching(&mut self, w: &Word, f: &mut Fields) -> Option<()> {
        let before = std::mem::replace(&mut self.uncertain, false);
        let r = self.expand_into(w, f);
        if self.uncertain {
            self.uncertain_words.push(self.at(w.span));
        }
        self.uncertain |= before;
        r
    }

    pub(super) fn expand_into(&mut self, w: &Word, f: &mut Fields) -> Option<()> {
        for p in w.parts.iter() {
            match &p.kind {
                PartKind::Literal(s) => f.literal(s),
                PartKind::Unterminated(s) | PartKind::Invalid(s) => f.literal(s),
                PartKind::SingleQuoted(s) => f.quoted(s),
                PartKind::Var(n) => {
                    let v = self.var(n, p.span)?;
                    f.unquoted(&v);
                }
                PartKind::Opaque(o) => self.opaque(*o, p.span, false, f)?,
                PartKind::DoubleQuoted(dq) => {
                    // `""` is an (empty) field of its own, but `"$@"` (and `"${A[@]}"`) with
                    // nothing in it is no field at all.
                    if !self.only_many(dq) {
                        f.quoted("");
                    }
                    for d in dq {
                        match d {
                            DqPart::Text(t, _) => f.quoted(t),
                            DqPart::Var(n, s) => {
                                let v = self.var(n, *s)?;
                                f.quoted(&v);
                            }
                            DqPart::Opaque(o, s) => self.opaque(*o, *s, true, f)?,
                        }
                    }
                }
            }
        }
        Some(())
    }

    /// A double-quoted string that is just `$@`, `${@}` or `${NAME[@]}`.
    fn only_many(&self, dq: &[DqPart]) -> bool {
        match dq {
            [DqPart::Opaque(_, s)] => {
                let t = &self.src.text[s.range()];
                t == "$@"
                    || t == "${@}"
                    || (t.starts_with("${") && t.ends_with("[@]}") && !t.starts_with("${#"))
            }
            _ => false,
        }
    }

    /// `$NAME`: its value, or nothing (with a warning) when it is not set; `None` for a
    /// variable only the host knows (`$RANDOM`, `$HOSTNAME`).
    pub(super) fn var(&mut self, name: &str, span: Span) -> Option<String> {
        if self.vars.is_unknown(name) {
            self.uncertain = true;
            return Some(String::new());
        }
        match self.vars.scalar(name) {
            Some(v) => Some(v.to_string()),
            None if super::builtins::host_variable(name).is_some() => {
                let what = super::builtins::host_variable(name).unwrap_or_default();
                self.host(span, format!("`${name}` is {what}"));
                None
            }
            None => {
                self.report(
                    Diagnostic::new(
                        Code::UnsetVariable,
                        span,
                        format!("`${name}` is not set here; it expands to nothing"),
                    )
                    .with_label("never assigned before this line")
                    .with_help(format!(
                        "assign it above this line: {name}=\"...\" (or give it with --define {name}=...)"
                    )),
                );
                Some(String::new())
            }
        }
    }

    /// The parts the lexer left to the evaluator: `$1`, `${...}`, `$((...))`, `$(...)`.
    fn opaque(&mut self, o: Opaque, span: Span, quoted: bool, f: &mut Fields) -> Option<()> {
        let text = &self.src.text[span.range()];
        match o {
            // `$1`, or `${1}` / `${10}` (braced: positional, never special).
            Opaque::SpecialParameter => {
                let name = text
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .unwrap_or(&text[1..]);
                self.special(name, span, quoted, f)
            }
            Opaque::ComplexExpansion | Opaque::ArrayExpansion => {
                let inner = text
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .unwrap_or("");
                self.braced(inner, span, quoted, f)
            }
            Opaque::Arithmetic => {
                let inner = text
                    .strip_prefix("$((")
                    .and_then(|t| t.strip_suffix("))"))
                    .or_else(|| text.strip_prefix("$[").and_then(|t| t.strip_suffix(']')));
                let Some(inner) = inner else {
                    self.report(
                        Diagnostic::new(
                            Code::UnsupportedExpansion,
                            span,
                            "this arithmetic is not closed",
                        )
                        .with_label("no closing `))` or `]` on this line"),
                    );
                    return None;
                };
                let v = self.arith(inner, span)?;
                f.unquoted(&v.to_string());
                Some(())
            }
            Opaque::CommandSubstitution => {
                let out = self.substitution(text, span)?;
                if quoted {
                    f.quoted(&out);
                } else {
                    f.unquoted(&out);
                }
                Some(())
            }
        }
    }

    /// `$1`..`$9`, `$@`, `$*`, `$#`, `$?`; `$$`, `$!`, `$0`, `$-` depend on the running shell.
    pub(super) fn special(
        &mut self,
        name: &str,
        span: Span,
        quoted: bool,
        f: &mut Fields,
    ) -> Option<()> {
        let numbered = name.chars().all(|c| c.is_ascii_digit()) && name != "0";
        if !numbered && !matches!(name, "@" | "*" | "#" | "?") {
            self.host(
                span,
                format!("`${name}` is a value of the shell running FireHOL"),
            );
            return None;
        }
        // Borrowed, never copied: a recursion's arguments may weigh megabytes, and every `$1`
        // of every call level read them.
        let args: &[String] = self.positional.last().map_or(&[], Vec::as_slice);
        match name {
            "@" => f.many(args, quoted),
            "*" => {
                let joined = args.join(" ");
                if quoted {
                    f.quoted(&joined)
                } else {
                    f.many(args, false)
                }
            }
            "#" => f.literal(&args.len().to_string()),
            "?" => f.literal(&self.status.to_string()),
            n => {
                let i: usize = n.parse().unwrap_or(usize::MAX);
                let v = args.get(i.wrapping_sub(1)).map_or("", String::as_str);
                if quoted { f.quoted(v) } else { f.unquoted(v) }
            }
        }
        Some(())
    }

    /// Reports a value that depends on the host, with the way out.
    pub(super) fn host(&mut self, span: Span, msg: String) {
        let help = match &self.assigning {
            Some(name) => format!("give the value with `--define {name}=VALUE` (`fhc.defines` in an editor)"),
            None => "assign it to a variable and give the value with `--define NAME=VALUE` (`fhc.defines` in an editor)".to_string(),
        };
        self.report(
            Diagnostic::new(Code::HostDependent, span, msg)
                .with_label("depends on the host running FireHOL")
                .with_help(help),
        );
    }

    /// Evaluates arithmetic text: `$` expansions first (as bash does), then the expression.
    pub(super) fn arith(&mut self, text: &str, span: Span) -> Option<i64> {
        let expanded = self.expand_text(text, span)?;
        self.arith_expanded(&expanded, span)
    }

    /// Evaluates an expression whose `$` expansions are done (`let`'s words, already expanded).
    pub(super) fn arith_expanded(&mut self, expanded: &str, span: Span) -> Option<i64> {
        // A name only the host knows (`RANDOM`) has no value here.
        for name in expanded
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        {
            if self.vars.is_unknown(name) {
                self.uncertain = true;
            }
            if self.vars.get(name).is_none()
                && let Some(what) = super::builtins::host_variable(name)
            {
                self.host(span, format!("`{name}` is {what}"));
                return None;
            }
        }
        /// The runner's variables for the expression (`span`: where it is, for what it assigns).
        struct V<'r, 'a>(&'r mut Runner<'a>, Span);
        impl crate::syntax::arith::Vars for V<'_, '_> {
            fn get(&self, name: &str) -> Option<String> {
                self.0.vars.scalar(name).map(str::to_string)
            }
            fn set(&mut self, name: &str, value: i64) -> Result<(), String> {
                if self.0.vars.is_readonly(name) {
                    return Err(format!("{name}: readonly variable"));
                }
                // Like any assignment: the model sees it (`(( FIREHOL_LOG_LEVEL = 4 ))` ...).
                let at = self.0.at(self.1);
                self.0.set_scalar(name, value.to_string(), at, at.end);
                Ok(())
            }
        }
        match crate::syntax::arith::eval_with(expanded, &mut V(self, span)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(
                    Diagnostic::new(Code::UnsupportedExpansion, span, format!("arithmetic: {e}"))
                        .with_label(format!("bash evaluates `{}` here", expanded.trim())),
                );
                None
            }
        }
    }

    /// Replaces the `$` expansions inside a text that is not split into words (arithmetic).
    fn expand_text(&mut self, text: &str, span: Span) -> Option<String> {
        if !text.contains('$') && !text.contains('`') {
            return Some(text.to_string());
        }
        // Spans of the text's own parts, in the source: the text sits inside `span`.
        let base = span.start + self.src.text[span.range()].find(text).unwrap_or(0);
        let pieces = crate::syntax::words::assemble(text, &crate::syntax::lexer::lex(text));
        let mut out = String::new();
        let mut last = 0;
        for p in &pieces {
            let crate::syntax::words::Piece::Word(w) = p else {
                continue;
            };
            out.push_str(&text[last..w.span.start]);
            let w = w.shifted(base);
            out.push_str(&self.string(&w)?);
            last = w.span.end - base;
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}
