//! Open documents and their analyses.
//!
//! Each version of a document is an immutable [`Doc`] behind an `Arc`; the map of open documents is
//! behind a lock that is only held to swap those `Arc`s (never across an `.await` or an analysis).
//! The analysis and the compiled ruleset of a version are computed at most once, lazily, by
//! whichever handler needs them first; a handler that finishes after a newer version arrived sees
//! it with [`State::is_current`] and drops its result.

use crate::convert::{self, Encoding, Mapper};
use fhc_lang::nft::json::Rule;
use fhc_lang::{Analysis, LineIndex, Span};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

/// What compiling a version gives: its nftables rules, or why there are none.
pub type Compiled = Result<Vec<Rule>, String>;

/// One version of one document.
pub struct Doc {
    pub uri: Uri,
    pub version: i32,
    pub text: String,
    pub index: LineIndex,
    pub enc: Encoding,
    analysis: OnceLock<Analysis>,
    compiled: OnceLock<Compiled>,
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
    pub fn new(uri: Uri, version: i32, text: String, enc: Encoding) -> Doc {
        let index = LineIndex::new(&text);
        Doc {
            uri,
            version,
            text,
            index,
            enc,
            analysis: OnceLock::new(),
            compiled: OnceLock::new(),
        }
    }

    /// A document for unit tests (UTF-16 positions, a fixed URI).
    #[cfg(test)]
    pub fn test(text: &str) -> Doc {
        Doc::new(
            "file:///test/firehol.conf".parse().expect("uri"),
            1,
            text.to_string(),
            Encoding::Utf16,
        )
    }

    /// The same analysis `fhc check` computes, once per version.
    pub fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| fhc_lang::analyze(&self.text))
    }

    /// The nftables rules of the whole document (compiled once per version), or why it does not
    /// compile.
    pub fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let a = self.analysis();
            let errors: Vec<_> = a.diagnostics.iter().filter(|d| d.is_error()).collect();
            if let Some(first) = errors.first() {
                let line = self.index.line_of(first.span.start) + 1;
                let more = if errors.len() > 1 {
                    format!(" (and {} more)", errors.len() - 1)
                } else {
                    String::new()
                };
                return Err(format!(
                    "the file does not compile: {} {} at line {line}{more}",
                    first.code, first.message
                ));
            }
            match fhc_lang::nft::lower(&a.model, &self.text, &fhc_lang::nft::Options::default()) {
                Ok(out) => Ok(out.ruleset.rules),
                Err(errs) => Err(match errs.first() {
                    Some(e) => format!("the file does not compile: {} {}", e.code, e.message),
                    None => "the file does not compile".to_string(),
                }),
            }
        })
    }

    pub fn mapper(&self) -> Mapper<'_> {
        Mapper::new(&self.text, &self.index, self.enc)
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

    /// The next version: the changes applied in order (ranges clamped to the text).
    pub fn changed(&self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Doc {
        let mut text = self.text.clone();
        for c in changes {
            convert::apply_change(&mut text, self.enc, c.range, &c.text);
        }
        Doc::new(self.uri.clone(), version, text, self.enc)
    }
}

/// Everything the server keeps between requests.
#[derive(Debug, Default)]
pub struct State {
    docs: Mutex<HashMap<Uri, Arc<Doc>>>,
    enc: AtomicU8,
    shutdown: AtomicBool,
}

impl State {
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

    pub fn set_shutdown(&self) {
        self.shutdown.store(true, Ordering::Relaxed);
    }

    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    pub fn open(&self, uri: Uri, version: i32, text: String) -> Arc<Doc> {
        let doc = Arc::new(Doc::new(uri.clone(), version, text, self.encoding()));
        self.docs().insert(uri, doc.clone());
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
        Some(doc)
    }

    pub fn close(&self, uri: &Uri) {
        self.docs().remove(uri);
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

    #[test]
    fn versions_only_move_forward() {
        let s = State::default();
        s.open(uri(), 1, "version 6\n".into());
        assert!(s.change(&uri(), 1, vec![change(None, "x")]).is_none());
        let d = s.change(
            &uri(),
            3,
            vec![change(
                Some(Range::new(Position::new(0, 8), Position::new(0, 9))),
                "5",
            )],
        );
        assert_eq!(d.unwrap().text, "version 5\n");
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
    fn analysis_and_compile_are_cached_per_version() {
        let d = Doc::test("interface eth0 lan\n    server ssh accept\n");
        assert!(std::ptr::eq(d.analysis(), d.analysis()));
        assert!(d.compiled().as_ref().is_ok_and(|r| !r.is_empty()));
        let bad = Doc::test("interface eth0\n");
        let err = bad.compiled().as_ref().unwrap_err();
        assert!(err.contains("E0008"), "{err}");
    }
}
