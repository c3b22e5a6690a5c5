//! `fhc check`: exit 0 without errors, 1 with errors, 2 on usage or I/O problems.

use crate::OutputFormat;
use crate::config::{DEFAULT_CONFIG, PreludeArgs, color, load_prelude, read_input};
use fhc_lang::{LineIndex, Prelude};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(files: &[String], format: OutputFormat, args: &PreludeArgs) -> ExitCode {
    let files: Vec<String> = if files.is_empty() {
        vec![DEFAULT_CONFIG.to_string()]
    } else {
        files.to_vec()
    };
    // One prelude per directory: each configuration is read with the files beside it.
    let mut preludes: HashMap<Option<&Path>, Prelude> = HashMap::new();
    let mut any_error = false;
    let mut io_error = false;
    let mut json = Vec::new();
    let mut stdout = std::io::stdout().lock();
    let color = color();
    for arg in &files {
        let dir = (arg != "-").then(|| Path::new(arg.as_str()).parent());
        let prelude = match preludes.entry(dir.flatten()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => match load_prelude(args, arg) {
                Ok(p) => v.insert(p),
                Err(code) => return code,
            },
        };
        let (name, text) = match read_input(arg) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("fhc: {e}");
                io_error = true;
                continue;
            }
        };
        let prelude = crate::host::with_machine(prelude.clone(), arg, args.no_resolve);
        let analysis = fhc_lang::check_with(&text, &prelude);
        any_error |= analysis.has_errors();
        match format {
            OutputFormat::Human => {
                let out = fhc_lang::render::render(&analysis.diagnostics, &name, &text, color);
                eprint!("{out}");
            }
            OutputFormat::Json => {
                let index = LineIndex::new(&text);
                for d in &analysis.diagnostics {
                    json.push(
                        serde_json::to_value(d.to_json(&name, &index, &text))
                            .expect("diagnostics serialise"),
                    );
                }
            }
        }
    }
    if let OutputFormat::Json = format {
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&json).expect("json")
        );
    }
    if io_error {
        ExitCode::from(2)
    } else if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
