//! Compile time and rule count for the issue-7 benchmark shape: N synproxy statements, each with
//! its matching service, plus ssh (the same configs `scripts/bench-vs-firehol.py` gives FireHOL).
//!
//! `cargo bench -p fhc-lang --bench compile` times `compile` (analysis, lowering, optimizer) and
//! the JSON rendering in process, for N = 10, 100 and 1000, and prints the rule counts with and
//! without the optimizer. Under `cargo test --all-targets` each benchmark runs once.

use criterion::{Criterion, criterion_group, criterion_main};
use fhc_lang::nft::Options;
use std::hint::black_box;

/// fhc's allocator (cli/src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/synproxies.rs"]
mod synproxies;
use std::time::Duration;
use synproxies::config;

fn rules(text: &str, optimize: bool) -> usize {
    let opts = Options {
        optimize,
        ..Options::default()
    };
    let (out, _) = fhc_lang::compile(text, &opts).expect("the benchmark config compiles");
    out.ruleset.rule_count()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.measurement_time(Duration::from_secs(3));
    g.sample_size(20);
    for n in [10, 100, 1000] {
        let text = config(n);
        eprintln!(
            "N={n}: {} nft rules optimized, {} without the optimizer",
            rules(&text, true),
            rules(&text, false)
        );
        g.bench_function(format!("compile N={n}"), |b| {
            b.iter(|| fhc_lang::compile(black_box(&text), &Options::default()).is_ok())
        });
        // The stages apart: the front end, and the lowering without the optimizer.
        g.bench_function(format!("analyze N={n}"), |b| {
            b.iter(|| fhc_lang::analyze(black_box(&text)).has_errors())
        });
        let plain = Options {
            optimize: false,
            ..Options::default()
        };
        g.bench_function(format!("compile --no-optimize N={n}"), |b| {
            b.iter(|| fhc_lang::compile(black_box(&text), &plain).is_ok())
        });
        g.bench_function(format!("compile+json N={n}"), |b| {
            b.iter(|| {
                let (out, _) = fhc_lang::compile(black_box(&text), &Options::default()).unwrap();
                serde_json::to_string_pretty(&out.ruleset.to_json())
                    .unwrap()
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
