//! Command-level problems: arguments a command does not take, the arguments and parts it is
//! missing, and raw iptables rules.

use super::cmd_name;
use super::params::param_problems;
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::syntax::ast::*;
use crate::syntax::keywords::Cmd;

fn missing(c: &Command, what: &str, example: &str, out: &mut Vec<Diagnostic>) {
    let name = cmd_name(c);
    out.push(
        Diagnostic::new(
            Code::MissingArgument,
            c.span,
            format!("`{name}` needs {what}"),
        )
        .with_label(format!("{what} missing"))
        .with_help(format!("for example: {example}")),
    );
}

pub(super) fn command_problems(c: &Command, out: &mut Vec<Diagnostic>) {
    extra_argument(c, out);
    missing_arguments(c, out);
    for p in c.params() {
        param_problems(c, p, out);
    }
}

/// The words after a command that takes no more.
fn extra_argument(c: &Command, out: &mut Vec<Diagnostic>) {
    if let Some(first) = c.extra.first() {
        let span = first
            .span
            .cover(c.extra.last().map(|w| w.span).unwrap_or(first.span));
        out.push(
            Diagnostic::new(
                Code::ExtraArgument,
                span,
                format!("`{}` does not take these arguments", cmd_name(c)),
            )
            .with_label("unexpected")
            .with_fix(
                "remove them",
                vec![TextEdit {
                    span,
                    new_text: String::new(),
                }],
            ),
        );
    }
}

/// The positional arguments a command cannot do without.
fn missing_arguments(c: &Command, out: &mut Vec<Diagnostic>) {
    match &c.kind {
        CommandKind::Version { number: None } => missing(c, "a version number", "version 6", out),
        CommandKind::Interface { ifaces, name, .. } => {
            if ifaces.is_none() {
                missing(
                    c,
                    "the real interface(s) and a name",
                    "interface eth0 lan",
                    out,
                )
            } else if name.is_none() {
                missing(
                    c,
                    "a name after the real interface(s)",
                    "interface eth0 lan",
                    out,
                )
            }
        }
        CommandKind::Router { name: None, .. } => {
            missing(c, "a name", "router lan2wan inface eth1 outface eth0", out)
        }
        CommandKind::GroupBare => missing(c, "`with` or `end`", "group with src 10.0.0.0/8", out),
        CommandKind::Policy { action: None } => missing(c, "an action", "policy drop", out),
        CommandKind::Service(s) => missing_service_parts(c, s, out),
        CommandKind::Synproxy(s) => missing_synproxy_parts(c, s, out),
        CommandKind::Nat(_)
        | CommandKind::TransparentProxy { .. }
        | CommandKind::TransparentSquid { .. }
        | CommandKind::Tproxy { .. } => missing_nat_parts(c, out),
        CommandKind::Action(a) => {
            if a.name.is_none() {
                missing(c, "a name", "action MYDROP chain drop", out);
            } else if a.steps.is_empty() {
                missing(
                    c,
                    "a type and its arguments",
                    "action MYDROP chain drop",
                    out,
                );
            }
        }
        CommandKind::Mangle { args, .. } => {
            let need = match c.cmd {
                Cmd::Custommark => 2,
                Cmd::Dscp if args.first().is_some_and(|a| a.is_ci("class")) => 2,
                Cmd::Tosfix => 0,
                _ => 1,
            };
            if args.len() < need {
                missing(c, "a value", "mark 1 out dport 25", out);
            }
        }
        CommandKind::Tcpmss { mss: None, .. } => {
            missing(c, "an MSS value or `auto`", "tcpmss auto eth0", out)
        }
        CommandKind::LogHelper { text: None, .. } => {
            missing(c, "a log text", "log \"BAD\" src 10.0.0.1", out)
        }
        _ => {}
    }
}

/// `server`/`client`/`route`: the service, the parts of a `custom` one, the action.
fn missing_service_parts(c: &Command, s: &ServiceCmd, out: &mut Vec<Diagnostic>) {
    let role = cmd_name(c).to_string();
    if s.services.is_none() {
        missing(c, "a service name", &format!("{role} ssh accept"), out);
    } else if let Some(cu) = &s.custom
        && (cu.name.is_none() || cu.server_ports.is_none() || cu.client_ports.is_none())
    {
        missing(
            c,
            "a name, server ports and client ports after `custom`",
            &format!("{role} custom myapp tcp/8080 default accept"),
            out,
        );
    } else if s.action.is_none() {
        missing(
            c,
            "an action after the service",
            &format!("{role} ssh accept"),
            out,
        );
    }
}

/// `synproxy`: the type, and the target of a `dnat`, `redirect` or `action` action.
fn missing_synproxy_parts(c: &Command, s: &SynproxyCmd, out: &mut Vec<Diagnostic>) {
    if s.types.is_none() {
        missing(
            c,
            "a type (input or forward)",
            "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept",
            out,
        );
    }
    if let Some(a) = &s.action
        && a.target.is_none()
        && matches!(
            a.verb,
            SynproxyVerb::Dnat | SynproxyVerb::Redirect | SynproxyVerb::Action
        )
    {
        let what = match a.verb {
            SynproxyVerb::Dnat => "dnat to IP[:PORT]",
            SynproxyVerb::Redirect => "redirect to PORT",
            _ => "action NAME",
        };
        out.push(
            Diagnostic::new(
                Code::MissingArgument,
                a.span,
                format!("the synproxy action needs its target: `{what}`"),
            )
            .with_label("target missing"),
        );
    }
}

/// The NAT commands (mode, target) and the transparent proxies (ports).
fn missing_nat_parts(c: &Command, out: &mut Vec<Diagnostic>) {
    match &c.kind {
        CommandKind::Nat(n) => {
            if c.cmd == Cmd::Nat && n.mode.is_none() {
                missing(
                    c,
                    "to-destination, to-source or redirect-to",
                    "nat to-destination 10.0.0.1 dport 80",
                    out,
                );
            } else if n.targets.is_none() {
                let ex = match c.cmd {
                    Cmd::Snat => "snat to 198.51.100.1 outface eth0",
                    Cmd::Redirect => "redirect to 8080 inface eth0 dport 80",
                    _ => "dnat to 10.0.0.1 inface eth0 dport 80",
                };
                missing(c, "a target", ex, out);
            }
        }
        CommandKind::TransparentProxy {
            ports,
            redirect_port,
            ..
        } if (ports.is_none() || redirect_port.is_none()) => {
            missing(
                c,
                "the ports to catch and the local port to redirect to",
                "transparent_proxy 80 3128 squid inface eth1",
                out,
            );
        }
        CommandKind::TransparentSquid {
            redirect_port: None,
            ..
        } => missing(
            c,
            "the local squid port",
            "transparent_squid 3128 squid inface eth1",
            out,
        ),
        CommandKind::Tproxy { ports, port, .. } if (ports.is_none() || port.is_none()) => {
            missing(
                c,
                "the ports to catch and `port P`",
                "tproxy 80 port 3129 inface eth1",
                out,
            );
        }
        _ => {}
    }
}
