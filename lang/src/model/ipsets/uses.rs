//! Where rules name a set (`src ipset:NAME`, `ipset NAME src,dst`, `blacklist ... ipset:NAME`),
//! checked at the end of the file, when every `ipset create` and trap is known: the set must
//! exist in the rule's family and be looked up in as many directions as it has dimensions (the
//! kernel never matches a set looked up with fewer). A set no statement creates is one made
//! outside the configuration (by update-ipsets, by hand): it is declared empty, with a warning.

use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::build::Builder;
use crate::model::ir::{Ipset, IpsetKind, IpsetOrigin};
use crate::model::values::{Af, Families};
use crate::model::{own_set, own_sets};
use crate::span::Span;

/// One rule's use of a set.
#[derive(Clone, Debug)]
pub struct SetUse {
    /// As written (`ipset:bl`, `ipset bl`), for messages.
    pub written: String,
    pub name: String,
    /// Directions given (`src,dst` is 2).
    pub dims: usize,
    pub fams: Families,
    pub span: Span,
}

impl Builder<'_> {
    pub(in crate::model) fn check_set_uses(&mut self) {
        let own = own_sets(&self.model);
        for u in std::mem::take(&mut self.set_uses) {
            if u.fams.iter().all(|af| own_set(&own, &u.name, af).is_some()) {
                continue;
            }
            match self.model.ipsets.iter().find(|s| s.name == u.name) {
                Some(set) => {
                    let (kind, af) = (set.kind, set.af);
                    self.check_use_of(&u, kind, af);
                }
                None => self.declare_external(&u),
            }
        }
    }

    /// A use of a set the configuration has: family and directions.
    fn check_use_of(&mut self, u: &SetUse, kind: IpsetKind, af: Af) {
        if kind != IpsetKind::HashMac
            && let Some(other) = u.fams.iter().find(|f| *f != af)
        {
            self.diags.push(
                Diagnostic::new(
                    Code::IpsetDefinition,
                    u.span,
                    format!(
                        "`{}` is an {} set, but this statement makes {} rules too",
                        u.written,
                        af.name(),
                        other.name()
                    ),
                )
                .with_label("ipset and iptables refuse a set of the other family")
                .with_help(format!(
                    "limit the statement to {} (`{}` before it, or an `interface{}` section)",
                    af.name(),
                    if af == Af::V4 { "ipv4" } else { "ipv6" },
                    if af == Af::V4 { "4" } else { "6" }
                )),
            );
        }
        let need = kind.dims().len();
        if u.dims < need {
            self.diags.push(
                Diagnostic::new(
                    Code::IpsetDefinition,
                    u.span,
                    format!(
                        "`{}` gives {} direction{} for a {} set of {need} dimensions: the kernel never matches it",
                        u.written,
                        u.dims,
                        if u.dims == 1 { "" } else { "s" },
                        kind.name()
                    ),
                )
                .with_label("this rule would never match")
                .with_help(format!(
                    "write one direction per dimension, e.g. `ipset {} src,dst`",
                    u.name
                )),
            );
        }
    }

    /// A set made outside the configuration: an empty set of addresses and networks of the
    /// rule's family.
    fn declare_external(&mut self, u: &SetUse) {
        let Some(af) = u.fams.single() else {
            self.diags.push(
                Diagnostic::new(
                    Code::IpsetDefinition,
                    u.span,
                    format!(
                        "`{}` names an ipset this configuration does not create, in a statement for IPv4 and IPv6",
                        u.written
                    ),
                )
                .with_label("an ipset has one family")
                .with_help("limit the statement to one family (`ipv4`/`ipv6` before it), or create the set here with `ipset4 create`/`ipset6 create`"),
            );
            return;
        };
        self.model.ipsets.push(Ipset::new(
            &u.name,
            af,
            IpsetKind::HashNet,
            IpsetOrigin::External(u.span),
        ));
        let fam = af.name();
        self.diags.push(
            Diagnostic::new(
                Code::ExternalIpset,
                u.span,
                format!(
                    "ipset `{}` is not created in this configuration: fhc declares it as an empty set of {fam} addresses and networks",
                    u.name
                ),
            )
            .with_label("empty until filled")
            .with_note("FireHOL used the kernel's ipset of that name; nftables cannot see ipsets")
            .with_help(format!(
                "fill it on the running firewall with `fhc set load {} FILE` (update-ipsets' files work as they are), or create and fill it here with `ipset{} create {} hash:net` and `ipset{} addfile {} FILE`",
                u.name,
                if af == Af::V4 { "4" } else { "6" },
                u.name,
                if af == Af::V4 { "4" } else { "6" },
                u.name
            )),
        );
    }
}
