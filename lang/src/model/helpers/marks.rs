//! The mark layout (`markdef`, `marksreset`), the mark helpers (`mark`, `connmark`,
//! `custommark`) and the check of every mark value against the layout at the end of the file.

use super::Parts;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::build::Builder;
use crate::model::ir::{Cond, HelperKind, MarkAt, MarkDef};
use crate::model::values::{self, Hook};
use crate::syntax::ast::{Cmd, Command, Word};

impl Builder<'_> {
    /// `mark V [where] [params]` (usermark, default OUTPUT), `connmark V [where] [params]`
    /// (connmark, default OUTPUT POSTROUTING; `save`/`restore` are FireHOL's no-ops), `custommark
    /// NAME V [where] [params]` (default OUTPUT); `connmark V interface IFACE`.
    pub(super) fn mark_helper(&mut self, p: &Parts) -> Option<HelperKind> {
        let mut args = p.args.iter();
        let group = match p.cmd {
            Cmd::Mark => "usermark".to_string(),
            Cmd::Connmark => "connmark".to_string(),
            _ => match args.next() {
                Some((g, _)) => g.clone(),
                None => {
                    self.bad_value(p.span, "custommark needs a mark group and a value".into());
                    return None;
                }
            },
        };
        let Some((value, vspan)) = args.next() else {
            self.bad_value(p.span, format!("{} needs a value", p.cmd.name()));
            return None;
        };
        if p.cmd == Cmd::Connmark && (value == "save" || value == "restore") {
            return None; // FireHOL: kept for backward compatibility, does nothing
        }
        let Some(v) = values::parse_num(value) else {
            self.bad_value(*vspan, format!("`{value}` is not a mark value (a number)"));
            return None;
        };
        self.mark_uses.push((group.clone(), v, *vspan));
        let at = if p.cmd == Cmd::Connmark
            && let Some((chains, _)) = &p.chains
            && chains.eq_ignore_ascii_case("interface")
        {
            MarkAt::Interface(self.connmark_iface(p)?)
        } else {
            let default: &[Hook] = if p.cmd == Cmd::Connmark {
                &[Hook::Output, Hook::Postrouting]
            } else {
                &[Hook::Output]
            };
            MarkAt::Hooks(self.where_hooks(p, default)?)
        };
        Some(HelperKind::Mark {
            group,
            value: v,
            at,
        })
    }

    /// The interface of `connmark V interface IFACE` (`None`: `any`, every interface).
    fn connmark_iface(&mut self, p: &Parts) -> Option<Option<Cond<values::Iface>>> {
        let Some((iface, span)) = p.args.iter().skip(1).last() else {
            self.bad_value(
                p.span,
                "connmark ... interface needs an interface name".into(),
            );
            return None;
        };
        match values::parse_iface_list(iface)
            .map(|list| list.into_iter().collect::<Result<Vec<_>, _>>())
        {
            None => Some(None),
            Some(Ok(list)) => Some(Some(Cond {
                negated: false,
                values: list,
                span: *span,
            })),
            Some(Err(e)) => {
                self.bad_value(*span, e);
                None
            }
        }
    }

    /// Every mark value against the layout at the end of the file (FireHOL's final layout).
    pub(in crate::model) fn check_mark_uses(&mut self) {
        for (group, value, span) in std::mem::take(&mut self.mark_uses) {
            let Some(def) = self.model.marks.iter().find(|d| d.name == group) else {
                self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("there is no mark group `{group}`"),
                    )
                    .with_label("unknown mark group")
                    .with_help(format!("define it with `markdef {group} VALUES`")),
                );
                continue;
            };
            if value > def.max as u64 {
                let max = def.max;
                self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("`{value}` is not a value of mark group `{group}` (0 to {max})"),
                    )
                    .with_label("out of the group's range"),
                );
            }
        }
    }

    /// `markdef NAME VALUES [options]`, as FireHOL lays the groups out (each after the previous).
    pub(super) fn markdef(&mut self, c: &Command, args: &[Word]) {
        let words = self.words(args);
        let Some((name, _)) = words.first() else {
            return;
        };
        if crate::syntax::keywords::MARKDEF_RESET.contains(&name.as_str()) {
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
            if total >= 31 {
                self.bad_value(
                    *max_span,
                    format!("no bits of the 32-bit mark are left for `{name}` ({total} are used)"),
                );
                return;
            }
            1u64 << (32 - total)
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
