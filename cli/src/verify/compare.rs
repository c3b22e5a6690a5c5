//! Verdicts compared probe by probe, and the rules that decided them. Pure: outcomes and
//! counter listings in, differences out.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What each probe saw, by probe id ("open ID fw 22 10.100.0.2", "refused", "timeout", ...).
pub type Outcomes = BTreeMap<String, String>;

/// Rule counters of one firewall: rule key -> (packets, how the rule reads).
pub type Counters = BTreeMap<String, (u64, String)>;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub probe: String,
    /// What the probe saw through the running (iptables) firewall.
    pub now: String,
    /// What it saw through fhc's ruleset.
    pub fhc: String,
    /// The configuration lines of the fhc rules the probe hit, when re-run alone.
    pub lines: Vec<usize>,
    pub fhc_rules: Vec<String>,
    pub iptables_rules: Vec<String>,
    /// Why the difference is expected, when it is a FireHOL bug fhc does not reproduce.
    pub known: Option<&'static str>,
}

/// Differences that are FireHOL's bugs, not fhc's (README: "Where fhc deliberately differs
/// from FireHOL"): reported with the reason, not counted.
pub fn known(d: &Difference, synproxy: bool) -> Option<&'static str> {
    let stall = synproxy
        && d.now == "open nobanner"
        && d.fhc.starts_with("open ID ")
        // Traced to FireHOL's SYNPROXY rule (only the first differences are traced).
        && d.iptables_rules.iter().any(|r| r.contains("-j SYNPROXY"));
    if stall {
        return Some(
            "FireHOL's SYNPROXY rules stall new connections on Linux >= 6.15 (the kernel rejects \
             the timestamp SYNPROXY echoes; FireHOL's rules leave that ACK to conntrack); fhc's \
             ruleset passes them, as the configuration means",
        );
    }
    let to_v6 = d
        .probe
        .split_once(" -> ")
        .is_some_and(|(_, to)| to.contains(':'));
    let raw_v6_syn =
        synproxy && to_v6 && d.probe.contains(" syn/") && d.now == "synack" && d.fhc == "timeout";
    raw_v6_syn.then_some(
        "the probe's, not the firewall's: nftables' IPv6 SYNPROXY drops a SYN sent from a raw \
         socket (its checksum is checked with the IPv4 routine when the packet carries no \
         checksum offload, which real TCP stacks' SYNs do); the tcp probes of the same port \
         show what clients get",
    )
}

/// A probe whose outcomes differed once but not the same way again (a rate limit, an ICMP
/// error racing a timeout under the batch's load): reported, not counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flaky {
    pub probe: String,
    pub first: (String, String),
    pub again: (String, String),
}

/// The probes whose outcomes differ (a probe missing on one side differs too).
pub fn differing(now: &Outcomes, fhc: &Outcomes) -> Vec<String> {
    let missing = String::from("missing");
    let mut ids: Vec<&String> = now.keys().chain(fhc.keys()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter(|id| now.get(*id).unwrap_or(&missing) != fhc.get(*id).unwrap_or(&missing))
        .cloned()
        .collect()
}

pub fn outcome(o: &Outcomes, id: &str) -> String {
    o.get(id).cloned().unwrap_or_else(|| "missing".into())
}

/// The rules whose counters grew between two listings, in key order (chain and handle for
/// nft, table and position for iptables).
pub fn hit(before: &Counters, after: &Counters) -> Vec<String> {
    let mut v: Vec<String> = vec![];
    for (key, (packets, what)) in after {
        if *packets > before.get(key).map_or(0, |c| c.0) && !v.contains(what) {
            v.push(what.clone());
        }
    }
    v
}

/// Counters of `nft -j list table` output: each rule's packets, named by its comment (fhc's
/// comments start with the configuration line: "line 12: server http accept").
pub fn nft_counters(listing: &Value) -> Counters {
    let mut out = Counters::new();
    for o in listing["nftables"].as_array().into_iter().flatten() {
        let Some(rule) = o.get("rule") else { continue };
        let packets: u64 = rule["expr"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("counter")?.get("packets")?.as_u64())
            .sum();
        let chain = rule["chain"].as_str().unwrap_or_default();
        let what = match rule["comment"].as_str() {
            Some(c) => c.to_string(),
            None => format!("(a rule without a statement, chain {chain})"),
        };
        let key = format!("{chain}/{:08}", rule["handle"].as_u64().unwrap_or(0));
        out.insert(key, (packets, what));
    }
    out
}

/// Counters of `iptables-save -c` output; `cmd` is how the rule is shown ("iptables"),
/// `origin` keeps the keys of two dumps apart (the back end and family).
pub fn iptables_counters(save: &str, cmd: &str, origin: &str, into: &mut Counters) {
    let mut table = "";
    let mut n = 0;
    for line in save.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t;
            continue;
        }
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let Some((counts, rule)) = rest.split_once("] ") else {
            continue;
        };
        if !rule.starts_with("-A ") {
            continue;
        }
        n += 1;
        let packets = counts
            .split(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        into.insert(
            format!("{origin}/{table}/{n:06}"),
            (packets, format!("{cmd} -t {table} {rule}")),
        );
    }
}

/// The configuration lines named by fhc rule comments: "line 12: ..." for one statement,
/// "lines 4-5,9: ..." for a rule the optimizer merged from several.
pub fn lines_of(rules: &[String]) -> Vec<usize> {
    let mut v: Vec<usize> = vec![];
    for r in rules {
        let Some(list) = r
            .strip_prefix("line ")
            .or_else(|| r.strip_prefix("lines "))
            .and_then(|rest| rest.split(':').next())
        else {
            continue;
        };
        // "4-9 (6 statements)" names a span, not every line: its ends.
        let list = list.split(" (").next().unwrap_or_default();
        for run in list.split(',') {
            let mut ends = run.trim().splitn(2, '-').map(|n| n.parse::<usize>().ok());
            match (ends.next().flatten(), ends.next()) {
                (Some(a), None) => v.push(a),
                (Some(a), Some(Some(b))) if b >= a && b - a <= 64 => v.extend(a..=b),
                (Some(a), Some(Some(b))) => v.extend([a, b]),
                _ => {}
            }
        }
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The rules that can have decided a probe's fate: of its own family, and with a target that
/// decides (LOG, CONNMARK and the like only pass packets on).
pub fn deciding(rules: Vec<String>, v6: bool) -> Vec<String> {
    const PASSING: [&str; 6] = [
        " -j LOG",
        " -j NFLOG",
        " -j CONNMARK",
        " -j MARK",
        " -j TCPMSS",
        " -j ULOG",
    ];
    let other = if v6 { "iptables " } else { "ip6tables " };
    rules
        .into_iter()
        .filter(|r| !r.starts_with(other) && !PASSING.iter().any(|t| r.contains(t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcomes(pairs: &[(&str, &str)]) -> Outcomes {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn differing_probes_include_the_ones_missing_on_one_side() {
        let a = outcomes(&[("p1", "refused"), ("p2", "timeout"), ("p3", "open x")]);
        let b = outcomes(&[("p1", "refused"), ("p2", "open x"), ("p4", "timeout")]);
        assert_eq!(differing(&a, &b), ["p2", "p3", "p4"]);
        assert!(differing(&a, &a).is_empty());
    }

    #[test]
    fn counters_of_nft_rules_name_their_lines() {
        let before = nft_counters(&json!({"nftables": [
            {"rule": {"chain": "in_lan", "handle": 7, "comment": "line 5: server http accept",
                      "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}},
            {"rule": {"chain": "input", "handle": 3, "expr": [{"counter": {"packets": 4, "bytes": 9}}]}},
        ]}));
        let after = nft_counters(&json!({"nftables": [
            {"rule": {"chain": "in_lan", "handle": 7, "comment": "line 5: server http accept",
                      "expr": [{"counter": {"packets": 1, "bytes": 60}}, {"accept": null}]}},
            {"rule": {"chain": "input", "handle": 3, "expr": [{"counter": {"packets": 5, "bytes": 9}}]}},
        ]}));
        let h = hit(&before, &after);
        assert_eq!(
            h,
            [
                "line 5: server http accept",
                "(a rule without a statement, chain input)"
            ]
        );
        assert_eq!(lines_of(&h), [5]);
    }

    #[test]
    fn the_synproxy_stall_is_known_only_with_synproxy_and_its_outcomes() {
        let mut d = Difference {
            probe: "host@eth0[10.100.0.2] -> fw@eth0[1.2.3.4] tcp/80".into(),
            now: "open nobanner".into(),
            fhc: "open ID fw 80 10.100.0.2".into(),
            lines: vec![],
            fhc_rules: vec![],
            iptables_rules: vec!["iptables -t filter -A INPUT -j SYNPROXY --timestamp".into()],
            known: None,
        };
        assert!(known(&d, true).is_some());
        assert!(known(&d, false).is_none());
        // Not traced to a SYNPROXY rule: counted.
        let untraced = Difference {
            iptables_rules: vec![],
            ..d.clone()
        };
        assert!(known(&untraced, true).is_none());
        d.now = "timeout".into();
        assert!(known(&d, true).is_none());
        // A raw IPv6 SYN that nft's SYNPROXY drops is the probe's artefact.
        let syn6 = Difference {
            probe: "host@eth0[fd00::2] -> fw@eth0[2001:db8::1] syn/443".into(),
            now: "synack".into(),
            fhc: "timeout".into(),
            ..d.clone()
        };
        assert!(known(&syn6, true).is_some());
        let syn4 = Difference {
            probe: "host@eth0[10.0.0.2] -> fw@eth0[192.0.2.1] syn/443".into(),
            ..syn6.clone()
        };
        assert!(known(&syn4, true).is_none(), "IPv4 SYNs are not affected");
    }

    #[test]
    fn merged_rules_name_all_their_lines() {
        let rules = [
            "lines 4-5,9: server ssh accept".to_string(),
            "line 12: interface eth0 lan".to_string(),
            "lines 20-300 (40 statements): server x accept".to_string(),
            "(a rule without a statement, chain input)".to_string(),
        ];
        assert_eq!(lines_of(&rules), [4, 5, 9, 12, 20, 300]);
    }

    #[test]
    fn only_rules_of_the_probes_family_that_decide_are_kept() {
        let rules = vec![
            "iptables -t filter -A in_lan -p tcp --dport 80 -j ACCEPT".to_string(),
            "ip6tables -t filter -A out_wan -j DROP".to_string(),
            "iptables -t mangle -A INPUT -j CONNMARK --save-mark".to_string(),
            "iptables -t filter -A INPUT -j LOG --log-prefix x".to_string(),
        ];
        assert_eq!(
            deciding(rules, false),
            ["iptables -t filter -A in_lan -p tcp --dport 80 -j ACCEPT"]
        );
    }

    #[test]
    fn iptables_counters_number_rules_per_table() {
        let save = "*filter\n:INPUT DROP [0:0]\n[3:180] -A INPUT -i lo -j ACCEPT\n\
                    [2:120] -A in_lan -p tcp --dport 80 -j ACCEPT\nCOMMIT\n\
                    *nat\n[0:0] -A PREROUTING -j DNAT --to-destination 10.0.0.5\nCOMMIT\n";
        let mut c = Counters::new();
        iptables_counters(save, "iptables", "legacy4", &mut c);
        // The same rule from another back end is another rule.
        iptables_counters(save, "iptables", "nft4", &mut c);
        assert_eq!(c.len(), 6);
        c.retain(|k, _| k.starts_with("legacy4/"));
        let rules: Vec<_> = c.values().map(|(p, r)| (*p, r.as_str())).collect();
        assert_eq!(
            rules,
            [
                (3, "iptables -t filter -A INPUT -i lo -j ACCEPT"),
                (
                    2,
                    "iptables -t filter -A in_lan -p tcp --dport 80 -j ACCEPT"
                ),
                (
                    0,
                    "iptables -t nat -A PREROUTING -j DNAT --to-destination 10.0.0.5"
                ),
            ]
        );
    }
}
