//! FireHOL itself as the oracle for the test corpus: runs `tests/firehol-oracle.sh`, which feeds
//! every `tests/corpus/valid/*.conf` and `tests/corpus/fhc-errors/*.conf` to the real FireHOL
//! (`firehol CONF debug` in a throwaway network namespace) and checks that FireHOL accepts them,
//! and that the `# oracle: firehol-rejects` files of `tests/corpus/invalid/` are rejected.
//!
//! The script needs root (namespaces, bind mounts) and an installed FireHOL. Outside CI the test
//! skips loudly when either is missing; with `CI` set it never skips, so a CI machine without root
//! or FireHOL fails here instead of silently passing.

use std::path::PathBuf;
use std::process::Command;

fn is_root() -> bool {
    if let Ok(out) = Command::new("id").arg("-u").output()
        && out.status.success()
    {
        return String::from_utf8_lossy(&out.stdout).trim() == "0";
    }
    // No `id`: fall back to the effective uid in /proc.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

fn skip(reason: &str) {
    eprintln!();
    eprintln!("==================================================================");
    eprintln!("SKIPPED: firehol_oracle: {reason}");
    eprintln!("  The FireHOL oracle did NOT run. It runs (and never skips) when CI is set;");
    eprintln!("  locally: sudo tests/firehol-oracle.sh");
    eprintln!("==================================================================");
    eprintln!();
}

#[test]
fn firehol_accepts_the_valid_corpus() {
    let in_ci = std::env::var_os("CI").is_some();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests").join("firehol-oracle.sh");
    assert!(script.is_file(), "missing {}", script.display());

    if !is_root() && !in_ci {
        skip("needs root (network namespaces and bind mounts); set CI=1 to make this a failure");
        return;
    }
    let firehol = std::env::var("FIREHOL").unwrap_or_else(|_| "/usr/sbin/firehol".to_string());
    if !PathBuf::from(&firehol).exists() && !in_ci {
        skip(&format!(
            "needs FireHOL at {firehol} (apt-get install firehol iptables iproute2)"
        ));
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
