//! What the process-level tests share: the repository root and the rule for tests that need root
//! (network namespaces): they run as root, fail in CI when they cannot, and otherwise skip loudly.

#![allow(dead_code)]

pub mod netns;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn is_root() -> bool {
    if let Ok(out) = Command::new("id").arg("-u").output()
        && out.status.success()
    {
        return String::from_utf8_lossy(&out.stdout).trim() == "0";
    }
    // No `id`: the effective uid from /proc.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Prints a skip banner nobody can miss.
pub fn skip(what: &str, reason: &str, locally: &str) {
    eprintln!();
    eprintln!("==================================================================");
    eprintln!("SKIPPED: {what}: {reason}");
    eprintln!("  It did NOT run. It runs (and never skips) when CI is set;");
    eprintln!("  locally: {locally}");
    eprintln!("==================================================================");
    eprintln!();
}

/// True when a root-only test may run; false (after a loud skip) outside CI; panics in CI.
pub fn root_or_skip(what: &str, locally: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} needs root, and CI is set: refusing to skip");
    }
    skip(what, "needs root (network namespaces)", locally);
    false
}

/// Runs the built `fhc` with `args`, feeding `stdin` (empty when `None`), without colour.
pub fn run_fhc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fhc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fhc runs");
    {
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("fhc finishes")
}
