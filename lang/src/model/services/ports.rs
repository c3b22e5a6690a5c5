//! The protocol and port vocabulary of service definitions: `proto/ports` server entries and
//! client port entries.

pub use crate::model::values::{Port, Proto};
use std::fmt;

/// `any` for no port (FireHOL's word), else the port.
pub fn port_text(p: Option<Port>) -> String {
    p.map_or_else(|| "any".to_string(), |p| p.to_string())
}

/// One `proto/ports` entry of `server_<svc>_ports`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerPort {
    /// `None`: `any` (no protocol match).
    pub proto: Option<Proto>,
    /// `None`: `any` (no port match).
    pub ports: Option<Port>,
}

impl fmt::Display for ServerPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.proto {
            Some(p) => write!(f, "{p}/{}", port_text(self.ports)),
            None => write!(f, "any/{}", port_text(self.ports)),
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
    /// A port or an inclusive range (never a name: fhc reads no /etc/services).
    Ports(Port),
}

impl fmt::Display for ClientPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientPort::Default => f.write_str("default"),
            ClientPort::Any => f.write_str("any"),
            ClientPort::Ports(p) => write!(f, "{p}"),
        }
    }
}

/// Groups server ports by protocol in order of first appearance, as FireHOL's `rules_custom`
/// does: it emits one request/reply rule pair per protocol carrying all that protocol's ports
/// (`eserver`'s `tcp/4661 udp/4661 udp/4665` gives a tcp pair and one udp pair for two ports).
pub fn protocol_groups(server: &[ServerPort]) -> Vec<(Option<Proto>, Vec<Option<Port>>)> {
    let mut groups: Vec<(Option<Proto>, Vec<Option<Port>>)> = Vec::new();
    for sp in server {
        match groups.iter_mut().find(|(p, _)| *p == sp.proto) {
            Some((_, ports)) => ports.push(sp.ports),
            None => groups.push((sp.proto, vec![sp.ports])),
        }
    }
    groups
}
