//! The settings FireHOL applies at the end of the file, and the kernel settings (sysctls) they
//! and the configuration need.

use super::build::*;
use super::ir::{Families, NatKind, Sysctl};

impl Builder<'_> {
    pub(super) fn settings_and_sysctls(&mut self) {
        let env = &self.env;
        let after = |name: &str, stmt: Option<usize>| -> Option<String> {
            let v = env.get(name)?;
            // Empty is "leave the kernel alone", as FireHOL's own defaults file writes it.
            if !v.user || v.value.is_empty() {
                return None;
            }
            match stmt {
                Some(s) if v.stmt < s => None,
                _ => Some(v.value.clone()),
            }
        };
        let last = self.last_synproxy_stmt;
        let synproxy = last.is_some();
        let st = &mut self.model.settings;
        st.drop_invalid = synproxy || env.value("FIREHOL_DROP_INVALID").is_some_and(|v| v == "1");
        let pick = |user: Option<String>, forced: &str| {
            if synproxy {
                user.or(Some(forced.to_string()))
            } else {
                user
            }
        };
        st.conntrack_loose_matching = pick(after("FIREHOL_CONNTRACK_LOOSE_MATCHING", last), "0");
        st.tcp_syn_cookies = pick(after("FIREHOL_TCP_SYN_COOKIES", last), "1");
        st.tcp_timestamps = pick(after("FIREHOL_TCP_TIMESTAMPS", last), "1");
        st.conntrack_max = after("FIREHOL_CONNTRACK_MAX", None).filter(|v| !v.is_empty());
        st.conntrack_hashsize = after("FIREHOL_CONNTRACK_HASHSIZE", None).filter(|v| !v.is_empty());
        if self
            .model
            .nats
            .iter()
            .any(|n| matches!(n.kind, NatKind::Dnat | NatKind::Snat))
        {
            st.routing = true;
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
        let mut sysctls = Vec::new();
        let st = &self.model.settings;
        let reason_sp = "SYNPROXY needs it (FireHOL sets it whenever a synproxy is configured)";
        let mut push = |k: &str, v: &Option<String>, reason: &str| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                sysctls.push(Sysctl {
                    key: k.into(),
                    value: v.clone(),
                    reason: reason.into(),
                });
            }
        };
        push(
            "net.netfilter.nf_conntrack_tcp_loose",
            &st.conntrack_loose_matching,
            reason_sp,
        );
        push("net.ipv4.tcp_syncookies", &st.tcp_syn_cookies, reason_sp);
        push("net.ipv4.tcp_timestamps", &st.tcp_timestamps, reason_sp);
        push(
            "net.netfilter.nf_conntrack_max",
            &st.conntrack_max,
            "FIREHOL_CONNTRACK_MAX",
        );
        if st.routing {
            push(
                "net.ipv4.ip_forward",
                &Some("1".into()),
                "routers and NAT forward traffic",
            );
        }
        sysctls.sort();
        self.model.sysctls = sysctls;
    }
}
