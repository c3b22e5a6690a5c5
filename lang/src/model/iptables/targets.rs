//! The targets of an iptables line (`-j NAME` and its options) as `ir::RawTarget`.

use super::parse::{Reader, Refusal, invalid, refuse};
use crate::model::ir::{NatTo, RawTarget};
use crate::model::values::{self, Af, parse_log_level};
use crate::span::Span;
use std::net::IpAddr;

impl Reader<'_> {
    /// `-j NAME` with the options read for it.
    pub(super) fn target(&mut self, opts: Vec<(String, String, Span)>) -> Result<(), Refusal> {
        let Some((name, ts)) = self.target_name.clone() else {
            if let Some((o, _, s)) = opts.first() {
                return Err(invalid(
                    *s,
                    format!("`{o}` without the target it belongs to"),
                ));
            }
            return Ok(());
        };
        let mut used = vec![false; opts.len()];
        let mut get = |keys: &[&str]| -> Option<(String, Span)> {
            let i = opts
                .iter()
                .position(|(o, _, _)| keys.contains(&o.as_str()))?;
            used[i] = true;
            Some((opts[i].1.clone(), opts[i].2))
        };
        let ports = |v: Option<(String, Span)>| -> Result<Option<(u16, u16)>, Refusal> {
            v.map(|(v, s)| {
                port_range(&v).ok_or_else(|| invalid(s, format!("`{v}` is not a port or a range")))
            })
            .transpose()
        };
        self.line.target = match name.as_str() {
            "ACCEPT" => RawTarget::Accept,
            "DROP" => RawTarget::Drop,
            "RETURN" => RawTarget::Return,
            "REJECT" => RawTarget::Reject(get(&["--reject-with"]).map(|v| v.0)),
            "LOG" => {
                let level = match get(&["--log-level"]) {
                    Some((l, s)) => Some(parse_log_level(&l).map_err(|e| invalid(s, e))?),
                    None => None,
                };
                RawTarget::Log {
                    prefix: get(&["--log-prefix"]).map(|v| v.0),
                    level,
                }
            }
            "MASQUERADE" => RawTarget::Masquerade(ports(get(&["--to-ports"]))?),
            "REDIRECT" => RawTarget::Redirect(ports(get(&["--to-ports"]))?),
            "SNAT" | "DNAT" => {
                let keys: &[&str] = if name == "SNAT" {
                    &["--to-source", "--to"]
                } else {
                    &["--to-destination", "--to"]
                };
                let Some((to, s)) = get(keys) else {
                    return Err(invalid(ts, format!("{name} needs {}", keys[0])));
                };
                let to = nat_to(&to, self.af).ok_or_else(|| {
                    invalid(s, format!("`{to}` is not ADDRESS[-ADDRESS][:PORT[-PORT]]"))
                })?;
                if name == "SNAT" {
                    RawTarget::Snat(to)
                } else {
                    RawTarget::Dnat(to)
                }
            }
            "NOTRACK" => RawTarget::Notrack,
            "CT" => match get(&["--notrack"]) {
                Some(_) => RawTarget::Notrack,
                None => {
                    return Err(refuse(
                        ts,
                        "fhc translates the CT target with --notrack only".into(),
                    ));
                }
            },
            "MARK" => {
                let Some((v, s)) = get(&["--set-mark", "--set-xmark"]) else {
                    return Err(refuse(
                        ts,
                        "fhc translates MARK with --set-mark or --set-xmark".into(),
                    ));
                };
                let (value, mask) =
                    mark(&v).ok_or_else(|| invalid(s, format!("`{v}` is not VALUE[/MASK]")))?;
                RawTarget::Mark { value, mask }
            }
            n if UNTRANSLATED_TARGETS.contains(&n) => {
                return Err(refuse(
                    ts,
                    format!("fhc does not translate the iptables target `{n}`"),
                ));
            }
            n => RawTarget::Jump(n.to_string()),
        };
        if let Some(i) = used.iter().position(|u| !u) {
            return Err(refuse(
                opts[i].2,
                format!(
                    "`{}` does not belong to the target `{name}` here",
                    opts[i].0
                ),
            ));
        }
        Ok(())
    }
}

/// `VALUE[/MASK]` in decimal or hex (`--set-mark V` keeps no other bit: mask all ones).
fn mark(v: &str) -> Option<(u32, u32)> {
    let num = |s: &str| match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    };
    match v.split_once('/') {
        Some((a, m)) => Some((num(a)?, num(m)?)),
        None => Some((num(v)?, u32::MAX)),
    }
}

/// iptables targets fhc does not translate (any other name is a user chain, which the line's
/// configuration must create with `-N`).
const UNTRANSLATED_TARGETS: &[&str] = &[
    "AUDIT",
    "CHECKSUM",
    "CLASSIFY",
    "CLUSTERIP",
    "CONNMARK",
    "CONNSECMARK",
    "DSCP",
    "ECN",
    "HL",
    "HMARK",
    "IDLETIMER",
    "LED",
    "NETMAP",
    "NFLOG",
    "NFQUEUE",
    "QUEUE",
    "RATEEST",
    "SECMARK",
    "SET",
    "SYNPROXY",
    "TARPIT",
    "TCPMSS",
    "TCPOPTSTRIP",
    "TEE",
    "TOS",
    "TPROXY",
    "TRACE",
    "TTL",
    "ULOG",
];

/// `8080` or `8080-8090` (REDIRECT/MASQUERADE `--to-ports`, the port part of `--to`).
fn port_range(v: &str) -> Option<(u16, u16)> {
    match v.split_once(['-', ':']) {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let p = v.parse().ok()?;
            Some((p, p))
        }
    }
}

/// `ADDR[-ADDR][:PORT[-PORT]]` (IPv6 in brackets when a port follows).
fn nat_to(v: &str, af: Af) -> Option<NatTo> {
    let (addr, ports) = if let Some(rest) = v.strip_prefix('[') {
        let (a, p) = rest.split_once(']')?;
        (a, p.strip_prefix(':'))
    } else if af == Af::V4 {
        match v.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (v, None),
        }
    } else {
        (v, None)
    };
    let addr = if addr.is_empty() {
        None
    } else {
        let (a, b) = addr.split_once('-').unwrap_or((addr, addr));
        let (a, b): (IpAddr, IpAddr) = (a.parse().ok()?, b.parse().ok()?);
        if values::af_of(&a) != af || values::af_of(&b) != af {
            return None;
        }
        Some((a, b))
    };
    let ports = match ports {
        Some(p) => Some(port_range(p)?),
        None => None,
    };
    Some(NatTo { addr, ports })
}
