//! `connlimit` through the kernel: `tests/connlimit/run.sh` compiles a configuration with
//! `fhc compile`, loads it in a firewall namespace and holds real TCP connections open from two
//! client addresses: the limit is per client address (and per network with `mask`), and a closed
//! connection frees its slot. Needs root (skipped loudly otherwise, never in CI).

mod support;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn connlimit_counts_per_client_in_the_kernel() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests").join("connlimit").join("run.sh");
    if !support::root_or_skip("e2e_connlimit", "sudo tests/connlimit/run.sh") {
        return;
    }
    let out = Command::new("bash")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_fhc"))
        .current_dir(&root)
        .output()
        .expect("cannot run bash tests/connlimit/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "connlimit checks failed:\n{stdout}");
    for check in ["per-source", "other-source", "freed", "per-network"] {
        assert!(
            stdout.lines().any(|l| l == format!("PASS {check}")),
            "{check} did not pass:\n{stdout}"
        );
    }
}
