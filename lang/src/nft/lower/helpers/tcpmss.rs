//! `tcpmss` (MSS clamping) and `mac` (FireHOL's WRONGMAC chain).

use crate::model::ir::{Helper, Tcpmss};
use crate::model::values::{Addr, Af, MacAddr};
use crate::nft::json::{Expr, Op, Stmt};
use crate::nft::lower::ip_proto;
use crate::nft::lower::matches::iface_name;
use crate::nft::lower::{Lowerer, log_limited, nfproto};

impl Lowerer<'_> {
    /// `tcpmss auto|N [ifaces]`: SYNs leaving through the interfaces get their MSS clamped to the
    /// route MTU or lowered to N. Like TCPMSS, nft only ever lowers the MSS option (it does not
    /// add a missing one).
    pub(super) fn tcpmss(&mut self, h: &Helper, t: &Tcpmss) {
        let to = match t.mss {
            None => Expr::Rt("mtu"),
            Some(n) => Expr::Num(n as u64),
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
        let ifs: Vec<Option<String>> = match &t.ifaces {
            Some(l) => l.iter().map(|f| Some(iface_name(f))).collect(),
            None => vec![None],
        };
        for f in ifs {
            let mut r: Vec<Stmt> = fam.iter().cloned().collect();
            if let Some(f) = f {
                r.push(Stmt::matches(Expr::Meta("oifname"), Expr::s(f)));
            }
            r.push(syn.clone());
            r.push(set.clone());
            self.push("mangle_postrouting", r, Some(h.span));
        }
    }

    /// `mac IP MAC`: packets from IP that do not come from MAC are logged (rate limited) and
    /// dropped, in input and forward.
    pub(super) fn mac(&mut self, h: &Helper, addr: &Addr, af: Af, mac: &MacAddr) {
        if !self.has_chain("WRONGMAC") {
            self.chain("WRONGMAC", None);
            self.push(
                "WRONGMAC",
                log_limited("BLOCKED MAC MISSMATCH:"),
                Some(h.span),
            );
            self.push("WRONGMAC", vec![Stmt::Drop], Some(h.span));
        }
        let Ok(Some(e)) = super::super::matches::addr_expr(std::slice::from_ref(addr), af) else {
            return;
        };
        for chain in ["input", "forward"] {
            let r = vec![
                Stmt::matches(Expr::Payload(ip_proto(af), "saddr"), e.clone()),
                Stmt::Match(
                    Op::Ne,
                    Expr::Payload("ether", "saddr"),
                    Expr::s(mac.to_string()),
                ),
                Stmt::Jump("WRONGMAC".into()),
            ];
            self.push(chain, r, Some(h.span));
        }
    }
}
