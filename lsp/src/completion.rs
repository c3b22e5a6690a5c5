//! `textDocument/completion`, by context:
//!
//! - at the start of a statement: the commands valid there (top-only commands before the first
//!   interface/router, section commands inside one, `route` only in routers);
//! - after `server`/`client`/`route`: services (built in and defined in the file), then actions;
//! - after a command's positional arguments: rule parameters, and the values of the parameter just
//!   written (interfaces used in the file after `inface`, protocols after `proto`, ...);
//! - synproxy types and actions; action names defined in the file; `$` variables.
//!
//! The context is read from the words before the cursor (the statement may not parse yet while
//! it is being typed), the names from the file's last analysis.

use crate::cursor::{self, BlockKind};
use crate::names::{self, Sym};
use crate::state::Doc;
use fhc_lang::Span;
use fhc_lang::model::services;
use fhc_lang::syntax::ast::{Cmd, CommandKind, ParamKind};
use fhc_lang::syntax::keywords::{self, ACTIONS, COMMANDS, PARAMS};
use fhc_lang::syntax::words::{Op, Piece, Word};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Position, TextEdit,
};

const SYNPROXY_TYPES: &[(&str, &str)] = &[
    ("input", "the server runs on this host"),
    ("in", "the server runs on this host (same as input)"),
    ("forward", "the server is routed through this host"),
    (
        "pass",
        "the server is routed through this host (same as forward)",
    ),
];

const SYNPROXY_ACTIONS: &[(&str, &str)] = &[
    ("accept", "let the connection reach the server"),
    ("drop", "drop the connection after the handshake"),
    ("reject", "reject the connection after the handshake"),
    (
        "dnat to",
        "send the connection to another server (destination NAT)",
    ),
    ("redirect to", "send the connection to a port on this host"),
    (
        "action",
        "hand the connection to an action defined with `action`",
    ),
];

const ACTION_STEPS: &[(&str, &str)] = &[
    (
        "chain",
        "a chain ending in a verdict: chain accept|drop|reject|return|ACTION",
    ),
    ("action", "same as chain"),
    ("rule", "rule parameters followed by `action VERDICT`"),
    ("iptrap", "add the matching addresses to an ipset"),
    ("ipuntrap", "remove the matching addresses from an ipset"),
    (
        "sockets_suspects_trap",
        "trap sources that open too many connections",
    ),
];

const PROTOCOLS: &[&str] = &[
    "tcp", "udp", "icmp", "icmpv6", "sctp", "gre", "esp", "ah", "all",
];
const STATES: &[&str] = &["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"];
const ADDR_TYPES: &[&str] = &[
    "UNICAST",
    "LOCAL",
    "BROADCAST",
    "ANYCAST",
    "MULTICAST",
    "BLACKHOLE",
    "UNREACHABLE",
    "PROHIBIT",
];

/// What the cursor is completing.
#[derive(Debug, PartialEq, Eq)]
struct Context<'a> {
    /// The words of the statement before the cursor (family prefix removed).
    prev: Vec<&'a Word>,
    /// The part of the current word before the cursor.
    prefix: Span,
}

fn context<'a>(doc: &'a Doc, offset: usize) -> Context<'a> {
    let pieces = &doc.analysis().parse.pieces;
    let end = pieces.partition_point(|p| p.span().start < offset);
    let mut words: Vec<&Word> = Vec::new();
    for p in pieces[..end].iter().rev() {
        match p {
            Piece::Word(w) => words.push(w),
            Piece::Op(Op::Redirect | Op::LParen | Op::RParen, _) => {}
            Piece::Op(..) => break,
        }
    }
    words.reverse();
    let mut prefix = Span::new(offset, offset);
    if let Some(last) = words.last()
        && last.span.end >= offset
    {
        let start = last.span.start.min(offset);
        let typed = doc.text.get(start..offset).unwrap_or("");
        let cut = typed
            .rfind([' ', '\t', ',', '"', '\'', '='])
            .map(|i| i + 1)
            .unwrap_or(0);
        prefix = Span::new(start + cut, offset);
        words.pop();
    }
    if words.first().is_some_and(|w| {
        w.bare()
            .is_some_and(|b| keywords::Family::from_prefix(b).is_some())
    }) {
        words.remove(0);
    }
    Context {
        prev: words,
        prefix,
    }
}

pub fn complete(doc: &Doc, pos: Position) -> Vec<CompletionItem> {
    let offset = doc.offset(pos);
    let ctx = context(doc, offset);
    let typed = doc.text.get(ctx.prefix.range()).unwrap_or("");
    let mut items = if typed.starts_with('$') {
        variables(doc)
    } else {
        candidates(doc, offset, &ctx)
    };
    let range = doc.range(ctx.prefix);
    for it in &mut items {
        let new_text = it.insert_text.take().unwrap_or_else(|| it.label.clone());
        it.text_edit = Some(CompletionTextEdit::Edit(TextEdit::new(range, new_text)));
    }
    items
}

fn item(label: &str, kind: CompletionItemKind, detail: impl Into<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.into()),
        ..Default::default()
    }
}

fn candidates(doc: &Doc, offset: usize, ctx: &Context<'_>) -> Vec<CompletionItem> {
    let Some(first) = ctx.prev.first() else {
        return commands(doc, offset);
    };
    let Some((cmd, _)) = first.bare().and_then(keywords::command) else {
        return Vec::new();
    };
    let args = &ctx.prev[1..];
    let last = args.last().and_then(|w| w.literal()).unwrap_or("");
    match cmd {
        Cmd::Server | Cmd::Client | Cmd::Route => match args.len() {
            0 => service_items(doc),
            1 => action_items(doc, true),
            _ => params(doc, args),
        },
        Cmd::Synproxy => {
            if args.is_empty() {
                return SYNPROXY_TYPES
                    .iter()
                    .map(|(n, d)| item(n, CompletionItemKind::ENUM_MEMBER, *d))
                    .collect();
            }
            match last {
                "action" => action_items(doc, false),
                "dnat" | "redirect" => vec![item(
                    "to",
                    CompletionItemKind::KEYWORD,
                    "the target follows",
                )],
                _ => {
                    let mut v = params(doc, args);
                    if !v.is_empty() || !is_param_keyword(last) {
                        v.extend(
                            SYNPROXY_ACTIONS
                                .iter()
                                .map(|(n, d)| item(n, CompletionItemKind::ENUM_MEMBER, *d)),
                        );
                    }
                    v
                }
            }
        }
        Cmd::Interface => match args.len() {
            0 => interfaces(doc),
            1 => Vec::new(),
            _ => params(doc, args),
        },
        Cmd::Router => match args.len() {
            0 => Vec::new(),
            _ => params(doc, args),
        },
        Cmd::Policy => match args.len() {
            0 => action_items(doc, true),
            _ => Vec::new(),
        },
        Cmd::Group => match args.len() {
            0 => vec![
                item(
                    "with",
                    CompletionItemKind::KEYWORD,
                    "start a group with common rule parameters",
                ),
                item("end", CompletionItemKind::KEYWORD, "close the group"),
            ],
            _ => params(doc, args),
        },
        Cmd::Action => match (args.len(), last) {
            (0, _) => Vec::new(),
            (_, "chain" | "action") => action_items(doc, true),
            (1, _) | (_, "next") => ACTION_STEPS
                .iter()
                .map(|(n, d)| item(n, CompletionItemKind::KEYWORD, *d))
                .collect(),
            _ => {
                let mut v = params(doc, args);
                v.push(item(
                    "next",
                    CompletionItemKind::KEYWORD,
                    "chain another step",
                ));
                v
            }
        },
        Cmd::Dnat | Cmd::Snat | Cmd::Redirect => match args.len() {
            0 => vec![item(
                "to",
                CompletionItemKind::KEYWORD,
                "the target follows",
            )],
            _ => params(doc, args),
        },
        _ => params(doc, args),
    }
}

fn commands(doc: &Doc, offset: usize) -> Vec<CompletionItem> {
    let section = cursor::section_at(&doc.analysis().parse, offset);
    let mut out: Vec<CompletionItem> = COMMANDS
        .iter()
        .filter(|(_, c, ..)| match section {
            None => !cursor::section_only(*c),
            Some(kind) => !cursor::top_only(*c) && (*c != Cmd::Route || kind == BlockKind::Router),
        })
        .map(|(n, _, _, meaning)| item(n, CompletionItemKind::KEYWORD, *meaning))
        .collect();
    for (p, d) in [
        ("ipv4", "run the next command for IPv4 only"),
        ("ipv6", "run the next command for IPv6 only"),
    ] {
        out.push(item(p, CompletionItemKind::KEYWORD, d));
    }
    out
}

fn service_items(doc: &Doc) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = Vec::new();
    let a = doc.analysis();
    let occs = names::index(&doc.text, &a.parse);
    for o in occs.iter().filter(|o| o.def) {
        if let Sym::Service(n) = &o.sym
            && !out.iter().any(|i| &i.label == n)
        {
            out.push(item(
                n,
                CompletionItemKind::MODULE,
                "service defined in this file",
            ));
        }
    }
    for n in services::all_names() {
        if !out.iter().any(|i| i.label == n) {
            out.push(item(
                n,
                CompletionItemKind::MODULE,
                services::describe(n).unwrap_or_default(),
            ));
        }
    }
    out
}

fn action_items(doc: &Doc, builtins: bool) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = Vec::new();
    if builtins {
        out.extend(
            ACTIONS
                .iter()
                .map(|(n, d)| item(n, CompletionItemKind::ENUM_MEMBER, *d)),
        );
    }
    let occs = names::index(&doc.text, &doc.analysis().parse);
    for o in occs.iter().filter(|o| o.def) {
        if let Sym::Action(n) = &o.sym
            && !out.iter().any(|i| &i.label == n)
        {
            out.push(item(
                n,
                CompletionItemKind::FUNCTION,
                "action defined in this file",
            ));
        }
    }
    out
}

fn is_param_keyword(w: &str) -> bool {
    keywords::param(w).is_some()
}

/// Rule parameters, or the values of the parameter just written.
fn params(doc: &Doc, args: &[&Word]) -> Vec<CompletionItem> {
    let last = args.last().and_then(|w| w.bare()).unwrap_or("");
    let (last, _negated) = match last {
        "not" | "!" if args.len() >= 2 => (args[args.len() - 2].bare().unwrap_or(""), true),
        _ => (last, false),
    };
    if let Some((kind, arity, _)) = keywords::param(last)
        && arity != keywords::Arity::Zero
    {
        return values(doc, kind);
    }
    PARAMS
        .iter()
        .filter(|(_, _, _, _, meaning)| *meaning != "internal")
        .map(|(names, _, _, _, meaning)| item(names[0], CompletionItemKind::PROPERTY, *meaning))
        .collect()
}

fn values(doc: &Doc, kind: ParamKind) -> Vec<CompletionItem> {
    let simple = |list: &[&str], detail: &str| -> Vec<CompletionItem> {
        list.iter()
            .map(|v| item(v, CompletionItemKind::VALUE, detail))
            .collect()
    };
    match kind {
        ParamKind::Inface | ParamKind::Outface | ParamKind::Physin | ParamKind::Physout => {
            interfaces(doc)
        }
        ParamKind::Proto => simple(PROTOCOLS, "protocol"),
        ParamKind::State => simple(STATES, "conntrack state"),
        ParamKind::Srctype | ParamKind::Dsttype => simple(ADDR_TYPES, "address type"),
        ParamKind::Action => action_items(doc, true),
        ParamKind::Src
        | ParamKind::Src4
        | ParamKind::Src6
        | ParamKind::Dst
        | ParamKind::Dst4
        | ParamKind::Dst6 => variables(doc)
            .into_iter()
            .map(|mut i| {
                i.insert_text = Some(format!("\"{}\"", i.label));
                i
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Interfaces already written in the file (`interface` arguments, `inface`/`outface` values).
fn interfaces(doc: &Doc) -> Vec<CompletionItem> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |w: &Word| {
        if let Some(l) = w.literal() {
            for n in l.split([' ', ',', '\t']).filter(|n| !n.is_empty()) {
                if !names.iter().any(|x| x == n) {
                    names.push(n.to_string());
                }
            }
        }
    };
    for s in &doc.analysis().parse.file.stmts {
        let Some(c) = s.command() else { continue };
        if let CommandKind::Interface {
            ifaces: Some(w), ..
        } = &c.kind
        {
            add(w);
        }
        for p in c.params() {
            if matches!(p.kind, Some(ParamKind::Inface | ParamKind::Outface))
                && let Some(v) = p.value()
            {
                add(v);
            }
        }
    }
    names
        .into_iter()
        .map(|n| item(&n, CompletionItemKind::VALUE, "interface used in this file"))
        .collect()
}

/// `$NAME` for every variable set or used in the file.
fn variables(doc: &Doc) -> Vec<CompletionItem> {
    let occs = names::index(&doc.text, &doc.analysis().parse);
    let mut out: Vec<CompletionItem> = Vec::new();
    for o in &occs {
        if let Sym::Variable(n) = &o.sym {
            let label = format!("${n}");
            if !out.iter().any(|i| i.label == label) {
                out.push(item(
                    &label,
                    CompletionItemKind::VARIABLE,
                    if o.def {
                        "set in this file"
                    } else {
                        "used in this file"
                    },
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completion at the `|` marker.
    fn labels(text_with_cursor: &str) -> Vec<String> {
        let at = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replacen('|', "", 1);
        let doc = Doc::test(&text);
        let pos = doc.range(Span::new(at, at)).start;
        complete(&doc, pos).into_iter().map(|i| i.label).collect()
    }

    fn has(v: &[String], x: &str) -> bool {
        v.iter().any(|l| l == x)
    }

    #[test]
    fn commands_depend_on_the_position() {
        let top = labels("version 6\n|\ninterface eth0 lan\n");
        assert!(
            has(&top, "synproxy") && has(&top, "interface") && !has(&top, "server"),
            "{top:?}"
        );
        let inside = labels("interface eth0 lan\n    se|\n");
        assert!(
            has(&inside, "server") && has(&inside, "client") && !has(&inside, "synproxy"),
            "{inside:?}"
        );
        assert!(!has(&inside, "route"));
        let router = labels("router r\n    |\n");
        assert!(has(&router, "route"));
    }

    #[test]
    fn services_then_actions_then_parameters() {
        let svc = labels(
            "server_myapp_ports=tcp/1\nclient_myapp_ports=default\ninterface eth0 lan\n    server |\n",
        );
        assert!(has(&svc, "https") && has(&svc, "myapp"), "{svc:?}");
        let svc = labels("interface eth0 lan\n    server \"ssh ht|\n");
        assert!(has(&svc, "https"), "{svc:?}");
        let act = labels("action MYDROP chain drop\ninterface eth0 lan\n    server ssh |\n");
        assert!(has(&act, "accept") && has(&act, "MYDROP"), "{act:?}");
        let par = labels("interface eth0 lan\n    server ssh accept |\n");
        assert!(
            has(&par, "src") && has(&par, "inface") && !has(&par, "accept"),
            "{par:?}"
        );
    }

    #[test]
    fn parameter_values_come_from_the_file() {
        let v = labels("interface eth1 lan\ninterface eth0 wan\n    server ssh accept inface |\n");
        assert!(has(&v, "eth1") && has(&v, "eth0"), "{v:?}");
        let v = labels("interface eth0 lan\n    server ssh accept proto |\n");
        assert!(has(&v, "tcp"), "{v:?}");
    }

    #[test]
    fn synproxy_types_and_actions() {
        let t = labels("synproxy |\n");
        assert!(has(&t, "input") && has(&t, "forward"), "{t:?}");
        let a = labels(
            "action TRAP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 |\n",
        );
        assert!(
            has(&a, "accept") && has(&a, "dnat to") && has(&a, "src"),
            "{a:?}"
        );
        let n = labels(
            "action TRAP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 action |\n",
        );
        assert_eq!(n, vec!["TRAP"]);
    }

    #[test]
    fn variables_after_dollar() {
        let v = labels(
            "LAN=10.0.0.0/8\ninterface eth0 lan src \"$WAN\"\n    server ssh accept src $|\n",
        );
        assert!(has(&v, "$LAN") && has(&v, "$WAN"), "{v:?}");
        // The edit replaces the typed `$`.
        let text = "LAN=1\nversion $";
        let doc = Doc::test(text);
        let items = complete(&doc, doc.range(Span::new(text.len(), text.len())).start);
        let Some(CompletionTextEdit::Edit(e)) = &items[0].text_edit else {
            panic!()
        };
        assert_eq!(e.range.start.character, 8);
    }

    #[test]
    fn never_panics_anywhere() {
        let text = "a=\"\u{1F600}\nipv4 synproxy in \\\n  dst \u{e9} action\ninterface \"x\ngroup with | end\n";
        let doc = Doc::test(text);
        for line in 0..7 {
            for ch in 0..30 {
                let _ = complete(&doc, Position::new(line, ch));
            }
        }
    }
}
