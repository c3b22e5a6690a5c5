//! The QoS helpers (`classify`, `tos`, `dscp`, `tosfix`) and the `where` hooks every mangle
//! helper takes.

use super::Parts;
use crate::model::build::Builder;
use crate::model::ir::{HelperKind, TcClass};
use crate::model::values::{self, Hook};
use crate::syntax::ast::Cmd;

impl Builder<'_> {
    /// The hooks of a mangle helper's `where` list (`default` when it has none), in the order
    /// written, each once.
    pub(super) fn where_hooks(&mut self, p: &Parts, default: &[Hook]) -> Option<Vec<Hook>> {
        let Some((text, span)) = &p.chains else {
            return Some(default.to_vec());
        };
        let mut out = Vec::new();
        for w in text.split([',', ' ']).filter(|w| !w.is_empty()) {
            match Hook::from_where(w) {
                Some(h) if !out.contains(&h) => out.push(h),
                Some(_) => {}
                None => {
                    self.untranslatable(
                        *span,
                        format!(
                            "`{w}` is not a mangle chain fhc can compile (pre, in, out, pass, post)"
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// `classify CLASS`, `tos V`, `dscp V|class C`, `tosfix`, each with `[where] [params]`.
    pub(super) fn qos_helper(&mut self, p: &Parts) -> Option<HelperKind> {
        let value = p.args.first();
        let need = |what: &str| format!("{} needs {what}", p.cmd.name());
        Some(match p.cmd {
            Cmd::Classify => {
                let Some((class, span)) = value else {
                    self.bad_value(p.span, need("a class MAJOR:MINOR"));
                    return None;
                };
                let Some(class) = tc_class(class) else {
                    self.bad_value(*span, format!("`{class}` is not a tc class MAJOR:MINOR"));
                    return None;
                };
                let at = self.where_hooks(p, &[Hook::Postrouting])?;
                HelperKind::Classify { class, at }
            }
            Cmd::Tos => {
                let Some((text, span)) = value else {
                    self.bad_value(p.span, need("a value"));
                    return None;
                };
                let Some(tos) = values::parse_tos(text) else {
                    self.bad_value(
                        *span,
                        format!("`{text}` is not a TOS value (a number, VALUE/MASK or a TOS name)"),
                    );
                    return None;
                };
                let at = self.where_hooks(p, &[Hook::Output])?;
                HelperKind::Tos { tos, at }
            }
            Cmd::Dscp => {
                let class = value.is_some_and(|a| a.0.eq_ignore_ascii_case("class"));
                let Some((text, span)) = p.args.get(usize::from(class)) else {
                    self.bad_value(p.span, need("a value or `class NAME`"));
                    return None;
                };
                let value = match values::parse_dscp(text, class) {
                    Ok(v) => v,
                    Err(msg) => {
                        self.bad_value(*span, msg);
                        return None;
                    }
                };
                let at = self.where_hooks(p, &[Hook::Output])?;
                HelperKind::Dscp { value, at }
            }
            _ => HelperKind::Tosfix {
                at: self.where_hooks(p, &[Hook::Prerouting, Hook::Postrouting])?,
            },
        })
    }
}

/// `MAJOR:MINOR`, hexadecimal, each part optional (tc's own syntax).
fn tc_class(s: &str) -> Option<TcClass> {
    let (a, b) = s.split_once(':')?;
    let hex = |s: &str| -> Option<Option<u16>> {
        if s.is_empty() {
            Some(None)
        } else {
            u16::from_str_radix(s, 16).ok().map(Some)
        }
    };
    Some(TcClass {
        major: hex(a)?,
        minor: hex(b)?,
    })
}
