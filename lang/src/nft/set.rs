//! Named sets in nft JSON: their declaration and their elements.

use super::json::Expr;
use serde_json::{Value, json};

/// A named set: the traps' and hashlimits' dynamic sets, and the ipsets with their elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Set {
    pub name: String,
    /// One type, or several for a concatenation.
    pub kind: Vec<&'static str>,
    pub flags: Vec<&'static str>,
    pub timeout: Option<u64>,
    pub size: Option<u64>,
    /// Per-element packet and byte counters.
    pub counter: bool,
    pub elements: Vec<SetElem>,
    /// `prevent_reset_on_restart`, or a set filled outside the configuration: an apply keeps the
    /// live set's elements instead of these (not part of the ruleset; the CLI reads it).
    pub keep: bool,
}

/// An element of a named set, with its own timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetElem {
    pub key: Expr,
    pub timeout: Option<u64>,
}

impl SetElem {
    pub fn to_json(&self) -> Value {
        match self.timeout {
            Some(t) => json!({"elem": {"val": self.key.to_json(), "timeout": t}}),
            None => self.key.to_json(),
        }
    }
}

impl Set {
    /// The `add set` object of table `tab` of family `fam`.
    pub fn to_json(&self, fam: &str, tab: &str) -> Value {
        let s = self;
        let mut m = serde_json::Map::new();
        m.insert("family".into(), json!(fam));
        m.insert("table".into(), json!(tab));
        m.insert("name".into(), json!(s.name));
        m.insert(
            "type".into(),
            if s.kind.len() == 1 {
                json!(s.kind[0])
            } else {
                json!(s.kind)
            },
        );
        if !s.flags.is_empty() {
            m.insert("flags".into(), json!(s.flags));
        }
        if let Some(t) = s.timeout {
            m.insert("timeout".into(), json!(t));
        }
        if let Some(n) = s.size {
            m.insert("size".into(), json!(n));
        }
        if s.counter {
            m.insert("stmt".into(), json!([{"counter": null}]));
        }
        if !s.elements.is_empty() {
            let elems: Vec<Value> = s.elements.iter().map(SetElem::to_json).collect();
            m.insert("elem".into(), Value::Array(elems));
        }
        Value::Object(m)
    }
}
