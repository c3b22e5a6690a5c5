//! The rule parameters that are not addresses, interfaces, protocols or ports: each parsed into
//! its typed form ([`Extra`], [`Limit`], [`Connlimit`], [`HelperOption`]) or reported. A value
//! FireHOL would refuse is E0114; a parameter nftables cannot express is E0201, at its span.

use super::build::Builder;
use super::ir::{
    Connlimit, Extra, ExtraKind, Families, HashMode, Hashlimit, HelperOption, Limit, Match,
};
use super::values::{self, Af, Proto, split_list};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{Param, ParamKind};

/// What a parameter becomes.
enum Parsed {
    Extra(ExtraKind),
    Option(HelperOption),
    /// A FireHOL modifier with no effect on the ruleset (`softwarnings`, `optimal` ...).
    Nothing,
}

impl Builder<'_> {
    /// A parameter outside [`Match`]'s main fields, added to `m`.
    pub(super) fn extra_param(
        &mut self,
        p: &Param,
        kind: ParamKind,
        fams: Families,
        m: &mut Match,
    ) {
        let values: Vec<String> = p.values.iter().filter_map(|w| self.expand(w)).collect();
        let span = p.span;
        match self.parse_extra(kind, &values, fams, span) {
            Ok(Parsed::Extra(kind)) => m.extras.push(Extra {
                kind,
                negated: p.not.is_some(),
                span,
            }),
            Ok(Parsed::Option(o)) => m.options.push(o),
            Ok(Parsed::Nothing) => {}
            Err((code, msg)) => {
                self.diags
                    .push(Diagnostic::new(code, span, msg).with_label(match code {
                        Code::Untranslatable => "fhc cannot compile this to nftables",
                        _ => "invalid value",
                    }))
            }
        }
    }

    fn parse_extra(
        &mut self,
        kind: ParamKind,
        v: &[String],
        fams: Families,
        span: Span,
    ) -> Result<Parsed, (Code, String)> {
        let list: Vec<&str> = v.iter().flat_map(|x| split_list(x)).collect();
        let extra = match kind {
            ParamKind::Custommark => self.custommark(v, &list, span)?,
            ParamKind::Rawmark => rawmark(v)?,
            ParamKind::Tos => tos_values(&list)?,
            ParamKind::Dscp => dscp(&list)?,
            ParamKind::Helper => {
                ExtraKind::Helper(list.iter().map(|h| h.to_ascii_lowercase()).collect())
            }
            ParamKind::Srctype | ParamKind::Dsttype => addr_types(kind, &list)?,
            ParamKind::Hashlimit => ExtraKind::Hashlimit(self.hashlimit(v, fams, span)?),
            ParamKind::Ipset => self.ipset_param(v, fams, span)?,
            ParamKind::Accounting => ExtraKind::Accounting(v.first().cloned().unwrap_or_default()),
            ParamKind::Nolog
            | ParamKind::Table
            | ParamKind::Action
            | ParamKind::In
            | ParamKind::Out => {
                return Ok(Parsed::Option(HelperOption {
                    keyword: kind.name(),
                    value: v.first().cloned(),
                    span,
                }));
            }
            ParamKind::Softwarnings
            | ParamKind::Nosoftwarnings
            | ParamKind::Optimal
            | ParamKind::Accurate => return Ok(Parsed::Nothing),
            _ => return Err(untranslatable_param(kind)),
        };
        Ok(Parsed::Extra(extra))
    }

    /// `custommark GROUP VALUE...`: the values are recorded against the group's declaration.
    fn custommark(
        &mut self,
        v: &[String],
        list: &[&str],
        span: Span,
    ) -> Result<ExtraKind, (Code, String)> {
        let group = v.first().cloned().unwrap_or_default();
        let mut values = Vec::new();
        for t in list.iter().skip(1) {
            let n = values::parse_num(t)
                .ok_or_else(|| bad(format!("`{t}` is not a mark value (a number)")))?;
            self.mark_uses.push((group.clone(), n, span));
            values.push(n);
        }
        if values.is_empty() {
            return Err(bad(format!("custommark `{group}` needs a value")));
        }
        Ok(ExtraKind::Custommark { group, values })
    }

    /// `ipset NAME src,dst [no-counters]`: a lookup in a set (checked at the end of the file).
    /// The options that read the kernel's per-element counters have no nftables counterpart.
    fn ipset_param(
        &mut self,
        v: &[String],
        fams: Families,
        span: Span,
    ) -> Result<ExtraKind, (Code, String)> {
        let name = v.first().cloned().unwrap_or_default();
        let src: Option<Vec<bool>> = v.get(1).and_then(|flags| {
            flags
                .split(',')
                .map(|f| match f {
                    "src" => Some(true),
                    "dst" => Some(false),
                    _ => None,
                })
                .collect()
        });
        let Some(src) = src else {
            return Err((
                Code::IpsetDefinition,
                format!("`ipset {name}` needs directions: src, dst, or a list like src,dst"),
            ));
        };
        if let Some(opt) = v.iter().skip(2).find(|o| *o != "no-counters") {
            return Err((
                Code::Untranslatable,
                format!(
                    "`{opt}` reads the kernel ipset's own counters or options, which nftables sets do not have"
                ),
            ));
        }
        self.set_uses.push(super::ipsets::SetUse {
            written: format!("ipset {name}"),
            name: name.clone(),
            dims: src.len(),
            fams,
            span,
        });
        Ok(ExtraKind::Ipset(super::ir::SetLookup { name, src }))
    }

    /// `hashlimit NAME upto|above RATE [burst B] [mode M] [srcmask P] [dstmask P] [htable-*]`.
    /// The `htable-*` options size and expire the kernel's hash table: nft sets grow to their
    /// size and the element of an idle key keeps its refilled bucket, so they do not change
    /// which packets match.
    fn hashlimit(
        &mut self,
        v: &[String],
        fams: Families,
        span: Span,
    ) -> Result<Hashlimit, (Code, String)> {
        let bad = |msg: String| (Code::InvalidValue, msg);
        let name = v.first().cloned().unwrap_or_default();
        let over = match v.get(1).map(String::as_str) {
            Some("upto") => false,
            Some("above") => true,
            _ => {
                return Err(bad(
                    "hashlimit needs `upto RATE` or `above RATE` after its name".into(),
                ));
            }
        };
        let text = v.get(2).cloned().unwrap_or_default();
        let rate = values::parse_rate(&text)
            .ok_or_else(|| bad(format!("`{text}` is not a rate such as 10/sec")))?;
        let opt = |k: &str| {
            v.iter()
                .position(|x| x.eq_ignore_ascii_case(k))
                .and_then(|i| v.get(i + 1))
        };
        let burst = match opt("burst") {
            Some(b) => b
                .parse::<u64>()
                .map_err(|_| bad(format!("`{b}` is not a burst")))?,
            None => 5, // xt_hashlimit's default
        };
        let mask = |k: &str| -> Result<Option<u8>, (Code, String)> {
            let Some(p) = opt(k) else { return Ok(None) };
            // Up to 32 where an IPv4 rule gets it (checked with the whole match, below).
            match p.parse::<u8>() {
                Ok(n) if n <= 128 => Ok(Some(n)),
                _ => Err(bad(format!("`{p}` is not a prefix length for `{k}`"))),
            }
        };
        let (srcmask, dstmask) = (mask("srcmask")?, mask("dstmask")?);
        let mode = opt("mode").map_or("srcip,dstport", String::as_str);
        let mut modes = Vec::new();
        for m in mode.split(',') {
            modes.push(match m {
                "srcip" => HashMode::SrcIp,
                "dstip" => HashMode::DstIp,
                "srcport" => HashMode::SrcPort,
                "dstport" => HashMode::DstPort,
                other => {
                    return Err(bad(format!(
                        "`{other}` is not a hashlimit mode (srcip, srcport, dstip, dstport)"
                    )));
                }
            });
        }
        let h = Hashlimit {
            name,
            over,
            rate,
            burst,
            modes,
            srcmask,
            dstmask,
        };
        let shape = |ms: &[HashMode]| ms.iter().map(|m| m.is_addr()).collect::<Vec<bool>>();
        match self.hashlimit_sets.iter().find(|(o, ..)| o.name == h.name) {
            Some((o, ..)) if shape(&o.modes) != shape(&h.modes) => {
                return Err((
                    Code::InvalidValue,
                    format!(
                        "hashlimit `{}` is used with different modes; FireHOL shares one table per name",
                        h.name
                    ),
                ));
            }
            _ => self.hashlimit_sets.push((h.clone(), fams, span)),
        }
        Ok(h)
    }

    /// `limit RATE BURST`.
    pub(super) fn limit(&mut self, p: &Param) -> Option<Limit> {
        let rate = self.expand(p.values.first()?).unwrap_or_default();
        let burst = p.values.get(1).and_then(|w| self.expand(w));
        let Some(r) = values::parse_rate(&rate) else {
            self.bad_value(p.span, format!("`{rate}` is not a rate such as 10/sec"));
            return None;
        };
        let burst = match burst.filter(|b| !b.is_empty()) {
            None => None,
            Some(b) => match b.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.bad_value(p.span, format!("`{b}` is not a burst (a number)"));
                    return None;
                }
            },
        };
        Some(Limit {
            rate: r,
            burst,
            span: p.span,
        })
    }

    /// `connlimit upto|above N [mask M] [saddr|daddr]` (FireHOL reads the words in any order).
    pub(super) fn connlimit(&mut self, p: &Param) -> Option<Connlimit> {
        let v: Vec<String> = p.values.iter().filter_map(|w| self.expand(w)).collect();
        let mut it = v.iter().map(String::as_str);
        let (mut above, mut n, mut mask, mut daddr) = (None, None, None, false);
        while let Some(w) = it.next() {
            match w {
                "upto" | "above" => {
                    above = Some(w == "above");
                    n = it.next().and_then(|x| x.parse::<u64>().ok());
                }
                "mask" => {
                    let m = it.next().unwrap_or_default();
                    // iptables takes up to 128 for IPv4 too (the whole address from 32 on).
                    match m.parse::<u8>() {
                        Ok(len) if len <= 128 => mask = Some(len),
                        _ => {
                            self.bad_value(
                                p.span,
                                format!("`{m}` is not a prefix length for `mask`"),
                            );
                            return None;
                        }
                    }
                }
                "saddr" => daddr = false,
                "daddr" => daddr = true,
                _ => break,
            }
        }
        match (above, n) {
            (Some(above), Some(n)) => Some(Connlimit {
                above,
                n,
                mask,
                daddr,
                span: p.span,
            }),
            _ => {
                self.bad_value(p.span, "connlimit needs `upto N` or `above N`".into());
                None
            }
        }
    }

    /// A hashlimit keyed on ports needs a protocol with ports: xt_hashlimit keys the others on
    /// port 0, nft's `th` ports would read other header bytes (the ICMP type and checksum).
    pub(super) fn check_hashlimits(&mut self, m: &Match, fams: Families) {
        // A prefix over 32 cannot key an IPv4 rule (iptables refuses it).
        let v4_rules = m
            .rule_families(fams)
            .iter()
            .any(|f| *f == Some(Af::V4) || (f.is_none() && fams.v4));
        for e in &m.extras {
            if let ExtraKind::Hashlimit(h) = &e.kind
                && v4_rules
                && let Some(len) = [h.srcmask, h.dstmask]
                    .into_iter()
                    .flatten()
                    .find(|l| *l > 32)
            {
                self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        e.span,
                        format!("`{len}` is not a prefix length of an IPv4 address (0 to 32)"),
                    )
                    .with_label("this statement has IPv4 rules"),
                );
            }
        }
        self.check_hashlimit_ports(m);
    }

    fn check_hashlimit_ports(&mut self, m: &Match) {
        let ports = m.extras.iter().find(
            |e| matches!(&e.kind, ExtraKind::Hashlimit(h) if h.modes.iter().any(|m| !m.is_addr())),
        );
        if let Some(e) = ports
            && let Some(c) = &m.proto
            && (c.negated
                || c.values
                    .iter()
                    .any(|p| !matches!(p, Proto::Tcp | Proto::Udp)))
        {
            self.diags.push(
                Diagnostic::new(
                    Code::Untranslatable,
                    e.span,
                    "hashlimit on ports for a protocol without ports: nft would key on other header bytes (use a mode without srcport/dstport)",
                )
                .with_label("fhc cannot compile this to nftables"),
            );
        }
    }
}

/// A value FireHOL would refuse (E0114).
fn bad(msg: String) -> (Code, String) {
    (Code::InvalidValue, msg)
}

/// `rawmark VALUE[/MASK]`, 32-bit each (the mask defaults to all ones).
fn rawmark(v: &[String]) -> Result<ExtraKind, (Code, String)> {
    let text = v.first().cloned().unwrap_or_default();
    let (value, mask) = match text.split_once('/') {
        Some((a, b)) => (values::parse_num(a), values::parse_num(b)),
        None => (values::parse_num(&text), Some(0xffff_ffff)),
    };
    match (value, mask) {
        (Some(value), Some(mask)) if value <= 0xffff_ffff && mask <= 0xffff_ffff => {
            Ok(ExtraKind::Rawmark { value, mask })
        }
        _ => Err(bad(format!("`{text}` is not a mark VALUE[/MASK]"))),
    }
}

/// `dscp [class] VALUE...`.
fn dscp(list: &[&str]) -> Result<ExtraKind, (Code, String)> {
    let class = list
        .first()
        .is_some_and(|t| t.eq_ignore_ascii_case("class"));
    let mut out = Vec::new();
    for t in list.iter().skip(usize::from(class)) {
        out.push(values::parse_dscp(t, class).map_err(bad)?);
    }
    Ok(ExtraKind::Dscp(out))
}

/// `srctype`/`dsttype TYPE...`: sorted, without duplicates.
fn addr_types(kind: ParamKind, list: &[&str]) -> Result<ExtraKind, (Code, String)> {
    let mut types = Vec::new();
    for t in list {
        types.push(values::addr_type(t).ok_or_else(|| bad(format!("`{t}` is not an address type (UNICAST, LOCAL, BROADCAST, ANYCAST, MULTICAST, BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE)")))?);
    }
    types.sort();
    types.dedup();
    Ok(ExtraKind::AddrType {
        src: kind == ParamKind::Srctype,
        types,
    })
}

/// The parameters nftables cannot express: bridge ports, raw iptables options, FireHOL's
/// internal parameters.
fn untranslatable_param(kind: ParamKind) -> (Code, String) {
    match kind {
        ParamKind::Physin | ParamKind::Physout => (
            Code::Untranslatable,
            format!(
                "`{}` matches the bridge port of bridged packets (iptables' physdev); nftables has no such match in the inet family (`meta ibrname`/`obrname` name the bridge, not its port, and exist only in the bridge family)",
                kind.name()
            ),
        ),
        ParamKind::Custom | ParamKind::CustomIn | ParamKind::CustomOut => (
            Code::Untranslatable,
            format!(
                "`{}` passes raw iptables options, which cannot be translated to nftables",
                kind.name()
            ),
        ),
        _ => (
            Code::Untranslatable,
            format!(
                "`{}` is an internal FireHOL parameter that fhc cannot translate",
                kind.name()
            ),
        ),
    }
}

/// `tos VALUES`: every value under the same mask (one nft match).
fn tos_values(list: &[&str]) -> Result<ExtraKind, (Code, String)> {
    let mut out = Vec::new();
    let mut mask = None;
    for t in list {
        let tos = values::parse_tos(t).ok_or_else(|| {
            (
                Code::InvalidValue,
                format!("`{t}` is not a TOS value (a number, VALUE/MASK or a TOS name such as Minimize-Delay)"),
            )
        })?;
        if mask.is_some_and(|m| m != tos.mask) {
            return Err((
                Code::Untranslatable,
                "TOS values with different masks cannot be matched together".into(),
            ));
        }
        mask = Some(tos.mask);
        out.push(tos.value);
    }
    Ok(ExtraKind::Tos {
        values: out,
        mask: mask.unwrap_or(0xff),
    })
}
