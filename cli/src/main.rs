//! The `fhc` binary: argument parsing and I/O only. All language work is in `fhc-lang`.

mod apply;
mod check;
mod compile;
mod completions;
mod config;
mod diff;
mod explain;
mod fmt;
mod guard;
mod host;
mod live;
mod lsp;
mod man;
mod rundir;
mod set;
mod trial;
mod verify;
mod version;

/// The front end allocates many small values (tokens, words, rule expressions) and frees them
/// together: glibc's allocator spent about a third of an analysis in malloc and free, and kept
/// the memory of every editor thread's arena. mimalloc halves the language server's last-edit
/// delay on a 5,000-line file (lsp/benches/typing.rs). Built with `no_thp` (Cargo.toml), it
/// does not ask for transparent huge pages: on kernels whose THP mode is `madvise` (Debian's
/// default) its first allocation, before `main`, faulted in a 2 MiB page the kernel zeroes,
/// 0.7 ms of every run (`fhc --version` took 2.7 ms, now 2.0), and analyses of 10,000 lines
/// are no faster with it. (With THP `always` the kernel decides, whatever fhc asks.)
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Emit one rule per statement and direction instead of merging rules into sets and verdict
    /// maps (same verdicts; for debugging and comparing with FireHOL).
    #[arg(long)]
    no_optimize: bool,
}

impl TableArgs {
    fn options(&self) -> fhc_lang::nft::Options {
        fhc_lang::nft::Options {
            family: self.family.clone(),
            table: self.table.clone(),
            optimize: !self.no_optimize,
        }
    }

    fn live(&self) -> live::Table {
        live::Table {
            family: self.family.clone(),
            name: self.table.clone(),
        }
    }
}

/// The configuration and everything that decides what it compiles to.
#[derive(clap::Args)]
struct ConfigArgs {
    /// The configuration (`-` reads standard input). Default: /etc/firehol/firehol.conf
    file: Option<String>,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    prelude: config::PreludeArgs,
}

/// How long `fhc apply` keeps trying a kernel setting the kernel refuses.
#[derive(clap::Args)]
struct RetryArgs {
    /// Keep retrying a kernel setting the kernel refuses for up to SECONDS (at boot the
    /// conntrack module refuses its settings while it initialises; the systemd unit uses 60).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    sysctl_retry: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Report every problem in FireHOL configuration files.
    Check {
        /// Files to check (`-` reads standard input). Default: /etc/firehol/firehol.conf
        files: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
        #[command(flatten)]
        prelude: config::PreludeArgs,
    },
    /// Compile a configuration to an nftables JSON ruleset (`fhc compile firehol.conf | nft -j -f -`).
    Compile {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the kernel settings the compiled ruleset needs, in sysctl.d format.
    Sysctl {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Show the nftables rules each statement produces, with a one-line reason per rule.
    ///
    /// Rules no statement asked for (the firewall skeleton) are listed at the end. Exit 2 when
    /// `--line` points at a line without a statement.
    Explain {
        #[command(flatten)]
        config: ConfigArgs,
        /// Only the statement on this line (any line of a `\`-continued statement).
        #[arg(long, value_name = "N")]
        line: Option<usize>,
        /// Instead, list the FireHOL commands the configuration runs once its bash is evaluated
        /// (loops unrolled, functions called, variables expanded), one a line, with the line
        /// each comes from. Printed even when the file has errors (they go to stderr).
        #[arg(long, conflicts_with = "line")]
        commands: bool,
    },
    /// Activate a configuration: kernel settings, then the ruleset in one nft transaction.
    ///
    /// Checks and compiles first, and lets nft dry-run the ruleset. On any error nothing changes:
    /// settings already written are put back and the previous ruleset stays. Exit 0 applied,
    /// 1 nothing changed, 2 usage or unreadable files.
    Apply {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        retry: RetryArgs,
    },
    /// Change a set of the live table at once, without reloading the ruleset (the ipsets of
    /// the configuration, and the empty sets it declares for ipsets made outside it).
    Set {
        #[command(subcommand)]
        action: set::SetAction,
        #[command(flatten)]
        table: TableArgs,
    },
    /// Apply a configuration on probation, restoring the previous one unless committed.
    ///
    /// Saves the current table (or its absence) and the kernel settings the new ruleset changes,
    /// applies, then waits. `commit` typed on standard input, or `fhc commit` from another shell,
    /// keeps the new ruleset. The timeout, any other input, SIGINT, SIGTERM or SIGHUP restore
    /// the table (in one nft transaction) and the settings exactly. A guard process, started
    /// before anything changes, restores at the deadline even if `fhc try` is killed (and takes
    /// `fhc commit` then). Exit 0 committed, 1 restored or not applied, 3 the restore failed.
    Try {
        #[command(flatten)]
        config: ConfigArgs,
        /// Seconds to wait for `commit`.
        #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
        timeout: f64,
        #[command(flatten)]
        retry: RetryArgs,
    },
    /// Keep the ruleset of the `fhc try` running in another shell.
    Commit,
    /// Internal: the guard `fhc try` starts, which restores at the deadline even when `fhc try`
    /// is killed (snapshot and requests on standard input).
    #[command(hide = true)]
    TryGuard,
    /// Prove, before switching, that fhc's ruleset treats packets as the firewall running now.
    ///
    /// Builds throwaway network namespaces (the host's own firewall and interfaces are never
    /// touched): one loads the host's live iptables/ip6tables rules (iptables-legacy and
    /// iptables-nft, with its ipsets), or with --firehol what `firehol FILE start` loads; the
    /// other loads fhc's ruleset and kernel settings. The same probes (TCP, bare SYN, UDP,
    /// ICMP echo; IPv4 and IPv6; to the firewall and routed, from every interface the
    /// configuration names) cross both, and every difference is reported with the
    /// configuration lines of the fhc rules and the iptables rules the probe hit. Needs root;
    /// FILE must be a file (not `-`). Exit 0 no differences, 1 differences, 2 cannot run.
    Verify {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        verify: verify::VerifyArgs,
    },
    /// Internal: the servers and probers `fhc verify` runs inside its namespaces.
    #[command(hide = true)]
    VerifyAgent {
        #[command(subcommand)]
        role: verify::AgentRole,
    },
    /// Compare the live table with what the configuration compiles to (drift detection).
    ///
    /// Prints a unified diff of the two as nft lists them. Exit 0 identical, 1 different (or
    /// not loaded), 2 error.
    Diff {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Internal: load standard input into the current (throwaway) network namespace and print
    /// the table's listings (used by `diff` and `try` inside `unshare --net`).
    #[command(hide = true)]
    ScratchList {
        #[arg(long, value_parser = ["json", "text"])]
        format: String,
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
    ///
    /// Each document is read after the defaults file and the services directory that `fhc check`
    /// would read for it (beside it, else in /etc/firehol), unless told otherwise here.
    Lsp {
        #[command(flatten)]
        transport: lsp::TransportArgs,
        #[command(flatten)]
        prelude: config::PreludeArgs,
    },
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
        Command::Check {
            files,
            format,
            prelude,
        } => check::run(&files, format, &prelude),
        Command::Fmt {
            files,
            check,
            stdin_filename,
        } => fmt::run(&files, check, &stdin_filename),
        Command::ExplainCode { code, list } => explain_code(code.as_deref(), list),
        Command::Lsp { transport, prelude } => lsp::run(prelude.search(), &transport),
        Command::Compile { config: c } => {
            compile::compile(c.file.as_deref(), &c.prelude, &c.table.options())
        }
        Command::Sysctl { config: c } => {
            compile::sysctl(c.file.as_deref(), &c.prelude, &c.table.options())
        }
        Command::Explain {
            config: c,
            commands: true,
            ..
        } => explain::commands(c.file.as_deref(), &c.prelude),
        Command::Explain {
            config: c, line, ..
        } => explain::run(c.file.as_deref(), line, &c.prelude, &c.table.options()),
        Command::Apply { config: c, retry } => with_compiled(&c, |compiled| {
            apply::run(compiled, &c.table.live(), retry.duration())
        }),
        Command::Try {
            config: c,
            timeout,
            retry,
        } => {
            let Some(timeout) = std::time::Duration::try_from_secs_f64(timeout).ok() else {
                eprintln!("fhc: --timeout must be a number of seconds >= 0");
                return ExitCode::from(2);
            };
            with_compiled(&c, |compiled| {
                trial::run(compiled, &c.table.live(), timeout, retry.duration())
            })
        }
        Command::Commit => trial::commit(),
        Command::TryGuard => guard::serve(),
        Command::Verify { config: c, verify } => {
            verify::run(c.file.as_deref(), &c.prelude, &c.table.options(), &verify)
        }
        Command::VerifyAgent { role } => verify::agent(&role),
        Command::Set { action, table } => set::run(&action, &table.live()),
        Command::Diff { config: c } => {
            with_compiled(&c, |compiled| diff::run(compiled, &c.table.live()))
        }
        Command::Completions { shell } => completions::print(shell, Cli::command()),
        Command::Man { dir } => man::write(&dir, Cli::command()),
        Command::ScratchList { format, table } => {
            match live::scratch_list_here(&table.live(), format == "json") {
                Ok(out) => {
                    println!("{out}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

impl RetryArgs {
    fn duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.sysctl_retry)
    }
}

/// Compiles the configuration, then runs `f` on it (exit 1/2 when it does not compile).
fn with_compiled(c: &ConfigArgs, f: impl FnOnce(&config::Compiled) -> ExitCode) -> ExitCode {
    match config::compile(c.file.as_deref(), &c.prelude, &c.table.options()) {
        Ok(compiled) => f(&compiled),
        Err(code) => code,
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
                fhc_lang::catalogue::explain(c).trim_start()
            );
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("fhc: unknown diagnostic code `{code}` (see `fhc explain-code --list`)");
            ExitCode::from(2)
        }
    }
}
