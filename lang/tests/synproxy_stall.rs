//! The SYNPROXY timestamp stall of Linux >= 6.15 servers (tests/e2e/NOTES.md 3.7): untracked
//! SYNPROXY ACKs where there is no NAT, W0134 and its fix where there is. The traffic proof is
//! in cli/tests/e2e_synproxy.rs (strict mode, and the negative control).

use fhc_lang::nft::{Options, text};

fn rules(conf: &str) -> Vec<String> {
    let (out, _) = fhc_lang::compile(conf, &Options::default()).expect("compiles");
    out.ruleset
        .rules
        .iter()
        .map(|r| format!("[{}] {}", r.chain, text::rule(r)))
        .collect()
}

fn codes(conf: &str) -> Vec<&'static str> {
    fhc_lang::analyze(conf)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

const LOCAL: &str = "ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 22 accept\ninterface eth0 wan\n    server ssh accept\n";
const ROUTED: &str = "ipv4 synproxy forward inface eth0 dst 10.0.0.5 dport 25 accept\nrouter4 r inface eth0 outface eth1\n    route smtp accept dst 10.0.0.5\n";

#[test]
fn without_nat_the_ack_to_the_server_is_untracked() {
    for (conf, lo) in [(LOCAL, true), (ROUTED, false)] {
        let r = rules(conf);
        let notrack = r
            .iter()
            .find(|l| l.starts_with("[raw_output]") && l.ends_with("notrack"))
            .unwrap_or_else(|| panic!("no untracked ACK:\n{}", r.join("\n")));
        assert!(notrack.contains("== ack") && notrack.contains("fib saddr type != local"));
        assert_eq!(notrack.contains("oifname \"lo\""), lo, "{notrack}");
        assert!(
            r.iter().any(|l| l.starts_with("[output]")
                && l.contains("ct state untracked")
                && l.ends_with("accept")),
            "{}",
            r.join("\n")
        );
        assert!(codes(conf).is_empty(), "{:?}", codes(conf));
    }
}

#[test]
fn the_setting_turns_it_off_and_only_takes_0_or_1() {
    let off = format!("FHC_SYNPROXY_UNTRACK_ACK=0\n{LOCAL}");
    assert!(!rules(&off).iter().any(|l| l.starts_with("[raw_output]")));
    // Without `timestamp` there is nothing to avoid.
    let nots = format!("FIREHOL_SYNPROXY_OPTIONS=\"--mss 1460\"\n{LOCAL}");
    assert!(!rules(&nots).iter().any(|l| l.starts_with("[raw_output]")));
    let bad = format!("FHC_SYNPROXY_UNTRACK_ACK=yes\n{LOCAL}");
    let a = fhc_lang::analyze(&bad);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "E0114")
        .expect("E0114");
    assert_eq!(&bad[d.span.start..d.span.end], "FHC_SYNPROXY_UNTRACK_ACK");
}

#[test]
fn behind_nat_a_server_first_port_gets_w0134_and_its_fix_works() {
    let conf = "ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 22 redirect to 2222\n\
                ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 80 redirect to 8080\n\
                interface eth0 wan\n    server custom s2 tcp/2222 default accept\n    server custom h2 tcp/8080 default accept\n";
    let a = fhc_lang::analyze(conf);
    let w: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "W0134")
        .collect();
    assert_eq!(w.len(), 1, "only the ssh statement: {:?}", a.diagnostics);
    assert!(w[0].message.contains("ssh"));
    let fixed = w[0].fixes[0].apply(conf);
    assert!(codes(&fixed).is_empty(), "{fixed}\n{:?}", codes(&fixed));
    let r = rules(&fixed);
    // The untracked-SYN rule of each statement (the new-ACK rule has the same options).
    let sp: Vec<&String> = r
        .iter()
        .filter(|l| l.contains(" synproxy ") && l.contains("invalid,untracked"))
        .collect();
    assert_eq!(sp.len(), 2, "{}", r.join("\n"));
    assert!(
        sp.iter()
            .any(|l| l.contains("dport 22") && !l.contains("timestamp")),
        "{sp:?}"
    );
    assert!(
        sp.iter()
            .any(|l| l.contains("dport 80") && l.contains("timestamp")),
        "{sp:?}"
    );
}

#[test]
fn the_nat_target_port_decides() {
    // dport 2222 is nothing known, but the server behind it listens on 22.
    let conf = "ipv4 synproxy forward inface eth0 dst 192.0.2.1 dport 2222 dnat to 10.0.0.5:22\n\
                router4 r inface eth0 outface eth1\n    route ssh accept dst 10.0.0.5\n";
    assert!(codes(conf).contains(&"W0134"), "{:?}", codes(conf));
    let conf = "ipv4 synproxy forward inface eth0 dst 192.0.2.1 dport 8080 dnat to 10.0.0.5:80\n\
                router4 r inface eth0 outface eth1\n    route http accept dst 10.0.0.5\n";
    assert!(!codes(conf).contains(&"W0134"), "{:?}", codes(conf));
}
