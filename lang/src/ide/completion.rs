//! `textDocument/completion`, by context:
//!
//! - at the start of a statement: the commands valid there (top-only commands before the first
//!   interface/router, section commands inside one, `route` only in routers);
//! - after `server`/`client`/`route`: services (built in and defined in the file), then actions;
//! - after a command's positional arguments: rule parameters, and the values of the parameter just
//!   written (interfaces used in the file after `inface`, protocols after `proto`, ...);
//! - synproxy types and actions; action names defined in the file; `$` variables.
//!
//! Services and variables the prelude files define are offered with the file's own. The context
//! is read from the words before the cursor (the statement may not parse yet while it is being
//! typed), the names from the file's symbol table.

use super::File;
use super::cursor::{self, BlockKind};
use super::names::Sym;
use crate::Span;
use crate::model::services;
use crate::syntax::ast::{Cmd, CommandKind, ParamKind};
use crate::syntax::keywords::{self, ACTIONS, COMMANDS, PARAMS};
use crate::syntax::words::{Op, Piece, Word};

/// What kind of thing an item is (editors pick an icon from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    /// A service.
    Module,
    /// A built-in verdict, a synproxy type or action.
    EnumMember,
    /// An action defined with `action`.
    Function,
    /// A rule parameter.
    Property,
    Value,
    Variable,
}

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub label: String,
    pub kind: Kind,
    pub detail: String,
    /// The text to insert when it is not the label.
    pub insert: Option<String>,
}

/// The completions at an offset and the span they replace (the part of the word already typed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completions {
    pub replace: Span,
    pub items: Vec<Item>,
}

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

fn context<'a>(doc: &'a File, offset: usize) -> Context<'a> {
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
        let typed = doc.text().get(start..offset).unwrap_or("");
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

/// The completions at `offset`.
pub fn complete(doc: &File, offset: usize) -> Completions {
    let ctx = context(doc, offset);
    let typed = doc.text().get(ctx.prefix.range()).unwrap_or("");
    let items = if typed.starts_with('$') {
        variables(doc)
    } else {
        candidates(doc, offset, &ctx)
    };
    Completions {
        replace: ctx.prefix,
        items,
    }
}

fn item(label: &str, kind: Kind, detail: impl Into<String>) -> Item {
    Item {
        label: label.to_string(),
        kind,
        detail: detail.into(),
        insert: None,
    }
}

fn candidates(doc: &File, offset: usize, ctx: &Context<'_>) -> Vec<Item> {
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
                    .map(|(n, d)| item(n, Kind::EnumMember, *d))
                    .collect();
            }
            match last {
                "action" => action_items(doc, false),
                "dnat" | "redirect" => vec![item("to", Kind::Keyword, "the target follows")],
                _ => {
                    let mut v = params(doc, args);
                    if !v.is_empty() || !is_param_keyword(last) {
                        v.extend(
                            SYNPROXY_ACTIONS
                                .iter()
                                .map(|(n, d)| item(n, Kind::EnumMember, *d)),
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
                    Kind::Keyword,
                    "start a group with common rule parameters",
                ),
                item("end", Kind::Keyword, "close the group"),
            ],
            _ => params(doc, args),
        },
        Cmd::Action => match (args.len(), last) {
            (0, _) => Vec::new(),
            (_, "chain" | "action") => action_items(doc, true),
            (1, _) | (_, "next") => ACTION_STEPS
                .iter()
                .map(|(n, d)| item(n, Kind::Keyword, *d))
                .collect(),
            _ => {
                let mut v = params(doc, args);
                v.push(item("next", Kind::Keyword, "chain another step"));
                v
            }
        },
        Cmd::Dnat | Cmd::Snat | Cmd::Redirect => match args.len() {
            0 => vec![item("to", Kind::Keyword, "the target follows")],
            _ => params(doc, args),
        },
        _ => params(doc, args),
    }
}

fn commands(doc: &File, offset: usize) -> Vec<Item> {
    let section = cursor::section_at(&doc.analysis().parse, offset);
    let mut out: Vec<Item> = COMMANDS
        .iter()
        .filter(|(_, c, ..)| match section {
            None => !c.is_section_only(),
            Some(kind) => !c.is_top_only() && (*c != Cmd::Route || kind == BlockKind::Router),
        })
        .map(|(n, _, _, meaning)| item(n, Kind::Keyword, *meaning))
        .collect();
    for (p, d) in [
        ("ipv4", "run the next command for IPv4 only"),
        ("ipv6", "run the next command for IPv6 only"),
    ] {
        out.push(item(p, Kind::Keyword, d));
    }
    // The file's shell functions are commands too.
    for o in doc.names().all().iter().filter(|o| o.def) {
        if let Sym::Function(n) = &o.sym
            && !out.iter().any(|i| &i.label == n)
        {
            let detail = format!("shell function defined at line {}", doc.line(o.span.start));
            out.push(item(n, Kind::Function, &detail));
        }
    }
    out
}

fn service_items(doc: &File) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let names = doc.names();
    for o in names.all().iter().filter(|o| o.def) {
        if let Sym::Service(n) = &o.sym
            && !out.iter().any(|i| &i.label == n)
        {
            out.push(item(n, Kind::Module, "service defined in this file"));
        }
    }
    for n in names.prelude_services() {
        if !out.iter().any(|i| &i.label == n) {
            let file =
                names
                    .definitions(&Sym::Service(n.clone()))
                    .first()
                    .map_or("?", |p| match p {
                        super::Place::Prelude(f, _) => doc.source_name(*f),
                        super::Place::Here(_) => "this file",
                    });
            out.push(item(n, Kind::Module, format!("service defined in {file}")));
        }
    }
    for n in services::all_names() {
        if !out.iter().any(|i| i.label == n) {
            out.push(item(
                n,
                Kind::Module,
                services::describe(n).unwrap_or_default(),
            ));
        }
    }
    out
}

fn action_items(doc: &File, builtins: bool) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    if builtins {
        out.extend(ACTIONS.iter().map(|(n, d)| item(n, Kind::EnumMember, *d)));
    }
    for o in doc.names().all().iter().filter(|o| o.def) {
        if let Sym::Action(n) = &o.sym
            && !out.iter().any(|i| &i.label == n)
        {
            out.push(item(n, Kind::Function, "action defined in this file"));
        }
    }
    out
}

fn is_param_keyword(w: &str) -> bool {
    keywords::param(w).is_some()
}

/// Rule parameters, or the values of the parameter just written.
fn params(doc: &File, args: &[&Word]) -> Vec<Item> {
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
        .map(|(names, _, _, _, meaning)| item(names[0], Kind::Property, *meaning))
        .collect()
}

fn values(doc: &File, kind: ParamKind) -> Vec<Item> {
    let simple = |list: &[&str], detail: &str| -> Vec<Item> {
        list.iter().map(|v| item(v, Kind::Value, detail)).collect()
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
                i.insert = Some(format!("\"{}\"", i.label));
                i
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Interfaces already written in the file (`interface` arguments, `inface`/`outface` values).
fn interfaces(doc: &File) -> Vec<Item> {
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
        .map(|n| item(&n, Kind::Value, "interface used in this file"))
        .collect()
}

/// `$NAME` for every variable set or used in the file, then those the prelude files set.
fn variables(doc: &File) -> Vec<Item> {
    let names = doc.names();
    let mut out: Vec<Item> = Vec::new();
    for o in names.all() {
        if let Sym::Variable(n) = &o.sym {
            let label = format!("${n}");
            if !out.iter().any(|i| i.label == label) {
                out.push(item(
                    &label,
                    Kind::Variable,
                    if o.def {
                        "set in this file"
                    } else {
                        "used in this file"
                    },
                ));
            }
        }
    }
    for n in names.prelude_variables() {
        let label = format!("${n}");
        if !out.iter().any(|i| i.label == label) {
            let file = match names.value_at(n, 0).origin {
                super::Origin::Prelude(f, _) => doc.source_name(f),
                _ => "a prelude file",
            };
            out.push(item(&label, Kind::Variable, format!("set in {file}")));
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
        let doc = File::alone(&text);
        complete(&doc, at)
            .items
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    fn has(v: &[String], x: &str) -> bool {
        v.iter().any(|l| l == x)
    }

    #[test]
    fn the_file_s_functions_are_commands() {
        let got = labels("publish() { version 6; }\n|\n");
        assert!(has(&got, "publish"), "{got:?}");
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
        let c = complete(&File::alone(text), text.len());
        assert_eq!(c.replace, Span::new(text.len() - 1, text.len()));
        assert_eq!(c.items[0].label, "$LAN");
    }

    #[test]
    fn never_panics_anywhere() {
        let text = "a=\"\u{1F600}\nipv4 synproxy in \\\n  dst \u{e9} action\ninterface \"x\ngroup with | end\n";
        let doc = File::alone(text);
        for at in 0..=text.len() {
            if text.is_char_boundary(at) {
                let _ = complete(&doc, at);
            }
        }
    }

    #[test]
    fn prelude_services_and_variables_are_offered() {
        let mut p = crate::Prelude::none();
        p.add_defaults(
            "/ws/firehol-defaults.conf",
            "LAN=10.0.0.0/8\nserver_myapp_ports=tcp/8080\nclient_myapp_ports=default\n",
        );
        let doc = File::new(
            "interface eth0 lan\n    server \n".to_string(),
            std::sync::Arc::new(p.clone()),
        );
        let c = complete(&doc, doc.text().len() - 1);
        let myapp = c.items.iter().find(|i| i.label == "myapp").expect("myapp");
        assert_eq!(myapp.detail, "service defined in /ws/firehol-defaults.conf");
        let text = "version $";
        let doc = File::new(text.to_string(), std::sync::Arc::new(p));
        let c = complete(&doc, text.len());
        assert!(c.items.iter().any(|i| i.label == "$LAN"), "{:?}", c.items);
    }
}
