//! fhc-lsp: the FireHOL language server. It calls `fhc-lang` (the same `analyze()` as `fhc check`,
//! the same `format()` as `fhc fmt`) and only converts between its types and LSP's, one module
//! per feature:
//!
//! | module              | LSP                                                        |
//! |---------------------|------------------------------------------------------------|
//! | `diagnostics`       | publishDiagnostics (on open and every change)              |
//! | `code_action`       | codeAction: the diagnostics' quick fixes                   |
//! | `hover`             | hover: services, keywords, variables, compiled nft rules   |
//! | `completion`        | completion by context                                      |
//! | `goto_definition`   | definition                                                 |
//! | `references`        | references                                                 |
//! | `rename`            | prepareRename, rename                                      |
//! | `symbols`           | documentSymbol                                             |
//! | `folding`           | foldingRange                                               |
//! | `semantic_tokens`   | semanticTokens/full                                        |
//! | `formatting`        | formatting, rangeFormatting                                |
//!
//! `convert` maps positions (UTF-16, or UTF-8 when negotiated), `state` keeps the documents,
//! `cursor` and `names` answer "what is here" for the features, `server` is the protocol glue.

pub mod code_action;
pub mod completion;
pub mod convert;
pub mod cursor;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod goto_definition;
pub mod hover;
pub mod names;
pub mod references;
pub mod rename;
pub mod semantic_tokens;
pub mod server;
pub mod state;
pub mod symbols;

use std::process::ExitCode;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// Serves one client over a byte stream pair until it sends `exit`. Returns whether `shutdown`
/// came first (the protocol's condition for a clean exit).
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let state = Arc::new(state::State::default());
    let st = state.clone();
    let (service, socket) = LspService::new(move |client| server::Backend::new(client, st));
    Server::new(input, output, socket).serve(service).await;
    state.is_shutdown()
}

/// `fhc lsp`: serves the editor on standard input and output. Exit status 0 after
/// `shutdown` + `exit`, 1 when the client exits (or disappears) without `shutdown`.
pub fn run_stdio() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fhc lsp: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let clean = rt.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Reading stdin happens on a blocking thread that may still wait for input: do not wait for it.
    rt.shutdown_background();
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
