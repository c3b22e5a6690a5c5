//! A client for `fhc lsp` over stdio, as an editor drives it: Content-Length framed JSON-RPC,
//! notifications kept while waiting for a response, a timeout on every read (a hung server fails
//! the test instead of hanging it). Used by `lsp_stdio.rs`.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub pending: Vec<Value>,
    pub utf8: bool,
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
    pub fn start(encodings: &[&str]) -> (Client, Value) {
        let caps = json!({
            "general": {"positionEncodings": encodings},
            "textDocument": {"publishDiagnostics": {"relatedInformation": true}}
        });
        Client::start_with(&[], caps)
    }

    /// `fhc lsp ARGS...`, initialized with the client capabilities `caps`.
    pub fn start_with(args: &[&str], caps: Value) -> (Client, Value) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fhc"));
        cmd.arg("lsp").args(args);
        Client::start_cmd(cmd, caps)
    }

    /// The server started by `cmd` (which may be a wrapper that runs it).
    pub fn start_cmd(cmd: Command, caps: Value) -> (Client, Value) {
        Client::spawn(cmd, caps, false)
    }

    /// [`Client::start_cmd`], telling the server in `initialize` that the client's process is
    /// the one `cmd` started (as an editor gives its own PID).
    pub fn start_cmd_as_client_process(cmd: Command, caps: Value) -> (Client, Value) {
        Client::spawn(cmd, caps, true)
    }

    fn spawn(mut cmd: Command, caps: Value, send_pid: bool) -> (Client, Value) {
        let mut child = cmd
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
        let pid = if send_pid {
            json!(c.child.id())
        } else {
            Value::Null
        };
        let init = c.request(
            "initialize",
            json!({"processId": pid, "rootUri": null, "capabilities": caps}),
        );
        c.utf8 = init["capabilities"]["positionEncoding"] == "utf-8";
        c.notify("initialized", json!({}));
        (c, init)
    }

    pub fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write");
        stdin.flush().expect("flush");
    }

    pub fn recv(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no message from the server within {TIMEOUT:?}")
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.try_request(method, params)
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    pub fn try_request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
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

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next publishDiagnostics for `uri` with `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
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

    pub fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.open_only(uri, text);
        self.diagnostics(uri, 1)
    }

    /// Whether the server closed its output (it exited) within `wait`.
    pub fn closed(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(v) => self.pending.push(v),
                Err(RecvTimeoutError::Disconnected) => return true,
                Err(RecvTimeoutError::Timeout) => return false,
            }
        }
    }

    /// didOpen, without waiting for anything.
    pub fn open_only(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "firehol", "version": 1, "text": text}}),
        );
    }

    /// Every message received so far and within `wait`, kept in `pending`.
    pub fn drain(&mut self, wait: Duration) -> &[Value] {
        let deadline = Instant::now() + wait;
        while let Ok(v) = self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.pending.push(v);
        }
        &self.pending
    }

    pub fn pos(&self, text: &str, offset: usize) -> Value {
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

    pub fn offset(&self, text: &str, pos: &Value) -> usize {
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
    pub fn apply(&self, text: &str, edits: &[Value]) -> String {
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
    pub fn change_incremental(&mut self, uri: &str, version: i64, edits: &[Value]) {
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

    pub fn shutdown(mut self) -> std::process::ExitStatus {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        self.wait()
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
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
