//! What iptables refuses about a line as a whole (its checkentry): a target in a table or
//! chain that cannot have it, ports or ICMP types without their protocol, an interface its chain
//! never sees.

use super::parse::{Reader, Refusal, invalid};
use crate::model::ir::RawTarget;
use crate::model::values::{Af, Proto};
use crate::span::Span;

impl Reader<'_> {
    /// The tables and chains iptables allows a target in (its checkentry): NAT targets in the
    /// nat table's hooks that can do them, NOTRACK in raw, MARK in mangle, REJECT in filter. A
    /// user chain takes what its table allows. Port mappings need a protocol with ports.
    pub(super) fn check_target_place(&self) -> Result<(), Refusal> {
        use crate::model::ir::RawTable as T;
        let l = &self.line;
        let Some((name, at)) = &self.target_name else {
            return Ok(());
        };
        let chain = l.chain.as_str();
        let user = !super::builtin(l.table, chain);
        let hooks: Option<(T, &[&str])> = match &l.target {
            RawTarget::Dnat(_) | RawTarget::Redirect(_) => {
                Some((T::Nat, &["PREROUTING", "OUTPUT"]))
            }
            RawTarget::Snat(_) => Some((T::Nat, &["POSTROUTING", "INPUT"])),
            RawTarget::Masquerade(_) => Some((T::Nat, &["POSTROUTING"])),
            RawTarget::Notrack => Some((T::Raw, &["PREROUTING", "OUTPUT"])),
            RawTarget::Mark { .. } => Some((
                T::Mangle,
                &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
            )),
            RawTarget::Reject(_) => Some((T::Filter, &["INPUT", "FORWARD", "OUTPUT"])),
            _ => None,
        };
        if let Some((table, chains)) = hooks
            && (l.table != table || !(user || chains.contains(&chain)))
        {
            return Err(invalid(
                *at,
                format!(
                    "iptables refuses {name} in {} of the {} table (it belongs in {} of the {} table)",
                    chain,
                    l.table.name(),
                    chains.join("/"),
                    table.name()
                ),
            ));
        }
        let maps_ports = match &l.target {
            RawTarget::Dnat(to) | RawTarget::Snat(to) => to.ports.is_some(),
            RawTarget::Redirect(p) | RawTarget::Masquerade(p) => p.is_some(),
            _ => false,
        };
        let ported = l
            .proto
            .as_ref()
            .is_some_and(|c| !c.negated && c.values.iter().all(|p| p.has_ports()));
        if maps_ports && !ported {
            return Err(invalid(
                *at,
                format!("{name} with ports needs `-p tcp` or `-p udp` (iptables refuses it)"),
            ));
        }
        Ok(())
    }

    /// What iptables refuses about a line as a whole: ports without a protocol that has them,
    /// an interface its chain never sees.
    pub(super) fn check_ports_and_faces(&self) -> Result<(), Refusal> {
        let l = &self.line;
        let ported = l
            .proto
            .as_ref()
            .is_some_and(|c| !c.negated && c.values.iter().all(|p| p.has_ports()));
        if (l.sport.is_some() || l.dport.is_some()) && !ported {
            let at = self
                .args
                .iter()
                .find(|a| a.0.contains("port"))
                .map_or(Span::default(), |a| a.1);
            return Err(invalid(at, "a port match needs `-p tcp`, `-p udp`, `-p sctp` or `-p udplite` (iptables refuses it)".into()));
        }
        let icmp = if self.af == Af::V4 {
            Proto::Icmp
        } else {
            Proto::Icmpv6
        };
        if l.icmp.is_some()
            && !l
                .proto
                .as_ref()
                .is_some_and(|c| !c.negated && c.values == [icmp])
        {
            let at = self
                .args
                .iter()
                .find(|a| a.0.contains("icmp"))
                .map_or(Span::default(), |a| a.1);
            return Err(invalid(
                at,
                format!("an ICMP type needs `-p {icmp}` (iptables refuses it)"),
            ));
        }
        let chain = l.chain.as_str();
        if let Some(c) = &l.matches.outface
            && matches!(chain, "INPUT" | "PREROUTING")
        {
            return Err(invalid(
                c.span,
                format!(
                    "iptables refuses `-o` in {chain}: no packet there has an outgoing interface yet"
                ),
            ));
        }
        if let Some(c) = &l.matches.inface
            && matches!(chain, "OUTPUT" | "POSTROUTING")
        {
            return Err(invalid(
                c.span,
                format!(
                    "iptables refuses `-i` in {chain}: packets there have no incoming interface"
                ),
            ));
        }
        Ok(())
    }
}
