//! The IDE layer, in the style of nil: what an editor asks about one file, answered as plain data
//! (spans, strings, kinds) from the same [`Analysis`] `fhc check` computes. `fhc-lsp` only
//! converts these answers to LSP types; another front end (a web playground, a different editor
//! protocol) could use them as they are.
//!
//! A [`File`] is one version of one configuration with the [`Prelude`] in force for it; its
//! analysis, its symbol table ([`names::Names`]) and its compiled rules are computed at most once,
//! when first asked for. One module per feature, each a function of a `File` and an offset:
//! [`hover`], [`completion`], [`goto_definition`], [`references`], [`rename`], [`symbols`]
//! (the outline), [`semantic_tokens`], [`folding`], and [`diagnostics`] for what the prelude
//! files themselves get wrong. `cursor` answers "what is at this offset" for all of them.

mod bindings;
pub mod completion;
mod cursor;
pub mod diagnostics;
pub mod folding;
pub mod goto_definition;
pub mod highlight;
pub mod hover;
pub mod inlay_hints;
pub mod names;
pub mod references;
pub mod rename;
pub mod semantic_tokens;
pub mod signature_help;
pub mod symbols;
pub mod workspace_symbols;

pub use bindings::{Binding, Origin};

use crate::nft::json::Rule;
use crate::{Analysis, LineIndex, Prelude, Span};
use std::sync::{Arc, OnceLock};

/// What compiling a version gives: its nftables rules, or why there are none (one line).
pub type Compiled = Result<Vec<Rule>, String>;

/// A place a name is defined: in this file, or in one of the prelude's files (an index into
/// [`Prelude::sources`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Here(Span),
    Prelude(usize, Span),
}

/// One version of one file, with everything computed from it on demand and kept.
pub struct File {
    text: String,
    index: LineIndex,
    prelude: Arc<Prelude>,
    analysis: OnceLock<Analysis>,
    diagnostics: OnceLock<Vec<crate::Diagnostic>>,
    names: OnceLock<names::Names>,
    compiled: OnceLock<Compiled>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("len", &self.text.len())
            .field("prelude", &self.prelude.sources().len())
            .finish()
    }
}

impl File {
    pub fn new(text: String, prelude: Arc<Prelude>) -> File {
        File {
            index: LineIndex::new(&text),
            text,
            prelude,
            analysis: OnceLock::new(),
            diagnostics: OnceLock::new(),
            names: OnceLock::new(),
            compiled: OnceLock::new(),
        }
    }

    /// A file read alone (no defaults or services files).
    pub fn alone(text: &str) -> File {
        File::new(text.to_string(), Arc::new(Prelude::none()))
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn index(&self) -> &LineIndex {
        &self.index
    }

    pub fn prelude(&self) -> &Arc<Prelude> {
        &self.prelude
    }

    /// The front end's analysis of this file with this prelude: its tree, the shell's
    /// evaluation and the model, with their diagnostics. Hover, completion and the other answers
    /// read it; they need no lowering, which costs the most while the user types.
    pub fn analysis(&self) -> &Analysis {
        self.analysis
            .get_or_init(|| crate::front(&self.text, &self.prelude))
    }

    /// Every diagnostic `fhc check` gives for this file ([`crate::analyze_with`]'s list: the
    /// front end's and what the lowering finds).
    pub fn diagnostics(&self) -> &[crate::Diagnostic] {
        self.diagnostics
            .get_or_init(|| crate::with_lowering_errors(self.analysis(), &self.text))
    }

    /// Whether [`File::diagnostics`] has an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics().iter().any(crate::Diagnostic::is_error)
    }

    /// The symbol table: every name defined or used, and the variables' values where used.
    pub fn names(&self) -> &names::Names {
        self.names
            .get_or_init(|| names::Names::new(&self.text, self.analysis(), &self.prelude))
    }

    /// The nftables rules of the whole file ([`crate::compile_with`], default options), or why
    /// it does not compile.
    pub fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let opts = crate::nft::Options::default();
            match crate::compile_with(&self.text, &self.prelude, &opts) {
                Ok((out, _)) => Ok(out.ruleset.rules),
                Err(diags) => Err(self.why_not_compiled(&diags)),
            }
        })
    }

    fn why_not_compiled(&self, diags: &[crate::Diagnostic]) -> String {
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        let Some(first) = errors.first() else {
            return "the file does not compile".to_string();
        };
        let line = self.line(first.span.start);
        let more = if errors.len() > 1 {
            format!(" (and {} more)", errors.len() - 1)
        } else {
            String::new()
        };
        format!(
            "the file does not compile: {} {} at line {line}{more}",
            first.code, first.message
        )
    }

    /// The 1-based line of an offset.
    pub fn line(&self, offset: usize) -> usize {
        self.index.line_of(offset) + 1
    }

    /// The name of a prelude file (as it was read).
    pub fn source_name(&self, file: usize) -> &str {
        self.prelude
            .sources()
            .get(file)
            .map_or("?", |s| s.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_and_compile_are_cached_and_use_the_prelude() {
        let f = File::alone("interface eth0 lan\n    server ssh accept\n");
        assert!(std::ptr::eq(f.analysis(), f.analysis()));
        assert!(std::ptr::eq(f.names(), f.names()));
        assert!(f.compiled().as_ref().is_ok_and(|r| !r.is_empty()));
        let bad = File::alone("interface eth0\n");
        let err = bad.compiled().as_ref().unwrap_err();
        assert!(err.contains("E0008") && err.contains("line 1"), "{err}");

        let conf = "interface eth0 lan\n    server myapp accept\n";
        assert!(File::alone(conf).has_errors());
        let mut p = Prelude::none();
        p.add_defaults(
            "d.conf",
            "server_myapp_ports=tcp/8080\nclient_myapp_ports=default\n",
        );
        let f = File::new(conf.to_string(), Arc::new(p));
        assert!(!f.has_errors(), "{:?}", f.diagnostics());
        assert!(f.compiled().is_ok());
        assert_eq!(f.source_name(0), "d.conf");
    }
}
