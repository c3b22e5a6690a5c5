//! The guard of `fhc try`: the process that puts the previous ruleset back at the deadline,
//! whatever happens to `fhc try` itself (SIGKILL, the OOM killer, a lost terminal, a crash).
//!
//! `fhc try` starts it (the hidden `fhc try-guard`) after the dry run and before anything
//! changes, in its own session (no terminal, no process group to be interrupted with), and hands
//! it the way back on its standard input: the table's restore script and listing, and the
//! settings as they are. Once the guard says `armed`, the settings and the ruleset go in; then
//! `fhc try` tells it `applied` (the deadline and the table as applied). From then on:
//!
//! - `commit` from `fhc try` (typed on its terminal) or the `commit` file `fhc commit` leaves
//!   keeps the new ruleset (a commit file is only read once applied);
//! - `restore WHY` from `fhc try` (other input, a signal), the deadline, or SIGTERM puts the
//!   previous table back in one nft transaction, then the settings, but only while the table is
//!   still as the try applied it: a table someone changed since is left alone, and said so;
//! - the end of its input (`fhc try` is gone) changes nothing: the guard keeps waiting for
//!   `fhc commit` or the deadline. A try gone before it said `applied` (killed while applying)
//!   is restored at once: nobody can commit it.
//!
//! Its final answer (`committed`, `restored`, `restore failed: ...`, `not restored: ...`,
//! `not applied`) goes to `fhc try` as one JSON string per line and to the `result` file (for
//! `fhc commit`). It holds the `guard.lock` lock until it is done, so no other try, and no
//! `fhc apply`, starts while a way back is pending. When the guard itself is killed, `fhc try`
//! says so and restores by itself at the deadline; if both are killed, nothing restores.
//!
//! The guard lives in the same cgroup as `fhc try`: a login session whose processes are all
//! killed (systemd-logind's KillUserProcesses) takes it too; run `fhc try` under
//! `systemd-run --scope` or in tmux/screen there.

use crate::apply::{self, Previous};
use crate::live::{self, Script, Table};
use crate::rundir;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The guard's pid while it holds a way back.
pub const LOCK: &str = "guard.lock";
/// `fhc commit`'s request.
pub const COMMIT: &str = "commit";
/// The try's state for `fhc commit`: `on trial` (written by `fhc try` once applied), then the
/// final answer.
pub const RESULT: &str = "result";
/// What [`RESULT`] holds while the new ruleset is on trial.
pub const ON_TRIAL: &str = "on trial";

/// What the guard needs to put things back.
pub struct Snapshot {
    pub table: Table,
    pub restore: Script,
    /// The table's normalised listing before (`None`: there was no table).
    pub before: Option<Value>,
    /// The settings as read before anything changed.
    pub settings: Vec<Previous>,
}

impl Snapshot {
    fn to_json(&self) -> Value {
        let (kind, body) = match &self.restore {
            Script::Json(s) => ("json", s),
            Script::Text(s) => ("text", s),
        };
        json!({
            "family": self.table.family,
            "name": self.table.name,
            "restore": {kind: body},
            "before": self.before,
            "settings": settings_json(&self.settings),
        })
    }

    fn from_json(v: &Value) -> Option<Snapshot> {
        let restore = &v["restore"];
        let restore = match (restore["json"].as_str(), restore["text"].as_str()) {
            (Some(s), _) => Script::Json(s.to_string()),
            (_, Some(s)) => Script::Text(s.to_string()),
            _ => return None,
        };
        Some(Snapshot {
            table: Table {
                family: v["family"].as_str()?.to_string(),
                name: v["name"].as_str()?.to_string(),
            },
            restore,
            before: Some(v["before"].clone()).filter(|b| !b.is_null()),
            settings: settings_of(&v["settings"])?,
        })
    }
}

pub fn settings_json(s: &[Previous]) -> Value {
    s.iter()
        .map(|p| json!({"key": p.key, "value": p.value}))
        .collect()
}

fn settings_of(v: &Value) -> Option<Vec<Previous>> {
    v.as_array()?
        .iter()
        .map(|p| {
            Some(Previous {
                key: p["key"].as_str()?.to_string(),
                value: p["value"].as_str().map(str::to_string),
            })
        })
        .collect()
}

/// Puts the table back (one transaction), then the settings; checks the table came back. When
/// `applied` is known and the live table no longer lists like it, someone changed the table
/// since the try: nothing is put back. The answer for `fhc try` and `fhc commit`.
pub fn restore_all(s: &Snapshot, applied: Option<&Value>) -> String {
    // Null: the try could not list the table it applied (then it restores unconditionally).
    if let Some(applied) = applied.filter(|a| !a.is_null()) {
        match live::list_json(&s.table) {
            Ok(now) if now.as_ref().map(live::normalise).as_ref() == Some(applied) => {}
            Ok(_) => {
                return format!(
                    "not restored: table {} changed since the try applied it (by hand or another fhc); the previous ruleset and settings were not put back",
                    s.table
                );
            }
            Err(e) => return format!("restore failed: cannot list table {}: {e}", s.table),
        }
    }
    let mut problems = Vec::new();
    if let Err(e) = s.restore.load() {
        problems.push(format!("the table: {e}"));
    } else {
        match live::list_json(&s.table) {
            Ok(now) if now.as_ref().map(live::normalise) == s.before => {}
            Ok(_) => problems.push(format!(
                "table {} differs from the saved one after the restore",
                s.table
            )),
            Err(e) => problems.push(e),
        }
    }
    problems.extend(apply::restore_settings(&mut live::ProcSys, &s.settings));
    if problems.is_empty() {
        "restored".into()
    } else {
        format!("restore failed: {}", problems.join("; "))
    }
}

// ---------------------------------------------------------------------------------------------
// `fhc try`'s side

/// A running guard, as `fhc try` holds it.
pub struct Guard {
    child: Child,
    input: Option<ChildStdin>,
    /// The guard's answers, line by line; disconnected when it is gone.
    answers: mpsc::Receiver<String>,
}

/// What the guard said, or that it is gone.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    Nothing,
    Answer(String),
    Gone,
}

impl Guard {
    /// Starts the guard and waits until it has the snapshot and holds its lock.
    pub fn arm(s: &Snapshot) -> Result<Guard, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find fhc itself: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.arg("try-guard")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // SAFETY: setsid is async-signal-safe and touches no memory of this process.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start the guard: {e}"))?;
        let mut input = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, answers) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // One JSON string per answer (a restore error spans lines).
                let answer = serde_json::from_str(&line).unwrap_or(line);
                if tx.send(answer).is_err() {
                    break;
                }
            }
        });
        let sent = writeln!(input, "{}", s.to_json());
        let mut guard = Guard {
            child,
            input: Some(input),
            answers,
        };
        if let Err(e) = sent {
            guard.kill();
            return Err(format!("cannot hand the guard its snapshot: {e}"));
        }
        match guard.answers.recv_timeout(Duration::from_secs(10)) {
            Ok(a) if a == "armed" => Ok(guard),
            Ok(a) => {
                guard.kill();
                Err(format!("the guard did not arm: {a}"))
            }
            Err(_) => {
                guard.kill();
                Err("the guard did not arm within 10 s".into())
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one request line; false when the guard is gone.
    pub fn send(&mut self, line: &str) -> bool {
        match self.input.as_mut() {
            Some(i) => writeln!(i, "{line}").and_then(|_| i.flush()).is_ok(),
            None => false,
        }
    }

    /// What the guard said within `wait`.
    pub fn hear(&self, wait: Duration) -> Heard {
        match self.answers.recv_timeout(wait) {
            Ok(a) => Heard::Answer(a),
            Err(mpsc::RecvTimeoutError::Timeout) => Heard::Nothing,
            Err(mpsc::RecvTimeoutError::Disconnected) => Heard::Gone,
        }
    }

    /// Sends a request and waits for the guard's final answer: `None` when it is gone, or
    /// gives none within `ANSWER_WITHIN` (a restore is one nft transaction and a few writes).
    pub fn ask(&mut self, line: &str) -> Option<String> {
        self.send(line);
        match self.hear(ANSWER_WITHIN) {
            Heard::Answer(a) => Some(a),
            Heard::Nothing | Heard::Gone => None,
        }
    }

    /// Ends a guard whose ruleset never went in (the apply failed: nothing to restore).
    pub fn cancel(mut self) {
        let _ = self.ask("cancel");
        self.finish();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Reaps the guard once it answered (it exits right after; one that does not is killed).
    pub fn finish(mut self) {
        drop(self.input.take());
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }
}

/// How long `fhc try` waits for the guard's answer to a request.
const ANSWER_WITHIN: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// The guard process

/// A request to the guard.
enum Request {
    /// `applied MS LISTING`: the ruleset is in; the deadline is MS from now, and the table lists
    /// as LISTING (normalised JSON).
    Applied(Duration, Value),
    Settings(Vec<Previous>),
    Commit,
    /// `restore WHY` (the why is for a person reading along; `fhc try` says it).
    Restore,
    Cancel,
    /// Its input ended: `fhc try` is gone.
    Orphaned,
}

fn request(line: &str) -> Option<Request> {
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    Some(match word {
        "applied" => {
            let (ms, listing) = rest.split_once(' ')?;
            Request::Applied(
                Duration::from_millis(ms.parse().ok()?),
                serde_json::from_str(listing).ok()?,
            )
        }
        "settings" => Request::Settings(settings_of(&serde_json::from_str(rest).ok()?)?),
        "commit" => Request::Commit,
        "restore" => Request::Restore,
        "cancel" => Request::Cancel,
        _ => return None,
    })
}

/// What the guard knows while it waits.
#[derive(Default)]
struct Watch {
    /// The table as applied, and when the trial ends.
    applied: Option<(Value, Instant)>,
    orphaned: bool,
}

/// What ends the wait.
enum Decision {
    Commit,
    Restore,
    Cancel,
}

impl Watch {
    /// The decision the guard takes now on its own, if any.
    fn decide(&self, now: Instant, commit_requested: bool, terminated: bool) -> Option<Decision> {
        match &self.applied {
            Some(_) if commit_requested => Some(Decision::Commit),
            Some((_, deadline)) if now >= *deadline || terminated => Some(Decision::Restore),
            // Killed while applying: nobody can commit; put back what it may have changed.
            None if self.orphaned || terminated => Some(Decision::Restore),
            _ => None,
        }
    }
}

/// `fhc try-guard`: see the module documentation.
pub fn serve() -> ExitCode {
    // A terminal's hangup or interrupt never reaches it (own session), but ignore them anyway.
    // SIGTERM (a shutdown, a plain `kill`) restores: only SIGKILL loses the way back.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let terminated = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGTERM, terminated.clone());
    let mut stdin = BufReader::new(std::io::stdin());
    let mut first = String::new();
    let snapshot = stdin
        .read_line(&mut first)
        .ok()
        .and_then(|_| serde_json::from_str(&first).ok())
        .and_then(|v: Value| Snapshot::from_json(&v));
    let Some(mut snapshot) = snapshot else {
        say("a snapshot the guard cannot read");
        return ExitCode::from(2);
    };
    // Held until this process ends, however it ends.
    let lock = match rundir::hold(LOCK, std::process::id()) {
        Ok(Some(l)) => l,
        Ok(None) => {
            say(&format!("another guard holds {LOCK}"));
            return ExitCode::from(2);
        }
        Err(e) => {
            say(&e);
            return ExitCode::from(2);
        }
    };
    let (tx, requests) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdin.lines() {
            let Ok(line) = line else { break };
            if let Some(r) = request(line.trim_end()) {
                let _ = tx.send(r);
            }
        }
        let _ = tx.send(Request::Orphaned);
    });
    say("armed");
    let mut watch = Watch::default();
    let decision = loop {
        let commit_file = watch.applied.is_some() && rundir::read(COMMIT).is_some();
        let term = terminated.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(d) = watch.decide(Instant::now(), commit_file, term) {
            break d;
        }
        match requests.recv_timeout(Duration::from_millis(100)) {
            Ok(Request::Applied(d, listing)) => {
                watch.applied = Some((listing, Instant::now() + d));
            }
            // What the apply changed: exactly what to put back (the settings read before it
            // are only for a try killed in between).
            Ok(Request::Settings(s)) => snapshot.settings = s,
            Ok(Request::Commit) if watch.applied.is_some() => break Decision::Commit,
            Ok(Request::Commit) => {}
            Ok(Request::Restore) => break Decision::Restore,
            Ok(Request::Cancel) => break Decision::Cancel,
            Ok(Request::Orphaned) => watch.orphaned = true,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Its reader ended (after `Orphaned`): wait, rather than spin, for the deadline.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    let answer = match decision {
        Decision::Commit => "committed".to_string(),
        Decision::Cancel => "not applied".to_string(),
        Decision::Restore => restore_all(&snapshot, watch.applied.as_ref().map(|(l, _)| l)),
    };
    if !matches!(decision, Decision::Cancel) {
        let _ = rundir::write(RESULT, &format!("{answer}\n"));
    }
    rundir::remove(COMMIT);
    drop(lock);
    say(&answer);
    ExitCode::SUCCESS
}

/// One answer to `fhc try`, as a JSON string on one line (`fhc try` may be gone: then nobody
/// reads it, and that is fine).
fn say(answer: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", Value::from(answer));
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_decides_only_what_is_its_to_decide() {
        let now = Instant::now();
        let later = now + Duration::from_secs(5);
        let mut w = Watch::default();
        // Before the ruleset is in: neither a commit file nor the clock decide while try lives.
        assert!(w.decide(now, true, false).is_none());
        assert!(w.decide(later, false, false).is_none());
        // A try killed while applying, or SIGTERM: restore at once.
        assert!(matches!(
            w.decide(now, false, true),
            Some(Decision::Restore)
        ));
        w.orphaned = true;
        assert!(matches!(
            w.decide(now, false, false),
            Some(Decision::Restore)
        ));
        // On trial: a commit, the deadline, or SIGTERM; a dead try changes nothing.
        w.applied = Some((Value::Null, now + Duration::from_secs(3)));
        assert!(w.decide(now, false, false).is_none());
        assert!(matches!(w.decide(now, true, false), Some(Decision::Commit)));
        assert!(matches!(
            w.decide(later, false, false),
            Some(Decision::Restore)
        ));
        assert!(matches!(
            w.decide(now, false, true),
            Some(Decision::Restore)
        ));
    }

    #[test]
    fn the_snapshot_survives_its_trip_through_json() {
        let s = Snapshot {
            table: Table {
                family: "inet".into(),
                name: "firehol".into(),
            },
            restore: Script::Text("table inet firehol {\n}\n".into()),
            before: Some(json!({"nftables": []})),
            settings: vec![
                Previous {
                    key: "net/ipv4/ip_forward".into(),
                    value: Some("0".into()),
                },
                Previous {
                    key: "net/x".into(),
                    value: None,
                },
            ],
        };
        let back = Snapshot::from_json(&s.to_json()).expect("readable");
        assert_eq!(back.restore, s.restore);
        assert_eq!(back.before, s.before);
        assert_eq!(back.settings, s.settings);
        assert_eq!(back.table.to_string(), "inet firehol");
        let none = Snapshot { before: None, ..s };
        assert_eq!(Snapshot::from_json(&none.to_json()).unwrap().before, None);
    }

    #[test]
    fn requests_are_read_and_nonsense_ignored() {
        assert!(matches!(request("commit"), Some(Request::Commit)));
        assert!(matches!(request("restore got `x`"), Some(Request::Restore)));
        assert!(matches!(
            request(r#"applied 2500 {"nftables":[]}"#),
            Some(Request::Applied(d, v)) if d == Duration::from_millis(2500) && v["nftables"].is_array()
        ));
        assert!(request("applied soon {}").is_none());
        assert!(request("applied 10").is_none());
        assert!(request("deadline 10").is_none());
        assert!(request("rm -rf /").is_none());
        let s = request(r#"settings [{"key":"a","value":"1"}]"#);
        assert!(matches!(s, Some(Request::Settings(v)) if v.len() == 1));
    }
}
