//! A small evaluator of a compiled ruleset's base chains for one IPv4 packet: verdict and logged
//! prefixes. It understands the matches the generated configurations produce (interfaces,
//! addresses, ports, protocols, conntrack state and status, TCP flags, fib); a packet that
//! reaches anything else is `Unknown`, never guessed.
//!
//! Shared by `optimize_equivalence.rs` (random configurations) and the `compile` fuzz target
//! (`fuzz/fuzz_targets/compile.rs`, through `#[path]`): both compare the optimized ruleset with
//! the one-rule-per-statement lowering.

use fhc_lang::nft::Output;
use fhc_lang::nft::json::{Expr, Op, Rule, Stmt};
use std::collections::HashMap;
use std::net::Ipv4Addr;

#[derive(Clone, Debug)]
pub struct Packet {
    pub iif: &'static str,
    pub oif: &'static str,
    pub saddr: Ipv4Addr,
    pub daddr: Ipv4Addr,
    pub proto: &'static str,
    pub sport: u16,
    pub dport: u16,
    /// `fin syn rst psh ack urg` as nft's bit values.
    pub flags: u64,
    pub state: &'static str,
    pub dnat: bool,
    pub local_source: bool,
}

/// Why a packet could not be evaluated.
pub struct Unknown;

enum Flow {
    Continue,
    Verdict(String),
    Return,
}

struct Eval<'a> {
    chains: HashMap<&'a str, Vec<&'a Rule>>,
    logs: Vec<String>,
    depth: usize,
}

fn num(e: &Expr) -> Result<u64, Unknown> {
    match e {
        Expr::Num(n) => Ok(*n),
        _ => Err(Unknown),
    }
}

fn flag_bits(e: &Expr) -> Result<u64, Unknown> {
    let bit = |s: &str| match s {
        "fin" => Ok(1),
        "syn" => Ok(2),
        "rst" => Ok(4),
        "psh" => Ok(8),
        "ack" => Ok(16),
        "urg" => Ok(32),
        _ => Err(Unknown),
    };
    match e {
        Expr::Str(s) => bit(s),
        Expr::List(items) | Expr::Set(items) => items.iter().try_fold(0, |acc, i| match i {
            Expr::Str(s) => Ok(acc | bit(s)?),
            _ => Err(Unknown),
        }),
        Expr::Num(n) => Ok(*n),
        _ => Err(Unknown),
    }
}

/// A packet field, as a comparable value.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    S(String),
    N(u128),
}

fn field(p: &Packet, left: &Expr) -> Result<Val, Unknown> {
    Ok(match left {
        Expr::Meta("iifname") => Val::S(p.iif.into()),
        Expr::Meta("oifname") => Val::S(p.oif.into()),
        Expr::Meta("nfproto") => Val::S("ipv4".into()),
        Expr::Meta("l4proto") => Val::S(p.proto.into()),
        Expr::Payload("ip", "saddr") => Val::N(u32::from(p.saddr).into()),
        Expr::Payload("ip", "daddr") => Val::N(u32::from(p.daddr).into()),
        Expr::Payload(proto, port @ ("sport" | "dport"))
            if *proto == p.proto || (*proto == "th" && p.proto != "icmp") =>
        {
            Val::N(if *port == "sport" { p.sport } else { p.dport }.into())
        }
        _ => return Err(Unknown),
    })
}

/// A number or an IPv4 address, as a packet field's value.
fn scalar(e: &Expr) -> Result<u128, Unknown> {
    match e {
        Expr::Str(s) => Ok(u32::from(s.parse::<Ipv4Addr>().map_err(|_| Unknown)?).into()),
        other => Ok(num(other)?.into()),
    }
}

/// Whether the packet's value `v` is one of `right` (a value, prefix, range or set of them).
fn member(v: &Val, right: &Expr) -> Result<bool, Unknown> {
    Ok(match (v, right) {
        (_, Expr::Set(items)) => {
            for i in items {
                if member(v, i)? {
                    return Ok(true);
                }
            }
            false
        }
        (Val::S(s), Expr::Str(r)) => s == r,
        (Val::N(n), Expr::Num(_) | Expr::Str(_)) => *n == scalar(right)?,
        (Val::N(n), Expr::Prefix(a, len)) => {
            let a: Ipv4Addr = a.parse().map_err(|_| Unknown)?;
            let mask = if *len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(*len))
            };
            (*n as u32) & mask == u32::from(a) & mask
        }
        (Val::N(n), Expr::Range(a, b)) => (scalar(a)?..=scalar(b)?).contains(n),
        _ => return Err(Unknown),
    })
}

/// `left` matched against `right`: concatenations compare element by element.
fn lookup(p: &Packet, left: &Expr, right: &Expr) -> Result<bool, Unknown> {
    if let Expr::Concat(lefts) = left {
        let Expr::Set(elems) = right else {
            return Err(Unknown);
        };
        let vals: Vec<Val> = lefts
            .iter()
            .map(|l| field(p, l))
            .collect::<Result<_, _>>()?;
        for e in elems {
            let Expr::Concat(parts) = e else {
                return Err(Unknown);
            };
            let mut all = true;
            for (v, part) in vals.iter().zip(parts) {
                all &= member(v, part)?;
            }
            if all {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    member(&field(p, left)?, right)
}

fn matches(p: &Packet, op: Op, left: &Expr, right: &Expr) -> Result<bool, Unknown> {
    match left {
        Expr::Ct("state", None) => {
            let states: Vec<&str> = match right {
                Expr::Str(s) => vec![s.as_str()],
                Expr::List(v) | Expr::Set(v) => v
                    .iter()
                    .map(|e| match e {
                        Expr::Str(s) => Ok(s.as_str()),
                        _ => Err(Unknown),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(Unknown),
            };
            let hit = states.contains(&p.state);
            return Ok(if op == Op::Ne { !hit } else { hit });
        }
        Expr::Ct("status", None) => {
            let dnat = matches!(right, Expr::Str(s) if s == "dnat");
            if !dnat {
                return Err(Unknown);
            }
            return Ok(match op {
                Op::In | Op::Eq => p.dnat,
                Op::NoFlag | Op::Ne => !p.dnat,
            });
        }
        Expr::And(inner, mask) if **inner == Expr::Payload("tcp", "flags") => {
            if p.proto != "tcp" {
                return Ok(false);
            }
            let v = p.flags & flag_bits(mask)?;
            let hit = v == flag_bits(right)?;
            return Ok(if op == Op::Ne { !hit } else { hit });
        }
        Expr::Fib(..) => {
            let local = matches!(right, Expr::Str(s) if s == "local");
            if !local {
                return Err(Unknown);
            }
            return Ok(if op == Op::Ne {
                !p.local_source
            } else {
                p.local_source
            });
        }
        _ => {}
    }
    // A field of another protocol (or of IPv6: the packets are IPv4): nft's implied dependency
    // fails the match, whatever the operator.
    let payload = match left {
        Expr::Payload(proto, _) => Some(*proto),
        Expr::And(inner, _) => match inner.as_ref() {
            Expr::Payload(proto, _) => Some(*proto),
            _ => None,
        },
        _ => None,
    };
    if let Some(proto) = payload
        && (proto == "ip6"
            || (matches!(proto, "tcp" | "udp" | "icmp" | "icmpv6" | "sctp") && proto != p.proto))
    {
        return Ok(false);
    }
    let hit = lookup(p, left, right)?;
    match op {
        Op::Eq | Op::In => Ok(hit),
        Op::Ne => Ok(!hit),
        Op::NoFlag => Err(Unknown),
    }
}

impl<'a> Eval<'a> {
    fn new(out: &'a Output) -> Self {
        let mut chains: HashMap<&str, Vec<&Rule>> = HashMap::new();
        for c in &out.ruleset.chains {
            chains.entry(c.name.as_str()).or_default();
        }
        for r in &out.ruleset.rules {
            chains.entry(r.chain.as_str()).or_default().push(r);
        }
        Eval {
            chains,
            logs: Vec::new(),
            depth: 0,
        }
    }

    fn verdict(&mut self, p: &Packet, s: &Stmt) -> Result<Flow, Unknown> {
        Ok(match s {
            Stmt::Accept => Flow::Verdict("accept".into()),
            Stmt::Drop => Flow::Verdict("drop".into()),
            Stmt::Reject(_) => Flow::Verdict("reject".into()),
            Stmt::Synproxy { .. } => Flow::Verdict("synproxy".into()),
            Stmt::Return => Flow::Return,
            Stmt::Goto(c) => match self.chain(p, c)? {
                Flow::Return | Flow::Continue => Flow::Return,
                v => v,
            },
            Stmt::Jump(c) => match self.chain(p, c)? {
                Flow::Return | Flow::Continue => Flow::Continue,
                v => v,
            },
            _ => return Err(Unknown),
        })
    }

    fn chain(&mut self, p: &Packet, name: &str) -> Result<Flow, Unknown> {
        self.depth += 1;
        if self.depth > 32 {
            return Err(Unknown);
        }
        let rules = self.chains.get(name).cloned().ok_or(Unknown)?;
        for r in rules {
            let mut fired = true;
            for s in &r.stmts {
                let flow = match s {
                    Stmt::Match(op, l, rt) => {
                        if matches(p, *op, l, rt)? {
                            continue;
                        }
                        fired = false;
                        break;
                    }
                    Stmt::Log { prefix, .. } => {
                        self.logs.push(prefix.clone());
                        continue;
                    }
                    // Limits are never merged and keep their place: count them as passing.
                    Stmt::Limit { .. } | Stmt::Counter => continue,
                    Stmt::Vmap(key, entries) => {
                        let mut chosen = None;
                        for (k, v) in entries {
                            if lookup(p, key, &Expr::Set(vec![k.clone()]))? {
                                chosen = Some(v);
                                break;
                            }
                        }
                        match chosen {
                            Some(v) => self.verdict(p, v)?,
                            None => {
                                fired = false;
                                break;
                            }
                        }
                    }
                    other => self.verdict(p, other)?,
                };
                match flow {
                    Flow::Continue => continue,
                    other => {
                        self.depth -= 1;
                        return Ok(other);
                    }
                }
            }
            let _ = fired;
        }
        self.depth -= 1;
        Ok(Flow::Continue)
    }
}

/// (verdict, logs) of a packet through the base chains the packet crosses.
pub fn run(out: &Output, p: &Packet) -> Result<(String, Vec<String>), Unknown> {
    let mut e = Eval::new(out);
    let base = match (p.iif.is_empty(), p.oif.is_empty()) {
        (true, _) => "output",
        (false, true) => "input",
        (false, false) => "forward",
    };
    let v = match e.chain(p, base)? {
        Flow::Verdict(v) => v,
        _ => "policy".into(),
    };
    Ok((v, e.logs))
}
