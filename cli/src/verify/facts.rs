//! What a compiled ruleset says about the network it expects: the interfaces it names, the
//! ports it opens or closes, and the addresses it matches, each with the place it would be seen
//! at. Read from the nftables JSON of `fhc compile --no-optimize`, where every port and interface
//! is a plain match, so no knowledge of the language is needed here.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Which way a packet matched by an address travels, as far as the chain tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hook {
    Input,
    Forward,
    Output,
    Prerouting,
    Postrouting,
}

/// An address a rule matches, with the interfaces in force where it is matched.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamedAddr {
    pub addr: IpAddr,
    /// Source (`saddr`) or destination (`daddr`, or a DNAT target: the server behind).
    pub source: bool,
    pub hook: Option<Hook>,
    pub iif: Option<String>,
    pub oif: Option<String>,
}

#[derive(Debug, Default, PartialEq)]
pub struct Facts {
    pub interfaces: BTreeSet<String>,
    pub ports: BTreeSet<u16>,
    pub addrs: BTreeSet<NamedAddr>,
}

/// Client port ranges (1024-65535, 32768-60999 ...) say nothing about services.
const CLIENT_RANGE_ENDS: [u16; 5] = [1023, 1024, 32768, 60999, 65535];

/// The interfaces, iif/oif and hook a chain is entered with (inherited through jumps).
#[derive(Clone, Default)]
struct Context {
    hook: Option<Hook>,
    iif: Option<String>,
    oif: Option<String>,
}

pub fn read(ruleset: &Value) -> Facts {
    let cmds: Vec<&Value> = ruleset["nftables"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.get("add")).collect())
        .unwrap_or_default();
    let rules: Vec<&Value> = cmds.iter().filter_map(|c| c.get("rule")).collect();
    let contexts = chain_contexts(&cmds, &rules);
    let mut facts = Facts::default();
    for rule in rules {
        let chain = rule["chain"].as_str().unwrap_or_default();
        let mut cx = contexts.get(chain).cloned().unwrap_or_default();
        let exprs = rule["expr"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let (iif, oif) = interfaces_of(exprs);
        cx.iif = iif.or(cx.iif);
        cx.oif = oif.or(cx.oif);
        read_rule(exprs, &cx, &mut facts);
    }
    for p in CLIENT_RANGE_ENDS {
        facts.ports.remove(&p);
    }
    facts
}

/// Propagates base chains' hooks and jump rules' interface matches to the chains they reach
/// (a few passes: fhc's chains are at most a few jumps deep).
fn chain_contexts(cmds: &[&Value], rules: &[&Value]) -> BTreeMap<String, Context> {
    let mut out: BTreeMap<String, Context> = BTreeMap::new();
    for c in cmds.iter().filter_map(|c| c.get("chain")) {
        let hook = match c["hook"].as_str() {
            Some("input") => Some(Hook::Input),
            Some("forward") => Some(Hook::Forward),
            Some("output") => Some(Hook::Output),
            Some("prerouting") => Some(Hook::Prerouting),
            Some("postrouting") => Some(Hook::Postrouting),
            _ => None,
        };
        if let (Some(h), Some(name)) = (hook, c["name"].as_str()) {
            out.insert(
                name.to_string(),
                Context {
                    hook: Some(h),
                    ..Context::default()
                },
            );
        }
    }
    for _ in 0..6 {
        for rule in rules {
            let exprs = rule["expr"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            let Some(target) = exprs.iter().find_map(|e| {
                e.get("jump")
                    .or_else(|| e.get("goto"))
                    .and_then(|j| j["target"].as_str())
            }) else {
                continue;
            };
            let from = out
                .get(rule["chain"].as_str().unwrap_or_default())
                .cloned()
                .unwrap_or_default();
            let (iif, oif) = interfaces_of(exprs);
            let entry = out.entry(target.to_string()).or_default();
            entry.hook = entry.hook.or(from.hook);
            entry.iif = entry.iif.take().or(iif).or(from.iif);
            entry.oif = entry.oif.take().or(oif).or(from.oif);
        }
    }
    out
}

fn interfaces_of(exprs: &[Value]) -> (Option<String>, Option<String>) {
    let mut iif = None;
    let mut oif = None;
    for m in exprs.iter().filter_map(|e| e.get("match")) {
        let key = m["left"]["meta"]["key"].as_str();
        let name = strings(&m["right"])
            .into_iter()
            .find_map(|s| interface_name(&s));
        match key {
            Some("iifname") if m["op"] != "!=" => iif = iif.or(name),
            Some("oifname") if m["op"] != "!=" => oif = oif.or(name),
            _ => {}
        }
    }
    (iif, oif)
}

fn read_rule(exprs: &[Value], cx: &Context, facts: &mut Facts) {
    for e in exprs {
        if let Some(m) = e.get("match") {
            let left = &m["left"];
            if let Some(key) = left["meta"]["key"].as_str()
                && matches!(key, "iifname" | "oifname")
            {
                facts.interfaces.extend(
                    strings(&m["right"])
                        .iter()
                        .filter_map(|s| interface_name(s)),
                );
            }
            match left["payload"]["field"].as_str() {
                Some("dport" | "sport") => ports(&m["right"], &mut facts.ports),
                Some(field @ ("saddr" | "daddr")) => {
                    for addr in addresses(&m["right"]) {
                        facts.addrs.insert(NamedAddr {
                            addr,
                            source: field == "saddr",
                            hook: cx.hook,
                            iif: cx.iif.clone(),
                            oif: cx.oif.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        // The ports a connection is translated to are where the servers must answer.
        for key in ["dnat", "redirect"] {
            if let Some(nat) = e.get(key) {
                ports(&nat["port"], &mut facts.ports);
            }
        }
        if let Some(nat) = e.get("dnat") {
            for addr in addresses(&nat["addr"]) {
                facts.addrs.insert(NamedAddr {
                    addr,
                    source: false,
                    hook: Some(Hook::Forward),
                    iif: cx.iif.clone(),
                    oif: None,
                });
            }
        }
    }
}

/// A name an interface can be created with: `eth*` (FireHOL's `eth+`) becomes `eth0`.
fn interface_name(s: &str) -> Option<String> {
    let name = match s.strip_suffix('*') {
        Some(stem) => format!("{stem}0"),
        None => s.to_string(),
    };
    let ok = (1..=15).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && name != "lo";
    ok.then_some(name)
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o.get("set").map(strings).unwrap_or_default(),
        _ => vec![],
    }
}

fn ports(v: &Value, out: &mut BTreeSet<u16>) {
    match v {
        Value::Number(n) => out.extend(n.as_u64().and_then(|p| u16::try_from(p).ok())),
        Value::Array(a) => a.iter().for_each(|x| ports(x, out)),
        Value::Object(o) if o.contains_key("set") => ports(&o["set"], out),
        Value::Object(o) if o.contains_key("range") => {
            let r = &o["range"];
            let (Some(lo), Some(hi)) = (r[0].as_u64(), r[1].as_u64()) else {
                return;
            };
            let (Ok(lo), Ok(hi)) = (u16::try_from(lo), u16::try_from(hi)) else {
                return;
            };
            if hi.saturating_sub(lo) <= 16 {
                out.extend(lo..=hi);
            } else {
                out.extend([lo, hi]);
            }
        }
        _ => {}
    }
    out.remove(&0);
}

/// One address that stands for each value: the value itself, a prefix's first host, a
/// range's first address. Addresses no host can have (unspecified, loopback, multicast,
/// link-local, limited broadcast) are left out.
fn addresses(v: &Value) -> Vec<IpAddr> {
    let one = match v {
        Value::String(s) => s.parse::<IpAddr>().ok(),
        Value::Object(o) if o.contains_key("prefix") => {
            let p = &o["prefix"];
            let len = p["len"].as_u64().unwrap_or(0);
            p["addr"]
                .as_str()
                .and_then(|a| a.parse::<IpAddr>().ok())
                .filter(|_| len > 0)
                .map(|a| first_host(a, len))
        }
        Value::Object(o) if o.contains_key("range") => {
            o["range"][0].as_str().and_then(|a| a.parse().ok())
        }
        Value::Object(o) if o.contains_key("set") => return addresses(&o["set"]),
        Value::Array(a) => return a.iter().flat_map(addresses).collect(),
        _ => None,
    };
    one.into_iter().filter(|a| usable(*a)).collect()
}

fn first_host(a: IpAddr, len: u64) -> IpAddr {
    match a {
        IpAddr::V4(v4) if len < 31 => IpAddr::V4((u32::from(v4) + 1).into()),
        IpAddr::V6(v6) if len < 127 => IpAddr::V6((u128::from(v6) + 1).into()),
        other => other,
    }
}

pub fn usable(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            !(v.is_unspecified()
                || v.is_loopback()
                || v.is_multicast()
                || v.is_broadcast()
                || v.is_link_local()
                || v.octets()[0] == 0
                || v.octets()[0] >= 240)
        }
        IpAddr::V6(v) => {
            !(v.is_unspecified()
                || v.is_loopback()
                || v.is_multicast()
                || (v.segments()[0] & 0xffc0) == 0xfe80
                || v.to_ipv4_mapped().is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(chain: &str, expr: Value) -> Value {
        json!({"add": {"rule": {"chain": chain, "expr": expr}}})
    }

    fn chain(name: &str, hook: Option<&str>) -> Value {
        match hook {
            Some(h) => json!({"add": {"chain": {"name": name, "hook": h}}}),
            None => json!({"add": {"chain": {"name": name}}}),
        }
    }

    fn iif(name: &str) -> Value {
        json!({"match": {"left": {"meta": {"key": "iifname"}}, "op": "==", "right": name}})
    }

    fn addr(field: &str, right: Value) -> Value {
        json!({"match": {"left": {"payload": {"protocol": "ip", "field": field}}, "op": "==", "right": right}})
    }

    #[test]
    fn interfaces_ports_and_wildcards() {
        let doc = json!({"nftables": [
            chain("input", Some("input")),
            rule("input", json!([iif("eth0"), {"jump": {"target": "in_lan"}}])),
            rule("input", json!([iif("ppp*"), {"accept": null}])),
            rule("input", json!([iif("lo"), {"accept": null}])),
            rule("in_lan", json!([
                {"match": {"left": {"payload": {"protocol": "tcp", "field": "dport"}}, "op": "==", "right": {"set": [22, 80]}}},
                {"match": {"left": {"payload": {"protocol": "tcp", "field": "sport"}}, "op": "==", "right": {"range": [1024, 65535]}}},
                {"match": {"left": {"payload": {"protocol": "udp", "field": "dport"}}, "op": "==", "right": {"range": [5060, 5062]}}},
                {"accept": null}])),
        ]});
        let f = read(&doc);
        assert_eq!(
            f.interfaces.into_iter().collect::<Vec<_>>(),
            ["eth0", "ppp0"]
        );
        assert_eq!(
            f.ports.into_iter().collect::<Vec<_>>(),
            [22, 80, 5060, 5061, 5062]
        );
    }

    #[test]
    fn addresses_inherit_the_interfaces_and_hook_of_the_jump() {
        let doc = json!({"nftables": [
            chain("forward", Some("forward")),
            chain("in_r", None),
            rule("forward", json!([iif("eth0"),
                {"match": {"left": {"meta": {"key": "oifname"}}, "op": "==", "right": "eth1"}},
                {"jump": {"target": "in_r"}}])),
            rule("in_r", json!([addr("daddr", json!("10.5.5.5")),
                addr("saddr", json!({"prefix": {"addr": "192.168.1.0", "len": 24}})), {"accept": null}])),
            rule("in_r", json!([addr("daddr", json!("127.0.0.1")), {"accept": null}])),
        ]});
        let f = read(&doc);
        let got: Vec<_> = f
            .addrs
            .iter()
            .map(|a| {
                (
                    a.addr.to_string(),
                    a.source,
                    a.hook,
                    a.iif.clone(),
                    a.oif.clone(),
                )
            })
            .collect();
        let eth = |s: &str| Some(s.to_string());
        assert_eq!(
            got,
            [
                (
                    "10.5.5.5".into(),
                    false,
                    Some(Hook::Forward),
                    eth("eth0"),
                    eth("eth1")
                ),
                (
                    "192.168.1.1".into(),
                    true,
                    Some(Hook::Forward),
                    eth("eth0"),
                    eth("eth1")
                ),
            ]
        );
    }

    #[test]
    fn dnat_targets_are_destinations_behind_the_firewall() {
        let doc = json!({"nftables": [
            chain("prerouting", Some("prerouting")),
            rule("prerouting", json!([iif("eth0"), {"dnat": {"addr": "10.0.0.5", "port": 8081}}])),
            rule("prerouting", json!([iif("eth0"), {"redirect": {"port": 3128}}])),
        ]});
        let f = read(&doc);
        assert_eq!(f.ports.iter().copied().collect::<Vec<_>>(), [3128, 8081]);
        let a = f.addrs.iter().next().expect("one address");
        assert_eq!(a.addr.to_string(), "10.0.0.5");
        assert!(!a.source);
        assert_eq!(a.hook, Some(Hook::Forward));
    }

    #[test]
    fn unusable_addresses_are_left_out() {
        for a in [
            "0.0.0.0",
            "127.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "ff02::1",
        ] {
            assert!(!usable(a.parse().unwrap()), "{a}");
        }
        assert!(usable("192.0.2.1".parse().unwrap()));
        assert!(usable("2001:db8::1".parse().unwrap()));
    }
}
