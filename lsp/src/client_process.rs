//! The LSP specification asks a server to exit when its client's process is gone: an editor
//! killed (SIGKILL, a crash, a closed SSH session) never sends `exit`, and a server left behind
//! would hold its memory for nothing. The client's process ID comes from `--clientProcessId` or
//! from `initialize`'s `processId`; it is watched only in the real server process
//! ([`crate::run_stdio`]), never in tests that serve in-process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the client's process is looked for.
const EVERY: Duration = Duration::from_secs(3);

static WATCHING: AtomicBool = AtomicBool::new(false);

/// Whether a process is alive, by `/proc` (the server runs on Linux; elsewhere it never
/// concludes that the client is gone).
pub fn alive(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The parent of a process, from `/proc/PID/stat` (the field after the parenthesised name).
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid` is this process's parent, grandparent, ...
pub fn is_ancestor(pid: u32) -> bool {
    let mut p = std::process::id();
    for _ in 0..64 {
        match parent(p) {
            Some(0) | None => return false,
            Some(q) if q == pid => return true,
            Some(q) => p = q,
        }
    }
    false
}

/// Exits the process (status 1, as an `exit` without `shutdown`) once `pid` is gone. One
/// watcher per process: the first PID given wins (`--clientProcessId` before `initialize`).
/// Only an ancestor of this process is watched: a client in another PID namespace (an editor on
/// the host, the server in a container) or on another machine (`ssh fw fhc lsp`) sends a PID
/// that means nothing here, or names an unrelated process whose end would stop a healthy
/// server. Such a server ends when its input closes, as every server does. Returns whether it
/// is watched.
pub fn watch(pid: u32) -> bool {
    if !is_ancestor(pid) {
        eprintln!(
            "fhc lsp: the client's process {pid} is not an ancestor of this server (another \
             PID namespace or machine?); not watching it"
        );
        return false;
    }
    if WATCHING.swap(true, Ordering::SeqCst) {
        return true;
    }
    let spawned = std::thread::Builder::new()
        .name("fhc-client-watch".into())
        .spawn(move || {
            while alive(pid) {
                std::thread::sleep(EVERY);
            }
            eprintln!("fhc lsp: the client (process {pid}) is gone; exiting");
            std::process::exit(1);
        });
    if spawned.is_err() {
        WATCHING.store(false, Ordering::SeqCst);
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_free_pid_is_not() {
        assert!(alive(std::process::id()));
        // PIDs are at most 2^22 on Linux.
        assert!(!alive(u32::MAX - 1));
        assert!(
            !watch(u32::MAX - 1),
            "a PID not visible here is not watched"
        );
    }
}
