//! Syntax-level checks: what can be said from the tree alone (missing arguments, unknown words,
//! shell outside the subset). Semantic checks (sections, services, synproxy rules) live in the
//! model layer.

use super::ast::*;
use super::keywords::{self, Cmd};
use super::parser::Parse;
use super::words::{Opaque, PartKind, Piece};
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;

pub fn validate(text: &str, parse: &Parse) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Word-level problems, except inside statements already reported as shell code (one error per
    // construct is enough).
    let shell_spans: Vec<Span> = parse
        .file
        .stmts
        .iter()
        .filter(|s| matches!(s.kind, StmtKind::Shell(_)) || !s.redirects.is_empty())
        .map(|s| s.span)
        .collect();
    for piece in &parse.pieces {
        let Piece::Word(w) = piece else { continue };
        let in_shell = shell_spans
            .iter()
            .any(|s| s.start <= w.span.start && w.span.end <= s.end);
        word_problems(text, w, in_shell, &mut out);
    }
    for stmt in &parse.file.stmts {
        stmt_problems(text, stmt, &mut out);
    }
    out
}

fn word_problems(text: &str, w: &Word, in_shell: bool, out: &mut Vec<Diagnostic>) {
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

fn stmt_problems(text: &str, stmt: &Stmt, out: &mut Vec<Diagnostic>) {
    if let Some(d) = harmless_builtin(text, stmt) {
        out.push(d);
        return;
    }
    for r in &stmt.redirects {
        out.push(
            Diagnostic::new(
                Code::ShellConstruct,
                *r,
                "redirections cannot be evaluated statically",
            )
            .with_label("redirection")
            .with_secondary(stmt.span, "in this statement"),
        );
    }
    match &stmt.kind {
        StmtKind::Command(c) => command_problems(c, out),
        StmtKind::Assignment(list) => {
            for a in list {
                if let Some(arr) = a.array {
                    out.push(
                        Diagnostic::new(Code::ShellArray, arr, format!("`{}` is a bash array", a.name))
                            .with_label("arrays cannot be evaluated statically")
                            .with_help("use a plain variable holding a space-separated list in one quoted word"),
                    );
                }
            }
        }
        StmtKind::Unknown(u) => unknown_command(u, out),
        StmtKind::Shell(sh) => shell_problems(stmt, sh, out),
        StmtKind::Unset(_) | StmtKind::Empty | StmtKind::Error => {}
    }
}

/// Shell builtins FireHOL runs without any effect on the firewall: `true`, `:`, `set` with only
/// option flags (`set -v`, `set -x`, `set -e`, `set -o pipefail`), and `echo`/`printf` writing to
/// the terminal (no redirection to a file). fhc ignores them with a warning instead of refusing
/// the file.
fn harmless_builtin(text: &str, stmt: &Stmt) -> Option<Diagnostic> {
    let StmtKind::Shell(ShellStmt::Builtin {
        name,
        args,
        redirects,
    }) = &stmt.kind
    else {
        return None;
    };
    let n = name.literal()?;
    let to_terminal = |r: &Span| {
        let t: String = text[r.start..r.end].split_whitespace().collect();
        let target = t.trim_start_matches(['0', '1', '2', '&', '<', '>']);
        t.contains(">&") && target.chars().all(|c| c.is_ascii_digit())
            || matches!(target, "/dev/null" | "/dev/stderr" | "/dev/stdout")
    };
    if !redirects.iter().chain(&stmt.redirects).all(to_terminal) {
        return None;
    }
    let flags_only = || {
        let mut words = args.iter().map(|w| w.literal());
        let mut ok = true;
        while let Some(w) = words.next() {
            match w {
                Some("-o" | "+o") => ok &= words.next().flatten().is_some(),
                Some(f) if f.len() > 1 && f.starts_with(['-', '+']) => {
                    ok &= f[1..].chars().all(|c| c.is_ascii_alphabetic())
                }
                _ => ok = false,
            }
        }
        ok
    };
    // Arguments must be plain words: `echo $(cmd)` runs a command, `: ${X:=v}` assigns.
    if args.iter().any(|w| w.literal().is_none()) {
        return None;
    }
    let what = match n {
        "true" | ":" => "does nothing",
        // `printf -v VAR ...` assigns a variable.
        "printf" if args.first().and_then(|w| w.literal()) == Some("-v") => return None,
        "set" if !args.is_empty() && flags_only() => "only changes how bash runs the file",
        "echo" | "printf" => "only prints a message",
        _ => return None,
    };
    Some(
        Diagnostic::new(
            Code::HarmlessShell,
            stmt.span,
            format!("`{n}` {what}; fhc ignores it"),
        )
        .with_label("no effect on the firewall")
        .with_note("FireHOL runs it as bash; it adds, removes or changes no rule")
        .with_help("remove the line to silence this warning"),
    )
}

fn shell_problems(stmt: &Stmt, sh: &ShellStmt, out: &mut Vec<Diagnostic>) {
    let d = match sh {
        ShellStmt::Compound { keyword, .. } => {
            let k = keyword.literal().unwrap_or("?");
            let what = match k {
                "if" | "elif" => "conditions",
                "while" | "until" | "for" | "select" => "loops",
                "case" => "case statements",
                _ => "shell functions",
            };
            Diagnostic::new(Code::ShellConstruct, stmt.span, format!("fhc cannot evaluate `{k}` statically"))
                .with_label(format!("{what} are bash, not FireHOL"))
                .with_note("the commands inside are still checked, as if this code ran once")
                .with_help("write the statements you want unconditionally, or generate firehol.conf with a script and check its output")
        }
        ShellStmt::FunctionDef { name } => Diagnostic::new(
            Code::ShellConstruct,
            stmt.span,
            format!(
                "fhc cannot evaluate the shell function `{}`",
                name.literal().unwrap_or("?")
            ),
        )
        .with_label("function definition")
        .with_note("the commands inside are still checked, but calls to the function are not"),
        ShellStmt::List { ops, .. } => {
            let (op, span) = ops[0];
            let sym = match op {
                Op::AndIf => "&&",
                Op::OrIf => "||",
                Op::Pipe => "|",
                _ => "&",
            };
            Diagnostic::new(
                Code::ShellConstruct,
                span,
                format!("fhc cannot evaluate `{sym}` statically"),
            )
            .with_label("joins commands conditionally")
            .with_secondary(stmt.span, "this statement is not analysed")
            .with_help("write the command you want unconditionally on its own line")
        }
        ShellStmt::Subshell => Diagnostic::new(
            Code::ShellConstruct,
            stmt.span,
            "fhc cannot evaluate subshells",
        )
        .with_label("subshell"),
        ShellStmt::CasePattern => return,
        ShellStmt::Source { keyword, .. } => Diagnostic::new(
            Code::SourceFile,
            stmt.span,
            format!(
                "fhc cannot include other files with `{}`",
                keyword.literal().unwrap_or("source")
            ),
        )
        .with_label("include")
        .with_help("check the included file on its own, or merge it into this one"),
        ShellStmt::Builtin { name, .. } => {
            let n = name.literal().unwrap_or("?");
            let label = if matches!(n, "test" | "[" | "[[") {
                "conditions cannot be evaluated statically"
            } else {
                "fhc reads the configuration; it does not run it"
            };
            Diagnostic::new(
                Code::ShellCommand,
                name.span,
                format!("`{n}` is a shell command, not a FireHOL command"),
            )
            .with_label(label)
            .with_secondary(stmt.span, "this statement is ignored")
        }
    };
    out.push(d);
}

fn unknown_command(u: &UnknownCommand, out: &mut Vec<Diagnostic>) {
    let name = u.name.literal().unwrap_or("");
    if keywords::Family::from_prefix(name).is_some() {
        let d = match u.args.first() {
            None => Diagnostic::new(
                Code::FamilyPrefix,
                u.name.span,
                format!("`{name}` must be followed by a command"),
            )
            .with_label("nothing follows"),
            Some(w) => Diagnostic::new(
                Code::FamilyPrefix,
                w.span,
                format!(
                    "`{}` is not a FireHOL command",
                    w.literal().unwrap_or("this word")
                ),
            )
            .with_label(format!("expected a command after `{name}`")),
        };
        out.push(d);
        return;
    }
    let mut d = Diagnostic::new(
        Code::UnknownCommand,
        u.name.span,
        format!("unknown command `{name}`"),
    )
    .with_label("not a FireHOL command");
    let candidates = keywords::COMMANDS.iter().map(|c| c.0);
    let spaced_assignment = u.args.first().and_then(|w| w.literal()) == Some("=")
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if spaced_assignment {
        d.message = format!(
            "`{name} = ...` is not an assignment in bash: it runs a command named `{name}`"
        );
        d.label = Some("spaces around `=`".into());
        let end = u.args.get(1).map_or(u.args[0].span.end, |w| w.span.start);
        d = d
            .with_help(format!(
                "bash assignments take no spaces around `=`: write `{name}=VALUE`"
            ))
            .with_fix(
                "remove the spaces around `=`",
                vec![TextEdit {
                    span: Span::new(u.name.span.end, end),
                    new_text: "=".into(),
                }],
            );
    } else if let Some(best) = suggest(name, candidates) {
        d = d.with_help(format!("did you mean `{best}`?")).with_fix(
            format!("replace with `{best}`"),
            vec![TextEdit {
                span: u.name.span,
                new_text: best.to_string(),
            }],
        );
    } else if u.name.literal().is_none() {
        d.message = "a command name cannot come from a variable".into();
        d.label = Some("fhc cannot know which command this runs".into());
    }
    out.push(d);
}

fn cmd_name(c: &Command) -> &str {
    c.name.literal().unwrap_or("command")
}

fn missing(c: &Command, what: &str, example: &str, out: &mut Vec<Diagnostic>) {
    let name = cmd_name(c);
    out.push(
        Diagnostic::new(
            Code::MissingArgument,
            c.span,
            format!("`{name}` needs {what}"),
        )
        .with_label(format!("{what} missing"))
        .with_help(format!("for example: {example}")),
    );
}

fn command_problems(c: &Command, out: &mut Vec<Diagnostic>) {
    if let Some(first) = c.extra.first() {
        let span = first
            .span
            .cover(c.extra.last().map(|w| w.span).unwrap_or(first.span));
        out.push(
            Diagnostic::new(
                Code::ExtraArgument,
                span,
                format!("`{}` does not take these arguments", cmd_name(c)),
            )
            .with_label("unexpected")
            .with_fix(
                "remove them",
                vec![TextEdit {
                    span,
                    new_text: String::new(),
                }],
            ),
        );
    }
    match &c.kind {
        CommandKind::Version { number: None } => missing(c, "a version number", "version 6", out),
        CommandKind::Interface { ifaces, name, .. } => {
            if ifaces.is_none() {
                missing(
                    c,
                    "the real interface(s) and a name",
                    "interface eth0 lan",
                    out,
                )
            } else if name.is_none() {
                missing(
                    c,
                    "a name after the real interface(s)",
                    "interface eth0 lan",
                    out,
                )
            }
        }
        CommandKind::Router { name: None, .. } => {
            missing(c, "a name", "router lan2wan inface eth1 outface eth0", out)
        }
        CommandKind::GroupBare => missing(c, "`with` or `end`", "group with src 10.0.0.0/8", out),
        CommandKind::Policy { action: None } => missing(c, "an action", "policy drop", out),
        CommandKind::Service(s) => {
            let role = cmd_name(c).to_string();
            if s.services.is_none() {
                missing(c, "a service name", &format!("{role} ssh accept"), out);
            } else if let Some(cu) = &s.custom
                && (cu.name.is_none() || cu.server_ports.is_none() || cu.client_ports.is_none())
            {
                missing(
                    c,
                    "a name, server ports and client ports after `custom`",
                    &format!("{role} custom myapp tcp/8080 default accept"),
                    out,
                );
            } else if s.action.is_none() {
                missing(
                    c,
                    "an action after the service",
                    &format!("{role} ssh accept"),
                    out,
                );
            }
        }
        CommandKind::Synproxy(s) => {
            if s.types.is_none() {
                missing(
                    c,
                    "a type (input or forward)",
                    "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept",
                    out,
                );
            }
            if let Some(a) = &s.action
                && a.target.is_none()
                && matches!(
                    a.verb,
                    SynproxyVerb::Dnat | SynproxyVerb::Redirect | SynproxyVerb::Action
                )
            {
                let what = match a.verb {
                    SynproxyVerb::Dnat => "dnat to IP[:PORT]",
                    SynproxyVerb::Redirect => "redirect to PORT",
                    _ => "action NAME",
                };
                out.push(
                    Diagnostic::new(
                        Code::MissingArgument,
                        a.span,
                        format!("the synproxy action needs its target: `{what}`"),
                    )
                    .with_label("target missing"),
                );
            }
        }
        CommandKind::Nat(n) => {
            if c.cmd == Cmd::Nat && n.mode.is_none() {
                missing(
                    c,
                    "to-destination, to-source or redirect-to",
                    "nat to-destination 10.0.0.1 dport 80",
                    out,
                );
            } else if n.targets.is_none() {
                let ex = match c.cmd {
                    Cmd::Snat => "snat to 198.51.100.1 outface eth0",
                    Cmd::Redirect => "redirect to 8080 inface eth0 dport 80",
                    _ => "dnat to 10.0.0.1 inface eth0 dport 80",
                };
                missing(c, "a target", ex, out);
            }
        }
        CommandKind::TransparentProxy {
            ports,
            redirect_port,
            ..
        } if (ports.is_none() || redirect_port.is_none()) => {
            missing(
                c,
                "the ports to catch and the local port to redirect to",
                "transparent_proxy 80 3128 squid inface eth1",
                out,
            );
        }
        CommandKind::TransparentSquid {
            redirect_port: None,
            ..
        } => missing(
            c,
            "the local squid port",
            "transparent_squid 3128 squid inface eth1",
            out,
        ),
        CommandKind::Tproxy { ports, port, .. } if (ports.is_none() || port.is_none()) => {
            missing(
                c,
                "the ports to catch and `port P`",
                "tproxy 80 port 3129 inface eth1",
                out,
            );
        }
        CommandKind::Action(a) => {
            if a.name.is_none() {
                missing(c, "a name", "action MYDROP chain drop", out);
            } else if a.steps.is_empty() {
                missing(
                    c,
                    "a type and its arguments",
                    "action MYDROP chain drop",
                    out,
                );
            }
        }
        CommandKind::Mangle { args, .. } => {
            let need = match c.cmd {
                Cmd::Custommark => 2,
                Cmd::Dscp if args.first().is_some_and(|a| a.is_ci("class")) => 2,
                Cmd::Tosfix => 0,
                _ => 1,
            };
            if args.len() < need {
                missing(c, "a value", "mark 1 out dport 25", out);
            }
        }
        CommandKind::Tcpmss { mss: None, .. } => {
            missing(c, "an MSS value or `auto`", "tcpmss auto eth0", out)
        }
        CommandKind::LogHelper { text: None, .. } => {
            missing(c, "a log text", "log \"BAD\" src 10.0.0.1", out)
        }
        CommandKind::Passthrough { .. } => out.push(
            Diagnostic::new(
                Code::Passthrough,
                c.span,
                format!(
                    "`{}` commands cannot be translated to nftables",
                    cmd_name(c)
                ),
            )
            .with_label("raw iptables rule")
            .with_help(
                "express the rule with FireHOL statements, or keep it in a separate nftables file",
            ),
        ),
        _ => {}
    }
    for p in c.params() {
        param_problems(c, p, out);
    }
}

fn param_problems(c: &Command, p: &Param, out: &mut Vec<Diagnostic>) {
    let Some(kind) = p.kind else {
        if !p.keyword.opaque_parts().is_empty() {
            // Already reported as a command substitution or array; one error per construct.
            return;
        }
        let kw = p.keyword.literal().unwrap_or("");
        if kw.eq_ignore_ascii_case("not") || kw == "!" {
            out.push(
                Diagnostic::new(
                    Code::MisplacedNot,
                    p.keyword.span,
                    format!("`{kw}` must directly follow a parameter keyword"),
                )
                .with_label("negates nothing here")
                .with_help("write the keyword first: `src not 10.0.0.0/8`"),
            );
            return;
        }
        let mut d = Diagnostic::new(
            Code::UnknownParameter,
            p.keyword.span,
            match p.keyword.literal() {
                Some(k) => format!("`{k}` is not a parameter of `{}`", cmd_name(c)),
                None => "a parameter keyword cannot come from a variable".to_string(),
            },
        )
        .with_label(if p.keyword.literal().is_some() {
            "unknown parameter"
        } else {
            "fhc does not split a variable into several parameters"
        });
        if let Some(best) = suggest(
            kw,
            keywords::PARAMS.iter().flat_map(|p| p.0.iter().copied()),
        ) {
            d = d.with_help(format!("did you mean `{best}`?")).with_fix(
                format!("replace with `{best}`"),
                vec![TextEdit {
                    span: p.keyword.span,
                    new_text: best.to_string(),
                }],
            );
        } else {
            d = d.with_help("parameters are keywords such as src, dst, inface, outface, proto, sport, dport, uid, log");
        }
        out.push(d);
        return;
    };
    // `not` is three bytes, `!` one.
    if let Some(n) = p.not
        && n.len() == 1
        && kind.negatable()
    {
        out.push(
            Diagnostic::new(
                Code::BrokenInFirehol,
                n,
                "FireHOL 3.1.7 cannot parse `!` as a negation (a bash test error)",
            )
            .with_label("fhc reads it as `not`")
            .with_fix(
                "write `not`",
                vec![TextEdit {
                    span: n,
                    new_text: "not".into(),
                }],
            ),
        );
    }
    if let Some(n) = p.not
        && !kind.negatable()
    {
        out.push(
            Diagnostic::new(
                Code::MisplacedNot,
                n,
                format!("`{}` cannot be negated", kind.name()),
            )
            .with_label("not allowed here")
            .with_fix(
                "remove the negation",
                vec![TextEdit {
                    span: n,
                    new_text: String::new(),
                }],
            ),
        );
    }
    if p.missing > 0 {
        let what = if p.missing == 1 {
            "a value".to_string()
        } else {
            format!("{} values", p.missing)
        };
        out.push(
            Diagnostic::new(
                Code::MissingValue,
                p.keyword.span,
                format!("`{}` needs {what}", kind.name()),
            )
            .with_label("value missing")
            .with_note(format!("`{}`: {}", kind.name(), kind.meaning()))
            .with_help("a list of values must be one quoted word: src \"10.0.0.1 10.0.0.2\""),
        );
    }
}

/// The closest candidate within a small edit distance, if any.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    if w.is_empty() {
        return None;
    }
    let limit = if w.len() <= 4 { 1 } else { 2 };
    candidates
        .map(|c| (edit_distance(&w, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
