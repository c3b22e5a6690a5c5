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
    let analysis = crate::check(code.example());
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
