//! `textDocument/documentSymbol`: the outline. Sections (`interface`/`router`) with their
//! statements as children, groups nested inside them, and at the top level the actions, synproxy
//! and NAT statements and variables.

use crate::cursor::{self, Block, BlockKind};
use crate::state::Doc;
use fhc_lang::syntax::ast::{Cmd, CommandKind, Stmt, StmtKind};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{DocumentSymbol, SymbolKind};

const TITLE: usize = 80;

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written even though it is deprecated.
fn symbol(
    doc: &Doc,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: fhc_lang::Span,
    sel: fhc_lang::Span,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    let name = if name.trim().is_empty() {
        "?".to_string()
    } else {
        name
    };
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(span),
        selection_range: doc.range(sel),
        children,
    }
}

fn stmt_symbol(doc: &Doc, s: &Stmt, in_section: bool) -> Option<DocumentSymbol> {
    let title = cursor::stmt_title(&doc.text, s, TITLE);
    match &s.kind {
        StmtKind::Command(c) => {
            let (name, kind, sel) = match &c.kind {
                CommandKind::Action(def) => {
                    let n = def.name.as_ref();
                    (
                        n.and_then(|w| w.literal()).unwrap_or("?").to_string(),
                        SymbolKind::FUNCTION,
                        n.map(|w| w.span).unwrap_or(c.name.span),
                    )
                }
                CommandKind::Synproxy(_) => (title.clone(), SymbolKind::EVENT, c.name.span),
                _ if !in_section
                    && !matches!(
                        c.cmd,
                        Cmd::Dnat | Cmd::Snat | Cmd::Redirect | Cmd::Nat | Cmd::Masquerade
                    ) =>
                {
                    return None;
                }
                _ => (title.clone(), SymbolKind::FIELD, c.name.span),
            };
            let detail = matches!(c.kind, CommandKind::Action(_)).then(|| title.clone());
            Some(symbol(doc, name, detail, kind, s.span, sel, None))
        }
        StmtKind::Assignment(list) if !in_section => {
            let a = list.first()?;
            Some(symbol(
                doc,
                a.name.clone(),
                Some(title),
                SymbolKind::VARIABLE,
                s.span,
                a.name_span,
                None,
            ))
        }
        _ => None,
    }
}

/// Symbols for statements `lo..=hi`, with the groups among them nested.
fn children(
    doc: &Doc,
    blocks: &HashMap<(bool, usize), Block>,
    lo: usize,
    hi: usize,
) -> Vec<DocumentSymbol> {
    let stmts = &doc.analysis().parse.file.stmts;
    let mut out = Vec::new();
    let mut i = lo;
    while i <= hi && i < stmts.len() {
        if let Some(g) = blocks.get(&(true, i)).filter(|g| g.last <= hi) {
            let s = &stmts[i];
            let kids = children(doc, blocks, i + 1, g.last);
            let sel = s.command().map(|c| c.name.span).unwrap_or(s.span);
            out.push(symbol(
                doc,
                cursor::stmt_title(&doc.text, s, TITLE),
                None,
                SymbolKind::STRUCT,
                g.span,
                sel,
                Some(kids),
            ));
            i = g.last + 1;
            continue;
        }
        if let Some(sym) = stmt_symbol(doc, &stmts[i], true) {
            out.push(sym);
        }
        i += 1;
    }
    out
}

pub fn document_symbols(doc: &Doc) -> Vec<DocumentSymbol> {
    let parse = &doc.analysis().parse;
    let stmts = &parse.file.stmts;
    // Blocks by (is a group, first statement): one lookup per statement.
    let blocks: HashMap<(bool, usize), Block> = cursor::blocks(parse)
        .into_iter()
        .map(|b| ((b.kind == BlockKind::Group, b.first), b))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < stmts.len() {
        let s = &stmts[i];
        if let Some(b) = blocks.get(&(false, i)) {
            let c = s.command();
            let (name_word, kind) = match c.map(|c| &c.kind) {
                Some(CommandKind::Interface { name, .. }) => (name.as_ref(), SymbolKind::CLASS),
                Some(CommandKind::Router { name, .. }) => (name.as_ref(), SymbolKind::MODULE),
                _ => (None, SymbolKind::MODULE),
            };
            let name = name_word
                .and_then(|w| w.literal())
                .unwrap_or("?")
                .to_string();
            let sel = name_word
                .map(|w| w.span)
                .or(c.map(|c| c.name.span))
                .unwrap_or(s.span);
            let kids = children(doc, &blocks, i + 1, b.last);
            let detail = Some(cursor::stmt_title(&doc.text, s, TITLE));
            out.push(symbol(doc, name, detail, kind, b.span, sel, Some(kids)));
            i = b.last + 1;
            continue;
        }
        if let Some(sym) = stmt_symbol(doc, s, false) {
            out.push(sym);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "LAN=10.0.0.0/8\naction MYDROP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 lan\n    policy drop\n    group with src \"$LAN\"\n        server ssh accept\n    group end\n    server http accept\nrouter r1 inface eth0\n    route http accept\n";

    fn outline(syms: &[DocumentSymbol], depth: usize, out: &mut Vec<String>) {
        for s in syms {
            out.push(format!("{}{:?} {}", "  ".repeat(depth), s.kind, s.name));
            assert!(
                s.range.start <= s.selection_range.start && s.selection_range.end <= s.range.end,
                "{s:?}"
            );
            if let Some(c) = &s.children {
                outline(c, depth + 1, out);
            }
        }
    }

    #[test]
    fn sections_groups_actions_synproxy() {
        let doc = Doc::test(TEXT);
        let mut out = Vec::new();
        outline(&document_symbols(&doc), 0, &mut out);
        assert_eq!(
            out,
            vec![
                "Variable LAN",
                "Function MYDROP",
                "Event ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept",
                "Class lan",
                "  Field policy drop",
                "  Struct group with src \"$LAN\"",
                "    Field server ssh accept",
                "    Field group end",
                "  Field server http accept",
                "Module r1",
                "  Field route http accept",
            ]
        );
    }

    #[test]
    fn broken_input_still_has_an_outline() {
        let doc = Doc::test("interface\n  group with\nrouter\n\"unterminated\n");
        let syms = document_symbols(&doc);
        assert_eq!(syms.len(), 2);
    }
}
