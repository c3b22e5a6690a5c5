//! A typed model of the nftables JSON we emit (libnftables-json, as nft 1.0.6 parses it).
//!
//! Why our own and not the `nftables` crate: in 0.6.3 its `notrack` serialises to a bare string
//! nft rejects, `LT`/`GT` are swapped, flag sets are `HashSet`s (random order, so output bytes
//! change between runs) and verdict maps cannot be declared. This module covers exactly the shapes
//! fhc emits, with vectors in a fixed order so the same config always gives the same bytes. The
//! crate is still used in tests, to check that every document we emit deserialises with it.

use serde_json::{Value, json};

/// The libnftables JSON schema version every document declares in its `metainfo` object; nft
/// refuses documents of a schema it does not know, so this is the contract with the loader.
pub const JSON_SCHEMA_VERSION: u32 = 1;

pub use super::set::{Set, SetElem};

/// The oldest nft known to load what fhc emits (Debian 12's): the shapes in this module were
/// verified against it, and newer releases keep accepting schema 1.
pub const MIN_NFT_VERSION: &str = "1.0.6";

/// An expression (the right or left side of a match, or an argument of a statement).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Expr {
    Str(String),
    Num(u64),
    /// `ip daddr`, `tcp dport`, `th sport` ...
    Payload(&'static str, &'static str),
    /// `meta KEY`
    Meta(&'static str),
    /// `ct KEY [original|reply]`
    Ct(&'static str, Option<&'static str>),
    /// `fib saddr type` style lookups: (result, flags)
    Fib(&'static str, Vec<&'static str>),
    Prefix(String, u8),
    Range(Box<Expr>, Box<Expr>),
    /// An anonymous set `{ a, b }`.
    Set(Vec<Expr>),
    /// A plain list (flag lists such as `ct state invalid,untracked`).
    List(Vec<Expr>),
    /// `left & right` (bitmask tests such as `tcp flags & (syn|ack)`).
    And(Box<Expr>, Box<Expr>),
    /// `numgen inc mod N`
    Numgen(u32),
    /// `KEY map { k : v, ... }`
    Map(Box<Expr>, Vec<(Expr, Expr)>),
    /// `@set`
    SetRef(String),
    /// `a . b . c`
    Concat(Vec<Expr>),
    /// A raw payload `@base,offset,len` (the IPv4 TOS byte, the IPv6 traffic class).
    Raw(&'static str, u32, u32),
    /// `left | right`
    Or(Box<Expr>, Box<Expr>),
    /// `tcp option NAME FIELD`
    TcpOption(&'static str, &'static str),
    /// `rt KEY` (`rt mtu`)
    Rt(&'static str),
}

/// The elements of an anonymous set as the kernel must get them: without duplicates and without
/// an element another one covers (`10.0.0.3` inside `10.0.0.2-10.0.0.3`, also per component of a
/// concatenation). nft refuses overlapping intervals ("File exists"), and a configuration's own
/// lists may overlap (`src "10.0.0.3 10.0.0.2-10.0.0.3"`); the set's meaning, their union, is kept.
pub fn set_elements(items: &[Expr]) -> impl Iterator<Item = &Expr> {
    let spans: Vec<Option<Vec<(u8, u128, u128)>>> = items.iter().map(element_span).collect();
    // Only intervals can cover other elements; without any, dropping repeats is enough (and
    // linear: merged sets hold thousands of single ports).
    let intervals: Vec<usize> = (0..spans.len())
        .filter(|&j| {
            spans[j]
                .as_ref()
                .is_some_and(|b| b.iter().any(|c| c.1 != c.2))
        })
        .collect();
    let mut first_of: std::collections::HashMap<&Vec<(u8, u128, u128)>, usize> =
        std::collections::HashMap::new();
    let mut repeat = vec![false; spans.len()];
    for (i, sp) in spans.iter().enumerate() {
        if let Some(sp) = sp {
            repeat[i] = *first_of.entry(sp).or_insert(i) != i;
        }
    }
    let covered = move |i: usize| {
        if repeat[i] {
            return true;
        }
        let Some(a) = &spans[i] else { return false };
        intervals.iter().any(|&j| {
            let Some(b) = &spans[j] else { return false };
            j != i
                && a != b
                && a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.0 == y.0 && y.1 <= x.1 && x.2 <= y.2)
        })
    };
    items
        .iter()
        .enumerate()
        .filter(move |(i, _)| !covered(*i))
        .map(|(_, e)| e)
}

/// An element as intervals (kind, first, last) per component; `None` when it is not a plain
/// number, address, network or range (kept as it is).
fn element_span(e: &Expr) -> Option<Vec<(u8, u128, u128)>> {
    fn one(e: &Expr) -> Option<(u8, u128, u128)> {
        use crate::model::values::{ip_bits, prefix_bounds};
        let kind = |a: &std::net::IpAddr| if a.is_ipv4() { 4 } else { 6 };
        match e {
            Expr::Num(n) => Some((0, *n as u128, *n as u128)),
            Expr::Str(s) => {
                let a: std::net::IpAddr = s.parse().ok()?;
                Some((kind(&a), ip_bits(a), ip_bits(a)))
            }
            Expr::Prefix(net, len) => {
                let a: std::net::IpAddr = net.parse().ok()?;
                let (lo, hi) = prefix_bounds(a, *len)?;
                Some((kind(&a), lo, hi))
            }
            Expr::Range(a, b) => {
                let (ka, x, _) = one(a)?;
                let (kb, _, y) = one(b)?;
                (ka == kb).then_some((ka, x, y))
            }
            _ => None,
        }
    }
    match e {
        Expr::Concat(parts) => parts.iter().map(one).collect(),
        _ => one(e).map(|x| vec![x]),
    }
}

impl Expr {
    pub fn s(v: impl Into<String>) -> Expr {
        Expr::Str(v.into())
    }

    /// `lo-hi`, or `lo` alone when they are equal.
    pub fn interval(lo: Expr, hi: Expr) -> Expr {
        if lo == hi {
            lo
        } else {
            Expr::Range(Box::new(lo), Box::new(hi))
        }
    }

    pub fn flags(v: &[&str]) -> Expr {
        Expr::List(v.iter().map(|f| Expr::s(*f)).collect())
    }

    pub fn to_json(&self) -> Value {
        match self {
            Expr::Str(s) => json!(s),
            Expr::Num(n) => json!(n),
            Expr::Payload(p, f) => json!({"payload": {"protocol": p, "field": f}}),
            Expr::Meta(k) => json!({"meta": {"key": k}}),
            Expr::Ct(k, None) => json!({"ct": {"key": k}}),
            Expr::Ct(k, Some(d)) => json!({"ct": {"key": k, "dir": d}}),
            Expr::Fib(r, flags) => json!({"fib": {"result": r, "flags": flags}}),
            Expr::Prefix(a, l) => json!({"prefix": {"addr": a, "len": l}}),
            Expr::Range(a, b) => json!({"range": [a.to_json(), b.to_json()]}),
            Expr::Set(items) => {
                json!({"set": set_elements(items).map(Expr::to_json).collect::<Vec<_>>()})
            }
            Expr::List(items) => Value::Array(items.iter().map(Expr::to_json).collect()),
            Expr::And(a, b) => json!({"&": [a.to_json(), b.to_json()]}),
            Expr::Numgen(m) => json!({"numgen": {"mode": "inc", "mod": m, "offset": 0}}),
            Expr::Map(k, entries) => json!({"map": {
                "key": k.to_json(),
                "data": {"set": entries.iter().map(|(a, b)| json!([a.to_json(), b.to_json()])).collect::<Vec<_>>()}
            }}),
            Expr::SetRef(n) => json!(format!("@{n}")),
            Expr::Concat(items) => {
                json!({"concat": items.iter().map(Expr::to_json).collect::<Vec<_>>()})
            }
            Expr::Raw(base, offset, len) => {
                json!({"payload": {"base": base, "offset": offset, "len": len}})
            }
            Expr::Or(a, b) => json!({"|": [a.to_json(), b.to_json()]}),
            Expr::TcpOption(name, field) => json!({"tcp option": {"name": name, "field": field}}),
            Expr::Rt(k) => json!({"rt": {"key": k}}),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Eq,
    Ne,
    /// Flag/bitmask membership (`ct state invalid,untracked` needs `in` on nft 1.0.6: `==` with a
    /// list compiles to a test that can never match).
    In,
    /// No flag of the set is present (`ct status ! dnat`). `!=` would compare the whole value and
    /// still match a packet with that flag plus others.
    NoFlag,
}

/// A statement of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stmt {
    Match(Op, Expr, Expr),
    Accept,
    Drop,
    Return,
    Jump(String),
    Goto(String),
    /// `reject [with tcp reset | icmpx TYPE]`
    Reject(Option<(&'static str, Option<String>)>),
    Notrack,
    Synproxy {
        mss: Option<u32>,
        wscale: Option<u32>,
        flags: Vec<&'static str>,
    },
    Log {
        prefix: String,
        level: Option<String>,
    },
    /// `limit rate [over] N/UNIT burst B packets`
    Limit {
        rate: u64,
        per: String,
        burst: Option<u64>,
        over: bool,
    },
    Counter,
    /// dnat/snat: (family, addr, port, flags)
    Dnat {
        family: &'static str,
        addr: Option<Expr>,
        port: Option<Expr>,
        flags: Vec<&'static str>,
    },
    Snat {
        family: &'static str,
        addr: Option<Expr>,
        port: Option<Expr>,
        flags: Vec<&'static str>,
    },
    Masquerade {
        flags: Vec<&'static str>,
    },
    Redirect {
        port: Option<Expr>,
    },
    /// `update @set { elem [timeout T] }` / `add @set { ... }`
    SetUpdate {
        op: &'static str,
        elem: Expr,
        timeout: Option<u64>,
        set: String,
    },
    /// `ct count [over] N`
    /// `add @set { KEY ct count [over] N }`: connections per key (connlimit).
    CtCount {
        set: String,
        key: Expr,
        val: u64,
        over: bool,
    },
    /// `meta mark set ...`
    MetaMarkSet(Expr),
    /// `meter NAME { KEY STMT }`: a per-key stateful statement (a per-source limit).
    Meter {
        set: String,
        key: Expr,
        limit: Box<Stmt>,
    },
    /// `update @set { KEY limit ... }`: a per-key limit in a named dynamic set, which several
    /// rules can share (a meter name cannot be used by two rules).
    SetLimit {
        set: String,
        key: Expr,
        limit: Box<Stmt>,
    },
    /// `KEY set VALUE` for any settable key (`ip dscp`, `meta priority`, `tcp option maxseg size`).
    Mangle(Expr, Expr),
    /// `ct helper set "NAME"` (a ct helper object of the table).
    CtHelperSet(String),
    /// `counter name "NAME"` (a named counter object of the table).
    CounterNamed(String),
    /// `KEY vmap { k : verdict, ... }`: one lookup instead of a rule per key (the optimizer's).
    Vmap(Expr, Vec<(Expr, Stmt)>),
}

impl Stmt {
    pub fn matches(left: Expr, right: Expr) -> Stmt {
        Stmt::Match(Op::Eq, left, right)
    }

    pub fn is_verdict(&self) -> bool {
        matches!(
            self,
            Stmt::Accept
                | Stmt::Drop
                | Stmt::Return
                | Stmt::Jump(_)
                | Stmt::Goto(_)
                | Stmt::Reject(_)
                | Stmt::Vmap(..)
        )
    }

    pub fn to_json(&self) -> Value {
        match self {
            Stmt::Match(op, l, r) => json!({"match": {
                "op": match op { Op::Eq => "==", Op::Ne => "!=", Op::In => "in", Op::NoFlag => "!" },
                "left": l.to_json(),
                "right": r.to_json()
            }}),
            Stmt::Accept => json!({"accept": null}),
            Stmt::Drop => json!({"drop": null}),
            Stmt::Return => json!({"return": null}),
            Stmt::Jump(t) => json!({"jump": {"target": t}}),
            Stmt::Goto(t) => json!({"goto": {"target": t}}),
            Stmt::Reject(None) => json!({"reject": null}),
            Stmt::Reject(Some((ty, None))) => json!({"reject": {"type": ty}}),
            Stmt::Reject(Some((ty, Some(e)))) => json!({"reject": {"type": ty, "expr": e}}),
            Stmt::Notrack => json!({"notrack": null}),
            Stmt::Synproxy { mss, wscale, flags } => synproxy_json(*mss, *wscale, flags),
            Stmt::Log { prefix, level } => match level {
                Some(l) => json!({"log": {"prefix": prefix, "level": l}}),
                None => json!({"log": {"prefix": prefix}}),
            },
            Stmt::Limit {
                rate,
                per,
                burst,
                over,
            } => limit_json(*rate, per, *burst, *over),
            Stmt::Counter => json!({"counter": null}),
            Stmt::Dnat {
                family,
                addr,
                port,
                flags,
            } => json!({"dnat": nat_json(family, addr.as_ref(), port.as_ref(), flags)}),
            Stmt::Snat {
                family,
                addr,
                port,
                flags,
            } => json!({"snat": nat_json(family, addr.as_ref(), port.as_ref(), flags)}),
            Stmt::Masquerade { flags } if flags.is_empty() => json!({"masquerade": null}),
            Stmt::Masquerade { flags } => json!({"masquerade": {"flags": flags}}),
            Stmt::Redirect { port: None } => json!({"redirect": null}),
            Stmt::Redirect { port: Some(p) } => json!({"redirect": {"port": p.to_json()}}),
            Stmt::SetUpdate {
                op,
                elem,
                timeout,
                set,
            } => set_update_json(op, elem, *timeout, set),
            Stmt::CtCount {
                set,
                key,
                val,
                over,
            } => ct_count_json(set, key, *val, *over),
            Stmt::MetaMarkSet(v) => {
                json!({"mangle": {"key": {"meta": {"key": "mark"}}, "value": v.to_json()}})
            }
            Stmt::Meter { set, key, limit } => {
                json!({"meter": {"name": set, "key": key.to_json(), "stmt": limit.to_json()}})
            }
            Stmt::SetLimit { set, key, limit } => {
                json!({"set": {"op": "update", "elem": key.to_json(), "set": format!("@{set}"), "stmt": [limit.to_json()]}})
            }
            Stmt::Mangle(k, v) => json!({"mangle": {"key": k.to_json(), "value": v.to_json()}}),
            Stmt::CtHelperSet(n) => json!({"ct helper": n}),
            Stmt::CounterNamed(n) => json!({"counter": n}),
            Stmt::Vmap(key, entries) => json!({"vmap": {
                "key": key.to_json(),
                "data": {"set": entries.iter().map(|(k, v)| json!([k.to_json(), v.to_json()])).collect::<Vec<_>>()}
            }}),
        }
    }
}

/// The body of a `dnat`/`snat` statement.
fn nat_json(family: &str, addr: Option<&Expr>, port: Option<&Expr>, flags: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("family".into(), json!(family));
    if let Some(a) = addr {
        m.insert("addr".into(), a.to_json());
    }
    if let Some(p) = port {
        m.insert("port".into(), p.to_json());
    }
    if !flags.is_empty() {
        m.insert("flags".into(), json!(flags));
    }
    Value::Object(m)
}

/// `synproxy [mss M] [wscale W] [FLAGS]`.
fn synproxy_json(mss: Option<u32>, wscale: Option<u32>, flags: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(v) = mss {
        m.insert("mss".into(), json!(v));
    }
    if let Some(v) = wscale {
        m.insert("wscale".into(), json!(v));
    }
    if !flags.is_empty() {
        m.insert("flags".into(), json!(flags));
    }
    if m.is_empty() {
        json!({"synproxy": null})
    } else {
        json!({"synproxy": Value::Object(m)})
    }
}

/// `limit rate [over] N/UNIT [burst B packets]`.
fn limit_json(rate: u64, per: &str, burst: Option<u64>, over: bool) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("rate".into(), json!(rate));
    m.insert("per".into(), json!(per));
    if let Some(b) = burst {
        m.insert("burst".into(), json!(b));
    }
    if over {
        m.insert("inv".into(), json!(true));
    }
    json!({"limit": Value::Object(m)})
}

/// `update|add @set { elem [timeout T] }`.
fn set_update_json(op: &str, elem: &Expr, timeout: Option<u64>, set: &str) -> Value {
    let elem = match timeout {
        Some(t) => json!({"elem": {"val": elem.to_json(), "timeout": t}}),
        None => elem.to_json(),
    };
    json!({"set": {"op": op, "elem": elem, "set": format!("@{set}")}})
}

/// `add @set { KEY ct count [over] N }`.
fn ct_count_json(set: &str, key: &Expr, val: u64, over: bool) -> Value {
    let count = if over {
        json!({"ct count": {"val": val, "inv": true}})
    } else {
        json!({"ct count": {"val": val}})
    };
    json!({"set": {"op": "add", "elem": key.to_json(), "set": format!("@{set}"), "stmt": [count]}})
}

/// A base chain's hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub kind: &'static str,
    pub hook: &'static str,
    pub prio: i32,
    pub policy: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    pub hook: Option<Hook>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub chain: String,
    pub stmts: Vec<Stmt>,
    pub comment: Option<String>,
    /// The configuration statements this rule comes from (empty for skeleton rules). Not part of
    /// the JSON: `fhc explain` and the LSP use it to go from a line to its rules, and the
    /// optimizer keeps the union when it merges rules of several statements into one.
    pub origins: Vec<crate::span::Span>,
}

/// A conntrack helper object (`ct helper NAME { type "T" protocol P; l3proto inet; }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtHelper {
    pub name: String,
    pub kind: String,
    pub protocol: &'static str,
}

/// One table, replaced atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ruleset {
    pub family: String,
    pub table: String,
    pub sets: Vec<Set>,
    /// Named counters (FireHOL `accounting` objects).
    pub counters: Vec<String>,
    pub ct_helpers: Vec<CtHelper>,
    pub chains: Vec<Chain>,
    pub rules: Vec<Rule>,
}

impl Ruleset {
    /// The JSON document: `add table` + `delete table` + the new contents, one transaction, so the
    /// previous table is replaced atomically and other tables on the host are untouched.
    pub fn to_json(&self) -> Value {
        let (fam, tab) = (&self.family, &self.table);
        let mut cmds = vec![
            json!({"metainfo": {"json_schema_version": JSON_SCHEMA_VERSION}}),
            json!({"add": {"table": {"family": fam, "name": tab}}}),
            json!({"delete": {"table": {"family": fam, "name": tab}}}),
            json!({"add": {"table": {"family": fam, "name": tab}}}),
        ];
        for s in &self.sets {
            cmds.push(json!({"add": {"set": s.to_json(fam, tab)}}));
        }
        for c in &self.counters {
            cmds.push(json!({"add": {"counter": {"family": fam, "table": tab, "name": c}}}));
        }
        for h in &self.ct_helpers {
            cmds.push(json!({"add": {"ct helper": {"family": fam, "table": tab, "name": h.name, "type": h.kind, "protocol": h.protocol, "l3proto": "inet"}}}));
        }
        for c in &self.chains {
            let v = match &c.hook {
                Some(h) => {
                    json!({"family": fam, "table": tab, "name": c.name, "type": h.kind, "hook": h.hook, "prio": h.prio, "policy": h.policy})
                }
                None => json!({"family": fam, "table": tab, "name": c.name}),
            };
            cmds.push(json!({"add": {"chain": v}}));
        }
        for r in &self.rules {
            let mut m = serde_json::Map::new();
            m.insert("family".into(), json!(fam));
            m.insert("table".into(), json!(tab));
            m.insert("chain".into(), json!(r.chain));
            m.insert(
                "expr".into(),
                Value::Array(r.stmts.iter().map(Stmt::to_json).collect()),
            );
            if let Some(c) = &r.comment {
                m.insert("comment".into(), json!(comment_text(c)));
            }
            cmds.push(json!({"add": {"rule": Value::Object(m)}}));
        }
        json!({"nftables": cmds})
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }
}

/// A rule comment as nft stores it: at most 128 bytes, and `"` spelled `'`. nft's text grammar
/// has no escape for a quote inside a quoted string, so a comment holding one would make
/// `nft list ruleset` output that `nft -f` cannot load back (a backup that does not restore, and
/// `fhc try` restores from that listing).
pub fn comment_text(c: &str) -> String {
    let c = c.replace('"', "'");
    if c.len() <= 128 {
        return c;
    }
    let mut end = 125;
    while !c.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &c[..end])
}
