//! Variables and their expansion: bash's `$NAME` / `${NAME}`, evaluated in source order.

use super::values::IpList;
use crate::hash::FastMap;
use crate::span::Span;
use crate::syntax::words::{DqPart, Opaque, PartKind, Word};

/// Where a variable's current value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub value: String,
    /// The assignment's name span in this file; `None` for FireHOL's predefined variables and
    /// for those set by the defaults and services files (see [`crate::prelude`]).
    pub defined_at: Option<Span>,
    /// Set by the user (this file or the defaults/services files), not predefined by FireHOL.
    pub user: bool,
    /// Index of the statement that assigned it (for FireHOL's "position matters" settings).
    pub stmt: usize,
}

/// The variables in force at one point of the file.
#[derive(Clone, Debug)]
pub struct Env {
    vars: FastMap<String, Var>,
}

/// The result of expanding one word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    /// Variables that were not set (they expand to nothing, as in bash).
    pub unset: Vec<(String, Span)>,
    /// True when a part cannot be evaluated (already reported by the syntax checks).
    pub opaque: bool,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    /// FireHOL's predefined variables. The `*_IPS` lists expand to markers that become the IPv4 or
    /// the IPv6 list depending on the rule's family, exactly like FireHOL's own placeholders.
    pub fn new() -> Self {
        let mut vars = FastMap::default();
        let mut put = |k: &str, v: String| {
            vars.insert(
                k.to_string(),
                Var {
                    value: v,
                    defined_at: None,
                    user: false,
                    stmt: 0,
                },
            );
        };
        for (name, list) in [
            ("UNROUTABLE", IpList::Unroutable),
            ("PRIVATE", IpList::Private),
            ("RESERVED", IpList::Reserved),
            ("MULTICAST", IpList::Multicast),
        ] {
            put(&format!("{name}_IPS"), list.marker().to_string());
            put(
                &format!("{name}_IPV4"),
                list.networks(super::values::Af::V4).join(" "),
            );
            put(
                &format!("{name}_IPV6"),
                list.networks(super::values::Af::V6).join(" "),
            );
        }
        put("DEFAULT_CLIENT_PORTS", "1024:65535".into());
        Env { vars }
    }

    pub fn set(&mut self, name: &str, value: String, at: Span, stmt: usize) {
        self.vars.insert(
            name.to_string(),
            Var {
                value,
                defined_at: Some(at),
                user: true,
                stmt,
            },
        );
    }

    /// A user setting from outside this file (firehol-defaults.conf, a services file): in force
    /// from the start, as FireHOL sources those files before the configuration.
    pub fn preset(&mut self, name: &str, value: String) {
        self.vars.insert(
            name.to_string(),
            Var {
                value,
                defined_at: None,
                user: true,
                stmt: 0,
            },
        );
    }

    pub fn unset(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// Every variable, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Var)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }

    /// Expands a word: quotes removed, variables replaced by their values.
    pub fn expand(&self, w: &Word) -> Expanded {
        self.expand_with(w, |_, _| None)
    }

    /// [`Env::expand`], asking `opaque` for the value of the parts it cannot evaluate itself
    /// (`None` leaves them opaque).
    pub fn expand_with(
        &self,
        w: &Word,
        mut opaque: impl FnMut(Opaque, Span) -> Option<String>,
    ) -> Expanded {
        let mut out = Expanded::default();
        let var = |name: &str, span: Span, out: &mut Expanded| match self.vars.get(name) {
            Some(v) => out.text.push_str(&v.value),
            None => out.unset.push((name.to_string(), span)),
        };
        for p in w.parts.iter() {
            match &p.kind {
                PartKind::Literal(s) => out.text.push_str(s),
                PartKind::SingleQuoted(s) | PartKind::Unterminated(s) | PartKind::Invalid(s) => {
                    out.text.push_str(s)
                }
                PartKind::Var(n) => var(n, p.span, &mut out),
                PartKind::Opaque(o) => match opaque(*o, p.span) {
                    Some(v) => out.text.push_str(&v),
                    None => out.opaque = true,
                },
                PartKind::DoubleQuoted(dq) => {
                    for d in dq {
                        match d {
                            DqPart::Text(t, _) => out.text.push_str(t),
                            DqPart::Var(n, s) => var(n, *s, &mut out),
                            DqPart::Opaque(o, s) => match opaque(*o, *s) {
                                Some(v) => out.text.push_str(&v),
                                None => out.opaque = true,
                            },
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::words::{Piece, assemble};

    fn word(text: &str) -> Word {
        match assemble(text, &crate::syntax::lexer::lex(text)).remove(0) {
            Piece::Word(w) => w,
            _ => panic!(),
        }
    }

    #[test]
    fn expands_in_order_with_markers() {
        let mut env = Env::new();
        env.set("LAN", "10.0.0.0/8".into(), Span::default(), 1);
        let e = env.expand(&word("\"$LAN ${UNROUTABLE_IPS}\"$NOPE'x'"));
        assert_eq!(e.text, "10.0.0.0/8 unroutable_ips()x");
        assert_eq!(e.unset.len(), 1);
        assert!(env.value("PRIVATE_IPV4").unwrap().starts_with("10.0.0.0/8"));
    }
}
