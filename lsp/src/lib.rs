//! fhc-lsp: the FireHOL language server. It calls `fhc-lang` (the same `analyze_with()` as
//! `fhc check`, with the same defaults and services files; the same `format()` as `fhc fmt`; the
//! IDE answers of `fhc_lang::ide`) and only converts between its types and LSP's, one module per
//! feature:
//!
//! | module              | LSP                                                        |
//! |---------------------|------------------------------------------------------------|
//! | `diagnostics`       | publishDiagnostics or diagnostic (pull); save re-reads     |
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
//! | `inlay_hints`       | inlayHint: service ports, variable values, synproxy        |
//! | `highlight`         | documentHighlight                                          |
//! | `signature_help`    | signatureHelp: a command's places in FireHOL's order       |
//! | `workspace_symbols` | workspace/symbol over the open documents                   |
//!
//! Diagnostics are pushed (publishDiagnostics) to clients that do not announce pull
//! diagnostics, and pulled (textDocument/diagnostic) by those that do, never both.
//!
//! `convert` maps positions (UTF-16, or UTF-8 when negotiated), `state` keeps the documents and
//! their preludes, `disk` reads the prelude files, `host` the machine's interface names,
//! `client_process` watches the editor's process, `server` is the protocol glue.

pub mod client_process;
pub mod code_action;
pub mod completion;
pub mod convert;
pub mod diagnostics;
pub mod disk;
pub mod folding;
pub mod formatting;
pub mod goto_definition;
pub mod highlight;
pub mod host;
pub mod hover;
pub mod inlay_hints;
pub mod references;
pub mod rename;
pub mod semantic_tokens;
pub mod server;
pub mod signature_help;
pub mod state;
pub mod symbols;
pub mod workspace_symbols;

use fhc_lang::prelude::Search;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// Serves one client over a byte stream pair until it sends `exit`, with the defaults and
/// services files looked up as `fhc check` looks them up by default. Returns whether `shutdown`
/// came first (the protocol's condition for a clean exit).
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    serve_with(input, output, disk::with_environment(Search::default())).await
}

/// [`serve`] with the prelude lookup `search` (`fhc lsp --defaults/--services-dir/--no-defaults`).
pub async fn serve_with<I, O>(input: I, output: O, search: Search) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    serve_state(input, output, state::State::new(search)).await
}

/// Messages in progress at once (most of them requests waiting for an analysis turn).
const CONCURRENCY: usize = 256;

async fn serve_state<I, O>(input: I, output: O, state: state::State) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let state = Arc::new(state);
    let st = state.clone();
    let (service, socket) = LspService::new(move |client| server::Backend::new(client, st));
    // Requests wait for their turn to analyse (see `server::Backend::with_doc`) in the
    // transport's concurrency slots; with tower-lsp's default of 4, four waiting requests held
    // back every later message, the edits that make them stale included, and typing queued up
    // seconds of work. The turns bound the work; this only bounds the waiting.
    Server::new(input, output, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
    state.is_shutdown()
}

/// `fhc lsp`: serves the editor on standard input and output, reading the defaults and services
/// files as `search` says (see `fhc_lang::prelude::load`). Exit status 0 after `shutdown` +
/// `exit`, 1 when the client exits (or disappears) without `shutdown`, or when its process
/// (`client_pid`, or `initialize`'s `processId`) is gone.
pub fn run_stdio(search: Search, client_pid: Option<u32>) -> ExitCode {
    if let Some(pid) = client_pid {
        let _ = client_process::watch(pid);
    }
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
    let mut state = state::State::new(search);
    state.watch_client = true;
    let clean = rt.block_on(serve_state(tokio::io::stdin(), tokio::io::stdout(), state));
    // Reading stdin happens on a blocking thread that may still wait for input: do not wait for it.
    rt.shutdown_background();
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
