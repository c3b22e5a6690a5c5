//! Edit-to-diagnostics latency of the real server: a 5,000-line document is opened, then edited
//! one line at a time; each sample is the time from sending `didChange` to receiving the
//! `publishDiagnostics` of that version, through the full JSON-RPC framing over an in-memory
//! duplex pipe. Reports p50/p99 (targets: p50 < 10 ms, p99 < 50 ms) and, for comparison, the time
//! of `analyze()` alone.
//!
//! `cargo bench -p fhc-lsp --bench latency`. Without `--bench` (as under `cargo test
//! --all-targets`) it runs a few samples as a smoke test.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};

#[path = "../../lang/benches/support/confgen.rs"]
mod confgen;
#[path = "support/wire.rs"]
mod wire;

/// The allocator `fhc` itself uses (cli/src/main.rs): the figures are the server's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LINES: usize = 5_000;

struct Client {
    r: BufReader<ReadHalf<DuplexStream>>,
    w: WriteHalf<DuplexStream>,
}

impl Client {
    async fn send(&mut self, v: Value) {
        self.w.write_all(&wire::frame(&v)).await.expect("write");
    }

    async fn recv(&mut self) -> Value {
        wire::read_message(&mut self.r)
            .await
            .expect("a message from the server")
    }

    async fn until_diagnostics(&mut self, version: i64) -> usize {
        loop {
            let m = self.recv().await;
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["version"] == json!(version)
            {
                return m["params"]["diagnostics"].as_array().map_or(0, Vec::len);
            }
        }
    }
}

/// A clean 5,000-line configuration (it compiles, so `analyze` runs the lowering too).
fn clean_config(lines: usize) -> String {
    let mut s = String::from("version 6\nLAN=\"10.0.0.0/8\"\n");
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "interface eth{} sec{i} src \"$LAN\"\n    policy drop\n",
            i % 8
        ));
        for j in 0..48 {
            s.push_str(&format!(
                "    server ssh accept src 10.{}.{}.{}\n",
                i % 200,
                j,
                j + 1
            ));
        }
        i += 1;
    }
    s.lines().take(lines).map(|l| format!("{l}\n")).collect()
}

async fn run(name: &str, text: String, samples: usize) {
    let (client_end, server_end) = tokio::io::duplex(1 << 20);
    let (sr, sw) = tokio::io::split(server_end);
    let server = tokio::spawn(fhc_lsp::serve(sr, sw));
    let (cr, cw) = tokio::io::split(client_end);
    let mut c = Client {
        r: BufReader::new(cr),
        w: cw,
    };

    c.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    )
    .await;
    while c.recv().await.get("id") != Some(&json!(1)) {}
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        .await;
    let uri = "file:///bench.conf";
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "firehol", "version": 1, "text": text}}})).await;
    let n_diags = c.until_diagnostics(1).await;

    // Edit an indented line in the middle: insert a blank, then remove it (semantics unchanged).
    let line = text
        .lines()
        .enumerate()
        .skip(LINES / 2)
        .find(|(_, l)| l.starts_with("    "))
        .map_or(1, |(i, _)| i);
    let mut times = Vec::with_capacity(samples);
    for k in 0..samples {
        let version = 2 + k as i64;
        let change = if k % 2 == 0 {
            json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": " "})
        } else {
            json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""})
        };
        let t0 = Instant::now();
        c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})).await;
        c.until_diagnostics(version).await;
        times.push(t0.elapsed());
    }
    times.sort();

    let mut analyze = Vec::new();
    for _ in 0..samples.min(50) {
        let t0 = Instant::now();
        std::hint::black_box(fhc_lang::analyze(&text));
        analyze.push(t0.elapsed());
    }
    analyze.sort();

    // Where the time goes: the stages of analyze(), and the LSP conversion.
    let med = |f: &mut dyn FnMut()| {
        let mut v: Vec<Duration> = (0..samples.clamp(3, 20))
            .map(|_| {
                let t0 = Instant::now();
                f();
                t0.elapsed()
            })
            .collect();
        v.sort();
        wire::percentile(&v, 0.5)
    };
    let parse = fhc_lang::syntax::parse(&text);
    let t_parse = med(&mut || drop(std::hint::black_box(fhc_lang::syntax::parse(&text))));
    let t_validate = med(&mut || {
        drop(std::hint::black_box(fhc_lang::syntax::validate::validate(
            &text, &parse,
        )))
    });
    let t_build = med(&mut || drop(std::hint::black_box(fhc_lang::model::build(&text, &parse))));
    let (model, _) = fhc_lang::model::build(&text, &parse);
    let t_lower = med(&mut || {
        drop(std::hint::black_box(fhc_lang::nft::lower(
            &model,
            &text,
            &fhc_lang::nft::Options::default(),
        )))
    });
    let doc = fhc_lsp::state::Doc::new(
        uri.parse().expect("uri"),
        1,
        text.clone(),
        fhc_lsp::convert::Encoding::Utf16,
        std::sync::Arc::new(fhc_lang::Prelude::none()),
    );
    doc.file.diagnostics();
    let t_convert = med(&mut || {
        drop(std::hint::black_box(fhc_lsp::diagnostics::diagnostics(
            &doc,
        )))
    });
    let diags = fhc_lsp::diagnostics::diagnostics(&doc);
    let t_json = med(&mut || drop(std::hint::black_box(serde_json::to_string(&diags))));
    println!(
        "{name}: breakdown: parse {t_parse:.2?}, validate {t_validate:.2?}, model::build {t_build:.2?}, nft::lower {t_lower:.2?}; LSP conversion {t_convert:.2?}, JSON {t_json:.2?}"
    );
    println!(
        "{name}: {} lines, {} bytes, {n_diags} diagnostics; edit -> publishDiagnostics over {} samples: p50 {:.2?}, p99 {:.2?}, max {:.2?}; analyze() alone: p50 {:.2?}",
        text.lines().count(),
        text.len(),
        times.len(),
        wire::percentile(&times, 0.5),
        wire::percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        wire::percentile(&analyze, 0.5),
    );

    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        .await;
    while c.recv().await.get("id") != Some(&json!(2)) {}
    c.send(json!({"jsonrpc": "2.0", "method": "exit"})).await;
    let clean = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(matches!(clean, Ok(Ok(true))), "server did not exit cleanly");
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let samples = if bench { 400 } else { 3 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        run("generated (confgen)", confgen::config(LINES), samples).await;
        run("clean (compiles)", clean_config(LINES), samples).await;
    });
}
