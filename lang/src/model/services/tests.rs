//! The service database against FireHOL's reference tables, and the port list grammar.

use super::simple::{ANY, all_ports, tcp, tcp_range, udp};
use super::*;
use crate::model::values::Families;
use crate::span::Span;

fn simple(name: &str) -> &'static SimpleService<'static> {
    match lookup(name) {
        Some(Service::Simple(s)) => s,
        other => panic!("{name}: expected a simple service, got {other:?}"),
    }
}

#[test]
fn services_counts() {
    assert_eq!(SIMPLE_SERVICES.len(), 112);
    assert_eq!(ComplexService::ALL.len(), 17);
    assert_eq!(all_names().count(), 129);
}

#[test]
fn services_table_sorted_unique_and_disjoint() {
    for w in SIMPLE_SERVICES.windows(2) {
        assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
    }
    for c in ComplexService::ALL {
        assert!(
            SIMPLE_SERVICES.iter().all(|s| s.name != c.name()),
            "{} is both",
            c.name()
        );
    }
    let names: Vec<_> = ComplexService::ALL.iter().map(|c| c.name()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted);
}

#[test]
fn services_every_name_resolves() {
    for name in all_names() {
        let s = lookup(name).unwrap_or_else(|| panic!("{name} does not resolve"));
        assert_eq!(s.name(), name);
        assert!(describe(name).unwrap().starts_with(&format!("{name}: ")));
    }
}

#[test]
fn services_case_sensitive() {
    assert!(lookup("ICMP").is_some());
    assert!(lookup("icmp").is_some());
    assert_ne!(lookup("ICMP"), lookup("icmp"));
    assert!(lookup("Http").is_none());
    assert!(lookup("HTTP").is_none());
    assert!(lookup("Samba").is_none());
    assert!(lookup("http,https").is_none());
    assert!(lookup("").is_none());
}

#[test]
fn services_spot_checks() {
    let https = simple("https");
    assert_eq!(https.server, &[tcp(443)]);
    assert_eq!(https.client, &[ClientPort::Default]);
    assert_eq!(
        describe("https").unwrap(),
        "https: tcp/443, clients from default ports"
    );

    let dns = simple("dns");
    assert_eq!(dns.server, &[udp(53), tcp(53)]);
    assert_eq!(dns.client, &[ClientPort::Any]);
    assert_eq!(
        describe("dns").unwrap(),
        "dns: udp/53 tcp/53, clients from any port"
    );

    let sip = simple("sip");
    assert_eq!(sip.helpers, &["sip"]);
    assert_eq!(
        sip.client,
        &[ClientPort::Ports(Port::Num(5060)), ClientPort::Default]
    );
    assert_eq!(
        describe("sip").unwrap(),
        "sip: tcp/5060 udp/5060, clients from port 5060 or default ports; helpers sip"
    );

    assert_eq!(simple("pptp").helpers, &["pptp", "proto_gre"]);
    assert_eq!(
        simple("all").helpers,
        &["ftp", "irc", "sip", "pptp", "proto_gre"]
    );
    assert!(simple("any").helpers.is_empty());
    assert_eq!(simple("GRE").server, &[all_ports(Some(Proto::Num(47)))]);
    assert_eq!(simple("vnc").server, &[tcp_range(5900, 5903)]);
    assert_eq!(
        simple("dhcprelay").client,
        &[ClientPort::Ports(Port::Num(67))]
    );

    assert_eq!(
        lookup("samba"),
        Some(Service::Complex(ComplexService::Samba))
    );
    assert!(lookup("nfs").unwrap().is_dynamic());
    assert!(lookup("nis").unwrap().is_dynamic());
    assert!(!lookup("samba").unwrap().is_dynamic());
    assert!(describe("samba").unwrap().starts_with("samba: udp/137"));
}

#[test]
fn services_helpers_match_reference() {
    let with: Vec<_> = SIMPLE_SERVICES
        .iter()
        .filter(|s| !s.helpers.is_empty())
        .map(|s| s.name)
        .collect();
    assert_eq!(
        with,
        [
            "GRE", "all", "amanda", "ftp", "h323", "irc", "mms", "pptp", "sane", "sip", "tftp"
        ]
    );
}

#[test]
fn services_round_trip_through_parser() {
    for s in SIMPLE_SERVICES {
        let server = s
            .server
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let client = s
            .client
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(parse_server_ports(&server).unwrap(), s.server, "{}", s.name);
        assert_eq!(parse_client_ports(&client).unwrap(), s.client, "{}", s.name);
    }
}

#[test]
fn services_complex_rules() {
    let ComplexRules::Fixed(ping) = ComplexService::Ping.rules() else {
        panic!()
    };
    let types: Vec<_> = ping
        .iter()
        .map(|r| (r.family, r.proto, r.icmp.unwrap().number, r.state))
        .collect();
    assert_eq!(
        types,
        [
            (
                Families::V4,
                Some(Proto::Icmp),
                8,
                Conntrack::NewEstablished
            ),
            (Families::V4, Some(Proto::Icmp), 0, Conntrack::Established),
            (
                Families::V6,
                Some(Proto::Icmpv6),
                128,
                Conntrack::NewEstablished
            ),
            (
                Families::V6,
                Some(Proto::Icmpv6),
                129,
                Conntrack::Established
            ),
        ]
    );
    assert_eq!(ComplexService::Dhcp.family(), Families::V4);
    assert_eq!(ComplexService::Ipv6mld.family(), Families::V6);
    assert_eq!(ComplexService::Ipv6error.rules(), ComplexRules::Fixed(&[]));
    assert_eq!(ComplexService::Custom.rules(), ComplexRules::Inline);
    let ComplexRules::Rpc(nfs) = ComplexService::Nfs.rules() else {
        panic!()
    };
    assert_eq!(nfs.client_ports, Some(Port::Range(500, 65535)));
    for c in ComplexService::ALL {
        if let ComplexRules::Fixed(rules) = c.rules() {
            for r in rules {
                // one-family services only emit rules of their family
                if c.family() != Families::BOTH {
                    assert_eq!(r.family, c.family(), "{}", c.name());
                }
                // ICMP types only on ICMP protocols, ports only on protocols with ports
                assert_eq!(
                    r.icmp.is_some(),
                    matches!(r.proto, Some(Proto::Icmp | Proto::Icmpv6)),
                    "{}",
                    c.name()
                );
                if !r.proto.is_some_and(Proto::has_ports) {
                    assert_eq!((r.sport, r.dport), (ANY, ANY), "{}", c.name());
                }
            }
        }
    }
    // dhcp replies go from 67 to 68 and are stateless
    let ComplexRules::Fixed(dhcp) = ComplexService::Dhcp.rules() else {
        panic!()
    };
    assert_eq!(dhcp[1].sport, &[ClientPort::Ports(Port::Num(67))]);
    assert_eq!(dhcp[1].dport, &[ClientPort::Ports(Port::Num(68))]);
    assert!(dhcp.iter().all(|r| r.state == Conntrack::Stateless));
}

#[test]
fn services_irregular_reversal() {
    // Only hylafax's server-opened pair and multicast deviate from "replies are reversed".
    let mut odd = Vec::new();
    for c in ComplexService::ALL {
        if let ComplexRules::Fixed(rules) = c.rules() {
            for (i, r) in rules.iter().enumerate() {
                if r.reversed != (r.flow == Flow::ToClient) {
                    odd.push((c.name(), i));
                }
            }
        }
    }
    assert_eq!(
        odd,
        [
            ("hylafax", 2),
            ("hylafax", 3),
            ("multicast", 0),
            ("multicast", 1),
            ("multicast", 2),
            ("multicast", 3)
        ]
    );
}

#[test]
fn services_parse_user_definitions() {
    assert_eq!(
        parse_server_ports("tcp/8080 udp/53").unwrap(),
        [tcp(8080), udp(53)]
    );
    assert_eq!(
        parse_server_ports("  tcp/80,443\t").unwrap(),
        [tcp(80), tcp(443)]
    );
    assert_eq!(
        parse_server_ports("tcp,udp/53").unwrap(),
        [tcp(53), udp(53)]
    );
    assert_eq!(
        parse_server_ports("tcp/1000-2000").unwrap(),
        [tcp_range(1000, 2000)]
    );
    assert_eq!(
        parse_server_ports("50/any gre/any").unwrap(),
        [
            all_ports(Some(Proto::Num(50))),
            all_ports(Some(Proto::Num(47)))
        ]
    );
    assert_eq!(
        parse_server_ports("6/22 TCP/23").unwrap(),
        [tcp(22), tcp(23)]
    );
    assert_eq!(parse_server_ports("any/any").unwrap(), [all_ports(None)]);
    assert_eq!(
        parse_client_ports("default 1024:2000").unwrap(),
        [
            ClientPort::Default,
            ClientPort::Ports(Port::Range(1024, 2000))
        ]
    );
    assert_eq!(
        parse_client_ports("5060,default").unwrap(),
        [ClientPort::Ports(Port::Num(5060)), ClientPort::Default]
    );
    assert_eq!(parse_client_ports("any").unwrap(), [ClientPort::Any]);
    assert_eq!(
        parse_client_ports("0 65535").unwrap(),
        [
            ClientPort::Ports(Port::Num(0)),
            ClientPort::Ports(Port::Num(65535))
        ]
    );
}

#[test]
fn services_parse_errors() {
    fn server(t: &str) -> (PortErrorKind, Span) {
        let e = parse_server_ports(t).unwrap_err();
        (e.kind, e.span)
    }
    fn client(t: &str) -> (PortErrorKind, Span) {
        let e = parse_client_ports(t).unwrap_err();
        (e.kind, e.span)
    }
    use PortErrorKind::*;
    assert_eq!(server("").0, Empty);
    assert_eq!(server(" , ").0, MissingProto);
    assert_eq!(client("  ").0, Empty);
    assert_eq!(server("tcp/80 8080"), (MissingProto, Span::new(7, 11)));
    assert_eq!(server("tcpx/80"), (UnknownProto, Span::new(0, 4)));
    assert_eq!(server("256/any").0, UnknownProto);
    assert_eq!(server("tcp/").0, MissingPort);
    assert_eq!(server("tcp/80,udp/53").0, ExtraSlash);
    assert_eq!(server("tcp/http"), (PortName, Span::new(4, 8)));
    assert_eq!(server("tcp/65536").0, OutOfRange);
    assert_eq!(server("tcp/99999999999").0, OutOfRange);
    assert_eq!(server("tcp/2000:1024").0, ReversedRange);
    assert_eq!(server("tcp/1024:").0, OpenRange);
    assert_eq!(server("tcp/080").0, LeadingZero);
    assert_eq!(server("tcp/8o").0, NotAPort);
    assert_eq!(server("tcp/1:2:3").0, NotAPort);
    assert_eq!(server("icmp/8").0, PortlessProto);
    assert_eq!(server("tcp/default").0, DefaultInServer);
    assert_eq!(client("default http"), (PortName, Span::new(8, 12)));
    assert_eq!(client("1024:65536").0, OutOfRange);
    assert_eq!(client("2000-1024").0, ReversedRange);
    assert_eq!(client("-5").0, OpenRange);
    assert_eq!(client("DEFAULT").0, PortName);

    let msg = parse_server_ports("tcp/https").unwrap_err().to_string();
    assert!(
        msg.contains("/etc/services") && msg.contains("tcp/443"),
        "{msg}"
    );
    let msg = parse_server_ports("tcp/80,udp/53").unwrap_err().to_string();
    assert!(msg.contains("separate entries with blanks"), "{msg}");
}

#[test]
fn services_protocol_groups() {
    let groups = protocol_groups(simple("eserver").server);
    assert_eq!(
        groups,
        [
            (Some(Proto::Tcp), vec![Some(Port::Num(4661))]),
            (
                Some(Proto::Udp),
                vec![Some(Port::Num(4661)), Some(Port::Num(4665))]
            )
        ]
    );
}

/// One port type, two readings (the table in values/ports.rs): where a rule parameter and a
/// service definition read the same text differently.
#[test]
fn port_readings_differ_where_documented() {
    use crate::model::values::{Port, parse_port};
    let def = |s: &str| parse_server_ports(&format!("tcp/{s}")).map(|v| v[0].ports);
    // The same: numbers, ranges (`:` or `-`), any.
    for (text, want) in [
        ("80", Some(Port::Num(80))),
        ("1000:2000", Some(Port::Range(1000, 2000))),
        ("1000-2000", Some(Port::Range(1000, 2000))),
        ("any", None),
    ] {
        assert_eq!(parse_port(text), Ok(want), "parameter {text}");
        assert_eq!(def(text).ok(), Some(want), "definition {text}");
    }
    // Different: open ranges, leading zeros and names are parameters' only.
    assert_eq!(parse_port(":1024"), Ok(Some(Port::Range(0, 1024))));
    assert!(def(":1024").is_err());
    assert_eq!(parse_port("080"), Ok(Some(Port::Num(80))));
    assert!(def("080").is_err());
    assert!(matches!(parse_port("http"), Ok(Some(Port::Name(n))) if n.as_str() == "http"));
    assert!(def("http").is_err());
}
