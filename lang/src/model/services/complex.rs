//! The complex services: FireHOL's hand-written `rules_<name>` functions as rule data (ICMP types,
//! stateless rules, server-opened connections, multicast), and the rpcinfo lookups of nfs and nis.

use super::ports::{ClientPort, Port, Proto};
use super::simple::{ANY, DEFAULT};
use crate::model::values::Families;

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
    /// inline simple service; its two lists follow
    /// [`parse_server_ports`](super::parse_server_ports) and
    /// [`parse_client_ports`](super::parse_client_ports).
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
    /// The families the rule is emitted for (both: each active family).
    pub family: Families,
    pub flow: Flow,
    /// `None`: any protocol.
    pub proto: Option<Proto>,
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
    family: Families,
    flow: Flow,
    proto: Option<Proto>,
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
    family: Families,
    proto: Option<Proto>,
    sport: &'static [ClientPort],
    dport: &'static [ClientPort],
    state: Conntrack,
) -> ComplexRule {
    rule(family, Flow::ToServer, proto, sport, dport, state)
}

/// A packet towards the client, with the statement's parameters reversed.
const fn to_client(
    family: Families,
    proto: Option<Proto>,
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

const fn icmp_rule(family: Families, flow: Flow, ty: IcmpType, state: Conntrack) -> ComplexRule {
    let proto = if family.v6 && !family.v4 {
        Some(Proto::Icmpv6)
    } else {
        Some(Proto::Icmp)
    };
    ComplexRule {
        icmp: Some(ty),
        ..rule(family, flow, proto, ANY, ANY, state)
    }
}

const fn multicast(flow: Flow, proto: Option<Proto>) -> ComplexRule {
    ComplexRule {
        to_multicast: true,
        ..irregular(rule(Families::BOTH, flow, proto, ANY, ANY, NOSTATE))
    }
}

use Conntrack::{Established as EST, NewEstablished as NEW, Stateless as NOSTATE};
use Flow::{ToClient as TO_CLIENT, ToServer as TO_SERVER};

const V4: Families = Families::V4;
const V6: Families = Families::V6;
const BOTH: Families = Families::BOTH;
const TCP: Option<Proto> = Some(Proto::Tcp);
const UDP: Option<Proto> = Some(Proto::Udp);
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

const P67: &[ClientPort] = &[ClientPort::Ports(Port::Num(67))];
const P68: &[ClientPort] = &[ClientPort::Ports(Port::Num(68))];
const P546: &[ClientPort] = &[ClientPort::Ports(Port::Num(546))];
const P547: &[ClientPort] = &[ClientPort::Ports(Port::Num(547))];

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

const P137: &[ClientPort] = &[ClientPort::Ports(Port::Num(137))];
const P137_CLIENT: &[ClientPort] = &[ClientPort::Ports(Port::Num(137)), ClientPort::Default];
const P138: &[ClientPort] = &[ClientPort::Ports(Port::Num(138))];
const P138_CLIENT: &[ClientPort] = &[ClientPort::Ports(Port::Num(138)), ClientPort::Default];
const P139: &[ClientPort] = &[ClientPort::Ports(Port::Num(139))];
const P445: &[ClientPort] = &[ClientPort::Ports(Port::Num(445))];
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

const XBOX_UDP: &[ClientPort] = &[
    ClientPort::Ports(Port::Num(88)),
    ClientPort::Ports(Port::Num(3074)),
];
const P3074: &[ClientPort] = &[ClientPort::Ports(Port::Num(3074))];

static XBOX: &[ComplexRule] = &[
    to_server(BOTH, UDP, CLIENT, XBOX_UDP, NEW),
    to_client(BOTH, UDP, XBOX_UDP, CLIENT, EST),
    to_server(BOTH, TCP, CLIENT, P3074, NEW),
    to_client(BOTH, TCP, P3074, CLIENT, EST),
    to_server(BOTH, UDP, P3074, CLIENT, NEW),
    to_client(BOTH, UDP, CLIENT, P3074, EST),
];

const P4661: &[ClientPort] = &[ClientPort::Ports(Port::Num(4661))];
const P4662: &[ClientPort] = &[ClientPort::Ports(Port::Num(4662))];
const P4665: &[ClientPort] = &[ClientPort::Ports(Port::Num(4665))];
const P4672: &[ClientPort] = &[ClientPort::Ports(Port::Num(4672))];

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

const P4558: &[ClientPort] = &[ClientPort::Ports(Port::Num(4558))];
const P4559: &[ClientPort] = &[ClientPort::Ports(Port::Num(4559))];

static HYLAFAX: &[ComplexRule] = &[
    to_server(BOTH, TCP, ANY, P4559, NEW),
    to_client(BOTH, TCP, P4559, ANY, EST),
    irregular(to_client(BOTH, TCP, P4558, ANY, NEW)),
    irregular(to_server(BOTH, TCP, ANY, P4558, EST)),
];

const IGMP: Option<Proto> = Some(Proto::Num(2));

static MULTICAST: &[ComplexRule] = &[
    multicast(TO_CLIENT, IGMP),
    multicast(TO_SERVER, IGMP),
    multicast(TO_CLIENT, UDP),
    multicast(TO_SERVER, UDP),
];

static ANYSTATELESS: &[ComplexRule] = &[
    to_server(BOTH, None, ANY, ANY, NOSTATE),
    to_client(BOTH, None, ANY, ANY, NOSTATE),
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
    pub client_ports: Option<Port>,
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
    client_ports: Some(Port::Range(500, 65535)),
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
    client_ports: Some(Port::Range(500, 65535)),
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
    pub fn family(self) -> Families {
        match self {
            ComplexService::Timestamp | ComplexService::Dhcp => Families::V4,
            ComplexService::Dhcpv6
            | ComplexService::Ipv6neigh
            | ComplexService::Ipv6router
            | ComplexService::Ipv6mld => Families::V6,
            _ => Families::BOTH,
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
