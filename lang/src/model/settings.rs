//! What the end of the file settles: the families in force (`ENABLE_IPV4/6`, `version 5`),
//! whether the host routes, and the `FIREHOL_*` kernel settings the configuration assigns.

use super::build::*;
use super::ir::{Families, NatKind};

impl Builder<'_> {
    pub(super) fn settings(&mut self) {
        let env = &self.env;
        if self
            .model
            .nats
            .iter()
            .any(|n| matches!(n.kind, NatKind::Dnat | NatKind::Snat))
        {
            self.model.settings.routing = true;
        }
        let v4 = env.value("ENABLE_IPV4").is_none_or(|v| v != "0");
        let v6 = env.value("ENABLE_IPV6").is_none_or(|v| v != "0") && self.default_families.v6;
        self.model.families = Some(Families { v4, v6 });
        for var in [
            "FIREHOL_CONNTRACK_LOOSE_MATCHING",
            "FIREHOL_TCP_SYN_COOKIES",
            "FIREHOL_TCP_TIMESTAMPS",
            "FIREHOL_CONNTRACK_MAX",
            "FIREHOL_CONNTRACK_HASHSIZE",
        ] {
            if let Some(v) = self.env.get(var).filter(|v| v.user && !v.value.is_empty()) {
                self.model
                    .user_settings
                    .insert(var.to_string(), v.value.clone());
            }
        }
    }
}
