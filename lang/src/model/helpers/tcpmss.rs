//! `tcpmss` (MSS clamping on the interfaces SYNs leave through) and `mac` (an IP bound to its
//! MAC address): the two helpers that guard single packets rather than mark them.

use super::Parts;
use crate::model::build::Builder;
use crate::model::ir::{HelperKind, SectionKind, Tcpmss};
use crate::model::values::{self, Addr, Iface, split_list};

impl Builder<'_> {
    /// `tcpmss auto|N [IFACES]`: at top level every interface unless named; inside a section its
    /// interfaces (a router's outface).
    pub(super) fn tcpmss(&mut self, p: &Parts) -> Option<HelperKind> {
        let Some((value, span)) = p.args.first() else {
            self.bad_value(p.span, "tcpmss needs `auto` or an MSS".into());
            return None;
        };
        let mss = if value == "auto" {
            None
        } else {
            match value.parse::<u16>() {
                Ok(n) if value.starts_with(|c: char| c.is_ascii_digit()) => Some(n),
                _ => {
                    self.bad_value(*span, format!("`{value}` is neither `auto` nor an MSS"));
                    return None;
                }
            }
        };
        let ifaces = match (p.args.get(1), p.section) {
            (Some((list, span)), _) => self.tcpmss_ifaces(list, *span)?,
            (None, Some(i)) => self.section_outfaces(p, i)?,
            (None, None) => None,
        };
        Some(HelperKind::Tcpmss(Tcpmss { mss, ifaces }))
    }

    /// A written interface list. `all` (FireHOL's word) and `any` (taken literally by FireHOL
    /// 3.1.7, an interface named "any": what a user means is every interface) mean every one.
    fn tcpmss_ifaces(&mut self, list: &str, span: crate::span::Span) -> Option<Option<Vec<Iface>>> {
        let names = split_list(list);
        if names.iter().any(|n| *n == "all" || values::is_any(n)) {
            return Some(None);
        }
        let mut out = Vec::new();
        for n in names {
            match values::parse_iface(n) {
                Ok(f) => out.push(f),
                Err(e) => {
                    self.bad_value(span, e);
                    return None;
                }
            }
        }
        Some(Some(out))
    }

    /// The interfaces of the enclosing section (`None`: every interface).
    fn section_outfaces(&mut self, p: &Parts, i: usize) -> Option<Option<Vec<Iface>>> {
        let s = &self.model.sections[i];
        match s.kind {
            SectionKind::Router if !s.faces_given.outface => {
                self.untranslatable(
                    p.span,
                    "tcpmss inside this router has no outface to apply to (FireHOL: \"cannot find the interfaces\")".into(),
                );
                None
            }
            SectionKind::Router => match &s.matches.outface {
                Some(c) if c.negated => {
                    self.untranslatable(
                        p.span,
                        "tcpmss cannot apply to a negated outface: name the interfaces".into(),
                    );
                    None
                }
                Some(c) => Some(Some(c.values.clone())),
                None => Some(None),
            },
            SectionKind::Interface if s.ifaces.is_empty() => Some(None),
            SectionKind::Interface => Some(Some(s.ifaces.clone())),
        }
    }

    /// `mac IP MAC`.
    pub(super) fn mac(&mut self, p: &Parts) -> Option<HelperKind> {
        let (Some((ip, ispan)), Some((mac, mspan))) = (p.args.first(), p.args.get(1)) else {
            self.bad_value(p.span, "mac needs an IP and a MAC address".into());
            return None;
        };
        let addr = match values::parse_addr(ip) {
            Ok(a @ Addr::Net(..)) => Some(a),
            _ => {
                self.bad_value(*ispan, format!("`{ip}` is not an IP address"));
                None
            }
        };
        let mac = match values::parse_mac(mac) {
            Ok(m) => Some(m),
            Err(msg) => {
                self.bad_value(*mspan, msg);
                None
            }
        };
        let (addr, mac) = (addr?, mac?);
        let Some(af) = addr.family().filter(|a| p.families.has(*a)) else {
            self.bad_value(
                *ispan,
                format!("`{ip}` is not an address of the statement's family"),
            );
            return None;
        };
        Some(HelperKind::Mac { addr, af, mac })
    }
}
