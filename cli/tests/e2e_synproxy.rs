//! Traffic tests of the `synproxy` lowering: every case of `tests/e2e/` (the seed's synproxy use
//! cases, over IPv4 and IPv6) is compiled by the `fhc` binary of this build, loaded into a
//! throw-away network namespace and exercised with real TCP through the kernel's SYNPROXY by
//! `tests/e2e/run.sh` (which drives `tests/e2e/harness.sh`): a legitimate connection reaches the
//! right server and port, the SYNPROXY counters move, a bare ACK without a valid cookie is
//! dropped, and a burst of spoofed SYNs leaves no half-open connection or conntrack entry.
//!
//! The harness needs root (network namespaces) and ip, nft, conntrack, ss, hping3, curl, jq and
//! python3 (`scripts/test.sh` installs them as root). Outside CI the tests skip loudly when not
//! root; with `CI` set they never skip, so a CI machine without root fails here instead of
//! silently passing. The cases run one at a time (a shared lock): they are timing-sensitive
//! (spoofed SYN bursts, connection timeouts) and the machine may have few CPUs.
//!
//! By hand: `sudo tests/e2e/run.sh all` (after `cargo build -p fhc`).

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

static SERIAL: Mutex<()> = Mutex::new(());

fn run_case(case: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests").join("e2e").join("run.sh");
    assert!(script.is_file(), "missing {}", script.display());
    if !support::root_or_skip(
        &format!("e2e_synproxy case {case}"),
        &format!("sudo tests/e2e/run.sh {case}"),
    ) {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let start = Instant::now();
    let out = Command::new("bash")
        .arg(&script)
        .arg("--fhc")
        .arg(env!("CARGO_BIN_EXE_fhc"))
        .arg(case)
        .current_dir(&root)
        .output()
        .expect("cannot run bash tests/e2e/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown with --nocapture, and on failure.
    println!("{stdout}");
    eprintln!("{stderr}");
    eprintln!(
        "e2e case {case}: {:.1}s, exit {:?}",
        start.elapsed().as_secs_f64(),
        out.status.code()
    );
    let fails: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert!(
        out.status.success() && fails.is_empty(),
        "e2e case {case} failed (run.sh exit {:?}):\n{}\n--- full output ---\n{stdout}\n{stderr}",
        out.status.code(),
        fails.join("\n")
    );
}

#[test]
fn a_local_server_same_port() {
    run_case("A");
}

#[test]
fn b_local_server_other_port_redirect() {
    run_case("B");
}

#[test]
fn c_routed_server() {
    run_case("C");
}

#[test]
fn d_dnat_to_one_server() {
    run_case("D");
}

#[test]
fn d2_dnat_to_range_persistent() {
    run_case("D2");
}

#[test]
fn e_trap_action_and_redirect() {
    run_case("E");
}

#[test]
fn a6_ipv6_local_server_same_port() {
    run_case("A6");
}

#[test]
fn b6_ipv6_local_server_other_port_redirect() {
    run_case("B6");
}

#[test]
fn c6_ipv6_routed_server() {
    run_case("C6");
}

#[test]
fn d6_ipv6_dnat_to_one_server() {
    run_case("D6");
}

#[test]
fn d26_ipv6_dnat_to_range_persistent() {
    run_case("D26");
}

#[test]
fn e6_ipv6_trap_action_and_redirect() {
    run_case("E6");
}
