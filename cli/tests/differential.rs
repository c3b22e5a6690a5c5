//! Differential equivalence with FireHOL 3.1.7, packet by packet (tests/diff/harness.py).
//!
//! The harness builds the same namespaces twice, activates FireHOL in one and `fhc compile |
//! nft -j -f -` in the other, sends the same probes through both and fails on any difference not
//! listed in tests/diff/expected-differences.txt. A second run breaks the fhc ruleset on purpose
//! (FHC_DIFF_MUTATE=accept-to-drop) and must report differences, proving the harness can see them.
//!
//! The same harness compares the real users' configurations that compile (tests/corpus/real/),
//! and random configurations from tests/diff/gen.py, first judged by FireHOL, for the seeds in
//! tests/diff/ci-seeds (tests/diff/fuzz.py).
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

#[test]
fn real_configurations_behave_as_under_firehol() {
    if !support::root_or_skip(
        "differential FireHOL-vs-fhc test",
        "sudo -E cargo test -p fhc --test differential",
    ) {
        return;
    }
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = repo().join("tests/corpus/real");
    let verdicts = std::fs::read_to_string(dir.join("VERDICTS")).unwrap();
    let blocked = std::fs::read_to_string(dir.join("BLOCKED")).unwrap();
    let confs: Vec<String> = verdicts
        .lines()
        .filter_map(|l| l.strip_suffix(" firehol-accepts"))
        .filter(|f| !blocked.lines().any(|b| b.starts_with(&format!("{f} "))))
        .map(|f| dir.join(f).to_string_lossy().into_owned())
        .collect();
    assert!(
        confs.len() >= 26,
        "only {} real configurations compile",
        confs.len()
    );
    all_behave_as_under_firehol(&confs, "real configurations");
}

/// Runs the harness on `confs`: every one compared, no unexpected difference.
fn all_behave_as_under_firehol(confs: &[String], what: &str) {
    let args: Vec<&str> = confs.iter().map(String::as_str).collect();
    let (code, _out, (configs, _probes, _diffs, unexpected)) = harness(&args, None);
    assert_eq!(
        configs as usize,
        confs.len(),
        "some {what} were not compared"
    );
    assert_eq!(unexpected, 0, "{what} behave differently (see above)");
    assert_eq!(code, 0, "harness failed (see above)");
}

#[test]
fn random_configurations_behave_as_under_firehol() {
    if !support::root_or_skip(
        "differential fuzzing against FireHOL",
        "sudo -E cargo test -p fhc --test differential",
    ) {
        return;
    }
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = repo();
    let seeds: Vec<String> = std::fs::read_to_string(root.join("tests/diff/ci-seeds"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect();
    assert!(seeds.len() >= 20, "CI runs at least 20 seeds");
    let out = Command::new("python3")
        .arg(root.join("tests/diff/fuzz.py"))
        .args(["--fhc", env!("CARGO_BIN_EXE_fhc")])
        .args(&seeds)
        .current_dir(&root)
        .output()
        .expect("cannot run tests/diff/fuzz.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("FUZZ SUMMARY"), "no summary from fuzz.py");
    assert!(
        out.status.success(),
        "random configurations: fhc and FireHOL disagree (seeds above)"
    );
}

/// The configurations written with bash (tests/corpus/bash: loops, functions, conditions,
/// `case`, arithmetic, expansions) behave as under FireHOL, which runs them in real bash.
#[test]
fn bash_configurations_behave_as_under_firehol() {
    if !support::root_or_skip(
        "differential FireHOL-vs-fhc test",
        "sudo -E cargo test -p fhc --test differential",
    ) {
        return;
    }
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = repo().join("tests/corpus/bash");
    let mut confs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".conf") && !p.ends_with(".expanded.conf"))
        .collect();
    confs.sort();
    assert!(
        confs.len() >= 15,
        "only {} bash configurations",
        confs.len()
    );
    all_behave_as_under_firehol(&confs, "bash configurations");
}
