//! SYNPROXY's rule for untracked packets, first in its chain's synproxy block.
//!
//! A SYN flood is untracked (step 1), so each flood SYN meets the synproxy block of forward.
//! FireHOL's order, statement by statement, puts each statement's drop of the server's INVALID
//! ACK (`oifname`) between the SYNPROXY rules there, and rules of different actions that might
//! both match a packet (a hairpin through one interface) are never regrouped: a SYN for the last
//! of N protected services walked 2N rules, and at N = 1,000 fhc answered a flood at a third of
//! FireHOL's rate (scripts/bench-flood.sh). When the ruleset is optimized, a forward SYNPROXY rule
//! is split by conntrack state (`untracked`, then `invalid`: the same packets, the same action)
//! and the `untracked` halves open the block, where the optimizer makes them one set lookup
//! whatever N is. (In input the block holds no such drop, and the optimizer merges the whole
//! rule as it is.)
//!
//! Why this keeps every verdict: a held rule moves up only past rules of the same block that no
//! packet it matches can meet. Each of those rules must want a conntrack state other than
//! `untracked`, or want `iifname "lo"` where every held rule names one other interface (no
//! wildcard), and must be its matches followed by a plain verdict, a log or SYNPROXY (no jump,
//! nothing written that a held rule reads). Otherwise every held rule goes back where FireHOL's order puts it. `--no-optimize`
//! keeps FireHOL's single `invalid,untracked` rule; the optimizer's equivalence test compares the
//! two.

use crate::model::ir::Synproxy;
use crate::nft::json::{Expr, Op, Rule, Stmt};
use crate::nft::lower::{Lowerer, stateful_last};

impl Lowerer<'_> {
    /// Keeps SYNPROXY's `untracked` rule for [`Self::place_untracked`].
    pub(super) fn hold_untracked(
        &mut self,
        chain: &'static str,
        mut stmts: Vec<Stmt>,
        s: &Synproxy,
    ) {
        stateful_last(&mut stmts);
        let at = self.rules.get(chain).map_or(0, Vec::len);
        let rule = Rule {
            chain: chain.to_string(),
            stmts,
            comment: None,
            origins: vec![s.span],
        };
        self.untracked_synproxy.push((chain, rule, at));
    }

    /// Puts the held rules of `chain` at `start` (where its synproxy block begins) when that
    /// changes no verdict, else each where it was made.
    pub(super) fn place_untracked(&mut self, chain: &str, start: usize) {
        let (held, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.untracked_synproxy)
            .into_iter()
            .partition(|(c, _, _)| *c == chain);
        self.untracked_synproxy = rest;
        if held.is_empty() {
            return;
        }
        let list = self.rules.entry(chain.to_string()).or_default();
        let named_not_lo = held
            .iter()
            .all(|(_, r, _)| iifname(&r.stmts).is_some_and(|i| i != "lo"));
        let passable = list[start..].iter().all(|p| {
            plain_end(&p.stmts)
                && (ct_states_of(&p.stmts).is_some_and(|st| !st.contains(&"untracked"))
                    || named_not_lo && iifname(&p.stmts) == Some("lo"))
        });
        if passable {
            list.splice(start..start, held.into_iter().map(|(_, r, _)| r));
        } else {
            for (k, (_, r, at)) in held.into_iter().enumerate() {
                list.insert(at + k, r);
            }
        }
    }
}

/// `iifname "X"` of a rule, when X is one interface (not a wildcard such as `eth*`, which could
/// match `lo` too).
fn iifname(stmts: &[Stmt]) -> Option<&str> {
    stmts.iter().find_map(|s| match s {
        Stmt::Match(Op::Eq, Expr::Meta("iifname"), Expr::Str(i)) if !i.contains(['*', '\\']) => {
            Some(i.as_str())
        }
        _ => None,
    })
}

/// The conntrack states a rule wants, when it names them.
fn ct_states_of(stmts: &[Stmt]) -> Option<Vec<&str>> {
    stmts.iter().find_map(|s| match s {
        Stmt::Match(Op::In | Op::Eq, Expr::Ct("state", None), right) => match right {
            Expr::Str(v) => Some(vec![v.as_str()]),
            Expr::List(items) => items
                .iter()
                .map(|i| match i {
                    Expr::Str(v) => Some(v.as_str()),
                    _ => None,
                })
                .collect(),
            _ => None,
        },
        _ => None,
    })
}

/// The rule ends the way a held rule may pass: its matches first, then a verdict, a log,
/// SYNPROXY; no jump, no writes.
fn plain_end(stmts: &[Stmt]) -> bool {
    let first_action = stmts
        .iter()
        .position(|s| !matches!(s, Stmt::Match(..)))
        .unwrap_or(stmts.len());
    !stmts[first_action..]
        .iter()
        .any(|s| matches!(s, Stmt::Match(..)))
        && stmts.iter().all(|s| {
            matches!(
                s,
                Stmt::Match(..)
                    | Stmt::Accept
                    | Stmt::Drop
                    | Stmt::Reject(_)
                    | Stmt::Synproxy { .. }
                    | Stmt::Log { .. }
                    | Stmt::Limit { .. }
                    | Stmt::Counter
            )
        })
}
