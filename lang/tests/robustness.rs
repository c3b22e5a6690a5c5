//! Robustness: the lexer, the parser, the checks, the model and the nftables lowering (through
//! `fhc_lang::check`) must never panic, whatever the input, and everything they report must point
//! into the text (byte offsets on char boundaries).
//!
//! Five input families, from least to most structured:
//! * arbitrary bytes, decoded lossily (exercises U+FFFD and control characters);
//! * arbitrary Unicode strings;
//! * "syntax-dense" strings drawn from the characters bash and FireHOL care about;
//! * token soups: FireHOL commands, parameters, values, quotes, expansions and shell operators
//!   glued with random separators (including none, so fragments fuse into odd words);
//! * a realistic config mutated by splicing fragments in at random places.
//!
//! Every property also checks the lexer's contract: tokens cover the input exactly, in order.

use fhc_lang::diag::Diagnostic;
use fhc_lang::span::{ColumnUnit, LineIndex};
use fhc_lang::syntax::lexer::lex;
use fhc_lang::syntax::words::Piece;
use fhc_lang::{Span, analyze, check};
use proptest::prelude::*;
use proptest::test_runner::Config;

// ---------------------------------------------------------------------------------------------
// Invariants

fn check_span(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end,
        "{what}: inverted span {span:?} in {text:?}"
    );
    assert!(
        span.end <= text.len(),
        "{what}: span {span:?} past the end ({}) of {text:?}",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start),
        "{what}: start of {span:?} not on a char boundary in {text:?}"
    );
    assert!(
        text.is_char_boundary(span.end),
        "{what}: end of {span:?} not on a char boundary in {text:?}"
    );
}

fn check_diagnostic(text: &str, d: &Diagnostic) {
    let what = format!("{} {:?}", d.code.as_str(), d.message);
    check_span(text, d.span, &what);
    for l in &d.labels {
        check_span(text, l.span, &format!("{what} secondary label"));
    }
    for f in &d.fixes {
        for e in &f.edits {
            check_span(text, e.span, &format!("{what} fix {:?}", f.title));
        }
    }
    assert!(
        !d.message.is_empty(),
        "empty message for {} in {text:?}",
        d.code.as_str()
    );
}

/// The lexer's tokens are contiguous and cover `0..len`.
fn check_tokens_cover(text: &str, tokens: &[(fhc_lang::syntax::lexer::RawTok, Span)]) {
    let mut at = 0;
    for (tok, span) in tokens {
        assert_eq!(
            span.start, at,
            "gap or overlap before {tok:?} {span:?} in {text:?}"
        );
        assert!(
            span.end > span.start,
            "empty token {tok:?} at {span:?} in {text:?}"
        );
        check_span(text, *span, &format!("token {tok:?}"));
        at = span.end;
    }
    assert_eq!(
        at,
        text.len(),
        "tokens stop at {at} of {} in {text:?}",
        text.len()
    );
}

/// Everything `check` (= `analyze`, plus the nftables lowering when the text has no error)
/// produces for `text`, checked. Returns the analysis for extra checks.
fn check_all(text: &str) -> fhc_lang::Analysis {
    check_tokens_cover(text, &lex(text));

    let a = check(text);
    check_tokens_cover(text, &a.parse.tokens);

    // Words and operators: in order, non-overlapping, in bounds; word parts inside their word.
    let mut prev_end = 0;
    for p in &a.parse.pieces {
        let s = p.span();
        check_span(text, s, "piece");
        assert!(
            s.start >= prev_end,
            "pieces overlap or go backwards at {s:?} in {text:?}"
        );
        prev_end = s.end;
        if let Piece::Word(w) = p {
            assert!(
                !w.parts.is_empty(),
                "word without parts at {s:?} in {text:?}"
            );
            for part in w.parts.iter() {
                check_span(text, part.span, "word part");
                assert!(
                    s.start <= part.span.start && part.span.end <= s.end,
                    "part {:?} outside its word {s:?} in {text:?}",
                    part.span
                );
            }
            for (_, vs) in w.vars() {
                check_span(text, vs, "variable reference");
            }
            for (_, os) in w.opaque_parts() {
                check_span(text, os, "opaque part");
            }
        }
    }
    let mut prev_end = 0;
    for st in &a.parse.file.stmts {
        check_span(text, st.span, "statement");
        assert!(
            st.span.start >= prev_end,
            "statements overlap at {:?} in {text:?}",
            st.span
        );
        prev_end = st.span.end;
    }

    for d in &a.diagnostics {
        check_diagnostic(text, d);
    }
    assert!(
        a.diagnostics
            .windows(2)
            .all(|w| (w[0].span.start, w[0].span.end) <= (w[1].span.start, w[1].span.end)),
        "diagnostics not sorted by position for {text:?}"
    );
    a
}

/// The consumers' side: JSON conversion, ariadne rendering, applying fixes, formatting. Slower,
/// so only run on the structured families. (`check` runs the model and, on error-free text, the
/// nftables lowering, so those are covered by every family.)
fn check_consumers(text: &str, a: &fhc_lang::Analysis) {
    let index = LineIndex::new(text);
    for d in &a.diagnostics {
        let j = d.to_json("f.fw", &index, text);
        assert!(j.range.line >= 1 && j.range.column >= 1);
        // Offsets round-trip through line/column in every unit, except an offset between the
        // `\r` and `\n` of a CRLF, which has no column of its own (see `crlf_spans` below).
        let mid_crlf = d.span.start > 0
            && text[..d.span.start].ends_with('\r')
            && text[d.span.start..].starts_with('\n');
        for unit in [ColumnUnit::Byte, ColumnUnit::Char, ColumnUnit::Utf16] {
            let p = index.position(text, d.span.start, unit);
            if !mid_crlf {
                assert_eq!(
                    index.offset(text, p, unit),
                    d.span.start,
                    "position round trip ({unit:?}) for {text:?}"
                );
            }
        }
        for f in &d.fixes {
            // Fixes are applied by editors and `fhc check --fix`: must not panic, and the result
            // must still be analysable.
            let fixed = f.apply(text);
            let _ = check(&fixed);
        }
    }
    let _ = fhc_lang::render::render(&a.diagnostics, "f.fw", text, false);
    // The formatter reads the same tree; it may refuse a broken file but must not panic.
    let _ = fhc_lang::format(text);
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Characters that matter to the lexer, plus a few multi-byte ones.
const DENSE: &str = "[ \t\r\n\\\\\"'$#;&|()<>`{}\\[\\]=!,:/.a-z0-9_\u{0}\u{1}\u{7f}\u{a0}\u{e9}\u{2028}\u{fffd}\u{1F600}-]{0,120}";

/// Fragments of FireHOL and bash, from keywords to deliberately broken constructs.
const FRAGMENTS: &[&str] = &[
    // commands (with family prefixes and suffixes)
    "interface",
    "interface4",
    "router",
    "router6",
    "synproxy",
    "synproxy4",
    "server",
    "client",
    "route",
    "ipv4",
    "ipv6",
    "both",
    "group",
    "action",
    "dnat",
    "snat",
    "redirect",
    "nat",
    "masquerade",
    "policy",
    "protection",
    "version",
    "version 6",
    "transparent_proxy",
    "tproxy",
    "mark",
    "connmark",
    "custommark",
    "dscp",
    "tosfix",
    "tcpmss",
    "blacklist",
    "iptrap",
    "ipset",
    "mac",
    "cthelper",
    "log",
    "loglimit",
    "iptables",
    "docker_bridge",
    "postprocess",
    "ecn_shame",
    // shell words
    "if",
    "then",
    "fi",
    "for",
    "do",
    "done",
    "case",
    "esac",
    "export",
    "readonly",
    "unset",
    "source",
    ".",
    "echo",
    "test",
    "[",
    "]",
    "function",
    "f()",
    "{",
    "}",
    // parameters and sub-keywords
    "src",
    "dst",
    "src4",
    "dst6",
    "dport",
    "sport",
    "inface",
    "outface",
    "proto",
    "state",
    "uid",
    "user",
    "log",
    "level",
    "limit",
    "connlimit",
    "hashlimit",
    "ipset",
    "dscp",
    "class",
    "custom",
    "mask",
    "saddr",
    "burst",
    "mode",
    "options",
    "no-counters",
    "with",
    "end",
    "to",
    "to-ports",
    "to-destination",
    "at",
    "id",
    "name",
    "random",
    "persistent",
    "reverse",
    "table",
    "next",
    "chain",
    "rule",
    "port",
    "ip",
    "not",
    "!",
    "NOT",
    "accept",
    "drop",
    "reject",
    "tcp-reset",
    "return",
    "anystateless",
    "input",
    "forward",
    "in,pass",
    "pre,out",
    // values
    "eth0",
    "ppp+",
    "lan",
    "10.0.0.1",
    "10.0.0.0/8",
    "::1",
    "2001:db8::/32",
    "80",
    "1024:65535",
    "tcp/80",
    "default",
    "ssh",
    "\"http https\"",
    "\"a b\"",
    "'x'",
    "''",
    "\"\"",
    "NEW,ESTABLISHED",
    "10/sec",
    "100",
    "upto",
    "above",
    "0x10/0xff",
    "ipset:bad",
    // expansions
    "$VAR",
    "${V}",
    "${V:-d}",
    "${a[@]}",
    "${#x}",
    "$1",
    "$@",
    "$?",
    "$",
    "$(x)",
    "$((1+2))",
    "$(a \"b)\" c)",
    "`y`",
    "`",
    "$(",
    "${",
    "\"$A ${B} $(c) `d` \\$e\"",
    // assignments and arrays
    "A=1",
    "B=\"x y\"",
    "C=",
    "D=$A",
    "E=(1 2)",
    "F=(",
    "export G=1",
    // quotes, escapes, comments, continuations
    "\"",
    "'",
    "\"unterminated",
    "'unterminated",
    "\"multi\nline\"",
    "\\",
    "\\ ",
    "\\\"",
    "\\\n",
    "\\\r\n",
    "#",
    "# comment",
    "#!/bin/bash",
    "a#b",
    // operators
    ";",
    ";;",
    "&&",
    "||",
    "|",
    "&",
    "(",
    ")",
    ">",
    ">>",
    "2>&1",
    "<",
    "<<EOF",
    // whitespace and line ends
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\x0c",
    // odd characters
    "\u{0}",
    "\u{1b}",
    "\u{7f}",
    "\u{a0}",
    "\u{e9}t\u{e9}",
    "\u{1F600}",
    "\u{2028}",
    "\u{feff}",
    "\u{fffd}",
];

const SEPARATORS: &[&str] = &[
    " ", " ", " ", "", "", "\t", "\n", "\r\n", " \\\n  ", ";", " # c\n",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(FRAGMENTS),
            prop::sample::select(SEPARATORS),
        ),
        0..60,
    )
    .prop_map(|items| {
        let mut s = String::new();
        for (frag, sep) in items {
            s.push_str(frag);
            s.push_str(sep);
        }
        s
    })
}

/// A small, valid configuration that the mutation strategy splices fragments into.
const SEED: &str = r#"#!/bin/bash
version 6
LAN="10.0.0.0/8 192.168.0.0/16"
server_myapp_ports="tcp/8080"
ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept
synproxy4 forward inface eth0 dst 1.2.3.5 dport 443 \
    dnat to 10.0.0.5 persistent loglimit "SYN"
dnat4 to 10.0.0.2:80 inface eth0 proto tcp dport 8080
action MYDROP chain drop next rule src not "${LAN}" action reject
interface eth0 wan src not "$LAN" dst 1.2.3.4
    policy drop
    protection strong 10/sec 10
    server "http https" accept
    server ssh accept src "$LAN" log "ssh in" level info
    client all accept
    group with src 10.0.0.0/8
        server custom myapp tcp/8080 default accept
    group end
router lan2wan inface eth1 outface eth0
    route all accept connlimit upto 10 mask 24 saddr
    masquerade reverse
"#;

fn mutated_config() -> impl Strategy<Value = String> {
    // (position as a fraction of the length, how many bytes to delete, what to insert)
    let edit = (0.0f64..1.0, 0usize..6, prop::sample::select(FRAGMENTS));
    prop::collection::vec(edit, 1..8).prop_map(|edits| {
        let mut s = SEED.to_string();
        for (pos, del, ins) in edits {
            let mut at = ((s.len() as f64) * pos) as usize;
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + del).min(s.len());
            while !s.is_char_boundary(end) {
                end += 1;
            }
            s.replace_range(at..end, ins);
        }
        s
    })
}

/// `cases` per property, unless `PROPTEST_CASES` asks for another number (for long soak runs:
/// `PROPTEST_CASES=200000 cargo test --release -p fhc-lang --test robustness`).
fn cfg(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    // No regression files next to the sources: failures found here become plain #[test]s below.
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(cfg(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        check_all(&text);
    }

    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>()) {
        check_all(&text);
    }

    #[test]
    fn syntax_dense_text_never_panics(text in DENSE) {
        let a = check_all(&text);
        check_consumers(&text, &a);
    }
}

proptest! {
    #![proptest_config(cfg(1000))]

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        let a = check_all(&text);
        check_consumers(&text, &a);
        // Pure: the same text always gives the same diagnostics.
        prop_assert_eq!(&check(&text).diagnostics, &a.diagnostics);
    }
}

proptest! {
    #![proptest_config(cfg(512))]

    #[test]
    fn mutated_config_never_panics(text in mutated_config()) {
        let a = check_all(&text);
        check_consumers(&text, &a);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed inputs: edge cases worth keeping even if the generators stop producing them.

#[test]
fn edge_cases() {
    for text in [
        "",
        "\n",
        "\r",
        "\r\n",
        "\\",
        "\\\n",
        "\\\r",
        "\"",
        "'",
        "$",
        "${",
        "$(",
        "`",
        "#",
        "\u{0}",
        "\u{feff}interface eth0 lan",
        "\"\\",
        "\"a\\",
        "\"$(\"",
        "\"${\"",
        "\"`\"",
        "\"\\\u{e9}\"",
        "\"$\u{e9}\"",
        "a=(",
        "=(",
        "A=(\n)",
        "A= ( )",
        "f ( )",
        "()",
        ")",
        "|",
        "&& ||",
        "ipv4",
        "ipv4 ipv6",
        "synproxy4 input accept dnat",
        "action",
        "action X next next",
        "server custom",
        "src not",
        "interface eth0 lan src not ! dst",
        "dnat to",
        "nat",
        "log level",
        "hashlimit",
        SEED,
        &SEED.replace('\n', "\r\n"),
    ] {
        let a = check_all(text);
        check_consumers(text, &a);
    }
}

#[test]
fn long_lines_and_deep_nesting() {
    let texts = [
        "x ".repeat(5_000),
        "$(".repeat(2_000),
        "(".repeat(2_000),
        "\"".repeat(2_001),
        "server ssh accept src 10.0.0.1 ".repeat(500),
        "a\\\n".repeat(2_000),
        format!("A=({})", " 1".repeat(2_000)),
    ];
    for t in &texts {
        check_all(t);
    }
}

/// Regression: `parse_iface` sliced `s[..len - 1]`, which panics when the interface name ends
/// in a multi-byte character (found by `token_soup_never_panics`).
#[test]
fn interface_name_ending_in_multibyte_char() {
    for text in [
        "interface \u{a0} lan\n",
        "interface eth\u{e9} lan\n",
        "router r inface \u{1F600}\n",
        "interface \u{e9}+ lan\n",
    ] {
        let a = check_all(text);
        check_consumers(text, &a);
    }
}

/// On a CRLF line, an unterminated quote, `$(` or backtick stops before the `\r`: the "close the
/// quote" fix inserts the quote before the line end, and no token starts between `\r` and `\n`.
#[test]
fn crlf_spans() {
    for text in [
        "server 'abc\r\nx\r\n",
        "server \"abc\r\nx\r\n",
        "x `abc\r\ny\r\n",
        "x $(abc\r\ny\r\n",
    ] {
        let a = analyze(text);
        for (tok, span) in &a.parse.tokens {
            assert!(
                !(text[span.range()].ends_with('\r') && text[span.end..].starts_with('\n')),
                "{tok:?} {span:?} ends between \\r and \\n in {text:?}"
            );
        }
        for d in &a.diagnostics {
            for f in &d.fixes {
                let fixed = f.apply(text);
                assert!(
                    !fixed.contains("\r'") && !fixed.contains("\r\""),
                    "fix {:?} puts the quote after the CR: {fixed:?}",
                    f.title
                );
            }
        }
    }
}
