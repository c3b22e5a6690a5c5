//! fhc-lang: the FireHOL configuration language as a pure library.
//!
//! Front doors: [`analyze`] (text to tree and diagnostics). Everything else (CLI, LSP) is a thin
//! consumer of these.

pub mod codes;
pub mod diag;
pub mod fmt;
pub mod model;
pub mod nft;
pub mod render;
pub mod span;
pub mod syntax;

pub use codes::Code;
pub use diag::{Diagnostic, Fix, Label, Severity, TextEdit};
pub use span::{LineIndex, Span};

/// Everything fhc knows about one file.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub parse: syntax::Parse,
    pub model: model::Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks a configuration. Pure: the same text always gives the same analysis.
///
/// When the configuration has no error, the nftables lowering runs too, so that `fhc check`
/// reports everything `fhc compile` would refuse (a clean check means compile succeeds).
pub fn analyze(text: &str) -> Analysis {
    let parse = syntax::parse(text);
    let mut diagnostics = parse.errors.clone();
    diagnostics.extend(syntax::validate::validate(text, &parse));
    let (model, semantic) = model::build(text, &parse);
    diagnostics.extend(semantic);
    if !diagnostics.iter().any(Diagnostic::is_error)
        && let Err(errors) = nft::lower(&model, text, &nft::Options::default())
    {
        diagnostics.extend(errors);
    }
    diag::sort(&mut diagnostics);
    Analysis { parse, model, diagnostics }
}

/// Compiles a configuration to an nftables ruleset (and the kernel settings it needs). Fails with
/// the diagnostics when the configuration has errors; warnings are returned with the output.
pub fn compile(text: &str, opts: &nft::Options) -> Result<(nft::Output, Vec<Diagnostic>), Vec<Diagnostic>> {
    let analysis = analyze(text);
    if analysis.has_errors() {
        return Err(analysis.diagnostics);
    }
    let out = nft::lower(&analysis.model, text, opts)?;
    Ok((out, analysis.diagnostics))
}

/// Formats a whole configuration in the canonical style (see `docs/fmt.md`). Fails with the
/// syntax diagnostics when the file cannot be formatted safely (unterminated quotes, invalid
/// characters, statements the parser cannot read); shell constructs are formatted normally.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    fmt::format(text)
}

/// Formats only the whole statements (and full-line comments) that intersect `range`, returning
/// the edits to apply to `text` (what the LSP's range formatting needs).
pub fn format_range(text: &str, range: Span) -> Result<Vec<TextEdit>, Vec<Diagnostic>> {
    fmt::format_range(text, range)
}
