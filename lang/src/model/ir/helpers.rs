//! FireHOL's top-level helper commands (`mark`, `tos`, `tcpmss`, `mac`, `blacklist`, `iptrap`,
//! `cthelper` ...) as typed items. Their positional words differ per command; the model parses
//! and checks them once (model/helpers/), so a backend only reads these fields.

use super::{Cond, Families, LogSpec, Match};
use crate::model::values::{Addr, Af, Hook, Iface, MacAddr, Tos};
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Helper {
    /// The whole statement.
    pub span: Span,
    pub families: Families,
    /// Rule parameters (before `except`, for the commands that have one).
    pub matches: Match,
    pub kind: HelperKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelperKind {
    /// `mark`, `connmark`, `custommark`: the value goes into its group's bits of the packet mark.
    Mark {
        /// The mark group (`usermark` for `mark`, `connmark` for `connmark`).
        group: String,
        value: u64,
        at: MarkAt,
    },
    /// `classify MAJOR:MINOR`: the packet's tc class.
    Classify {
        class: TcClass,
        at: Vec<Hook>,
    },
    /// `tos VALUE[/MASK]|NAME`.
    Tos {
        tos: Tos,
        at: Vec<Hook>,
    },
    /// `dscp VALUE|class NAME`.
    Dscp {
        value: u64,
        at: Vec<Hook>,
    },
    /// `tosfix`: FireHOL's ackfix/tosfix chains.
    Tosfix {
        at: Vec<Hook>,
    },
    Tcpmss(Tcpmss),
    /// `mac IP MAC`: packets from IP must come from MAC.
    Mac {
        addr: Addr,
        af: Af,
        mac: MacAddr,
    },
    Blacklist(Blacklist),
    Trap(Trap),
    Cthelper(Cthelper),
}

/// Where a mark helper marks packets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkAt {
    /// The `where` hooks (or the command's default ones), in the order written.
    Hooks(Vec<Hook>),
    /// `connmark V interface IFACE`: packets in on IFACE and out on it (`None`: any interface).
    Interface(Option<Cond<Iface>>),
}

/// A tc class `MAJOR:MINOR` (hexadecimal, each part optional).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcClass {
    pub major: Option<u16>,
    pub minor: Option<u16>,
}

impl std::fmt::Display for TcClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(m) = self.major {
            write!(f, "{m:x}")?;
        }
        f.write_str(":")?;
        if let Some(m) = self.minor {
            write!(f, "{m:x}")?;
        }
        Ok(())
    }
}

/// `tcpmss auto|N [IFACES]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tcpmss {
    /// `None`: `auto` (the route's MTU).
    pub mss: Option<u16>,
    /// The interfaces SYNs leave through; `None`: every interface.
    pub ifaces: Option<Vec<Iface>>,
}

/// `blacklist [MODE] ... IPS [except ...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blacklist {
    pub mode: BlacklistMode,
    /// `inface [not] IF`: where the blacklisted traffic comes in.
    pub inface: Option<Cond<Iface>>,
    /// `None`: `nolog`. Otherwise the log (FireHOL's default prefix `BLACKLIST`).
    pub log: Option<LogSpec>,
    /// `accounting NAME`: a named counter.
    pub accounting: Option<String>,
    pub ips: Vec<Addr>,
    /// `except P [or P ...]`: traffic any alternative matches is left alone.
    pub excepts: Vec<Match>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlacklistMode {
    /// `them`, `him`, `input` ...: NEW connections from them are dropped.
    Uni,
    /// The default, `all`, `full`: both ways, every packet.
    Bi,
    /// `stateful`: both ways, NEW connections only.
    Bs,
}

impl BlacklistMode {
    /// FireHOL's chain name part (`BLACKLIST.bi.1.in`).
    pub fn name(self) -> &'static str {
        match self {
            BlacklistMode::Uni => "uni",
            BlacklistMode::Bi => "bi",
            BlacklistMode::Bs => "bs",
        }
    }
}

/// `iptrap` / `ipuntrap`: matching packets add (remove) their addresses to a dynamic set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    /// `ipuntrap`.
    pub undo: bool,
    pub af: Af,
    pub set: String,
    /// The set's key: source and/or destination address, in order.
    pub key: Vec<TrapKey>,
    /// Seconds; `None`: the set's default.
    pub timeout: Option<u64>,
    /// Packets already in the set return before the timeout is refreshed.
    pub counters: bool,
    /// The hooks the trap is linked to (default INPUT and FORWARD).
    pub at: Vec<Hook>,
    pub verdict: TrapVerdict,
    /// `None`: FireHOL's default log (`TRAP` / `UNTRAP`).
    pub log: Option<LogSpec>,
    pub excepts: Vec<Match>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKey {
    Src,
    Dst,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapVerdict {
    Return,
    Drop,
    Accept,
    Reject,
    /// An `action` definition, by its defined name.
    Action(String),
}

/// `cthelper HELPER in|out|both [params]`: new connections get a conntrack helper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cthelper {
    /// `ftp`, `sip` ... (lower case, one FireHOL can configure).
    pub helper: CtHelperName,
    /// The helper object's protocol (`proto tcp` or `proto udp`).
    pub tcp: bool,
    pub side: CthelperSide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtHelperName {
    Amanda,
    Ftp,
    Irc,
    Pptp,
    Sane,
    Sip,
}

impl CtHelperName {
    pub const ALL: [CtHelperName; 6] = [
        CtHelperName::Amanda,
        CtHelperName::Ftp,
        CtHelperName::Irc,
        CtHelperName::Pptp,
        CtHelperName::Sane,
        CtHelperName::Sip,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CtHelperName::Amanda => "amanda",
            CtHelperName::Ftp => "ftp",
            CtHelperName::Irc => "irc",
            CtHelperName::Pptp => "pptp",
            CtHelperName::Sane => "sane",
            CtHelperName::Sip => "sip",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CthelperSide {
    /// Packets coming in (PREROUTING).
    In,
    /// Packets this host sends (OUTPUT).
    Out,
    /// Both, the OUTPUT side matching replies.
    Both,
}
