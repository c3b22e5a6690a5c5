//! The catalogue of diagnostic codes as documentation: each code's entry with its example and
//! what fhc says about it (`fhc explain-code`, `docs/diagnostics.md`). Apart from codes.rs because
//! it runs the whole front end on the examples.

use crate::codes::Code;

/// The catalogue as Markdown: every code with its severity, title, example and what fhc says about
/// the example. `docs/diagnostics.md` is this text (a test keeps it in sync).
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# fhc diagnostics\n\nEvery diagnostic fhc reports has a stable code. `E` codes are errors, `W` warnings, `I` \
         information. `fhc explain-code CODE` prints an entry in the terminal.\n\nThis file is generated from \
         `lang/src/codes.rs` (`UPDATE_DOCS=1 cargo test -p fhc-lang --test catalogue`).\n",
    );
    for &code in Code::ALL {
        out.push_str(&explain(code));
    }
    out
}

/// One catalogue entry: title, example, and the rendered diagnostics of the example.
pub fn explain(code: Code) -> String {
    let analysis = analyze_example(code);
    let own: Vec<_> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| d.code == code)
        .collect();
    let rendered = crate::render::render(&own, "example.conf", code.example(), false);
    format!(
        "\n## {code} ({})\n\n{}.\n\nExample:\n\n```sh\n{}```\n\nfhc says:\n\n```text\n{}```\n",
        code.default_severity().as_str(),
        capitalise(code.title()),
        code.example(),
        rendered
    )
}

/// The analysis of `code`'s example, on the example host.
pub fn analyze_example(code: Code) -> crate::Analysis {
    let mut prelude = crate::Prelude::none();
    prelude.set_inputs(example_host());
    crate::analyze_with(code.example(), &prelude)
}

/// The host the examples compile on: what an `ipset addfile` example reads and what its host
/// names resolve to (a name missing here is left to compile time, as in an editor).
fn example_host() -> crate::prelude::Inputs {
    use crate::prelude::{Hosts, Inputs};
    let ip = |s: &str| s.parse().expect("example address");
    Inputs {
        files: [(
            "blocklist.netset".to_string(),
            Ok("# a blocklist\n192.0.2.0/24\n198.51.100.300\n".to_string()),
        )]
        .into(),
        hosts: Hosts::Resolved(
            [
                (
                    "mail.example".to_string(),
                    Ok(vec![ip("192.0.2.25"), ip("2001:db8::25")]),
                ),
                (
                    "nowhere.invalid".to_string(),
                    Err("Name or service not known".to_string()),
                ),
            ]
            .into(),
        ),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
