//! Kernel access for the backend tests: loading a ruleset into a fresh network namespace.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Kernel tests run as root with nft; in CI they must, elsewhere they skip loudly.
pub fn kernel_available() -> bool {
    if is_root() && Command::new("nft").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("kernel tests need root and nft in CI");
    }
    eprintln!("SKIPPED: kernel tests need root and nft (run as root, or in CI)");
    false
}

/// Loads a JSON ruleset into a fresh network namespace; returns `nft list ruleset` or nft's error.
pub fn load_in_netns(json: &str) -> Result<String, String> {
    in_netns("nft -j -f - && nft list ruleset", json)
}

/// Loads `input` with `nft ARGS` (`-j -f -` for JSON, `-f -` for text) into a fresh network
/// namespace and returns `nft -j list table inet firehol` there, or nft's error.
pub fn load_and_list_json(args: &str, input: &str) -> Result<String, String> {
    in_netns(
        &format!("nft {args} && nft -j list table inet firehol"),
        input,
    )
}

/// Runs a shell script in a fresh network namespace with `input` on stdin: stdout, or stderr.
pub fn in_netns(script: &str, input: &str) -> Result<String, String> {
    let mut child = Command::new("unshare")
        .args(["-n", "sh", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
