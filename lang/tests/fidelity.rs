//! What real configurations write, compiled as FireHOL 3.1.7 reads it (issue "Real-world
//! fidelity"): FireHOL's special values (`any`, `default`, lists), the helpers that took them
//! wrongly, shell lines FireHOL runs without effect, constant arithmetic, and every error of a file
//! reported in one run. Each case was checked against FireHOL itself (`firehol CONF debug`); the
//! differential fuzzer (tests/diff/fuzz.py) checks the same packet by packet.

mod support;

use fhc_lang::nft::{Options, text};

/// The unoptimized rules, one `[chain] rule` a line.
fn rules(conf: &str) -> String {
    let opts = Options {
        optimize: false,
        ..Options::default()
    };
    let (out, _) = fhc_lang::compile(conf, &opts).unwrap_or_else(|d| {
        panic!(
            "does not compile:\n{}",
            d.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let json = out.ruleset.to_json().to_string();
    if support::kernel_available() {
        support::load_in_netns(&json).unwrap_or_else(|e| panic!("the kernel refused it: {e}"));
    }
    let mut s = String::new();
    for r in &out.ruleset.rules {
        s.push_str(&format!("[{}] {}\n", r.chain, text::rule(r)));
    }
    s
}

fn codes(conf: &str) -> Vec<String> {
    fhc_lang::analyze(conf)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect()
}

#[test]
fn interface_any_matches_every_interface() {
    let r = rules("interface any world\n    server ssh accept\n");
    assert!(r.contains("[input] jump in_world"), "{r}");
    assert!(r.contains("[output] jump out_world"), "{r}");
    assert!(
        !r.contains("\"any\""),
        "`any` compiled as an interface name:\n{r}"
    );
    // A list holding `any` is every interface too; `ANY` is the same word; `Any` is a name.
    for iface in ["\"eth0 any\"", "ANY"] {
        let r = rules(&format!("interface {iface} w\n    server ssh accept\n"));
        assert!(r.contains("[input] jump in_w"), "{iface}:\n{r}");
    }
    let r = rules("interface Any w\n    server ssh accept\n");
    assert!(r.contains("iifname \"Any\" jump in_w"), "{r}");
}

#[test]
fn router_and_masquerade_any() {
    let r = rules("router r inface any outface any\n    masquerade\n    route all accept\n");
    assert!(!r.contains("\"any\""), "{r}");
    assert!(
        r.contains("[nat_postrouting] masquerade") || r.contains("] masquerade"),
        "{r}"
    );
    let r = rules("masquerade any\ninterface eth0 lan\n    server ssh accept\n");
    assert!(!r.contains("oifname \"any\""), "{r}");
    let r = rules("interface any world\n    masquerade\n    server ssh accept\n");
    assert!(!r.contains("oifname \"any\""), "{r}");
    // FireHOL refuses a masquerade in a router that names no outface.
    assert!(codes("router r inface eth0\n    masquerade\n").contains(&"E0008".to_string()));
}

#[test]
fn src_dst_any_default_and_not_any() {
    for p in [
        "src any",
        "dst any",
        "src default",
        "dst4 default",
        "src not any",
        "src ANY",
        "src \"10.0.0.1 any\"",
    ] {
        let conf = format!("interface eth0 lan {p}\n    server ssh accept\n");
        let r = rules(&conf);
        assert!(!r.contains("saddr") && !r.contains("daddr"), "{p}:\n{r}");
    }
    for p in [
        "inface any",
        "outface any",
        "sport any",
        "dport any",
        "proto any",
        "mac any",
        "uid any",
    ] {
        let conf = format!("interface eth0 lan\n    server ssh accept {p}\n");
        assert!(!rules(&conf).contains("any"), "{p}");
    }
    // `not` with a list holding `any`: FireHOL would test a host named "any"; fhc refuses.
    let c = codes("interface eth0 lan src not \"10.0.0.1 any\"\n    server ssh accept\n");
    assert_eq!(c, ["E0114"]);
    // An empty value is refused, as FireHOL does.
    let c = codes("X=\"\"\ninterface eth0 lan src \"$X\"\n    server ssh accept\n");
    assert!(c.contains(&"E0114".to_string()), "{c:?}");
}

#[test]
fn transparent_proxy_users_are_a_list() {
    let r =
        rules("transparent_squid 8080 \"proxy root\"\ninterface eth0 lan\n    server ssh accept\n");
    assert!(
        r.contains("meta skuid != { 13, 0 }")
            || r.contains("skuid != { proxy, root }")
            || r.contains("skuid != { \"proxy\", \"root\" }"),
        "{r}"
    );
    let r = rules("transparent_squid 8080 any\ninterface eth0 lan\n    server ssh accept\n");
    assert!(r.contains("[nat_output]") && !r.contains("skuid"), "{r}");
    let r = rules("transparent_squid 8080 \"\"\ninterface eth0 lan\n    server ssh accept\n");
    assert!(!r.contains("[nat_output]"), "{r}");
}

#[test]
fn bad_packets_has_no_flood_limits() {
    let r = rules("interface eth0 lan\n    protection bad-packets\n    server ssh accept\n");
    assert!(!r.contains("limit rate over"), "{r}");
    assert!(r.contains("ct state invalid drop"), "{r}");
    let r = rules("interface eth0 lan\n    protection strong\n    server ssh accept\n");
    assert!(
        r.contains("limit rate over 100/second burst 50 packets drop"),
        "{r}"
    );
}

#[test]
fn connmark_interface_form() {
    let r = rules("connmark 7 interface com7\ninterface eth0 lan\n    server ssh accept\n");
    assert!(
        r.lines()
            .any(|l| l.starts_with("[mangle_prerouting] iifname \"com7\"")),
        "{r}"
    );
    assert!(
        r.lines()
            .any(|l| l.starts_with("[mangle_postrouting] oifname \"com7\"")),
        "{r}"
    );
    // FireHOL has no such form for `mark`: it refuses the line, and so does fhc.
    assert!(codes("mark 7 interface com7\n").contains(&"E0009".to_string()));
}

#[test]
fn harmless_shell_lines_are_warnings() {
    let conf = "set -v\nset -x\ntrue\n:\necho >&2 \"loading\"\ninterface eth0 lan\n    server ssh accept\n";
    // (`true` and `:` are shell the evaluator runs: no warning.)
    assert_eq!(codes(conf), ["W0133"; 3]);
    rules(conf);
    // Not harmless: a write to a file.
    assert!(
        codes("echo 1 > /proc/sys/net/ipv4/ip_forward\n")
            .iter()
            .any(|c| c.starts_with('E'))
    );
}

#[test]
fn constant_arithmetic_is_evaluated() {
    for expr in ["$[65536 * 2]", "$((65536 * 2))", "\"$((65536*2))\""] {
        let conf = format!("X={expr}\ninterface eth0 lan\n    server ssh accept dport \"$X\"\n");
        let a = fhc_lang::analyze(&conf);
        assert_eq!(a.model.sections.len(), 1);
        assert!(
            a.diagnostics
                .iter()
                .all(|d| d.code.as_str() != "E0004" && d.code.as_str() != "E0013"),
            "{expr}: {:?}",
            a.diagnostics
        );
        // The value reached the statement: 131072 is no port.
        assert!(
            a.diagnostics.iter().any(|d| d.message.contains("131072")),
            "{expr}"
        );
    }
    // Arithmetic on variables is evaluated too (an unset name is 0, as in bash); what bash
    // refuses is an error.
    assert!(codes("X=$((Y * 2))\n").is_empty());
    assert_eq!(codes("X=$((1 / 0))\n"), ["E0014"]);
}

#[test]
fn nested_quotes_in_command_substitution_are_one_word() {
    let c = codes("IP=\"$(ip -o addr | grep \"dev [^ ]+\" | head -1)\"\n");
    assert_eq!(c, ["E0004"]);
}

#[test]
fn messages_name_the_right_thing() {
    let a = fhc_lang::analyze("FIREHOL_LOG_MODE = \"LOG\"\n");
    let d = &a.diagnostics[0];
    assert!(d.message.contains("not an assignment"), "{}", d.message);
    assert!(!d.fixes.is_empty());
    let a = fhc_lang::analyze(
        "server_x_ports=\"tcp/\"\nclient_x_ports=\"default\"\ninterface eth0 lan\n    server x accept\n",
    );
    assert!(
        a.diagnostics.iter().all(|d| !d.message.contains("``")
            && !d.help.as_deref().is_some_and(|h| h.ends_with("tcp/,")))
    );
    let a = fhc_lang::analyze("echo >&2 \"x\" \"$Y\"\n");
    assert!(
        a.diagnostics
            .iter()
            .all(|d| !d.message.contains("unexpected a "))
    );
}

#[test]
fn replies_carry_an_action_chain() {
    let r = rules("action MY chain accept\ninterface eth0 lan\n    server ssh MY\n");
    assert!(
        r.lines().any(|l| l.starts_with("[out_lan]")
            && l.contains("tcp sport 22")
            && l.ends_with("jump MY")),
        "{r}"
    );
}

/// Errors the lowering finds (a value nftables cannot take, an untranslatable helper) come with
/// the model's errors in one analysis: the CLI (`fhc check`) and the LSP both use `analyze`.
#[test]
fn every_error_in_one_run() {
    let conf = "mark 999999 OUTPUT\ninterface eth0 lan\n    server ssh accept src 10.0.0.300\n\
                    server http tarpit\n";
    let c = codes(conf);
    // The mark value (out of usermark's range) and the address are bad values; tarpit is what
    // nftables cannot do.
    assert_eq!(c.iter().filter(|c| *c == "E0114").count(), 2, "{c:?}");
    assert!(c.contains(&"E0201".to_string()), "{c:?}");
}

/// A protection acts where it is written (FireHOL jumps to its chain from that point): traffic
/// accepted above it never meets its rate limits (a real configuration writes `protection strong
/// 2/min 10` after its `server` lines).
#[test]
fn protection_acts_where_it_is_written() {
    let r = rules(
        "interface eth0 lan\n    server ssh accept\n    protection strong 2/min 10\n    server http accept\n",
    );
    let lines: Vec<&str> = r.lines().filter(|l| l.starts_with("[in_lan]")).collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}:\n{r}"))
    };
    assert!(at("tcp dport 22") < at("limit rate over"), "{r}");
    assert!(at("limit rate over") < at("tcp dport 80"), "{r}");
}

/// Findings of a review: each would have compiled to something other than the config says, or
/// taken the front end down.
#[test]
fn review_findings_stay_fixed() {
    // An interface list that expands to nothing is refused, not read as `any`.
    assert!(
        codes("WAN=\"\"\ninterface \"$WAN\" world\n    server ssh accept\n")
            .contains(&"E0114".to_string())
    );
    // Shell lines that assign are evaluated (not "harmless" and ignored); one that runs a
    // program is an error.
    for line in ["printf -v WAN %s eth1", ": ${WAN:=eth1}"] {
        let r = rules(&format!(
            "{line}\ninterface \"$WAN\" world\n    server ssh accept\n"
        ));
        assert!(r.contains("iifname \"eth1\""), "{line}: {r}");
    }
    let c = codes("echo $(hostname)\n");
    assert!(c.iter().any(|c| c.starts_with('E')), "{c:?}");
    // A router without outface may still masquerade on an interface given as argument.
    let r = rules("router r inface eth0\n    masquerade eth1\n    route all accept\n");
    assert!(r.contains("oifname \"eth1\" masquerade"), "{r}");
    // `Any` is no port (FireHOL would look it up as a service name).
    assert!(
        codes("interface eth0 lan\n    server ssh accept sport Any\n")
            .contains(&"E0114".to_string())
    );
    // Nested parentheses in quoted arithmetic.
    let a = fhc_lang::analyze(
        "X=\"$((2*(1+2)))\"\ninterface eth0 lan\n    server ssh accept dport \"$X\"\n",
    );
    assert!(
        a.diagnostics.iter().all(|d| d.code.as_str() == "W0128"),
        "{:?}",
        a.diagnostics
    );
    // Crafted nesting ends in diagnostics, not in a stack overflow.
    let deep = "\"$(".repeat(50_000);
    assert!(!fhc_lang::analyze(&deep).diagnostics.is_empty());
    let parens = format!("X=$(({}1{}))\n", "(".repeat(50_000), ")".repeat(50_000));
    fhc_lang::analyze(&parens);
}

/// `at` takes variables like every other word (the typed model expands it; before, a word that
/// was not a literal was dropped and the NAT went to its default hook).
#[test]
fn nat_at_expands_variables() {
    let r = rules("HOOK=output\ndnat4 to 192.0.2.9 at $HOOK proto tcp dport 80\n");
    assert!(
        r.lines()
            .any(|l| l.starts_with("[nat_output]") && l.contains("dnat")),
        "{r}"
    );
    assert!(!r.contains("[nat_prerouting]"), "{r}");
}

/// Protection rates: a bare number is per second (iptables' unit), a bad rate is an error
/// instead of FireHOL's default taking its place unnoticed.
#[test]
fn protection_rates_are_checked() {
    let r = rules("interface eth0 lan\n    protection syn-floods 10 20\n");
    assert!(
        r.contains("limit rate over 10/second burst 20 packets"),
        "{r}"
    );
    assert!(
        codes("interface eth0 lan\n    protection strong 10/fortnight\n")
            .contains(&"E0114".to_string())
    );
}

/// DEFAULT_INTERFACE_POLICY / DEFAULT_ROUTER_POLICY give a section without `policy` its policy,
/// as FireHOL reads them when the section closes (before, fhc ignored them: DROP always).
#[test]
fn default_policies_apply() {
    let r =
        rules("DEFAULT_INTERFACE_POLICY=\"REJECT\"\ninterface eth0 lan\n    server ssh accept\n");
    assert!(
        r.lines()
            .any(|l| l.starts_with("[in_lan]") && l.contains("reject")),
        "{r}"
    );
    let r = rules(
        "DEFAULT_ROUTER_POLICY=\"DROP\"\nrouter r inface eth0 outface eth1\n    route ssh accept\n",
    );
    assert!(
        r.lines()
            .any(|l| l.starts_with("[in_r]") && l.ends_with(" drop")),
        "{r}"
    );
    // An explicit policy wins; the default is what is set when the section closes.
    let r = rules(
        "interface eth0 lan\n    policy accept\nDEFAULT_INTERFACE_POLICY=REJECT\ninterface eth1 dmz\n",
    );
    assert!(
        !r.lines()
            .any(|l| l.starts_with("[in_lan]") && l.contains("reject")),
        "{r}"
    );
    assert!(
        r.lines()
            .any(|l| l.starts_with("[in_dmz]") && l.contains("reject")),
        "{r}"
    );
}

/// FIREHOL_CONNTRACK_HASHSIZE is applied (FireHOL writes the module parameter; fhc the sysctl of
/// the same table) instead of being read and dropped.
#[test]
fn conntrack_hashsize_is_a_kernel_setting() {
    let conf = "FIREHOL_CONNTRACK_HASHSIZE=65536\ninterface eth0 lan\n    server ssh accept\n";
    let (out, _) = fhc_lang::compile(conf, &Options::default()).expect("compiles");
    assert!(
        out.sysctls
            .iter()
            .any(|s| s.key == "net.netfilter.nf_conntrack_buckets" && s.value == "65536"),
        "{:?}",
        out.sysctls
    );
}

/// Found by the review of the typed model (one case each).
#[test]
fn review_of_the_typed_model() {
    // A dual-stack port-only NAT whose match names both families is one rule per family.
    let r = rules("dnat to :8080 proto tcp dport 80 src4 10.0.0.0/8 src6 fd00::/8\n");
    assert!(
        r.contains("dnat ip to :8080") && r.contains("dnat ip6 to :8080"),
        "{r}"
    );
    // A trap set and a hashlimit table of one name and different types.
    let c = codes(
        "iptrap4 bad src 3600\ninterface4 eth0 lan\n    server http accept hashlimit bad upto 10/sec mode dstport\n",
    );
    assert!(c.contains(&"E0114".to_string()), "{c:?}");
    // An unknown overflow verdict: the fix rewrites that word only.
    let conf = "interface eth0 lan\n    server http accept with limit 10/sec 5 overflow rejct\n";
    let a = fhc_lang::analyze(conf);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "E0110" || d.message.contains("no action"))
        .expect("unknown action");
    assert_eq!(&conf[d.span.start..d.span.end], "rejct");
    // A default policy is reported once, however many sections take it.
    let c = codes("DEFAULT_INTERFACE_POLICY=tarpit\ninterface eth0 a\ninterface eth1 b\n");
    assert_eq!(c.iter().filter(|c| *c == "E0201").count(), 1, "{c:?}");
    // A bare number is a rate per second; a word where the burst goes is an error.
    let r = rules("interface eth0 lan\n    server http accept limit 10 20\n");
    assert!(r.contains("limit rate 10/second burst 20 packets"), "{r}");
    assert!(
        codes("interface eth0 lan\n    server http accept with limit 10/sec overflow drop\n")
            .contains(&"E0114".to_string())
    );
    // connlimit of a group limits the requests of a client (they leave through out_).
    let r = rules(
        "interface eth0 lan\n    group with connlimit upto 2\n        client http accept\n    group end\n",
    );
    assert!(
        r.lines()
            .any(|l| l.starts_with("[out_lan]") && l.contains("ct count")),
        "{r}"
    );
    assert!(
        !r.lines()
            .any(|l| l.starts_with("[in_lan]") && l.contains("ct count")),
        "{r}"
    );
    // An option only helpers read, in a group: one report.
    let c = codes(
        "interface eth0 lan\n    group with src 10.0.0.0/8 table filter\n        server ssh accept\n        server http accept\n    group end\n",
    );
    assert_eq!(c.iter().filter(|c| *c == "E0201").count(), 1, "{c:?}");
    // An action trap keyed on both addresses keys its set on both.
    let r =
        rules("ipv4 action T iptrap pairs src,dst 600\ninterface4 eth0 lan\n    server ssh T\n");
    assert!(r.contains("ip saddr . ip daddr"), "{r}");
    // No bits left for `rest`; a custommark without a value.
    assert!(codes("markdef a rest\nmarkdef b rest\n").contains(&"E0114".to_string()));
    assert!(
        codes("interface eth0 lan\n    server ssh accept custommark usermark \"\"\n")
            .contains(&"E0114".to_string())
    );
}
