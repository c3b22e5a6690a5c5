//! The shell's variables: scalars and indexed arrays, `readonly`, and bash's dynamic scoping of
//! `local` (a function's locals are seen by the functions it calls, and put back when it returns).

use crate::hash::FastMap;
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    /// An indexed array (`NAME=(a b c)`), sparse as bash's (`A[5]=x`, `unset 'A[1]'`); `$NAME`
    /// is its element 0.
    Array(std::collections::BTreeMap<usize, String>),
}

impl Value {
    /// `$NAME`: a scalar, or an array's element 0.
    pub fn scalar(&self) -> &str {
        match self {
            Value::Scalar(s) => s,
            Value::Array(a) => a.get(&0).map_or("", String::as_str),
        }
    }

    /// The elements in index order (a scalar is an array of one).
    pub fn items(&self) -> Vec<String> {
        match self {
            Value::Scalar(s) => vec![s.clone()],
            Value::Array(a) => a.values().cloned().collect(),
        }
    }

    /// The elements by index (a scalar is element 0).
    pub fn indexed(self) -> std::collections::BTreeMap<usize, String> {
        match self {
            Value::Scalar(s) => [(0, s)].into_iter().collect(),
            Value::Array(a) => a,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub value: Value,
    pub readonly: bool,
    /// `declare -i`: assignments are evaluated as arithmetic.
    pub integer: bool,
    /// The assignment that set it (its name), when it is in this file.
    pub at: Option<Span>,
}

#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: FastMap<String, Var>,
    /// Variables whose value needs the host (`IP=$(ip ...)`, reported there): what uses them is
    /// skipped, not evaluated with a wrong value, and the rest of the file still runs.
    unknown: std::collections::HashSet<String>,
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

    pub fn is_unknown(&self, name: &str) -> bool {
        self.unknown.contains(name)
    }

    /// The value of `name` is only known on the host (already reported).
    pub fn set_unknown(&mut self, name: &str) {
        self.map.remove(name);
        self.unknown.insert(name.to_string());
    }

    pub fn is_integer(&self, name: &str) -> bool {
        self.map.get(name).is_some_and(|v| v.integer)
    }

    /// Sets a variable (keeping `readonly` and `integer`; the caller checks `readonly` first).
    pub fn set(&mut self, name: &str, value: Value, at: Option<Span>) {
        self.unknown.remove(name);
        let (readonly, integer) = self
            .map
            .get(name)
            .map_or((false, false), |v| (v.readonly, v.integer));
        self.map.insert(
            name.to_string(),
            Var {
                value,
                readonly,
                integer,
                at,
            },
        );
    }

    /// `declare -i NAME` (an unset NAME becomes set, empty: fhc has no "declared, unset").
    pub fn set_integer(&mut self, name: &str) {
        match self.map.get_mut(name) {
            Some(v) => v.integer = true,
            None => {
                self.map.insert(
                    name.to_string(),
                    Var {
                        value: Value::Scalar(String::new()),
                        readonly: false,
                        integer: true,
                        at: None,
                    },
                );
            }
        }
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
                        integer: false,
                        at: None,
                    },
                );
            }
        }
    }

    pub fn unset(&mut self, name: &str) {
        self.map.remove(name);
        self.unknown.remove(name);
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
