//! `action NAME ...` definitions: chains of steps (verdicts, rules, traps).

use super::build::*;
use super::ir::{self, Action, Families};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

impl Builder<'_> {
    pub(super) fn action_def(&mut self, c: &Command, a: &ActionDef, fams: Families) {
        let Some(name_w) = &a.name else { return };
        let Some(name) = self.expand(name_w) else {
            return;
        };
        if let Some(prev) = self.model.actions.iter().find(|x| x.name == name) {
            self.diags.push(
                Diagnostic::new(
                    Code::DuplicateAction,
                    name_w.span,
                    format!("action `{name}` is already defined"),
                )
                .with_label("second definition")
                .with_secondary(prev.name_span, "first defined here"),
            );
            return;
        }
        let mut steps = Vec::new();
        for s in &a.steps {
            let kind = s.kind.literal().unwrap_or("").to_ascii_lowercase();
            let ps: Vec<&Param> = s
                .params
                .iter()
                .filter(|p| p.kind != Some(ParamKind::Action))
                .collect();
            match kind.as_str() {
                "chain" | "action" => steps.push(self.final_step(s)),
                "rule" => steps.push(self.rule_step(s, &ps, fams)),
                "sockets_suspects_trap" | "iptrap" | "ipuntrap" => {
                    if let Some(step) = self.trap_step(s, &kind, &ps, fams) {
                        steps.push(step);
                    }
                }
                _ => self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        s.kind.span,
                        format!(
                            "`{}` is not an action type",
                            s.kind.literal().unwrap_or("?")
                        ),
                    )
                    .with_label("expected chain, rule, iptrap, ipuntrap or sockets_suspects_trap"),
                ),
            }
        }
        self.model.actions.push(ir::ActionDef {
            name,
            span: c.span,
            name_span: name_w.span,
            families: fams,
            steps,
        });
    }

    /// `chain VERDICT` / `action VERDICT [with ...]`: the step that ends the action.
    fn final_step(&mut self, s: &ActionStep) -> ir::ActionStep {
        let verb = s
            .args
            .first()
            .and_then(|w| self.expand(w))
            .unwrap_or_default();
        // `action reject with tcp-reset`: the words after `with`.
        let skip = if s.args.get(1).is_some_and(|w| w.is_ci("with")) {
            2
        } else {
            1
        };
        let with: Vec<(String, Span)> = s
            .args
            .iter()
            .skip(skip)
            .filter_map(|w| Some((self.expand(w)?, w.span)))
            .collect();
        let verb_at = s.args.first().map(|w| w.span);
        let action = self.verdict_with(&verb, verb_at, &with, s.span);
        ir::ActionStep::Final(action)
    }

    /// `rule ... [action VERDICT]`: a match with an optional verdict of its own.
    fn rule_step(&mut self, s: &ActionStep, ps: &[&Param], fams: Families) -> ir::ActionStep {
        let matches = self.build_match(ps, fams);
        let verdict = s
            .params
            .iter()
            .find(|p| p.kind == Some(ParamKind::Action))
            .and_then(|p| p.values.first())
            .map(|w| {
                let verb = self.expand(w).unwrap_or_default();
                let verdict = self.verdict(&verb, Some(w.span), w.span);
                Action::new(verdict, w.span)
            });
        ir::ActionStep::Rule {
            matches,
            verdict,
            span: s.span,
        }
    }

    /// `iptrap`, `ipuntrap`, `sockets_suspects_trap`: `None` when the trap is invalid.
    fn trap_step(
        &mut self,
        s: &ActionStep,
        kind: &str,
        ps: &[&Param],
        fams: Families,
    ) -> Option<ir::ActionStep> {
        let args: Vec<(String, Span)> = s
            .args
            .iter()
            .filter_map(|w| Some((self.expand(w)?, w.span)))
            .collect();
        let matches = self.build_match(ps, fams);
        let trap = self.action_trap(kind, &args, s.span)?;
        Some(ir::ActionStep::Trap {
            trap,
            matches,
            span: s.span,
        })
    }
}
