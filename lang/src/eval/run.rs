//! The walk over the blocks: conditions, loops, `case`, function definitions and calls, with
//! the limits that stop a runaway file.

use super::vars::{Value, Vars};
use super::{
    Call, Ctx, Defines, Evaluation, Event, EventKind, Frame, Function, Limits, LoopVar, size,
};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::hash::FastMap;
use crate::model::expand::Env;
use crate::span::Span;
use crate::syntax::Parse;
use crate::syntax::ast::{ShellStmt, StmtKind, Word};
use crate::syntax::blocks::{Blocks, Node};
use std::collections::HashSet;
use std::sync::Arc;

/// `$?` of a statement fhc refused to run (reported): nothing may depend on it.
pub(super) const UNKNOWN: i32 = -1;

/// What a statement or block tells the blocks around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Normal,
    /// `break N` / `continue N`: how many loops are left to leave.
    Break(usize),
    Continue(usize),
    /// `return` (from a function, or at the top: the rest of the file is skipped, as FireHOL
    /// sources the file at its top level).
    Return,
    /// A limit was hit or a value could not be evaluated where it decides what runs: nothing
    /// more is run.
    Stop,
}

/// The source being run: the configuration, or the text of a command substitution inside it
/// (`base`: where that text starts in the configuration).
pub(super) struct Src<'a> {
    pub text: &'a str,
    pub parse: &'a Parse,
    pub base: usize,
}

pub(super) struct Runner<'a> {
    pub src: &'a Src<'a>,
    pub vars: Vars,
    /// The functions defined so far: header statement, body, and the source they are in (a
    /// function of the configuration may be called inside a command substitution).
    pub functions: FastMap<String, (usize, &'a [Node], &'a Src<'a>)>,
    /// `$1`..., one list per call (the top level's is empty, as when FireHOL runs).
    pub positional: Vec<Vec<String>>,
    /// `$?`
    pub status: i32,
    pub frames: Vec<Frame>,
    ctx: Ctx,
    pub out: Evaluation,
    pub defines: &'a Defines,
    pub limits: Limits,
    steps: usize,
    pub output_bytes: usize,
    pub commands: usize,
    /// Diagnostics already given (a statement in a loop reports once).
    reported: HashSet<(Code, Span)>,
    /// Set inside a command substitution: what `echo`/`printf` print goes here.
    pub capture: Option<String>,
    /// Set when a runaway limit stopped the evaluation.
    pub stopped: bool,
    /// The variable whose value is being expanded (`NAME=...`): the way out names it.
    pub assigning: Option<String>,
    /// Loops around the statement being run (`break 5` in two loops leaves both).
    pub loops: usize,
    /// Command substitutions around the text being run.
    pub depth: usize,
    /// The statement being run used a variable only the host knows ...
    pub uncertain: bool,
    /// ... in these words.
    pub uncertain_words: Vec<Span>,
}

/// Runs a parsed configuration. `env` holds what is in force before it runs (FireHOL's
/// predefined variables, the defaults and services files, the defines); `limits` stop a
/// runaway.
pub fn evaluate(
    text: &str,
    parse: &Parse,
    env: &Env,
    defines: &Defines,
    limits: &Limits,
) -> Evaluation {
    let blocks = crate::syntax::blocks::blocks(&parse.file);
    let src = Src {
        text,
        parse,
        base: 0,
    };
    let mut r = Runner::new(&src, vars_from(env), defines, *limits);
    r.out.diagnostics.extend(blocks.errors.iter().cloned());
    if blocks.errors.is_empty() {
        r.functions_of(&blocks);
        r.block(&blocks.nodes);
    }
    r.out
}

fn vars_from(env: &Env) -> Vars {
    let mut vars = Vars::default();
    vars.set(
        "IFS",
        Value::Scalar(super::assign::DEFAULT_IFS.to_string()),
        None,
    );
    for (name, v) in env.iter() {
        vars.set(name, Value::Scalar(v.value.clone()), v.defined_at);
    }
    vars
}

impl<'a> Runner<'a> {
    pub(super) fn new(src: &'a Src<'a>, vars: Vars, defines: &'a Defines, limits: Limits) -> Self {
        Runner {
            src,
            vars,
            functions: FastMap::default(),
            positional: vec![Vec::new()],
            status: 0,
            frames: Vec::new(),
            ctx: Ctx::default(),
            out: Evaluation::default(),
            defines,
            limits,
            steps: 0,
            output_bytes: 0,
            commands: 0,
            reported: HashSet::new(),
            capture: None,
            stopped: false,
            assigning: None,
            loops: 0,
            depth: 0,
            uncertain: false,
            uncertain_words: Vec::new(),
        }
    }

    /// Records the file's function definitions for the editor (calls bind at run time).
    fn functions_of(&mut self, blocks: &Blocks) {
        let stmts = &self.src.parse.file.stmts;
        let out = &mut self.out.functions;
        crate::syntax::blocks::visit(&blocks.nodes, false, &mut |n, _| {
            if let Node::Function { header, span, .. } = n
                && let StmtKind::Shell(ShellStmt::FunctionDef { name }) = &stmts[*header].kind
            {
                out.push(Function {
                    name: name.literal().unwrap_or_default().to_string(),
                    name_span: name.span,
                    span: *span,
                });
            }
        });
    }

    /// A span of the source being run, as a span of the configuration.
    pub(super) fn at(&self, s: Span) -> Span {
        Span::new(s.start + self.src.base, s.end + self.src.base)
    }

    pub(super) fn ctx(&mut self) -> Ctx {
        if self.ctx.0.len() != self.frames.len() || self.ctx.0[..] != self.frames[..] {
            self.ctx = Ctx(Arc::from(self.frames.as_slice()));
        }
        self.ctx.clone()
    }

    /// Reports a diagnostic once per place (spans of the source being run), with the calls and
    /// iterations it happened in.
    pub(super) fn report(&mut self, mut d: Diagnostic) {
        d.span = self.at(d.span);
        for l in &mut d.labels {
            l.span = self.at(l.span);
        }
        if !self.reported.insert((d.code, d.span)) {
            return;
        }
        let d = super::with_frames(d, &self.frames);
        self.out.diagnostics.push(d);
    }

    pub(super) fn emit(&mut self, kind: EventKind) {
        let ctx = self.ctx();
        let uncertain = if self.uncertain {
            self.uncertain_words.clone()
        } else {
            Vec::new()
        };
        self.out.events.push(Event {
            kind,
            ctx,
            uncertain,
        });
    }

    /// Counts a statement run; false (after an error) once the file has run too many.
    pub(super) fn step(&mut self, span: Span) -> bool {
        self.steps += 1;
        if self.steps > self.limits.steps {
            self.limit(
                span,
                format!(
                    "the configuration ran more than {} statements",
                    self.limits.steps
                ),
            );
            return false;
        }
        !self.stopped
    }

    /// A runaway limit: reported at `span`, and nothing more runs.
    pub(super) fn limit(&mut self, span: Span, msg: String) {
        if !self.stopped {
            self.stopped = true;
            self.out.runaway = true;
            self.report(
                Diagnostic::new(Code::EvalLimit, span, msg)
                    .with_label("fhc stopped evaluating here")
                    .with_help("a configuration is meant to end: check the loop's condition or the recursion"),
            );
        }
    }

    pub(super) fn block(&mut self, nodes: &'a [Node]) -> Flow {
        for n in nodes {
            let flow = self.node(n);
            if flow != Flow::Normal {
                return flow;
            }
        }
        Flow::Normal
    }

    fn node(&mut self, n: &'a Node) -> Flow {
        if self.stopped {
            return Flow::Stop;
        }
        match n {
            Node::Stmt(i) => self.statement(&self.src.parse.file.stmts[*i]),
            Node::If {
                arms, otherwise, ..
            } => {
                for arm in arms {
                    match self.block(&arm.cond) {
                        Flow::Normal => {}
                        other => return other,
                    }
                    if self.status == UNKNOWN {
                        return Flow::Stop;
                    }
                    if self.status == 0 {
                        return self.block(&arm.body);
                    }
                }
                match otherwise {
                    Some(body) => self.block(body),
                    None => {
                        self.status = 0;
                        Flow::Normal
                    }
                }
            }
            Node::Loop {
                until,
                cond,
                body,
                span,
            } => self.while_loop(*until, cond, body, *span),
            Node::For { header, body, .. } => self.for_loop(*header, body),
            Node::Case { header, arms, .. } => self.case(*header, arms),
            Node::Function { header, body, .. } => {
                if let StmtKind::Shell(ShellStmt::FunctionDef { name }) =
                    &self.src.parse.file.stmts[*header].kind
                    && let Some(n) = name.literal()
                {
                    self.functions
                        .insert(n.to_string(), (*header, body, self.src));
                }
                self.status = 0;
                Flow::Normal
            }
            Node::Group { body, .. } => self.block(body),
        }
    }

    /// A loop body's flow: whether the loop goes on, and what it passes outwards.
    fn loop_flow(flow: Flow) -> (bool, Flow) {
        match flow {
            Flow::Normal | Flow::Continue(0) => (true, Flow::Normal),
            Flow::Break(0) | Flow::Break(1) => (false, Flow::Normal),
            Flow::Continue(1) => (true, Flow::Normal),
            Flow::Break(n) => (false, Flow::Break(n - 1)),
            Flow::Continue(n) => (false, Flow::Continue(n - 1)),
            other => (false, other),
        }
    }

    fn while_loop(&mut self, until: bool, cond: &'a [Node], body: &'a [Node], span: Span) -> Flow {
        self.loops += 1;
        let flow = self.while_inner(until, cond, body, span);
        self.loops -= 1;
        flow
    }

    fn while_inner(&mut self, until: bool, cond: &'a [Node], body: &'a [Node], span: Span) -> Flow {
        let mut n = 0;
        // The loop's status: its body's last, or 0 when the body never ran.
        let mut last = 0;
        loop {
            n += 1;
            if n > self.limits.loop_iterations {
                let word = if until { "until" } else { "while" };
                self.limit(
                    Span::new(span.start, span.start + word.len()),
                    format!(
                        "this `{word}` loop ran {} times without ending",
                        self.limits.loop_iterations
                    ),
                );
                return Flow::Stop;
            }
            match self.block(cond) {
                Flow::Normal => {}
                other => return other,
            }
            if self.status == UNKNOWN {
                return Flow::Stop;
            }
            if (self.status == 0) == until {
                self.status = last;
                return Flow::Normal;
            }
            let (go_on, out) = Self::loop_flow(self.block(body));
            last = self.status;
            if !go_on {
                return out;
            }
        }
    }

    fn for_loop(&mut self, header: usize, body: &'a [Node]) -> Flow {
        let stmt = &self.src.parse.file.stmts[header];
        let StmtKind::Shell(ShellStmt::For {
            keyword,
            var: Some(var),
            words,
        }) = &stmt.kind
        else {
            return Flow::Normal;
        };
        let name = var.literal().unwrap_or_default().to_string();
        let var_span = self.at(var.span);
        self.out.loop_vars.push(LoopVar {
            name: name.clone(),
            span: var_span,
        });
        let values: Vec<String> = match words {
            None => self.positional.last().cloned().unwrap_or_default(),
            Some(ws) => {
                let mut all = Vec::new();
                for w in ws {
                    match self.fields(w) {
                        Some(f) => all.extend(f.into_iter().map(|f| f.text)),
                        None => return Flow::Stop,
                    }
                }
                // What it loops over needs the host (reported): so does everything it runs.
                if self.uncertain {
                    return Flow::Stop;
                }
                all
            }
        };
        if values.len() > self.limits.loop_iterations {
            self.limit(
                keyword.span,
                format!("this `for` loop has {} values", values.len()),
            );
            return Flow::Stop;
        }
        self.status = 0;
        let header_span = self.at(Span::new(keyword.span.start, stmt.span.end));
        self.loops += 1;
        let flow = self.for_values(&name, var, var_span, header_span, values, body);
        self.loops -= 1;
        flow
    }

    fn for_values(
        &mut self,
        name: &str,
        var: &Word,
        var_span: Span,
        header_span: Span,
        values: Vec<String>,
        body: &'a [Node],
    ) -> Flow {
        for value in values {
            if self.vars.is_readonly(name) {
                self.readonly_error(var.span, name);
                return Flow::Stop;
            }
            self.vars
                .set(name, Value::Scalar(value.clone()), Some(var_span));
            self.emit(EventKind::Assign {
                name: name.to_string(),
                value: value.clone(),
                span: var_span,
                end: var_span.end,
            });
            self.frames.push(Frame::Iteration {
                var: name.to_string(),
                value,
                span: header_span,
            });
            let flow = self.block(body);
            self.frames.pop();
            let (go_on, out) = Self::loop_flow(flow);
            if !go_on {
                return out;
            }
        }
        Flow::Normal
    }

    fn case(&mut self, header: usize, arms: &'a [crate::syntax::blocks::CaseArm]) -> Flow {
        let stmts = &self.src.parse.file.stmts;
        let StmtKind::Shell(ShellStmt::Case {
            subject: Some(subject),
            ..
        }) = &stmts[header].kind
        else {
            return Flow::Normal;
        };
        let Some(value) = self.string(subject) else {
            return Flow::Stop;
        };
        if self.uncertain {
            return Flow::Stop;
        }
        self.status = 0;
        for arm in arms {
            let StmtKind::Shell(ShellStmt::CasePattern { patterns }) = &stmts[arm.pattern].kind
            else {
                continue;
            };
            for p in patterns {
                let Some(pat) = self.pattern(p) else {
                    return Flow::Stop;
                };
                if super::pattern::matches(&pat, &value) {
                    return self.block(&arm.body);
                }
            }
        }
        Flow::Normal
    }

    /// Positional parameters built from the caller's own (`"$@"` or `"$*"` passed down a
    /// recursion, or `set -- "$@" "$@"` in a loop) double at each step: bounded like a
    /// variable's value, in bytes and in count (empty arguments weigh nothing). True, with
    /// E0018 at `span`, when `args` is past either bound.
    pub(super) fn positional_runaway(&mut self, args: &[String], span: Span, what: &str) -> bool {
        let bytes: usize = args.iter().map(String::len).sum();
        if bytes <= self.limits.value_bytes && args.len() <= self.limits.args {
            return false;
        }
        self.limit(
            span,
            format!(
                "{what} grew past {} or {} words",
                size(self.limits.value_bytes),
                self.limits.args
            ),
        );
        true
    }

    /// Calls function `name` with `args` from the statement at `call` (its name at `name_span`).
    pub(super) fn call(&mut self, name: &str, args: Vec<String>, call: Span, name_span: Span) {
        let Some(&(header, body, src)) = self.functions.get(name) else {
            return;
        };
        if self
            .frames
            .iter()
            .filter(|f| matches!(f, Frame::Call { .. }))
            .count()
            >= self.limits.call_depth
        {
            self.limit(
                name_span,
                format!(
                    "functions called each other more than {} deep",
                    self.limits.call_depth
                ),
            );
            return;
        }
        if self.positional_runaway(&args, name_span, &format!("the arguments of `{name}`")) {
            return;
        }
        let first = self.out.events.len();
        let call_span = self.at(call);
        self.frames.push(Frame::Call {
            function: name.to_string(),
            span: call_span,
        });
        self.positional.push(args);
        self.vars.push_frame();
        self.status = 0;
        let caller = std::mem::replace(&mut self.src, src);
        let flow = self.block(body);
        self.src = caller;
        self.vars.pop_frame();
        self.positional.pop();
        self.frames.pop();
        if flow == Flow::Stop {
            self.stopped = true;
        }
        let function = self
            .out
            .functions
            .iter()
            .position(|f| {
                Some(f.name_span)
                    == match &src.parse.file.stmts[header].kind {
                        StmtKind::Shell(ShellStmt::FunctionDef { name }) => Some(Span::new(
                            name.span.start + src.base,
                            name.span.end + src.base,
                        )),
                        _ => None,
                    }
            })
            .unwrap_or(usize::MAX);
        let name_span = self.at(name_span);
        let last = self.out.events.len();
        self.out.calls.push(Call {
            name_span,
            function,
            events: first..last,
        });
    }

    /// After a statement fhc refused (and reported): the evaluation goes on, but a condition
    /// on its status stops it.
    pub(super) fn unknown(&mut self) -> Flow {
        self.status = UNKNOWN;
        Flow::Normal
    }

    pub(super) fn readonly_error(&mut self, span: Span, name: &str) {
        self.report(
            Diagnostic::new(
                Code::ShellCommand,
                span,
                format!("`{name}` is read-only; bash refuses to change it"),
            )
            .with_label("assignment to a read-only variable"),
        );
    }
}
