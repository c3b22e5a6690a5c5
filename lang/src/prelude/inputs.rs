//! What a configuration reads from the host when it is compiled, as iptables and FireHOL read it
//! when they load: the files of `ipset addfile` and the addresses of host names in `src`/`dst`.
//! The caller reads and resolves them (the CLI when compiling); lang stays pure and only reads
//! this map. The first analysis names what it wants ([`crate::model::ir::HostReads`]).

use std::collections::BTreeMap;
use std::net::IpAddr;

/// The files and names read for one compilation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    /// `ipset addfile` files, by the path as the configuration writes it: their text, or why they
    /// could not be read. A path missing here is not read (the editor's case): no elements, no
    /// error.
    pub files: BTreeMap<String, Result<String, String>>,
    pub hosts: Hosts,
}

/// What becomes of host names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Hosts {
    /// Not resolved in this analysis (the editor): each name is marked as resolved when the
    /// configuration is compiled, and a ruleset lowered anyway carries the name for nft.
    #[default]
    Deferred,
    /// `--no-resolve`: a host name is an error.
    Refused,
    /// Resolved by the caller: each name's addresses (both families), or why it did not resolve.
    Resolved(BTreeMap<String, Result<Vec<IpAddr>, String>>),
}
