//! `fhc diff CONF`: does the live table still hold what the configuration compiles to (drift)?
//!
//! The compiled JSON is loaded into a throwaway network namespace and listed there, so both
//! sides are the kernel's own view (nft normalises sets, prefixes and flags on load; comparing
//! with the JSON fhc wrote would report differences that are not there). Handles, counter
//! values and the contents of dynamic sets (filled by traps at run time) are not drift.

use crate::config::Compiled;
use crate::live::{self, Script, Table};
use std::io::Write;
use std::process::ExitCode;

pub fn run(compiled: &Compiled, t: &Table) -> ExitCode {
    match diff(compiled, t) {
        Ok(None) => {
            eprintln!("fhc: table {t} matches {}", compiled.name);
            ExitCode::SUCCESS
        }
        Ok(Some(text)) => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("fhc: {e}");
            ExitCode::from(2)
        }
    }
}

/// `None` when the live table is the compiled one, else a unified diff (compiled -> live).
fn diff(compiled: &Compiled, t: &Table) -> Result<Option<String>, String> {
    let live_json = live::list_json(t)?;
    let json = compiled.output.ruleset.to_json().to_string();
    let (want_json, want_text) = live::scratch_list(t, &Script::Json(json))?;
    let Some(live_json) = live_json else {
        eprintln!("fhc: there is no live table {t}: the ruleset is not loaded");
        return Ok(Some(unified(compiled, t, &scrub(&want_text), "")));
    };
    if live::normalise(&want_json) == live::normalise(&live_json) {
        return Ok(None);
    }
    let live_text = live::list_text(t)?.unwrap_or_default();
    let (a, b) = (scrub(&want_text), scrub(&live_text));
    if a == b {
        // Different in what the text listing does not show (a comment nft truncates, a flag).
        return Ok(Some(format!(
            "table {t} differs from {} in details nft's text listing does not show; compare `nft -j list table {t}` with `fhc compile`\n",
            compiled.name
        )));
    }
    Ok(Some(unified(compiled, t, &a, &b)))
}

fn unified(compiled: &Compiled, t: &Table, want: &str, live: &str) -> String {
    similar::TextDiff::from_lines(want, live)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{} (compiled)", compiled.name),
            &format!("table {t} (live)"),
        )
        .to_string()
}

/// A text listing without what is not configuration: counter values and the elements of
/// dynamic sets.
fn scrub(listing: &str) -> String {
    let mut out = String::new();
    let mut dynamic_set = false;
    let mut skipping = 0i32;
    for line in listing.lines() {
        let t = line.trim_start();
        if skipping > 0 {
            skipping += brace_balance(t);
            continue;
        }
        if t.starts_with("set ") || t.starts_with("map ") || t == "}" {
            dynamic_set = false;
        }
        if t.starts_with("flags ") && t.contains("dynamic") {
            dynamic_set = true;
        }
        if dynamic_set && t.starts_with("elements = {") {
            skipping = brace_balance(t);
            continue;
        }
        out.push_str(&scrub_counters(line));
        out.push('\n');
    }
    out
}

fn brace_balance(s: &str) -> i32 {
    s.chars().fold(0, |n, c| match c {
        '{' => n + 1,
        '}' => n - 1,
        _ => n,
    })
}

/// `packets 12 bytes 3456` -> `packets 0 bytes 0`.
fn scrub_counters(line: &str) -> String {
    let mut words: Vec<&str> = line.split(' ').collect();
    for i in 1..words.len() {
        if matches!(words[i - 1], "packets" | "bytes") && words[i].parse::<u64>().is_ok() {
            words[i] = "0";
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn counters_and_dynamic_set_elements_are_not_drift() {
        let live = "table inet firehol {\n\tset trap {\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t\telements = { 1.2.3.4 timeout 1h expires 59m,\n\t\t\t     5.6.7.8 }\n\t}\n\tset fixed {\n\t\ttype ipv4_addr\n\t\telements = { 9.9.9.9 }\n\t}\n\tchain input {\n\t\tcounter packets 12 bytes 3456 accept\n\t}\n}\n";
        let s = scrub(live);
        assert!(!s.contains("1.2.3.4") && !s.contains("5.6.7.8"), "{s}");
        assert!(s.contains("9.9.9.9"), "{s}");
        assert!(s.contains("counter packets 0 bytes 0 accept"), "{s}");
        assert!(s.contains("chain input"), "{s}");
    }
}
