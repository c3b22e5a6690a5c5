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
use crate::diag::Diagnostic;
use commands::command_problems;
use shell::{harmless_builtin, unknown_command};
use words::word_problems;

/// A command's name as written, for messages.
fn cmd_name(c: &crate::syntax::ast::Command) -> &str {
    c.name.literal().unwrap_or("command")
}

pub fn validate(text: &str, parse: &Parse) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for piece in &parse.pieces {
        let Piece::Word(w) = piece else { continue };
        word_problems(text, w, &mut out);
    }
    let functions = function_names(&parse.file);
    let in_functions = function_bodies(&parse.file);
    for (i, stmt) in parse.file.stmts.iter().enumerate() {
        // `echo` in a function may well be its output (`x=$(f)`): no "only prints" warning.
        if in_functions.contains(&i) && harmless_builtin(text, stmt).is_some() {
            continue;
        }
        stmt_problems(text, parse, stmt, &functions, &mut out);
    }
    out
}

/// The statements inside function bodies.
fn function_bodies(file: &SourceFile) -> std::collections::HashSet<usize> {
    use super::blocks::{Node, blocks, visit};
    let mut out = std::collections::HashSet::new();
    visit(&blocks(file).nodes, false, &mut |n, in_function| {
        if let (Node::Stmt(i), true) = (n, in_function) {
            out.insert(*i);
        }
    });
    out
}

/// The checks of one FireHOL command's words. The shell evaluator runs them on a command whose
/// words expand, once expanded (`server $ARGS` may well supply the action).
pub fn command(c: &Command) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    command_problems(c, &mut out);
    out
}

/// True when every word of the command is plain text (nothing to expand).
fn plain(parse: &Parse, c: &Command) -> bool {
    let lo = parse
        .pieces
        .partition_point(|p| p.span().start < c.span.start);
    parse.pieces[lo..]
        .iter()
        .take_while(|p| p.span().end <= c.span.end)
        .all(|p| match p {
            Piece::Word(w) => w.bare().is_some(),
            Piece::Op(..) => true,
        })
}

/// The shell functions the file defines (a call to one is not an unknown command, wherever the
/// definition is: the evaluator says when a call comes before it).
fn function_names(file: &SourceFile) -> Vec<&str> {
    file.stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Shell(ShellStmt::FunctionDef { name }) => name.literal(),
            _ => None,
        })
        .collect()
}

/// What the statement's own words show. Whether shell code can run is the evaluator's question
/// (only the code that runs matters, as in bash).
fn stmt_problems(
    text: &str,
    parse: &Parse,
    stmt: &Stmt,
    functions: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    if let Some(d) = harmless_builtin(text, stmt) {
        out.push(d);
        return;
    }
    match &stmt.kind {
        // A FireHOL command whose words expand is checked once expanded (by the evaluator).
        StmtKind::Command(c) if plain(parse, c) => command_problems(c, out),
        // A function, a command word from an expansion (`$CMD`) or quoted (`"server"`): the
        // evaluator knows what runs.
        StmtKind::Unknown(u)
            if u.name.bare().is_none()
                || u.name.literal().is_some_and(|n| functions.contains(&n)) => {}
        StmtKind::Unknown(u) => unknown_command(u, out),
        StmtKind::Shell(ShellStmt::List { items, .. }) => {
            for item in items {
                stmt_problems(text, parse, item, functions, out);
            }
        }
        _ => {}
    }
}
