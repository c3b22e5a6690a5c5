//! `textDocument/publishDiagnostics`: the diagnostics of `fhc check` (the same `analyze_with()`,
//! with the same defaults and services files), converted to LSP. Secondary labels become related
//! information; notes and help follow the message; the fixes stay in the analysis for the code
//! actions. The problems of the prelude files themselves (which stop `fhc check`) come first, on
//! the document's first line, each with its place in its file as related information.

use crate::state::Doc;
use fhc_lang::ide::diagnostics::{PreludeProblem, prelude_problems};
use fhc_lang::{LineIndex, Severity, Span};
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DocumentDiagnosticReport,
    FullDocumentDiagnosticReport, Location, NumberOrString, RelatedFullDocumentDiagnosticReport,
    RelatedUnchangedDocumentDiagnosticReport, UnchangedDocumentDiagnosticReport, Uri,
};

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// The message of a diagnostic with its label, notes and help.
fn message(main: &str, d: &fhc_lang::Diagnostic) -> String {
    let mut message = main.to_string();
    if let Some(l) = &d.label {
        message.push_str(&format!(" ({l})"));
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    message
}

/// One `fhc-lang` diagnostic in LSP form.
pub fn convert(doc: &Doc, d: &fhc_lang::Diagnostic) -> Diagnostic {
    let message = message(&d.message, d);
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

/// A problem of a prelude file, shown at the start of the document.
fn prelude_problem(doc: &Doc, p: &PreludeProblem<'_>) -> Diagnostic {
    let d = p.diagnostic;
    let index = LineIndex::new(&p.file.text);
    let at = crate::convert::Mapper::new(&p.file.text, &index, doc.enc).range(d.span);
    let related = Uri::from_file_path(&p.file.name).map(|uri| {
        vec![DiagnosticRelatedInformation {
            location: Location::new(uri, at),
            message: d.label.clone().unwrap_or_else(|| d.message.clone()),
        }]
    });
    Diagnostic {
        range: doc.range(Span::new(0, 0)),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("fhc".to_string()),
        message: message(&p.message, d),
        related_information: related,
        tags: None,
        data: None,
    }
}

/// All diagnostics of the document's current version.
pub fn diagnostics(doc: &Doc) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = prelude_problems(&doc.file)
        .iter()
        .map(|p| prelude_problem(doc, p))
        .collect();
    out.extend(doc.file.diagnostics().iter().map(|d| convert(doc, d)));
    out
}

/// `textDocument/diagnostic` (pull): the same diagnostics as a report, or "unchanged" when the
/// client already has this analysis (`previous` is the result ID it got).
pub fn report(doc: &Doc, previous: Option<&str>) -> DocumentDiagnosticReport {
    let result_id = format!("{}-{}", std::process::id(), doc.serial);
    if previous == Some(result_id.as_str()) {
        return DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        });
    }
    DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
        related_documents: None,
        full_document_diagnostic_report: FullDocumentDiagnosticReport {
            result_id: Some(result_id),
            items: diagnostics(doc),
        },
    })
}

/// The report for a document that is not open: empty, with no result ID to keep.
pub fn nothing() -> DocumentDiagnosticReport {
    DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
        related_documents: None,
        full_document_diagnostic_report: FullDocumentDiagnosticReport {
            result_id: None,
            items: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Code;

    #[test]
    fn pulled_reports_say_unchanged_for_the_same_analysis() {
        let doc = Doc::test(Code::SynproxyNoInface.example());
        let DocumentDiagnosticReport::Full(full) = report(&doc, None) else {
            panic!("a first pull is a full report");
        };
        let r = full.full_document_diagnostic_report;
        assert_eq!(r.items, diagnostics(&doc));
        let id = r.result_id.unwrap();
        assert!(matches!(
            report(&doc, Some(&id)),
            DocumentDiagnosticReport::Unchanged(_)
        ));
        let next = Doc::test(Code::SynproxyNoInface.example());
        assert!(matches!(
            report(&next, Some(&id)),
            DocumentDiagnosticReport::Full(_)
        ));
    }

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
                .file
                .diagnostics()
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

    #[test]
    fn prelude_problems_come_first_and_point_into_their_file() {
        let mut p = fhc_lang::Prelude::none();
        p.add_defaults("/etc/firehol/firehol-defaults.conf", "A=1\nX=$(hostname)\n");
        let doc = Doc::new(
            "file:///etc/firehol/firehol.conf".parse().unwrap(),
            1,
            "interface eth0 lan\n    server nope accept\n".into(),
            crate::convert::Encoding::Utf16,
            std::sync::Arc::new(p),
        );
        let d = diagnostics(&doc);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].message
                .starts_with("in /etc/firehol/firehol-defaults.conf, line 2: "),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].range.start.line, 0);
        let rel = &d[0].related_information.as_ref().unwrap()[0];
        assert_eq!(
            rel.location.uri.as_str(),
            "file:///etc/firehol/firehol-defaults.conf"
        );
        assert_eq!(
            (
                rel.location.range.start.line,
                rel.location.range.start.character
            ),
            (1, 2)
        );
        assert_eq!(d[1].range.start.line, 1, "the configuration's own");
    }
}
