//! Top-level helper commands to [`Helper`] items, and the mark layout (`markdef`, `marksreset`).
//!
//! The helpers' positional words differ per command and are kept expanded; the backend gives them
//! meaning (and reports what it cannot translate). Parameters after `except` are split into
//! alternatives at `or`, by position: the parser hands every parameter over in one list.

use super::build::{Builder, name_of};
use super::ir::{Families, Helper, MarkDef, Match};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::syntax::ast::{Cmd, Command, CommandKind, Param, ParamKind, Word};
use crate::syntax::keywords::{self, Arity};

impl Builder<'_> {
    /// Builds the item of a helper command. `false` when the command is not one of them.
    pub(super) fn helper(&mut self, c: &Command, fams: Families, section: Option<usize>) -> bool {
        let command = name_of(c)
            .to_ascii_lowercase()
            .trim_end_matches(['4', '6'])
            .to_string();
        match (c.cmd, &c.kind) {
            (Cmd::Marksreset, _) => {
                self.model.marks.clear();
                true
            }
            (Cmd::Markdef, CommandKind::Args { args, .. }) => {
                self.markdef(c, args);
                true
            }
            (
                Cmd::Mark
                | Cmd::Connmark
                | Cmd::Custommark
                | Cmd::Classify
                | Cmd::Tos
                | Cmd::Dscp
                | Cmd::Tosfix,
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
                self.model.helpers.push(Helper {
                    span: c.span,
                    command,
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
                self.model.helpers.push(Helper {
                    span: c.span,
                    command,
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
                // Words and parameters after `except` belong to the exceptions.
                // The parser reads three words after `ipuntrap` as for `iptrap` (which has a
                // timeout there): a third word that is a one-value parameter keyword starts the
                // parameters (`ipuntrap SET src inface eth0`).
                let mut args = args.clone();
                let mut params = params.clone();
                if c.cmd == Cmd::Ipuntrap
                    && args.len() >= 4
                    && let Some(kw) = args[2].literal()
                    && let Some((kind, Arity::One, _)) = keywords::param(kw)
                {
                    let value = args.remove(3);
                    let keyword = args.remove(2);
                    let span = crate::span::Span::new(keyword.span.start, value.span.end);
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
                self.model.helpers.push(Helper {
                    span: c.span,
                    command,
                    families: fams,
                    args,
                    chains: None,
                    matches,
                    excepts,
                    section,
                });
                true
            }
            _ => false,
        }
    }

    fn words(&mut self, ws: &[Word]) -> Vec<(String, crate::span::Span)> {
        ws.iter()
            .filter_map(|w| Some((self.expand(w)?, w.span)))
            .collect()
    }

    /// `markdef NAME VALUES [options]`, as FireHOL lays the groups out (each after the previous).
    fn markdef(&mut self, c: &Command, args: &[Word]) {
        let words = self.words(args);
        let Some((name, _)) = words.first() else {
            return;
        };
        if name == "clear" || name == "reset" {
            self.model.marks.clear();
            return;
        }
        let Some((max, max_span)) = words.get(1) else {
            return;
        };
        let total: u32 = self
            .model
            .marks
            .iter()
            .map(|m| 32 - m.max.leading_zeros())
            .sum();
        let values: u64 = if max == "rest" {
            1u64 << (32 - total.min(32))
        } else {
            match max.parse::<u64>() {
                Ok(v) if v >= 2 && v.is_power_of_two() && v <= 1 << 32 => v,
                _ => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            *max_span,
                            format!("`{max}` is not a power of two between 2 and 2^32"),
                        )
                        .with_label("number of mark values"),
                    );
                    return;
                }
            }
        };
        let max_v = (values - 1) as u32;
        let bits = 32 - max_v.leading_zeros();
        if bits + total > 32 {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    *max_span,
                    format!("mark group `{name}` does not fit in the 32-bit mark"),
                )
                .with_label(format!("{total} bits are already used")),
            );
            return;
        }
        let (mut stateful, mut saverestore) = (true, true);
        for (o, _) in &words[2..] {
            match o.as_str() {
                "default" => (stateful, saverestore) = (true, true),
                "classic" => (stateful, saverestore) = (false, false),
                "save" | "restore" | "permanent" => saverestore = true,
                "nosave" | "norestore" | "temp" | "temporary" => saverestore = false,
                "stateless" => stateful = false,
                "stateful" => stateful = true,
                _ => {}
            }
        }
        if self.model.marks.iter().any(|m| &m.name == name) {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    c.span,
                    format!("mark group `{name}` is already defined"),
                )
                .with_label("FireHOL stops here")
                .with_help("use `marksreset` before redefining the mark groups"),
            );
            return;
        }
        self.model.marks.push(MarkDef {
            name: name.clone(),
            shift: total,
            max: max_v,
            stateful,
            saverestore,
            span: Some(c.span),
        });
    }
}
