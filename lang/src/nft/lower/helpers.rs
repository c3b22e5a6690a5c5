//! Top-level helper commands: marks and QoS (`mark`, `connmark`, `custommark`, `classify`, `tos`,
//! `dscp`, `tosfix`) in mangle-priority chains, `tcpmss`, `mac`, `blacklist`, `iptrap`/`ipuntrap`
//! and `cthelper`; plus the mark save/restore rules FireHOL adds for its permanent marks.
//! Each translation was checked against `firehol debug` (FireHOL 3.1.7).

use super::matches::{Dir, port_expr, rule_families, tos_field, tos_value};
use super::{Lowerer, log_limited, log_stmts, nfproto};
use crate::model::ir::{Families, Helper, LogSpec, Match, SectionKind};
use crate::model::values::{self, Addr, Af, Proto, split_list};
use crate::nft::json::{CtHelper, Expr, Op, Set, Stmt};
use crate::span::Span;

/// The mangle chain of a `where` word (`pre`, `PREROUTING` ...).
fn mangle_chain(w: &str) -> Option<&'static str> {
    Some(match w.to_ascii_lowercase().as_str() {
        "pre" | "prerouting" => "mangle_prerouting",
        "in" | "input" => "mangle_input",
        "out" | "output" => "mangle_output",
        "pass" | "forward" => "mangle_forward",
        "post" | "postrouting" => "mangle_postrouting",
        _ => return None,
    })
}

fn ipp(af: Af) -> &'static str {
    if af == Af::V4 { "ip" } else { "ip6" }
}

fn and(l: Expr, mask: u64) -> Expr {
    Expr::And(Box::new(l), Box::new(Expr::Num(mask)))
}

fn ct_state(states: &[&str]) -> Stmt {
    Stmt::Match(
        Op::In,
        Expr::Ct("state", None),
        if states.len() == 1 {
            Expr::s(states[0])
        } else {
            Expr::flags(states)
        },
    )
}

/// Removes the helper options FireHOL reads itself (`table`, `action`, `nolog`, accounting) from
/// a match, returning them as (keyword, first value).
fn take_options(m: &mut Match, keys: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    m.other.retain(|r| {
        if keys.contains(&r.keyword.as_str()) {
            out.push((
                r.keyword.clone(),
                r.values.first().cloned().unwrap_or_default(),
            ));
            false
        } else {
            true
        }
    });
    out
}

impl Lowerer<'_> {
    pub(super) fn helpers(&mut self) {
        let mut blacklists = 0;
        let mut traps = 0;
        for h in &self.model.helpers {
            match h.command.as_str() {
                "mark" | "connmark" | "custommark" => self.mark_helper(h),
                "classify" => self.classify(h),
                "tos" => self.tos_helper(h),
                "dscp" => self.dscp_helper(h),
                "tosfix" => self.tosfix(h),
                "tcpmss" => self.tcpmss(h),
                "mac" => self.mac(h),
                "blacklist" => {
                    blacklists += 1;
                    self.blacklist(h, blacklists);
                }
                "iptrap" | "ipuntrap" => {
                    traps += 1;
                    self.iptrap(h, traps);
                }
                "cthelper" => self.cthelper(h),
                other => self.error(
                    h.span,
                    format!("`{other}` cannot be compiled to nftables yet"),
                ),
            }
        }
    }

    /// The match statements (with protocol and ports) of `m`, per family.
    fn helper_rules(
        &mut self,
        fams: Families,
        m: &Match,
        dir: Dir,
        span: Span,
    ) -> Option<Vec<(Option<Af>, Vec<Stmt>)>> {
        let mut out = Vec::new();
        for af in rule_families(fams, m) {
            let mut st = self.match_stmts(m, af, dir, span)?;
            let proto = m
                .proto
                .as_ref()
                .filter(|c| !c.negated && c.values.len() == 1)
                .map(|c| c.values[0].clone());
            if let Some(c) = m
                .proto
                .as_ref()
                .filter(|c| c.negated || c.values.len() != 1)
            {
                st.push(super::matches::proto_match(c));
            }
            let (sp, dp) = match dir {
                Dir::Request => (&m.sport, &m.dport),
                Dir::Reply => (&m.dport, &m.sport),
            };
            let sport = sp.as_ref().map(|c| (port_expr(&c.values), c.negated));
            let dport = dp.as_ref().map(|c| (port_expr(&c.values), c.negated));
            st.extend(self.l4(
                proto.as_ref(),
                sport.as_ref().map(|(e, n)| (e, *n)),
                dport.as_ref().map(|(e, n)| (e, *n)),
            ));
            let fam = af.or(fams.single());
            if let Some(a) = fam
                && !st
                    .iter()
                    .any(|x| matches!(x, Stmt::Match(_, Expr::Payload("ip" | "ip6", _), _)))
            {
                st.insert(0, nfproto(a));
            }
            out.push((fam, st));
        }
        Some(out)
    }

    /// The chains of a mangle helper's `where` list (`default` when it has none).
    fn where_chains(&mut self, h: &Helper, default: &[&'static str]) -> Option<Vec<&'static str>> {
        let Some((text, span)) = &h.chains else {
            return Some(default.to_vec());
        };
        let mut out = Vec::new();
        for w in text.split([',', ' ']).filter(|w| !w.is_empty()) {
            match mangle_chain(w) {
                Some(c) => {
                    if !out.contains(&c) {
                        out.push(c)
                    }
                }
                None => {
                    self.error(
                        *span,
                        format!(
                            "`{w}` is not a mangle chain fhc can compile (pre, in, out, pass, post)"
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Pushes `tail` after the helper's matches in every chain of its `where` list.
    fn mangle_rules(
        &mut self,
        h: &Helper,
        default: &[&'static str],
        pre: Vec<Stmt>,
        tail: impl Fn(Option<Af>) -> Vec<Vec<Stmt>>,
    ) {
        let Some(chains) = self.where_chains(h, default) else {
            return;
        };
        let Some(rules) = self.helper_rules(h.families, &h.matches, Dir::Request, h.span) else {
            return;
        };
        for chain in chains {
            self.ensure_base(chain);
            for (af, st) in &rules {
                for t in tail(*af) {
                    let mut r = st.clone();
                    r.extend(pre.iter().cloned());
                    r.extend(t);
                    self.push(chain, r, Some(h.span));
                }
            }
        }
    }

    /// `mark V [where] [params]` (usermark, default OUTPUT), `connmark V [where] [params]`
    /// (connmark, default OUTPUT POSTROUTING; `save`/`restore` are no-ops), `custommark NAME V
    /// [where] [params]` (default OUTPUT). Stateful groups mark NEW packets only; the value goes
    /// into the group's bits, the other bits are kept (`MARK --set-mark V/MASK`).
    fn mark_helper(&mut self, h: &Helper) {
        let mut args = h.args.iter();
        let group = match h.command.as_str() {
            "mark" => "usermark".to_string(),
            "connmark" => "connmark".to_string(),
            _ => match args.next() {
                Some((g, _)) => g.clone(),
                None => {
                    self.error(h.span, "custommark needs a mark group and a value".into());
                    return;
                }
            },
        };
        let Some((value, vspan)) = args.next() else {
            self.error(h.span, format!("{} needs a value", h.command));
            return;
        };
        if h.command == "connmark" && (value == "save" || value == "restore") {
            return; // FireHOL: backward compatibility, nothing to do
        }
        let Some(def) = self.model.marks.iter().find(|d| d.name == group).cloned() else {
            self.error(
                h.span,
                format!(
                    "there is no mark group `{group}` (define it with `markdef {group} VALUES`)"
                ),
            );
            return;
        };
        let Some(v) = super::matches::parse_num(value).filter(|v| *v <= def.max as u64) else {
            self.error(
                *vspan,
                format!(
                    "`{value}` is not a value of mark group `{group}` (0 to {})",
                    def.max
                ),
            );
            return;
        };
        self.marks_used = true;
        let mask = def.mask() as u64;
        let set = Stmt::Mangle(
            Expr::Meta("mark"),
            Expr::Or(
                Box::new(and(Expr::Meta("mark"), !mask & 0xffff_ffff)),
                Box::new(Expr::Num(v << def.shift)),
            ),
        );
        let pre = if def.stateful {
            vec![ct_state(&["new"])]
        } else {
            vec![]
        };
        if h.command == "connmark"
            && let Some((chains, _)) = &h.chains
            && chains.eq_ignore_ascii_case("interface")
        {
            self.connmark_interface(h, pre, set);
            return;
        }
        let default: &[&str] = if h.command == "connmark" {
            &["mangle_output", "mangle_postrouting"]
        } else {
            &["mangle_output"]
        };
        self.mangle_rules(h, default, pre, |_| vec![vec![set.clone()]]);
    }

    /// `connmark V interface IFACE [params]`: packets coming in on IFACE (prerouting) and going
    /// out on it (postrouting) get the mark. `any` is every interface, as an `inface` value.
    fn connmark_interface(&mut self, h: &Helper, pre: Vec<Stmt>, set: Stmt) {
        let Some((iface, span)) = h.args.last() else {
            self.error(
                h.span,
                "connmark ... interface needs an interface name".into(),
            );
            return;
        };
        let ifaces = match values::parse_iface_list(iface)
            .map(|list| list.into_iter().collect::<Result<Vec<_>, _>>())
        {
            None => None,
            Some(Ok(list)) => Some(crate::model::ir::Cond {
                negated: false,
                values: list,
                span: *span,
            }),
            Some(Err(e)) => {
                self.error(*span, e);
                return;
            }
        };
        for (chain, inbound) in [("mangle_prerouting", true), ("mangle_postrouting", false)] {
            let mut m = h.matches.clone();
            if inbound {
                m.inface = ifaces.clone();
            } else {
                m.outface = ifaces.clone();
            }
            let Some(rules) = self.helper_rules(h.families, &m, Dir::Request, h.span) else {
                return;
            };
            self.ensure_base(chain);
            for (_, st) in rules {
                let mut r = st;
                r.extend(pre.iter().cloned());
                r.push(set.clone());
                self.push(chain, r, Some(h.span));
            }
        }
    }

    /// `classify CLASS [params]`: the packet's priority (tc class) in POSTROUTING.
    fn classify(&mut self, h: &Helper) {
        let Some((class, span)) = h.args.first() else {
            self.error(h.span, "classify needs a class MAJOR:MINOR".into());
            return;
        };
        let ok = class.split_once(':').is_some_and(|(a, b)| {
            let hex =
                |s: &str| s.is_empty() || u32::from_str_radix(s, 16).is_ok_and(|v| v <= 0xffff);
            hex(a) && hex(b)
        });
        if !ok {
            self.error(*span, format!("`{class}` is not a tc class MAJOR:MINOR"));
            return;
        }
        let set = Stmt::Mangle(Expr::Meta("priority"), Expr::s(class.clone()));
        self.mangle_rules(h, &["mangle_postrouting"], vec![], |_| {
            vec![vec![set.clone()]]
        });
    }

    /// Statements that set the TOS byte / traffic class like `TOS --set-tos V[/M]`: the bits in
    /// the mask get the value, the others are kept. Numbers use mask 0xff (DSCP and ECN set);
    /// names use 0x3f, keeping the two top DSCP bits: one rule per value of those bits.
    fn set_tos(af: Af, value: u64, mask: u64) -> Vec<Vec<Stmt>> {
        let ip = ipp(af);
        let set = |tos: u64| {
            vec![
                Stmt::Mangle(Expr::Payload(ip, "dscp"), Expr::Num(tos >> 2)),
                Stmt::Mangle(Expr::Payload(ip, "ecn"), Expr::Num(tos & 3)),
            ]
        };
        if mask == 0xff {
            return vec![set(value)];
        }
        let kept = !mask & 0xfc; // DSCP bits outside the mask
        let mut out = Vec::new();
        for top in 0..=0xffu64 {
            if top & !kept != 0 {
                continue;
            }
            let mut r = vec![Stmt::matches(
                and(Expr::Payload(ip, "dscp"), kept >> 2),
                Expr::Num(top >> 2),
            )];
            r.extend(set(top | (value & mask)));
            out.push(r);
        }
        out
    }

    /// `tos V [where] [params]` (default OUTPUT).
    fn tos_helper(&mut self, h: &Helper) {
        let Some((text, span)) = h.args.first() else {
            self.error(h.span, "tos needs a value".into());
            return;
        };
        let Some((v, m)) = tos_value(text) else {
            self.error(
                *span,
                format!("`{text}` is not a TOS value (a number, VALUE/MASK or a TOS name)"),
            );
            return;
        };
        let fams = h.families;
        self.mangle_rules(h, &["mangle_output"], vec![], |af| {
            let afs: Vec<Af> = match af {
                Some(a) => vec![a],
                None => fams.iter().collect(),
            };
            afs.into_iter()
                .flat_map(|a| {
                    Self::set_tos(a, v, m).into_iter().map(move |mut r| {
                        if af.is_none() {
                            r.insert(0, nfproto(a));
                        }
                        r
                    })
                })
                .collect()
        });
    }

    /// `dscp V|class C [where] [params]` (default OUTPUT).
    fn dscp_helper(&mut self, h: &Helper) {
        let class = h
            .args
            .first()
            .is_some_and(|a| a.0.eq_ignore_ascii_case("class"));
        let Some((text, span)) = h.args.get(usize::from(class)) else {
            self.error(h.span, "dscp needs a value or `class NAME`".into());
            return;
        };
        let v = if class {
            super::matches::dscp_class(text)
        } else {
            super::matches::parse_num(text).filter(|n| *n < 64)
        };
        let Some(v) = v else {
            self.error(
                *span,
                format!(
                    "`{text}` is not a DSCP {}",
                    if class { "class" } else { "value (0-63)" }
                ),
            );
            return;
        };
        let fams = h.families;
        self.mangle_rules(h, &["mangle_output"], vec![], |af| match af {
            Some(a) => vec![vec![Stmt::Mangle(
                Expr::Payload(ipp(a), "dscp"),
                Expr::Num(v),
            )]],
            None => fams
                .iter()
                .map(|a| {
                    vec![
                        nfproto(a),
                        Stmt::Mangle(Expr::Payload(ipp(a), "dscp"), Expr::Num(v)),
                    ]
                })
                .collect(),
        });
    }

    /// `tosfix [where] [params]`: FireHOL's `ackfix` and `tosfix` chains (small TCP ACKs get
    /// Minimize-Delay, large ones Maximize-Throughput; Minimize-Delay bulk traffic over 512 bytes
    /// beyond 2/s burst 10 gets Maximize-Throughput), jumped to in PREROUTING and POSTROUTING.
    fn tosfix(&mut self, h: &Helper) {
        let fams: Vec<Af> = h.families.iter().collect();
        if !self.has_chain("ackfix") {
            self.chain("ackfix", None);
            self.chain("tosfix", None);
            let md = 0x10;
            let mt = 0x08;
            for &af in &fams {
                let ver = Stmt::matches(
                    Expr::Payload(ipp(af), "version"),
                    Expr::Num(if af == Af::V4 { 4 } else { 6 }),
                );
                self.push(
                    "ackfix",
                    vec![
                        ver.clone(),
                        Stmt::Match(Op::Ne, and(tos_field(af), 0x3f), Expr::Num(0)),
                        Stmt::Return,
                    ],
                    Some(h.span),
                );
                for (range, tos) in [((0, 128), md), ((128, 65535), mt)] {
                    for r in Self::set_tos(af, tos, 0x3f) {
                        let mut st = vec![
                            nfproto(af),
                            Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")),
                            Stmt::matches(
                                Expr::Meta("length"),
                                Expr::Range(
                                    Box::new(Expr::Num(range.0)),
                                    Box::new(Expr::Num(range.1)),
                                ),
                            ),
                        ];
                        st.extend(r);
                        self.push("ackfix", st, Some(h.span));
                    }
                }
            }
            self.push("ackfix", vec![Stmt::Return], Some(h.span));
            self.push(
                "tosfix",
                vec![
                    Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")),
                    Stmt::matches(
                        Expr::Meta("length"),
                        Expr::Range(Box::new(Expr::Num(0)), Box::new(Expr::Num(512))),
                    ),
                    Stmt::Return,
                ],
                Some(h.span),
            );
            self.push(
                "tosfix",
                vec![
                    Stmt::Limit {
                        rate: 2,
                        per: "second".into(),
                        burst: Some(10),
                        over: false,
                    },
                    Stmt::Return,
                ],
                Some(h.span),
            );
            for &af in &fams {
                for r in Self::set_tos(af, mt, 0x3f) {
                    let mut st = vec![nfproto(af)];
                    st.extend(r);
                    self.push("tosfix", st, Some(h.span));
                }
            }
            self.push("tosfix", vec![Stmt::Return], Some(h.span));
        }
        let ack = Stmt::matches(
            Expr::And(
                Box::new(Expr::Payload("tcp", "flags")),
                Box::new(Expr::flags(&["syn", "rst", "ack"])),
            ),
            Expr::s("ack"),
        );
        let Some(chains) = self.where_chains(h, &["mangle_prerouting", "mangle_postrouting"])
        else {
            return;
        };
        let Some(rules) = self.helper_rules(h.families, &h.matches, Dir::Request, h.span) else {
            return;
        };
        for chain in chains {
            self.ensure_base(chain);
            for (af, st) in &rules {
                let mut r = st.clone();
                r.push(ack.clone());
                r.push(Stmt::Jump("ackfix".into()));
                self.push(chain, r, Some(h.span));
                let afs: Vec<Af> = match af {
                    Some(a) => vec![*a],
                    None => fams.clone(),
                };
                for a in afs {
                    let mut r = st.clone();
                    if af.is_none() {
                        r.insert(0, nfproto(a));
                    }
                    r.push(Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")));
                    r.push(Stmt::matches(and(tos_field(a), 0x3f), Expr::Num(0x10)));
                    r.push(Stmt::Jump("tosfix".into()));
                    self.push(chain, r, Some(h.span));
                }
            }
        }
    }

    /// `tcpmss auto|N [ifaces]`: SYNs leaving through the interfaces (all of them at top level;
    /// the section's outface inside one) get their MSS clamped to the route MTU or lowered to N.
    /// Like TCPMSS, nft only ever lowers the MSS option (it does not add a missing one).
    fn tcpmss(&mut self, h: &Helper) {
        let Some((value, span)) = h.args.first() else {
            self.error(h.span, "tcpmss needs `auto` or an MSS".into());
            return;
        };
        let to = if value == "auto" {
            Expr::Rt("mtu")
        } else {
            match value.parse::<u16>() {
                Ok(n) if value.starts_with(|c: char| c.is_ascii_digit()) => Expr::Num(n as u64),
                _ => {
                    self.error(*span, format!("`{value}` is neither `auto` nor an MSS"));
                    return;
                }
            }
        };
        // `None`: every interface. `all` (FireHOL's word) and `any` (taken literally by FireHOL
        // 3.1.7, an interface named "any": what a user means is every interface) match no name.
        let every = |names: &[String]| names.iter().any(|n| n == "all" || values::is_any(n));
        let ifaces: Option<Vec<String>> = match (h.args.get(1), h.section) {
            (Some((list, _)), _) => {
                let names: Vec<String> = split_list(list).into_iter().map(String::from).collect();
                (!every(&names)).then_some(names)
            }
            (None, Some(i)) => {
                let s = &self.model.sections[i];
                match s.kind {
                    SectionKind::Router if !s.faces_given.outface => {
                        self.error(
                            h.span,
                            "tcpmss inside this router has no outface to apply to (FireHOL: \"cannot find the interfaces\")".into(),
                        );
                        return;
                    }
                    SectionKind::Router => match &s.matches.outface {
                        Some(c) if c.negated => {
                            self.error(
                                h.span,
                                "tcpmss cannot apply to a negated outface: name the interfaces"
                                    .into(),
                            );
                            return;
                        }
                        Some(c) => Some(c.values.iter().map(|f| f.name.clone()).collect()),
                        None => None,
                    },
                    SectionKind::Interface if s.ifaces.is_empty() => None,
                    SectionKind::Interface => {
                        Some(s.ifaces.iter().map(|f| f.name.clone()).collect())
                    }
                }
            }
            (None, None) => None,
        };
        self.ensure_base("mangle_postrouting");
        let syn = Stmt::matches(
            Expr::And(
                Box::new(Expr::Payload("tcp", "flags")),
                Box::new(Expr::flags(&["syn", "rst"])),
            ),
            Expr::s("syn"),
        );
        let set = Stmt::Mangle(Expr::TcpOption("maxseg", "size"), to);
        let fam = h.families.single().map(nfproto);
        let ifs: Vec<Option<String>> = match ifaces {
            Some(l) => l.into_iter().map(Some).collect(),
            None => vec![None],
        };
        for f in ifs {
            let mut r: Vec<Stmt> = fam.iter().cloned().collect();
            if let Some(f) = f {
                let name = f.strip_suffix('+').map(|b| format!("{b}*")).unwrap_or(f);
                r.push(Stmt::matches(Expr::Meta("oifname"), Expr::s(name)));
            }
            r.push(syn.clone());
            r.push(set.clone());
            self.push("mangle_postrouting", r, Some(h.span));
        }
    }

    /// `mac IP MAC`: packets from IP that do not come from MAC are logged (rate limited) and
    /// dropped, in input and forward (FireHOL's WRONGMAC chain).
    fn mac(&mut self, h: &Helper) {
        let (Some((ip, ispan)), Some((mac, mspan))) = (h.args.first(), h.args.get(1)) else {
            self.error(h.span, "mac needs an IP and a MAC address".into());
            return;
        };
        let addr = match values::parse_addr(ip) {
            Ok(a @ Addr::Net(..)) => a,
            _ => {
                self.error(*ispan, format!("`{ip}` is not an IP address"));
                return;
            }
        };
        let Ok(mac) = values::parse_mac(mac) else {
            self.error(*mspan, format!("`{mac}` is not a MAC address"));
            return;
        };
        let Some(af) = addr.family().filter(|a| h.families.has(*a)) else {
            self.error(
                *ispan,
                format!("`{ip}` is not an address of the statement's family"),
            );
            return;
        };
        if !self.has_chain("WRONGMAC") {
            self.chain("WRONGMAC", None);
            self.push(
                "WRONGMAC",
                log_limited("BLOCKED MAC MISSMATCH:"),
                Some(h.span),
            );
            self.push("WRONGMAC", vec![Stmt::Drop], Some(h.span));
        }
        let Ok(Some(e)) = super::matches::addr_expr(std::slice::from_ref(&addr), af) else {
            return;
        };
        for chain in ["input", "forward"] {
            let r = vec![
                Stmt::matches(Expr::Payload(ipp(af), "saddr"), e.clone()),
                Stmt::Match(
                    Op::Ne,
                    Expr::Payload("ether", "saddr"),
                    Expr::s(mac.clone()),
                ),
                Stmt::Jump("WRONGMAC".into()),
            ];
            self.push(chain, r, Some(h.span));
        }
    }

    /// Addresses of a blacklist/iptrap word list for one family, as an nft expression.
    fn ip_list(&mut self, words: &[(String, Span)], af: Af) -> Option<Option<Expr>> {
        let mut addrs = Vec::new();
        for (w, span) in words {
            for t in split_list(w) {
                match values::parse_addr(t) {
                    Ok(a) => addrs.push(a),
                    Err(e) => {
                        self.error(*span, e);
                        return None;
                    }
                }
            }
        }
        match super::matches::addr_expr(&addrs, af) {
            Ok(e) => Some(e),
            Err(msg) => {
                self.error(words.first().map(|w| w.1).unwrap_or_default(), msg);
                None
            }
        }
    }

    /// `blacklist [MODE] [inface [not] IF] [log T|loglimit T|nolog] [accounting N] IPS [except
    /// P [or P ...]]`. The default, `all` and `full` block both ways: traffic from the IPs is
    /// dropped (input, forward) and traffic to them rejected (forward, output). `them`, `him`,
    /// `her`, `it`, `this`, `these` and `input` only drop NEW connections from them; `stateful`
    /// (`statefull`) blocks both ways, NEW connections only. Chains `BLACKLIST.<uni|bi|bs>.N.in`
    /// / `.out` as FireHOL names them; exceptions return from the chain before anything else.
    fn blacklist(&mut self, h: &Helper, n: usize) {
        let mut words: Vec<(String, Span)> = h.args.clone();
        let mode = match words.first().map(|w| w.0.to_ascii_lowercase()).as_deref() {
            Some("them" | "him" | "her" | "it" | "this" | "these" | "input") => "uni",
            Some("all" | "full") => "bi",
            Some("stateful" | "statefull") => "bs",
            _ => "",
        };
        if !mode.is_empty() {
            words.remove(0);
        }
        let mode = if mode.is_empty() { "bi" } else { mode };
        let mut m = h.matches.clone();
        let opts = take_options(&mut m, &["nolog", "acct"]);
        if m.log.as_ref().is_some_and(|l| l.new_only) {
            self.error(h.span, "blacklist `connlog`: FireHOL 3.1.7 emits an invalid rule for it; log or loglimit instead".into());
            return;
        }
        let nolog = opts.iter().any(|o| o.0 == "nolog");
        let acct = opts.iter().find(|o| o.0 == "acct").map(|o| o.1.clone());
        let extra: Vec<&str> = m.other.iter().map(|r| r.keyword.as_str()).collect();
        if !extra.is_empty()
            || m.src.is_some()
            || m.dst.is_some()
            || m.proto.is_some()
            || m.outface.is_some()
        {
            self.error(
                h.span,
                "blacklist takes only `inface`, log options and `accounting` before its IPs".into(),
            );
            return;
        }
        if words.is_empty() {
            self.error(h.span, "blacklist needs the IPs to block".into());
            return;
        }
        let log = if nolog {
            None
        } else {
            Some(m.log.clone().unwrap_or(LogSpec {
                text: "BLACKLIST".into(),
                limited: false,
                level: None,
                new_only: false,
                span: h.span,
            }))
        };
        let state = mode != "bi";
        let both = mode != "uni";
        let cin = format!("BLACKLIST.{mode}.{n}.in");
        let cout = format!("BLACKLIST.{mode}.{n}.out");
        // The chains: exceptions, accounting, log, verdict.
        for (chain, dir, side) in [(&cin, Dir::Request, "IN"), (&cout, Dir::Reply, "OUT")] {
            if chain == &cout && !both {
                continue;
            }
            self.chain(chain, None);
            for e in &h.excepts {
                let Some(rules) = self.helper_rules(h.families, e, dir, h.span) else {
                    return;
                };
                for (_, mut st) in rules {
                    st.push(Stmt::Return);
                    self.push(chain, st, Some(h.span));
                }
            }
            if let Some(a) = &acct {
                self.add_counter(a);
                self.push(chain, vec![Stmt::CounterNamed(a.clone())], Some(h.span));
            }
            let l = log.as_ref().map(|l| LogSpec {
                text: format!("{}-{side}", l.text),
                ..l.clone()
            });
            if dir == Dir::Request {
                let mut r = l.as_ref().map(log_stmts).unwrap_or_default();
                if !r.is_empty() {
                    self.push(chain, std::mem::take(&mut r), Some(h.span));
                }
                self.push(chain, vec![Stmt::Drop], Some(h.span));
            } else {
                let tcp = Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp"));
                if let Some(l) = &l {
                    let mut r = vec![tcp.clone()];
                    r.extend(log_stmts(l));
                    self.push(chain, r, Some(h.span));
                }
                self.push(
                    chain,
                    vec![tcp, Stmt::Reject(Some(("tcp reset", None)))],
                    Some(h.span),
                );
                if let Some(l) = &l {
                    self.push(chain, log_stmts(l), Some(h.span));
                }
                self.push(
                    chain,
                    vec![Stmt::Reject(Some((
                        "icmpx",
                        Some("host-unreachable".into()),
                    )))],
                    Some(h.span),
                );
            }
        }
        // The jumps.
        for af in h.families.iter() {
            let Some(ips) = self.ip_list(&words, af) else {
                return;
            };
            let Some(ips) = ips else { continue };
            for (dir, field, hooks, chain) in [
                (Dir::Request, "saddr", ["input", "forward"], &cin),
                (Dir::Reply, "daddr", ["forward", "output"], &cout),
            ] {
                if dir == Dir::Reply && !both {
                    continue;
                }
                let mut st = Vec::new();
                if let Some(c) = &m.inface {
                    let key = if dir == Dir::Request {
                        "iifname"
                    } else {
                        "oifname"
                    };
                    st.push(Stmt::Match(
                        if c.negated { Op::Ne } else { Op::Eq },
                        Expr::Meta(key),
                        super::matches::iface_expr(&c.values),
                    ));
                }
                st.push(Stmt::matches(Expr::Payload(ipp(af), field), ips.clone()));
                if state {
                    st.push(ct_state(&["new"]));
                }
                st.push(Stmt::Jump(chain.clone()));
                for hook in hooks {
                    self.push(hook, st.clone(), Some(h.span));
                }
            }
        }
    }

    /// `iptrap SET src|dst[,...] TIMEOUT|default [options] [params] [except ...]` and
    /// `ipuntrap SET src|dst[,...] [options] [params] [except ...]`: matching packets add (or
    /// remove) their addresses to an fhc dynamic set, then log and return (or `action A`).
    /// Options: `timeout`/`counters` (with counters, packets already in the set return before
    /// the timeout is refreshed), `method` (the ipset storage; nft sets need none), `at CHAINS`
    /// (default INPUT FORWARD), `table filter`, `action A`, `log`/`loglimit`.
    fn iptrap(&mut self, h: &Helper, n: usize) {
        let undo = h.command == "ipuntrap";
        let Some(af) = h.families.single() else {
            self.error(
                h.span,
                format!(
                    "{} needs a single family: use {0}4 or {0}6 (FireHOL refuses both)",
                    h.command
                ),
            );
            return;
        };
        let (Some((set, _)), Some((types, tspan))) = (h.args.first(), h.args.get(1)) else {
            self.error(
                h.span,
                format!("{} needs a set name and src/dst", h.command),
            );
            return;
        };
        let mut rest = h.args.iter().skip(2).peekable();
        let mut timeout = None;
        if !undo {
            match rest.next() {
                Some((t, _)) if t == "default" => {}
                Some((t, span)) => match t.parse::<u64>() {
                    Ok(v) => timeout = Some(v),
                    Err(_) => {
                        self.error(
                            *span,
                            format!("`{t}` is not a timeout in seconds or `default`"),
                        );
                        return;
                    }
                },
                None => {}
            }
        }
        let mut counters = false;
        let mut link: Vec<String> = vec!["input".into(), "forward".into()];
        while let Some((w, span)) = rest.next() {
            match w.to_ascii_lowercase().as_str() {
                "counters" => counters = true,
                "timeout" => counters = false,
                "method" => {
                    rest.next();
                }
                "at" | "chain" => match rest.next() {
                    Some((c, _)) => {
                        link = c
                            .split([',', ' '])
                            .filter(|x| !x.is_empty())
                            .map(str::to_ascii_lowercase)
                            .collect()
                    }
                    None => {
                        self.error(*span, "`at` needs chains".into());
                        return;
                    }
                },
                _ => {
                    self.error(*span, format!("`{w}` is not an {} option", h.command));
                    return;
                }
            }
        }
        let mut m = h.matches.clone();
        let opts = take_options(&mut m, &["table", "action"]);
        if let Some((_, t)) = opts.iter().find(|o| o.0 == "table")
            && !t.eq_ignore_ascii_case("filter")
        {
            self.error(
                h.span,
                format!(
                    "{} in table `{t}`: fhc compiles traps in the filter hooks only",
                    h.command
                ),
            );
            return;
        }
        let verdict = match opts
            .iter()
            .find(|o| o.0 == "action")
            .map(|o| o.1.to_ascii_lowercase())
        {
            None => Stmt::Return,
            Some(a) => match a.as_str() {
                "return" => Stmt::Return,
                "drop" | "deny" => Stmt::Drop,
                "accept" => Stmt::Accept,
                "reject" => Stmt::Reject(Some(("icmpx", Some("port-unreachable".into())))),
                other => {
                    if !self
                        .model
                        .actions
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(other))
                    {
                        self.error(
                            h.span,
                            format!("{} `action {other}`: not an action fhc knows", h.command),
                        );
                        return;
                    }
                    Stmt::Jump(super::action_chain(
                        &self
                            .model
                            .actions
                            .iter()
                            .find(|x| x.name.eq_ignore_ascii_case(other))
                            .map(|x| x.name.clone())
                            .unwrap_or_default(),
                    ))
                }
            },
        };
        let ip = ipp(af);
        let mut key = Vec::new();
        let mut kinds = Vec::new();
        for t in types.split(',') {
            match t {
                "src" => key.push(Expr::Payload(ip, "saddr")),
                "dst" => key.push(Expr::Payload(ip, "daddr")),
                _ => {
                    self.error(*tspan, format!("`{t}` is not src or dst"));
                    return;
                }
            }
            kinds.push(if af == Af::V4 {
                "ipv4_addr"
            } else {
                "ipv6_addr"
            });
        }
        if let Some(k) = self.set_kind(set)
            && k != kinds
        {
            self.error(
                *tspan,
                format!("set `{set}` is already used with another type"),
            );
            return;
        }
        self.add_set(Set {
            name: set.clone(),
            kind: kinds,
            flags: vec!["timeout"],
            timeout: Some(3600),
            size: Some(65535),
        });
        let key = if key.len() == 1 {
            key.pop().unwrap_or(Expr::Num(0))
        } else {
            Expr::Concat(key)
        };
        let chain = format!("IPTRAP.{n}");
        self.chain(&chain, None);
        for e in &h.excepts {
            let Some(rules) = self.helper_rules(h.families, e, Dir::Request, h.span) else {
                return;
            };
            for (_, mut st) in rules {
                st.push(Stmt::Return);
                self.push(&chain, st, Some(h.span));
            }
        }
        if undo {
            self.push(
                &chain,
                vec![Stmt::SetUpdate {
                    op: "delete",
                    elem: key,
                    timeout: None,
                    set: set.clone(),
                }],
                Some(h.span),
            );
        } else {
            if counters {
                self.push(
                    &chain,
                    vec![
                        Stmt::matches(key.clone(), Expr::SetRef(set.clone())),
                        Stmt::Return,
                    ],
                    Some(h.span),
                );
            }
            self.push(
                &chain,
                vec![Stmt::SetUpdate {
                    op: "update",
                    elem: key,
                    timeout,
                    set: set.clone(),
                }],
                Some(h.span),
            );
        }
        let log = m.log.take().unwrap_or(LogSpec {
            text: if undo { "UNTRAP" } else { "TRAP" }.into(),
            limited: false,
            level: None,
            new_only: false,
            span: h.span,
        });
        let mut last = log_stmts(&log);
        last.push(verdict);
        self.push(&chain, last, Some(h.span));
        let Some(rules) = self.helper_rules(h.families, &m, Dir::Request, h.span) else {
            return;
        };
        for hook in &link {
            let base = match hook.as_str() {
                "input" => "input",
                "forward" => "forward",
                "output" => "output",
                other => {
                    self.error(
                        h.span,
                        format!(
                            "{} `at {other}`: fhc links traps to INPUT, FORWARD or OUTPUT only",
                            h.command
                        ),
                    );
                    return;
                }
            };
            for (_, st) in &rules {
                let mut r = st.clone();
                r.push(Stmt::Jump(chain.clone()));
                self.push(base, r, Some(h.span));
            }
        }
    }

    /// `cthelper HELPER in|out|both|CHAIN [params]`: new connections matching the parameters get
    /// the conntrack helper (iptables' raw `CT --helper`). nft assigns helpers through a ct helper
    /// object, after conntrack has seen the packet (mangle priority, `ct state new`).
    fn cthelper(&mut self, h: &Helper) {
        // `in` and `out` are also (internal) rule parameters, so the parser hands them over as such.
        let mut m = h.matches.clone();
        let side = take_options(&mut m, &["in", "out"])
            .first()
            .map(|o| (o.0.clone(), h.span));
        let (Some((helper, hspan)), Some((wh, wspan))) =
            (h.args.first(), h.args.get(1).cloned().or(side))
        else {
            self.error(
                h.span,
                "cthelper needs a helper and in, out, both or a chain".into(),
            );
            return;
        };
        let wspan = &wspan;
        let helper = helper.to_ascii_lowercase();
        if !["amanda", "ftp", "irc", "pptp", "sane", "sip"].contains(&helper.as_str()) {
            self.error(*hspan, format!("`{helper}` is not a helper FireHOL can configure (amanda, ftp, irc, pptp, sane, sip)"));
            return;
        }
        if matches!(helper.as_str(), "irc" | "pptp") && h.families.v6 {
            self.error(
                *hspan,
                format!("helper `{helper}` does not support IPv6 (use cthelper4)"),
            );
            return;
        }
        let proto = match m
            .proto
            .as_ref()
            .filter(|c| !c.negated && c.values.len() == 1)
            .map(|c| &c.values[0])
        {
            Some(Proto::Tcp) => "tcp",
            Some(Proto::Udp) => "udp",
            _ => {
                self.error(h.span, "cthelper needs `proto tcp` or `proto udp`: an nft ct helper object is bound to one protocol".into());
                return;
            }
        };
        let sides: Vec<(&'static str, Dir)> = match wh.to_ascii_lowercase().as_str() {
            "in" | "input" | "pre" | "prerouting" => vec![("mangle_prerouting", Dir::Request)],
            "out" | "output" => vec![("mangle_output", Dir::Request)],
            "both" | "bidirectional" | "inout" => vec![
                ("mangle_prerouting", Dir::Request),
                ("mangle_output", Dir::Reply),
            ],
            other => {
                self.error(
                    *wspan,
                    format!(
                        "cthelper `{other}`: fhc assigns helpers in PREROUTING and OUTPUT only"
                    ),
                );
                return;
            }
        };
        let name = format!("{helper}-{proto}");
        self.add_ct_helper(CtHelper {
            name: name.clone(),
            kind: helper.clone(),
            protocol: proto,
        });
        for (chain, dir) in sides {
            self.ensure_base(chain);
            let Some(rules) = self.helper_rules(h.families, &m, dir, h.span) else {
                return;
            };
            for (_, mut st) in rules {
                st.push(ct_state(&["new"]));
                st.push(Stmt::CtHelperSet(name.clone()));
                self.push(chain, st, Some(h.span));
            }
        }
    }

    /// FireHOL's save/restore of permanent marks: the connection mark's bits of the permanent
    /// groups are copied to the packet mark at the top of PREROUTING and OUTPUT (ESTABLISHED and
    /// RELATED packets for stateful groups, all packets for stateless ones) and saved back at the
    /// end of INPUT and POSTROUTING (NEW packets / all packets). Only the group bits change
    /// (`CONNMARK --restore-mark --mask M`): nft cannot combine two marks in one expression, so
    /// when other bits are set the copy goes bit by bit in a helper chain.
    /// FireHOL emits these always; fhc emits them when the configuration sets or matches marks,
    /// since otherwise nothing it generates reads or writes those bits.
    pub(super) fn mark_save_restore(&mut self) {
        if !self.marks_used {
            return;
        }
        let perm: Vec<_> = self
            .model
            .marks
            .iter()
            .filter(|d| d.saverestore)
            .cloned()
            .collect();
        let stateful: u64 = perm
            .iter()
            .filter(|d| d.stateful)
            .map(|d| d.mask() as u64)
            .fold(0, |a, b| a | b);
        let stateless: u64 = perm
            .iter()
            .filter(|d| !d.stateful)
            .map(|d| d.mask() as u64)
            .fold(0, |a, b| a | b);
        for (mask, states, sfx) in [
            (stateful, Some(["established", "related"]), ""),
            (stateless, None, "_all"),
        ] {
            if mask == 0 {
                continue;
            }
            let inv = !mask & 0xffff_ffff;
            let restore = format!("restore_marks{sfx}");
            let save = format!("save_marks{sfx}");
            let meta = || Expr::Meta("mark");
            let ct = || Expr::Ct("mark", None);
            // The bit-by-bit chains.
            self.chain(&restore, None);
            self.chain(&save, None);
            self.push(&restore, vec![Stmt::Mangle(meta(), and(meta(), inv))], None);
            self.push(&save, vec![Stmt::Mangle(ct(), and(ct(), inv))], None);
            for bit in (0..32).map(|b| 1u64 << b).filter(|b| mask & b != 0) {
                self.push(
                    &restore,
                    vec![
                        Stmt::matches(and(ct(), bit), Expr::Num(bit)),
                        Stmt::Mangle(meta(), Expr::Or(Box::new(meta()), Box::new(Expr::Num(bit)))),
                    ],
                    None,
                );
                self.push(
                    &save,
                    vec![
                        Stmt::matches(and(meta(), bit), Expr::Num(bit)),
                        Stmt::Mangle(ct(), Expr::Or(Box::new(ct()), Box::new(Expr::Num(bit)))),
                    ],
                    None,
                );
            }
            let restore_state: Vec<Stmt> = states.map(|s| ct_state(&s)).into_iter().collect();
            let save_state: Vec<Stmt> = states.map(|_| ct_state(&["new"])).into_iter().collect();
            for chain in ["mangle_prerouting", "mangle_output"] {
                self.ensure_base(chain);
                let mut fast = restore_state.clone();
                fast.push(Stmt::matches(and(meta(), inv), Expr::Num(0)));
                fast.push(Stmt::Mangle(meta(), and(ct(), mask)));
                let mut slow = restore_state.clone();
                slow.push(Stmt::Match(Op::Ne, and(meta(), inv), Expr::Num(0)));
                slow.push(Stmt::Jump(restore.clone()));
                let list = self.rules.entry(chain.to_string()).or_default();
                for (i, st) in [fast, slow].into_iter().enumerate() {
                    list.insert(
                        i,
                        crate::nft::json::Rule {
                            chain: chain.to_string(),
                            stmts: st,
                            comment: None,
                            origins: Vec::new(),
                        },
                    );
                }
            }
            for chain in ["mangle_input", "mangle_postrouting"] {
                self.ensure_base(chain);
                let mut fast = save_state.clone();
                fast.push(Stmt::matches(and(ct(), inv), Expr::Num(0)));
                fast.push(Stmt::Mangle(ct(), and(meta(), mask)));
                let mut slow = save_state.clone();
                slow.push(Stmt::Match(Op::Ne, and(ct(), inv), Expr::Num(0)));
                slow.push(Stmt::Jump(save.clone()));
                self.push(chain, fast, None);
                self.push(chain, slow, None);
            }
        }
    }
}
