//! Rule parameters (one combinator per keyword arity), rule actions, NAT options, and the lists
//! of them that end most commands.

use super::prims::{kw, mk_param, negation, param_kw, span_of, value, value_except, word};
use super::{Ex, In, Tok, WordClass};
use crate::syntax::ast::*;
use crate::syntax::keywords::{Arity, ParamKind};
use crate::syntax::words::Word;
use chumsky::prelude::*;

/// One optional rule parameter with its negation and values, per the keyword's arity. A word that
/// is not a keyword becomes an unknown parameter that swallows the values after it, so a typo gives
/// one diagnostic, not one per word.
pub(super) fn param<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    choice((
        param_zero(stops),
        param_any_value(stops),
        param_one(stops),
        param_two(stops),
        param_log(stops),
        param_dscp(stops),
        param_connlimit(stops),
        param_hashlimit(stops),
        param_ipset(stops),
        param_unknown(stops),
    ))
    .boxed()
}

/// An optional value (not a keyword, none of `stops`).
fn opt<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Option<Word>, Ex<'a>> + Clone {
    value_except(stops).or_not()
}

/// How many of the values are missing.
fn count(o: &[&Option<Word>]) -> usize {
    o.iter().filter(|x| x.is_none()).count()
}

/// A sub-keyword of a parameter (`level`, `mask`, `burst`, ...) and its optional value.
fn keyed<'a, I: In<'a>>(
    names: &'static [&'static str],
    stops: &'static [&'static str],
) -> impl Parser<'a, I, (Word, Option<Word>), Ex<'a>> + Clone {
    kw(names).then(value_except(stops).or_not())
}

fn param_zero<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Zero, stops)
        .then(negation().or_not())
        .map_with(|((w, k), n), e| mk_param(w, Some(k), n, vec![], 0, e.span()))
}

/// Internal parameters whose value may be any word (`push_flow_inheritance in`).
fn param_any_value<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    let any_value = select! { Tok::Word(w, _) if !stops.iter().any(|s| w.is_ci(s)) => w.clone() };
    select! { Tok::Word(w, WordClass { param: Some((k @ ParamKind::PushFlowInheritance, _)), .. }) => (w.clone(), k) }
        .then(any_value.or_not())
        .map_with(|((w, k), a), e| {
            let missing = usize::from(a.is_none());
            mk_param(w, Some(k), None, a.into_iter().collect(), missing, e.span())
        })
}

fn param_one<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::One, stops)
        .then(negation().or_not())
        .then(opt(stops))
        .map_with(move |(((w, k), n), a), e| {
            let missing = count(&[&a]);
            mk_param(w, Some(k), n, a.into_iter().collect(), missing, e.span())
        })
}

fn param_two<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Two, stops)
        .then(negation().or_not())
        .then(opt(stops))
        .then(opt(stops))
        .map_with(move |((((w, k), n), a), b), e| {
            let missing = count(&[&a, &b]);
            mk_param(
                w,
                Some(k),
                n,
                a.into_iter().chain(b).collect(),
                missing,
                e.span(),
            )
        })
}

/// `log TEXT [level LEVEL]`
fn param_log<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Log, stops)
        .then(negation().or_not())
        .then(opt(stops))
        .then(kw(&["level"]).then(opt(stops)).or_not())
        .map_with(move |((((w, k), n), text), level), e| {
            let mut missing = count(&[&text]);
            let mut vals: Vec<Word> = text.into_iter().collect();
            if let Some((lw, lv)) = level {
                missing += count(&[&lv]);
                vals.push(lw);
                vals.extend(lv);
            }
            mk_param(w, Some(k), n, vals, missing, e.span())
        })
}

/// `dscp [class] VALUE`
fn param_dscp<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Dscp, stops)
        .then(negation().or_not())
        .then(kw(&["class"]).or_not())
        .then(opt(stops))
        .map_with(move |((((w, k), n), class), val), e| {
            let missing = count(&[&val]);
            mk_param(
                w,
                Some(k),
                n,
                class.into_iter().chain(val).collect(),
                missing,
                e.span(),
            )
        })
}

/// `connlimit MODE NUMBER [mask BITS] [saddr|daddr]`
fn param_connlimit<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Connlimit, stops)
        .then(negation().or_not())
        .then(opt(stops))
        .then(opt(stops))
        .then(kw(&["mask"]).then(opt(stops)).or_not())
        .then(kw(&["saddr", "daddr"]).or_not())
        .map_with(move |((((((w, k), n), mode), num), mask), dir), e| {
            let mut missing = count(&[&mode, &num]);
            let mut vals: Vec<Word> = mode.into_iter().chain(num).collect();
            if let Some((mw, mv)) = mask {
                missing += count(&[&mv]);
                vals.push(mw);
                vals.extend(mv);
            }
            vals.extend(dir);
            mk_param(w, Some(k), n, vals, missing, e.span())
        })
}

/// The options of `hashlimit NAME MODE RATE [OPTION VALUE]...`.
const HASHLIMIT_KEYS: &[&str] = &[
    "burst",
    "mode",
    "srcmask",
    "dstmask",
    "htable-size",
    "htable-max",
    "htable-expire",
    "htable-gcinterval",
    "htable_size",
    "htable_max",
    "htable_expire",
    "htable_gcinterval",
];

fn param_hashlimit<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Hashlimit, stops)
        .then(negation().or_not())
        .then(opt(stops))
        .then(opt(stops))
        .then(opt(stops))
        .then(keyed(HASHLIMIT_KEYS, stops).repeated().collect::<Vec<_>>())
        .map_with(move |((((((w, k), n), name), mode), rate), opts), e| {
            let mut missing = count(&[&name, &mode, &rate]);
            let mut vals: Vec<Word> = name.into_iter().chain(mode).chain(rate).collect();
            for (ow, ov) in opts {
                missing += count(&[&ov]);
                vals.push(ow);
                vals.extend(ov);
            }
            mk_param(w, Some(k), n, vals, missing, e.span())
        })
}

/// The options of `ipset NAME FLAGS [...]` that take a value: `options` and the byte counters.
const IPSET_BYTES_KEYS: &[&str] = &[
    "options",
    "bytes-above",
    "bytes-gt",
    "bytes-eq",
    "bytes-not-eq",
    "bytes-below",
    "bytes-lt",
];

/// The packet counters of `ipset`.
const IPSET_PACKETS_KEYS: &[&str] = &[
    "packets-above",
    "packets-gt",
    "packets-eq",
    "packets-not-eq",
    "packets-below",
    "packets-lt",
];

fn param_ipset<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    param_kw(Arity::Ipset, stops)
        .then(negation().or_not())
        .then(opt(stops))
        .then(word().or_not())
        .then(
            choice((
                keyed(IPSET_BYTES_KEYS, stops).map(|(a, b)| (a, b, true)),
                keyed(IPSET_PACKETS_KEYS, stops).map(|(a, b)| (a, b, true)),
                kw(&["no-counters"]).map(|a| (a, None, false)),
            ))
            .repeated()
            .collect::<Vec<_>>(),
        )
        .map_with(move |(((((w, k), n), name), flags), opts), e| {
            let mut missing = count(&[&name, &flags]);
            let mut vals: Vec<Word> = name.into_iter().chain(flags).collect();
            for (ow, ov, needs) in opts {
                if needs {
                    missing += count(&[&ov]);
                }
                vals.push(ow);
                vals.extend(ov);
            }
            mk_param(w, Some(k), n, vals, missing, e.span())
        })
}

/// A word that is not a keyword, with the values after it.
fn param_unknown<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.param.is_none() && !stops.iter().any(|s| w.is_ci(s)) => w.clone() }
        .then(value_except(stops).repeated().collect::<Vec<_>>())
        .map_with(|(w, vals), e| mk_param(w, None, None, vals, 0, e.span()))
}

pub(super) fn params<'a, I: In<'a>>() -> impl Parser<'a, I, Vec<Param>, Ex<'a>> + Clone {
    param(&[]).repeated().collect()
}

pub(super) fn params_except<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Vec<Param>, Ex<'a>> + Clone {
    param(stops).repeated().collect()
}

/// `accept`, `reject with tcp-reset`, `accept with limit 10/sec 100`, `MYACTION` ...
pub(super) fn rule_action<'a, I: In<'a>>() -> impl Parser<'a, I, RuleAction, Ex<'a>> + Clone {
    value()
        .then(
            kw(&["with"])
                .then(word().or_not())
                .then(value().repeated().collect::<Vec<_>>())
                .map_with(|((with, kind), rest), e| WithClause {
                    span: span_of(e),
                    with,
                    args: kind.into_iter().chain(rest).collect(),
                })
                .or_not(),
        )
        .map_with(|(verb, with), e| RuleAction {
            span: span_of(e),
            verb,
            with,
        })
}

pub(super) const NAT_OPTION_WORDS: &[&str] =
    &["random", "persistent", "id", "at", "name", "to-ports"];

fn nat_option<'a, I: In<'a>>() -> impl Parser<'a, I, NatOption, Ex<'a>> + Clone {
    let flag = kw(&["random", "persistent"]).map_with(|w, e| NatOption {
        span: span_of(e),
        kind: if w.is_ci("random") {
            NatOptionKind::Random
        } else {
            NatOptionKind::Persistent
        },
        value: None,
    });
    let keyed = kw(&["id", "at", "name", "to-ports"])
        .then(value().or_not())
        .map_with(|(w, v), e| NatOption {
            span: span_of(e),
            kind: match w.literal().map(|s| s.to_ascii_lowercase()).as_deref() {
                Some("id") => NatOptionKind::Id,
                Some("at") => NatOptionKind::At,
                Some("name") => NatOptionKind::Name,
                _ => NatOptionKind::ToPorts,
            },
            value: v,
        });
    choice((flag, keyed))
}

/// NAT options and rule parameters in any order.
pub(super) fn nat_tail<'a, I: In<'a>>()
-> impl Parser<'a, I, (Vec<NatOption>, Vec<Param>), Ex<'a>> + Clone {
    enum T {
        O(NatOption),
        P(Param),
    }
    choice((nat_option().map(T::O), param(NAT_OPTION_WORDS).map(T::P)))
        .repeated()
        .collect::<Vec<_>>()
        .map(|items| {
            let mut o = Vec::new();
            let mut p = Vec::new();
            for it in items {
                match it {
                    T::O(x) => o.push(x),
                    T::P(x) => p.push(x),
                }
            }
            (o, p)
        })
}

/// Values and parameters in any order (commands whose syntax fhc keeps as words).
pub(super) fn args_and_params<'a, I: In<'a>>()
-> impl Parser<'a, I, (Vec<Word>, Vec<Param>), Ex<'a>> + Clone {
    enum T {
        A(Word),
        P(Param),
    }
    let known = select! { Tok::Word(_, WordClass { param: Some(_), .. }) => () }
        .rewind()
        .ignore_then(param(&[]));
    choice((known.map(T::P), value().map(T::A)))
        .repeated()
        .collect::<Vec<_>>()
        .map(|items| {
            let mut a = Vec::new();
            let mut p = Vec::new();
            for it in items {
                match it {
                    T::A(x) => a.push(x),
                    T::P(x) => p.push(x),
                }
            }
            (a, p)
        })
}
