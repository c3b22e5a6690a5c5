//! The chumsky parser: one logical line (statement) at a time.
//!
//! The word stream is first cut at statement separators (newline, `;`, `;;`); each statement is
//! then parsed on its own. That makes recovery trivial and strong — one bad statement can never
//! hide the errors of the next — and it is how bash itself reads a config. The grammar is lenient
//! on purpose: a missing argument or value becomes `None`/`missing` in the tree instead of a parse
//! failure, so the checks can say precisely what is missing and still see the rest of the line.
//!
//! This module holds the word classes, the statement splitting and the entry point; the grammar
//! itself is in `prims` (word-level combinators), `params` (rule parameters, actions, NAT options),
//! `commands` (the FireHOL commands) and `shell` (simple commands, builtins, assignments).

mod commands;
mod params;
mod prims;
mod shell;

use super::ast::*;
use super::keywords::{self, Arity, Cmd, Family, ParamKind};
use super::words::{Op, Piece, Word};
use crate::span::Span;
use chumsky::input::{Input as _, ValueInput};
use chumsky::prelude::*;
use prims::span_of;
use shell::simple;
use std::sync::OnceLock;

/// What the parser needs to know about a word, computed once per word (tables are hashed), so the
/// many alternatives of the grammar compare small enums instead of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WordClass {
    pub cmd: Option<(Cmd, Option<Family>)>,
    pub param: Option<(ParamKind, Arity)>,
    pub prefix: Option<Family>,
    /// `not` or `!`
    pub not: bool,
    /// `NAME=...`
    pub assign: bool,
}

/// The keyword tables are looked up for every word; see [`crate::hash`].
type Table<V> = crate::hash::FastMap<&'static str, V>;

fn command_table() -> &'static Table<(Cmd, Option<Family>)> {
    static T: OnceLock<Table<(Cmd, Option<Family>)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = Table::default();
        for &(name, cmd, suffixes, _) in keywords::COMMANDS {
            m.insert(name, (cmd, None));
            if suffixes {
                for (sfx, fam) in [
                    ("4", Family::Ipv4),
                    ("6", Family::Ipv6),
                    ("46", Family::Both),
                ] {
                    m.insert(
                        Box::leak(format!("{name}{sfx}").into_boxed_str()) as &str,
                        (cmd, Some(fam)),
                    );
                }
            }
        }
        m
    })
}

fn param_table() -> &'static Table<(ParamKind, Arity)> {
    static T: OnceLock<Table<(ParamKind, Arity)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = Table::default();
        for &(names, kind, arity, _, _) in keywords::PARAMS {
            for n in names {
                m.insert(*n, (kind, arity));
            }
        }
        m
    })
}

fn classify(w: &Word) -> WordClass {
    match w.bare() {
        Some(text) => classify_bare(text),
        // A quoted or expanded word is always data (but may still be `NAME="value"`).
        None => WordClass {
            assign: assign_prefix(w).is_some(),
            ..WordClass::default()
        },
    }
}

/// [`classify`] of a bare word, from its text (a bare word is one literal part).
fn classify_bare(text: &str) -> WordClass {
    // Parameter names are matched case-insensitively; lower-case on the stack, not the heap.
    let param = if text.len() <= 24 {
        let mut buf = [0u8; 24];
        let lower = &mut buf[..text.len()];
        lower.copy_from_slice(text.as_bytes());
        lower.make_ascii_lowercase();
        std::str::from_utf8(lower)
            .ok()
            .and_then(|l| param_table().get(l).copied())
    } else {
        None
    };
    WordClass {
        cmd: command_table().get(text).copied(),
        param,
        prefix: Family::from_prefix(text),
        not: text.eq_ignore_ascii_case("not") || text == "!",
        assign: assign_offset(text).is_some(),
    }
}

/// Assignment detection for words of several parts (`A="x"`): the first part carries `NAME=`
/// (or `NAME+=`, `NAME[INDEX]=`). The offset of the `=`.
fn assign_prefix(w: &Word) -> Option<usize> {
    let super::words::PartKind::Literal(first) = &w.parts.first()?.kind else {
        return None;
    };
    assign_offset(first)
}

/// The offset of the `=` of `NAME=` (and the other assignment targets) at the start of `first`.
fn assign_offset(first: &str) -> Option<usize> {
    let i = first.find('=')?;
    let (name, _, _) = assign_target(&first[..i])?;
    (!name.is_empty()
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(i)
}

/// `NAME`, `NAME+`, `NAME[INDEX]`, `NAME[INDEX]+` (what comes before `=`): the name, whether it
/// appends, and the index.
pub fn assign_target(left: &str) -> Option<(&str, bool, Option<&str>)> {
    let (left, append) = match left.strip_suffix('+') {
        Some(l) => (l, true),
        None => (left, false),
    };
    match left.find('[') {
        Some(open) => {
            let index = left[open + 1..].strip_suffix(']')?;
            Some((&left[..open], append, Some(index)))
        }
        None => Some((left, append, None)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok<'a> {
    Word(&'a Word, WordClass),
    Op(Op),
}

impl std::fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Word(w, _) => match w.literal() {
                Some(l) => write!(f, "`{l}`"),
                None => f.write_str("a quoted or expanded word"),
            },
            Tok::Op(op) => f.write_str(match op {
                Op::Newline => "end of line",
                Op::Semi => "`;`",
                Op::DoubleSemi => "`;;`",
                Op::AndIf => "`&&`",
                Op::OrIf => "`||`",
                Op::Pipe => "`|`",
                Op::Amp => "`&`",
                Op::LParen => "`(`",
                Op::RParen => "`)`",
                Op::Redirect => "a redirection",
            }),
        }
    }
}

/// `Simple` errors: the grammar tries many alternatives per word, and `Rich` would allocate an
/// expected-set for each failed one (it dominated parse time). The parser only reports what it
/// found and where; the checks in `validate` give the real explanations.
type Ex<'a> = extra::Err<Simple<'a, Tok<'a>>>;

trait In<'a>: ValueInput<'a, Token = Tok<'a>, Span = SimpleSpan> {}
impl<'a, T: ValueInput<'a, Token = Tok<'a>, Span = SimpleSpan>> In<'a> for T {}

/// A statement: simple commands joined by `&&`, `||`, `|` or `&`.
fn statement<'a, I: In<'a>>() -> impl Parser<'a, I, Stmt, Ex<'a>> {
    let list_op =
        select! { Tok::Op(o) if matches!(o, Op::AndIf | Op::OrIf | Op::Pipe | Op::Amp) => o }
            .map_with(|o, e| (o, Span::from(e.span())));
    simple()
        .then(
            list_op
                .then(simple().or_not())
                .repeated()
                .collect::<Vec<_>>(),
        )
        .then_ignore(end())
        .map_with(|(first, more), e| {
            if more.is_empty() {
                return first;
            }
            let mut ops = Vec::new();
            // `if a && b`: the reserved words lead the whole list, not its first command; but
            // `! a && b` negates `a` only.
            let mut first = first;
            let (bang, lead): (Vec<Word>, Vec<Word>) = std::mem::take(&mut first.lead)
                .into_iter()
                .partition(|w| w.bare() == Some("!"));
            first.lead = bang;
            let mut items = vec![first];
            for (o, s) in more {
                ops.push(o);
                items.extend(s);
            }
            Stmt {
                span: span_of(e),
                lead,
                kind: StmtKind::Shell(ShellStmt::List { ops, items }),
                redirects: vec![],
            }
        })
}

/// The result of parsing one file: the tree, the lexer tokens (trivia included) and the errors
/// the parser itself found.
#[derive(Clone, Debug)]
pub struct Parse {
    pub file: SourceFile,
    /// Words and operators in source order (what the parser saw).
    pub pieces: Vec<Piece>,
    pub tokens: Vec<(super::lexer::RawTok, Span)>,
    pub errors: Vec<crate::diag::Diagnostic>,
}

/// Cuts the token stream into statements at `\n`, `;` and `;;` (but not inside an array literal),
/// and after the headers that bash lets a command follow on the same line: `case WORD in`, a
/// case pattern's `)`, `name()` and `function name`.
/// The second list holds the starts of the ranges that are case patterns (`a|b)`, `(a)`).
fn statement_ranges(toks: &[(Tok<'_>, SimpleSpan)]) -> (Vec<std::ops::Range<usize>>, Vec<usize>) {
    let mut patterns = Vec::new();
    let ranges = split_statements(toks, 0, true, &mut patterns);
    (ranges, patterns)
}

fn bare_is(t: &Tok<'_>, words: &[&str]) -> bool {
    matches!(t, Tok::Word(w, _) if w.bare().is_some_and(|b| words.contains(&b)))
}

/// Where a statement starting at `from` must be cut before its separator: the index just after
/// its header. `pattern` says a case pattern may start here (after `case ... in` or `;;`).
fn header_end(toks: &[(Tok<'_>, SimpleSpan)], from: usize, pattern: bool) -> Option<usize> {
    use keywords::{SHELL_CLOSERS, SHELL_CONDITION_LEADS, SHELL_CONTINUERS};
    let mut i = from;
    while toks.get(i).is_some_and(|(t, _)| {
        bare_is(t, SHELL_CONTINUERS)
            || bare_is(t, SHELL_CONDITION_LEADS)
            || bare_is(t, SHELL_CLOSERS)
    }) {
        i += 1;
    }
    let word = |k: usize| matches!(toks.get(k), Some((Tok::Word(..), _)));
    let is_op = |k: usize, o: Op| matches!(toks.get(k), Some((Tok::Op(x), _)) if *x == o);
    let (first, _) = toks.get(i)?;
    if pattern && !bare_is(first, &["esac"]) {
        let mut k = i + usize::from(is_op(i, Op::LParen));
        if word(k) {
            k += 1;
            while is_op(k, Op::Pipe) && word(k + 1) {
                k += 2;
            }
            if is_op(k, Op::RParen) {
                return Some(k + 1);
            }
        }
    }
    if bare_is(first, &["case"]) && word(i + 1) && bare_is(&toks.get(i + 2)?.0, &["in"]) {
        return Some(i + 3);
    }
    if bare_is(first, &["function"]) && word(i + 1) {
        let paren = is_op(i + 2, Op::LParen) && is_op(i + 3, Op::RParen);
        return Some(if paren { i + 4 } else { i + 2 });
    }
    if word(i) && is_op(i + 1, Op::LParen) && is_op(i + 2, Op::RParen) {
        return Some(i + 3);
    }
    None
}

/// The splitting itself. An array that is never closed would swallow the rest of the file, so in
/// that case the text after its `(` is split again line by line (recovery stays local, as for an
/// unterminated quote).
fn split_statements(
    toks: &[(Tok<'_>, SimpleSpan)],
    from: usize,
    arrays: bool,
    patterns: &mut Vec<usize>,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = from;
    let mut array_depth = 0usize;
    let mut array_open = 0;
    // A case pattern may start the next statement; the cut that ends the current header.
    let mut pattern = false;
    let mut cut: Option<usize> = None;
    let mut i = from;
    while i < toks.len() {
        if i == start && cut.is_none() && array_depth == 0 {
            cut = header_end(toks, i, pattern);
            if let Some(c) = cut {
                let case_header = toks[i..c].iter().any(|(t, _)| bare_is(t, &["in"]))
                    && toks[i..c].iter().any(|(t, _)| bare_is(t, &["case"]));
                let is_pattern = matches!(toks[c - 1].0, Tok::Op(Op::RParen))
                    && !matches!(
                        toks.get(c.wrapping_sub(2)).map(|t| &t.0),
                        Some(Tok::Op(Op::LParen))
                    );
                pattern = case_header && !is_pattern;
                if is_pattern && !case_header {
                    patterns.push(i);
                }
            }
        }
        if cut == Some(i) {
            out.push(start..i);
            start = i;
            cut = None;
            continue;
        }
        let (t, sp) = &toks[i];
        match t {
            Tok::Op(Op::LParen) if array_depth > 0 => array_depth += 1,
            Tok::Op(Op::LParen) => {
                let after_assign = arrays
                    && i > 0
                    && matches!(toks[i - 1].0, Tok::Word(w, WordClass { assign: true, .. }) if w.literal().is_some_and(|l| l.ends_with('=')))
                    && toks[i - 1].1.end == sp.start;
                if after_assign {
                    array_depth = 1;
                    array_open = i;
                }
            }
            Tok::Op(Op::RParen) if array_depth > 0 => array_depth -= 1,
            Tok::Op(o @ (Op::Newline | Op::Semi | Op::DoubleSemi)) if array_depth == 0 => {
                if start < i {
                    out.push(start..i);
                    // A pattern may follow `;;`, and blank lines after `case ... in`.
                    pattern = *o == Op::DoubleSemi;
                } else if *o == Op::DoubleSemi {
                    pattern = true;
                }
                start = i + 1;
                cut = None;
            }
            _ => {}
        }
        i += 1;
    }
    if array_depth > 0 {
        // Unclosed: the assignment line up to its end is one statement, the rest is re-split.
        let line_end = toks[array_open..]
            .iter()
            .position(|(t, _)| matches!(t, Tok::Op(Op::Newline)))
            .map(|p| array_open + p)
            .unwrap_or(toks.len());
        out.push(start..line_end);
        out.extend(split_statements(
            toks,
            (line_end + 1).min(toks.len()),
            false,
            patterns,
        ));
        return out;
    }
    if start < toks.len() {
        out.push(start..toks.len());
    }
    out
}

/// Reads a statement from words that are not in the text: a FireHOL command's words as the
/// shell evaluator expanded them (what FireHOL's function receives).
pub fn parse_words(words: &[Word]) -> Stmt {
    let toks: Vec<(Tok<'_>, SimpleSpan)> = words
        .iter()
        .map(|w| (Tok::Word(w, classify(w)), SimpleSpan::from(w.span.range())))
        .collect();
    let span = match (words.first(), words.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end.max(a.span.end)),
        _ => Span::default(),
    };
    let input = toks
        .as_slice()
        .split_token_span(SimpleSpan::from(span.end..span.end));
    // A FireHOL command (the usual case): its own grammar only.
    if let Some(cmd) = leading_command(&toks) {
        let one = shell::one_command(cmd);
        if let Some(stmt) = one.parse(input).into_output() {
            return stmt;
        }
    }
    statement().parse(input).into_output().unwrap_or(Stmt {
        span,
        lead: vec![],
        kind: StmtKind::Error,
        redirects: vec![],
    })
}

/// The FireHOL command a statement starts with (after a family prefix such as `ipv4`).
fn leading_command(toks: &[(Tok<'_>, SimpleSpan)]) -> Option<Cmd> {
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Word(_, class), _)) => Some(*class),
        _ => None,
    };
    let first = word(0)?;
    match first.cmd {
        Some((c, _)) => Some(c),
        None if first.prefix.is_some() => word(1)?.cmd.map(|(c, _)| c),
        None => None,
    }
}

/// True when `text`, as a bare word, reads as a plain value everywhere the grammar looks: no
/// keyword of any kind, and (digits, dots, slashes, colons or blanks in it) no word the grammar
/// compares with (those are all letters). The shell evaluator then puts an expansion in place
/// of its word without reading the command again.
pub fn reads_as_value(text: &str) -> bool {
    text != "."
        && text.contains(|c: char| c.is_ascii_digit() || "./: \t\n".contains(c))
        && classify_bare(text) == WordClass::default()
}

/// True when `text` names a FireHOL command (or a family prefix): a quoted or expanded command
/// word is still that command for bash.
pub fn is_command_word(text: &str) -> bool {
    command_table().contains_key(text) || Family::from_prefix(text).is_some()
}

/// `NAME=value` read from one word (the arguments of `local`, `export`, `declare` ...).
pub fn assignment_word(w: &Word) -> Option<Assignment> {
    assign_prefix(w)?;
    Some(shell::split_assignment(w))
}

/// Lexes and parses a whole file. Never fails: problems are in `errors` and `Error` statements.
pub fn parse(text: &str) -> Parse {
    parse_with(text, true)
}

/// [`parse`] reading every statement with the whole grammar, as it did before it read the
/// statements that are one FireHOL command with that command's grammar first
/// ([`shell::one_command`]): `lang/tests/parse_by_command.rs` checks that both read the same.
#[doc(hidden)]
pub fn parse_by_whole_grammar(text: &str) -> Parse {
    parse_with(text, false)
}

fn parse_with(text: &str, by_command: bool) -> Parse {
    use crate::codes::Code;
    use crate::diag::Diagnostic;

    let tokens = super::lexer::lex(text);
    let pieces = super::words::assemble(text, &tokens);
    let mut stmts = Vec::new();
    let mut errors = Vec::new();
    {
        let toks: Vec<(Tok<'_>, SimpleSpan)> = pieces
            .iter()
            .map(|p| match p {
                Piece::Word(w) => (Tok::Word(w, classify(w)), SimpleSpan::from(w.span.range())),
                Piece::Op(o, s) => (Tok::Op(*o), SimpleSpan::from(s.range())),
            })
            .collect();
        let parser = statement();
        // The commands' own grammars, built on first use (a file uses a few).
        let mut by_cmd = Vec::new();
        let (ranges, patterns) = statement_ranges(&toks);
        for range in ranges {
            // `(a|b)` where the splitter expected a case pattern: the optional `(` of bash.
            let range = match (patterns.contains(&range.start), &toks[range.start].0) {
                (true, Tok::Op(Op::LParen)) if range.len() > 2 => range.start + 1..range.end,
                _ => range,
            };
            let slice = &toks[range];
            let span = Span::new(slice[0].1.start, slice[slice.len() - 1].1.end);
            let input = slice.split_token_span(SimpleSpan::from(span.end..span.end));
            let cmd = by_command.then(|| leading_command(slice)).flatten();
            if let Some(cmd) = cmd {
                let at = match by_cmd.iter().position(|(c, _)| *c == cmd) {
                    Some(at) => at,
                    None => {
                        by_cmd.push((cmd, shell::one_command(cmd)));
                        by_cmd.len() - 1
                    }
                };
                let (out, errs) = by_cmd[at].1.parse(input).into_output_errors();
                if let (Some(stmt), true) = (out, errs.is_empty()) {
                    stmts.push(stmt);
                    continue;
                }
            }
            let (out, errs) = parser.parse(input).into_output_errors();
            for e in errs {
                let at = Span::from(*e.span());
                let found = match e.found() {
                    Some(t) => t.to_string(),
                    None => "the end of the statement".to_string(),
                };
                errors.push(
                    Diagnostic::new(
                        Code::SyntaxError,
                        at,
                        format!("this statement cannot continue with {found}"),
                    )
                    .with_label("fhc cannot read the statement from here on")
                    .with_secondary(span, "in this statement"),
                );
            }
            stmts.push(out.unwrap_or(Stmt {
                span,
                lead: vec![],
                kind: StmtKind::Error,
                redirects: vec![],
            }));
        }
    }
    Parse {
        file: SourceFile { stmts },
        pieces,
        tokens,
        errors,
    }
}

#[cfg(test)]
mod tests;
