//! Typed rule parameters beyond addresses, interfaces, protocols and ports: limits, marks,
//! TOS/DSCP, address types, hashlimit, fhc's own sets, accounting, and the options FireHOL's
//! helper commands read. The model parses them (model/params.rs); a backend only reads them.

use crate::model::values::{Af, Rate};
use crate::span::Span;

/// `limit RATE BURST` (the request packets of a rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    pub rate: Rate,
    pub burst: Option<u64>,
    pub span: Span,
}

/// `connlimit upto|above N [mask M] [saddr|daddr]`: connections per source (or destination)
/// address, or per network with a mask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connlimit {
    pub above: bool,
    pub n: u64,
    /// The prefix length connections are counted per (`None`: the whole address).
    pub mask: Option<u8>,
    /// Counted per destination address (`daddr`) instead of per source.
    pub daddr: bool,
    pub span: Span,
}

/// One parameter of [`Extra`] with its negation and span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extra {
    pub kind: ExtraKind,
    pub negated: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraKind {
    /// `custommark GROUP VALUES`: values in a mark group's bits.
    Custommark {
        group: String,
        values: Vec<u64>,
    },
    /// `rawmark VALUE[/MASK]`: the packet mark itself.
    Rawmark {
        value: u64,
        mask: u64,
    },
    /// `tos VALUES`: the TOS byte (IPv4) or traffic class (IPv6) under one mask.
    Tos {
        values: Vec<u64>,
        mask: u64,
    },
    /// `dscp VALUES` / `dscp class NAMES`, as DSCP values.
    Dscp(Vec<u64>),
    /// `helper NAMES`: the connection's conntrack helper (lower case).
    Helper(Vec<String>),
    /// `srctype`/`dsttype TYPES`: the route type of the address (nft's fib type names).
    AddrType {
        src: bool,
        types: Vec<&'static str>,
    },
    Hashlimit(Hashlimit),
    /// `ipset NAME src,dst`: a kernel ipset or one of fhc's own sets (a trap's), by the name the
    /// configuration uses.
    Ipset(super::SetLookup),
    /// `accounting NAME`: a named counter.
    Accounting(String),
}

/// `hashlimit NAME upto|above RATE [burst B] [mode M] [srcmask P] [dstmask P] [htable-*]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashlimit {
    pub name: String,
    /// `above`: match once the key is over the rate; `upto`: while it is under.
    pub over: bool,
    pub rate: Rate,
    pub burst: u64,
    pub modes: Vec<HashMode>,
    /// Prefix lengths the addresses are keyed on (`None`: the whole address).
    pub srcmask: Option<u8>,
    pub dstmask: Option<u8>,
}

impl Hashlimit {
    /// The name of its set in a rule of family `af`: FireHOL shares one table per name, and a
    /// table keyed on addresses is one per family (`NAME4`, `NAME6`).
    pub fn set_name(&self, af: Option<Af>) -> String {
        match af {
            Some(a) if self.modes.iter().any(|m| m.is_addr()) => {
                format!("{}{}", self.name, if a == Af::V4 { "4" } else { "6" })
            }
            _ => self.name.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashMode {
    SrcIp,
    DstIp,
    SrcPort,
    DstPort,
}

impl HashMode {
    pub fn is_addr(self) -> bool {
        matches!(self, HashMode::SrcIp | HashMode::DstIp)
    }
}

/// A parameter FireHOL's helper commands read themselves (`table`, `action`, `nolog`, `in`,
/// `out`); the command that takes it removes it from its match, anywhere else it is an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperOption {
    pub keyword: &'static str,
    pub value: Option<String>,
    pub span: Span,
}
