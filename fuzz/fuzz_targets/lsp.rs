//! The language server's state machine: random sequences of open, change (whole text and
//! ranges, including ranges that cut a UTF-16 surrogate pair or a CRLF, past the end of a line
//! or of the document, reversed), stale versions, close, and requests (every feature the server
//! answers from a document). Nothing may panic; after every change the document's text is what
//! the edits make of it (checked wherever a range names clean positions) and the server's
//! diagnostics equal those of a fresh analysis of the same text.
//!
//! The features run on `fhc_lsp::state::State` and the feature modules directly (no JSON-RPC,
//! no runtime): that is where the server's logic is, and it keeps the target fast.
#![no_main]

use fhc_lang::eval::Limits;
use fhc_lsp::convert::Encoding;
use fhc_lsp::state::{Doc, State};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Pieces of text the edits insert: FireHOL statements and the characters that test position
/// mapping (multi-byte, astral, CRLF).
const PIECES: &[&str] = &[
    "interface eth0 lan\n",
    "interface any world src 10.0.0.0/8\n",
    "    server ssh accept\n",
    "    client all accept\n",
    "    policy drop\n",
    "router r inface eth0 outface eth1\n",
    "    route http accept\n",
    "synproxy input inface eth0 dst 10.0.0.1 dport 22 accept\n",
    "dnat4 to 10.0.0.2 inface eth0 proto tcp dport 80\n",
    "X=\"10.0.0.1 10.0.0.2\"\n",
    "server custom web tcp/8080 default accept src \"$X\"\n",
    "f() { server ssh accept; }\nf\n",
    "for p in 1 2; do echo $p; done\n",
    "version 6\n",
    "ipset4 create s hash:ip\n",
    "\r\n",
    "\n",
    " ",
    "\"",
    "\\\n",
    "#",
    "\u{e9}",
    "\u{1F600}",
    "$",
    "server",
    "accept",
];

fn uri(k: u8) -> Uri {
    format!("file:///fuzz/{k}.conf").parse().expect("uri")
}

fn text(u: &mut Unstructured<'_>) -> Result<String> {
    let mut s = String::new();
    for _ in 0..u.int_in_range(0..=12)? {
        if u.ratio(1, 6)? {
            s.push_str(u.arbitrary::<&str>()?);
        } else {
            s.push_str(u.choose(PIECES)?);
        }
    }
    Ok(s)
}

fn position(u: &mut Unstructured<'_>, text: &str) -> Result<Position> {
    let lines = text.split('\n').count() as u32;
    let line = u.int_in_range(0..=lines)?;
    let len = text
        .split('\n')
        .nth(line as usize)
        .map_or(0, |l| l.encode_utf16().count());
    Ok(Position::new(line, u.int_in_range(0..=len as u32 + 2)?))
}

/// The byte offset of a position counted independently of the server, when it names a clean
/// place: an existing line, a column on a character boundary within the line's content (its
/// `\r\n` or `\n` excluded), no lone `\r` on the line. `None` for anything the protocol leaves
/// to the server (those edits are checked for panics and analysis only).
fn clean_offset(text: &str, pos: Position) -> Option<usize> {
    let mut start = 0;
    for _ in 0..pos.line {
        start += text[start..].find('\n')? + 1;
    }
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let content = line.strip_suffix('\r').unwrap_or(line);
    if content.contains('\r') {
        return None;
    }
    let mut units = 0;
    for (i, ch) in content.char_indices() {
        if units == pos.character {
            return Some(start + i);
        }
        units += ch.len_utf16() as u32;
    }
    (units == pos.character).then_some(start + content.len())
}

fn check_analysis(doc: &Doc) {
    let fresh = Doc::new(
        doc.uri.clone(),
        doc.version,
        doc.text().to_string(),
        Encoding::Utf16,
        Arc::new(Limits::SMALL.prelude()),
    );
    assert_eq!(
        fhc_lsp::diagnostics::diagnostics(doc),
        fhc_lsp::diagnostics::diagnostics(&fresh),
        "the server's diagnostics differ from a fresh analysis of the same text"
    );
}

/// Every `{"line", "character"}` in an answer names a place inside the document (a line that
/// exists, a column within it, its line break counted).
fn positions_inside(answer: &serde_json::Value, text: &str) {
    use serde_json::Value;
    match answer {
        Value::Object(m) => {
            if let (Some(line), Some(ch), 2) = (
                m.get("line").and_then(Value::as_u64),
                m.get("character").and_then(Value::as_u64),
                m.len(),
            ) {
                let content = text.split('\n').nth(line as usize);
                let Some(content) = content else {
                    panic!("line {line} is past the document's end: {answer}");
                };
                let width = content.encode_utf16().count() as u64;
                assert!(
                    ch <= width + 1,
                    "column {ch} is past line {line} ({width}): {answer}"
                );
            }
            m.values().for_each(|v| positions_inside(v, text));
        }
        Value::Array(a) => a.iter().for_each(|v| positions_inside(v, text)),
        _ => {}
    }
}

fn request(u: &mut Unstructured<'_>, doc: &Doc) -> Result<()> {
    let pos = position(u, doc.text())?;
    let range = Range::new(position(u, doc.text())?, pos);
    use fhc_lsp::*;
    use serde_json::to_value as json;
    let answer = match u.int_in_range(0..=13)? {
        0 => json(hover::hover(doc, pos)),
        1 => json(completion::complete(doc, pos, &["eth0".to_string()])),
        2 => json(goto_definition::definition(doc, pos)),
        3 => json(references::references(doc, pos, u.arbitrary()?)),
        4 => {
            let prepared = rename::prepare(doc, pos);
            positions_inside(&json(prepared).expect("json"), doc.text());
            json(rename::rename(doc, pos, u.choose(&["x2", "", "a b", "lan"])?).ok())
        }
        5 => json(highlight::highlights(doc, pos)),
        6 => json(signature_help::signature_help(doc, pos)),
        7 => json(code_action::code_actions(doc, range)),
        8 => json(inlay_hints::inlay_hints(doc, range)),
        9 => json(semantic_tokens::semantic_tokens(doc)),
        10 => json(folding::folding_ranges(doc)),
        11 => json(symbols::document_symbols(doc)),
        12 => json(formatting::format(doc).ok()),
        _ => json(formatting::format_range(doc, range).ok()),
    };
    positions_inside(&answer.expect("answers serialise"), doc.text());
    Ok(())
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let state = State::new(Default::default());
    let mut versions = [0i32; 2];
    for _ in 0..u.int_in_range(1..=16)? {
        let k = u.int_in_range(0..=1u8)?;
        let uri = uri(k);
        match u.int_in_range(0..=9)? {
            0 => {
                versions[k as usize] = 1;
                let doc = state.open(uri, 1, text(u)?, Arc::new(Limits::SMALL.prelude()));
                check_analysis(&doc);
            }
            1..=5 => {
                let Some(old) = state.get(&uri) else { continue };
                let mut expected = Some(old.text().to_string());
                let mut changes = Vec::new();
                for _ in 0..u.int_in_range(1..=3)? {
                    let new_text = text(u)?;
                    let current = expected.clone().unwrap_or_default();
                    let range = if u.ratio(1, 8)? {
                        expected = Some(new_text.clone());
                        None
                    } else {
                        let (a, b) = (position(u, &current)?, position(u, &current)?);
                        expected = match (clean_offset(&current, a), clean_offset(&current, b)) {
                            (Some(x), Some(y)) if expected.is_some() => {
                                let mut t = current.clone();
                                t.replace_range(x.min(y)..x.max(y), &new_text);
                                Some(t)
                            }
                            _ => None,
                        };
                        Some(Range::new(a, b))
                    };
                    changes.push(TextDocumentContentChangeEvent {
                        range,
                        range_length: None,
                        text: new_text,
                    });
                }
                // Sometimes a stale or replayed version: it must be ignored.
                let stale = u.ratio(1, 8)?;
                let version = if stale {
                    versions[k as usize]
                } else {
                    versions[k as usize] + 1
                };
                match state.change(&uri, version, changes) {
                    Some(doc) => {
                        assert!(!stale, "a stale version was applied");
                        versions[k as usize] = version;
                        if let Some(t) = expected {
                            assert_eq!(doc.text(), t, "the edits made another text");
                        }
                        check_analysis(&doc);
                    }
                    None => assert!(stale, "a newer version was refused"),
                }
            }
            6 => state.close(&uri),
            _ => {
                if let Some(doc) = state.get(&uri) {
                    request(u, &doc)?;
                }
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
