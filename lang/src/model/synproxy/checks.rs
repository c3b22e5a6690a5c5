//! The synproxy checks that need the whole file: ordering against destination NAT, statements
//! that cannot be told apart (and, in accepted.rs, traffic nothing accepts).

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::model::build::Builder;
use crate::model::edits::move_line_edits;
use crate::model::ir::*;
use crate::model::values::{Addr, Af, Iface, Port, Proto};
use crate::span::Span;
use std::net::IpAddr;

impl Builder<'_> {
    pub(in crate::model) fn synproxy_checks(&mut self) {
        self.check_dnat_order();
        self.check_ambiguous();
        self.check_accepted();
    }

    /// Destination NAT written before the first synproxy sits above synproxy's isolation in the
    /// nat chains and can rewrite SYNPROXY's SYN to the server.
    fn check_dnat_order(&mut self) {
        let Some(&first_nat) = self.dnat_before_synproxy.first() else {
            return;
        };
        let first_nat_span = self.model.nats[first_nat].span;
        let mut out = Vec::new();
        for s in &self.model.synproxies {
            let Some(n) = self
                .dnat_before_synproxy
                .iter()
                .map(|&i| &self.model.nats[i])
                .find(|n| nat_captures(n, s))
            else {
                continue;
            };
            let what = match n.kind {
                NatKind::Dnat => "dnat",
                NatKind::Redirect => "redirect",
                NatKind::Tproxy => "tproxy",
                _ => "transparent proxy",
            };
            out.push(
                Diagnostic::new(Code::SynproxyAfterDnat, s.span, format!("this synproxy comes after a {what} that can capture its SYN to the server"))
                    .with_label("placed after the NAT statement")
                    .with_secondary(n.span, format!("this {what} matches the same destination and port, and comes first"))
                    .with_note("SYNPROXY's own SYN to the server is a new locally generated connection; destination NAT written above the first synproxy sees it first")
                    .with_help("place synproxy statements above all destination NAT statements")
                    .with_fix("move the synproxy above the first destination NAT", move_line_edits(self.text, s.span, first_nat_span)),
            );
        }
        self.diags.extend(out);
    }

    /// Two synproxy statements whose SYN to the server looks the same but that want different
    /// treatment: only the first would ever match (inface is lost on SYNPROXY's own packets).
    fn check_ambiguous(&mut self) {
        let sp = &self.model.synproxies;
        let mut out = Vec::new();
        let mut index = Earlier::default();
        for (j, b) in sp.iter().enumerate() {
            let earlier = index.candidates(b);
            index.add(j, b);
            for a in earlier.into_iter().map(|i| &sp[i]) {
                if a.family != b.family
                    || !a.types.iter().any(|t| b.types.contains(t))
                    || !addr_overlap(a.matches.dst_for(a.family), b.matches.dst_for(b.family))
                    || !port_overlap(a.matches.dport.as_ref(), b.matches.dport.as_ref())
                {
                    continue;
                }
                let src_apart = match (a.matches.src_for(a.family), b.matches.src_for(b.family)) {
                    (Some(x), Some(y)) => !addr_overlap(Some(x), Some(y)),
                    _ => false,
                };
                if src_apart {
                    continue;
                }
                let diff_action = a.action != b.action || action_params(a) != action_params(b);
                let ifaces = |s: &Synproxy| {
                    s.matches
                        .inface
                        .as_ref()
                        .map(|c| (c.negated, c.values.clone()))
                };
                let diff_iface = ifaces(a) != ifaces(b);
                if !diff_action && !diff_iface {
                    continue;
                }
                let why = if diff_action {
                    "a different action"
                } else {
                    "a different inface"
                };
                // Insert `src` placeholders before each statement's action (or at its end).
                let src_edit = |s: &Synproxy, name: &str| {
                    let has_src = s.matches.src_for(s.family).is_some();
                    let at = if s.action_span != s.span {
                        s.action_span.start
                    } else {
                        s.span.end
                    };
                    let text = if at == s.span.end {
                        format!(" src {name}")
                    } else {
                        format!("src {name} ")
                    };
                    (!has_src).then_some(TextEdit {
                        span: Span::new(at, at),
                        new_text: text,
                    })
                };
                let edits: Vec<TextEdit> = [src_edit(a, "CLIENTS_1"), src_edit(b, "CLIENTS_2")]
                    .into_iter()
                    .flatten()
                    .collect();
                out.push(
                    Diagnostic::new(Code::SynproxyAmbiguous, b.span, format!("this synproxy protects the same server as an earlier one, with {why}"))
                        .with_label("SYNPROXY's SYN to the server cannot be told apart from the earlier one's")
                        .with_secondary(a.span, "the earlier statement, which would catch both")
                        .with_note("SYNPROXY's own packets lose the incoming interface, so only the destination, port and source can separate them")
                        .with_help("add `src` to each statement, naming the clients it is for")
                        .with_fix("add `src` placeholders to fill in", edits),
                );
                break;
            }
        }
        self.diags.extend(out);
    }
}

/// The ports of a condition when it is a plain list of single ports (`None`: any port, a
/// negation, a range or a name).
fn single_ports(c: Option<&Cond<Port>>) -> Option<Vec<u16>> {
    let c = c?;
    if c.negated {
        return None;
    }
    c.values
        .iter()
        .map(|p| match port_range(p) {
            Some((a, b)) if a == b => Some(a),
            _ => None,
        })
        .collect()
}

pub(super) fn port_range(p: &Port) -> Option<(u16, u16)> {
    match p {
        Port::Num(n) => Some((*n, *n)),
        Port::Range(a, b) => Some((*a, *b)),
        Port::Name(_) => None,
    }
}

/// Whether two conditions can match a common value, given how two values overlap (a missing or
/// negated condition: assume they can).
fn cond_overlap<T>(
    a: Option<&Cond<T>>,
    b: Option<&Cond<T>>,
    overlaps: impl Fn(&T, &T) -> bool,
) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return true;
    };
    if a.negated || b.negated {
        return true;
    }
    a.values
        .iter()
        .any(|x| b.values.iter().any(|y| overlaps(x, y)))
}

fn port_overlap(a: Option<&Cond<Port>>, b: Option<&Cond<Port>>) -> bool {
    cond_overlap(a, b, |x, y| match (port_range(x), port_range(y)) {
        (Some((a1, a2)), Some((b1, b2))) => a1 <= b2 && b1 <= a2,
        _ => true,
    })
}

/// The earlier statements a synproxy statement may conflict with, for the ambiguity check.
///
/// Only statements that can overlap are compared: a config has one port per statement, often
/// thousands of servers on one port (from a loop), and comparing every pair would be quadratic.
/// Statements are indexed by port and, when it is one host, by destination. A statement the same
/// as an earlier one in everything the check compares is not indexed again: whatever conflicts
/// with it conflicts with the earlier one first, and the check names the first conflict.
#[derive(Default)]
struct Earlier<'s> {
    by_port: crate::hash::FastMap<u16, Vec<usize>>,
    by_host: crate::hash::FastMap<(u16, IpAddr), Vec<usize>>,
    by_port_wide_dst: crate::hash::FastMap<u16, Vec<usize>>,
    /// Statements with other than single ports.
    wide: Vec<usize>,
    seen: crate::hash::FastSet<ComparisonKey<'s>>,
    firsts: Vec<usize>,
}

impl<'s> Earlier<'s> {
    /// Indices of earlier statements that may overlap `b`, in order.
    fn candidates(&self, b: &Synproxy) -> Vec<usize> {
        let wide = self.wide.iter().copied();
        let mut out: Vec<usize> = match (single_ports(b.matches.dport.as_ref()), host_dst(b)) {
            (Some(ports), Some(h)) => ports
                .iter()
                .flat_map(|p| {
                    let same_host = self.by_host.get(&(*p, h)).into_iter().flatten();
                    same_host.chain(self.by_port_wide_dst.get(p).into_iter().flatten())
                })
                .copied()
                .chain(wide)
                .collect(),
            (Some(ports), None) => ports
                .iter()
                .flat_map(|p| self.by_port.get(p).into_iter().flatten().copied())
                .chain(wide)
                .collect(),
            (None, _) => self.firsts.clone(),
        };
        out.sort_unstable();
        out.dedup();
        out
    }

    fn add(&mut self, j: usize, b: &'s Synproxy) {
        if !self.seen.insert(ComparisonKey::of(b)) {
            return;
        }
        self.firsts.push(j);
        let Some(ports) = single_ports(b.matches.dport.as_ref()) else {
            self.wide.push(j);
            return;
        };
        let host = host_dst(b);
        for p in ports {
            self.by_port.entry(p).or_default().push(j);
            match host {
                Some(h) => self.by_host.entry((p, h)).or_default().push(j),
                None => self.by_port_wide_dst.entry(p).or_default().push(j),
            }
        }
    }
}

/// The parameters after a statement's action, wherever it wrote them (without positions).
fn action_params(s: &Synproxy) -> String {
    // Most statements have none: no text to build and scan for spans.
    if s.action_matches == Match::default() {
        return String::new();
    }
    crate::span::erase_spans(&format!("{:?}", s.action_matches))
}

/// The destination of a statement when it is one host (two hosts overlap only when equal).
fn host_dst(s: &Synproxy) -> Option<IpAddr> {
    let c = s.matches.dst_for(s.family)?;
    match (c.negated, c.values.as_slice()) {
        (false, [Addr::Net(ip, len)]) if u32::from(*len) == if ip.is_ipv4() { 32 } else { 128 } => {
            Some(*ip)
        }
        _ => None,
    }
}

/// What [`Builder::check_ambiguous`] compares of a statement, without positions: two statements
/// with the same key conflict with the same others. Compared field by field (a text of them
/// cost a sixth of building the model of 2,500 statements); hashed without the action, which
/// has no hash (statements differing only there share a bucket, and equality tells them apart).
#[derive(PartialEq, Eq)]
struct ComparisonKey<'s> {
    family: Af,
    types: &'s [SynproxyType],
    dst: Option<(bool, &'s [Addr])>,
    dport: Option<(bool, &'s [Port])>,
    src: Option<(bool, &'s [Addr])>,
    action: &'s SynproxyAction,
    params: String,
    inface: Option<(bool, &'s [Iface])>,
}

impl<'s> ComparisonKey<'s> {
    fn of(s: &'s Synproxy) -> Self {
        fn bare<T>(c: Option<&Cond<T>>) -> Option<(bool, &[T])> {
            c.map(|c| (c.negated, c.values.as_slice()))
        }
        ComparisonKey {
            family: s.family,
            types: &s.types,
            dst: bare(s.matches.dst_for(s.family)),
            dport: bare(s.matches.dport.as_ref()),
            src: bare(s.matches.src_for(s.family)),
            action: &s.action,
            params: action_params(s),
            inface: bare(s.matches.inface.as_ref()),
        }
    }
}

impl std::hash::Hash for ComparisonKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (
            self.family,
            self.types,
            self.dst,
            self.dport,
            self.src,
            &self.params,
            self.inface,
        )
            .hash(h);
    }
}

pub(super) fn addr_bounds(a: &Addr) -> Option<(u128, u128, Af)> {
    let v = |ip: &IpAddr| match ip {
        IpAddr::V4(x) => u32::from(*x) as u128,
        IpAddr::V6(x) => u128::from(*x),
    };
    match a {
        Addr::Net(ip, len) => {
            let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
            let host = bits - *len as u32;
            let mask: u128 = if host >= 128 {
                u128::MAX
            } else {
                (1u128 << host) - 1
            };
            let base = v(ip) & !mask;
            Some((base, base | mask, crate::model::values::af_of(ip)))
        }
        Addr::Range(x, y) => Some((v(x), v(y), crate::model::values::af_of(x))),
        _ => None,
    }
}

fn addr_overlap(a: Option<&Cond<Addr>>, b: Option<&Cond<Addr>>) -> bool {
    cond_overlap(a, b, |x, y| match (addr_bounds(x), addr_bounds(y)) {
        (Some((a1, a2, f1)), Some((b1, b2, f2))) => f1 == f2 && a1 <= b2 && b1 <= a2,
        // Names (hosts, ipsets, lists): only the same name is known to overlap.
        (None, None) => x == y,
        _ => true,
    })
}

/// Whether a destination NAT statement can match SYNPROXY's SYN for this synproxy.
fn nat_captures(n: &Nat, s: &Synproxy) -> bool {
    if !n.families.has(s.family) {
        return false;
    }
    if let Some(p) = &n.matches.proto
        && !p.negated
        && !p.values.contains(&Proto::Tcp)
    {
        return false;
    }
    let nat_ports = match n.kind {
        NatKind::TransparentProxy | NatKind::Tproxy => Some(Cond {
            negated: false,
            values: n.ports.clone(),
            span: n.span,
        }),
        _ => n.matches.dport.clone(),
    };
    port_overlap(nat_ports.as_ref(), s.matches.dport.as_ref())
        && addr_overlap(n.matches.dst_for(s.family), s.matches.dst_for(s.family))
        && addr_overlap(n.matches.src_for(s.family), s.matches.src_for(s.family))
}
