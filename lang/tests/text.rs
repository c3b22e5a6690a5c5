//! The nft text renderer is exact: over the whole corpus, loading the rendered script gives the
//! very table that loading the JSON gives (as root, in fresh network namespaces).

mod support;

use fhc_lang::nft::{Options, text};
use serde_json::Value;
use support::{kernel_available, load_and_list_json};

/// `nft -j list` output without what differs between two loads (handles).
fn normalise(listing: &str) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("handle");
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(listing).expect("nft -j list is JSON");
    walk(&mut v);
    v
}

#[test]
fn corpus_scripts_load_exactly_like_the_json() {
    if !kernel_available() {
        return;
    }
    let mut compared = 0;
    let mut failures = Vec::new();
    insta::glob!("../../tests/corpus/valid", "*.conf", |path| {
        let conf = std::fs::read_to_string(path).unwrap();
        let Ok((out, _)) = fhc_lang::compile(&conf, &Options::default()) else {
            return;
        };
        let json = out.ruleset.to_json().to_string();
        let script = text::script(&out.ruleset);
        let from_json = load_and_list_json("-j -f -", &json)
            .unwrap_or_else(|e| panic!("{}: JSON refused: {e}", path.display()));
        match load_and_list_json("-f -", &script) {
            Err(e) => failures.push(format!("{}: script refused:\n{e}", path.display())),
            Ok(from_text) => {
                let (a, b) = (normalise(&from_json), normalise(&from_text));
                if a != b {
                    let (a, b) = (&a["nftables"], &b["nftables"]);
                    let empty = vec![];
                    let (a, b) = (
                        a.as_array().unwrap_or(&empty),
                        b.as_array().unwrap_or(&empty),
                    );
                    let first = a
                        .iter()
                        .zip(b.iter())
                        .find(|(x, y)| x != y)
                        .map(|(x, y)| format!("json: {x}\ntext: {y}"))
                        .unwrap_or_else(|| format!("{} vs {} objects", a.len(), b.len()));
                    failures.push(format!("{}: tables differ\n{first}", path.display()));
                }
                compared += 1;
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(compared >= 15, "only {compared} corpus configs compared");
}
