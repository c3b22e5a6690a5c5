//! What a configuration reads from the host when it is compiled, as iptables and FireHOL read it
//! when they load: the files of `ipset addfile` and the addresses of host names in `src`/`dst`.
//! lang asks through the [`Host`] trait, which the caller implements (the CLI reads the disk and
//! the system resolver; the editor implements nothing, so nothing is read): lang stays pure, as
//! with [`super::Files`]. [`Inputs`] is a host given as plain data (tests, the catalogue).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::net::IpAddr;

/// What the host answers. `None`: not read (or not resolved) here, which is no error.
pub trait Host: Debug + Send + Sync {
    /// The text of an `ipset addfile` file, by the path as the configuration writes it, or why
    /// it could not be read.
    fn read_set_file(&self, path: &str) -> Option<Result<String, String>>;
    /// Every address of a host name (both families), or why it did not resolve.
    fn resolve(&self, name: &str) -> Option<Result<Vec<IpAddr>, String>>;
    /// `--no-resolve`: a host name is an error.
    fn refuses_names(&self) -> bool {
        false
    }
}

/// A host given as data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub files: BTreeMap<String, Result<String, String>>,
    pub hosts: Hosts,
}

/// What becomes of host names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Hosts {
    /// Not resolved (the editor's case): each name is marked as resolved when the configuration
    /// is compiled, and a ruleset lowered anyway carries the name for nft.
    #[default]
    Deferred,
    /// `--no-resolve`.
    Refused,
    /// Each name's addresses, or why it did not resolve (a name missing here: not resolved).
    Resolved(BTreeMap<String, Result<Vec<IpAddr>, String>>),
}

impl Host for Inputs {
    fn read_set_file(&self, path: &str) -> Option<Result<String, String>> {
        self.files.get(path).cloned()
    }

    fn resolve(&self, name: &str) -> Option<Result<Vec<IpAddr>, String>> {
        match &self.hosts {
            Hosts::Resolved(map) => map.get(name).cloned(),
            _ => None,
        }
    }

    fn refuses_names(&self) -> bool {
        self.hosts == Hosts::Refused
    }
}
