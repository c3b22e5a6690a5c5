//! The canonical formatter behind `fhc fmt` (and the LSP's formatting requests).
//!
//! It works on the lexer's token stream (which keeps every byte, trivia included) and uses the
//! statement tree only to decide indentation and where long statements may be broken. It changes
//! nothing but the whitespace between tokens, so the meaning of a file cannot change; the tests
//! check that the tree (spans removed) is identical before and after, and that formatting twice
//! gives the same text. The style is described, with an example, in `docs/fmt.md`:
//!
//! - top-level statements at column 0; statements of an `interface`/`router` section, `group`
//!   bodies and shell blocks (`if`, `for`, `while`, `case`, functions, `{ }`) one level (4
//!   spaces) deeper each;
//! - one space between words; no blank before `;` and one space after it (statements separated by
//!   `;` stay on their line); trailing blanks removed;
//! - at most one blank line in a row, none at the start, exactly one final newline, LF line ends;
//! - comments are kept; a full-line comment takes the indentation of the statement after it and a
//!   trailing comment is separated from the statement by one space;
//! - a statement that fits in 100 columns is on one line (backslash continuations are joined); a
//!   longer command is broken before its rule parameters (and, for `synproxy`, always before its
//!   action), continuation lines indented one level deeper;
//! - quoting is never changed, and neither is anything inside quotes, comments or here-documents.

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::ast::{CommandKind, ShellStmt, Stmt, StmtKind};
use crate::syntax::lexer::{HashKind, RawTok};
use crate::syntax::words::{Op, PartKind, Piece, Word};
use crate::syntax::{self, Parse};

/// Columns per indentation level.
pub const INDENT: usize = 4;
/// Statements longer than this are broken over continuation lines (when they can be).
pub const MAX_WIDTH: usize = 100;

/// Formats a whole file. Fails with the syntax diagnostics (unterminated quotes, invalid
/// characters, statements the parser cannot read) when formatting would not be safe.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parse = syntax::parse(text);
    refuse_if_broken(text, &parse)?;
    let out = layout(text, &parse, "\n");
    let mut s = String::with_capacity(text.len() + text.len() / 8);
    let mut blank = false;
    for seg in &out {
        match &seg.text {
            None => blank = !s.is_empty(),
            Some(t) => {
                if blank {
                    s.push('\n');
                    blank = false;
                }
                s.push_str(t);
                s.push('\n');
            }
        }
    }
    Ok(s)
}

/// Formats only the logical lines holding statements (or full-line comments) that intersect
/// `range`, returning the edits to apply to `text`. Blank lines are left alone, and the file's
/// line ending (LF or CRLF) is used inside the edits.
pub fn format_range(text: &str, range: Span) -> Result<Vec<TextEdit>, Vec<Diagnostic>> {
    let parse = syntax::parse(text);
    refuse_if_broken(text, &parse)?;
    let nl = match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    };
    let hit = |s: Span| {
        if range.is_empty() {
            s.start <= range.start && range.start <= s.end
        } else {
            s.start < range.end && range.start < s.end
        }
    };
    Ok(layout(text, &parse, nl)
        .into_iter()
        .filter(|seg| seg.editable && hit(seg.span))
        .filter_map(|seg| {
            let new_text = seg.text?;
            (new_text != text[seg.span.range()]).then_some(TextEdit {
                span: seg.span,
                new_text,
            })
        })
        .collect())
}

/// The diagnostics that make formatting unsafe: the parser's own errors, unterminated quotes and
/// characters the lexer could not classify. (Shell constructs and every other check are not a
/// reason to refuse: those files format normally.)
fn refuse_if_broken(text: &str, parse: &Parse) -> Result<(), Vec<Diagnostic>> {
    let broken_word = parse.pieces.iter().any(|p| match p {
        Piece::Word(w) => w
            .parts
            .iter()
            .any(|p| matches!(p.kind, PartKind::Unterminated(_) | PartKind::Invalid(_))),
        Piece::Op(..) => false,
    });
    if parse.errors.is_empty() && !broken_word {
        return Ok(());
    }
    let mut diags: Vec<Diagnostic> = crate::analyze(text)
        .diagnostics
        .into_iter()
        .filter(|d| {
            matches!(
                d.code,
                Code::UnterminatedQuote | Code::UnexpectedChar | Code::SyntaxError
            )
        })
        .collect();
    if diags.is_empty() {
        // Cannot happen while the checks report every broken word; never refuse silently.
        diags = parse.errors.clone();
        diags.push(Diagnostic::new(
            Code::SyntaxError,
            Span::new(0, 0),
            "this file cannot be formatted safely",
        ));
    }
    Err(diags)
}

// ---------------------------------------------------------------------------------------------
// Segments: the file cut into logical lines (continuations included), full-line comments, blank
// lines and here-document bodies.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bit {
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
struct Atom {
    start: usize,
    bits: Vec<Bit>,
    /// The text contains a line break (a multi-line string or a glued continuation).
    multiline: bool,
    /// The author broke the line (with a continuation) just before this atom.
    break_before: bool,
}

#[derive(Debug, Default)]
struct CodeLine {
    atoms: Vec<Atom>,
    comment: Option<Span>,
    /// Offsets of the `;;` that end case items.
    case_ends: Vec<usize>,
}

#[derive(Debug)]
enum SegKind {
    Blank,
    Comment(Span),
    Code(CodeLine),
    /// Here-document bodies: copied byte for byte.
    Verbatim,
}

#[derive(Debug)]
struct Segment {
    /// The input bytes this segment replaces: from the start of its first physical line to the
    /// end of its last one, line terminator excluded.
    span: Span,
    kind: SegKind,
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

fn segments(text: &str, tokens: &[(RawTok, Span)]) -> Vec<Segment> {
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

// ---------------------------------------------------------------------------------------------
// Layout: indentation from the statement structure, then each logical line printed on one line
// or broken canonically.

/// One segment's output. `text` is `None` for a blank line.
struct Rendered {
    span: Span,
    text: Option<String>,
    /// Whether range formatting may replace it (statements and comments, not blank lines or
    /// here-document bodies).
    editable: bool,
}

/// What a statement does to the indentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Effect {
    /// `if`, `while`, `until`, `for`, `select`, `{`: the lines after are one level deeper.
    Open,
    /// `case`: the patterns are one level deeper.
    OpenCase,
    /// A `pattern)` inside a `case`: its commands are one level deeper.
    OpenItem,
    /// `;;`: ends the commands of a case pattern (the line itself keeps their indentation).
    EndItem,
    /// `then`, `else`, `elif`, `do`: a line starting with it is one level shallower.
    Middle,
    /// `fi`, `done`, `}`: back one level, this line included.
    Close,
    /// `esac`: back to the level of its `case`, this line included.
    CloseCase,
    /// `interface` or `router`: a new section.
    Section,
    GroupStart,
    GroupEnd,
}

/// The words of the statement starting at `start`, up to its separator (whatever part of them
/// the parser kept in the tree).
fn stmt_words(pieces: &[Piece], start: usize) -> impl Iterator<Item = &Word> {
    let lo = pieces.partition_point(|p| p.span().start < start);
    pieces[lo..]
        .iter()
        .take_while(|p| !matches!(p, Piece::Op(Op::Newline | Op::Semi | Op::DoubleSemi, _)))
        .filter_map(|p| match p {
            Piece::Word(w) => Some(w),
            Piece::Op(..) => None,
        })
}

fn effects(stmt: &Stmt, pieces: &[Piece], out: &mut Vec<(usize, Effect)>) {
    fn brace<'w>(mut words: impl Iterator<Item = &'w Word>, out: &mut Vec<(usize, Effect)>) {
        if let Some(w) = words.find(|w| w.bare() == Some("{")) {
            out.push((w.span.start, Effect::Open));
        }
    }
    for w in &stmt.lead {
        let e = match w.bare() {
            Some("then" | "else" | "do") => Effect::Middle,
            Some("fi" | "done" | "}") => Effect::Close,
            Some("esac") => Effect::CloseCase,
            Some("{") => Effect::Open,
            _ => continue,
        };
        out.push((w.span.start, e));
    }
    match &stmt.kind {
        StmtKind::Shell(ShellStmt::Compound { keyword, .. }) => match keyword.bare() {
            Some("if" | "while" | "until" | "for" | "select") => {
                out.push((keyword.span.start, Effect::Open))
            }
            Some("case") => out.push((keyword.span.start, Effect::OpenCase)),
            Some("elif") => out.push((keyword.span.start, Effect::Middle)),
            // `function name {` or `function name() {`
            _ => brace(stmt_words(pieces, keyword.span.start), out),
        },
        // `name() {`
        StmtKind::Shell(ShellStmt::FunctionDef { name }) => {
            brace(stmt_words(pieces, name.span.start), out)
        }
        StmtKind::Shell(ShellStmt::CasePattern) => out.push((stmt.span.start, Effect::OpenItem)),
        StmtKind::Shell(ShellStmt::List { items, .. }) => {
            for item in items {
                effects(item, pieces, out);
            }
        }
        StmtKind::Command(c) => match c.kind {
            CommandKind::Interface { .. } | CommandKind::Router { .. } => {
                out.push((c.span.start, Effect::Section))
            }
            CommandKind::GroupStart { .. } => out.push((c.span.start, Effect::GroupStart)),
            CommandKind::GroupEnd { .. } => out.push((c.span.start, Effect::GroupEnd)),
            _ => {}
        },
        _ => {}
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Plain,
    Case,
    CaseItem,
}

#[derive(Default)]
struct State {
    /// Open shell blocks, innermost last.
    blocks: Vec<Block>,
    /// The shell depth at which the open section started.
    section: Option<usize>,
    /// Depth of `group` blocks in the section.
    group: usize,
}

impl State {
    /// The indentation level of a line whose effects are `fx` and whose first word starts at
    /// `first`.
    fn level(&self, fx: &[(usize, Effect)], first: Option<usize>) -> usize {
        let lead = |e: Effect| fx.iter().any(|&(o, x)| Some(o) == first && x == e);
        let leading = fx
            .first()
            .filter(|&&(o, _)| Some(o) == first)
            .map(|&(_, e)| e);
        let depth = self.blocks.len();
        let shell = match leading {
            Some(Effect::Middle | Effect::Close) => depth.saturating_sub(1),
            Some(Effect::CloseCase) => self
                .blocks
                .iter()
                .rposition(|&b| b == Block::Case)
                .unwrap_or(depth),
            _ => depth,
        };
        if lead(Effect::Section) {
            return shell;
        }
        let section = usize::from(self.section.is_some_and(|d| shell >= d));
        let group = if lead(Effect::GroupEnd) {
            self.group.saturating_sub(1)
        } else {
            self.group
        };
        shell + section + group
    }

    fn apply(&mut self, fx: &[(usize, Effect)]) {
        for &(_, e) in fx {
            match e {
                Effect::Open => self.blocks.push(Block::Plain),
                Effect::OpenCase => self.blocks.push(Block::Case),
                Effect::OpenItem => {
                    if self.blocks.last() == Some(&Block::Case) {
                        self.blocks.push(Block::CaseItem)
                    }
                }
                Effect::EndItem => {
                    if self.blocks.last() == Some(&Block::CaseItem) {
                        self.blocks.pop();
                    }
                }
                Effect::Middle => {}
                Effect::Close => {
                    self.blocks.pop();
                }
                Effect::CloseCase => {
                    while let Some(b) = self.blocks.pop() {
                        if b == Block::Case {
                            break;
                        }
                    }
                }
                Effect::Section => {
                    self.section = Some(self.blocks.len());
                    self.group = 0;
                }
                Effect::GroupStart => self.group += 1,
                Effect::GroupEnd => self.group = self.group.saturating_sub(1),
            }
            // A section opened inside a shell block ends with the block (for the layout).
            if self.section.is_some_and(|d| d > self.blocks.len()) {
                self.section = None;
                self.group = 0;
            }
        }
    }
}

fn layout(text: &str, parse: &Parse, nl: &str) -> Vec<Rendered> {
    let segs = segments(text, &parse.tokens);
    let stmts = &parse.file.stmts;
    let mut next_stmt = 0;
    let mut state = State::default();
    let mut out: Vec<Rendered> = Vec::with_capacity(segs.len());
    // Full-line comments waiting for the indentation of the statement after them.
    let mut pending: Vec<(usize, Span)> = Vec::new();
    let fill = |out: &mut Vec<Rendered>, pending: &mut Vec<(usize, Span)>, level: usize| {
        for (k, c) in pending.drain(..) {
            let mut s = String::new();
            push_indent(&mut s, level * INDENT);
            s.push_str(trim_comment(&text[c.range()]));
            out[k].text = Some(s);
        }
    };
    let mut fx = Vec::new();
    let mut stmt_end = 0;
    for seg in segs {
        let first = next_stmt;
        while next_stmt < stmts.len() && stmts[next_stmt].span.start <= seg.span.end {
            next_stmt += 1;
        }
        let line_stmts = &stmts[first..next_stmt];
        match seg.kind {
            SegKind::Blank => out.push(Rendered {
                span: seg.span,
                text: None,
                editable: false,
            }),
            SegKind::Comment(c) => {
                pending.push((out.len(), c));
                out.push(Rendered {
                    span: seg.span,
                    text: None,
                    editable: true,
                });
            }
            SegKind::Verbatim => {
                fill(&mut out, &mut pending, state.level(&[], None));
                out.push(Rendered {
                    span: seg.span,
                    text: Some(text[seg.span.range()].to_string()),
                    editable: false,
                });
            }
            SegKind::Code(line) => {
                fx.clear();
                for s in line_stmts {
                    effects(s, &parse.pieces, &mut fx);
                }
                if !line.case_ends.is_empty() {
                    fx.extend(line.case_ends.iter().map(|&o| (o, Effect::EndItem)));
                    fx.sort_by_key(|&(o, _)| o);
                }
                let mut level = state.level(&fx, Some(line.atoms[0].start));
                if line_stmts.is_empty() && line.atoms[0].start < stmt_end {
                    // The rest of a statement that spans lines (an array): one level deeper.
                    level += 1;
                }
                state.apply(&fx);
                if let Some(last) = line_stmts.last() {
                    stmt_end = last.span.end;
                }
                fill(&mut out, &mut pending, level);
                let s = render_line(text, &line, level, line_stmts, nl);
                out.push(Rendered {
                    span: seg.span,
                    text: Some(s),
                    editable: true,
                });
            }
        }
    }
    fill(&mut out, &mut pending, state.level(&[], None));
    out
}

fn trim_comment(c: &str) -> &str {
    c.trim_end_matches([' ', '\t', '\x0c', '\r'])
}

fn atom_width(text: &str, a: &Atom) -> usize {
    a.bits
        .iter()
        .map(|b| match *b {
            Bit::Text(s) => text[s.range()].chars().count(),
            Bit::Comment(s) => trim_comment(&text[s.range()]).chars().count(),
            Bit::Cont => 2,
        })
        .sum()
}

fn push_atom(out: &mut String, text: &str, a: &Atom, nl: &str) {
    for b in &a.bits {
        match *b {
            Bit::Text(s) => out.push_str(&text[s.range()]),
            Bit::Comment(s) => out.push_str(trim_comment(&text[s.range()])),
            Bit::Cont => {
                out.push('\\');
                out.push_str(nl);
            }
        }
    }
}

fn push_indent(out: &mut String, cols: usize) {
    out.extend(std::iter::repeat_n(' ', cols));
}

fn push_break(out: &mut String, nl: &str, cols: usize) {
    out.push_str(" \\");
    out.push_str(nl);
    push_indent(out, cols);
}

/// Where a long command may be broken: before each rule parameter and NAT option (`soft`), and
/// always before a synproxy's action and before each `next` step of an action (`forced`).
/// Offsets are sorted.
fn break_points(stmt: &Stmt, text: &str, line: &CodeLine) -> Option<(Vec<usize>, Vec<usize>)> {
    let StmtKind::Command(c) = &stmt.kind else {
        return None;
    };
    let mut soft: Vec<usize> = c.params().iter().map(|p| p.span.start).collect();
    let mut forced = Vec::new();
    match &c.kind {
        CommandKind::Nat(n) => soft.extend(n.options.iter().map(|o| o.span.start)),
        CommandKind::Masquerade { options, .. } => {
            soft.extend(options.iter().map(|o| o.span.start))
        }
        CommandKind::Synproxy(s) => {
            if let Some(a) = &s.action {
                forced.push(a.span.start);
                soft.extend(a.nat_options.iter().map(|o| o.span.start));
            }
        }
        CommandKind::Action(_) => {
            forced.extend(line.atoms.iter().filter_map(|a| match a.bits.as_slice() {
                [Bit::Text(s)] if text[s.range()].eq_ignore_ascii_case("next") => Some(a.start),
                _ => None,
            }))
        }
        _ => {}
    }
    soft.sort_unstable();
    forced.sort_unstable();
    Some((soft, forced))
}

/// A run of atoms kept together on one line when a long command is broken.
struct Chunk {
    atoms: std::ops::Range<usize>,
    width: usize,
    forced: bool,
}

fn render_line(text: &str, line: &CodeLine, level: usize, stmts: &[Stmt], nl: &str) -> String {
    let indent = level * INDENT;
    let cont = indent + INDENT;
    let atoms = &line.atoms;
    let mut out = String::new();
    push_indent(&mut out, indent);
    let multiline = atoms.iter().any(|a| a.multiline);
    let widths: Vec<usize> = atoms.iter().map(|a| atom_width(text, a)).collect();
    let joined = indent + widths.iter().sum::<usize>() + widths.len() - 1;
    let chunks = match stmts {
        [stmt] if !multiline && joined > MAX_WIDTH => {
            break_points(stmt, text, line).map(|(soft, forced)| {
                let mut chunks: Vec<Chunk> = Vec::new();
                for (k, a) in atoms.iter().enumerate() {
                    let forced = k > 0 && forced.binary_search(&a.start).is_ok();
                    match chunks.last_mut() {
                        Some(ch) if !forced && soft.binary_search(&a.start).is_err() => {
                            ch.atoms.end = k + 1;
                            ch.width += 1 + widths[k];
                        }
                        _ => chunks.push(Chunk {
                            atoms: k..k + 1,
                            width: widths[k],
                            forced,
                        }),
                    }
                }
                chunks
            })
        }
        _ => None,
    };
    let push_run = |out: &mut String, r: std::ops::Range<usize>| {
        for k in r.clone() {
            if k > r.start {
                out.push(' ');
            }
            push_atom(out, text, &atoms[k], nl);
        }
    };
    match chunks {
        _ if !multiline && joined <= MAX_WIDTH => push_run(&mut out, 0..atoms.len()),
        Some(chunks) if chunks.len() > 1 => {
            // Greedy: a chunk goes on the current line when it fits there (with room for the
            // ` \` that follows unless it is the last one).
            let mut col = indent;
            let last = chunks.len() - 1;
            for (k, ch) in chunks.iter().enumerate() {
                if k > 0 {
                    let tail = if k == last { 0 } else { 2 };
                    if ch.forced || col + 1 + ch.width + tail > MAX_WIDTH {
                        push_break(&mut out, nl, cont);
                        col = cont;
                    } else {
                        out.push(' ');
                        col += 1;
                    }
                }
                push_run(&mut out, ch.atoms.clone());
                col += ch.width;
            }
        }
        _ => {
            // Keep the author's breaks (shell code, several statements, multi-line strings).
            for (k, a) in atoms.iter().enumerate() {
                if k > 0 {
                    if a.break_before {
                        push_break(&mut out, nl, cont);
                    } else {
                        out.push(' ');
                    }
                }
                push_atom(&mut out, text, a, nl);
            }
        }
    }
    if let Some(c) = line.comment {
        out.push(' ');
        out.push_str(trim_comment(&text[c.range()]));
    }
    out
}
