//! The sample /etc/firehol/firehol.conf the Debian package installs (`dist/firehol.conf`), as
//! shipped and with every example enabled: `fhc check` has nothing to say, it is formatted, it
//! loads into a kernel (root), and FireHOL 3.1.7 accepts it too (root and FireHOL), because on a
//! FireHOL host it becomes the file FireHOL reads (see dist/README.Debian).

mod support;

#[path = "../../lang/tests/support/mod.rs"]
mod kernel;

use std::path::PathBuf;
use std::process::Command;
use support::{repo, run_fhc};

fn sample() -> String {
    std::fs::read_to_string(repo().join("dist/firehol.conf")).expect("dist/firehol.conf")
}

/// The sample with every example enabled: a `#` directly followed by a letter marks an example
/// line (prose comments have a blank after the `#`), as the file's header tells its reader.
fn with_examples(text: &str) -> String {
    text.lines()
        .map(|line| {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            match body.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                    format!("{indent}{rest}\n")
                }
                _ => format!("{line}\n"),
            }
        })
        .collect()
}

fn variants() -> [(&'static str, String); 2] {
    let text = sample();
    let all = with_examples(&text);
    [("as shipped", text), ("with every example", all)]
}

#[test]
fn the_examples_are_there() {
    let text = sample();
    let all = with_examples(&text);
    for example in ["synproxy4 input", "server ssh accept", "protection strong"] {
        assert!(
            all.lines().any(|l| l.trim_start().starts_with(example))
                && !text.lines().any(|l| l.trim_start().starts_with(example)),
            "{example} is not a commented example"
        );
    }
}

/// As shipped, the active statements are FireHOL's own default configuration: on a FireHOL host
/// the package replaces an unmodified default with this file, and FireHOL must then behave the
/// same.
#[test]
fn as_shipped_it_is_firehols_default_policy() {
    let statements: Vec<String> = sample()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        statements,
        ["version 6", "interface any world", "client all accept"]
    );
}

#[test]
fn check_is_silent_and_the_file_is_formatted() {
    for (what, text) in variants() {
        let out = run_fhc(&["check", "--format", "json", "-"], Some(&text));
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).trim()
            ),
            (Some(0), "[]"),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = run_fhc(&["fmt", "--check", "-"], Some(&text));
        assert!(
            out.status.success(),
            "{what}: not in the canonical style:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn loads_into_a_kernel() {
    if !kernel::kernel_available() {
        return;
    }
    for (what, text) in variants() {
        let out = run_fhc(&["compile", "-"], Some(&text));
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listed = kernel::load_in_netns(&String::from_utf8_lossy(&out.stdout))
            .unwrap_or_else(|e| panic!("{what}: nft refused the ruleset: {e}"));
        assert!(listed.contains("table inet firehol"), "{what}: {listed}");
    }
}

#[test]
fn firehol_accepts_it() {
    if !support::root_or_skip(
        "dist_sample::firehol_accepts_it",
        "sudo cargo test -p fhc --test dist_sample",
    ) {
        return;
    }
    let firehol = std::env::var("FIREHOL").unwrap_or_else(|_| "/usr/sbin/firehol".to_string());
    if !PathBuf::from(&firehol).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "FireHOL is missing at {firehol}, and CI is set: refusing to skip"
        );
        support::skip(
            "dist_sample::firehol_accepts_it",
            &format!("needs FireHOL at {firehol}"),
            "apt-get install firehol iptables iproute2",
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("fhc-dist-sample-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, (_, text)) in variants().iter().enumerate() {
        let file = dir.join(format!("sample-{i}.conf"));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    let out = Command::new("bash")
        .arg(repo().join("tests/firehol-oracle.sh"))
        .args(&files)
        .output()
        .expect("tests/firehol-oracle.sh runs");
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("2 passed, 0 failed"),
        "FireHOL rejects the sample:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
