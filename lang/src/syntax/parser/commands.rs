//! The FireHOL commands: one grammar per command word (sections, services, synproxy, actions,
//! NAT, mangle and the other helpers), and the optional family prefix before them.

use super::params::{
    NAT_OPTION_WORDS, args_and_params, nat_tail, params, params_except, rule_action,
};
use super::prims::{kw, rest, span_of, value, value_except, word};
use super::{Ex, In, Tok, WordClass};
use crate::syntax::ast::*;
use crate::syntax::keywords::{self, Cmd};
use crate::syntax::words::Word;
use chumsky::prelude::*;

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
    const VERBS: &[&str] = keywords::SYNPROXY_VERBS;
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
            CommandKind::Synproxy(Box::new(SynproxyCmd {
                types,
                params,
                action,
            }))
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
            CommandKind::Service(Box::new(ServiceCmd {
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
            }))
        });
    let anystateless = kw(&["anystateless"])
        .then(value().or_not())
        .then(rule_action().or_not())
        .then(params())
        .map(move |(((svc, name), action), params)| {
            CommandKind::Service(Box::new(ServiceCmd {
                role,
                services: Some(svc),
                custom: None,
                anystateless_name: name,
                action,
                params,
            }))
        });
    let plain = value()
        .or_not()
        .then(rule_action().or_not())
        .then(params())
        .map(move |((services, action), params)| {
            CommandKind::Service(Box::new(ServiceCmd {
                role,
                services,
                custom: None,
                anystateless_name: None,
                action,
                params,
            }))
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

/// What a command body parses to: the command and the words it does not take (reported as extra).
type Body<'a, I> = Boxed<'a, 'a, I, (CommandKind, Vec<Word>), Ex<'a>>;

/// The body of a command, chosen by the command word.
fn command_body<'a, I: In<'a>>(cmd: Cmd) -> Body<'a, I> {
    let none = || empty().map(|_| Vec::<Word>::new());
    match cmd {
        Cmd::Version
        | Cmd::Interface
        | Cmd::Router
        | Cmd::Group
        | Cmd::Policy
        | Cmd::Protection => section_body(cmd),
        Cmd::Server => service(Role::Server).then(none()).boxed(),
        Cmd::Client => service(Role::Client).then(none()).boxed(),
        Cmd::Route => service(Role::Route).then(none()).boxed(),
        Cmd::Synproxy => synproxy().then(none()).boxed(),
        Cmd::Dnat
        | Cmd::Snat
        | Cmd::Redirect
        | Cmd::Nat
        | Cmd::Masquerade
        | Cmd::TransparentProxy
        | Cmd::TransparentSquid
        | Cmd::Tproxy => nat_body(cmd),
        Cmd::Action => action_def().then(none()).boxed(),
        Cmd::Mark
        | Cmd::Connmark
        | Cmd::Custommark
        | Cmd::Classify
        | Cmd::Tos
        | Cmd::Dscp
        | Cmd::Tosfix => mangle_body(cmd),
        Cmd::Tcpmss
        | Cmd::Iptrap
        | Cmd::Ipuntrap
        | Cmd::Log
        | Cmd::Loglimit
        | Cmd::Iptables
        | Cmd::Ip6tables
        | Cmd::Ipset
        | Cmd::Markdef
        | Cmd::Marksreset
        | Cmd::RequireKernelModule
        | Cmd::Postprocess
        | Cmd::DockerBridge
        | Cmd::Mac
        | Cmd::EcnShame
        | Cmd::Blacklist
        | Cmd::Cthelper => helper_body(cmd),
    }
}

/// `version`, the section commands (`interface`, `router`, `group`) and what sets up a section
/// (`policy`, `protection`).
fn section_body<'a, I: In<'a>>(cmd: Cmd) -> Body<'a, I> {
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
            kw(keywords::GROUP_OPEN)
                .then(params())
                .map(|(verb, params)| (CommandKind::GroupStart { verb, params }, vec![])),
            kw(keywords::GROUP_CLOSE).then(rest()).map(|(verb, x)| (CommandKind::GroupEnd { verb }, x)),
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
        _ => unreachable!("{cmd:?} is not a section command"),
    }
}

/// The NAT commands and the transparent proxies.
fn nat_body<'a, I: In<'a>>(cmd: Cmd) -> Body<'a, I> {
    match cmd {
        Cmd::Dnat | Cmd::Snat | Cmd::Redirect | Cmd::Nat => {
            let mode = if cmd == Cmd::Nat {
                kw(&["to-destination", "to-source", "redirect-to"])
                    .or_not()
                    .boxed()
            } else {
                empty().map(|_| None).boxed()
            };
            mode.then(kw(&["to", "to-port", "to-ports"]).map(|w| w.span).or_not())
                .then(value_except(NAT_OPTION_WORDS).or_not())
                .then(nat_tail())
                .map(|(((mode, to), targets), (options, params))| {
                    (
                        CommandKind::Nat(Box::new(NatCmd {
                            mode,
                            to,
                            targets,
                            options,
                            params,
                        })),
                        vec![],
                    )
                })
                .boxed()
        }
        Cmd::Masquerade => kw(&["reverse"])
            .map(|w| w.span)
            .or_not()
            .then(value_except(NAT_OPTION_WORDS).or_not())
            .then(nat_tail())
            .map(|((reverse, ifaces), (options, params))| {
                (
                    CommandKind::Masquerade {
                        reverse,
                        ifaces,
                        options,
                        params,
                    },
                    vec![],
                )
            })
            .boxed(),
        Cmd::TransparentProxy => value()
            .or_not()
            .then(value().or_not())
            .then(value().or_not())
            .then(params())
            .map(|(((ports, redirect_port), user), params)| {
                (
                    CommandKind::TransparentProxy {
                        ports,
                        redirect_port,
                        user,
                        params,
                    },
                    vec![],
                )
            })
            .boxed(),
        Cmd::TransparentSquid => value()
            .or_not()
            .then(value().or_not())
            .then(params())
            .map(|((redirect_port, user), params)| {
                (
                    CommandKind::TransparentSquid {
                        redirect_port,
                        user,
                        params,
                    },
                    vec![],
                )
            })
            .boxed(),
        Cmd::Tproxy => value_except(&["port", "ip"])
            .or_not()
            .then(kw(&["port"]).ignore_then(value().or_not()).or_not())
            .then(kw(&["ip"]).ignore_then(value().or_not()).or_not())
            .then(params())
            .map(|(((ports, port), ip), params)| {
                (
                    CommandKind::Tproxy {
                        ports,
                        port: port.flatten(),
                        ip: ip.flatten(),
                        params,
                    },
                    vec![],
                )
            })
            .boxed(),
        _ => unreachable!("{cmd:?} is not a NAT command"),
    }
}

/// The mangle helpers: `mark`, `connmark`, `custommark`, `classify`, `tos`, `dscp`, `tosfix`.
fn mangle_body<'a, I: In<'a>>(cmd: Cmd) -> Body<'a, I> {
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
            (
                CommandKind::Mangle {
                    args,
                    chains,
                    params,
                },
                vec![],
            )
        })
        .boxed()
}

/// The other helpers, and the commands whose syntax fhc keeps as words.
fn helper_body<'a, I: In<'a>>(cmd: Cmd) -> Body<'a, I> {
    match cmd {
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
                (
                    CommandKind::Args {
                        args: first,
                        params,
                    },
                    vec![],
                )
            })
            .boxed(),
        Cmd::Log | Cmd::Loglimit => value()
            .or_not()
            .then(params())
            .map(|(text, params)| (CommandKind::LogHelper { text, params }, vec![]))
            .boxed(),
        Cmd::Iptables | Cmd::Ip6tables => rest()
            .map(|args| (CommandKind::Passthrough { args }, vec![]))
            .boxed(),
        Cmd::Ipset
        | Cmd::Markdef
        | Cmd::Marksreset
        | Cmd::RequireKernelModule
        | Cmd::Postprocess
        | Cmd::DockerBridge
        | Cmd::Mac
        | Cmd::EcnShame => rest()
            .map(|args| {
                (
                    CommandKind::Args {
                        args,
                        params: vec![],
                    },
                    vec![],
                )
            })
            .boxed(),
        Cmd::Blacklist | Cmd::Cthelper => args_and_params()
            .map(|(args, params)| (CommandKind::Args { args, params }, vec![]))
            .boxed(),
        _ => unreachable!("{cmd:?} is not a helper command"),
    }
}

/// `[ipv4|ipv6|both] CMD ...`
pub(super) fn command<'a, I: In<'a>>() -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone {
    command_of(Cmd::ALL)
}

/// The grammar of some commands only: building the whole grammar costs far more than reading
/// one statement with it, and the shell evaluator reads its statements one at a time, knowing
/// the command.
pub(super) fn command_of<'a, I: In<'a>>(
    cmds: &[Cmd],
) -> impl Parser<'a, I, StmtKind, Ex<'a>> + Clone + use<'a, I> {
    let prefix = select! { Tok::Word(w, WordClass { prefix: Some(f), .. }) => FamilySel { family: f, span: w.span, prefix: true } };
    // One alternative per command (Cmd::ALL, from the vocabulary table); each starts with an enum
    // comparison on the precomputed word class, so trying them in turn costs almost nothing.
    let alternatives: Vec<_> = cmds
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
            StmtKind::Command(std::sync::Arc::new(Command {
                span: span_of(e),
                family,
                name,
                cmd,
                kind,
                extra,
            }))
        },
    )
}
