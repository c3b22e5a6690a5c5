//! `fhc explain CONF [--line N]`: prints what `fhc_lang::explain` finds, statement by statement.

use crate::config::{self, PreludeArgs};
use fhc_lang::explain::{RuleReason, StatementRules};
use fhc_lang::nft::Options;
use std::io::Write;
use std::process::ExitCode;

/// `fhc explain --commands`: the FireHOL commands the evaluated bash runs, one a line.
pub fn commands(file: Option<&str>, prelude: &PreludeArgs) -> ExitCode {
    let (prelude, name, text) = match config::load(file, prelude) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let a = fhc_lang::analyze_with(&text, &prelude);
    let index = fhc_lang::LineIndex::new(&text);
    let mut out = String::new();
    for (stmt, argv, ctx) in a.evaluation.commands() {
        let words: Vec<String> = argv.iter().map(|w| fhc_lang::eval::quote(w)).collect();
        let mut at = format!("line {}", index.line_of(stmt.span.start) + 1);
        if let Some(call) = ctx.caller() {
            at.push_str(&format!(
                ", called from line {}",
                index.line_of(call.start) + 1
            ));
        }
        out.push_str(&format!("{:<60} # {at}\n", words.join(" ")));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if a.has_errors() {
        eprint!(
            "{}",
            fhc_lang::render::render(&a.diagnostics, &name, &text, config::color())
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

pub fn run(
    file: Option<&str>,
    line: Option<usize>,
    prelude: &PreludeArgs,
    opts: &Options,
) -> ExitCode {
    let (prelude, name, text) = match config::load(file, prelude) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let e = match fhc_lang::explain(&text, &prelude, opts) {
        Ok(e) => e,
        Err(diags) => {
            eprint!(
                "{}",
                fhc_lang::render::render(&diags, &name, &text, config::color())
            );
            eprintln!("fhc: {name}: not compiled (fix the errors above)");
            return ExitCode::from(1);
        }
    };
    let mut out = String::new();
    match line {
        Some(n) => match e.at_line(n) {
            Some(s) => statement(&mut out, s),
            None => {
                eprintln!(
                    "fhc: {name}:{n}: no statement on this line (blank, comment or past the end)"
                );
                return ExitCode::from(2);
            }
        },
        None => {
            for s in e.statements.iter().filter(|s| s.command) {
                statement(&mut out, s);
                out.push('\n');
            }
            out.push_str("firewall skeleton (rules no statement asked for):\n");
            for r in &e.skeleton {
                rule(&mut out, r);
            }
        }
    }
    // A closed pipe (`| head`) is not worth an error.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

fn statement(out: &mut String, s: &StatementRules) {
    let lines = if s.end_line > s.line {
        format!("lines {}-{}", s.line, s.end_line)
    } else {
        format!("line {}", s.line)
    };
    out.push_str(&format!("{lines}: {}\n", s.text));
    match s.called_from.as_slice() {
        [] => {}
        [one] => out.push_str(&format!("    (in a function called from line {one})\n")),
        more => {
            let list: Vec<String> = more.iter().map(usize::to_string).collect();
            out.push_str(&format!(
                "    (in a function called from lines {})\n",
                list.join(", ")
            ))
        }
    }
    if s.rules.is_empty() {
        let what = if s.command {
            "no nftables rule of its own (it shapes the rules of other statements, or sets something up)"
        } else {
            "no nftables rule (it sets a variable)"
        };
        out.push_str(&format!("    {what}\n"));
    }
    for r in &s.rules {
        rule(out, r);
    }
}

fn rule(out: &mut String, r: &RuleReason) {
    out.push_str(&format!("    [{}] {}\n", r.chain, r.nft));
    out.push_str(&format!("        # {}\n", r.reason));
    if !r.shared_with.is_empty() {
        let n = r.shared_with.len();
        out.push_str(&format!(
            "        # one rule shared with {} other statement{} (line{} {})\n",
            n,
            if n > 1 { "s" } else { "" },
            if n > 1 { "s" } else { "" },
            fhc_lang::span::line_runs(&r.shared_with)
        ));
    }
}
