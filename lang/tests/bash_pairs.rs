//! Configurations written with bash (loops, functions, conditions, `case`, arithmetic,
//! expansions) against their hand-expanded twins (tests/corpus/bash/NAME.conf and
//! NAME.expanded.conf): each pair compiles to the same ruleset, rule comments aside. FireHOL 3.1.7
//! produces identical iptables rules for each pair (tests/corpus/bash/check-firehol.sh).

use fhc_lang::nft::Options;
use std::path::Path;

/// The ruleset without its comments (they name the lines, which differ between the twins).
fn ruleset(text: &str, name: &str) -> String {
    let (out, _) = fhc_lang::compile(text, &Options::default())
        .unwrap_or_else(|d| panic!("{name} does not compile: {d:#?}"));
    let mut rs = out.ruleset.clone();
    for r in &mut rs.rules {
        r.comment = None;
        r.origins.clear();
    }
    format!("{rs:#?}")
}

#[test]
fn each_bash_configuration_compiles_like_its_expanded_twin() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/bash");
    let mut pairs = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".conf") else {
            continue;
        };
        if stem.ends_with(".expanded") {
            continue;
        }
        let twin = dir.join(format!("{stem}.expanded.conf"));
        let bash = std::fs::read_to_string(&p).unwrap();
        let plain = std::fs::read_to_string(&twin)
            .unwrap_or_else(|_| panic!("{name} has no twin {}", twin.display()));
        assert_eq!(
            ruleset(&bash, &name),
            ruleset(&plain, &format!("{stem}.expanded.conf")),
            "{name} and its twin compile differently"
        );
        pairs += 1;
    }
    assert!(pairs >= 15, "only {pairs} pairs");
}
