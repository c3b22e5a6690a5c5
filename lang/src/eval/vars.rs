//! The shell's variables: scalars and indexed arrays, `readonly`, and bash's dynamic scoping of
//! `local` (a function's locals are seen by the functions it calls, and put back when it returns).

use crate::hash::FastMap;
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    /// An indexed array (`NAME=(a b c)`); `$NAME` is its first element, as in bash.
    Array(Vec<String>),
}

impl Value {
    /// `$NAME`: a scalar, or an array's element 0.
    pub fn scalar(&self) -> &str {
        match self {
            Value::Scalar(s) => s,
            Value::Array(a) => a.first().map_or("", String::as_str),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub value: Value,
    pub readonly: bool,
    /// The assignment that set it (its name), when it is in this file.
    pub at: Option<Span>,
}

#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: FastMap<String, Var>,
    /// One frame per function call: the values `local` hid, put back on return.
    saved: Vec<FastMap<String, Option<Var>>>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.map.get(name)
    }

    pub fn scalar(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|v| v.value.scalar())
    }

    pub fn is_readonly(&self, name: &str) -> bool {
        self.map.get(name).is_some_and(|v| v.readonly)
    }

    /// Sets a variable (keeping `readonly`; the caller checks it first).
    pub fn set(&mut self, name: &str, value: Value, at: Option<Span>) {
        let readonly = self.is_readonly(name);
        self.map.insert(
            name.to_string(),
            Var {
                value,
                readonly,
                at,
            },
        );
    }

    pub fn set_readonly(&mut self, name: &str) {
        match self.map.get_mut(name) {
            Some(v) => v.readonly = true,
            None => {
                self.map.insert(
                    name.to_string(),
                    Var {
                        value: Value::Scalar(String::new()),
                        readonly: true,
                        at: None,
                    },
                );
            }
        }
    }

    pub fn unset(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// Enters a function: later `local`s are undone by [`Vars::pop_frame`].
    pub fn push_frame(&mut self) {
        self.saved.push(FastMap::default());
    }

    pub fn pop_frame(&mut self) {
        if let Some(frame) = self.saved.pop() {
            for (name, old) in frame {
                match old {
                    Some(v) => {
                        self.map.insert(name, v);
                    }
                    None => {
                        self.map.remove(&name);
                    }
                }
            }
        }
    }

    /// `local NAME`: hides the current value until the function returns. False outside a
    /// function (bash refuses `local` there).
    pub fn make_local(&mut self, name: &str) -> bool {
        let current = self.map.get(name).cloned();
        let Some(frame) = self.saved.last_mut() else {
            return false;
        };
        frame.entry(name.to_string()).or_insert(current);
        true
    }

    pub fn in_function(&self) -> bool {
        !self.saved.is_empty()
    }
}
