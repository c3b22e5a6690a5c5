//! Differential equivalence with FireHOL 3.1.7, packet by packet (tests/diff/harness.py).
//!
//! The harness builds the same namespaces twice, activates FireHOL in one and `fhc compile |
//! nft -j -f -` in the other, sends the same probes through both and fails on any difference not
//! listed in tests/diff/expected-differences.txt. A second run breaks the fhc ruleset on purpose
//! (FHC_DIFF_MUTATE=accept-to-drop) and must report differences, proving the harness can see them.
//!
//! Needs root (network namespaces) and FireHOL; without root it skips loudly unless CI is set.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The two tests build namespaces and time out probes: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the harness; returns (exit code, stdout) and the parsed summary numbers.
fn harness(args: &[&str], mutate: Option<&str>) -> (i32, String, (u64, u64, u64, u64)) {
    let root = repo();
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tests/diff/harness.py"))
        .args(args)
        .env("FHC", env!("CARGO_BIN_EXE_fhc"))
        .current_dir(&root);
    if let Some(m) = mutate {
        cmd.env("FHC_DIFF_MUTATE", m);
    } else {
        cmd.env_remove("FHC_DIFF_MUTATE");
    }
    let out = cmd
        .output()
        .expect("cannot run python3 tests/diff/harness.py");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("SUMMARY: "))
        .unwrap_or_else(|| {
            panic!(
                "no SUMMARY line from the harness (exit {:?})",
                out.status.code()
            )
        });
    // SUMMARY: N configs, M probes, K differences (E expected, U unexpected); ...
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(nums.len() >= 5, "cannot parse {line:?}");
    (
        out.status.code().unwrap_or(-1),
        stdout,
        (nums[0], nums[1], nums[2], nums[4]),
    )
}

#[test]
fn differential_equivalence_with_firehol() {
    if !support::root_or_skip(
        "differential FireHOL-vs-fhc test",
        "sudo -E cargo test -p fhc --test differential",
    ) {
        return;
    }
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (code, _out, (configs, probes, _diffs, unexpected)) = harness(&[], None);
    assert!(configs >= 10, "too few configs were compared ({configs})");
    assert!(probes >= 1000, "too few probes ({probes})");
    assert_eq!(
        unexpected, 0,
        "unexpected differences between FireHOL and fhc (see above)"
    );
    assert_eq!(code, 0, "harness failed (see above)");
}

#[test]
fn differential_harness_catches_a_broken_lowering() {
    if !support::root_or_skip(
        "differential FireHOL-vs-fhc test",
        "sudo -E cargo test -p fhc --test differential",
    ) {
        return;
    }
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let conf = repo().join("tests/diff/configs/lan-wan.conf");
    let (code, out, (configs, _probes, _diffs, unexpected)) =
        harness(&[conf.to_str().unwrap()], Some("accept-to-drop"));
    assert_eq!(configs, 1);
    assert!(
        out.contains("MUTATED"),
        "the harness did not mutate the ruleset"
    );
    assert!(
        unexpected > 0,
        "a service accept turned into drop went unnoticed"
    );
    assert_ne!(code, 0, "the harness must fail on a broken lowering");
}
