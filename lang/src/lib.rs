//! fhc-lang: the FireHOL configuration language as a pure library.
//!
//! Front doors: [`analyze`] (text to tree and diagnostics), [`check`], [`compile`], [`explain`],
//! [`format`]. The `_with` variants take a [`Prelude`] (firehol-defaults.conf and the services
//! directory, read by the caller; [`prelude::load`] finds them). [`ide`] answers an editor's
//! questions about one file as plain data. Everything else (CLI, LSP) is a thin consumer of these.

pub mod catalogue;
pub mod codes;
pub mod diag;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod hash;
pub mod ide;
pub mod model;
pub mod nft;
pub mod prelude;
pub mod render;
pub mod span;
pub mod suggest;
pub mod syntax;

pub use codes::Code;
pub use diag::{Diagnostic, Fix, Label, Severity, TextEdit};
pub use explain::Explanation;
pub use prelude::Prelude;
pub use span::{LineIndex, Span};

/// Everything fhc knows about one file.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub parse: syntax::Parse,
    /// What the file's shell code did: the FireHOL commands it ran, in order, and its functions.
    pub evaluation: eval::Evaluation,
    pub model: model::Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks a configuration: syntax, shell subset, model and semantic diagnostics, and
/// what the nftables backend cannot translate (E0201 and the value errors it finds). Every error
/// of the file comes in one run, so `fhc check`, the LSP and `fhc compile` report the same set:
/// a clean analysis means `fhc compile` succeeds. Pure: the same text always gives the same
/// analysis.
pub fn analyze(text: &str) -> Analysis {
    analyze_with(text, &Prelude::none())
}

/// [`analyze`] with the variables and services of the defaults and services files in force.
pub fn analyze_with(text: &str, prelude: &Prelude) -> Analysis {
    let mut analysis = front(text, prelude);
    analysis.diagnostics = with_lowering_errors(&analysis, text);
    analysis
}

/// The front end without the lowering: syntax, the shell's evaluation and the model (the IDE
/// answers that need no lowering read this, and [`with_lowering_errors`] completes it).
pub(crate) fn front(text: &str, prelude: &Prelude) -> Analysis {
    let parse = syntax::parse(text);
    let mut diagnostics = parse.errors.clone();
    diagnostics.extend(syntax::validate::validate(text, &parse));
    let env = prelude.env();
    let evaluation = eval::evaluate(text, &parse, &env, prelude.defines(), prelude.limits());
    diagnostics.extend(evaluation.diagnostics.iter().cloned());
    let (mut model, semantic) = model::build_in(
        text,
        &parse,
        &evaluation,
        env,
        prelude.marks(),
        prelude.host(),
    );
    model.defines = prelude.defines().0.clone();
    diagnostics.extend(semantic);
    diag::sort(&mut diagnostics);
    Analysis {
        parse,
        evaluation,
        model,
        diagnostics,
    }
}

/// The front end's diagnostics with what the lowering found: [`analyze_with`]'s list. The model
/// keeps what it could build of a statement with errors, so an error the front end already
/// reported inside a statement is not reported twice.
pub(crate) fn with_lowering_errors(front: &Analysis, text: &str) -> Vec<Diagnostic> {
    let mut diagnostics = front.diagnostics.clone();
    let errors = nft::lower::lowering_errors(&front.model, text);
    if errors.is_empty() {
        return diagnostics;
    }
    let known: Vec<Span> = diagnostics
        .iter()
        // A shell construct's error spans a whole block: what the lowering finds inside is news.
        .filter(|d| d.is_error() && d.code != Code::ShellConstruct)
        .map(|d| d.span)
        .collect();
    let overlaps =
        |a: Span, b: Span| a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1);
    diagnostics.extend(
        errors
            .into_iter()
            .filter(|e| !known.iter().any(|k| overlaps(*k, e.span))),
    );
    diag::sort(&mut diagnostics);
    diagnostics
}

/// The same as [`analyze`] (kept for callers that name the check step).
pub fn check(text: &str) -> Analysis {
    analyze(text)
}

/// [`check`] with a [`Prelude`] (its own problems are in [`Prelude::files`]).
pub fn check_with(text: &str, prelude: &Prelude) -> Analysis {
    analyze_with(text, prelude)
}

/// Compiles a configuration to an nftables ruleset (and the kernel settings it needs). Fails with
/// the diagnostics when the configuration has errors; warnings are returned with the output.
pub fn compile(
    text: &str,
    opts: &nft::Options,
) -> Result<(nft::Output, Vec<Diagnostic>), Vec<Diagnostic>> {
    compile_with(text, &Prelude::none(), opts)
}

/// [`compile`] with a [`Prelude`]. A prelude with errors does not stop it: the caller shows
/// [`Prelude::files`] and decides (the CLI refuses to compile).
pub fn compile_with(
    text: &str,
    prelude: &Prelude,
    opts: &nft::Options,
) -> Result<(nft::Output, Vec<Diagnostic>), Vec<Diagnostic>> {
    lowered(text, prelude, opts).map(|(analysis, out)| (out, analysis.diagnostics))
}

/// Analysis and lowering: the analysis (warnings and tree) with the output, or every diagnostic.
fn lowered(
    text: &str,
    prelude: &Prelude,
    opts: &nft::Options,
) -> Result<(Analysis, nft::Output), Vec<Diagnostic>> {
    let analysis = front(text, prelude);
    if analysis.has_errors() {
        return Err(with_lowering_errors(&analysis, text));
    }
    match nft::lower(&analysis.model, text, opts) {
        Ok(out) => Ok((analysis, out)),
        Err(mut errors) => {
            errors.extend(analysis.diagnostics);
            diag::sort(&mut errors);
            Err(errors)
        }
    }
}

/// What each statement compiles to, with a one-line reason per nftables rule (`fhc explain`).
/// Fails like [`compile_with`].
pub fn explain(
    text: &str,
    prelude: &Prelude,
    opts: &nft::Options,
) -> Result<Explanation, Vec<Diagnostic>> {
    lowered(text, prelude, opts)
        .map(|(analysis, out)| explain::explain(text, &analysis.parse, &analysis.model, &out))
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
