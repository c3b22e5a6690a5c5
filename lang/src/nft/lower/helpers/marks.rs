//! The mark helpers (`mark`, `connmark`, `custommark`) and the save/restore rules FireHOL adds
//! for its permanent marks.

use super::{and, ct_state};
use crate::model::ir::{Cond, Helper, MarkAt};
use crate::model::values::{Hook, Iface};
use crate::nft::json::{Expr, Op, Stmt};
use crate::nft::lower::Lowerer;
use crate::nft::lower::matches::Dir;

impl Lowerer<'_> {
    /// Stateful groups mark NEW packets only; the value goes into the group's bits, the other
    /// bits are kept (`MARK --set-mark V/MASK`).
    pub(super) fn mark_helper(&mut self, h: &Helper, group: &str, value: u64, at: &MarkAt) {
        let Some(def) = self.model.marks.iter().find(|d| d.name == group).cloned() else {
            return; // the model reported the unknown group
        };
        self.marks_used = true;
        let set = super::mark_set(value << def.shift, def.mask() as u64);
        let pre = if def.stateful {
            vec![ct_state(&["new"])]
        } else {
            vec![]
        };
        match at {
            MarkAt::Interface(ifaces) => self.connmark_interface(h, ifaces, pre, set),
            MarkAt::Hooks(hooks) => {
                self.mangle_rules(h, hooks, pre, |_| vec![vec![set.clone()]]);
            }
        }
    }

    /// `connmark V interface IFACE [params]`: packets coming in on IFACE (prerouting) and going
    /// out on it (postrouting) get the mark. `None` (`any`) is every interface.
    fn connmark_interface(
        &mut self,
        h: &Helper,
        ifaces: &Option<Cond<Iface>>,
        pre: Vec<Stmt>,
        set: Stmt,
    ) {
        for (hook, inbound) in [(Hook::Prerouting, true), (Hook::Postrouting, false)] {
            let chain = super::mangle_chain(hook);
            let mut m = h.matches.clone();
            if inbound {
                m.inface = ifaces.clone();
            } else {
                m.outface = ifaces.clone();
            }
            let Some(rules) = self.helper_rules(h.families, &m, Dir::Request) else {
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

    /// FireHOL's save/restore of permanent marks: the connection mark's bits of the permanent
    /// groups are copied to the packet mark at the top of PREROUTING and OUTPUT (ESTABLISHED and
    /// RELATED packets for stateful groups, all packets for stateless ones) and saved back at the
    /// end of INPUT and POSTROUTING (NEW packets / all packets). Only the group bits change
    /// (`CONNMARK --restore-mark --mask M`): nft cannot combine two marks in one expression, so
    /// when other bits are set the copy goes bit by bit in a helper chain.
    /// FireHOL emits these always; fhc emits them when the configuration sets or matches marks,
    /// since otherwise nothing it generates reads or writes those bits.
    pub(in crate::nft::lower) fn mark_save_restore(&mut self) {
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
