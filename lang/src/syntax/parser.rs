//! The chumsky parser: one logical line (statement) at a time.
//!
//! The word stream is first cut at statement separators (newline, `;`, `;;`); each statement is
//! then parsed on its own. That makes recovery trivial and strong — one bad statement can never
//! hide the errors of the next — and it is how bash itself reads a config. The grammar is lenient
//! on purpose: a missing argument or value becomes `None`/`missing` in the tree instead of a parse
//! failure, so the checks can say precisely what is missing and still see the rest of the line.

use super::ast::*;
use super::keywords::{
    self, Arity, Cmd, Family, ParamKind, SHELL_CLOSERS, SHELL_COMMANDS, SHELL_CONTINUERS,
};
use super::words::{Op, Piece, Word};
use crate::span::Span;
use chumsky::input::{Input as _, ValueInput};
use chumsky::prelude::*;
use std::sync::OnceLock;

/// What the parser needs to know about a word, computed once per word (tables are hashed), so the
/// many alternatives of the grammar compare small enums instead of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WordClass {
    pub cmd: Option<(Cmd, Option<Family>)>,
    pub param: Option<(ParamKind, Arity)>,
    pub prefix: Option<Family>,
    /// `not` or `!`
    pub not: bool,
    /// `NAME=...`
    pub assign: bool,
}

/// The keyword tables are looked up for every word; see [`crate::hash`].
type Table<V> = crate::hash::FastMap<&'static str, V>;

fn command_table() -> &'static Table<(Cmd, Option<Family>)> {
    static T: OnceLock<Table<(Cmd, Option<Family>)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = Table::default();
        for &(name, cmd, suffixes, _) in keywords::COMMANDS {
            m.insert(name, (cmd, None));
            if suffixes {
                for (sfx, fam) in [
                    ("4", Family::Ipv4),
                    ("6", Family::Ipv6),
                    ("46", Family::Both),
                ] {
                    m.insert(
                        Box::leak(format!("{name}{sfx}").into_boxed_str()) as &str,
                        (cmd, Some(fam)),
                    );
                }
            }
        }
        m
    })
}

fn param_table() -> &'static Table<(ParamKind, Arity)> {
    static T: OnceLock<Table<(ParamKind, Arity)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = Table::default();
        for &(names, kind, arity, _, _) in keywords::PARAMS {
            for n in names {
                m.insert(*n, (kind, arity));
            }
        }
        m
    })
}

fn classify(w: &Word) -> WordClass {
    let Some(text) = w.bare() else {
        // A quoted or expanded word is always data (but may still be `NAME="value"`).
        return WordClass {
            assign: assign_prefix(w).is_some(),
            ..WordClass::default()
        };
    };
    // Parameter names are matched case-insensitively; lower-case on the stack, not the heap.
    let param = if text.len() <= 24 {
        let mut buf = [0u8; 24];
        let lower = &mut buf[..text.len()];
        lower.copy_from_slice(text.as_bytes());
        lower.make_ascii_lowercase();
        std::str::from_utf8(lower)
            .ok()
            .and_then(|l| param_table().get(l).copied())
    } else {
        None
    };
    WordClass {
        cmd: command_table().get(text).copied(),
        param,
        prefix: Family::from_prefix(text),
        not: text.eq_ignore_ascii_case("not") || text == "!",
        assign: assign_prefix(w).is_some(),
    }
}

/// Assignment detection for words of several parts (`A="x"`): the first part carries `NAME=`.
fn assign_prefix(w: &Word) -> Option<usize> {
    let super::words::PartKind::Literal(first) = &w.parts.first()?.kind else {
        return None;
    };
    let i = first.find('=')?;
    let name = &first[..i];
    (i > 0
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(i)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok<'a> {
    Word(&'a Word, WordClass),
    Op(Op),
}

impl std::fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Word(w, _) => match w.literal() {
                Some(l) => write!(f, "`{l}`"),
                None => f.write_str("a quoted or expanded word"),
            },
            Tok::Op(op) => f.write_str(match op {
                Op::Newline => "end of line",
                Op::Semi => "`;`",
                Op::DoubleSemi => "`;;`",
                Op::AndIf => "`&&`",
                Op::OrIf => "`||`",
                Op::Pipe => "`|`",
                Op::Amp => "`&`",
                Op::LParen => "`(`",
                Op::RParen => "`)`",
                Op::Redirect => "a redirection",
            }),
        }
    }
}

/// `Simple` errors: the grammar tries many alternatives per word, and `Rich` would allocate an
/// expected-set for each failed one (it dominated parse time). The parser only reports what it
/// found and where; the checks in `validate` give the real explanations.
type Ex<'a> = extra::Err<Simple<'a, Tok<'a>>>;

/// The byte span of what a combinator matched (also pins the closure's types for inference).
fn span_of<'a, I: In<'a>>(e: &mut chumsky::input::MapExtra<'a, '_, I, Ex<'a>>) -> Span {
    Span::from(e.span())
}

trait In<'a>: ValueInput<'a, Token = Tok<'a>, Span = SimpleSpan> {}
impl<'a, T: ValueInput<'a, Token = Tok<'a>, Span = SimpleSpan>> In<'a> for T {}

/// Any word.
fn word<'a, I: In<'a>>() -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, _) => w.clone() }
}

/// A word that is not a parameter keyword: a value.
fn value<'a, I: In<'a>>() -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.param.is_none() => w.clone() }
}

/// A value that is none of `stops` (for `next` in actions, NAT options, ...).
fn value_except<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.param.is_none() && !stops.iter().any(|s| w.is_ci(s)) => w.clone() }
}

/// A word equal to one of `names` (case-insensitive), whatever its class.
fn kw<'a, I: In<'a>>(names: &'static [&'static str]) -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, _) if w.bare().is_some() && names.iter().any(|n| w.is_ci(n)) => w.clone() }
}

fn op<'a, I: In<'a>>(o: Op) -> impl Parser<'a, I, Span, Ex<'a>> + Clone {
    just(Tok::Op(o)).map_with(|_, e| Span::from(e.span()))
}

fn negation<'a, I: In<'a>>() -> impl Parser<'a, I, Span, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.not => w.span }
}

fn param_kw<'a, I: In<'a>>(
    arity: Arity,
    stops: &'static [&'static str],
) -> impl Parser<'a, I, (Word, ParamKind), Ex<'a>> + Clone {
    select! { Tok::Word(w, WordClass { param: Some((k, a)), .. }) if a == arity && !stops.iter().any(|s| w.is_ci(s)) => (w.clone(), k) }
}

fn mk_param(
    keyword: Word,
    kind: Option<ParamKind>,
    not: Option<Span>,
    values: Vec<Word>,
    missing: usize,
    span: SimpleSpan,
) -> Param {
    Param {
        span: span.into(),
        keyword,
        kind,
        not,
        values,
        missing,
    }
}

/// One optional rule parameter with its negation and values, per the keyword's arity. A word that
/// is not a keyword becomes an unknown parameter that swallows the values after it, so a typo gives
/// one diagnostic, not one per word.
fn param<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Param, Ex<'a>> + Clone {
    let v = move || value_except(stops);
    let opt = move || v().or_not();
    let count = |o: &[&Option<Word>]| o.iter().filter(|x| x.is_none()).count();

    let zero = param_kw(Arity::Zero, stops)
        .then(negation().or_not())
        .map_with(|((w, k), n), e| mk_param(w, Some(k), n, vec![], 0, e.span()));
    // Internal parameters whose value may be any word (`push_flow_inheritance in`).
    let any_value = select! { Tok::Word(w, _) if !stops.iter().any(|s| w.is_ci(s)) => w.clone() };
    let one_any = select! { Tok::Word(w, WordClass { param: Some((k @ ParamKind::PushFlowInheritance, _)), .. }) => (w.clone(), k) }
        .then(any_value.or_not())
        .map_with(|((w, k), a), e| {
            let missing = usize::from(a.is_none());
            mk_param(w, Some(k), None, a.into_iter().collect(), missing, e.span())
        });
    let one = param_kw(Arity::One, stops)
        .then(negation().or_not())
        .then(opt())
        .map_with(move |(((w, k), n), a), e| {
            let missing = count(&[&a]);
            mk_param(w, Some(k), n, a.into_iter().collect(), missing, e.span())
        });
    let two = param_kw(Arity::Two, stops)
        .then(negation().or_not())
        .then(opt())
        .then(opt())
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
        });
    let log = param_kw(Arity::Log, stops)
        .then(negation().or_not())
        .then(opt())
        .then(kw(&["level"]).then(opt()).or_not())
        .map_with(move |((((w, k), n), text), level), e| {
            let mut missing = count(&[&text]);
            let mut vals: Vec<Word> = text.into_iter().collect();
            if let Some((lw, lv)) = level {
                missing += count(&[&lv]);
                vals.push(lw);
                vals.extend(lv);
            }
            mk_param(w, Some(k), n, vals, missing, e.span())
        });
    let dscp = param_kw(Arity::Dscp, stops)
        .then(negation().or_not())
        .then(kw(&["class"]).or_not())
        .then(opt())
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
        });
    let connlimit = param_kw(Arity::Connlimit, stops)
        .then(negation().or_not())
        .then(opt())
        .then(opt())
        .then(kw(&["mask"]).then(opt()).or_not())
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
        });
    let keyed = |names: &'static [&'static str]| kw(names).then(value_except(stops).or_not());
    let hashlimit = param_kw(Arity::Hashlimit, stops)
        .then(negation().or_not())
        .then(opt())
        .then(opt())
        .then(opt())
        .then(
            keyed(&[
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
            ])
            .repeated()
            .collect::<Vec<_>>(),
        )
        .map_with(move |((((((w, k), n), name), mode), rate), opts), e| {
            let mut missing = count(&[&name, &mode, &rate]);
            let mut vals: Vec<Word> = name.into_iter().chain(mode).chain(rate).collect();
            for (ow, ov) in opts {
                missing += count(&[&ov]);
                vals.push(ow);
                vals.extend(ov);
            }
            mk_param(w, Some(k), n, vals, missing, e.span())
        });
    let ipset = param_kw(Arity::Ipset, stops)
        .then(negation().or_not())
        .then(opt())
        .then(word().or_not())
        .then(
            choice((
                keyed(&[
                    "options",
                    "bytes-above",
                    "bytes-gt",
                    "bytes-eq",
                    "bytes-not-eq",
                    "bytes-below",
                    "bytes-lt",
                ])
                .map(|(a, b)| (a, b, true)),
                keyed(&[
                    "packets-above",
                    "packets-gt",
                    "packets-eq",
                    "packets-not-eq",
                    "packets-below",
                    "packets-lt",
                ])
                .map(|(a, b)| (a, b, true)),
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
        });
    let unknown = select! { Tok::Word(w, c) if c.param.is_none() && !stops.iter().any(|s| w.is_ci(s)) => w.clone() }
        .then(v().repeated().collect::<Vec<_>>())
        .map_with(|(w, vals), e| mk_param(w, None, None, vals, 0, e.span()));

    choice((
        zero, one_any, one, two, log, dscp, connlimit, hashlimit, ipset, unknown,
    ))
    .boxed()
}

fn params<'a, I: In<'a>>() -> impl Parser<'a, I, Vec<Param>, Ex<'a>> + Clone {
    param(&[]).repeated().collect()
}

fn params_except<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Vec<Param>, Ex<'a>> + Clone {
    param(stops).repeated().collect()
}

/// `accept`, `reject with tcp-reset`, `accept with limit 10/sec 100`, `MYACTION` ...
fn rule_action<'a, I: In<'a>>() -> impl Parser<'a, I, RuleAction, Ex<'a>> + Clone {
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

const NAT_OPTION_WORDS: &[&str] = &["random", "persistent", "id", "at", "name", "to-ports"];

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
fn nat_tail<'a, I: In<'a>>() -> impl Parser<'a, I, (Vec<NatOption>, Vec<Param>), Ex<'a>> + Clone {
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
fn args_and_params<'a, I: In<'a>>() -> impl Parser<'a, I, (Vec<Word>, Vec<Param>), Ex<'a>> + Clone {
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

const CHAIN_WORDS: &[&str] = &[
    "pre",
    "prerouting",
    "in",
    "input",
    "out",
    "output",
    "pass",
    "forward",
    "post",
    "postrouting",
];

/// The optional `where` list of the mangle helpers (`pre,in,out,pass,post`).
fn chains<'a, I: In<'a>>() -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, _) if w.literal().is_some_and(|l| !l.is_empty() && l.split([',', ' ']).filter(|p| !p.is_empty()).all(|p| CHAIN_WORDS.contains(&p.to_ascii_lowercase().as_str()))) => w.clone() }
}

fn synproxy<'a, I: In<'a>>() -> impl Parser<'a, I, CommandKind, Ex<'a>> + Clone {
    const VERBS: &[&str] = &["accept", "drop", "reject", "dnat", "redirect", "action"];
    // dnat/redirect/action take a target; reject may take `with MSG`; accept/drop take nothing.
    let target = kw(&["to"])
        .map(|w| w.span)
        .or_not()
        .then(value_except(NAT_OPTION_WORDS).or_not());
    let with_target = kw(&["dnat", "redirect", "action"])
        .then(target)
        .map(|(w, (to, t))| (w, to, t, None));
    let with_msg = kw(&["accept", "drop", "reject"])
        .then(kw(&["with"]).ignore_then(value().or_not()).or_not())
        .map(|(w, with)| (w, None, None, with.flatten()));
    let action = choice((with_target, with_msg)).then(nat_tail()).map_with(
        |((verb_word, to, target, with), (nat_options, params)), e| {
            let verb = SynproxyVerb::parse(verb_word.literal().unwrap_or_default())
                .unwrap_or(SynproxyVerb::Accept);
            SynproxyAction {
                span: span_of(e),
                verb_word,
                verb,
                to,
                target,
                with,
                nat_options,
                params,
            }
        },
    );
    // The type is positional: the first word, unless it is the action or a real parameter
    // (`in` and `out` are also internal parameter names, but here they are types).
    let types = select! { Tok::Word(w, c) if !VERBS.iter().any(|v| w.is_ci(v)) && (c.param.is_none() || w.is_ci("in") || w.is_ci("out")) => w.clone() };
    types
        .or_not()
        .then(params_except(VERBS))
        .then(action.or_not())
        .map(|((types, params), action)| {
            CommandKind::Synproxy(SynproxyCmd {
                types,
                params,
                action,
            })
        })
}

fn service<'a, I: In<'a>>(role: Role) -> impl Parser<'a, I, CommandKind, Ex<'a>> + Clone {
    let custom = kw(&["custom"])
        .then(value().or_not())
        .then(value().or_not())
        .then(value().or_not())
        .then(rule_action().or_not())
        .then(params())
        .map(move |(((((svc, name), sp), cp), action), params)| {
            CommandKind::Service(ServiceCmd {
                role,
                services: Some(svc),
                custom: Some(CustomService {
                    name,
                    server_ports: sp,
                    client_ports: cp,
                }),
                anystateless_name: None,
                action,
                params,
            })
        });
    let anystateless = kw(&["anystateless"])
        .then(value().or_not())
        .then(rule_action().or_not())
        .then(params())
        .map(move |(((svc, name), action), params)| {
            CommandKind::Service(ServiceCmd {
                role,
                services: Some(svc),
                custom: None,
                anystateless_name: name,
                action,
                params,
            })
        });
    let plain = value()
        .or_not()
        .then(rule_action().or_not())
        .then(params())
        .map(move |((services, action), params)| {
            CommandKind::Service(ServiceCmd {
                role,
                services,
                custom: None,
                anystateless_name: None,
                action,
                params,
            })
        });
    choice((custom, anystateless, plain))
}

fn action_def<'a, I: In<'a>>() -> impl Parser<'a, I, CommandKind, Ex<'a>> + Clone {
    const NEXT: &[&str] = &["next"];
    // The step type may be `action`, which is also a parameter keyword: take any word.
    let step_kind = select! { Tok::Word(w, _) if !w.is_ci("next") => w.clone() };
    // iptrap/ipuntrap steps take positional words first (set, src|dst[, timeout]) that may look
    // like parameter keywords (`src`).
    let positional = |n: usize| {
        select! { Tok::Word(w, _) if !w.is_ci("next") => w.clone() }
            .repeated()
            .at_most(n)
            .collect::<Vec<_>>()
    };
    let trap_step = move |kinds: &'static [&'static str], n: usize| {
        kw(kinds)
            .then(positional(n))
            .then(value_except(NEXT).repeated().collect::<Vec<_>>())
            .then(params_except(NEXT))
            .map_with(|(((kind, mut args), more), params), e| {
                args.extend(more);
                ActionStep {
                    span: span_of(e),
                    kind,
                    args,
                    params,
                }
            })
    };
    let generic = step_kind
        .then(value_except(NEXT).repeated().collect::<Vec<_>>())
        .then(params_except(NEXT))
        .map_with(|((kind, args), params), e| ActionStep {
            span: span_of(e),
            kind,
            args,
            params,
        });
    let step = choice((
        trap_step(&["iptrap"], 3),
        trap_step(&["ipuntrap"], 2),
        generic,
    ));
    value_except(&["table"])
        .or_not()
        .then(kw(&["table"]).ignore_then(value().or_not()).or_not())
        .then(
            step.separated_by(kw(NEXT))
                .allow_leading()
                .collect::<Vec<_>>(),
        )
        .map(|((name, table), steps)| {
            CommandKind::Action(ActionDef {
                name,
                table: table.flatten(),
                steps,
            })
        })
}

/// The body of a command, chosen by the command word.
fn command_body<'a, I: In<'a>>(cmd: Cmd) -> Boxed<'a, 'a, I, (CommandKind, Vec<Word>), Ex<'a>> {
    let rest = || word().repeated().collect::<Vec<Word>>();
    let none = || empty().map(|_| Vec::<Word>::new());
    match cmd {
        Cmd::Version => value().or_not().then(rest()).map(|(number, x)| (CommandKind::Version { number }, x)).boxed(),
        Cmd::Interface => value()
            .or_not()
            .then(value().or_not())
            .then(params())
            .map(|((ifaces, name), params)| (CommandKind::Interface { ifaces, name, params }, vec![]))
            .boxed(),
        Cmd::Router => value()
            .or_not()
            .then(params())
            .map(|(name, params)| (CommandKind::Router { name, params }, vec![]))
            .boxed(),
        Cmd::Group => choice((
            kw(&["with", "start", "begin"])
                .then(params())
                .map(|(verb, params)| (CommandKind::GroupStart { verb, params }, vec![])),
            kw(&["end", "stop", "close"]).then(rest()).map(|(verb, x)| (CommandKind::GroupEnd { verb }, x)),
            rest().map(|x| (CommandKind::GroupBare, x)),
        ))
        .boxed(),
        Cmd::Policy => rule_action().or_not().then(rest()).map(|(action, x)| (CommandKind::Policy { action }, x)).boxed(),
        Cmd::Protection => kw(&["reverse"])
            .map(|w| w.span)
            .or_not()
            .then(
                select! { Tok::Word(w, c) if c.param.is_none() || w.is_ci("connlimit") => w.clone() }
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .then(params())
            .map(|((reverse, args), params)| (CommandKind::Protection { reverse, args, params }, vec![]))
            .boxed(),
        Cmd::Server => service(Role::Server).then(none()).boxed(),
        Cmd::Client => service(Role::Client).then(none()).boxed(),
        Cmd::Route => service(Role::Route).then(none()).boxed(),
        Cmd::Synproxy => synproxy().then(none()).boxed(),
        Cmd::Dnat | Cmd::Snat | Cmd::Redirect | Cmd::Nat => {
            let mode = if cmd == Cmd::Nat {
                kw(&["to-destination", "to-source", "redirect-to"]).or_not().boxed()
            } else {
                empty().map(|_| None).boxed()
            };
            mode.then(kw(&["to", "to-port", "to-ports"]).map(|w| w.span).or_not())
                .then(value_except(NAT_OPTION_WORDS).or_not())
                .then(nat_tail())
                .map(|(((mode, to), targets), (options, params))| {
                    (CommandKind::Nat(NatCmd { mode, to, targets, options, params }), vec![])
                })
                .boxed()
        }
        Cmd::Masquerade => kw(&["reverse"])
            .map(|w| w.span)
            .or_not()
            .then(value_except(NAT_OPTION_WORDS).or_not())
            .then(nat_tail())
            .map(|((reverse, ifaces), (options, params))| {
                (CommandKind::Masquerade { reverse, ifaces, options, params }, vec![])
            })
            .boxed(),
        Cmd::TransparentProxy => value()
            .or_not()
            .then(value().or_not())
            .then(value().or_not())
            .then(params())
            .map(|(((ports, redirect_port), user), params)| {
                (CommandKind::TransparentProxy { ports, redirect_port, user, params }, vec![])
            })
            .boxed(),
        Cmd::TransparentSquid => value()
            .or_not()
            .then(value().or_not())
            .then(params())
            .map(|((redirect_port, user), params)| (CommandKind::TransparentSquid { redirect_port, user, params }, vec![]))
            .boxed(),
        Cmd::Tproxy => value_except(&["port", "ip"])
            .or_not()
            .then(kw(&["port"]).ignore_then(value().or_not()).or_not())
            .then(kw(&["ip"]).ignore_then(value().or_not()).or_not())
            .then(params())
            .map(|(((ports, port), ip), params)| {
                (CommandKind::Tproxy { ports, port: port.flatten(), ip: ip.flatten(), params }, vec![])
            })
            .boxed(),
        Cmd::Action => action_def().then(none()).boxed(),
        Cmd::Mark | Cmd::Connmark | Cmd::Custommark | Cmd::Classify | Cmd::Tos | Cmd::Dscp | Cmd::Tosfix => {
            let n = match cmd {
                Cmd::Custommark | Cmd::Dscp => 2,
                Cmd::Tosfix => 0,
                _ => 1,
            };
            let arg = select! { Tok::Word(w, c) if c.param.is_none() => w.clone() };
            // `connmark V interface IFACE [params]`: IFACE in, and IFACE out (FireHOL 3.1.7's code
            // has this form; its manual does not). The interface becomes the last argument.
            let iface_form = kw(&["interface"])
                .then(value())
                .map(|(w, iface)| (w, Some(iface)))
                .or(chains().map(|w| (w, None)));
            let where_ = if cmd == Cmd::Connmark {
                iface_form.boxed()
            } else {
                chains().map(|w| (w, None)).boxed()
            };
            chains()
                .not()
                .ignore_then(arg)
                .repeated()
                .at_most(n)
                .collect::<Vec<_>>()
                .then(where_.or_not())
                .then(params())
                .map(|((mut args, where_), params)| {
                    let chains = where_.map(|(chains, iface)| {
                        args.extend(iface);
                        chains
                    });
                    (CommandKind::Mangle { args, chains, params }, vec![])
                })
                .boxed()
        }
        Cmd::Tcpmss => value()
            .or_not()
            .then(value().or_not())
            .then(rest())
            .map(|((mss, ifaces), x)| (CommandKind::Tcpmss { mss, ifaces }, x))
            .boxed(),
        Cmd::Iptrap | Cmd::Ipuntrap => word()
            .repeated()
            .at_most(3)
            .collect::<Vec<_>>()
            .then(args_and_params())
            .map(|(mut first, (args, params))| {
                first.extend(args);
                (CommandKind::Args { args: first, params }, vec![])
            })
            .boxed(),
        Cmd::Log | Cmd::Loglimit => value()
            .or_not()
            .then(params())
            .map(|(text, params)| (CommandKind::LogHelper { text, params }, vec![]))
            .boxed(),
        Cmd::Iptables | Cmd::Ip6tables => rest().map(|args| (CommandKind::Passthrough { args }, vec![])).boxed(),
        Cmd::Ipset | Cmd::Markdef | Cmd::Marksreset | Cmd::RequireKernelModule | Cmd::Postprocess | Cmd::DockerBridge
        | Cmd::Mac | Cmd::EcnShame => {
            rest().map(|args| (CommandKind::Args { args, params: vec![] }, vec![])).boxed()
        }
        Cmd::Blacklist | Cmd::Cthelper => {
            args_and_params().map(|(args, params)| (CommandKind::Args { args, params }, vec![])).boxed()
        }
    }
}

/// `[ipv4|ipv6|both] CMD ...`
fn command<'a, I: In<'a>>() -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone {
    let prefix = select! { Tok::Word(w, WordClass { prefix: Some(f), .. }) => FamilySel { family: f, span: w.span, prefix: true } };
    // One alternative per command (Cmd::ALL, from the vocabulary table); each starts with an enum
    // comparison on the precomputed word class, so trying them in turn costs almost nothing.
    let alternatives: Vec<_> = Cmd::ALL
        .iter()
        .map(|&cmd| {
            select! { Tok::Word(w, WordClass { cmd: Some((c, sfx)), .. }) if c == cmd => (w.clone(), sfx) }
                .then(command_body(cmd))
                .map(move |((name, sfx), body)| (name, cmd, sfx, body))
                .boxed()
        })
        .collect();
    prefix.or_not().then(choice(alternatives)).map_with(
        |(prefix, (name, cmd, sfx, (kind, extra))), e| {
            let family = prefix.or(sfx.map(|f| FamilySel {
                family: f,
                span: name.span,
                prefix: false,
            }));
            StmtKind::Command(Command {
                span: span_of(e),
                family,
                name,
                cmd,
                kind,
                extra,
            })
        },
    )
}

fn is_shell_word(w: &Word, set: &[&str]) -> bool {
    w.bare().is_some_and(|b| set.contains(&b))
}

/// Splits `NAME=value` into the name and the value word (spans kept).
fn split_assignment(w: &Word) -> Assignment {
    use super::words::{PartKind, WordPart};
    let eq = assign_prefix(w).unwrap_or(0);
    let first = &w.parts[0];
    let PartKind::Literal(text) = &first.kind else {
        unreachable!("assign_prefix checked the first part")
    };
    let name = text[..eq].to_string();
    let name_span = Span::new(first.span.start, first.span.start + eq);
    let mut parts = Vec::new();
    if eq + 1 < text.len() {
        parts.push(WordPart {
            span: Span::new(first.span.start + eq + 1, first.span.end),
            kind: PartKind::Literal(text[eq + 1..].into()),
        });
    }
    parts.extend(w.parts[1..].iter().cloned());
    let value = (!parts.is_empty()).then(|| {
        let span = Span::new(parts[0].span.start, w.span.end);
        Word::new(span, parts)
    });
    Assignment {
        name,
        name_span,
        value,
        export: false,
        array: None,
    }
}

fn simple<'a, I: In<'a>>() -> impl Parser<'a, I, Stmt, Ex<'a>> + Clone {
    let lead = select! { Tok::Word(w, _) if is_shell_word(w, SHELL_CONTINUERS) || is_shell_word(w, SHELL_CLOSERS) => w.clone() }
        .repeated()
        .collect::<Vec<_>>();
    let rest = || word().repeated().collect::<Vec<Word>>();
    // A compound command's header is reported as a whole; `case x in a) ...` may hold `)` and `|`.
    let shell_opener =
        select! { Tok::Word(w, _) if is_shell_word(w, keywords::SHELL_OPENERS) => w.clone() }
            .then(rest())
            .then_ignore(any().repeated())
            .map(|(keyword, rest)| StmtKind::Shell(ShellStmt::Compound { keyword, rest }));
    let source = kw(&["source", "."])
        .then(rest())
        .map(|(keyword, args)| StmtKind::Shell(ShellStmt::Source { keyword, args }));
    // A builtin's arguments may be interleaved with redirections (`echo >&2 "..."`).
    let redirect_item = op(Op::Redirect)
        .then(word().or_not())
        .map(|(at, target)| Err(target.map_or(at, |t| Span::new(at.start, t.span.end))));
    let builtin = select! { Tok::Word(w, _) if is_shell_word(w, SHELL_COMMANDS) => w.clone() }
        .then(
            choice((redirect_item, word().map(Ok)))
                .repeated()
                .collect::<Vec<_>>(),
        )
        .map(|(name, items)| {
            let (mut args, mut redirects) = (Vec::new(), Vec::new());
            for item in items {
                match item {
                    Ok(w) => args.push(w),
                    Err(r) => redirects.push(r),
                }
            }
            StmtKind::Shell(ShellStmt::Builtin {
                name,
                args,
                redirects,
            })
        });
    let unset = kw(&["unset"]).ignore_then(rest()).map(StmtKind::Unset);
    let not_rparen = any().filter(|t: &Tok<'a>| *t != Tok::Op(Op::RParen));
    let array = op(Op::LParen)
        .then(not_rparen.repeated())
        .then(op(Op::RParen).or_not())
        .map_with(|_, e| Span::from(e.span()));
    let assign_word = select! { Tok::Word(w, WordClass { assign: true, .. }) => w.clone() };
    let assignment = kw(&["export", "readonly"])
        .or_not()
        .then(
            assign_word
                .then(array.or_not())
                .repeated()
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .then(rest())
        .map(|((export, items), trailing)| {
            let list = items
                .into_iter()
                .map(|(w, array)| Assignment {
                    export: export.is_some(),
                    array,
                    ..split_assignment(&w)
                })
                .collect();
            (list, trailing)
        });
    let assignment = assignment.map(|(list, trailing): (Vec<Assignment>, Vec<Word>)| {
        match trailing.split_first() {
            // `A=1 cmd args`: a command run with an environment prefix.
            Some((name, args)) => StmtKind::Shell(ShellStmt::Builtin {
                name: name.clone(),
                args: args.to_vec(),
                redirects: vec![],
            }),
            None => StmtKind::Assignment(list),
        }
    });
    let export_only = kw(&["export", "readonly"])
        .then(rest())
        .map(|_| StmtKind::Empty);
    let function_def = value()
        .then_ignore(op(Op::LParen))
        .then_ignore(op(Op::RParen))
        .then_ignore(rest())
        .map(|name| StmtKind::Shell(ShellStmt::FunctionDef { name }));
    let case_pattern = word()
        .separated_by(op(Op::Pipe))
        .at_least(1)
        .then(op(Op::RParen))
        .then(any().repeated())
        .map(|_| StmtKind::Shell(ShellStmt::CasePattern));
    let subshell = op(Op::LParen)
        .then(any().repeated())
        .map(|_| StmtKind::Shell(ShellStmt::Subshell));
    let unknown = word()
        .then(rest())
        .map(|(name, args)| StmtKind::Unknown(UnknownCommand { name, args }));
    let redirect = op(Op::Redirect).then_ignore(word().or_not());

    // FireHOL commands first: they are most statements, and each alternative that fails costs.
    lead.then(
        choice((
            command(),
            shell_opener,
            source,
            builtin,
            unset,
            assignment,
            export_only,
            function_def,
            case_pattern,
            subshell,
            unknown,
            empty().to(StmtKind::Empty),
        ))
        .boxed(),
    )
    .then(redirect.repeated().collect::<Vec<_>>())
    .map_with(|((lead, kind), redirects), e| Stmt {
        span: span_of(e),
        lead,
        kind,
        redirects,
    })
}

/// A statement: simple commands joined by `&&`, `||`, `|` or `&`.
fn statement<'a, I: In<'a>>() -> impl Parser<'a, I, Stmt, Ex<'a>> {
    let list_op =
        select! { Tok::Op(o) if matches!(o, Op::AndIf | Op::OrIf | Op::Pipe | Op::Amp) => o }
            .map_with(|o, e| (o, Span::from(e.span())));
    simple()
        .then(
            list_op
                .then(simple().or_not())
                .repeated()
                .collect::<Vec<_>>(),
        )
        .then_ignore(end())
        .map_with(|(first, more), e| {
            if more.is_empty() {
                return first;
            }
            let mut ops = Vec::new();
            let mut items = vec![first];
            for (o, s) in more {
                ops.push(o);
                items.extend(s);
            }
            Stmt {
                span: span_of(e),
                lead: vec![],
                kind: StmtKind::Shell(ShellStmt::List { ops, items }),
                redirects: vec![],
            }
        })
}

/// The result of parsing one file: the tree, the lexer tokens (trivia included) and the errors
/// the parser itself found.
#[derive(Clone, Debug)]
pub struct Parse {
    pub file: SourceFile,
    /// Words and operators in source order (what the parser saw).
    pub pieces: Vec<Piece>,
    pub tokens: Vec<(super::lexer::RawTok, Span)>,
    pub errors: Vec<crate::diag::Diagnostic>,
}

/// Cuts the token stream into statements at `\n`, `;` and `;;` (but not inside an array literal).
fn statement_ranges(toks: &[(Tok<'_>, SimpleSpan)]) -> Vec<std::ops::Range<usize>> {
    split_statements(toks, 0, true)
}

/// The splitting itself. An array that is never closed would swallow the rest of the file, so in
/// that case the text after its `(` is split again line by line (recovery stays local, as for an
/// unterminated quote).
fn split_statements(
    toks: &[(Tok<'_>, SimpleSpan)],
    from: usize,
    arrays: bool,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = from;
    let mut array_depth = 0usize;
    let mut array_open = 0;
    for (i, (t, sp)) in toks.iter().enumerate().skip(from) {
        match t {
            Tok::Op(Op::LParen) if array_depth > 0 => array_depth += 1,
            Tok::Op(Op::LParen) => {
                let after_assign = arrays
                    && i > 0
                    && matches!(toks[i - 1].0, Tok::Word(w, WordClass { assign: true, .. }) if w.literal().is_some_and(|l| l.ends_with('=')))
                    && toks[i - 1].1.end == sp.start;
                if after_assign {
                    array_depth = 1;
                    array_open = i;
                }
            }
            Tok::Op(Op::RParen) if array_depth > 0 => array_depth -= 1,
            Tok::Op(Op::Newline | Op::Semi | Op::DoubleSemi) if array_depth == 0 => {
                if start < i {
                    out.push(start..i);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if array_depth > 0 {
        // Unclosed: the assignment line up to its end is one statement, the rest is re-split.
        let line_end = toks[array_open..]
            .iter()
            .position(|(t, _)| matches!(t, Tok::Op(Op::Newline)))
            .map(|p| array_open + p)
            .unwrap_or(toks.len());
        out.push(start..line_end);
        out.extend(split_statements(
            toks,
            (line_end + 1).min(toks.len()),
            false,
        ));
        return out;
    }
    if start < toks.len() {
        out.push(start..toks.len());
    }
    out
}

/// Lexes and parses a whole file. Never fails: problems are in `errors` and `Error` statements.
pub fn parse(text: &str) -> Parse {
    use crate::codes::Code;
    use crate::diag::Diagnostic;

    let tokens = super::lexer::lex(text);
    let pieces = super::words::assemble(text, &tokens);
    let mut stmts = Vec::new();
    let mut errors = Vec::new();
    {
        let toks: Vec<(Tok<'_>, SimpleSpan)> = pieces
            .iter()
            .map(|p| match p {
                Piece::Word(w) => (Tok::Word(w, classify(w)), SimpleSpan::from(w.span.range())),
                Piece::Op(o, s) => (Tok::Op(*o), SimpleSpan::from(s.range())),
            })
            .collect();
        let parser = statement();
        for range in statement_ranges(&toks) {
            let slice = &toks[range];
            let span = Span::new(slice[0].1.start, slice[slice.len() - 1].1.end);
            let input = slice.split_token_span(SimpleSpan::from(span.end..span.end));
            let (out, errs) = parser.parse(input).into_output_errors();
            for e in errs {
                let at = Span::from(*e.span());
                let found = match e.found() {
                    Some(t) => t.to_string(),
                    None => "the end of the statement".to_string(),
                };
                errors.push(
                    Diagnostic::new(
                        Code::SyntaxError,
                        at,
                        format!("this statement cannot continue with {found}"),
                    )
                    .with_label("fhc cannot read the statement from here on")
                    .with_secondary(span, "in this statement"),
                );
            }
            stmts.push(out.unwrap_or(Stmt {
                span,
                lead: vec![],
                kind: StmtKind::Error,
                redirects: vec![],
            }));
        }
    }
    Parse {
        file: SourceFile { stmts },
        pieces,
        tokens,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Stmt {
        let p = parse(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.file.stmts.len(), 1, "{:#?}", p.file.stmts);
        p.file.stmts.into_iter().next().unwrap()
    }

    fn cmd(text: &str) -> Command {
        match one(text).kind {
            StmtKind::Command(c) => c,
            k => panic!("not a command: {k:?}"),
        }
    }

    fn lit(w: &Option<Word>) -> Option<&str> {
        w.as_ref().and_then(|w| w.literal())
    }

    #[test]
    fn synproxy_with_continuation_and_dnat() {
        let c = cmd(
            "ipv4 synproxy input inface eth0 \\\n    dst 1.2.3.4 dport 80 dnat to 10.1.1.1-10.1.1.10 persistent loglimit \"SYN\"",
        );
        assert_eq!(c.cmd, Cmd::Synproxy);
        assert_eq!(
            c.family.map(|f| (f.family, f.prefix)),
            Some((Family::Ipv4, true))
        );
        let CommandKind::Synproxy(s) = &c.kind else {
            panic!()
        };
        assert_eq!(lit(&s.types), Some("input"));
        let kinds: Vec<_> = s
            .params
            .iter()
            .map(|p| (p.kind, p.values[0].literal().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Some(ParamKind::Inface), "eth0"),
                (Some(ParamKind::Dst), "1.2.3.4"),
                (Some(ParamKind::Dport), "80")
            ]
        );
        let a = s.action.as_ref().unwrap();
        assert_eq!(a.verb, SynproxyVerb::Dnat);
        assert!(a.to.is_some());
        assert_eq!(lit(&a.target), Some("10.1.1.1-10.1.1.10"));
        assert_eq!(a.nat_options[0].kind, NatOptionKind::Persistent);
        assert_eq!(a.params[0].kind, Some(ParamKind::Loglimit));
    }

    #[test]
    fn synproxy_suffix_and_action_name() {
        let c = cmd("synproxy6 in,pass inface eth0 dst 2001:db8::1 dport 22 action TRAP_AND_DROP");
        assert_eq!(
            c.family.map(|f| (f.family, f.prefix)),
            Some((Family::Ipv6, false))
        );
        let CommandKind::Synproxy(s) = &c.kind else {
            panic!()
        };
        assert_eq!(lit(&s.types), Some("in,pass"));
        let a = s.action.as_ref().unwrap();
        assert_eq!(
            (a.verb, lit(&a.target)),
            (SynproxyVerb::Action, Some("TRAP_AND_DROP"))
        );
    }

    #[test]
    fn service_with_clause_and_negation() {
        let c = cmd(
            "server \"http https\" accept with limit 10/sec 100 src not \"10.0.0.0/8 ${LAN}\" dport 1:2",
        );
        let CommandKind::Service(s) = &c.kind else {
            panic!()
        };
        assert_eq!(lit(&s.services), Some("http https"));
        let a = s.action.as_ref().unwrap();
        assert_eq!(a.verb.literal(), Some("accept"));
        let w = a.with.as_ref().unwrap();
        assert_eq!(
            w.args
                .iter()
                .map(|w| w.literal().unwrap())
                .collect::<Vec<_>>(),
            ["limit", "10/sec", "100"]
        );
        assert_eq!(s.params.len(), 2);
        assert!(s.params[0].not.is_some());
        assert_eq!(
            s.params[0].values[0]
                .vars()
                .map(|v| v.0)
                .collect::<Vec<_>>(),
            ["LAN"]
        );
    }

    #[test]
    fn custom_service_and_missing_values() {
        let c = cmd("server custom myapp tcp/8080 default accept dport");
        let CommandKind::Service(s) = &c.kind else {
            panic!()
        };
        let cu = s.custom.as_ref().unwrap();
        assert_eq!(
            (lit(&cu.name), lit(&cu.server_ports), lit(&cu.client_ports)),
            (Some("myapp"), Some("tcp/8080"), Some("default"))
        );
        assert_eq!(s.params[0].missing, 1);
    }

    #[test]
    fn param_arities() {
        let c = cmd(
            "interface eth0 lan log \"x y\" level info connlimit upto 5 mask 24 saddr limit 1/s 5 dscp class EF custommark m 3 reverse",
        );
        let ps: Vec<_> = c
            .params()
            .iter()
            .map(|p| (p.kind.unwrap(), p.values.len(), p.missing))
            .collect();
        assert_eq!(
            ps,
            vec![
                (ParamKind::Log, 3, 0),
                (ParamKind::Connlimit, 5, 0),
                (ParamKind::Limit, 2, 0),
                (ParamKind::Dscp, 2, 0),
                (ParamKind::Custommark, 2, 0),
                (ParamKind::Reverse, 0, 0)
            ]
        );
    }

    #[test]
    fn keyword_ends_a_missing_value() {
        let c = cmd("interface eth0 lan src dst 1.2.3.4");
        let ps = c.params();
        assert_eq!((ps[0].kind, ps[0].missing), (Some(ParamKind::Src), 1));
        assert_eq!((ps[1].kind, ps[1].missing), (Some(ParamKind::Dst), 0));
    }

    #[test]
    fn assignments_and_arrays() {
        let StmtKind::Assignment(a) = one("export A=\"x $B\" C=").kind else {
            panic!()
        };
        assert_eq!(a[0].name, "A");
        assert!(a[0].export);
        assert_eq!(
            a[0].value
                .as_ref()
                .unwrap()
                .vars()
                .map(|v| v.0)
                .collect::<Vec<_>>(),
            ["B"]
        );
        assert!(a[1].value.is_none());
        let p = parse("arr=(a\n b)\nversion 6\n");
        assert_eq!(p.file.stmts.len(), 2);
        let StmtKind::Assignment(a) = &p.file.stmts[0].kind else {
            panic!()
        };
        assert!(a[0].array.is_some());
    }

    #[test]
    fn unclosed_array_does_not_swallow_the_file() {
        let p = parse("F=(\ninterface eth0 lan\nbogus x\n");
        assert_eq!(p.file.stmts.len(), 3, "{:#?}", p.file.stmts);
        assert!(matches!(p.file.stmts[2].kind, StmtKind::Unknown(_)));
    }

    #[test]
    fn shell_structure() {
        let p = parse("if [ -f x ]; then\n  server ssh accept\nfi\ntest -z x && y=1\nf() {\n}\n");
        let kinds: Vec<_> = p
            .file
            .stmts
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Shell(ShellStmt::Compound { .. }) => "compound",
                StmtKind::Shell(ShellStmt::List { .. }) => "list",
                StmtKind::Shell(ShellStmt::FunctionDef { .. }) => "function",
                StmtKind::Command(_) => "command",
                StmtKind::Empty => "empty",
                _ => "other",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "compound", "empty", "command", "empty", "list", "function", "empty"
            ]
        );
    }

    #[test]
    fn action_definition_with_next() {
        let c = cmd(
            "action TRAP table filter sockets_suspects_trap 3600 86400 1 src not \"$PRIVATE_IPS\" next action drop",
        );
        let CommandKind::Action(a) = &c.kind else {
            panic!()
        };
        assert_eq!(lit(&a.name), Some("TRAP"));
        assert_eq!(lit(&a.table), Some("filter"));
        assert_eq!(a.steps.len(), 2);
        assert_eq!(a.steps[0].args.len(), 3);
        assert_eq!(a.steps[0].params[0].kind, Some(ParamKind::Src));
        assert_eq!(a.steps[1].kind.literal(), Some("action"));
    }

    #[test]
    fn nat_and_mangle_forms() {
        let c = cmd("dnat to 10.0.0.1:8080 inface eth0 proto tcp dport 80");
        let CommandKind::Nat(n) = &c.kind else {
            panic!()
        };
        assert_eq!(lit(&n.targets), Some("10.0.0.1:8080"));
        let c = cmd("mark 3 out,post proto tcp");
        let CommandKind::Mangle {
            args,
            chains,
            params,
        } = &c.kind
        else {
            panic!()
        };
        assert_eq!(
            (args.len(), lit(chains), params.len()),
            (1, Some("out,post"), 1)
        );
        let c = cmd("nat to-destination 10.0.0.1 dport 80");
        let CommandKind::Nat(n) = &c.kind else {
            panic!()
        };
        assert_eq!(
            (lit(&n.mode), lit(&n.targets)),
            (Some("to-destination"), Some("10.0.0.1"))
        );
    }
}
