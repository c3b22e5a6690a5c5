//! ARCHITECTURE.md's invariants, checked on the source tree (one test each):
//!
//! 1. lang does no I/O: no files, processes, environment, sockets or standard streams.
//! 2. The IR holds no string a backend must parse: the lowering never parses or inspects the
//!    text of a model value (the model gave it a type).
//! 3. lsp/ only converts: it reaches lang through the front doors and the IDE layer, never the
//!    syntax tree, the model or the backend.
//! 4. The vocabulary has one source: the editor grammars' keyword lists are generated from
//!    lang's tables (`vocabulary.rs` fails when they are stale; here: nobody wrote them by hand
//!    in a second Rust table).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every .rs file under `dir`, with its text, code only (line comments and doc comments blanked,
/// `#[cfg(test)]` modules cut off at their start: tests may do anything).
fn sources(dir: &Path) -> Vec<(PathBuf, Vec<(usize, String)>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).expect("read source");
                let mut lines = Vec::new();
                let all: Vec<&str> = text.lines().collect();
                for (i, l) in all.iter().enumerate() {
                    // A test module ends the code (tests may do anything); a single test item
                    // does not.
                    if l.trim() == "#[cfg(test)]"
                        && all
                            .get(i + 1)
                            .is_some_and(|n| n.trim_start().starts_with("mod "))
                    {
                        break;
                    }
                    let code = match l.find("//") {
                        Some(at) if !l[..at].contains('"') => &l[..at],
                        _ => l,
                    };
                    lines.push((i + 1, code.to_string()));
                }
                out.push((p, lines));
            }
        }
    }
    out
}

/// The lines of `dir` containing any of `needles`, except the allowed (file suffix, needle) pairs.
fn offenders(dir: &Path, needles: &[&str], allowed: &[(&str, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, lines) in sources(dir) {
        let name = p.to_string_lossy().replace('\\', "/");
        for (no, l) in lines {
            for n in needles {
                if l.contains(n) && !allowed.iter().any(|(f, a)| name.ends_with(f) && a == n) {
                    out.push(format!("{name}:{no}: `{n}` in: {}", l.trim()));
                }
            }
        }
    }
    out
}

#[test]
fn lang_does_no_io() {
    let bad = offenders(
        &root().join("lang/src"),
        &[
            "std::fs",
            "std::process",
            "std::env",
            "TcpStream",
            "TcpListener",
            "UdpSocket",
            "stdin()",
            "stdout()",
            "stderr()",
            "println!",
            "eprintln!",
            "File::open",
            "File::create",
        ],
        &[],
    );
    assert!(
        bad.is_empty(),
        "lang is a pure library (I/O belongs in cli/ or lsp/):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_lowering_reads_typed_values_only() {
    let bad = offenders(
        &root().join("lang/src/nft/lower"),
        &[
            ".parse::<",
            ".parse()",
            "parse_",
            ".split(",
            "split_whitespace",
            "to_ascii_lowercase",
            "to_lowercase",
            "eq_ignore_ascii_case",
            "strip_prefix",
            "strip_suffix",
            ".starts_with(",
            ".trim",
            "from_str",
        ],
        &[],
    );
    assert!(
        bad.is_empty(),
        "the lowering parses text: give the value a type in the model (lang/src/model/values, \
         model/ir) and parse it there, where a bad value becomes a diagnostic:\n{}",
        bad.join("\n")
    );
}

#[test]
fn lsp_only_converts() {
    let bad = offenders(
        &root().join("lsp/src"),
        &[
            "fhc_lang::syntax",
            "fhc_lang::model",
            "fhc_lang::nft",
            "fhc_lang::explain",
            "fhc_lang::fmt::",
        ],
        &[],
    );
    assert!(
        bad.is_empty(),
        "lsp/ converts lang's results to LSP types; analysis belongs in lang/src/ide:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_vocabulary_is_written_once() {
    // The command words live in keywords.rs's table. A file quoting many of them would be a
    // second list that can fall out of step (the parser reads `Cmd::ALL`, completion and hover
    // read the table).
    let names: Vec<String> = fhc_lang::syntax::keywords::COMMANDS
        .iter()
        .map(|c| format!("\"{}\"", c.0))
        .collect();
    let mut lists = Vec::new();
    for dir in ["lang/src", "lsp/src", "cli/src"] {
        for (p, lines) in sources(&root().join(dir)) {
            // nft's own words (`log`, `limit`, `synproxy` ...) are not FireHOL's vocabulary.
            if p.ends_with("keywords.rs") || p.components().any(|c| c.as_os_str() == "nft") {
                continue;
            }
            let text: String = lines.iter().map(|(_, l)| l.as_str()).collect();
            let quoted = names.iter().filter(|n| text.contains(n.as_str())).count();
            if quoted > 6 {
                lists.push(format!("{}: {quoted} command names", p.display()));
            }
        }
    }
    assert!(
        lists.is_empty(),
        "command words are written once, in lang/src/syntax/keywords.rs:\n{}",
        lists.join("\n")
    );
    // The editor grammars' lists are generated (lang/tests/vocabulary.rs checks they are fresh).
    for generated in [
        "grammar/vocabulary.js",
        "grammar/textmate/firehol.tmLanguage.json",
        "editors/nvim/syntax/firehol.vim",
    ] {
        assert!(
            root().join(generated).is_file(),
            "{generated} is generated from lang's tables"
        );
    }
}
