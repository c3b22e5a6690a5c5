//! Operating a firewall, in named network namespaces (root; never skipped in CI): `fhc apply`,
//! `fhc try` / `fhc commit` and `fhc diff` against a real kernel.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::netns::{Ns, err, finish, out, which};
use support::root_or_skip;

const LOCALLY: &str = "sudo -E cargo test -p fhc --test operate";

const SSH: &str = "interface eth0 lan\n    server ssh accept\n";
const HTTP: &str = "interface eth0 lan\n    server http accept\n";
/// Settings the tests change: 1 is the kernel's default in a new namespace.
const LOOSE: &str = "net/netfilter/nf_conntrack_tcp_loose";

/// A defaults file that makes the ruleset change a conntrack setting.
fn loose_defaults(ns: &Ns) -> String {
    ns.file("defaults.conf", "FIREHOL_CONNTRACK_LOOSE_MATCHING=0\n")
}

#[test]
fn apply_then_list_shows_the_table_and_the_settings() {
    if !root_or_skip("fhc apply", LOCALLY) {
        return;
    }
    let ns = Ns::new("apply");
    let conf = ns.file("ssh.conf", SSH);
    let defaults = loose_defaults(&ns);
    assert_eq!(ns.sysctl(LOOSE), "1");
    let o = ns.fhc(&["apply", "--defaults", &defaults, &conf]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("nf_conntrack_tcp_loose = 0 (was 1)"),
        "{}",
        err(&o)
    );
    let table = ns.table().expect("the table is loaded");
    assert!(
        table.contains("tcp dport 22") && table.contains("chain in_lan"),
        "{table}"
    );
    assert_eq!(ns.sysctl(LOOSE), "0");
    // Applying another configuration replaces the table; other tables stay.
    ns.nft(&["add", "table", "ip", "other"]);
    ns.apply(&ns.file("http.conf", HTTP));
    let table = ns.table().unwrap();
    assert!(
        table.contains("tcp dport 80") && !table.contains("tcp dport 22"),
        "{table}"
    );
    assert!(ns.nft(&["list", "tables"]).contains("table ip other"));
}

#[test]
fn a_failing_apply_leaves_the_old_ruleset_and_settings() {
    if !root_or_skip("fhc apply (failure)", LOCALLY) {
        return;
    }
    let ns = Ns::new("applyfail");
    ns.apply(&ns.file("ssh.conf", SSH));
    let before = ns.table().unwrap();
    let http = ns.file("http.conf", HTTP);

    // A kernel setting that cannot be written (nf_conntrack_max is read-only outside the initial
    // namespace): the syncookies setting written before it is put back, the table is untouched.
    let syncookies = "net/ipv4/tcp_syncookies";
    let cookies_before = ns.sysctl(syncookies);
    let flipped = if cookies_before == "0" { "1" } else { "0" };
    let defaults = ns.file(
        "bad-settings.conf",
        &format!("FIREHOL_TCP_SYN_COOKIES={flipped}\nFIREHOL_CONNTRACK_MAX=1000\n"),
    );
    let o = ns.fhc(&["apply", "--defaults", &defaults, &http]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("nothing changed") && err(&o).contains("nf_conntrack_max"),
        "{}",
        err(&o)
    );
    assert_eq!(ns.sysctl(syncookies), cookies_before);
    assert_eq!(ns.table().unwrap(), before);

    // The load itself fails (an nft that passes the dry run, then refuses): the settings written
    // for it are put back and the previous table stays.
    let bin = ns.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = which("nft");
    let fake = bin.join("nft");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -c ] && exec {real} \"$@\"; [ \"$a\" = -f ] && {{ echo 'simulated: kernel refused the ruleset' >&2; exit 1; }}; done\nexec {real} \"$@\"\n"),
    )
    .unwrap();
    Command::new("chmod")
        .args(["+x", &fake.display().to_string()])
        .status()
        .unwrap();
    let defaults = loose_defaults(&ns);
    let o = ns
        .cmd(
            env!("CARGO_BIN_EXE_fhc"),
            &["apply", "--defaults", &defaults, &http],
        )
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("simulated") && err(&o).contains("previous one stays"),
        "{}",
        err(&o)
    );
    assert_eq!(ns.sysctl(LOOSE), "1", "the setting was put back");
    assert_eq!(ns.table().unwrap(), before);

    // A configuration that does not compile changes nothing either.
    let o = ns.fhc(&[
        "apply",
        "--no-defaults",
        &ns.file("broken.conf", "interface eth0\n"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(ns.table().unwrap(), before);
}

#[test]
fn try_without_commit_restores_the_ruleset_and_settings_after_the_timeout() {
    if !root_or_skip("fhc try (timeout)", LOCALLY) {
        return;
    }
    let ns = Ns::new("trytimeout");
    ns.apply(&ns.file("ssh.conf", SSH));
    // A hand-made rule is part of the previous state too.
    ns.nft(&[
        "add", "rule", "inet", "firehol", "in_lan", "tcp", "dport", "8080", "accept",
    ]);
    let before = ns.table().unwrap();
    let defaults = loose_defaults(&ns);
    let http = ns.file("http.conf", HTTP);
    let start = Instant::now();
    let mut child = ns.spawn_fhc(&["try", "--timeout", "2", "--defaults", &defaults, &http]);
    // While on trial, the new ruleset and setting are live.
    wait_for(|| {
        ns.table()
            .is_some_and(|t| t.contains("tcp dport 80 ct state"))
    });
    assert_eq!(ns.sysctl(LOOSE), "0");
    let o = finish(&mut child);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(start.elapsed() >= Duration::from_secs(2));
    assert!(err(&o).contains("no commit within 2 s"), "{}", err(&o));
    assert_eq!(ns.table().unwrap(), before);
    assert_eq!(ns.sysctl(LOOSE), "1");
}

#[test]
fn try_restores_an_absent_table_and_reacts_to_other_input_and_signals() {
    if !root_or_skip("fhc try (restore paths)", LOCALLY) {
        return;
    }
    let ns = Ns::new("tryrestore");
    let http = ns.file("http.conf", HTTP);
    // No table before: restoring means removing it.
    let o = ns.fhc(&["try", "--no-defaults", "--timeout", "1", &http]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(ns.table().is_none(), "the table was removed again");

    ns.apply(&ns.file("ssh.conf", SSH));
    let before = ns.table().unwrap();
    // Anything but `commit` restores at once.
    let mut child = ns.spawn_fhc(&["try", "--no-defaults", "--timeout", "30", &http]);
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"no thanks\n")
        .unwrap();
    let o = finish(&mut child);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("got `no thanks` instead of `commit`"),
        "{}",
        err(&o)
    );
    assert_eq!(ns.table().unwrap(), before);

    // SIGTERM restores too.
    let mut child = ns.spawn_fhc(&["try", "--no-defaults", "--timeout", "30", &http]);
    wait_for(|| {
        ns.table()
            .is_some_and(|t| t.contains("tcp dport 80 ct state"))
    });
    let pid = std::fs::read_to_string(ns.dir.join("run/try.lock")).unwrap();
    Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .unwrap();
    let o = finish(&mut child);
    assert!(err(&o).contains("interrupted by a signal"), "{}", err(&o));
    assert_eq!(ns.table().unwrap(), before);
}

#[test]
fn try_with_commit_keeps_the_new_ruleset() {
    if !root_or_skip("fhc try (commit)", LOCALLY) {
        return;
    }
    let ns = Ns::new("trycommit");
    ns.apply(&ns.file("ssh.conf", SSH));
    let defaults = loose_defaults(&ns);
    let http = ns.file("http.conf", HTTP);
    // `commit` typed on standard input.
    let mut child = ns.spawn_fhc(&["try", "--timeout", "30", "--defaults", &defaults, &http]);
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"commit\n")
        .unwrap();
    let o = finish(&mut child);
    assert!(o.status.success(), "{}", err(&o));
    assert!(ns.table().unwrap().contains("tcp dport 80"));
    assert_eq!(ns.sysctl(LOOSE), "0");

    // `fhc commit` from another shell; a second try meanwhile is refused.
    let ssh = ns.file("ssh.conf", SSH);
    let mut child = ns.spawn_fhc(&["try", "--no-defaults", "--timeout", "30", &ssh]);
    wait_for(|| {
        std::fs::read_to_string(ns.dir.join("run/result")).is_ok_and(|r| r == "on trial\n")
    });
    assert!(ns.table().unwrap().contains("tcp dport 22"));
    let o = ns.fhc(&["try", "--no-defaults", "--timeout", "1", &http]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("another `fhc try` is running"),
        "{}",
        err(&o)
    );
    let o = ns.fhc(&["commit"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = finish(&mut child);
    assert!(o.status.success(), "{}", err(&o));
    assert!(ns.table().unwrap().contains("tcp dport 22"));
    // Nothing is waiting any more.
    let o = ns.fhc(&["commit"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("no `fhc try` is waiting"), "{}", err(&o));
}

#[test]
fn a_stale_try_lock_is_replaced() {
    if !root_or_skip("fhc try (stale lock)", LOCALLY) {
        return;
    }
    let ns = Ns::new("trystale");
    let run = ns.dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    // The lock file of a try that is gone (a pid above the kernel's pid_max): nothing holds it.
    std::fs::write(run.join("try.lock"), "4194305\n").unwrap();
    let mut child = ns.spawn_fhc(&[
        "try",
        "--no-defaults",
        "--timeout",
        "30",
        &ns.file("http.conf", HTTP),
    ]);
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"commit\n")
        .unwrap();
    let o = finish(&mut child);
    assert!(o.status.success(), "{}", err(&o));
    // Released with its process (the file stays, holding the last pid).
    let o = ns.fhc(&["commit"]);
    assert!(err(&o).contains("no `fhc try` is waiting"), "{}", err(&o));
}

#[test]
fn diff_reports_a_hand_made_change() {
    if !root_or_skip("fhc diff", LOCALLY) {
        return;
    }
    let ns = Ns::new("diff");
    let conf = ns.file("ssh.conf", SSH);
    // Nothing loaded: different, and said so.
    let o = ns.fhc(&["diff", "--no-defaults", &conf]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("no live table inet firehol"),
        "{}",
        err(&o)
    );
    ns.apply(&conf);
    let o = ns.fhc(&["diff", "--no-defaults", &conf]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("matches"), "{}", err(&o));
    ns.nft(&[
        "add", "rule", "inet", "firehol", "in_lan", "tcp", "dport", "8080", "accept",
    ]);
    let o = ns.fhc(&["diff", "--no-defaults", &conf]);
    assert_eq!(o.status.code(), Some(1));
    let d = out(&o);
    assert!(d.contains("+\t\ttcp dport 8080 accept"), "{d}");
    assert!(
        d.contains("--- ") && d.contains("+++ table inet firehol (live)"),
        "{d}"
    );
    // Counters going up are not drift.
    ns.apply(&conf);
    let o = ns.fhc(&["diff", "--no-defaults", &conf]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn a_missing_nft_is_a_clear_error() {
    if !root_or_skip("fhc apply without nft", LOCALLY) {
        return;
    }
    let ns = Ns::new("nonft");
    let conf = ns.file("ssh.conf", SSH);
    let empty = ns.dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for sub in ["apply", "diff", "try"] {
        let o = ns
            .cmd(env!("CARGO_BIN_EXE_fhc"), &[sub, "--no-defaults", &conf])
            .env("PATH", &empty)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(1 | 2)),
            "{sub}: {:?}",
            o.status
        );
        assert!(
            err(&o).contains("cannot run `nft`: not found in PATH"),
            "{sub}: {}",
            err(&o)
        );
    }
    assert!(ns.table().is_none());
}

/// Polls `cond` for up to 10 s.
fn wait_for(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(Duration::from_millis(50));
    }
}
