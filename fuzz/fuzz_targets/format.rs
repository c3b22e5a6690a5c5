//! The formatter on arbitrary text: no panic; when it formats, formatting its output changes
//! nothing (idempotent), and the output analyzes to the same model and the same diagnostics
//! (positions aside: the layout moves them).
#![no_main]

use fhc_lang::span::erase_spans;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What must not change when a text is formatted: the model and the diagnostics' codes and
/// messages.
fn meaning(text: &str) -> (String, Vec<(&'static str, String)>) {
    let a = fhc_lang::analyze_with(text, &fhc_lang::eval::Limits::SMALL.prelude());
    let diags = a
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.message.clone()))
        .collect();
    (erase_spans(&format!("{:?}", a.model)), diags)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(out) = fhc_lang::format(&text) else {
        return;
    };
    let again = fhc_lang::format(&out).expect("the formatter refused its own output");
    assert_eq!(out, again, "not idempotent");
    // Messages quote the text, so a changed message is a changed meaning (or a moved quote:
    // either way worth a look).
    assert_eq!(
        meaning(&text),
        meaning(&out),
        "formatting changed the meaning"
    );
});
