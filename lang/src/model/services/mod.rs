//! FireHOL's built-in service database as typed data: the 112 simple services (port tables), the
//! 17 complex services (hand-written rule sets) and the grammar of user-defined port lists.
//!
//! The facts were checked against FireHOL 3.1.7 (`services.common`, `services.firehol` and the
//! `rules_<svc>` functions of `firehol`). They are data, not code, so that the checker (unknown
//! service names), hover, completion and the nftables compiler all read one source of truth.
//!
//! Name rules follow FireHOL exactly: a service is found through the bash variables
//! `server_<name>_ports`/`client_<name>_ports` first and the function `rules_<name>` second, so
//! names are case-sensitive (`ICMP` and `icmp` both exist, `Http` does not) and a simple service
//! wins over a complex one of the same name.

mod complex;
mod ports;
mod simple;
mod user_ports;

pub use complex::{
    ComplexRule, ComplexRules, ComplexService, Conntrack, Flow, IcmpType, RpcLookup, RpcProgram,
};
pub use ports::{ClientPort, Port, Proto, ServerPort, port_text, protocol_groups};
pub use simple::{SIMPLE_SERVICES, SimpleService};
pub use user_ports::{PortError, PortErrorKind, parse_client_ports, parse_server_ports};

/// A resolved service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service<'a> {
    Simple(&'a SimpleService<'a>),
    Complex(ComplexService),
}

impl<'a> Service<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            Service::Simple(s) => s.name,
            Service::Complex(c) => c.name(),
        }
    }

    /// Conntrack helpers (only simple services have them).
    pub fn helpers(&self) -> &'a [&'a str] {
        match self {
            Service::Simple(s) => s.helpers,
            Service::Complex(_) => &[],
        }
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self, Service::Complex(c) if c.is_dynamic())
    }

    /// One line for hover: `https: tcp/443, clients from default ports`.
    pub fn describe(&self) -> String {
        match self {
            Service::Simple(s) => s.describe(),
            Service::Complex(c) => format!("{}: {}", c.name(), c.summary()),
        }
    }
}

/// Resolves a built-in service name the way FireHOL does: simple services first, then complex
/// ones, case-sensitively. A statement's comma-separated list (`http,https`) must be split first.
pub fn lookup(name: &str) -> Option<Service<'static>> {
    if let Ok(i) = SIMPLE_SERVICES.binary_search_by(|s| s.name.cmp(name)) {
        return Some(Service::Simple(&SIMPLE_SERVICES[i]));
    }
    ComplexService::from_name(name).map(Service::Complex)
}

/// Services whose server speaks first (a banner or greeting before the client sends anything):
/// behind SYNPROXY with the `timestamp` option, a Linux >= 6.15 server stalls each of their
/// connections for a second unless SYNPROXY's ACK is untracked (tests/e2e/NOTES.md 3.7).
pub const SERVER_FIRST: &[&str] = &[
    "asterisk",
    "daytime",
    "dict",
    "ftp",
    "imap",
    "mysql",
    "nntp",
    "pop3",
    "rsync",
    "smtp",
    "ssh",
    "submission",
    "telnet",
    "time",
    "uucp",
    "vmware",
    "vnc",
];

/// The server-first service (of [`SERVER_FIRST`]) whose TCP server ports hold `port`, if any.
pub fn server_first_on(port: u16) -> Option<&'static str> {
    SERVER_FIRST.iter().copied().find(|name| {
        let Some(Service::Simple(s)) = lookup(name) else {
            return false;
        };
        s.server.iter().any(|sp| {
            sp.proto == Some(Proto::Tcp)
                && match sp.ports {
                    Some(Port::Num(p)) => p == port,
                    Some(Port::Range(a, b)) => (a..=b).contains(&port),
                    Some(Port::Name(_)) | None => false,
                }
        })
    })
}

/// The first server-first service with a TCP port in `lo..=hi`.
pub fn server_first_in(lo: u16, hi: u16) -> Option<(&'static str, u16)> {
    (lo..=hi).find_map(|p| server_first_on(p).map(|n| (n, p)))
}

/// Every built-in service name: the simple ones in byte order, then the complex ones in byte
/// order. Completion should sort by its own rules.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    SIMPLE_SERVICES
        .iter()
        .map(|s| s.name)
        .chain(ComplexService::ALL.into_iter().map(ComplexService::name))
}

/// One-line human summary of a built-in service, for hover.
pub fn describe(name: &str) -> Option<String> {
    lookup(name).map(|s| s.describe())
}

#[cfg(test)]
mod tests;
