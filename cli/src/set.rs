//! `fhc set list|add|del|flush|load NAME`: the elements of one set of the live table, changed in
//! one nft transaction without reloading the ruleset. Elements are written as ipset writes them
//! (`192.0.2.0/24`, `10.0.0.1-10.0.0.9`, `192.0.2.1,udp:53`), read by lang for the set's type as
//! the kernel has it; `load` reads a file as `ipset addfile` does (update-ipsets' files as they
//! are) and replaces every element at once: a load that fails leaves the old elements.

use crate::live::{self, Table};
use fhc_lang::model::ipsets::{FileFilter, file_entries, parse_element};
use fhc_lang::model::ir::{ElemPart, Ipset, IpsetElem, IpsetKind, IpsetOrigin};
use fhc_lang::model::values::Af;
use fhc_lang::model::values::{ip_bits, ip_of_bits};
use fhc_lang::nft::lower::ipsets::set_elements;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SetAction {
    /// Print the set's elements, one a line.
    List { name: String },
    /// Add elements (ipset syntax).
    Add {
        name: String,
        #[arg(required = true)]
        elements: Vec<String>,
    },
    /// Delete elements (ipset syntax).
    Del {
        name: String,
        #[arg(required = true)]
        elements: Vec<String>,
    },
    /// Remove every element.
    Flush { name: String },
    /// Replace every element by those of FILE (standard input without FILE or with `-`), read
    /// as `ipset addfile` reads it: `#` comments and blanks are ignored.
    Load { name: String, file: Option<String> },
}

pub fn run(action: &SetAction, t: &Table) -> ExitCode {
    let result = match action {
        SetAction::List { name } => list(t, name),
        SetAction::Add { name, elements } => change(t, name, "add", elements),
        SetAction::Del { name, elements } => change(t, name, "delete", elements),
        SetAction::Flush { name } => {
            live_set(t, name).and_then(|_| transaction(vec![flush(t, name)]))
        }
        SetAction::Load { name, file } => load(t, name, file.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fhc: {e}");
            ExitCode::from(1)
        }
    }
}

/// The set as the kernel has it: (type, family, the listing's set object).
fn live_set(t: &Table, name: &str) -> Result<(IpsetKind, Af, Value), String> {
    let out = live::nft(&["-j", "list", "set", &t.family, &t.name, name], None)
        .map_err(|e| format!("set `{name}` of table {t}: {e}"))?;
    let doc: Value =
        serde_json::from_str(&out).map_err(|e| format!("nft printed JSON fhc cannot read: {e}"))?;
    let set = doc["nftables"]
        .as_array()
        .and_then(|a| a.iter().find_map(|o| o.get("set")))
        .cloned()
        .ok_or_else(|| format!("nft did not list set `{name}`"))?;
    let types: Vec<&str> = match &set["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let af = if types.contains(&"ipv6_addr") {
        Af::V6
    } else {
        Af::V4
    };
    let kind = match types[..] {
        ["ipv4_addr" | "ipv6_addr"] => IpsetKind::HashNet,
        ["ipv4_addr" | "ipv6_addr", "inet_proto", "inet_service"] => IpsetKind::HashNetPort,
        ["ether_addr"] => IpsetKind::HashMac,
        ["inet_proto", "inet_service"] => IpsetKind::BitmapPort { lo: 0, hi: 65535 },
        _ => {
            return Err(format!(
                "set `{name}` holds {}: not one of the ipsets fhc makes",
                types.join(" . ")
            ));
        }
    };
    Ok((kind, af, set))
}

/// Parses `entries` for the set: the nft elements, or every entry the set cannot hold.
fn elements(
    name: &str,
    kind: IpsetKind,
    af: Af,
    entries: &[(String, String)],
) -> Result<Vec<Value>, String> {
    let mut set = Ipset::new(name, af, kind, IpsetOrigin::External(Default::default()));
    let mut bad = Vec::new();
    for (place, e) in entries {
        match parse_element(kind, af, e) {
            Ok(key) => set.elements.push(IpsetElem { key, timeout: None }),
            Err(msg) => bad.push(format!("{place}{msg}")),
        }
    }
    if !bad.is_empty() {
        let more = if bad.len() > 5 {
            format!("\n  ... and {} more", bad.len() - 5)
        } else {
            String::new()
        };
        return Err(format!(
            "set `{name}` unchanged: {} entr{} it cannot hold:\n  {}{more}",
            bad.len(),
            if bad.len() == 1 { "y" } else { "ies" },
            bad[..bad.len().min(5)].join("\n  ")
        ));
    }
    Ok(set_elements(&set)?.iter().map(|e| e.to_json()).collect())
}

fn target(t: &Table, name: &str) -> Value {
    json!({"family": t.family, "table": t.name, "name": name})
}

fn flush(t: &Table, name: &str) -> Value {
    json!({"flush": {"set": target(t, name)}})
}

/// One nft transaction: all of `cmds` or none.
fn transaction(cmds: Vec<Value>) -> Result<(), String> {
    let mut all = vec![json!({"metainfo": {"json_schema_version": 1}})];
    all.extend(cmds);
    let doc = json!({ "nftables": all }).to_string();
    live::nft(&["-j", "-f", "-"], Some(&doc)).map(|_| ())
}

fn change(t: &Table, name: &str, verb: &str, entries: &[String]) -> Result<(), String> {
    let (kind, af, live) = live_set(t, name)?;
    let timeouts = live["flags"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "timeout"));
    // A set of addresses holds disjoint intervals: an address inside one is added or deleted
    // by replacing the set with the new union (one transaction), as ipset's hash:net would.
    if kind == IpsetKind::HashNet && !timeouts {
        return rewrite(t, name, af, &live, verb == "add", entries);
    }
    let entries: Vec<(String, String)> =
        entries.iter().map(|e| (String::new(), e.clone())).collect();
    let elem = elements(name, kind, af, &entries)?;
    let mut obj = target(t, name);
    obj["elem"] = Value::Array(elem);
    transaction(vec![json!({ verb: {"element": obj} })])
        .map_err(|e| format!("set `{name}` unchanged: {e}"))
}

/// The live intervals of an address set with `entries` added (or removed), written back at once.
fn rewrite(
    t: &Table,
    name: &str,
    af: Af,
    live: &Value,
    add: bool,
    entries: &[String],
) -> Result<(), String> {
    // The live set lists ranges of either family; entries are read as ipset reads them.
    let bounds = |text: &str| -> Result<(u128, u128, std::net::IpAddr), String> {
        if let Some((a, b)) = text.split_once('-')
            && let (Ok(a), Ok(b)) = (a.parse::<std::net::IpAddr>(), b.parse::<std::net::IpAddr>())
        {
            return Ok((ip_bits(a), ip_bits(b), a));
        }
        match parse_element(IpsetKind::HashNet, af, text)?[..] {
            [ElemPart::Addr(a, b)] => Ok((ip_bits(a), ip_bits(b), a)),
            _ => Err(format!("`{text}` is not an address")),
        }
    };
    let mut have: Vec<(u128, u128, std::net::IpAddr)> = Vec::new();
    for e in live["elem"].as_array().into_iter().flatten() {
        have.push(bounds(&element_text(e))?);
    }
    for e in entries {
        let (lo, hi, like) = bounds(e).map_err(|m| format!("set `{name}` unchanged: {m}"))?;
        if add {
            have.push((lo, hi, like));
            continue;
        }
        if !have.iter().any(|h| h.0 <= lo && hi <= h.1) {
            return Err(format!("set `{name}` unchanged: `{e}` is not in it"));
        }
        have = have
            .into_iter()
            .flat_map(|(a, b, l)| {
                let mut keep = Vec::new();
                if b < lo || hi < a {
                    keep.push((a, b, l));
                } else {
                    if a < lo {
                        keep.push((a, lo - 1, l));
                    }
                    if hi < b {
                        keep.push((hi + 1, b, l));
                    }
                }
                keep
            })
            .collect();
    }
    let mut set = Ipset::new(
        name,
        af,
        IpsetKind::HashNet,
        IpsetOrigin::External(Default::default()),
    );
    set.elements = have
        .iter()
        .map(|(a, b, l)| IpsetElem {
            key: vec![ElemPart::Addr(ip_of_bits(*l, *a), ip_of_bits(*l, *b))],
            timeout: None,
        })
        .collect();
    let elem: Vec<Value> = set_elements(&set)?.iter().map(|e| e.to_json()).collect();
    let mut cmds = vec![flush(t, name)];
    if !elem.is_empty() {
        let mut obj = target(t, name);
        obj["elem"] = Value::Array(elem);
        cmds.push(json!({"add": {"element": obj}}));
    }
    transaction(cmds).map_err(|e| format!("set `{name}` unchanged: {e}"))
}

fn load(t: &Table, name: &str, file: Option<&str>) -> Result<(), String> {
    let (kind, af, _) = live_set(t, name)?;
    let (label, text) = crate::config::read_input(file.unwrap_or("-"))?;
    let entries: Vec<(String, String)> = if kind.dims() == IpsetKind::HashNet.dims() {
        file_entries(&text, af, FileFilter::All)
            .into_iter()
            .map(|(line, e)| (format!("{label}:{line}: "), e))
            .collect()
    } else {
        text.lines()
            .enumerate()
            .map(|(i, l)| (i, l.split('#').next().unwrap_or("").trim()))
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| (format!("{label}:{}: ", i + 1), l.to_string()))
            .collect()
    };
    let elem = elements(name, kind, af, &entries)?;
    let mut cmds = vec![flush(t, name)];
    let count = elem.len();
    if !elem.is_empty() {
        let mut obj = target(t, name);
        obj["elem"] = Value::Array(elem);
        cmds.push(json!({"add": {"element": obj}}));
    }
    transaction(cmds).map_err(|e| format!("set `{name}` keeps its previous elements: {e}"))?;
    eprintln!("fhc: set `{name}`: {count} element(s) loaded from {label}");
    Ok(())
}

/// The listing's elements as ipset writes them, one a line.
fn list(t: &Table, name: &str) -> Result<(), String> {
    let (kind, _, set) = live_set(t, name)?;
    let mut shown: Vec<String> = Vec::new();
    for e in set["elem"].as_array().into_iter().flatten() {
        let mut text = element_text(e);
        // A bitmap:port element is in the set once for TCP and once for UDP.
        if let IpsetKind::BitmapPort { .. } = kind
            && let Some((_, port)) = text.split_once(':')
        {
            text = port.to_string();
        }
        if !shown.contains(&text) {
            println!("{text}");
            shown.push(text);
        }
    }
    Ok(())
}

fn element_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => {
            if let Some(p) = o.get("prefix") {
                format!("{}/{}", element_text(&p["addr"]), p["len"])
            } else if let Some(Value::Array(r)) = o.get("range") {
                let parts: Vec<String> = r.iter().map(element_text).collect();
                parts.join("-")
            } else if let Some(Value::Array(c)) = o.get("concat") {
                concat_text(c)
            } else if let Some(e) = o.get("elem") {
                let mut s = element_text(&e["val"]);
                if let Some(x) = e.get("expires") {
                    s.push_str(&format!(" (expires in {x}s)"));
                }
                s
            } else {
                v.to_string()
            }
        }
        _ => v.to_string(),
    }
}

/// `addr . proto . port` back to ipset's `addr,proto:port`.
fn concat_text(c: &[Value]) -> String {
    let parts: Vec<String> = c.iter().map(element_text).collect();
    match &parts[..] {
        [proto, port] => format!("{proto}:{port}"),
        [addr, proto, port] => format!("{addr},{proto}:{port}"),
        _ => parts.join(","),
    }
}

/// `prevent_reset_on_restart` and the sets made outside the configuration keep the elements the
/// live table has (those `fhc set` or a trap added), when the live set exists with the same type
/// and flags; a new or changed set starts with the configuration's elements. An element keeps
/// what is left of its timeout.
pub fn keep_live_elements(
    doc: &mut Value,
    ruleset: &fhc_lang::nft::json::Ruleset,
    t: &Table,
) -> Result<(), String> {
    for s in ruleset.sets.iter().filter(|s| s.keep) {
        let Ok((_, _, live)) = live_set(t, &s.name) else {
            continue;
        };
        let Some(cmds) = doc["nftables"].as_array_mut() else {
            continue;
        };
        let Some(obj) = cmds
            .iter_mut()
            .filter_map(|c| c.get_mut("add").and_then(|a| a.get_mut("set")))
            .find(|o| o["name"] == s.name.as_str())
        else {
            continue;
        };
        if obj["type"] != live["type"] || obj["flags"] != live["flags"] {
            eprintln!(
                "fhc: set `{}` changed its type or flags: it starts with the configuration's elements",
                s.name
            );
            continue;
        }
        let kept: Vec<Value> = live["elem"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| match e.get("elem") {
                Some(inner) => match inner.get("expires") {
                    Some(left) => json!({"elem": {"val": inner["val"], "timeout": left}}),
                    None => inner["val"].clone(),
                },
                None => e.clone(),
            })
            .collect();
        eprintln!(
            "fhc: set `{}` keeps its {} live element(s)",
            s.name,
            kept.len()
        );
        match kept.is_empty() {
            true => {
                if let Some(m) = obj.as_object_mut() {
                    m.remove("elem");
                }
            }
            false => obj["elem"] = Value::Array(kept),
        }
    }
    Ok(())
}
