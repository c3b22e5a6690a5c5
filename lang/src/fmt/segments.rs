//! Segments: the file cut into logical lines (continuations included), full-line comments, blank
//! lines and here-document bodies.

use crate::span::Span;
use crate::syntax::lexer::{HashKind, RawTok};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bit {
    /// Token text copied as is.
    Text(Span),
    /// A comment glued to the word before it by a backslash-newline (copied, trailing blanks cut).
    Comment(Span),
    /// A backslash-newline with no blank on either side: it joins two tokens into one word.
    Cont,
}

/// Tokens with nothing (or only glued continuations) between them: what is printed without a
/// space, usually one shell word.
#[derive(Debug)]
pub(super) struct Atom {
    pub(super) start: usize,
    pub(super) bits: Vec<Bit>,
    /// The text contains a line break (a multi-line string or a glued continuation).
    pub(super) multiline: bool,
    /// The author broke the line (with a continuation) just before this atom.
    pub(super) break_before: bool,
}

#[derive(Debug, Default)]
pub(super) struct CodeLine {
    pub(super) atoms: Vec<Atom>,
    pub(super) comment: Option<Span>,
    /// Offsets of the `;;` that end case items.
    pub(super) case_ends: Vec<usize>,
}

#[derive(Debug)]
pub(super) enum SegKind {
    Blank,
    Comment(Span),
    Code(CodeLine),
    /// Here-document bodies: copied byte for byte.
    Verbatim,
}

#[derive(Debug)]
pub(super) struct Segment {
    /// The input bytes this segment replaces: from the start of its first physical line to the
    /// end of its last one, line terminator excluded.
    pub(super) span: Span,
    pub(super) kind: SegKind,
}

/// The blanks and continuations between two tokens.
#[derive(Clone, Copy, Default)]
struct Gap {
    blank: bool,
    conts: usize,
}

impl Gap {
    fn is_empty(self) -> bool {
        !self.blank && self.conts == 0
    }
}

#[derive(Default)]
struct LineBuilder {
    line: CodeLine,
    gap: Gap,
    prev: Option<RawTok>,
}

impl LineBuilder {
    fn atom(&mut self, start: usize, break_before: bool) -> &mut Atom {
        self.line.atoms.push(Atom {
            start,
            bits: Vec::new(),
            multiline: false,
            break_before,
        });
        self.line.atoms.last_mut().expect("just pushed")
    }

    fn token(&mut self, text: &str, tok: RawTok, span: Span) {
        let gap = std::mem::take(&mut self.gap);
        if tok == RawTok::DoubleSemi {
            self.line.case_ends.push(span.start);
        }
        let atom = match self.prev {
            None => self.atom(span.start, false),
            Some(prev) => {
                if gap.is_empty() {
                    if prev == RawTok::Semi && tok.is_word_part() {
                        // `a;b` -> `a; b`
                        self.atom(span.start, false)
                    } else {
                        self.line.atoms.last_mut().expect("prev implies an atom")
                    }
                } else if !gap.blank {
                    // `a\<newline>b` is the single word `ab` for bash: keep it exactly.
                    let a = self.line.atoms.last_mut().expect("prev implies an atom");
                    a.bits.extend(std::iter::repeat_n(Bit::Cont, gap.conts));
                    a.multiline = true;
                    a
                } else if tok == RawTok::Semi && prev.is_word_part() {
                    // `a ;` -> `a;`
                    self.line.atoms.last_mut().expect("prev implies an atom")
                } else {
                    self.atom(span.start, gap.conts > 0)
                }
            }
        };
        atom.bits.push(Bit::Text(span));
        if text[span.range()].contains('\n') {
            atom.multiline = true;
        }
        self.prev = Some(tok);
    }

    fn comment(&mut self, span: Span) {
        let gap = std::mem::take(&mut self.gap);
        if self.prev.is_some() && !gap.blank && gap.conts > 0 {
            // `a\<newline>#b`: the lexer calls `#b` a comment, bash glues it to `a`. Keep both.
            let a = self.line.atoms.last_mut().expect("prev implies an atom");
            a.bits.extend(std::iter::repeat_n(Bit::Cont, gap.conts));
            a.bits.push(Bit::Comment(span));
            a.multiline = true;
        } else {
            self.line.comment = Some(span);
        }
    }
}

/// The delimiter of the here-document started by the `<<` at `tokens[i]`, and whether it was
/// `<<-` (leading tabs of the body lines ignored).
fn heredoc_delimiter(text: &str, tokens: &[(RawTok, Span)], i: usize) -> Option<(String, bool)> {
    // `<<-EOF` lexes as `<<` and `-EOF`; `<<- EOF` as `<<`, `-` and `EOF`.
    let dash =
        matches!(tokens.get(i + 1), Some((RawTok::Bare, s)) if text[s.range()].starts_with('-'));
    let mut j = i + 1;
    while tokens.get(j).is_some_and(|t| t.0 == RawTok::Blank) {
        j += 1;
    }
    let mut word = String::new();
    while let Some(&(tok, s)) = tokens.get(j) {
        if !tok.is_word_part() {
            break;
        }
        let t = &text[s.range()];
        match tok {
            RawTok::SingleQuoted | RawTok::DoubleQuoted(true) => word.push_str(&t[1..t.len() - 1]),
            RawTok::Escape => word.push_str(&t[1..]),
            _ => word.push_str(t),
        }
        j += 1;
    }
    if !dash {
        return (!word.is_empty()).then_some((word, false));
    }
    if word == "-" {
        let (w, _) = heredoc_delimiter(text, tokens, j - 1)?;
        return Some((w, true));
    }
    Some((word[1..].to_string(), true))
}

/// Where the bodies of the here-documents that start at byte `start` end: the end of the last
/// delimiter line, line terminator excluded (or, without one, the end of the text before its
/// final line terminator).
fn heredoc_end(text: &str, start: usize, delims: &[(String, bool)]) -> usize {
    let mut pos = start;
    let mut end = start;
    for (delim, dash) in delims {
        loop {
            if pos >= text.len() {
                let t = text.strip_suffix('\n').unwrap_or(text);
                return t.strip_suffix('\r').unwrap_or(t).len().max(start);
            }
            let line_end = text[pos..].find('\n').map_or(text.len(), |k| pos + k);
            let raw = &text[pos..line_end];
            let content = raw.strip_suffix('\r').unwrap_or(raw);
            end = pos + content.len();
            pos = line_end + 1;
            let line = if *dash {
                content.trim_start_matches('\t')
            } else {
                content
            };
            if line == delim {
                break;
            }
        }
    }
    end
}

pub(super) fn segments(text: &str, tokens: &[(RawTok, Span)]) -> Vec<Segment> {
    let mut segs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let start = tokens[i].1.start;
        let mut end = text.len();
        let mut newline_end = None;
        let mut b = LineBuilder::default();
        let mut heredocs = Vec::new();
        let mut arithmetic = false;
        while let Some(&(tok, span)) = tokens.get(i) {
            i += 1;
            match tok {
                RawTok::Newline => {
                    end = span.start;
                    newline_end = Some(span.end);
                    break;
                }
                RawTok::Blank => b.gap.blank = true,
                RawTok::Continuation => b.gap.conts += 1,
                RawTok::Hash(HashKind::Comment) => b.comment(span),
                _ => {
                    // `((...))` is arithmetic: a `<<` there is a shift, not a here-document.
                    arithmetic |= tok == RawTok::LParen && b.prev == Some(RawTok::LParen);
                    if tok == RawTok::Redirect
                        && !arithmetic
                        && &text[span.range()] == "<<"
                        && let Some(d) = heredoc_delimiter(text, tokens, i - 1)
                    {
                        heredocs.push(d);
                    }
                    b.token(text, tok, span);
                }
            }
        }
        let span = Span::new(start, end);
        let kind = match (b.line.atoms.is_empty(), b.line.comment) {
            (true, None) => SegKind::Blank,
            (true, Some(c)) => SegKind::Comment(c),
            (false, _) => SegKind::Code(b.line),
        };
        segs.push(Segment { span, kind });
        if let (false, Some(body)) = (heredocs.is_empty(), newline_end)
            && body < text.len()
        {
            let mut stop = heredoc_end(text, body, &heredocs);
            // A token the lexer made across the end of the body (a quote in the body) stays whole,
            // and so does the rest of its line.
            while let Some(&(_, s)) = tokens.get(i)
                && s.start < stop
            {
                stop = stop.max(s.end);
                i += 1;
            }
            while let Some(&(tok, s)) = tokens.get(i) {
                i += 1;
                if tok == RawTok::Newline {
                    break;
                }
                stop = s.end;
            }
            segs.push(Segment {
                span: Span::new(body, stop),
                kind: SegKind::Verbatim,
            });
        }
    }
    segs
}
