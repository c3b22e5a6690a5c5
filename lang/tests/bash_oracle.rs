//! The shell evaluator against real bash: each configuration of the project's own corpus runs
//! under bash with every FireHOL command replaced by a function that prints its arguments (a
//! trace prelude generated from the vocabulary), and the commands bash calls, with their expanded
//! words, must be exactly those fhc's evaluator hands the model.
//!
//! Tests only, on the trusted corpus: fhc itself never runs a shell. A configuration fhc refuses
//! to evaluate (it needs the host) is skipped, and reported at the end.

use fhc_lang::eval::EventKind;
use fhc_lang::syntax::keywords::COMMANDS;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Separates the words of a traced call, and the calls.
const UNIT: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// Bash functions for every FireHOL command (and its 4/6/46 forms, and the family prefixes)
/// that print their name and arguments; FireHOL's predefined variables as fhc has them.
fn trace_prelude() -> String {
    let mut out = String::from("fhc_trace() { local IFS=$'\\x1f'; printf '%s\\x1e' \"$*\"; }\n");
    let mut names: Vec<String> = vec!["ipv4".into(), "ipv6".into(), "both".into()];
    for &(name, _, suffixes, _) in COMMANDS {
        names.push(name.to_string());
        if suffixes {
            for s in ["4", "6", "46"] {
                names.push(format!("{name}{s}"));
            }
        }
    }
    for n in names {
        out.push_str(&format!("{n}() {{ fhc_trace {n} \"$@\"; }}\n"));
    }
    let env = fhc_lang::model::expand::Env::new();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k, v.value.as_str())).collect();
    vars.sort();
    for (k, v) in vars {
        out.push_str(&format!("{k}='{}'\n", v.replace('\'', "'\\''")));
    }
    out
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let mut files = Vec::new();
    for dir in ["valid", "bash", "real", "fhc-errors"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "conf") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The commands bash calls, each as its words.
fn bash_trace(prelude: &Path, conf: &Path) -> Vec<Vec<String>> {
    let out = Command::new("bash")
        .arg("--noprofile")
        .arg("--norc")
        .arg("-c")
        .arg("source \"$1\"; source \"$2\"")
        .arg("fhc-oracle")
        .arg(prelude)
        .arg(conf)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C")
        // An empty directory: a glob matches nothing, as fhc assumes.
        .current_dir(prelude.with_file_name("cwd"))
        .output()
        .expect("bash runs");
    String::from_utf8_lossy(&out.stdout)
        .split(RECORD)
        .filter(|r| !r.is_empty())
        .map(|r| r.split(UNIT).map(str::to_string).collect())
        .collect()
}

/// Codes that mean fhc did not evaluate part of the file (bash may still run it).
const NOT_EVALUATED: &[&str] = &[
    "E0003", "E0004", "E0005", "E0006", "E0007", "E0012", "E0013", "E0014", "E0018", "E0019",
];

#[test]
fn the_evaluator_calls_what_bash_calls() {
    if Command::new("bash").arg("-c").arg("true").status().is_err() {
        panic!("bash is needed for this test");
    }
    let dir = std::env::temp_dir().join(format!("fhc-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prelude = dir.join("trace.sh");
    std::fs::create_dir_all(dir.join("cwd")).unwrap();
    std::fs::write(&prelude, trace_prelude()).unwrap();
    let (mut compared, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for conf in corpus() {
        let text = std::fs::read_to_string(&conf).unwrap();
        let a = fhc_lang::analyze(&text);
        if let Some(d) = a
            .diagnostics
            .iter()
            .find(|d| NOT_EVALUATED.contains(&d.code.as_str()))
        {
            skipped.push(format!("{} ({})", conf.display(), d.code.as_str()));
            continue;
        }
        let ours: Vec<Vec<String>> = a
            .evaluation
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Command { argv, .. } => Some(argv.clone()),
                _ => None,
            })
            .collect();
        let theirs = bash_trace(&prelude, &conf);
        compared += 1;
        if ours != theirs {
            let at = ours
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            failures.push(format!(
                "{}: call {} differs\n  fhc:  {:?}\n  bash: {:?}\n  ({} calls by fhc, {} by bash)",
                conf.display(),
                at + 1,
                ours.get(at),
                theirs.get(at),
                ours.len(),
                theirs.len()
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!(
        "bash oracle: {compared} configurations compared, {} skipped (fhc refuses part of them):",
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 60, "only {compared} configurations compared");
}
