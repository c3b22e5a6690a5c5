//! What every compiling subcommand reads: the configuration, and before it (as FireHOL does)
//! `firehol-defaults.conf` and the services directory. The files are read here; their meaning is
//! `fhc_lang::prelude`'s.

use crate::check::{DEFAULT_CONFIG, decode, read_input};
use fhc_lang::Prelude;
use fhc_lang::nft::{Options, Output};
use std::io::IsTerminal;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const DEFAULT_DEFAULTS: &str = "/etc/firehol/firehol-defaults.conf";
pub const DEFAULT_SERVICES_DIR: &str = "/etc/firehol/services";

/// Where the settings and extra services come from.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct PreludeArgs {
    /// Settings file read before the configuration, as FireHOL reads firehol-defaults.conf
    /// [default: /etc/firehol/firehol-defaults.conf, when it exists].
    #[arg(long, value_name = "FILE")]
    pub defaults: Option<PathBuf>,
    /// Directory of extra service definitions (`*.conf` starting with `#FHVER: 1:<n>`)
    /// [default: FIREHOL_SERVICES_DIR from the defaults file or the environment, else
    /// /etc/firehol/services, when it exists].
    #[arg(long, value_name = "DIR")]
    pub services_dir: Option<PathBuf>,
    /// Read neither the defaults file nor the services directory.
    #[arg(long, conflicts_with_all = ["defaults", "services_dir"])]
    pub no_defaults: bool,
}

pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Reads the defaults file and the services directory. Errors in them are printed (in their
/// file) and stop the command with exit 1; an unreadable file given explicitly is exit 2.
pub fn load_prelude(args: &PreludeArgs) -> Result<Prelude, ExitCode> {
    let mut prelude = Prelude::none();
    if args.no_defaults {
        return Ok(prelude);
    }
    let defaults = args
        .defaults
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DEFAULTS));
    match std::fs::read(&defaults) {
        Ok(bytes) => prelude.add_defaults(&defaults.display().to_string(), &decode(bytes)),
        Err(e) if args.defaults.is_some() || e.kind() != std::io::ErrorKind::NotFound => {
            eprintln!("fhc: cannot read {}: {e}", defaults.display());
            return Err(ExitCode::from(2));
        }
        Err(_) => {}
    }
    let (dir, explicit) = match &args.services_dir {
        Some(d) => (d.clone(), true),
        None => (
            prelude
                .env()
                .value("FIREHOL_SERVICES_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("FIREHOL_SERVICES_DIR").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(DEFAULT_SERVICES_DIR)),
            false,
        ),
    };
    read_services(&dir, explicit, &mut prelude)?;
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

/// `DIR/*.conf` in name order, as FireHOL's `ls *.conf`; files not owned by the user running fhc
/// are ignored, as FireHOL ignores them (someone else could inject rules through them).
fn read_services(dir: &Path, explicit: bool, prelude: &mut Prelude) -> Result<(), ExitCode> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            eprintln!(
                "fhc: cannot read the services directory {}: {e}",
                dir.display()
            );
            return Err(ExitCode::from(2));
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf") && p.is_file())
        .collect();
    files.sort();
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    for path in files {
        let name = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|e| {
            eprintln!("fhc: cannot read {name}: {e}");
            ExitCode::from(2)
        })?;
        if me.is_some_and(|uid| uid != meta.uid()) {
            prelude
                .ignored
                .push((name, "it is not owned by the user running fhc".into()));
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            eprintln!("fhc: cannot read {name}: {e}");
            ExitCode::from(2)
        })?;
        prelude.add_services(&name, &decode(bytes));
    }
    Ok(())
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
    let prelude = load_prelude(prelude)?;
    let (name, text) = read(file)?;
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
