//! Open documents, their analyses, and the defaults and services files in force for each.
//!
//! Each version of a document is an immutable [`Doc`] behind an `Arc`; the map of open documents is
//! behind a lock that is only held to swap those `Arc`s (never across an `.await`, an analysis or
//! a file read). A version's analysis, symbol table and compiled rules are `fhc_lang::ide::File`'s,
//! computed at most once, lazily, by whichever handler needs them first; a handler that finishes
//! after a newer version arrived sees it with [`State::is_current`] and drops its result.
//!
//! The prelude (firehol-defaults.conf and the services directory) is looked up for a document's
//! directory exactly as `fhc check` looks it up for a configuration's (`fhc_lang::prelude::load`,
//! through [`crate::disk`]), when the document is opened and again when any document is saved
//! (the user may have edited a prelude file); edits keep the prelude of the version they change.

use crate::convert::{self, Encoding, Mapper};
use crate::disk;
use fhc_lang::eval::Defines;
use fhc_lang::ide::{self, Place};
use fhc_lang::prelude::{LoadError, Search};
use fhc_lang::{Analysis, LineIndex, Prelude, Span};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use tower_lsp_server::ls_types::{Location, Position, Range, TextDocumentContentChangeEvent, Uri};

/// Tells apart the analyses of one version read with different preludes (a pull diagnostic's
/// result ID, prefixed with the process ID: a client keeping IDs across a server restart never
/// takes a new analysis for one it has).
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// One version of one document.
pub struct Doc {
    pub uri: Uri,
    pub version: i32,
    /// Unique to this `Doc` (a version re-read with a new prelude gets a new one).
    pub serial: u64,
    pub enc: Encoding,
    /// The text and everything `fhc-lang` computes from it (with the prelude in force).
    pub file: ide::File,
}

impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doc")
            .field("uri", &self.uri.as_str())
            .field("version", &self.version)
            .finish()
    }
}

impl Doc {
    pub fn new(uri: Uri, version: i32, text: String, enc: Encoding, prelude: Arc<Prelude>) -> Doc {
        Doc {
            uri,
            version,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            enc,
            file: ide::File::new(text, prelude),
        }
    }

    /// A document for unit tests (UTF-16 positions, a fixed URI, no prelude).
    #[cfg(test)]
    pub fn test(text: &str) -> Doc {
        Doc::new(
            "file:///test/firehol.conf".parse().expect("uri"),
            1,
            text.to_string(),
            Encoding::Utf16,
            Arc::new(Prelude::none()),
        )
    }

    pub fn text(&self) -> &str {
        self.file.text()
    }

    pub fn index(&self) -> &LineIndex {
        self.file.index()
    }

    /// The same analysis `fhc check` computes (`analyze_with` and this document's prelude), once
    /// per version.
    pub fn analysis(&self) -> &Analysis {
        self.file.analysis()
    }

    pub fn mapper(&self) -> Mapper<'_> {
        Mapper::new(self.file.text(), self.file.index(), self.enc)
    }

    pub fn range(&self, span: Span) -> Range {
        self.mapper().range(span)
    }

    pub fn offset(&self, pos: Position) -> usize {
        self.mapper().offset(pos)
    }

    pub fn span(&self, range: Range) -> Span {
        self.mapper().span(range)
    }

    /// A place in this document or in one of its prelude files, as an LSP location.
    pub fn location(&self, place: Place) -> Option<Location> {
        match place {
            Place::Here(span) => Some(Location::new(self.uri.clone(), self.range(span))),
            Place::Prelude(file, span) => {
                let source = self.file.prelude().sources().get(file)?;
                let uri = Uri::from_file_path(&source.name)?;
                let index = LineIndex::new(&source.text);
                let range = Mapper::new(&source.text, &index, self.enc).range(span);
                Some(Location::new(uri, range))
            }
        }
    }

    /// The next version: the changes applied in order (ranges clamped to the text).
    pub fn changed(&self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Doc {
        let mut text = self.text().to_string();
        for c in changes {
            convert::apply_change(&mut text, self.enc, c.range, &c.text);
        }
        Doc::new(
            self.uri.clone(),
            version,
            text,
            self.enc,
            self.file.prelude().clone(),
        )
    }

    /// The same version read with another prelude.
    fn with_prelude(&self, prelude: Arc<Prelude>) -> Doc {
        Doc::new(
            self.uri.clone(),
            self.version,
            self.text().to_string(),
            self.enc,
            prelude,
        )
    }
}

/// The prelude for a document, and why it could not be read (then the document is alone).
pub struct Loaded {
    pub prelude: Arc<Prelude>,
    pub error: Option<LoadError>,
}

/// Everything the server keeps between requests.
#[derive(Debug, Default)]
pub struct State {
    docs: Mutex<HashMap<Uri, Arc<Doc>>>,
    enc: AtomicU8,
    shutdown: AtomicBool,
    /// `fhc lsp --defaults/--services-dir/--no-defaults/--define`, and the environment.
    search: Search,
    /// The editor's `fhc.defines` setting, when it gave one (it replaces `--define`).
    defines: Mutex<Option<Defines>>,
    /// Exit when the client's process is gone (the real server; never in-process tests).
    pub watch_client: bool,
    /// What the client announced it can do, from `initialize`.
    client: std::sync::OnceLock<ClientFeatures>,
    /// Per document, the turn to analyse it for publishing (see `Backend::publish`).
    turns: Mutex<HashMap<Uri, Arc<tokio::sync::Mutex<()>>>>,
    /// One permit per core: the requests' turns to work (see `Backend::with_doc`).
    work: std::sync::OnceLock<Arc<tokio::sync::Semaphore>>,
    /// Wakes the requests waiting for a turn when a document changes (theirs may be stale).
    changed: tokio::sync::Notify,
}

/// The client capabilities that change how the server talks to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientFeatures {
    /// It asks for diagnostics (`textDocument/diagnostic`): the server then never pushes them.
    pub pull_diagnostics: bool,
    /// It takes `workspace/diagnostic/refresh` (after a prelude file changed).
    pub diagnostic_refresh: bool,
    /// It takes `workspace/inlayHint/refresh`.
    pub inlay_hint_refresh: bool,
}

impl ClientFeatures {
    pub fn of(caps: &tower_lsp_server::ls_types::ClientCapabilities) -> ClientFeatures {
        let workspace = caps.workspace.as_ref();
        ClientFeatures {
            pull_diagnostics: caps
                .text_document
                .as_ref()
                .is_some_and(|t| t.diagnostic.is_some()),
            diagnostic_refresh: workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
            inlay_hint_refresh: workspace
                .and_then(|w| w.inlay_hint.as_ref())
                .and_then(|i| i.refresh_support)
                .unwrap_or(false),
        }
    }
}

/// The `defines` of the editor's settings: `{"defines": ["NAME=VALUE", ...]}` or
/// `{"defines": {"NAME": "VALUE"}}`, at the top or under `fhc` (as `workspace/configuration`
/// sends it). Entries that are not `NAME=VALUE` are left out. An empty list is no setting: the
/// command line's `--define`s stay.
pub fn defines_from(settings: &serde_json::Value) -> Option<Defines> {
    let v = settings
        .get("fhc")
        .and_then(|f| f.get("defines"))
        .or_else(|| settings.get("defines"))?;
    let list: Vec<(String, String)> = match v {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|i| Defines::parse_one(i.as_str()?).ok())
            .collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| {
                let value = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Defines::parse_one(&format!("{k}={value}")).ok()
            })
            .collect(),
        _ => return None,
    };
    (!list.is_empty()).then_some(Defines(list))
}

impl State {
    pub fn new(search: Search) -> State {
        State {
            search,
            ..State::default()
        }
    }

    /// The turns to work: as many as the machine has cores.
    pub fn work(&self) -> Arc<tokio::sync::Semaphore> {
        self.work
            .get_or_init(|| {
                let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
                Arc::new(tokio::sync::Semaphore::new(cores))
            })
            .clone()
    }

    /// Completes at the next change of any document.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, HashMap<Uri, Arc<Doc>>> {
        // A panic while holding the lock cannot leave the map inconsistent (we only swap Arcs).
        self.docs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_encoding(&self, enc: Encoding) {
        self.enc
            .store(matches!(enc, Encoding::Utf8) as u8, Ordering::Relaxed);
    }

    pub fn encoding(&self) -> Encoding {
        if self.enc.load(Ordering::Relaxed) == 1 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    /// Records what the client can do (once, at `initialize`).
    pub fn set_client(&self, features: ClientFeatures) {
        let _ = self.client.set(features);
    }

    pub fn client(&self) -> ClientFeatures {
        self.client.get().copied().unwrap_or_default()
    }

    /// Every open document's current version, in URI order.
    pub fn all(&self) -> Vec<Arc<Doc>> {
        let mut docs: Vec<Arc<Doc>> = self.docs().values().cloned().collect();
        docs.sort_by(|a, b| a.uri.as_str().cmp(b.uri.as_str()));
        docs
    }

    pub fn set_shutdown(&self) {
        self.shutdown.store(true, Ordering::Relaxed);
    }

    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    /// The editor's defines (they replace the command line's).
    pub fn set_defines(&self, defines: Defines) {
        *self.defines.lock().unwrap_or_else(|e| e.into_inner()) = Some(defines);
    }

    /// Reads the prelude for a document (file I/O: call it off the async workers). A document
    /// that is not a file (an unsaved buffer) gets `/etc/firehol`'s, as standard input does.
    pub fn load_prelude(&self, uri: &Uri) -> Loaded {
        let path: Option<PathBuf> = uri.to_file_path().map(|p| p.into_owned());
        let mut search = self.search.clone();
        if let Some(d) = self
            .defines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            search.defines = d;
        }
        match disk::load(&search, path.as_deref()) {
            Ok(p) => Loaded {
                prelude: Arc::new(p),
                error: None,
            },
            Err(e) => Loaded {
                prelude: Arc::new(Prelude::none()),
                error: Some(e),
            },
        }
    }

    pub fn open(&self, uri: Uri, version: i32, text: String, prelude: Arc<Prelude>) -> Arc<Doc> {
        let doc = Arc::new(Doc::new(
            uri.clone(),
            version,
            text,
            self.encoding(),
            prelude,
        ));
        self.docs().insert(uri, doc.clone());
        self.changed.notify_waiters();
        doc
    }

    /// Applies a `didChange`. `None` when the document is not open or the version is not newer
    /// than the one we have (a stale or replayed notification).
    pub fn change(
        &self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<Arc<Doc>> {
        let mut docs = self.docs();
        let old = docs.get(uri)?;
        if version <= old.version {
            return None;
        }
        let doc = Arc::new(old.changed(version, changes));
        docs.insert(uri.clone(), doc.clone());
        self.changed.notify_waiters();
        Some(doc)
    }

    /// Looks the preludes up again (after a save) and returns the documents whose prelude
    /// changed, re-read with the new one, with what could not be read.
    pub fn reload_preludes(&self) -> Vec<(Arc<Doc>, Option<LoadError>)> {
        let open: Vec<Arc<Doc>> = self.docs().values().cloned().collect();
        let mut out = Vec::new();
        for old in open {
            let loaded = self.load_prelude(&old.uri);
            let before = old.file.prelude();
            if before.sources() == loaded.prelude.sources()
                && before.ignored == loaded.prelude.ignored
                && before.defines() == loaded.prelude.defines()
            {
                continue;
            }
            let doc = Arc::new(old.with_prelude(loaded.prelude));
            let mut docs = self.docs();
            // Swap only if no edit arrived meanwhile (the edit keeps the old prelude until the
            // next save: rare, and never wrong for long).
            if docs.get(&old.uri).is_some_and(|d| Arc::ptr_eq(d, &old)) {
                docs.insert(old.uri.clone(), doc.clone());
                out.push((doc, loaded.error));
            }
        }
        out
    }

    pub fn close(&self, uri: &Uri) {
        self.docs().remove(uri);
        self.changed.notify_waiters();
        self.turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uri);
    }

    /// The lock whose holder analyses `uri` for publishing.
    pub fn analysis_turn(&self, uri: &Uri) -> Arc<tokio::sync::Mutex<()>> {
        self.turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(uri.clone())
            .or_default()
            .clone()
    }

    pub fn get(&self, uri: &Uri) -> Option<Arc<Doc>> {
        self.docs().get(uri).cloned()
    }

    /// True while `version` is the latest version of the document.
    pub fn is_current(&self, uri: &Uri, version: i32) -> bool {
        self.docs().get(uri).is_some_and(|d| d.version == version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri() -> Uri {
        "file:///x.conf".parse().unwrap()
    }

    fn change(range: Option<Range>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: text.to_string(),
        }
    }

    fn none() -> Arc<Prelude> {
        Arc::new(Prelude::none())
    }

    #[test]
    fn versions_only_move_forward() {
        let s = State::default();
        s.open(uri(), 1, "version 6\n".into(), none());
        assert!(s.change(&uri(), 1, vec![change(None, "x")]).is_none());
        let d = s.change(
            &uri(),
            3,
            vec![change(
                Some(Range::new(Position::new(0, 8), Position::new(0, 9))),
                "5",
            )],
        );
        assert_eq!(d.unwrap().text(), "version 5\n");
        assert!(s.is_current(&uri(), 3));
        assert!(!s.is_current(&uri(), 2));
        assert!(s.change(&uri(), 2, vec![change(None, "x")]).is_none());
        s.close(&uri());
        assert!(s.get(&uri()).is_none());
        assert!(
            s.change(&"file:///other".parse().unwrap(), 9, vec![])
                .is_none()
        );
    }

    #[test]
    fn edits_keep_the_prelude_and_analysis_is_cached() {
        let mut p = Prelude::none();
        p.add_defaults(
            "/p/d.conf",
            "server_x_ports=tcp/1\nclient_x_ports=default\n",
        );
        let s = State::default();
        s.open(
            uri(),
            1,
            "interface eth0 lan\n    server x accept\n".into(),
            Arc::new(p),
        );
        let d = s.change(
            &uri(),
            2,
            vec![change(None, "interface eth0 lan\n    server x drop\n")],
        );
        let d = d.unwrap();
        assert!(std::ptr::eq(d.analysis(), d.analysis()));
        assert!(!d.file.has_errors(), "{:?}", d.file.diagnostics());
        let at = d.location(Place::Prelude(0, Span::new(0, 1))).unwrap();
        assert_eq!(at.uri.as_str(), "file:///p/d.conf");
    }

    #[test]
    fn the_prelude_is_looked_up_beside_the_document() {
        let dir = std::env::temp_dir().join(format!("fhc-lsp-state-{}", std::process::id()));
        // An empty services directory beside it: /etc/firehol/services is not looked at.
        std::fs::create_dir_all(dir.join("services")).unwrap();
        std::fs::write(dir.join("firehol-defaults.conf"), "A=1\n").unwrap();
        let s = State::new(Search::default());
        let doc_uri = Uri::from_file_path(dir.join("firehol.conf")).unwrap();
        let loaded = s.load_prelude(&doc_uri);
        assert!(loaded.error.is_none());
        let names: Vec<&str> = loaded
            .prelude
            .sources()
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            names,
            [dir.join("firehol-defaults.conf").display().to_string()]
        );
        // Saving a changed defaults file re-reads the documents that use it.
        s.open(doc_uri.clone(), 1, "version 6\n".into(), loaded.prelude);
        assert!(s.reload_preludes().is_empty());
        std::fs::write(dir.join("firehol-defaults.conf"), "A=2\n").unwrap();
        let again = s.reload_preludes();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].0.file.prelude().env().value("A"), Some("2"));
        let off = State::new(Search {
            disabled: true,
            ..Search::default()
        });
        assert!(off.load_prelude(&doc_uri).prelude.sources().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_editor_s_defines_reach_the_documents() {
        let settings =
            serde_json::json!({"fhc": {"defines": ["WAN_IP=203.0.113.10", "bad name=1"]}});
        let d = defines_from(&settings).unwrap();
        assert_eq!(d.0, [("WAN_IP".to_string(), "203.0.113.10".to_string())]);
        let obj = serde_json::json!({"defines": {"LAN": "10.0.0.0/8", "N": 3}});
        assert_eq!(defines_from(&obj).unwrap().get("N"), Some("3"));
        assert!(defines_from(&serde_json::json!({"other": 1})).is_none());
        assert!(defines_from(&serde_json::json!({"defines": []})).is_none());

        let s = State::new(Search {
            disabled: true,
            ..Search::default()
        });
        let uri = Uri::from_file_path(std::env::temp_dir().join("fhc-defines.conf")).unwrap();
        let text = "WAN_IP=$(ip -4 addr show eth0)\ninterface eth0 wan dst \"$WAN_IP\"\n    server ssh accept\n";
        let loaded = s.load_prelude(&uri);
        let doc = s.open(uri.clone(), 1, text.into(), loaded.prelude);
        assert!(doc.file.has_errors(), "the host's value is unknown");
        s.set_defines(d);
        let changed = s.reload_preludes();
        assert_eq!(changed.len(), 1, "the defines changed the prelude");
        assert!(!changed[0].0.file.has_errors());
    }
}
