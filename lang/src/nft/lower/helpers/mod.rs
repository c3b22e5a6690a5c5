//! FireHOL's top-level helper commands, one file per concern: marks (and the save/restore rules
//! of permanent marks), QoS (`classify`, `tos`, `dscp`, `tosfix`), `tcpmss` and `mac`,
//! `blacklist`, traps, `cthelper`. The model parsed every value; this only builds rules. Each
//! translation was checked against `firehol debug` (FireHOL 3.1.7).

mod blacklist;
mod cthelper;
mod marks;
mod qos;
mod tcpmss;
mod traps;

use super::Lowerer;
use super::ip_proto;
use super::matches::{Dir, family_guard, port_expr, rule_families};
use crate::model::ir::{Families, Helper, HelperKind, Match};
use crate::model::values::{Af, Hook};
use crate::nft::json::{Expr, Op, Stmt};

/// The mangle chain of a hook.
fn mangle_chain(h: Hook) -> &'static str {
    match h {
        Hook::Prerouting => "mangle_prerouting",
        Hook::Input => "mangle_input",
        Hook::Forward => "mangle_forward",
        Hook::Output => "mangle_output",
        Hook::Postrouting => "mangle_postrouting",
    }
}

fn and(l: Expr, mask: u64) -> Expr {
    Expr::And(Box::new(l), Box::new(Expr::Num(mask)))
}

/// `meta mark set meta mark & ~MASK | VALUE`: the mark's bits under `mask` become `value` (the
/// whole mark when `mask` holds all 32 bits). A mark group's helper and a raw MARK target.
pub(in crate::nft::lower) fn mark_set(value: u64, mask: u64) -> Stmt {
    let mask = mask & 0xffff_ffff;
    let v = if mask == 0xffff_ffff {
        Expr::Num(value)
    } else {
        Expr::Or(
            Box::new(and(Expr::Meta("mark"), !mask & 0xffff_ffff)),
            Box::new(Expr::Num(value)),
        )
    };
    Stmt::Mangle(Expr::Meta("mark"), v)
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

impl Lowerer<'_> {
    pub(super) fn helpers(&mut self) {
        let mut blacklists = 0;
        let mut traps = 0;
        for h in &self.model.helpers {
            match &h.kind {
                HelperKind::Mark { group, value, at } => self.mark_helper(h, group, *value, at),
                HelperKind::Classify { class, at } => self.classify(h, class, at),
                HelperKind::Tos { tos, at } => self.tos_helper(h, *tos, at),
                HelperKind::Dscp { value, at } => self.dscp_helper(h, *value, at),
                HelperKind::Tosfix { at } => self.tosfix(h, at),
                HelperKind::Tcpmss(t) => self.tcpmss(h, t),
                HelperKind::Mac { addr, af, mac } => self.mac(h, addr, *af, mac),
                HelperKind::Blacklist(b) => {
                    blacklists += 1;
                    self.blacklist(h, b, blacklists);
                }
                HelperKind::Trap(t) => {
                    traps += 1;
                    self.trap(h, t, traps);
                }
                HelperKind::Cthelper(c) => self.cthelper(h, c),
            }
        }
    }

    /// The match statements (with protocol and ports) of `m`, per family.
    fn helper_rules(
        &mut self,
        fams: Families,
        m: &Match,
        dir: Dir,
    ) -> Option<Vec<(Option<Af>, Vec<Stmt>)>> {
        let mut out = Vec::new();
        for af in rule_families(self.enabled(fams), m) {
            let mut st = self.match_stmts(m, af, dir)?;
            let proto = m
                .proto
                .as_ref()
                .filter(|c| !c.negated && c.values.len() == 1)
                .map(|c| c.values[0]);
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
            family_guard(&mut st, fam);
            out.push((fam, st));
        }
        Some(out)
    }

    /// Pushes `tail` after the helper's matches in the mangle chain of every hook.
    fn mangle_rules(
        &mut self,
        h: &Helper,
        at: &[Hook],
        pre: Vec<Stmt>,
        tail: impl Fn(Option<Af>) -> Vec<Vec<Stmt>>,
    ) {
        let Some(rules) = self.helper_rules(h.families, &h.matches, Dir::Request) else {
            return;
        };
        for chain in at.iter().map(|h| mangle_chain(*h)) {
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

    /// The rules of `except` alternatives: matching traffic returns from `chain` first.
    fn except_returns(&mut self, h: &Helper, excepts: &[Match], dir: Dir, chain: &str) {
        for e in excepts {
            let Some(rules) = self.helper_rules(h.families, e, dir) else {
                return;
            };
            for (_, mut st) in rules {
                st.push(Stmt::Return);
                self.push(chain, st, Some(h.span));
            }
        }
    }
}
