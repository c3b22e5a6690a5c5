//! Inlay hints: what the text does not say but the model knows, written after the words it
//! explains.
//!
//! - after a service of `server`/`client`/`route`: the ports its server listens on, from the
//!   definition in force there (built in, the file's `server_X_ports`, or a prelude file's);
//! - after a variable's use: its value there (the same value the model expands);
//! - after a `synproxy` statement: what it protects (the types, TCP ports and families).
//!
//! The ports and synproxy hints come from the model, so they are what `fhc compile` does with
//! the line. A variable's value is the symbol table's: the value in force at that place in
//! source order, as hover shows it. Inside a function or loop that runs with different values,
//! that is the last one before the use in the text, not each run's.

use super::File;
use super::names::Sym;
use crate::Span;
use crate::model::ir::{Service, ServiceDef, Synproxy, SynproxyType};
use std::collections::BTreeMap;

/// Values longer than this are cut, with an ellipsis; the tooltip has them whole.
const LONGEST: usize = 40;

/// What a hint stands for (editors style them apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintKind {
    /// Ports and expansions of a statement (a value the words stand for).
    Type,
    /// A variable's value where it is used.
    Value,
}

/// One hint: `label` shown at `offset` (after the word it explains).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub offset: usize,
    pub label: String,
    pub kind: HintKind,
    /// The whole story, when the label is cut or terse.
    pub tooltip: Option<String>,
}

/// The hints whose place is inside `range`, in source order.
pub fn inlay_hints(file: &File, range: Span) -> Vec<Hint> {
    let inside = |o: usize| range.start <= o && o <= range.end;
    let mut out: BTreeMap<(usize, String), Hint> = BTreeMap::new();
    let mut add = |h: Hint| {
        if inside(h.offset) {
            out.entry((h.offset, h.label.clone())).or_insert(h);
        }
    };
    // Only what is near the range is labelled (a scroll asks for a screenful of a long file).
    let near = |s: Span| s.end >= range.start && s.start <= range.end;
    let model = &file.analysis().model;
    for rule in model.sections.iter().flat_map(|s| &s.rules) {
        for svc in rule.services.iter().filter(|svc| near(svc.span)) {
            add(service_hint(file.text(), svc));
        }
    }
    let synproxies: Vec<&Synproxy> = model.synproxies.iter().filter(|s| near(s.span)).collect();
    for h in synproxy_hints(&synproxies) {
        add(h);
    }
    for h in variable_hints(file, near) {
        add(h);
    }
    out.into_values().collect()
}

fn cut(s: &str) -> (String, Option<String>) {
    if s.chars().count() <= LONGEST {
        return (s.to_string(), None);
    }
    let short: String = s.chars().take(LONGEST - 1).collect();
    (format!("{short}…"), Some(s.to_string()))
}

/// Where a service's name is written: a list word (`"http ssh"`) holds several, and a name
/// that comes from a variable (`"$SERVICES"`) is not written at all.
fn name_span(text: &str, svc: &Service) -> Option<Span> {
    let raw = text.get(svc.span.range())?;
    let sep =
        |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || matches!(c, ',' | '"' | '\''));
    raw.match_indices(svc.name.as_str())
        .find(|&(i, n)| sep(raw[..i].chars().next_back()) && sep(raw[i + n.len()..].chars().next()))
        .map(|(i, n)| Span::new(svc.span.start + i, svc.span.start + i + n.len()))
}

fn service_hint(text: &str, svc: &Service) -> Hint {
    let (label, tooltip) = match &svc.def {
        ServiceDef::Simple { server, .. } => {
            let ports: Vec<String> = server.iter().map(ToString::to_string).collect();
            cut(&ports.join(" "))
        }
        ServiceDef::Complex(c) => {
            let summary = c.summary();
            let head = summary.split([',', '(', ':']).next().unwrap_or(summary);
            let (short, _) = cut(head.trim());
            (short, Some(summary.to_string()))
        }
    };
    let (offset, label) = match name_span(text, svc) {
        Some(at) => (at.end, format!(": {label}")),
        None => (svc.span.end, format!("{}: {label}", svc.name)),
    };
    Hint {
        offset,
        label,
        kind: HintKind::Type,
        tooltip,
    }
}

/// One hint per statement: a statement without `ipv4`/`ipv6` is one model entry per family.
fn synproxy_hints(all: &[&Synproxy]) -> Vec<Hint> {
    let mut by_stmt: BTreeMap<usize, Vec<&Synproxy>> = BTreeMap::new();
    for sp in all {
        by_stmt.entry(sp.span.end).or_default().push(sp);
    }
    by_stmt
        .into_iter()
        .map(|(end, sps)| {
            let sp = sps[0];
            let types: Vec<&str> = sp
                .types
                .iter()
                .map(|t| match t {
                    SynproxyType::Input => "input",
                    SynproxyType::Forward => "forward",
                })
                .collect();
            let ports = match &sp.matches.dport {
                Some(c) => {
                    let p: Vec<String> = c.values.iter().map(ToString::to_string).collect();
                    let not = if c.negated { "not " } else { "" };
                    format!("tcp/{not}{}", p.join(","))
                }
                None => "every TCP port".to_string(),
            };
            // A statement in a function called twice is here twice per family.
            let mut families: Vec<&str> = sps.iter().map(|s| s.family.name()).collect();
            families.sort_unstable();
            families.dedup();
            let label = format!("⇒ {} {ports} ({})", types.join("+"), families.join(", "));
            let (label, tooltip) = cut(&label);
            Hint {
                offset: end,
                label,
                kind: HintKind::Type,
                tooltip,
            }
        })
        .collect()
}

fn variable_hints(file: &File, near: impl Fn(Span) -> bool) -> Vec<Hint> {
    let names = file.names();
    let text = file.text();
    names
        .all()
        .iter()
        .filter(|o| !o.def && matches!(o.sym, Sym::Variable(_)) && near(o.span))
        .filter_map(|o| {
            let value = names.binding(o)?.value?;
            let (label, tooltip) = cut(&value);
            Some(Hint {
                offset: expansion_end(text, o.span),
                label: format!("= {label}"),
                kind: HintKind::Value,
                tooltip,
            })
        })
        .collect()
}

/// The end of the expansion around a variable's name: after the `}` of `${NAME...}`.
fn expansion_end(text: &str, name: Span) -> usize {
    let braced = name.start >= 2 && text.get(name.start - 2..name.start) == Some("${");
    if !braced {
        return name.end;
    }
    let rest = text.get(name.end..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    line.find('}').map_or(name.end, |i| name.end + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Prelude;
    use std::sync::Arc;

    fn hints(text: &str) -> Vec<(String, String)> {
        let f = File::alone(text);
        inlay_hints(&f, Span::new(0, text.len()))
            .into_iter()
            .map(|h| {
                (
                    text[..h.offset]
                        .rsplit([' ', '\n'])
                        .next()
                        .unwrap()
                        .to_string(),
                    h.label,
                )
            })
            .collect()
    }

    #[test]
    fn services_show_their_server_ports() {
        let text = "interface eth0 lan\n    server \"http ssh\" accept\n    client dns accept\n    server ping accept\n";
        let h = hints(text);
        assert_eq!(
            h,
            [
                ("\"http".to_string(), ": tcp/80".to_string()),
                ("ssh".into(), ": tcp/22".into()),
                ("dns".into(), ": udp/53 tcp/53".into()),
                ("ping".into(), ": ICMP echo-request/echo-reply".into()),
            ]
        );
        let via = "S=\"http ssh\"\ninterface eth0 lan\n    server \"$S\" accept\n";
        let labels: Vec<String> = hints(via).into_iter().map(|h| h.1).collect();
        assert!(labels.contains(&"http: tcp/80".to_string()), "{labels:?}");
        assert!(labels.contains(&"ssh: tcp/22".to_string()), "{labels:?}");
    }

    #[test]
    fn user_services_use_the_definition_in_force() {
        let conf = "interface eth0 lan\n    server app accept\n";
        let mut p = Prelude::none();
        p.add_defaults(
            "d.conf",
            "server_app_ports=\"tcp/8080 udp/8081\"\nclient_app_ports=default\n",
        );
        let f = File::new(conf.to_string(), Arc::new(p));
        let h = inlay_hints(&f, Span::new(0, conf.len()));
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].label, ": tcp/8080 udp/8081");
        assert_eq!(&conf[..h[0].offset], "interface eth0 lan\n    server app");
    }

    #[test]
    fn variables_show_their_value_where_used() {
        let text = "LAN=10.0.0.0/8\ninterface eth0 lan src \"${LAN}\"\n    server ssh accept src $LAN\nLAN=192.168.0.0/16\ninterface eth1 x src $LAN\n";
        let f = File::alone(text);
        let h: Vec<Hint> = inlay_hints(&f, Span::new(0, text.len()))
            .into_iter()
            .filter(|h| h.kind == HintKind::Value)
            .collect();
        let got: Vec<(&str, &str)> = h
            .iter()
            .map(|h| (&text[h.offset - 1..h.offset], h.label.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("}", "= 10.0.0.0/8"),
                ("N", "= 10.0.0.0/8"),
                ("N", "= 192.168.0.0/16")
            ]
        );
    }

    #[test]
    fn a_service_name_is_found_as_a_whole_word() {
        let text = "interface eth0 lan\n    server \"https  http\" accept\n";
        let f = File::alone(text);
        let h = inlay_hints(&f, Span::new(0, text.len()));
        let after: Vec<&str> = h.iter().map(|h| &text[..h.offset]).collect();
        assert!(after.iter().any(|a| a.ends_with("\"https")), "{h:?}");
        assert!(after.iter().any(|a| a.ends_with("  http")), "{h:?}");
    }

    #[test]
    fn a_synproxy_in_a_function_called_twice_names_each_family_once() {
        let text = "f() {\n    synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\n}\nf\nf\n";
        let f = File::alone(text);
        let h = inlay_hints(&f, Span::new(0, text.len()));
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].label, "⇒ input tcp/80 (IPv4)");
    }

    #[test]
    fn synproxy_shows_what_it_protects() {
        let text = "synproxy input dst 1.2.3.4 dport \"80 443\" accept\nipv4 synproxy in,pass inface eth0 accept\n";
        let f = File::alone(text);
        let h: Vec<String> = inlay_hints(&f, Span::new(0, text.len()))
            .into_iter()
            .map(|h| h.label)
            .collect();
        assert_eq!(
            h,
            [
                "⇒ input tcp/80,443 (IPv4)",
                "⇒ input+forward every TCP port (IPv4)"
            ],
            "an IPv4 address makes the first IPv4 only"
        );
    }

    #[test]
    fn only_the_range_asked_for_and_long_values_are_cut() {
        let long = "10.0.0.1 ".repeat(10);
        let text = format!("A=\"{long}\"\ninterface eth0 lan src \"$A\"\n    server ssh accept\n");
        let f = File::alone(&text);
        let first_line = Span::new(0, text.find('\n').unwrap());
        assert!(inlay_hints(&f, first_line).is_empty());
        let all = inlay_hints(&f, Span::new(0, text.len()));
        let v = all.iter().find(|h| h.kind == HintKind::Value).unwrap();
        assert!(v.label.ends_with('…') && v.label.chars().count() <= LONGEST + 2);
        assert_eq!(v.tooltip.as_deref(), Some(long.as_str()));
    }
}
