//! `fhc fmt`: rewrite files in the canonical style (rustfmt/shfmt conventions).
//!
//! - `fhc fmt FILE...` rewrites each file in place, and only when its text changes;
//! - `fhc fmt -` reads standard input and writes the result to standard output;
//! - `--check` writes nothing: it prints a unified diff for every file that would change.
//!
//! Exit status: 0 when done (or, with `--check`, when every file is already formatted); 1 when
//! `--check` found a file to reformat; 2 when a file has syntax errors (its diagnostics are
//! printed and it is left untouched) or on an I/O problem.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

/// What happened to one input.
enum Outcome {
    Unchanged,
    Changed,
    Failed,
}

pub fn run(files: &[String], check: bool, stdin_name: &str) -> ExitCode {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut changed = 0usize;
    let mut failed = false;
    for arg in files {
        match one(arg, check, stdin_name, color) {
            Outcome::Unchanged => {}
            Outcome::Changed => changed += 1,
            Outcome::Failed => failed = true,
        }
    }
    if check && changed > 0 {
        let s = if changed == 1 { "" } else { "s" };
        eprintln!("fhc: {changed} file{s} would be reformatted");
    }
    if failed {
        ExitCode::from(2)
    } else if check && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn one(arg: &str, check: bool, stdin_name: &str, color: bool) -> Outcome {
    let stdin = arg == "-";
    let name = if stdin { stdin_name } else { arg };
    let text = match read(arg) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("fhc: {e}");
            return Outcome::Failed;
        }
    };
    let formatted = match fhc_lang::format(&text) {
        Ok(f) => f,
        Err(diags) => {
            eprint!("{}", fhc_lang::render::render(&diags, name, &text, color));
            eprintln!("fhc: {name} was not formatted: fix the syntax errors first");
            return Outcome::Failed;
        }
    };
    let changed = formatted != text;
    if check {
        if changed {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            let a = format!("a/{name}");
            let b = format!("b/{name}");
            let out = diff
                .unified_diff()
                .context_radius(3)
                .header(&a, &b)
                .to_string();
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return Outcome::Failed;
            }
        }
    } else if stdin {
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout
            .write_all(formatted.as_bytes())
            .and_then(|()| stdout.flush())
        {
            eprintln!("fhc: cannot write standard output: {e}");
            return Outcome::Failed;
        }
    } else if changed && let Err(e) = std::fs::write(arg, &formatted) {
        eprintln!("fhc: cannot write {arg}: {e}");
        return Outcome::Failed;
    }
    if changed {
        Outcome::Changed
    } else {
        Outcome::Unchanged
    }
}

/// Reads a file (or standard input for `-`). Unlike `fhc check`, invalid UTF-8 is an error: the
/// formatter writes the file back, and must not replace the bytes it could not decode.
fn read(arg: &str) -> Result<String, String> {
    let (bytes, name) = if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        (buf, "standard input")
    } else {
        (
            std::fs::read(arg).map_err(|e| format!("cannot read {arg}: {e}"))?,
            arg,
        )
    };
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name} is not valid UTF-8 (byte {}); not formatting it",
            e.utf8_error().valid_up_to()
        )
    })
}
