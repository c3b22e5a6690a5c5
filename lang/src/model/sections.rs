//! Sections: `interface` and `router` headers (interfaces, faces, families, policy) and the
//! close of a section (its rules are complete).

use super::build::*;
use super::ir::{FacesGiven, Families, Protection, ProtectionCheck, Section, SectionKind};
use super::values::{self, split_list};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

impl Builder<'_> {
    /// Closes the open section. FireHOL gives a section without `policy` the value of
    /// DEFAULT_INTERFACE_POLICY / DEFAULT_ROUTER_POLICY at this point (the configuration or the
    /// defaults file may set them, `REJECT` or `reject with tcp-reset` for instance).
    pub(super) fn close_section(&mut self) {
        self.groups.clear();
        let Some(i) = self.section.take() else { return };
        if self.model.sections[i].policy.is_some() {
            return;
        }
        let var = match self.model.sections[i].kind {
            SectionKind::Interface => "DEFAULT_INTERFACE_POLICY",
            SectionKind::Router => "DEFAULT_ROUTER_POLICY",
        };
        let Some((value, at)) = self
            .env
            .get(var)
            .filter(|v| v.user)
            .map(|v| (v.value.clone(), v.defined_at))
        else {
            return;
        };
        let cached = self
            .default_policies
            .iter()
            .find(|(v, a, _)| *v == value && *a == at)
            .map(|(.., action)| action.clone());
        let action = match cached {
            // The same action, from this section (a value without an assignment in this file
            // would otherwise name the first section that took it in the rules' comments).
            Some(mut action) => {
                if at.is_none() {
                    action.span = self.model.sections[i].span;
                }
                action
            }
            None => {
                // The words are not in this file's text: diagnostics point at the assignment
                // (or the section, for a defaults file's value) and offer no text fix.
                let span = at.unwrap_or(self.model.sections[i].span);
                let words: Vec<(String, Span)> = value
                    .split_whitespace()
                    .map(|w| (w.to_string(), span))
                    .collect();
                let Some((verb, _)) = words.first() else {
                    return;
                };
                let with = match words.get(1) {
                    Some((w, _)) if w.eq_ignore_ascii_case("with") || w == "--reject-with" => {
                        &words[2..]
                    }
                    Some((w, _)) => {
                        self.bad_value(
                            span,
                            format!("`{w}` in {var}: expected `VERDICT [with ...]`"),
                        );
                        &[]
                    }
                    None => &[],
                };
                let action = self.verdict_with(verb, None, with, span);
                self.default_policies.push((value, at, action.clone()));
                action
            }
        };
        self.model.sections[i].policy = Some(action);
    }

    /// The interfaces a word names: `Some(None)` for `any` (every interface), `None` when it
    /// cannot be evaluated. An empty list and bad names are errors (FireHOL refuses them; an
    /// empty list read as `any` would widen the statement to every interface).
    pub(super) fn iface_list(&mut self, w: &Word) -> Option<Option<Vec<values::Iface>>> {
        let text = self.expand(w)?;
        let Some(parsed) = values::parse_iface_list(&text) else {
            return Some(None);
        };
        if parsed.is_empty() {
            self.diags.push(
                Diagnostic::new(Code::InvalidValue, w.span, "the interface list is empty")
                    .with_label("expands to nothing")
                    .with_help("name the interface (or `any` for every interface)"),
            );
        }
        let mut list = Vec::new();
        for r in parsed {
            match r {
                Ok(i) => list.push(i),
                Err(e) => self
                    .diags
                    .push(Diagnostic::new(Code::InvalidValue, w.span, e).with_label("interface")),
            }
        }
        Some(Some(list))
    }

    /// FireHOL's masquerade takes its interface from the section (a router's outface, or inface
    /// with `reverse`), else from its argument, and refuses to run without one.
    pub(super) fn check_masquerade_face(&mut self, c: &Command, has_arg: bool, reverse: bool) {
        let missing = match self.section.map(|i| &self.model.sections[i]) {
            // FireHOL takes the router's face, else the argument; a negated face is none.
            Some(s) if s.kind == SectionKind::Router => {
                let (given, face) = if reverse {
                    (s.faces_given.inface, &s.matches.inface)
                } else {
                    (s.faces_given.outface, &s.matches.outface)
                };
                !has_arg && (!given || face.as_ref().is_some_and(|c| c.negated))
            }
            Some(_) => false,
            None => !has_arg,
        };
        if missing {
            let (face, why) = match (self.section.is_some(), reverse) {
                (true, false) => ("outface", "the router names no `outface`"),
                (true, true) => (
                    "inface",
                    "the router names no `inface` (and `reverse` asks for it)",
                ),
                _ => (
                    "interface",
                    "outside a section it needs its interface as argument",
                ),
            };
            self.diags.push(
                Diagnostic::new(
                    Code::MissingArgument,
                    c.span,
                    format!("masquerade has no {face} to work on: {why}"),
                )
                .with_label("no interface")
                .with_help(format!(
                    "give the router `{face} IFACE` (or `{face} any`), or write `masquerade IFACE` before the first section"
                )),
            );
        }
    }

    pub(super) fn open_section(
        &mut self,
        c: &Command,
        kind: SectionKind,
        ifaces: Option<&Word>,
        name: Option<&Word>,
        params: &[Param],
        fams: Families,
    ) {
        self.close_section();
        if self.first_section_stmt.is_none() {
            self.first_section_stmt = Some(c.span);
            self.model.settings.trust_loopback = self
                .env
                .value("FIREHOL_TRUST_LOOPBACK")
                .is_none_or(|v| v != "0");
        }
        if kind == SectionKind::Router {
            self.model.settings.routing = true;
        }
        let Some(name_word) = name else { return };
        let Some(name_text) = self.expand(name_word) else {
            return;
        };
        let prev = self
            .section_names
            .get(&name_text)
            .map(|&i| &self.model.sections[i])
            .filter(|s| {
                s.families.intersect(fams)
                    != Families {
                        v4: false,
                        v6: false,
                    }
            });
        if let Some(prev) = prev {
            self.diags.push(
                Diagnostic::new(
                    Code::DuplicateSection,
                    name_word.span,
                    format!("a section named `{name_text}` already exists"),
                )
                .with_label("duplicate name")
                .with_secondary(prev.name_span, "first defined here")
                .with_help("section names must be unique (FireHOL names its chains after them)"),
            );
        }
        // `interface any NAME` (or a list holding `any`): every interface, an empty list.
        let iface_list = ifaces
            .and_then(|w| self.iface_list(w))
            .flatten()
            .unwrap_or_default();
        let faces_given = FacesGiven {
            inface: params.iter().any(|p| p.kind == Some(ParamKind::Inface)),
            outface: params.iter().any(|p| p.kind == Some(ParamKind::Outface)),
        };
        let ps: Vec<&Param> = params.iter().collect();
        let matches = self.build_match(&ps, fams);
        self.section_names
            .entry(name_text.clone())
            .or_insert(self.model.sections.len());
        self.model.sections.push(Section {
            span: c.span,
            kind,
            name: name_text,
            name_span: name_word.span,
            ifaces: iface_list,
            faces_given,
            matches,
            families: fams,
            policy: None,
            protections: vec![],
            rules: vec![],
        });
        self.section = Some(self.model.sections.len() - 1);
    }

    /// `protection [reverse] TYPES [RATE [BURST]]`: the checks FireHOL's type words stand for.
    pub(super) fn protection(&mut self, c: &Command, reverse: bool, args: &[Word], fams: Families) {
        let words: Vec<String> = args.iter().filter_map(|w| self.expand(w)).collect();
        let numeric = |w: &String| w.starts_with(|c: char| c.is_ascii_digit());
        let kinds: Vec<String> = words
            .iter()
            .take_while(|w| !numeric(w))
            .flat_map(|w| split_list(w))
            .map(str::to_ascii_lowercase)
            .collect();
        let rest = &words[words.iter().position(numeric).unwrap_or(words.len())..];
        if kinds.iter().any(|k| k == "connrate") {
            self.diags.push(
                Diagnostic::new(
                    Code::BrokenInFirehol,
                    c.span,
                    "`protection connrate` always fails in FireHOL 3.1.7",
                )
                .with_label("FireHOL never sets its rate"),
            );
        }
        let Some(checks) = self.protection_checks(c, &kinds) else {
            return;
        };
        let Some((rate, burst)) = self.protection_rate(c, rest) else {
            return;
        };
        if let Some(i) = self.section {
            self.model.sections[i].protections.push(Protection {
                reverse,
                checks,
                rate,
                burst,
                families: fams,
                span: c.span,
            });
        }
    }

    /// The checks of the protection type words, in order, once each; `None` after reporting a
    /// type nftables cannot express.
    fn protection_checks(&mut self, c: &Command, kinds: &[String]) -> Option<Vec<ProtectionCheck>> {
        use ProtectionCheck::*;
        let mut checks: Vec<ProtectionCheck> = Vec::new();
        for k in kinds {
            let add: &[ProtectionCheck] = match k.as_str() {
                // These three end the list in FireHOL: what follows them is ignored.
                "none" => break,
                // FireHOL 3.1.7: `bad-packets` is the checks without the flood limits.
                "bad-packets" => &[
                    Invalid,
                    NewTcpWithoutSyn,
                    MalformedXmas,
                    MalformedNull,
                    MalformedBad,
                ],
                "strong" | "full" | "all" => &[
                    Invalid,
                    NewTcpWithoutSyn,
                    IcmpFloods,
                    SynFloods,
                    MalformedXmas,
                    MalformedNull,
                    MalformedBad,
                ],
                "invalid" => &[Invalid],
                "fragments" => &[],
                "new-tcp-w/o-syn" => &[NewTcpWithoutSyn],
                "icmp-floods" => &[IcmpFloods],
                "syn-floods" => &[SynFloods],
                "all-floods" => &[AllFloods],
                "malformed-xmas" => &[MalformedXmas],
                "malformed-null" => &[MalformedNull],
                "malformed-bad" => &[MalformedBad],
                other => {
                    self.untranslatable(
                        c.span,
                        format!("protection `{other}` cannot be compiled to nftables"),
                    );
                    return None;
                }
            };
            for a in add {
                if !checks.contains(a) {
                    checks.push(*a);
                }
            }
            if matches!(k.as_str(), "bad-packets" | "strong" | "full" | "all") {
                break;
            }
        }
        Some(checks)
    }

    /// The flood limits' `RATE [BURST]` (100/sec and 50 when not given); `None` after reporting
    /// an invalid one.
    fn protection_rate(&mut self, c: &Command, rest: &[String]) -> Option<(values::Rate, u64)> {
        let rate = match rest.first() {
            None => values::Rate {
                n: 100,
                per: values::Per::Second,
            },
            Some(r) => match values::parse_rate(r) {
                Some(rate) => rate,
                None => {
                    self.bad_value(c.span, format!("`{r}` is not a rate such as 10/sec"));
                    return None;
                }
            },
        };
        let burst = match rest.get(1) {
            None => 50,
            Some(b) => match b.parse::<u64>() {
                Ok(n) => n,
                Err(_) => {
                    self.bad_value(c.span, format!("`{b}` is not a burst (a number)"));
                    return None;
                }
            },
        };
        Some((rate, burst))
    }
}
