//! The protocol and port vocabulary of service definitions: `proto/ports` server entries and
//! client port entries.

pub use crate::model::values::Proto;
use std::fmt;

/// The port part of a server port entry (`443`, `5900:5903`, `any`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortSpec {
    /// No port match.
    Any,
    Port(u16),
    /// Inclusive range, `start <= end` (also written `a-b`; FireHOL turns `-` into `:`).
    Range(u16, u16),
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Any => f.write_str("any"),
            PortSpec::Port(p) => write!(f, "{p}"),
            PortSpec::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// One `proto/ports` entry of `server_<svc>_ports`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerPort {
    /// `None`: `any` (no protocol match).
    pub proto: Option<Proto>,
    pub ports: PortSpec,
}

impl fmt::Display for ServerPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.proto {
            Some(p) => write!(f, "{p}/{}", self.ports),
            None => write!(f, "any/{}", self.ports),
        }
    }
}

/// One entry of `client_<svc>_ports`. In complex-service rules it also serves as a generic port
/// match, where [`ClientPort::Default`] stands for the statement's client port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientPort {
    /// `default`: FireHOL substitutes it textually with `LOCAL_CLIENT_PORTS` (the host's
    /// `net.ipv4.ip_local_port_range`) for a `client` inside an `interface`, where this host is
    /// the client, and with `DEFAULT_CLIENT_PORTS` (`1024:65535`) everywhere else.
    Default,
    /// `any`: no port match.
    Any,
    Port(u16),
    /// Inclusive range, `start <= end`.
    Range(u16, u16),
}

impl fmt::Display for ClientPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientPort::Default => f.write_str("default"),
            ClientPort::Any => f.write_str("any"),
            ClientPort::Port(p) => write!(f, "{p}"),
            ClientPort::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// Groups server ports by protocol in order of first appearance, as FireHOL's `rules_custom`
/// does: it emits one request/reply rule pair per protocol carrying all that protocol's ports
/// (`eserver`'s `tcp/4661 udp/4661 udp/4665` gives a tcp pair and one udp pair for two ports).
pub fn protocol_groups(server: &[ServerPort]) -> Vec<(Option<Proto>, Vec<PortSpec>)> {
    let mut groups: Vec<(Option<Proto>, Vec<PortSpec>)> = Vec::new();
    for sp in server {
        match groups.iter_mut().find(|(p, _)| *p == sp.proto) {
            Some((_, ports)) => ports.push(sp.ports),
            None => groups.push((sp.proto, vec![sp.ports])),
        }
    }
    groups
}
