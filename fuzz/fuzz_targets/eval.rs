//! The static bash evaluator on arbitrary text: it must end (its step and size limits stop any
//! loop or expansion, libFuzzer's -timeout catches a limit that does not), never panic, and only
//! report places inside the text. Every target runs with `Limits::SMALL`: the limits' paths are
//! the same, without a second spent on each runaway input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let parse = fhc_lang::syntax::parse(text);
    let env = fhc_lang::model::expand::Env::new();
    let e = fhc_lang::eval::evaluate(
        text,
        &parse,
        &env,
        &Default::default(),
        &fhc_lang::eval::Limits::SMALL,
    );
    for d in &e.diagnostics {
        let s = d.span;
        assert!(
            s.start <= s.end && text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{d:?}"
        );
    }
    for (stmt, _, _) in e.commands() {
        // A command's statement is read from expanded words that may come from elsewhere in
        // the file, but every word still sits in the text.
        assert!(stmt.span.end <= text.len(), "{stmt:?}");
    }
});
