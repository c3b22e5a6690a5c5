//! Raw iptables lines against Debian's `iptables-translate` (the iptables project's own
//! translation to nft), one rule at a time: both rules are loaded into a fresh network namespace
//! and listed by the same nft, so the comparison is of what the kernel runs, in nft's canonical
//! form. Only what the two layouts add around the same rule is set aside: iptables-translate's
//! `counter`, its per-family table (`ip protocol` where an inet table writes `meta l4proto`), and
//! fhc's family guard and comment. Where fhc cannot translate a line, it says so (E0015).

mod support;

use std::process::Command;

/// (tool, table, chain, the rest of the line): each is translated by both.
const RULES: &[(&str, &str, &str, &str)] = &[
    (
        "iptables",
        "filter",
        "INPUT",
        "-s 10.0.0.1 -p tcp --dport 22 -j ACCEPT",
    ),
    ("iptables", "filter", "INPUT", "! -s 10.0.0.0/8 -j DROP"),
    (
        "iptables",
        "filter",
        "INPUT",
        "-s 10.0.0.1,10.0.0.2 -d 192.0.2.0/24 -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-i eth0 -p udp --sport 53 -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "FORWARD",
        "-i eth+ ! -o wg0 -p tcp --dport 1000:2000 -j DROP",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p udp -m multiport --sports 53,123 -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-m state --state ESTABLISHED,RELATED -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-m conntrack --ctstate NEW -p tcp --dport 22 -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-m conntrack ! --ctstate INVALID -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p tcp --dport 22 -m limit --limit 3/min --limit-burst 7 -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-m mac --mac-source 00:11:22:33:44:55 -j DROP",
    ),
    (
        "iptables",
        "filter",
        "OUTPUT",
        "-m owner --uid-owner 1000 -j REJECT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p tcp -j REJECT --reject-with tcp-reset",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-j REJECT --reject-with icmp-host-prohibited",
    ),
    ("iptables", "filter", "INPUT", "-p icmp -j ACCEPT"),
    ("iptables", "filter", "INPUT", "-p 0 -s 10.0.0.9 -j ACCEPT"),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p icmp --icmp-type any -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p icmp --icmp-type echo-request -j ACCEPT",
    ),
    (
        "iptables",
        "filter",
        "FORWARD",
        "-p ICMP --icmp-type redirect -j DROP",
    ),
    (
        "iptables",
        "filter",
        "INPUT",
        "-p icmp ! --icmp-type 8 -j DROP",
    ),
    (
        "ip6tables",
        "filter",
        "INPUT",
        "-p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT",
    ),
    ("iptables", "filter", "INPUT", "! -p tcp -j DROP"),
    (
        "iptables",
        "filter",
        "INPUT",
        "-j LOG --log-prefix \"IN: \" --log-level 6",
    ),
    ("iptables", "filter", "FORWARD", "-i eth1 -o eth0 -j RETURN"),
    (
        "iptables",
        "nat",
        "PREROUTING",
        "-i eth0 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080",
    ),
    (
        "iptables",
        "nat",
        "PREROUTING",
        "-p tcp --dport 80 -j REDIRECT --to-ports 3128",
    ),
    ("iptables", "nat", "POSTROUTING", "-o eth0 -j MASQUERADE"),
    (
        "iptables",
        "nat",
        "POSTROUTING",
        "-s 10.0.0.0/8 -o eth0 -j SNAT --to-source 192.0.2.1",
    ),
    (
        "iptables",
        "mangle",
        "PREROUTING",
        "-p tcp --dport 22 -j MARK --set-mark 0x1",
    ),
    (
        "iptables",
        "mangle",
        "PREROUTING",
        "-j MARK --set-xmark 0x10/0xff",
    ),
    (
        "iptables",
        "raw",
        "PREROUTING",
        "-p udp --dport 53 -j NOTRACK",
    ),
    (
        "iptables",
        "raw",
        "OUTPUT",
        "-p udp --sport 53 -j CT --notrack",
    ),
    (
        "ip6tables",
        "filter",
        "INPUT",
        "-s 2001:db8::/32 -p tcp --dport 443 -j ACCEPT",
    ),
    ("ip6tables", "filter", "INPUT", "-p ipv6-icmp -j ACCEPT"),
    (
        "ip6tables",
        "filter",
        "INPUT",
        "-j REJECT --reject-with icmp6-adm-prohibited",
    ),
    (
        "ip6tables",
        "nat",
        "PREROUTING",
        "-p tcp --dport 80 -j DNAT --to-destination [2001:db8::5]:8080",
    ),
];

/// Runs `sh -c script` in a fresh network namespace, `input` on stdin.
fn netns(script: &str, input: &str) -> String {
    support::in_netns(script, input).unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// The one rule of `chain` in a listing, in a comparable form.
fn rule_of(listing: &str, chain: &str) -> Vec<String> {
    let head = format!("chain {chain} {{");
    let mut inside = false;
    let mut out = Vec::new();
    for l in listing.lines().map(str::trim) {
        if l == head {
            inside = true;
        } else if inside && l == "}" {
            break;
        } else if inside && !l.starts_with("type ") && !l.is_empty() {
            out.push(normalize(l));
        }
    }
    out
}

/// The same rule as both layouts list it. Each replacement is an identity of nft, not a
/// difference set aside: an inet table names the family of a NAT address (`dnat ip to`) and of
/// the default reject (`reject with icmp port-unreachable` is what an ip table's plain `reject`
/// sends), and `ct state != S` is `ct state ! S` for one state (a connection has one).
fn normalize(rule: &str) -> String {
    let rule = match rule.find(" comment \"") {
        Some(i) => &rule[..i],
        None => rule,
    };
    rule.replace("counter packets 0 bytes 0 ", "")
        .replace("meta nfproto ipv4 ", "")
        .replace("meta nfproto ipv6 ", "")
        .replace("ip protocol ", "meta l4proto ")
        .replace("ip6 nexthdr ", "meta l4proto ")
        .replace("dnat ip to ", "dnat to ")
        .replace("dnat ip6 to ", "dnat to ")
        .replace("snat ip to ", "snat to ")
        .replace("snat ip6 to ", "snat to ")
        .replace("reject with icmp port-unreachable", "reject")
        .replace("reject with icmpv6 port-unreachable", "reject")
        .replace("ct state != ", "ct state ! ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// iptables-translate writes `-s A,B` as one rule per address and fhc as one rule with the set
/// `{ A, B }`, and the other way round for multiport: both expanded, for the comparison.
fn expand_sets(rule: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (rule.find(" { "), rule.find(" }")) else {
        return vec![rule.to_string()];
    };
    rule[open + 3..close]
        .split(", ")
        .map(|e| format!("{} {e}{}", &rule[..open], &rule[close + 2..]))
        .collect()
}

/// fhc's base chain of an iptables table and chain.
fn fhc_chain(table: &str, chain: &str) -> String {
    match table {
        "filter" => chain.to_lowercase(),
        t => format!("{t}_{}", chain.to_lowercase()),
    }
}

#[test]
fn single_rules_translate_as_iptables_translate_does() {
    if !support::kernel_available() {
        return;
    }
    if Command::new("iptables-translate")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "iptables-translate is missing in CI"
        );
        eprintln!("SKIPPED: iptables-translate is not installed (apt-get install iptables)");
        return;
    }
    let mut differ = Vec::new();
    for (tool, table, chain, rest) in RULES {
        // The oracle.
        let words = shell_words(rest);
        let o = Command::new(format!("{tool}-translate"))
            .args(["-t", table, "-A", chain])
            .args(&words)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        let Some(body) = text
            .trim()
            .strip_prefix("nft '")
            .and_then(|t| t.strip_suffix('\''))
        else {
            panic!(
                "{tool}-translate {rest}: {text} {}",
                String::from_utf8_lossy(&o.stderr)
            );
        };
        let fam = if *tool == "iptables" { "ip" } else { "ip6" };
        let kind = match *table {
            "nat" => format!("type nat hook {} priority 0;", chain.to_lowercase()),
            _ => format!("type filter hook {} priority 0;", chain.to_lowercase()),
        };
        let script = format!(
            "nft add table {fam} {table} && nft 'add chain {fam} {table} {chain} {{ {kind} }}' && nft '{body}' && nft list chain {fam} {table} {chain}"
        );
        let theirs: Vec<String> = rule_of(&netns(&script, ""), chain)
            .iter()
            .flat_map(|r| expand_sets(r))
            .collect();
        // fhc.
        let conf = format!("version 6\n{tool} -t {table} -A {chain} {rest}\n");
        let json = match fhc_lang::compile(&conf, &Default::default()) {
            Ok((out, _)) => out.ruleset.to_json().to_string(),
            Err(d) => panic!(
                "fhc refuses `{conf}`: {:?}",
                d.iter().map(|d| &d.message).collect::<Vec<_>>()
            ),
        };
        let listing = netns("nft -j -f - && nft list ruleset", &json);
        let mine: Vec<String> = rule_of(&listing, &fhc_chain(table, chain))
            .iter()
            .flat_map(|r| expand_sets(r))
            .collect();
        // fhc's chain may hold its own rules too (the filter skeleton): the line's rule is the
        // one the oracle's rule equals, or the test reports both.
        if !theirs.iter().all(|t| mine.contains(t)) {
            differ.push(format!("{tool} -t {table} -A {chain} {rest}\n  iptables-translate: {theirs:?}\n  fhc: {mine:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} differ:\n{}",
        differ.len(),
        RULES.len(),
        differ.join("\n")
    );
}

/// Splits like a shell (double quotes only; the table above uses nothing else).
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn what_fhc_does_not_translate_is_named() {
    let cases = [
        (
            "iptables -A INPUT -m recent --set -j DROP\n",
            "E0015",
            "`recent`",
        ),
        (
            "iptables -A INPUT -p tcp --tcp-flags SYN,ACK SYN -j DROP\n",
            "E0015",
            "`--tcp-flags`",
        ),
        ("iptables -A INPUT -j NFLOG\n", "E0015", "`NFLOG`"),
        (
            "iptables -I INPUT 3 -j DROP\n",
            "E0015",
            "inserts at the top",
        ),
        ("iptables -D INPUT -j DROP\n", "E0015", "`-D`"),
        (
            "iptables -t security -A INPUT -j DROP\n",
            "E0015",
            "`security` table",
        ),
        (
            "iptables -A INPUT -j NOSUCHCHAIN\n",
            "E0114",
            "chain `NOSUCHCHAIN` does not exist",
        ),
        (
            "iptables -A mychain -j DROP\n",
            "E0114",
            "chain `mychain` does not exist",
        ),
        (
            "iptables -A INPUT --dport 22 -j DROP\n",
            "E0114",
            "needs `-p tcp`",
        ),
        (
            "iptables -A INPUT -s 2001:db8::1 -j DROP\n",
            "E0114",
            "not an address of this command's family",
        ),
        (
            "iptables -A INPUT -o eth0 -j DROP\n",
            "E0114",
            "refuses `-o` in INPUT",
        ),
        ("iptables -F\n", "W0141", "skips it"),
        (
            "iptables -A INPUT -m state --state NEW -m conntrack --ctstate INVALID -j DROP\n",
            "E0015",
            "a second connection state condition",
        ),
        (
            "iptables -A INPUT -p tcp --dport 22 -m multiport --dports 80,443 -j DROP\n",
            "E0015",
            "a second destination port condition",
        ),
        (
            "iptables -A INPUT -s 10.0.0.1 -s 10.0.0.2 -j DROP\n",
            "E0015",
            "a second source address",
        ),
        (
            "iptables -A INPUT ! -j DROP\n",
            "E0114",
            "`!` cannot negate `-j`",
        ),
        (
            "iptables -A INPUT -m limit ! --limit 5/s -j DROP\n",
            "E0114",
            "cannot negate `--limit`",
        ),
        (
            "iptables -A INPUT --state NEW -j DROP\n",
            "E0114",
            "needs `-m state`",
        ),
        (
            "iptables -A INPUT -p tcp --dport 22,80 -j DROP\n",
            "E0114",
            "needs `-m multiport",
        ),
        (
            "iptables -A INPUT -j DROP -j ACCEPT\n",
            "E0114",
            "`-j` given twice",
        ),
        (
            "iptables -t nat -A POSTROUTING -p tcp -j DNAT --to-destination 10.0.0.1\n",
            "E0114",
            "refuses DNAT in POSTROUTING",
        ),
        (
            "iptables -t nat -A PREROUTING -j REDIRECT --to-ports 8080\n",
            "E0114",
            "needs `-p tcp`",
        ),
        (
            "iptables -t nat -A PREROUTING -p tcp -j REJECT\n",
            "E0114",
            "refuses REJECT",
        ),
        (
            "iptables -A INPUT -j MARK --set-mark 1\n",
            "E0114",
            "refuses MARK in INPUT of the filter",
        ),
        (
            "iptables -t mangle -A PREROUTING -j MARK --set-xmark 0x100/0xff\n",
            "E0015",
            "inside the mask",
        ),
        (
            "iptables -A INPUT -m limit --limit 0/s -j DROP\n",
            "E0114",
            "rate above zero",
        ),
        (
            "iptables -P FORWARD ACCEPT\n",
            "W0141",
            "DROP after the configuration",
        ),
        (
            "iptables -t nat -P PREROUTING DROP\n",
            "E0015",
            "keeps the policies",
        ),
    ];
    for (line, code, needle) in cases {
        let text = format!("version 6\n{line}");
        let a = fhc_lang::analyze(&text);
        assert!(
            a.diagnostics
                .iter()
                .any(|d| d.code.as_str() == code && d.message.contains(needle)),
            "{line}: want {code} `{needle}`, got {:?}",
            a.diagnostics
                .iter()
                .map(|d| (d.code.as_str(), &d.message))
                .collect::<Vec<_>>()
        );
    }
}
