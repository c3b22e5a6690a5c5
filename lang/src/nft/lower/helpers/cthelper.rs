//! `cthelper`: nft assigns conntrack helpers through a ct helper object, after conntrack has
//! seen the packet (mangle priority, `ct state new`).

use super::ct_state;
use crate::model::ir::{Cthelper, CthelperSide, Helper};
use crate::nft::json::{CtHelper, Stmt};
use crate::nft::lower::Lowerer;
use crate::nft::lower::matches::Dir;

impl Lowerer<'_> {
    pub(super) fn cthelper(&mut self, h: &Helper, c: &Cthelper) {
        let proto = if c.tcp { "tcp" } else { "udp" };
        let helper = c.helper.name();
        let name = format!("{helper}-{proto}");
        self.add_ct_helper(CtHelper {
            name: name.clone(),
            kind: helper.to_string(),
            protocol: proto,
        });
        let sides: &[(&str, Dir)] = match c.side {
            CthelperSide::In => &[("mangle_prerouting", Dir::Request)],
            CthelperSide::Out => &[("mangle_output", Dir::Request)],
            CthelperSide::Both => &[
                ("mangle_prerouting", Dir::Request),
                ("mangle_output", Dir::Reply),
            ],
        };
        for &(chain, dir) in sides {
            self.ensure_base(chain);
            let Some(rules) = self.helper_rules(h.families, &h.matches, dir) else {
                return;
            };
            for (_, mut st) in rules {
                st.push(ct_state(&["new"]));
                st.push(Stmt::CtHelperSet(name.clone()));
                self.push(chain, st, Some(h.span));
            }
        }
    }
}
