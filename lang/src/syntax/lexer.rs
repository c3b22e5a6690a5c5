//! The logos lexer: bash's token rules, restricted to what a FireHOL config uses.
//!
//! It never fails: input it cannot classify becomes an [`RawTok::Error`] token, and unterminated
//! quotes become their own tokens that end at the end of the line, so one bad quote cannot swallow
//! the rest of the file (bash would; a diagnostic tool must not). Trivia (blanks, comments,
//! continuations) are real tokens because the formatter and the LSP need them.

use crate::span::Span;
use logos::Logos;

/// Whether a `#` starts a comment. Bash only treats `#` as a comment at the start of a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashKind {
    Comment,
    Literal,
}

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawTok {
    /// Anything the rules below do not cover (e.g. a stray control character).
    Error,

    #[regex(r"[ \t\x0c]+")]
    Blank,
    #[regex(r"\r?\n")]
    Newline,
    /// Backslash-newline: joins two physical lines into one logical line.
    #[regex(r"\\\r?\n")]
    Continuation,
    #[token("#", hash)]
    Hash(HashKind),

    #[regex(r"'[^']*'")]
    SingleQuoted,
    #[regex(r"'[^'\r\n]*")]
    UnterminatedSingle,
    /// `"..."`, which may span lines and hold `$(...)` with quotes of its own
    /// (`"$(ip -o addr | grep "dev x")"` is one word). `false`: not closed before the end of the
    /// file; the token then stops at the end of its line.
    #[token("\"", double_quoted)]
    DoubleQuoted(bool),

    /// `$NAME`
    #[regex(r"\$[A-Za-z_][A-Za-z0-9_]*")]
    Var,
    /// `${...}` up to its matching `}` (nested `${...}` and quotes inside count; the shell
    /// stage decides what it supports). Not closed on its line: up to the end of the line.
    #[token("${", braced_var)]
    BracedVar,
    /// `$1`, `$@`, `$#`, `$?`, ...
    #[regex(r"\$[0-9@#?*!$-]")]
    SpecialVar,
    /// `$(...)`, up to the matching parenthesis.
    #[token("$(", command_substitution)]
    CommandSubst,
    /// `$((...))` or the older `$[...]`: bash arithmetic, up to the matching `))` / `]`.
    #[token("$((", arith_paren)]
    #[token("$[", arith_bracket)]
    Arithmetic,
    /// `` `...` `` up to the closing backtick.
    #[token("`", backtick)]
    Backtick,

    /// A backslash-escaped character outside quotes (`\ `, `\"`, ...).
    #[regex(r"\\[^\r\n]")]
    Escape,

    #[token(";")]
    Semi,
    #[token(";;")]
    DoubleSemi,
    #[token("&&")]
    AndIf,
    #[token("||")]
    OrIf,
    #[token("|")]
    Pipe,
    #[token("&")]
    Amp,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    /// `<`, `>`, `>>`, `2>`, `&>`, `<<` ... (the descriptor digit is lexed as part of the word).
    #[regex(r"[<>]+&?")]
    Redirect,

    /// Unquoted word characters. A `#` inside (not at the start) is literal, as in bash.
    #[regex(r#"[^ \t\x0c\r\n'"\\$;&|()<>`#\x00-\x08\x0e-\x1f\x7f][^ \t\x0c\r\n'"\\$;&|()<>`\x00-\x08\x0e-\x1f\x7f]*"#)]
    Bare,
    /// A `$` not followed by anything expandable is a literal dollar.
    #[token("$")]
    Dollar,
}

fn at_word_start(source: &str, at: usize) -> bool {
    match source.as_bytes().get(at.wrapping_sub(1)) {
        None => true,
        Some(b) => matches!(
            b,
            b' ' | b'\t' | b'\x0c' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')'
        ),
    }
}

fn hash(lex: &mut logos::Lexer<RawTok>) -> HashKind {
    let start = lex.span().start;
    let rest = lex.remainder();
    if at_word_start(lex.source(), start) {
        let len = rest.find('\n').unwrap_or(rest.len());
        // Keep a CR of a CRLF line end out of the comment text.
        let len = if rest[..len].ends_with('\r') {
            len - 1
        } else {
            len
        };
        lex.bump(len);
        HashKind::Comment
    } else {
        let len = rest
            .find(|c: char| c.is_whitespace() || "'\"\\$;&|()<>`".contains(c))
            .unwrap_or(rest.len());
        lex.bump(len);
        HashKind::Literal
    }
}

fn double_quoted(lex: &mut logos::Lexer<RawTok>) -> bool {
    let rest = lex.remainder();
    // A string closed further than this is read as unterminated: a file of unclosed quotes must
    // not cost a scan to its end per quote.
    let mut limit = rest.len().min(64 * 1024);
    while !rest.is_char_boundary(limit) {
        limit -= 1;
    }
    match scan_double_quoted(&rest[..limit], 0) {
        Some(len) => {
            lex.bump(len);
            true
        }
        None => {
            lex.bump(line_end(rest));
            false
        }
    }
}

/// How deep `"$( "$( ... ) " )"` may nest.
const MAX_NESTING: usize = 32;

/// Length of a double-quoted string's rest (after the opening quote) including its closing quote,
/// skipping `$(...)` and backticks, whose quotes nest. `None` when it is not closed.
fn scan_double_quoted(s: &str, depth: usize) -> Option<usize> {
    // Deeper nesting than any configuration writes: read it as not closed (an error at its line)
    // instead of recursing without bound on crafted input.
    if depth > MAX_NESTING {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'`' => i += 1 + s[i + 1..].find('`')? + 1,
            b'$' if b.get(i + 1) == Some(&b'(') => {
                i += 2 + scan_substitution(&s[i + 2..], depth + 1)?
            }
            // `"${A:-"$B"}"`: quotes inside `${...}` nest.
            b'$' if b.get(i + 1) == Some(&b'{') => i += 2 + brace_close(&s[i + 2..])?,
            _ => i += 1,
        }
    }
    None
}

/// Length of a `$(...)` body (after `$(`) including its closing `)`, with nested quotes.
fn scan_substitution(s: &str, nesting: usize) -> Option<usize> {
    let b = s.as_bytes();
    let (mut i, mut depth) = (0, 1usize);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' => i += 1 + s[i + 1..].find('\'')? + 1,
            b'"' => i += 1 + scan_double_quoted(&s[i + 1..], nesting + 1)?,
            b'(' => {
                depth += 1;
                i += 1
            }
            b')' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Scans to the `))` closing the `$((` just lexed (the end of the line when there is none).
fn arith_paren(lex: &mut logos::Lexer<RawTok>) {
    let rest = lex.remainder();
    let line = &rest[..line_end(rest)];
    lex.bump(paren_close(line, 2).unwrap_or(line.len()));
}

/// Where `s` closes `depth` open parentheses: the index just after the `)` that does it.
pub(crate) fn paren_close(s: &str, mut depth: usize) -> Option<usize> {
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Scans to the `]` closing the `$[` just lexed (the end of the line when there is none).
fn arith_bracket(lex: &mut logos::Lexer<RawTok>) {
    let rest = lex.remainder();
    let end = rest[..line_end(rest)]
        .find(']')
        .map_or(line_end(rest), |e| e + 1);
    lex.bump(end);
}

/// Scans to the `)` matching the `$(` just lexed, skipping quoted text. Stops at the end of the
/// line when unbalanced so that recovery stays local.
fn command_substitution(lex: &mut logos::Lexer<RawTok>) {
    let rest = lex.remainder();
    let mut depth = 1usize;
    let mut quote: Option<char> = None;
    let mut chars = rest.char_indices();
    let mut end = line_end(rest);
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                chars.next();
            }
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    end = i + 1;
                    break;
                }
            }
            (None, '\n') => break,
            _ => {}
        }
    }
    lex.bump(end);
}

/// Where the current line ends in `rest`: before its `\n`, or before the `\r` of a CRLF.
fn braced_var(lex: &mut logos::Lexer<RawTok>) {
    let rest = lex.remainder();
    let line = &rest[..line_end(rest)];
    lex.bump(brace_close(line).unwrap_or(line.len()));
}

/// Where the `${` just before `s` is closed: the index just after its `}`, skipping nested
/// `${...}`, quotes and escapes.
pub(crate) fn brace_close(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut i, mut depth) = (0, 1usize);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' => i += 1 + s[i + 1..].find('\'')? + 1,
            b'"' => i += 1 + s[i + 1..].find('"')? + 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
            }
            b'}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

fn line_end(rest: &str) -> usize {
    let n = rest.find('\n').unwrap_or(rest.len());
    if n > 0 && rest.as_bytes()[n - 1] == b'\r' {
        n - 1
    } else {
        n
    }
}

fn backtick(lex: &mut logos::Lexer<RawTok>) {
    let rest = lex.remainder();
    let mut chars = rest.char_indices();
    let mut end = line_end(rest);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '`' => {
                end = i + 1;
                break;
            }
            _ => {}
        }
    }
    lex.bump(end);
}

impl RawTok {
    /// Tokens that carry no meaning for the parser.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            RawTok::Blank | RawTok::Continuation | RawTok::Hash(HashKind::Comment)
        )
    }

    /// Tokens that are (part of) a shell word.
    pub fn is_word_part(self) -> bool {
        matches!(
            self,
            RawTok::SingleQuoted
                | RawTok::UnterminatedSingle
                | RawTok::DoubleQuoted(_)
                | RawTok::Var
                | RawTok::BracedVar
                | RawTok::SpecialVar
                | RawTok::CommandSubst
                | RawTok::Arithmetic
                | RawTok::Backtick
                | RawTok::Escape
                | RawTok::Bare
                | RawTok::Dollar
                | RawTok::Hash(HashKind::Literal)
                | RawTok::Error
        )
    }
}

/// Lexes the whole text. The tokens cover every byte exactly once, in order.
pub fn lex(text: &str) -> Vec<(RawTok, Span)> {
    RawTok::lexer(text)
        .spanned()
        .map(|(tok, range)| (tok.unwrap_or(RawTok::Error), Span::from(range)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(RawTok, &str)> {
        lex(text)
            .into_iter()
            .map(|(t, s)| (t, &text[s.range()]))
            .collect()
    }

    #[test]
    fn comment_only_at_word_start() {
        use RawTok::*;
        assert_eq!(
            kinds("a#b # c\n"),
            vec![
                (Bare, "a#b"),
                (Blank, " "),
                (Hash(HashKind::Comment), "# c"),
                (Newline, "\n")
            ]
        );
        assert_eq!(kinds("\"x\"#y")[1], (Hash(HashKind::Literal), "#y"));
    }

    #[test]
    fn quotes_and_expansions() {
        use RawTok::*;
        assert_eq!(
            kinds("src \"$A b\"'c'${B}$C$(echo x)`y`\\ z"),
            vec![
                (Bare, "src"),
                (Blank, " "),
                (DoubleQuoted(true), "\"$A b\""),
                (SingleQuoted, "'c'"),
                (BracedVar, "${B}"),
                (Var, "$C"),
                (CommandSubst, "$(echo x)"),
                (Backtick, "`y`"),
                (Escape, "\\ "),
                (Bare, "z"),
            ]
        );
    }

    #[test]
    fn unterminated_quote_stops_at_line_end() {
        use RawTok::*;
        assert_eq!(
            kinds("a \"b c\nd\n"),
            vec![
                (Bare, "a"),
                (Blank, " "),
                (DoubleQuoted(false), "\"b c"),
                (Newline, "\n"),
                (Bare, "d"),
                (Newline, "\n")
            ]
        );
        // A closed multi-line string is one token.
        assert_eq!(kinds("\"a\nb\"")[0], (DoubleQuoted(true), "\"a\nb\""));
    }

    #[test]
    fn continuation_and_crlf() {
        use RawTok::*;
        assert_eq!(
            kinds("a \\\r\n b\r\n"),
            vec![
                (Bare, "a"),
                (Blank, " "),
                (Continuation, "\\\r\n"),
                (Blank, " "),
                (Bare, "b"),
                (Newline, "\r\n")
            ]
        );
    }

    #[test]
    fn tokens_cover_input() {
        for text in [
            "x=\"1\" ; y && z || (w) | v > f 2>&1 $ $1 \x01 é",
            "'unterminated",
            "$(a (b) \"c)\" d",
        ] {
            let toks = lex(text);
            let mut at = 0;
            for (_, s) in &toks {
                assert_eq!(s.start, at, "{text:?}");
                at = s.end;
            }
            assert_eq!(at, text.len());
        }
    }
}
