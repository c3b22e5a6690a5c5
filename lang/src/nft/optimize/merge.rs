//! Groups of rules with one shape, and the single rule a group becomes.
//!
//! A rule's *shape* is the rule with the values of its exact matches left out (and its verdict,
//! when the rule is only matches and a verdict). Rules of one shape whose values never describe
//! the same packet are one rule with a set lookup: `tcp dport { 22, 80 }` when one match varies,
//! `iifname . ip daddr . tcp dport { .. }` when several do, and a verdict map when the verdicts
//! differ too.

use super::facts::{self, Facts, Root};
use crate::hash::FastMap;
use crate::nft::json::{Expr, Op, Rule, Stmt};
use crate::span::Span;

/// Beyond this many members a group is not searched member by member (its union must do).
const MEMBER_SCAN: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Slot {
    /// An exact match whose value may differ between the rules of a group.
    Key(Expr),
    Fixed(Stmt),
    /// The verdict of a rule that is only matches and a verdict (a verdict map can vary it).
    Verdict,
}

struct Member {
    rule: Rule,
    /// The values of the key slots, in slot order.
    keys: Vec<Expr>,
    verdict: Option<Stmt>,
    /// Kept while the group is small enough to be checked member by member.
    facts: Option<Facts>,
}

/// Consecutive rules (after reordering) that become one rule.
pub(super) struct Group {
    shape: Vec<Slot>,
    /// Whether rules may join: a shape with a stateful statement (a limit, a counter) must stay
    /// one rule per statement, since merging would share the state.
    mergeable: bool,
    members: Vec<Member>,
    /// What the whole group matches and touches (an over-approximation: union of each field).
    facts: Facts,
}

/// A rule split into its shape and its key values.
pub(super) struct Candidate {
    shape: Vec<Slot>,
    mergeable: bool,
    keys: Vec<Expr>,
    verdict: Option<Stmt>,
    pub(super) facts: Facts,
    rule: Rule,
}

pub(super) fn candidate(rule: Rule, chains: &FastMap<String, Vec<Root>>) -> Candidate {
    let facts = facts::analyze(&rule.stmts, chains);
    let only_matches = rule.stmts.split_last().is_some_and(|(last, rest)| {
        matches!(
            last,
            Stmt::Accept | Stmt::Drop | Stmt::Return | Stmt::Jump(_) | Stmt::Goto(_)
        ) && rest.iter().all(|s| matches!(s, Stmt::Match(..)))
    });
    let mut shape = Vec::with_capacity(rule.stmts.len());
    let mut keys = Vec::new();
    let mut verdict = None;
    for (i, s) in rule.stmts.iter().enumerate() {
        match s {
            Stmt::Match(Op::Eq, left, right) if keyable(left, right) => {
                shape.push(Slot::Key(left.clone()));
                keys.push(right.clone());
            }
            v if only_matches && i + 1 == rule.stmts.len() => {
                shape.push(Slot::Verdict);
                verdict = Some(v.clone());
            }
            other => shape.push(Slot::Fixed(other.clone())),
        }
    }
    let stateful = rule.stmts.iter().any(|s| {
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
    });
    let mergeable = !keys.is_empty() && !stateful && !facts::touches(&facts.writes, &facts.reads);
    Candidate {
        shape,
        mergeable,
        keys,
        verdict,
        facts,
        rule,
    }
}

/// A match that can become (part of) a set lookup: an exact value of a whole-byte field. Fields
/// narrower than a byte (`ip dscp`, `ip6 ecn`) are left alone: nft 1.0.6 mangles them inside a
/// concatenation (`ip6 dscp . tcp dport` loads with the wrong values).
fn keyable(left: &Expr, right: &Expr) -> bool {
    let field = match left {
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
    };
    field && !matches!(right, Expr::SetRef(_)) && facts::atoms(left, right).is_some()
}

impl Group {
    pub(super) fn new(c: Candidate) -> Group {
        Group {
            shape: c.shape,
            mergeable: c.mergeable,
            facts: c.facts.clone(),
            members: vec![Member {
                rule: c.rule,
                keys: c.keys,
                verdict: c.verdict,
                facts: Some(c.facts),
            }],
        }
    }

    /// `c` can join: same shape, and no packet matches both `c` and a member.
    pub(super) fn accepts(&self, c: &Candidate) -> bool {
        self.mergeable
            && c.mergeable
            && self.shape == c.shape
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
            keys: c.keys,
            verdict: c.verdict,
            facts: small.then_some(c.facts),
        });
    }

    /// The group as one rule (a group of one is the rule itself). `comment` names the
    /// statements a merged rule comes from.
    pub(super) fn into_rules(self, comment: &dyn Fn(&[Span]) -> Option<String>) -> Vec<Rule> {
        let members = self.members;
        let first = &members[0];
        let varying: Vec<usize> = (0..first.keys.len())
            .filter(|&k| members.iter().any(|m| m.keys[k] != first.keys[k]))
            .collect();
        // Members are pairwise disjoint, so they differ somewhere; a group of one stays as it is.
        if members.len() == 1 || varying.is_empty() {
            return members.into_iter().map(|m| m.rule).collect();
        }
        let same_verdict = members.iter().all(|m| m.verdict == first.verdict);
        let mut lefts = Vec::new();
        let mut key_slot = 0;
        for slot in &self.shape {
            if let Slot::Key(left) = slot {
                if varying.contains(&key_slot) {
                    lefts.push(left.clone());
                }
                key_slot += 1;
            }
        }
        let key = if lefts.len() == 1 {
            lefts.pop().expect("one key")
        } else {
            Expr::Concat(lefts)
        };
        let mut entries: Vec<(Expr, Option<Stmt>)> = Vec::new();
        for m in &members {
            for elem in elements(&m.keys, &varying) {
                entries.push((elem, m.verdict.clone()));
            }
        }
        let mut seen = std::collections::HashSet::new();
        let origins: Vec<Span> = members
            .iter()
            .flat_map(|m| m.rule.origins.iter().copied())
            .filter(|o| seen.insert(*o))
            .collect();
        let mut stmts = Vec::with_capacity(self.shape.len());
        let mut key_slot = 0;
        let mut placed = false;
        for slot in &self.shape {
            match slot {
                Slot::Key(left) => {
                    if !varying.contains(&key_slot) {
                        stmts.push(Stmt::matches(left.clone(), first.keys[key_slot].clone()));
                    } else if !placed && same_verdict {
                        placed = true;
                        let set = entries.iter().map(|(e, _)| e.clone()).collect();
                        stmts.push(Stmt::matches(key.clone(), Expr::Set(set)));
                    }
                    key_slot += 1;
                }
                Slot::Fixed(s) => stmts.push(s.clone()),
                Slot::Verdict if same_verdict => {
                    stmts.push(first.verdict.clone().expect("a verdict slot has a verdict"))
                }
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
            chain: first.rule.chain.clone(),
            stmts,
            comment: comment(&origins),
            origins,
        }]
    }
}

/// The set elements one member contributes: its values at the varying slots, one element per
/// combination when a value is itself a set.
fn elements(keys: &[Expr], varying: &[usize]) -> Vec<Expr> {
    let items = |e: &Expr| match e {
        Expr::Set(items) => items.clone(),
        other => vec![other.clone()],
    };
    if let [only] = varying {
        return items(&keys[*only]);
    }
    let mut tuples: Vec<Vec<Expr>> = vec![Vec::new()];
    for &k in varying {
        let values = items(&keys[k]);
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
