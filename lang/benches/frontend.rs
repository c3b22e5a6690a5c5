//! Front-end throughput on a generated, realistic 10,000-line configuration (no diagnostics):
//! lex alone, parse (lex + words + statements), `analyze` (parse + syntax checks + model and
//! semantic checks: what the LSP runs on every change) and `check` (analyze + the nftables
//! lowering's errors: what `fhc check` runs).
//!
//! `cargo bench -p fhc-lang --bench frontend` (the target for `analyze` is under 20 ms). Each
//! iteration includes dropping the result, as a re-analysis would.
//! Under `cargo test --all-targets` criterion runs each benchmark once, as a smoke test.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// fhc's allocator (cli/src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/confgen.rs"]
mod generator;
#[path = "support/synproxies.rs"]
mod synproxies;

const LINES: usize = 10_000;

fn frontend(c: &mut Criterion) {
    let text = generator::config(LINES);
    assert_eq!(text.lines().count(), LINES);
    let a = fhc_lang::check(&text);
    eprintln!(
        "frontend: {} lines, {} bytes, {} tokens, {} statements, {} diagnostics ({} errors)",
        LINES,
        text.len(),
        a.parse.tokens.len(),
        a.parse.file.stmts.len(),
        a.diagnostics.len(),
        a.diagnostics.iter().filter(|d| d.is_error()).count()
    );

    let mut g = c.benchmark_group("frontend_10k");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(50);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("lex", |b| {
        b.iter(|| fhc_lang::syntax::lexer::lex(black_box(&text)))
    });
    g.bench_function("parse", |b| {
        b.iter(|| fhc_lang::syntax::parse(black_box(&text)))
    });
    // The shell stage alone (on a parsed file): what bash evaluation adds to the front end.
    let parsed = fhc_lang::syntax::parse(&text);
    let env = fhc_lang::model::expand::Env::new();
    g.bench_function("evaluate", |b| {
        b.iter(|| {
            fhc_lang::eval::evaluate(
                black_box(&text),
                &parsed,
                &env,
                &Default::default(),
                &Default::default(),
            )
        })
    });
    g.bench_function("analyze", |b| {
        b.iter(|| fhc_lang::analyze(black_box(&text)))
    });
    g.bench_function("check", |b| b.iter(|| fhc_lang::check(black_box(&text))));
    g.finish();
    runaway(c);
    one_port(c);
    synproxies_with_services(c);
}

/// The editor issue's held-out document: 2,500 synproxy statements, each with its service (5,004
/// lines). Checking that each synproxy's connection is accepted compared it with every
/// service (about 6 million comparisons); the services are now looked up by port.
fn synproxies_with_services(c: &mut Criterion) {
    let text = synproxies::config(2_500);
    let a = fhc_lang::analyze(&text);
    assert!(!a.has_errors(), "{:?}", a.diagnostics);
    let mut g = c.benchmark_group("synproxies_with_services");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("analyze_2500", |b| {
        b.iter(|| fhc_lang::analyze(black_box(&text)))
    });
    g.finish();
}

/// Thousands of synproxy statements on one port, as a loop writes them for a hosting provider's
/// addresses (distinct servers) or by mistake (the same statement again): the ambiguity check
/// compares only statements that can overlap (it compared every pair on a port: 1.2 s for 4,000,
/// found by the compile fuzz target).
fn one_port(c: &mut Criterion) {
    let cases = [
        (
            "servers_4000",
            "for a in {0..15}; do for b in {0..249}; do
    ipv4 synproxy input inface eth0 dst \"10.0.$a.$b\" dport 80 accept
done; done
interface eth0 wan
    server http accept
",
        ),
        (
            "copies_4000",
            "for a in {0..3999}; do
    ipv4 synproxy input inface eth0 dst 10.0.0.1 dport 80 accept
done
interface eth0 wan
    server http accept
",
        ),
    ];
    let mut g = c.benchmark_group("one_port");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for (name, text) in cases {
        let a = fhc_lang::analyze(text);
        assert_eq!(
            a.model.synproxies.len(),
            4000,
            "{name}: {:?}",
            a.diagnostics
        );
        g.bench_function(name, |b| b.iter(|| fhc_lang::analyze(black_box(text))));
    }
    g.finish();
}

/// Shell that never ends, or generates without bound: the analysis must end in E0018 quickly
/// (target: well under a second each).
fn runaway(c: &mut Criterion) {
    let r: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    let r = r.join(" ");
    let cases = [
        (
            "infinite_loop",
            "interface eth0 lan\nwhile true; do\n    server ssh accept\ndone\n".to_string(),
        ),
        (
            "recursion",
            "f() { server ssh accept; f; }\ninterface eth0 lan\nf\n".to_string(),
        ),
        (
            "doubling_value",
            "X=x\nwhile true; do X=\"$X$X\"; done\n".to_string(),
        ),
        (
            "generated_1m_statements",
            format!(
                "interface eth0 lan\nfor a in {r}; do for b in {r}; do for c in {r}; do\n    server custom \"s$a$b$c\" \"tcp/$((a * 100 + b + 1000))\" default accept src \"10.$a.$b.$c\"\ndone; done; done\n"
            ),
        ),
    ];
    let mut g = c.benchmark_group("runaway");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for (name, text) in &cases {
        assert!(
            fhc_lang::analyze(text)
                .diagnostics
                .iter()
                .any(|d| d.code == fhc_lang::Code::EvalLimit),
            "{name} ends in E0018"
        );
        g.bench_function(*name, |b| b.iter(|| fhc_lang::analyze(black_box(text))));
    }
    g.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);
