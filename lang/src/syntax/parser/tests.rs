//! The parser's unit tests: statements of each kind parsed into the expected tree.

use super::*;

fn one(text: &str) -> Stmt {
    let p = parse(text);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.file.stmts.len(), 1, "{:#?}", p.file.stmts);
    p.file.stmts.into_iter().next().unwrap()
}

fn cmd(text: &str) -> Command {
    match one(text).kind {
        StmtKind::Command(c) => std::sync::Arc::unwrap_or_clone(c),
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
            "other", "empty", "command", "empty", "list", "function", "empty", "empty"
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

/// [`shell::one_command`]'s promise: no word that starts a command (its name, with or without a
/// family suffix, or a family prefix) is a reserved word the whole grammar would take as a lead.
#[test]
fn no_command_word_is_a_leading_reserved_word() {
    let leads = [
        keywords::SHELL_CONTINUERS,
        keywords::SHELL_CONDITION_LEADS,
        keywords::SHELL_CLOSERS,
    ]
    .concat();
    let words = keywords::COMMANDS
        .iter()
        .map(|(name, ..)| *name)
        .chain(["ipv4", "ipv6", "both"]);
    for w in words {
        assert!(keywords::command(w).is_some() || Family::from_prefix(w).is_some());
        assert!(
            !leads.contains(&w),
            "`{w}` starts a command and leads a statement"
        );
    }
}
