//! "What is at this offset": statements, words and the block structure (sections and groups) of
//! the flat tree. Shared by the feature modules; everything here reads the syntax tree only.

use crate::Span;
use crate::syntax::Parse;
use crate::syntax::ast::{CommandKind, Stmt};
use crate::syntax::words::{Piece, Word};

/// True when `offset` touches `span` (the end counts: a cursor right after a word is on it).
pub fn touches(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// The top-level statement whose span touches `offset`.
pub fn stmt_at(parse: &Parse, offset: usize) -> Option<(usize, &Stmt)> {
    let stmts = &parse.file.stmts;
    let i = stmts.partition_point(|s| s.span.end < offset);
    stmts
        .get(i)
        .filter(|s| touches(s.span, offset))
        .map(|s| (i, s))
}

/// The word whose span touches `offset` (the one starting there wins over the one ending there).
pub fn word_at(parse: &Parse, offset: usize) -> Option<&Word> {
    let pieces = &parse.pieces;
    let i = pieces.partition_point(|p| p.span().end < offset);
    let mut best = None;
    for p in pieces.get(i..).unwrap_or_default().iter().take(2) {
        if let Piece::Word(w) = p
            && touches(w.span, offset)
        {
            best = Some(w);
            if w.span.start == offset {
                break;
            }
        }
    }
    best
}

/// The kind of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Interface,
    Router,
    Group,
}

/// A section (from its `interface`/`router` to the statement before the next one) or a group
/// (from `group with` to its `group end`, or to the end of its section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// Index of the opening statement in `parse.file.stmts`.
    pub first: usize,
    /// Index of the last statement of the block.
    pub last: usize,
    pub span: Span,
}

fn section_kind(s: &Stmt) -> Option<BlockKind> {
    match s.command()?.kind {
        CommandKind::Interface { .. } => Some(BlockKind::Interface),
        CommandKind::Router { .. } => Some(BlockKind::Router),
        _ => None,
    }
}

/// Sections and groups, each block before the blocks it contains.
pub fn blocks(parse: &Parse) -> Vec<Block> {
    let stmts = &parse.file.stmts;
    let mut out = Vec::new();
    let mut section: Option<(BlockKind, usize)> = None;
    let mut groups: Vec<usize> = Vec::new();
    let close = |out: &mut Vec<Block>, kind: BlockKind, first: usize, last: usize| {
        let span = Span::new(stmts[first].span.start, stmts[last].span.end);
        out.push(Block {
            kind,
            first,
            last,
            span,
        });
    };
    for (i, s) in stmts.iter().enumerate() {
        if let Some(kind) = section_kind(s) {
            for g in groups.drain(..).rev() {
                close(&mut out, BlockKind::Group, g, i.saturating_sub(1).max(g));
            }
            if let Some((k, first)) = section.take() {
                close(&mut out, k, first, i.saturating_sub(1).max(first));
            }
            section = Some((kind, i));
            continue;
        }
        match s.command().map(|c| &c.kind) {
            Some(CommandKind::GroupStart { .. }) => groups.push(i),
            Some(CommandKind::GroupEnd { .. }) => {
                if let Some(g) = groups.pop() {
                    close(&mut out, BlockKind::Group, g, i);
                }
            }
            _ => {}
        }
    }
    let last = stmts.len().saturating_sub(1);
    for g in groups.drain(..).rev() {
        close(&mut out, BlockKind::Group, g, last);
    }
    if let Some((k, first)) = section {
        close(&mut out, k, first, last);
    }
    out.sort_by_key(|b| (b.span.start, std::cmp::Reverse(b.span.end)));
    out
}

/// The section kind in force at `offset` (`None` before the first interface/router).
pub fn section_at(parse: &Parse, offset: usize) -> Option<BlockKind> {
    parse
        .file
        .stmts
        .iter()
        .take_while(|s| s.span.start < offset)
        .filter_map(section_kind)
        .last()
}

/// A statement's words as written, joined by single spaces (for outlines and titles).
pub fn stmt_title(text: &str, stmt: &Stmt, max: usize) -> String {
    crate::explain::statement_text(text, stmt.span, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "X=1\ninterface eth0 lan\n    group with src 10.0.0.1\n        server ssh accept\n    group end\n    server http accept\nrouter r1\n    route http accept\n";

    #[test]
    fn blocks_nest_groups_in_sections() {
        let p = crate::syntax::parse(TEXT);
        let b = blocks(&p);
        let kinds: Vec<_> = b.iter().map(|b| (b.kind, b.first, b.last)).collect();
        assert_eq!(
            kinds,
            vec![
                (BlockKind::Interface, 1, 5),
                (BlockKind::Group, 2, 4),
                (BlockKind::Router, 6, 7)
            ]
        );
    }

    #[test]
    fn words_and_statements_at_offsets() {
        let p = crate::syntax::parse(TEXT);
        let ssh = TEXT.find("ssh").unwrap();
        assert_eq!(word_at(&p, ssh + 1).and_then(|w| w.literal()), Some("ssh"));
        assert_eq!(word_at(&p, ssh + 3).and_then(|w| w.literal()), Some("ssh"));
        assert_eq!(
            word_at(&p, ssh - 1).and_then(|w| w.literal()),
            Some("server")
        );
        assert_eq!(stmt_at(&p, ssh).map(|(i, _)| i), Some(3));
        assert!(stmt_at(&p, TEXT.len() + 10).is_none());
        assert_eq!(section_at(&p, 0), None);
        assert_eq!(section_at(&p, ssh), Some(BlockKind::Interface));
        assert_eq!(section_at(&p, TEXT.len()), Some(BlockKind::Router));
        let (_, s) = stmt_at(&p, ssh).unwrap();
        assert_eq!(stmt_title(TEXT, s, 10), "server ...");
    }
}
