//! What the end of the file settles: the families in force (`ENABLE_IPV4/6`, `version 5`),
//! whether the host routes, and the `FIREHOL_*` kernel settings the configuration assigns.

use super::build::*;
use super::ir::{Families, NatKind};

/// FireHOL's kernel settings, each with the sysctl it sets. FireHOL writes
/// FIREHOL_CONNTRACK_HASHSIZE to the module parameter; the sysctl is the same table, writable in
/// the initial network namespace.
pub const KERNEL_SETTINGS: &[(&str, &str)] = &[
    (
        "FIREHOL_CONNTRACK_LOOSE_MATCHING",
        "net.netfilter.nf_conntrack_tcp_loose",
    ),
    ("FIREHOL_TCP_SYN_COOKIES", "net.ipv4.tcp_syncookies"),
    ("FIREHOL_TCP_TIMESTAMPS", "net.ipv4.tcp_timestamps"),
    ("FIREHOL_CONNTRACK_MAX", "net.netfilter.nf_conntrack_max"),
    (
        "FIREHOL_CONNTRACK_HASHSIZE",
        "net.netfilter.nf_conntrack_buckets",
    ),
];

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
        for &(var, _) in KERNEL_SETTINGS {
            if let Some(v) = self.env.get(var).filter(|v| v.user && !v.value.is_empty()) {
                self.model
                    .user_settings
                    .insert(var.to_string(), v.value.clone());
            }
        }
    }
}
