//! Editor support checked with the real tools: the tree-sitter grammar (its corpus and highlight
//! tests, the committed generated parser, every corpus configuration parsing without ERROR
//! nodes, every keyword highlighted), headless Neovim as an LSP client of `fhc lsp` and as a
//! highlighter, and the VS Code extension packaged into a .vsix.
//!
//! The tools (tree-sitter-cli 0.27.1, neovim, node/npm, cc) are installed by scripts/test.sh. A
//! test whose tool is missing fails when CI is set and otherwise skips with a banner. The check
//! that the keyword tables of the grammars match lang's needs no tool and always runs.

mod support;

use fhc_lang::syntax::keywords::{ACTIONS, COMMANDS, PARAMS};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::{repo, skip};

/// tree-sitter compiles the grammar into one shared cache directory: one run at a time.
static TREE_SITTER: Mutex<()> = Mutex::new(());

const TREE_SITTER_VERSION: &str = "0.27.1";

/// True when `program args` runs; otherwise fails in CI and skips loudly elsewhere.
fn tool_or_skip(what: &str, program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{what} needs `{program}`, and CI is set: refusing to skip (scripts/test.sh installs it)"
        );
    }
    skip(
        what,
        &format!("`{program}` is not installed"),
        "run scripts/test.sh as root (it installs the editor tools), or install it by hand",
    );
    false
}

fn tree_sitter_or_skip(what: &str) -> bool {
    if !tool_or_skip(what, "tree-sitter", &["--version"]) {
        return false;
    }
    let out = Command::new("tree-sitter")
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        version.contains(TREE_SITTER_VERSION),
        "tree-sitter-cli {TREE_SITTER_VERSION} expected (the committed parser is its output), found {version}"
    );
    true
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhc-editors-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command to completion, killing it after `limit` so that a hung editor fails the test
/// instead of hanging it.
fn run(cmd: &mut Command, limit: Duration) -> Output {
    let what = format!("{cmd:?}");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(out) = rx.recv_timeout(Duration::from_millis(100)) {
            return out.unwrap_or_else(|e| panic!("{what}: {e}"));
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("{what} did not finish within {limit:?}");
        }
    }
}

fn run_ok(cmd: &mut Command, limit: Duration) -> Output {
    let what = format!("{cmd:?}");
    let out = run(cmd, limit);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A JSON array of strings.
fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn grammar_dir() -> PathBuf {
    repo().join("grammar")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Keyword tables (no tools)

/// The quoted words of `const NAME = [ ... ];` in vocabulary.js (which grammar.js requires).
fn js_list(js: &str, name: &str) -> Vec<String> {
    let start = js
        .find(&format!("const {name} = ["))
        .unwrap_or_else(|| panic!("vocabulary.js has no {name}"));
    let body = &js[start..];
    let body = &body[body.find('[').unwrap() + 1..body.find("];").unwrap()];
    body.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn lang_commands() -> Vec<String> {
    COMMANDS.iter().map(|c| c.0.to_string()).collect()
}

fn lang_suffixed() -> Vec<String> {
    COMMANDS
        .iter()
        .filter(|c| c.2)
        .map(|c| c.0.to_string())
        .collect()
}

fn lang_params() -> Vec<String> {
    PARAMS
        .iter()
        .flat_map(|p| p.0.iter().map(|s| s.to_string()))
        .collect()
}

fn lang_actions() -> Vec<String> {
    ACTIONS.iter().map(|a| a.0.to_string()).collect()
}

/// The alternatives of every `(?:a|b|c)`-style group in a regex (`\-` unescaped).
fn alternatives(regex: &str) -> BTreeSet<String> {
    regex
        .replace("\\-", "-")
        .replace("\\|", "|")
        .split([
            '|', '(', ')', ':', '?', '\\', '%', '=', '/', '[', ']', '\'', '.', ' ', '{', '}', '*',
            '+', '$', '^', '@', '<', '>',
        ])
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn grammar_js_keyword_tables_equal_lang_keywords() {
    let js = read(&grammar_dir().join("vocabulary.js"));
    assert!(
        read(&grammar_dir().join("grammar.js")).contains("require('./vocabulary')"),
        "grammar.js does not take its keyword tables from vocabulary.js"
    );
    assert_eq!(js_list(&js, "COMMANDS"), lang_commands());
    assert_eq!(js_list(&js, "SUFFIXED"), lang_suffixed());
    assert_eq!(js_list(&js, "PARAMS"), lang_params());
    assert_eq!(js_list(&js, "ACTIONS"), lang_actions());
}

/// The regex texts a grammar recognises each kind of keyword with.
struct KeywordRegexes {
    commands: String,
    sections: String,
    group: String,
    params: String,
    actions: String,
}

/// Every command, parameter and action of lang is an alternative of its regex.
fn assert_knows_every_keyword(grammar: &str, r: KeywordRegexes) {
    let (commands, sections, group) = (
        alternatives(&r.commands),
        alternatives(&r.sections),
        alternatives(&r.group),
    );
    for c in lang_commands() {
        let known = match c.as_str() {
            "interface" | "router" => sections.contains(&c),
            "group" => group.contains(&c),
            _ => commands.contains(&c),
        };
        assert!(known, "{grammar} does not know the command {c}");
    }
    let params = alternatives(&r.params);
    for p in lang_params() {
        assert!(
            params.contains(&p),
            "{grammar} does not know the parameter {p}"
        );
    }
    let actions = alternatives(&r.actions);
    for a in lang_actions() {
        assert!(
            actions.contains(&a),
            "{grammar} does not know the action {a}"
        );
    }
}

#[test]
fn textmate_grammar_knows_every_keyword() {
    let tm: Value = serde_json::from_str(&read(
        &grammar_dir().join("textmate/firehol.tmLanguage.json"),
    ))
    .unwrap();
    let repo = &tm["repository"];
    let regex = |rule: &str| repo[rule]["match"].as_str().unwrap().to_string();
    assert_knows_every_keyword(
        "the TextMate grammar",
        KeywordRegexes {
            commands: regex("command"),
            sections: repo["section"].to_string(),
            group: regex("group"),
            params: regex("parameter"),
            actions: regex("action"),
        },
    );
}

/// The text of the `syn match NAME` statement (continuation lines joined) in the Vim syntax file,
/// or of the `exe` line building it, followed by the values of the `s:` variables it uses (the
/// generated word lists).
fn vim_statement(vim: &str, name: &str) -> String {
    let mut joined = String::new();
    for line in vim.lines() {
        match line.trim_start().strip_prefix('\\') {
            Some(rest) => joined.push_str(rest),
            None => {
                joined.push('\n');
                joined.push_str(line);
            }
        }
    }
    let vars: Vec<(&str, &str)> = joined
        .lines()
        .filter_map(|l| l.strip_prefix("let "))
        .filter_map(|l| l.split_once(" = "))
        .collect();
    joined
        .lines()
        .filter(|l| l.contains(&format!("syn match {name} ")))
        .map(|l| {
            let mut text = l.to_string();
            for (var, value) in &vars {
                if l.contains(var) {
                    text.push(' ');
                    text.push_str(value);
                }
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn vim_syntax_knows_every_keyword() {
    let vim = read(&repo().join("editors/nvim/syntax/firehol.vim"));
    let statement = |name: &str| vim_statement(&vim, name);
    assert_knows_every_keyword(
        "syntax/firehol.vim",
        KeywordRegexes {
            commands: statement("fireholCommand"),
            sections: statement("fireholSection"),
            group: statement("fireholGroup"),
            params: statement("fireholParam"),
            actions: statement("fireholAction"),
        },
    );
}

// ---------------------------------------------------------------------------------------------
// tree-sitter

#[test]
fn tree_sitter_corpus_and_highlight_tests_pass() {
    if !tree_sitter_or_skip("tree-sitter test") {
        return;
    }
    let _lock = TREE_SITTER.lock().unwrap_or_else(|e| e.into_inner());
    let out = run_ok(
        Command::new("tree-sitter")
            .arg("test")
            .current_dir(grammar_dir()),
        Duration::from_secs(300),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("syntax highlighting:"), "{text}");
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn generated_parser_is_the_committed_one() {
    if !tree_sitter_or_skip("tree-sitter generate") {
        return;
    }
    let dir = scratch("generate");
    for f in ["grammar.js", "vocabulary.js", "tree-sitter.json"] {
        std::fs::copy(grammar_dir().join(f), dir.join(f)).unwrap();
    }
    run_ok(
        Command::new("tree-sitter")
            .args(["generate", "--abi", "14"])
            .current_dir(&dir),
        Duration::from_secs(300),
    );
    for f in [
        "parser.c",
        "grammar.json",
        "node-types.json",
        "tree_sitter/parser.h",
        "tree_sitter/array.h",
        "tree_sitter/alloc.h",
    ] {
        assert!(
            read(&dir.join("src").join(f)) == read(&grammar_dir().join("src").join(f)),
            "grammar/src/{f} is not what `tree-sitter generate --abi 14` makes of grammar.js: \
             run it in grammar/ and commit the result"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn conf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// (file, parsed without ERROR/MISSING nodes) for each file, from `tree-sitter parse`.
fn tree_sitter_parse(files: &[PathBuf]) -> Vec<(String, bool)> {
    let _lock = TREE_SITTER.lock().unwrap_or_else(|e| e.into_inner());
    let out = run(
        Command::new("tree-sitter")
            .args(["parse", "-q", "--json-summary", "-p"])
            .arg(grammar_dir())
            .args(files),
        Duration::from_secs(300),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Files with errors are also listed on lines of their own before the JSON summary.
    let json = &stdout[stdout.find("{\n").expect("a JSON summary")..];
    let summary: Value = serde_json::from_str(json).unwrap();
    summary["parse_summaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap().to_string(),
                s["successful"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_corpus_config_parses_without_error_nodes() {
    if !tree_sitter_or_skip("tree-sitter parse of the corpus") {
        return;
    }
    // Valid FireHOL: the corpus and the configurations fhc rejects on purpose (shell it does not
    // evaluate, such as sections inside `case` branches).
    let mut valid = conf_files(&repo().join("tests/corpus/valid"));
    assert!(valid.len() >= 30, "{valid:?}");
    valid.extend(conf_files(&repo().join("tests/corpus/fhc-errors")));
    let upstream = conf_files(&repo().join("../shared/corpus/firehol-upstream"));
    // FireHOL's own configurations live outside the repository (../shared, beside a checkout of
    // the workspace): a clean clone elsewhere checks the project's corpus only, and says so.
    if upstream.is_empty() {
        skip(
            "tree-sitter parse of FireHOL's own configurations",
            "../shared/corpus/firehol-upstream is not beside the repository",
            "check out shared/ beside the repository",
        );
    }
    let files: Vec<PathBuf> = valid.iter().chain(&upstream).cloned().collect();
    let results = tree_sitter_parse(&files);
    assert_eq!(results.len(), files.len());
    let failed: Vec<&String> = results.iter().filter(|r| !r.1).map(|r| &r.0).collect();
    eprintln!(
        "tree-sitter: {} of {} corpus configs and {} of {} FireHOL upstream configs parse without ERROR nodes",
        valid.len() - failed.iter().filter(|f| f.contains("tests/corpus")).count(),
        valid.len(),
        upstream.len()
            - failed
                .iter()
                .filter(|f| f.contains("firehol-upstream"))
                .count(),
        upstream.len(),
    );
    assert!(failed.is_empty(), "ERROR nodes in {failed:?}");
}

/// (row, column) -> capture names, from `tree-sitter query`.
fn captures(query: &str, file: &Path) -> BTreeMap<(usize, usize), Vec<String>> {
    let _lock = TREE_SITTER.lock().unwrap_or_else(|e| e.into_inner());
    let out = run_ok(
        Command::new("tree-sitter")
            .args(["query", "-p"])
            .arg(grammar_dir())
            .arg(grammar_dir().join("queries").join(query))
            .arg(file),
        Duration::from_secs(300),
    );
    let mut map: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    // `    capture: 3 - property, start: (2, 16), end: (2, 19), text: `src``
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(rest) = line.trim().strip_prefix("capture: ") else {
            continue;
        };
        // Multi-line captures have no index: `capture: fold, start: ...`.
        let head = &rest[..rest.find(", start: ").unwrap()];
        let name = head.rsplit(" - ").next().unwrap();
        let start = &rest[rest.find("start: (").unwrap() + 8..];
        let start = &start[..start.find(')').unwrap()];
        let (r, c) = start.split_once(", ").unwrap();
        map.entry((r.parse().unwrap(), c.parse().unwrap()))
            .or_default()
            .push(name.to_string());
    }
    map
}

#[test]
fn every_keyword_gets_its_highlight_capture() {
    if !tree_sitter_or_skip("tree-sitter query (highlights)") {
        return;
    }
    // (line, column, word, expected capture)
    let mut text = String::new();
    let mut expect: Vec<(usize, usize, String, &str)> = Vec::new();
    let line = |text: &mut String, s: String| {
        text.push_str(&s);
        text.push('\n');
        text.lines().count() - 1
    };
    for (name, _, suffixed, _) in COMMANDS {
        let spellings: Vec<String> = if *suffixed {
            ["", "4", "6", "46"]
                .iter()
                .map(|s| format!("{name}{s}"))
                .collect()
        } else {
            vec![name.to_string()]
        };
        for s in spellings {
            let (src, capture) = match *name {
                "interface" => (format!("{s} eth0 lan"), "keyword"),
                "router" => (format!("{s} r1"), "keyword"),
                "group" => (format!("{s} with src 10.0.0.1"), "keyword"),
                _ => (format!("{s} x"), "function.builtin"),
            };
            let n = line(&mut text, src);
            expect.push((n, 0, s, capture));
        }
    }
    for p in lang_params() {
        for s in [p.clone(), p.to_uppercase()] {
            let n = line(&mut text, format!("server x accept {s} y"));
            expect.push((n, 16, s, "property"));
        }
    }
    for a in lang_actions() {
        for s in [a.clone(), a.to_uppercase()] {
            let n = line(&mut text, format!("server x {s}"));
            expect.push((n, 9, s, "constant.builtin"));
        }
    }
    let dir = scratch("keywords");
    let file = dir.join("keywords.firehol");
    std::fs::write(&file, &text).unwrap();
    let got = captures("highlights.scm", &file);
    for (n, col, word, capture) in expect {
        let at = got.get(&(n, col)).cloned().unwrap_or_default();
        assert_eq!(
            at,
            vec![capture.to_string()],
            "line {n} `{}`: {word}",
            text.lines().nth(n).unwrap()
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn locals_and_folds_queries_capture() {
    if !tree_sitter_or_skip("tree-sitter query (locals, folds)") {
        return;
    }
    let file = repo().join("tests/corpus/valid/shell-syntax.conf");
    let folds = captures("folds.scm", &file);
    // Both sections and the group fold.
    let fold_lines: Vec<usize> = folds.keys().map(|k| k.0).collect();
    let text = read(&file);
    let line_of = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap();
    for needle in [
        "interface \"$WAN\"",
        "interface ${LAN}",
        "    group with",
        "router lan2wan",
    ] {
        assert!(
            fold_lines.contains(&line_of(needle)),
            "no fold at `{needle}`: {folds:?}"
        );
    }
    let locals = captures("locals.scm", &file);
    let wan_def = (line_of("WAN=eth0"), 0);
    assert_eq!(locals[&wan_def], vec!["local.definition"]);
    let wan_ref = (line_of("interface \"$WAN\""), 12);
    assert_eq!(locals[&wan_ref], vec!["local.reference"]);
}

// ---------------------------------------------------------------------------------------------
// Neovim

/// A Neovim to run the headless tests with: Debian's (0.7.2) on PATH, and a current one (the
/// 0.11+ `vim.lsp.config` path) from `FHC_NVIM_CURRENT` (scripts/test.sh sets it from
/// tests/editors/nvim/current.sh).
struct Nvim {
    bin: PathBuf,
    /// Its runtime files, when they are not where the binary looks by default.
    runtime: Option<PathBuf>,
}

/// The Neovims to test with; each missing one skips loudly (and fails in CI).
fn neovims(what: &str) -> Vec<Nvim> {
    let mut out = Vec::new();
    if tool_or_skip(what, "nvim", &["--version"]) {
        out.push(Nvim {
            bin: PathBuf::from("nvim"),
            runtime: None,
        });
    }
    match std::env::var_os("FHC_NVIM_CURRENT") {
        Some(bin) => {
            let bin = PathBuf::from(bin);
            let runtime = bin.parent().unwrap().join("../share/nvim/runtime");
            out.push(Nvim {
                bin,
                runtime: Some(runtime),
            });
        }
        None if std::env::var_os("CI").is_some() => {
            panic!("{what}: FHC_NVIM_CURRENT is not set, and CI is set (scripts/test.sh sets it)")
        }
        None => skip(
            &format!("{what} on a current Neovim"),
            "FHC_NVIM_CURRENT is not set",
            "FHC_NVIM_CURRENT=$(tests/editors/nvim/current.sh) cargo test --test editors",
        ),
    }
    out
}

/// Runs one of tests/editors/nvim/*.lua in headless Neovim and returns the JSON it wrote.
/// Warnings Neovim gave (deprecated API calls among them) fail the test.
fn nvim_with(vim: &Nvim, script: &str, env: &[(&str, &Path)], out: &Path) -> Value {
    let mut cmd = Command::new(&vim.bin);
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-S"])
        .arg(repo().join("tests/editors/nvim").join(script))
        .env("FHC_REPO", repo())
        .env("FHC_OUT", out)
        .env("HOME", out.parent().unwrap())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_STATE_HOME")
        .env_remove("VIMRUNTIME");
    if let Some(rt) = &vim.runtime {
        cmd.env("VIMRUNTIME", rt);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = run(&mut cmd, Duration::from_secs(120));
    let json = std::fs::read_to_string(out).unwrap_or_else(|_| {
        panic!(
            "nvim wrote no result ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(v.get("error").is_none(), "nvim: {}", v["error"]);
    assert_eq!(
        v["warnings"],
        serde_json::json!([]),
        "nvim {}: {v}",
        v["nvim"]
    );
    v
}

/// The brief's three errors: a synproxy without `inface`/`dst` (E0101, E0102), a synproxy after
/// a dnat that captures it (W0103), two synproxies with the same dst and no `src` (E0104).
const BRIEF: &str = "\
# The brief's three synproxy errors, as an editor shows them.
dnat to 10.0.0.9 inface eth0 proto tcp dport 80
ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept
ipv4 synproxy input dport 22 accept
ipv4 synproxy input inface eth0 dst 5.6.7.8 dport 443 accept
ipv4 synproxy input inface eth1 dst 5.6.7.8 dport 443 drop
interface eth0 wan
    server \"ssh http https\" accept
";

#[test]
fn neovim_receives_the_brief_diagnostics_from_fhc_lsp() {
    let versions = neovims("Neovim LSP diagnostics");
    let mut seen = Vec::new();
    for vim in &versions {
        let v = brief_diagnostics_in(vim);
        seen.push(v["nvim"].as_str().unwrap().to_string());
    }
    if std::env::var_os("CI").is_some() {
        assert!(seen.iter().any(|v| v.starts_with("0.7.")), "{seen:?}");
        assert!(
            seen.iter().any(|v| v.starts_with("0.1") && v != "0.1"),
            "a 0.11+ Neovim: {seen:?}"
        );
    }
}

fn brief_diagnostics_in(vim: &Nvim) -> Value {
    let dir = scratch(&format!("nvim-diagnostics-{}", vim.runtime.is_some()));
    let conf = dir.join("firehol.conf");
    std::fs::write(&conf, BRIEF).unwrap();
    let fhc = PathBuf::from(env!("CARGO_BIN_EXE_fhc"));
    let v = nvim_with(
        vim,
        "diagnostics.lua",
        &[("FHC_FILE", &conf), ("FHC_BIN", &fhc)],
        &dir.join("out.json"),
    );
    assert_eq!(v["filetype"], "firehol", "{v}");
    assert_eq!(v["clients"], serde_json::json!(["fhc"]), "{v}");
    assert_eq!(v["received"], true, "{v}");
    // 0.7 takes pushed diagnostics; 0.11+ announces pull and the server serves it that way.
    let old = v["nvim"].as_str().is_some_and(|n| n.starts_with("0.7."));
    assert_eq!(v["pulled"], !old, "{v}");
    let (error, warn) = (&v["severity"]["error"], &v["severity"]["warn"]);
    let got: Vec<(u64, String, &Value)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["source"], "fhc");
            assert_eq!(d["col"], 0);
            (
                d["lnum"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
                &d["severity"],
            )
        })
        .collect();
    let want: Vec<(u64, String, &Value)> = vec![
        (2, "W0103".into(), warn),
        (3, "E0101".into(), error),
        (3, "E0102".into(), error),
        (5, "E0104".into(), error),
    ];
    assert_eq!(got, want, "{v}");
    let _ = std::fs::remove_dir_all(dir);
    v
}

#[test]
fn neovim_highlights_a_valid_config() {
    if !tool_or_skip("Neovim highlighting", "cc", &["--version"]) {
        return;
    }
    let dir = scratch("nvim-highlight");
    // ftdetect recognises the name firehol.conf.
    let text = read(&repo().join("tests/corpus/valid/shell-syntax.conf"));
    let conf = dir.join("firehol.conf");
    std::fs::write(&conf, &text).unwrap();
    // (line fragment, word in it, Vim syntax item, tree-sitter capture, group both map it to)
    let probes: &[(&str, &str, &str, &str, Option<&str>)] = &[
        (
            "interface \"$WAN\" wan",
            "interface",
            "fireholSection",
            "keyword",
            Some("Keyword"),
        ),
        (
            "interface \"$WAN\" wan",
            "wan",
            "fireholSectionName",
            "label",
            Some("Label"),
        ),
        (
            "router lan2wan",
            "lan2wan",
            "fireholSectionName",
            "label",
            Some("Label"),
        ),
        (
            "    group with",
            "group",
            "fireholGroup",
            "keyword",
            Some("Keyword"),
        ),
        (
            "policy drop",
            "policy",
            "fireholCommand",
            "function.builtin",
            Some("Special"),
        ),
        (
            "policy drop",
            "drop",
            "fireholAction",
            "constant.builtin",
            None,
        ),
        (
            "src4 \"$ADMIN\"",
            "src4",
            "fireholParam",
            "property",
            Some("Identifier"),
        ),
        (
            "SRC4 \"$DNS",
            "SRC4",
            "fireholParam",
            "property",
            Some("Identifier"),
        ),
        (
            "# the API version",
            "#",
            "fireholComment",
            "comment",
            Some("Comment"),
        ),
        (
            "\"http https\"",
            "http",
            "fireholString",
            "string",
            Some("String"),
        ),
        (
            "FIREHOL_LOG_MODE=",
            "FIREHOL",
            "fireholAssign",
            "variable",
            None,
        ),
        ("version 6", "6", "fireholNumber", "number", Some("Number")),
    ];
    let mut positions = Vec::new();
    for (fragment, word, ..) in probes {
        let (n, l) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(fragment))
            .unwrap_or_else(|| panic!("{fragment} not in shell-syntax.conf"));
        positions.push((n, l.find(fragment).unwrap() + fragment.find(word).unwrap()));
    }
    let probes_file = dir.join("probes.json");
    std::fs::write(&probes_file, serde_json::to_string(&positions).unwrap()).unwrap();

    // The tree-sitter parser, built by the shipped script, and the shipped queries.
    let rtp = dir.join("rtp");
    run_ok(
        Command::new("sh")
            .arg(repo().join("editors/nvim/build-parser.sh"))
            .arg(&rtp),
        Duration::from_secs(300),
    );
    let mut expected_groups: Vec<&str> = probes.iter().filter_map(|p| p.4).collect();
    expected_groups.sort_unstable();
    expected_groups.dedup();
    let expected_groups = expected_groups.join(",");
    for (n, vim) in neovims("Neovim highlighting").iter().enumerate() {
        // The Vim syntax file (tree-sitter off).
        let syntax = nvim_with(
            vim,
            "highlight.lua",
            &[
                ("FHC_FILE", &conf),
                ("FHC_PROBES", &probes_file),
                ("FHC_MODE", Path::new("syntax")),
            ],
            &dir.join(format!("syntax-{n}.json")),
        );
        assert_eq!(syntax["filetype"], "firehol", "{syntax}");
        assert_eq!(syntax["syntax"], "firehol", "{syntax}");
        for (i, (fragment, word, item, ..)) in probes.iter().enumerate() {
            assert_eq!(
                syntax["probes"][i]["item"], *item,
                "`{word}` in `{fragment}`: {syntax}"
            );
        }

        let ts = nvim_with(
            vim,
            "highlight.lua",
            &[
                ("FHC_FILE", &conf),
                ("FHC_PROBES", &probes_file),
                ("FHC_MODE", Path::new("treesitter")),
                ("FHC_GROUPS", Path::new(&expected_groups)),
                ("FHC_PARSER_RTP", &rtp),
            ],
            &dir.join(format!("ts-{n}.json")),
        );
        assert_eq!(ts["highlighter_active"], true, "{ts}");
        assert_eq!(ts["has_error"], false, "{ts}");
        assert_eq!(
            ts["syntax"], "",
            "the tree-sitter highlighter replaces the syntax: {ts}"
        );
        for (i, (fragment, word, _, capture, group)) in probes.iter().enumerate() {
            let p = &ts["probes"][i];
            let captures = strings(&p["captures"]);
            assert!(
                captures.contains(capture),
                "`{word}` in `{fragment}`: {capture} not in {captures:?}"
            );
            // Both highlighters draw the word with the same group (links followed: Neovim
            // 0.10+ links `@keyword` straight to Statement, where 0.7 went through Keyword).
            if let Some(group) = group {
                let want = &ts["resolved"][*group];
                assert!(
                    want.as_str().is_some_and(|g| !g.is_empty()),
                    "{group} resolves to nothing: {ts}"
                );
                let syntax_group = &syntax["probes"][i]["group"];
                assert_eq!(
                    syntax_group, want,
                    "`{word}` in `{fragment}`: the syntax file's group is not {group}'s"
                );
                let groups = p["groups"].as_array().unwrap();
                assert!(
                    groups.iter().any(|g| g == want),
                    "`{word}` in `{fragment}`: {group} ({want}) not in {groups:?}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// VS Code

#[test]
fn vscode_extension_packages_into_a_vsix() {
    if !tool_or_skip("VS Code extension", "node", &["--version"])
        || !tool_or_skip("VS Code extension", "npm", &["--version"])
        || !tool_or_skip("VS Code extension", "python3", &["--version"])
    {
        return;
    }
    let ext = repo().join("editors/vscode");
    let limit = Duration::from_secs(600);
    run_ok(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ext),
        limit,
    );
    // Type check, bundle, and the TextMate grammar through vscode-textmate.
    run_ok(Command::new("npm").arg("test").current_dir(&ext), limit);
    let dir = scratch("vsix");
    let vsix = dir.join("fhc.vsix");
    run_ok(
        Command::new("npx")
            .args(["vsce", "package", "--skip-license", "-o"])
            .arg(&vsix)
            .current_dir(&ext),
        limit,
    );
    // A .vsix is a zip: list it and read its manifest.
    let out = run_ok(
        Command::new("python3")
            .arg("-c")
            .arg(
                "import json, sys, zipfile\n\
                 z = zipfile.ZipFile(sys.argv[1])\n\
                 print(json.dumps({'names': z.namelist(), \
                 'manifest': json.loads(z.read('extension/package.json')), \
                 'grammar': json.loads(z.read('extension/syntaxes/firehol.tmLanguage.json')), \
                 'client': z.read('extension/out/extension.js').decode()}))",
            )
            .arg(&vsix),
        limit,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = strings(&v["names"]);
    for needed in [
        "extension/package.json",
        "extension/out/extension.js",
        "extension/syntaxes/firehol.tmLanguage.json",
        "extension/language-configuration.json",
    ] {
        assert!(
            names.contains(&needed),
            "{needed} not in the .vsix: {names:?}"
        );
    }
    assert!(
        !names
            .iter()
            .any(|n| n.contains("node_modules") || n.ends_with(".ts")),
        "sources or node_modules in the .vsix: {names:?}"
    );
    let manifest = &v["manifest"];
    assert_eq!(manifest["main"], "./out/extension.js");
    let lang = &manifest["contributes"]["languages"][0];
    assert_eq!(lang["id"], "firehol");
    assert_eq!(lang["filenames"], serde_json::json!(["firehol.conf"]));
    assert_eq!(lang["extensions"], serde_json::json!([".firehol"]));
    assert_eq!(
        lang["filenamePatterns"],
        serde_json::json!(["/etc/firehol/*.conf"])
    );
    assert_eq!(
        manifest["contributes"]["grammars"][0]["path"],
        "./syntaxes/firehol.tmLanguage.json"
    );
    assert!(manifest["contributes"]["configuration"]["properties"]["fhc.server.path"].is_object());
    // The packaged grammar is the one in grammar/textmate.
    let ours: Value = serde_json::from_str(&read(
        &grammar_dir().join("textmate/firehol.tmLanguage.json"),
    ))
    .unwrap();
    assert_eq!(v["grammar"], ours);
    // The bundled client (vscode-languageclient included) starts `fhc lsp`.
    let client = v["client"].as_str().unwrap();
    for needle in [
        "\"lsp\"",
        "server.path",
        "FHC_SERVER_PATH",
        "LanguageClient",
    ] {
        assert!(
            client.contains(needle),
            "{needle} not in the bundled client"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
