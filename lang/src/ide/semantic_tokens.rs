//! Semantic tokens: the lexer's tokens (comments, strings, variables, operators) refined by the
//! tree (commands, parameters, services, actions, section names). Tokens are sorted and never
//! overlap; a double-quoted string is cut around the variables inside it. They may span lines
//! (a multi-line string): cutting them per line is the protocol's business.

use super::File;
use crate::Span;
use crate::syntax::ast::{Command, CommandKind, ShellStmt, Stmt, StmtKind, SynproxyVerb};
use crate::syntax::keywords::is_builtin_action;
use crate::syntax::lexer::{HashKind, RawTok};
use crate::syntax::words::{Piece, Word};
use std::collections::HashMap;

/// What a token is. The order is the LSP legend's (a client gets `kind as u32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TokenKind {
    Keyword = 0,
    Parameter = 1,
    String = 2,
    Variable = 3,
    Comment = 4,
    Number = 5,
    Operator = 6,
    /// An action defined with `action`.
    Function = 7,
    /// A service in a server/client/route list.
    Type = 8,
    /// A section name.
    Namespace = 9,
    /// A built-in verdict, a synproxy type.
    EnumMember = 10,
}

impl TokenKind {
    /// Every kind, in legend order.
    pub const ALL: [TokenKind; 11] = [
        TokenKind::Keyword,
        TokenKind::Parameter,
        TokenKind::String,
        TokenKind::Variable,
        TokenKind::Comment,
        TokenKind::Number,
        TokenKind::Operator,
        TokenKind::Function,
        TokenKind::Type,
        TokenKind::Namespace,
        TokenKind::EnumMember,
    ];
}

/// One token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// Where a name is defined (an assignment, `action NAME`, a section name).
    pub declaration: bool,
}

/// Modifier bit for the place a name is defined.
const DECLARATION: u32 = 1;

/// Token types the tree gives to bare words, by start offset: (end, type, modifiers).
type Classes = HashMap<usize, (usize, TokenKind, u32)>;

fn mark(c: &mut Classes, span: Span, ty: TokenKind, mods: u32) {
    c.insert(span.start, (span.end, ty, mods));
}

fn verb(c: &mut Classes, w: &Word) {
    let builtin = w.literal().is_some_and(is_builtin_action);
    mark(
        c,
        w.span,
        if builtin {
            TokenKind::EnumMember
        } else {
            TokenKind::Function
        },
        0,
    );
}

fn classify(s: &Stmt, c: &mut Classes) {
    for w in &s.lead {
        mark(c, w.span, TokenKind::Keyword, 0);
    }
    match &s.kind {
        StmtKind::Assignment(list) => {
            for a in list {
                mark(c, a.name_span, TokenKind::Variable, DECLARATION);
            }
        }
        StmtKind::Shell(ShellStmt::List { items, .. }) => items.iter().for_each(|i| classify(i, c)),
        StmtKind::Shell(ShellStmt::Compound { keyword, .. }) => {
            mark(c, keyword.span, TokenKind::Keyword, 0)
        }
        StmtKind::Command(cmd) => classify_command(cmd, c),
        _ => {}
    }
}

/// A FireHOL command: its keyword, parameters, and the words its kind gives a meaning to.
fn classify_command(cmd: &Command, c: &mut Classes) {
    if let Some(f) = cmd.family
        && f.prefix
    {
        mark(c, f.span, TokenKind::Keyword, 0);
    }
    mark(c, cmd.name.span, TokenKind::Keyword, 0);
    for p in cmd.params() {
        if p.kind.is_some() {
            mark(c, p.keyword.span, TokenKind::Parameter, 0);
        }
        if let Some(n) = p.not {
            mark(c, n, TokenKind::Keyword, 0);
        }
    }
    match &cmd.kind {
        CommandKind::Interface { name: Some(n), .. }
        | CommandKind::Router { name: Some(n), .. } => {
            mark(c, n.span, TokenKind::Namespace, DECLARATION)
        }
        CommandKind::Service(svc) => {
            if let Some(w) = &svc.services
                && w.bare().is_some()
            {
                mark(c, w.span, TokenKind::Type, 0);
            }
            if let Some(a) = &svc.action {
                verb(c, &a.verb);
                if let Some(w) = &a.with {
                    mark(c, w.with.span, TokenKind::Keyword, 0);
                }
            }
        }
        CommandKind::Policy { action: Some(a) } => verb(c, &a.verb),
        CommandKind::GroupStart { verb: v, .. } | CommandKind::GroupEnd { verb: v } => {
            mark(c, v.span, TokenKind::Keyword, 0)
        }
        CommandKind::Synproxy(sp) => {
            if let Some(t) = &sp.types {
                mark(c, t.span, TokenKind::EnumMember, 0);
            }
            if let Some(a) = &sp.action {
                let ty = match a.verb {
                    SynproxyVerb::Accept | SynproxyVerb::Drop | SynproxyVerb::Reject => {
                        TokenKind::EnumMember
                    }
                    _ => TokenKind::Keyword,
                };
                mark(c, a.verb_word.span, ty, 0);
                if let Some(to) = a.to {
                    mark(c, to, TokenKind::Keyword, 0);
                }
                if a.verb == SynproxyVerb::Action
                    && let Some(t) = &a.target
                {
                    verb(c, t);
                }
            }
        }
        CommandKind::Action(def) => {
            if let Some(n) = &def.name {
                mark(c, n.span, TokenKind::Function, DECLARATION);
            }
            for step in &def.steps {
                mark(c, step.kind.span, TokenKind::Keyword, 0);
                if (step.kind.is("chain") || step.kind.is("action"))
                    && let Some(a) = step.args.first()
                {
                    verb(c, a);
                }
            }
        }
        CommandKind::Nat(n) => {
            if let Some(m) = &n.mode {
                mark(c, m.span, TokenKind::Keyword, 0);
            }
            if let Some(to) = n.to {
                mark(c, to, TokenKind::Keyword, 0);
            }
        }
        _ => {}
    }
}

fn numeric(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"./:-,".contains(&b))
}

/// The tokens of the file, sorted, not overlapping, possibly spanning lines.
pub fn tokens(doc: &File) -> Vec<Token> {
    let parse = &doc.analysis().parse;
    let mut classes = Classes::new();
    for s in &parse.file.stmts {
        classify(s, &mut classes);
    }
    let mut vars: Vec<Span> = Vec::new();
    for p in &parse.pieces {
        if let Piece::Word(w) = p {
            vars.extend(w.vars().map(|(_, s)| s));
        }
    }
    vars.sort();
    let mut out = Vec::new();
    for &(tok, span) in &parse.tokens {
        match tok {
            RawTok::Hash(HashKind::Comment) => out.push((span, TokenKind::Comment, 0)),
            RawTok::SingleQuoted | RawTok::UnterminatedSingle => {
                out.push((span, TokenKind::String, 0))
            }
            RawTok::DoubleQuoted(_) => {
                let mut at = span.start;
                let first = vars.partition_point(|v| v.start < span.start);
                for v in vars[first..].iter().take_while(|v| v.end <= span.end) {
                    if v.start > at {
                        out.push((Span::new(at, v.start), TokenKind::String, 0));
                    }
                    out.push((*v, TokenKind::Variable, 0));
                    at = v.end;
                }
                if at < span.end {
                    out.push((Span::new(at, span.end), TokenKind::String, 0));
                }
            }
            RawTok::Var | RawTok::BracedVar | RawTok::SpecialVar => {
                out.push((span, TokenKind::Variable, 0))
            }
            RawTok::Semi
            | RawTok::DoubleSemi
            | RawTok::AndIf
            | RawTok::OrIf
            | RawTok::Pipe
            | RawTok::Amp
            | RawTok::LParen
            | RawTok::RParen
            | RawTok::Redirect
            | RawTok::Continuation => out.push((span, TokenKind::Operator, 0)),
            RawTok::Bare => {
                if let Some(&(end, ty, mods)) = classes.get(&span.start) {
                    // An assignment's name is the start of its bare token (`NAME=value`).
                    let end = end.min(span.end);
                    out.push((Span::new(span.start, end), ty, mods));
                    if ty == TokenKind::Variable
                        && end < span.end
                        && let Some(text) = doc.text().get(end + 1..span.end)
                    {
                        out.push((Span::new(end, end + 1), TokenKind::Operator, 0));
                        if numeric(text) {
                            out.push((Span::new(end + 1, span.end), TokenKind::Number, 0));
                        }
                    }
                } else if numeric(doc.text().get(span.range()).unwrap_or("")) {
                    out.push((span, TokenKind::Number, 0));
                }
            }
            _ => {}
        }
    }
    out.into_iter()
        .filter(|(s, ..)| s.start < s.end)
        .map(|(span, kind, mods)| Token {
            span,
            kind,
            declaration: mods & DECLARATION != 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, text, kind) of each token (cut at line ends, as a client sees them).
    fn decode(text: &str) -> Vec<(usize, String, TokenKind)> {
        let doc = File::alone(text);
        let mut out = Vec::new();
        for t in tokens(&doc) {
            let mut start = t.span.start;
            for piece in text[t.span.range()].split_inclusive('\n') {
                let line = doc.index().line_of(start);
                out.push((line, piece.trim_end_matches('\n').to_string(), t.kind));
                start += piece.len();
            }
        }
        out
    }

    #[test]
    fn commands_parameters_strings_variables() {
        let text = "# c\nLAN=10.0.0.1\naction A chain drop\ninterface eth0 lan src \"x $LAN y\"\n    server ssh A dport 22\n";
        let t = decode(text);
        let want = [
            (0, "# c", TokenKind::Comment),
            (1, "LAN", TokenKind::Variable),
            (1, "10.0.0.1", TokenKind::Number),
            (2, "action", TokenKind::Keyword),
            (2, "A", TokenKind::Function),
            (2, "chain", TokenKind::Keyword),
            (2, "drop", TokenKind::EnumMember),
            (3, "interface", TokenKind::Keyword),
            (3, "lan", TokenKind::Namespace),
            (3, "src", TokenKind::Parameter),
            (3, "\"x ", TokenKind::String),
            (3, "$LAN", TokenKind::Variable),
            (3, " y\"", TokenKind::String),
            (4, "server", TokenKind::Keyword),
            (4, "ssh", TokenKind::Type),
            (4, "A", TokenKind::Function),
            (4, "dport", TokenKind::Parameter),
            (4, "22", TokenKind::Number),
        ];
        for (l, s, ty) in want {
            assert!(
                t.contains(&(l, s.to_string(), ty)),
                "{l} {s} {ty:?} not in {t:?}"
            );
        }
        let decl: Vec<&str> = tokens(&File::alone(text))
            .iter()
            .filter(|t| t.declaration)
            .map(|t| &text[t.span.range()])
            .collect();
        assert_eq!(decl, ["LAN", "A", "lan"]);
    }

    #[test]
    fn tokens_are_sorted_and_disjoint() {
        let text = "X=\"a\n$Y b\"\ninterface eth0 lan src \"$X\" # c\n";
        let t = tokens(&File::alone(text));
        for w in t.windows(2) {
            assert!(w[0].span.end <= w[1].span.start, "{w:?}");
        }
    }

    #[test]
    fn the_legend_order_is_the_discriminants() {
        for (i, k) in TokenKind::ALL.iter().enumerate() {
            assert_eq!(*k as u32, i as u32);
        }
    }
}
