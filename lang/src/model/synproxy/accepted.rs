//! W0111: after SYNPROXY's handshake the connection is ordinary traffic, and some server or
//! route statement must accept it, or the client sees a connection that opens and then hangs.

use super::checks::{addr_bounds, port_range};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::build::Builder;
use crate::model::ir::*;
use crate::model::values::{Addr, Af, Port};

/// An accepting server/route statement: section kind, families, TCP port ranges (`None`: any
/// port) and the destination it is restricted to.
type Accepting = (
    SectionKind,
    Families,
    Option<Vec<(u16, u16)>>,
    Option<Cond<Addr>>,
);

/// Where a synproxy's connection must be accepted: section kinds, destinations, ports.
type Wanted = (Vec<SectionKind>, Option<Vec<Addr>>, Vec<Port>);

impl Builder<'_> {
    /// After the handshake the connection is ordinary traffic: some server/route must accept it.
    pub(super) fn check_accepted(&mut self) {
        if self.model.synproxies.is_empty() {
            return;
        }
        let accepting = self.accepting_statements();
        let by_port = ByPort::new(&accepting);
        let mut out = Vec::new();
        for s in &self.model.synproxies {
            if matches!(
                s.action,
                SynproxyAction::Drop | SynproxyAction::Reject | SynproxyAction::Action(_)
            ) {
                continue;
            }
            let Some(dport) = &s.matches.dport else {
                continue;
            };
            if dport.negated {
                continue;
            }
            let wants = wanted_after_nat(s, dport);
            let missing = missing_ports(&by_port, s.family, &wants);
            out.extend(not_accepted_diag(s, &missing));
        }
        self.diags.extend(out);
    }

    /// Every accepting server/route statement, once: (section kind, families, tcp port ranges
    /// (None = any port), destination condition). Synproxies are then checked against this
    /// compact list instead of walking every section's rules and services each time.
    fn accepting_statements(&self) -> Vec<Accepting> {
        let mut accepting: Vec<Accepting> = Vec::new();
        for sec in &self.model.sections {
            for r in &sec.rules {
                if r.action.verdict != Verdict::Accept || r.role == crate::syntax::ast::Role::Client
                {
                    continue;
                }
                for af in [Af::V4, Af::V6] {
                    if !r.families.has(af) || !sec.families.has(af) {
                        continue;
                    }
                    let dst = r.matches.dst_for(af).or(sec.matches.dst_for(af)).cloned();
                    let fam = if af == Af::V4 {
                        Families::V4
                    } else {
                        Families::V6
                    };
                    for svc in &r.services {
                        if let Some(ranges) = tcp_ranges(&svc.def) {
                            accepting.push((sec.kind, fam, ranges, dst.clone()));
                        }
                    }
                }
            }
        }
        accepting
    }
}

/// Where the connection goes after the synproxy's own NAT: (section kinds, dsts, ports).
fn wanted_after_nat(s: &Synproxy, dport: &Cond<Port>) -> Vec<Wanted> {
    let orig_dsts = s
        .matches
        .dst_for(s.family)
        .filter(|c| !c.negated)
        .map(|c| c.values.clone());
    let mut wants: Vec<Wanted> = Vec::new();
    match &s.action {
        SynproxyAction::Redirect { port } => {
            wants.push((vec![SectionKind::Interface], orig_dsts.clone(), vec![*port]))
        }
        SynproxyAction::Dnat { targets, .. } => {
            for t in targets {
                let ports = t
                    .port
                    .map(|p| vec![p])
                    .unwrap_or_else(|| dport.values.clone());
                match &t.addr {
                    // `dnat to :PORT` keeps the (local) destination the client used.
                    None => wants.push((vec![SectionKind::Interface], orig_dsts.clone(), ports)),
                    Some(a) => {
                        wants.push((vec![SectionKind::Router], Some(vec![a.clone()]), ports))
                    }
                }
            }
        }
        _ => {
            let kinds = s
                .types
                .iter()
                .map(|t| {
                    if *t == SynproxyType::Input {
                        SectionKind::Interface
                    } else {
                        SectionKind::Router
                    }
                })
                .collect();
            let kinds: Vec<SectionKind> = kinds;
            if !kinds.is_empty() {
                wants.push((kinds, orig_dsts.clone(), dport.values.clone()));
            }
        }
    }
    wants
}

/// The accepting statements by the TCP ports they admit: a synproxy's port is looked up, not
/// compared with every statement (thousands of synproxies and services made it quadratic).
struct ByPort<'a> {
    /// Statements that admit every port.
    any: Vec<&'a Accepting>,
    /// Statements that admit single ports, by port.
    single: crate::hash::FastMap<u16, Vec<&'a Accepting>>,
    /// Statements with a range of ports (few: ranges are compared one by one).
    ranges: Vec<&'a Accepting>,
}

impl<'a> ByPort<'a> {
    fn new(accepting: &'a [Accepting]) -> ByPort<'a> {
        let mut by = ByPort {
            any: Vec::new(),
            single: Default::default(),
            ranges: Vec::new(),
        };
        for a in accepting {
            let Some(rs) = &a.2 else {
                by.any.push(a);
                continue;
            };
            for (x, y) in rs {
                if x == y {
                    by.single.entry(*x).or_default().push(a);
                }
            }
            if rs.iter().any(|(x, y)| x != y) {
                by.ranges.push(a);
            }
        }
        by
    }

    /// The statements that may admit `port` (whether one does is [`admits`]'s to say).
    fn candidates(&self, port: &Port) -> impl Iterator<Item = &'a Accepting> + '_ {
        let range = port_range(port);
        let single = match range {
            Some((a, b)) if a == b => self.single.get(&a).map(Vec::as_slice),
            _ => None,
        };
        let ranges = if range.is_some() {
            &self.ranges[..]
        } else {
            &[]
        };
        self.any
            .iter()
            .chain(single.unwrap_or_default())
            .chain(ranges)
            .copied()
    }
}

/// Whether an accepting statement admits the connection to `port` and `dst` of family `af` in
/// a section of one of `kinds`.
fn admits(a: &Accepting, kinds: &[SectionKind], af: Af, port: &Port, dst: Option<&[Addr]>) -> bool {
    let (kind, fam, ranges, rdst) = a;
    kinds.contains(kind)
        && fam.has(af)
        && ranges.as_ref().is_none_or(|rs| {
            port_range(port).is_some_and(|(a, b)| rs.iter().any(|(x, y)| *x <= a && b <= *y))
        })
        && dst_allows(rdst.as_ref(), dst)
}

/// The wanted ports no accepting statement of family `af` admits, each once, with the first
/// section kind it was wanted in.
fn missing_ports(accepting: &ByPort, af: Af, wants: &[Wanted]) -> Vec<(SectionKind, Port)> {
    let mut missing: Vec<(SectionKind, Port)> = Vec::new();
    for (kinds, dsts, ports) in wants {
        // Each destination on its own: with `in,pass` one may be local and another routed.
        let each: Vec<Option<Vec<Addr>>> = match dsts {
            Some(d) => d.iter().map(|a| Some(vec![a.clone()])).collect(),
            None => vec![None],
        };
        for port in ports {
            for dst in &each {
                let accepted = accepting
                    .candidates(port)
                    .any(|a| admits(a, kinds, af, port, dst.as_deref()));
                if !accepted && !missing.iter().any(|(_, p)| p == port) {
                    missing.push((kinds[0], *port));
                }
            }
        }
    }
    missing
}

/// W0111 for a synproxy whose connections nothing accepts after the handshake (`None`: all are).
fn not_accepted_diag(s: &Synproxy, missing: &[(SectionKind, Port)]) -> Option<Diagnostic> {
    let (kind, _) = missing.first()?;
    let place = if *kind == SectionKind::Interface {
        "an interface section"
    } else {
        "a router section"
    };
    let ports_s: Vec<String> = missing.iter().map(|(_, p)| p.to_string()).collect();
    Some(
        Diagnostic::new(
            Code::SynproxyNotAccepted,
            s.span,
            format!(
                "nothing accepts the connections this synproxy lets through (tcp port {})",
                ports_s.join(",")
            ),
        )
        .with_label("the handshake completes, then the firewall drops the connection")
        .with_help(format!(
            "allow the real traffic in {place}, e.g. `server custom web tcp/{} default accept`",
            ports_s[0]
        )),
    )
}

/// The TCP port ranges a service accepts (`None`: every port; `Some(empty)`: no TCP at all).
fn tcp_ranges(def: &ServiceDef) -> Option<Option<Vec<(u16, u16)>>> {
    use crate::model::services::{Port, Proto as SProto};
    match def {
        ServiceDef::Simple { server, .. } => {
            let mut ranges = Vec::new();
            for sp in server
                .iter()
                .filter(|sp| matches!(sp.proto, None | Some(SProto::Tcp)))
            {
                match sp.ports {
                    None => return Some(None),
                    Some(Port::Num(n)) => ranges.push((n, n)),
                    Some(Port::Range(a, b)) => ranges.push((a, b)),
                    Some(Port::Name(_)) => {} // never in a service definition
                }
            }
            (!ranges.is_empty()).then_some(Some(ranges))
        }
        _ => None,
    }
}

/// Whether a rule's `dst` admits every post-NAT destination.
fn dst_allows(rule_dst: Option<&Cond<Addr>>, dsts: Option<&[Addr]>) -> bool {
    let (Some(rd), Some(ds)) = (rule_dst, dsts) else {
        return true;
    };
    if rd.negated {
        return true;
    }
    ds.iter().all(|d| {
        rd.values
            .iter()
            .any(|r| match (addr_bounds(r), addr_bounds(d)) {
                (Some((r1, r2, f1)), Some((d1, d2, f2))) => f1 == f2 && r1 <= d1 && d2 <= r2,
                _ => true,
            })
    })
}
