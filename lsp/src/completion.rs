//! `textDocument/completion`: `fhc_lang::ide::completion` (commands, services, actions,
//! parameters and their values, variables, by context) as LSP items, each replacing the part of
//! the word already typed.

use crate::state::Doc;
use fhc_lang::ide::completion::{self, Kind};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Position, TextEdit,
};

fn kind(k: Kind) -> CompletionItemKind {
    match k {
        Kind::Keyword => CompletionItemKind::KEYWORD,
        Kind::Module => CompletionItemKind::MODULE,
        Kind::EnumMember => CompletionItemKind::ENUM_MEMBER,
        Kind::Function => CompletionItemKind::FUNCTION,
        Kind::Property => CompletionItemKind::PROPERTY,
        Kind::Value => CompletionItemKind::VALUE,
        Kind::Variable => CompletionItemKind::VARIABLE,
    }
}

/// The completions at `pos`; `host_interfaces` are offered where an interface name goes.
pub fn complete(doc: &Doc, pos: Position, host_interfaces: &[String]) -> Vec<CompletionItem> {
    let c = completion::complete_with(&doc.file, doc.offset(pos), host_interfaces);
    let range = doc.range(c.replace);
    c.items
        .into_iter()
        .map(|i| CompletionItem {
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                i.insert.unwrap_or_else(|| i.label.clone()),
            ))),
            label: i.label,
            kind: Some(kind(i.kind)),
            detail: Some(i.detail),
            ..CompletionItem::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhc_lang::Span;

    #[test]
    fn items_replace_what_was_typed() {
        let text = "LAN=1\ninterface eth0 lan\n    server ssh accept src $";
        let doc = Doc::test(text);
        let items = complete(
            &doc,
            doc.range(Span::new(text.len(), text.len())).start,
            &[],
        );
        let lan = items.iter().find(|i| i.label == "$LAN").unwrap();
        assert_eq!(lan.kind, Some(CompletionItemKind::VARIABLE));
        let Some(CompletionTextEdit::Edit(e)) = &lan.text_edit else {
            panic!()
        };
        assert_eq!((e.range.start.line, e.range.start.character), (2, 26));
        assert_eq!(e.range.end.character, 27);
        // After `src`, values are quoted.
        let text = "LAN=1\ninterface eth0 lan\n    server ssh accept src ";
        let doc = Doc::test(text);
        let items = complete(
            &doc,
            doc.range(Span::new(text.len(), text.len())).start,
            &[],
        );
        let Some(CompletionTextEdit::Edit(e)) = &items[0].text_edit else {
            panic!()
        };
        assert_eq!(e.new_text, "\"$LAN\"");
        assert!(items.iter().all(|i| i.insert_text.is_none()));
    }
}
