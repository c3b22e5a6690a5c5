//! Indentation: what each statement does to the nesting (shell blocks, `case` items, sections,
//! `group` bodies) and the level of each line that follows from it.

use crate::syntax::ast::{CommandKind, ShellStmt, Stmt, StmtKind};
use crate::syntax::words::{Op, Piece, Word};

/// What a statement does to the indentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Effect {
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

pub(super) fn effects(stmt: &Stmt, pieces: &[Piece], out: &mut Vec<(usize, Effect)>) {
    fn brace<'w>(mut words: impl Iterator<Item = &'w Word>, out: &mut Vec<(usize, Effect)>) {
        if let Some(w) = words.find(|w| w.bare() == Some("{")) {
            out.push((w.span.start, Effect::Open));
        }
    }
    for w in &stmt.lead {
        let e = match w.bare() {
            Some("if" | "while" | "until") => Effect::Open,
            Some("then" | "else" | "elif" | "do") => Effect::Middle,
            Some("fi" | "done" | "}") => Effect::Close,
            Some("esac") => Effect::CloseCase,
            Some("{") => Effect::Open,
            _ => continue,
        };
        out.push((w.span.start, e));
    }
    match &stmt.kind {
        StmtKind::Shell(ShellStmt::For { keyword, .. }) => {
            out.push((keyword.span.start, Effect::Open))
        }
        StmtKind::Shell(ShellStmt::Case { keyword, .. }) => {
            out.push((keyword.span.start, Effect::OpenCase))
        }
        StmtKind::Shell(ShellStmt::Compound { keyword, .. }) => match keyword.bare() {
            Some("select" | "for") => out.push((keyword.span.start, Effect::Open)),
            // `function name {` (malformed forms keep their words)
            _ => brace(stmt_words(pieces, keyword.span.start), out),
        },
        StmtKind::Shell(ShellStmt::CasePattern { .. }) => {
            out.push((stmt.span.start, Effect::OpenItem))
        }
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
pub(super) struct State {
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
    pub(super) fn level(&self, fx: &[(usize, Effect)], first: Option<usize>) -> usize {
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

    pub(super) fn apply(&mut self, fx: &[(usize, Effect)]) {
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
