//! Rule parameters to a typed [`Match`]: expansion, list splitting, value parsing and the family
//! checks that need the statement's families.

use super::build::Builder;
use super::ir::{Cond, Families, LogSpec, Match};
use super::values::{self, Addr, Af, split_list};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{Param, ParamKind, Word};

impl Builder<'_> {
    /// Expanded values of a parameter (each list element with the span of its word).
    fn items(&mut self, p: &Param) -> Option<Vec<(String, Span)>> {
        let mut out = Vec::new();
        for w in &p.values {
            let text = self.expand(w)?;
            out.extend(
                split_list(&text)
                    .into_iter()
                    .map(|s| (s.to_string(), w.span)),
            );
        }
        Some(out)
    }

    fn typed<T>(
        &mut self,
        p: &Param,
        parse: impl Fn(&str) -> Result<Option<T>, String>,
    ) -> Option<Cond<T>> {
        let items = self.items(p)?;
        let kw = p.kind.map(|k| k.name()).unwrap_or("?");
        let span = p.values.first().map(|w| w.span).unwrap_or(p.span);
        if items.is_empty() && p.kind == Some(ParamKind::State) {
            return None; // FireHOL: an empty `state` is no match
        }
        if items.is_empty() {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    span,
                    format!("`{kw}` is given an empty value"),
                )
                .with_label("expands to nothing")
                .with_note("FireHOL refuses an empty rule parameter")
                .with_help(format!(
                    "give `{kw}` a value, or remove it (`{kw} any` matches everything)"
                )),
            );
            return None;
        }
        let takes_default = matches!(
            p.kind,
            Some(
                ParamKind::Src
                    | ParamKind::Dst
                    | ParamKind::Src4
                    | ParamKind::Src6
                    | ParamKind::Dst4
                    | ParamKind::Dst6
            )
        );
        if takes_default && items.len() == 1 && items[0].0 == "default" {
            return None;
        }
        if items.iter().any(|(s, _)| values::is_any(s)) {
            if p.not.is_some() && items.len() > 1 {
                self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        span,
                        format!("`any` inside a negated list of `{kw}`"),
                    )
                    .with_label("`not` with a list that holds `any`")
                    .with_note(
                        "FireHOL tests each value of a negated list on its own, and `any` is no \
                         value there: it would match an interface or host literally named `any`",
                    )
                    .with_help("remove `any` from the list (or the whole parameter: `any` alone matches everything)"),
                );
                return None;
            }
            // `any` (in FireHOL, `any` or `ANY`) is the "no condition" value of a rule parameter:
            // alone, with `not`, or as one of a list (the list then matches everything).
            return None;
        }
        let mut values = Vec::new();
        for (s, span) in items {
            match parse(&s) {
                Ok(Some(v)) => values.push(v),
                Ok(None) => return None, // `any`: no condition
                Err(msg) => self.diags.push(
                    Diagnostic::new(Code::InvalidValue, span, msg)
                        .with_label(format!("in `{}`", p.kind.map(|k| k.name()).unwrap_or("?"))),
                ),
            }
        }
        Some(Cond {
            negated: p.not.is_some(),
            values,
            span: p.span,
        })
    }

    fn addrs(&mut self, p: &Param, only: Option<Af>, fams: Families) -> Option<Cond<Addr>> {
        let cond = self.typed(p, |s| values::parse_addr(s).map(Some))?;
        let kw = p.kind.map(|k| k.name()).unwrap_or("src");
        let use_fams = match only {
            Some(Af::V4) => Families::V4,
            Some(Af::V6) => Families::V6,
            None => fams,
        };
        for a in &cond.values {
            if let Addr::Ipset(name) = a {
                self.set_uses.push(super::ipsets::SetUse {
                    written: format!("ipset:{name}"),
                    name: name.clone(),
                    dims: 1,
                    fams: use_fams,
                    span: p.span,
                });
            }
        }
        let mut cond = cond;
        self.resolve_hosts(&mut cond, use_fams);
        let want = only.or(fams.single());
        let value_span = p.values.first().map(|w| w.span).unwrap_or(p.span);
        if let Some(af) = want {
            for a in &cond.values {
                if let Some(f) = a.family()
                    && f != af
                {
                    let (is, needs) = if af == Af::V4 {
                        ("IPv6", "IPv4")
                    } else {
                        ("IPv4", "IPv6")
                    };
                    self.diags.push(
                        Diagnostic::new(
                            Code::FamilyMismatch,
                            value_span,
                            format!(
                                "`{a}` is an {is} address but `{kw}` here applies to {needs} only"
                            ),
                        )
                        .with_label(format!("{is} address"))
                        .with_help(format!(
                            "use an {needs} address, or write an `{}` statement for the {is} one",
                            if is == "IPv4" { "ipv4" } else { "ipv6" }
                        )),
                    );
                }
            }
        } else if !cond.values.is_empty() {
            let fams_seen: Vec<Option<Af>> = cond.values.iter().map(Addr::family).collect();
            let all = |af| fams_seen.iter().all(|f| *f == Some(af));
            if all(Af::V4) || all(Af::V6) {
                let (one, other) = if all(Af::V4) {
                    ("IPv4", "IPv6")
                } else {
                    ("IPv6", "IPv4")
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::DualStackLiteral,
                        value_span,
                        format!("`{kw}` names only {one} addresses in a statement that applies to IPv4 and IPv6"),
                    )
                    .with_label(format!("{one} only"))
                    .with_note(format!("FireHOL would emit this for {other} too and fail; fhc applies the statement to {one} only"))
                    .with_help(format!("say so explicitly with the `{}` prefix (or `{kw}4`/`{kw}6` pairs)", if one == "IPv4" { "ipv4" } else { "ipv6" })),
                );
            }
        }
        Some(cond)
    }

    /// Values of `mark`/`connmark`: numbers, checked against their group's range at the end of
    /// the file (the layout is FireHOL's final one).
    fn mark_values(&mut self, p: &Param, group: &'static str) -> Option<Cond<u64>> {
        let cond = self.typed(p, |s| {
            values::parse_num(s)
                .map(Some)
                .ok_or_else(|| format!("`{s}` is not a mark value (a number)"))
        })?;
        for v in &cond.values {
            self.mark_uses.push((group.to_string(), *v, cond.span));
        }
        Some(cond)
    }

    /// `log TEXT [level L]`, `loglimit TEXT [level L]`, `connlog TEXT`.
    fn log_spec(&mut self, p: &Param, kind: ParamKind) -> LogSpec {
        let text = p
            .values
            .first()
            .and_then(|w| self.expand(w))
            .unwrap_or_default();
        let level = match p
            .values
            .get(2)
            .and_then(|w| Some((self.expand(w)?, w.span)))
        {
            Some((l, span)) if kind != ParamKind::Connlog => match values::parse_log_level(&l) {
                Ok(level) => Some(level),
                Err(msg) => {
                    self.diags.push(
                        Diagnostic::new(Code::InvalidValue, span, msg).with_label("log level"),
                    );
                    None
                }
            },
            _ => None,
        };
        LogSpec {
            text,
            limited: kind == ParamKind::Loglimit,
            level,
            new_only: kind == ParamKind::Connlog,
            span: p.span,
        }
    }

    /// Users of transparent_proxy (a list, like `uid`).
    pub(super) fn owners(&mut self, users: &[String], span: Span) -> Vec<values::Owner> {
        let mut out = Vec::new();
        for u in users {
            match values::parse_owner(u) {
                Ok(o) => out.push(o),
                Err(msg) => self
                    .diags
                    .push(Diagnostic::new(Code::InvalidValue, span, msg).with_label("user")),
            }
        }
        out
    }

    /// Builds the match of a statement. `fams` are the families the statement applies to.
    pub(super) fn build_match(&mut self, params: &[&Param], fams: Families) -> Match {
        let mut m = Match::default();
        let mut seen: Vec<(ParamKind, Span)> = Vec::new();
        for p in params {
            let Some(kind) = p.kind else { continue };
            if p.missing > 0 {
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind)
                && !matches!(
                    kind,
                    ParamKind::Log | ParamKind::Loglimit | ParamKind::Connlog
                )
            {
                self.diags.push(
                    Diagnostic::new(
                        Code::DuplicateParam,
                        p.keyword.span,
                        format!("`{}` is given twice; this one wins", kind.name()),
                    )
                    .with_label("overrides the earlier value")
                    .with_secondary(*first, "ignored"),
                );
            }
            seen.push((kind, p.span));
            match kind {
                ParamKind::Src => m.src = self.addrs(p, None, fams),
                ParamKind::Dst => m.dst = self.addrs(p, None, fams),
                ParamKind::Src4 => m.src4 = self.addrs(p, Some(Af::V4), fams),
                ParamKind::Src6 => m.src6 = self.addrs(p, Some(Af::V6), fams),
                ParamKind::Dst4 => m.dst4 = self.addrs(p, Some(Af::V4), fams),
                ParamKind::Dst6 => m.dst6 = self.addrs(p, Some(Af::V6), fams),
                ParamKind::Inface => m.inface = self.typed(p, |s| values::parse_iface(s).map(Some)),
                ParamKind::Outface => {
                    m.outface = self.typed(p, |s| values::parse_iface(s).map(Some))
                }
                ParamKind::Proto => m.proto = self.typed(p, values::parse_proto),
                ParamKind::Sport => m.sport = self.typed(p, values::parse_port),
                ParamKind::Dport => m.dport = self.typed(p, values::parse_port),
                ParamKind::Uid => m.uid = self.typed(p, |s| values::parse_owner(s).map(Some)),
                ParamKind::Gid => m.gid = self.typed(p, |s| values::parse_owner(s).map(Some)),
                ParamKind::Mac => m.mac = self.typed(p, |s| values::parse_mac(s).map(Some)),
                ParamKind::Mark => m.mark = self.mark_values(p, "usermark"),
                ParamKind::Connmark => m.connmark = self.mark_values(p, "connmark"),
                ParamKind::State => {
                    if let Some(w) = p.values.first()
                        && let Some(text) = self.expand(w)
                        && text.trim().contains(' ')
                    {
                        self.diags.push(
                            Diagnostic::new(
                                Code::BrokenInFirehol,
                                w.span,
                                "FireHOL passes `state` verbatim: separate states with commas",
                            )
                            .with_label("space-separated states")
                            .with_note("fhc reads the states either way"),
                        );
                    }
                    m.state = self.typed(p, |s| values::parse_state(s).map(Some));
                }
                ParamKind::Log | ParamKind::Loglimit | ParamKind::Connlog => {
                    m.log = Some(self.log_spec(p, kind))
                }
                ParamKind::Limit => m.limit = self.limit(p),
                ParamKind::Connlimit => m.connlimit = self.connlimit(p),
                _ => self.extra_param(p, kind, fams, &mut m),
            }
        }
        self.check_hashlimits(&m, fams);
        self.check_pairs(&m, params, fams);
        m
    }

    /// In dual-stack statements FireHOL requires src4 with src6 (and dst4 with dst6), agreeing on `not`.
    fn check_pairs(&mut self, m: &Match, params: &[&Param], fams: Families) {
        if fams.single().is_some() {
            return;
        }
        let span_of = |k: ParamKind| {
            params
                .iter()
                .find(|p| p.kind == Some(k))
                .map(|p| p.keyword.span)
        };
        for (a, b, an, bn) in [
            (&m.src4, &m.src6, "src4", "src6"),
            (&m.dst4, &m.dst6, "dst4", "dst6"),
        ] {
            let kinds = |n: &str| match n {
                "src4" => ParamKind::Src4,
                "src6" => ParamKind::Src6,
                "dst4" => ParamKind::Dst4,
                _ => ParamKind::Dst6,
            };
            // Given means written with a value other than `default` (`any` counts: FireHOL
            // accepts `src4 10.0.0.1 src6 any`).
            let given = |k: ParamKind| {
                params.iter().any(|p| {
                    p.kind == Some(k)
                        && !(p.values.len() == 1 && p.values[0].literal() == Some("default"))
                })
            };
            match (given(kinds(an)), given(kinds(bn))) {
                (true, false) | (false, true) => {
                    let (have, need) = if given(kinds(an)) { (an, bn) } else { (bn, an) };
                    if let Some(sp) = span_of(kinds(have)) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::PerFamilyPair,
                                sp,
                                format!(
                                    "`{have}` needs `{need}` in a statement for both IPv4 and IPv6"
                                ),
                            )
                            .with_label(format!("`{need}` missing"))
                            .with_help(format!(
                                "add `{need}`, or use the `{}` prefix",
                                if have.ends_with('4') { "ipv4" } else { "ipv6" }
                            )),
                        );
                    }
                }
                _ => {}
            }
            match (a, b) {
                (Some(x), Some(y)) if x.negated != y.negated => {
                    if let Some(sp) = span_of(kinds(bn)) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::PerFamilyPair,
                                sp,
                                format!("`{an}` and `{bn}` must both use `not`, or neither"),
                            )
                            .with_label("negation differs"),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// Expands a word, reporting variables that are not set. `None` when it cannot be evaluated.
    pub(super) fn expand(&mut self, w: &Word) -> Option<String> {
        let e = self.env.expand(w);
        for (name, span) in e.unset {
            if self.reported_unset.insert(span) {
                self.diags.push(
                    Diagnostic::new(
                        Code::UnsetVariable,
                        span,
                        format!("`${name}` is not set here; it expands to nothing"),
                    )
                    .with_label("never assigned before this line")
                    .with_help(format!("assign it above this line: {name}=\"...\"")),
                );
            }
        }
        (!e.opaque).then_some(e.text)
    }
}
