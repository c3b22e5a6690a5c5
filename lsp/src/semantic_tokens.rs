//! `textDocument/semanticTokens/full`: the lexer's tokens (comments, strings, variables, operators)
//! refined by the tree (commands, parameters, services, actions, section names). Tokens never
//! overlap and never span lines; a double-quoted string is cut around the variables inside it.

use crate::state::Doc;
use fhc_lang::Span;
use fhc_lang::syntax::ast::{CommandKind, ShellStmt, Stmt, StmtKind, SynproxyVerb};
use fhc_lang::syntax::keywords::is_builtin_action;
use fhc_lang::syntax::lexer::{HashKind, RawTok};
use fhc_lang::syntax::words::{Piece, Word};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};

pub const KEYWORD: u32 = 0;
pub const PARAMETER: u32 = 1;
pub const STRING: u32 = 2;
pub const VARIABLE: u32 = 3;
pub const COMMENT: u32 = 4;
pub const NUMBER: u32 = 5;
pub const OPERATOR: u32 = 6;
pub const FUNCTION: u32 = 7;
pub const TYPE: u32 = 8;
pub const NAMESPACE: u32 = 9;
pub const ENUM_MEMBER: u32 = 10;

/// Modifier bit for the place a name is defined.
pub const DECLARATION: u32 = 1;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::KEYWORD,
            SemanticTokenType::PARAMETER,
            SemanticTokenType::STRING,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::COMMENT,
            SemanticTokenType::NUMBER,
            SemanticTokenType::OPERATOR,
            SemanticTokenType::FUNCTION,
            SemanticTokenType::TYPE,
            SemanticTokenType::NAMESPACE,
            SemanticTokenType::ENUM_MEMBER,
        ],
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

/// Token types the tree gives to bare words, by start offset: (end, type, modifiers).
type Classes = HashMap<usize, (usize, u32, u32)>;

fn mark(c: &mut Classes, span: Span, ty: u32, mods: u32) {
    c.insert(span.start, (span.end, ty, mods));
}

fn verb(c: &mut Classes, w: &Word) {
    let builtin = w.literal().is_some_and(is_builtin_action);
    mark(c, w.span, if builtin { ENUM_MEMBER } else { FUNCTION }, 0);
}

fn classify(s: &Stmt, c: &mut Classes) {
    for w in &s.lead {
        mark(c, w.span, KEYWORD, 0);
    }
    match &s.kind {
        StmtKind::Assignment(list) => {
            for a in list {
                mark(c, a.name_span, VARIABLE, DECLARATION);
            }
        }
        StmtKind::Shell(ShellStmt::List { items, .. }) => items.iter().for_each(|i| classify(i, c)),
        StmtKind::Shell(ShellStmt::Compound { keyword, .. }) => mark(c, keyword.span, KEYWORD, 0),
        StmtKind::Command(cmd) => {
            if let Some(f) = cmd.family
                && f.prefix
            {
                mark(c, f.span, KEYWORD, 0);
            }
            mark(c, cmd.name.span, KEYWORD, 0);
            for p in cmd.params() {
                if p.kind.is_some() {
                    mark(c, p.keyword.span, PARAMETER, 0);
                }
                if let Some(n) = p.not {
                    mark(c, n, KEYWORD, 0);
                }
            }
            match &cmd.kind {
                CommandKind::Interface { name: Some(n), .. }
                | CommandKind::Router { name: Some(n), .. } => {
                    mark(c, n.span, NAMESPACE, DECLARATION)
                }
                CommandKind::Service(svc) => {
                    if let Some(w) = &svc.services
                        && w.bare().is_some()
                    {
                        mark(c, w.span, TYPE, 0);
                    }
                    if let Some(a) = &svc.action {
                        verb(c, &a.verb);
                        if let Some(w) = &a.with {
                            mark(c, w.with.span, KEYWORD, 0);
                        }
                    }
                }
                CommandKind::Policy { action: Some(a) } => verb(c, &a.verb),
                CommandKind::GroupStart { verb: v, .. } | CommandKind::GroupEnd { verb: v } => {
                    mark(c, v.span, KEYWORD, 0)
                }
                CommandKind::Synproxy(sp) => {
                    if let Some(t) = &sp.types {
                        mark(c, t.span, ENUM_MEMBER, 0);
                    }
                    if let Some(a) = &sp.action {
                        let ty = match a.verb {
                            SynproxyVerb::Accept | SynproxyVerb::Drop | SynproxyVerb::Reject => {
                                ENUM_MEMBER
                            }
                            _ => KEYWORD,
                        };
                        mark(c, a.verb_word.span, ty, 0);
                        if let Some(to) = a.to {
                            mark(c, to, KEYWORD, 0);
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
                        mark(c, n.span, FUNCTION, DECLARATION);
                    }
                    for step in &def.steps {
                        mark(c, step.kind.span, KEYWORD, 0);
                        if (step.kind.is("chain") || step.kind.is("action"))
                            && let Some(a) = step.args.first()
                        {
                            verb(c, a);
                        }
                    }
                }
                CommandKind::Nat(n) => {
                    if let Some(m) = &n.mode {
                        mark(c, m.span, KEYWORD, 0);
                    }
                    if let Some(to) = n.to {
                        mark(c, to, KEYWORD, 0);
                    }
                }
                _ => {}
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

/// (span, type, modifiers), sorted, not overlapping, possibly spanning lines.
fn raw_tokens(doc: &Doc) -> Vec<(Span, u32, u32)> {
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
            RawTok::Hash(HashKind::Comment) => out.push((span, COMMENT, 0)),
            RawTok::SingleQuoted | RawTok::UnterminatedSingle => out.push((span, STRING, 0)),
            RawTok::DoubleQuoted(_) => {
                let mut at = span.start;
                let first = vars.partition_point(|v| v.start < span.start);
                for v in vars[first..].iter().take_while(|v| v.end <= span.end) {
                    if v.start > at {
                        out.push((Span::new(at, v.start), STRING, 0));
                    }
                    out.push((*v, VARIABLE, 0));
                    at = v.end;
                }
                if at < span.end {
                    out.push((Span::new(at, span.end), STRING, 0));
                }
            }
            RawTok::Var | RawTok::BracedVar | RawTok::SpecialVar => out.push((span, VARIABLE, 0)),
            RawTok::Semi
            | RawTok::DoubleSemi
            | RawTok::AndIf
            | RawTok::OrIf
            | RawTok::Pipe
            | RawTok::Amp
            | RawTok::LParen
            | RawTok::RParen
            | RawTok::Redirect
            | RawTok::Continuation => out.push((span, OPERATOR, 0)),
            RawTok::Bare => {
                if let Some(&(end, ty, mods)) = classes.get(&span.start) {
                    // An assignment's name is the start of its bare token (`NAME=value`).
                    let end = end.min(span.end);
                    out.push((Span::new(span.start, end), ty, mods));
                    if ty == VARIABLE
                        && end < span.end
                        && let Some(text) = doc.text.get(end + 1..span.end)
                    {
                        out.push((Span::new(end, end + 1), OPERATOR, 0));
                        if numeric(text) {
                            out.push((Span::new(end + 1, span.end), NUMBER, 0));
                        }
                    }
                } else if numeric(doc.text.get(span.range()).unwrap_or("")) {
                    out.push((span, NUMBER, 0));
                }
            }
            _ => {}
        }
    }
    out.retain(|(s, ..)| s.start < s.end);
    out
}

pub fn semantic_tokens(doc: &Doc) -> SemanticTokens {
    let m = doc.mapper();
    let mut data = Vec::new();
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    for (span, ty, mods) in raw_tokens(doc) {
        let first = doc.index.line_of(span.start);
        let last = doc
            .index
            .line_of(span.end.saturating_sub(1).max(span.start));
        for line in first..=last {
            let start = span.start.max(doc.index.line_start(line));
            let end = span.end.min(doc.index.line_end(&doc.text, line));
            if start >= end {
                continue;
            }
            let seg = Span::new(start, end);
            let pos = m.position(start);
            let delta_line = pos.line - prev_line;
            let delta_start = if delta_line == 0 {
                pos.character - prev_start
            } else {
                pos.character
            };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length: m.len(seg),
                token_type: ty,
                token_modifiers_bitset: mods,
            });
            prev_line = pos.line;
            prev_start = pos.character;
        }
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the tokens back to (line, text, type).
    fn decode(text: &str) -> Vec<(u32, String, u32)> {
        let doc = Doc::test(text);
        let toks = semantic_tokens(&doc);
        let lines: Vec<Vec<u16>> = text
            .split('\n')
            .map(|l| l.encode_utf16().collect())
            .collect();
        let (mut line, mut col) = (0u32, 0u32);
        let mut out = Vec::new();
        for t in toks.data {
            if t.delta_line > 0 {
                line += t.delta_line;
                col = t.delta_start;
            } else {
                col += t.delta_start;
            }
            let l = &lines[line as usize];
            let s = String::from_utf16_lossy(&l[col as usize..(col + t.length) as usize]);
            out.push((line, s, t.token_type));
        }
        out
    }

    #[test]
    fn commands_parameters_strings_variables() {
        let text = "# c\nLAN=10.0.0.1\naction A chain drop\ninterface eth0 lan src \"x $LAN y\"\n    server ssh A dport 22\n";
        let t = decode(text);
        let want = [
            (0, "# c", COMMENT),
            (1, "LAN", VARIABLE),
            (1, "10.0.0.1", NUMBER),
            (2, "action", KEYWORD),
            (2, "A", FUNCTION),
            (2, "chain", KEYWORD),
            (2, "drop", ENUM_MEMBER),
            (3, "interface", KEYWORD),
            (3, "lan", NAMESPACE),
            (3, "src", PARAMETER),
            (3, "\"x ", STRING),
            (3, "$LAN", VARIABLE),
            (3, " y\"", STRING),
            (4, "server", KEYWORD),
            (4, "ssh", TYPE),
            (4, "A", FUNCTION),
            (4, "dport", PARAMETER),
            (4, "22", NUMBER),
        ];
        for (l, s, ty) in want {
            assert!(
                t.contains(&(l, s.to_string(), ty)),
                "{l} {s} {ty} not in {t:?}"
            );
        }
    }

    #[test]
    fn multi_line_strings_split_per_line_and_utf16_lengths() {
        let text = "X=\"a\n\u{1F600}b\"\n";
        let t = decode(text);
        assert!(t.contains(&(0, "\"a".to_string(), STRING)), "{t:?}");
        assert!(
            t.contains(&(1, "\u{1F600}b\"".to_string(), STRING)),
            "{t:?}"
        );
    }
}
