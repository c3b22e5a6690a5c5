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
pub(super) struct Context<'a> {
    /// The words of the statement before the cursor (family prefix removed).
    pub(super) prev: Vec<&'a Word>,
    /// The part of the current word before the cursor.
    prefix: Span,
    /// The host's network interfaces (the editor's machine; empty when unknown).
    host_interfaces: &'a [String],
}

pub(super) fn context<'a>(
    doc: &'a File,
    offset: usize,
    host_interfaces: &'a [String],
) -> Context<'a> {
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
        host_interfaces,
    }
}

/// The completions at `offset`.
pub fn complete(doc: &File, offset: usize) -> Completions {
    complete_with(doc, offset, &[])
}

/// [`complete`], with the network interfaces of the host the editor runs on offered for
/// `interface`, `inface` and `outface` (the caller reads them: lang reads nothing from the host).
pub fn complete_with(doc: &File, offset: usize, host_interfaces: &[String]) -> Completions {
    let ctx = context(doc, offset, host_interfaces);
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
            _ => params(doc, args, ctx.host_interfaces),
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
                    let mut v = params(doc, args, ctx.host_interfaces);
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
            0 => interfaces(doc, ctx.host_interfaces),
            1 => Vec::new(),
            _ => params(doc, args, ctx.host_interfaces),
        },
        Cmd::Router => match args.len() {
            0 => Vec::new(),
            _ => params(doc, args, ctx.host_interfaces),
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
            _ => params(doc, args, ctx.host_interfaces),
        },
        Cmd::Action => match (args.len(), last) {
            (0, _) => Vec::new(),
            (_, "chain" | "action") => action_items(doc, true),
            (1, _) | (_, "next") => ACTION_STEPS
                .iter()
                .map(|(n, d)| item(n, Kind::Keyword, *d))
                .collect(),
            _ => {
                let mut v = params(doc, args, ctx.host_interfaces);
                v.push(item("next", Kind::Keyword, "chain another step"));
                v
            }
        },
        Cmd::Dnat | Cmd::Snat | Cmd::Redirect => match args.len() {
            0 => vec![item("to", Kind::Keyword, "the target follows")],
            _ => params(doc, args, ctx.host_interfaces),
        },
        _ => params(doc, args, ctx.host_interfaces),
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
fn params(doc: &File, args: &[&Word], host_interfaces: &[String]) -> Vec<Item> {
    let last = args.last().and_then(|w| w.bare()).unwrap_or("");
    let (last, _negated) = match last {
        "not" | "!" if args.len() >= 2 => (args[args.len() - 2].bare().unwrap_or(""), true),
        _ => (last, false),
    };
    if let Some((kind, arity, _)) = keywords::param(last)
        && arity != keywords::Arity::Zero
    {
        return values(doc, kind, host_interfaces);
    }
    PARAMS
        .iter()
        .filter(|(_, _, _, _, meaning)| *meaning != "internal")
        .map(|(names, _, _, _, meaning)| item(names[0], Kind::Property, *meaning))
        .collect()
}

fn values(doc: &File, kind: ParamKind, host_interfaces: &[String]) -> Vec<Item> {
    let simple = |list: &[&str], detail: &str| -> Vec<Item> {
        list.iter().map(|v| item(v, Kind::Value, detail)).collect()
    };
    match kind {
        ParamKind::Inface | ParamKind::Outface | ParamKind::Physin | ParamKind::Physout => {
            interfaces(doc, host_interfaces)
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

/// Interfaces already written in the file (`interface` arguments, `inface`/`outface` values),
/// then the host's that the file does not name yet.
fn interfaces(doc: &File, host: &[String]) -> Vec<Item> {
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
    let mut out: Vec<Item> = names
        .iter()
        .map(|n| item(n, Kind::Value, "interface used in this file"))
        .collect();
    for n in host.iter().filter(|h| !names.contains(h)) {
        out.push(item(n, Kind::Value, "network interface of this machine"));
    }
    out
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
mod tests;
