//! `fhc fmt` end to end: in-place rewrite, no write when already formatted, stdin to stdout,
//! `--check` (diff and exit 1, or exit 0), syntax and I/O errors (exit 2, file untouched).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

const MESSY: &str =
    "interface  eth0\tlan\nserver ssh    accept   # ssh\n\n\n  client all \\\n  accept\n";
const CLEAN: &str = "interface eth0 lan\n    server ssh accept # ssh\n\n    client all accept\n";

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhc-fmt-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn fhc(args: &[&str], stdin: Option<&str>) -> Output {
    support::run_fhc(args, stdin)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn rewrites_files_in_place() {
    let dir = scratch("in-place");
    let a = write(&dir, "a.conf", MESSY);
    let b = write(&dir, "b.conf", "version   6");
    let out = fhc(&["fmt", a.to_str().unwrap(), b.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&a).unwrap(), CLEAN);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "version 6\n");
}

#[test]
fn does_not_write_formatted_files() {
    let dir = scratch("unchanged");
    let a = write(&dir, "a.conf", CLEAN);
    // Read-only as well (a write would fail unless running as root); the mtime is the real check.
    let mut perms = std::fs::metadata(&a).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&a, perms).unwrap();
    let before = std::fs::metadata(&a).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = fhc(&["fmt", a.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::metadata(&a).unwrap().modified().unwrap(), before);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), CLEAN);
}

#[test]
fn stdin_to_stdout() {
    let out = fhc(&["fmt", "-"], Some(MESSY));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), CLEAN);
    // CRLF in, LF out.
    let out = fhc(&["fmt", "-"], Some(&MESSY.replace('\n', "\r\n")));
    assert_eq!(text(&out.stdout), CLEAN);
}

#[test]
fn check_prints_a_diff_and_exits_1() {
    let dir = scratch("check-dirty");
    let a = write(&dir, "a.conf", MESSY);
    let clean = write(&dir, "clean.conf", CLEAN);
    let name = a.to_str().unwrap();
    let out = fhc(&["fmt", "--check", name, clean.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with(&format!("--- a/{name}\n+++ b/{name}\n@@ ")),
        "{diff}"
    );
    assert!(diff.contains("\n-server ssh    accept   # ssh\n"), "{diff}");
    assert!(diff.contains("\n+    server ssh accept # ssh\n"), "{diff}");
    assert!(!diff.contains("clean.conf"), "{diff}");
    assert!(text(&out.stderr).contains("1 file would be reformatted"));
    // Nothing was written.
    assert_eq!(std::fs::read_to_string(&a).unwrap(), MESSY);
}

#[test]
fn check_exits_0_when_clean() {
    let dir = scratch("check-clean");
    let a = write(&dir, "a.conf", CLEAN);
    let out = fhc(&["fmt", "--check", a.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    // Standard input too, with its own name in the diff.
    let out = fhc(
        &["fmt", "--check", "--stdin-filename", "fw.conf", "-"],
        Some(MESSY),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("--- a/fw.conf\n+++ b/fw.conf\n"));
    let out = fhc(&["fmt", "--check", "-"], Some(CLEAN));
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn syntax_errors_exit_2_and_leave_the_file_alone() {
    let dir = scratch("syntax");
    let broken = "interface  eth0 lan src \"10.0.0.0/8\nserver   ssh accept\n";
    let bad = write(&dir, "bad.conf", broken);
    let good = write(&dir, "good.conf", MESSY);
    let out = fhc(
        &["fmt", bad.to_str().unwrap(), good.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("E0001"), "{err}");
    assert!(err.contains("not formatted"), "{err}");
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), broken);
    // The other files are still formatted.
    assert_eq!(std::fs::read_to_string(&good).unwrap(), CLEAN);
    // --check and stdin behave the same; stdout stays empty.
    let out = fhc(&["fmt", "--check", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = fhc(&["fmt", "-"], Some(broken));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn shell_constructs_are_formatted() {
    let out = fhc(&["fmt", "-"], Some("if true; then\nversion   6\nfi\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "if true; then\n    version 6\nfi\n");
}

#[test]
fn io_errors_exit_2() {
    let dir = scratch("io");
    let missing = dir.join("missing.conf");
    let out = fhc(&["fmt", missing.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"));
    // Invalid UTF-8 is refused rather than written back lossily.
    let latin1 = dir.join("latin1.conf");
    std::fs::write(&latin1, b"# caf\xe9\nversion  6\n").unwrap();
    let out = fhc(&["fmt", latin1.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not valid UTF-8"));
    assert_eq!(std::fs::read(&latin1).unwrap(), b"# caf\xe9\nversion  6\n");
}

#[test]
fn needs_a_file() {
    let out = fhc(&["fmt"], None);
    assert_eq!(out.status.code(), Some(2));
}
