//! Raw `iptables`/`ip6tables` lines, translated: the rule a line adds, in its table and chain,
//! with the place FireHOL's activation gives it among FireHOL's own rules (docs/iptables.md).

use super::{Cond, Match};
use crate::model::values::{Af, Port, Proto};
use crate::span::Span;
use std::net::IpAddr;

/// One raw line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRule {
    /// `iptables` is IPv4, `ip6tables` IPv6 (whatever section it stands in).
    pub af: Af,
    pub table: RawTable,
    pub op: RawOp,
    /// As written: a built-in chain (`INPUT`) or one made with `-N`.
    pub chain: String,
    /// Addresses, interfaces, states, limit, MAC, owner, set lookups (`-m set`).
    pub matches: Match,
    /// `-p` (`None`: any protocol, also `-p all`), `!` with it.
    pub proto: Option<Cond<Proto>>,
    /// `--sport`/`--sports`, `--dport`/`--dports` (negated, values).
    pub sport: Option<(bool, Vec<Port>)>,
    pub dport: Option<(bool, Vec<Port>)>,
    /// `-m comment --comment TEXT` (the rule's own comment names the line, which holds it).
    pub comment: Option<String>,
    /// `--icmp-type`/`--icmpv6-type`: (negated, type, code).
    pub icmp: Option<(bool, u8, Option<u8>)>,
    pub target: RawTarget,
    /// How many sections (interfaces, routers) the file opened before this line: FireHOL's
    /// jumps to them come before an `-A INPUT/OUTPUT/FORWARD` of this line.
    pub after_sections: usize,
    /// How many NAT statements came before it (their rules precede an `-A` in the nat table).
    pub after_nats: usize,
    pub span: Span,
}

/// The iptables tables fhc maps to its own chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawTable {
    Filter,
    Nat,
    Mangle,
    Raw,
}

impl RawTable {
    pub fn name(self) -> &'static str {
        match self {
            RawTable::Filter => "filter",
            RawTable::Nat => "nat",
            RawTable::Mangle => "mangle",
            RawTable::Raw => "raw",
        }
    }
}

/// What the line does to its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawOp {
    /// `-A`: after what the chain has at that point.
    Append,
    /// `-I` (position 1): above everything the chain has at that point.
    Insert,
    /// `-N`: a user chain (FireHOL creates them before any rule, so a jump may come first).
    NewChain,
}

/// `-j TARGET` and its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawTarget {
    /// No `-j`: the rule only counts.
    None,
    Accept,
    Drop,
    /// `REJECT [--reject-with TYPE]`
    Reject(Option<RawReject>),
    Return,
    Log {
        prefix: Option<String>,
        level: Option<crate::model::values::LogLevel>,
    },
    /// `MASQUERADE [--to-ports P[-Q]]`
    Masquerade(Option<(u16, u16)>),
    /// `SNAT --to-source A[-B][:P[-Q]]`
    Snat(NatTo),
    /// `DNAT --to-destination A[-B][:P[-Q]]`
    Dnat(NatTo),
    /// `REDIRECT [--to-ports P[-Q]]`
    Redirect(Option<(u16, u16)>),
    /// `NOTRACK`, `CT --notrack`
    Notrack,
    /// `MARK --set-mark V[/M]` (`--set-xmark V/M` too): the mark's bits under M become V.
    Mark {
        value: u32,
        mask: u32,
    },
    /// A user chain.
    Jump(String),
}

/// `--reject-with`: a TCP reset, or the ICMP (ICMPv6 for ip6tables) code nft names so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawReject {
    TcpReset,
    Icmp(&'static str),
}

/// The address (range) and port (range) of SNAT/DNAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatTo {
    pub addr: Option<(IpAddr, IpAddr)>,
    pub ports: Option<(u16, u16)>,
}
