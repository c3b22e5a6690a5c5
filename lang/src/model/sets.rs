//! fhc's own sets (the traps' dynamic sets) and the checks that need the whole file: set names
//! agree on their types, and the options only helper commands read are used nowhere else (the
//! uses of sets by rules are checked in `ipsets/uses.rs`).

use super::build::Builder;
use super::ir::{ActionStep, ActionTrap, HelperKind, Match, Model};
use super::values::Af;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

/// A set fhc creates that rules may match addresses against: (name, family).
pub fn own_sets(model: &Model) -> Vec<(String, Af)> {
    let mut out = Vec::new();
    for h in &model.helpers {
        if let HelperKind::Trap(t) = &h.kind
            && t.key.len() == 1
        {
            out.push((t.set.clone(), t.af));
        }
    }
    for a in &model.actions {
        let fams: Vec<Af> = a.families.iter().collect();
        for step in &a.steps {
            let ActionStep::Trap { trap, .. } = step else {
                continue;
            };
            let base = match trap {
                ActionTrap::Ip { set, key, .. } if key.len() == 1 => set.clone(),
                ActionTrap::Ip { .. } => continue,
                ActionTrap::SocketsSuspects { .. } => format!("{}_trap", a.name),
            };
            for &af in &fams {
                out.push((format!("{base}{}", family_suffix(&fams, af)), af));
            }
        }
    }
    out
}

/// The 4/6 suffix of a per-family set of something defined for both families.
pub fn family_suffix(fams: &[Af], af: Af) -> &'static str {
    match (fams.len() > 1, af) {
        (false, _) => "",
        (true, Af::V4) => "4",
        (true, Af::V6) => "6",
    }
}

/// The own set a rule of family `af` means by `name`: `NAME`, or `NAME4`/`NAME6` when the trap
/// was defined for both families.
pub fn own_set(sets: &[(String, Af)], name: &str, af: Af) -> Option<String> {
    let sfx = if af == Af::V4 { "4" } else { "6" };
    [name.to_string(), format!("{name}{sfx}")]
        .into_iter()
        .find(|n| sets.iter().any(|(s, a)| s == n && *a == af))
}

/// Every match of the model, with the families it applies to.
fn all_matches(model: &Model) -> Vec<&Match> {
    let mut out: Vec<&Match> = Vec::new();
    for s in &model.sections {
        out.push(&s.matches);
        for r in &s.rules {
            out.push(&r.matches);
            out.extend(r.groups.iter());
        }
    }
    for n in &model.nats {
        out.push(&n.matches);
    }
    for s in &model.synproxies {
        out.push(&s.matches);
        out.push(&s.action_matches);
    }
    for a in &model.actions {
        for step in &a.steps {
            match step {
                ActionStep::Rule { matches, .. } | ActionStep::Trap { matches, .. } => {
                    out.push(matches)
                }
                ActionStep::Final(_) => {}
            }
        }
    }
    for h in &model.helpers {
        out.push(&h.matches);
        if let HelperKind::Blacklist(b) = &h.kind {
            out.extend(b.excepts.iter());
        }
        if let HelperKind::Trap(t) = &h.kind {
            out.extend(t.excepts.iter());
        }
    }
    out
}

impl Builder<'_> {
    /// An `iptrap`/`ipuntrap`/`sockets_suspects_trap` step of an action.
    pub(super) fn action_trap(
        &mut self,
        kind: &str,
        args: &[(String, Span)],
        span: Span,
    ) -> Option<ActionTrap> {
        if kind == "sockets_suspects_trap" {
            let nums: Vec<u64> = args
                .iter()
                .take(3)
                .filter_map(|x| x.0.parse().ok())
                .collect();
            let [suspects, trap, valid] = nums[..] else {
                self.bad_value(span, "sockets_suspects_trap needs three numbers: suspects timeout, trap timeout, valid connections".into());
                return None;
            };
            return Some(ActionTrap::SocketsSuspects {
                suspects,
                trap,
                valid,
            });
        }
        let (Some((set, _)), Some((dir, dspan))) = (args.first(), args.get(1)) else {
            self.bad_value(span, format!("{kind} needs a set name and src or dst"));
            return None;
        };
        let key = match super::helpers::trap_key(dir) {
            Ok(key) => key,
            Err(msg) => {
                self.bad_value(*dspan, msg);
                return None;
            }
        };
        let undo = kind == "ipuntrap";
        let timeout = match args.get(2) {
            Some((t, tspan)) if !undo && t != "default" => match t.parse::<u64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    self.bad_value(
                        *tspan,
                        format!("`{t}` is not a timeout in seconds or `default`"),
                    );
                    return None;
                }
            },
            _ => None,
        };
        Some(ActionTrap::Ip {
            undo,
            set: set.clone(),
            key,
            timeout,
        })
    }

    /// Options only helper commands read (`table`, `action`, `in`, `out`) left in any other
    /// statement. `nolog` elsewhere changes nothing (FireHOL's internal modifier).
    pub(super) fn check_helper_options(&mut self) {
        let mut left: Vec<(&'static str, Span)> = all_matches(&self.model)
            .into_iter()
            .flat_map(|m| m.options.iter())
            .filter(|o| o.keyword != "nolog")
            .map(|o| (o.keyword, o.span))
            .collect();
        // A group's match is in each of its rules: one report per option written.
        left.sort_by_key(|(_, s)| (s.start, s.end));
        left.dedup();
        for (kw, span) in left {
            self.diags.push(
                Diagnostic::new(
                    Code::Untranslatable,
                    span,
                    format!("`{kw}` is an internal FireHOL parameter that fhc cannot translate"),
                )
                .with_label("fhc cannot compile this to nftables"),
            );
        }
    }

    /// The nft sets fhc creates (traps, action traps, hashlimit tables) share one namespace:
    /// two uses of one name must agree on the element type, or nft refuses the ruleset.
    pub(super) fn check_set_types(&mut self) {
        /// What a set element holds, as far as a clash goes.
        #[derive(Clone, Copy, PartialEq)]
        enum Elem {
            Addr(Af),
            Port,
        }
        let mut seen: Vec<(String, Vec<Elem>)> = Vec::new();
        let mut clashes = Vec::new();
        let mut uses: Vec<(String, Vec<Elem>, Span)> = Vec::new();
        for h in &self.model.helpers {
            if let HelperKind::Trap(t) = &h.kind {
                uses.push((t.set.clone(), vec![Elem::Addr(t.af); t.key.len()], h.span));
            }
        }
        for a in &self.model.actions {
            let fams: Vec<Af> = a.families.iter().collect();
            for step in &a.steps {
                let ActionStep::Trap { trap, span, .. } = step else {
                    continue;
                };
                for &af in &fams {
                    let sfx = family_suffix(&fams, af);
                    let addr = Elem::Addr(af);
                    match trap {
                        ActionTrap::Ip { set, key, .. } => {
                            uses.push((format!("{set}{sfx}"), vec![addr; key.len()], *span))
                        }
                        ActionTrap::SocketsSuspects { .. } => {
                            uses.push((format!("{}_trap{sfx}", a.name), vec![addr], *span));
                            uses.push((
                                format!("{}_sockets{sfx}", a.name),
                                vec![addr, addr, Elem::Port],
                                *span,
                            ));
                        }
                    }
                }
            }
        }
        for (h, fams, span) in &self.hashlimit_sets {
            for af in fams.iter() {
                let elems = h
                    .modes
                    .iter()
                    .map(|m| {
                        if m.is_addr() {
                            Elem::Addr(af)
                        } else {
                            Elem::Port
                        }
                    })
                    .collect();
                uses.push((h.set_name(Some(af)), elems, *span));
            }
        }
        // An ipset shares the namespace too, whatever its type: one name, one set.
        for set in &self.model.ipsets {
            if let Some((_, _, span)) = uses.iter().find(|(n, ..)| *n == set.name) {
                clashes.push((set.name.clone(), *span));
            }
        }
        for (name, kinds, span) in uses {
            match seen.iter().find(|(n, _)| *n == name) {
                Some((_, k)) if *k != kinds => clashes.push((name, span)),
                Some(_) => {}
                None => seen.push((name, kinds)),
            }
        }
        for (name, span) in clashes {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    span,
                    format!("set `{name}` is already used with another type (or is an ipset)"),
                )
                .with_label("nft keeps one set per name")
                .with_help("give this trap, hashlimit or ipset a name of its own"),
            );
        }
    }
}
