//! Assignments: `NAME=value`, `NAME+=value`, `NAME[i]=value`, `NAME=(a b)`, `unset`, and the
//! defines that pin a variable.

use super::run::{Flow, Runner};
use super::vars::Value;
use super::{EventKind, size};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

/// bash's default IFS: words split at blanks.
pub(super) const DEFAULT_IFS: &str = " \t\n";

impl<'a> Runner<'a> {
    pub(super) fn assign(&mut self, a: &Assignment) -> bool {
        if self.vars.is_readonly(&a.name) {
            self.readonly_error(a.name_span, &a.name);
            return true;
        }
        let at = self.at(a.name_span);
        if let Some(arr) = a.array {
            return self.assign_array(a, arr, at);
        }
        let Some(mut value) = (match &a.value {
            Some(w) => self.assigned_value(&a.name, w),
            None => Some(String::new()),
        }) else {
            return false;
        };
        if self.uncertain {
            // Made from a value only the host knows: so is this one.
            self.vars.set_unknown(&a.name);
            return true;
        }
        let end = self
            .at(a.value.as_ref().map_or(a.name_span, |w| w.span))
            .end;
        let current = self.vars.get(&a.name).map(|v| v.value.clone());
        if self.vars.is_integer(&a.name) {
            match self.arith_expanded(&value, a.name_span) {
                Some(v) => value = v.to_string(),
                None => return false,
            }
        }
        if a.name == "IFS" && value != DEFAULT_IFS {
            self.report(
                Diagnostic::new(
                    Code::UnsupportedExpansion,
                    a.name_span,
                    "fhc splits words at blanks only: another IFS is not evaluated",
                )
                .with_label("IFS changed")
                .with_help("split lists with ${V//,/ } instead"),
            );
            return false;
        }
        // `A[i]=v`, `A+=v`, and `A=v` on an array (its element 0), as bash.
        let index = match &a.index {
            Some(i) => match self.arith(i, a.name_span) {
                Some(i) => Some(i),
                None => return false,
            },
            None => matches!(current, Some(Value::Array(_))).then_some(0),
        };
        match index {
            Some(i) => {
                let mut items = current.map(Value::indexed).unwrap_or_default();
                let Ok(i) = usize::try_from(i) else {
                    return self.bad_index(a);
                };
                if i >= self.limits.value_bytes {
                    return self.bad_index(a);
                }
                let slot = items.entry(i).or_default();
                if a.append {
                    slot.push_str(&value);
                } else {
                    *slot = value;
                }
                self.set_array(&a.name, items, at, end);
                true
            }
            None => {
                if a.append {
                    let old = current.as_ref().map_or("", Value::scalar);
                    value = if self.vars.is_integer(&a.name) {
                        let sum =
                            old.parse::<i64>().unwrap_or(0) + value.parse::<i64>().unwrap_or(0);
                        sum.to_string()
                    } else {
                        format!("{old}{value}")
                    };
                }
                self.set_scalar(&a.name, value, at, end)
            }
        }
    }

    fn bad_index(&mut self, a: &Assignment) -> bool {
        self.report(
            Diagnostic::new(
                Code::ShellArray,
                a.name_span,
                format!("`{}`: an array index fhc does not evaluate", a.name),
            )
            .with_label("negative or too large"),
        );
        false
    }

    /// `NAME=(a b c)` and `NAME+=(d)`.
    fn assign_array(&mut self, a: &Assignment, arr: Span, at: Span) -> bool {
        if !self.src.text[arr.range()].ends_with(')') {
            self.report(
                Diagnostic::new(
                    Code::SyntaxError,
                    arr,
                    format!("the array `{}` is not closed with `)`", a.name),
                )
                .with_label("opened here")
                .with_help("close the list with `)`"),
            );
            return false;
        }
        let mut words: Vec<&'a Word> = self.words_in(Span::new(arr.start + 1, arr.end));
        let mut items = match (a.append, self.vars.get(&a.name)) {
            (true, Some(v)) => v.value.clone().indexed(),
            _ => Default::default(),
        };
        // Appended elements go after the highest index, as in bash.
        let mut next = items.keys().next_back().map_or(0, |k| k + 1);
        // A define pins the array too (`IPS=( $(hostname -I) )`): its words are the elements.
        if let Some(v) = self.defines.get(&a.name) {
            for word in v.split_whitespace() {
                items.insert(next, word.to_string());
                next += 1;
            }
            words.clear();
        }
        for w in words {
            match self.fields(w) {
                Some(f) => {
                    for field in f {
                        items.insert(next, field.text);
                        next += 1;
                    }
                }
                None => return false,
            }
        }
        let end = self.at(arr).end;
        self.set_array(&a.name, items, at, end);
        true
    }

    /// Sets an array and tells the model (its `$NAME`, element 0).
    fn set_array(
        &mut self,
        name: &str,
        items: std::collections::BTreeMap<usize, String>,
        at: Span,
        end: usize,
    ) {
        let first = items.get(&0).cloned().unwrap_or_default();
        self.vars.set(name, Value::Array(items), Some(at));
        self.emit(EventKind::Assign {
            name: name.to_string(),
            value: first,
            span: at,
            end,
        });
    }

    /// The value of `NAME=word`: the word expanded, or, for a variable given with `--define`,
    /// the defined value (a define pins the variable: `WAN_IP=$(ip ...)` takes it without
    /// running anything).
    pub(super) fn assigned_value(&mut self, name: &str, w: &Word) -> Option<String> {
        if let Some(v) = self.defines.get(name) {
            return Some(v.to_string());
        }
        let outer = self.assigning.replace(name.to_string());
        let value = self.string(w);
        self.assigning = outer;
        value
    }

    /// Sets a scalar and tells the model (`at`: the name, `end`: where the assignment ends);
    /// false past the size limit.
    pub(super) fn set_scalar(&mut self, name: &str, value: String, at: Span, end: usize) -> bool {
        if value.len() > self.limits.value_bytes {
            self.limit(
                Span::new(at.start - self.src.base, end - self.src.base),
                format!("`{name}` grew past {}", size(self.limits.value_bytes)),
            );
            return false;
        }
        let value = match self.defines.get(name) {
            Some(pinned) => pinned.to_string(),
            None => value,
        };
        self.vars.set(name, Value::Scalar(value.clone()), Some(at));
        self.emit(EventKind::Assign {
            name: name.to_string(),
            value,
            span: at,
            end,
        });
        true
    }

    pub(super) fn unset(&mut self, words: &'a [Word]) -> Flow {
        let mut functions = false;
        for w in words {
            match w.literal() {
                Some("-f") => functions = true,
                Some("-v") => functions = false,
                Some(n) if functions => {
                    self.functions.remove(n);
                }
                Some(n) if n.contains('[') => {
                    // `unset 'A[1]'`: one element.
                    if let Some((name, _, Some(i))) = crate::syntax::parser::assign_target(n)
                        && let Some(i) = self.arith(i, w.span)
                        && let Some(Value::Array(mut items)) =
                            self.vars.get(name).map(|v| v.value.clone())
                    {
                        if let Ok(i) = usize::try_from(i) {
                            items.remove(&i);
                        }
                        self.vars.set(name, Value::Array(items), None);
                    }
                }
                Some(n) => {
                    if self.vars.is_readonly(n) {
                        self.readonly_error(w.span, n);
                        continue;
                    }
                    self.vars.unset(n);
                    let end = self.at(w.span).end;
                    self.emit(EventKind::Unset {
                        name: n.to_string(),
                        end,
                    });
                }
                None => {}
            }
        }
        self.status = 0;
        Flow::Normal
    }
}
