//! The shell around the FireHOL commands: simple commands (with their leading `then`/`do`/`fi`
//! words and redirections), compound headers, builtins, assignments and function definitions.

use super::commands::command;
use super::prims::{kw, op, rest, span_of, value, word};
use super::{Ex, In, Tok, WordClass, assign_prefix};
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::keywords::{self, SHELL_CLOSERS, SHELL_COMMANDS, SHELL_CONTINUERS};
use crate::syntax::words::{Op, Word};
use chumsky::prelude::*;

fn is_shell_word(w: &Word, set: &[&str]) -> bool {
    w.bare().is_some_and(|b| set.contains(&b))
}

/// Splits `NAME=value` into the name and the value word (spans kept).
fn split_assignment(w: &Word) -> Assignment {
    use crate::syntax::words::{PartKind, WordPart};
    let eq = assign_prefix(w).unwrap_or(0);
    let first = &w.parts[0];
    let PartKind::Literal(text) = &first.kind else {
        unreachable!("assign_prefix checked the first part")
    };
    let name = text[..eq].to_string();
    let name_span = Span::new(first.span.start, first.span.start + eq);
    let mut parts = Vec::new();
    if eq + 1 < text.len() {
        parts.push(WordPart {
            span: Span::new(first.span.start + eq + 1, first.span.end),
            kind: PartKind::Literal(text[eq + 1..].into()),
        });
    }
    parts.extend(w.parts[1..].iter().cloned());
    let value = (!parts.is_empty()).then(|| {
        let span = Span::new(parts[0].span.start, w.span.end);
        Word::new(span, parts)
    });
    Assignment {
        name,
        name_span,
        value,
        export: false,
        array: None,
    }
}

/// One simple command: the shell words that may lead it (`then`, `do`, `fi`, ...), a FireHOL
/// command or a shell statement, and its redirections.
pub(super) fn simple<'a, I: In<'a>>() -> impl Parser<'a, I, Stmt, Ex<'a>> + Clone {
    let lead = select! { Tok::Word(w, _) if is_shell_word(w, SHELL_CONTINUERS) || is_shell_word(w, SHELL_CLOSERS) => w.clone() }
        .repeated()
        .collect::<Vec<_>>();
    // A compound command's header is reported as a whole; `case x in a) ...` may hold `)` and `|`.
    let shell_opener =
        select! { Tok::Word(w, _) if is_shell_word(w, keywords::SHELL_OPENERS) => w.clone() }
            .then(rest())
            .then_ignore(any().repeated())
            .map(|(keyword, rest)| StmtKind::Shell(ShellStmt::Compound { keyword, rest }));
    let source = kw(&["source", "."])
        .then(rest())
        .map(|(keyword, args)| StmtKind::Shell(ShellStmt::Source { keyword, args }));
    let unset = kw(&["unset"]).ignore_then(rest()).map(StmtKind::Unset);
    let export_only = kw(&["export", "readonly"])
        .then(rest())
        .map(|_| StmtKind::Empty);
    let function_def = value()
        .then_ignore(op(Op::LParen))
        .then_ignore(op(Op::RParen))
        .then_ignore(rest())
        .map(|name| StmtKind::Shell(ShellStmt::FunctionDef { name }));
    let case_pattern = word()
        .separated_by(op(Op::Pipe))
        .at_least(1)
        .then(op(Op::RParen))
        .then(any().repeated())
        .map(|_| StmtKind::Shell(ShellStmt::CasePattern));
    let subshell = op(Op::LParen)
        .then(any().repeated())
        .map(|_| StmtKind::Shell(ShellStmt::Subshell));
    let unknown = word()
        .then(rest())
        .map(|(name, args)| StmtKind::Unknown(UnknownCommand { name, args }));
    let redirect = op(Op::Redirect).then_ignore(word().or_not());

    // FireHOL commands first: they are most statements, and each alternative that fails costs.
    lead.then(
        choice((
            command(),
            shell_opener,
            source,
            builtin(),
            unset,
            assignment(),
            export_only,
            function_def,
            case_pattern,
            subshell,
            unknown,
            empty().to(StmtKind::Empty),
        ))
        .boxed(),
    )
    .then(redirect.repeated().collect::<Vec<_>>())
    .map_with(|((lead, kind), redirects), e| Stmt {
        span: span_of(e),
        lead,
        kind,
        redirects,
    })
}

/// A shell builtin. Its arguments may be interleaved with redirections (`echo >&2 "..."`).
fn builtin<'a, I: In<'a>>() -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone {
    let redirect_item = op(Op::Redirect)
        .then(word().or_not())
        .map(|(at, target)| Err(target.map_or(at, |t| Span::new(at.start, t.span.end))));
    select! { Tok::Word(w, _) if is_shell_word(w, SHELL_COMMANDS) => w.clone() }
        .then(
            choice((redirect_item, word().map(Ok)))
                .repeated()
                .collect::<Vec<_>>(),
        )
        .map(|(name, items)| {
            let (mut args, mut redirects) = (Vec::new(), Vec::new());
            for item in items {
                match item {
                    Ok(w) => args.push(w),
                    Err(r) => redirects.push(r),
                }
            }
            StmtKind::Shell(ShellStmt::Builtin {
                name,
                args,
                redirects,
            })
        })
}

/// `[export|readonly] NAME=value...` (arrays included), or `A=1 cmd args`.
fn assignment<'a, I: In<'a>>() -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone {
    let not_rparen = any().filter(|t: &Tok<'a>| *t != Tok::Op(Op::RParen));
    let array = op(Op::LParen)
        .then(not_rparen.repeated())
        .then(op(Op::RParen).or_not())
        .map_with(|_, e| Span::from(e.span()));
    let assign_word = select! { Tok::Word(w, WordClass { assign: true, .. }) => w.clone() };
    let assignment = kw(&["export", "readonly"])
        .or_not()
        .then(
            assign_word
                .then(array.or_not())
                .repeated()
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .then(rest())
        .map(|((export, items), trailing)| {
            let list = items
                .into_iter()
                .map(|(w, array)| Assignment {
                    export: export.is_some(),
                    array,
                    ..split_assignment(&w)
                })
                .collect();
            (list, trailing)
        });
    assignment.map(|(list, trailing): (Vec<Assignment>, Vec<Word>)| {
        match trailing.split_first() {
            // `A=1 cmd args`: a command run with an environment prefix.
            Some((name, args)) => StmtKind::Shell(ShellStmt::Builtin {
                name: name.clone(),
                args: args.to_vec(),
                redirects: vec![],
            }),
            None => StmtKind::Assignment(list),
        }
    })
}
