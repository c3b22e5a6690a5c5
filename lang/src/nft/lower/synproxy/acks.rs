//! SYNPROXY's ACK to the server (untracked where the `timestamp` option needs it), the server's
//! INVALID ACK towards the client, and the options written after the statement's action.

use super::{ack, lo, not_local_source, tcp_flags};
use crate::model::ir::{Match, Synproxy, SynproxyType};
use crate::nft::json::{Expr, Stmt};
use crate::nft::lower::matches::Dir;
use crate::nft::lower::{Lowerer, ct_states};

impl Lowerer<'_> {
    /// SYNPROXY's ACK to a server it reaches without NAT, untracked (with the `timestamp` option
    /// and `FHC_SYNPROXY_UNTRACK_ACK=1`): tracked, SYNPROXY's own hook adds its timestamp offset a
    /// second time, and a Linux >= 6.15 server rejects the wrong echo and only answers after
    /// retransmitting its SYN/ACK a second later (tests/e2e/NOTES.md 3.7). Untracked, the hook
    /// skips it. The ACK is told apart as SYNPROXY's own SYNs are: a bare ACK, locally generated,
    /// with the client's (non-local) source, towards the statement's server and port.
    pub(super) fn untracked_ack(
        &mut self,
        s: &Synproxy,
        t: SynproxyType,
        srv: &[Stmt],
        ports: &[Stmt],
    ) {
        if !(s.options.timestamp && s.untrack_ack) {
            return;
        }
        let span = Some(s.span);
        let local = t == SynproxyType::Input;
        // The ACK towards the server (through lo for a local server, leaving or arriving).
        let ack_to_server = |iif: bool, state: Option<Stmt>, last: Stmt| -> Vec<Stmt> {
            local
                .then(|| lo(iif))
                .into_iter()
                .chain(srv.iter().cloned())
                .chain(ports.iter().cloned())
                .chain([ack()])
                .chain(state)
                .chain([not_local_source(), last])
                .collect()
        };
        self.ensure_base("raw_output");
        self.push(
            "raw_output",
            ack_to_server(false, None, Stmt::Notrack),
            span,
        );
        let untracked = || Some(ct_states(&["untracked"]));
        self.push(
            "output",
            ack_to_server(false, untracked(), Stmt::Accept),
            span,
        );
        if local {
            self.push(
                "input",
                ack_to_server(true, untracked(), Stmt::Accept),
                span,
            );
        }
    }

    /// The server's answer to SYNPROXY's ACK that conntrack finds INVALID (FireHOL drops it).
    pub(super) fn invalid_ack_drop(
        &mut self,
        s: &Synproxy,
        chain: &str,
        rep: &[Stmt],
        rports: &[Stmt],
    ) {
        let mut r: Vec<Stmt> = rep.iter().cloned().chain(rports.iter().cloned()).collect();
        r.push(ct_states(&["invalid"]));
        r.push(tcp_flags(&["rst", "ack"], Expr::s("ack")));
        r.push(Stmt::Drop);
        self.push(chain, r, Some(s.span));
    }

    /// The matches of the parameters written after the action (`accept connlimit ...`); they apply
    /// to the final SYNPROXY->server rule. Their log is emitted as its own rule by the caller.
    pub(super) fn action_option_matches(&mut self, s: &Synproxy) -> Vec<Stmt> {
        let options = Match {
            log: None,
            ..s.action_matches.clone()
        };
        let mut st = self
            .match_stmts(&options, Some(s.family), Dir::Request)
            .unwrap_or_default();
        st.retain(|x| !matches!(x, Stmt::Match(_, Expr::Meta("nfproto"), _)));
        st
    }
}
