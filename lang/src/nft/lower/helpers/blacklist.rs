//! `blacklist`: chains `BLACKLIST.<uni|bi|bs>.N.in` / `.out` as FireHOL names them. The default,
//! `all` and `full` block both ways: traffic from the IPs is dropped (input, forward) and traffic
//! to them rejected (forward, output). `them` ... `input` only drop NEW connections from them;
//! `stateful` blocks both ways, NEW connections only. Exceptions return before anything else.

use super::{ct_state, ip_proto};
use crate::model::ir::{Blacklist, BlacklistMode, Helper, LogSpec};
use crate::model::values::Addr;
use crate::nft::json::{Expr, Op, Stmt};
use crate::nft::lower::matches::{Dir, addr_expr, iface_expr};
use crate::nft::lower::{Lowerer, log_stmts};

impl Lowerer<'_> {
    pub(super) fn blacklist(&mut self, h: &Helper, b: &Blacklist, n: usize) {
        let mode = b.mode.name();
        let cin = format!("BLACKLIST.{mode}.{n}.in");
        let cout = format!("BLACKLIST.{mode}.{n}.out");
        let both = b.mode != BlacklistMode::Uni;
        self.blacklist_chain(h, b, &cin, Dir::Request, "IN");
        if both {
            self.blacklist_chain(h, b, &cout, Dir::Reply, "OUT");
        }
        // The jumps.
        let state = b.mode != BlacklistMode::Bi;
        let plain: Vec<Addr> = b
            .ips
            .iter()
            .filter(|a| !matches!(a, Addr::Ipset(_)))
            .cloned()
            .collect();
        for af in h.families.iter() {
            for (dir, hooks, chain) in [
                (Dir::Request, ["input", "forward"], &cin),
                (Dir::Reply, ["forward", "output"], &cout),
            ] {
                if dir == Dir::Reply && !both {
                    continue;
                }
                // One jump per address list: the plain addresses as one set, each ipset alone.
                let mut keys: Vec<Vec<Stmt>> = Vec::new();
                if let Ok(Some(ips)) = addr_expr(&plain, af) {
                    let field = if dir == Dir::Request {
                        "saddr"
                    } else {
                        "daddr"
                    };
                    keys.push(vec![Stmt::matches(Expr::Payload(ip_proto(af), field), ips)]);
                }
                for a in &b.ips {
                    if let Addr::Ipset(name) = a
                        && let Some(st) = self.set_lookup(name, &[true], Some(af), dir, false)
                    {
                        keys.push(st);
                    }
                }
                for key in keys {
                    let mut st = Vec::new();
                    if let Some(c) = &b.inface {
                        let iface = if dir == Dir::Request {
                            "iifname"
                        } else {
                            "oifname"
                        };
                        st.push(Stmt::Match(
                            if c.negated { Op::Ne } else { Op::Eq },
                            Expr::Meta(iface),
                            iface_expr(&c.values),
                        ));
                    }
                    st.extend(key);
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
    }

    /// One direction's chain: exceptions, accounting, log, verdict.
    fn blacklist_chain(&mut self, h: &Helper, b: &Blacklist, chain: &str, dir: Dir, side: &str) {
        self.chain(chain, None);
        self.except_returns(h, &b.excepts, dir, chain);
        if let Some(a) = &b.accounting {
            self.add_counter(a);
            self.push(chain, vec![Stmt::CounterNamed(a.clone())], Some(h.span));
        }
        let l = b.log.as_ref().map(|l| LogSpec {
            text: format!("{}-{side}", l.text),
            ..l.clone()
        });
        if dir == Dir::Request {
            if let Some(l) = &l {
                self.push(chain, log_stmts(l), Some(h.span));
            }
            self.push(chain, vec![Stmt::Drop], Some(h.span));
            return;
        }
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
