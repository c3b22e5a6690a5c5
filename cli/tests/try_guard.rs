//! `fhc try` whose own process dies: its guard (`fhc try-guard`, in its own session) still puts
//! the previous ruleset and settings back at the deadline, and still takes `fhc commit`. In named
//! network namespaces (root; never skipped in CI).

mod support;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use support::netns::{Ns, err, finish};
use support::root_or_skip;

const LOCALLY: &str = "sudo -E cargo test -p fhc --test try_guard";

const SSH: &str = "interface eth0 lan\n    server ssh accept\n";
const HTTP: &str = "interface eth0 lan\n    server http accept\n";
const LOOSE: &str = "net/netfilter/nf_conntrack_tcp_loose";

fn pid_in(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Running (a zombie is not: a guard whose try was killed may wait to be reaped).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !matches!(
            s[s.rfind(')').unwrap() + 2..].chars().next(),
            Some('Z' | 'X')
        )
    })
}

fn kill(pid: i32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

/// SIGKILL of `fhc try` (as the OOM killer or a crash would end it), reaped.
fn kill_try(child: &mut Child, pid: i32) {
    kill(pid, "-KILL");
    let _ = finish(child);
}

/// The session id of a process (field 6 of /proc/PID/stat).
fn session(pid: i32) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(3).unwrap().to_string()
}

/// User + system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// Polls `cond` for up to `secs` seconds.
fn wait_for(secs: u64, what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A namespace running the SSH ruleset, and `fhc try` of the HTTP one with `timeout` seconds,
/// on trial (its ruleset and setting live). Returns the try, its pid and its guard's pid.
fn on_trial(ns: &Ns, timeout: &str) -> (Child, i32, i32) {
    let defaults = ns.file("defaults.conf", "FIREHOL_CONNTRACK_LOOSE_MATCHING=0\n");
    let http = ns.file("http.conf", HTTP);
    let child = ns.spawn_fhc(&["try", "--timeout", timeout, "--defaults", &defaults, &http]);
    wait_for(10, "the new ruleset", || {
        ns.table()
            .is_some_and(|t| t.contains("tcp dport 80 ct state"))
    });
    let run = ns.dir.join("run");
    // On trial is what the try says once it has told its guard the ruleset is in; killed
    // between the load and that, it is restored at once, and nobody can commit it (guard.rs).
    // A user commits after reading "on trial", so the tests wait for it too.
    wait_for(10, "the try to be on trial", || {
        std::fs::read_to_string(run.join("result")).is_ok_and(|r| r == "on trial\n")
    });
    let try_pid = pid_in(&run.join("try.lock")).expect("try.lock");
    let guard_pid = pid_in(&run.join("guard.lock")).expect("guard.lock");
    assert_eq!(ns.sysctl(LOOSE), "0");
    (child, try_pid, guard_pid)
}

#[test]
fn a_killed_try_is_restored_by_its_guard_at_the_deadline() {
    if !root_or_skip("fhc try (SIGKILL)", LOCALLY) {
        return;
    }
    let ns = Ns::new("guardkill");
    ns.apply(&ns.file("ssh.conf", SSH));
    let before = ns.table().unwrap();
    let start = Instant::now();
    let (mut child, try_pid, guard_pid) = on_trial(&ns, "5");
    assert_ne!(
        session(guard_pid),
        session(try_pid),
        "the guard runs in its own session"
    );
    kill_try(&mut child, try_pid);
    // Its try gone, the guard waits for the deadline: nothing changes before, and it waits
    // idle (it once spun a core once its input was closed).
    std::thread::sleep(Duration::from_millis(300));
    let busy = cpu_ticks(guard_pid);
    std::thread::sleep(Duration::from_millis(1000));
    let busy = cpu_ticks(guard_pid) - busy;
    assert!(
        busy < 20,
        "the waiting guard used {busy} ticks of CPU in 1 s"
    );
    assert!(ns.table().unwrap().contains("tcp dport 80 ct state"));
    // Meanwhile no other try may start.
    let o = ns.fhc(&[
        "try",
        "--no-defaults",
        "--timeout",
        "1",
        &ns.file("x.conf", SSH),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("its guard, pid"), "{}", err(&o));
    // The deadline (5 s, and the guard's second of grace) restores the table and setting.
    wait_for(10, "the guard's restore", || !alive(guard_pid));
    assert!(start.elapsed() >= Duration::from_secs(5));
    assert_eq!(ns.table().unwrap(), before);
    assert_eq!(ns.sysctl(LOOSE), "1");
    let run = ns.dir.join("run");
    assert_eq!(
        std::fs::read_to_string(run.join("result")).unwrap(),
        "restored\n"
    );
    // Neither lock is held any more (a killed process holds none): nothing waits for a commit,
    // and a new try runs (and is committed).
    let o = ns.fhc(&["commit"]);
    assert!(err(&o).contains("no `fhc try` is waiting"), "{}", err(&o));
    let mut next = ns.spawn_fhc(&[
        "try",
        "--no-defaults",
        "--timeout",
        "30",
        &ns.file("s.conf", SSH),
    ]);
    use std::io::Write;
    next.stdin.as_mut().unwrap().write_all(b"commit\n").unwrap();
    let o = finish(&mut next);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn a_killed_try_can_still_be_committed() {
    if !root_or_skip("fhc try (SIGKILL, then fhc commit)", LOCALLY) {
        return;
    }
    let ns = Ns::new("guardcommit");
    ns.apply(&ns.file("ssh.conf", SSH));
    // Time enough for the kill and the commit on a loaded machine (the tests run in parallel).
    let start = Instant::now();
    let (mut child, try_pid, guard_pid) = on_trial(&ns, "8");
    kill_try(&mut child, try_pid);
    let o = ns.fhc(&["commit"]);
    assert!(o.status.success(), "{}", err(&o));
    wait_for(5, "the guard to end once committed", || !alive(guard_pid));
    // Past the deadline (and the guard's second) the new ruleset and setting stay.
    std::thread::sleep((start + Duration::from_secs(10)).saturating_duration_since(Instant::now()));
    assert!(ns.table().unwrap().contains("tcp dport 80 ct state"));
    assert_eq!(ns.sysctl(LOOSE), "0");
}

#[test]
fn a_killed_guard_is_reported_and_the_try_restores_by_itself() {
    if !root_or_skip("fhc try (guard SIGKILL)", LOCALLY) {
        return;
    }
    let ns = Ns::new("guardlost");
    ns.apply(&ns.file("ssh.conf", SSH));
    let before = ns.table().unwrap();
    let (mut child, _, guard_pid) = on_trial(&ns, "3");
    kill(guard_pid, "-KILL");
    // Losing the guard changes nothing by itself.
    std::thread::sleep(Duration::from_millis(500));
    assert!(ns.table().unwrap().contains("tcp dport 80 ct state"));
    let o = finish(&mut child);
    let e = err(&o);
    assert!(
        e.contains(&format!("the guard (pid {guard_pid}) is gone")),
        "{e}"
    );
    assert!(e.contains("no commit within 3 s"), "{e}");
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert_eq!(ns.table().unwrap(), before);
    assert_eq!(ns.sysctl(LOOSE), "1");
}

#[test]
fn two_tries_at_once_one_is_refused_and_the_other_goes_on() {
    if !root_or_skip("fhc try (two at once)", LOCALLY) {
        return;
    }
    let ns = Ns::new("guardtwo");
    ns.apply(&ns.file("ssh.conf", SSH));
    let before = ns.table().unwrap();
    // Started at the same moment: exactly one takes the lock, the other changes nothing.
    let http = ns.file("http.conf", HTTP);
    let smtp = ns.file("smtp.conf", "interface eth0 lan\n    server smtp accept\n");
    let mut both: Vec<Child> = [&http, &smtp]
        .iter()
        .map(|c| ns.spawn_fhc(&["try", "--no-defaults", "--timeout", "30", c]))
        .collect();
    wait_for(10, "one try on trial", || {
        ns.table()
            .is_some_and(|t| t.contains("tcp dport 80 ct") || t.contains("tcp dport 25 ct"))
    });
    let winner = usize::from(ns.table().unwrap().contains("tcp dport 25 ct"));
    let o = finish(&mut both[1 - winner]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("another `fhc try` is running"),
        "{}",
        err(&o)
    );
    let t = ns.table().unwrap();
    assert!(
        t.contains("tcp dport 80 ct") != t.contains("tcp dport 25 ct"),
        "{t}"
    );
    // The one on trial still answers, and its guard ends with it.
    let guard_pid = pid_in(&ns.dir.join("run/guard.lock")).expect("guard.lock");
    use std::io::Write;
    let first = &mut both[winner];
    first.stdin.as_mut().unwrap().write_all(b"no\n").unwrap();
    let o = finish(first);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(ns.table().unwrap(), before);
    wait_for(5, "the guard to end", || !alive(guard_pid));
}

#[test]
fn the_guard_restores_on_sigterm_but_not_over_a_table_changed_since() {
    if !root_or_skip("fhc try (guard SIGTERM, changed table)", LOCALLY) {
        return;
    }
    let ns = Ns::new("guardterm");
    ns.apply(&ns.file("ssh.conf", SSH));
    let before = ns.table().unwrap();
    // While on trial, no `fhc apply` can slip in under the guard.
    let (mut child, try_pid, guard_pid) = on_trial(&ns, "30");
    let o = ns.fhc(&["apply", "--no-defaults", &ns.file("x.conf", SSH)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("is on trial"), "{}", err(&o));
    // Try killed, then a plain `kill` of the leftover guard: it restores at once.
    kill_try(&mut child, try_pid);
    kill(guard_pid, "-TERM");
    wait_for(10, "the guard's restore", || !alive(guard_pid));
    assert_eq!(ns.table().unwrap(), before);
    assert_eq!(ns.sysctl(LOOSE), "1");

    // A table changed by hand during the trial is not overwritten by the restore.
    let (mut child, try_pid, guard_pid) = on_trial(&ns, "2");
    kill_try(&mut child, try_pid);
    ns.nft(&[
        "add", "rule", "inet", "firehol", "in_lan", "tcp", "dport", "8080", "accept",
    ]);
    let changed = ns.table().unwrap();
    wait_for(10, "the guard's deadline", || !alive(guard_pid));
    assert_eq!(ns.table().unwrap(), changed);
    let result = std::fs::read_to_string(ns.dir.join("run/result")).unwrap();
    assert!(
        result.starts_with("not restored: table inet firehol changed"),
        "{result}"
    );
}

#[test]
fn a_commit_before_the_trial_is_refused() {
    if !root_or_skip("fhc commit before the trial", LOCALLY) {
        return;
    }
    let ns = Ns::new("guardearly");
    ns.apply(&ns.file("ssh.conf", SSH));
    let run = ns.dir.join("run");
    // A try that took its lock and is still applying (it removed the last try's result).
    let _ = std::fs::remove_file(run.join("result"));
    let held = hold_lock(&run.join("try.lock"));
    let o = ns.fhc(&["commit"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("has not applied its ruleset yet"),
        "{}",
        err(&o)
    );
    assert!(!run.join("commit").exists(), "no request left behind");
    drop(held);
}

/// Holds a lock file as `fhc try` does (`flock`), until dropped.
fn hold_lock(path: &Path) -> std::fs::File {
    use std::os::fd::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap();
    // SAFETY: a valid descriptor.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
    f
}
