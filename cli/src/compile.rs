//! `fhc compile` and `fhc sysctl`: the ruleset as nftables JSON, and the kernel settings it needs.

use crate::check::{DEFAULT_CONFIG, read_input};
use fhc_lang::nft::{Options, Output};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Compiles, printing diagnostics on stderr. `None` when the configuration cannot be compiled.
fn build(file: Option<&str>, opts: &Options) -> Result<Output, ExitCode> {
    let arg = file.unwrap_or(DEFAULT_CONFIG);
    let (name, text) = read_input(arg).map_err(|e| {
        eprintln!("fhc: {e}");
        ExitCode::from(2)
    })?;
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match fhc_lang::compile(&text, opts) {
        Ok((out, warnings)) => {
            let shown: Vec<_> = warnings
                .into_iter()
                .filter(|d| d.severity <= fhc_lang::Severity::Warning)
                .collect();
            eprint!("{}", fhc_lang::render::render(&shown, &name, &text, color));
            Ok(out)
        }
        Err(diags) => {
            eprint!("{}", fhc_lang::render::render(&diags, &name, &text, color));
            eprintln!("fhc: {name}: not compiled (fix the errors above)");
            Err(ExitCode::from(1))
        }
    }
}

pub fn compile(file: Option<&str>, opts: &Options) -> ExitCode {
    let out = match build(file, opts) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let json = serde_json::to_string_pretty(&out.ruleset.to_json()).expect("json");
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{json}").is_err() {
        return ExitCode::from(2);
    }
    if !out.sysctls.is_empty() {
        eprintln!("fhc: this ruleset needs kernel settings nftables cannot express:");
        for s in &out.sysctls {
            eprintln!("    {} = {}    # {}", s.key, s.value, s.reason);
        }
        eprintln!(
            "fhc: apply them with `fhc sysctl CONF > /etc/sysctl.d/90-firehol.conf && sysctl --system`"
        );
    }
    ExitCode::SUCCESS
}

pub fn sysctl(file: Option<&str>, opts: &Options) -> ExitCode {
    let out = match build(file, opts) {
        Ok(o) => o,
        Err(code) => return code,
    };
    println!(
        "# Kernel settings for the fhc ruleset ({}), in sysctl.d format.",
        file.unwrap_or(DEFAULT_CONFIG)
    );
    for s in &out.sysctls {
        println!("# {}", s.reason);
        println!("{} = {}", s.key, s.value);
    }
    ExitCode::SUCCESS
}
