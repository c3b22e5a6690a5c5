//! Faults while applying, in named network namespaces (root; never skipped in CI): nft failing
//! after the dry run passed, /proc/sys read-only, and a state directory fhc cannot use or must not
//! trust. Each time the previous table and settings stay, the error says what happened, and no
//! guard is left behind.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::netns::{Ns, err, which};
use support::root_or_skip;

const LOCALLY: &str = "sudo -E cargo test -p fhc --test apply_faults";

const SSH: &str = "interface eth0 lan\n    server ssh accept\n";
const HTTP: &str = "interface eth0 lan\n    server http accept\n";
const LOOSE: &str = "net/netfilter/nf_conntrack_tcp_loose";

/// A namespace running the SSH ruleset; the HTTP configuration and defaults that change a
/// setting (nf_conntrack_tcp_loose from 1 to 0).
fn running_ssh(test: &str) -> (Ns, String, String) {
    let ns = Ns::new(test);
    ns.apply(&ns.file("ssh.conf", SSH));
    let http = ns.file("http.conf", HTTP);
    let defaults = ns.file("defaults.conf", "FIREHOL_CONNTRACK_LOOSE_MATCHING=0\n");
    (ns, http, defaults)
}

/// No guard runs in the namespace's state directory (its lock is free).
fn no_guard(ns: &Ns) {
    let o = ns.fhc(&["commit"]);
    assert!(
        err(&o).contains("no `fhc try` is waiting"),
        "a guard was left: {}",
        err(&o)
    );
}

fn run(mut c: Command) -> Output {
    c.output().expect("runs")
}

#[test]
fn nft_failing_after_the_dry_run_leaves_everything_as_it_was() {
    if !root_or_skip("apply faults (nft)", LOCALLY) {
        return;
    }
    let (ns, http, defaults) = running_ssh("faultnft");
    let before = ns.table().unwrap();
    // An nft that passes the dry run, lists, and loads anything but the new ruleset (the
    // saved table still reloads, for the try's proof of its way back).
    let bin = ns.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("nft");
    std::fs::write(
        &fake,
        format!(
            r#"#!/bin/sh
for a in "$@"; do [ "$a" = -c ] && exec {real} "$@"; done
case " $* " in *" -f "*) ;; *) exec {real} "$@" ;; esac
t=$(mktemp); cat > "$t"
if grep -q 'server http' "$t"; then
    rm -f "$t"; echo 'simulated: Error: Could not process rule: Argument list too long' >&2; exit 1
fi
{real} "$@" < "$t"; s=$?; rm -f "$t"; exit $s
"#,
            real = which("nft")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for sub in ["apply", "try"] {
        // (try fails in its load, before any trial: its timeout never comes into play.)
        let mut c = ns.cmd(
            env!("CARGO_BIN_EXE_fhc"),
            &[sub, "--defaults", &defaults, &http],
        );
        c.env("PATH", &path);
        let o = run(c);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{sub}: {e}");
        assert!(
            e.contains("Argument list too long") && e.contains("the previous one stays"),
            "{sub}: {e}"
        );
        assert_eq!(ns.table().unwrap(), before, "{sub}");
        assert_eq!(ns.sysctl(LOOSE), "1", "{sub}: the setting was put back");
    }
    no_guard(&ns);
}

#[test]
fn a_read_only_proc_sys_changes_nothing() {
    if !root_or_skip("apply faults (/proc/sys read-only)", LOCALLY) {
        return;
    }
    let (ns, http, defaults) = running_ssh("faultprocsys");
    let before = ns.table().unwrap();
    for sub in ["apply", "try"] {
        // A private mount namespace whose /proc/sys is read-only (as in many containers).
        let o = run(ns.cmd(
            "unshare",
            &[
                "-m",
                "sh",
                "-c",
                "mount --bind /proc/sys /proc/sys && mount -o remount,ro,bind /proc/sys && exec \"$0\" \"$@\"",
                env!("CARGO_BIN_EXE_fhc"),
                sub,
                "--defaults",
                &defaults,
                &http,
            ],
        ));
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{sub}: {e}");
        assert!(
            e.contains("kernel settings not applied (nothing changed)")
                && e.contains("Read-only file system"),
            "{sub}: {e}"
        );
        assert_eq!(ns.table().unwrap(), before, "{sub}");
        assert_eq!(ns.sysctl(LOOSE), "1", "{sub}");
    }
    no_guard(&ns);
}

#[test]
fn a_state_directory_fhc_cannot_use_or_trust_is_refused_before_any_change() {
    if !root_or_skip("apply faults (state directory)", LOCALLY) {
        return;
    }
    let (ns, http, _) = running_ssh("faultrundir");
    let before = ns.table().unwrap();
    let writable = ns.dir.join("open");
    std::fs::create_dir_all(&writable).unwrap();
    std::fs::set_permissions(
        &writable,
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let link = ns.dir.join("link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(ns.dir.join("run"), &link).unwrap();
    let cases: [(&Path, &str); 3] = [
        (Path::new("/proc/fhc-run"), "cannot create /proc/fhc-run"),
        (&writable, "is writable by other users (mode 777)"),
        (&link, "is a symbolic link"),
    ];
    for (dir, why) in cases {
        let mut c = ns.cmd(
            env!("CARGO_BIN_EXE_fhc"),
            &["try", "--no-defaults", "--timeout", "5", &http],
        );
        c.env("FHC_RUN_DIR", dir);
        let o = run(c);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{}: {e}", dir.display());
        assert!(e.contains(why) && e.contains("nothing changed"), "{e}");
        assert_eq!(ns.table().unwrap(), before);
    }
    // `fhc apply` needs no state: it applies, and says the copy was not kept.
    let mut c = ns.cmd(
        env!("CARGO_BIN_EXE_fhc"),
        &["apply", "--no-defaults", &http],
    );
    c.env("FHC_RUN_DIR", &writable);
    let o = run(c);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("could not keep a copy of the ruleset"),
        "{}",
        err(&o)
    );
    assert!(ns.table().unwrap().contains("tcp dport 80"));
}
