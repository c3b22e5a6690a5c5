//! Lowering of the typed extra parameters of a match: marks, `extra` kinds (TOS, DSCP, helper,
//! address type, own sets, accounting), `connlimit` and `hashlimit`.

use super::Dir;
use super::exprs::{ip_version, masked_addr, op, tos_field};
use crate::model::ir::{Connlimit, Extra, ExtraKind, HashMode, Hashlimit};
use crate::model::values::Af;
use crate::nft::json::{Expr, Set, Stmt};
use crate::nft::lower::{Lowerer, ip_proto, set_addr_type};
use crate::span::Span;

impl Lowerer<'_> {
    /// `meta mark & MASK == VALUE << SHIFT` for values of a mark group.
    /// A mark match in its group's bits. The model checked the values against the layout.
    pub(super) fn mark_match(
        &mut self,
        group: &str,
        values: &[u64],
        negated: bool,
    ) -> Option<Stmt> {
        let def = self.model.marks.iter().find(|d| d.name == group).cloned()?;
        let mut v: Vec<Expr> = values.iter().map(|n| Expr::Num(n << def.shift)).collect();
        v.sort();
        v.dedup();
        let e = if v.len() == 1 {
            v[0].clone()
        } else {
            Expr::Set(v)
        };
        self.marks_used = true;
        Some(Stmt::Match(
            op(negated),
            Expr::And(
                Box::new(Expr::Meta("mark")),
                Box::new(Expr::Num(def.mask() as u64)),
            ),
            e,
        ))
    }

    /// The statements of a typed parameter beyond the main fields.
    pub(super) fn extra_stmts(&mut self, x: &Extra, af: Option<Af>, dir: Dir) -> Option<Vec<Stmt>> {
        let neg = x.negated;
        let one = |v: Vec<Expr>| {
            if v.len() == 1 {
                v[0].clone()
            } else {
                Expr::Set(v)
            }
        };
        let per_family = |what: &str| {
            format!(
                "`{what}` in a rule for both families (internal: the rule was not split per family)"
            )
        };
        Some(match &x.kind {
            ExtraKind::Custommark { group, values } => {
                vec![self.mark_match(group, values, neg)?]
            }
            ExtraKind::Rawmark { value, mask } => {
                let left = if *mask == 0xffff_ffff {
                    Expr::Meta("mark")
                } else {
                    Expr::And(Box::new(Expr::Meta("mark")), Box::new(Expr::Num(*mask)))
                };
                vec![Stmt::Match(op(neg), left, Expr::Num(value & mask))]
            }
            ExtraKind::Tos { values, mask } => {
                // `-m tos --tos V[/M]`: the whole TOS byte (IPv4) or traffic class (IPv6), mask
                // 0xff for numbers and 0x3f (ECN bits excluded) for the symbolic names.
                let Some(af) = af else {
                    self.error(x.span, per_family("tos"));
                    return None;
                };
                let v = values.iter().map(|n| Expr::Num(n & mask)).collect();
                let field = tos_field(af);
                let left = if *mask == 0xff {
                    field
                } else {
                    Expr::And(Box::new(field), Box::new(Expr::Num(*mask)))
                };
                vec![ip_version(af), Stmt::Match(op(neg), left, one(v))]
            }
            ExtraKind::Dscp(values) => {
                let Some(af) = af else {
                    self.error(x.span, per_family("dscp"));
                    return None;
                };
                let v = values.iter().map(|n| Expr::Num(*n)).collect();
                vec![Stmt::Match(
                    op(neg),
                    Expr::Payload(ip_proto(af), "dscp"),
                    one(v),
                )]
            }
            ExtraKind::Helper(names) => {
                let v = names.iter().map(|h| Expr::s(h.clone())).collect();
                vec![Stmt::Match(op(neg), Expr::Ct("helper", None), one(v))]
            }
            ExtraKind::AddrType { src, types } => {
                // `-m addrtype`: the kernel's route type of the address; swapped for replies.
                let src = *src == (dir == Dir::Request);
                let v = types.iter().map(|t| Expr::s(*t)).collect();
                vec![Stmt::Match(
                    op(neg),
                    Expr::Fib("type", vec![if src { "saddr" } else { "daddr" }]),
                    one(v),
                )]
            }
            ExtraKind::Hashlimit(h) => self.hashlimit(h, x.span, af)?,
            ExtraKind::Ipset(l) => self.set_lookup(&l.name, &l.src, af, dir, neg)?,
            ExtraKind::Accounting(name) => {
                self.add_counter(name);
                vec![Stmt::CounterNamed(name.clone())]
            }
        })
    }

    /// `connlimit`: connections per source (or destination) address or network, counted in a
    /// set of its own per statement and family (iptables keeps a table per rule too).
    pub(super) fn connlimit(&mut self, c: &Connlimit, af: Option<Af>) -> Option<Stmt> {
        let Some(af) = af else {
            self.error(
                c.span,
                "connlimit in a rule for both families (internal: not split)".into(),
            );
            return None;
        };
        let field = if c.daddr { "daddr" } else { "saddr" };
        let key = masked_addr(af, field, c.mask);
        let next = self.connlimits.len() + 1;
        let n = *self.connlimits.entry(c.span).or_insert(next);
        let set = format!("connlimit.{n}.{}", if af == Af::V4 { "v4" } else { "v6" });
        self.add_set(Set {
            name: set.clone(),
            kind: vec![set_addr_type(af)],
            flags: vec![],
            timeout: None,
            size: Some(65535),
            ..Default::default()
        });
        Some(Stmt::CtCount {
            set,
            key,
            val: c.n,
            over: c.above,
        })
    }

    /// A per-key token bucket in a named dynamic set (FireHOL shares the table between the rules
    /// that name it, and so do the sets). `upto` passes while the key is under the rate, `above`
    /// once it is over.
    fn hashlimit(&mut self, h: &Hashlimit, span: Span, af: Option<Af>) -> Option<Vec<Stmt>> {
        let mut key = Vec::new();
        let mut kinds = Vec::new();
        for m in &h.modes {
            match m {
                HashMode::SrcIp | HashMode::DstIp => {
                    let Some(af) = af else {
                        self.error(span, "hashlimit on addresses in a rule for both families (internal: not split)".into());
                        return None;
                    };
                    let (field, mask) = if *m == HashMode::SrcIp {
                        ("saddr", h.srcmask)
                    } else {
                        ("daddr", h.dstmask)
                    };
                    key.push(masked_addr(af, field, mask));
                    kinds.push(set_addr_type(af));
                }
                HashMode::SrcPort | HashMode::DstPort => {
                    let field = if *m == HashMode::SrcPort {
                        "sport"
                    } else {
                        "dport"
                    };
                    key.push(Expr::Payload("th", field));
                    kinds.push("inet_service");
                }
            }
        }
        let set = h.set_name(af);
        // nft makes the set dynamic itself when a rule updates it (nft 1.0.6 JSON has no
        // `dynamic` flag).
        self.add_set(Set {
            name: set.clone(),
            kind: kinds,
            flags: vec![],
            timeout: None,
            size: None,
            ..Default::default()
        });
        let key = if key.len() == 1 {
            key.pop().unwrap_or(Expr::Num(0))
        } else {
            Expr::Concat(key)
        };
        Some(vec![Stmt::SetLimit {
            set,
            key,
            limit: Box::new(Stmt::Limit {
                rate: h.rate.n,
                per: h.rate.per.name().into(),
                burst: Some(h.burst),
                over: h.over,
            }),
        }])
    }
}
