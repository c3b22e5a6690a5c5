//! Actions as nft verdicts (FireHOL's SMART_REJECT, `with limit`, action chains) and the log
//! statements that go with them; `meta nfproto` for family-specific rules.

use super::Lowerer;
use crate::model::ir::{Action, LogSpec, RejectWith, Verdict};
use crate::model::values::{Af, Proto};
use crate::nft::json::{Expr, Op, Stmt};

impl Lowerer<'_> {
    /// The verdict statements of an action (reject picks tcp reset for TCP, as FireHOL's
    /// SMART_REJECT does). The model refused what nftables cannot do (tarpit, mirror, unknown
    /// actions); such an action yields no rule here.
    pub(crate) fn verdict(&mut self, a: &Action, proto: Option<&Proto>) -> Option<Vec<Vec<Stmt>>> {
        let base = match self.verdict_stmts(&a.verdict, proto) {
            Some(v) => vec![v],
            // `reject` without `with` on an unknown protocol: TCP reset, else ICMP.
            None if matches!(a.verdict, Verdict::Reject(None)) => smart_reject(),
            None => return None,
        };
        let Some(l) = &a.limit else {
            return Some(base);
        };
        // `with limit R B [overflow A]`: the verdict within the limit; what exceeds it gets A
        // right away (without `overflow`, it goes on to the next rule).
        let limit = Stmt::Limit {
            rate: l.rate.n,
            per: l.rate.per.name().into(),
            burst: l.burst,
            over: false,
        };
        let mut alts: Vec<Vec<Stmt>> = base
            .into_iter()
            .map(|mut v| {
                // Before the verdict itself (after smart reject's protocol test).
                v.insert(v.len().saturating_sub(1), limit.clone());
                v
            })
            .collect();
        if let Some(over) = &l.overflow {
            alts.extend(self.verdict(&Action::new(over.clone(), a.span), proto)?);
        }
        Some(alts)
    }

    /// One verdict as statements (`None` when it needs two rules or cannot be compiled).
    fn verdict_stmts(&self, v: &Verdict, proto: Option<&Proto>) -> Option<Vec<Stmt>> {
        Some(match v {
            Verdict::Accept => vec![Stmt::Accept],
            Verdict::Drop => vec![Stmt::Drop],
            Verdict::Return => vec![Stmt::Return],
            Verdict::None => vec![],
            Verdict::Reject(Some(r)) => vec![Stmt::Reject(Some(reject_type(*r)))],
            Verdict::Reject(None) => match proto {
                Some(Proto::Tcp) => vec![Stmt::Reject(Some(("tcp reset", None)))],
                Some(_) => vec![Stmt::Reject(Some((
                    "icmpx",
                    Some("port-unreachable".into()),
                )))],
                None => return None,
            },
            Verdict::Tarpit | Verdict::Mirror => return None,
            Verdict::Custom(name) => {
                if !self.model.actions.iter().any(|x| &x.name == name) {
                    return None;
                }
                vec![Stmt::Jump(action_chain(name))]
            }
        })
    }
}

pub(crate) fn action_chain(name: &str) -> String {
    name.to_string()
}

/// FireHOL's SMART_REJECT when the protocol is not known: TCP reset for TCP, ICMP otherwise.
fn smart_reject() -> Vec<Vec<Stmt>> {
    vec![
        vec![
            Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")),
            Stmt::Reject(Some(("tcp reset", None))),
        ],
        vec![Stmt::Reject(Some((
            "icmpx",
            Some("port-unreachable".into()),
        )))],
    ]
}

/// nft's reject of `reject with MSG`.
fn reject_type(r: RejectWith) -> (&'static str, Option<String>) {
    let icmpx = |code: &str| ("icmpx", Some(code.to_string()));
    match r {
        RejectWith::TcpReset => ("tcp reset", None),
        RejectWith::PortUnreachable => icmpx("port-unreachable"),
        RejectWith::HostUnreachable => icmpx("host-unreachable"),
        RejectWith::NoRoute => icmpx("no-route"),
        RejectWith::AdminProhibited => icmpx("admin-prohibited"),
    }
}

/// `log`/`loglimit` as nft statements (FireHOL: level warning, 1/second burst 5 for loglimit).
pub(crate) fn log_stmts(l: &LogSpec) -> Vec<Stmt> {
    let mut out = Vec::new();
    if l.new_only {
        out.push(Stmt::Match(Op::In, Expr::Ct("state", None), Expr::s("new")));
    }
    if l.limited {
        out.push(Stmt::Limit {
            rate: 1,
            per: "second".into(),
            burst: Some(5),
            over: false,
        });
    }
    out.push(Stmt::Log {
        prefix: format!("{}:", l.text),
        level: Some(l.level.map_or("warn", |l| l.name()).into()),
    });
    out
}

/// A rate-limited log statement pair with a fixed prefix (FireHOL's skeleton logs).
pub(crate) fn log_limited(prefix: &str) -> Vec<Stmt> {
    vec![
        Stmt::Limit {
            rate: 1,
            per: "second".into(),
            burst: Some(5),
            over: false,
        },
        Stmt::Log {
            prefix: prefix.into(),
            level: Some("warn".into()),
        },
    ]
}

/// `meta nfproto ipv4|ipv6` for a family-specific rule that has no address match.
pub(crate) fn nfproto(af: Af) -> Stmt {
    Stmt::matches(
        Expr::Meta("nfproto"),
        Expr::s(if af == Af::V4 { "ipv4" } else { "ipv6" }),
    )
}
