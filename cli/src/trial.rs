//! `fhc try` and `fhc commit`: apply a configuration on probation, as FireHOL's `try`, but with
//! an atomic way back. The previous table (or its absence) and the settings the new ruleset
//! changes are saved first; unless `commit` is typed (or `fhc commit` runs in another shell)
//! before the timeout, both are put back, the table in one nft transaction. Any other input,
//! SIGINT, SIGTERM or SIGHUP restores at once.
//!
//! The saved table must come back exactly, so the way back is proven before anything changes:
//! each candidate (nft's text listing, its JSON listing, the JSON fhc last applied) is loaded in a
//! throwaway network namespace, and the first that lists like the live table is kept. nft 1.0.6
//! cannot reload every listing it prints; when none fits, try refuses (nothing changed).
//!
//! Coordination goes through the state directory ([`crate::apply::state_dir`]): `try.lock`
//! holds the pid of the running try (one at a time; a lock whose process is gone is stale and
//! replaced), `commit` is the request `fhc commit` leaves, `result` the answer it waits for.

use crate::apply::{self, Previous, state_dir};
use crate::config::Compiled;
use crate::live::{self, Script, Table};
use serde_json::Value;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn lock_path() -> PathBuf {
    state_dir().join("try.lock")
}
fn commit_path() -> PathBuf {
    state_dir().join("commit")
}
fn result_path() -> PathBuf {
    state_dir().join("result")
}

/// The running try's lock; removed when dropped.
struct Lock(PathBuf);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn pid_alive(pid: u32) -> bool {
    PathBuf::from(format!("/proc/{pid}")).exists()
}

fn running_try() -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(lock_path())
        .ok()?
        .trim()
        .parse()
        .ok()?;
    pid_alive(pid).then_some(pid)
}

fn take_lock() -> Result<Lock, String> {
    let dir = state_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(lock_path())
        {
            Ok(mut f) => {
                use std::io::Write;
                writeln!(f, "{}", std::process::id())
                    .map_err(|e| format!("cannot write the lock: {e}"))?;
                return Ok(Lock(lock_path()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if let Some(pid) = running_try() {
                    return Err(format!(
                        "another `fhc try` is running (pid {pid}); commit it or let it time out first"
                    ));
                }
                // Stale: its process is gone (or it never wrote a pid).
                let _ = std::fs::remove_file(lock_path());
            }
            Err(e) => return Err(format!("cannot create {}: {e}", lock_path().display())),
        }
    }
    Err(format!(
        "cannot take {} (another try keeps racing for it)",
        lock_path().display()
    ))
}

/// How to put table `t` back as it is now, proven in a throwaway namespace.
pub fn table_snapshot(t: &Table) -> Result<(Script, Option<Value>), String> {
    let Some(live) = live::list_json(t)? else {
        return Ok((live::replace_with_listing(t, None), None));
    };
    let want = live::normalise(&live);
    let mut candidates = Vec::new();
    if let Some(text) = live::list_text(t)? {
        candidates.push(("nft's text listing", live::replace_with_text(t, &text)));
    }
    candidates.push((
        "nft's JSON listing",
        live::replace_with_listing(t, Some(&live)),
    ));
    if let Some(json) = apply::last_applied(t) {
        candidates.push(("the ruleset fhc last applied", Script::Json(json)));
    }
    let mut why = Vec::new();
    for (what, script) in candidates {
        match live::scratch_list(t, &script) {
            Ok((listing, _)) if live::normalise(&listing) == want => {
                return Ok((script, Some(want)));
            }
            Ok(_) => why.push(format!("{what} reloads differently")),
            Err(e) => why.push(format!("{what} does not reload: {e}")),
        }
    }
    Err(format!(
        "the current table {t} cannot be saved for an exact restore ({}); nothing changed (`fhc apply` does not need this)",
        why.join("; ")
    ))
}

/// What ended the trial.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Commit,
    Restore(String),
}

/// `fhc try CONF`.
pub fn run(compiled: &Compiled, t: &Table, timeout: Duration, retry: Duration) -> ExitCode {
    let lock = match take_lock() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fhc: {e}");
            return ExitCode::from(1);
        }
    };
    let _ = std::fs::remove_file(commit_path());
    let _ = std::fs::remove_file(result_path());
    let (restore, before) = match table_snapshot(t) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fhc: {e}");
            return ExitCode::from(1);
        }
    };
    // Signals are caught from here on: an interrupted try must still restore.
    let signalled = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&signalled)) {
            eprintln!("fhc: cannot catch signals ({e}); nothing changed");
            return ExitCode::from(1);
        }
    }
    let mut sys = live::ProcSys;
    let applied = match apply::apply(compiled, t, &mut sys, retry) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fhc: {e}");
            return ExitCode::from(1);
        }
    };
    apply::report(compiled, t, &applied);
    eprintln!(
        "fhc: on trial: type `commit` within {} s to keep them (or run `fhc commit` in another shell); anything else restores the previous ruleset.",
        timeout.as_secs_f64()
    );
    let outcome = wait(timeout, &signalled);
    let code = match &outcome {
        Outcome::Commit => {
            eprintln!("fhc: committed: the new ruleset stays.");
            ExitCode::SUCCESS
        }
        Outcome::Restore(why) => {
            eprintln!("fhc: {why}: restoring the previous ruleset");
            match restore_all(t, &restore, before.as_ref(), &applied.changed) {
                Ok(()) => {
                    eprintln!("fhc: the previous ruleset and kernel settings are back.");
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("fhc: RESTORE FAILED: {e}");
                    ExitCode::from(3)
                }
            }
        }
    };
    let _ = std::fs::write(
        result_path(),
        if outcome == Outcome::Commit {
            "committed\n"
        } else {
            "restored\n"
        },
    );
    let _ = std::fs::remove_file(commit_path());
    drop(lock);
    code
}

/// Waits for `commit` on stdin or from `fhc commit`, anything else, a signal, or the timeout.
fn wait(timeout: Duration, signalled: &AtomicBool) -> Outcome {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
        // End of input (no terminal): keep waiting for `fhc commit` or the timeout.
    });
    let deadline = Instant::now() + timeout;
    loop {
        if signalled.load(Ordering::SeqCst) {
            return Outcome::Restore("interrupted by a signal".into());
        }
        if commit_path().exists() {
            return Outcome::Commit;
        }
        let now = Instant::now();
        if now >= deadline {
            return Outcome::Restore(format!("no commit within {} s", timeout.as_secs_f64()));
        }
        match rx.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
            Ok(line) if line.trim() == "commit" => return Outcome::Commit,
            Ok(line) => {
                return Outcome::Restore(format!("got `{}` instead of `commit`", line.trim()));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Standard input closed: only `fhc commit`, a signal or the timeout remain.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep((deadline - now).min(Duration::from_millis(100)));
            }
        }
    }
}

/// Puts the table back (one transaction), then the settings; checks the table came back.
fn restore_all(
    t: &Table,
    restore: &Script,
    before: Option<&Value>,
    changed: &[Previous],
) -> Result<(), String> {
    let mut problems = Vec::new();
    if let Err(e) = restore.load() {
        problems.push(format!("the table: {e}"));
    } else {
        let now = live::list_json(t)?.map(|l| live::normalise(&l));
        if now.as_ref() != before {
            problems.push(format!(
                "table {t} differs from the saved one after the restore"
            ));
        }
    }
    problems.extend(apply::restore_settings(&mut live::ProcSys, changed));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// `fhc commit`: tells the running `fhc try` to keep its ruleset and waits for its answer.
pub fn commit() -> ExitCode {
    let Some(pid) = running_try() else {
        eprintln!("fhc: no `fhc try` is waiting for a commit");
        return ExitCode::from(1);
    };
    if let Err(e) = std::fs::write(commit_path(), format!("{}\n", std::process::id())) {
        eprintln!("fhc: cannot write {}: {e}", commit_path().display());
        return ExitCode::from(2);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if !pid_alive(pid) || running_try() != Some(pid) {
            return match std::fs::read_to_string(result_path()).as_deref() {
                Ok("committed\n") => {
                    eprintln!("fhc: committed (fhc try, pid {pid})");
                    ExitCode::SUCCESS
                }
                _ => {
                    eprintln!("fhc: too late: the try (pid {pid}) restored the previous ruleset");
                    ExitCode::from(1)
                }
            };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("fhc: the try (pid {pid}) did not answer the commit");
    ExitCode::from(1)
}
