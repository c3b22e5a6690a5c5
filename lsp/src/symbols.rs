//! `textDocument/documentSymbol`: the outline of `fhc_lang::ide::symbols` (sections with their
//! statements, groups nested, actions, synproxy and NAT statements, variables).

use crate::state::Doc;
use fhc_lang::ide::symbols::{self, Symbol, SymbolKind as Kind};
use tower_lsp_server::ls_types::{DocumentSymbol, SymbolKind};

fn kind(k: Kind) -> SymbolKind {
    match k {
        Kind::Interface => SymbolKind::CLASS,
        Kind::Router => SymbolKind::MODULE,
        Kind::Group => SymbolKind::STRUCT,
        Kind::Action => SymbolKind::FUNCTION,
        Kind::Synproxy => SymbolKind::EVENT,
        Kind::Statement => SymbolKind::FIELD,
        Kind::Variable => SymbolKind::VARIABLE,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written even though it is deprecated.
fn convert(doc: &Doc, s: Symbol) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: kind(s.kind),
        tags: None,
        deprecated: None,
        range: doc.range(s.span),
        selection_range: doc.range(s.selection),
        children: s
            .children
            .map(|c| c.into_iter().map(|s| convert(doc, s)).collect()),
    }
}

pub fn document_symbols(doc: &Doc) -> Vec<DocumentSymbol> {
    symbols::document_symbols(&doc.file)
        .into_iter()
        .map(|s| convert(doc, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_ranges_and_children() {
        let text = "LAN=1\naction A chain drop\ninterface eth0 lan\n    group with src 10.0.0.1\n        server ssh accept\n    group end\nrouter r\n";
        let syms = document_symbols(&Doc::test(text));
        let kinds: Vec<_> = syms.iter().map(|s| (s.name.as_str(), s.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("LAN", SymbolKind::VARIABLE),
                ("A", SymbolKind::FUNCTION),
                ("lan", SymbolKind::CLASS),
                ("r", SymbolKind::MODULE)
            ]
        );
        let lan = &syms[2];
        assert_eq!((lan.range.start.line, lan.range.end.line), (2, 5));
        assert_eq!(lan.selection_range.start.character, 15);
        let group = &lan.children.as_ref().unwrap()[0];
        assert_eq!(group.kind, SymbolKind::STRUCT);
        assert_eq!(group.children.as_ref().unwrap()[0].kind, SymbolKind::FIELD);
        assert!(group.children.as_ref().unwrap()[0].children.is_none());
        assert_eq!(syms[3].children.as_deref(), Some(&[][..]));
    }
}
