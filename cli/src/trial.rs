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
//! The way back does not depend on this process staying alive: a guard ([`crate::guard`]), in its
//! own session, holds the snapshot and restores at the deadline even when `fhc try` is killed.
//!
//! Coordination goes through the state directory ([`crate::rundir`]): the `try.lock` and
//! `guard.lock` locks (one try at a time, while either lives; `fhc apply` waits too), `commit`,
//! the request `fhc commit` leaves, and `result`, `on trial` while the new ruleset is, then the
//! answer `fhc commit` waits for.

use crate::apply;
use crate::config::Compiled;
use crate::guard::{self, COMMIT, Guard, Heard, RESULT, Snapshot};
use crate::live::{self, Script, Table};
use crate::rundir;
use serde_json::Value;
use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The running try's pid.
const LOCK: &str = "try.lock";

fn running_try() -> Option<u32> {
    rundir::holder(LOCK)
}

/// The pid of a guard still holding a way back (its try may be gone).
fn running_guard() -> Option<u32> {
    rundir::holder(guard::LOCK)
}

/// One try at a time: this one's lock, taken unless another try, or the guard of one that was
/// killed, still runs.
fn take_lock() -> Result<rundir::Held, String> {
    let Some(held) = rundir::hold(LOCK, std::process::id())? else {
        let pid = running_try().unwrap_or(0);
        return Err(format!(
            "another `fhc try` is running (pid {pid}); commit it or let it time out first"
        ));
    };
    if let Some(pid) = running_guard() {
        return Err(format!(
            "another `fhc try` is running (its guard, pid {pid}, restores at its deadline); `fhc commit` keeps its ruleset"
        ));
    }
    Ok(held)
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

/// How long after `fhc try`'s deadline its guard restores on its own.
const GUARD_GRACE: Duration = Duration::from_secs(1);

/// A message on stderr that never panics: after a lost SSH session writes fail (EIO), and the
/// try must still carry out its restore.
fn tell(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "fhc: {msg}");
}

/// `Err` with the reason while a try is on trial (its guard would put its saved ruleset back
/// over any other change at its deadline): `fhc apply` refuses then.
pub fn none_on_trial() -> Result<(), String> {
    match running_try().or_else(running_guard) {
        Some(pid) => Err(format!(
            "an `fhc try` is on trial (pid {pid}): `fhc commit` it or let it end first"
        )),
        None => Ok(()),
    }
}

/// `fhc try CONF`.
pub fn run(compiled: &Compiled, t: &Table, timeout: Duration, retry: Duration) -> ExitCode {
    let lock = match take_lock() {
        Ok(l) => l,
        Err(e) => {
            tell(&format!("{e}; nothing changed"));
            return ExitCode::from(1);
        }
    };
    rundir::remove(COMMIT);
    rundir::remove(RESULT);
    let (restore, before) = match table_snapshot(t) {
        Ok(s) => s,
        Err(e) => {
            tell(&e);
            return ExitCode::from(1);
        }
    };
    let mut sys = live::ProcSys;
    let prepared = match apply::prepare(compiled, t, &sys) {
        Ok(p) => p,
        Err(e) => {
            tell(&e);
            return ExitCode::from(1);
        }
    };
    // Read after the dry run, which loaded the modules the settings belong to.
    let keys: Vec<&str> = prepared.wanted.iter().map(|(k, _)| k.as_str()).collect();
    let snapshot = Snapshot {
        table: t.clone(),
        restore,
        before,
        settings: apply::read_settings(&sys, &keys),
    };
    // The guard is armed before anything changes: from here on, the way back does not need
    // this process.
    let mut guard = match Guard::arm(&snapshot) {
        Ok(g) => Some(g),
        Err(e) => {
            tell(&format!("{e}; nothing changed"));
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
            tell(&format!("cannot catch signals ({e}); nothing changed"));
            guard.take().into_iter().for_each(Guard::cancel);
            return ExitCode::from(1);
        }
    }
    let applied = match apply::load(&prepared, t, &mut sys, retry) {
        Ok(a) => a,
        Err(e) => {
            tell(&e);
            guard.take().into_iter().for_each(Guard::cancel);
            return ExitCode::from(1);
        }
    };
    // The table as applied: the guard restores only while it still lists so (Null: unknown).
    let listing = match live::list_json(t) {
        Ok(Some(l)) => live::normalise(&l),
        _ => Value::Null,
    };
    if let Some(g) = guard.as_mut() {
        g.send(&format!(
            "settings {}",
            guard::settings_json(&applied.changed)
        ));
        // The guard's deadline is a moment after this process's: while it lives, it restores
        // (and says why); the guard is the backstop.
        g.send(&format!(
            "applied {} {listing}",
            (timeout + GUARD_GRACE).as_millis()
        ));
    }
    let _ = rundir::write(RESULT, &format!("{}\n", guard::ON_TRIAL));
    apply::report(compiled, t, &applied);
    tell(&format!(
        "on trial: type `commit` within {} s to keep them (or run `fhc commit` in another shell); anything else restores the previous ruleset.",
        timeout.as_secs_f64()
    ));
    let snapshot = Snapshot {
        settings: applied.changed.clone(),
        ..snapshot
    };
    let outcome = wait(timeout, &signalled, &mut guard);
    let code = finish(outcome, guard, &snapshot, &listing);
    drop(lock);
    code
}

/// What ended the trial, as far as this process saw it.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The guard answered on its own (the deadline, `fhc commit`, SIGTERM).
    Guard(String),
    Commit,
    Restore(String),
}

/// Asks the guard to carry out the outcome (or carries it out when the guard is gone), says
/// what happened and leaves the answer for `fhc commit`.
fn finish(ended: Ended, guard: Option<Guard>, snapshot: &Snapshot, listing: &Value) -> ExitCode {
    let by_guard = |guard: Option<Guard>, request: &str| {
        guard.and_then(|mut g| {
            let a = g.ask(request);
            g.finish();
            a
        })
    };
    // The guard leaves its answer for `fhc commit` itself; this process only when it decided
    // alone (no guard left to ask).
    let (answer, alone) = match ended {
        Ended::Guard(a) => {
            guard.into_iter().for_each(Guard::finish);
            (a, false)
        }
        Ended::Commit => match by_guard(guard, "commit") {
            Some(a) => (a, false),
            None => ("committed".to_string(), true),
        },
        Ended::Restore(why) => {
            tell(&format!("{why}: restoring the previous ruleset"));
            match by_guard(guard, &format!("restore {why}")) {
                Some(a) => (a, false),
                None => (guard::restore_all(snapshot, Some(listing)), true),
            }
        }
    };
    if alone {
        rundir::remove(COMMIT);
        let _ = rundir::write(RESULT, &format!("{answer}\n"));
    }
    if answer == "committed" {
        tell("committed: the new ruleset stays.");
        ExitCode::SUCCESS
    } else if answer == "restored" {
        tell("the previous ruleset and kernel settings are back.");
        ExitCode::from(1)
    } else if let Some(why) = answer.strip_prefix("not restored: ") {
        tell(&format!("WARNING: {why}"));
        ExitCode::from(3)
    } else {
        let e = answer.strip_prefix("restore failed: ").unwrap_or(&answer);
        tell(&format!("RESTORE FAILED: {e}"));
        ExitCode::from(3)
    }
}

/// Waits for `commit` on stdin, anything else, a signal, the guard's own decision (the deadline,
/// `fhc commit`), or, once the guard is lost, this process's own deadline.
fn wait(timeout: Duration, signalled: &AtomicBool, guard: &mut Option<Guard>) -> Ended {
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
    let mut input_open = true;
    loop {
        if signalled.load(Ordering::SeqCst) {
            return Ended::Restore("interrupted by a signal".into());
        }
        match guard.as_ref().map(|g| g.hear(Duration::ZERO)) {
            Some(Heard::Answer(a)) => return Ended::Guard(a),
            Some(Heard::Gone) => {
                let pid = guard.take().map(|g| {
                    let pid = g.pid();
                    g.finish();
                    pid
                });
                tell(&format!(
                    "WARNING: the guard (pid {}) is gone: the new ruleset stays as applied for now; this process restores it at the deadline, but nothing will if it is killed too",
                    pid.unwrap_or(0)
                ));
            }
            Some(Heard::Nothing) => {}
            // Without a guard, this process watches the commit file itself.
            None if rundir::read(COMMIT).is_some() => return Ended::Commit,
            None => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Ended::Restore(format!("no commit within {} s", timeout.as_secs_f64()));
        }
        let step = (deadline - now).min(Duration::from_millis(100));
        if !input_open {
            std::thread::sleep(step);
            continue;
        }
        match rx.recv_timeout(step) {
            Ok(line) if line.trim() == "commit" => return Ended::Commit,
            Ok(line) => {
                return Ended::Restore(format!("got `{}` instead of `commit`", line.trim()));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Standard input closed: only `fhc commit`, a signal or the timeout remain.
            Err(mpsc::RecvTimeoutError::Disconnected) => input_open = false,
        }
    }
}

/// `fhc commit`: tells the try on trial (or, when it is gone, its guard) to keep its ruleset and
/// waits for the answer.
pub fn commit() -> ExitCode {
    let Some(pid) = running_try().or_else(running_guard) else {
        eprintln!("fhc: no `fhc try` is waiting for a commit");
        return ExitCode::from(1);
    };
    let on_trial = format!("{}\n", guard::ON_TRIAL);
    match rundir::read(RESULT) {
        Some(r) if r == on_trial => {}
        // Its end, written as its guard finishes.
        Some(r) if !r.trim().is_empty() => {
            eprintln!("fhc: too late: the try (pid {pid}) ended: {}", r.trim_end());
            return ExitCode::from(1);
        }
        _ => {
            eprintln!(
                "fhc: the `fhc try` (pid {pid}) has not applied its ruleset yet; run `fhc commit` once it says it is on trial"
            );
            return ExitCode::from(1);
        }
    }
    if let Err(e) = rundir::write(COMMIT, &format!("{}\n", std::process::id())) {
        eprintln!("fhc: {e}");
        return ExitCode::from(2);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match rundir::read(RESULT) {
            Some(r) if r == on_trial => {}
            Some(r) if r == "committed\n" => {
                eprintln!("fhc: committed (fhc try, pid {pid})");
                return ExitCode::SUCCESS;
            }
            Some(r) if r == "restored\n" => {
                eprintln!("fhc: too late: the try (pid {pid}) restored the previous ruleset");
                return ExitCode::from(1);
            }
            Some(r) => {
                eprintln!("fhc: the try (pid {pid}) ended: {}", r.trim_end());
                return ExitCode::from(1);
            }
            None => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    rundir::remove(COMMIT);
    eprintln!(
        "fhc: the try (pid {pid}) did not answer the commit within 10 s; nothing was committed"
    );
    ExitCode::from(1)
}
