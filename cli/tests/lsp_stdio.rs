//! The real `fhc lsp` binary, driven over stdio the way an editor drives it: Content-Length
//! framed JSON-RPC, initialize (UTF-16, and UTF-8 when offered), didOpen, publishDiagnostics,
//! codeAction, didChange, didSave, the navigation and editing requests, shutdown and exit
//! (status 0). Every read has a timeout, so a hung server fails the test instead of hanging it.
//! The editor and `fhc check` read the same defaults and services files and agree.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use lsp_client::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn codes(diags: &[Value]) -> Vec<(String, u64)> {
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Opens `text`, checks the expected (code, line) pairs, applies the preferred quick fix for
/// `code` as an incremental change and returns the diagnostics of the fixed version.
fn fix_round_trip(
    c: &mut Client,
    uri: &str,
    text: &str,
    expect: &[(&str, u64)],
    code: &str,
) -> (String, Vec<Value>) {
    let diags = c.open(uri, text);
    let got = codes(&diags);
    for (code, line) in expect {
        assert!(
            got.contains(&(code.to_string(), *line)),
            "{code} at line {line} not in {got:?}"
        );
    }
    let d = diags.iter().find(|d| d["code"] == code).unwrap().clone();
    assert_eq!(d["source"], "fhc");
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["isPreferred"] == true && a["diagnostics"][0]["code"] == code)
        .unwrap_or_else(|| panic!("no preferred fix for {code}: {actions}"))
        .clone();
    assert_eq!(action["kind"], "quickfix");
    let edits = action["edit"]["changes"][uri].as_array().unwrap().clone();
    let fixed = c.apply(text, &edits);
    c.change_incremental(uri, 2, &edits);
    let after = c.diagnostics(uri, 2);
    assert!(
        !codes(&after).iter().any(|(k, _)| k == code),
        "{code} still reported after the fix: {after:?}"
    );
    (fixed, after)
}

const SYNPROXY_NO_INFACE_DST: &str = "# caf\u{e9} \u{1F600}\nipv4 synproxy input dport 80 accept\ninterface eth0 wan\n    server http accept\n";
const SYNPROXY_AFTER_DNAT: &str = "dnat to 10.0.0.9 inface eth0 proto tcp dport 80\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
const SYNPROXY_AMBIGUOUS: &str = "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\nipv4 synproxy input inface eth1 dst 1.2.3.4 dport 80 drop\ninterface eth0 wan\n    server http accept\n";

fn brief_diagnostics_and_fixes(encodings: &[&str], expect_utf8: bool) {
    let (mut c, init) = Client::start(encodings);
    assert_eq!(
        init["capabilities"]["positionEncoding"],
        if expect_utf8 { "utf-8" } else { "utf-16" }
    );
    assert_eq!(c.utf8, expect_utf8);

    let uri = "file:///etc/firehol/no-inface.conf";
    let (_, after) = fix_round_trip(
        &mut c,
        uri,
        SYNPROXY_NO_INFACE_DST,
        &[("E0101", 1), ("E0102", 1)],
        "E0101",
    );
    assert!(codes(&after).contains(&("E0102".into(), 1)));

    let uri = "file:///etc/firehol/after-dnat.conf";
    let (fixed, after) = fix_round_trip(&mut c, uri, SYNPROXY_AFTER_DNAT, &[("W0103", 1)], "W0103");
    assert!(after.is_empty(), "{after:?}");
    assert!(fixed.starts_with("ipv4 synproxy"), "{fixed}");

    let uri = "file:///etc/firehol/ambiguous.conf";
    let (fixed, _) = fix_round_trip(&mut c, uri, SYNPROXY_AMBIGUOUS, &[("E0104", 1)], "E0104");
    assert!(fixed.contains("src CLIENTS_1"), "{fixed}");

    assert!(c.shutdown().success());
}

#[test]
fn quick_fixes_round_trip_utf16() {
    brief_diagnostics_and_fixes(&["utf-16"], false);
}

#[test]
fn quick_fixes_round_trip_utf8() {
    brief_diagnostics_and_fixes(&["utf-8", "utf-16"], true);
}

#[test]
fn related_information_points_at_the_dnat() {
    let (mut c, _) = Client::start(&[]);
    let diags = c.open("file:///r.conf", SYNPROXY_AFTER_DNAT);
    let w = diags.iter().find(|d| d["code"] == "W0103").unwrap();
    assert_eq!(w["severity"], 2);
    assert_eq!(
        w["relatedInformation"][0]["location"]["range"]["start"]["line"],
        0
    );
    assert!(c.shutdown().success());
}

/// The editor never resolves host names nor reads ipset files: a name is marked as resolved when
/// compiling (I0138, information), a set made elsewhere is declared (W0136), and nothing is an
/// error that `fhc check` would resolve.
#[test]
fn host_names_and_outside_sets_are_marked_not_resolved() {
    let (mut c, _) = Client::start(&[]);
    let text = "version 6\nipv4 ipset create bl hash:net\nipv4 ipset addfile bl /nonexistent/bl.netset\ninterface4 eth0 lan\n    server smtp accept src mail.example.org\n    server ssh drop src ipset:outside\n";
    let diags = c.open("file:///h.conf", text);
    assert_eq!(
        codes(&diags),
        [("I0138".to_string(), 4), ("W0136".to_string(), 5)],
        "{diags:?}"
    );
    assert_eq!(diags[0]["severity"], 3);
    assert!(c.shutdown().success());
}

const CONF: &str = "# r\u{e9}seau \u{1F600}\nLAN=\"10.0.0.0/8\"\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=\"default\"\naction MYDROP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 443 accept\ninterface eth0 lan src \"$LAN\"\n    server https accept\n    server myapp MYDROP\n";

fn navigation_and_editing(encodings: &[&str]) {
    let (mut c, _) = Client::start(encodings);
    let uri = "file:///nav.conf";
    let diags = c.open(uri, CONF);
    assert!(
        diags.iter().all(|d| d["severity"].as_u64() > Some(2)),
        "{diags:?}"
    );
    let td = json!({"uri": uri});
    let at =
        |c: &Client, needle: &str, delta: usize| c.pos(CONF, CONF.find(needle).unwrap() + delta);

    // Hover: a service, a synproxy line (its nft rules), a variable.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": td, "position": at(&c, "https", 2)}),
    );
    assert!(
        h["contents"]["value"].as_str().unwrap().contains("tcp/443"),
        "{h}"
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": td, "position": at(&c, "synproxy", 2)}),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("nftables rules from line 6") && md.contains("synproxy mss"),
        "{md}"
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": td, "position": at(&c, "$LAN", 2)}),
    );
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("10.0.0.0/8"),
        "{h}"
    );

    // Completion after `server `.
    let line = CONF.find("    server https").unwrap() + "    server ".len();
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": td, "position": c.pos(CONF, line)}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"https") && labels.contains(&"myapp"),
        "{labels:?}"
    );

    // Definition, references, rename of the action.
    let use_at = c.pos(CONF, CONF.rfind("MYDROP").unwrap() + 1);
    let defs = c.request(
        "textDocument/definition",
        json!({"textDocument": td, "position": use_at}),
    );
    assert_eq!(defs[0]["range"]["start"]["line"], 4, "{defs}");
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": td, "position": use_at, "context": {"includeDeclaration": true}}),
    );
    assert_eq!(refs.as_array().unwrap().len(), 2, "{refs}");
    let prep = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": td, "position": use_at}),
    );
    assert_eq!(prep["placeholder"], "MYDROP");
    let edit = c.request(
        "textDocument/rename",
        json!({"textDocument": td, "position": use_at, "newName": "BLOCK"}),
    );
    let renamed = c.apply(CONF, edit["changes"][uri].as_array().unwrap());
    assert_eq!(renamed, CONF.replace("MYDROP", "BLOCK"));
    let err = c.try_request(
        "textDocument/rename",
        json!({"textDocument": td, "position": use_at, "newName": "accept"}),
    );
    assert!(err.is_err());

    // Rename a variable used inside double quotes: the edit lands after the multi-byte comment.
    let var_at = at(&c, "LAN=", 1);
    let edit = c.request(
        "textDocument/rename",
        json!({"textDocument": td, "position": var_at, "newName": "NET"}),
    );
    let renamed = c.apply(CONF, edit["changes"][uri].as_array().unwrap());
    assert_eq!(
        renamed,
        CONF.replace("LAN=", "NET=").replace("$LAN", "$NET")
    );

    // Outline, folding, semantic tokens.
    let syms = c.request("textDocument/documentSymbol", json!({"textDocument": td}));
    let names: Vec<&str> = syms
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        names.contains(&"lan") && names.contains(&"MYDROP"),
        "{names:?}"
    );
    let lan = syms
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "lan")
        .unwrap();
    assert_eq!(lan["children"].as_array().unwrap().len(), 2);
    let folds = c.request("textDocument/foldingRange", json!({"textDocument": td}));
    assert!(
        folds
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["startLine"] == 6 && f["endLine"] == 8),
        "{folds}"
    );
    let toks = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": td}),
    );
    assert_eq!(toks["data"].as_array().unwrap().len() % 5, 0);
    assert!(!toks["data"].as_array().unwrap().is_empty());

    // Formatting is `fhc fmt`.
    let messy = "version   6\ninterface eth0    lan\nserver ssh   accept\n";
    let muri = "file:///messy.conf";
    c.open(muri, messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": muri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    let formatted = c.apply(messy, edits.as_array().unwrap());
    assert_eq!(formatted, fhc_lang::format(messy).unwrap());
    let edits = c.request(
        "textDocument/rangeFormatting",
        json!({"textDocument": {"uri": muri}, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 1}}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    let partly = c.apply(messy, edits.as_array().unwrap());
    assert!(partly.starts_with("version   6\n"), "{partly}");

    assert!(c.shutdown().success());
}

#[test]
fn navigation_and_editing_utf16() {
    navigation_and_editing(&["utf-16"]);
}

#[test]
fn navigation_and_editing_utf8() {
    navigation_and_editing(&["utf-8"]);
}

#[test]
fn hostile_edits_and_requests_do_not_kill_the_server() {
    let (mut c, _) = Client::start(&["utf-16"]);
    let uri = "file:///hostile.conf";
    c.open(uri, "# \u{1F600}\u{e9}\ninterface eth0 lan\n");
    let mut version = 1;
    let mut change = |c: &mut Client, range: Value, text: &str| {
        version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": range, "text": text}]}),
        );
        c.diagnostics(uri, version)
    };
    // Inside the surrogate pair of the emoji, past the end of a line, past the end of the file,
    // a reversed range.
    change(
        &mut c,
        json!({"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 4}}),
        "x",
    );
    change(
        &mut c,
        json!({"start": {"line": 1, "character": 500}, "end": {"line": 1, "character": 900}}),
        " src",
    );
    change(
        &mut c,
        json!({"start": {"line": 90, "character": 1}, "end": {"line": 99, "character": 0}}),
        "\n\"unterminated",
    );
    change(
        &mut c,
        json!({"start": {"line": 1, "character": 5}, "end": {"line": 0, "character": 0}}),
        "",
    );
    // A stale version is ignored (no publish for it), the next one works.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 1}, "contentChanges": [{"text": "garbage"}]}),
    );
    let d = change(
        &mut c,
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
        "",
    );
    assert!(!d.is_empty());
    // Requests on unknown documents and at absurd positions.
    let td = json!({"uri": "file:///unknown.conf"});
    assert_eq!(
        c.request(
            "textDocument/hover",
            json!({"textDocument": td, "position": {"line": 0, "character": 0}})
        ),
        Value::Null
    );
    for (line, ch) in [(0, 0), (0, 3), (5, 99), (9999, 9999)] {
        let p = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": ch}});
        c.request("textDocument/hover", p.clone());
        c.request("textDocument/completion", p.clone());
        c.request("textDocument/definition", p.clone());
    }
    // Malformed parameters get an error response, not a crash.
    assert!(
        c.try_request("textDocument/hover", json!({"nonsense": true}))
            .is_err()
    );
    // A big document (one section: analyze is slower in debug builds with many sections), with a
    // 100 kB line.
    let mut huge = format!("# {}\ninterface eth0 lan\n", "\u{e9}".repeat(50_000));
    huge.extend((0..10_000).map(|i| {
        format!(
            "    server ssh accept src 10.0.{}.{}\n",
            i / 250,
            i % 250 + 1
        )
    }));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///huge.conf", "languageId": "firehol", "version": 1, "text": huge}}),
    );
    c.diagnostics("file:///huge.conf", 1);
    let toks = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": "file:///huge.conf"}}),
    );
    assert!(toks["data"].as_array().unwrap().len() > 50_000);
    assert!(c.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let (mut c, _) = Client::start(&[]);
    c.notify("exit", Value::Null);
    drop(c.stdin.take());
    assert_eq!(c.wait().code(), Some(1));
}

/// A fresh directory under the target's scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lsp-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `fhc check --format json FILE`: the exit code, the diagnostics and stderr.
fn check_json(conf: &Path) -> (Option<i32>, Vec<Value>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_fhc"))
        .args(["check", "--format", "json"])
        .arg(conf)
        .output()
        .expect("run fhc check");
    let json: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    let diags = json.as_array().cloned().unwrap_or_default();
    (
        o.status.code(),
        diags,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A diagnostic as both sides can state it: code, severity, 0-based range, and the message with
/// its label, notes and help (the LSP puts them in the message).
fn comparable_cli(d: &Value) -> (String, u64, [u64; 4], String) {
    let mut msg = d["message"].as_str().unwrap().to_string();
    if let Some(l) = d["label"].as_str() {
        msg.push_str(&format!(" ({l})"));
    }
    for n in d["notes"].as_array().unwrap() {
        msg.push_str(&format!("\nnote: {}", n.as_str().unwrap()));
    }
    if let Some(h) = d["help"].as_str() {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    let sev = match d["severity"].as_str().unwrap() {
        "error" => 1,
        "warning" => 2,
        "info" => 3,
        _ => 4,
    };
    let n = |k: &str| d[k].as_u64().unwrap() - 1;
    let range = [n("line"), n("column"), n("end_line"), n("end_column")];
    (d["code"].as_str().unwrap().to_string(), sev, range, msg)
}

fn comparable_lsp(d: &Value) -> (String, u64, [u64; 4], String) {
    let r = &d["range"];
    let n = |p: &str, k: &str| r[p][k].as_u64().unwrap();
    (
        d["code"].as_str().unwrap().to_string(),
        d["severity"].as_u64().unwrap(),
        [
            n("start", "line"),
            n("start", "character"),
            n("end", "line"),
            n("end", "character"),
        ],
        d["message"].as_str().unwrap().to_string(),
    )
}

/// With firehol-defaults.conf beside the configuration defining a service, `fhc check` and the
/// editor both accept `server myapp accept` (no diagnostic); once the file is gone (the editor
/// learns it on a save) both report the unknown service, identically; a defaults file with an
/// error stops `fhc check` and shows in the editor, in the configuration, naming the file.
#[test]
fn the_editor_and_fhc_check_read_the_same_defaults_file() {
    let dir = scratch("prelude");
    // An empty services directory beside it: /etc/firehol/services is not looked at.
    std::fs::create_dir_all(dir.join("services")).unwrap();
    let conf_path = dir.join("firehol.conf");
    let defaults = dir.join("firehol-defaults.conf");
    let conf = "interface eth0 lan\n    server myapp accept\n";
    std::fs::write(&conf_path, conf).unwrap();
    std::fs::write(
        &defaults,
        "# site services\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=\"default\"\n",
    )
    .unwrap();
    let uri = format!("file://{}", conf_path.display());
    let defaults_uri = format!("file://{}", defaults.display());

    let (code, cli, err) = check_json(&conf_path);
    assert_eq!((code, cli.len()), (Some(0), 0), "{cli:?} {err}");
    let (mut c, _) = Client::start(&["utf-16"]);
    let diags = c.open(&uri, conf);
    assert!(diags.is_empty(), "{diags:?}");
    let td = json!({"uri": uri});
    let myapp = c.pos(conf, conf.find("myapp").unwrap() + 1);
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": td, "position": myapp}),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains(&format!("defined in `{}`", defaults.display())) && md.contains("tcp/8080"),
        "{md}"
    );
    let defs = c.request(
        "textDocument/definition",
        json!({"textDocument": td, "position": myapp}),
    );
    assert_eq!(defs[0]["uri"], defaults_uri.as_str(), "{defs}");
    assert_eq!(defs[0]["range"]["start"]["line"], 1, "{defs}");

    // Without the defaults file: the same unknown service, the same way.
    std::fs::remove_file(&defaults).unwrap();
    let (code, cli, _) = check_json(&conf_path);
    assert_eq!(code, Some(1));
    c.notify("textDocument/didSave", json!({"textDocument": td}));
    let lsp = c.diagnostics(&uri, 1);
    assert!(!lsp.is_empty());
    let cli: Vec<_> = cli.iter().map(comparable_cli).collect();
    let lsp: Vec<_> = lsp.iter().map(comparable_lsp).collect();
    assert_eq!(lsp, cli);
    assert!(cli[0].3.contains("myapp"), "{cli:?}");

    // A defaults file with an error: `fhc check` stops on it, the editor shows it.
    std::fs::write(
        &defaults,
        "server_myapp_ports=\"tcp/8080\"\nX=$(hostname)\n",
    )
    .unwrap();
    let (code, _, err) = check_json(&conf_path);
    assert_eq!(code, Some(1));
    assert!(err.contains(&defaults.display().to_string()), "{err}");
    c.notify("textDocument/didSave", json!({"textDocument": td}));
    let lsp = c.diagnostics(&uri, 1);
    let first = &lsp[0];
    let msg = first["message"].as_str().unwrap();
    assert!(
        msg.starts_with(&format!("in {}, line 2: ", defaults.display())),
        "{lsp:?}"
    );
    assert_eq!(first["severity"], 1);
    assert_eq!(
        first["relatedInformation"][0]["location"]["uri"],
        defaults_uri.as_str()
    );
    assert!(err.contains(first["code"].as_str().unwrap()), "{err}");
    assert!(c.shutdown().success());
}
