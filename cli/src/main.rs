//! The `fhc` binary: argument parsing and I/O only. All language work is in `fhc-lang`.

mod check;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "fhc", version, about = "Check, format and compile FireHOL configurations to nftables")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, Default)]
pub enum OutputFormat {
    /// Rendered for people (colour only on a terminal).
    #[default]
    Human,
    /// One JSON array of diagnostics.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Report every problem in FireHOL configuration files.
    Check {
        /// Files to check (`-` reads standard input). Default: /etc/firehol/firehol.conf
        files: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check { files, format } => check::run(&files, format),
    }
}
