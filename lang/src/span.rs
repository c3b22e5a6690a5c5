//! Byte spans and the byte-offset <-> line/column mapping shared by every consumer.
//!
//! Everything inside `lang` works in byte offsets (what logos and chumsky produce). Consumers that
//! speak another unit (1-based columns in `fhc check --format json`, UTF-16 in LSP) convert at the
//! edge through [`LineIndex`], so no stage ever mixes units.

use serde::Serialize;

/// A half-open byte range into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

impl From<chumsky::span::SimpleSpan> for Span {
    fn from(s: chumsky::span::SimpleSpan) -> Self {
        Span::new(s.start, s.end)
    }
}

/// A zero-based line and a zero-based column in some unit (bytes, chars or UTF-16 code units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// The unit a column is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Byte,
    Char,
    Utf16,
}

/// Line starts of one text, for converting offsets to positions and back.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Zero-based line of a byte offset (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset.min(self.len)) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte offset of the end of a line, before its `\n` (and `\r`).
    pub fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self
            .line_starts
            .get(line + 1)
            .map(|s| s - 1)
            .unwrap_or(self.len);
        if next > 0 && text.as_bytes().get(next - 1) == Some(&b'\r') && next > self.line_start(line)
        {
            next - 1
        } else {
            next
        }
    }

    /// Position of a byte offset. An offset inside a multi-byte character counts from its start.
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let prefix = &text[start..offset];
        let col = match unit {
            ColumnUnit::Byte => prefix.len(),
            ColumnUnit::Char => prefix.chars().count(),
            ColumnUnit::Utf16 => prefix.encode_utf16().count(),
        };
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// Byte offset of a position; columns past the end of the line clamp to it.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        let end = self.line_end(text, line);
        let mut counted = 0u32;
        for (i, ch) in text[start..end].char_indices() {
            if counted >= pos.col {
                return start + i;
            }
            counted += match unit {
                ColumnUnit::Byte => ch.len_utf8() as u32,
                ColumnUnit::Char => 1,
                ColumnUnit::Utf16 => ch.len_utf16() as u32,
            };
        }
        end
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A `Debug` rendering with every `Span { start: N, end: M }` replaced by `Span`: what a value
/// says without where it was written (two statements on different lines that mean the same, a
/// text and its formatted form).
pub fn erase_spans(debug: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let after = &rest[i + OPEN.len()..];
        let Some(close) = after.find('}') else {
            rest = after;
            break;
        };
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The text of `span` on one line: continuations joined, blanks collapsed (rule comments,
/// explanations).
pub fn one_line(text: &str, span: Span) -> String {
    let raw = text.get(span.range()).unwrap_or("");
    let joined = raw.replace("\\\r\n", " ").replace("\\\n", " ");
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_every_unit() {
        let text = "ab\n\u{e9}t\u{1F600}x\nlast";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.position(text, x, ColumnUnit::Byte),
            LineCol { line: 1, col: 7 }
        );
        assert_eq!(
            idx.position(text, x, ColumnUnit::Char),
            LineCol { line: 1, col: 3 }
        );
        assert_eq!(
            idx.position(text, x, ColumnUnit::Utf16),
            LineCol { line: 1, col: 4 }
        );
        for unit in [ColumnUnit::Byte, ColumnUnit::Char, ColumnUnit::Utf16] {
            let p = idx.position(text, x, unit);
            assert_eq!(idx.offset(text, p, unit), x);
        }
        assert_eq!(
            idx.position(text, text.len(), ColumnUnit::Char),
            LineCol { line: 2, col: 4 }
        );
    }

    #[test]
    fn crlf_line_end_excludes_cr() {
        let text = "a\r\nb";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_end(text, 0), 1);
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 99 }, ColumnUnit::Byte),
            1
        );
    }
}

/// Line numbers as runs: `[2, 3, 4, 7]` -> `2-4, 7` (rule comments and `fhc explain` name the
/// statements a merged rule serves this way; thousands of lines stay short).
pub fn line_runs(lines: &[usize]) -> String {
    let mut sorted = lines.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        runs.push(if i == j {
            sorted[i].to_string()
        } else {
            format!("{}-{}", sorted[i], sorted[j])
        });
        i = j + 1;
    }
    runs.join(", ")
}

#[cfg(test)]
mod line_runs_tests {
    #[test]
    fn consecutive_lines_become_ranges() {
        assert_eq!(super::line_runs(&[7, 2, 3, 4, 9, 10]), "2-4, 7, 9-10");
        assert_eq!(super::line_runs(&[5]), "5");
        assert_eq!(super::line_runs(&[]), "");
    }
}
