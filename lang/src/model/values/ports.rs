//! The one port type: a port, an inclusive range, or a service name. Two readings of it, with
//! different rules because FireHOL reads the two places differently:
//!
//! | written           | rule parameter (`dport`, [`parse_port`]) | service definition (`server_X_ports`) |
//! |-------------------|------------------------------------------|---------------------------------------|
//! | `80`, `1000:2000`, `1000-2000` | a port, a range              | the same                              |
//! | `:1024`, `1024:`  | an open range (0 / 65535 implied)        | refused (iptables' multiport refuses) |
//! | `080`             | port 80                                  | refused (FireHOL compares the text)   |
//! | `http`            | a service name (nft resolves it at load) | refused: fhc does not read the host's /etc/services when it compiles a definition |
//! | `any` / `ANY`     | no condition (`None`)                    | no condition (`None`)                 |
//!
//! The service database's reading is `model::services::parse_server_ports`; both are tested side by
//! side in `services/tests.rs` (`port_readings_differ_where_documented`).

use std::fmt;

/// A port, an inclusive range, or a service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Port {
    Num(u16),
    Range(u16, u16),
    /// A name from /etc/services (nft resolves it when loading).
    Name(ServiceName),
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Num(n) => write!(f, "{n}"),
            Port::Range(a, b) => write!(f, "{a}:{b}"),
            Port::Name(n) => f.write_str(n.as_str()),
        }
    }
}

/// A service name, lower case. IANA names are at most 15 characters (RFC 6335); some legacy
/// aliases in /etc/services are a little longer, so up to 32 are kept (inline: `Port` is Copy).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName {
    len: u8,
    bytes: [u8; 32],
}

impl ServiceName {
    /// `None` when it is not a service name (letters, digits, `-`, `_`, `.`; 1 to 32).
    pub fn new(s: &str) -> Option<ServiceName> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
        if !ok {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (b, c) in bytes.iter_mut().zip(s.bytes()) {
            *b = c.to_ascii_lowercase();
        }
        Some(ServiceName {
            len: s.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

fn port_num(s: &str, whole: &str) -> Result<u16, String> {
    match s.parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(n as u16),
        Ok(_) => Err(format!("`{whole}`: ports go from 0 to 65535")),
        Err(_) => Err(format!("`{whole}` is not a port number")),
    }
}

/// A rule parameter's port: `80`, `1000:2000`, `1000-2000`, `:1024`, or a service name. `None`
/// for `any`.
pub fn parse_port(s: &str) -> Result<Option<Port>, String> {
    if super::is_any(s) {
        return Ok(None);
    }
    if s.eq_ignore_ascii_case("any") {
        return Err(format!(
            "`{s}` is no port: FireHOL knows `any` and `ANY` only (it would look `{s}` up as a service name)"
        ));
    }
    if let Some((a, b)) = s.split_once([':', '-']) {
        let (x, y) = (
            if a.is_empty() { 0 } else { port_num(a, s)? },
            if b.is_empty() { 65535 } else { port_num(b, s)? },
        );
        if x > y {
            return Err(format!("`{s}`: the first port is after the last"));
        }
        return Ok(Some(if x == y {
            Port::Num(x)
        } else {
            Port::Range(x, y)
        }));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return port_num(s, s).map(|n| Some(Port::Num(n)));
    }
    if let Some(name) = ServiceName::new(s) {
        return Ok(Some(Port::Name(name)));
    }
    if s.is_empty() {
        return Err("a port is empty: expected a number, a range (a:b) or a service name".into());
    }
    Err(format!(
        "`{s}` is not a port, a range (a:b) or a service name"
    ))
}
