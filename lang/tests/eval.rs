//! The shell stage through the front doors: what a configuration's bash produces, where its
//! diagnostics point, what needs the host and how `--define` answers it, and the limits.

use fhc_lang::eval::{Defines, EventKind};
use fhc_lang::nft::Options;
use fhc_lang::{Code, Prelude, analyze, analyze_with};

/// The FireHOL commands the evaluation produced, as words.
fn calls(text: &str) -> Vec<String> {
    analyze(text)
        .evaluation
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Command { argv, .. } => Some(argv.join(" ")),
            _ => None,
        })
        .collect()
}

fn codes(text: &str) -> Vec<&'static str> {
    analyze(text)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

fn with_defines(defs: &[(&str, &str)]) -> Prelude {
    let mut p = Prelude::none();
    p.set_defines(Defines(
        defs.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    ));
    p
}

#[test]
fn bash_semantics_decide_the_words() {
    // Unquoted expansions split, quoted ones do not; an empty unquoted word disappears.
    assert_eq!(
        calls("S=\"http https\"\nE=\ninterface eth0 lan\n    server \"$S\" accept $E\n"),
        ["interface eth0 lan", "server http https accept"]
    );
    assert!(
        codes("S=\"http https\"\ninterface eth0 lan\n    server $S accept\n").contains(&"E0109"),
        "FireHOL reads `https` as the action: so does fhc"
    );
    // Loops, conditions, case, functions, arithmetic and expansions.
    let text = "\
ROLE=gw
BASE=8000
web() { local port=$(( BASE + $1 )); server custom \"web$1\" \"tcp/$port\" default accept; }
interface eth0 lan
for i in 1 2; do
    [ \"$ROLE\" = gw ] && web \"$i\"
done
case \"$ROLE\" in g*) server ssh accept ;; *) server telnet accept ;; esac
V=eth0.100
server dns accept src \"10.${V#*.}.0.0/16\"
";
    assert_eq!(
        calls(text),
        [
            "interface eth0 lan",
            "server custom web1 tcp/8001 default accept",
            "server custom web2 tcp/8002 default accept",
            "server ssh accept",
            "server dns accept src 10.100.0.0/16",
        ]
    );
}

#[test]
fn diagnostics_name_the_call_and_the_iteration() {
    let text = "pub() {\n    dnat4 to \"$2\" inface eth0 proto tcp dport \"$1\"\n}\npub 80 10.0.0.5\npub 99999 10.0.0.6\ninterface eth0 lan\nfor port in 443 70000; do\n    server custom web \"tcp/$port\" default accept\ndone\n";
    let a = analyze(text);
    let in_fn = a
        .diagnostics
        .iter()
        .find(|d| d.message.contains("99999"))
        .expect("the bad port is reported");
    assert_eq!(&text[in_fn.span.range()], "\"$1\"", "at the body's word");
    assert!(
        in_fn
            .labels
            .iter()
            .any(|l| &text[l.span.range()] == "pub 99999 10.0.0.6"
                && l.message.contains("called here")),
        "{in_fn:?}"
    );
    let in_loop = a
        .diagnostics
        .iter()
        .find(|d| d.message.contains("70000"))
        .expect("the bad loop value is reported");
    assert!(
        in_loop.notes.iter().any(|n| n.contains("for port=70000")),
        "{in_loop:?}"
    );
    // Reported once, not once per run of the line.
    let twice =
        "interface eth0 lan\nfor i in 1 2 3; do\n    server ssh accept src 10.0.0.300\ndone\n";
    assert_eq!(codes(twice), ["E0114"]);
}

#[test]
fn rule_comments_name_the_calling_line() {
    let text = "pub() {\n    dnat4 to \"$2\" inface eth0 proto tcp dport \"$1\"\n}\npub 80 10.0.0.5\ninterface eth0 lan\n    server ssh accept\n";
    let (out, _) = fhc_lang::compile(text, &Options::default()).unwrap();
    assert!(
        out.ruleset.rules.iter().any(|r| r
            .comment
            .as_deref()
            .is_some_and(|c| c.starts_with("line 2 (called from line 4): dnat4"))),
        "{:#?}",
        out.ruleset
            .rules
            .iter()
            .map(|r| &r.comment)
            .collect::<Vec<_>>()
    );
}

#[test]
fn what_needs_the_host_is_an_error_and_a_define_answers_it() {
    let text = "WAN_IP=$(ip -4 -o addr show eth0 | awk '{print $4}')\ninterface eth0 wan dst \"$WAN_IP\"\n    server ssh accept\n";
    assert_eq!(codes(text), ["E0004"]);
    let p = with_defines(&[("WAN_IP", "203.0.113.10")]);
    let a = analyze_with(text, &p);
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    let (out, _) = fhc_lang::compile_with(text, &p, &Options::default()).unwrap();
    let text_out = format!("{:?}", out.ruleset);
    assert!(text_out.contains("203.0.113.10"));
    assert!(
        out.ruleset.rules[0]
            .comment
            .as_deref()
            .is_some_and(|c| c.starts_with("--define WAN_IP=203.0.113.10")),
        "the ruleset says which defines it was compiled with"
    );
    for (text, code) in [
        (
            "if [ -f /etc/firehol/lan ]; then\n    version 6\nfi\n",
            Code::HostDependent,
        ),
        ("X=$RANDOM\n", Code::HostDependent),
        ("X=$HOSTNAME\n", Code::HostDependent),
        ("source /etc/firehol/extra.conf\n", Code::SourceFile),
        ("cat /etc/hosts\n", Code::ShellCommand),
        ("exit 0\n", Code::ShellCommand),
        ("ls | wc -l\n", Code::ShellConstruct),
    ] {
        let a = analyze(text);
        let d = a.diagnostics.iter().find(|d| d.code == code);
        assert!(d.is_some(), "{text:?}: {:#?}", a.diagnostics);
        assert!(
            d.unwrap()
                .help
                .iter()
                .chain(d.unwrap().label.iter())
                .count()
                > 0,
            "{text:?}: a way out or a reason"
        );
    }
}

#[test]
fn break_outside_a_loop_does_nothing() {
    // bash says "only meaningful in a loop" and goes on; `break 5` in one loop leaves it.
    let text = "break\nfor i in 1 2; do version 6; break 5; done\nversion 6\n";
    assert_eq!(calls(text), ["version 6", "version 6"]);
    assert_eq!(codes(text), ["W0133"]);
}

#[test]
fn after_a_value_from_the_host_the_rest_still_runs() {
    // What uses the value is taken without a word about it (the section still opens); what
    // does not is checked as usual; a condition on it stops.
    let text = "IP=$(hostname -i)\nNET=\"$IP/24\"\ninterface eth0 lan src \"$NET\"\n    server nosuchservice accept\n";
    assert_eq!(codes(text), ["E0004", "E0110"]);
    let text = "IP=$(hostname -i)\nif [ -n \"$IP\" ]; then\n    version 6\nfi\nversion 7\n";
    assert_eq!(codes(text), ["E0004"]);
    assert!(calls(text).is_empty());
    // A function's output is captured like a builtin's.
    assert_eq!(
        calls("f() { echo \"a b\"; }\nx=$(f)\n[ \"$x\" = \"a b\" ] && version 6\n"),
        ["version 6"]
    );
}

#[test]
fn functions_are_defined_when_bash_reaches_them() {
    let text = "f\nf() { version 6; }\nf\n";
    let a = analyze(text);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownCommand)
        .expect("the early call is an error");
    assert_eq!(d.span.start, 0);
    assert_eq!(calls(text), ["version 6"]);
    // A function named like a FireHOL command replaces it, as in bash.
    assert_eq!(
        calls("server() { client \"$@\"; }\ninterface eth0 lan\n    server ssh accept\n"),
        ["interface eth0 lan", "client ssh accept"]
    );
}

#[test]
fn runaway_shell_ends_in_a_diagnostic() {
    let cases = [
        "interface eth0 lan\nwhile true; do\n    server ssh accept\ndone\n".to_string(),
        "f() { server ssh accept; f; }\ninterface eth0 lan\nf\n".to_string(),
        "X=x\nwhile true; do X=\"$X$X\"; done\n".to_string(),
        // Arguments doubling down a recursion (found by the format fuzz target: it ran for
        // minutes before the size of a call's arguments was bounded).
        "f() { f \"$*\" \"$*\"; }\nf a\n".to_string(),
        // The same with empty arguments (no bytes, only words), and with `set --` in a loop.
        "f() { f \"$@\" \"$@\"; }\nf \"\"\n".to_string(),
        "set -- a\nwhile true; do set -- \"$@\" \"$@\"; done\n".to_string(),
        {
            // A generated body of 10 MB and more: 1,000,000 statements from three loops.
            let r: Vec<String> = (0..100).map(|i| i.to_string()).collect();
            let r = r.join(" ");
            format!(
                "interface eth0 lan\nfor a in {r}; do for b in {r}; do for c in {r}; do\n    server custom \"s$a$b$c\" \"tcp/$((a * 100 + b + 1000))\" default accept src \"10.$a.$b.$c\"\ndone; done; done\n"
            )
        },
    ];
    // The fuzz targets' small limits stop each of them the same way.
    let small = fhc_lang::eval::Limits::SMALL.prelude();
    for text in &cases {
        for a in [analyze(text), fhc_lang::analyze_with(text, &small)] {
            assert!(
                a.diagnostics.iter().any(|d| d.code == Code::EvalLimit),
                "{}: {:#?}",
                &text[..40.min(text.len())],
                a.diagnostics
            );
            assert!(a.evaluation.runaway);
        }
    }
}

#[test]
fn a_recursion_names_its_calling_line_once() {
    // The limit is reported 256 calls deep: one label for the recursive call, one for the first.
    let text = "f() {\n    server ssh accept\n    f\n}\ninterface eth0 lan\nf\n";
    let a = analyze(text);
    let limit = a
        .diagnostics
        .iter()
        .find(|d| d.code == Code::EvalLimit)
        .expect("the recursion is stopped");
    let labels: Vec<(usize, &str)> = limit
        .labels
        .iter()
        .map(|l| (l.span.start, l.message.as_str()))
        .collect();
    let inner = text.find("    f\n").unwrap() + 4;
    let outer = text.rfind("f\n").unwrap();
    assert_eq!(
        labels,
        [
            (inner, "in `f`, called here (255 nested calls)"),
            (outer, "in `f`, called here")
        ],
        "{labels:?}"
    );
}
