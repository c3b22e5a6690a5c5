//! Formatter throughput on a generated, deliberately messy configuration (about 2 MB: sections,
//! groups, long statements to break, continuations to join, comments, odd spacing).
//!
//! `cargo bench -p fhc-lang --bench fmt` reports MB/s for `format` (which includes parsing) next
//! to `parse` alone, so the formatter's own cost is the difference.
//! Under `cargo test --all-targets` criterion runs each benchmark once, as a smoke test.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

/// fhc's allocator (cli/src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A configuration of `sections` interfaces of about 40 lines each, in poor style.
fn messy_config(sections: usize) -> String {
    let mut s =
        String::from("#!/bin/bash\n\n\n  version\t6\n\nLAN_IPS=\"10.0.0.0/8 172.16.0.0/12\"\n");
    for i in 0..sections {
        let (a, b) = (i % 250, i / 250 % 250);
        let _ = write!(
            s,
            "\n\n# ---- section {i} ----\n\tinterface  eth{a}   lan{i} src \"10.{b}.{a}.0/24\"   # lan {i}\n\
             policy\treject\n  protection strong 10/sec 10\n"
        );
        for k in 0..6 {
            let _ = writeln!(
                s,
                "    server\t\"ssh http\"  accept src \"10.{b}.{a}.{k}\"   dport {}   ",
                1000 + k
            );
        }
        let _ = write!(
            s,
            "group with src \"10.{b}.{a}.0/24 192.168.{a}.0/24\"\n\
             \t# clients of the group\n\
             client all accept\n\
             server dns \\\n        accept\n\
             group end\n\
             synproxy4 input inface eth{a} dst 198.51.{b}.{a} dport \"80 443\" src not \"$UNROUTABLE_IPS $PRIVATE_IPS\" \
             dnat to 10.{b}.{a}.10 loglimit \"synproxy {i}\"\n\
             dnat4 to 10.{b}.{a}.1:8080 inface eth{a} proto tcp dst 198.51.100.{a} dport 80 \
             src \"192.0.2.0/24 203.0.113.0/24\" at prerouting\n\
             server custom app{i} tcp/{} default accept \\\n   src \"$LAN_IPS\"   # custom\n",
            8000 + a
        );
        for k in 0..20 {
            let _ = writeln!(s, "  client   ntp{k}   accept ; server  x{k} accept");
        }
    }
    s
}

fn fmt(c: &mut Criterion) {
    let text = messy_config(1200);
    let out = fhc_lang::format(&text).expect("the generated configuration formats");
    assert_eq!(
        fhc_lang::format(&out).as_deref(),
        Ok(out.as_str()),
        "idempotent"
    );
    eprintln!(
        "fmt: {} lines, {} bytes in, {} lines, {} bytes out",
        text.lines().count(),
        text.len(),
        out.lines().count(),
        out.len()
    );
    let mut g = c.benchmark_group("fmt");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("parse", |b| {
        b.iter(|| fhc_lang::syntax::parse(black_box(&text)))
    });
    g.bench_function("format", |b| b.iter(|| fhc_lang::format(black_box(&text))));
    g.bench_function("format_formatted", |b| {
        b.iter(|| fhc_lang::format(black_box(&out)))
    });
    g.finish();
}

criterion_group!(benches, fmt);
criterion_main!(benches);
