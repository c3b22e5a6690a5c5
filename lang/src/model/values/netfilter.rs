//! Values that name kernel things: netfilter hooks, conntrack states, socket owners, MAC
//! addresses, rates, TOS and DSCP. Parsed once, in the model, so a backend only reads them.

use std::fmt;

/// A netfilter hook, as FireHOL's chain words name it (`pre`/`PREROUTING`, `in`/`INPUT` ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    /// A mangle helper's `where` word: the short forms FireHOL documents (`pre`, `in`, `out`,
    /// `pass`, `post`) and the iptables chain names, in any case.
    pub fn from_where(w: &str) -> Option<Hook> {
        Some(match w.to_ascii_lowercase().as_str() {
            "pre" | "prerouting" => Hook::Prerouting,
            "in" | "input" => Hook::Input,
            "out" | "output" => Hook::Output,
            "pass" | "forward" => Hook::Forward,
            "post" | "postrouting" => Hook::Postrouting,
            _ => return None,
        })
    }

    /// An iptables chain name (`INPUT`, `postrouting` ...), in any case.
    pub fn from_chain(w: &str) -> Option<Hook> {
        Some(match w.to_ascii_lowercase().as_str() {
            "prerouting" => Hook::Prerouting,
            "input" => Hook::Input,
            "forward" => Hook::Forward,
            "output" => Hook::Output,
            "postrouting" => Hook::Postrouting,
            _ => return None,
        })
    }

    /// nft's name of the hook (also fhc's base chain name in the filter hooks).
    pub fn name(self) -> &'static str {
        match self {
            Hook::Prerouting => "prerouting",
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Output => "output",
            Hook::Postrouting => "postrouting",
        }
    }
}

/// A conntrack state of `state` (nft's `ct state` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CtState {
    New,
    Established,
    Related,
    Invalid,
    Untracked,
}

impl CtState {
    pub fn name(self) -> &'static str {
        match self {
            CtState::New => "new",
            CtState::Established => "established",
            CtState::Related => "related",
            CtState::Invalid => "invalid",
            CtState::Untracked => "untracked",
        }
    }
}

/// Conntrack states of `state` (FireHOL passes them to iptables, which takes any case).
pub fn parse_state(s: &str) -> Result<CtState, String> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "new" => CtState::New,
        "established" => CtState::Established,
        "related" => CtState::Related,
        "invalid" => CtState::Invalid,
        "untracked" => CtState::Untracked,
        _ => {
            return Err(format!(
                "`{s}` is not a connection state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED)"
            ));
        }
    })
}

/// A user or group of `uid`/`gid` and transparent_proxy: a number, or a name nft resolves when
/// the ruleset is loaded.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    Id(u32),
    Name(String),
}

pub fn parse_owner(s: &str) -> Result<Owner, String> {
    if let Ok(n) = s.parse::<u32>() {
        return Ok(Owner::Id(n));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{s}` is not a user or group id (0 to 4294967295)"));
    }
    if s.is_empty() || s.len() > 32 || s.contains(|c: char| c.is_whitespace() || c == ':') {
        return Err(format!("`{s}` is not a user or group name"));
    }
    Ok(Owner::Name(s.to_string()))
}

/// An Ethernet address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

pub fn parse_mac(s: &str) -> Result<MacAddr, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let mut out = [0u8; 6];
    let ok = parts.len() == 6
        && parts.iter().zip(out.iter_mut()).all(|(p, o)| {
            p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()) && {
                *o = u8::from_str_radix(p, 16).unwrap_or(0);
                true
            }
        });
    if ok {
        Ok(MacAddr(out))
    } else {
        Err(format!(
            "`{s}` is not a MAC address (expected xx:xx:xx:xx:xx:xx)"
        ))
    }
}

/// A syslog level of `log ... level L` (iptables' names or numbers 0-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogLevel {
    Emerg,
    Alert,
    Crit,
    Err,
    Warn,
    Notice,
    Info,
    Debug,
}

impl LogLevel {
    /// nft's name of the level.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Emerg => "emerg",
            LogLevel::Alert => "alert",
            LogLevel::Crit => "crit",
            LogLevel::Err => "err",
            LogLevel::Warn => "warn",
            LogLevel::Notice => "notice",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

pub fn parse_log_level(s: &str) -> Result<LogLevel, String> {
    use LogLevel::*;
    Ok(match s.to_ascii_lowercase().as_str() {
        "emerg" | "panic" | "0" => Emerg,
        "alert" | "1" => Alert,
        "crit" | "2" => Crit,
        "err" | "error" | "3" => Err,
        "warn" | "warning" | "4" => Warn,
        "notice" | "5" => Notice,
        "info" | "6" => Info,
        "debug" | "7" => Debug,
        _ => {
            return Result::Err(format!(
                "`{s}` is not a log level (emerg, alert, crit, err, warning, notice, info, debug or 0-7)"
            ));
        }
    })
}

/// `0x2000`, `12`.
pub fn parse_num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The unit of a rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Per {
    Second,
    Minute,
    Hour,
    Day,
}

impl Per {
    /// nft's name of the unit.
    pub fn name(self) -> &'static str {
        match self {
            Per::Second => "second",
            Per::Minute => "minute",
            Per::Hour => "hour",
            Per::Day => "day",
        }
    }
}

/// A rate: `10/sec`, `100/second`, `5/m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    pub n: u64,
    pub per: Per,
}

/// FireHOL rates (`10/sec`, `100/second`, `5/m`; a bare number is per second, as iptables
/// reads it).
pub fn parse_rate(s: &str) -> Option<Rate> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Rate {
            n: s.parse().ok()?,
            per: Per::Second,
        });
    }
    let (n, u) = s.split_once('/')?;
    let n = n.parse().ok()?;
    let per = match u.to_ascii_lowercase().as_str() {
        "s" | "sec" | "second" => Per::Second,
        "m" | "min" | "minute" => Per::Minute,
        "h" | "hour" => Per::Hour,
        "d" | "day" => Per::Day,
        _ => return None,
    };
    Some(Rate { n, per })
}

/// A TOS value as iptables' TOS target and tos match take it: the bits of `mask` are `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tos {
    pub value: u64,
    pub mask: u64,
}

/// Numbers (and VALUE/MASK) get mask 0xff; the TOS names get 0x3f (they keep the DSCP class).
pub fn parse_tos(s: &str) -> Option<Tos> {
    let named = match s.to_ascii_lowercase().as_str() {
        "minimize-delay" => Some(0x10),
        "maximize-throughput" => Some(0x08),
        "maximize-reliability" => Some(0x04),
        "minimize-cost" => Some(0x02),
        "normal-service" => Some(0x00),
        _ => None,
    };
    if let Some(value) = named {
        return Some(Tos { value, mask: 0x3f });
    }
    let (value, mask) = match s.split_once('/') {
        Some((v, m)) => (parse_num(v)?, parse_num(m)?),
        None => (parse_num(s)?, 0xff),
    };
    (value <= 0xff && mask <= 0xff).then_some(Tos { value, mask })
}

/// DSCP class names (`CS0`-`CS7`, `AF11`-`AF43`, `EF`, `BE`) to their values.
pub fn dscp_class(s: &str) -> Option<u64> {
    let s = s.to_ascii_uppercase();
    if s == "EF" {
        return Some(46);
    }
    if s == "BE" {
        return Some(0);
    }
    if let Some(n) = s.strip_prefix("CS") {
        return n.parse::<u64>().ok().filter(|n| *n <= 7).map(|n| n * 8);
    }
    let d = s.strip_prefix("AF")?.as_bytes();
    if d.len() != 2 {
        return None;
    }
    let (x, y) = ((d[0] as char).to_digit(10)?, (d[1] as char).to_digit(10)?);
    ((1..=4).contains(&x) && (1..=3).contains(&y)).then_some((8 * x + 2 * y) as u64)
}

/// A DSCP value: a number 0-63, or `class NAME` when `class` is set.
pub fn parse_dscp(s: &str, class: bool) -> Result<u64, String> {
    let v = if class {
        dscp_class(s)
    } else {
        parse_num(s).filter(|n| *n < 64)
    };
    v.ok_or_else(|| {
        format!(
            "`{s}` is not a DSCP {}",
            if class { "class" } else { "value (0-63)" }
        )
    })
}

/// iptables addrtype names to nft `fib ... type` values.
pub fn addr_type(s: &str) -> Option<&'static str> {
    Some(match s.to_ascii_uppercase().as_str() {
        "UNSPEC" => "unspec",
        "UNICAST" => "unicast",
        "LOCAL" => "local",
        "BROADCAST" => "broadcast",
        "ANYCAST" => "anycast",
        "MULTICAST" => "multicast",
        "BLACKHOLE" => "blackhole",
        "UNREACHABLE" => "unreachable",
        "PROHIBIT" => "prohibit",
        "THROW" => "throw",
        "NAT" => "nat",
        "XRESOLVE" => "xresolve",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_by_where_word_and_chain_name() {
        assert_eq!(Hook::from_where("PASS"), Some(Hook::Forward));
        assert_eq!(Hook::from_chain("pass"), None);
        assert_eq!(Hook::from_chain("OUTPUT"), Some(Hook::Output));
    }

    #[test]
    fn macs_states_owners() {
        assert_eq!(
            parse_mac("00:1A:22:33:44:55").unwrap().to_string(),
            "00:1a:22:33:44:55"
        );
        assert!(parse_mac("00:11:22:33:44").is_err());
        assert!(parse_mac("10.0.0.300").is_err());
        assert_eq!(parse_state("NEW"), Ok(CtState::New));
        assert!(parse_state("old").is_err());
        assert_eq!(parse_owner("0"), Ok(Owner::Id(0)));
        assert_eq!(parse_owner("proxy"), Ok(Owner::Name("proxy".into())));
        assert!(parse_owner("12x").is_err());
    }

    #[test]
    fn rates_tos_dscp() {
        assert_eq!(
            parse_rate("5/m"),
            Some(Rate {
                n: 5,
                per: Per::Minute
            })
        );
        assert_eq!(parse_rate("5/fortnight"), None);
        assert_eq!(parse_tos("0x10/0x3f").map(|t| t.mask), Some(0x3f));
        assert_eq!(parse_tos("Minimize-Delay").map(|t| t.value), Some(0x10));
        assert_eq!(parse_tos("300"), None);
        assert_eq!(parse_dscp("AF41", true), Ok(34));
        assert!(parse_dscp("64", false).is_err());
    }
}
