//! The targets of an iptables line (`-j NAME` and its options) as `ir::RawTarget`.

use super::parse::{Reader, Refusal, invalid, refuse};
use crate::model::ir::{NatTo, RawReject, RawTarget};
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
            "REJECT" => match get(&["--reject-with"]) {
                None => RawTarget::Reject(None),
                Some((w, s)) => {
                    RawTarget::Reject(Some(reject_with(&w, self.af).ok_or_else(|| {
                        invalid(
                            s,
                            format!("`{w}` is not a reject type of this command's family"),
                        )
                    })?))
                }
            },
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
            "SNAT" => nat_target(&name, get(&["--to-source", "--to"]), ts, self.af)?,
            "DNAT" => nat_target(&name, get(&["--to-destination", "--to"]), ts, self.af)?,
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
            "MARK" => mark_target(get(&["--set-mark"]), get(&["--set-xmark"]), ts)?,
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

/// `MARK --set-mark V[/M]` or `--set-xmark V/M`. --set-xmark flips VALUE's bits after clearing
/// MASK's: the same as setting them while VALUE lies inside MASK (its usual use).
fn mark_target(
    set: Option<(String, Span)>,
    xset: Option<(String, Span)>,
    at: Span,
) -> Result<RawTarget, Refusal> {
    let xor = xset.is_some();
    let Some((v, s)) = set.or(xset) else {
        return Err(refuse(
            at,
            "fhc translates MARK with --set-mark or --set-xmark".into(),
        ));
    };
    let (value, mask) = mark(&v).ok_or_else(|| invalid(s, format!("`{v}` is not VALUE[/MASK]")))?;
    if xor && value & !mask != 0 {
        return Err(refuse(
            s,
            format!("`--set-xmark {v}`: fhc translates it when the value lies inside the mask"),
        ));
    }
    Ok(RawTarget::Mark { value, mask })
}

/// `SNAT --to-source TO`, `DNAT --to-destination TO`.
fn nat_target(
    name: &str,
    to: Option<(String, Span)>,
    at: Span,
    af: Af,
) -> Result<RawTarget, Refusal> {
    let Some((to, s)) = to else {
        let opt = if name == "SNAT" {
            "--to-source"
        } else {
            "--to-destination"
        };
        return Err(invalid(at, format!("{name} needs {opt}")));
    };
    let to = nat_to(&to, af)
        .ok_or_else(|| invalid(s, format!("`{to}` is not ADDRESS[-ADDRESS][:PORT[-PORT]]")))?;
    Ok(if name == "SNAT" {
        RawTarget::Snat(to)
    } else {
        RawTarget::Dnat(to)
    })
}

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

/// iptables' `--reject-with` types, per family.
fn reject_with(w: &str, af: Af) -> Option<RawReject> {
    if w == "tcp-reset" || w == "tcp-rst" {
        return Some(RawReject::TcpReset);
    }
    Some(RawReject::Icmp(match (af, w) {
        (Af::V4, "icmp-net-unreachable" | "net-unreach") => "net-unreachable",
        (Af::V4, "icmp-host-unreachable" | "host-unreach") => "host-unreachable",
        (Af::V4, "icmp-port-unreachable" | "port-unreach") => "port-unreachable",
        (Af::V4, "icmp-proto-unreachable" | "proto-unreach") => "prot-unreachable",
        (Af::V4, "icmp-net-prohibited" | "net-prohib") => "net-prohibited",
        (Af::V4, "icmp-host-prohibited" | "host-prohib") => "host-prohibited",
        (Af::V4, "icmp-admin-prohibited" | "admin-prohib") => "admin-prohibited",
        (Af::V6, "icmp6-no-route" | "no-route") => "no-route",
        (Af::V6, "icmp6-adm-prohibited" | "adm-prohibited") => "admin-prohibited",
        (Af::V6, "icmp6-addr-unreachable" | "addr-unreach") => "addr-unreachable",
        (Af::V6, "icmp6-port-unreachable" | "port-unreach") => "port-unreachable",
        _ => return None,
    }))
}
