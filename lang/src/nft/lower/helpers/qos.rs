//! The QoS helpers: `classify` (tc class), `tos`, `dscp` and `tosfix` (FireHOL's ackfix and
//! tosfix chains), in mangle-priority chains.

use super::{and, ip_proto, mangle_chain};
use crate::model::ir::{Helper, TcClass};
use crate::model::values::{Af, Hook, Tos};
use crate::nft::json::{Expr, Op, Stmt};
use crate::nft::lower::matches::{Dir, tos_field};
use crate::nft::lower::{Lowerer, nfproto};

/// The TOS values of `tosfix`: Minimize-Delay and Maximize-Throughput.
const MINIMIZE_DELAY: u64 = 0x10;
const MAXIMIZE_THROUGHPUT: u64 = 0x08;

impl Lowerer<'_> {
    /// `classify CLASS [params]`: the packet's priority (tc class) in POSTROUTING.
    pub(super) fn classify(&mut self, h: &Helper, class: &TcClass, at: &[Hook]) {
        let set = Stmt::Mangle(Expr::Meta("priority"), Expr::s(class.to_string()));
        self.mangle_rules(h, at, vec![], |_| vec![vec![set.clone()]]);
    }

    /// Statements that set the TOS byte / traffic class like `TOS --set-tos V[/M]`: the bits in
    /// the mask get the value, the others are kept. Numbers use mask 0xff (DSCP and ECN set);
    /// names use 0x3f, keeping the two top DSCP bits: one rule per value of those bits.
    fn set_tos(af: Af, value: u64, mask: u64) -> Vec<Vec<Stmt>> {
        let ip = ip_proto(af);
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
    pub(super) fn tos_helper(&mut self, h: &Helper, tos: Tos, at: &[Hook]) {
        let (v, m) = (tos.value, tos.mask);
        let fams = h.families;
        self.mangle_rules(h, at, vec![], |af| {
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
    pub(super) fn dscp_helper(&mut self, h: &Helper, v: u64, at: &[Hook]) {
        let fams = h.families;
        self.mangle_rules(h, at, vec![], |af| match af {
            Some(a) => vec![vec![Stmt::Mangle(
                Expr::Payload(ip_proto(a), "dscp"),
                Expr::Num(v),
            )]],
            None => fams
                .iter()
                .map(|a| {
                    vec![
                        nfproto(a),
                        Stmt::Mangle(Expr::Payload(ip_proto(a), "dscp"), Expr::Num(v)),
                    ]
                })
                .collect(),
        });
    }

    /// `tosfix [where] [params]`: FireHOL's `ackfix` and `tosfix` chains (small TCP ACKs get
    /// Minimize-Delay, large ones Maximize-Throughput; Minimize-Delay bulk traffic over 512 bytes
    /// beyond 2/s burst 10 gets Maximize-Throughput), jumped to in PREROUTING and POSTROUTING.
    pub(super) fn tosfix(&mut self, h: &Helper, at: &[Hook]) {
        let fams: Vec<Af> = h.families.iter().collect();
        if !self.has_chain("ackfix") {
            self.chain("ackfix", None);
            self.chain("tosfix", None);
            self.ackfix_chain(h, &fams);
            self.tosfix_chain(h, &fams);
        }
        self.tosfix_jumps(h, at, &fams);
    }

    /// FireHOL's `ackfix` chain: TCP ACKs without a TOS get Minimize-Delay when small and
    /// Maximize-Throughput when large.
    fn ackfix_chain(&mut self, h: &Helper, fams: &[Af]) {
        for &af in fams {
            let ver = Stmt::matches(
                Expr::Payload(ip_proto(af), "version"),
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
            for (range, tos) in [
                ((0, 128), MINIMIZE_DELAY),
                ((128, 65535), MAXIMIZE_THROUGHPUT),
            ] {
                for r in Self::set_tos(af, tos, 0x3f) {
                    let mut st = vec![
                        nfproto(af),
                        Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")),
                        Stmt::matches(
                            Expr::Meta("length"),
                            Expr::Range(Box::new(Expr::Num(range.0)), Box::new(Expr::Num(range.1))),
                        ),
                    ];
                    st.extend(r);
                    self.push("ackfix", st, Some(h.span));
                }
            }
        }
        self.push("ackfix", vec![Stmt::Return], Some(h.span));
    }

    /// FireHOL's `tosfix` chain: Minimize-Delay TCP packets over 512 bytes, beyond 2/s burst 10,
    /// get Maximize-Throughput.
    fn tosfix_chain(&mut self, h: &Helper, fams: &[Af]) {
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
        for &af in fams {
            for r in Self::set_tos(af, MAXIMIZE_THROUGHPUT, 0x3f) {
                let mut st = vec![nfproto(af)];
                st.extend(r);
                self.push("tosfix", st, Some(h.span));
            }
        }
        self.push("tosfix", vec![Stmt::Return], Some(h.span));
    }

    /// The jumps of one `tosfix` statement: its TCP ACKs to `ackfix`, its Minimize-Delay TCP
    /// packets to `tosfix`, in the mangle chain of every hook.
    fn tosfix_jumps(&mut self, h: &Helper, at: &[Hook], fams: &[Af]) {
        let ack = Stmt::matches(
            Expr::And(
                Box::new(Expr::Payload("tcp", "flags")),
                Box::new(Expr::flags(&["syn", "rst", "ack"])),
            ),
            Expr::s("ack"),
        );
        let Some(rules) = self.helper_rules(h.families, &h.matches, Dir::Request) else {
            return;
        };
        for chain in at.iter().map(|h| mangle_chain(*h)) {
            self.ensure_base(chain);
            for (af, st) in &rules {
                let mut r = st.clone();
                r.push(ack.clone());
                r.push(Stmt::Jump("ackfix".into()));
                self.push(chain, r, Some(h.span));
                let afs: Vec<Af> = match af {
                    Some(a) => vec![*a],
                    None => fams.to_vec(),
                };
                for a in afs {
                    let mut r = st.clone();
                    if af.is_none() {
                        r.insert(0, nfproto(a));
                    }
                    r.push(Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")));
                    r.push(Stmt::matches(
                        and(tos_field(a), 0x3f),
                        Expr::Num(MINIMIZE_DELAY),
                    ));
                    r.push(Stmt::Jump("tosfix".into()));
                    self.push(chain, r, Some(h.span));
                }
            }
        }
    }
}
