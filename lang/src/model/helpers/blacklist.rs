//! `blacklist [MODE] [inface [not] IF] [log T|loglimit T|nolog] [accounting N] IPS [except P
//! [or P ...]]`.

use super::{Parts, take_options};
use crate::model::build::Builder;
use crate::model::ir::{Blacklist, BlacklistMode, Cond, ExtraKind, HelperKind, LogSpec, Match};
use crate::model::values::{self, Addr, split_list};
use crate::syntax::keywords;

impl Builder<'_> {
    pub(super) fn blacklist(&mut self, p: &mut Parts) -> Option<HelperKind> {
        let first = p.args.first().map(|w| w.0.to_ascii_lowercase());
        let is = |list: &[&str]| first.as_deref().is_some_and(|f| list.contains(&f));
        let mode = if is(keywords::BLACKLIST_ONE_WAY) {
            Some(BlacklistMode::Uni)
        } else if is(keywords::BLACKLIST_BOTH) {
            Some(BlacklistMode::Bi)
        } else if is(keywords::BLACKLIST_STATEFUL) {
            Some(BlacklistMode::Bs)
        } else {
            None
        };
        let words = &p.args[usize::from(mode.is_some())..];
        let nolog = !take_options(&mut p.matches, &["nolog"]).is_empty();
        let accounting = take_accounting(&mut p.matches);
        let m = &p.matches;
        if m.log.as_ref().is_some_and(|l| l.new_only) {
            self.untranslatable(
                p.span,
                "blacklist `connlog`: FireHOL 3.1.7 emits an invalid rule for it; log or loglimit instead".into(),
            );
            return None;
        }
        if !m.extras.is_empty()
            || !m.options.is_empty()
            || m.src.is_some()
            || m.dst.is_some()
            || m.proto.is_some()
            || m.outface.is_some()
        {
            self.bad_value(
                p.span,
                "blacklist takes only `inface`, log options and `accounting` before its IPs".into(),
            );
            return None;
        }
        if words.is_empty() {
            self.bad_value(p.span, "blacklist needs the IPs to block".into());
            return None;
        }
        let mut ips = Vec::new();
        for (w, span) in words {
            for t in split_list(w) {
                match values::parse_addr(t) {
                    Ok(a) => ips.push(a),
                    Err(e) => {
                        self.bad_value(*span, e);
                        return None;
                    }
                }
            }
        }
        let at = words[0].1.cover(words[words.len() - 1].1);
        for a in &ips {
            if let Addr::Ipset(name) = a {
                self.set_uses.push(crate::model::ipsets::SetUse {
                    written: format!("ipset:{name}"),
                    name: name.clone(),
                    dims: 1,
                    fams: p.families,
                    span: at,
                });
            }
        }
        let mut cond = Cond {
            negated: false,
            values: ips,
            span: at,
        };
        self.resolve_hosts(&mut cond, p.families);
        let ips = cond.values;
        let log = (!nolog).then(|| {
            m.log.clone().unwrap_or(LogSpec {
                text: "BLACKLIST".into(),
                limited: false,
                level: None,
                new_only: false,
                span: p.span,
            })
        });
        Some(HelperKind::Blacklist(Blacklist {
            mode: mode.unwrap_or(BlacklistMode::Bi),
            inface: m.inface.clone(),
            log,
            accounting,
            ips,
            excepts: std::mem::take(&mut p.excepts),
        }))
    }
}

/// `accounting NAME` (the last one wins), removed from the match.
fn take_accounting(m: &mut Match) -> Option<String> {
    let mut name = None;
    m.extras.retain(|e| match &e.kind {
        ExtraKind::Accounting(n) => {
            name = Some(n.clone());
            false
        }
        _ => true,
    });
    name
}
