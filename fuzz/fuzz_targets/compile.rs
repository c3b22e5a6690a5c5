//! The compiler on arbitrary text: a configuration that analyzes without errors must compile
//! (a clean analysis promises it) with and without the optimizer, deterministically, and the
//! optimized ruleset must give every packet of a grid the verdict and logs of the
//! one-rule-per-statement ruleset (the evaluator of `lang/tests/optimize_equivalence.rs`; a
//! packet it cannot follow in either form is skipped).
#![no_main]

#[path = "../../lang/tests/support/nft_eval.rs"]
mod nft_eval;

use fhc_lang::nft::{Options, Output};
use libfuzzer_sys::fuzz_target;
use nft_eval::{Packet, run};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn compile(text: &str, optimize: bool) -> Output {
    let opts = Options {
        optimize,
        ..Options::default()
    };
    match fhc_lang::compile_with(text, &fhc_lang::eval::Limits::SMALL.prelude(), &opts) {
        Ok((out, _)) => out,
        Err(d) => panic!("a clean analysis did not compile (optimize: {optimize}): {d:#?}"),
    }
}

/// Packets from a few interfaces, addresses and states, to the ports the text names (up to 8)
/// and two fixed ones.
fn packets(text: &str) -> Vec<Packet> {
    let mut ports: Vec<u16> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .filter(|p| *p > 0)
        .take(8)
        .collect();
    ports.extend([22, 40000]);
    ports.sort_unstable();
    ports.dedup();
    let addrs = ["10.1.2.3", "192.168.1.5", "203.0.113.9"];
    let mut out = Vec::new();
    for (k, &dport) in ports.iter().enumerate() {
        for (i, iif) in ["eth0", "eth1", "lo"].into_iter().enumerate() {
            for (s, state) in ["new", "established", "invalid"].into_iter().enumerate() {
                let proto = if (k + i + s) % 3 == 2 { "udp" } else { "tcp" };
                out.push(Packet {
                    iif,
                    oif: if s == 2 && i == 1 { "eth0" } else { "" },
                    saddr: addrs[(k + s) % 3].parse().expect("address"),
                    daddr: addrs[(k + i) % 3].parse().expect("address"),
                    proto,
                    sport: 40000 + k as u16,
                    dport,
                    flags: [2, 16, 18][(k + i + s) % 3],
                    state,
                    dnat: (k + s) % 4 == 3,
                    local_source: i == 2,
                });
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    if fhc_lang::analyze_with(text, &fhc_lang::eval::Limits::SMALL.prelude()).has_errors() {
        return;
    }
    let optimized = compile(text, true);
    let plain = compile(text, false);
    assert_eq!(
        optimized.ruleset.to_json(),
        compile(text, true).ruleset.to_json(),
        "not deterministic"
    );
    for p in packets(text) {
        if let (Ok(a), Ok(b)) = (run(&optimized, &p), run(&plain, &p)) {
            assert_eq!(a, b, "optimized and plain rulesets disagree on {p:?}");
        }
    }
});
