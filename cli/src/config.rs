//! What every compiling subcommand reads: the configuration, and before it (as FireHOL does)
//! `firehol-defaults.conf` and the services directory. The files are read here; their meaning is
//! `fhc_lang::prelude`'s.

use fhc_lang::Prelude;
use fhc_lang::nft::{Options, Output};
use fhc_lang::prelude::Search;
use fhc_lang::prelude::decode;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the settings and extra services come from.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct PreludeArgs {
    /// Settings file read before the configuration, as FireHOL reads firehol-defaults.conf
    /// [default: firehol-defaults.conf beside the configuration, else
    /// /etc/firehol/firehol-defaults.conf, when one exists].
    #[arg(long, value_name = "FILE")]
    pub defaults: Option<PathBuf>,
    /// Directory of extra service definitions (`*.conf` starting with `#FHVER: 1:<n>`)
    /// [default: FIREHOL_SERVICES_DIR from the defaults file or the environment, else
    /// services/ beside the configuration, else /etc/firehol/services, when one exists].
    #[arg(long, value_name = "DIR")]
    pub services_dir: Option<PathBuf>,
    /// Read neither the defaults file nor the services directory.
    #[arg(long, conflicts_with_all = ["defaults", "services_dir"])]
    pub no_defaults: bool,
    /// Set a shell variable before the configuration runs (repeatable). It also answers for a
    /// value the configuration reads from the host: `WAN_IP=$(ip ...)` takes VALUE. The
    /// defines are listed in the ruleset's comments.
    #[arg(long = "define", short = 'D', value_name = "NAME=VALUE", value_parser = parse_define)]
    pub defines: Vec<(String, String)>,
    /// Do not resolve host names in src/dst: each is an error (by default they are resolved
    /// when compiling, as iptables resolved them when loading, and the addresses are listed).
    #[arg(long)]
    pub no_resolve: bool,
}

fn parse_define(s: &str) -> Result<(String, String), String> {
    fhc_lang::eval::Defines::parse_one(s)
}

pub const DEFAULT_CONFIG: &str = "/etc/firehol/firehol.conf";

/// Reads a file argument (`-` is standard input), naming it as diagnostics will.
pub fn read_input(arg: &str) -> Result<(String, String), String> {
    if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(("<stdin>".to_string(), decode(buf)))
    } else {
        let bytes = std::fs::read(arg).map_err(|e| format!("cannot read {arg}: {e}"))?;
        Ok((arg.to_string(), decode(bytes)))
    }
}

pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

impl PreludeArgs {
    /// The lookup these options ask for (the environment's FIREHOL_SERVICES_DIR included).
    pub fn search(&self) -> Search {
        fhc_lsp::disk::with_environment(Search {
            defaults: self.defaults.clone(),
            services_dir: self.services_dir.clone(),
            disabled: self.no_defaults,
            env_services_dir: None,
            defines: fhc_lang::eval::Defines(self.defines.clone()),
        })
    }
}

/// Reads the defaults file and the services directory for the configuration `config` (`-` is
/// standard input), as `fhc lsp` does for the file it edits: see `fhc_lang::prelude::load`.
/// Errors in them are printed (in their file) and stop the command with exit 1; a file that
/// cannot be read is exit 2.
pub fn load_prelude(args: &PreludeArgs, config: &str) -> Result<Prelude, ExitCode> {
    let path = (config != "-").then(|| Path::new(config));
    let prelude = fhc_lsp::disk::load(&args.search(), path).map_err(|e| {
        eprintln!("fhc: {e}");
        ExitCode::from(2)
    })?;
    for (name, why) in &prelude.ignored {
        eprintln!("fhc: warning: ignoring services file {name}: {why}");
    }
    let color = color();
    for f in &prelude.files {
        eprint!(
            "{}",
            fhc_lang::render::render(&f.diagnostics, &f.name, &f.text, color)
        );
    }
    if prelude.has_errors() {
        eprintln!(
            "fhc: fix the errors in the defaults/services files above (or use --no-defaults)"
        );
        return Err(ExitCode::from(1));
    }
    Ok(prelude)
}

/// The prelude for the configuration `file` (`None`: the default path), then the configuration
/// itself (its name and text): what every compiling subcommand starts with.
pub fn load(
    file: Option<&str>,
    prelude: &PreludeArgs,
) -> Result<(Prelude, String, String), ExitCode> {
    let config = file.unwrap_or(DEFAULT_CONFIG);
    let loaded = load_prelude(prelude, config)?;
    let (name, text) = read(file)?;
    let loaded = crate::host::with_machine(loaded, config, prelude.no_resolve);
    Ok((loaded, name, text))
}

/// A configuration, read and compiled: its name and the output.
pub struct Compiled {
    pub name: String,
    pub output: Output,
}

/// Reads and compiles the configuration (`None` is the default path), printing warnings and
/// errors on stderr. Exit 2 when it cannot be read, 1 when it does not compile.
pub fn compile(
    file: Option<&str>,
    prelude: &PreludeArgs,
    opts: &Options,
) -> Result<Compiled, ExitCode> {
    let (prelude, name, text) = load(file, prelude)?;
    let color = color();
    match fhc_lang::compile_with(&text, &prelude, opts) {
        Ok((output, warnings)) => {
            let shown: Vec<_> = warnings
                .into_iter()
                .filter(|d| d.severity <= fhc_lang::Severity::Warning)
                .collect();
            eprint!("{}", fhc_lang::render::render(&shown, &name, &text, color));
            Ok(Compiled { name, output })
        }
        Err(diags) => {
            eprint!("{}", fhc_lang::render::render(&diags, &name, &text, color));
            eprintln!("fhc: {name}: not compiled (fix the errors above)");
            Err(ExitCode::from(1))
        }
    }
}

/// Reads the configuration argument (`-` is standard input), exit 2 when it cannot.
pub fn read(file: Option<&str>) -> Result<(String, String), ExitCode> {
    read_input(file.unwrap_or(DEFAULT_CONFIG)).map_err(|e| {
        eprintln!("fhc: {e}");
        ExitCode::from(2)
    })
}
