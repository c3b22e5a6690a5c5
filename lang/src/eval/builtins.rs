//! The shell builtins fhc runs (`test`/`[`/`[[`, `true`, `false`, `:`, `local`, `declare`,
//! `export`, `readonly`, `shift`, `return`, `break`, `continue`, `let`, `set`, `echo`,
//! `printf`), command substitution of those, and what it refuses to run.

use super::cond::Arg;
use super::run::{Flow, Runner, Src};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

/// Variables the shell or the environment gives, which a configuration cannot know statically.
pub(super) fn host_variable(name: &str) -> Option<&'static str> {
    Some(match name {
        "RANDOM" | "SRANDOM" => "random",
        "SECONDS" | "EPOCHSECONDS" | "EPOCHREALTIME" => "the time",
        "HOSTNAME" | "HOSTTYPE" | "OSTYPE" | "MACHTYPE" => "a fact of the host",
        "HOME" | "USER" | "LOGNAME" | "PATH" | "PWD" | "OLDPWD" | "SHELL" | "TERM" | "LANG"
        | "UID" | "EUID" | "PPID" | "BASHPID" | "BASH_VERSION" | "LINENO" | "SUDO_USER" => {
            "read from the environment FireHOL runs in"
        }
        _ => return None,
    })
}

/// How deep `$(...)` may nest (each level is a shell of its own for bash, a walk for fhc).
const MAX_SUBSTITUTIONS: usize = 16;

/// Builtins a command substitution may run: their output is known without the host.
const PURE: &[&str] = &["echo", "printf", "test", "[", "[[", "true", "false", ":"];

impl<'a> Runner<'a> {
    pub(super) fn builtin(&mut self, stmt: &'a Stmt, name: &'a Word, args: &'a [Word]) -> Flow {
        let n = name.literal().unwrap_or_default();
        match n {
            "true" | ":" => {
                if self.all_fields(&args.iter().collect::<Vec<_>>()).is_none() {
                    return Flow::Stop;
                }
                self.status = 0;
            }
            "false" => self.status = 1,
            "test" | "[" | "[[" => return self.test(stmt, n, args),
            "echo" | "printf" => return self.print(stmt, n, args),
            "local" | "declare" | "typeset" | "export" | "readonly" => {
                return self.declare(n, name, args);
            }
            "shift" => {
                let k = match args.first() {
                    Some(w) => match self.string(w).map(|s| s.trim().parse::<usize>()) {
                        Some(Ok(k)) => k,
                        _ => return self.refuse(name, "`shift` takes a number"),
                    },
                    None => 1,
                };
                let top = self.positional.last_mut();
                match top {
                    Some(p) if p.len() >= k => {
                        p.drain(..k);
                        self.status = 0;
                    }
                    _ => self.status = 1,
                }
            }
            "return" => {
                if let Some(w) = args.first() {
                    match self.string(w).map(|s| s.trim().parse::<i32>()) {
                        Some(Ok(v)) => self.status = v & 0xff,
                        _ => return self.refuse(name, "`return` takes a number"),
                    }
                }
                return Flow::Return;
            }
            "break" | "continue" => {
                let k = match args.first() {
                    Some(w) => match self.string(w).map(|s| s.trim().parse::<usize>()) {
                        Some(Ok(k)) if k >= 1 => k,
                        _ => return self.refuse(name, "takes a number from 1 up"),
                    },
                    None => 1,
                };
                self.status = 0;
                if self.loops == 0 {
                    // bash says "only meaningful in a loop" and goes on.
                    self.report(
                        Diagnostic::new(
                            Code::HarmlessShell,
                            name.span,
                            format!("`{n}` outside a loop does nothing"),
                        )
                        .with_label("no loop around it"),
                    );
                    return Flow::Normal;
                }
                // `break 3` in two loops leaves both, as in bash.
                let k = k.min(self.loops);
                return if n == "break" {
                    Flow::Break(k)
                } else {
                    Flow::Continue(k)
                };
            }
            "let" => {
                let mut last = 0;
                for w in args {
                    let Some(text) = self.string(w) else {
                        return Flow::Stop;
                    };
                    match self.arith_expanded(&text, w.span) {
                        Some(v) => last = v,
                        None => return Flow::Stop,
                    }
                }
                self.status = i32::from(last == 0);
            }
            "set" => return self.set(name, args),
            "exit" => {
                return self.refuse(
                    name,
                    "FireHOL 3.1.7 disables `exit` while it reads the configuration (bash says `command not found` and goes on)",
                );
            }
            _ => {
                return self.refuse(
                    name,
                    "fhc reads the configuration; it does not run programs or change the shell",
                );
            }
        }
        Flow::Normal
    }

    /// A builtin or program fhc does not run: an error, and nothing more runs.
    fn refuse(&mut self, name: &Word, why: &str) -> Flow {
        let n = name.literal().unwrap_or("this");
        self.report(
            Diagnostic::new(
                Code::ShellCommand,
                name.span,
                format!("fhc cannot run `{n}`"),
            )
            .with_label(why.to_string())
            .with_help("remove it, or give the value it would produce with `--define NAME=VALUE`"),
        );
        self.unknown()
    }

    fn test(&mut self, stmt: &'a Stmt, n: &str, args: &'a [Word]) -> Flow {
        let double = n == "[[";
        let mut words: Vec<&Word> = args.iter().collect();
        if n != "test" {
            let close = if double { "]]" } else { "]" };
            if words.last().and_then(|w| w.bare()) != Some(close) {
                let at = words.last().map_or(stmt.span, |w| w.span);
                self.report(
                    Diagnostic::new(
                        Code::ShellCommand,
                        at,
                        format!("`{n}` is not closed with `{close}`"),
                    )
                    .with_label("bash refuses the condition")
                    .with_help(format!(
                        "end the condition with ` {close}` (the spaces matter)"
                    )),
                );
                return self.unknown();
            }
            words.pop();
        }
        let mut list = Vec::new();
        for w in words {
            if double {
                let (Some(text), Some(pattern)) = (self.string(w), self.pattern(w)) else {
                    return Flow::Stop;
                };
                list.push(Arg {
                    text,
                    span: w.span,
                    pattern: Some(pattern),
                });
            } else {
                let Some(fields) = self.fields(w) else {
                    return Flow::Stop;
                };
                list.extend(fields.into_iter().map(|f| Arg {
                    text: f.text,
                    span: f.span,
                    pattern: None,
                }));
            }
        }
        if self.uncertain {
            return self.unknown();
        }
        match self.condition(&list, double, stmt.span) {
            Some(s) => {
                self.status = s;
                Flow::Normal
            }
            None => self.unknown(),
        }
    }

    /// `echo` and `printf`: what they print goes to a command substitution's output (unless it
    /// is redirected away), or nowhere; `printf -v NAME` assigns it.
    fn print(&mut self, stmt: &'a Stmt, n: &str, args: &'a [Word]) -> Flow {
        let Some(fields) = self.all_fields(&args.iter().collect::<Vec<_>>()) else {
            return Flow::Stop;
        };
        self.status = 0;
        let mut words: Vec<&str> = fields.iter().map(|f| f.text.as_str()).collect();
        // `printf -v NAME ...` assigns NAME instead of printing.
        let mut target = None;
        if n == "printf" && words.first() == Some(&"-v") && words.len() >= 2 {
            target = Some(words[1].to_string());
            words.drain(..2);
        }
        let text = if n == "echo" {
            echo(&words)
        } else {
            words
                .split_first()
                .map_or(String::new(), |(f, rest)| printf(f, rest))
        };
        if let Some(name) = target {
            if self.vars.is_readonly(&name) {
                self.readonly_error(args[1].span, &name);
                return self.unknown();
            }
            let at = self.at(args[1].span);
            if !self.set_scalar(&name, text, at, at.end) {
                return Flow::Stop;
            }
            return Flow::Normal;
        }
        let away = match &stmt.kind {
            StmtKind::Shell(ShellStmt::Builtin { redirects, .. }) => redirects.iter(),
            _ => [].iter(),
        }
        .chain(&stmt.redirects)
        .any(|r| {
            let t: String = self.src.text[r.range()].split_whitespace().collect();
            !t.starts_with('<') && !t.starts_with("0<")
        });
        if let (Some(out), false) = (self.capture.as_mut(), away) {
            out.push_str(&text);
        }
        Flow::Normal
    }

    /// `local`, `declare`, `typeset`, `export`, `readonly`: options, then `NAME` or `NAME=value`.
    fn declare(&mut self, n: &str, name: &'a Word, args: &'a [Word]) -> Flow {
        if n == "local" && !self.vars.in_function() {
            self.report(
                Diagnostic::new(Code::ShellCommand, name.span, "`local` outside a function")
                    .with_label("bash refuses it here and leaves the variable unset")
                    .with_help("drop `local` at the top level of the file"),
            );
            return Flow::Stop;
        }
        let mut readonly = n == "readonly";
        let mut local =
            n == "local" || (matches!(n, "declare" | "typeset") && self.vars.in_function());
        let mut integer = false;
        for w in args {
            let Some(word) = w.literal() else {
                if let Some(a) = assignment_of(w)
                    && !self.declare_one(&a, local, readonly, integer)
                {
                    return Flow::Stop;
                }
                continue;
            };
            if let Some(flags) = word.strip_prefix('-') {
                for f in flags.chars() {
                    match f {
                        'r' => readonly = true,
                        'g' => local = false,
                        'i' => integer = true,
                        'x' | 'a' | 'f' | 'F' | 'p' | 'n' => {}
                        'A' => {
                            self.report(
                                Diagnostic::new(
                                    Code::ShellArray,
                                    w.span,
                                    "fhc does not evaluate associative arrays",
                                )
                                .with_label("declare -A")
                                .with_help("use one variable per key"),
                            );
                            return Flow::Stop;
                        }
                        _ => {}
                    }
                }
                continue;
            }
            match assignment_of(w) {
                Some(a) => {
                    if !self.declare_one(&a, local, readonly, integer) {
                        return Flow::Stop;
                    }
                }
                None => {
                    if local {
                        self.vars.make_local(word);
                        self.vars.unset(word);
                    }
                    if integer {
                        self.vars.set_integer(word);
                    }
                    if readonly {
                        self.vars.set_readonly(word);
                    }
                }
            }
        }
        self.status = 0;
        Flow::Normal
    }

    fn declare_one(&mut self, a: &Assignment, local: bool, readonly: bool, integer: bool) -> bool {
        if local {
            self.vars.make_local(&a.name);
        }
        if integer {
            self.vars.set_integer(&a.name);
        }
        if !self.assign(a) {
            return false;
        }
        if readonly {
            self.vars.set_readonly(&a.name);
        }
        true
    }

    /// `set -- ARGS` sets the positional parameters; option flags change nothing fhc models.
    fn set(&mut self, name: &'a Word, args: &'a [Word]) -> Flow {
        if let Some(i) = args.iter().position(|w| w.bare() == Some("--")) {
            let Some(fields) = self.all_fields(&args[i + 1..].iter().collect::<Vec<_>>()) else {
                return Flow::Stop;
            };
            let values: Vec<String> = fields.into_iter().map(|f| f.text).collect();
            if self.positional_runaway(&values, name.span, "the positional parameters") {
                return Flow::Stop;
            }
            if let Some(top) = self.positional.last_mut() {
                *top = values;
            }
        } else {
            // Flags (`-e`, `+x`) and `-o NAME`: nothing else.
            let mut words = args.iter().map(Word::literal);
            while let Some(w) = words.next() {
                match w {
                    Some("-o" | "+o") if words.next().flatten().is_some() => {}
                    Some(f) if f.len() > 1 && f.starts_with(['-', '+']) => {}
                    _ => return self.refuse(name, "`set` with values other than options"),
                }
            }
        }
        self.status = 0;
        Flow::Normal
    }

    /// `$(...)` or backticks: run when it only uses builtins (`$(test -n "$X" && echo "dst $X")`),
    /// otherwise it needs the host.
    pub(super) fn substitution(&mut self, text: &str, span: Span) -> Option<String> {
        let inner = substitution_body(text);
        let parse = crate::syntax::parse(inner);
        let known = |n: &str| self.functions.contains_key(n);
        if !parse.file.stmts.iter().all(|s| pure(s, &known)) {
            self.report(
                Diagnostic::new(
                    Code::CommandSubstitution,
                    span,
                    "this command substitution runs a program on the host",
                )
                .with_label("its output is known only when FireHOL runs")
                .with_help(match &self.assigning {
                    Some(name) => format!("give the value with `--define {name}=VALUE` (`fhc.defines` in an editor)"),
                    None => "assign it to a variable (`NAME=$(...)`) and give the value with `--define NAME=VALUE`".to_string(),
                }),
            );
            return None;
        }
        if self.depth >= MAX_SUBSTITUTIONS {
            self.limit(
                span,
                format!("command substitutions nested more than {MAX_SUBSTITUTIONS} deep"),
            );
            return None;
        }
        let offset = text.find(inner).unwrap_or(0);
        let src = Src {
            text: inner,
            parse: &parse,
            base: self.src.base + span.start + offset,
        };
        let blocks = crate::syntax::blocks::blocks(&parse.file);
        let mut child = Runner::new(&src, self.vars.clone(), self.defines, self.limits);
        // The configuration's functions may run in it (their output is captured too).
        child.functions = self.functions.clone();
        child.depth = self.depth + 1;
        child.loops = self.loops;
        child.positional = self.positional.clone();
        child.capture = Some(String::new());
        child.block(&blocks.nodes);
        let failed = child.stopped || child.out.diagnostics.iter().any(Diagnostic::is_error);
        self.out.diagnostics.extend(child.out.diagnostics);
        if failed {
            return None;
        }
        self.status = child.status;
        let out = child.capture.unwrap_or_default();
        Some(out.trim_end_matches('\n').to_string())
    }
}

/// What `echo [-neE] WORDS` prints.
fn echo(words: &[&str]) -> String {
    let (mut newline, mut escapes) = (true, false);
    let mut rest = words;
    while let Some((w, more)) = rest.split_first() {
        let flags = w
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && f.chars().all(|c| "neE".contains(c)));
        let Some(flags) = flags else { break };
        for c in flags.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        rest = more;
    }
    let mut out = rest.join(" ");
    if escapes {
        out = crate::syntax::words::ansi_c_decode(&out);
    }
    if newline {
        out.push('\n');
    }
    out
}

/// What `printf FORMAT ARGS` prints: `%s`, `%b`, `%d`/`%i`/`%u`, `%x`/`%X`, `%o`, `%c`, `%%` and
/// the backslash escapes; the format is used again while arguments remain, as bash does.
fn printf(fmt: &str, args: &[&str]) -> String {
    let fmt = crate::syntax::words::ansi_c_decode(fmt);
    let mut out = String::new();
    let mut args = args.iter().peekable();
    loop {
        let mut used = false;
        let mut chars = fmt.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(conv) = chars.next() else {
                out.push('%');
                break;
            };
            if conv == '%' {
                out.push('%');
                continue;
            }
            used = true;
            let arg = args.next().copied().unwrap_or("");
            let num = || arg.trim().parse::<i64>().unwrap_or(0);
            match conv {
                's' => out.push_str(arg),
                'b' => out.push_str(&crate::syntax::words::ansi_c_decode(arg)),
                'd' | 'i' | 'u' => out.push_str(&num().to_string()),
                'x' => out.push_str(&format!("{:x}", num())),
                'X' => out.push_str(&format!("{:X}", num())),
                'o' => out.push_str(&format!("{:o}", num())),
                'c' => out.extend(arg.chars().next()),
                other => {
                    out.push('%');
                    out.push(other);
                }
            }
        }
        if !used || args.peek().is_none() {
            return out;
        }
    }
}

fn substitution_body(text: &str) -> &str {
    text.strip_prefix("$(")
        .and_then(|t| t.strip_suffix(')'))
        .or_else(|| text.strip_prefix('`').and_then(|t| t.strip_suffix('`')))
        .unwrap_or("")
}

/// A statement made only of builtins whose output fhc knows, or calls of the configuration's
/// functions (`known`; what they run is evaluated as anywhere else).
fn pure(s: &Stmt, known: &dyn Fn(&str) -> bool) -> bool {
    match &s.kind {
        StmtKind::Shell(ShellStmt::Builtin { name, .. }) => {
            name.literal().is_some_and(|n| PURE.contains(&n))
        }
        StmtKind::Unknown(u) => u.name.literal().is_some_and(known),
        StmtKind::Shell(ShellStmt::List { ops, items }) => {
            ops.iter().all(|(o, _)| {
                matches!(
                    o,
                    crate::syntax::words::Op::AndIf | crate::syntax::words::Op::OrIf
                )
            }) && items.iter().all(|i| pure(i, known))
        }
        StmtKind::Empty => true,
        _ => false,
    }
}

/// `NAME=value` as an assignment (the words of `local`, `export` ...).
fn assignment_of(w: &Word) -> Option<Assignment> {
    crate::syntax::parser::assignment_word(w)
}
