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

/// Runs a case; `env` adds harness knobs (E2E_STRICT=1: every legitimate connection is prompt)
/// and `E2E_CONF_PREPEND` settings. Returns the harness output; panics on failure unless
/// `must_fail` names the check that has to fail.
fn run_case_with(case: &str, env: &[(&str, &str)], must_fail: Option<&str>) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests").join("e2e").join("run.sh");
    assert!(script.is_file(), "missing {}", script.display());
    if !support::root_or_skip(
        &format!("e2e_synproxy case {case}"),
        &format!("sudo tests/e2e/run.sh {case}"),
    ) {
        return String::new();
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let start = Instant::now();
    let mut cmd = Command::new("bash");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
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
    if let Some(check) = must_fail {
        assert!(
            fails
                .iter()
                .any(|l| l.starts_with(&format!("FAIL {check}"))),
            "e2e case {case}: check {check} was expected to fail:\n{stdout}"
        );
        return stdout.into_owned();
    }
    assert!(
        out.status.success() && fails.is_empty(),
        "e2e case {case} failed (run.sh exit {:?}):\n{}\n--- full output ---\n{stdout}\n{stderr}",
        out.status.code(),
        fails.join("\n")
    );
    stdout.into_owned()
}

fn run_case(case: &str) {
    run_case_with(case, &[], None);
}

/// No NAT towards the server: fhc untracks SYNPROXY's ACK, so even on Linux >= 6.15 every
/// legitimate connection, server-first ones included, completes at once (strict mode).
fn run_strict(case: &str) {
    run_case_with(case, &[("E2E_STRICT", "1")], None);
}

#[test]
fn a_local_server_same_port() {
    run_strict("A");
}

#[test]
fn b_local_server_other_port_redirect() {
    run_case("B");
}

#[test]
fn c_routed_server() {
    run_strict("C");
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
    run_strict("A6");
}

#[test]
fn b6_ipv6_local_server_other_port_redirect() {
    run_case("B6");
}

#[test]
fn c6_ipv6_routed_server() {
    run_strict("C6");
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

/// The negative control of the strict cases: with `FHC_SYNPROXY_UNTRACK_ACK=0` SYNPROXY's ACK
/// stays tracked, and a Linux >= 6.15 server stalls every server-first connection for a second
/// (tests/e2e/NOTES.md 3.7). On older kernels there is no stall to show, and the test says so.
#[test]
fn untracking_the_ack_is_what_removes_the_stall() {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut v = release
        .trim()
        .split(['.', '-'])
        .map(|x| x.parse::<u32>().unwrap_or(0));
    let (major, minor) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
    let env = [
        ("E2E_STRICT", "1"),
        ("E2E_CONF_PREPEND", "FHC_SYNPROXY_UNTRACK_ACK=0"),
    ];
    if (major, minor) >= (6, 15) {
        run_case_with("A", &env, Some("server_first_protocol_prompt"));
    } else {
        eprintln!(
            "kernel {release}: older than 6.15, no timestamp stall to show; running the case plainly"
        );
        run_case_with("A", &env[1..], None);
    }
}
