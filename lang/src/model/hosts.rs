//! Host names in `src`/`dst`. iptables resolves them when FireHOL loads the rules; fhc takes the
//! addresses the caller resolved when compiling (`prelude::Inputs::hosts`) and says what they
//! were, since the ruleset keeps them until the next apply. An editor does not resolve: the
//! name is marked as resolved at compile time.

use super::build::Builder;
use super::ir::Cond;
use super::values::{Addr, Families, af_of};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use std::net::IpAddr;

impl Builder<'_> {
    /// Replaces each host name of `cond` by its addresses in the statement's families `fams`.
    pub(super) fn resolve_hosts(&mut self, cond: &mut Cond<Addr>, fams: Families) {
        if !cond.values.iter().any(|a| matches!(a, Addr::Host(_))) {
            return;
        }
        let mut out = Vec::with_capacity(cond.values.len());
        for a in std::mem::take(&mut cond.values) {
            let Addr::Host(name) = a else {
                out.push(a);
                continue;
            };
            let span = self.name_span(cond.span, &name);
            if !self.model.reads.names.iter().any(|(n, _)| *n == name) {
                self.model.reads.names.push((name.clone(), span));
            }
            match self.host_addresses(&name, span, fams) {
                Some(addrs) => out.extend(addrs),
                None => out.push(Addr::Host(name)),
            }
        }
        cond.values = out;
    }

    /// The addresses of `name` in `fams` (`None`: left as a name, with why reported).
    fn host_addresses(&mut self, name: &str, span: Span, fams: Families) -> Option<Vec<Addr>> {
        if self.inputs.refuses_names() {
            self.diags.push(
                Diagnostic::new(
                    Code::HostUnresolved,
                    span,
                    format!("`{name}` is a host name, and names are not resolved (--no-resolve)"),
                )
                .with_label("a host name")
                .with_help("write its address, or compile without --no-resolve"),
            );
            return None;
        }
        let resolved = self.inputs.resolve(name);
        let addrs = match resolved {
            None => {
                self.diags.push(
                    Diagnostic::new(
                        Code::HostAtCompile,
                        span,
                        format!("`{name}` is resolved when the configuration is compiled"),
                    )
                    .with_label("a host name"),
                );
                return None;
            }
            Some(Err(why)) => {
                self.unresolved(name, span, why.clone());
                return None;
            }
            Some(Ok(addrs)) => addrs,
        };
        let mut mine: Vec<IpAddr> = addrs
            .iter()
            .copied()
            .filter(|ip| fams.has(af_of(ip)))
            .collect();
        mine.sort();
        mine.dedup();
        if mine.is_empty() {
            let what = if addrs.is_empty() {
                "it has no address".to_string()
            } else {
                "it has no address of the statement's family".to_string()
            };
            self.unresolved(name, span, what);
            return None;
        }
        if !self.reported_hosts.iter().any(|n| n == name) {
            self.reported_hosts.push(name.to_string());
            let list: Vec<String> = mine.iter().map(IpAddr::to_string).collect();
            self.diags.push(
                Diagnostic::new(
                    Code::HostResolved,
                    span,
                    format!("`{name}` resolved to {}", list.join(", ")),
                )
                .with_label("resolved when compiling")
                .with_note("the ruleset keeps these addresses until the next `fhc apply` (iptables also resolved names once, when the rules loaded)")
                .with_help("write the addresses if they must not depend on DNS, or apply again when they change"),
            );
        }
        Some(
            mine.into_iter()
                .map(|ip| Addr::Net(ip, if ip.is_ipv4() { 32 } else { 128 }))
                .collect(),
        )
    }

    fn unresolved(&mut self, name: &str, span: Span, why: String) {
        self.diags.push(
            Diagnostic::new(
                Code::HostUnresolved,
                span,
                format!("`{name}` does not resolve: {why}"),
            )
            .with_label("a host name")
            .with_help(
                "write its address, or fix the name (iptables would refuse to load the rule)",
            ),
        );
    }

    /// The span of `name` inside the parameter's text (the parameter's span if not found).
    fn name_span(&self, param: Span, name: &str) -> Span {
        self.text
            .get(param.start..param.end)
            .and_then(|t| t.find(name))
            .map(|i| Span::new(param.start + i, param.start + i + name.len()))
            .unwrap_or(param)
    }
}
