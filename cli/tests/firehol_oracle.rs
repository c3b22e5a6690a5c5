//! FireHOL itself as the oracle for the test corpus: runs `tests/firehol-oracle.sh`, which feeds
//! every `tests/corpus/valid/*.conf` and `tests/corpus/fhc-errors/*.conf` to the real FireHOL
//! (`firehol CONF debug` in a throwaway network namespace) and checks that FireHOL accepts them,
//! and that the `# oracle: firehol-rejects` files of `tests/corpus/invalid/` are rejected.
//!
//! The script needs root (namespaces, bind mounts) and an installed FireHOL. Outside CI the test
//! skips loudly when either is missing; with `CI` set it never skips, so a CI machine without root
//! or FireHOL fails here instead of silently passing.

mod support;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn firehol_accepts_the_valid_corpus() {
    let in_ci = std::env::var_os("CI").is_some();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests").join("firehol-oracle.sh");
    assert!(script.is_file(), "missing {}", script.display());

    if !support::is_root() && !in_ci {
        support::skip(
            "firehol_oracle",
            "needs root (network namespaces and bind mounts)",
            "sudo tests/firehol-oracle.sh",
        );
        return;
    }
    let firehol = std::env::var("FIREHOL").unwrap_or_else(|_| "/usr/sbin/firehol".to_string());
    if !PathBuf::from(&firehol).exists() && !in_ci {
        support::skip(
            "firehol_oracle",
            &format!("needs FireHOL at {firehol} (apt-get install firehol iptables iproute2)"),
            "sudo tests/firehol-oracle.sh",
        );
        return;
    }

    let out = Command::new("bash")
        .arg(&script)
        .current_dir(&root)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown by the test harness on failure (and with --nocapture).
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "tests/firehol-oracle.sh failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.lines().any(|l| l.ends_with(" 0 failed")),
        "no summary line from tests/firehol-oracle.sh:\n{stdout}"
    );
}

/// The bash pairs (tests/corpus/bash): FireHOL accepts each file and generates the same rules for
/// a configuration written with bash and for its hand-expanded twin.
#[test]
fn firehol_agrees_the_bash_pairs_are_twins() {
    let in_ci = std::env::var_os("CI").is_some();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    if !support::is_root() && !in_ci {
        support::skip(
            "bash pairs under FireHOL",
            "needs root (network namespaces and bind mounts)",
            "sudo tests/corpus/bash/check-firehol.sh",
        );
        return;
    }
    let out = Command::new("bash")
        .arg(root.join("tests/corpus/bash/check-firehol.sh"))
        .current_dir(&root)
        .output()
        .expect("cannot run tests/corpus/bash/check-firehol.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "FireHOL disagrees on a bash pair:\n{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("pairs: ") && l.ends_with(" 0 failed")),
        "no summary line:\n{stdout}"
    );
}
