//! The `fhc` binary: argument parsing and I/O only. All language work is in `fhc-lang`.

mod check;
mod compile;
mod completions;
mod fmt;
mod man;
mod version;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fhc",
    version = version::text(),
    about = "Check, format and compile FireHOL configurations to nftables"
)]
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

/// The nftables table fhc owns and replaces atomically.
#[derive(clap::Args)]
struct TableArgs {
    /// Table name.
    #[arg(long, default_value = "firehol")]
    table: String,
    /// Table family (inet covers IPv4 and IPv6 in one table).
    #[arg(long, default_value = "inet", value_parser = ["inet"])]
    family: String,
}

impl TableArgs {
    fn options(&self) -> fhc_lang::nft::Options {
        fhc_lang::nft::Options {
            family: self.family.clone(),
            table: self.table.clone(),
        }
    }
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
    /// Compile a configuration to an nftables JSON ruleset (`fhc compile firehol.conf | nft -j -f -`).
    Compile {
        /// The configuration (`-` reads standard input). Default: /etc/firehol/firehol.conf
        file: Option<String>,
        #[command(flatten)]
        table: TableArgs,
    },
    /// Print the kernel settings the compiled ruleset needs, in sysctl.d format.
    Sysctl {
        file: Option<String>,
        #[command(flatten)]
        table: TableArgs,
    },
    /// Rewrite FireHOL configuration files in the canonical style (see docs/fmt.md).
    Fmt {
        /// Files to format in place (`-` reads standard input and writes standard output).
        #[arg(required = true)]
        files: Vec<String>,
        /// Write nothing; print a diff for each file that would change and exit 1 if any would.
        #[arg(long)]
        check: bool,
        /// The name standard input gets in diagnostics and diffs.
        #[arg(long, value_name = "NAME", default_value = "<stdin>")]
        stdin_filename: String,
    },
    /// Run the language server on standard input/output (for editors).
    Lsp,
    /// Explain a diagnostic code (E0101, W0103, ...), or list them all with --list.
    ExplainCode {
        code: Option<String>,
        #[arg(long)]
        list: bool,
    },
    /// Print the completion script for a shell (the Debian package installs them already).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (fhc.1 and one fhc-SUBCOMMAND.1 each) into DIR.
    Man {
        /// Created if missing, e.g. ~/.local/share/man/man1
        dir: std::path::PathBuf,
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
        Command::Fmt {
            files,
            check,
            stdin_filename,
        } => fmt::run(&files, check, &stdin_filename),
        Command::ExplainCode { code, list } => explain_code(code.as_deref(), list),
        Command::Lsp => fhc_lsp::run_stdio(),
        Command::Compile { file, table } => compile::compile(file.as_deref(), &table.options()),
        Command::Sysctl { file, table } => compile::sysctl(file.as_deref(), &table.options()),
        Command::Completions { shell } => completions::print(shell, Cli::command()),
        Command::Man { dir } => man::write(&dir, Cli::command()),
    }
}

fn explain_code(code: Option<&str>, list: bool) -> ExitCode {
    use fhc_lang::Code;
    if list || code.is_none() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for &c in Code::ALL {
            // A closed pipe (`| head`) is not an error worth a panic.
            if writeln!(
                out,
                "{c}  {:<7}  {}",
                c.default_severity().as_str(),
                c.title()
            )
            .is_err()
            {
                break;
            }
        }
        return ExitCode::SUCCESS;
    }
    let code = code.unwrap_or_default();
    match Code::parse(code) {
        Some(c) => {
            use std::io::Write;
            let _ = write!(
                std::io::stdout().lock(),
                "{}",
                fhc_lang::codes::explain(c).trim_start()
            );
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("fhc: unknown diagnostic code `{code}` (see `fhc explain-code --list`)");
            ExitCode::from(2)
        }
    }
}
