//! The ruleset in nft's text syntax: what `fhc explain` prints, what the LSP hover shows, and what
//! `fhc diff` compares. Rendered from the typed [`Stmt`]/[`Expr`], not from the JSON, so every
//! shape the backend emits has exactly one spelling.
//!
//! Exact means: `nft -f` of [`script`] loads the same table as `nft -j -f` of
//! [`Ruleset::to_json`] (a kernel test checks it over the whole corpus). nft's text grammar cannot
//! say a `"` inside a quoted string (it has no escape), so both spell it `'` in comments.

use super::json::{Chain, Expr, Op, Rule, Ruleset, Set, Stmt};
use std::fmt::Write;

/// The whole table as an nft script: `add table` + `delete table` + the new contents, the same
/// one-transaction replacement as the JSON document.
pub fn script(rs: &Ruleset) -> String {
    let (fam, tab) = (&rs.family, &rs.table);
    let mut s = String::new();
    let _ = writeln!(s, "add table {fam} {tab}");
    let _ = writeln!(s, "delete table {fam} {tab}");
    let _ = writeln!(s, "table {fam} {tab} {{");
    for set in &rs.sets {
        let _ = writeln!(s, "\t{}", set_text(set));
    }
    for c in &rs.counters {
        let _ = writeln!(s, "\tcounter {} {{ }}", ident(c));
    }
    for h in &rs.ct_helpers {
        let _ = writeln!(
            s,
            "\tct helper {} {{ type {} protocol {}; l3proto inet; }}",
            ident(&h.name),
            quoted(&h.kind),
            h.protocol
        );
    }
    for c in &rs.chains {
        let _ = writeln!(s, "\tchain {} {{", ident(&c.name));
        if let Some(h) = chain_hook(c) {
            let _ = writeln!(s, "\t\t{h}");
        }
        for r in rs.rules.iter().filter(|r| r.chain == c.name) {
            let _ = writeln!(s, "\t\t{}", rule_with_comment(r));
        }
        let _ = writeln!(s, "\t}}");
    }
    s.push_str("}\n");
    s
}

/// `type filter hook input priority 0; policy drop;` for a base chain.
pub fn chain_hook(c: &Chain) -> Option<String> {
    let h = c.hook.as_ref()?;
    Some(format!(
        "type {} hook {} priority {}; policy {};",
        h.kind, h.hook, h.prio, h.policy
    ))
}

/// A rule without its comment (the statements only), as `nft list` would show them.
pub fn rule(r: &Rule) -> String {
    r.stmts.iter().map(stmt).collect::<Vec<_>>().join(" ")
}

/// A rule with its comment, as it appears in a script.
pub fn rule_with_comment(r: &Rule) -> String {
    match &r.comment {
        Some(c) => format!(
            "{} comment {}",
            rule(r),
            quoted(&super::json::comment_text(c))
        ),
        None => rule(r),
    }
}

fn set_text(s: &Set) -> String {
    let mut out = format!("set {} {{ type {};", ident(&s.name), s.kind.join(" . "));
    if !s.flags.is_empty() {
        let _ = write!(out, " flags {};", s.flags.join(","));
    }
    if let Some(t) = s.timeout {
        let _ = write!(out, " timeout {t}s;");
    }
    if let Some(n) = s.size {
        let _ = write!(out, " size {n};");
    }
    if s.counter {
        out.push_str(" counter;");
    }
    if !s.elements.is_empty() {
        let elems: Vec<String> = s
            .elements
            .iter()
            .map(|e| match e.timeout {
                Some(t) => format!("{} timeout {t}s", expr(&e.key, true)),
                None => expr(&e.key, true),
            })
            .collect();
        let _ = write!(out, " elements = {{ {} }};", elems.join(", "));
    }
    out.push_str(" }");
    out
}

/// A `"..."` string. nft's scanner has no escapes: a `"` inside cannot be written, so it becomes
/// `'` (only comments and log prefixes are free text, and fhc writes neither with a `"` on purpose).
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'"))
}

/// A chain, set or object name. nft 1.0.6 only takes them bare (a quoted chain name is a syntax
/// error there, keywords included), and fhc only makes names its scanner reads as one word.
fn ident(s: &str) -> &str {
    s
}

/// A statement in nft's input syntax.
pub fn stmt(s: &Stmt) -> String {
    match s {
        Stmt::Match(op, l, r) => match_text(*op, l, r),
        Stmt::Accept => "accept".into(),
        Stmt::Drop => "drop".into(),
        Stmt::Return => "return".into(),
        Stmt::Jump(t) => format!("jump {}", ident(t)),
        Stmt::Goto(t) => format!("goto {}", ident(t)),
        Stmt::Reject(None) => "reject".into(),
        Stmt::Reject(Some((ty, None))) => format!("reject with {ty}"),
        Stmt::Reject(Some((ty, Some(code)))) => format!("reject with {ty} type {code}"),
        Stmt::Notrack => "notrack".into(),
        Stmt::Synproxy { mss, wscale, flags } => synproxy_text(*mss, *wscale, flags),
        Stmt::Log { prefix, level } => log_text(prefix, level.as_deref()),
        Stmt::Limit {
            rate,
            per,
            burst,
            over,
        } => limit_text(*rate, per, *burst, *over),
        Stmt::Counter => "counter".into(),
        Stmt::Dnat {
            family,
            addr,
            port,
            flags,
        } => nat_text("dnat", family, addr.as_ref(), port.as_ref(), flags),
        Stmt::Snat {
            family,
            addr,
            port,
            flags,
        } => nat_text("snat", family, addr.as_ref(), port.as_ref(), flags),
        Stmt::Masquerade { flags } if flags.is_empty() => "masquerade".into(),
        Stmt::Masquerade { flags } => format!("masquerade {}", flags.join(",")),
        Stmt::Redirect { port: None } => "redirect".into(),
        Stmt::Redirect { port: Some(p) } => format!("redirect to :{}", expr(p, false)),
        Stmt::SetUpdate {
            op,
            elem,
            timeout,
            set,
        } => set_update_text(op, elem, *timeout, set),
        Stmt::CtCount {
            set,
            key,
            val,
            over,
        } => ct_count_text(set, key, *val, *over),
        Stmt::MetaMarkSet(v) => format!("meta mark set {}", expr(v, false)),
        Stmt::Meter { set, key, limit } => {
            format!(
                "meter {} {{ {} {} }}",
                ident(set),
                expr(key, false),
                stmt(limit)
            )
        }
        Stmt::SetLimit { set, key, limit } => {
            format!(
                "update @{} {{ {} {} }}",
                ident(set),
                expr(key, false),
                stmt(limit)
            )
        }
        Stmt::Mangle(k, v) => format!("{} set {}", expr(k, false), expr(v, false)),
        Stmt::CtHelperSet(n) => format!("ct helper set {}", quoted(n)),
        Stmt::CounterNamed(n) => format!("counter name {}", quoted(n)),
        Stmt::Vmap(key, entries) => format!(
            "{} vmap {{ {} }}",
            expr(key, false),
            entries
                .iter()
                .map(|(k, v)| format!("{} : {}", value(key, k), stmt(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `synproxy [mss M] [wscale W] [FLAGS]`.
fn synproxy_text(mss: Option<u32>, wscale: Option<u32>, flags: &[&str]) -> String {
    let mut out = "synproxy".to_string();
    if let Some(m) = mss {
        let _ = write!(out, " mss {m}");
    }
    if let Some(w) = wscale {
        let _ = write!(out, " wscale {w}");
    }
    for f in flags {
        let _ = write!(out, " {f}");
    }
    out
}

/// `log prefix "P" [level L]`.
fn log_text(prefix: &str, level: Option<&str>) -> String {
    let mut out = format!("log prefix {}", quoted(prefix));
    if let Some(l) = level {
        let _ = write!(out, " level {l}");
    }
    out
}

/// `limit rate [over] N/UNIT [burst B packets]`.
fn limit_text(rate: u64, per: &str, burst: Option<u64>, over: bool) -> String {
    let over = if over { "over " } else { "" };
    let mut out = format!("limit rate {over}{rate}/{per}");
    if let Some(b) = burst {
        let _ = write!(out, " burst {b} packets");
    }
    out
}

/// `update|add @set { elem [timeout Ts] }`.
fn set_update_text(op: &str, elem: &Expr, timeout: Option<u64>, set: &str) -> String {
    let t = timeout
        .map(|t| format!(" timeout {t}s"))
        .unwrap_or_default();
    format!("{op} @{} {{ {}{t} }}", ident(set), expr(elem, false))
}

/// `add @set { KEY ct count [over] N }`.
fn ct_count_text(set: &str, key: &Expr, val: u64, over: bool) -> String {
    format!(
        "add @{} {{ {} ct count {}{val} }}",
        ident(set),
        expr(key, false),
        if over { "over " } else { "" }
    )
}

fn nat_text(
    kind: &str,
    family: &str,
    addr: Option<&Expr>,
    port: Option<&Expr>,
    flags: &[&str],
) -> String {
    let mut out = format!("{kind} {family} to");
    let v6 = family == "ip6";
    match (addr, port) {
        (Some(a), Some(p)) => {
            let a = expr(a, false);
            if v6 {
                let _ = write!(out, " [{a}]:{}", expr(p, false));
            } else {
                let _ = write!(out, " {a}:{}", expr(p, false));
            }
        }
        (Some(a), None) => {
            let _ = write!(out, " {}", expr(a, false));
        }
        (None, Some(p)) => {
            let _ = write!(out, " :{}", expr(p, false));
        }
        (None, None) => {}
    }
    if !flags.is_empty() {
        let _ = write!(out, " {}", flags.join(","));
    }
    out
}

fn match_text(op: Op, l: &Expr, r: &Expr) -> String {
    let left = expr(l, false);
    let right = value(l, r);
    match op {
        // A bare flag value would test "any of these flags": bitmask comparisons keep `==`.
        Op::Eq if bitmask(l) => format!("{left} == {right}"),
        Op::Eq => format!("{left} {right}"),
        Op::Ne => format!("{left} != {right}"),
        Op::In => format!("{left} {right}"),
        Op::NoFlag => format!("{left} ! {right}"),
    }
}

/// `v` as a value of `l`: interface names are quoted (nft would otherwise read them as keywords
/// or wildcards), also inside the sets and concatenations the optimizer builds.
fn value(l: &Expr, v: &Expr) -> String {
    match (l, v) {
        (Expr::Concat(ls), Expr::Concat(vs)) if ls.len() == vs.len() => ls
            .iter()
            .zip(vs)
            .map(|(l, v)| value(l, v))
            .collect::<Vec<_>>()
            .join(" . "),
        (_, Expr::Set(items)) => format!(
            "{{ {} }}",
            super::json::set_elements(items)
                .map(|i| value(l, i))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => {
            let quote = matches!(
                l,
                Expr::Meta("iifname" | "oifname" | "ibrname" | "obrname" | "iifkind" | "oifkind")
            );
            expr(v, quote)
        }
    }
}

/// Whether nft reads an implicit comparison with `l` as a flag test rather than an equality.
fn bitmask(l: &Expr) -> bool {
    matches!(
        l,
        Expr::Ct("state" | "status", _)
            | Expr::Payload("tcp", "flags")
            | Expr::And(..)
            | Expr::Or(..)
    )
}

/// An expression; `quote` forces strings into quotes (interface names).
pub fn expr(e: &Expr, quote: bool) -> String {
    match e {
        Expr::Str(s) => string(s, quote),
        Expr::Num(n) => n.to_string(),
        Expr::Payload(p, f) => format!("{p} {f}"),
        // nft lists the interface keys without `meta`; the rest need it.
        Expr::Meta(k @ ("iifname" | "oifname" | "iif" | "oif")) => k.to_string(),
        Expr::Meta(k) => format!("meta {k}"),
        Expr::Ct(k, None) => format!("ct {k}"),
        Expr::Ct(k, Some(d)) => format!("ct {d} {k}"),
        Expr::Fib(r, flags) => format!("fib {} {r}", flags.join(" . ")),
        Expr::Prefix(a, l) => format!("{a}/{l}"),
        Expr::Range(a, b) => format!("{}-{}", expr(a, quote), expr(b, quote)),
        Expr::Set(items) => format!(
            "{{ {} }}",
            super::json::set_elements(items)
                .map(|i| expr(i, quote))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Expr::List(items) => items
            .iter()
            .map(|i| expr(i, quote))
            .collect::<Vec<_>>()
            .join(","),
        Expr::And(a, b) => format!("{} & {}", operand(a), operand(b)),
        Expr::Or(a, b) => format!("{} | {}", operand(a), operand(b)),
        Expr::Numgen(m) => format!("numgen inc mod {m}"),
        Expr::Map(k, entries) => format!(
            "{} map {{ {} }}",
            expr(k, false),
            entries
                .iter()
                .map(|(a, b)| format!("{} : {}", expr(a, false), expr(b, false)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Expr::SetRef(n) => format!("@{}", ident(n)),
        Expr::Concat(items) => items
            .iter()
            .map(|i| expr(i, quote))
            .collect::<Vec<_>>()
            .join(" . "),
        Expr::Raw(base, off, len) => format!("@{base},{off},{len}"),
        Expr::TcpOption(name, field) => format!("tcp option {name} {field}"),
        Expr::Rt(k) => format!("rt {k}"),
    }
}

/// An operand of `&` or `|`: a flag list is their bitwise or, and nested operations keep their
/// grouping with parentheses.
fn operand(e: &Expr) -> String {
    match e {
        Expr::List(items) if items.len() == 1 => expr(&items[0], false),
        Expr::List(items) => format!(
            "({})",
            items
                .iter()
                .map(|i| expr(i, false))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Expr::And(..) | Expr::Or(..) => format!("({})", expr(e, false)),
        _ => expr(e, false),
    }
}

/// A string value: bare when nft reads it back as the same symbol, quoted otherwise.
fn string(s: &str, quote: bool) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-'));
    if bare && !quote {
        s.to_string()
    } else {
        quoted(s)
    }
}
