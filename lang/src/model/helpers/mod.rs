//! Top-level helper commands to typed [`Helper`] items, and the mark layout (`markdef`,
//! `marksreset`). One file per concern: marks, mangle (QoS), tcpmss, mac, blacklist, traps,
//! cthelper. Every positional word is parsed and checked here (E0114 for a bad value, E0201 for
//! what nftables cannot do), so the lowering only reads typed fields.
//!
//! Parameters after `except` are split into alternatives at `or`, by position: the parser hands
//! every parameter over in one list.

mod blacklist;
mod cthelper;
mod mangle;
mod marks;
mod tcpmss;
mod traps;

pub(super) use traps::trap_key;

use super::build::Builder;
use super::ir::{Families, Helper, HelperOption, Match};
use crate::span::Span;
use crate::syntax::ast::{Cmd, Command, CommandKind, Param, ParamKind, Word};
use crate::syntax::keywords::{self, Arity};

/// A helper statement's parts before its command gives them meaning.
pub(super) struct Parts {
    /// The command (its name, for messages: `cmd.name()`).
    pub cmd: Cmd,
    pub span: Span,
    pub families: Families,
    /// Positional words, expanded, with their spans.
    pub args: Vec<(String, Span)>,
    /// The `where` word of the mangle helpers.
    pub chains: Option<(String, Span)>,
    pub matches: Match,
    pub excepts: Vec<Match>,
    /// The enclosing section.
    pub section: Option<usize>,
}

/// Removes the options a helper command reads itself (`table`, `action`, `nolog`, `in`, `out`)
/// from its match, returning them in order.
pub(super) fn take_options(m: &mut Match, keys: &[&str]) -> Vec<HelperOption> {
    let (taken, kept) = std::mem::take(&mut m.options)
        .into_iter()
        .partition(|o| keys.contains(&o.keyword));
    m.options = kept;
    taken
}

impl Builder<'_> {
    /// Builds the item of a helper command. `false` when the command is not one of them.
    pub(super) fn helper(&mut self, c: &Command, fams: Families, section: Option<usize>) -> bool {
        match (c.cmd, &c.kind) {
            (Cmd::Marksreset, _) => {
                self.model.marks.clear();
                true
            }
            (Cmd::Markdef, CommandKind::Args { args, .. }) => {
                self.markdef(c, args);
                true
            }
            (Cmd::Iptables | Cmd::Ip6tables, CommandKind::Passthrough { args }) => {
                let args = self.words(args);
                let af = if c.cmd == Cmd::Iptables {
                    crate::model::values::Af::V4
                } else {
                    crate::model::values::Af::V6
                };
                self.iptables_command(c.span, &args, af);
                true
            }
            (Cmd::Ipset, CommandKind::Args { args, .. }) => {
                let args = self.words(args);
                self.ipset_command(c.span, &args, fams);
                true
            }
            // The parser gives the mangle commands (mark ... tosfix) this shape.
            (
                _,
                CommandKind::Mangle {
                    args,
                    chains,
                    params,
                },
            ) => {
                let args = self.words(args);
                let chains = chains
                    .as_ref()
                    .and_then(|w| Some((self.expand(w)?, w.span)));
                let ps: Vec<&Param> = params.iter().collect();
                let matches = self.build_match(&ps, fams);
                self.push_helper(Parts {
                    cmd: c.cmd,
                    span: c.span,
                    families: fams,
                    args,
                    chains,
                    matches,
                    excepts: vec![],
                    section,
                });
                true
            }
            (Cmd::Tcpmss, CommandKind::Tcpmss { mss, ifaces }) => {
                let ws: Vec<Word> = mss.iter().chain(ifaces.iter()).cloned().collect();
                let args = self.words(&ws);
                self.push_helper(Parts {
                    cmd: c.cmd,
                    span: c.span,
                    families: fams,
                    args,
                    chains: None,
                    matches: Match::default(),
                    excepts: vec![],
                    section,
                });
                true
            }
            (
                Cmd::Mac | Cmd::Blacklist | Cmd::Iptrap | Cmd::Ipuntrap | Cmd::Cthelper,
                CommandKind::Args { args, params },
            ) => {
                let parts = self.except_parts(c, args, params, fams, section);
                self.push_helper(parts);
                true
            }
            _ => false,
        }
    }

    /// The parts of a command with `except` alternatives (mac, blacklist, traps, cthelper).
    fn except_parts(
        &mut self,
        c: &Command,
        args: &[Word],
        params: &[Param],
        fams: Families,
        section: Option<usize>,
    ) -> Parts {
        // The parser reads three words after `ipuntrap` as for `iptrap` (which has a timeout
        // there): a third word that is a one-value parameter keyword starts the parameters
        // (`ipuntrap SET src inface eth0`).
        let mut args = args.to_vec();
        let mut params = params.to_vec();
        if c.cmd == Cmd::Ipuntrap
            && args.len() >= 4
            && let Some(kw) = args[2].literal()
            && let Some((kind, Arity::One, _)) = keywords::param(kw)
        {
            let value = args.remove(3);
            let keyword = args.remove(2);
            let span = Span::new(keyword.span.start, value.span.end);
            params.insert(
                0,
                Param {
                    span,
                    keyword,
                    kind: Some(kind),
                    not: None,
                    values: vec![value],
                    missing: 0,
                },
            );
        }
        // Words and parameters after `except` belong to the exceptions.
        let except = args
            .iter()
            .find(|w| w.is_ci("except"))
            .map(|w| w.span.start);
        let before = |start: usize| except.is_none_or(|e| start < e);
        let words: Vec<Word> = args
            .iter()
            .filter(|w| before(w.span.start))
            .cloned()
            .collect();
        let args = self.words(&words);
        let main: Vec<&Param> = params.iter().filter(|p| before(p.span.start)).collect();
        let matches = self.build_match(&main, fams);
        let mut excepts = Vec::new();
        let mut alt: Vec<&Param> = Vec::new();
        for p in params.iter().filter(|p| !before(p.span.start)) {
            if p.kind == Some(ParamKind::Or) {
                excepts.push(self.build_match(&std::mem::take(&mut alt), fams));
            } else {
                alt.push(p);
            }
        }
        if !alt.is_empty() {
            excepts.push(self.build_match(&alt, fams));
        }
        Parts {
            cmd: c.cmd,
            span: c.span,
            families: fams,
            args,
            chains: None,
            matches,
            excepts,
            section,
        }
    }

    /// Gives the parts their command's meaning; a statement with a bad value becomes no item
    /// (its diagnostic says why).
    fn push_helper(&mut self, mut p: Parts) {
        let kind = match p.cmd {
            Cmd::Mark | Cmd::Connmark | Cmd::Custommark => self.mark_helper(&p),
            Cmd::Classify | Cmd::Tos | Cmd::Dscp | Cmd::Tosfix => self.qos_helper(&p),
            Cmd::Tcpmss => self.tcpmss(&p),
            Cmd::Mac => self.mac(&p),
            Cmd::Blacklist => self.blacklist(&mut p),
            Cmd::Iptrap | Cmd::Ipuntrap => self.trap(&mut p),
            Cmd::Cthelper => self.cthelper(&mut p),
            _ => None,
        };
        if let Some(kind) = kind {
            self.model.helpers.push(Helper {
                span: p.span,
                families: p.families,
                matches: p.matches,
                kind,
            });
        }
    }

    pub(super) fn words(&mut self, ws: &[Word]) -> Vec<(String, Span)> {
        ws.iter()
            .filter_map(|w| Some((self.expand(w)?, w.span)))
            .collect()
    }
}
