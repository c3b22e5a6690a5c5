//! Runs of synproxy statements (see `lower/runs.rs`): consecutive statements equal but for
//! their disjoint destination ports. A forward run fails the check: in forward, SYNPROXY's rule
//! and the drop of the server's INVALID ACK test different port fields and nothing else tells
//! them apart (a packet through one interface in both directions can meet both), so it is
//! lowered statement by statement, and the optimizer's phased grouping handles it.

use super::super::Lowerer;
use super::super::matches::port_expr;
use super::super::runs::{Taken, intervals, plain, same_match};
use crate::model::ir::{Match, Synproxy, SynproxyAction};

/// The number of statements from `at` that form a run (1: none).
pub(super) fn run_len(list: &[Synproxy], at: usize) -> usize {
    let first = &list[at];
    if at + 1 == list.len() || !reusable(first) {
        return 1;
    }
    let mut taken = Taken::default();
    if !first
        .matches
        .dport
        .as_ref()
        .and_then(|d| intervals(&d.values))
        .is_some_and(|p| taken.take(p))
    {
        return 1;
    }
    let mut n = 1;
    for s in &list[at + 1..] {
        let ports = s.matches.dport.as_ref().and_then(|d| intervals(&d.values));
        if !(reusable(s) && same_but_ports(first, s) && ports.is_some_and(|p| taken.take(p))) {
            break;
        }
        n += 1;
    }
    n.max(1)
}

/// A statement whose rules can stand for others': plain ports, a verdict (no NAT, whose rules
/// carry their own addresses), no per-rule state (log limits, connlimit) and no extras.
fn reusable(s: &Synproxy) -> bool {
    matches!(
        s.action,
        SynproxyAction::Accept | SynproxyAction::Drop | SynproxyAction::Reject
    ) && !s.log
        && s.action_matches == Match::default()
        && s.matches.dport.as_ref().is_some_and(|d| !d.negated)
        && plain(&s.matches)
}

/// The same statement but for its spans and destination ports. Every field is named, so a field
/// added to the model must be thought about here (the compiler says so).
fn same_but_ports(a: &Synproxy, b: &Synproxy) -> bool {
    let Synproxy {
        span: _,
        family,
        types,
        matches,
        action,
        action_span: _,
        action_matches,
        reject_with,
        options,
        log,
        exclude_owner,
        untrack_ack,
    } = a;
    *family == b.family
        && *types == b.types
        && same_match(matches, &b.matches, false)
        && *action == b.action
        && *action_matches == b.action_matches
        && *reject_with == b.reject_with
        && *options == b.options
        && *log == b.log
        && *exclude_owner == b.exclude_owner
        && *untrack_ack == b.untrack_ack
}

impl Lowerer<'_> {
    /// Lowers `run` (from [`run_len`]) with [`Lowerer::lower_run`]. Returns how many statements
    /// were lowered (all of them).
    pub(super) fn synproxy_run(&mut self, run: &[Synproxy]) -> usize {
        let stood = self.lower_run(
            run,
            |s| s.matches.dport.as_ref().map(|d| port_expr(&d.values)),
            |s| s.span,
            |l, s| {
                for t in s.types.clone() {
                    l.synproxy(s, t);
                }
            },
        );
        if stood {
            // The kernel notes, statement by statement as before.
            for s in &run[1..] {
                for &t in &s.types {
                    self.timestamp_note(s, t);
                }
            }
        }
        run.len()
    }
}

#[cfg(test)]
mod tests {
    use super::run_len;

    fn runs(text: &str) -> Vec<usize> {
        let list = crate::analyze(text).model.synproxies;
        let mut out = Vec::new();
        let mut at = 0;
        while at < list.len() {
            let n = run_len(&list, at);
            out.push(n);
            at += n;
        }
        out
    }

    const HEAD: &str = "ipv4 synproxy input inface eth0 dst 198.51.100.1";

    #[test]
    fn statements_equal_but_for_disjoint_ports_are_one_run() {
        let text = format!(
            "{HEAD} dport 80 accept\n{HEAD} dport \"443 8000:8010\" accept\n{HEAD} dport 22 accept\n"
        );
        assert_eq!(runs(&text), [3]);
    }

    #[test]
    fn a_run_ends_where_anything_but_the_ports_differs() {
        let text = format!(
            "{HEAD} dport 80 accept\n{HEAD} dport 81 drop\n\
             {HEAD} dport 82 drop\nipv4 synproxy input inface eth1 dst 198.51.100.1 dport 83 drop\n"
        );
        assert_eq!(runs(&text), [1, 2, 1]);
    }

    #[test]
    fn overlapping_ports_and_per_rule_state_end_a_run() {
        let overlap = format!("{HEAD} dport 80 accept\n{HEAD} dport 70:90 accept\n");
        assert_eq!(runs(&overlap), [1, 1]);
        // Names are read as their numbers: `http` is 80 again.
        let named = format!("{HEAD} dport 80 accept\n{HEAD} dport http accept\n");
        assert_eq!(runs(&named), [1, 1]);
        let logged = format!("{HEAD} dport 80 accept log x\n{HEAD} dport 81 accept log x\n");
        assert_eq!(runs(&logged), [1, 1]);
        let limited =
            format!("{HEAD} dport 80 accept limit 10/s 5\n{HEAD} dport 81 accept limit 10/s 5\n");
        assert_eq!(runs(&limited), [1, 1]);
    }

    #[test]
    fn nat_actions_are_never_a_run() {
        let text = format!("{HEAD} dport 80 redirect to 8080\n{HEAD} dport 81 redirect to 8081\n");
        assert_eq!(runs(&text), [1, 1]);
    }
}
