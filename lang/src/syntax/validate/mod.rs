//! Syntax-level checks: what can be said from the tree alone (missing arguments, unknown words,
//! shell outside the subset). Semantic checks (sections, services, synproxy rules) live in the
//! model layer.
//!
//! This module walks the file; the checks themselves are in `words` (quotes, characters,
//! expansions), `shell` (shell code and unknown commands), `commands` (missing and extra
//! arguments) and `params` (rule parameters).

mod commands;
mod params;
mod shell;
mod words;

use super::ast::*;
use super::parser::Parse;
use super::words::Piece;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use commands::command_problems;
use shell::{harmless_builtin, shell_problems, unknown_command};
use words::word_problems;

/// A command's name as written, for messages.
fn cmd_name(c: &crate::syntax::ast::Command) -> &str {
    c.name.literal().unwrap_or("command")
}

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
