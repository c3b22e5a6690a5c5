//! `fhc compile` and `fhc sysctl`: the ruleset as nftables JSON, and the kernel settings it needs.

use crate::config::{self, DEFAULT_CONFIG, PreludeArgs};
use fhc_lang::nft::Options;
use std::io::Write;
use std::process::ExitCode;

pub fn compile(file: Option<&str>, prelude: &PreludeArgs, opts: &Options) -> ExitCode {
    let out = match config::compile(file, prelude, opts) {
        Ok(c) => c.output,
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
            "fhc: `fhc apply` sets them; to make them permanent: `fhc sysctl CONF > /etc/sysctl.d/90-firehol.conf`"
        );
    }
    ExitCode::SUCCESS
}

pub fn sysctl(file: Option<&str>, prelude: &PreludeArgs, opts: &Options) -> ExitCode {
    let out = match config::compile(file, prelude, opts) {
        Ok(c) => c.output,
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
