//! Talking to the running system: `nft` (spawned with arguments, rulesets on stdin, never a
//! shell), `/proc/sys`, and throwaway network namespaces to see how the kernel stores a ruleset.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The table fhc owns.
#[derive(Clone, Debug)]
pub struct Table {
    pub family: String,
    pub name: String,
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.family, self.name)
    }
}

/// Runs `nft ARGS` with `input` on stdin; stdout, or a message naming what failed.
pub fn nft(args: &[&str], input: Option<&str>) -> Result<String, String> {
    run("nft", args, input)
}

/// `program args` with its output captured; standard input piped when `stdin`, else closed.
pub fn spawn_piped(program: &str, args: &[&str], stdin: bool) -> std::io::Result<Child> {
    Command::new(program)
        .args(args)
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

fn run(program: &str, args: &[&str], input: Option<&str>) -> Result<String, String> {
    let mut child = spawn_piped(program, args, input.is_some()).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "cannot run `{program}`: not found in PATH (install the {} package)",
            match program {
                "nft" => "nftables",
                "modprobe" => "kmod",
                _ => "util-linux",
            }
        ),
        _ => format!("cannot run `{program}`: {e}"),
    })?;
    if let Some(text) = input {
        // nft may exit early on a bad document; its message says more than a broken pipe.
        let _ = child
            .stdin
            .take()
            .expect("piped")
            .write_all(text.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("`{program}` did not finish: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(format!(
            "`{program} {}` failed{}",
            args.join(" "),
            if err.is_empty() {
                String::new()
            } else {
                format!(":\n{err}")
            }
        ))
    }
}

/// `nft -j list table`: `None` when the table does not exist.
pub fn list_json(t: &Table) -> Result<Option<Value>, String> {
    match nft(&["-j", "list", "table", &t.family, &t.name], None) {
        Ok(out) => serde_json::from_str(&out)
            .map(Some)
            .map_err(|e| format!("nft printed JSON fhc cannot read: {e}")),
        Err(e) if e.contains("No such file or directory") => Ok(None),
        Err(e) => Err(e),
    }
}

/// `nft list table` (text): `None` when the table does not exist.
pub fn list_text(t: &Table) -> Result<Option<String>, String> {
    match nft(&["list", "table", &t.family, &t.name], None) {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.contains("No such file or directory") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A ruleset document nft can load: JSON (`{...}`) or an nft script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    Json(String),
    Text(String),
}

impl Script {
    fn args(&self, check: bool) -> Vec<&'static str> {
        let mut a = Vec::new();
        if check {
            a.push("-c");
        }
        if matches!(self, Script::Json(_)) {
            a.push("-j");
        }
        a.extend(["-f", "-"]);
        a
    }

    fn body(&self) -> &str {
        match self {
            Script::Json(s) | Script::Text(s) => s,
        }
    }

    /// Loads it: one nft transaction, all or nothing.
    pub fn load(&self) -> Result<(), String> {
        nft(&self.args(false), Some(self.body())).map(|_| ())
    }

    /// Lets nft parse and evaluate it without touching the kernel (`nft -c`).
    pub fn check(&self) -> Result<(), String> {
        nft(&self.args(true), Some(self.body())).map(|_| ())
    }
}

/// What the kernel makes of `script` for table `t`: loaded into a fresh network namespace (the
/// hidden `fhc scratch-list` in `unshare --net`), then listed there. `(json, text)` listings.
pub fn scratch_list(t: &Table, script: &Script) -> Result<(Value, String), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the fhc binary: {e}"))?;
    let exe = exe.to_string_lossy();
    let kind = match script {
        Script::Json(_) => "json",
        Script::Text(_) => "text",
    };
    let out = run(
        "unshare",
        &[
            "--net",
            "--",
            &exe,
            "scratch-list",
            "--format",
            kind,
            "--family",
            &t.family,
            "--table",
            &t.name,
        ],
        Some(script.body()),
    )?;
    let v: Value = serde_json::from_str(&out).map_err(|e| format!("scratch listing: {e}"))?;
    Ok((
        v["json"].clone(),
        v["text"].as_str().unwrap_or_default().to_string(),
    ))
}

/// The hidden `fhc scratch-list` (run inside a new network namespace by [`scratch_list`]):
/// loads standard input and prints both listings of the table as one JSON object.
pub fn scratch_list_here(t: &Table, json: bool) -> Result<String, String> {
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let script = if json {
        Script::Json(input)
    } else {
        Script::Text(input)
    };
    script.load()?;
    let listing = list_json(t)?.unwrap_or(Value::Null);
    let text = list_text(t)?.unwrap_or_default();
    Ok(serde_json::json!({"json": listing, "text": text}).to_string())
}

/// `nft -j list` output reduced to configuration: no handles, no counter values, no contents of
/// dynamic sets (traps fill them at run time) and no metainfo. Two tables with the same
/// normalised listing filter the same way.
pub fn normalise(listing: &Value) -> Value {
    fn walk(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let dynamic = m
                    .get("flags")
                    .and_then(Value::as_array)
                    .is_some_and(|f| f.iter().any(|x| x == "dynamic"));
                let mut out = serde_json::Map::new();
                for (k, x) in m {
                    let drop = matches!(k.as_str(), "handle" | "packets" | "bytes")
                        || (dynamic && k == "elem");
                    if !drop {
                        out.insert(k.clone(), walk(x));
                    }
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .filter(|x| x.get("metainfo").is_none())
                    .map(walk)
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(listing)
}

/// A document that replaces table `t` with a listing of it (the listing's objects as `add`
/// commands, after `add table` + `delete table`), or only deletes it when `listing` is `None`.
pub fn replace_with_listing(t: &Table, listing: Option<&Value>) -> Script {
    let table = serde_json::json!({"table": {"family": t.family, "name": t.name}});
    let mut cmds = vec![
        serde_json::json!({"add": table}),
        serde_json::json!({"delete": table}),
    ];
    if let Some(l) = listing {
        for obj in l["nftables"].as_array().into_iter().flatten() {
            if obj.get("metainfo").is_none() {
                cmds.push(serde_json::json!({"add": obj}));
            }
        }
    }
    Script::Json(serde_json::json!({"nftables": cmds}).to_string())
}

/// The same replacement from a text listing (`nft list table`).
pub fn replace_with_text(t: &Table, text: &str) -> Script {
    Script::Text(format!("add table {t}\ndelete table {t}\n{text}", t = t))
}

/// Loads a kernel module (`modprobe -q`), best effort: the settings written next say whether
/// it worked.
pub fn modprobe(module: &str) {
    let _ = run("modprobe", &["-q", module], None);
}

/// Kernel settings under `/proc/sys`. A trait so the retry logic is tested without a kernel.
pub trait Sysctls {
    fn read(&self, key: &str) -> Result<String, String>;
    fn write(&mut self, key: &str, value: &str) -> Result<(), String>;
}

/// The real `/proc/sys`.
pub struct ProcSys;

fn proc_path(key: &str) -> PathBuf {
    PathBuf::from("/proc/sys").join(key.replace('.', "/"))
}

impl Sysctls for ProcSys {
    fn read(&self, key: &str) -> Result<String, String> {
        std::fs::read_to_string(proc_path(key))
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("cannot read {key}: {e}"))
    }

    fn write(&mut self, key: &str, value: &str) -> Result<(), String> {
        std::fs::write(proc_path(key), format!("{value}\n"))
            .map_err(|e| format!("cannot set {key} = {value}: {e}"))
    }
}
