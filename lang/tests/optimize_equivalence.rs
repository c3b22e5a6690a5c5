//! The optimizer against the one-rule-per-statement lowering, on random configurations and
//! random packets (to this host, forwarded, and sent by it): a small evaluator runs both
//! rulesets' base chains for each packet, and the verdicts and logged prefixes must be the same. The evaluator understands the matches the
//! generated configs produce (interfaces, addresses, ports, protocols, conntrack state and status,
//! TCP flags, fib); a packet that reaches anything else is skipped, never guessed, and a run must
//! evaluate most of its packets.
//!
//! Evaluator mistakes cannot hide an optimizer bug unless they hide it for both forms, and the
//! kernel-level comparison with FireHOL (tests/diff) checks the real semantics on the corpus.

#[path = "support/nft_eval.rs"]
mod nft_eval;

use fhc_lang::nft::{Options, Output};
use nft_eval::{Packet, run};
use proptest::prelude::*;

const IFACES: &[&str] = &["eth0", "eth1"];
/// A negated interface also matches `lo`, where SYNPROXY's own packets to a local server pass.
const SYNPROXY_IFACES: &[&str] = &["eth0", "eth1", "not eth1"];
/// Few services and overlapping sources, so that rules of one shape with different actions meet
/// (that is where a wrong reordering shows).
const SERVICES: &[&str] = &["ssh", "http"];
const SOURCES: &[&str] = &[
    "",
    " src 10.0.0.0/8",
    " src 10.1.0.0/16",
    " src 192.168.1.5",
    " src not 10.0.0.0/8",
    " src \"10.1.2.3 192.168.0.0/16\"",
];
const ACTIONS: &[&str] = &["accept", "drop", "reject"];

fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..SERVICES.len(), 0..ACTIONS.len(), 0..SOURCES.len()).prop_map(|(s, a, src)| format!(
            "    server {} {}{}",
            SERVICES[s], ACTIONS[a], SOURCES[src]
        )),
        (0..SERVICES.len(), 0..SOURCES.len())
            .prop_map(|(s, src)| format!("    client {} accept{}", SERVICES[s], SOURCES[src])),
        (1000u16..1002, 0..ACTIONS.len()).prop_map(|(port, a)| format!(
            "    server custom c{port} tcp/{port} default {}",
            ACTIONS[a]
        )),
    ]
}

fn config() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(
            (
                0..SYNPROXY_IFACES.len(),
                0..3usize,
                1000u16..1004,
                0..2usize,
                0..2usize,
                // Statements that differ only in their port, one after the other: the lowering
                // makes one set of rules of such a run (`nft/lower/synproxy/runs.rs`).
                1..4u16,
            ),
            0..6,
        ),
        prop::collection::vec(
            (
                0..IFACES.len(),
                any::<bool>(),
                prop::collection::vec(statement(), 2..10),
            ),
            1..3,
        ),
    )
        .prop_map(|(synproxies, sections)| {
            let mut s = String::new();
            for (i, dst, port, ty, action, run) in synproxies {
                for port in port..port + run {
                    s.push_str(&format!(
                        "ipv4 synproxy {} inface {} dst 198.51.100.{} dport {port} {}\n",
                        ["input", "forward"][ty],
                        SYNPROXY_IFACES[i],
                        dst + 1,
                        ["accept", "drop"][action],
                    ));
                }
            }
            for (n, (i, routed, stmts)) in sections.into_iter().enumerate() {
                if routed {
                    s.push_str(&format!(
                        "router4 r{n} inface {} outface {}\n",
                        IFACES[i],
                        IFACES[1 - i]
                    ));
                } else {
                    s.push_str(&format!("interface4 {} s{n}\n", IFACES[i]));
                }
                for st in stmts {
                    s.push_str(&st);
                    s.push('\n');
                }
            }
            s
        })
}

fn packet() -> impl Strategy<Value = Packet> {
    let addrs = [
        "10.1.2.3",
        "10.2.0.1",
        "192.168.1.5",
        "203.0.113.9",
        "198.51.100.1",
        "198.51.100.2",
    ];
    (
        (0..4usize, 0..3usize, 0..6usize, 0..6usize, 0..3usize),
        (
            prop::sample::select(vec![22u16, 80, 1000, 1001, 40000]),
            prop::sample::select(vec![22u16, 25, 53, 80, 443, 1000, 1001, 40000, 50000]),
        ),
        (0..5usize, 0..4usize, any::<bool>(), any::<bool>()),
    )
        .prop_map(
            move |((i, o, s, d, pr), (dport, sport), (st, fl, dnat, local))| Packet {
                // No incoming interface: sent by this host (output).
                iif: ["eth0", "eth1", "lo", ""][i],
                oif: ["", "eth0", "eth1"][o],
                saddr: addrs[s].parse().unwrap(),
                daddr: addrs[d].parse().unwrap(),
                proto: ["tcp", "udp", "tcp"][pr],
                sport,
                dport,
                flags: [2, 16, 18, 20][fl],
                state: ["new", "established", "new", "invalid", "untracked"][st],
                dnat,
                local_source: local,
            },
        )
}

fn compile(text: &str, optimize: bool) -> Option<Output> {
    let opts = Options {
        optimize,
        ..Options::default()
    };
    fhc_lang::compile(text, &opts).ok().map(|(out, _)| out)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn optimized_rules_give_the_same_verdicts(
        text in config(),
        packets in prop::collection::vec(packet(), 300),
    ) {
        let (Some(opt), Some(plain)) = (compile(&text, true), compile(&text, false)) else {
            // Generated configs may be invalid (an E0104 pair, say); nothing to compare.
            return Ok(());
        };
        let mut evaluated = 0;
        for p in &packets {
            match (run(&opt, p), run(&plain, p)) {
                (Ok(a), Ok(b)) => {
                    evaluated += 1;
                    prop_assert_eq!(a, b, "packet {:?}\nconfig:\n{}", p, text);
                }
                (Err(_), Err(_)) => {}
                // Reordered rules can meet a match the evaluator does not know in one form only.
                _ => {}
            }
        }
        prop_assert!(evaluated * 2 >= packets.len(), "only {evaluated} packets evaluated\n{text}");
    }
}

/// Runs of synproxy and service statements (statements equal but for their ports, which the
/// lowering makes one set of rules) against the statement-by-statement lowering, on every packet of a grid
/// built from the statements' own values: hairpins through one interface, each port as source
/// and destination, every state and flag. Random packets meet the one packet that tells a wrong
/// run apart (`iifname eth0` to `oifname eth0`, SYNPROXY's address at both ends, an ACK from one
/// statement's port to another's) too rarely.
#[test]
fn runs_give_the_same_verdicts_on_every_packet() {
    let statements = |kind: &str, iface: &str, action: &str| {
        (1000..1003)
            .map(|p| {
                format!("ipv4 synproxy {kind} inface {iface} dst 198.51.100.1 dport {p} {action}\n")
            })
            .collect::<String>()
    };
    let tail = "interface4 eth0 s0\n    server custom c tcp/1001 default accept\n\
                router4 r0 inface eth0 outface eth1\n    server ssh accept\n";
    let configs = [
        statements("input", "eth0", "accept"),
        statements("input", "not eth1", "drop"),
        statements("forward", "eth0", "accept"),
        statements("forward", "not eth1", "accept") + &statements("input", "eth0", "accept"),
        // Runs of services: servers, clients and routes one port apart, with other actions.
        "interface4 eth0 s1\n    server custom a tcp/1000 default accept\n    \
         server custom b tcp/1001 default accept\n    server custom g tcp/1002 default drop\n    client custom c tcp/1002 default reject\n    \
         client custom d tcp/1000 default reject\nrouter4 r1 inface eth0 outface eth0\n    \
         route custom e tcp/1000 default drop\n    route custom f tcp/1001:1002 default drop\n"
            .to_string(),
    ];
    let addrs = ["198.51.100.1", "10.1.2.3"];
    let ports = [1000u16, 1001, 1002, 40000];
    for body in configs {
        let text = body + tail;
        let (opt, plain) = (
            compile(&text, true).unwrap(),
            compile(&text, false).unwrap(),
        );
        let mut evaluated = 0;
        for iif in ["eth0", "eth1", "lo", ""] {
            for oif in ["", "eth0", "eth1"] {
                for (s, d) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    for sport in ports {
                        for dport in ports {
                            for state in ["new", "established", "invalid", "untracked"] {
                                for flags in [2, 16, 18, 20] {
                                    for (dnat, local_source) in
                                        [(false, false), (false, true), (true, false)]
                                    {
                                        let p = Packet {
                                            iif,
                                            oif,
                                            saddr: addrs[s].parse().unwrap(),
                                            daddr: addrs[d].parse().unwrap(),
                                            proto: "tcp",
                                            sport,
                                            dport,
                                            flags,
                                            state,
                                            dnat,
                                            local_source,
                                        };
                                        if let (Ok(a), Ok(b)) = (run(&opt, &p), run(&plain, &p)) {
                                            evaluated += 1;
                                            assert_eq!(a, b, "packet {p:?}\nconfig:\n{text}");
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(
            evaluated > 10_000,
            "only {evaluated} packets evaluated\n{text}"
        );
    }
}
