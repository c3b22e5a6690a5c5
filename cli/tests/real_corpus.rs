//! Configurations published by real users (tests/corpus/real/, sources in its SOURCES.md), judged
//! by FireHOL 3.1.7 (its VERDICTS file, made with tests/firehol-oracle.sh):
//! - every one FireHOL accepts compiles, and loads into the kernel, unless it is listed in BLOCKED
//!   with the first error fhc gives (something that genuinely cannot be static);
//! - every one FireHOL rejects is refused by fhc too, unless ACCEPTED says why accepting it is right.
//!
//! The packet-by-packet comparison with FireHOL of the ones that compile is in differential.rs.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    support::repo().join("tests/corpus/real")
}

/// `FILE | a | b` lines of a list file, keyed by file.
fn listed(name: &str) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split('|').map(|x| x.trim().to_string());
            (f.next().unwrap(), f.collect())
        })
        .collect()
}

/// FireHOL's verdict per file: true when it accepts.
fn verdicts() -> BTreeMap<String, bool> {
    let text = std::fs::read_to_string(dir().join("VERDICTS")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut w = l.split_whitespace();
            let file = w.next().unwrap().to_string();
            let v = w.next().unwrap();
            assert!(v == "firehol-accepts" || v == "firehol-rejects", "{l}");
            (file, v == "firehol-accepts")
        })
        .collect()
}

/// fhc's errors on a file, as `CODE:LINE`, in source order.
fn errors(file: &str) -> Vec<String> {
    let path = dir().join(file);
    let out = support::run_fhc(
        &[
            "check",
            "--no-defaults",
            "--format",
            "json",
            path.to_str().unwrap(),
        ],
        None,
    );
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{file}: fhc check --format json: {e}"));
    diags
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| format!("{}:{}", d["code"].as_str().unwrap(), d["line"]))
        .collect()
}

#[test]
fn every_file_has_a_verdict_and_a_source() {
    let v = verdicts();
    let sources = std::fs::read_to_string(dir().join("SOURCES.md")).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "only {} real configurations",
        files.len()
    );
    for f in &files {
        assert!(v.contains_key(f), "{f} has no line in VERDICTS");
        assert!(
            sources.contains(&format!("## {f}")),
            "{f} has no section in SOURCES.md"
        );
    }
    assert!(
        v.values().filter(|a| **a).count() >= 30,
        "fewer than 30 FireHOL-accepted configurations"
    );
}

#[test]
fn fhc_agrees_with_firehol_on_real_configurations() {
    let blocked = listed("BLOCKED");
    let accepted = listed("ACCEPTED");
    let mut problems = Vec::new();
    for (file, firehol_accepts) in verdicts() {
        let errs = errors(&file);
        match (
            firehol_accepts,
            blocked.get(&file),
            accepted.contains_key(&file),
        ) {
            (true, None, _) if !errs.is_empty() => {
                problems.push(format!("{file}: FireHOL accepts it, fhc refuses: {errs:?}"))
            }
            (true, Some(b), _) if errs.first() != b.first() => problems.push(format!(
                "{file}: BLOCKED says the first error is {:?}, fhc gives {errs:?}",
                b.first()
            )),
            (false, _, false) if errs.is_empty() => {
                problems.push(format!("{file}: FireHOL rejects it, fhc accepts it"))
            }
            (false, _, true) if !errs.is_empty() => problems.push(format!(
                "{file}: listed in ACCEPTED, but fhc refuses it: {errs:?}"
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_ones_that_compile_load_into_the_kernel() {
    if !support::root_or_skip(
        "kernel load of the real corpus",
        "sudo -E cargo test -p fhc --test real_corpus",
    ) {
        return;
    }
    let blocked = listed("BLOCKED");
    for (file, ok) in verdicts() {
        if !ok || blocked.contains_key(&file) {
            continue;
        }
        let path = dir().join(&file);
        let out = support::run_fhc(&["compile", "--no-defaults", path.to_str().unwrap()], None);
        assert!(out.status.success(), "{file} does not compile");
        let json = String::from_utf8(out.stdout).unwrap();
        let load = std::process::Command::new("unshare")
            .args(["-n", "nft", "-j", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(json.as_bytes())?;
                c.wait_with_output()
            })
            .expect("cannot run unshare -n nft");
        assert!(
            load.status.success(),
            "{file}: the kernel refused the ruleset: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }
}
