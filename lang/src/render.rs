//! Terminal rendering of diagnostics with ariadne. The only place that knows ariadne exists.

use crate::diag::{Diagnostic, Severity};
use ariadne::{CharSet, Color, Config, IndexType, Label, Report, ReportKind, Source};

/// Renders diagnostics for one file. `color` should be true only when writing to a terminal.
pub fn render(diags: &[Diagnostic], file: &str, text: &str, color: bool) -> String {
    let mut out = Vec::new();
    let cfg = Config::new()
        .with_color(color)
        .with_char_set(if color {
            CharSet::Unicode
        } else {
            CharSet::Ascii
        })
        // Our spans are byte offsets; ariadne's default (chars) would drift on non-ASCII text.
        .with_index_type(IndexType::Byte);
    let mut source = (file, Source::from(text));
    for d in diags {
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
            Severity::Info | Severity::Hint => ReportKind::Advice,
        };
        let primary_color = match d.severity {
            Severity::Error => Color::Red,
            Severity::Warning => Color::Yellow,
            _ => Color::Cyan,
        };
        let span = clamp(d.span.range(), text.len());
        let mut primary = Label::new((file, span.clone()))
            .with_color(primary_color)
            .with_order(0);
        if let Some(l) = &d.label {
            primary = primary.with_message(l);
        }
        let mut b = Report::build(kind, (file, span))
            .with_config(cfg)
            .with_code(d.code.as_str())
            .with_message(&d.message)
            .with_label(primary);
        for (i, l) in d.labels.iter().enumerate() {
            b = b.with_label(
                Label::new((file, clamp(l.span.range(), text.len())))
                    .with_message(&l.message)
                    .with_color(Color::Blue)
                    .with_order(i as i32 + 1),
            );
        }
        for n in &d.notes {
            b = b.with_note(n);
        }
        if let Some(h) = &d.help {
            b = b.with_help(h);
        }
        for f in &d.fixes {
            b = b.with_note(format!("fix available: {}", f.title));
        }
        // Writing into a Vec cannot fail.
        let _ = b.finish().write(&mut source, &mut out);
    }
    let s = String::from_utf8_lossy(&out).into_owned();
    // ariadne pads some lines with spaces; nobody wants trailing blanks in a log or a snapshot.
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
        + if s.is_empty() { "" } else { "\n" }
}

fn clamp(r: std::ops::Range<usize>, len: usize) -> std::ops::Range<usize> {
    r.start.min(len)..r.end.min(len)
}
