//! The shell around the FireHOL commands: simple commands (with their leading `then`/`do`/`fi`
//! words and redirections), compound headers, builtins, assignments and function definitions.

use super::commands::{command, command_of};
use super::prims::{kw, op, rest, span_of, value, word};
use super::{Ex, In, Tok, WordClass, assign_prefix};
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::keywords::{
    self, Cmd, SHELL_CLOSERS, SHELL_COMMANDS, SHELL_CONDITION_LEADS, SHELL_CONTINUERS,
};
use crate::syntax::words::{Op, Word};
use chumsky::prelude::*;

fn is_shell_word(w: &Word, set: &[&str]) -> bool {
    w.bare().is_some_and(|b| set.contains(&b))
}

/// Splits `NAME=value` into the name and the value word (spans kept).
pub(super) fn split_assignment(w: &Word) -> Assignment {
    use crate::syntax::words::{PartKind, WordPart};
    let eq = assign_prefix(w).unwrap_or(0);
    let first = &w.parts[0];
    let PartKind::Literal(text) = &first.kind else {
        unreachable!("assign_prefix checked the first part")
    };
    let (name, append, index) =
        super::assign_target(&text[..eq]).unwrap_or((&text[..eq], false, None));
    let name_span = Span::new(first.span.start, first.span.start + name.len());
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
        name: name.to_string(),
        name_span,
        value,
        export: false,
        array: None,
        append,
        index: index.map(str::to_string),
    }
}

/// One simple command: the shell words that may lead it (`then`, `do`, `fi`, ...), a FireHOL
/// command or a shell statement, and its redirections.
pub(super) fn simple<'a, I: In<'a>>() -> impl Parser<'a, I, Stmt, Ex<'a>> + Clone {
    let lead = select! { Tok::Word(w, _) if is_shell_word(w, SHELL_CONTINUERS) || is_shell_word(w, SHELL_CLOSERS) || is_shell_word(w, SHELL_CONDITION_LEADS) => w.clone() }
        .repeated()
        .collect::<Vec<_>>();
    let source = kw(&["source", "."])
        .then(rest())
        .map(|(keyword, args)| StmtKind::Shell(ShellStmt::Source { keyword, args }));
    let unset = kw(&["unset"]).ignore_then(rest()).map(StmtKind::Unset);
    let export_only = kw(&["export", "readonly"])
        .then(rest())
        .map(|(keyword, names)| {
            StmtKind::Shell(ShellStmt::Builtin {
                name: keyword,
                args: names,
                redirects: vec![],
            })
        });
    // `name()`: the statement splitter cut it after `)`, its body follows.
    let function_def = select! { Tok::Word(w, c) if !c.assign && c.param.is_none() => w.clone() }
        .then_ignore(op(Op::LParen))
        .then_ignore(op(Op::RParen))
        .map(|name| StmtKind::Shell(ShellStmt::FunctionDef { name }));
    // (Not `(a|b)`: that form would read `( cmd )` as a pattern.)
    let case_pattern = word()
        .separated_by(op(Op::Pipe))
        .at_least(1)
        .collect()
        .then_ignore(op(Op::RParen))
        .map(|patterns| StmtKind::Shell(ShellStmt::CasePattern { patterns }));
    // `(( expr ))`: two adjacent parentheses on each side.
    let arith = op(Op::LParen)
        .then(op(Op::LParen))
        .then(
            any()
                .filter(|t: &Tok<'a>| *t != Tok::Op(Op::RParen))
                .repeated(),
        )
        .then(op(Op::RParen))
        .then(op(Op::RParen))
        .try_map(|((((a, b), _), c), d), span| {
            if a.end == b.start && c.end == d.start {
                Ok(StmtKind::Shell(ShellStmt::Arith {
                    expr: Span::new(b.end, c.start),
                }))
            } else {
                Err(Simple::new(None, span))
            }
        });
    let subshell = op(Op::LParen)
        .then(any().repeated())
        .map(|_| StmtKind::Shell(ShellStmt::Subshell));
    let unknown = word()
        .then(rest())
        .map(|(name, args)| StmtKind::Unknown(UnknownCommand { name, args }));
    // FireHOL commands first: they are most statements, and each alternative that fails costs.
    lead.then(
        choice((
            // Before the commands: `nat)` is a case pattern and `route() {` a function, though
            // `nat` and `route` are FireHOL commands.
            case_pattern.clone().then_ignore(end()),
            function_def.clone().then_ignore(end()),
            double_bracket(),
            command(),
            header(),
            source,
            builtin(),
            unset,
            assignment(),
            export_only,
            function_def,
            arith,
            subshell,
            unknown,
            empty().to(StmtKind::Empty),
        ))
        .boxed(),
    )
    .then(redirects())
    .map_with(|((lead, kind), redirects), e| Stmt {
        span: span_of(e),
        lead,
        kind,
        redirects,
    })
}

/// `> file`, `2>&1` ... after a simple command.
fn redirects<'a, I: In<'a>>() -> impl Parser<'a, I, Vec<Span>, Ex<'a>> + Clone {
    op(Op::Redirect)
        .then_ignore(word().or_not())
        .repeated()
        .collect()
}

/// A statement that is one FireHOL command `cmd` (family prefix and redirections included),
/// read with that command's grammar only: most statements are, and the whole grammar
/// ([`super::statement`]) first tries the shell forms and then every command in turn, noting
/// why each failed. Where this reads a statement without an error, the whole grammar reads the
/// same tree: no leading reserved word can be a command's word (a test says so), and the forms it
/// tries first need `(`, `)` or `[[`, which no command's grammar takes. Anything else (an error
/// included) is left to the whole grammar, so its diagnostics are unchanged.
pub(super) fn one_command<'a, I: In<'a>>(cmd: Cmd) -> Boxed<'a, 'a, I, Stmt, Ex<'a>> {
    command_of(&[cmd])
        .then(redirects())
        .then_ignore(end())
        .map_with(|(kind, redirects), e| Stmt {
            span: span_of(e),
            lead: vec![],
            kind,
            redirects,
        })
        .boxed()
}

/// The headers of compound commands: `for NAME [in WORDS]`, `case WORD in`,
/// `function NAME [()]`; `select` and `for ((...))` are kept as words (not evaluated).
fn header<'a, I: In<'a>>() -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone {
    let for_in = kw(&["for"])
        .then(value().filter(|w: &Word| w.bare().is_some()))
        .then(kw(&["in"]).ignore_then(rest()).or_not())
        .then_ignore(end())
        .map(|((keyword, var), words)| {
            StmtKind::Shell(ShellStmt::For {
                keyword,
                var: Some(var),
                words,
            })
        });
    let case = kw(&["case"])
        .then(word().or_not())
        .then_ignore(kw(&["in"]).or_not())
        .then_ignore(end())
        .map(|(keyword, subject)| StmtKind::Shell(ShellStmt::Case { keyword, subject }));
    let function = kw(&["function"])
        .ignore_then(word())
        .then_ignore(op(Op::LParen).then(op(Op::RParen)).or_not())
        .then_ignore(end())
        .map(|name| StmtKind::Shell(ShellStmt::FunctionDef { name }));
    // Anything else that starts with a reserved word: kept whole, reported as not evaluated.
    let other =
        select! { Tok::Word(w, _) if is_shell_word(w, keywords::SHELL_OPENERS) => w.clone() }
            .then(rest())
            .then_ignore(any().repeated())
            .map(|(keyword, rest)| StmtKind::Shell(ShellStmt::Compound { keyword, rest }));
    choice((for_in, case, function, other))
}

/// `[[ ... ]]`: its `&&`, `||` and parentheses belong to the condition, not to a list.
fn double_bracket<'a, I: In<'a>>() -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone {
    let close = |w: &Word| w.bare() == Some("]]");
    let inner = choice((
        select! { Tok::Word(w, _) if !close(w) => w.clone() },
        select! {
            Tok::Op(Op::AndIf) => "&&",
            Tok::Op(Op::OrIf) => "||",
            Tok::Op(Op::LParen) => "(",
            Tok::Op(Op::RParen) => ")",
        }
        .map_with(|t, e| {
            let span = span_of(e);
            Word::new(
                span,
                vec![crate::syntax::words::WordPart {
                    span,
                    kind: crate::syntax::words::PartKind::Literal(t.into()),
                }],
            )
        }),
    ));
    select! { Tok::Word(w, _) if w.bare() == Some("[[") => w.clone() }
        .then(inner.repeated().collect::<Vec<_>>())
        .then(select! { Tok::Word(w, _) if close(w) => w.clone() })
        .map(|((name, mut args), close)| {
            args.push(close);
            StmtKind::Shell(ShellStmt::Builtin {
                name,
                args,
                redirects: vec![],
            })
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
