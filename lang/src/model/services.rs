//! FireHOL's built-in service database as typed data: the 112 simple services (port tables), the
//! 17 complex services (hand-written rule sets) and the grammar of user-defined port lists.
//!
//! The facts were checked against FireHOL 3.1.7 (`services.common`, `services.firehol` and the
//! `rules_<svc>` functions of `firehol`). They are data, not code, so that the checker (unknown
//! service names), hover, completion and the nftables compiler all read one source of truth.
//!
//! Name rules follow FireHOL exactly: a service is found through the bash variables
//! `server_<name>_ports`/`client_<name>_ports` first and the function `rules_<name>` second, so
//! names are case-sensitive (`ICMP` and `icmp` both exist, `Http` does not) and a simple service
//! wins over a complex one of the same name.

use std::fmt;

use crate::span::Span;
use crate::syntax::keywords::Family;

// ------------------------------------------------------------------------------------------------
// Ports and protocols
// ------------------------------------------------------------------------------------------------

/// The protocol part of a server port entry (`tcp` in `tcp/80`).
///
/// Well-known numbers are normalised to their named variant (`6/80` is `Tcp`), because FireHOL
/// hands the word to iptables, which treats both spellings alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `any` (or `all`, or 0): no protocol match at all.
    Any,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Any other IP protocol by number, e.g. 47 (GRE), 50 (ESP), 51 (AH), 89 (OSPF).
    Number(u8),
}

/// Protocol names fhc accepts besides numbers. iptables resolves names through the host's
/// /etc/protocols; fhc must not depend on the host, so it knows the usual ones itself.
const PROTO_NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("tcp", 6),
    ("udp", 17),
    ("dccp", 33),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ipv6-icmp", 58),
    ("ospf", 89),
    ("vrrp", 112),
    ("sctp", 132),
    ("udplite", 136),
];

impl Proto {
    /// Parses a protocol word: a number 0..=255, `any`/`all`, or a known name (tcp, udp, icmp,
    /// icmpv6, gre, esp, ah, sctp, ...).
    /// Case-insensitive, as iptables lower-cases `-p` (and FireHOL tests `any|ANY`).
    pub fn parse(s: &str) -> Option<Proto> {
        if s.eq_ignore_ascii_case("any") || s.eq_ignore_ascii_case("all") {
            return Some(Proto::Any);
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse::<u8>().ok().map(Proto::from_number);
        }
        let lower = s.to_ascii_lowercase();
        PROTO_NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|&(_, num)| Proto::from_number(num))
    }

    pub fn from_number(n: u8) -> Proto {
        match n {
            0 => Proto::Any,
            1 => Proto::Icmp,
            6 => Proto::Tcp,
            17 => Proto::Udp,
            58 => Proto::Icmpv6,
            n => Proto::Number(n),
        }
    }

    /// The IP protocol number; `None` for [`Proto::Any`].
    pub fn number(self) -> Option<u8> {
        match self {
            Proto::Any => None,
            Proto::Tcp => Some(6),
            Proto::Udp => Some(17),
            Proto::Icmp => Some(1),
            Proto::Icmpv6 => Some(58),
            Proto::Number(n) => Some(n),
        }
    }

    /// Whether the protocol has ports. FireHOL writes `--dport` for any entry that is not
    /// `proto/any`, and iptables rejects that for protocols without ports (`icmp/8`).
    pub fn has_ports(self) -> bool {
        matches!(
            self,
            Proto::Tcp | Proto::Udp | Proto::Number(33 | 132 | 136)
        )
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proto::Any => f.write_str("any"),
            Proto::Tcp => f.write_str("tcp"),
            Proto::Udp => f.write_str("udp"),
            Proto::Icmp => f.write_str("icmp"),
            Proto::Icmpv6 => f.write_str("icmpv6"),
            Proto::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The port part of a server port entry (`443`, `5900:5903`, `any`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortSpec {
    /// No port match.
    Any,
    Port(u16),
    /// Inclusive range, `start <= end` (also written `a-b`; FireHOL turns `-` into `:`).
    Range(u16, u16),
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Any => f.write_str("any"),
            PortSpec::Port(p) => write!(f, "{p}"),
            PortSpec::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// One `proto/ports` entry of `server_<svc>_ports`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerPort {
    pub proto: Proto,
    pub ports: PortSpec,
}

impl fmt::Display for ServerPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.proto, self.ports)
    }
}

/// One entry of `client_<svc>_ports`. In complex-service rules it also serves as a generic port
/// match, where [`ClientPort::Default`] stands for the statement's client port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientPort {
    /// `default`: FireHOL substitutes it textually with `LOCAL_CLIENT_PORTS` (the host's
    /// `net.ipv4.ip_local_port_range`) for a `client` inside an `interface`, where this host is
    /// the client, and with `DEFAULT_CLIENT_PORTS` (`1024:65535`) everywhere else.
    Default,
    /// `any`: no port match.
    Any,
    Port(u16),
    /// Inclusive range, `start <= end`.
    Range(u16, u16),
}

impl fmt::Display for ClientPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientPort::Default => f.write_str("default"),
            ClientPort::Any => f.write_str("any"),
            ClientPort::Port(p) => write!(f, "{p}"),
            ClientPort::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// Groups server ports by protocol in order of first appearance, as FireHOL's `rules_custom`
/// does: it emits one request/reply rule pair per protocol carrying all that protocol's ports
/// (`eserver`'s `tcp/4661 udp/4661 udp/4665` gives a tcp pair and one udp pair for two ports).
pub fn protocol_groups(server: &[ServerPort]) -> Vec<(Proto, Vec<PortSpec>)> {
    let mut groups: Vec<(Proto, Vec<PortSpec>)> = Vec::new();
    for sp in server {
        match groups.iter_mut().find(|(p, _)| *p == sp.proto) {
            Some((_, ports)) => ports.push(sp.ports),
            None => groups.push((sp.proto, vec![sp.ports])),
        }
    }
    groups
}

// ------------------------------------------------------------------------------------------------
// Simple services
// ------------------------------------------------------------------------------------------------

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
        ClientPort::Port(p) => format!("port {p}"),
        ClientPort::Range(a, b) => format!("ports {a}:{b}"),
    }
}

const DEFAULT: &[ClientPort] = &[ClientPort::Default];
const ANY: &[ClientPort] = &[ClientPort::Any];

const fn tcp(p: u16) -> ServerPort {
    ServerPort {
        proto: Proto::Tcp,
        ports: PortSpec::Port(p),
    }
}
const fn udp(p: u16) -> ServerPort {
    ServerPort {
        proto: Proto::Udp,
        ports: PortSpec::Port(p),
    }
}
const fn tcp_range(a: u16, b: u16) -> ServerPort {
    ServerPort {
        proto: Proto::Tcp,
        ports: PortSpec::Range(a, b),
    }
}
const fn udp_range(a: u16, b: u16) -> ServerPort {
    ServerPort {
        proto: Proto::Udp,
        ports: PortSpec::Range(a, b),
    }
}
const fn all_ports(proto: Proto) -> ServerPort {
    ServerPort {
        proto,
        ports: PortSpec::Any,
    }
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
/// [`lookup`] can binary-search. Identical to the reference table (§5.1): 112 entries.
pub static SIMPLE_SERVICES: &[SimpleService<'static>] = &[
    svc("AH", &[all_ports(Proto::Number(51))], ANY, &[]),
    svc("ESP", &[all_ports(Proto::Number(50))], ANY, &[]),
    svc("GRE", &[all_ports(Proto::Number(47))], ANY, &["proto_gre"]),
    svc("ICMP", &[all_ports(Proto::Icmp)], ANY, &[]),
    svc("ICMPV6", &[all_ports(Proto::Icmpv6)], ANY, &[]),
    svc("OSPF", &[all_ports(Proto::Number(89))], ANY, &[]),
    svc(
        "all",
        &[all_ports(Proto::Any)],
        ANY,
        &["ftp", "irc", "sip", "pptp", "proto_gre"],
    ),
    svc("amanda", &[udp(10080)], DEFAULT, &["amanda"]),
    svc("any", &[all_ports(Proto::Any)], ANY, &[]),
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
    svc("dhcprelay", &[udp(67)], &[ClientPort::Port(67)], &[]),
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
    svc("icmp", &[all_ports(Proto::Icmp)], ANY, &[]),
    svc("icmpv6", &[all_ports(Proto::Icmpv6)], ANY, &[]),
    svc("icp", &[udp(3130)], &[ClientPort::Port(3130)], &[]),
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
        &[ClientPort::Port(5060), ClientPort::Default],
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
        &[ClientPort::Port(514), ClientPort::Default],
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

// ------------------------------------------------------------------------------------------------
// Complex services
// ------------------------------------------------------------------------------------------------

/// The services FireHOL implements as bash functions (`rules_<name>`) because a port table
/// cannot express them: ICMP types, stateless rules, connections opened by the server,
/// multicast destinations, or ports discovered at run time.
///
/// Unless stated otherwise a variant works in both families and, like simple services, "client
/// ports" means `default` (see [`ClientPort::Default`]). "To the server" is the request
/// direction whatever the statement (`server`, `client`, `route`); FireHOL swaps the chains for
/// `client`. [`ComplexService::rules`] gives the exact rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComplexService {
    /// Stateful ICMP echo. IPv4: icmp echo-request (type 8) to the server `NEW,ESTABLISHED`,
    /// echo-reply (0) back `ESTABLISHED`. IPv6: the same with icmpv6 echo-request (128) and
    /// echo-reply (129). Each family's pair is emitted only where that family is active.
    Ping,
    /// IPv4 only, stateful: icmp timestamp-request (13) to the server `NEW,ESTABLISHED`,
    /// timestamp-reply (14) back `ESTABLISHED`. In an IPv6-only context FireHOL fails with
    /// "Cannot use namespace ipv4 within ipv6".
    Timestamp,
    /// IPv4 only, stateless (no conntrack match, as DHCP discovery is broadcast): udp from port
    /// 68 to port 67 towards the server, udp from 67 to 68 back.
    Dhcp,
    /// IPv6 only, stateless: udp to port 547 (any source port) towards the server, udp to port
    /// 546 (any source port) back.
    Dhcpv6,
    /// IPv6 only, stateless: icmpv6 neighbour-solicitation (135) to the server,
    /// neighbour-advertisement (136) back. Needed because `all` does not match untracked
    /// neighbour discovery.
    Ipv6neigh,
    /// IPv6 only, stateless: icmpv6 router-solicitation (133) to the server (the router),
    /// router-advertisement (134) back.
    Ipv6router,
    /// IPv6 only, stateless: icmpv6 131 (MLD report), 132 (MLD done) and 143 (MLDv2 report) to
    /// the server, 130 (MLD query) back.
    Ipv6mld,
    /// Deprecated and inert: FireHOL emits no rule, only the warning "ipv6error service
    /// deprecated - no longer useful and will be removed in 4.0.0".
    Ipv6error,
    /// Stateful NetBIOS/SMB: udp 137 and udp 138 from the client's same port (137/138) or client
    /// ports, tcp 139 and tcp 445 from client ports. Quirk: for a `server` inside an `interface`
    /// the udp 137 packets from the server are allowed `NEW` too, because a Samba server
    /// answers broadcast name queries from its own address, which conntrack does not see as a
    /// reply.
    Samba,
    /// Dynamic: FireHOL runs `rpcinfo -p <server>` while processing the configuration and allows
    /// the tcp/udp ports it reports for rquotad (if present), mountd, nlockmgr, status and nfs,
    /// stateful, with client ports 500:65535. fhc cannot resolve these ports statically: the
    /// compiler must report the statement as not compilable (or require explicit ports). For
    /// `client` and `route`, and `server` in a router, the first parameter after the action must
    /// be `dst <NFS_SERVER>` (the host queried); a `server` in an interface queries `localhost`.
    Nfs,
    /// Dynamic, like [`ComplexService::Nfs`]: rpcinfo ports of ypserv (required) and yppasswdd
    /// (if present), stateful, client ports 500:65535, same `dst <NIS_SERVER>` rule.
    Nis,
    /// Stateful Xbox Live: udp to ports 88 and 3074 and tcp to 3074 from client ports; plus udp
    /// from port 3074 to client ports, travelling towards the server, `NEW,ESTABLISHED`.
    Xbox,
    /// Stateful eMule, any client port: tcp 4662 and udp 4672 in both directions (each side may
    /// open connections to the other's port), tcp 4661 and udp 4665 to the server only.
    Emule,
    /// Stateful HylaFAX: tcp to 4559 from any port; plus connections opened by the server from
    /// its tcp port 4558 to any client port. Quirk: on those server-opened rules FireHOL applies
    /// the statement's own parameters unswapped (see [`ComplexRule::reversed`]).
    Hylafax,
    /// Stateless, both directions: IGMP (protocol 2) and udp to multicast destinations
    /// (`MULTICAST_IPS`: 224.0.0.0/4 on IPv4, FF00::/16 on IPv6, FireHOL's value). On IPv6 the
    /// protocol-2 rule is emitted as well, although IPv6 uses MLD (see `ipv6mld`) instead.
    Multicast,
    /// `server anystateless NAME ACTION ...`: stateless, any protocol, no port match, in both
    /// directions, limited only by the statement's parameters. FireHOL refuses it when
    /// `FIREHOL_RULESET_MODE=optimal` ("Stateless rules are not supported in 'optimal' mode").
    Anystateless,
    /// `server custom NAME "PROTO/PORTS ..." "CLIENT PORTS" [helpers "H ..."] ACTION ...`: an
    /// inline simple service; its two lists follow [`parse_server_ports`] and
    /// [`parse_client_ports`].
    Custom,
}

/// How a rule's packet travels relative to the service's client and server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    /// From the client side to the server side (FireHOL's `in` chain for `server`).
    ToServer,
    /// From the server side to the client side.
    ToClient,
}

/// The connection-tracking match of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conntrack {
    /// `state NEW,ESTABLISHED`: this packet may open a connection.
    NewEstablished,
    /// `state ESTABLISHED`: only packets of an already accepted connection.
    Established,
    /// Samba's udp 137 reply: `NEW,ESTABLISHED` when the statement is a `server` inside an
    /// `interface`, `ESTABLISHED` otherwise.
    NewIfInterfaceServer,
    /// No state match at all.
    Stateless,
}

/// An ICMP or ICMPv6 type with the spellings each backend needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IcmpType {
    pub number: u8,
    /// The word FireHOL passes to `--icmp-type`/`--icmpv6-type` (a number for the MLD types).
    pub iptables: &'static str,
    /// The nftables symbolic name.
    pub nft: &'static str,
}

const fn icmp_type(number: u8, iptables: &'static str, nft: &'static str) -> IcmpType {
    IcmpType {
        number,
        iptables,
        nft,
    }
}

/// One rule of a complex service, in packet terms (ports are the packet's own source and
/// destination ports, already reversed where FireHOL says `reverse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ComplexRule {
    /// The family the rule is emitted for (`Both` means each active family).
    pub family: Family,
    pub flow: Flow,
    pub proto: Proto,
    /// Source port of the packet; [`ClientPort::Default`] is the statement's client port range.
    pub sport: &'static [ClientPort],
    /// Destination port of the packet, same convention.
    pub dport: &'static [ClientPort],
    /// The ICMP/ICMPv6 type matched, if any.
    pub icmp: Option<IcmpType>,
    /// Destination restricted to `MULTICAST_IPS` of the family.
    pub to_multicast: bool,
    pub state: Conntrack,
    /// Whether FireHOL passes `reverse`, swapping the statement's own parameters (`src`/`dst`,
    /// `sport`/`dport`, `inface`/`outface`...) on this rule. Those parameters are written for
    /// the request, so normally this is true exactly for [`Flow::ToClient`] rules; hylafax's
    /// server-opened rules and multicast break the pattern, and a faithful compiler keeps that.
    pub reversed: bool,
}

const fn rule(
    family: Family,
    flow: Flow,
    proto: Proto,
    sport: &'static [ClientPort],
    dport: &'static [ClientPort],
    state: Conntrack,
) -> ComplexRule {
    ComplexRule {
        family,
        flow,
        proto,
        sport,
        dport,
        icmp: None,
        to_multicast: false,
        state,
        reversed: matches!(flow, Flow::ToClient),
    }
}

/// A packet towards the server, with the statement's parameters as written.
const fn to_server(
    family: Family,
    proto: Proto,
    sport: &'static [ClientPort],
    dport: &'static [ClientPort],
    state: Conntrack,
) -> ComplexRule {
    rule(family, Flow::ToServer, proto, sport, dport, state)
}

/// A packet towards the client, with the statement's parameters reversed.
const fn to_client(
    family: Family,
    proto: Proto,
    sport: &'static [ClientPort],
    dport: &'static [ClientPort],
    state: Conntrack,
) -> ComplexRule {
    rule(family, Flow::ToClient, proto, sport, dport, state)
}

/// Flips [`ComplexRule::reversed`] for FireHOL's irregular rules (hylafax, multicast).
const fn irregular(r: ComplexRule) -> ComplexRule {
    ComplexRule {
        reversed: !r.reversed,
        ..r
    }
}

const fn icmp_rule(family: Family, flow: Flow, ty: IcmpType, state: Conntrack) -> ComplexRule {
    let proto = match family {
        Family::Ipv6 => Proto::Icmpv6,
        _ => Proto::Icmp,
    };
    ComplexRule {
        icmp: Some(ty),
        ..rule(family, flow, proto, ANY, ANY, state)
    }
}

const fn multicast(flow: Flow, proto: Proto) -> ComplexRule {
    ComplexRule {
        to_multicast: true,
        ..irregular(rule(Family::Both, flow, proto, ANY, ANY, NOSTATE))
    }
}

use Conntrack::{Established as EST, NewEstablished as NEW, Stateless as NOSTATE};
use Flow::{ToClient as TO_CLIENT, ToServer as TO_SERVER};

const V4: Family = Family::Ipv4;
const V6: Family = Family::Ipv6;
const BOTH: Family = Family::Both;
const TCP: Proto = Proto::Tcp;
const UDP: Proto = Proto::Udp;
const CLIENT: &[ClientPort] = DEFAULT;

const ECHO_REQUEST: IcmpType = icmp_type(8, "echo-request", "echo-request");
const ECHO_REPLY: IcmpType = icmp_type(0, "echo-reply", "echo-reply");
const ECHO_REQUEST6: IcmpType = icmp_type(128, "echo-request", "echo-request");
const ECHO_REPLY6: IcmpType = icmp_type(129, "echo-reply", "echo-reply");
const TIMESTAMP_REQUEST: IcmpType = icmp_type(13, "timestamp-request", "timestamp-request");
const TIMESTAMP_REPLY: IcmpType = icmp_type(14, "timestamp-reply", "timestamp-reply");
const ROUTER_SOLICIT: IcmpType = icmp_type(133, "router-solicitation", "nd-router-solicit");
const ROUTER_ADVERT: IcmpType = icmp_type(134, "router-advertisement", "nd-router-advert");
const NEIGHBOR_SOLICIT: IcmpType = icmp_type(135, "neighbour-solicitation", "nd-neighbor-solicit");
const NEIGHBOR_ADVERT: IcmpType = icmp_type(136, "neighbour-advertisement", "nd-neighbor-advert");
// FireHOL passes the MLD types to ip6tables as numbers.
const MLD_QUERY: IcmpType = icmp_type(130, "130", "mld-listener-query");
const MLD_REPORT: IcmpType = icmp_type(131, "131", "mld-listener-report");
const MLD_DONE: IcmpType = icmp_type(132, "132", "mld-listener-done");
const MLD2_REPORT: IcmpType = icmp_type(143, "143", "mld2-listener-report");

static PING: &[ComplexRule] = &[
    icmp_rule(V4, TO_SERVER, ECHO_REQUEST, NEW),
    icmp_rule(V4, TO_CLIENT, ECHO_REPLY, EST),
    icmp_rule(V6, TO_SERVER, ECHO_REQUEST6, NEW),
    icmp_rule(V6, TO_CLIENT, ECHO_REPLY6, EST),
];

static TIMESTAMP: &[ComplexRule] = &[
    icmp_rule(V4, TO_SERVER, TIMESTAMP_REQUEST, NEW),
    icmp_rule(V4, TO_CLIENT, TIMESTAMP_REPLY, EST),
];

const P67: &[ClientPort] = &[ClientPort::Port(67)];
const P68: &[ClientPort] = &[ClientPort::Port(68)];
const P546: &[ClientPort] = &[ClientPort::Port(546)];
const P547: &[ClientPort] = &[ClientPort::Port(547)];

static DHCP: &[ComplexRule] = &[
    to_server(V4, UDP, P68, P67, NOSTATE),
    to_client(V4, UDP, P67, P68, NOSTATE),
];

static DHCPV6: &[ComplexRule] = &[
    to_server(V6, UDP, ANY, P547, NOSTATE),
    to_client(V6, UDP, ANY, P546, NOSTATE),
];

static IPV6NEIGH: &[ComplexRule] = &[
    icmp_rule(V6, TO_SERVER, NEIGHBOR_SOLICIT, NOSTATE),
    icmp_rule(V6, TO_CLIENT, NEIGHBOR_ADVERT, NOSTATE),
];

static IPV6ROUTER: &[ComplexRule] = &[
    icmp_rule(V6, TO_SERVER, ROUTER_SOLICIT, NOSTATE),
    icmp_rule(V6, TO_CLIENT, ROUTER_ADVERT, NOSTATE),
];

static IPV6MLD: &[ComplexRule] = &[
    icmp_rule(V6, TO_SERVER, MLD_REPORT, NOSTATE),
    icmp_rule(V6, TO_SERVER, MLD_DONE, NOSTATE),
    icmp_rule(V6, TO_SERVER, MLD2_REPORT, NOSTATE),
    icmp_rule(V6, TO_CLIENT, MLD_QUERY, NOSTATE),
];

const P137: &[ClientPort] = &[ClientPort::Port(137)];
const P137_CLIENT: &[ClientPort] = &[ClientPort::Port(137), ClientPort::Default];
const P138: &[ClientPort] = &[ClientPort::Port(138)];
const P138_CLIENT: &[ClientPort] = &[ClientPort::Port(138), ClientPort::Default];
const P139: &[ClientPort] = &[ClientPort::Port(139)];
const P445: &[ClientPort] = &[ClientPort::Port(445)];
const NETBIOS_NS_REPLY: Conntrack = Conntrack::NewIfInterfaceServer;

static SAMBA: &[ComplexRule] = &[
    to_server(BOTH, UDP, P137_CLIENT, P137, NEW),
    to_client(BOTH, UDP, P137, P137_CLIENT, NETBIOS_NS_REPLY),
    to_server(BOTH, UDP, P138_CLIENT, P138, NEW),
    to_client(BOTH, UDP, P138, P138_CLIENT, EST),
    to_server(BOTH, TCP, CLIENT, P139, NEW),
    to_client(BOTH, TCP, P139, CLIENT, EST),
    to_server(BOTH, TCP, CLIENT, P445, NEW),
    to_client(BOTH, TCP, P445, CLIENT, EST),
];

const XBOX_UDP: &[ClientPort] = &[ClientPort::Port(88), ClientPort::Port(3074)];
const P3074: &[ClientPort] = &[ClientPort::Port(3074)];

static XBOX: &[ComplexRule] = &[
    to_server(BOTH, UDP, CLIENT, XBOX_UDP, NEW),
    to_client(BOTH, UDP, XBOX_UDP, CLIENT, EST),
    to_server(BOTH, TCP, CLIENT, P3074, NEW),
    to_client(BOTH, TCP, P3074, CLIENT, EST),
    to_server(BOTH, UDP, P3074, CLIENT, NEW),
    to_client(BOTH, UDP, CLIENT, P3074, EST),
];

const P4661: &[ClientPort] = &[ClientPort::Port(4661)];
const P4662: &[ClientPort] = &[ClientPort::Port(4662)];
const P4665: &[ClientPort] = &[ClientPort::Port(4665)];
const P4672: &[ClientPort] = &[ClientPort::Port(4672)];

static EMULE: &[ComplexRule] = &[
    to_server(BOTH, TCP, ANY, P4662, NEW),
    to_client(BOTH, TCP, P4662, ANY, EST),
    to_client(BOTH, TCP, ANY, P4662, NEW),
    to_server(BOTH, TCP, P4662, ANY, EST),
    to_server(BOTH, UDP, ANY, P4672, NEW),
    to_client(BOTH, UDP, P4672, ANY, EST),
    to_client(BOTH, UDP, ANY, P4672, NEW),
    to_server(BOTH, UDP, P4672, ANY, EST),
    to_server(BOTH, TCP, ANY, P4661, NEW),
    to_client(BOTH, TCP, P4661, ANY, EST),
    to_server(BOTH, UDP, ANY, P4665, NEW),
    to_client(BOTH, UDP, P4665, ANY, EST),
];

const P4558: &[ClientPort] = &[ClientPort::Port(4558)];
const P4559: &[ClientPort] = &[ClientPort::Port(4559)];

static HYLAFAX: &[ComplexRule] = &[
    to_server(BOTH, TCP, ANY, P4559, NEW),
    to_client(BOTH, TCP, P4559, ANY, EST),
    irregular(to_client(BOTH, TCP, P4558, ANY, NEW)),
    irregular(to_server(BOTH, TCP, ANY, P4558, EST)),
];

const IGMP: Proto = Proto::Number(2);

static MULTICAST: &[ComplexRule] = &[
    multicast(TO_CLIENT, IGMP),
    multicast(TO_SERVER, IGMP),
    multicast(TO_CLIENT, UDP),
    multicast(TO_SERVER, UDP),
];

static ANYSTATELESS: &[ComplexRule] = &[
    to_server(BOTH, Proto::Any, ANY, ANY, NOSTATE),
    to_client(BOTH, Proto::Any, ANY, ANY, NOSTATE),
];

/// A program whose ports a dynamic service reads from `rpcinfo -p`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RpcProgram {
    /// The program name as rpcinfo prints it (last column).
    pub program: &'static str,
    /// FireHOL fails ("Cannot find ... ports") when a required program is not registered.
    pub required: bool,
}

/// What a dynamic service (nfs, nis) would need at activation time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RpcLookup {
    /// In the order FireHOL emits their rules.
    pub programs: &'static [RpcProgram],
    /// Client ports of every generated rule pair (a literal, not `default`).
    pub client_ports: PortSpec,
}

static NFS_RPC: RpcLookup = RpcLookup {
    programs: &[
        RpcProgram {
            program: "rquotad",
            required: false,
        },
        RpcProgram {
            program: "mountd",
            required: true,
        },
        RpcProgram {
            program: "nlockmgr",
            required: true,
        },
        RpcProgram {
            program: "status",
            required: true,
        },
        RpcProgram {
            program: "nfs",
            required: true,
        },
    ],
    client_ports: PortSpec::Range(500, 65535),
};

static NIS_RPC: RpcLookup = RpcLookup {
    programs: &[
        RpcProgram {
            program: "yppasswdd",
            required: false,
        },
        RpcProgram {
            program: "ypserv",
            required: true,
        },
    ],
    client_ports: PortSpec::Range(500, 65535),
};

/// The rules of a complex service, as far as they are known statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComplexRules {
    /// A fixed list, in FireHOL's emission order (empty for `ipv6error`).
    Fixed(&'static [ComplexRule]),
    /// Ports known only by asking rpcinfo on the server at activation time.
    Rpc(&'static RpcLookup),
    /// `custom`: the rules of a simple service built from the statement's own arguments.
    Inline,
}

impl ComplexService {
    pub const ALL: [ComplexService; 17] = [
        ComplexService::Anystateless,
        ComplexService::Custom,
        ComplexService::Dhcp,
        ComplexService::Dhcpv6,
        ComplexService::Emule,
        ComplexService::Hylafax,
        ComplexService::Ipv6error,
        ComplexService::Ipv6mld,
        ComplexService::Ipv6neigh,
        ComplexService::Ipv6router,
        ComplexService::Multicast,
        ComplexService::Nfs,
        ComplexService::Nis,
        ComplexService::Ping,
        ComplexService::Samba,
        ComplexService::Timestamp,
        ComplexService::Xbox,
    ];

    /// The service name (the `<name>` of `rules_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            ComplexService::Ping => "ping",
            ComplexService::Timestamp => "timestamp",
            ComplexService::Dhcp => "dhcp",
            ComplexService::Dhcpv6 => "dhcpv6",
            ComplexService::Ipv6neigh => "ipv6neigh",
            ComplexService::Ipv6router => "ipv6router",
            ComplexService::Ipv6mld => "ipv6mld",
            ComplexService::Ipv6error => "ipv6error",
            ComplexService::Samba => "samba",
            ComplexService::Nfs => "nfs",
            ComplexService::Nis => "nis",
            ComplexService::Xbox => "xbox",
            ComplexService::Emule => "emule",
            ComplexService::Hylafax => "hylafax",
            ComplexService::Multicast => "multicast",
            ComplexService::Anystateless => "anystateless",
            ComplexService::Custom => "custom",
        }
    }

    /// Case-sensitive, like the bash function names.
    pub fn from_name(name: &str) -> Option<ComplexService> {
        ComplexService::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The families the service may be used in. A one-family service in a context of the other
    /// family only is an error in FireHOL, not a silent no-op.
    pub fn family(self) -> Family {
        match self {
            ComplexService::Timestamp | ComplexService::Dhcp => Family::Ipv4,
            ComplexService::Dhcpv6
            | ComplexService::Ipv6neigh
            | ComplexService::Ipv6router
            | ComplexService::Ipv6mld => Family::Ipv6,
            _ => Family::Both,
        }
    }

    pub fn rules(self) -> ComplexRules {
        match self {
            ComplexService::Ping => ComplexRules::Fixed(PING),
            ComplexService::Timestamp => ComplexRules::Fixed(TIMESTAMP),
            ComplexService::Dhcp => ComplexRules::Fixed(DHCP),
            ComplexService::Dhcpv6 => ComplexRules::Fixed(DHCPV6),
            ComplexService::Ipv6neigh => ComplexRules::Fixed(IPV6NEIGH),
            ComplexService::Ipv6router => ComplexRules::Fixed(IPV6ROUTER),
            ComplexService::Ipv6mld => ComplexRules::Fixed(IPV6MLD),
            ComplexService::Ipv6error => ComplexRules::Fixed(&[]),
            ComplexService::Samba => ComplexRules::Fixed(SAMBA),
            ComplexService::Nfs => ComplexRules::Rpc(&NFS_RPC),
            ComplexService::Nis => ComplexRules::Rpc(&NIS_RPC),
            ComplexService::Xbox => ComplexRules::Fixed(XBOX),
            ComplexService::Emule => ComplexRules::Fixed(EMULE),
            ComplexService::Hylafax => ComplexRules::Fixed(HYLAFAX),
            ComplexService::Multicast => ComplexRules::Fixed(MULTICAST),
            ComplexService::Anystateless => ComplexRules::Fixed(ANYSTATELESS),
            ComplexService::Custom => ComplexRules::Inline,
        }
    }

    /// nfs and nis: their ports come from rpcinfo at activation, so fhc cannot compile them.
    pub fn is_dynamic(self) -> bool {
        matches!(self.rules(), ComplexRules::Rpc(_))
    }

    /// ipv6error: accepted by FireHOL with a deprecation warning and no rules.
    pub fn is_deprecated(self) -> bool {
        self == ComplexService::Ipv6error
    }

    /// anystateless: an error under `FIREHOL_RULESET_MODE=optimal`.
    pub fn needs_accurate_mode(self) -> bool {
        self == ComplexService::Anystateless
    }

    /// The words the service itself consumes between its name and the action, for signature
    /// help and arity checks (`custom` may also take `helpers "LIST"` after them).
    pub fn positional_args(self) -> &'static [&'static str] {
        match self {
            ComplexService::Custom => &["NAME", "SERVER_PORTS", "CLIENT_PORTS"],
            ComplexService::Anystateless => &["NAME"],
            _ => &[],
        }
    }

    /// A one-line human summary (hover, completion detail).
    pub fn summary(self) -> &'static str {
        match self {
            ComplexService::Ping => {
                "ICMP echo-request/echo-reply (8/0 on IPv4, ICMPv6 128/129 on IPv6), stateful"
            }
            ComplexService::Timestamp => {
                "IPv4 only: ICMP timestamp-request/reply (13/14), stateful"
            }
            ComplexService::Dhcp => {
                "IPv4 only, stateless: udp 68 to 67 requests, udp 67 to 68 replies"
            }
            ComplexService::Dhcpv6 => {
                "IPv6 only, stateless: udp to port 547 requests, udp to port 546 replies"
            }
            ComplexService::Ipv6neigh => {
                "IPv6 only, stateless: ICMPv6 neighbour solicitation (135) to the server, advertisement (136) back"
            }
            ComplexService::Ipv6router => {
                "IPv6 only, stateless: ICMPv6 router solicitation (133) to the server, advertisement (134) back"
            }
            ComplexService::Ipv6mld => {
                "IPv6 only, stateless: ICMPv6 MLD reports 131/132/143 to the server, query 130 back"
            }
            ComplexService::Ipv6error => "deprecated: emits no rules, only a warning",
            ComplexService::Samba => {
                "udp/137 and udp/138 (clients from 137/138 or default ports), tcp/139 and tcp/445 (clients from default ports)"
            }
            ComplexService::Nfs => {
                "dynamic: rquotad, mountd, nlockmgr, status and nfs ports from rpcinfo on the server at activation; clients from 500:65535"
            }
            ComplexService::Nis => {
                "dynamic: ypserv and yppasswdd ports from rpcinfo on the server at activation; clients from 500:65535"
            }
            ComplexService::Xbox => {
                "Xbox Live: udp/88, udp/3074, tcp/3074 from default ports, plus udp from port 3074 to default ports"
            }
            ComplexService::Emule => {
                "tcp/4662 and udp/4672 opened from either side, tcp/4661 and udp/4665 to the server; any client port"
            }
            ComplexService::Hylafax => {
                "tcp/4559 to the server, plus connections from the server's tcp port 4558 to any client port"
            }
            ComplexService::Multicast => {
                "stateless: IGMP (protocol 2) and udp to multicast addresses (224.0.0.0/4, FF00::/16), both directions"
            }
            ComplexService::Anystateless => {
                "anystateless NAME: any protocol, stateless, both directions (not in optimal ruleset mode)"
            }
            ComplexService::Custom => {
                "custom NAME \"PROTO/PORTS ...\" \"CLIENT PORTS\": an inline simple service"
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Lookup
// ------------------------------------------------------------------------------------------------

/// A resolved service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service<'a> {
    Simple(&'a SimpleService<'a>),
    Complex(ComplexService),
}

impl<'a> Service<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            Service::Simple(s) => s.name,
            Service::Complex(c) => c.name(),
        }
    }

    /// Conntrack helpers (only simple services have them).
    pub fn helpers(&self) -> &'a [&'a str] {
        match self {
            Service::Simple(s) => s.helpers,
            Service::Complex(_) => &[],
        }
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self, Service::Complex(c) if c.is_dynamic())
    }

    /// One line for hover: `https: tcp/443, clients from default ports`.
    pub fn describe(&self) -> String {
        match self {
            Service::Simple(s) => s.describe(),
            Service::Complex(c) => format!("{}: {}", c.name(), c.summary()),
        }
    }
}

/// Resolves a built-in service name the way FireHOL does: simple services first, then complex
/// ones, case-sensitively. A statement's comma-separated list (`http,https`) must be split first.
pub fn lookup(name: &str) -> Option<Service<'static>> {
    if let Ok(i) = SIMPLE_SERVICES.binary_search_by(|s| s.name.cmp(name)) {
        return Some(Service::Simple(&SIMPLE_SERVICES[i]));
    }
    ComplexService::from_name(name).map(Service::Complex)
}

/// Services whose server speaks first (a banner or greeting before the client sends anything):
/// behind SYNPROXY with the `timestamp` option, a Linux >= 6.15 server stalls each of their
/// connections for a second unless SYNPROXY's ACK is untracked (tests/e2e/NOTES.md 3.7).
pub const SERVER_FIRST: &[&str] = &[
    "asterisk",
    "daytime",
    "dict",
    "ftp",
    "imap",
    "mysql",
    "nntp",
    "pop3",
    "rsync",
    "smtp",
    "ssh",
    "submission",
    "telnet",
    "time",
    "uucp",
    "vmware",
    "vnc",
];

/// The server-first service (of [`SERVER_FIRST`]) whose TCP server ports hold `port`, if any.
pub fn server_first_on(port: u16) -> Option<&'static str> {
    SERVER_FIRST.iter().copied().find(|name| {
        let Some(Service::Simple(s)) = lookup(name) else {
            return false;
        };
        s.server.iter().any(|sp| {
            sp.proto == Proto::Tcp
                && match sp.ports {
                    PortSpec::Port(p) => p == port,
                    PortSpec::Range(a, b) => (a..=b).contains(&port),
                    PortSpec::Any => false,
                }
        })
    })
}

/// The first server-first service with a TCP port in `lo..=hi`.
pub fn server_first_in(lo: u16, hi: u16) -> Option<(&'static str, u16)> {
    (lo..=hi).find_map(|p| server_first_on(p).map(|n| (n, p)))
}

/// Every built-in service name: the simple ones in byte order, then the complex ones in byte
/// order. Completion should sort by its own rules.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    SIMPLE_SERVICES
        .iter()
        .map(|s| s.name)
        .chain(ComplexService::ALL.into_iter().map(ComplexService::name))
}

/// One-line human summary of a built-in service, for hover.
pub fn describe(name: &str) -> Option<String> {
    lookup(name).map(|s| s.describe())
}

// ------------------------------------------------------------------------------------------------
// User definitions: server_X_ports / client_X_ports
// ------------------------------------------------------------------------------------------------

/// Why a port list was rejected. The span is a byte range into the parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortError {
    pub span: Span,
    /// The offending word (the whole entry or just its bad part, as `span` says).
    pub text: String,
    pub kind: PortErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortErrorKind {
    /// Nothing but blanks and commas.
    Empty,
    /// A server entry without `proto/`.
    MissingProto,
    UnknownProto,
    /// `tcp/` with nothing after the slash.
    MissingPort,
    /// More than one `/` in a server entry (`tcp/80,udp/53`).
    ExtraSlash,
    /// A port name (`http`): resolved by FireHOL through the host's /etc/services.
    PortName,
    /// Neither a number, a range nor a keyword.
    NotAPort,
    /// `080`: iptables would read it as octal.
    LeadingZero,
    /// Above 65535.
    OutOfRange,
    /// `2000:1024`.
    ReversedRange,
    /// `1024:` or `:1023`.
    OpenRange,
    /// A port on a protocol without ports (`icmp/8`).
    PortlessProto,
    /// `default` among server ports: it only means something for clients.
    DefaultInServer,
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.text;
        match self.kind {
            PortErrorKind::Empty => {
                f.write_str("empty port list: FireHOL needs at least one entry")
            }
            PortErrorKind::MissingProto if t.is_empty() => {
                f.write_str("a server port entry is empty: write it as proto/port, e.g. tcp/8080")
            }
            PortErrorKind::MissingProto => {
                write!(
                    f,
                    "server port `{t}` has no protocol: write it as proto/port, e.g. tcp/{t}"
                )
            }
            PortErrorKind::UnknownProto => write!(
                f,
                "unknown protocol `{t}`: use tcp, udp, icmp, icmpv6, any, another known name or a number 0-255"
            ),
            PortErrorKind::MissingPort => {
                write!(
                    f,
                    "server port `{t}` has nothing after the slash: write a port, a range or `any`"
                )
            }
            PortErrorKind::ExtraSlash => write!(
                f,
                "`{t}` has more than one `/`: FireHOL takes the protocol before the first and the ports after the last; separate entries with blanks"
            ),
            PortErrorKind::PortName => {
                write!(
                    f,
                    "port name `{t}` is not supported: FireHOL looks it up in the host's /etc/services, fhc compiles without it; write the number"
                )?;
                if let Some(hint) = port_name_hint(t) {
                    write!(f, " (the {t} service uses {hint})")?;
                }
                Ok(())
            }
            PortErrorKind::NotAPort if t.is_empty() => f.write_str(
                "a port is empty: expected a number 0-65535, a range a:b or a-b, or `any`",
            ),
            PortErrorKind::NotAPort => {
                write!(
                    f,
                    "`{t}` is not a port: expected a number 0-65535, a range a:b or a-b, or `any`"
                )
            }
            PortErrorKind::LeadingZero => {
                write!(
                    f,
                    "port `{t}` has a leading zero, which iptables reads as octal: write it without"
                )
            }
            PortErrorKind::OutOfRange => write!(f, "port `{t}` is out of range: ports are 0-65535"),
            PortErrorKind::ReversedRange => write!(f, "port range `{t}` ends before it starts"),
            PortErrorKind::OpenRange => write!(
                f,
                "port range `{t}` is open: write both ends, e.g. 1024:65535"
            ),
            PortErrorKind::PortlessProto => {
                write!(
                    f,
                    "`{t}` gives a port to a protocol without ports: write proto/any"
                )
            }
            PortErrorKind::DefaultInServer => write!(
                f,
                "`{t}`: `default` (the client port range) is only meaningful in client ports"
            ),
        }
    }
}

impl std::error::Error for PortError {}

/// `tcp/80` for a port name that is also a single-port built-in service (`http`).
fn port_name_hint(name: &str) -> Option<String> {
    match lookup(name)? {
        Service::Simple(s) if s.server.len() == 1 && s.server[0].proto.has_ports() => {
            Some(s.server[0].to_string())
        }
        _ => None,
    }
}

/// Splits like bash word splitting with the default IFS, optionally also at commas (FireHOL's
/// `rule` turns commas into blanks for ports and protocols). Yields (byte offset, word).
fn split_words(text: &str, commas: bool) -> impl Iterator<Item = (usize, &str)> {
    let is_sep = move |c: char| c == ' ' || c == '\t' || c == '\n' || (commas && c == ',');
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = &text[pos..];
        let start = pos + rest.find(|c| !is_sep(c))?;
        let len = text[start..].find(is_sep).unwrap_or(text.len() - start);
        pos = start + len;
        Some((start, &text[start..start + len]))
    })
}

fn err(start: usize, text: &str, kind: PortErrorKind) -> PortError {
    PortError {
        span: Span::new(start, start + text.len()),
        text: text.to_string(),
        kind,
    }
}

fn parse_number(s: &str) -> Result<u16, PortErrorKind> {
    if s.is_empty() {
        return Err(PortErrorKind::OpenRange);
    }
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(PortErrorKind::PortName);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortErrorKind::NotAPort);
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(PortErrorKind::LeadingZero);
    }
    s.parse::<u16>().map_err(|_| PortErrorKind::OutOfRange)
}

/// A port, a range (`a:b`, `a-b`) or `any`.
fn parse_port_spec(s: &str) -> Result<PortSpec, PortErrorKind> {
    if s == "any" || s == "ANY" {
        return Ok(PortSpec::Any);
    }
    match s.split_once([':', '-']) {
        None => parse_number(s).map(PortSpec::Port),
        Some((a, b)) => {
            if b.contains([':', '-']) {
                return Err(PortErrorKind::NotAPort);
            }
            let (a, b) = (parse_number(a)?, parse_number(b)?);
            if a > b {
                return Err(PortErrorKind::ReversedRange);
            }
            Ok(PortSpec::Range(a, b))
        }
    }
}

/// Parses a `server_X_ports` value (also the server ports of `server custom`): blank-separated
/// `proto/ports` entries, where both sides may be comma lists as FireHOL's `rule` splits them
/// (`tcp,udp/53`, `tcp/80,443`). Ports are numeric: fhc does not read /etc/services.
pub fn parse_server_ports(text: &str) -> Result<Vec<ServerPort>, PortError> {
    let mut out = Vec::new();
    for (start, word) in split_words(text, false) {
        let Some((protos, ports)) = word.split_once('/') else {
            return Err(err(start, word, PortErrorKind::MissingProto));
        };
        if ports.contains('/') {
            return Err(err(start, word, PortErrorKind::ExtraSlash));
        }
        let protos: Vec<(usize, &str)> = split_words(protos, true)
            .map(|(o, w)| (start + o, w))
            .collect();
        if protos.is_empty() {
            return Err(err(start, word, PortErrorKind::MissingProto));
        }
        let ports_start = start + word.len() - ports.len();
        let ports: Vec<(usize, &str)> = split_words(ports, true)
            .map(|(o, w)| (ports_start + o, w))
            .collect();
        if ports.is_empty() {
            return Err(err(start, word, PortErrorKind::MissingPort));
        }
        for &(pstart, pword) in &protos {
            let proto = Proto::parse(pword)
                .ok_or_else(|| err(pstart, pword, PortErrorKind::UnknownProto))?;
            for &(ostart, oword) in &ports {
                if oword == "default" {
                    return Err(err(ostart, oword, PortErrorKind::DefaultInServer));
                }
                let spec = parse_port_spec(oword).map_err(|k| err(ostart, oword, k))?;
                if spec != PortSpec::Any && !proto.has_ports() {
                    return Err(err(start, word, PortErrorKind::PortlessProto));
                }
                out.push(ServerPort { proto, ports: spec });
            }
        }
    }
    if out.is_empty() {
        return Err(err(0, text, PortErrorKind::Empty));
    }
    Ok(out)
}

/// Parses a `client_X_ports` value (also the client ports of `server custom`): `default`, `any`,
/// ports and ranges, separated by blanks or commas.
pub fn parse_client_ports(text: &str) -> Result<Vec<ClientPort>, PortError> {
    let mut out = Vec::new();
    for (start, word) in split_words(text, true) {
        let port = match word {
            "default" => ClientPort::Default,
            _ => match parse_port_spec(word).map_err(|k| err(start, word, k))? {
                PortSpec::Any => ClientPort::Any,
                PortSpec::Port(p) => ClientPort::Port(p),
                PortSpec::Range(a, b) => ClientPort::Range(a, b),
            },
        };
        out.push(port);
    }
    if out.is_empty() {
        return Err(err(0, text, PortErrorKind::Empty));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(sip.client, &[ClientPort::Port(5060), ClientPort::Default]);
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
        assert_eq!(simple("GRE").server, &[all_ports(Proto::Number(47))]);
        assert_eq!(simple("vnc").server, &[tcp_range(5900, 5903)]);
        assert_eq!(simple("dhcprelay").client, &[ClientPort::Port(67)]);

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
                (Family::Ipv4, Proto::Icmp, 8, Conntrack::NewEstablished),
                (Family::Ipv4, Proto::Icmp, 0, Conntrack::Established),
                (Family::Ipv6, Proto::Icmpv6, 128, Conntrack::NewEstablished),
                (Family::Ipv6, Proto::Icmpv6, 129, Conntrack::Established),
            ]
        );
        assert_eq!(ComplexService::Dhcp.family(), Family::Ipv4);
        assert_eq!(ComplexService::Ipv6mld.family(), Family::Ipv6);
        assert_eq!(ComplexService::Ipv6error.rules(), ComplexRules::Fixed(&[]));
        assert_eq!(ComplexService::Custom.rules(), ComplexRules::Inline);
        let ComplexRules::Rpc(nfs) = ComplexService::Nfs.rules() else {
            panic!()
        };
        assert_eq!(nfs.client_ports, PortSpec::Range(500, 65535));
        for c in ComplexService::ALL {
            if let ComplexRules::Fixed(rules) = c.rules() {
                for r in rules {
                    // one-family services only emit rules of their family
                    if c.family() != Family::Both {
                        assert_eq!(r.family, c.family(), "{}", c.name());
                    }
                    // ICMP types only on ICMP protocols, ports only on protocols with ports
                    assert_eq!(
                        r.icmp.is_some(),
                        matches!(r.proto, Proto::Icmp | Proto::Icmpv6),
                        "{}",
                        c.name()
                    );
                    if !r.proto.has_ports() {
                        assert_eq!((r.sport, r.dport), (ANY, ANY), "{}", c.name());
                    }
                }
            }
        }
        // dhcp replies go from 67 to 68 and are stateless
        let ComplexRules::Fixed(dhcp) = ComplexService::Dhcp.rules() else {
            panic!()
        };
        assert_eq!(dhcp[1].sport, &[ClientPort::Port(67)]);
        assert_eq!(dhcp[1].dport, &[ClientPort::Port(68)]);
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
            [all_ports(Proto::Number(50)), all_ports(Proto::Number(47))]
        );
        assert_eq!(
            parse_server_ports("6/22 TCP/23").unwrap(),
            [tcp(22), tcp(23)]
        );
        assert_eq!(
            parse_server_ports("any/any").unwrap(),
            [all_ports(Proto::Any)]
        );
        assert_eq!(
            parse_client_ports("default 1024:2000").unwrap(),
            [ClientPort::Default, ClientPort::Range(1024, 2000)]
        );
        assert_eq!(
            parse_client_ports("5060,default").unwrap(),
            [ClientPort::Port(5060), ClientPort::Default]
        );
        assert_eq!(parse_client_ports("any").unwrap(), [ClientPort::Any]);
        assert_eq!(
            parse_client_ports("0 65535").unwrap(),
            [ClientPort::Port(0), ClientPort::Port(65535)]
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
                (Proto::Tcp, vec![PortSpec::Port(4661)]),
                (Proto::Udp, vec![PortSpec::Port(4661), PortSpec::Port(4665)])
            ]
        );
    }
}
