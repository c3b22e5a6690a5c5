//! The real `fhc lsp` binary, driven over stdio the way an editor drives it: Content-Length
//! framed JSON-RPC, initialize (UTF-16, and UTF-8 when offered), didOpen, publishDiagnostics,
//! codeAction, didChange, the navigation and editing requests, shutdown and exit (status 0).
//! Every read has a timeout, so a hung server fails the test instead of hanging it.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
    utf8: bool,
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(encodings: &[&str]) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fhc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start fhc lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_frame(&mut r) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 0,
            pending: Vec::new(),
            utf8: false,
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": {
                    "general": {"positionEncodings": encodings},
                    "textDocument": {"publishDiagnostics": {"relatedInformation": true}}
                }
            }),
        );
        c.utf8 = init["capabilities"]["positionEncoding"] == "utf-8";
        c.notify("initialized", json!({}));
        (c, init)
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write");
        stdin.flush().expect("flush");
    }

    fn recv(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no message from the server within {TIMEOUT:?}")
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.try_request(method, params)
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    fn try_request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.recv(deadline);
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return match msg.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(msg["result"].clone()),
                };
            }
            self.pending.push(msg);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next publishDiagnostics for `uri` with `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        };
        if let Some(i) = self.pending.iter().position(matches) {
            return self.pending.remove(i)["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.recv(deadline);
            if matches(&msg) {
                return msg["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            self.pending.push(msg);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "firehol", "version": 1, "text": text}}),
        );
        self.diagnostics(uri, 1)
    }

    fn pos(&self, text: &str, offset: usize) -> Value {
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = if self.utf8 {
            offset - line_start
        } else {
            text[line_start..offset].encode_utf16().count()
        };
        json!({"line": line, "character": col})
    }

    fn offset(&self, text: &str, pos: &Value) -> usize {
        let (line, col) = (
            pos["line"].as_u64().unwrap() as usize,
            pos["character"].as_u64().unwrap() as usize,
        );
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let rest = &text[start..];
        let mut units = 0;
        for (i, ch) in rest.char_indices() {
            if units >= col || ch == '\n' {
                return start + i;
            }
            units += if self.utf8 {
                ch.len_utf8()
            } else {
                ch.len_utf16()
            };
        }
        text.len()
    }

    /// Applies LSP text edits (non-overlapping) to `text`, back to front.
    fn apply(&self, text: &str, edits: &[Value]) -> String {
        let mut spans: Vec<(usize, usize, String)> = edits
            .iter()
            .map(|e| {
                (
                    self.offset(text, &e["range"]["start"]),
                    self.offset(text, &e["range"]["end"]),
                    e["newText"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        spans.sort_by_key(|s| std::cmp::Reverse((s.0, s.1)));
        let mut out = text.to_string();
        for (s, e, t) in spans {
            out.replace_range(s..e, &t);
        }
        out
    }

    /// Sends edits as incremental changes (back to front, so that each range is still valid).
    fn change_incremental(&mut self, uri: &str, version: i64, edits: &[Value]) {
        let mut edits = edits.to_vec();
        edits.sort_by_key(|e| {
            std::cmp::Reverse((
                e["range"]["start"]["line"].as_u64(),
                e["range"]["start"]["character"].as_u64(),
            ))
        });
        let changes: Vec<Value> = edits
            .iter()
            .map(|e| json!({"range": e["range"], "text": e["newText"]}))
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    fn shutdown(mut self) -> std::process::ExitStatus {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        self.wait()
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

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
