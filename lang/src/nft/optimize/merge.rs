//! Groups of rules with one shape, and the single rule a group becomes.
//!
//! A rule's *shape* is the rule with the values of its exact matches left out (and its verdict,
//! when the rule is only matches and a verdict). Rules of one shape whose values never describe
//! the same packet are one rule with a set lookup: `tcp dport { 22, 80 }` when one match varies,
//! `iifname . ip daddr . tcp dport { .. }` when several do, and a verdict map when the verdicts
//! differ too.

use super::facts::{self, Facts};
use crate::hash::FastMap;
use crate::nft::json::{Expr, Op, Rule, Stmt};
use crate::span::Span;

/// Beyond this many members a group is not searched member by member (its union must do).
const MEMBER_SCAN: usize = 256;

/// What each statement of a rule is to its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// An exact match whose value may differ between the rules of a group.
    Key,
    Fixed,
    /// The verdict of a rule that is only matches and a verdict (a verdict map can vary it).
    Verdict,
}

struct Member {
    rule: Rule,
    /// Kept while the group is small enough to be checked member by member.
    facts: Option<Facts>,
}

/// Consecutive rules (after reordering) that become one rule.
pub(super) struct Group {
    slots: Vec<Slot>,
    /// Whether rules may join: a shape with a stateful statement (a limit, a counter) must stay
    /// one rule per statement, since merging would share the state.
    mergeable: bool,
    members: Vec<Member>,
    /// What the whole group matches and touches (an over-approximation: union of each field).
    facts: Facts,
}

/// A rule with its shape worked out.
pub(super) struct Candidate {
    slots: Vec<Slot>,
    mergeable: bool,
    pub(super) facts: Facts,
    rule: Rule,
}

pub(super) fn candidate(rule: Rule, chains: &FastMap<String, facts::Roots>) -> Candidate {
    let facts = facts::analyze(&rule.stmts, chains);
    let only_matches = rule.stmts.split_last().is_some_and(|(last, rest)| {
        matches!(
            last,
            Stmt::Accept | Stmt::Drop | Stmt::Return | Stmt::Jump(_) | Stmt::Goto(_)
        ) && rest.iter().all(|s| matches!(s, Stmt::Match(..)))
    });
    let mut slots = Vec::with_capacity(rule.stmts.len());
    for (i, s) in rule.stmts.iter().enumerate() {
        let slot = match s {
            // An exact value (the analysis found its atoms) of a field sets can hold.
            Stmt::Match(Op::Eq, left, _)
                if keyable(left) && facts.fields.iter().any(|f| f.stmt == Some(i)) =>
            {
                Slot::Key
            }
            _ if only_matches && i + 1 == rule.stmts.len() => Slot::Verdict,
            _ => Slot::Fixed,
        };
        slots.push(slot);
    }
    let mergeable = slots.contains(&Slot::Key)
        && !stateful(&rule.stmts)
        && !facts::touches(facts.writes, facts.reads);
    Candidate {
        slots,
        mergeable,
        facts,
        rule,
    }
}

/// A statement with per-rule state (a limit, a counter, a dynamic set): rules holding one never
/// merge, since the merged rule would share it.
pub(super) fn stateful(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| {
        matches!(
            s,
            Stmt::Limit { .. }
                | Stmt::Meter { .. }
                | Stmt::SetLimit { .. }
                | Stmt::SetUpdate { .. }
                | Stmt::CtCount { .. }
                | Stmt::Counter
                | Stmt::CounterNamed(_)
                | Stmt::Vmap(..)
        )
    })
}

/// The value of a key match.
fn key_value(s: &Stmt) -> &Expr {
    match s {
        Stmt::Match(_, _, right) => right,
        _ => unreachable!("a key slot is a match"),
    }
}

/// A field whose exact values can become (part of) a set lookup: whole-byte fields only. Fields
/// narrower than a byte (`ip dscp`, `ip6 ecn`) are left alone: nft 1.0.6 mangles them inside a
/// concatenation (`ip6 dscp . tcp dport` loads with the wrong values).
fn keyable(left: &Expr) -> bool {
    match left {
        Expr::Payload(_, f) => matches!(
            *f,
            "saddr" | "daddr" | "sport" | "dport" | "type" | "code" | "protocol" | "nexthdr"
        ),
        Expr::Meta(k) => matches!(
            *k,
            "iifname"
                | "oifname"
                | "iif"
                | "oif"
                | "l4proto"
                | "nfproto"
                | "mark"
                | "skuid"
                | "skgid"
        ),
        Expr::Ct(k, _) => *k == "mark",
        _ => false,
    }
}

impl Group {
    pub(super) fn new(c: Candidate) -> Group {
        Group {
            slots: c.slots,
            mergeable: c.mergeable,
            facts: c.facts.clone(),
            members: vec![Member {
                rule: c.rule,
                facts: Some(c.facts),
            }],
        }
    }

    /// `c` has the group's shape: the same statements but for key values and verdict.
    fn same_shape(&self, c: &Candidate) -> bool {
        let first = &self.members[0].rule.stmts;
        self.slots == c.slots
            && first
                .iter()
                .zip(&c.rule.stmts)
                .zip(&self.slots)
                .all(|((a, b), slot)| match slot {
                    Slot::Key => match (a, b) {
                        (Stmt::Match(_, l1, _), Stmt::Match(_, l2, _)) => l1 == l2,
                        _ => false,
                    },
                    Slot::Fixed => a == b,
                    Slot::Verdict => true,
                })
    }

    /// `c` can join: same shape, and no packet matches both `c` and a member.
    pub(super) fn accepts(&self, c: &Candidate) -> bool {
        self.mergeable
            && c.mergeable
            && self.same_shape(c)
            && self.all(|m| c.facts.disjoint(m), |g| c.facts.disjoint(g))
    }

    /// `c`, which comes later, can move before every member of the group.
    pub(super) fn lets_pass(&self, c: &Candidate) -> bool {
        self.all(|m| c.facts.commutes(m), |g| c.facts.commutes(g))
    }

    /// Checks the whole group at once, then (for groups small enough) member by member: the union
    /// can overlap a rule that no single member overlaps.
    fn all(&self, each: impl Fn(&Facts) -> bool, union: impl Fn(&Facts) -> bool) -> bool {
        union(&self.facts)
            || (self.members.len() <= MEMBER_SCAN
                && self
                    .members
                    .iter()
                    .all(|m| m.facts.as_ref().is_some_and(&each)))
    }

    pub(super) fn push(&mut self, c: Candidate) {
        self.facts.widen(&c.facts);
        let small = self.members.len() < MEMBER_SCAN;
        if self.members.len() == MEMBER_SCAN {
            self.members.iter_mut().for_each(|m| m.facts = None);
        }
        self.members.push(Member {
            rule: c.rule,
            facts: small.then_some(c.facts),
        });
    }

    /// The group as one rule (a group of one is the rule itself); the merged rule's comment is
    /// left for the lowering to write from its origins.
    pub(super) fn into_rules(self) -> Vec<Rule> {
        let members = self.members;
        let first = &members[0].rule.stmts;
        let keys: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.slots[i] == Slot::Key)
            .collect();
        let varying: Vec<usize> = keys
            .iter()
            .copied()
            .filter(|&i| {
                members
                    .iter()
                    .any(|m| key_value(&m.rule.stmts[i]) != key_value(&first[i]))
            })
            .collect();
        // Members are pairwise disjoint, so they differ somewhere; a group of one stays as it is.
        if members.len() == 1 || varying.is_empty() {
            return members.into_iter().map(|m| m.rule).collect();
        }
        let verdict_at = self.slots.iter().position(|s| *s == Slot::Verdict);
        let same_verdict =
            verdict_at.is_none_or(|v| members.iter().all(|m| m.rule.stmts[v] == first[v]));
        let mut lefts: Vec<Expr> = varying
            .iter()
            .map(|&i| match &first[i] {
                Stmt::Match(_, left, _) => left.clone(),
                _ => unreachable!("a key slot is a match"),
            })
            .collect();
        let key = if lefts.len() == 1 {
            lefts.pop().expect("one key")
        } else {
            Expr::Concat(lefts)
        };
        let mut seen = std::collections::HashSet::new();
        let origins: Vec<Span> = members
            .iter()
            .flat_map(|m| m.rule.origins.iter().copied())
            .filter(|o| seen.insert(*o))
            .collect();
        let mut entries: Vec<(Expr, Option<Stmt>)> = Vec::new();
        for m in &members {
            let verdict = verdict_at.map(|v| m.rule.stmts[v].clone());
            for elem in elements(&m.rule.stmts, &varying) {
                entries.push((elem, verdict.clone()));
            }
        }
        let chain = members[0].rule.chain.clone();
        let mut stmts = Vec::with_capacity(self.slots.len());
        let mut placed = false;
        for (i, slot) in self.slots.iter().enumerate() {
            match slot {
                Slot::Key if varying.contains(&i) => {
                    if !placed && same_verdict {
                        placed = true;
                        let set = entries.iter().map(|(e, _)| e.clone()).collect();
                        stmts.push(Stmt::matches(key.clone(), Expr::Set(set)));
                    }
                }
                Slot::Key | Slot::Fixed => stmts.push(first[i].clone()),
                Slot::Verdict if same_verdict => stmts.push(first[i].clone()),
                Slot::Verdict => {
                    let map = entries
                        .drain(..)
                        .map(|(e, v)| (e, v.expect("a verdict slot has a verdict")))
                        .collect();
                    stmts.push(Stmt::Vmap(key.clone(), map));
                }
            }
        }
        vec![Rule {
            chain,
            stmts,
            comment: None,
            origins,
        }]
    }
}

/// The set elements one member contributes: its values at the varying slots, one element per
/// combination when a value is itself a set.
fn elements(stmts: &[Stmt], varying: &[usize]) -> Vec<Expr> {
    let items = |s: &Stmt| match key_value(s) {
        Expr::Set(items) => items.clone(),
        other => vec![other.clone()],
    };
    if let [only] = varying {
        return items(&stmts[*only]);
    }
    let mut tuples: Vec<Vec<Expr>> = vec![Vec::new()];
    for &k in varying {
        let values = items(&stmts[k]);
        tuples = tuples
            .into_iter()
            .flat_map(|t| {
                values.iter().map(move |v| {
                    let mut t = t.clone();
                    t.push(v.clone());
                    t
                })
            })
            .collect();
    }
    tuples.into_iter().map(Expr::Concat).collect()
}
