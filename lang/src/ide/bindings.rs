//! What a variable holds where. The model evaluates the file once, top to bottom, with one
//! environment ([`Env`]): the prelude's variables and FireHOL's predefined ones first, then each
//! top-level assignment (expanded with the variables set before it; a value it cannot evaluate
//! leaves the variable as it was; arrays are skipped) and each `unset`; shell lists and blocks
//! are not run. This module replays exactly those steps with the model's `Env` and records them
//! as a timeline per variable, so that the value at any offset is the one the model expands
//! there, without keeping a copy of the environment per statement.

use crate::Span;
use crate::model::expand::Env;
use crate::prelude::Prelude;
use crate::syntax::Parse;
use crate::syntax::ast::{Assignment, ShellStmt, Stmt, StmtKind};
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

/// Replays the model's evaluation of the file's assignments (see the module's comment).
pub fn replay(parse: &Parse, prelude: &Prelude) -> Timeline {
    let mut env = prelude.env();
    let mut tl = Timeline {
        initial: env.clone(),
        events: HashMap::new(),
        assigned: HashMap::new(),
    };
    for stmt in &parse.file.stmts {
        match &stmt.kind {
            StmtKind::Assignment(list) => {
                for a in list {
                    assign(&mut env, a, &mut tl);
                }
            }
            StmtKind::Unset(words) => {
                for name in words.iter().filter_map(|w| w.literal()) {
                    env.unset(name);
                    tl.push(name, stmt.span.end, None, Origin::Unset);
                }
            }
            StmtKind::Shell(ShellStmt::List { items, .. }) => not_run(&env, items, &mut tl),
            _ => {}
        }
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

/// The value an assignment gives, expanded in `env` (`None`: an array or a value that cannot be
/// evaluated).
fn value_of(env: &Env, a: &Assignment) -> Option<String> {
    if a.array.is_some() {
        return None;
    }
    match &a.value {
        Some(w) => {
            let e = env.expand(w);
            (!e.opaque).then_some(e.text)
        }
        None => Some(String::new()),
    }
}

fn assign(env: &mut Env, a: &Assignment, tl: &mut Timeline) {
    let value = value_of(env, a);
    tl.assigned.insert(a.name_span.start, value.clone());
    if let Some(v) = value {
        env.set(&a.name, v.clone(), a.name_span, 0);
        let end = a.value.as_ref().map_or(a.name_span.end + 1, |w| w.span.end);
        tl.push(&a.name, end, Some(v), Origin::Here(a.name_span));
    }
}

/// Assignments inside shell lists (`test -n "$X" || X=1`): what they would assign, shown at the
/// assignment, but not in force afterwards (the model does not run them).
fn not_run(env: &Env, items: &[Stmt], tl: &mut Timeline) {
    for s in items {
        match &s.kind {
            StmtKind::Assignment(list) => {
                for a in list {
                    tl.assigned.insert(a.name_span.start, value_of(env, a));
                }
            }
            StmtKind::Shell(ShellStmt::List { items, .. }) => not_run(env, items, tl),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, prelude: &Prelude, name: &str, needle: &str) -> Binding {
        let parse = crate::syntax::parse(text);
        let tl = replay(&parse, prelude);
        tl.at(name, text.find(needle).unwrap(), |n| prelude.origin(n))
    }

    #[test]
    fn the_value_in_force_follows_the_model() {
        let text = "A=1\nB=\"$A 2\"\nA=$(hostname)\nunset B\nC=( x )\nversion 6\n";
        let one = at(text, &Prelude::none(), "A", "B=");
        assert_eq!(one.value.as_deref(), Some("1"));
        assert_eq!(one.origin, Origin::Here(Span::new(0, 1)));
        // A value the model cannot evaluate leaves the variable as it was.
        assert_eq!(
            at(text, &Prelude::none(), "A", "version").value.as_deref(),
            Some("1")
        );
        assert_eq!(
            at(text, &Prelude::none(), "B", "A=$").value.as_deref(),
            Some("1 2")
        );
        assert_eq!(
            at(text, &Prelude::none(), "B", "version").origin,
            Origin::Unset
        );
        assert_eq!(
            at(text, &Prelude::none(), "C", "version").origin,
            Origin::Unset
        );
        let pre = at(text, &Prelude::none(), "PRIVATE_IPV4", "A=1");
        assert_eq!(pre.origin, Origin::Predefined);
    }

    #[test]
    fn the_prelude_comes_first_and_shell_lists_are_not_run() {
        let mut p = Prelude::none();
        p.add_defaults("d.conf", "# settings\nA=pre\n");
        let text = "B=$A\ntest -n \"$B\" || A=never\nA=x\n";
        let a = at(text, &p, "A", "B=");
        assert_eq!(a.value.as_deref(), Some("pre"));
        assert_eq!(a.origin, Origin::Prelude(0, Span::new(11, 12)));
        assert_eq!(at(text, &p, "A", "A=x").value.as_deref(), Some("pre"));
        let parse = crate::syntax::parse(text);
        let tl = replay(&parse, &p);
        let never = text.find("A=never").unwrap();
        assert_eq!(
            tl.assigned(Span::new(never, never + 1)).as_deref(),
            Some("never")
        );
    }
}
