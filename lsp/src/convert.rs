//! Positions and ranges: LSP line/character pairs <-> the byte offsets `fhc-lang` works in.
//!
//! LSP counts characters in UTF-16 code units unless the client offers another encoding in
//! `general.positionEncodings`; we take UTF-8 when it is offered (no conversion cost) and fall back
//! to UTF-16. Every conversion clamps: a position past the end of a line or of the document, or in
//! the middle of a multi-byte character, lands on the nearest character boundary instead of
//! panicking.

use fhc_lang::Span;
use fhc_lang::span::{ColumnUnit, LineCol, LineIndex};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The unit the client and the server agreed to count columns in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it, UTF-16 (the protocol's default) otherwise.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf8 => ColumnUnit::Byte,
            Encoding::Utf16 => ColumnUnit::Utf16,
        }
    }
}

/// A text with its line index and the negotiated encoding: everything a conversion needs.
#[derive(Clone, Copy)]
pub struct Mapper<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub enc: Encoding,
}

impl<'a> Mapper<'a> {
    pub fn new(text: &'a str, index: &'a LineIndex, enc: Encoding) -> Self {
        Mapper { text, index, enc }
    }

    pub fn position(&self, offset: usize) -> Position {
        let p = self.index.position(self.text, offset, self.enc.unit());
        Position::new(p.line, p.col)
    }

    /// The byte offset of a position, clamped to the document and to a character boundary.
    pub fn offset(&self, pos: Position) -> usize {
        let off = self.index.offset(
            self.text,
            LineCol {
                line: pos.line,
                col: pos.character,
            },
            self.enc.unit(),
        );
        floor_boundary(self.text, off.min(self.text.len()))
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte span of a range; a reversed range is put in order.
    pub fn span(&self, range: Range) -> Span {
        let a = self.offset(range.start);
        let b = self.offset(range.end);
        Span::new(a.min(b), a.max(b))
    }

    /// Length of a single-line span in the negotiated unit.
    pub fn len(&self, span: Span) -> u32 {
        let s = &self.text[clamp(self.text, span).range()];
        match self.enc {
            Encoding::Utf8 => s.len() as u32,
            Encoding::Utf16 => s.encode_utf16().count() as u32,
        }
    }
}

/// Clamps a span to the text and to character boundaries.
pub fn clamp(text: &str, span: Span) -> Span {
    let end = floor_boundary(text, span.end.min(text.len()));
    let start = floor_boundary(text, span.start.min(end));
    Span::new(start, end)
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Applies one `didChange` content change: a full replacement when `range` is `None`, otherwise the
/// replacement of the (clamped) range.
pub fn apply_change(text: &mut String, enc: Encoding, range: Option<Range>, new_text: &str) {
    match range {
        None => {
            text.clear();
            text.push_str(new_text);
        }
        Some(r) => {
            let index = LineIndex::new(text);
            let span = Mapper::new(text, &index, enc).span(r);
            text.replace_range(span.range(), new_text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn utf16_and_utf8_columns() {
        let text = "a\u{e9}\u{1F600}x\nz";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        let m16 = Mapper::new(text, &index, Encoding::Utf16);
        let m8 = Mapper::new(text, &index, Encoding::Utf8);
        assert_eq!(m16.position(x), pos(0, 4));
        assert_eq!(m8.position(x), pos(0, 7));
        assert_eq!(m16.offset(pos(0, 4)), x);
        assert_eq!(m8.offset(pos(0, 7)), x);
        assert_eq!(m16.len(Span::new(0, x)), 4);
        assert_eq!(m8.len(Span::new(0, x)), 7);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        let m = Mapper::new(text, &index, Encoding::Utf16);
        assert_eq!(m.offset(pos(0, 99)), 2);
        assert_eq!(m.offset(pos(99, 0)), text.len());
        assert_eq!(m.span(Range::new(pos(1, 1), pos(0, 1))), Span::new(1, 4));
    }

    #[test]
    fn positions_inside_a_character_stay_on_boundaries() {
        let text = "\u{1F600}\u{e9}";
        let index = LineIndex::new(text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let m = Mapper::new(text, &index, enc);
            for c in 0..8 {
                let off = m.offset(pos(0, c));
                assert!(text.is_char_boundary(off), "{enc:?} {c} -> {off}");
            }
        }
    }

    #[test]
    fn negotiation_prefers_utf8_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])),
            Encoding::Utf16
        );
        assert_eq!(
            Encoding::negotiate(Some(&[
                PositionEncodingKind::UTF16,
                PositionEncodingKind::UTF8
            ])),
            Encoding::Utf8
        );
    }

    #[test]
    fn incremental_changes_never_panic() {
        let mut text = String::from("h\u{e9}llo\n\u{1F600} world\n");
        apply_change(
            &mut text,
            Encoding::Utf16,
            Some(Range::new(pos(1, 1), pos(1, 3))),
            "X",
        );
        assert!(text.starts_with("h\u{e9}llo\n"));
        apply_change(
            &mut text,
            Encoding::Utf8,
            Some(Range::new(pos(0, 2), pos(0, 2))),
            "Y",
        );
        apply_change(
            &mut text,
            Encoding::Utf16,
            Some(Range::new(pos(50, 3), pos(70, 1))),
            "end",
        );
        assert!(text.ends_with("end"));
        apply_change(&mut text, Encoding::Utf16, None, "new");
        assert_eq!(text, "new");
    }
}
