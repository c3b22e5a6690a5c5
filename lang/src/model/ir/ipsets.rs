//! Kernel ipsets, as the configuration creates them (`ipset create/add/addfile`) or only names
//! them (`src ipset:NAME` of a set filled outside it). nftables has no ipset match; each becomes a
//! named set of fhc's table, typed by its ipset type, with its elements parsed once here.

use super::{Cond, Match};
use crate::model::values::{Addr, Af, MacAddr, Proto};
use crate::span::Span;
use std::net::IpAddr;

/// One ipset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipset {
    pub name: String,
    /// An ipset has one family (`ipset4`/`ipset6`; `family inet6`). A `hash:mac` set matches in
    /// both: Ethernet addresses have no IP family.
    pub af: Af,
    pub kind: IpsetKind,
    /// `timeout N`: the default lifetime of an element, in seconds (0: elements may have a
    /// timeout, and have none by default).
    pub timeout: Option<u64>,
    /// `counters`: per-element packet and byte counters.
    pub counters: bool,
    /// `prevent_reset_on_restart`: `fhc apply` keeps the live elements instead of these.
    pub keep: bool,
    pub elements: Vec<IpsetElem>,
    pub origin: IpsetOrigin,
}

impl Ipset {
    /// An empty set without options.
    pub fn new(name: &str, af: Af, kind: IpsetKind, origin: IpsetOrigin) -> Ipset {
        Ipset {
            name: name.to_string(),
            af,
            kind,
            timeout: None,
            counters: false,
            keep: false,
            elements: Vec::new(),
            origin,
        }
    }
}

/// Where a set comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpsetOrigin {
    /// `ipset create` at this statement.
    Created(Span),
    /// Named by a rule (its first use) and made outside the configuration: declared empty.
    External(Span),
}

impl IpsetOrigin {
    pub fn span(self) -> Span {
        match self {
            IpsetOrigin::Created(s) | IpsetOrigin::External(s) => s,
        }
    }
}

/// The ipset types fhc translates, each with its element layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpsetKind {
    HashIp,
    HashNet,
    HashIpPort,
    HashNetPort,
    HashMac,
    /// `bitmap:port range LO-HI`
    BitmapPort {
        lo: u16,
        hi: u16,
    },
}

/// One component of an element (and of a lookup key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Addr,
    /// A protocol and port (`80`, `udp:53`, `tcp:1-1024`).
    Port,
    Mac,
    /// A port without protocol (`bitmap:port`).
    PortOnly,
}

impl IpsetKind {
    /// The type as ipset names it (legacy names are read too, see [`IpsetKind::parse`]).
    pub fn name(self) -> &'static str {
        match self {
            IpsetKind::HashIp => "hash:ip",
            IpsetKind::HashNet => "hash:net",
            IpsetKind::HashIpPort => "hash:ip,port",
            IpsetKind::HashNetPort => "hash:net,port",
            IpsetKind::HashMac => "hash:mac",
            IpsetKind::BitmapPort { .. } => "bitmap:port",
        }
    }

    pub fn dims(self) -> &'static [Dim] {
        match self {
            IpsetKind::HashIp | IpsetKind::HashNet => &[Dim::Addr],
            IpsetKind::HashIpPort | IpsetKind::HashNetPort => &[Dim::Addr, Dim::Port],
            IpsetKind::HashMac => &[Dim::Mac],
            IpsetKind::BitmapPort { .. } => &[Dim::PortOnly],
        }
    }

    /// A type by name (`range` is given later for `bitmap:port`). `Err` carries why fhc does not
    /// translate a type ipset knows; `Ok(None)` is a name ipset does not know.
    pub fn parse(s: &str) -> Result<Option<IpsetKind>, &'static str> {
        Ok(Some(match s {
            "hash:ip" | "iphash" => IpsetKind::HashIp,
            "hash:net" | "nethash" => IpsetKind::HashNet,
            "hash:ip,port" | "ipporthash" => IpsetKind::HashIpPort,
            "hash:net,port" => IpsetKind::HashNetPort,
            "hash:mac" => IpsetKind::HashMac,
            "bitmap:port" | "portmap" => IpsetKind::BitmapPort { lo: 0, hi: 0 },
            "list:set" | "setlist" => {
                return Err(
                    "a list of sets has no nftables counterpart (a rule matches one set); match each member set in a rule of its own",
                );
            }
            "hash:ip,port,ip" | "hash:ip,port,net" | "hash:ip,mark" | "hash:net,net"
            | "hash:net,port,net" | "hash:net,iface" | "hash:ip,mac" | "bitmap:ip"
            | "bitmap:ip,mac" | "ipmap" | "macipmap" | "ipportiphash" | "ipportnethash" => {
                return Err(
                    "fhc translates hash:ip, hash:net, hash:ip,port, hash:net,port, hash:mac and bitmap:port",
                );
            }
            _ => return Ok(None),
        }))
    }
}

/// One element: a value per dimension, and its own timeout (`add NAME ENTRY timeout N`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpsetElem {
    pub key: Vec<ElemPart>,
    pub timeout: Option<u64>,
}

/// One component of an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ElemPart {
    /// Addresses `lo..=hi` (a host, a network or a range, as written).
    Addr(IpAddr, IpAddr),
    /// Ports `lo..=hi` of a protocol (`None`: a `bitmap:port` element, any protocol with ports).
    Port(Option<Proto>, u16, u16),
    Mac(MacAddr),
}

/// How a rule looks a set up: one direction per dimension (`ipset NAME src,dst`), true for the
/// packet's source. More flags than dimensions are ignored, as the kernel ignores them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetLookup {
    pub name: String,
    pub src: Vec<bool>,
}

impl Match {
    /// A `src`/`dst` list that names ipsets among other values matches any of them, and an nft
    /// rule looks up one set per field: one Match per set, and one for the plain addresses. A
    /// negated list (none of them) stays one Match (each value is a condition of the same rule).
    pub fn alternatives(&self) -> Vec<Match> {
        type Field = fn(&mut Match) -> &mut Option<Cond<Addr>>;
        const FIELDS: [Field; 6] = [
            |m| &mut m.src,
            |m| &mut m.dst,
            |m| &mut m.src4,
            |m| &mut m.src6,
            |m| &mut m.dst4,
            |m| &mut m.dst6,
        ];
        let splits = |c: &Cond<Addr>| {
            !c.negated && c.values.len() > 1 && c.values.iter().any(|a| matches!(a, Addr::Ipset(_)))
        };
        let mut out = vec![self.clone()];
        for field in FIELDS {
            // Almost every statement names no set among other values: nothing is rebuilt.
            if !out
                .iter_mut()
                .any(|m| field(m).as_ref().is_some_and(splits))
            {
                continue;
            }
            out = out
                .into_iter()
                .flat_map(|mut m| {
                    let Some(c) = field(&mut m).clone().filter(splits) else {
                        return vec![m];
                    };
                    let (sets, plain): (Vec<Addr>, Vec<Addr>) = c
                        .values
                        .iter()
                        .cloned()
                        .partition(|a| matches!(a, Addr::Ipset(_)));
                    let groups = sets.into_iter().map(|s| vec![s]);
                    let groups: Vec<Vec<Addr>> = if plain.is_empty() {
                        groups.collect()
                    } else {
                        groups.chain([plain]).collect()
                    };
                    groups
                        .into_iter()
                        .map(|values| {
                            let mut alt = m.clone();
                            *field(&mut alt) = Some(Cond {
                                values,
                                ..c.clone()
                            });
                            alt
                        })
                        .collect()
                })
                .collect();
        }
        out
    }
}
