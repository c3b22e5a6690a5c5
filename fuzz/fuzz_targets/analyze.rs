//! Arbitrary bytes (lossily decoded) through `fhc_lang::check_with` (lexing, parsing, the shell's
//! evaluation, the model's checks, and the nftables lowering's errors), the quick fixes and the
//! rendering: nothing may panic, every token and diagnostic must point into the text, and a
//! fixed text (one fix per input) must analyze again. Run with `-dict=analyze.dict` for
//! grammar-aware mutations.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let prelude = fhc_lang::eval::Limits::SMALL.prelude();
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let toks = fhc_lang::syntax::lexer::lex(text);
    let mut at = 0;
    for (_, span) in &toks {
        assert_eq!(span.start, at);
        at = span.end;
    }
    assert_eq!(at, text.len());

    let a = fhc_lang::check_with(text, &prelude);
    let ok = |s: fhc_lang::Span| {
        s.start <= s.end && text.is_char_boundary(s.start) && text.is_char_boundary(s.end)
    };
    for d in &a.diagnostics {
        assert!(ok(d.span), "{d:?}");
        assert!(d.labels.iter().all(|l| ok(l.span)), "{d:?}");
        assert!(
            d.fixes.iter().flat_map(|f| &f.edits).all(|e| ok(e.span)),
            "{d:?}"
        );
    }
    // One fix per input is applied and the result analyzed: which one depends on the input, so
    // the campaign covers them all, while an input with 50 fixable diagnostics costs two
    // analyses, not 51.
    let fixes: Vec<_> = a.diagnostics.iter().flat_map(|d| &d.fixes).collect();
    if !fixes.is_empty() {
        let pick = data
            .iter()
            .fold(data.len(), |h, b| h.wrapping_mul(31) ^ usize::from(*b));
        let f = fixes[pick % fixes.len()];
        let _ = fhc_lang::check_with(&f.apply(text), &prelude);
    }
    // Rendering is per diagnostic: three of them, from a place the input chooses.
    let from = data.len() % a.diagnostics.len().max(1);
    let some = &a.diagnostics[from.min(a.diagnostics.len())..];
    let _ = fhc_lang::render::render(&some[..some.len().min(3)], "fuzz.fw", text, false);
});
