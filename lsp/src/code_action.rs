//! `textDocument/codeAction`: the quick fixes the diagnostics carry (move the synproxy above the
//! dnat, add `src`, add the missing `inface`/`dst`, define the missing action, fix a typo ...), as
//! workspace edits. Each action names the diagnostic it fixes; a diagnostic's first fix is the
//! preferred one.

use crate::diagnostics;
use crate::state::Doc;
use fhc_lang::Span;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit,
};

fn intersects(a: Span, b: Span) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The quick fixes of the diagnostics that touch `range`.
pub fn code_actions(doc: &Doc, range: Range) -> Vec<CodeActionOrCommand> {
    let want = doc.span(range);
    let mut out = Vec::new();
    for d in doc.file.diagnostics() {
        if d.fixes.is_empty() || !intersects(d.span, want) {
            continue;
        }
        let lsp = diagnostics::convert(doc, d);
        for (i, fix) in d.fixes.iter().enumerate() {
            let edits: Vec<TextEdit> = fix
                .edits
                .iter()
                .map(|e| TextEdit::new(doc.range(e.span), e.new_text.clone()))
                .collect();
            let mut changes = HashMap::new();
            changes.insert(doc.uri.clone(), edits);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                command: None,
                is_preferred: Some(i == 0),
                disabled: None,
                data: None,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::apply_change;
    use fhc_lang::Code;
    use tower_lsp_server::ls_types::Position;

    fn apply(doc: &Doc, a: &CodeActionOrCommand) -> String {
        let CodeActionOrCommand::CodeAction(a) = a else {
            panic!("not an action")
        };
        let changes = a.edit.as_ref().unwrap().changes.as_ref().unwrap();
        let mut edits = changes[&doc.uri].clone();
        // Back to front, as editors do.
        edits.sort_by_key(|e| std::cmp::Reverse((e.range.start.line, e.range.start.character)));
        let mut text = doc.text().to_string();
        for e in edits {
            apply_change(&mut text, doc.enc, Some(e.range), &e.new_text);
        }
        text
    }

    fn whole(doc: &Doc) -> Range {
        Range::new(
            Position::new(0, 0),
            doc.range(Span::new(doc.text().len(), doc.text().len())).end,
        )
    }

    fn fixes_clear(code: Code) {
        let doc = Doc::test(code.example());
        let actions = code_actions(&doc, whole(&doc));
        let first = actions
            .iter()
            .find(|a| {
                matches!(a, CodeActionOrCommand::CodeAction(a)
                if a.diagnostics.as_ref().unwrap()[0].code.as_ref() == Some(&tower_lsp_server::ls_types::NumberOrString::String(code.as_str().into())))
            })
            .unwrap_or_else(|| panic!("{code}: no fix in {actions:?}"));
        let CodeActionOrCommand::CodeAction(ca) = first else {
            unreachable!()
        };
        assert_eq!(ca.is_preferred, Some(true));
        assert_eq!(ca.kind, Some(CodeActionKind::QUICKFIX));
        let fixed = apply(&doc, first);
        let after = fhc_lang::analyze(&fixed);
        assert!(
            !after.diagnostics.iter().any(|d| d.code == code),
            "{code} still there after the fix:\n{fixed}"
        );
    }

    #[test]
    fn synproxy_after_dnat_is_moved() {
        fixes_clear(Code::SynproxyAfterDnat);
    }

    #[test]
    fn synproxy_without_inface_or_dst_gets_a_placeholder() {
        fixes_clear(Code::SynproxyNoInface);
        fixes_clear(Code::SynproxyNoDst);
    }

    #[test]
    fn ambiguous_synproxies_get_src() {
        fixes_clear(Code::SynproxyAmbiguous);
    }

    #[test]
    fn synproxy_nat_to_a_server_first_port_drops_timestamp() {
        fixes_clear(Code::SynproxyTimestampStall);
    }

    #[test]
    fn only_diagnostics_in_the_range() {
        let doc = Doc::test(Code::SynproxyAfterDnat.example());
        let last_line = Range::new(Position::new(3, 0), Position::new(3, 5));
        assert!(code_actions(&doc, last_line).is_empty());
        assert!(
            !code_actions(&doc, Range::new(Position::new(1, 3), Position::new(1, 3))).is_empty()
        );
    }
}
