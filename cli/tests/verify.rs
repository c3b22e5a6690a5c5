//! `fhc verify` as a FireHOL user runs it on the machine they are moving: a network namespace
//! plays that host and runs FireHOL 3.1.7 (`firehol CONF start`), and `fhc verify` runs inside
//! it. The same configuration verifies clean; an edited one (one server changed from accept to
//! drop) reports the difference with that line; the rules may come from iptables-legacy or
//! iptables-nft; `--firehol` compares with what FireHOL would load; a host without rules, a
//! user without root, Ctrl-C and the budget all end in exit 2 with nothing left behind.
//!
//! Needs root, FireHOL and the iptables tools (scripts/test.sh installs them); without root it
//! skips loudly unless CI is set.

mod support;

use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::netns::Ns;

/// Each run builds a dozen namespaces and times probes: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// A small firewall with an interface, a router and a server that the edit turns to drop.
const CONF: &str = "version 6\n\
interface4 eth0 lan src 192.168.1.0/24\n\
    policy reject\n\
    server ssh accept\n\
    server http accept\n\
    client all accept\n\
interface eth1 wan\n\
    server ping accept\n\
router4 r inface eth0 outface eth1\n\
    route http accept dst 10.5.5.5\n\
    route dns accept dst 10.5.5.5\n";

fn ready(what: &str) -> Option<std::sync::MutexGuard<'static, ()>> {
    if !support::root_or_skip(what, "sudo cargo test -p fhc --test verify") {
        return None;
    }
    if !std::path::Path::new("/usr/sbin/firehol").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "FireHOL is missing and CI is set: refusing to skip"
        );
        support::skip(what, "FireHOL is missing", "apt-get install firehol");
        return None;
    }
    Some(SERIAL.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A namespace playing the host: interfaces eth0 and eth1, IPv4 forwarding on (its routers
/// route), and FireHOL started on `conf` (in a private mount namespace, as in Debian's package
/// with START_FIREHOL=YES).
fn firehol_host(test: &str, text: &str) -> (Ns, String) {
    let ns = Ns::new(test);
    let conf = ns.file("firehol.conf", text);
    for i in ["eth0", "eth1"] {
        let peer = format!("p{i}");
        let o = Command::new("ip")
            .args([
                "-n", &ns.name, "link", "add", i, "type", "veth", "peer", "name", &peer,
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", support::netns::err(&o));
    }
    let dflt = ns.file("default-firehol", "START_FIREHOL=YES\n");
    let script = "set -e; mount --make-rprivate /; mount --bind \"$1\" /etc/default/firehol; \
                  mkdir -p /run/firehol /var/spool/firehol; mount -t tmpfs tmpfs /run/firehol; \
                  mount -t tmpfs tmpfs /var/spool/firehol; sysctl -qw net.ipv4.ip_forward=1; \
                  exec firehol \"$2\" start";
    let o = ns
        .cmd(
            "unshare",
            &["--mount", "--", "sh", "-c", script, "sh", &dflt, &conf],
        )
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "firehol start: {}{}",
        support::netns::out(&o),
        support::netns::err(&o)
    );
    (ns, conf)
}

fn verify(ns: &Ns, args: &[&str]) -> Output {
    let mut all = vec!["verify", "--no-defaults"];
    all.extend(args);
    let o = ns.fhc(&all);
    eprintln!(
        "fhc {all:?}: exit {:?}\n{}{}",
        o.status.code(),
        support::netns::out(&o),
        support::netns::err(&o)
    );
    o
}

/// Namespaces of `fhc verify` runs (fhv<pid>-...), with whether their process is gone.
fn verify_namespaces() -> Vec<(String, bool)> {
    let o = Command::new("ip").args(["netns", "list"]).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|n| {
            let pid = n
                .strip_prefix("fhv")?
                .split('-')
                .next()?
                .parse::<u32>()
                .ok()?;
            let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
            Some((n.to_string(), gone))
        })
        .collect()
}

/// The `fhc verify-agent` processes whose parent is `pid`.
fn agents(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            // stat: "PID (comm) STATE PPID ..."
            let ppid = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            ppid == Some(pid) && String::from_utf8_lossy(&cmd).contains("verify-agent")
        })
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Whether a process is alive (a zombie is not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(") ")
            .is_some_and(|(_, r)| !r.starts_with('Z'))
    })
}

/// Namespaces left behind by `fhc verify` runs that have ended.
fn leftovers() -> Vec<String> {
    verify_namespaces()
        .into_iter()
        .filter(|(_, gone)| *gone)
        .map(|(n, _)| n)
        .collect()
}

/// Namespaces of the run with process id `pid`.
fn of_run(pid: u32) -> usize {
    let prefix = format!("fhv{pid}-");
    verify_namespaces()
        .iter()
        .filter(|(n, _)| n.starts_with(&prefix))
        .count()
}

#[test]
fn a_host_running_firehol_verifies_clean_and_an_edit_is_reported_at_its_line() {
    let Some(_serial) = ready("fhc verify against a host running FireHOL") else {
        return;
    };
    let before = leftovers();
    let (ns, conf) = firehol_host("vlive", CONF);
    let o = verify(&ns, &[&conf]);
    let text = support::netns::out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("(iptables-legacy)"), "{text}");
    assert!(text.contains("no differences"), "{text}");

    // `server http accept` (line 5) becomes drop: HTTP to the firewall from the LAN differs.
    let edited = ns.file(
        "edited.conf",
        &CONF.replace("server http accept", "server http drop"),
    );
    let o = verify(&ns, &[&edited, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let diffs = report["differences"].as_array().expect("differences");
    let http: Vec<_> = diffs
        .iter()
        .filter(|d| d["probe"].as_str().unwrap().ends_with("tcp/80"))
        .collect();
    assert!(!http.is_empty(), "{report}");
    for d in &http {
        assert!(
            d["now"].as_str().unwrap().starts_with("open ID fw 80"),
            "{d}"
        );
        assert_ne!(d["now"], d["fhc"]);
    }
    assert!(
        http.iter()
            .any(|d| d["lines"].as_array().unwrap().contains(&5.into())),
        "no tcp/80 difference names line 5: {report}"
    );
    assert!(
        http.iter().any(|d| d["iptables_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("--dport 80"))),
        "no tcp/80 difference names FireHOL's port-80 rule: {report}"
    );
    assert!(report["probes"].as_u64().unwrap() > 500, "{report}");

    // Routed, to an address the configuration names, TCP (line 10) and UDP (line 11).
    let routes = CONF
        .replace("route http accept", "route http reject")
        .replace("route dns accept", "route dns drop");
    let edited = ns.file("routes.conf", &routes);
    let o = verify(&ns, &[&edited, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let diffs = report["differences"].as_array().expect("differences");
    for (what, line, now) in [
        ("[10.5.5.5] tcp/80", 10, "open ID host@eth1 80"),
        ("[10.5.5.5] udp/53", 11, "reply ID host@eth1 53"),
    ] {
        let hits: Vec<_> = diffs
            .iter()
            .filter(|d| d["probe"].as_str().unwrap().ends_with(what))
            .collect();
        assert!(!hits.is_empty(), "no {what} difference: {report}");
        assert!(
            hits.iter()
                .all(|d| d["now"].as_str().unwrap().starts_with(now)),
            "{what}: {report}"
        );
        assert!(
            hits.iter()
                .any(|d| d["lines"].as_array().unwrap().contains(&line.into())),
            "no {what} difference names line {line}: {report}"
        );
    }
    assert_eq!(leftovers(), before, "namespaces left behind");
}

#[test]
fn rules_loaded_with_iptables_nft_verify_clean_too() {
    let Some(_serial) = ready("fhc verify against iptables-nft rules") else {
        return;
    };
    // FireHOL's rules, taken from a legacy host and loaded with iptables-nft into another.
    let (legacy, _) = firehol_host("vsrc", CONF);
    let dump = |cmd: &str| support::netns::out(&legacy.cmd(cmd, &[]).output().unwrap());
    let (v4, v6) = (dump("iptables-legacy-save"), dump("ip6tables-legacy-save"));
    let host = Ns::new("vnft");
    for (cmd, rules) in [("iptables-nft-restore", v4), ("ip6tables-nft-restore", v6)] {
        let mut c = host.cmd(cmd, &[]).stdin(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(rules.as_bytes()).unwrap();
        assert!(c.wait().unwrap().success(), "{cmd}");
    }
    let _ = host
        .cmd("sysctl", &["-qw", "net.ipv4.ip_forward=1"])
        .output();
    let conf = host.file("firehol.conf", CONF);
    let o = verify(&host, &[&conf]);
    let text = support::netns::out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("(iptables-nft)"), "{text}");
}

#[test]
fn firehol_mode_compares_with_what_firehol_would_load() {
    let Some(_serial) = ready("fhc verify --firehol") else {
        return;
    };
    let ns = Ns::new("vfh");
    let _ = ns.cmd("sysctl", &["-qw", "net.ipv4.ip_forward=1"]).output();
    let conf = ns.file("firehol.conf", CONF);
    let o = verify(&ns, &["--firehol", &conf]);
    let text = support::netns::out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("`firehol "), "{text}");
    // The namespace that plays the host was not touched: still no rules in it.
    let save = support::netns::out(&ns.cmd("iptables-legacy-save", &[]).output().unwrap());
    assert!(!save.contains("-A "), "{save}");
}

#[test]
fn a_host_without_rules_or_a_user_without_root_cannot_verify() {
    let Some(_serial) = ready("fhc verify refusals") else {
        return;
    };
    // A run killed with SIGKILL leaves its namespaces; the next run removes them (4999999 is
    // above any pid_max, so no live process owns this one).
    let stale = "fhv4999999-a-fw";
    let o = Command::new("ip")
        .args(["netns", "add", stale])
        .output()
        .unwrap();
    assert!(o.status.success());
    let ns = Ns::new("vnone");
    let conf = ns.file("firehol.conf", CONF);
    let o = verify(&ns, &[&conf]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !verify_namespaces().iter().any(|(n, _)| n == stale),
        "the stale namespace of a dead run is still there"
    );
    let err = support::netns::err(&o);
    assert!(
        err.contains("no iptables rules") && err.contains("--firehol"),
        "{err}"
    );

    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_fhc"))
        .args(["verify", "--no-defaults", &conf])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        support::netns::err(&o).contains("needs root"),
        "{}",
        support::netns::err(&o)
    );
}

#[test]
fn ctrl_c_and_the_budget_remove_everything_it_made() {
    let Some(_serial) = ready("fhc verify interrupted") else {
        return;
    };
    let before = leftovers();
    let ns = Ns::new("vint");
    let conf = ns.file("firehol.conf", CONF);
    let mut child = ns
        .cmd(
            env!("CARGO_BIN_EXE_fhc"),
            &["verify", "--no-defaults", "--firehol", &conf],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once its probes are running (its agents are up in both firewalls).
    let t0 = Instant::now();
    while agents(child.id()).len() < 2 && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = agents(child.id());
    assert!(started.len() >= 2, "verify never started its agents");
    assert!(of_run(child.id()) >= 6);
    // `ip netns exec` execs fhc: the child is fhc itself.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(leftovers(), before, "namespaces left behind after Ctrl-C");
    std::thread::sleep(Duration::from_millis(300));
    let survivors: Vec<_> = started.into_iter().filter(|p| alive(*p)).collect();
    assert!(
        survivors.is_empty(),
        "agents outlived fhc verify: {survivors:?}"
    );
    let dirs = std::fs::read_dir("/run")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("fhc-verify.{}.", child.id()))
        })
        .count();
    assert_eq!(dirs, 0, "its work directory is left in /run");

    let o = verify(&ns, &["--firehol", "--budget", "1", &conf]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        support::netns::err(&o).contains("budget"),
        "{}",
        support::netns::err(&o)
    );
    assert_eq!(
        leftovers(),
        before,
        "namespaces left behind after the budget ran out"
    );
}

/// What `fhc verify` found in the project's own corpus (tests/corpus/valid/ipv4-only.conf): a
/// `synproxy forward` whose `dst` is a `dnat` target. FireHOL's SYNPROXY rule wants INVALID or
/// UNTRACKED, so the DNAT'd SYN, which conntrack tracks, passes on to the router; fhc's rule also
/// took `new` packets (for the client's ACK) and answered that SYN itself, and the port forward
/// never connected. Real traffic through both firewalls must now agree.
#[test]
fn a_port_forward_to_a_synproxy_dst_connects_as_under_firehol() {
    let Some(_serial) = ready("fhc verify: synproxy dst behind a dnat") else {
        return;
    };
    let conf_text = "version 6\n\
        ipv4 synproxy forward inface eth0 dst 10.0.0.10 dport 8080\n\
        ipv4 dnat to 10.0.0.10 inface eth0 proto tcp dport 8080\n\
        interface4 eth0 wan\n    server ssh accept\n\
        router4 wan2lan inface eth0 outface eth1\n    route httpalt accept dst 10.0.0.10\n";
    let ns = Ns::new("vspdnat");
    let _ = ns.cmd("sysctl", &["-qw", "net.ipv4.ip_forward=1"]).output();
    let conf = ns.file("firehol.conf", conf_text);
    let o = verify(&ns, &["--firehol", "--format", "json", &conf]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let forwarded: Vec<_> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["probe"].as_str().unwrap().ends_with("tcp/8080") && d["known"].is_null())
        .collect();
    assert!(forwarded.is_empty(), "port forward differs: {forwarded:?}");
    assert_eq!(o.status.code(), Some(0), "{report}");
}
