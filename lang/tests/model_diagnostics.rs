//! Semantic diagnostics: one test per diagnostic (code, line, labels) and fixes that work.

use fhc_lang::span::ColumnUnit;
use fhc_lang::{Code, Diagnostic, LineIndex, analyze};

fn find(text: &str, code: &str) -> Diagnostic {
    let a = analyze(text);
    a.diagnostics
        .iter()
        .find(|d| d.code.as_str() == code)
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no {code} in {:?}",
                a.diagnostics
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect::<Vec<_>>()
            )
        })
}

/// Errors and warnings (info-level notes are not problems).
fn problems(text: &str) -> Vec<Diagnostic> {
    analyze(text)
        .diagnostics
        .into_iter()
        .filter(|d| d.severity <= fhc_lang::Severity::Warning)
        .collect()
}

fn line(text: &str, span: fhc_lang::Span) -> u32 {
    LineIndex::new(text)
        .position(text, span.start, ColumnUnit::Byte)
        .line
        + 1
}

/// Applying the first fix of each catalogue example's diagnostic removes that diagnostic.
#[test]
fn every_fix_in_the_catalogue_removes_its_diagnostic() {
    let mut fixed = 0;
    for &code in Code::ALL {
        let text = code.example();
        let a = fhc_lang::catalogue::analyze_example(code);
        let Some(d) = a.diagnostics.iter().find(|d| d.code == code) else {
            panic!("{code} example")
        };
        let Some(fix) = d.fixes.first() else { continue };
        let after = fix.apply(text);
        let still: Vec<_> = fhc_lang::check(&after)
            .diagnostics
            .into_iter()
            .filter(|x| x.code == code)
            .collect();
        assert!(
            still.is_empty(),
            "{code}: fix {:?} gives\n{after}\nstill {still:?}",
            fix.title
        );
        fixed += 1;
    }
    assert!(fixed >= 15, "only {fixed} codes have fixes");
}

const SEED_DMZ: &str = "\
ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 dnat to 10.1.1.1
router wan2lan inface eth0 outface eth1
    server http accept dst 10.1.1.1
";

#[test]
fn seed_examples_are_clean() {
    let a = analyze(SEED_DMZ);
    assert!(problems(SEED_DMZ).is_empty(), "{:?}", a.diagnostics);
    let m = &a.model;
    assert_eq!(m.synproxies.len(), 1);
    assert_eq!(m.sections.len(), 1);
    let (out, _) = fhc_lang::compile(SEED_DMZ, &Default::default()).expect("compiles");
    assert!(out.sysctls.iter().any(|s| s.key == "net.ipv4.ip_forward"));
}

#[test]
fn synproxy_without_inface_and_dst() {
    let text = "ipv4 synproxy input dport 80 accept\ninterface eth1 lan\n    server http accept\n";
    let d = find(text, "E0101");
    assert_eq!(line(text, d.span), 1);
    assert_eq!(
        d.fixes[0].apply(text).lines().next(),
        Some("ipv4 synproxy input inface eth1 dport 80 accept")
    );
    let d = find(text, "E0102");
    assert_eq!(line(text, d.span), 1);
}

#[test]
fn exclude_owner_needs_dst_or_src_not() {
    let base = "FIREHOL_SYNPROXY_EXCLUDE_OWNER=1\nipv4 synproxy input inface eth0 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    let d = find(base, "E0102");
    assert!(d.message.contains("`dst` or `src not"), "{}", d.message);
    let ok = base.replace("dport 80", "src not \"$UNROUTABLE_IPS\" dport 80");
    assert!(
        !analyze(&ok)
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "E0102")
    );
}

#[test]
fn synproxy_after_dnat_has_both_spans_and_moves() {
    let text = "version 6\ndnat4 to 10.0.0.9 inface eth0 proto tcp dport 80\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    let d = find(text, "W0103");
    assert_eq!(line(text, d.span), 3);
    assert_eq!(line(text, d.labels[0].span), 2);
    let fixed = d.fixes[0].apply(text);
    assert_eq!(
        fixed.lines().nth(1),
        Some("ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept")
    );
    assert_eq!(
        fixed.lines().nth(2),
        Some("dnat4 to 10.0.0.9 inface eth0 proto tcp dport 80")
    );
    // A dnat for another port cannot capture the SYN.
    let other = text.replace("proto tcp dport 80", "proto tcp dport 8080");
    assert!(
        !analyze(&other)
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "W0103")
    );
}

#[test]
fn duplicate_dst_needs_src() {
    let text = "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\nipv4 synproxy input inface eth1 dst 1.2.3.4 dport 80 action TRAP\naction TRAP chain drop\ninterface eth0 wan\n    server http accept\n";
    let d = find(text, "E0104");
    assert_eq!((line(text, d.span), line(text, d.labels[0].span)), (2, 1));
    let fixed = d.fixes[0].apply(text);
    assert!(
        fixed.contains("dport 80 src CLIENTS_1 accept")
            && fixed.contains("src CLIENTS_2 action TRAP"),
        "{fixed}"
    );
    let apart = text
        .replace("inface eth0 dst", "inface eth0 src 10.0.0.0/8 dst")
        .replace("inface eth1 dst", "inface eth1 src 192.168.0.0/16 dst");
    assert!(
        !analyze(&apart)
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "E0104")
    );
}

/// Parameters after the action are compared by what they say, not where they were written: a
/// statement repeated word for word is not "a different action" (it was, while their positions
/// were compared too).
#[test]
fn same_parameters_after_the_action_on_two_lines_are_the_same_action() {
    let stmt = "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept uid root\n";
    let rest = "interface eth0 wan\n    server http accept\n";
    let twice = format!("{stmt}{stmt}{rest}");
    assert!(
        !analyze(&twice)
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "E0104"),
        "{:?}",
        analyze(&twice).diagnostics
    );
    let other = format!("{stmt}{}{rest}", stmt.replace("uid root", "uid nobody"));
    let d = find(&other, "E0104");
    assert!(d.message.contains("a different action"), "{}", d.message);
}

/// Copies of a statement are compared once (the check indexes only the first of identical ones),
/// and a conflict still names the first statement it has, among many servers on one port.
#[test]
fn conflicts_among_copies_and_many_servers_name_the_first_statement() {
    let a = "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\n";
    let others: String = (0..50)
        .map(|i| format!("ipv4 synproxy input inface eth0 dst 10.0.0.{i} dport 80 accept\n"))
        .collect();
    let text = format!(
        "{a}{a}{others}{a}ipv4 synproxy input inface eth1 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n"
    );
    let found: Vec<_> = analyze(&text)
        .diagnostics
        .into_iter()
        .filter(|d| d.code.as_str() == "E0104")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let d = &found[0];
    assert_eq!(
        (line(&text, d.span), line(&text, d.labels[0].span)),
        (54, 1)
    );
}

#[test]
fn synproxy_placement_family_and_types() {
    let text =
        "interface eth0 wan\n    ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\n";
    assert_eq!(line(text, find(text, "E0120").span), 2);
    let text = "synproxy in inface eth0 dst 2001:db8::1 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    let d = find(text, "E0106");
    assert!(d.fixes[0].apply(text).starts_with("ipv6 synproxy"));
    for (ty, code) in [
        ("pre", "E0107"),
        ("out", "E0107"),
        ("postrouting", "E0107"),
        ("bogus", "E0108"),
    ] {
        let text = format!("ipv4 synproxy {ty} inface eth0 dst 1.2.3.4 dport 80 accept\n");
        find(&text, code);
    }
}

#[test]
fn not_accepted_after_handshake() {
    let redirect = "server_myhttp_ports=\"tcp/90\"\nclient_myhttp_ports=\"default\"\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 redirect to 90\ninterface eth0 wan\n    server myhttp accept\n";
    assert!(problems(redirect).is_empty(), "{:?}", problems(redirect));
    let wrong = redirect.replace("tcp/90", "tcp/91");
    assert_eq!(line(&wrong, find(&wrong, "W0111").span), 3);
    let forward = "ipv4 synproxy forward inface eth0 dst 5.6.7.8 dport 80 accept\nrouter wan2lan inface eth0 outface eth1\n    server http accept dst 5.6.7.8\n";
    assert!(problems(forward).is_empty(), "{:?}", problems(forward));
    let elsewhere = forward.replace("dst 5.6.7.8\n", "dst 5.6.7.9\n");
    find(&elsewhere, "W0111");
}

/// The accepting statements are looked up by port: a single port, a range of ports, or every
/// port each find the synproxies they accept, and only those.
#[test]
fn not_accepted_looks_up_ranges_and_any_port() {
    let conf = |service: &str, dport: &str| {
        format!(
            "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport {dport} accept\ninterface eth0 wan\n    {service}\n"
        )
    };
    let range = "server custom web tcp/8000:8100 default accept";
    let single = "server custom web tcp/8050 default accept";
    let any = "server all accept";
    for (service, dport) in [
        (range, "8050"),
        (range, "8010:8020"),
        (single, "8050"),
        (any, "8050"),
        (any, "8010:8020"),
    ] {
        let text = conf(service, dport);
        assert!(problems(&text).is_empty(), "{text}{:?}", problems(&text));
    }
    for (service, dport) in [
        (range, "8200"),
        (range, "7990:8010"),
        (single, "8051"),
        (single, "8050:8051"),
    ] {
        find(&conf(service, dport), "W0111");
    }
}

#[test]
fn family_mismatches() {
    find(
        "ipv6 synproxy input inface eth0 dst 198.51.100.7 dport 80 accept\n",
        "E0112",
    );
    find("interface6 eth0 lan src 10.0.0.1\n", "E0112");
    find("interface4 eth0 lan src 2001:db8::1\n", "E0112");
    find("ipv4 dnat to 2001:db8::1 dport 80\n", "E0112");
    let clean = "interface eth0 lan src \"10.0.0.1 2001:db8::1\"\n";
    assert!(problems(clean).is_empty());
}

#[test]
fn invalid_values() {
    for (text, bad) in [
        ("interface eth0 lan src 10.0.0.300\n", "10.0.0.300"),
        ("interface eth0 lan dst 10.0.0.0/40\n", "10.0.0.0/40"),
        (
            "interface eth0 lan\n    server ssh accept sport 70000\n",
            "70000",
        ),
        (
            "interface eth0 lan\n    server ssh accept sport 30:20\n",
            "30:20",
        ),
        ("interface eth0 lan mac 00:11\n", "00:11"),
    ] {
        let d = find(text, "E0114");
        assert!(d.message.contains(bad), "{}", d.message);
    }
    find(
        "FIREHOL_SYNPROXY_OPTIONS=\"--mss\"\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\n",
        "E0115",
    );
}

#[test]
fn sections_groups_and_placement() {
    let d = find("interface eth0 lan\ninterface eth1 lan\n", "E0116");
    assert_eq!(d.labels.len(), 1);
    find("interface eth0 lan\n    route http accept\n", "E0117");
    find("client ssh accept\n", "E0118");
    find("interface eth0 lan\n    group end\n", "E0119");
    let text = "interface eth0 lan\n    action A chain drop\n";
    let d = find(text, "E0120");
    assert!(
        d.fixes[0]
            .apply(text)
            .starts_with("action A chain drop\ninterface eth0 lan")
    );
}

#[test]
fn unknown_names() {
    let text = "interface eth0 lan\n    server sshh accept\n    server ssh MYDROP\n";
    let d = find(text, "E0110");
    assert_eq!(
        d.fixes[0].apply(text).lines().nth(1),
        Some("    server ssh accept")
    );
    let d = find(text, "E0109");
    assert!(
        d.fixes
            .iter()
            .any(|f| f.apply(text).starts_with("action MYDROP chain drop\n"))
    );
    // An action defined anywhere at top level is known.
    assert!(
        problems("action MYDROP chain drop\ninterface eth0 lan\n    server ssh MYDROP\n")
            .is_empty()
    );
}

#[test]
fn firehol_quirks_warn() {
    find(
        "interface eth0 lan\n    server any accept proto 47\n",
        "W0128",
    );
    find("interface eth0 lan src 1.2.3.4 src 1.2.3.5\n", "W0124");
    find(
        "interface eth0 lan\n    server ssh accept state \"NEW ESTABLISHED\"\n",
        "W0131",
    );
    find("version 5\n", "W0126");
    find("interface eth0 lan src \"$NOPE\"\n", "W0121");
}

#[test]
fn positional_settings() {
    // FIREHOL_SYNPROXY_OPTIONS is read at each synproxy.
    let text = "FIREHOL_SYNPROXY_OPTIONS=\"--mss 1400\"\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\nFIREHOL_SYNPROXY_OPTIONS=\"--mss 1300 --wscale 5\"\nipv4 synproxy input inface eth0 dst 1.2.3.5 dport 80 accept\n";
    let m = analyze(text).model;
    assert_eq!(m.synproxies[0].options.mss, Some(1400));
    assert_eq!(
        (m.synproxies[1].options.mss, m.synproxies[1].options.wscale),
        (Some(1300), Some(5))
    );
}

/// Every positional value of a helper command is parsed in the model: a bad one is E0114 from
/// `analyze` (so the editor shows it), at the word itself, and the statement compiles to nothing.
#[test]
fn helper_values_are_checked_by_analyze() {
    let cases: &[(&str, &str)] = &[
        ("mac 10.0.0.300 00:11:22:33:44:55\n", "10.0.0.300"),
        ("mac 10.0.0.1 00:11:22:33:44\n", "00:11:22:33:44"),
        ("ipv4 mac 2001:db8::1 00:11:22:33:44:55\n", "2001:db8::1"),
        ("tos 300 OUTPUT\n", "300"),
        ("dscp class AF55 OUTPUT\n", "AF55"),
        ("dscp 64 OUTPUT\n", "64"),
        ("classify 1:fffff\n", "1:fffff"),
        ("tcpmss 70000\n", "70000"),
        ("mark 200 OUTPUT\n", "200"),
        ("connmark 64\n", "64"),
        ("mark x1 OUTPUT\n", "x1"),
        ("iptrap4 trap src soon\n", "soon"),
        ("iptrap4 trap sideways 60\n", "sideways"),
        ("cthelper ftpx in proto tcp\n", "ftpx"),
        ("blacklist 10.0.0.999\n", "10.0.0.999"),
        ("interface eth0 lan\n    server ssh accept uid 12x\n", "12x"),
        (
            "interface eth0 lan\n    server ssh accept state OLD\n",
            "OLD",
        ),
        (
            "interface eth0 lan\n    server ssh accept mark 999\n",
            "mark 999",
        ),
        (
            "interface eth0 lan\n    server ssh accept mac 00:11\n",
            "00:11",
        ),
    ];
    for (conf, word) in cases {
        let d = find(conf, "E0114");
        assert_eq!(
            &conf[d.span.start..d.span.end],
            *word,
            "{conf}: {}",
            d.message
        );
        assert!(
            !analyze(conf)
                .diagnostics
                .iter()
                .any(|d| d.code == Code::Untranslatable),
            "{conf}: a bad value is not `cannot compile`"
        );
    }
}

/// What nftables needs of NAT targets is checked by the model (so the editor shows it), not
/// found while lowering.
#[test]
fn nat_targets_are_checked_by_the_model() {
    for (conf, msg) in [
        (
            "dnat to :8080 proto tcp dport 80\n",
            "NAT targets must name an address",
        ),
        (
            "dnat4 to \"10.0.0.1 10.0.0.2:81\" proto tcp dport 80\n",
            "several NAT targets must all give an address and the same port",
        ),
        (
            "ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 80 dnat to \"10.0.0.1 10.0.0.2:81\"\n",
            "several dnat targets must all give an address and the same port",
        ),
    ] {
        let parse = fhc_lang::syntax::parse(conf);
        let (_, diags) = fhc_lang::model::build(conf, &parse);
        assert!(
            diags
                .iter()
                .any(|d| d.code == Code::Untranslatable && d.message == msg),
            "{conf}: {:?}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
    // One family named by the match is enough for a port-only target.
    assert!(problems("dnat to :8080 proto tcp dst 192.0.2.1 dport 80\n").is_empty());
}
