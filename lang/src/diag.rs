//! The one diagnostic type. The parser, the model checks, the compiler, `fhc check` (ariadne and
//! JSON) and the LSP all produce or consume exactly this struct, so a problem is described once and
//! rendered the same way everywhere.

use crate::codes::Code;
use crate::span::{ColumnUnit, LineIndex, Span};
use serde::Serialize;

pub use crate::codes::Severity;

/// A secondary place involved in a diagnostic ("the dnat is here").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One replacement of a byte range by new text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    pub span: Span,
    pub new_text: String,
}

/// A machine-applicable fix: edits that, applied together, remove the problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
}

impl Fix {
    /// Applies the edits to `text` (edits must not overlap; they are applied back to front).
    pub fn apply(&self, text: &str) -> String {
        let mut edits: Vec<&TextEdit> = self.edits.iter().collect();
        edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
        let mut out = text.to_string();
        for e in edits {
            out.replace_range(e.span.range(), &e.new_text);
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. Never empty-by-accident: zero-width spans only at end of input.
    pub span: Span,
    /// Text shown under the primary span.
    pub label: Option<String>,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            label: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.label = Some(text.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: text.into(),
        });
        self
    }

    pub fn with_note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }

    pub fn with_help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    pub fn with_fix(mut self, title: impl Into<String>, edits: Vec<TextEdit>) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            edits,
        });
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Orders diagnostics by position, then code, so every consumer sees the same sequence.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code))
    });
}

/// A 1-based line/column range, columns counted in Unicode scalar values (what editors and humans
/// call "characters").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Range1 {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Range1 {
    pub fn of(index: &LineIndex, text: &str, span: Span) -> Self {
        let s = index.position(text, span.start, ColumnUnit::Char);
        let e = index.position(text, span.end, ColumnUnit::Char);
        Range1 {
            line: s.line + 1,
            column: s.col + 1,
            end_line: e.line + 1,
            end_column: e.col + 1,
        }
    }
}

/// The machine-readable form used by `fhc check --format json` (one object per diagnostic).
#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: &'a str,
    pub code: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    #[serde(flatten)]
    pub range: Range1,
    pub label: Option<&'a str>,
    pub labels: Vec<JsonLabel<'a>>,
    pub notes: &'a [String],
    pub help: Option<&'a str>,
    pub fixes: Vec<JsonFix<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonLabel<'a> {
    #[serde(flatten)]
    pub range: Range1,
    pub message: &'a str,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonFix<'a> {
    pub title: &'a str,
    pub edits: Vec<JsonEdit<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonEdit<'a> {
    #[serde(flatten)]
    pub range: Range1,
    /// Byte offsets too, for tools that patch files directly.
    pub start_offset: usize,
    pub end_offset: usize,
    pub new_text: &'a str,
}

impl Diagnostic {
    pub fn to_json<'a>(
        &'a self,
        file: &'a str,
        index: &LineIndex,
        text: &str,
    ) -> JsonDiagnostic<'a> {
        JsonDiagnostic {
            file,
            code: self.code.as_str(),
            severity: self.severity.as_str(),
            message: &self.message,
            range: Range1::of(index, text, self.span),
            label: self.label.as_deref(),
            labels: self
                .labels
                .iter()
                .map(|l| JsonLabel {
                    range: Range1::of(index, text, l.span),
                    message: &l.message,
                })
                .collect(),
            notes: &self.notes,
            help: self.help.as_deref(),
            fixes: self
                .fixes
                .iter()
                .map(|f| JsonFix {
                    title: &f.title,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            range: Range1::of(index, text, e.span),
                            start_offset: e.span.start,
                            end_offset: e.span.end,
                            new_text: &e.new_text,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
