//! The kernel settings a ruleset needs that nftables cannot express: forwarding for routers and
//! NAT, and the conntrack/TCP settings the configuration sets explicitly.

use super::{Lowerer, Sysctl};

impl Lowerer<'_> {
    pub(super) fn settings_sysctls(&mut self) {
        let st = &self.model.settings;
        let mut add = |k: &str, v: &str, why: &str| {
            self.sysctls.push(Sysctl {
                key: k.into(),
                value: v.into(),
                reason: why.into(),
            })
        };
        if st.routing {
            // Forwarding per family: only the families that routers and NAT actually use.
            use crate::model::ir::{NatKind, SectionKind};
            let routes =
                |f: fn(crate::model::ir::Families) -> bool| {
                    self.model
                        .sections
                        .iter()
                        .any(|s| s.kind == SectionKind::Router && f(s.families))
                        || self.model.nats.iter().any(|n| {
                            matches!(n.kind, NatKind::Dnat | NatKind::Snat) && f(n.families)
                        })
                };
            let (v4, v6) = (routes(|f| f.v4), routes(|f| f.v6));
            let enabled = self
                .model
                .families
                .unwrap_or(crate::model::ir::Families::BOTH);
            if v4 && enabled.v4 {
                add(
                    "net.ipv4.ip_forward",
                    "1",
                    "routers and NAT forward traffic",
                );
            }
            if v6 && enabled.v6 {
                add(
                    "net.ipv6.conf.all.forwarding",
                    "1",
                    "IPv6 routers forward traffic",
                );
            }
        }
        // Settings the user wrote explicitly are applied as written. The ones FireHOL forces for
        // synproxy (tcp_loose=0, syncookies=1, timestamps=1) are not needed by fhc's rulesets: the
        // synproxy rule also matches `ct state new`, and SYNPROXY uses its own cookies (e2e notes).
        for &(var, key) in crate::model::KERNEL_SETTINGS {
            if let Some(v) = self.model.user_settings.get(var) {
                add(key, v, &format!("{var} in the configuration"));
            }
        }
    }
}
