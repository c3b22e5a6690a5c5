//! `textDocument/formatting` and `textDocument/rangeFormatting`: exactly `fhc fmt` (the library's
//! `format` and `format_range`). A file that cannot be formatted safely gets no edit, and the
//! reason is returned for the server to log.

use crate::state::Doc;
use fhc_lang::Span;
use tower_lsp_server::ls_types::{Range, TextEdit};

fn why(diags: &[fhc_lang::Diagnostic], doc: &Doc) -> String {
    match diags.first() {
        Some(d) => format!(
            "fhc fmt: not formatting: {} {} at line {}",
            d.code,
            d.message,
            doc.index().line_of(d.span.start) + 1
        ),
        None => "fhc fmt: not formatting".to_string(),
    }
}

/// One edit replacing the whole document (none when it is already formatted).
pub fn format(doc: &Doc) -> Result<Vec<TextEdit>, String> {
    let formatted = fhc_lang::format(doc.text()).map_err(|d| why(&d, doc))?;
    if formatted == doc.text() {
        return Ok(Vec::new());
    }
    Ok(vec![TextEdit::new(
        doc.range(Span::new(0, doc.text().len())),
        formatted,
    )])
}

/// The edits `fhc fmt` makes to the statements the range touches.
pub fn format_range(doc: &Doc, range: Range) -> Result<Vec<TextEdit>, String> {
    let span = doc.span(range);
    let edits = fhc_lang::format_range(doc.text(), span).map_err(|d| why(&d, doc))?;
    Ok(edits
        .into_iter()
        .map(|e| TextEdit::new(doc.range(e.span), e.new_text))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::apply_change;
    use tower_lsp_server::ls_types::Position;

    fn apply(doc: &Doc, mut edits: Vec<TextEdit>) -> String {
        edits.sort_by_key(|e| std::cmp::Reverse((e.range.start.line, e.range.start.character)));
        let mut text = doc.text().to_string();
        for e in edits {
            apply_change(&mut text, doc.enc, Some(e.range), &e.new_text);
        }
        text
    }

    const MESSY: &str = "version   6\ninterface eth0    lan\nserver ssh   accept\n";

    #[test]
    fn whole_document_is_fhc_fmt() {
        let doc = Doc::test(MESSY);
        let out = apply(&doc, format(&doc).unwrap());
        assert_eq!(out, fhc_lang::format(MESSY).unwrap());
        let clean = Doc::test(&out);
        assert!(format(&clean).unwrap().is_empty());
    }

    #[test]
    fn range_touches_only_its_statements() {
        let doc = Doc::test(MESSY);
        let edits =
            format_range(&doc, Range::new(Position::new(2, 0), Position::new(2, 3))).unwrap();
        let out = apply(&doc, edits);
        assert!(out.starts_with("version   6\n"), "{out}");
        assert!(out.contains("server ssh accept"), "{out}");
    }

    #[test]
    fn unformattable_says_why() {
        let doc = Doc::test("interface eth0 lan src \"10.0.0.1\n");
        let e = format(&doc).unwrap_err();
        assert!(e.contains("E0001"), "{e}");
    }
}
