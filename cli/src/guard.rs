//! The guard of `fhc try`: the process that puts the previous ruleset back at the deadline,
//! whatever happens to `fhc try` itself (SIGKILL, the OOM killer, a lost terminal, a crash).
//!
//! `fhc try` starts it (the hidden `fhc try-guard`) before anything changes, in its own session
//! (no terminal, no process group to be interrupted with), and hands it the way back on its
//! standard input: the table's restore script and listing, and the settings as they were. Once the
//! guard says `armed`, the new ruleset goes in. From then on the guard alone decides:
//!
//! - `commit` from `fhc try` (typed on its terminal) or the `commit` file `fhc commit` leaves
//!   keeps the new ruleset;
//! - `restore WHY` from `fhc try` (other input, a signal), or the deadline, puts the previous table
//!   back in one nft transaction, then the settings;
//! - the end of its input (`fhc try` is gone) changes nothing: the guard keeps waiting for
//!   `fhc commit` or the deadline.
//!
//! It answers `committed`, `restored` or `restore failed: ...` on its standard output and in
//! the `result` file (for `fhc commit`), and holds the `guard.lock` lock until it is done, so no
//! other try starts while a way back is pending. When the guard itself is killed, `fhc try` says
//! so and restores by itself at the deadline; if both are killed, nothing restores (there is
//! nothing left to run it).
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
/// The last try's end: `committed`, `restored` or `restore failed: ...`.
pub const RESULT: &str = "result";

/// What the guard needs to put things back.
pub struct Snapshot {
    pub table: Table,
    pub restore: Script,
    /// The table's normalised listing before (`None`: there was no table).
    pub before: Option<Value>,
    /// The settings as read before anything changed.
    pub settings: Vec<Previous>,
    /// From arming; `fhc try` sets the real one once the ruleset is in.
    pub deadline: Duration,
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
            "deadline_ms": self.deadline.as_millis() as u64,
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
            deadline: Duration::from_millis(v["deadline_ms"].as_u64()?),
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

/// Puts the table back (one transaction), then the settings; checks the table came back.
pub fn restore_all(s: &Snapshot) -> Result<(), String> {
    let mut problems = Vec::new();
    if let Err(e) = s.restore.load() {
        problems.push(format!("the table: {e}"));
    } else {
        let now = live::list_json(&s.table)?.map(|l| live::normalise(&l));
        if now != s.before {
            problems.push(format!(
                "table {} differs from the saved one after the restore",
                s.table
            ));
        }
    }
    problems.extend(apply::restore_settings(&mut live::ProcSys, &s.settings));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
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
                if tx.send(line).is_err() {
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

    /// Sends a request and waits for the guard's final answer (`None`: it is gone).
    pub fn ask(&mut self, line: &str) -> Option<String> {
        self.send(line);
        loop {
            match self.hear(Duration::from_secs(60)) {
                Heard::Answer(a) => return Some(a),
                Heard::Nothing => continue,
                Heard::Gone => return None,
            }
        }
    }

    /// Ends a guard whose ruleset never went in (the apply failed: nothing to restore).
    pub fn cancel(mut self) {
        let _ = self.ask("cancel");
        let _ = self.child.wait();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Reaps the guard once it answered.
    pub fn finish(mut self) {
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The guard process

/// A request to the guard.
enum Request {
    Commit,
    /// `restore WHY` (the why is for a person reading along; `fhc try` says it).
    Restore,
    Cancel,
    Deadline(Duration),
    Settings(Vec<Previous>),
    /// Its input ended: `fhc try` is gone.
    Orphaned,
}

fn request(line: &str) -> Option<Request> {
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    Some(match word {
        "commit" => Request::Commit,
        "restore" => Request::Restore,
        "cancel" => Request::Cancel,
        "deadline" => Request::Deadline(Duration::from_millis(rest.parse().ok()?)),
        "settings" => Request::Settings(settings_of(&serde_json::from_str(rest).ok()?)?),
        _ => return None,
    })
}

/// `fhc try-guard`: see the module documentation.
pub fn serve() -> ExitCode {
    // A terminal's hangup or interrupt never reaches it (own session), but ignore them anyway:
    // only SIGKILL or SIGTERM stop a guard.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let mut stdin = BufReader::new(std::io::stdin());
    let mut first = String::new();
    let snapshot = stdin
        .read_line(&mut first)
        .ok()
        .and_then(|_| serde_json::from_str(&first).ok())
        .and_then(|v: Value| Snapshot::from_json(&v));
    let Some(mut snapshot) = snapshot else {
        println!("a snapshot the guard cannot read");
        return ExitCode::from(2);
    };
    // Held until this process ends, however it ends.
    let _lock = match rundir::hold(LOCK, std::process::id()) {
        Ok(Some(l)) => l,
        Ok(None) => {
            println!("another guard holds {LOCK}");
            return ExitCode::from(2);
        }
        Err(e) => {
            println!("{e}");
            return ExitCode::from(2);
        }
    };
    rundir::remove(RESULT);
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
    let mut deadline = Instant::now() + snapshot.deadline;
    let answer = loop {
        if rundir::read(COMMIT).is_some() {
            break Ok("committed".to_string());
        }
        let now = Instant::now();
        if now >= deadline {
            break Err("no commit before the deadline".to_string());
        }
        match requests.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
            Ok(Request::Commit) => break Ok("committed".into()),
            Ok(Request::Restore) => break Err(String::new()),
            Ok(Request::Cancel) => break Ok("cancelled".into()),
            Ok(Request::Deadline(d)) => deadline = Instant::now() + d,
            // What the apply changed: exactly what to put back (the settings read before it are
            // only for a try killed in between).
            Ok(Request::Settings(s)) => snapshot.settings = s,
            // `fhc try` is gone: `fhc commit` or the deadline decide.
            Ok(Request::Orphaned) | Err(_) => {}
        }
    };
    let answer = match answer {
        Ok(a) => a,
        Err(_) => match restore_all(&snapshot) {
            Ok(()) => "restored".into(),
            Err(e) => format!("restore failed: {e}"),
        },
    };
    if answer != "cancelled" {
        let _ = rundir::write(RESULT, &format!("{answer}\n"));
    }
    rundir::remove(COMMIT);
    drop(_lock);
    say(&answer);
    ExitCode::SUCCESS
}

/// One line to `fhc try` (which may be gone: then nobody reads it, and that is fine).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

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
            deadline: Duration::from_millis(1500),
        };
        let back = Snapshot::from_json(&s.to_json()).expect("readable");
        assert_eq!(back.restore, s.restore);
        assert_eq!(back.before, s.before);
        assert_eq!(back.settings, s.settings);
        assert_eq!(back.deadline, s.deadline);
        assert_eq!(back.table.to_string(), "inet firehol");
        let none = Snapshot { before: None, ..s };
        assert_eq!(Snapshot::from_json(&none.to_json()).unwrap().before, None);
    }

    #[test]
    fn requests_are_read_and_nonsense_ignored() {
        assert!(matches!(request("commit"), Some(Request::Commit)));
        assert!(matches!(request("restore got `x`"), Some(Request::Restore)));
        assert!(
            matches!(request("deadline 2500"), Some(Request::Deadline(d)) if d == Duration::from_millis(2500))
        );
        assert!(request("deadline soon").is_none());
        assert!(request("rm -rf /").is_none());
        let s = request(r#"settings [{"key":"a","value":"1"}]"#);
        assert!(matches!(s, Some(Request::Settings(v)) if v.len() == 1));
    }
}
