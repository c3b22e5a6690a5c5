//! The server under typing: a client types into a 5,000-line document at 50 edits per second
//! (one character in, one out, in the middle of the file), asking for hover and completion every
//! fifth edit, through the full JSON-RPC framing over an in-memory pipe. Reports how many
//! diagnostics were published while typing (each an analysis that finished for a version still
//! current), the delay from the last edit to its diagnostics, the hover and completion answer
//! times, and the resident memory before and after (stale analyses must not pile up).
//!
//! `cargo bench -p fhc-lsp --bench typing` (20 s of typing). Without `--bench`, 1 s, as a smoke
//! test under `cargo test --all-targets`.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

#[path = "../../lang/benches/support/confgen.rs"]
mod confgen;
#[path = "support/wire.rs"]
mod wire;

use wire::{frame, percentile};

/// The allocator `fhc` itself uses (cli/src/main.rs): memory figures are the server's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LINES: usize = 5_000;
const EDITS_PER_SECOND: u64 = 50;

/// Every message the server sends, with when it arrived.
fn reader(
    r: tokio::io::ReadHalf<tokio::io::DuplexStream>,
) -> mpsc::UnboundedReceiver<(Instant, Value)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut r = BufReader::new(r);
        while let Some(v) = wire::read_message(&mut r).await {
            if tx.send((Instant::now(), v)).is_err() {
                return;
            }
        }
    });
    rx
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn run(seconds: u64) {
    let text = confgen::config(LINES);
    let (client_end, server_end) = tokio::io::duplex(1 << 20);
    let (sr, sw) = tokio::io::split(server_end);
    let server = tokio::spawn(fhc_lsp::serve(sr, sw));
    let (cr, mut w) = tokio::io::split(client_end);
    let mut rx = reader(cr);
    let uri = "file:///typing.conf";

    w.write_all(&frame(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}}),
    ))
    .await
    .unwrap();
    // As the protocol requires, nothing else before the answer (a server may drop what comes
    // while it initialises).
    while let Some((_, m)) = rx.recv().await {
        if m.get("id") == Some(&json!(0)) {
            break;
        }
    }
    w.write_all(&frame(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ))
    .await
    .unwrap();
    w.write_all(&frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "firehol", "version": 1, "text": text}}}))).await.unwrap();
    while let Some((_, m)) = rx.recv().await {
        if m["method"] == "textDocument/publishDiagnostics" {
            break;
        }
    }
    let rss_start = rss_kib();

    let line = text
        .lines()
        .enumerate()
        .skip(LINES / 2)
        .find(|(_, l)| l.starts_with("    server"))
        .map_or(1, |(i, _)| i);
    let edits = seconds * EDITS_PER_SECOND;
    let tick = Duration::from_millis(1000 / EDITS_PER_SECOND);
    let mut asked: std::collections::HashMap<i64, Instant> = Default::default();
    // Resident memory every 5 s of typing: flat means a plateau, not a climb.
    let mut rss_samples = Vec::new();
    let start = Instant::now();
    let mut last_version = 1;
    let mut last_sent = start;
    for k in 0..edits {
        let version = 2 + k as i64;
        let change = if k % 2 == 0 {
            json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": " "})
        } else {
            json!({"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""})
        };
        w.write_all(&frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}))).await.unwrap();
        last_version = version;
        last_sent = Instant::now();
        if k % 5 == 4 {
            let pos = json!({"line": line, "character": 6});
            let id = 1000 + k as i64;
            asked.insert(id, Instant::now());
            w.write_all(&frame(&json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": pos}}))).await.unwrap();
            asked.insert(id + 1_000_000, Instant::now());
            w.write_all(&frame(&json!({"jsonrpc": "2.0", "id": id + 1_000_000, "method": "textDocument/completion", "params": {"textDocument": {"uri": uri}, "position": pos}}))).await.unwrap();
        }
        if (k + 1) % (EDITS_PER_SECOND * 5) == 0 {
            rss_samples.push(rss_kib() / 1024);
        }
        tokio::time::sleep_until((start + tick * (k as u32 + 1)).into()).await;
    }

    let (mut published, mut answers) = (0usize, Vec::new());
    let final_lag = loop {
        let Some((at, m)) = rx.recv().await else {
            panic!("the server closed");
        };
        if let Some(t0) = m
            .get("id")
            .and_then(Value::as_i64)
            .and_then(|id| asked.remove(&id))
        {
            answers.push((at - t0, m.clone()));
        }
        if m["method"] == "textDocument/publishDiagnostics" {
            published += 1;
            if m["params"]["version"] == json!(last_version) {
                break at - last_sent;
            }
        }
    };
    // Every request gets its answer (a result, or ContentModified for a version that was
    // replaced while it waited): none is lost in a queue.
    let mut modified = 0;
    let mut count = |m: &Value| {
        if m["error"]["code"] == json!(-32801) {
            modified += 1;
        }
    };
    let settle = Instant::now() + Duration::from_secs(10);
    let mut late = Vec::new();
    while !asked.is_empty() && Instant::now() < settle {
        let Ok(Some((at, m))) = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await
        else {
            continue;
        };
        if let Some(t0) = m
            .get("id")
            .and_then(Value::as_i64)
            .and_then(|id| asked.remove(&id))
        {
            late.push((at - t0, m));
        }
    }
    let rss_end = rss_kib();
    for (d, m) in late {
        answers.push((d, m));
    }
    answers.iter().for_each(|(_, m)| count(m));
    // Answers with a result apart from the immediate ContentModified ones.
    let mut times: Vec<Duration> = answers
        .iter()
        .filter(|(_, m)| m.get("error").is_none())
        .map(|(d, _)| *d)
        .collect();
    times.sort();
    println!(
        "typing: {edits} edits in {seconds} s ({EDITS_PER_SECOND}/s) into {LINES} lines; diagnostics published while typing: {published}; last edit -> its diagnostics: {final_lag:.2?}; hover/completion answered: {} of {} ({modified} ContentModified; the others p50 {:.2?}, p99 {:.2?}); RSS {} MiB at the start, every 5 s {:?} MiB, {} MiB at the end",
        answers.len(),
        answers.len() + asked.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        rss_start / 1024,
        rss_samples,
        rss_end / 1024,
    );
    assert!(asked.is_empty(), "{} requests never answered", asked.len());

    w.write_all(&frame(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}),
    ))
    .await
    .unwrap();
    while let Some((_, m)) = rx.recv().await {
        if m.get("id") == Some(&json!(1)) {
            break;
        }
    }
    w.write_all(&frame(&json!({"jsonrpc": "2.0", "method": "exit"})))
        .await
        .unwrap();
    let clean = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(matches!(clean, Ok(Ok(true))), "server did not exit cleanly");
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(if bench { 20 } else { 1 }));
}
