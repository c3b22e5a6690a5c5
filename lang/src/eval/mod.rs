//! The shell stage: runs the bash of a configuration without a shell, and hands the model the
//! FireHOL commands it would call, in the order bash would call them, with their words expanded.
//!
//! A FireHOL configuration is a bash script: FireHOL's commands are functions it calls. So fhc
//! evaluates the deterministic part of bash itself (loops, conditions, `case`, functions,
//! arithmetic, parameter expansions, word splitting) and reports, at its place, whatever depends
//! on the host (files, programs' output, the environment) with the way out: `--define`.
//!
//! Globs: fhc never looks at files, so a glob character stays as written, which is what bash
//! does when nothing matches (a configuration does not mean to match files in FireHOL's working
//! directory; a word like `10.0.0.*` is not an address anyway).
//!
//! Files: `blocks` pairs the reserved words (in `syntax`); `run` walks the blocks; `commands`
//! runs one statement (FireHOL commands, calls, lists); `assign` the assignments; `builtins` the shell builtins;
//! `braces` brace expansion; `expand` turns words into fields; `params` the `${...}` forms; `cond` the `test`/`[`/`[[`
//! conditions; `pattern` bash globs; `vars` the variables and their scopes.

mod assign;
mod braces;
mod builtins;
mod commands;
mod cond;
mod expand;
mod params;
pub mod pattern;
mod run;
mod vars;

use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::Stmt;
use std::sync::Arc;

pub use run::evaluate;

/// Where an evaluated statement came from, beyond its own line: the function calls and loop
/// iterations it is inside (outermost first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ctx(pub Arc<[Frame]>);

impl Ctx {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn frames(&self) -> &[Frame] {
        &self.0
    }

    /// The innermost call's statement (the line that called the function this runs in).
    pub fn caller(&self) -> Option<Span> {
        self.0.iter().rev().find_map(|f| match f {
            Frame::Call { span, .. } => Some(*span),
            Frame::Iteration { .. } => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Inside function `function`, called by the statement at `span`.
    Call { function: String, span: Span },
    /// Inside the iteration of a `for` loop (`span`: its header) where `var` is `value`.
    Iteration {
        var: String,
        value: String,
        span: Span,
    },
}

impl Frame {
    /// How a diagnostic names it: `f` called here, `for port=443`.
    pub fn describe(&self) -> String {
        match self {
            Frame::Call { function, .. } => format!("in `{function}`, called here"),
            Frame::Iteration { var, value, .. } => format!("for {var}={value}"),
        }
    }
}

/// `d` with the calls and iterations it happened in (`frames`, outermost first): a label at each
/// calling line and a note for each iteration, innermost first. A recursion passes the same
/// lines again and again: each is named once, with how many times it called (256 labels on one
/// line told a sysadmin nothing and made a 2 KB file's report half a megabyte). Identical
/// iteration notes (a loop in a recursion) are given once too: a repeat says nothing new.
pub fn with_frames(mut d: Diagnostic, frames: &[Frame]) -> Diagnostic {
    // Few distinct places even in a deep recursion: a list searched in order keeps them in the
    // order first met.
    let mut places: Vec<(Option<Span>, String, usize)> = Vec::new();
    for f in frames.iter().rev() {
        let (span, text) = match f {
            Frame::Call { span, .. } => (Some(*span), f.describe()),
            Frame::Iteration { .. } => (None, format!("in the iteration {}", f.describe())),
        };
        match places.iter_mut().find(|p| p.0 == span && p.1 == text) {
            Some(p) => p.2 += 1,
            None => places.push((span, text, 1)),
        }
    }
    for (span, text, times) in places {
        d = match span {
            Some(span) if times > 1 => {
                d.with_secondary(span, format!("{text} ({times} nested calls)"))
            }
            Some(span) => d.with_secondary(span, text),
            None => d.with_note(text),
        };
    }
    d
}

/// One thing the configuration did that the model needs, in evaluation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub ctx: Ctx,
    /// The words of it that needed a value only the host knows (reported where that value was
    /// assigned): the model takes the command (a section still opens) but says nothing about
    /// those words.
    pub uncertain: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A variable was set (`span`: the assignment's name, or the loop's variable; `end`: where
    /// the assignment ends, from where the value holds).
    Assign {
        name: String,
        value: String,
        span: Span,
        end: usize,
    },
    /// `unset NAME` (`end`: where the word ends).
    Unset { name: String, end: usize },
    /// A FireHOL command, its words expanded (every word a literal whose span is the word of the
    /// source it came from); `argv` is what FireHOL's function receives, its name first.
    Command { stmt: Box<Stmt>, argv: Vec<String> },
}

/// A function the file defines, for the editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// The name in its definition.
    pub name_span: Span,
    /// The whole definition.
    pub span: Span,
}

/// A call of a function: the name's span at the call, which function, and the events the call
/// produced (`events[range]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub name_span: Span,
    pub function: usize,
    pub events: std::ops::Range<usize>,
}

/// A loop variable's binding, for the editor: `for NAME in` at `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopVar {
    pub name: String,
    pub span: Span,
}

/// What evaluating a file gave.
#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub events: Vec<Event>,
    pub diagnostics: Vec<Diagnostic>,
    pub functions: Vec<Function>,
    pub calls: Vec<Call>,
    pub loop_vars: Vec<LoopVar>,
    /// A limit stopped the evaluation (E0018): what it produced is a fragment of a runaway, and
    /// the model does not build it (that would cost what the limit saves).
    pub runaway: bool,
}

impl Evaluation {
    /// The FireHOL commands the file runs, in order: the statement (as read from its expanded
    /// words), what FireHOL's function receives, and where it ran.
    pub fn commands(&self) -> impl Iterator<Item = (&Stmt, &[String], &Ctx)> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Command { stmt, argv } => Some((&**stmt, argv.as_slice(), &e.ctx)),
            _ => None,
        })
    }
}

/// A word as a shell would read it back: quoted when it is empty or holds blanks or quotes.
pub fn quote(w: &str) -> String {
    if !w.is_empty()
        && !w.contains(|c: char| c.is_whitespace() || "\"'$`\\;&|<>()*?[]#~".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// Variables given from outside (`--define NAME=VALUE`): set before the configuration runs, and
/// they answer for a value the configuration would read from the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Defines(pub Vec<(String, String)>);

impl Defines {
    /// Parses `NAME=VALUE`.
    pub fn parse_one(s: &str) -> Result<(String, String), String> {
        let (name, value) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected NAME=VALUE"))?;
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(format!("`{name}` is not a shell variable name"));
        }
        Ok((name.to_string(), value.to_string()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The limits that turn a runaway configuration into a diagnostic instead of a hang. The
/// defaults are far above what a real configuration needs (the largest real ones produce a few
/// thousand commands); the fuzz targets run with small ones, which take the same paths without
/// spending a second on every runaway input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Iterations of one loop.
    pub loop_iterations: usize,
    /// Nested function calls.
    pub call_depth: usize,
    /// Statements run in the whole file.
    pub steps: usize,
    /// Bytes in one variable's value (and in a command's positional parameters).
    pub value_bytes: usize,
    /// Positional parameters of one call (or `set --`).
    pub args: usize,
    /// FireHOL commands produced.
    pub commands: usize,
    /// Bytes of words in all the FireHOL commands produced.
    pub output_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        loop_iterations: 10_000,
        call_depth: 256,
        steps: 1_000_000,
        value_bytes: 1 << 20,
        args: 100_000,
        commands: 100_000,
        output_bytes: 8 << 20,
    };

    /// Every limit reached within milliseconds, for the fuzz targets: a runaway input takes the
    /// same paths as with [`Limits::DEFAULT`] (each limit still stops it), but not a second of
    /// work first, which made the few runaway inputs of a corpus most of a campaign's time.
    pub const SMALL: Limits = Limits {
        loop_iterations: 100,
        call_depth: 16,
        steps: 10_000,
        value_bytes: 16 << 10,
        args: 1_000,
        commands: 1_000,
        output_bytes: 64 << 10,
    };

    /// An empty prelude with these limits: the configuration alone, as the fuzz targets analyze
    /// it.
    pub fn prelude(self) -> crate::Prelude {
        let mut p = crate::Prelude::none();
        p.set_limits(self);
        p
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A size as a diagnostic gives it: `1 MiB`, `4096 bytes`.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}
