//! Diagnostics as a user sees them: the catalogue examples, recovery, rendering snapshots.

use fhc_lang::{Code, Diagnostic, LineIndex, analyze};

fn lines(text: &str, diags: &[Diagnostic]) -> Vec<(String, u32)> {
    let idx = LineIndex::new(text);
    diags
        .iter()
        .map(|d| {
            (
                d.code.as_str().to_string(),
                idx.position(text, d.span.start, fhc_lang::span::ColumnUnit::Char)
                    .line
                    + 1,
            )
        })
        .collect()
}

/// Every code in the catalogue is produced by its own example, so the catalogue can't rot.
#[test]
fn every_catalogue_example_produces_its_code() {
    for &code in Code::ALL {
        let a = fhc_lang::catalogue::analyze_example(code);
        assert!(
            a.diagnostics.iter().any(|d| d.code == code),
            "{code}: example {:?} gave {:?}",
            code.example(),
            lines(code.example(), &a.diagnostics)
        );
    }
}

#[test]
fn three_independent_errors_three_diagnostics() {
    let text = "version 6\n\
                interface eth0 lan src\n\
                \n\
                interfce eth1 wan\n\
                router r1 inface eth0 outface\n";
    let a = analyze(text);
    assert_eq!(
        lines(text, &a.diagnostics),
        vec![
            ("E0010".into(), 2),
            ("E0007".into(), 4),
            ("E0010".into(), 5)
        ]
    );
}

#[test]
fn unterminated_quote_does_not_hide_later_errors() {
    let text = "interface eth0 lan src \"10.0.0.1\nserver ssh acept\nserver http accept dport\n";
    let got: Vec<_> = lines(text, &analyze(text).diagnostics)
        .into_iter()
        .filter(|(c, _)| c.starts_with('E'))
        .collect();
    assert_eq!(
        got,
        vec![
            ("E0001".into(), 1),
            ("E0109".into(), 2),
            ("E0010".into(), 3)
        ]
    );
}

#[test]
fn shell_code_runs_and_what_needs_the_host_is_reported() {
    // The condition is false (X is not set), but the statement inside is still checked as
    // written; the command substitution needs the host: an error, and what does not depend on
    // it still runs (the `source` after it).
    let text = "if [ -n \"$X\" ]; then\n    interface eth0 lan sorce 1.2.3.4\nfi\nIP=$(hostname -i)\nsource /x\n";
    let got = lines(text, &analyze(text).diagnostics);
    assert_eq!(
        got,
        vec![
            ("W0121".into(), 1),
            ("E0009".into(), 2),
            ("E0004".into(), 4),
            ("E0006".into(), 5),
        ]
    );
    for (text, code) in [
        ("source /x\n", "E0006"),
        ("A=1 | B=2\n", "E0003"),
        ("x=( a b\n", "E0012"),
        ("cat /etc/x\n", "E0013"),
        ("[ -f /etc/x ] && version 6\n", "E0019"),
        ("echo $RANDOM\n", "E0019"),
    ] {
        let got = lines(text, &analyze(text).diagnostics);
        assert!(got.iter().any(|(c, _)| c == code), "{text:?}: {got:?}");
    }
}

#[test]
fn fixes_remove_their_diagnostic() {
    for text in [
        "interfce eth0 lan\n",
        "interface eth0 lan sorce 10.0.0.1\n",
        "version 6 7\n",
        "server http accept log not x\n",
    ] {
        let a = analyze(text);
        let d = a
            .diagnostics
            .iter()
            .find(|d| !d.fixes.is_empty())
            .unwrap_or_else(|| panic!("no fix for {text:?}"));
        let fixed = d.fixes[0].apply(text);
        let after = analyze(&fixed);
        assert!(
            !after.diagnostics.iter().any(|x| x.code == d.code),
            "{text:?} -> {fixed:?} still has {}",
            d.code
        );
    }
}

#[test]
fn spans_are_exact_on_non_ascii_text() {
    let text = "# Zürich büro ☃\ninterface eth0 lan sorce 10.0.0.1\n";
    let a = analyze(text);
    let d = &a.diagnostics[0];
    assert_eq!(&text[d.span.range()], "sorce");
    let rendered = fhc_lang::render::render(&a.diagnostics, "fw.conf", text, false);
    assert!(rendered.contains("fw.conf:2:20"), "{rendered}");
}

/// Rendered diagnostics of every broken corpus config (review changes with `cargo insta review`).
#[test]
fn invalid_corpus_snapshots() {
    insta::glob!("../../tests/corpus/invalid", "*.conf", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let a = analyze(&text);
        // FireHOL rejects all of these; fhc errs on each, except where it deliberately reads what
        // FireHOL cannot (`!` negation) and warns instead.
        assert!(
            a.has_errors()
                || a.diagnostics
                    .iter()
                    .any(|d| d.severity == fhc_lang::Severity::Warning),
            "{} has no error or warning",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy();
        insta::assert_snapshot!(fhc_lang::render::render(
            &a.diagnostics,
            &name,
            &text,
            false
        ));
    });
}

/// The same diagnostics as `fhc check --format json` prints them (one JSON document per file).
#[test]
fn invalid_corpus_json_snapshots() {
    insta::glob!("../../tests/corpus/invalid", "*.conf", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let a = analyze(&text);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let index = LineIndex::new(&text);
        let json: Vec<_> = a
            .diagnostics
            .iter()
            .map(|d| d.to_json(&name, &index, &text))
            .collect();
        insta::assert_json_snapshot!(json);
    });
}

/// Valid corpus configs are real FireHOL (see tests/firehol-oracle.sh): the language layers must
/// not reject them. (E0201 is the backend saying a FireHOL feature is not compiled yet; which
/// ones is pinned by the compile snapshots in tests/compile.rs.)
#[test]
fn valid_corpus_has_no_language_errors() {
    insta::glob!("../../tests/corpus/valid", "*.conf", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let a = analyze(&text);
        let errors: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code != Code::Untranslatable)
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            path.display(),
            fhc_lang::render::render(&a.diagnostics, &path.display().to_string(), &text, false)
        );
    });
}
