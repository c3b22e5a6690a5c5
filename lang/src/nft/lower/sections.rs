//! `interface` and `router` sections: their chains, jumps, services and policies (the protections
//! are in `protection`).

use super::ct_states;
use super::matches::{Dir, family_guard, port_expr, rule_families};
use super::skeleton::{related_icmp, related_tcp_ack_rst};
use super::{Lowerer, log_limited};
use crate::model::ir::{Action, Families, Match, Rule, Section, SectionKind, ServiceDef, Verdict};
use crate::model::services::{
    ClientPort, ComplexRules, ComplexService, Conntrack, Flow, protocol_groups,
};
use crate::model::values::{Af, Port, Proto};
use crate::nft::json::{Expr, Op, Stmt};
use crate::syntax::ast::Role;

/// Linux's default `net.ipv4.ip_local_port_range`, which FireHOL reads at start-up for `default`
/// client ports of `client` statements in interfaces. fhc compiles without looking at the host.
const LOCAL_CLIENT_PORTS: (u16, u16) = (32768, 60999);
const DEFAULT_CLIENT_PORTS: (u16, u16) = (1024, 65535);

/// Client ports as an expression; `None` means any port.
fn client_ports(ports: &[ClientPort], default: (u16, u16)) -> Option<Expr> {
    let mut out = Vec::new();
    for p in ports {
        match p {
            ClientPort::Any => return None,
            ClientPort::Default => out.push(Port::Range(default.0, default.1)),
            ClientPort::Ports(p) => out.push(*p),
        }
    }
    (!out.is_empty()).then(|| port_expr(&out))
}

/// One packet direction of a service: protocol, source and destination ports, state, ICMP type.
struct Flowspec {
    proto: Option<Proto>,
    sport: Option<Expr>,
    dport: Option<Expr>,
    states: Option<&'static [&'static str]>,
    icmp: Option<&'static str>,
    /// Which way the statement's own parameters apply (FireHOL's `reverse`).
    dir: Dir,
    /// True for the packets that open the connection (where the action applies).
    request: bool,
    family: Option<Af>,
    to_multicast: bool,
}

impl Lowerer<'_> {
    /// The sections in file order, with the raw `-A INPUT/OUTPUT/FORWARD` lines written after
    /// each (`raw_filter_appends(0)` ran before the skeleton's head).
    pub(super) fn sections(&mut self) {
        for (i, s) in self.model.sections.iter().enumerate() {
            if i > 0 {
                self.raw_filter_appends(i);
            }
            self.section(s);
        }
        let n = self.model.sections.len();
        if n > 0 {
            self.raw_filter_appends(n);
        }
    }

    fn section_chains(s: &Section) -> (String, String) {
        (format!("in_{}", s.name), format!("out_{}", s.name))
    }

    fn section(&mut self, s: &Section) {
        let (cin, cout) = Self::section_chains(s);
        self.chain(&cin, None);
        self.chain(&cout, None);
        let (hook_in, hook_out) = match s.kind {
            SectionKind::Interface => ("input", "output"),
            SectionKind::Router => ("forward", "forward"),
        };
        // Jumps: the interface's real interfaces and the section's parameters.
        let mut m = s.matches.clone();
        if s.kind == SectionKind::Interface && !s.ifaces.is_empty() {
            m.inface = Some(crate::model::ir::Cond {
                negated: false,
                values: s.ifaces.clone(),
                span: s.span,
            });
        }
        for af in rule_families(s.families, &m) {
            for (dir, hook, chain) in [(Dir::Request, hook_in, &cin), (Dir::Reply, hook_out, &cout)]
            {
                let Some(mut stmts) = self.match_stmts(&m, af, dir) else {
                    return;
                };
                stmts.extend(scope_l4(&m, dir));
                // A rule for one family says so, unless its addresses do: a dual-stack section
                // whose `src4` is `any` still must not jump IPv6 packets with the IPv4 rule.
                family_guard(&mut stmts, af);
                stmts.push(Stmt::Jump(chain.clone()));
                self.push(hook, stmts, Some(s.span));
            }
        }
        // A protection acts where it is written, as in FireHOL (it jumps to its chain from that
        // point): traffic accepted by statements above it never meets its rate limits.
        // (Both lists are in source order.)
        let mut protections = s.protections.iter().peekable();
        let first_rule = s.rules.first().map_or(usize::MAX, |r| r.span.start);
        while let Some(p) = protections.next_if(|p| p.span.start < first_rule) {
            self.protection(s, p, &cin, &cout);
        }
        self.push(&cin, related_icmp(), None);
        self.push(&cout, related_icmp(), None);
        if s.kind == SectionKind::Router {
            self.push(&cin, related_tcp_ack_rst(), None);
        }
        self.push(&cout, related_tcp_ack_rst(), None);
        let mut i = 0;
        while i < s.rules.len() {
            // Statements equal but for their ports lower once, when optimizing or looking for
            // errors only (`service_runs`); `--no-optimize` keeps one rule per statement.
            let n = if self.optimize || !self.keep_stmts {
                super::service_runs::run_len(s, i)
            } else {
                1
            };
            i += self.rule_run(s, &s.rules[i..i + n], &cin, &cout);
            let next = s.rules.get(i).map_or(usize::MAX, |n| n.span.start);
            while let Some(p) = protections.next_if(|p| p.span.start < next) {
                self.protection(s, p, &cin, &cout);
            }
        }
        if s.kind == SectionKind::Interface {
            self.jump_orphans(&cin);
            self.jump_orphans(&cout);
        }
        self.policy(s, &cin, "IN");
        self.policy(s, &cout, "OUT");
    }

    fn policy(&mut self, s: &Section, chain: &str, side: &str) {
        let action = match &s.policy {
            Some(a) => a.clone(),
            None if s.kind == SectionKind::Router => return, // RETURN: fall back to the caller
            None => Action::new(Verdict::Drop, s.span),
        };
        let word = match &action.verdict {
            Verdict::Drop => "DROP",
            Verdict::Reject(_) => "REJECT",
            Verdict::Return | Verdict::None => return,
            Verdict::Accept => "ACCEPT",
            Verdict::Custom(n) => n.as_str(),
            _ => "POLICY",
        };
        if !matches!(action.verdict, Verdict::Accept | Verdict::Custom(_)) {
            self.push(
                chain,
                log_limited(&format!("{word} UNMATCHED {side}-{}: ", s.name)),
                Some(action.span),
            );
        }
        let Some(alternatives) = self.verdict(&action, None) else {
            return;
        };
        for v in alternatives {
            self.push(chain, v, Some(action.span));
        }
    }

    /// A `server`/`client`/`route` statement: request and reply rules for each service.
    pub(super) fn rule(&mut self, s: &Section, r: &Rule, cin: &str, cout: &str) {
        // The request travels in_ for servers (and routes), out_ for clients.
        let (req_chain, rep_chain) = if r.role == Role::Client {
            (cout, cin)
        } else {
            (cin, cout)
        };
        let default_ports = if r.role == Role::Client && s.kind == SectionKind::Interface {
            LOCAL_CLIENT_PORTS
        } else {
            DEFAULT_CLIENT_PORTS
        };
        let mut flows = Vec::new();
        for svc in &r.services {
            match &svc.def {
                ServiceDef::Simple { server, client, .. } => {
                    for (proto, ports) in protocol_groups(server) {
                        let sp: Vec<Port> = ports.iter().flatten().copied().collect();
                        let server_ports = if sp.len() == ports.len() && !sp.is_empty() {
                            Some(port_expr(&sp))
                        } else {
                            None
                        };
                        let cports = if proto
                            .as_ref()
                            .is_some_and(|p| matches!(p, Proto::Tcp | Proto::Udp))
                        {
                            client_ports(client, default_ports)
                        } else {
                            None
                        };
                        let base = |request: bool| Flowspec {
                            proto,
                            sport: if request {
                                cports.clone()
                            } else {
                                server_ports.clone()
                            },
                            dport: if request {
                                server_ports.clone()
                            } else {
                                cports.clone()
                            },
                            states: Some(if request {
                                &["new", "established"]
                            } else {
                                &["established"]
                            }),
                            icmp: None,
                            dir: if request { Dir::Request } else { Dir::Reply },
                            request,
                            family: None,
                            to_multicast: false,
                        };
                        flows.push(base(true));
                        flows.push(base(false));
                    }
                }
                ServiceDef::Complex(c) => self.complex_flows(*c, s, r, default_ports, &mut flows),
            }
        }
        let scope = Scope::of(r);
        for f in flows {
            let chain = if f.request { req_chain } else { rep_chain };
            // As FireHOL: the reply rule carries the statement's own action, whatever it is (an
            // action chain may accept; a drop also drops replies another section let out).
            self.flow(r, &scope, &f, chain, chain == cin);
        }
    }

    fn complex_flows(
        &mut self,
        c: ComplexService,
        s: &Section,
        r: &Rule,
        default_ports: (u16, u16),
        flows: &mut Vec<Flowspec>,
    ) {
        let rules = match c.rules() {
            ComplexRules::Fixed(rules) => rules,
            _ => {
                self.error(
                    r.span,
                    format!("service `{}` cannot be compiled statically", c.name()),
                );
                return;
            }
        };
        for cr in rules {
            let family = cr.family.single();
            if let Some(af) = family
                && !r.families.has(af)
            {
                continue;
            }
            let states: Option<&'static [&'static str]> = match cr.state {
                Conntrack::NewEstablished => Some(&["new", "established"]),
                Conntrack::Established => Some(&["established"]),
                Conntrack::NewIfInterfaceServer => {
                    if r.role == Role::Server && s.kind == SectionKind::Interface {
                        Some(&["new", "established"])
                    } else {
                        Some(&["established"])
                    }
                }
                Conntrack::Stateless => None,
            };
            flows.push(Flowspec {
                proto: cr.proto,
                sport: client_ports(cr.sport, default_ports),
                dport: client_ports(cr.dport, default_ports),
                states,
                icmp: cr.icmp.map(|t| t.nft),
                dir: if cr.reversed {
                    Dir::Reply
                } else {
                    Dir::Request
                },
                request: cr.flow == Flow::ToServer,
                family,
                to_multicast: cr.to_multicast,
            });
        }
    }

    /// Emits one flow of a statement, per family as its addresses require.
    ///
    /// Three scopes meet here and each keeps its own direction, as in FireHOL's chains: the
    /// enclosing groups' parameters apply as written on the section's in side and reversed on its
    /// out side (FireHOL's `in_groupN`/`out_groupN`), whatever the statement inside does; the
    /// statement's own parameters follow the flow (request as written, reply reversed).
    fn flow(&mut self, r: &Rule, scope: &Scope, f: &Flowspec, chain: &str, chain_is_in: bool) {
        let (group_dir, families) = scope.of_flow(r, f, chain_is_in);
        let groups = &scope.groups;
        for af in families {
            let Some(mut stmts) = self.flow_matches(r, f, groups, group_dir, af) else {
                return;
            };
            stmts.extend(self.flow_l4(r, f));
            let pushed = if f.request {
                self.push_request(r, f, groups, chain, stmts)
            } else {
                self.push_reply(r, f, chain, stmts)
            };
            if pushed.is_none() {
                return;
            }
        }
    }

    /// The matches of a flow for family `af`: the groups' (in their direction), the statement's
    /// own, the family when no match says it, and a multicast destination.
    fn flow_matches(
        &mut self,
        r: &Rule,
        f: &Flowspec,
        groups: &Match,
        group_dir: Dir,
        af: Option<Af>,
    ) -> Option<Vec<Stmt>> {
        let mut stmts = self.match_stmts_for(groups, af, group_dir, f.request)?;
        stmts.extend(scope_l4(groups, group_dir));
        stmts.extend(self.match_stmts_for(&r.matches, af, f.dir, f.request)?);
        let fam = af.or(f.family).or(r.families.single());
        // `meta l4proto icmp` implies IPv4 (and icmpv6 IPv6) only in its own family: an
        // IPv6 rule about `icmp` must still say IPv6, or it would catch IPv4 pings.
        let implied = fam.is_some_and(|a| {
            matches!(
                (f.proto.as_ref(), a),
                (Some(Proto::Icmp), Af::V4) | (Some(Proto::Icmpv6), Af::V6)
            )
        });
        if !implied {
            family_guard(&mut stmts, fam);
        }
        if f.to_multicast {
            let a = fam.unwrap_or(Af::V4);
            let (p, net, len) = if a == Af::V4 {
                ("ip", "224.0.0.0", 4)
            } else {
                ("ip6", "ff00::", 16)
            };
            stmts.push(Stmt::matches(
                Expr::Payload(p, "daddr"),
                Expr::Prefix(net.into(), len),
            ));
        }
        Some(stmts)
    }

    /// The protocol, ports, ICMP type and conntrack state of a flow.
    fn flow_l4(&self, r: &Rule, f: &Flowspec) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        if f.proto.is_none() && f.sport.is_none() && f.dport.is_none() {
            // A service of any protocol (`anystateless`, `any`, `all`): the statement's own
            // `proto`/ports say what it is about (FireHOL honours them for anystateless and
            // ignores them for any/all, a bug fhc does not reproduce; reference §9.6).
            stmts.extend(scope_l4(&r.matches, f.dir));
        } else {
            stmts.extend(self.l4(
                f.proto.as_ref(),
                f.sport.as_ref().map(|e| (e, false)),
                f.dport.as_ref().map(|e| (e, false)),
            ));
        }
        if let Some(t) = f.icmp {
            let payload = if matches!(f.proto, Some(Proto::Icmpv6)) {
                "icmpv6"
            } else {
                "icmp"
            };
            stmts.push(Stmt::matches(Expr::Payload(payload, "type"), Expr::s(t)));
        }
        if let Some(st) = f.states {
            stmts.push(ct_states(st));
        }
        stmts
    }

    /// The request rules of a flow: the statement's limit, then its action (logged when asked).
    /// `None` when the action cannot be compiled.
    fn push_request(
        &mut self,
        r: &Rule,
        f: &Flowspec,
        groups: &Match,
        chain: &str,
        mut stmts: Vec<Stmt>,
    ) -> Option<()> {
        let log = r.matches.log.as_ref().or(groups.log.as_ref());
        let limit = r.matches.limit.as_ref().or(groups.limit.as_ref());
        if let Some(l) = limit {
            stmts.push(Stmt::Limit {
                rate: l.rate.n,
                per: l.rate.per.name().into(),
                burst: l.burst,
                over: false,
            });
        }
        let verdicts = self.verdict(&r.action, f.proto.as_ref())?;
        for v in verdicts {
            self.push_logged(chain, self.copy(&stmts), log, v, Some(r.span));
        }
        Some(())
    }

    /// The reply rules of a flow. `None` when the action cannot be compiled.
    fn push_reply(&mut self, r: &Rule, f: &Flowspec, chain: &str, stmts: Vec<Stmt>) -> Option<()> {
        // Replies of an accepted connection are accepted (FireHOL's limits and `with`
        // options act on requests); other actions apply to the replies as well.
        let verdicts = if r.action.verdict == Verdict::Accept {
            vec![vec![Stmt::Accept]]
        } else {
            self.verdict(&r.action, f.proto.as_ref())?
        };
        for v in verdicts {
            let mut rule = self.copy(&stmts);
            rule.extend(v);
            self.push(chain, rule, Some(r.span));
        }
        Some(())
    }
}

/// The scope of a statement's flows: its enclosing groups' conditions as one, and the
/// conditions of both scopes together (their addresses decide the families). The same for
/// every flow of the statement, so made once.
struct Scope {
    groups: Match,
    all: Match,
}

impl Scope {
    fn of(r: &Rule) -> Scope {
        let mut groups = Match::default();
        for g in &r.groups {
            merge(&mut groups, g);
        }
        let mut all = r.matches.clone();
        merge(&mut all, &groups);
        Scope { groups, all }
    }

    /// For one flow: the groups' direction on this side of the section, and the families of
    /// the flow's rules.
    fn of_flow(&self, r: &Rule, f: &Flowspec, chain_is_in: bool) -> (Dir, Vec<Option<Af>>) {
        let group_dir = if chain_is_in {
            Dir::Request
        } else {
            Dir::Reply
        };
        let fams = match f.family {
            Some(af) => r.families.intersect(if af == Af::V4 {
                Families::V4
            } else {
                Families::V6
            }),
            None => r.families,
        };
        (group_dir, rule_families(fams, &self.all))
    }
}

/// Protocol and port parameters of a scope (section, group, or a statement about "any" protocol),
/// seen in `dir`: `proto not "tcp udp"` is `meta l4proto != { tcp, udp }`.
fn scope_l4(m: &Match, dir: Dir) -> Vec<Stmt> {
    let mut out = Vec::new();
    let single_tcp_udp = m
        .proto
        .as_ref()
        .filter(|c| {
            !c.negated && c.values.len() == 1 && matches!(c.values[0], Proto::Tcp | Proto::Udp)
        })
        .map(|c| {
            if c.values[0] == Proto::Tcp {
                "tcp"
            } else {
                "udp"
            }
        });
    if let Some(c) = &m.proto {
        out.push(super::matches::proto_match(c));
    } else if m.sport.is_some() || m.dport.is_some() {
        out.push(Stmt::matches(
            Expr::Meta("l4proto"),
            Expr::Set(vec![Expr::s("tcp"), Expr::s("udp")]),
        ));
    }
    let payload = single_tcp_udp.unwrap_or("th");
    let (sp, dp) = if dir == Dir::Request {
        ("sport", "dport")
    } else {
        ("dport", "sport")
    };
    for (c, field) in [(&m.sport, sp), (&m.dport, dp)] {
        if let Some(c) = c {
            out.push(Stmt::Match(
                if c.negated { Op::Ne } else { Op::Eq },
                Expr::Payload(payload, field),
                port_expr(&c.values),
            ));
        }
    }
    out
}

/// Adds a group's conditions to a statement's (the statement's own win).
fn merge(into: &mut Match, g: &Match) {
    macro_rules! take {
        ($($f:ident),*) => { $( if into.$f.is_none() { into.$f = g.$f.clone(); } )* };
    }
    take!(
        src, dst, src4, src6, dst4, dst6, inface, outface, proto, sport, dport, uid, gid, mac,
        mark, connmark, state, log, limit, connlimit
    );
    into.extras.extend(g.extras.iter().cloned());
    into.options.extend(g.options.iter().cloned());
}
