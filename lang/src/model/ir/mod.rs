//! The firewall model: what a configuration means, independent of any backend. Every item keeps
//! the span of the statement that produced it, so a backend rule, a hover or a diagnostic can
//! point back to the line.

use super::services::{ClientPort, ComplexService, ServerPort};
pub use super::values::Families;
use super::values::{Addr, Af, CtState, Hook, Iface, MacAddr, Owner, Port, Proto};
use crate::span::Span;
use crate::syntax::ast::Role;

mod helpers;
mod ipsets;
mod params;
mod raw;

pub use helpers::*;
pub use ipsets::*;
pub use params::*;
pub use raw::*;

/// A match on one field: its values (any of them matches), optionally negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond<T> {
    pub negated: bool,
    pub values: Vec<T>,
    pub span: Span,
}

/// A log request attached to a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSpec {
    pub text: String,
    pub limited: bool,
    pub level: Option<super::values::LogLevel>,
    /// `connlog`: log only the first packet of a connection (`ct state new`).
    pub new_only: bool,
    pub span: Span,
}

/// Everything a statement matches on, from the request's point of view (FireHOL's convention:
/// the backend reverses it for replies and client statements).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Match {
    pub src: Option<Cond<Addr>>,
    pub dst: Option<Cond<Addr>>,
    /// `src4`/`src6`/`dst4`/`dst6`: per-family values.
    pub src4: Option<Cond<Addr>>,
    pub src6: Option<Cond<Addr>>,
    pub dst4: Option<Cond<Addr>>,
    pub dst6: Option<Cond<Addr>>,
    pub inface: Option<Cond<Iface>>,
    pub outface: Option<Cond<Iface>>,
    pub proto: Option<Cond<Proto>>,
    pub sport: Option<Cond<Port>>,
    pub dport: Option<Cond<Port>>,
    pub uid: Option<Cond<Owner>>,
    pub gid: Option<Cond<Owner>>,
    pub mac: Option<Cond<MacAddr>>,
    /// `mark`/`connmark` values in their mark group (usermark / connmark); checked against the
    /// layout at the end of the file.
    pub mark: Option<Cond<u64>>,
    pub connmark: Option<Cond<u64>>,
    pub state: Option<Cond<CtState>>,
    pub log: Option<LogSpec>,
    /// `limit RATE BURST`
    pub limit: Option<Limit>,
    pub connlimit: Option<Connlimit>,
    /// The other parameters (TOS, DSCP, hashlimit, own sets, accounting ...), typed.
    pub extras: Vec<Extra>,
    /// Options a helper command reads itself (see [`HelperOption`]).
    pub options: Vec<HelperOption>,
}

impl Match {
    /// The families a statement's rules are made for, one rule per entry: `[None]` is one rule
    /// serving both families (no address narrows it); otherwise one rule per family whose
    /// address conditions can match (per family, only that family's conditions count: `src4`
    /// must not veto IPv6 rules). A parameter whose nft expression depends on the family
    /// (TOS/DSCP, hashlimit on addresses, own sets, connlimit) splits a both-families rule too:
    /// one nft rule cannot read `ip` and `ip6` fields at once.
    pub fn rule_families(&self, fams: Families) -> Vec<Option<Af>> {
        let any_addr = [
            &self.src, &self.dst, &self.src4, &self.src6, &self.dst4, &self.dst6,
        ]
        .iter()
        .any(|c| c.as_ref().is_some_and(|c| !c.values.is_empty()));
        let per: Vec<Option<Af>> = if !any_addr && fams.v4 && fams.v6 {
            vec![None]
        } else {
            fams.iter()
                .filter(|&af| {
                    [self.src_for(af), self.dst_for(af)]
                        .into_iter()
                        .flatten()
                        .all(|c| {
                            c.values.is_empty()
                                || c.negated
                                || c.values.iter().any(|a| addr_in_family(a, af))
                        })
                })
                .map(Some)
                .collect()
        };
        if per == [None] && self.needs_family() {
            fams.iter().map(Some).collect()
        } else {
            per
        }
    }

    /// Whether a parameter needs a rule per family (see [`Match::rule_families`]).
    pub fn needs_family(&self) -> bool {
        self.extras.iter().any(|x| match &x.kind {
            ExtraKind::Tos { .. } | ExtraKind::Dscp(_) | ExtraKind::Ipset { .. } => true,
            ExtraKind::Hashlimit(h) => h.modes.iter().any(|m| m.is_addr()),
            _ => false,
        }) || self.connlimit.is_some()
    }

    /// The source addresses for a family (`src4`/`src6` win over `src`).
    pub fn src_for(&self, af: Af) -> Option<&Cond<Addr>> {
        match af {
            Af::V4 => self.src4.as_ref().or(self.src.as_ref()),
            Af::V6 => self.src6.as_ref().or(self.src.as_ref()),
        }
    }

    pub fn dst_for(&self, af: Af) -> Option<&Cond<Addr>> {
        match af {
            Af::V4 => self.dst4.as_ref().or(self.dst.as_ref()),
            Af::V6 => self.dst6.as_ref().or(self.dst.as_ref()),
        }
    }
}

/// Whether an address may match in family `af` (lists, sets and names belong to both).
fn addr_in_family(a: &Addr, af: Af) -> bool {
    match a {
        Addr::List(_) | Addr::Ipset(_) | Addr::Host(_) => true,
        _ => a.family() == Some(af),
    }
}

/// A verdict: built-in or a user action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// `reject [with MSG]` (`None`: FireHOL's default, TCP reset for TCP, port unreachable else).
    Reject(Option<RejectWith>),
    Drop,
    Return,
    Tarpit,
    Mirror,
    None,
    /// An `action` definition (or a chain name).
    Custom(String),
}

/// What `reject with MSG` sends back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectWith {
    TcpReset,
    PortUnreachable,
    HostUnreachable,
    NoRoute,
    AdminProhibited,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub verdict: Verdict,
    /// `accept with limit RATE [BURST] [overflow VERDICT]`.
    pub limit: Option<ActionLimit>,
    pub span: Span,
}

impl Action {
    /// A plain verdict (no `with` options).
    pub fn new(verdict: Verdict, span: Span) -> Action {
        Action {
            verdict,
            limit: None,
            span,
        }
    }
}

/// `with limit RATE [BURST] [overflow VERDICT]`: requests over the rate get the overflow verdict
/// (by default they go on to the next rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionLimit {
    pub rate: super::values::Rate,
    pub burst: Option<u64>,
    pub overflow: Option<Verdict>,
}

/// A service as resolved at the statement (FireHOL caches a service at its first use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceDef {
    /// `proto/ports` the server listens on, and the client ports (`default`, `any`, ports):
    /// a built-in simple service, a `server_X_ports` definition or `server custom`.
    Simple {
        server: Vec<ServerPort>,
        client: Vec<ClientPort>,
        helpers: Vec<String>,
    },
    /// A built-in complex service (ping, dhcp, samba ...; nfs and nis are dynamic).
    Complex(ComplexService),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub span: Span,
    pub def: ServiceDef,
}

/// One `server`/`client`/`route` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub span: Span,
    pub role: Role,
    pub services: Vec<Service>,
    pub action: Action,
    pub matches: Match,
    /// Matches of the enclosing `group with ...` blocks, outermost first.
    pub groups: Vec<Match>,
    pub families: Families,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Interface,
    Router,
}

/// `protection [reverse] TYPE [rate [burst]]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protection {
    pub reverse: bool,
    /// The checks, each once, in FireHOL's order (`strong` expanded).
    pub checks: Vec<ProtectionCheck>,
    /// The flood limits' rate (default 100/second) and burst (default 50).
    pub rate: super::values::Rate,
    pub burst: u64,
    /// `ipv4 protection ...` in a dual-stack section protects IPv4 only.
    pub families: Families,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtectionCheck {
    Invalid,
    NewTcpWithoutSyn,
    IcmpFloods,
    SynFloods,
    AllFloods,
    MalformedXmas,
    MalformedNull,
    MalformedBad,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub span: Span,
    pub kind: SectionKind,
    pub name: String,
    pub name_span: Span,
    /// The real interfaces of an `interface` section. Empty for routers, and for `interface any`
    /// (FireHOL's `any`: the section sees every interface).
    pub ifaces: Vec<Iface>,
    /// Whether the section names an `inface` / `outface` at all (`any` included). A `masquerade`
    /// in a router takes the router's outface (inface with `reverse`), and FireHOL refuses it
    /// when the router names none; `any` there masquerades on every interface.
    pub faces_given: FacesGiven,
    pub matches: Match,
    pub families: Families,
    /// `None`: FireHOL's default (DROP for interfaces, RETURN for routers).
    pub policy: Option<Action>,
    pub protections: Vec<Protection>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FacesGiven {
    pub inface: bool,
    pub outface: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SynproxyType {
    /// The server is on this host (`input`/`in`).
    Input,
    /// The server is routed through this host (`forward`/`pass`).
    Forward,
}

/// One NAT target of `dnat to` (`IP`, `IP:PORT`, `:PORT`, `IP1-IP2:P1-P2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatTarget {
    pub addr: Option<Addr>,
    pub port: Option<Port>,
}

impl NatTarget {
    /// Whether several targets can be one round robin (nft's `numgen` map): each gives an
    /// address, and all the same port.
    pub fn round_robin(targets: &[NatTarget]) -> bool {
        targets
            .iter()
            .all(|t| t.addr.is_some() && t.port == targets[0].port)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SynproxyAction {
    Accept,
    Drop,
    Reject,
    Action(String),
    Dnat {
        targets: Vec<NatTarget>,
        persistent: bool,
        random: bool,
    },
    Redirect {
        port: Port,
    },
}

/// The TCP options SYNPROXY announces (`FIREHOL_SYNPROXY_OPTIONS` at the statement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynproxyOptions {
    pub mss: Option<u32>,
    pub wscale: Option<u32>,
    pub timestamp: bool,
    pub sack_perm: bool,
}

impl Default for SynproxyOptions {
    fn default() -> Self {
        SynproxyOptions {
            mss: Some(1460),
            wscale: Some(7),
            timestamp: true,
            sack_perm: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synproxy {
    pub span: Span,
    pub family: Af,
    pub types: Vec<SynproxyType>,
    /// The client's original request (before any NAT).
    pub matches: Match,
    pub action: SynproxyAction,
    pub action_span: Span,
    /// Parameters after the action: they apply to the final SYNPROXY->server rule.
    pub action_matches: Match,
    /// `reject with MSG`
    pub reject_with: Option<RejectWith>,
    pub options: SynproxyOptions,
    pub log: bool,
    pub exclude_owner: bool,
    /// `FHC_SYNPROXY_UNTRACK_ACK` (default 1): SYNPROXY's ACK to a server it reaches without NAT
    /// leaves untracked, so the server's kernel (Linux >= 6.15) does not reject it for a wrong
    /// timestamp echo and stall the connection for a second (tests/e2e/NOTES.md 3.7).
    pub untrack_ack: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    Dnat,
    Snat,
    Redirect,
    Masquerade,
    TransparentProxy,
    Tproxy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nat {
    pub span: Span,
    pub kind: NatKind,
    pub families: Families,
    pub targets: Vec<NatTarget>,
    /// For transparent proxies: the ports caught; for redirect: the local port.
    pub ports: Vec<Port>,
    pub persistent: bool,
    pub random: bool,
    /// The hooks it acts in (`at`, else the kind's default), each once.
    pub at: Vec<Hook>,
    /// For transparent_proxy: `Some` when this host's own traffic is redirected too, except that
    /// of these users (FireHOL's user argument is a list, like the `uid` parameter: `"proxy
    /// root"` is two users; `any` is an empty list: every user's traffic). `None`: local traffic
    /// is not redirected.
    pub user: Option<Vec<Owner>>,
    pub matches: Match,
    /// A masquerade inside a section takes the section's outface (or inface with `reverse`).
    pub section: Option<usize>,
    pub reverse: bool,
}

/// One step of an `action` definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionStep {
    /// `chain VERDICT` / `action VERDICT`
    Final(Action),
    /// `rule [params] action VERDICT`
    Rule {
        matches: Match,
        verdict: Option<Action>,
        span: Span,
    },
    /// `sockets_suspects_trap ...`, `iptrap`, `ipuntrap` inside an action.
    Trap {
        trap: ActionTrap,
        matches: Match,
        span: Span,
    },
}

/// A trap step of an action: its sets are named after the action's set or name, with a 4/6
/// suffix when the action applies to both families.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionTrap {
    /// `iptrap SET src|dst[,...] [TIMEOUT]` / `ipuntrap SET src|dst[,...]`.
    Ip {
        undo: bool,
        set: String,
        /// The set's key: source and/or destination address, in order.
        key: Vec<TrapKey>,
        timeout: Option<u64>,
    },
    /// `sockets_suspects_trap SUSPECTS_TIMEOUT TRAP_TIMEOUT VALID_CONNECTIONS`.
    SocketsSuspects {
        suspects: u64,
        trap: u64,
        valid: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionDef {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub families: Families,
    pub steps: Vec<ActionStep>,
}

/// Settings the lowering needs that the configuration does not state as statements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// FIREHOL_TRUST_LOOPBACK at the first section (default on).
    pub trust_loopback: bool,
    /// Routers or DNAT/SNAT: the host forwards traffic.
    pub routing: bool,
}

/// One mark group of FireHOL's mark layout (`markdef NAME VALUES [stateful|stateless]
/// [permanent|temporary]`): the 32-bit packet mark is shared by groups, each owning a bit field.
/// FireHOL's defaults are `connmark 64` (bits 0-5) and `usermark 128` (bits 6-12), both stateful
/// and permanent; `marksreset` clears the layout and later `markdef`s append after the previous
/// group. Every mark match and mark assignment uses the layout as it stands at the end of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkDef {
    pub name: String,
    pub shift: u32,
    /// The largest value (VALUES - 1).
    pub max: u32,
    /// Only NEW packets are marked (`stateful`, the default).
    pub stateful: bool,
    /// The mark is saved to and restored from the connection mark (`permanent`, the default).
    pub saverestore: bool,
    pub span: Option<Span>,
}

impl MarkDef {
    pub fn mask(&self) -> u32 {
        self.max << self.shift
    }
}

/// FireHOL's default mark layout (firehol-defaults.conf).
pub fn default_marks() -> Vec<MarkDef> {
    vec![
        MarkDef {
            name: "connmark".into(),
            shift: 0,
            max: 63,
            stateful: true,
            saverestore: true,
            span: None,
        },
        MarkDef {
            name: "usermark".into(),
            shift: 6,
            max: 127,
            stateful: true,
            saverestore: true,
            span: None,
        },
    ]
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub version: Option<u32>,
    /// Families the configuration produces rules for (`version 5`, `ENABLE_IPV4/6=0` narrow it).
    pub families: Option<Families>,
    pub settings: Settings,
    pub actions: Vec<ActionDef>,
    pub synproxies: Vec<Synproxy>,
    /// NAT statements in source order.
    pub nats: Vec<Nat>,
    pub sections: Vec<Section>,
    /// Top-level helper commands the backend translates, in source order.
    pub helpers: Vec<Helper>,
    /// The mark layout at the end of the file (see [`MarkDef`]).
    pub marks: Vec<MarkDef>,
    /// `FIREHOL_*` settings the configuration assigns, with their final values.
    pub user_settings: std::collections::BTreeMap<String, String>,
    /// (a statement inside a function, the statement that called the function), once per pair in
    /// evaluation order: a rule's comment names the calling lines too.
    pub calls: Vec<(Span, Span)>,
    /// `--define NAME=VALUE` in force (the ruleset says which).
    pub defines: Vec<(String, String)>,
    /// Kernel ipsets, created here or named here, in order of creation or first use.
    pub ipsets: Vec<Ipset>,
    /// What compiling this configuration reads from the host.
    pub reads: HostReads,
    /// Raw iptables/ip6tables lines, translated, in source order.
    pub raw_rules: Vec<RawRule>,
}

/// The files and names a compilation reads from the host (see `prelude::Inputs`), each with
/// the span that asks for it, in order of first use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostReads {
    /// `ipset addfile` paths, as written.
    pub files: Vec<(String, Span)>,
    /// Host names in `src`/`dst`.
    pub names: Vec<(String, Span)>,
}

impl HostReads {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.names.is_empty()
    }
}

impl Model {
    /// The statements that called the function `stmt` ran in (sorted, without repeats).
    pub fn callers_of(&self, stmt: Span) -> Vec<Span> {
        let mut out: Vec<Span> = self
            .calls
            .iter()
            .filter(|(s, _)| *s == stmt)
            .map(|(_, c)| *c)
            .collect();
        out.sort_by_key(|s| s.start);
        out.dedup();
        out
    }
}
