//! The optimizer: fewer rules, same verdicts.
//!
//! FireHOL writes one iptables rule per statement, port and direction, so a packet for the last
//! of N services walks N rules. Here the lowered rules of each chain are regrouped so that rules
//! of one shape become a single set lookup (`tcp dport { 22, 80, .. }`), a concatenation
//! (`iifname . ip daddr . tcp dport { .. }`) or a verdict map, and the rule count and the
//! per-packet work stay flat as a configuration grows.
//!
//! Why this never changes a verdict:
//! - A rule only moves up past rules it *commutes* with: neither writes state (marks, conntrack,
//!   a set) the other reads, and either no packet matches both or both are nothing but the same
//!   plain verdict (`accept`, `drop`, `reject`). For every packet at most one of the two acts, on
//!   a packet the other did not change, or both would act alike, so their order cannot be
//!   observed.
//! - Rules only merge when no packet matches two of them, so a packet matches the merged rule
//!   exactly when it matched one of the originals, and meets the same statements. Rules with
//!   per-rule state (limits, counters, quotas, dynamic sets) never merge: merging would share it.
//! - Disjointness is judged from exact values only (ports, addresses, prefixes, interface names,
//!   protocols, the conntrack state); anything else counts as "may overlap" and keeps order.
//!
//! Each merged rule keeps the origins of all its rules, so `fhc explain` and the LSP can still go
//! from a statement to the rules it produced, and its comment lists the lines.

mod facts;
mod merge;

use crate::hash::FastMap;
use crate::nft::json::{Rule, Stmt};
use std::collections::HashMap;

/// How many groups back a rule looks for a group to join (bounds the work on huge chains; a rule
/// that finds none within the window simply stays where it is).
const WINDOW: usize = 512;

/// Optimizes every chain's rules in place.
pub(crate) fn optimize(rules: &mut HashMap<String, Vec<Rule>>) {
    let writes = chain_writes(rules);
    let mut names: Vec<String> = rules.keys().cloned().collect();
    names.sort();
    for name in names {
        let list = rules.remove(&name).unwrap_or_default();
        rules.insert(name, optimize_chain(list, &writes));
    }
}

fn optimize_chain(rules: Vec<Rule>, writes: &FastMap<String, facts::Roots>) -> Vec<Rule> {
    let mut groups: Vec<merge::Group> = Vec::with_capacity(rules.len());
    for rule in rules {
        let c = merge::candidate(rule, writes);
        let mut home = None;
        for (i, g) in groups.iter().enumerate().rev().take(WINDOW) {
            if g.accepts(&c) {
                home = Some(i);
                break;
            }
            if !g.lets_pass(&c) {
                break;
            }
        }
        match home {
            Some(i) => groups[i].push(c),
            None => groups.push(merge::Group::new(c)),
        }
    }
    groups
        .into_iter()
        .flat_map(merge::Group::into_rules)
        .collect()
}

/// Whether two rules of one chain can trade places whatever the packet: neither writes what the
/// other reads, and no packet matches both or both end in the same plain verdict. For the
/// lowering, which makes one rule of a run of statements when it can prove the run's rules may
/// be reordered (`lower::synproxy::runs`). Rules that jump are never called commuting.
pub(crate) fn commute(a: &[Stmt], b: &[Stmt]) -> bool {
    let none = FastMap::default();
    let jumps = |s: &[Stmt]| s.iter().any(|x| matches!(x, Stmt::Jump(_) | Stmt::Goto(_)));
    !jumps(a) && !jumps(b) && facts::analyze(a, &none).commutes(&facts::analyze(b, &none))
}

/// See [`merge::stateful`]: a rule the optimizer never merges.
pub(crate) fn stateful(stmts: &[Stmt]) -> bool {
    merge::stateful(stmts)
}

/// What running each chain may write (through its jumps too), for rules that jump to it.
fn chain_writes(rules: &HashMap<String, Vec<Rule>>) -> FastMap<String, facts::Roots> {
    let mut out: FastMap<String, facts::Roots> = FastMap::default();
    for name in rules.keys() {
        out.insert(name.clone(), facts::Roots::default());
    }
    // A fixpoint: each round adds what the chains jumped to were known to write.
    loop {
        let mut changed = false;
        for (name, list) in rules {
            let mut w = out[name];
            for r in list {
                w = w.union(facts::writes(&r.stmts, &out));
            }
            if w != out[name] {
                out.insert(name.clone(), w);
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}
