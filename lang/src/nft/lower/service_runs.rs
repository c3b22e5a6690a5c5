//! Runs of `server`/`client`/`route` statements (see `runs.rs`): consecutive statements of a
//! section with one simple service each, equal but for their disjoint server ports
//! (`server custom svcP tcp/P default accept`, or `server ssh` then `server http`), with no
//! protection between them.

use super::Lowerer;
use super::matches::port_expr;
use super::runs::{Taken, intervals, plain, same_match};
use crate::model::ir::{Rule, Section, ServiceDef};
use crate::model::services::{ClientPort, protocol_groups};
use crate::model::values::{Port, Proto};

/// The number of statements of `s` from `at` that form a run (1: none).
pub(super) fn run_len(s: &Section, at: usize) -> usize {
    let first = &s.rules[at];
    if at + 1 == s.rules.len() || !reusable(first) {
        return 1;
    }
    let mut taken = Taken::default();
    if !server_ports(first)
        .and_then(|(_, p)| intervals(&p))
        .is_some_and(|p| taken.take(p))
    {
        return 1;
    }
    let mut n = 1;
    for r in &s.rules[at + 1..] {
        let between = |p: usize| first.span.start < p && p < r.span.start;
        if s.protections.iter().any(|p| between(p.span.start)) {
            break;
        }
        let ports = server_ports(r).and_then(|(_, p)| intervals(&p));
        if !(reusable(r) && same_but_ports(first, r) && ports.is_some_and(|p| taken.take(p))) {
            break;
        }
        n += 1;
    }
    n.max(1)
}

/// The one simple service's protocol (TCP or UDP) and server ports, when the statement has one
/// service, of one protocol, with ports, and no helper.
fn server_ports(r: &Rule) -> Option<(Proto, Vec<Port>)> {
    let [svc] = r.services.as_slice() else {
        return None;
    };
    let ServiceDef::Simple {
        server, helpers, ..
    } = &svc.def
    else {
        return None;
    };
    let groups = protocol_groups(server);
    let [(Some(proto @ (Proto::Tcp | Proto::Udp)), ports)] = groups.as_slice() else {
        return None;
    };
    let ports: Option<Vec<Port>> = ports.iter().copied().collect();
    if !helpers.is_empty() {
        return None;
    }
    Some((*proto, ports?))
}

/// No per-rule state (a limit, a log limit) in the statement, its action or its groups.
fn reusable(r: &Rule) -> bool {
    r.action.limit.is_none() && plain(&r.matches) && r.groups.iter().all(plain)
}

/// The same statement but for its spans and server ports: the same client ports and protocol.
/// Every field is named, so a field added to the model must be thought about here.
fn same_but_ports(a: &Rule, b: &Rule) -> bool {
    let Rule {
        span: _,
        role,
        services,
        action,
        matches,
        groups,
        families,
    } = a;
    // The cheap comparisons first: most neighbours differ in their action or conditions.
    fn client(services: &[crate::model::ir::Service]) -> Option<&Vec<ClientPort>> {
        match services {
            [svc] => match &svc.def {
                ServiceDef::Simple { client, .. } => Some(client),
                ServiceDef::Complex(_) => None,
            },
            _ => None,
        }
    }
    let proto = |r: &Rule| server_ports(r).map(|(p, _)| p);
    *role == b.role
        && action.verdict == b.action.verdict
        && action.limit == b.action.limit
        && *families == b.families
        && client(services).is_some()
        && client(services) == client(&b.services)
        && same_match(matches, &b.matches, true)
        && groups.len() == b.groups.len()
        && groups
            .iter()
            .zip(&b.groups)
            .all(|(x, y)| same_match(x, y, true))
        && proto(a) == proto(b)
}

impl Lowerer<'_> {
    /// Lowers `run` (from [`run_len`]) with [`Lowerer::lower_run`]. Returns how many statements
    /// were lowered (all of them).
    pub(super) fn rule_run(&mut self, s: &Section, run: &[Rule], cin: &str, cout: &str) -> usize {
        self.lower_run(
            run,
            // The expression `rule` gives the server ports.
            |r| server_ports(r).map(|(_, p)| port_expr(&p)),
            |r| r.span,
            |l, r| l.rule(s, r, cin, cout),
        );
        run.len()
    }
}

#[cfg(test)]
mod tests {
    use super::run_len;

    fn runs(body: &str) -> Vec<usize> {
        let text = format!("interface4 eth0 lan\n{body}");
        let model = crate::analyze(&text).model;
        let s = &model.sections[0];
        let mut out = Vec::new();
        let mut at = 0;
        while at < s.rules.len() {
            let n = run_len(s, at);
            out.push(n);
            at += n;
        }
        out
    }

    #[test]
    fn services_of_one_shape_on_disjoint_ports_are_one_run() {
        let body = "server custom a tcp/80 default accept\nserver ssh accept\n\
                    server custom b tcp/8000:8010 default accept\n";
        assert_eq!(runs(body), [3]);
    }

    #[test]
    fn a_run_ends_at_another_shape_action_protocol_or_protection() {
        let body = "server custom a tcp/80 default accept\nserver custom b tcp/81 default drop\n\
                    server custom c udp/82 default drop\nclient custom d udp/83 default drop\n\
                    server ftp accept\nserver custom e tcp/84 default accept\nprotection strong\n\
                    server custom f tcp/85 default accept\nserver custom g tcp/85 default accept\n";
        assert_eq!(runs(body), [1, 1, 1, 1, 1, 1, 1, 1]);
    }

    /// The lowering reports an error once per place: a run's first statement whose error was
    /// already reported (at its group's span) must still not stand for the run, or the next
    /// group's error would never be found.
    #[test]
    fn a_run_whose_first_statement_fails_reports_every_error() {
        let text = "ipset4 create blk hash:ip\ninterface4 eth0 lan\n\
                    group with src \"ipset:blk 10.0.0.1\"\n\
                    server custom x udp/53 default accept\nserver custom a tcp/80 default accept\n\
                    group end\ngroup with src \"ipset:blk 10.0.0.1\"\n\
                    server custom b tcp/81 default accept\ngroup end\n";
        let errors: Vec<_> = crate::analyze(text)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == crate::codes::Code::Untranslatable)
            .map(|d| d.span.start)
            .collect();
        assert_eq!(errors.len(), 2, "one error per group: {errors:?}");
    }
}
