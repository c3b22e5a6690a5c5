//! docs/diagnostics.md is generated from the code catalogue; this keeps it in sync.

#[test]
fn docs_diagnostics_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics.md");
    let want = fhc_lang::catalogue::catalogue_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/diagnostics.md is stale: run UPDATE_DOCS=1 cargo test -p fhc-lang --test catalogue"
    );
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for &c in fhc_lang::Code::ALL {
        let s = c.as_str();
        assert!(seen.insert(s), "{s} twice");
        let want = match c.default_severity() {
            fhc_lang::Severity::Error => 'E',
            fhc_lang::Severity::Warning => 'W',
            _ => 'I',
        };
        assert!(s.starts_with(want) && s.len() == 5, "{s}");
        assert_eq!(fhc_lang::Code::parse(s), Some(c));
    }
}
