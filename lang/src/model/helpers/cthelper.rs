//! `cthelper HELPER in|out|both|CHAIN [params]`: new connections matching the parameters get the
//! conntrack helper (iptables' raw `CT --helper`).

use super::{Parts, take_options};
use crate::model::build::Builder;
use crate::model::ir::{CtHelperName, Cthelper, CthelperSide, HelperKind};
use crate::model::values::Proto;

impl Builder<'_> {
    pub(super) fn cthelper(&mut self, p: &mut Parts) -> Option<HelperKind> {
        // `in` and `out` are also (internal) rule parameters, so the parser hands them over as such.
        let side_param = take_options(&mut p.matches, &["in", "out"])
            .first()
            .map(|o| (o.keyword.to_string(), p.span));
        let (Some((helper, hspan)), Some((side, sspan))) =
            (p.args.first(), p.args.get(1).cloned().or(side_param))
        else {
            self.bad_value(
                p.span,
                "cthelper needs a helper and in, out, both or a chain".into(),
            );
            return None;
        };
        let hspan = *hspan;
        let name = helper.to_ascii_lowercase();
        let Some(helper) = CtHelperName::ALL.into_iter().find(|h| h.name() == name) else {
            self.bad_value(
                hspan,
                format!("`{name}` is not a helper FireHOL can configure (amanda, ftp, irc, pptp, sane, sip)"),
            );
            return None;
        };
        if matches!(helper, CtHelperName::Irc | CtHelperName::Pptp) && p.families.v6 {
            self.bad_value(
                hspan,
                format!("helper `{name}` does not support IPv6 (use cthelper4)"),
            );
            return None;
        }
        let tcp = match p
            .matches
            .proto
            .as_ref()
            .filter(|c| !c.negated && c.values.len() == 1)
            .map(|c| &c.values[0])
        {
            Some(Proto::Tcp) => true,
            Some(Proto::Udp) => false,
            _ => {
                self.untranslatable(p.span, "cthelper needs `proto tcp` or `proto udp`: an nft ct helper object is bound to one protocol".into());
                return None;
            }
        };
        let side = match side.to_ascii_lowercase().as_str() {
            "in" | "input" | "pre" | "prerouting" => CthelperSide::In,
            "out" | "output" => CthelperSide::Out,
            "both" | "bidirectional" | "inout" => CthelperSide::Both,
            other => {
                self.untranslatable(
                    sspan,
                    format!(
                        "cthelper `{other}`: fhc assigns helpers in PREROUTING and OUTPUT only"
                    ),
                );
                return None;
            }
        };
        Some(HelperKind::Cthelper(Cthelper { helper, tcp, side }))
    }
}
