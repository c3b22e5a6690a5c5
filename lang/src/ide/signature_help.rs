//! Signature help: while a statement is typed, the command's usage line in FireHOL's order with
//! the place the cursor is at picked out, and what goes there. The signatures are the
//! vocabulary's ([`crate::syntax::signatures`]); this module only finds the command and the
//! place. A command with several forms offers them all, the one its first word selects active.

use super::File;
use super::completion;
use crate::syntax::keywords::{self, Cmd};
use crate::syntax::signatures::{Place, Signature};

/// One form, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub label: &'static str,
    /// What the command does.
    pub doc: &'static str,
    /// Each place: where it is in the label (byte offsets) and what goes there.
    pub params: Vec<((usize, usize), &'static str)>,
}

/// The forms of the command at the cursor, the active one, and its active place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Help {
    pub forms: Vec<Form>,
    pub active_form: usize,
    pub active_param: usize,
}

/// The help at `offset`: `None` outside a command's arguments (on the command word itself, in
/// a comment, on a blank line).
pub fn signature_help(file: &File, offset: usize) -> Option<Help> {
    let ctx = completion::context(file, offset, &[]);
    let (first, args) = ctx.prev.split_first()?;
    let (cmd, _) = first.bare().and_then(keywords::command)?;
    let words: Vec<&str> = args
        .iter()
        .map(|w| w.literal().unwrap_or("\"…\""))
        .collect();
    let all: Vec<&Signature> = Signature::of(cmd).collect();
    let active_form = pick_form(&all, &words);
    let active_param = place_of_next(all[active_form], &words);
    let forms = all
        .iter()
        .map(|s| Form {
            label: s.label,
            doc: cmd.meaning(),
            params: s
                .ranges()
                .into_iter()
                .zip(s.params.iter().map(|p| p.1))
                .collect(),
        })
        .collect();
    Some(Help {
        forms,
        active_form,
        active_param,
    })
}

/// The form whose required keywords the words say most (`group end`, `connmark 1 interface
/// eth0`; the first place's keyword only as the first word); else one without required
/// keywords; else the first.
fn pick_form(forms: &[&Signature], words: &[&str]) -> usize {
    let said = |s: &Signature| -> usize {
        s.required_keywords()
            .filter(|(i, p)| match i {
                0 => words.first().is_some_and(|w| p.opened_by(w)),
                _ => words.iter().skip(1).any(|w| p.opened_by(w)),
            })
            .count()
    };
    let best = (0..forms.len())
        .filter(|&i| said(forms[i]) > 0)
        .max_by_key(|&i| (said(forms[i]), std::cmp::Reverse(i)));
    best.or_else(|| {
        forms
            .iter()
            .position(|s| s.required_keywords().next().is_none())
    })
    .unwrap_or(0)
}

/// Whether `word` opens place `i` of `sig` (ending the rest-of-the-words place before it).
fn opens(sig: &Signature, i: usize, word: &str) -> bool {
    let Some((text, _)) = sig.params.get(i) else {
        return false;
    };
    let place = Place::of(text);
    match place.literal {
        Some(_) => place.opened_by(word),
        None => {
            sig.cmd == Cmd::Synproxy
                && *text == "ACTION"
                && keywords::SYNPROXY_VERBS
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(word))
        }
    }
}

/// The place the word after `words` goes to.
fn place_of_next(sig: &Signature, words: &[&str]) -> usize {
    let places: Vec<Place> = sig.params.iter().map(|(p, _)| Place::of(p)).collect();
    let Some(last) = places.len().checked_sub(1) else {
        return 0;
    };
    let (mut p, mut taken) = (0, 0);
    // A verdict's `with` clause (`reject with tcp-reset`) belongs to the ACTION place.
    let mut with_clause = false;
    for w in words {
        if with_clause {
            (with_clause, p, taken) = (false, p + 1, 0);
            continue;
        }
        if taken == 0 && p > 0 && sig.params[p - 1].0 == "ACTION" && w.eq_ignore_ascii_case("with")
        {
            (with_clause, p) = (true, p - 1);
            continue;
        }
        while p <= last {
            let place = places[p];
            if place.rest {
                if opens(sig, p + 1, w) {
                    (p, taken) = (p + 1, 0);
                    continue;
                }
                break;
            }
            if taken == 0 && place.optional {
                let absent = match place.literal {
                    Some(_) => !place.opened_by(w),
                    None => keywords::param(w).is_some(),
                };
                if absent {
                    p += 1;
                    continue;
                }
            }
            taken += 1;
            if taken >= place.words {
                (p, taken) = (p + 1, 0);
            }
            break;
        }
    }
    p.min(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The active place's text at the `|` marker, and the active form's label.
    fn at(text_with_cursor: &str) -> Option<(&'static str, String)> {
        let offset = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replace('|', "");
        let h = signature_help(&File::alone(&text), offset)?;
        let form = &h.forms[h.active_form];
        let (s, e) = form.params[h.active_param].0;
        Some((form.label, form.label[s..e].to_string()))
    }

    fn place(text_with_cursor: &str) -> String {
        at(text_with_cursor).map(|(_, p)| p).unwrap_or_default()
    }

    #[test]
    fn server_places_in_order() {
        assert_eq!(place("interface eth0 lan\n    server |"), "SERVICES");
        assert_eq!(place("interface eth0 lan\n    server ht|"), "SERVICES");
        assert_eq!(place("interface eth0 lan\n    server http |"), "ACTION");
        assert_eq!(
            place("interface eth0 lan\n    server http accept src |"),
            "RULE_PARAMS..."
        );
        let (label, p) = at("interface eth0 lan\n    server custom app |").unwrap();
        assert_eq!(
            (label, p.as_str()),
            (
                "server custom NAME SERVER_PORTS CLIENT_PORTS ACTION RULE_PARAMS...",
                "SERVER_PORTS"
            )
        );
    }

    #[test]
    fn synproxy_rule_params_end_at_the_action() {
        assert_eq!(place("synproxy |"), "TYPE");
        assert_eq!(place("ipv4 synproxy input |"), "RULE_PARAMS...");
        assert_eq!(
            place("synproxy input inface eth0 dst 1.2.3.4 |"),
            "RULE_PARAMS..."
        );
        assert_eq!(
            place("synproxy input inface eth0 dnat |"),
            "[ACTION_OPTIONS...]"
        );
        assert_eq!(
            place("synproxy input inface eth0 dnat to 10.0.0.1 |"),
            "[ACTION_OPTIONS...]"
        );
        assert_eq!(
            place("synproxy in inface eth0 acc|"),
            "RULE_PARAMS...",
            "a word being typed is not an action yet"
        );
    }

    #[test]
    fn optional_places_are_skipped_when_absent() {
        assert_eq!(place("dnat |"), "[to]");
        assert_eq!(place("dnat to |"), "TARGETS");
        assert_eq!(place("dnat 10.0.0.1 |"), "RULE_PARAMS...");
        assert_eq!(place("mark 1 |"), "[WHERE]");
        assert_eq!(place("mark 1 src 10.0.0.1 |"), "RULE_PARAMS...");
        assert_eq!(place("tproxy 80 port |"), "port PROXY_PORT");
        assert_eq!(place("tproxy 80 port 3128 |"), "[ip IP]");
        assert_eq!(
            place("blacklist them 1.2.3.4 except |"),
            "[except EXCEPT_PARAMS...]"
        );
    }

    #[test]
    fn forms_are_picked_by_their_keyword() {
        let text = "interface eth0 lan\n    group end";
        let h = signature_help(&File::alone(text), text.len()).unwrap();
        assert_eq!(h.forms.len(), 2);
        assert_eq!(h.forms[h.active_form].label, "group with RULE_PARAMS...");
        let (label, _) = at("interface eth0 lan\n    group end |").unwrap();
        assert_eq!(label, "group end");
        let (label, p) = at("ipset addfile bad |").unwrap();
        assert_eq!(
            (label, p.as_str()),
            ("ipset addfile NAME [ip|net] FILE [OPTIONS...]", "[ip|net]")
        );
        let (label, _) = at("interface eth0 lan\n    group close |").unwrap();
        assert_eq!(label, "group end", "a synonym picks its form");
        let (label, p) = at("blacklist him 1.2.3.4 |").unwrap();
        assert_eq!(
            (label, p.as_str()),
            ("blacklist them IPS... [except EXCEPT_PARAMS...]", "IPS...")
        );
        let (label, p) = at("connmark 1 interface |").unwrap();
        assert_eq!(
            (label, p.as_str()),
            (
                "connmark VALUE interface IFACE RULE_PARAMS...",
                "interface IFACE"
            )
        );
        assert_eq!(place("postprocess /bin/true |"), "[ARGS...]");
        assert_eq!(place("postprocess -ne |"), "COMMAND");
        let (label, p) = at("ipset addfile bad net |").unwrap();
        assert_eq!(
            (label, p.as_str()),
            ("ipset addfile NAME [ip|net] FILE [OPTIONS...]", "FILE")
        );
    }

    #[test]
    fn nothing_outside_arguments() {
        assert!(at("|").is_none());
        assert!(at("inter|").is_none());
        assert!(at("# server |").is_none());
        assert!(at("not_a_command |").is_none());
    }
}
