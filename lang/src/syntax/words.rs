//! Shell words: adjacent lexer tokens glued into the words bash would pass to a FireHOL function.
//!
//! `src"1.2.3.4 "$X` is one word of three parts. Keeping the parts (instead of a flat string) lets
//! the model expand variables later while every part keeps its own span, so a diagnostic about
//! `$X` points at `$X`.

use super::lexer::{HashKind, RawTok};
use crate::span::Span;

/// Why a part of a word cannot be evaluated statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opaque {
    /// `$(...)` or `` `...` ``
    CommandSubstitution,
    /// `$1`, `$@`, `$#`, `$?` ...
    SpecialParameter,
    /// `${x:-y}`, `${x//,/ }`, `${#x}` ...
    ComplexExpansion,
    /// `${arr[@]}`
    ArrayExpansion,
    /// `$((...))` / `$[...]` on something other than numbers (variables, assignments ...).
    Arithmetic,
}

/// A piece of a double-quoted string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DqPart {
    Text(String, Span),
    Var(String, Span),
    Opaque(Opaque, Span),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// Unquoted text (escapes already resolved). Shared with the word's cached literal.
    Literal(std::sync::Arc<str>),
    SingleQuoted(String),
    DoubleQuoted(Vec<DqPart>),
    /// `$NAME` or `${NAME}`.
    Var(String),
    Opaque(Opaque),
    /// A quote that is not closed on its line; the content is kept as text.
    Unterminated(String),
    /// A character the lexer could not classify.
    Invalid(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordPart {
    pub span: Span,
    pub kind: PartKind,
}

/// A word is immutable once assembled and is copied into the tree by every node that holds it, so
/// its contents are shared (`Arc`): cloning a word costs two reference counts, not allocations
/// (cloning dominated parse time before).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub span: Span,
    pub parts: std::sync::Arc<[WordPart]>,
    /// The word's value when it has no expansions (quotes removed), computed once because the
    /// parser asks for it many times.
    lit: Option<std::sync::Arc<str>>,
}

impl Word {
    pub fn new(span: Span, parts: Vec<WordPart>) -> Self {
        Word::from_parts(span, &parts)
    }

    /// Builds a word from a parts buffer the caller reuses: one allocation for the parts, none
    /// for the literal of a plain word (it shares the part's text).
    pub fn from_parts(span: Span, parts: &[WordPart]) -> Self {
        let lit = match parts {
            [
                WordPart {
                    kind: PartKind::Literal(s),
                    ..
                },
            ] => Some(s.clone()),
            _ => literal_of(parts).map(std::sync::Arc::from),
        };
        Word {
            span,
            parts: parts.into(),
            lit,
        }
    }

    /// The value of a word without expansions.
    pub fn literal(&self) -> Option<&str> {
        self.lit.as_deref()
    }

    /// True when the word's value equals `s` (case-sensitive).
    pub fn is(&self, s: &str) -> bool {
        self.lit.as_deref() == Some(s)
    }

    /// True when the word's value equals `s` ignoring ASCII case.
    pub fn is_ci(&self, s: &str) -> bool {
        self.lit
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(s))
    }

    /// True when any part is quoted (a quoted word is never a keyword for the rule parser).
    pub fn is_quoted(&self) -> bool {
        self.parts.iter().any(|p| {
            matches!(
                p.kind,
                PartKind::SingleQuoted(_) | PartKind::DoubleQuoted(_) | PartKind::Unterminated(_)
            )
        })
    }

    /// A bare (unquoted, unexpanded) word's text: what bash would recognise as a reserved word.
    pub fn bare(&self) -> Option<&str> {
        match &self.parts[..] {
            [
                WordPart {
                    kind: PartKind::Literal(s),
                    ..
                },
            ] => Some(s),
            _ => None,
        }
    }

    /// The same word `by` bytes further on (a word read from a piece of text that starts there).
    pub fn shifted(&self, by: usize) -> Word {
        let sh = |s: Span| Span::new(s.start + by, s.end + by);
        let parts: Vec<WordPart> = self
            .parts
            .iter()
            .map(|p| WordPart {
                span: sh(p.span),
                kind: match &p.kind {
                    PartKind::DoubleQuoted(dq) => PartKind::DoubleQuoted(
                        dq.iter()
                            .map(|d| match d {
                                DqPart::Text(t, s) => DqPart::Text(t.clone(), sh(*s)),
                                DqPart::Var(n, s) => DqPart::Var(n.clone(), sh(*s)),
                                DqPart::Opaque(o, s) => DqPart::Opaque(*o, sh(*s)),
                            })
                            .collect(),
                    ),
                    k => k.clone(),
                },
            })
            .collect();
        Word::new(sh(self.span), parts)
    }

    /// Variables referenced by this word, with their spans.
    pub fn vars(&self) -> impl Iterator<Item = (&str, Span)> {
        self.parts.iter().flat_map(|p| {
            let v: Vec<(&str, Span)> = match &p.kind {
                PartKind::Var(n) => vec![(n.as_str(), p.span)],
                PartKind::DoubleQuoted(dq) => dq
                    .iter()
                    .filter_map(|d| match d {
                        DqPart::Var(n, s) => Some((n.as_str(), *s)),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            };
            v
        })
    }

    /// Parts that cannot be evaluated statically, with their spans.
    pub fn opaque_parts(&self) -> Vec<(Opaque, Span)> {
        let mut out = Vec::new();
        for p in self.parts.iter() {
            match &p.kind {
                PartKind::Opaque(o) => out.push((*o, p.span)),
                PartKind::DoubleQuoted(dq) => out.extend(dq.iter().filter_map(|d| match d {
                    DqPart::Opaque(o, s) => Some((*o, *s)),
                    _ => None,
                })),
                _ => {}
            }
        }
        out
    }
}

fn literal_of(parts: &[WordPart]) -> Option<String> {
    let mut out = String::new();
    for p in parts {
        match &p.kind {
            PartKind::Literal(s) => out.push_str(s),
            PartKind::SingleQuoted(s) | PartKind::Unterminated(s) | PartKind::Invalid(s) => {
                out.push_str(s)
            }
            PartKind::DoubleQuoted(dq) => {
                for d in dq {
                    match d {
                        DqPart::Text(t, _) => out.push_str(t),
                        _ => return None,
                    }
                }
            }
            PartKind::Var(_) | PartKind::Opaque(_) => return None,
        }
    }
    Some(out)
}

/// Operators and separators between words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Newline,
    Semi,
    DoubleSemi,
    AndIf,
    OrIf,
    Pipe,
    Amp,
    LParen,
    RParen,
    Redirect,
}

/// What the parser sees: words and operators, trivia removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Word(Word),
    Op(Op, Span),
}

impl Piece {
    pub fn span(&self) -> Span {
        match self {
            Piece::Word(w) => w.span,
            Piece::Op(_, s) => *s,
        }
    }
}

/// Glues tokens into words and operators.
pub fn assemble(text: &str, tokens: &[(RawTok, Span)]) -> Vec<Piece> {
    // About one piece per two tokens (a blank between words); one allocation up front.
    let mut out = Vec::with_capacity(tokens.len() / 2 + 1);
    let mut parts: Vec<WordPart> = Vec::new();
    let flush = |parts: &mut Vec<WordPart>, out: &mut Vec<Piece>| {
        if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
            let span = Span::new(first.span.start, last.span.end);
            out.push(Piece::Word(Word::from_parts(span, parts)));
            parts.clear();
        }
    };
    let mut ansi_c = false;
    for (k, &(tok, span)) in tokens.iter().enumerate() {
        let s = &text[span.range()];
        // `$'...'` (escapes decoded) and `$"..."` (a double-quoted string): the `$` goes.
        let quote_next = tokens.get(k + 1).is_some_and(|&(t, sp)| {
            sp.start == span.end && matches!(t, RawTok::SingleQuoted | RawTok::DoubleQuoted(true))
        });
        if tok == RawTok::Dollar && quote_next {
            ansi_c = matches!(tokens[k + 1].0, RawTok::SingleQuoted);
            continue;
        }
        if ansi_c {
            ansi_c = false;
            let inner = &s[1..s.len() - 1];
            parts.push(WordPart {
                span: Span::new(span.start - 1, span.end),
                kind: PartKind::SingleQuoted(ansi_c_decode(inner)),
            });
            continue;
        }
        if tok.is_word_part() {
            parts.push(WordPart {
                span,
                kind: part_kind(tok, s, span),
            });
            continue;
        }
        flush(&mut parts, &mut out);
        let op = match tok {
            RawTok::Newline => Op::Newline,
            RawTok::Semi => Op::Semi,
            RawTok::DoubleSemi => Op::DoubleSemi,
            RawTok::AndIf => Op::AndIf,
            RawTok::OrIf => Op::OrIf,
            RawTok::Pipe => Op::Pipe,
            RawTok::Amp => Op::Amp,
            RawTok::LParen => Op::LParen,
            RawTok::RParen => Op::RParen,
            RawTok::Redirect => Op::Redirect,
            _ => continue, // trivia
        };
        out.push(Piece::Op(op, span));
    }
    flush(&mut parts, &mut out);
    out
}

fn part_kind(tok: RawTok, s: &str, span: Span) -> PartKind {
    match tok {
        RawTok::Bare | RawTok::Hash(HashKind::Literal) | RawTok::Dollar => {
            PartKind::Literal(s.into())
        }
        // A backslash quotes the character: it is text, never a glob or a keyword.
        RawTok::Escape => PartKind::SingleQuoted(s[1..].to_string()),
        RawTok::SingleQuoted => PartKind::SingleQuoted(s[1..s.len() - 1].to_string()),
        RawTok::UnterminatedSingle | RawTok::DoubleQuoted(false) => {
            PartKind::Unterminated(s[1..].to_string())
        }
        RawTok::DoubleQuoted(true) => {
            PartKind::DoubleQuoted(double_quoted(&s[1..s.len() - 1], span.start + 1))
        }
        RawTok::Var => PartKind::Var(s[1..].to_string()),
        RawTok::BracedVar => match s.strip_suffix('}') {
            Some(inner) => braced(&inner[2..]),
            None => PartKind::Opaque(Opaque::ComplexExpansion),
        },
        RawTok::SpecialVar => PartKind::Opaque(Opaque::SpecialParameter),
        RawTok::CommandSubst | RawTok::Backtick => PartKind::Opaque(Opaque::CommandSubstitution),
        RawTok::Arithmetic => arithmetic_part(s),
        _ => PartKind::Invalid(s.to_string()),
    }
}

/// The text of `$'...'`: bash's backslash escapes decoded (also what `echo -e`, `printf` and
/// its `%b` decode).
pub(crate) fn ansi_c_decode(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('e' | 'E') => out.push('\x1b'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('x') => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && chars.peek().is_some_and(|h| h.is_ascii_hexdigit()) {
                    v = v * 16 + chars.next().and_then(|h| h.to_digit(16)).unwrap_or(0);
                    n += 1;
                }
                out.extend(char::from_u32(v));
            }
            Some(d @ '0'..='7') => {
                let mut v = d.to_digit(8).unwrap_or(0);
                let mut n = 1;
                while n < 3 && chars.peek().is_some_and(|h| ('0'..='7').contains(h)) {
                    v = v * 8 + chars.next().and_then(|h| h.to_digit(8)).unwrap_or(0);
                    n += 1;
                }
                out.extend(char::from_u32(v));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `${...}` contents.
fn braced(inner: &str) -> PartKind {
    if is_name(inner) {
        PartKind::Var(inner.to_string())
    } else if inner.contains('[') {
        PartKind::Opaque(Opaque::ArrayExpansion)
    } else if inner.chars().all(|c| c.is_ascii_digit()) {
        PartKind::Opaque(Opaque::SpecialParameter)
    } else {
        PartKind::Opaque(Opaque::ComplexExpansion)
    }
}

/// Splits the inside of a double-quoted string (starting at byte `base`) into text and expansions,
/// applying bash's escape rules for double quotes.
fn double_quoted(inner: &str, base: usize) -> Vec<DqPart> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut text_start = 0;
    let bytes = inner.as_bytes();
    let mut i = 0;
    let flush_text = |text: &mut String, start: usize, end: usize, out: &mut Vec<DqPart>| {
        if !text.is_empty() || start < end {
            out.push(DqPart::Text(
                std::mem::take(text),
                Span::new(base + start, base + end),
            ));
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' && i + 1 < bytes.len() {
            let n = bytes[i + 1];
            match n {
                b'$' | b'`' | b'"' | b'\\' => {
                    text.push(n as char);
                    i += 2;
                }
                b'\n' => i += 2,
                _ => {
                    text.push('\\');
                    i += 1;
                }
            }
            continue;
        }
        if let Some((len, value)) = dq_arithmetic(&inner[i..]) {
            match value {
                PartKind::Literal(n) => text.push_str(&n),
                _ => {
                    flush_text(&mut text, text_start, i, &mut out);
                    out.push(DqPart::Opaque(
                        Opaque::Arithmetic,
                        Span::new(base + i, base + i + len),
                    ));
                    text_start = i + len;
                }
            }
            i += len;
            continue;
        }
        if c == b'$' || c == b'`' {
            let (len, part) = dq_expansion(&inner[i..]);
            if let Some(kind) = part {
                flush_text(&mut text, text_start, i, &mut out);
                let span = Span::new(base + i, base + i + len);
                out.push(match kind {
                    Ok(name) => DqPart::Var(name, span),
                    Err(o) => DqPart::Opaque(o, span),
                });
                i += len;
                text_start = i;
                continue;
            }
        }
        let ch = inner[i..].chars().next().unwrap_or('\u{fffd}');
        text.push(ch);
        i += ch.len_utf8();
    }
    flush_text(&mut text, text_start, i, &mut out);
    out
}

/// `$((...))` or `$[...]`: constant arithmetic is evaluated here, as bash would (FireHOL configs
/// write `$[65536 * 2]` for a limit); anything else cannot be.
fn arithmetic_part(s: &str) -> PartKind {
    let inner = if let Some(r) = s.strip_prefix("$((") {
        r.strip_suffix("))")
    } else {
        s.strip_prefix("$[").and_then(|r| r.strip_suffix(']'))
    };
    match inner.and_then(super::arith::eval) {
        Some(n) => PartKind::Literal(n.to_string().into()),
        None => PartKind::Opaque(Opaque::Arithmetic),
    }
}

/// `$((...))` / `$[...]` at the start of `s`: its length and value.
fn dq_arithmetic(s: &str) -> Option<(usize, PartKind)> {
    let end = if let Some(rest) = s.strip_prefix("$((") {
        super::lexer::paren_close(rest, 2).map_or(s.len(), |e| e + 3)
    } else if let Some(rest) = s.strip_prefix("$[") {
        rest.find(']').map_or(s.len(), |e| e + 3)
    } else {
        return None;
    };
    Some((end, arithmetic_part(&s[..end])))
}

/// Recognises an expansion at the start of `s` (which begins with `$` or a backtick).
fn dq_expansion(s: &str) -> (usize, Option<Result<String, Opaque>>) {
    let b = s.as_bytes();
    if b[0] == b'`' {
        let end = s[1..].find('`').map(|e| e + 2).unwrap_or(s.len());
        return (end, Some(Err(Opaque::CommandSubstitution)));
    }
    match b.get(1) {
        Some(b'{') => match super::lexer::brace_close(&s[2..]) {
            Some(len) => {
                let e = len + 1;
                match braced(&s[2..e]) {
                    PartKind::Var(n) => (e + 1, Some(Ok(n))),
                    PartKind::Opaque(o) => (e + 1, Some(Err(o))),
                    _ => (e + 1, Some(Err(Opaque::ComplexExpansion))),
                }
            }
            None => (s.len(), Some(Err(Opaque::ComplexExpansion))),
        },
        Some(b'(') => {
            let end = super::lexer::paren_close(&s[2..], 1).map_or(s.len(), |e| e + 2);
            (end, Some(Err(Opaque::CommandSubstitution)))
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let len = 1 + s[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(s.len() - 1);
            (len, Some(Ok(s[1..len].to_string())))
        }
        Some(c) if c.is_ascii_digit() || b"@#?*!$-".contains(c) => {
            (2, Some(Err(Opaque::SpecialParameter)))
        }
        _ => (1, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::lexer::lex;

    fn words(text: &str) -> Vec<Piece> {
        assemble(text, &lex(text))
    }

    #[test]
    fn adjacent_parts_form_one_word() {
        let p = words("src\"1 2\"'x'$Y z");
        assert_eq!(p.len(), 2);
        let Piece::Word(w) = &p[0] else { panic!() };
        assert_eq!(w.parts.len(), 4);
        assert_eq!(w.literal(), None);
        assert_eq!(w.vars().collect::<Vec<_>>(), vec![("Y", Span::new(11, 13))]);
        let Piece::Word(z) = &p[1] else { panic!() };
        assert_eq!(z.literal(), Some("z"));
    }

    #[test]
    fn double_quote_expansions_keep_spans() {
        let text = r#""a $B ${C} \$d $(e) ${f[@]} $1""#;
        let Piece::Word(w) = &words(text)[0] else {
            panic!()
        };
        let PartKind::DoubleQuoted(dq) = &w.parts[0].kind else {
            panic!()
        };
        let vars: Vec<_> = w.vars().map(|(n, s)| (n, &text[s.range()])).collect();
        assert_eq!(vars, vec![("B", "$B"), ("C", "${C}")]);
        let opaque: Vec<_> = w
            .opaque_parts()
            .into_iter()
            .map(|(o, s)| (o, &text[s.range()]))
            .collect();
        assert_eq!(
            opaque,
            vec![
                (Opaque::CommandSubstitution, "$(e)"),
                (Opaque::ArrayExpansion, "${f[@]}"),
                (Opaque::SpecialParameter, "$1")
            ]
        );
        assert!(
            dq.iter()
                .any(|d| matches!(d, DqPart::Text(t, _) if t == " $d "))
        );
    }

    #[test]
    fn literal_removes_quotes_and_escapes() {
        let Piece::Word(w) = &words(r#"a\ b"c d"'e'"#)[0] else {
            panic!()
        };
        assert_eq!(w.literal(), Some("a bc de"));
        assert!(w.is_quoted());
    }

    #[test]
    fn operators_separate_words() {
        let p = words("a;b&&c");
        assert!(matches!(p[1], Piece::Op(Op::Semi, _)));
        assert!(matches!(p[3], Piece::Op(Op::AndIf, _)));
        assert_eq!(p.len(), 5);
    }
}
