//! The outline (document symbols). Sections (`interface`/`router`) with their statements as
//! children, groups nested inside them, and at the top level the actions, synproxy and NAT
//! statements and variables.

use super::File;
use super::cursor::{self, Block, BlockKind};
use crate::Span;
use crate::syntax::ast::{Cmd, CommandKind, Stmt, StmtKind};
use std::collections::HashMap;

const TITLE: usize = 80;

/// What an outline entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// An `interface` section.
    Interface,
    /// A `router` section.
    Router,
    /// A `group`.
    Group,
    /// An `action` definition.
    Action,
    /// A synproxy statement.
    Synproxy,
    /// Any other statement (in a section, or a NAT statement at the top).
    Statement,
    /// A variable assignment at the top.
    Variable,
}

/// One entry of the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole entry (a section runs to its last statement).
    pub span: Span,
    /// The part to select (the name).
    pub selection: Span,
    /// `Some` for sections and groups (possibly empty).
    pub children: Option<Vec<Symbol>>,
}

fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Option<Vec<Symbol>>,
) -> Symbol {
    let name = if name.trim().is_empty() {
        "?".to_string()
    } else {
        name
    };
    Symbol {
        name,
        detail,
        kind,
        span,
        selection,
        children,
    }
}

fn stmt_symbol(doc: &File, s: &Stmt, in_section: bool) -> Option<Symbol> {
    let title = cursor::stmt_title(doc.text(), s, TITLE);
    match &s.kind {
        StmtKind::Command(c) => {
            let (name, kind, sel) = match &c.kind {
                CommandKind::Action(def) => {
                    let n = def.name.as_ref();
                    (
                        n.and_then(|w| w.literal()).unwrap_or("?").to_string(),
                        SymbolKind::Action,
                        n.map(|w| w.span).unwrap_or(c.name.span),
                    )
                }
                CommandKind::Synproxy(_) => (title.clone(), SymbolKind::Synproxy, c.name.span),
                _ if !in_section
                    && !matches!(
                        c.cmd,
                        Cmd::Dnat | Cmd::Snat | Cmd::Redirect | Cmd::Nat | Cmd::Masquerade
                    ) =>
                {
                    return None;
                }
                _ => (title.clone(), SymbolKind::Statement, c.name.span),
            };
            let detail = matches!(c.kind, CommandKind::Action(_)).then(|| title.clone());
            Some(symbol(name, detail, kind, s.span, sel, None))
        }
        StmtKind::Assignment(list) if !in_section => {
            let a = list.first()?;
            Some(symbol(
                a.name.clone(),
                Some(title),
                SymbolKind::Variable,
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
    doc: &File,
    blocks: &HashMap<(bool, usize), Block>,
    lo: usize,
    hi: usize,
) -> Vec<Symbol> {
    let stmts = &doc.analysis().parse.file.stmts;
    let mut out = Vec::new();
    let mut i = lo;
    while i <= hi && i < stmts.len() {
        if let Some(g) = blocks.get(&(true, i)).filter(|g| g.last <= hi) {
            let s = &stmts[i];
            let kids = children(doc, blocks, i + 1, g.last);
            let sel = s.command().map(|c| c.name.span).unwrap_or(s.span);
            out.push(symbol(
                cursor::stmt_title(doc.text(), s, TITLE),
                None,
                SymbolKind::Group,
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

/// The outline of the file.
pub fn document_symbols(doc: &File) -> Vec<Symbol> {
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
                Some(CommandKind::Interface { name, .. }) => (name.as_ref(), SymbolKind::Interface),
                Some(CommandKind::Router { name, .. }) => (name.as_ref(), SymbolKind::Router),
                _ => (None, SymbolKind::Router),
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
            let detail = Some(cursor::stmt_title(doc.text(), s, TITLE));
            out.push(symbol(name, detail, kind, b.span, sel, Some(kids)));
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

    fn outline(syms: &[Symbol], depth: usize, out: &mut Vec<String>) {
        for s in syms {
            out.push(format!("{}{:?} {}", "  ".repeat(depth), s.kind, s.name));
            assert!(
                s.span.start <= s.selection.start && s.selection.end <= s.span.end,
                "{s:?}"
            );
            if let Some(c) = &s.children {
                outline(c, depth + 1, out);
            }
        }
    }

    #[test]
    fn sections_groups_actions_synproxy() {
        let doc = File::alone(TEXT);
        let mut out = Vec::new();
        outline(&document_symbols(&doc), 0, &mut out);
        assert_eq!(
            out,
            vec![
                "Variable LAN",
                "Action MYDROP",
                "Synproxy ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept",
                "Interface lan",
                "  Statement policy drop",
                "  Group group with src \"$LAN\"",
                "    Statement server ssh accept",
                "    Statement group end",
                "  Statement server http accept",
                "Router r1",
                "  Statement route http accept",
            ]
        );
    }

    #[test]
    fn broken_input_still_has_an_outline() {
        let doc = File::alone("interface\n  group with\nrouter\n\"unterminated\n");
        let syms = document_symbols(&doc);
        assert_eq!(syms.len(), 2);
    }
}
