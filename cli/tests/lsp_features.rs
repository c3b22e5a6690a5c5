//! The language features of current editors, on the real `fhc lsp` over stdio: the transport
//! arguments vscode-languageclient passes (`--stdio`, `--clientProcessId`), pull diagnostics for
//! clients that announce them (and push for the others, never both), inlay hints, document
//! highlight, signature help, workspace symbols, and the host's interface names in completion.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use lsp_client::Client;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::Duration;

const URI: &str = "file:///tmp/fhc-features/firehol.conf";

const CONF: &str = "\
LAN=10.0.0.0/8
server_app_ports=\"tcp/8080\"
client_app_ports=default
action BLOCK chain drop
ipv4 synproxy input dst 1.2.3.4 dport 80 accept
interface eth0 lan src \"$LAN\"
    server \"http app\" accept
    client http BLOCK
";

fn push_caps() -> Value {
    json!({"textDocument": {"publishDiagnostics": {"relatedInformation": true}}})
}

/// What vscode-languageclient 9 announces for diagnostics (pull, with refresh).
fn pull_caps() -> Value {
    json!({
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": true},
            "diagnostic": {"dynamicRegistration": true, "relatedDocumentSupport": false}
        },
        "workspace": {"diagnostics": {"refreshSupport": true}, "inlayHint": {"refreshSupport": true}}
    })
}

fn published(c: &mut Client, wait: Duration) -> usize {
    c.drain(wait)
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .count()
}

fn at(c: &Client, needle: &str, delta: usize) -> Value {
    c.pos(CONF, CONF.find(needle).unwrap() + delta)
}

/// An editor standing in for VS Code or Neovim: a shell that runs `fhc lsp ARGS` (`$$` is the
/// shell's PID) and waits for it, so that it is the server's parent.
fn editor_running(args: &str) -> Command {
    let mut editor = Command::new("sh");
    editor
        .arg("-c")
        .arg(format!("\"$0\" lsp {args}; exit $?"))
        .arg(env!("CARGO_BIN_EXE_fhc"));
    editor
}

/// Kills the editor (SIGKILL: no `exit` ever comes). The server keeps its input open (this test
/// holds it), so only the watch on the editor's process can end it.
fn kill_the_editor_and_see_the_server_go(c: &mut Client) {
    assert!(!c.closed(Duration::from_millis(500)));
    c.child.kill().unwrap();
    c.child.wait().unwrap();
    assert!(
        c.closed(Duration::from_secs(15)),
        "a server whose client is gone exits"
    );
}

/// What vscode-languageclient passes (`--stdio`), and the client's PID as an argument.
#[test]
fn the_arguments_vscode_languageclient_passes_are_understood() {
    let editor = editor_running("--stdio --clientProcessId $$");
    let (mut c, init) = Client::start_cmd(editor, push_caps());
    assert_eq!(init["serverInfo"]["name"], "fhc");
    let diags = c.open(URI, "synproxy input dst 1.2.3.4 dport 80 accept\n");
    assert!(diags.iter().any(|d| d["code"] == "E0101"), "{diags:?}");
    kill_the_editor_and_see_the_server_go(&mut c);
}

/// The same through `initialize`'s `processId`, as VS Code and Neovim send it.
#[test]
fn the_editor_s_process_id_from_initialize_is_watched() {
    let editor = editor_running("--stdio");
    let (mut c, _) = Client::start_cmd_as_client_process(editor, push_caps());
    c.open(URI, "version 6\n");
    kill_the_editor_and_see_the_server_go(&mut c);
}

/// A client in another PID namespace (an editor on the host, the server in a container) sends a
/// PID that means nothing here: the server must not take it for a dead client.
#[test]
fn a_client_pid_not_visible_here_is_not_watched() {
    let (mut c, _) = Client::start_with(&["--stdio", "--clientProcessId", "4194000"], push_caps());
    std::thread::sleep(Duration::from_secs(4));
    assert!(c.child.try_wait().unwrap().is_none(), "the server exited");
    // It still answers (open waits for the diagnostics of the version).
    c.open(URI, "version 6\n");
    assert!(c.shutdown().success());
}

#[test]
fn other_transports_are_refused_with_the_way_out() {
    for arg in ["--socket=5007", "--pipe=/tmp/fhc.sock", "--node-ipc"] {
        let out = Command::new(env!("CARGO_BIN_EXE_fhc"))
            .args(["lsp", arg])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("standard input and output only") && err.contains("--stdio"),
            "{arg}: {err}"
        );
    }
}

#[test]
fn pull_diagnostics_for_clients_that_ask_and_push_for_the_others() {
    let text = "synproxy input dst 1.2.3.4 dport 80 accept\n";
    let (mut push, init) = Client::start_with(&["--stdio"], push_caps());
    assert!(init["capabilities"].get("diagnosticProvider").is_none());
    assert!(!push.open(URI, text).is_empty());
    assert!(push.shutdown().success());

    let (mut c, init) = Client::start_with(&["--stdio"], pull_caps());
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["identifier"],
        "fhc"
    );
    c.open_only(URI, text);
    assert_eq!(
        published(&mut c, Duration::from_millis(1500)),
        0,
        "never both"
    );
    let r = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(r["kind"], "full");
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "E0101"),
        "{r}"
    );
    let id = r["resultId"].as_str().unwrap().to_string();
    let again = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": URI}, "previousResultId": id}),
    );
    assert_eq!(again["kind"], "unchanged");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2},
               "contentChanges": [{"text": "synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\n"}]}),
    );
    let fixed = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": URI}, "previousResultId": id}),
    );
    assert_eq!(fixed["kind"], "full");
    assert!(
        !fixed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "E0101")
    );
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(published(&mut c, Duration::from_millis(500)), 0);
    assert!(c.shutdown().success());
}

#[test]
fn inlay_hints_highlights_signatures_and_workspace_symbols() {
    let (mut c, init) = Client::start_with(&["--stdio"], push_caps());
    let caps = &init["capabilities"];
    for cap in [
        "inlayHintProvider",
        "documentHighlightProvider",
        "workspaceSymbolProvider",
        "signatureHelpProvider",
    ] {
        assert!(caps.get(cap).is_some(), "{cap} not announced: {caps}");
    }
    c.open(URI, CONF);

    let end = c.pos(CONF, CONF.len());
    let hints = c.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 0, "character": 0}, "end": end}}),
    );
    let labels: Vec<(u64, String)> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["position"]["line"].as_u64().unwrap(),
                h["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        (4, "⇒ input tcp/80 (IPv4)"),
        (5, "= 10.0.0.0/8"),
        (6, ": tcp/80"),
        (6, ": tcp/8080"),
        (7, ": tcp/80"),
    ] {
        assert!(
            labels.contains(&(want.0, want.1.to_string())),
            "{want:?} not in {labels:?}"
        );
    }

    let h = c.request(
        "textDocument/documentHighlight",
        json!({"textDocument": {"uri": URI}, "position": at(&c, "BLOCK", 1)}),
    );
    let kinds: Vec<(u64, u64)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["range"]["start"]["line"].as_u64().unwrap(),
                h["kind"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [(3, 3), (7, 2)],
        "the definition writes, the use reads"
    );
    let http = c.request(
        "textDocument/documentHighlight",
        json!({"textDocument": {"uri": URI}, "position": at(&c, "http", 1)}),
    );
    assert_eq!(http.as_array().unwrap().len(), 2, "{http}");

    let typing = CONF.find("client http BLOCK").unwrap() + "client http ".len();
    let s = c.request(
        "textDocument/signatureHelp",
        json!({"textDocument": {"uri": URI}, "position": c.pos(CONF, typing)}),
    );
    let sig = &s["signatures"][s["activeSignature"].as_u64().unwrap() as usize];
    assert_eq!(sig["label"], "client SERVICES ACTION RULE_PARAMS...");
    let p = &sig["parameters"][s["activeParameter"].as_u64().unwrap() as usize];
    assert_eq!(p["label"], json!([16, 22]), "ACTION");
    assert!(p["documentation"].as_str().unwrap().contains("accept"));

    let syms = c.request("workspace/symbol", json!({"query": "blo"}));
    let names: Vec<&str> = syms
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["BLOCK"]);
    assert_eq!(syms[0]["location"]["uri"], URI);
    assert_eq!(syms[0]["location"]["range"]["start"]["line"], 3);
    let all = c.request("workspace/symbol", json!({"query": ""}));
    assert!(all.as_array().unwrap().len() >= 5, "{all}");
    assert!(c.shutdown().success());
}

#[test]
fn interface_names_of_this_machine_are_completed() {
    let mut host: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "bonding_masters")
        .collect();
    host.sort();
    assert!(
        host.iter().any(|n| n == "lo"),
        "every Linux machine has lo: {host:?}"
    );
    let (mut c, _) = Client::start_with(&["--stdio"], push_caps());
    for text in [
        "interface ",
        "interface eth9 lan\n    server ssh accept inface ",
    ] {
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": URI}}),
        );
        c.open(URI, text);
        let items = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": URI}, "position": c.pos(text, text.len())}),
        );
        let got: Vec<(&str, &str)> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["label"].as_str().unwrap(), i["detail"].as_str().unwrap()))
            .collect();
        for n in host.iter().filter(|n| *n != "eth9") {
            assert!(
                got.contains(&(n.as_str(), "network interface of this machine")),
                "{n} not offered after {text:?}: {got:?}"
            );
        }
    }
    assert!(c.shutdown().success());
}
