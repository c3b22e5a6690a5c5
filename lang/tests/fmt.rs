//! The formatter: snapshots of the canonical style on messy inputs (`tests/fmt/*.conf`), and the
//! properties every formatting must have, over the snapshot inputs, the project corpus, FireHOL's
//! own examples and random configurations: it is idempotent, the tree (spans removed) is
//! unchanged, and every comment survives.

use fhc_lang::span::erase_spans;
use fhc_lang::syntax::lexer::{HashKind, RawTok, lex};
use fhc_lang::{Span, TextEdit, format, format_range};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The statement tree without positions, one statement per line (for readable failures).
fn tree(text: &str) -> String {
    erase_spans(&format!("{:?}", fhc_lang::syntax::parse(text).file))
        .replace("Stmt { ", "\nStmt { ")
}

/// The codes of every diagnostic `fhc check` reports, in order.
fn codes(text: &str) -> Vec<&'static str> {
    fhc_lang::analyze(text)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

/// The comments of a text, in order, without trailing blanks.
fn comments(text: &str) -> Vec<String> {
    lex(text)
        .into_iter()
        .filter(|(t, _)| *t == RawTok::Hash(HashKind::Comment))
        .map(|(_, s)| {
            text[s.range()]
                .trim_end_matches([' ', '\t', '\x0c', '\r'])
                .to_string()
        })
        .collect()
}

/// Every property of one formatting; returns the formatted text.
fn check_properties(input: &str, what: &str) -> String {
    let out = format(input).unwrap_or_else(|d| panic!("{what}: refused to format: {d:#?}"));
    let again = format(&out).unwrap_or_else(|d| panic!("{what}: refused its own output: {d:#?}"));
    assert_same(&out, &again, &format!("{what}: not idempotent"));
    let (before, after) = (tree(input), tree(&out));
    assert_same(&before, &after, &format!("{what}: the tree changed"));
    assert_eq!(codes(input), codes(&out), "{what}: the diagnostics changed");
    assert_eq!(
        comments(input),
        comments(&out),
        "{what}: comments were lost or changed"
    );
    // (A here-document body is copied as is, blank last line included.)
    assert!(
        out.is_empty() || (out.ends_with('\n') && (!out.ends_with("\n\n") || input.contains("<<"))),
        "{what}: final newline"
    );
    assert!(!out.starts_with('\n'), "{what}: blank line at the start");
    // Range formatting of the whole text agrees with whole-file formatting (up to the blank
    // lines and the final newline, which only the whole-file formatter normalises).
    let edits = format_range(input, Span::new(0, input.len())).expect("range formatting");
    let ranged = apply(input, &edits);
    assert_eq!(
        tree(&ranged),
        before,
        "{what}: range formatting changed the tree"
    );
    assert_eq!(
        format(&ranged).expect("ranged output formats"),
        out,
        "{what}: range formatting disagrees"
    );
    out
}

/// Equality with the first differing line in the message (the texts can be long).
fn assert_same(a: &str, b: &str, what: &str) {
    if a == b {
        return;
    }
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(a.lines().count().min(b.lines().count()));
    let show = |t: &str| {
        t.lines()
            .skip(line.saturating_sub(3))
            .take(7)
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{what} (line {}):\n--- first\n{}\n--- second\n{}\n",
        line + 1,
        show(a),
        show(b)
    );
}

fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut out = text.to_string();
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for w in sorted.windows(2) {
        assert!(w[1].span.end <= w[0].span.start, "overlapping edits");
    }
    for e in sorted {
        out.replace_range(e.span.range(), &e.new_text);
    }
    out
}

/// Lines that carry code (not inside a multi-line string or a here-document).
fn long_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.chars().count() > fhc_lang::fmt::MAX_WIDTH)
        .collect()
}

fn conf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            conf_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "conf") {
            out.push(p);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the style

/// Inputs whose name contains `crlf` are converted to CRLF line ends first.
fn snapshot_input(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable input");
    if path.to_string_lossy().contains("crlf") {
        text.replace('\n', "\r\n")
    } else {
        text
    }
}

#[test]
fn style_snapshots() {
    insta::glob!("fmt/*.conf", |path| {
        let input = snapshot_input(path);
        let out = check_properties(&input, &path.display().to_string());
        insta::assert_snapshot!(out);
    });
}

#[test]
fn snapshot_inputs_are_messy_on_purpose() {
    // Guards the inputs against an editor "fixing" them.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fmt");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect(n);
    assert!(!read("no_final_newline.conf").ends_with('\n'));
    assert!(read("tabs_spacing.conf").contains('\t'));
    assert!(read("tabs_spacing.conf").lines().any(|l| l.ends_with(' ')));
    assert!(read("crlf.conf").contains("\\\n"));
}

// ---------------------------------------------------------------------------------------------
// Specific rules

fn fmt(s: &str) -> String {
    check_properties(s, s)
}

#[test]
fn empty_and_blank_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \t\n"), "");
    assert_eq!(fmt("# only\n\n\n"), "# only\n");
    assert_eq!(fmt("version 6"), "version 6\n");
}

#[test]
fn crlf_becomes_lf_except_inside_strings() {
    assert_eq!(fmt("a \\\r\n  b\r\n\r\n\r\nc\r\n"), "a b\n\nc\n");
    assert_eq!(fmt("X=\"1\r\n2\"\r\n"), "X=\"1\r\n2\"\n");
}

#[test]
fn trailing_comments_get_one_space() {
    assert_eq!(fmt("version 6\t\t# x   \n"), "version 6 # x\n");
    assert_eq!(fmt("a;# x\n"), "a; # x\n");
}

#[test]
fn semicolons() {
    assert_eq!(fmt("a ;b;c  ;  d;\n"), "a; b; c; d;\n");
    // `;;` and the other operators keep their spacing (only blank runs collapse).
    assert_eq!(
        fmt("case x in\na)  b  ;;\nesac\n"),
        "case x in\n    a) b ;;\nesac\n"
    );
    assert_eq!(fmt("a&&b  ||   c 2>&1\n"), "a&&b || c 2>&1\n");
}

#[test]
fn adjacency_is_never_changed() {
    // Inserting a blank would change the meaning of all of these.
    for s in [
        "A=(a b)\n",
        "f() { a; }\n",
        "a 2>&1\n",
        "x>f\n",
        "a\"b\"'c'$D\n",
    ] {
        assert_eq!(fmt(s), s);
    }
}

#[test]
fn glued_continuations_are_kept() {
    // bash reads `ab` (one word) and `a#b`; the lexer sees two tokens in each case.
    assert_eq!(fmt("x a\\\nb\n"), "x a\\\nb\n");
    assert_eq!(fmt("x a\\\n#b\n"), "x a\\\n#b\n");
    assert_eq!(fmt("x a \\\n#b\n"), "x a #b\n");
}

#[test]
fn long_statements_break_before_parameters() {
    let long = format!(
        "server http accept src \"{}\" dst 10.0.0.1 dport 80\n",
        "10.0.0.1 ".repeat(10).trim_end()
    );
    assert_eq!(
        fmt(&long),
        "server http accept \\\n    src \"10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1\" \\\n    dst 10.0.0.1 dport 80\n"
    );
    let long = format!(
        "server http accept src \"{}\" dst 10.0.0.1 dport 80\n",
        "10.0.0.1 ".repeat(8).trim_end()
    );
    assert_eq!(
        fmt(&long),
        "server http accept src \"10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1 10.0.0.1\" \\\n    dst 10.0.0.1 dport 80\n"
    );
    // Joined again when it fits.
    assert_eq!(
        fmt("server http accept \\\n  src 10.0.0.1 \\\n dport 80\n"),
        "server http accept src 10.0.0.1 dport 80\n"
    );
}

#[test]
fn synproxy_breaks_before_its_action() {
    let input = "interface eth0 wan\nsynproxy4 input inface eth0 dst 198.51.100.10 dport 80 src \"192.0.2.0/24 203.0.113.0/24\" dnat to 10.0.0.1\n";
    assert_eq!(
        fmt(input),
        "interface eth0 wan\n    synproxy4 input inface eth0 dst 198.51.100.10 dport 80 src \"192.0.2.0/24 203.0.113.0/24\" \\\n        dnat to 10.0.0.1\n"
    );
}

#[test]
fn breaking_is_stable_whatever_the_input_breaks() {
    let words = "synproxy4 input inface eth0 dst 198.51.100.10 dport 80 src 192.0.2.0/24 sport 1024:65535 state NEW accept";
    let canonical = fmt(&format!("{words}\n"));
    let ws: Vec<&str> = words.split(' ').collect();
    for k in 1..ws.len() {
        let broken = format!("{} \\\n    {}\n", ws[..k].join(" "), ws[k..].join(" \\\n "));
        assert_eq!(fmt(&broken), canonical, "{broken}");
    }
}

#[test]
fn user_breaks_are_kept_in_long_shell_code() {
    let s = format!("echo {} \\\n    {}\n", "a".repeat(60), "b".repeat(60));
    assert_eq!(fmt(&s), s);
    let joined = format!("echo {} {}\n", "a".repeat(60), "b".repeat(60));
    assert_eq!(fmt(&joined), joined);
}

#[test]
fn heredoc_bodies_are_verbatim() {
    let s =
        "interface eth0 lan\ncat >f <<-'X'\n\t  a   \n  interface b\n\tX\n  server ssh accept\n";
    assert_eq!(
        fmt(s),
        "interface eth0 lan\n    cat >f <<-'X'\n\t  a   \n  interface b\n\tX\n    server ssh accept\n"
    );
    // Two here-documents on one line, and one never closed (it runs to the end of the file).
    let s = "cat <<A <<\"B\"\n a \nA\n b \nB\n  x  y\ncat <<E\n  z  \n";
    assert_eq!(
        fmt(s),
        "cat <<A <<\"B\"\n a \nA\n b \nB\nx y\ncat <<E\n  z  \n"
    );
    // `<<` in arithmetic is a shift.
    assert_eq!(fmt("((x<<2))\n  y  z\n"), "((x<<2))\ny z\n");
}

#[test]
fn syntax_errors_refuse() {
    for (s, code) in [
        ("interface eth0 lan src \"10.0.0.0/8\n", "E0001"),
        ("version 6\n\x01\n", "E0002"),
        (") version 6\n", "E0012"),
    ] {
        let d = format(s).expect_err(s);
        assert!(d.iter().any(|d| d.code.as_str() == code), "{s:?}: {d:?}");
        assert!(format_range(s, Span::new(0, 1)).is_err());
    }
    // Shell that needs the host is an error for `fhc check`, not for the formatter.
    assert!(fhc_lang::analyze("if [ -f /x ]; then\nversion 6\nfi\n").has_errors());
    assert!(format("if [ -f /x ]; then\nversion 6\nfi\n").is_ok());
}

#[test]
fn range_formatting_touches_only_the_statements_in_range() {
    let text = "interface  eth0 lan\nserver   ssh accept\n\n\nserver  http \\\n  accept\nserver   dns accept\n";
    let at = text.find("http").expect("present");
    let edits = format_range(text, Span::new(at, at + 1)).expect("formats");
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0].new_text, "    server http accept");
    assert_eq!(&text[edits[0].span.range()], "server  http \\\n  accept");
    assert_eq!(
        apply(text, &edits),
        "interface  eth0 lan\nserver   ssh accept\n\n\n    server http accept\nserver   dns accept\n"
    );
    // An empty range (a cursor) selects the statement it touches.
    let at = text.find("dns").expect("present");
    let edits = format_range(text, Span::new(at, at)).expect("formats");
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].new_text, "    server dns accept");
    // CRLF files get CRLF inside the edits.
    let crlf = "interface eth0 lan\r\nserver x accept src \"1\" dst \"2\" \\\r\n  dport 3\r\n";
    let edits = format_range(crlf, Span::new(0, crlf.len())).expect("formats");
    assert!(
        edits
            .iter()
            .all(|e| !e.new_text.contains('\n') || e.new_text.contains("\r\n"))
    );
    // Nothing to do: no edits.
    assert!(
        format_range("version 6\n", Span::new(0, 3))
            .expect("formats")
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Corpora

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    conf_files(&root.join("../tests/corpus"), &mut files);
    conf_files(&root.join("tests/fmt"), &mut files);
    // FireHOL's own examples, when the shared directory sits beside the repository (CI).
    conf_files(
        &root.join("../../shared/corpus/firehol-upstream"),
        &mut files,
    );
    files.sort();
    files
}

#[test]
fn corpus_formats_idempotently_and_keeps_meaning() {
    let mut formatted = 0;
    for path in corpus_files() {
        let Ok(input) = std::fs::read_to_string(&path) else {
            continue;
        };
        let what = path.display().to_string();
        if format(&input).is_err() {
            // Files with syntax errors are refused (that is tested above); nothing to check.
            continue;
        }
        let out = check_properties(&input, &what);
        for l in long_lines(&out) {
            // Only statements that cannot be broken may stay long.
            assert!(
                !l.ends_with('\\'),
                "{what}: continued line over the limit: {l}"
            );
        }
        formatted += 1;
    }
    eprintln!("formatted {formatted} corpus files");
}

// ---------------------------------------------------------------------------------------------
// Random configurations

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9][a-z0-9./:-]{0,14}",
        2 => "[a-z0-9 ./]{0,16}".prop_map(|s| format!("\"{s}\"")),
        1 => "[a-z0-9 ./$]{0,10}".prop_map(|s| format!("'{s}'")),
        1 => "[A-Z_]{1,6}".prop_map(|s| format!("\"${s}\"")),
        1 => "[A-Z_]{1,6}".prop_map(|s| format!("${{{s}}}")),
        1 => Just("\"multi\n\t line  \"".to_string()),
        1 => Just("a\\ b".to_string()),
    ]
}

fn param() -> impl Strategy<Value = Vec<String>> {
    let kw = prop_oneof![
        Just("src"),
        Just("dst"),
        Just("dport"),
        Just("sport"),
        Just("inface"),
        Just("outface"),
        Just("proto"),
        Just("state"),
        Just("log"),
        Just("uid"),
        Just("mac"),
        Just("src not"),
        Just("dst !"),
    ];
    (kw, value()).prop_map(|(k, v)| {
        let mut words: Vec<String> = k.split(' ').map(str::to_string).collect();
        words.push(v);
        words
    })
}

fn head() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("interface eth0 lan"),
        Just("interface4 \"eth1~eth2\" wan"),
        Just("router r1"),
        Just("server ssh accept"),
        Just("client \"dns~ntp\" accept"),
        Just("route all accept"),
        Just("server custom app tcp/8080 default accept"),
        Just("policy drop"),
        Just("protection strong"),
        Just("group with"),
        Just("group end"),
        Just("synproxy4 input"),
        Just("ipv4 synproxy forward"),
        Just("dnat to 10.0.0.1"),
        Just("masquerade eth0"),
        Just("version 6"),
        Just("X=1"),
        Just("LIST=\"a~b\""),
        Just("if [ -f x ]; then"),
        Just("fi"),
        Just("else"),
        Just("for i in a b; do"),
        Just("done"),
        Just("echo hi"),
        Just("f() {"),
        Just("}"),
        Just("case $x in"),
        Just("esac"),
        Just("a) echo"),
        Just(";;"),
        Just("action A chain x next rule"),
    ]
    .prop_map(str::to_string)
}

fn tail() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        1 => Just("accept".to_string()),
        1 => Just("dnat to 10.0.0.1:80".to_string()),
        1 => Just("redirect to 8080".to_string()),
    ]
}

fn statement() -> impl Strategy<Value = Vec<String>> {
    (head(), prop::collection::vec(param(), 0..10), tail()).prop_map(|(h, ps, t)| {
        // `~` stands for a blank inside a quoted word of the head.
        let mut words: Vec<String> = h.split(' ').map(|w| w.replace('~', " ")).collect();
        for p in ps {
            words.extend(p);
        }
        words.extend(t.split(' ').filter(|s| !s.is_empty()).map(str::to_string));
        words
    })
}

fn gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just(" "), 1 => Just("  "), 1 => Just("\t"), 1 => Just(" \t "), 1 => Just(" \\\n"),
        1 => Just(" \\\n\t  "), 1 => Just("\\\n  "), 1 => Just(" \\\n \\\n "),
    ]
}

#[derive(Clone, Debug)]
enum Line {
    Blank(&'static str),
    Comment(&'static str, String),
    Stmts {
        indent: &'static str,
        stmts: Vec<(Vec<String>, Vec<&'static str>)>,
        comment: Option<String>,
    },
    Glued(String, String),
}

fn line() -> impl Strategy<Value = Line> {
    let indent = prop_oneof![Just(""), Just("  "), Just("\t"), Just("    "), Just(" \t")];
    let comment = "[ a-z#\\\\\"']{0,20}".prop_map(|s| format!("#{s}"));
    let stmt_with_gaps = statement().prop_flat_map(|ws| {
        let n = ws.len();
        (Just(ws), prop::collection::vec(gap(), n))
    });
    prop_oneof![
        1 => prop_oneof![Just(""), Just("   "), Just("\t")].prop_map(Line::Blank),
        2 => (indent.clone(), comment.clone()).prop_map(|(i, c)| Line::Comment(i, c)),
        8 => (indent, prop::collection::vec(stmt_with_gaps, 1..3), prop::option::of(comment)).prop_map(
            |(indent, stmts, comment)| Line::Stmts { indent, stmts, comment }
        ),
        1 => ("[a-z]{1,4}", "[a-z]{1,4}").prop_map(|(a, b)| Line::Glued(a, b)),
    ]
}

fn config() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..25),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, final_nl)| {
            let mut out = String::new();
            for (k, l) in lines.iter().enumerate() {
                if k > 0 {
                    out.push('\n');
                }
                match l {
                    Line::Blank(s) => out.push_str(s),
                    Line::Comment(i, c) => {
                        out.push_str(i);
                        out.push_str(c);
                    }
                    Line::Stmts {
                        indent,
                        stmts,
                        comment,
                    } => {
                        out.push_str(indent);
                        for (j, (words, gaps)) in stmts.iter().enumerate() {
                            if j > 0 {
                                out.push_str(" ; ");
                            }
                            for (w, word) in words.iter().enumerate() {
                                if w > 0 {
                                    out.push_str(gaps[w]);
                                }
                                out.push_str(word);
                            }
                        }
                        if let Some(c) = comment {
                            out.push_str("  ");
                            out.push_str(c);
                        }
                    }
                    Line::Glued(a, b) => {
                        out.push_str(&format!("echo {a}\\\n{b} x"));
                    }
                }
            }
            if final_nl {
                out.push('\n');
            }
            if crlf { out.replace('\n', "\r\n") } else { out }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_configs_format_idempotently_and_keep_meaning(input in config()) {
        // Random word sequences are not always valid shell (a stray `;;`, `X=1` followed by a
        // continuation ...); the parser decides, and only readable files are formatted.
        prop_assume!(format(&input).is_ok());
        let out = check_properties(&input, &format!("{input:?}"));
        // No trailing blanks and no tabs outside strings: the generated multi-line string is
        // the only place where either may appear.
        if !input.contains("multi") {
            for l in out.lines() {
                prop_assert!(!l.ends_with([' ', '\t']), "trailing blank in {l:?}");
                prop_assert!(!l.starts_with('\t'), "tab indentation in {l:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Shell-ish noise: the formatter never panics, and whatever it accepts keeps every property.
    #[test]
    fn random_text_never_breaks_the_formatter(input in "([a-z0-9 \t\n\\\\'\"#;&|()<>$`{}=!-]|\r\n|\\\\\n|<<EOF\n|\nEOF\n|if |then|fi\n|interface |group with |group end\n){0,40}") {
        if format(&input).is_ok() {
            check_properties(&input, &format!("{input:?}"));
        }
    }
}

#[test]
fn the_documented_example_is_true() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fmt.md"))
        .expect("docs/fmt.md");
    let blocks: Vec<&str> = doc
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().expect("closed block"))
        .collect();
    assert_eq!(
        blocks.len(),
        2,
        "docs/fmt.md has one before and one after block"
    );
    assert_eq!(fmt(blocks[0]), blocks[1]);
}
