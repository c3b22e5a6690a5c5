//! The harmless builtins fhc only warns about, and unknown commands.

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::suggest::suggest;
use crate::syntax::ast::*;
use crate::syntax::keywords;

/// Shell builtins FireHOL runs without any effect on the firewall: `true`, `:`, `set` with only
/// option flags (`set -v`, `set -x`, `set -e`, `set -o pipefail`), and `echo`/`printf` writing to
/// the terminal (no redirection to a file). fhc ignores them with a warning instead of refusing
/// the file.
pub(super) fn harmless_builtin(text: &str, stmt: &Stmt) -> Option<Diagnostic> {
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

pub(super) fn unknown_command(u: &UnknownCommand, out: &mut Vec<Diagnostic>) {
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
