//! Runs of synproxy statements made into one set of rules, before the optimizer sees them.
//!
//! A configuration that protects N services usually writes N synproxy statements that differ only
//! in their `dport`. Each lowers to about ten rules, and the optimizer used to merge the N copies
//! of each rule back into one with a port set: the compile time grew with N times ten rules. Here
//! a *run* (consecutive statements equal but for their destination ports) lowers its first
//! statement only, and that statement's rules, with the whole run's ports in their port match and
//! the whole run as their origins, stand for the run. The optimizer still runs over the result.
//!
//! Why the rules of the run are the run's statements' rules (only when optimizing; `--no-optimize`
//! keeps one rule per statement): every rule of the first statement matches the statement's ports
//! in exactly one port field (`tcp dport` towards the server, `tcp sport` back to the client), and
//! the statements' port sets are disjoint. In one chain, a packet's value of one port field falls
//! in at most one statement's ports, so of the rules that test that field it can only meet one
//! statement's, in the same order either way. Rules that test different fields are proven to
//! commute (the optimizer's facts: no packet meets both, or both end in the same plain verdict,
//! and neither writes what the other reads), so the statement-by-statement order and the run's
//! order give every packet the same verdict. The first statement's rules are checked before they
//! are reused; a run that fails a check is lowered statement by statement.
//!
//! `analyze`'s errors-only lowering uses runs too (the editor's documents protect many ports):
//! when the first statement lowers without an error, so do the others, since ports always lower.

use super::super::Lowerer;
use super::super::matches::port_expr;
use crate::model::ir::{Cond, Match, Synproxy, SynproxyAction};
use crate::model::values::Port;
use crate::nft::json::{Expr, Op, Rule, Stmt};
use crate::nft::optimize;

/// The number of statements from `at` that form a run (1: none).
pub(super) fn run_len(list: &[Synproxy], at: usize) -> usize {
    let first = &list[at];
    if !reusable(first) {
        return 1;
    }
    let mut ports: Vec<(u16, u16)> = Vec::new();
    let mut n = 0;
    for s in &list[at..] {
        if !(reusable(s) && same_but_ports(first, s)) {
            break;
        }
        let Some(mine) = intervals(s) else { break };
        if mine
            .iter()
            .any(|a| ports.iter().any(|b| a.0 <= b.1 && b.0 <= a.1))
        {
            break;
        }
        ports.extend(mine);
        n += 1;
    }
    n.max(1)
}

/// A statement whose rules can stand for others': plain ports, a verdict (no NAT, whose rules
/// carry their own addresses), no per-rule state (log limits, connlimit) and no extras.
fn reusable(s: &Synproxy) -> bool {
    let m = &s.matches;
    matches!(
        s.action,
        SynproxyAction::Accept | SynproxyAction::Drop | SynproxyAction::Reject
    ) && !s.log
        && s.action_matches == Match::default()
        && m.dport.as_ref().is_some_and(|d| !d.negated)
        && m.log.is_none()
        && m.limit.is_none()
        && m.connlimit.is_none()
        && m.extras.is_empty()
        && m.options.is_empty()
}

/// The destination ports as intervals, when each is a number or a range (a service name's port
/// is unknown here, so nothing proves two of them disjoint).
fn intervals(s: &Synproxy) -> Option<Vec<(u16, u16)>> {
    let d = s.matches.dport.as_ref()?;
    d.values
        .iter()
        .map(|p| match p {
            Port::Num(n) => Some((*n, *n)),
            Port::Range(a, b) => Some((*a, *b)),
            Port::Name(_) => None,
        })
        .collect()
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
        && same_matches_but_dport(matches, &b.matches)
        && *action == b.action
        && *action_matches == b.action_matches
        && *reject_with == b.reject_with
        && *options == b.options
        && *log == b.log
        && *exclude_owner == b.exclude_owner
        && *untrack_ack == b.untrack_ack
}

fn same_matches_but_dport(a: &Match, b: &Match) -> bool {
    fn eq<T: PartialEq>(a: &Option<Cond<T>>, b: &Option<Cond<T>>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(x), Some(y)) => x.negated == y.negated && x.values == y.values,
            _ => false,
        }
    }
    let Match {
        src,
        dst,
        src4,
        src6,
        dst4,
        dst6,
        inface,
        outface,
        proto,
        sport,
        dport: _,
        uid,
        gid,
        mac,
        mark,
        connmark,
        state,
        log,
        limit,
        connlimit,
        extras,
        options,
    } = a;
    eq(src, &b.src)
        && eq(dst, &b.dst)
        && eq(src4, &b.src4)
        && eq(src6, &b.src6)
        && eq(dst4, &b.dst4)
        && eq(dst6, &b.dst6)
        && eq(inface, &b.inface)
        && eq(outface, &b.outface)
        && eq(proto, &b.proto)
        && eq(sport, &b.sport)
        && eq(uid, &b.uid)
        && eq(gid, &b.gid)
        && eq(mac, &b.mac)
        && eq(mark, &b.mark)
        && eq(connmark, &b.connmark)
        && eq(state, &b.state)
        && *log == b.log
        && *limit == b.limit
        && *connlimit == b.connlimit
        && *extras == b.extras
        && *options == b.options
}

/// Where the lowering stood before a statement: rule counts per chain, held rules, errors.
struct Mark {
    chains: Vec<(String, usize)>,
    held: usize,
    errors: usize,
}

impl Lowerer<'_> {
    /// Lowers `run` (from [`run_len`]) as one statement when its first statement's rules pass the
    /// checks in the module's doc; otherwise lowers the first statement alone. Returns how many
    /// statements were lowered.
    pub(super) fn synproxy_run(&mut self, run: &[Synproxy]) -> usize {
        let first = &run[0];
        let mark = self.mark();
        for t in first.types.clone() {
            self.synproxy(first, t);
        }
        if run.len() == 1 || self.errors.len() > mark.errors {
            return 1;
        }
        if !self.keep_stmts {
            // The errors-only lowering: the run's statements differ from the first only in
            // ports, which always lower, so they have no errors either. Their rules only
            // keep their places (raw inserts count them).
            let made: Vec<String> = self
                .new_rules(&mark)
                .iter()
                .map(|(c, _)| c.to_string())
                .collect();
            for s in &run[1..] {
                for chain in &made {
                    self.push(chain, Vec::new(), Some(s.span));
                }
            }
            return run.len();
        }
        let Some(d) = first.matches.dport.as_ref() else {
            return 1;
        };
        let mine = port_expr(&d.values);
        let Some(slots) = self.port_slots(&mark, &mine) else {
            return 1;
        };
        // The run's ports in the order the optimizer would list them: statement by statement.
        let mut items = Vec::new();
        for s in run {
            if let Some(d) = &s.matches.dport {
                match port_expr(&d.values) {
                    Expr::Set(v) => items.extend(v),
                    one => items.push(one),
                }
            }
        }
        let ports = Expr::Set(items);
        let origins: Vec<_> = run.iter().map(|s| s.span).collect();
        self.for_new_rules(&mark, |r, k| {
            if let Stmt::Match(_, _, right) = &mut r.stmts[slots[k]] {
                *right = ports.clone();
            }
            r.origins = origins.clone();
        });
        // The kernel notes, statement by statement as before.
        for s in &run[1..] {
            for &t in &s.types {
                self.timestamp_note(s, t);
            }
        }
        run.len()
    }

    fn mark(&self) -> Mark {
        Mark {
            chains: self
                .rules
                .iter()
                .map(|(c, l)| (c.clone(), l.len()))
                .collect(),
            held: self.untracked_synproxy.len(),
            errors: self.errors.len(),
        }
    }

    /// The rules made since `mark`, with their chain, in a fixed order (chains by name, then the
    /// held rules), numbered as [`Self::for_new_rules`] numbers them.
    fn new_rules(&self, mark: &Mark) -> Vec<(&str, &Rule)> {
        let mut names: Vec<&String> = self.rules.keys().collect();
        names.sort();
        let mut out = Vec::new();
        for c in names {
            let from = mark.chains.iter().find(|(n, _)| n == c).map_or(0, |x| x.1);
            out.extend(self.rules[c][from..].iter().map(|r| (c.as_str(), r)));
        }
        out.extend(
            self.untracked_synproxy[mark.held..]
                .iter()
                .map(|(c, r, _)| (*c, r)),
        );
        out
    }

    fn for_new_rules(&mut self, mark: &Mark, mut f: impl FnMut(&mut Rule, usize)) {
        let mut names: Vec<String> = self.rules.keys().cloned().collect();
        names.sort();
        let mut k = 0;
        for c in names {
            let from = mark.chains.iter().find(|(n, _)| *n == c).map_or(0, |x| x.1);
            for r in self
                .rules
                .get_mut(&c)
                .into_iter()
                .flat_map(|l| &mut l[from..])
            {
                f(r, k);
                k += 1;
            }
        }
        for (_, r, _) in &mut self.untracked_synproxy[mark.held..] {
            f(r, k);
            k += 1;
        }
    }

    /// For each rule made since `mark`, the index of its one match on the statement's ports, when
    /// every rule has exactly one, none holds per-rule state, and rules of one chain that test
    /// different port fields commute.
    fn port_slots(&self, mark: &Mark, mine: &Expr) -> Option<Vec<usize>> {
        let rules = self.new_rules(mark);
        let mut found: Vec<(&str, usize, &'static str)> = Vec::with_capacity(rules.len());
        for (chain, r) in &rules {
            if optimize::stateful(&r.stmts) {
                return None;
            }
            let mut hits = r.stmts.iter().enumerate().filter_map(|(i, s)| match s {
                Stmt::Match(Op::Eq, Expr::Payload("tcp", f @ ("sport" | "dport")), v)
                    if v == mine =>
                {
                    Some((i, *f))
                }
                _ => None,
            });
            let (i, field) = hits.next()?;
            if hits.next().is_some() {
                return None;
            }
            found.push((chain, i, field));
        }
        let without = |k: usize| {
            let mut s = rules[k].1.stmts.clone();
            s.remove(found[k].1);
            s
        };
        for a in 0..rules.len() {
            for b in a + 1..rules.len() {
                if found[a].0 == found[b].0
                    && found[a].2 != found[b].2
                    && !optimize::commute(&without(a), &without(b))
                {
                    return None;
                }
            }
        }
        Some(found.into_iter().map(|(_, i, _)| i).collect())
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
