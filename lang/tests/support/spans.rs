//! Positions erased from a `Debug` rendering, to compare trees and models of texts laid out
//! differently. Shared by `fmt.rs` and the `format` fuzz target (`#[path]`).

/// Replaces every `Span { start: N, end: M }` of a `Debug` rendering by `Span`.
pub fn erase_spans(debug: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let after = &rest[i + OPEN.len()..];
        let close = after.find('}').expect("a Span's Debug ends with }");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}
