//! One statement: a FireHOL command (its words expanded and the command read again from them,
//! as FireHOL's function would receive them), an assignment, a function call, a list (`&&`,
//! `||`), `((...))`, or a builtin.

use super::expand::Field;
use super::run::{Flow, Runner};
use super::{EventKind, size};

use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::words::{Op, PartKind, Piece, WordPart};

impl<'a> Runner<'a> {
    pub(super) fn statement(&mut self, stmt: &'a Stmt) -> Flow {
        if !self.step(stmt.span) {
            return Flow::Stop;
        }
        self.uncertain = false;
        self.uncertain_words.clear();
        let inner: &[Span] = match &stmt.kind {
            StmtKind::Shell(ShellStmt::Builtin { redirects, .. }) => redirects,
            _ => &[],
        };
        if !self.redirects_ok(&stmt.redirects) || !self.redirects_ok(inner) {
            return self.unknown();
        }
        let flow = match &stmt.kind {
            StmtKind::Assignment(list) => {
                // `$?` in the values is the previous command's; an assignment then succeeds.
                for a in list {
                    if !self.assign(a) {
                        if self.stopped {
                            return Flow::Stop;
                        }
                        // Reported: what uses the variable is skipped, the rest runs.
                        self.vars.set_unknown(&a.name);
                    }
                }
                self.status = 0;
                Flow::Normal
            }
            StmtKind::Unset(words) => self.unset(words),
            StmtKind::Command(c) => self.command(c),
            StmtKind::Unknown(u) => self.unknown_command(stmt, u),
            StmtKind::Shell(sh) => self.shell(stmt, sh),
            StmtKind::Empty | StmtKind::Error => Flow::Normal,
        };
        if stmt.lead.iter().any(|w| w.bare() == Some("!")) {
            self.status = i32::from(self.status == 0);
        }
        flow
    }

    fn shell(&mut self, stmt: &'a Stmt, sh: &'a ShellStmt) -> Flow {
        match sh {
            ShellStmt::List { ops, items } => self.list(ops, items),
            ShellStmt::Builtin { name, args, .. } => self.builtin(stmt, name, args),
            ShellStmt::Arith { expr } => {
                let text = &self.src.text[expr.range()];
                match self.arith(text, *expr) {
                    Some(v) => {
                        self.status = i32::from(v == 0);
                        Flow::Normal
                    }
                    None => Flow::Stop,
                }
            }
            ShellStmt::Source { keyword, .. } => {
                self.report(
                    Diagnostic::new(
                        Code::SourceFile,
                        stmt.span,
                        format!(
                            "fhc cannot include the file `{}` reads",
                            keyword.literal().unwrap_or("source")
                        ),
                    )
                    .with_label("the file is on the host running FireHOL")
                    .with_help("merge the file into this configuration, or check it on its own"),
                );
                self.unknown()
            }
            ShellStmt::Subshell | ShellStmt::Compound { .. } => {
                let what = match sh {
                    ShellStmt::Compound { keyword, .. } => {
                        format!("`{}`", keyword.literal().unwrap_or("this"))
                    }
                    _ => "a subshell `( ... )`".into(),
                };
                self.report(
                    Diagnostic::new(
                        Code::ShellConstruct,
                        stmt.span,
                        format!("fhc does not evaluate {what}"),
                    )
                    .with_label("not evaluated")
                    .with_help("write it with `for NAME in ...`, `if`, `case` or a function, which fhc evaluates"),
                );
                self.unknown()
            }
            // Headers are consumed by the blocks.
            ShellStmt::For { .. }
            | ShellStmt::Case { .. }
            | ShellStmt::FunctionDef { .. }
            | ShellStmt::CasePattern { .. } => Flow::Normal,
        }
    }

    /// `a && b || c`: bash's short circuit. Pipes and background jobs are not evaluated.
    fn list(&mut self, ops: &'a [(Op, Span)], items: &'a [Stmt]) -> Flow {
        if let Some((op, span)) = ops.iter().find(|(o, _)| matches!(o, Op::Pipe | Op::Amp)) {
            let what = if *op == Op::Pipe {
                "a pipe `|`"
            } else {
                "a background job `&`"
            };
            self.report(
                Diagnostic::new(
                    Code::ShellConstruct,
                    *span,
                    format!("fhc does not evaluate {what}"),
                )
                .with_label("runs programs on the host")
                .with_help("write the commands without it"),
            );
            return self.unknown();
        }
        let Some((first, rest)) = items.split_first() else {
            return Flow::Normal;
        };
        let flow = self.statement(first);
        if flow != Flow::Normal {
            return flow;
        }
        for ((op, _), item) in ops.iter().zip(rest) {
            if self.status == super::run::UNKNOWN {
                return Flow::Stop;
            }
            let run = match op {
                Op::AndIf => self.status == 0,
                _ => self.status != 0,
            };
            if run {
                let flow = self.statement(item);
                if flow != Flow::Normal {
                    return flow;
                }
            }
        }
        Flow::Normal
    }

    /// Redirections: only to the terminal or /dev/null (what harmless `echo`s do).
    fn redirects_ok(&mut self, redirects: &[Span]) -> bool {
        for r in redirects {
            let t: String = self.src.text[r.range()].split_whitespace().collect();
            let target = t.trim_start_matches(['0', '1', '2', '&', '<', '>']);
            let ok = t.contains(">&") && target.chars().all(|c| c.is_ascii_digit())
                || matches!(target, "/dev/null" | "/dev/stderr" | "/dev/stdout");
            if !ok {
                self.report(
                    Diagnostic::new(
                        Code::ShellConstruct,
                        *r,
                        "fhc does not evaluate redirections to files",
                    )
                    .with_label("reads or writes a file on the host")
                    .with_help("remove the redirection; a firewall configuration does not need it"),
                );
                return false;
            }
        }
        true
    }

    /// `NAME=value` or `NAME=(a b)`. False when the value cannot be evaluated.
    /// The words of the source inside `span`, in order.
    pub(super) fn words_in(&self, span: Span) -> Vec<&'a Word> {
        let pieces: &'a [Piece] = &self.src.parse.pieces;
        let lo = pieces.partition_point(|p| p.span().start < span.start);
        pieces[lo..]
            .iter()
            .take_while(|p| p.span().end <= span.end)
            .filter_map(|p| match p {
                Piece::Word(w) => Some(w),
                Piece::Op(..) => None,
            })
            .collect()
    }

    /// A FireHOL command: expanded, and read again when expansion changed its words.
    fn command(&mut self, c: &'a std::sync::Arc<Command>) -> Flow {
        let words = self.words_in(c.span);
        let name = c.name.literal().unwrap_or_default();
        // A function of the same name replaces FireHOL's command, as in bash.
        if c.family.is_none_or(|f| !f.prefix) && self.functions.contains_key(name) {
            return self.call_words(name, &words[1..], c.span, c.name.span);
        }
        if words
            .iter()
            .all(|w| w.bare().is_some_and(|b| !super::braces::has_group(b)))
        {
            self.status = 0;
            let stmt = Stmt {
                span: c.span,
                lead: vec![],
                kind: StmtKind::Command(c.clone()),
                redirects: vec![],
            };
            let argv = words
                .iter()
                .filter_map(|w| w.bare())
                .map(str::to_string)
                .collect();
            self.produce(stmt, argv);
            return Flow::Normal;
        }
        let Some(fields) = self.all_fields(&words) else {
            return Flow::Normal;
        };
        // (after the words: `$?` in them is the previous command's)
        self.status = 0;
        if let Some(stmt) = self.substituted(c, &words, &fields) {
            // The syntax checks skipped this command (its words expand): they run here.
            if let (StmtKind::Command(c), false) = (&stmt.kind, self.uncertain) {
                for d in crate::syntax::validate::command(c) {
                    self.report(d);
                }
            }
            let argv = fields.into_iter().map(|f| f.text).collect();
            self.produce(stmt, argv);
            return Flow::Normal;
        }
        self.run_fields(fields, c.span)
    }

    /// The command with each expanded word replaced by its value, when that cannot change how
    /// it reads (one field per word, each a plain value): reading it again would give the same
    /// tree, at the cost of building the grammar.
    fn substituted(&self, c: &Command, words: &[&Word], fields: &[Field]) -> Option<Stmt> {
        if fields.len() != words.len() {
            return None;
        }
        let mut by_span = crate::hash::FastMap::default();
        for (w, f) in words.iter().zip(fields) {
            if w.bare().is_some() {
                continue;
            }
            if std::ptr::eq(*w, &c.name) || !crate::syntax::parser::reads_as_value(&f.text) {
                return None;
            }
            by_span.insert((w.span.start, w.span.end), f.word());
        }
        let mut c = Command::clone(c);
        c.words_mut(&mut |w| {
            if let Some(new) = by_span.get(&(w.span.start, w.span.end)) {
                *w = new.clone();
            }
        });
        Some(Stmt {
            span: c.span,
            lead: vec![],
            kind: StmtKind::Command(std::sync::Arc::new(c)),
            redirects: vec![],
        })
    }

    /// Runs the statement these fields make (a FireHOL command, or a function).
    fn run_fields(&mut self, fields: Vec<Field>, span: Span) -> Flow {
        let Some(first) = fields.first() else {
            return Flow::Normal;
        };
        if self.functions.contains_key(&first.text) {
            let name = first.text.clone();
            let name_span = first.span;
            let args = fields[1..].iter().map(|f| f.text.clone()).collect();
            self.call(&name, args, span, name_span);
            return if self.stopped {
                Flow::Stop
            } else {
                Flow::Normal
            };
        }
        let words: Vec<Word> = fields.iter().map(Field::word).collect();
        let stmt = crate::syntax::parser::parse_words(&words);
        match &stmt.kind {
            StmtKind::Command(c) => {
                // The syntax checks, on the words FireHOL's function receives.
                if !self.uncertain {
                    for d in crate::syntax::validate::command(c) {
                        self.report(d);
                    }
                }
                let argv = fields.iter().map(|f| f.text.clone()).collect();
                self.produce(stmt, argv)
            }
            _ => {
                let d = Diagnostic::new(
                    Code::UnknownCommand,
                    first.span,
                    format!("`{}` is not a FireHOL command or a function", first.text),
                )
                .with_label("this is what the word expands to here");
                self.report(d);
                self.status = 127;
            }
        }
        Flow::Normal
    }

    /// Hands a FireHOL command to the model.
    fn produce(&mut self, mut stmt: Stmt, argv: Vec<String>) {
        let bytes: usize = match &stmt.kind {
            StmtKind::Command(c) => c.span.len().max(1),
            _ => 1,
        };
        self.output_bytes += bytes;
        self.commands += 1;
        if self.output_bytes > self.limits.output_bytes || self.commands > self.limits.commands {
            self.limit(
                stmt.span,
                format!(
                    "the configuration produced more than {} FireHOL commands or {} of them",
                    self.limits.commands,
                    size(self.limits.output_bytes)
                ),
            );
            return;
        }
        stmt.lead.clear();
        self.emit(EventKind::Command {
            stmt: Box::new(stmt),
            argv,
        });
    }

    /// A word in command position that is not a FireHOL command: a function, or a command that
    /// comes out of an expansion (`$CMD args`).
    fn unknown_command(&mut self, stmt: &'a Stmt, u: &'a UnknownCommand) -> Flow {
        let quoted_command = u.name.bare().is_none()
            && u.name
                .literal()
                .is_some_and(crate::syntax::parser::is_command_word);
        if let Some(name) = u.name.literal().filter(|_| !quoted_command) {
            if self.functions.contains_key(name) {
                let words = self.words_in(Span::new(u.name.span.start, stmt.span.end));
                return self.call_words(name, &words[1..], stmt.span, u.name.span);
            }
            if let Some(def) = self.out.functions.iter().find(|f| f.name == name) {
                let def_span = def.name_span;
                let later = def_span.start > self.at(u.name.span).start;
                let d = Diagnostic::new(
                    Code::UnknownCommand,
                    u.name.span,
                    format!(
                        "`{name}` is not defined {}",
                        if later {
                            "yet: bash defines a function when it reaches it"
                        } else {
                            "here"
                        }
                    ),
                )
                .with_label("called before its definition has run")
                .with_secondary(def_span, "defined here")
                .with_help("move the definition above the first call");
                self.report(d);
            }
            if u.name.bare().is_some() {
                // An unknown command, reported by the syntax checks.
                self.status = 127;
                return Flow::Normal;
            }
        }
        let words = self.words_in(Span::new(u.name.span.start, stmt.span.end));
        let Some(fields) = self.all_fields(&words) else {
            return Flow::Normal;
        };
        self.run_fields(fields, stmt.span)
    }

    /// Calls a function with the statement's words (expanded) as arguments.
    fn call_words(&mut self, name: &str, args: &[&'a Word], span: Span, name_span: Span) -> Flow {
        let Some(fields) = self.all_fields(args) else {
            return Flow::Normal;
        };
        let args = fields.into_iter().map(|f| f.text).collect();
        self.call(name, args, span, name_span);
        if self.stopped {
            Flow::Stop
        } else {
            Flow::Normal
        }
    }

    /// Every word's fields, in order; `None` when one cannot be evaluated (already reported).
    pub(super) fn all_fields(&mut self, words: &[&'a Word]) -> Option<Vec<Field>> {
        let mut out = Vec::new();
        for w in words {
            out.extend(self.fields(w)?);
        }
        Some(out)
    }
}

impl Field {
    /// The field as a word of its own (a literal, spanning the word it came from).
    pub(super) fn word(&self) -> Word {
        Word::new(
            self.span,
            vec![WordPart {
                span: self.span,
                kind: PartKind::Literal(self.text.as_str().into()),
            }],
        )
    }
}
