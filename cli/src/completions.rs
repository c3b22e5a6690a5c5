//! Shell completions, generated from the clap definition so that every subcommand and option
//! completes without a second list to keep in step.

use clap::Command;
use clap_complete::Shell;
use std::io::Write;
use std::process::ExitCode;

/// The completion script for `shell`.
pub fn script(shell: Shell, mut cmd: Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fhc", &mut out);
    out
}

/// `fhc completions SHELL`: the script on standard output, for installs outside the package.
pub fn print(shell: Shell, cmd: Command) -> ExitCode {
    match std::io::stdout().lock().write_all(&script(shell, cmd)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fhc: cannot write the completion script: {e}");
            ExitCode::from(2)
        }
    }
}
