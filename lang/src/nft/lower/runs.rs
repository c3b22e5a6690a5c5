//! Runs of statements made into one set of rules, before the optimizer sees them.
//!
//! Configurations that protect or open N ports often write N statements that differ only in
//! their ports (`synproxy ... dport P`, `server custom svcP tcp/P default accept`). Each lowers to
//! a few rules, and the optimizer used to merge the N copies of each rule back into one with a
//! port set: compile time grew with N times the rules per statement. A *run* (consecutive
//! statements equal but for their ports) lowers its first statement only, and that statement's
//! rules, with the whole run's ports in their port match and the whole run as their origins,
//! stand for the run. The optimizer still runs over the result. Only when optimizing:
//! `--no-optimize` keeps one rule per statement.
//!
//! Why the run's rules are its statements' rules: every rule of the first statement matches the
//! statement's ports in exactly one port field (`dport` towards the server, `sport` back), and
//! the statements' port sets are disjoint. In one chain, a packet's value of one port field falls
//! in at most one statement's ports, so of the rules that test that field it can only meet one
//! statement's, in the same order either way. Rules of one chain that test different fields are
//! proven to commute (the optimizer's facts: no packet meets both, or both end in the same plain
//! verdict, and neither writes what the other reads), so the statement-by-statement order and
//! the run's order give every packet the same verdict. No rule may hold per-rule state (a limit
//! shared by the run would be wrong). The first statement's rules are checked before they stand
//! for the run; a run that fails a check is lowered statement by statement.
//!
//! `analyze`'s errors-only lowering uses runs too (the editor's documents protect many ports):
//! when the first statement lowers without an error, so do the others, since ports always lower.
//! Their rules only keep their places (raw inserts count them).
//!
//! The statements' kinds find their runs themselves (`synproxy/runs.rs`, `service_runs.rs`).

use super::Lowerer;
use crate::model::ir::{Cond, Match};
use crate::model::values::Port;
use crate::nft::json::{Expr, Op, Rule, Stmt};
use crate::nft::optimize;
use crate::span::Span;

/// No per-rule state and nothing but plain conditions: what every statement of a run needs.
pub(super) fn plain(m: &Match) -> bool {
    m.log.is_none()
        && m.limit.is_none()
        && m.connlimit.is_none()
        && m.extras.is_empty()
        && m.options.is_empty()
}

/// Ports as intervals, when each is a number or a range (a name's port is unknown here, so
/// nothing proves two of them disjoint).
pub(super) fn intervals<'a>(ports: impl IntoIterator<Item = &'a Port>) -> Option<Vec<(u16, u16)>> {
    ports
        .into_iter()
        .map(|p| match p {
            Port::Num(n) => Some((*n, *n)),
            Port::Range(a, b) => Some((*a, *b)),
            Port::Name(_) => None,
        })
        .collect()
}

/// Port sets seen so far in a run, to tell whether the next is disjoint from all of them (by
/// start, so that a run of thousands of statements stays cheap).
#[derive(Default)]
pub(super) struct Taken(std::collections::BTreeMap<u16, u16>);

impl Taken {
    /// Takes `mine` when none of its ports is taken yet, and its intervals are disjoint.
    pub(super) fn take(&mut self, mut mine: Vec<(u16, u16)>) -> bool {
        mine.sort_unstable();
        if mine.windows(2).any(|w| w[1].0 <= w[0].1) {
            return false;
        }
        // The taken intervals are disjoint, so the last one starting at or before `hi` is the
        // only one that can reach into `lo..=hi`.
        let free = |(lo, hi): &(u16, u16)| {
            self.0
                .range(..=*hi)
                .next_back()
                .is_none_or(|(_, end)| end < lo)
        };
        if !mine.iter().all(free) {
            return false;
        }
        self.0.extend(mine);
        true
    }
}

/// The same conditions but for their spans (and the destination ports when `dport` is false).
/// Every field is named, so a field added to the model must be thought about here (the compiler
/// says so).
pub(super) fn same_match(a: &Match, b: &Match, dport: bool) -> bool {
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
        dport: a_dport,
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
    (!dport || eq(a_dport, &b.dport))
        && eq(src, &b.src)
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

/// Where the lowering stood before a statement: held rules, and how many errors it had found
/// (every call: `error` drops a repeated one, which must still count here).
pub(super) struct Mark {
    held: usize,
    errors: usize,
}

/// What a statement made since its mark: the chains it wrote, by name, with how many rules each
/// got (at its end), and the rules it held.
pub(super) struct Made {
    chains: Vec<(String, usize)>,
    held: usize,
}

impl Lowerer<'_> {
    /// Lowers a run (two statements or more from a kind's `run_len`): its first statement by
    /// `lower`, whose rules then stand for the run when they can; otherwise every statement by
    /// `lower` (the check does not depend on the ports, so the others would fail it too).
    /// `ports` gives a statement's port expression as its rules hold it. True when the first
    /// statement's rules stand for the run.
    pub(super) fn lower_run<T>(
        &mut self,
        run: &[T],
        ports: impl Fn(&T) -> Option<Expr>,
        span: impl Fn(&T) -> Span,
        mut lower: impl FnMut(&mut Self, &T),
    ) -> bool {
        let mine = (run.len() > 1).then(|| ports(&run[0])).flatten();
        let mark = mine.is_some().then(|| self.mark());
        lower(self, &run[0]);
        if let (Some(mine), Some(mark)) = (mine, mark) {
            let all: Vec<Expr> = run.iter().filter_map(&ports).collect();
            let spans: Vec<Span> = run.iter().map(span).collect();
            if self.stand_for_run(&mark, &mine, &all, &spans) {
                return true;
            }
        }
        for x in &run[1..] {
            lower(self, x);
        }
        false
    }

    /// After the first statement of a run was lowered since `mark`: makes its rules stand for
    /// the run, when the module's checks pass. `mine` is the first statement's port expression,
    /// `ports` the run's ports statement by statement (as the optimizer would list them),
    /// `spans` the run's statements. False when the rules were left as they were made (the
    /// caller then lowers the others one by one).
    fn stand_for_run(&mut self, mark: &Mark, mine: &Expr, ports: &[Expr], spans: &[Span]) -> bool {
        let made = self.made(mark);
        if self.error_calls > mark.errors || made.chains.is_empty() {
            return false;
        }
        if !self.keep_stmts {
            for s in &spans[1..] {
                for (chain, n) in &made.chains {
                    for _ in 0..*n {
                        self.push(chain, Vec::new(), Some(*s));
                    }
                }
            }
            return true;
        }
        let Some(slots) = self.port_slots(&made, mine) else {
            return false;
        };
        let mut items = Vec::new();
        for p in ports {
            match p {
                Expr::Set(v) => items.extend(v.iter().cloned()),
                one => items.push(one.clone()),
            }
        }
        let ports = Expr::Set(items);
        // A statement a loop or a function ran several times is one origin (as when merged).
        let mut seen = std::collections::HashSet::new();
        let origins: Vec<Span> = spans.iter().copied().filter(|s| seen.insert(*s)).collect();
        self.for_new_rules(&made, |r, k| {
            if let Stmt::Match(_, _, right) = &mut r.stmts[slots[k]] {
                *right = ports.clone();
            }
            r.origins = origins.clone();
        });
        true
    }

    /// Starts recording the chains written (`push` notes them), so that what one statement made
    /// is found without looking at every chain.
    pub(super) fn mark(&mut self) -> Mark {
        self.journal = Some(Vec::new());
        Mark {
            held: self.untracked_synproxy.len(),
            errors: self.error_calls,
        }
    }

    /// Ends the recording [`Self::mark`] started.
    fn made(&mut self, mark: &Mark) -> Made {
        let mut names = self.journal.take().unwrap_or_default();
        names.sort();
        let mut chains: Vec<(String, usize)> = Vec::new();
        for c in names {
            match chains.last_mut() {
                Some((last, n)) if *last == c => *n += 1,
                _ => chains.push((c, 1)),
            }
        }
        Made {
            chains,
            held: mark.held,
        }
    }

    /// The rules made since the mark, with their chain, in a fixed order (chains by name, then
    /// the held rules), numbered as [`Self::for_new_rules`] numbers them.
    fn new_rules<'s>(&'s self, made: &'s Made) -> Vec<(&'s str, &'s Rule)> {
        let mut out = Vec::new();
        for (c, n) in &made.chains {
            let list = &self.rules[c];
            out.extend(list[list.len() - n..].iter().map(|r| (c.as_str(), r)));
        }
        out.extend(
            self.untracked_synproxy[made.held..]
                .iter()
                .map(|(c, r, _)| (*c, r)),
        );
        out
    }

    fn for_new_rules(&mut self, made: &Made, mut f: impl FnMut(&mut Rule, usize)) {
        let mut k = 0;
        for (c, n) in &made.chains {
            if let Some(list) = self.rules.get_mut(c) {
                let from = list.len() - n;
                for r in &mut list[from..] {
                    f(r, k);
                    k += 1;
                }
            }
        }
        for (_, r, _) in &mut self.untracked_synproxy[made.held..] {
            f(r, k);
            k += 1;
        }
    }

    /// For each rule made since the mark, the index of its one match on the statement's ports,
    /// when there are rules and every rule has exactly one, none holds per-rule state, and rules of one chain that test
    /// different port fields commute.
    fn port_slots(&self, made: &Made, mine: &Expr) -> Option<Vec<usize>> {
        let rules = self.new_rules(made);
        if rules.is_empty() {
            return None;
        }
        let mut found: Vec<(&str, usize, &'static str)> = Vec::with_capacity(rules.len());
        for (chain, r) in &rules {
            if optimize::stateful(&r.stmts) {
                return None;
            }
            let mut hits = r.stmts.iter().enumerate().filter_map(|(i, s)| match s {
                Stmt::Match(Op::Eq, Expr::Payload(_, f @ ("sport" | "dport")), v) if v == mine => {
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
