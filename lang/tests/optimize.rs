//! The optimizer's contract, from the outside: rule counts stay flat as a config grows, merged
//! rules keep every statement they serve, order-sensitive rules keep their order, and both the
//! optimized and the one-rule-per-statement forms load into the kernel. (That the verdicts are
//! FireHOL's is the differential test's job: it runs on the optimized output.)

mod support;

use fhc_lang::nft::json::{Rule, Stmt};
use fhc_lang::nft::{Options, Output};
use support::{kernel_available, load_in_netns};

#[path = "../benches/support/synproxies.rs"]
mod synproxies;
use synproxies::config as synproxy_config;

fn compile(text: &str, optimize: bool) -> Output {
    let opts = Options {
        optimize,
        ..Options::default()
    };
    match fhc_lang::compile(text, &opts) {
        Ok((out, _)) => out,
        Err(d) => panic!("{}", fhc_lang::render::render(&d, "t.conf", text, false)),
    }
}

fn chain<'a>(out: &'a Output, name: &str) -> Vec<&'a Rule> {
    out.ruleset
        .rules
        .iter()
        .filter(|r| r.chain == name)
        .collect()
}

fn text(r: &Rule) -> String {
    serde_json::to_string(&r.stmts.iter().map(Stmt::to_json).collect::<Vec<_>>()).unwrap()
}

#[test]
fn rule_count_is_flat_and_small() {
    let counts: Vec<usize> = [10, 100, 1000]
        .iter()
        .map(|&n| compile(&synproxy_config(n), true).ruleset.rule_count())
        .collect();
    assert!(counts[1] <= 60, "N=100 gives {} rules", counts[1]);
    assert_eq!(counts[1], counts[2], "rule count grows from N=100 to 1000");
    assert_eq!(counts[0], counts[1], "rule count grows from N=10 to 100");
    let plain = compile(&synproxy_config(100), false).ruleset.rule_count();
    assert!(plain > 1000, "without the optimizer: {plain}");
}

#[test]
fn merged_rules_keep_every_statement_they_serve() {
    let text_ = synproxy_config(5);
    let out = compile(&text_, true);
    let synproxy: Vec<&Rule> = chain(&out, "input")
        .into_iter()
        .filter(|r| r.stmts.iter().any(|s| matches!(s, Stmt::Synproxy { .. })))
        .collect();
    // Two: the untracked SYN (and invalid packets), and the client's ACK when it is `new`.
    assert_eq!(synproxy.len(), 2, "two synproxy rules for five statements");
    for rule in synproxy {
        let lines: Vec<usize> = rule
            .origins
            .iter()
            .map(|o| text_[..o.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5]);
        assert_eq!(
            rule.comment.as_deref().map(|c| c.split(':').next()),
            Some(Some("lines 1-5"))
        );
        let json = text(rule);
        for port in 10000..10005 {
            assert!(json.contains(&port.to_string()), "{json}");
        }
    }
}

#[test]
fn services_of_one_interface_become_one_set_and_interfaces_a_verdict_map() {
    let out = compile(
        "interface eth0 lan\n    server ssh accept\n    server http accept\n    server https accept\n\
         interface eth1 wan\n    server ssh accept\n",
        true,
    );
    let lan = chain(&out, "in_lan");
    let accepts: Vec<String> = lan
        .iter()
        .filter(|r| r.stmts.last() == Some(&Stmt::Accept) && !r.origins.is_empty())
        .map(|r| text(r))
        .collect();
    assert_eq!(accepts.len(), 1, "{accepts:#?}");
    assert!(
        accepts[0].contains(r#"{"set":[22,80,443]}"#),
        "{}",
        accepts[0]
    );
    let dispatch: Vec<String> = chain(&out, "input")
        .iter()
        .map(|r| text(r))
        .filter(|t| t.contains("in_lan") || t.contains("in_wan"))
        .collect();
    assert_eq!(dispatch.len(), 1, "{dispatch:#?}");
    assert!(dispatch[0].contains("vmap"), "{}", dispatch[0]);
}

#[test]
fn rules_whose_order_matters_are_not_merged_across() {
    // The drop of 10.0.0.5 sits between two accepts of the same shape; the second accept covers
    // 10.0.0.5 too, so it must not move above the drop.
    let out = compile(
        "interface eth0 lan\n    server ssh accept src 10.0.0.0/8\n    server ssh drop src 10.0.0.5\n    server ssh accept src 192.168.0.0/16\n    server ssh accept src 10.0.0.0/24\n",
        true,
    );
    let lan: Vec<String> = chain(&out, "in_lan").iter().map(|r| text(r)).collect();
    let drop_at = lan
        .iter()
        .position(|t| t.contains("drop") && t.contains("10.0.0.5"));
    let late = lan.iter().position(|t| t.contains("\"len\":24"));
    let (Some(d), Some(l)) = (drop_at, late) else {
        panic!("rules missing: {lan:#?}");
    };
    assert!(d < l, "the /24 accept moved above the drop: {lan:#?}");
    // 192.168/16 cannot overlap 10.0.0.5, so it joins the drop in a verdict map.
    let map = lan
        .iter()
        .find(|t| t.contains("vmap"))
        .expect("a verdict map");
    assert!(
        map.contains("192.168.0.0") && map.contains("10.0.0.5"),
        "{lan:#?}"
    );
}

#[test]
fn rate_limited_rules_are_never_merged() {
    let out = compile(
        "interface eth0 lan\n    server ssh accept with limit 10/sec 10\n    server http accept with limit 10/sec 10\n",
        true,
    );
    let limited = chain(&out, "in_lan")
        .into_iter()
        .filter(|r| r.stmts.iter().any(|s| matches!(s, Stmt::Limit { .. })))
        .count();
    assert!(limited >= 2, "each statement keeps its own limit");
}

#[test]
fn optimized_output_is_deterministic() {
    let text_ = synproxy_config(50);
    let a = compile(&text_, true).ruleset.to_json();
    let b = compile(&text_, true).ruleset.to_json();
    assert_eq!(a, b);
}

#[test]
fn both_forms_load_into_the_kernel() {
    if !kernel_available() {
        return;
    }
    for optimize in [true, false] {
        let json = compile(&synproxy_config(1000), optimize).ruleset.to_json();
        if let Err(e) = load_in_netns(&json.to_string()) {
            panic!("optimize={optimize}: the kernel refused the ruleset:\n{e}");
        }
    }
    let mut loaded = 0;
    for entry in std::fs::read_dir("../tests/corpus/valid").unwrap() {
        let path = entry.unwrap().path();
        let text_ = std::fs::read_to_string(&path).unwrap();
        let opts = Options {
            optimize: false,
            ..Options::default()
        };
        if let Ok((out, _)) = fhc_lang::compile(&text_, &opts) {
            if let Err(e) = load_in_netns(&out.ruleset.to_json().to_string()) {
                panic!("{} (--no-optimize): refused:\n{e}", path.display());
            }
            loaded += 1;
        }
    }
    assert!(loaded >= 15, "only {loaded} corpus configs compiled");
}
