//! `workspace/symbol`: the names every open document defines (`fhc_lang::ide::workspace_symbols`),
//! matched against the query. Only open documents are searched: the server reads no file the
//! editor did not give it (but the prelude).

use crate::state::Doc;
use fhc_lang::ide::names::Sym;
use fhc_lang::ide::workspace_symbols;
use tower_lsp_server::ls_types::{Location, OneOf, SymbolKind, WorkspaceSymbol};

fn kind(sym: &Sym) -> SymbolKind {
    match sym {
        Sym::Action(_) => SymbolKind::FUNCTION,
        Sym::Service(_) => SymbolKind::MODULE,
        Sym::Variable(_) => SymbolKind::VARIABLE,
        Sym::Section(_) => SymbolKind::CLASS,
        Sym::Function(_) => SymbolKind::METHOD,
    }
}

/// The matching definitions of `docs`, by document (in the order given), then source order.
pub fn symbols(docs: &[std::sync::Arc<Doc>], query: &str) -> Vec<WorkspaceSymbol> {
    let mut out = Vec::new();
    for doc in docs {
        for d in workspace_symbols::workspace_symbols(&doc.file, query) {
            out.push(WorkspaceSymbol {
                name: d.sym.name().to_string(),
                kind: kind(&d.sym),
                tags: None,
                container_name: Some(format!("{} (line {})", d.sym.kind(), d.line)),
                location: OneOf::Left(Location::new(doc.uri.clone(), doc.range(d.span))),
                data: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn definitions_of_every_document() {
        let a = Arc::new(Doc::test("LAN=1\naction BLOCK chain drop\n"));
        let s = symbols(&[a.clone(), a], "blo");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "BLOCK");
        assert_eq!(s[0].kind, SymbolKind::FUNCTION);
        assert_eq!(s[0].container_name.as_deref(), Some("action (line 2)"));
    }
}
