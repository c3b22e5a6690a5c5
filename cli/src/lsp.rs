//! `fhc lsp`: the transport arguments editors pass, then the server of `fhc-lsp`.
//!
//! Language clients name the transport on the command line, as the LSP specification's
//! "server arguments" describe: vscode-languageclient appends `--stdio` (or `--pipe=NAME`,
//! `--socket=PORT`, `--node-ipc`) to the configured command, and some clients pass
//! `--clientProcessId=PID`. A server that refuses `--stdio` never starts in VS Code, so every
//! one of them is understood: stdio is served, the others are refused with the way out.

use fhc_lang::prelude::Search;
use std::process::ExitCode;

/// How the editor talks to the server.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct TransportArgs {
    /// Talk LSP over standard input and output (the default; the only transport fhc serves).
    #[arg(long)]
    pub stdio: bool,
    /// Refused: fhc serves standard input and output only.
    #[arg(long, value_name = "PORT", hide = true)]
    pub socket: Option<String>,
    /// Refused: fhc serves standard input and output only.
    #[arg(long, value_name = "NAME", hide = true)]
    pub pipe: Option<String>,
    /// Refused: fhc serves standard input and output only.
    #[arg(long = "node-ipc", hide = true)]
    pub node_ipc: bool,
    /// The editor's process: the server exits when it is gone. Watched only when it started the
    /// server (an ancestor process); also read from `initialize`.
    #[arg(long = "clientProcessId", value_name = "PID")]
    pub client_process_id: Option<u32>,
}

impl TransportArgs {
    /// The transport asked for, when it is not standard input and output.
    fn refused(&self) -> Option<String> {
        if let Some(port) = &self.socket {
            return Some(format!("--socket={port}"));
        }
        if let Some(name) = &self.pipe {
            return Some(format!("--pipe={name}"));
        }
        self.node_ipc.then(|| "--node-ipc".to_string())
    }
}

pub fn run(search: Search, transport: &TransportArgs) -> ExitCode {
    if let Some(what) = transport.refused() {
        eprintln!(
            "fhc lsp: {what}: this server talks over standard input and output only\n  \
             help: configure the client for stdio (vscode-languageclient: `transport: TransportKind.stdio`, \
             which passes --stdio)"
        );
        return ExitCode::from(2);
    }
    fhc_lsp::run_stdio(search, transport.client_process_id)
}
