//! User definitions: the grammar of `server_X_ports` / `client_X_ports` values (and of the two
//! lists of `server custom`), with errors that point into the text.

use std::fmt;

use super::ports::{ClientPort, Port, Proto, ServerPort};
use super::{Service, lookup};
use crate::span::Span;

/// Why a port list was rejected. The span is a byte range into the parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortError {
    pub span: Span,
    /// The offending word (the whole entry or just its bad part, as `span` says).
    pub text: String,
    pub kind: PortErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortErrorKind {
    /// Nothing but blanks and commas.
    Empty,
    /// A server entry without `proto/`.
    MissingProto,
    UnknownProto,
    /// `tcp/` with nothing after the slash.
    MissingPort,
    /// More than one `/` in a server entry (`tcp/80,udp/53`).
    ExtraSlash,
    /// A port name (`http`): resolved by FireHOL through the host's /etc/services.
    PortName,
    /// Neither a number, a range nor a keyword.
    NotAPort,
    /// `080`: iptables would read it as octal.
    LeadingZero,
    /// Above 65535.
    OutOfRange,
    /// `2000:1024`.
    ReversedRange,
    /// `1024:` or `:1023`.
    OpenRange,
    /// A port on a protocol without ports (`icmp/8`).
    PortlessProto,
    /// `default` among server ports: it only means something for clients.
    DefaultInServer,
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.text;
        match self.kind {
            PortErrorKind::Empty => {
                f.write_str("empty port list: FireHOL needs at least one entry")
            }
            PortErrorKind::MissingProto if t.is_empty() => {
                f.write_str("a server port entry is empty: write it as proto/port, e.g. tcp/8080")
            }
            PortErrorKind::MissingProto => {
                write!(
                    f,
                    "server port `{t}` has no protocol: write it as proto/port, e.g. tcp/{t}"
                )
            }
            PortErrorKind::UnknownProto => write!(
                f,
                "unknown protocol `{t}`: use tcp, udp, icmp, icmpv6, any, another known name or a number 0-255"
            ),
            PortErrorKind::MissingPort => {
                write!(
                    f,
                    "server port `{t}` has nothing after the slash: write a port, a range or `any`"
                )
            }
            PortErrorKind::ExtraSlash => write!(
                f,
                "`{t}` has more than one `/`: FireHOL takes the protocol before the first and the ports after the last; separate entries with blanks"
            ),
            PortErrorKind::PortName => {
                write!(
                    f,
                    "port name `{t}` is not supported: FireHOL looks it up in the host's /etc/services, fhc compiles without it; write the number"
                )?;
                if let Some(hint) = port_name_hint(t) {
                    write!(f, " (the {t} service uses {hint})")?;
                }
                Ok(())
            }
            PortErrorKind::NotAPort if t.is_empty() => f.write_str(
                "a port is empty: expected a number 0-65535, a range a:b or a-b, or `any`",
            ),
            PortErrorKind::NotAPort => {
                write!(
                    f,
                    "`{t}` is not a port: expected a number 0-65535, a range a:b or a-b, or `any`"
                )
            }
            PortErrorKind::LeadingZero => {
                write!(
                    f,
                    "port `{t}` has a leading zero, which iptables reads as octal: write it without"
                )
            }
            PortErrorKind::OutOfRange => write!(f, "port `{t}` is out of range: ports are 0-65535"),
            PortErrorKind::ReversedRange => write!(f, "port range `{t}` ends before it starts"),
            PortErrorKind::OpenRange => write!(
                f,
                "port range `{t}` is open: write both ends, e.g. 1024:65535"
            ),
            PortErrorKind::PortlessProto => {
                write!(
                    f,
                    "`{t}` gives a port to a protocol without ports: write proto/any"
                )
            }
            PortErrorKind::DefaultInServer => write!(
                f,
                "`{t}`: `default` (the client port range) is only meaningful in client ports"
            ),
        }
    }
}

impl std::error::Error for PortError {}

/// `tcp/80` for a port name that is also a single-port built-in service (`http`).
fn port_name_hint(name: &str) -> Option<String> {
    match lookup(name)? {
        Service::Simple(s)
            if s.server.len() == 1 && s.server[0].proto.is_some_and(Proto::has_ports) =>
        {
            Some(s.server[0].to_string())
        }
        _ => None,
    }
}

/// Splits like bash word splitting with the default IFS, optionally also at commas (FireHOL's
/// `rule` turns commas into blanks for ports and protocols). Yields (byte offset, word).
fn split_words(text: &str, commas: bool) -> impl Iterator<Item = (usize, &str)> {
    let is_sep = move |c: char| c == ' ' || c == '\t' || c == '\n' || (commas && c == ',');
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = &text[pos..];
        let start = pos + rest.find(|c| !is_sep(c))?;
        let len = text[start..].find(is_sep).unwrap_or(text.len() - start);
        pos = start + len;
        Some((start, &text[start..start + len]))
    })
}

fn err(start: usize, text: &str, kind: PortErrorKind) -> PortError {
    PortError {
        span: Span::new(start, start + text.len()),
        text: text.to_string(),
        kind,
    }
}

fn parse_number(s: &str) -> Result<u16, PortErrorKind> {
    if s.is_empty() {
        return Err(PortErrorKind::OpenRange);
    }
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(PortErrorKind::PortName);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortErrorKind::NotAPort);
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(PortErrorKind::LeadingZero);
    }
    s.parse::<u16>().map_err(|_| PortErrorKind::OutOfRange)
}

/// A port, a range (`a:b`, `a-b`) or `any`.
fn parse_port_spec(s: &str) -> Result<Option<Port>, PortErrorKind> {
    if s == "any" || s == "ANY" {
        return Ok(None);
    }
    match s.split_once([':', '-']) {
        None => parse_number(s).map(|n| Some(Port::Num(n))),
        Some((a, b)) => {
            if b.contains([':', '-']) {
                return Err(PortErrorKind::NotAPort);
            }
            let (a, b) = (parse_number(a)?, parse_number(b)?);
            if a > b {
                return Err(PortErrorKind::ReversedRange);
            }
            Ok(Some(Port::Range(a, b)))
        }
    }
}

/// Parses a `server_X_ports` value (also the server ports of `server custom`): blank-separated
/// `proto/ports` entries, where both sides may be comma lists as FireHOL's `rule` splits them
/// (`tcp,udp/53`, `tcp/80,443`). Ports are numeric: fhc does not read /etc/services.
pub fn parse_server_ports(text: &str) -> Result<Vec<ServerPort>, PortError> {
    let mut out = Vec::new();
    for (start, word) in split_words(text, false) {
        let Some((protos, ports)) = word.split_once('/') else {
            return Err(err(start, word, PortErrorKind::MissingProto));
        };
        if ports.contains('/') {
            return Err(err(start, word, PortErrorKind::ExtraSlash));
        }
        let protos: Vec<(usize, &str)> = split_words(protos, true)
            .map(|(o, w)| (start + o, w))
            .collect();
        if protos.is_empty() {
            return Err(err(start, word, PortErrorKind::MissingProto));
        }
        let ports_start = start + word.len() - ports.len();
        let ports: Vec<(usize, &str)> = split_words(ports, true)
            .map(|(o, w)| (ports_start + o, w))
            .collect();
        if ports.is_empty() {
            return Err(err(start, word, PortErrorKind::MissingPort));
        }
        for &(pstart, pword) in &protos {
            let proto = crate::model::values::parse_service_proto(pword)
                .ok_or_else(|| err(pstart, pword, PortErrorKind::UnknownProto))?;
            for &(ostart, oword) in &ports {
                if oword == "default" {
                    return Err(err(ostart, oword, PortErrorKind::DefaultInServer));
                }
                let spec = parse_port_spec(oword).map_err(|k| err(ostart, oword, k))?;
                if spec.is_some() && !proto.is_some_and(Proto::has_ports) {
                    return Err(err(start, word, PortErrorKind::PortlessProto));
                }
                out.push(ServerPort { proto, ports: spec });
            }
        }
    }
    if out.is_empty() {
        return Err(err(0, text, PortErrorKind::Empty));
    }
    Ok(out)
}

/// Parses a `client_X_ports` value (also the client ports of `server custom`): `default`, `any`,
/// ports and ranges, separated by blanks or commas.
pub fn parse_client_ports(text: &str) -> Result<Vec<ClientPort>, PortError> {
    let mut out = Vec::new();
    for (start, word) in split_words(text, true) {
        let port = match word {
            "default" => ClientPort::Default,
            _ => match parse_port_spec(word).map_err(|k| err(start, word, k))? {
                None => ClientPort::Any,
                Some(p) => ClientPort::Ports(p),
            },
        };
        out.push(port);
    }
    if out.is_empty() {
        return Err(err(0, text, PortErrorKind::Empty));
    }
    Ok(out)
}
