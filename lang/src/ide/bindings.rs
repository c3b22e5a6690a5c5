//! What a variable holds where. The shell evaluator runs the file once, in bash's order
//! ([`crate::eval`]), starting from the prelude's variables and FireHOL's predefined ones; its
//! assignment events are what the model sees. This module records them as a timeline per
//! variable, by source offset, so that the value at a place is the one the model used there.
//! A line run several times (a loop, a function called twice) shows the value of its last run.

use crate::Span;
use crate::eval::{Evaluation, EventKind};
use crate::model::expand::Env;
use crate::prelude::Prelude;
use std::collections::HashMap;

/// Where the value of a variable at some place comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The assignment (its name's span) in this file.
    Here(Span),
    /// An assignment in a prelude file (index into [`Prelude::sources`], the name's span there).
    Prelude(usize, Span),
    /// One of FireHOL's predefined variables.
    Predefined,
    /// Not set: it expands to nothing.
    Unset,
}

/// A variable's value at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// `None` when not set, or when the assignment cannot be evaluated statically.
    pub value: Option<String>,
    pub origin: Origin,
}

/// The assignments and unsets of a file, per variable, in order.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// The environment before the first line (predefined + prelude).
    initial: Env,
    /// Per variable: (offset from which it holds, what it holds).
    events: HashMap<String, Vec<(usize, Binding)>>,
    /// What each assignment assigns, by its name's start (`None`: not evaluated).
    assigned: HashMap<usize, Option<String>>,
}

impl Timeline {
    /// The value of `name` at `offset`; `prelude_origin` says where the prelude set a variable.
    pub fn at(
        &self,
        name: &str,
        offset: usize,
        prelude_origin: impl Fn(&str) -> Option<(usize, Span)>,
    ) -> Binding {
        if let Some(ev) = self.events.get(name) {
            let i = ev.partition_point(|(at, _)| *at <= offset);
            if i > 0 {
                return ev[i - 1].1.clone();
            }
        }
        match self.initial.get(name) {
            Some(v) => Binding {
                value: Some(v.value.clone()),
                origin: match prelude_origin(name) {
                    Some((file, span)) if v.user => Origin::Prelude(file, span),
                    _ => Origin::Predefined,
                },
            },
            None => Binding {
                value: None,
                origin: Origin::Unset,
            },
        }
    }

    /// What the assignment whose name is at `name_span` assigns.
    pub fn assigned(&self, name_span: Span) -> Option<String> {
        self.assigned.get(&name_span.start).cloned().flatten()
    }
}

/// The timeline of the evaluation's assignments (see the module's comment).
pub fn replay(evaluation: &Evaluation, prelude: &Prelude) -> Timeline {
    let mut tl = Timeline {
        initial: prelude.env(),
        events: HashMap::new(),
        assigned: HashMap::new(),
    };
    for ev in &evaluation.events {
        match &ev.kind {
            EventKind::Assign {
                name,
                value,
                span,
                end,
            } => {
                tl.assigned.insert(span.start, Some(value.clone()));
                tl.push(name, *end, Some(value.clone()), Origin::Here(*span));
            }
            EventKind::Unset { name, end } => tl.push(name, *end, None, Origin::Unset),
            EventKind::Command { .. } => {}
        }
    }
    // By offset; a line run several times keeps its last value (stable sort: run order).
    for list in tl.events.values_mut() {
        list.sort_by_key(|(at, _)| *at);
        list.dedup_by(|later, earlier| {
            if later.0 == earlier.0 && later.1.origin == earlier.1.origin {
                *earlier = later.clone();
                true
            } else {
                false
            }
        });
    }
    tl
}

impl Timeline {
    fn push(&mut self, name: &str, at: usize, value: Option<String>, origin: Origin) {
        self.events
            .entry(name.to_string())
            .or_default()
            .push((at, Binding { value, origin }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(text: &str, prelude: &Prelude) -> Timeline {
        let analysis = crate::analyze_with(text, prelude);
        replay(&analysis.evaluation, prelude)
    }

    fn at(text: &str, prelude: &Prelude, name: &str, needle: &str) -> Binding {
        let tl = timeline(text, prelude);
        tl.at(name, text.find(needle).unwrap(), |n| prelude.origin(n))
    }

    #[test]
    fn the_value_in_force_follows_the_model() {
        let text = "A=1\nB=\"$A 2\"\nunset B\nC=( x )\nversion 6\nA=$(hostname)\n";
        let one = at(text, &Prelude::none(), "A", "B=");
        assert_eq!(one.value.as_deref(), Some("1"));
        assert_eq!(one.origin, Origin::Here(Span::new(0, 1)));
        // A value fhc cannot evaluate stops the evaluation: the variable stays as it was.
        assert_eq!(
            at(text, &Prelude::none(), "A", "version").value.as_deref(),
            Some("1")
        );
        assert_eq!(
            at(text, &Prelude::none(), "C", "version").value.as_deref(),
            Some("x")
        );
        assert_eq!(
            at(text, &Prelude::none(), "B", "unset").value.as_deref(),
            Some("1 2")
        );
        assert_eq!(
            at(text, &Prelude::none(), "B", "version").origin,
            Origin::Unset
        );
        let pre = at(text, &Prelude::none(), "PRIVATE_IPV4", "A=1");
        assert_eq!(pre.origin, Origin::Predefined);
    }

    #[test]
    fn the_prelude_comes_first_and_shell_lists_run() {
        let mut p = Prelude::none();
        p.add_defaults("d.conf", "# settings\nA=pre\n");
        let text = "B=$A\ntest -n \"$B\" || A=never\nA=x\n";
        let a = at(text, &p, "A", "B=");
        assert_eq!(a.value.as_deref(), Some("pre"));
        assert_eq!(a.origin, Origin::Prelude(0, Span::new(11, 12)));
        assert_eq!(at(text, &p, "A", "A=x").value.as_deref(), Some("pre"));
        let tl = timeline(text, &p);
        let never = text.find("A=never").unwrap();
        // `test -n "pre"` succeeds: the assignment after `||` does not run.
        assert_eq!(tl.assigned(Span::new(never, never + 1)), None);
    }
}
