//! `fhc explain`, and what every compiling subcommand reads before the configuration
//! (firehol-defaults.conf, the services directory). No root needed.

mod support;

use std::path::{Path, PathBuf};
use support::run_fhc;

const SYNPROXY: &str = "\
ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 443 accept
interface4 eth0 wan \\
    src not 10.0.0.0/8
    server https accept
";

/// A fresh directory under the target dir (tests run in parallel: one per test).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("explain-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `dir/services/` holding one file.
fn services_dir(dir: &Path, name: &str, text: &str) -> PathBuf {
    let services = dir.join("services");
    std::fs::create_dir_all(&services).unwrap();
    write(&services, name, text);
    services
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn explain_a_synproxy_config() {
    let o = run_fhc(&["explain", "--no-defaults", "-"], Some(SYNPROXY));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    insta::assert_snapshot!(out);
}

#[test]
fn explain_one_line_and_continuations() {
    // Line 3 continues the interface statement of line 2.
    let o = run_fhc(
        &["explain", "--no-defaults", "--line", "3", "-"],
        Some(SYNPROXY),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("lines 2-3: interface4 eth0 wan src not 10.0.0.0/8\n"),
        "{out}"
    );
    assert!(out.contains("jump in_wan"), "{out}");
    assert!(!out.contains("skeleton"), "{out}");

    let o = run_fhc(
        &["explain", "--no-defaults", "--line", "1", "-"],
        Some(SYNPROXY),
    );
    let out = stdout(&o);
    assert!(
        out.contains("the client's SYN is left untracked so SYNPROXY can answer it"),
        "{out}"
    );
    assert!(
        out.contains("[raw_prerouting]") && out.contains("notrack"),
        "{out}"
    );

    // Past the end, or a blank line: no statement there.
    let o = run_fhc(
        &["explain", "--no-defaults", "--line", "9", "-"],
        Some(SYNPROXY),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no statement on this line"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_refuses_a_broken_config() {
    let o = run_fhc(&["explain", "--no-defaults", "-"], Some("interface eth0\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E0008"), "{}", stderr(&o));
}

#[test]
fn a_service_from_the_services_dir_compiles() {
    let dir = scratch("services");
    let services = services_dir(
        &dir,
        "torrent.conf",
        "#FHVER: 1:213\nserver_torrent_ports=\"tcp/6881:6889 udp/6881\"\nclient_torrent_ports=\"default\"\n",
    );
    let conf = write(
        &dir,
        "firehol.conf",
        "interface eth0 lan\n    server torrent accept\n",
    );
    let svc = services.display().to_string();
    let defaults = write(&dir, "none.conf", "");
    for cmd in ["check", "compile", "explain"] {
        let o = run_fhc(
            &[cmd, "--defaults", &defaults, "--services-dir", &svc, &conf],
            None,
        );
        assert!(o.status.success(), "{cmd}: {}", stderr(&o));
    }
    let o = run_fhc(
        &[
            "explain",
            "--defaults",
            &defaults,
            "--services-dir",
            &svc,
            &conf,
        ],
        None,
    );
    assert!(stdout(&o).contains("tcp dport 6881-6889"), "{}", stdout(&o));
    // Without the directory, the service is unknown.
    let o = run_fhc(&["check", "--no-defaults", &conf], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E0110"), "{}", stderr(&o));
}

#[test]
fn a_services_file_without_its_header_is_ignored_with_a_warning() {
    let dir = scratch("header");
    let services = services_dir(&dir, "x.conf", "server_torrent_ports=\"tcp/6881\"\n");
    let conf = write(
        &dir,
        "firehol.conf",
        "interface eth0 lan\n    server torrent accept\n",
    );
    let defaults = write(&dir, "none.conf", "");
    let o = run_fhc(
        &[
            "check",
            "--defaults",
            &defaults,
            "--services-dir",
            &services.display().to_string(),
            &conf,
        ],
        None,
    );
    let err = stderr(&o);
    assert!(
        err.contains("ignoring services file")
            && err.contains("x.conf")
            && err.contains("malformed header"),
        "{err}"
    );
    assert!(err.contains("E0110"), "{err}");
}

#[test]
fn settings_from_the_defaults_file_reach_the_ruleset() {
    let dir = scratch("defaults");
    let defaults = write(
        &dir,
        "firehol-defaults.conf",
        "FIREHOL_TCP_SYN_COOKIES=0\nLAN=\"10.9.0.0/16\"\n",
    );
    let conf = write(
        &dir,
        "firehol.conf",
        "interface eth0 lan src \"$LAN\"\n    server ssh accept\n",
    );
    let o = run_fhc(
        &[
            "sysctl",
            "--defaults",
            &defaults,
            "--services-dir",
            "/nonexistent-is-fine-here",
            &conf,
        ],
        None,
    );
    // An explicit services dir that does not exist is an error...
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/nonexistent-is-fine-here"),
        "{}",
        stderr(&o)
    );
    // ... the default one is optional.
    let empty = dir.join("svc");
    std::fs::create_dir_all(&empty).unwrap();
    let svc = empty.display().to_string();
    let o = run_fhc(
        &[
            "sysctl",
            "--defaults",
            &defaults,
            "--services-dir",
            &svc,
            &conf,
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("net.ipv4.tcp_syncookies = 0"),
        "{}",
        stdout(&o)
    );
    let o = run_fhc(
        &[
            "compile",
            "--defaults",
            &defaults,
            "--services-dir",
            &svc,
            &conf,
        ],
        None,
    );
    assert!(
        stdout(&o).contains("10.9.0.0"),
        "the variable from the defaults file is used"
    );
}

#[test]
fn bash_in_the_defaults_file_is_an_error_in_that_file() {
    let dir = scratch("bash");
    let defaults = write(
        &dir,
        "firehol-defaults.conf",
        "OK=1\ninterface eth0 lan\nX=$(hostname)\n",
    );
    let conf = write(
        &dir,
        "firehol.conf",
        "interface eth0 lan\n    server ssh accept\n",
    );
    let o = run_fhc(&["compile", "--defaults", &defaults, &conf], None);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("firehol-defaults.conf:3") && err.contains("E0004"),
        "{err}"
    );
    assert!(
        err.contains("firehol-defaults.conf:2") && err.contains("variables and `markdef`s only"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn missing_files_are_clear_errors() {
    let o = run_fhc(
        &["explain", "--no-defaults", "/nonexistent/firehol.conf"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/firehol.conf"),
        "{}",
        stderr(&o)
    );
    let o = run_fhc(
        &["compile", "--defaults", "/nonexistent/defaults.conf", "-"],
        Some(""),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/defaults.conf"),
        "{}",
        stderr(&o)
    );
    let o = run_fhc(
        &["apply", "--no-defaults", "/nonexistent/firehol.conf"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_systemd_unit_applies_at_boot_with_the_sysctl_retry() {
    let unit_path = support::repo().join("dist/systemd/fhc.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/bin/fhc apply --sysctl-retry 60 /etc/firehol/firehol.conf")
    );
    assert!(unit.contains("Before=network-pre.target") && unit.contains("Type=oneshot"));
    assert!(unit.contains("RemainAfterExit=yes"));
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        support::skip(
            "systemd unit verification",
            "systemd-analyze is not installed",
            "apt-get install systemd",
        );
        return;
    }
    // `verify` wants the binary to exist: point the unit at the one just built.
    let dir = scratch("unit");
    let copy = dir.join("fhc.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/bin/fhc", env!("CARGO_BIN_EXE_fhc")),
    )
    .unwrap();
    let o = std::process::Command::new("systemd-analyze")
        .args(["verify", &copy.display().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // And the options the unit passes exist.
    let o = run_fhc(&["apply", "--help"], None);
    assert!(stdout(&o).contains("--sysctl-retry"));
}
