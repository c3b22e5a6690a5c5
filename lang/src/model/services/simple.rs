//! The simple services: port tables from which FireHOL generates request/reply rule pairs.

use super::ports::{ClientPort, Port, Proto, ServerPort};

/// A service defined by port tables only: FireHOL emits, per protocol, a request rule (client
/// ports to server ports, `NEW,ESTABLISHED`) and its mirrored reply rule (`ESTABLISHED`).
///
/// The lifetime lets a user definition (`server_X_ports=...` in the configuration) borrow its
/// parsed vectors and be handled exactly like a built-in one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimpleService<'a> {
    pub name: &'a str,
    /// `server_<name>_ports`, in FireHOL's order (which is the order of the generated rules).
    pub server: &'a [ServerPort],
    /// `client_<name>_ports`.
    pub client: &'a [ClientPort],
    /// `helper_<name>`: conntrack helpers (`nf_conntrack_<h>`) that also add
    /// `RELATED,ESTABLISHED` accept rules in both directions. `proto_gre` is the GRE tracker.
    pub helpers: &'a [&'a str],
}

impl SimpleService<'_> {
    /// `https: tcp/443, clients from default ports` (plus `; helpers ...` when there are any).
    pub fn describe(&self) -> String {
        let server = self
            .server
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let client = self
            .client
            .iter()
            .map(|c| client_phrase(*c))
            .collect::<Vec<_>>()
            .join(" or ");
        let mut s = format!("{}: {server}, clients from {client}", self.name);
        if !self.helpers.is_empty() {
            s.push_str("; helpers ");
            s.push_str(&self.helpers.join(" "));
        }
        s
    }
}

fn client_phrase(c: ClientPort) -> String {
    match c {
        ClientPort::Default => "default ports".into(),
        ClientPort::Any => "any port".into(),
        ClientPort::Ports(p @ Port::Num(_)) => format!("port {p}"),
        ClientPort::Ports(p) => format!("ports {p}"),
    }
}

pub(super) const DEFAULT: &[ClientPort] = &[ClientPort::Default];
pub(super) const ANY: &[ClientPort] = &[ClientPort::Any];

pub(super) const fn tcp(p: u16) -> ServerPort {
    ServerPort {
        proto: Some(Proto::Tcp),
        ports: Some(Port::Num(p)),
    }
}
pub(super) const fn udp(p: u16) -> ServerPort {
    ServerPort {
        proto: Some(Proto::Udp),
        ports: Some(Port::Num(p)),
    }
}
pub(super) const fn tcp_range(a: u16, b: u16) -> ServerPort {
    ServerPort {
        proto: Some(Proto::Tcp),
        ports: Some(Port::Range(a, b)),
    }
}
const fn udp_range(a: u16, b: u16) -> ServerPort {
    ServerPort {
        proto: Some(Proto::Udp),
        ports: Some(Port::Range(a, b)),
    }
}
pub(super) const fn all_ports(proto: Option<Proto>) -> ServerPort {
    ServerPort { proto, ports: None }
}
const fn svc(
    name: &'static str,
    server: &'static [ServerPort],
    client: &'static [ClientPort],
    helpers: &'static [&'static str],
) -> SimpleService<'static> {
    SimpleService {
        name,
        server,
        client,
        helpers,
    }
}

/// Every simple service of FireHOL 3.1.7, sorted by name bytes (upper case first) so that
/// [`lookup`](super::lookup) can binary-search. Identical to the reference table (§5.1): 112
/// entries.
pub static SIMPLE_SERVICES: &[SimpleService<'static>] = &[
    svc("AH", &[all_ports(Some(Proto::Num(51)))], ANY, &[]),
    svc("ESP", &[all_ports(Some(Proto::Num(50)))], ANY, &[]),
    svc(
        "GRE",
        &[all_ports(Some(Proto::Num(47)))],
        ANY,
        &["proto_gre"],
    ),
    svc("ICMP", &[all_ports(Some(Proto::Icmp))], ANY, &[]),
    svc("ICMPV6", &[all_ports(Some(Proto::Icmpv6))], ANY, &[]),
    svc("OSPF", &[all_ports(Some(Proto::Num(89)))], ANY, &[]),
    svc(
        "all",
        &[all_ports(None)],
        ANY,
        &["ftp", "irc", "sip", "pptp", "proto_gre"],
    ),
    svc("amanda", &[udp(10080)], DEFAULT, &["amanda"]),
    svc("any", &[all_ports(None)], ANY, &[]),
    svc("apcupsd", &[tcp(6544)], DEFAULT, &[]),
    svc("apcupsdnis", &[tcp(3551)], DEFAULT, &[]),
    svc("aptproxy", &[tcp(9999)], DEFAULT, &[]),
    svc("asterisk", &[tcp(5038)], DEFAULT, &[]),
    svc("cups", &[tcp(631), udp(631)], ANY, &[]),
    svc("cvspserver", &[tcp(2401)], DEFAULT, &[]),
    svc("darkstat", &[tcp(666)], DEFAULT, &[]),
    svc("daytime", &[tcp(13)], DEFAULT, &[]),
    svc("dcc", &[udp(6277)], DEFAULT, &[]),
    svc("dcpp", &[tcp(1412), udp(1412)], DEFAULT, &[]),
    svc(
        "dhcprelay",
        &[udp(67)],
        &[ClientPort::Ports(Port::Num(67))],
        &[],
    ),
    svc("dict", &[tcp(2628)], DEFAULT, &[]),
    svc("distcc", &[tcp(3632)], DEFAULT, &[]),
    svc("dns", &[udp(53), tcp(53)], ANY, &[]),
    svc("echo", &[tcp(7)], DEFAULT, &[]),
    svc("eserver", &[tcp(4661), udp(4661), udp(4665)], ANY, &[]),
    svc("finger", &[tcp(79)], DEFAULT, &[]),
    svc("ftp", &[tcp(21)], DEFAULT, &["ftp"]),
    svc(
        "gift",
        &[tcp(4302), tcp(1214), tcp(2182), tcp(2472)],
        ANY,
        &[],
    ),
    svc("giftui", &[tcp(1213)], DEFAULT, &[]),
    svc("gkrellmd", &[tcp(19150)], DEFAULT, &[]),
    svc("h323", &[udp(1720), tcp(1720)], DEFAULT, &["h323"]),
    svc("heartbeat", &[udp_range(690, 699)], DEFAULT, &[]),
    svc("http", &[tcp(80)], DEFAULT, &[]),
    svc("httpalt", &[tcp(8080)], DEFAULT, &[]),
    svc("https", &[tcp(443)], DEFAULT, &[]),
    svc("iax", &[udp(5036)], DEFAULT, &[]),
    svc("iax2", &[udp(5469), udp(4569)], DEFAULT, &[]),
    svc("icmp", &[all_ports(Some(Proto::Icmp))], ANY, &[]),
    svc("icmpv6", &[all_ports(Some(Proto::Icmpv6))], ANY, &[]),
    svc(
        "icp",
        &[udp(3130)],
        &[ClientPort::Ports(Port::Num(3130))],
        &[],
    ),
    svc("ident", &[tcp(113)], DEFAULT, &[]),
    svc("imap", &[tcp(143)], DEFAULT, &[]),
    svc("imaps", &[tcp(993)], DEFAULT, &[]),
    svc("ipsecnatt", &[udp(4500)], ANY, &[]),
    svc("irc", &[tcp(6667)], DEFAULT, &["irc"]),
    svc("isakmp", &[udp(500)], ANY, &[]),
    svc("jabber", &[tcp(5222), tcp(5223)], DEFAULT, &[]),
    svc("jabberd", &[tcp(5222), tcp(5223), tcp(5269)], DEFAULT, &[]),
    svc("l2tp", &[udp(1701)], ANY, &[]),
    svc("ldap", &[tcp(389)], DEFAULT, &[]),
    svc("ldaps", &[tcp(636)], DEFAULT, &[]),
    svc("lpd", &[tcp(515)], ANY, &[]),
    svc("microsoft_ds", &[tcp(445)], DEFAULT, &[]),
    svc("mms", &[tcp(1755), udp(1755)], DEFAULT, &["mms"]),
    svc("ms_ds", &[tcp(445)], DEFAULT, &[]),
    svc("msn", &[tcp(1863), udp(1863)], DEFAULT, &[]),
    svc("msnp", &[tcp(6891)], DEFAULT, &[]),
    svc("mysql", &[tcp(3306)], DEFAULT, &[]),
    svc(
        "netbackup",
        &[
            tcp(13701),
            tcp(13711),
            tcp(13720),
            tcp(13721),
            tcp(13724),
            tcp(13782),
            tcp(13783),
        ],
        ANY,
        &[],
    ),
    svc("netbios_dgm", &[udp(138)], ANY, &[]),
    svc("netbios_ns", &[udp(137)], ANY, &[]),
    svc("netbios_ssn", &[tcp(139)], DEFAULT, &[]),
    svc("nntp", &[tcp(119)], DEFAULT, &[]),
    svc("nntps", &[tcp(563)], DEFAULT, &[]),
    svc("nrpe", &[tcp(5666)], DEFAULT, &[]),
    svc("ntp", &[udp(123), tcp(123)], ANY, &[]),
    svc("nut", &[tcp(3493), udp(3493)], DEFAULT, &[]),
    svc("nxserver", &[tcp_range(5000, 5200)], DEFAULT, &[]),
    svc("openvpn", &[tcp(1194), udp(1194)], DEFAULT, &[]),
    svc("oracle", &[tcp(1521)], DEFAULT, &[]),
    svc("pop3", &[tcp(110)], DEFAULT, &[]),
    svc("pop3s", &[tcp(995)], DEFAULT, &[]),
    svc("portmap", &[udp(111), tcp(111)], ANY, &[]),
    svc("postgres", &[tcp(5432)], DEFAULT, &[]),
    svc("pptp", &[tcp(1723)], DEFAULT, &["pptp", "proto_gre"]),
    svc("privoxy", &[tcp(8118)], DEFAULT, &[]),
    svc("radius", &[udp(1812), udp(1813)], DEFAULT, &[]),
    svc("radiusold", &[udp(1645), udp(1646)], DEFAULT, &[]),
    svc("radiusoldproxy", &[udp(1647)], DEFAULT, &[]),
    svc("radiusproxy", &[udp(1814)], DEFAULT, &[]),
    svc("rdp", &[tcp(3389)], DEFAULT, &[]),
    svc("rndc", &[tcp(953)], DEFAULT, &[]),
    svc("rsync", &[tcp(873), udp(873)], DEFAULT, &[]),
    svc("rtp", &[udp_range(10000, 20000)], ANY, &[]),
    svc("sane", &[tcp(6566)], DEFAULT, &["sane"]),
    svc(
        "sip",
        &[tcp(5060), udp(5060)],
        &[ClientPort::Ports(Port::Num(5060)), ClientPort::Default],
        &["sip"],
    ),
    svc("smtp", &[tcp(25)], DEFAULT, &[]),
    svc("smtps", &[tcp(465)], DEFAULT, &[]),
    svc("snmp", &[udp(161)], DEFAULT, &[]),
    svc("snmptrap", &[udp(162)], ANY, &[]),
    svc("socks", &[tcp(1080), udp(1080)], DEFAULT, &[]),
    svc("squid", &[tcp(3128)], DEFAULT, &[]),
    svc("ssh", &[tcp(22)], DEFAULT, &[]),
    svc("stun", &[udp(3478), udp(3479)], ANY, &[]),
    svc("submission", &[tcp(587)], DEFAULT, &[]),
    svc("sunrpc", &[udp(111), tcp(111)], ANY, &[]),
    svc("swat", &[tcp(901)], DEFAULT, &[]),
    svc(
        "syslog",
        &[udp(514)],
        &[ClientPort::Ports(Port::Num(514)), ClientPort::Default],
        &[],
    ),
    svc("telnet", &[tcp(23)], DEFAULT, &[]),
    svc("tftp", &[udp(69)], DEFAULT, &["tftp"]),
    svc("time", &[tcp(37), udp(37)], DEFAULT, &[]),
    svc("tomcat", &[tcp(8080)], DEFAULT, &[]),
    svc("upnp", &[udp(1900), tcp(2869)], DEFAULT, &[]),
    svc("uucp", &[tcp(540)], DEFAULT, &[]),
    svc("vmware", &[tcp(902)], DEFAULT, &[]),
    svc("vmwareauth", &[tcp(903)], DEFAULT, &[]),
    svc("vmwareweb", &[tcp(8222), tcp(8333)], DEFAULT, &[]),
    svc("vnc", &[tcp_range(5900, 5903)], DEFAULT, &[]),
    svc("webcache", &[tcp(8080)], DEFAULT, &[]),
    svc("webmin", &[tcp(10000)], DEFAULT, &[]),
    svc("whois", &[tcp(43)], DEFAULT, &[]),
    svc("xdmcp", &[udp(177)], DEFAULT, &[]),
];
