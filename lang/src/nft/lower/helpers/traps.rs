//! `iptrap` / `ipuntrap`: matching packets add (or remove) their addresses to an fhc dynamic
//! set, then log and return (or the trap's action). With `counters`, packets already in the set
//! return before the timeout is refreshed.

use crate::model::ir::{Helper, LogSpec, Trap, TrapKey, TrapVerdict};
use crate::nft::json::{Expr, Set, Stmt};
use crate::nft::lower::ip_proto;
use crate::nft::lower::matches::Dir;
use crate::nft::lower::{Lowerer, action_chain, log_stmts};

impl Lowerer<'_> {
    pub(super) fn trap(&mut self, h: &Helper, t: &Trap, n: usize) {
        let ip = ip_proto(t.af);
        let mut key: Vec<Expr> = t
            .key
            .iter()
            .map(|k| {
                Expr::Payload(
                    ip,
                    match k {
                        TrapKey::Src => "saddr",
                        TrapKey::Dst => "daddr",
                    },
                )
            })
            .collect();
        let addr = crate::nft::lower::set_addr_type(t.af);
        self.add_set(Set {
            name: t.set.clone(),
            kind: vec![addr; t.key.len()],
            flags: vec!["timeout"],
            timeout: Some(3600),
            size: Some(65535),
            ..Default::default()
        });
        let key = if key.len() == 1 {
            key.pop().unwrap_or(Expr::Num(0))
        } else {
            Expr::Concat(key)
        };
        let chain = format!("IPTRAP.{n}");
        self.chain(&chain, None);
        self.except_returns(h, &t.excepts, Dir::Request, &chain);
        let set = t.set.clone();
        if t.undo {
            let update = Stmt::SetUpdate {
                op: "delete",
                elem: key,
                timeout: None,
                set,
            };
            self.push(&chain, vec![update], Some(h.span));
        } else {
            if t.counters {
                let known = Stmt::matches(key.clone(), Expr::SetRef(set.clone()));
                self.push(&chain, vec![known, Stmt::Return], Some(h.span));
            }
            let update = Stmt::SetUpdate {
                op: "update",
                elem: key,
                timeout: t.timeout,
                set,
            };
            self.push(&chain, vec![update], Some(h.span));
        }
        let log = t.log.clone().unwrap_or(LogSpec {
            text: if t.undo { "UNTRAP" } else { "TRAP" }.into(),
            limited: false,
            level: None,
            new_only: false,
            span: h.span,
        });
        let mut last = log_stmts(&log);
        last.push(match &t.verdict {
            TrapVerdict::Return => Stmt::Return,
            TrapVerdict::Drop => Stmt::Drop,
            TrapVerdict::Accept => Stmt::Accept,
            TrapVerdict::Reject => Stmt::Reject(Some(("icmpx", Some("port-unreachable".into())))),
            TrapVerdict::Action(name) => Stmt::Jump(action_chain(name)),
        });
        self.push(&chain, last, Some(h.span));
        let Some(rules) = self.helper_rules(h.families, &h.matches, Dir::Request) else {
            return;
        };
        for hook in &t.at {
            for (_, st) in &rules {
                let mut r = st.clone();
                r.push(Stmt::Jump(chain.clone()));
                self.push(hook.name(), r, Some(h.span));
            }
        }
    }
}
