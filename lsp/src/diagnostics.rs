//! `textDocument/publishDiagnostics`: the diagnostics of `fhc check` (the same `analyze()`),
//! converted to LSP. Secondary labels become related information; notes and help follow the
//! message; the fixes stay in the analysis for the code actions.

use crate::state::Doc;
use fhc_lang::Severity;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
};

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// One `fhc-lang` diagnostic in LSP form.
pub fn convert(doc: &Doc, d: &fhc_lang::Diagnostic) -> Diagnostic {
    let mut message = d.message.clone();
    if let Some(l) = &d.label {
        message.push_str(&format!(" ({l})"));
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(doc.uri.clone(), doc.range(l.span)),
            message: l.message.clone(),
        })
        .collect();
    Diagnostic {
        range: doc.range(d.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("fhc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// All diagnostics of the document's current version.
pub fn diagnostics(doc: &Doc) -> Vec<Diagnostic> {
    doc.analysis()
        .diagnostics
        .iter()
        .map(|d| convert(doc, d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Code;

    #[test]
    fn codes_severities_and_lines() {
        let doc = Doc::test(Code::SynproxyAfterDnat.example());
        let diags = diagnostics(&doc);
        let w = diags
            .iter()
            .find(|d| d.code == Some(NumberOrString::String("W0103".into())))
            .unwrap();
        assert_eq!(w.severity, Some(DiagnosticSeverity::WARNING));
        assert_eq!(w.source.as_deref(), Some("fhc"));
        assert_eq!(w.range.start.line, 1);
        let related = w.related_information.as_ref().unwrap();
        assert_eq!(
            related[0].location.range.start.line, 0,
            "the dnat is the secondary label"
        );
    }

    #[test]
    fn every_catalogue_example_converts_one_to_one() {
        for &c in Code::ALL {
            let doc = Doc::test(c.example());
            let lsp: Vec<_> = diagnostics(&doc).into_iter().map(|d| d.code).collect();
            let lang: Vec<_> = doc
                .analysis()
                .diagnostics
                .iter()
                .map(|d| Some(NumberOrString::String(d.code.as_str().into())))
                .collect();
            assert_eq!(lsp, lang, "{c}");
        }
    }

    /// Bad values (a mark out of its group, an address) and what nftables lacks reach the editor
    /// together, in one pass.
    #[test]
    fn lowering_errors_arrive_with_the_others() {
        let doc = Doc::test(
            "mark 999999 OUTPUT\ninterface eth0 lan\n    server ssh accept src 10.0.0.300\n    server http tarpit\n",
        );
        let lines: Vec<(String, u32)> = diagnostics(&doc)
            .into_iter()
            .filter_map(|d| match d.code {
                Some(NumberOrString::String(c)) => Some((c, d.range.start.line)),
                _ => None,
            })
            .collect();
        for want in [("E0114", 0), ("E0114", 2), ("E0201", 3)] {
            assert!(
                lines.contains(&(want.0.to_string(), want.1)),
                "{want:?} missing from {lines:?}"
            );
        }
    }

    #[test]
    fn utf16_columns_after_non_ascii() {
        let doc =
            Doc::test("# \u{e9}\u{1F600}\ninterface eth0 lan sorce 1\n# \u{1F600} x\u{1F600} y\n");
        let d = diagnostics(&doc);
        assert!(
            d.iter()
                .any(|d| d.range.start.line == 1 && d.range.start.character == 19),
            "{d:?}"
        );
    }
}
