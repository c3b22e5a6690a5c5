//! FireHOL's vocabulary: commands and optional rule parameters, with the facts the parser needs
//! (arity, negation, family suffixes) and a one-line meaning that hover and completion reuse.

/// Every command fhc recognises in command position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    Version,
    Interface,
    Router,
    Group,
    Policy,
    Protection,
    Server,
    Client,
    Route,
    Synproxy,
    Dnat,
    Snat,
    Redirect,
    Nat,
    Masquerade,
    TransparentProxy,
    TransparentSquid,
    Tproxy,
    Action,
    Mark,
    Connmark,
    Custommark,
    Classify,
    Tos,
    Dscp,
    Tosfix,
    Tcpmss,
    Blacklist,
    Iptrap,
    Ipuntrap,
    Ipset,
    Mac,
    Cthelper,
    Log,
    Loglimit,
    Iptables,
    Ip6tables,
    DockerBridge,
    Markdef,
    Marksreset,
    RequireKernelModule,
    Postprocess,
    EcnShame,
}

impl Cmd {
    /// Commands FireHOL only accepts before the first `interface`/`router`.
    pub fn is_top_only(self) -> bool {
        use Cmd::*;
        matches!(
            self,
            Synproxy
                | Dnat
                | Snat
                | Redirect
                | Nat
                | TransparentProxy
                | TransparentSquid
                | Tproxy
                | Action
                | Mark
                | Connmark
                | Custommark
                | Classify
                | Tos
                | Dscp
                | Tosfix
                | Blacklist
                | Iptrap
                | Ipuntrap
                | Mac
                | Cthelper
                | Log
                | Loglimit
        )
    }

    /// Commands that only make sense inside a section.
    pub fn is_section_only(self) -> bool {
        matches!(
            self,
            Cmd::Policy | Cmd::Protection | Cmd::Server | Cmd::Client | Cmd::Route | Cmd::Group
        )
    }
}

/// (name, command, accepts the 4/6/46 suffixes, meaning)
pub const COMMANDS: &[(&str, Cmd, bool, &str)] = &[
    (
        "version",
        Cmd::Version,
        false,
        "declares the FireHOL configuration API version (5 disables IPv6, 6 is current)",
    ),
    (
        "interface",
        Cmd::Interface,
        true,
        "opens a section for traffic to and from this host through the given interfaces",
    ),
    (
        "router",
        Cmd::Router,
        true,
        "opens a section for traffic routed through this host",
    ),
    (
        "group",
        Cmd::Group,
        true,
        "groups statements of a section under common rule parameters (group with ... / group end)",
    ),
    (
        "policy",
        Cmd::Policy,
        false,
        "sets what happens to traffic of the section that no statement matched",
    ),
    (
        "protection",
        Cmd::Protection,
        false,
        "adds flood and bad-packet protections to the section",
    ),
    (
        "server",
        Cmd::Server,
        true,
        "allows (or denies) requests to a service running behind this section",
    ),
    (
        "client",
        Cmd::Client,
        true,
        "allows (or denies) requests from this section's side to a service on the other side",
    ),
    (
        "route",
        Cmd::Route,
        true,
        "a server statement in a router section",
    ),
    (
        "synproxy",
        Cmd::Synproxy,
        true,
        "protects a TCP service from SYN floods with the kernel's SYNPROXY",
    ),
    (
        "dnat",
        Cmd::Dnat,
        true,
        "rewrites the destination of new connections (destination NAT)",
    ),
    (
        "snat",
        Cmd::Snat,
        true,
        "rewrites the source of new connections (source NAT)",
    ),
    (
        "redirect",
        Cmd::Redirect,
        true,
        "redirects new connections to a port on this host",
    ),
    (
        "nat",
        Cmd::Nat,
        true,
        "generic NAT: to-destination, to-source or redirect-to",
    ),
    (
        "masquerade",
        Cmd::Masquerade,
        true,
        "source NAT to the address of the outgoing interface",
    ),
    (
        "transparent_proxy",
        Cmd::TransparentProxy,
        true,
        "redirects web-like traffic to a local proxy port",
    ),
    (
        "transparent_squid",
        Cmd::TransparentSquid,
        true,
        "redirects port 80 to a local squid proxy",
    ),
    (
        "tproxy",
        Cmd::Tproxy,
        true,
        "diverts traffic to a local transparent proxy socket (TPROXY)",
    ),
    (
        "action",
        Cmd::Action,
        true,
        "defines a named action usable as a verdict (chains, rules, traps)",
    ),
    (
        "mark",
        Cmd::Mark,
        true,
        "sets the user mark on matching packets",
    ),
    (
        "connmark",
        Cmd::Connmark,
        true,
        "sets the connection mark on matching packets",
    ),
    (
        "custommark",
        Cmd::Custommark,
        true,
        "sets a custom mark group on matching packets",
    ),
    (
        "classify",
        Cmd::Classify,
        true,
        "sets the traffic-control class of matching packets",
    ),
    (
        "tos",
        Cmd::Tos,
        true,
        "sets the TOS field of matching packets",
    ),
    (
        "dscp",
        Cmd::Dscp,
        true,
        "sets the DSCP field of matching packets",
    ),
    ("tosfix", Cmd::Tosfix, true, "normalises TOS values"),
    (
        "tcpmss",
        Cmd::Tcpmss,
        true,
        "clamps the TCP MSS of SYN packets",
    ),
    (
        "blacklist",
        Cmd::Blacklist,
        true,
        "drops all traffic from (and optionally to) the given addresses",
    ),
    (
        "iptrap",
        Cmd::Iptrap,
        true,
        "adds the source or destination of matching packets to an ipset",
    ),
    (
        "ipuntrap",
        Cmd::Ipuntrap,
        true,
        "removes the source or destination of matching packets from an ipset",
    ),
    ("ipset", Cmd::Ipset, true, "creates or fills an ipset"),
    (
        "mac",
        Cmd::Mac,
        true,
        "accepts an IP only from the given MAC address",
    ),
    (
        "cthelper",
        Cmd::Cthelper,
        true,
        "assigns a conntrack helper",
    ),
    ("log", Cmd::Log, true, "logs matching traffic"),
    (
        "loglimit",
        Cmd::Loglimit,
        true,
        "logs matching traffic, rate limited",
    ),
    (
        "iptables",
        Cmd::Iptables,
        false,
        "passes a raw iptables command through (cannot be translated to nftables)",
    ),
    (
        "ip6tables",
        Cmd::Ip6tables,
        false,
        "passes a raw ip6tables command through (cannot be translated to nftables)",
    ),
    (
        "docker_bridge",
        Cmd::DockerBridge,
        false,
        "sets up the chains Docker expects",
    ),
    (
        "markdef",
        Cmd::Markdef,
        false,
        "defines a mark group's bit layout (firehol-defaults.conf)",
    ),
    (
        "marksreset",
        Cmd::Marksreset,
        false,
        "resets the mark layout (firehol-defaults.conf)",
    ),
    (
        "require_kernel_module",
        Cmd::RequireKernelModule,
        false,
        "loads a kernel module",
    ),
    (
        "postprocess",
        Cmd::Postprocess,
        false,
        "runs a command after activation",
    ),
    (
        "ecn_shame",
        Cmd::EcnShame,
        false,
        "deprecated; does nothing",
    ),
];

/// Address families selected by the `ipv4`/`ipv6`/`both` prefixes or the 4/6/46 suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Ipv4,
    Ipv6,
    Both,
}

impl Family {
    pub fn from_prefix(s: &str) -> Option<Family> {
        match s {
            "ipv4" => Some(Family::Ipv4),
            "ipv6" => Some(Family::Ipv6),
            "both" => Some(Family::Both),
            _ => None,
        }
    }
}

/// Looks up a command word, with its family suffix if it has one.
pub fn command(word: &str) -> Option<(Cmd, Option<Family>)> {
    if let Some(&(_, c, _, _)) = COMMANDS.iter().find(|(n, ..)| *n == word) {
        return Some((c, None));
    }
    for (suffix, fam) in [
        ("46", Family::Both),
        ("4", Family::Ipv4),
        ("6", Family::Ipv6),
    ] {
        if let Some(base) = word.strip_suffix(suffix)
            && let Some(&(_, c, true, _)) = COMMANDS.iter().find(|(n, ..)| *n == base)
        {
            return Some((c, Some(fam)));
        }
    }
    None
}

/// How many values a parameter keyword takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// A modifier with no value (`reverse`, `noowner`).
    Zero,
    One,
    Two,
    /// `log "text" [level L]`
    Log,
    /// `dscp [class] VALUE`
    Dscp,
    /// `connlimit upto|above N [mask M] [saddr|daddr]`
    Connlimit,
    /// `hashlimit NAME upto|above RATE [burst B] [mode M] [srcmask P] [dstmask P] [htable-* V]`
    Hashlimit,
    /// `ipset NAME FLAGS [options X] [no-counters] [bytes-OP N] [packets-OP N]`
    Ipset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    Src,
    Src4,
    Src6,
    Dst,
    Dst4,
    Dst6,
    Srctype,
    Dsttype,
    Inface,
    Outface,
    Physin,
    Physout,
    Proto,
    Sport,
    Dport,
    Mac,
    Mark,
    Connmark,
    Custommark,
    Rawmark,
    Tos,
    Dscp,
    State,
    Uid,
    Gid,
    Custom,
    CustomIn,
    CustomOut,
    Helper,
    Log,
    Loglimit,
    Connlog,
    Limit,
    Connlimit,
    Hashlimit,
    Accounting,
    Ipset,
    Action,
    Reverse,
    Noowner,
    Nolog,
    Softwarnings,
    Nosoftwarnings,
    Insert,
    InsertAt,
    Table,
    Chain,
    In,
    Out,
    Optimal,
    Accurate,
    ReturnIfNotMatched,
    Or,
    SetWorkInface,
    SetWorkOutface,
    PushFlowInheritance,
}

/// (keywords, kind, arity, negatable, meaning). Keywords are matched case-insensitively, as FireHOL
/// lower-cases parameter names.
pub const PARAMS: &[(&[&str], ParamKind, Arity, bool, &str)] = &[
    (
        &["src"],
        ParamKind::Src,
        Arity::One,
        true,
        "source addresses of the request (IPs, CIDRs, ranges, ipset:NAME)",
    ),
    (
        &["src4"],
        ParamKind::Src4,
        Arity::One,
        true,
        "source addresses of the request, IPv4 rules only",
    ),
    (
        &["src6"],
        ParamKind::Src6,
        Arity::One,
        true,
        "source addresses of the request, IPv6 rules only",
    ),
    (
        &["dst"],
        ParamKind::Dst,
        Arity::One,
        true,
        "destination addresses of the request",
    ),
    (
        &["dst4"],
        ParamKind::Dst4,
        Arity::One,
        true,
        "destination addresses of the request, IPv4 rules only",
    ),
    (
        &["dst6"],
        ParamKind::Dst6,
        Arity::One,
        true,
        "destination addresses of the request, IPv6 rules only",
    ),
    (
        &["srctype"],
        ParamKind::Srctype,
        Arity::One,
        true,
        "source address type (UNICAST, LOCAL, BROADCAST, ...)",
    ),
    (
        &["dsttype"],
        ParamKind::Dsttype,
        Arity::One,
        true,
        "destination address type (UNICAST, LOCAL, BROADCAST, ...)",
    ),
    (
        &["inface"],
        ParamKind::Inface,
        Arity::One,
        true,
        "interfaces the request arrives on (+ is a wildcard)",
    ),
    (
        &["outface"],
        ParamKind::Outface,
        Arity::One,
        true,
        "interfaces the request leaves through",
    ),
    (
        &["physin"],
        ParamKind::Physin,
        Arity::One,
        true,
        "bridge port the request arrives on",
    ),
    (
        &["physout"],
        ParamKind::Physout,
        Arity::One,
        true,
        "bridge port the request leaves through",
    ),
    (
        &["proto", "protocol"],
        ParamKind::Proto,
        Arity::One,
        true,
        "IP protocols (tcp, udp, icmp, numbers)",
    ),
    (
        &["sport"],
        ParamKind::Sport,
        Arity::One,
        true,
        "source ports of the request (a:b or a-b ranges)",
    ),
    (
        &["dport"],
        ParamKind::Dport,
        Arity::One,
        true,
        "destination ports of the request (a:b or a-b ranges)",
    ),
    (
        &["mac"],
        ParamKind::Mac,
        Arity::One,
        true,
        "source MAC addresses of the request",
    ),
    (
        &["mark"],
        ParamKind::Mark,
        Arity::One,
        true,
        "user mark values",
    ),
    (
        &["connmark"],
        ParamKind::Connmark,
        Arity::One,
        true,
        "connection mark values",
    ),
    (
        &["custommark"],
        ParamKind::Custommark,
        Arity::Two,
        true,
        "a custom mark group and its values",
    ),
    (
        &["rawmark"],
        ParamKind::Rawmark,
        Arity::One,
        true,
        "a literal mark value[/mask]",
    ),
    (&["tos"], ParamKind::Tos, Arity::One, true, "TOS values"),
    (
        &["dscp"],
        ParamKind::Dscp,
        Arity::Dscp,
        true,
        "DSCP values, or `class` and a DSCP class",
    ),
    (
        &["state"],
        ParamKind::State,
        Arity::One,
        true,
        "conntrack states, comma separated (NEW,ESTABLISHED)",
    ),
    (
        &["uid", "user"],
        ParamKind::Uid,
        Arity::One,
        true,
        "owning users of locally generated packets",
    ),
    (
        &["gid", "group"],
        ParamKind::Gid,
        Arity::One,
        true,
        "owning groups of locally generated packets",
    ),
    (
        &["custom"],
        ParamKind::Custom,
        Arity::One,
        false,
        "raw iptables match options (cannot be translated)",
    ),
    (
        &["custom-in", "customin"],
        ParamKind::CustomIn,
        Arity::One,
        false,
        "raw iptables options for the request rule only",
    ),
    (
        &["custom-out", "customout"],
        ParamKind::CustomOut,
        Arity::One,
        false,
        "raw iptables options for the reply rule only",
    ),
    (
        &["helper"],
        ParamKind::Helper,
        Arity::One,
        true,
        "conntrack helper names",
    ),
    (
        &["log"],
        ParamKind::Log,
        Arity::Log,
        false,
        "logs matching packets with this text",
    ),
    (
        &["loglimit"],
        ParamKind::Loglimit,
        Arity::Log,
        false,
        "logs matching packets with this text, rate limited",
    ),
    (
        &["connlog"],
        ParamKind::Connlog,
        Arity::One,
        false,
        "logs the first packet of each connection",
    ),
    (
        &["limit"],
        ParamKind::Limit,
        Arity::Two,
        false,
        "rate limit: RATE BURST",
    ),
    (
        &["connlimit", "iplimit"],
        ParamKind::Connlimit,
        Arity::Connlimit,
        false,
        "limits concurrent connections",
    ),
    (
        &["hashlimit"],
        ParamKind::Hashlimit,
        Arity::Hashlimit,
        false,
        "per-source/destination rate limit",
    ),
    (
        &["acct", "accounting"],
        ParamKind::Accounting,
        Arity::One,
        false,
        "counts matching traffic in an accounting object",
    ),
    (
        &["ipset"],
        ParamKind::Ipset,
        Arity::Ipset,
        true,
        "matches against an ipset",
    ),
    (
        &["action"],
        ParamKind::Action,
        Arity::One,
        false,
        "the verdict of a rule (inside action definitions)",
    ),
    (
        &["reverse"],
        ParamKind::Reverse,
        Arity::Zero,
        false,
        "swaps the direction of the parameters",
    ),
    (
        &["noowner"],
        ParamKind::Noowner,
        Arity::Zero,
        false,
        "drops uid/gid matches",
    ),
    (
        &["nolog"],
        ParamKind::Nolog,
        Arity::Zero,
        false,
        "disables logging",
    ),
    (
        &["softwarnings"],
        ParamKind::Softwarnings,
        Arity::Zero,
        false,
        "shows soft warnings",
    ),
    (
        &["nosoftwarnings"],
        ParamKind::Nosoftwarnings,
        Arity::Zero,
        false,
        "hides soft warnings",
    ),
    (
        &["insert"],
        ParamKind::Insert,
        Arity::Zero,
        false,
        "inserts instead of appending (internal)",
    ),
    (
        &["insert_at"],
        ParamKind::InsertAt,
        Arity::One,
        false,
        "inserts at a position (internal)",
    ),
    (
        &["table"],
        ParamKind::Table,
        Arity::One,
        false,
        "netfilter table (internal)",
    ),
    (
        &["chain"],
        ParamKind::Chain,
        Arity::One,
        false,
        "netfilter chain (internal)",
    ),
    (
        &["in"],
        ParamKind::In,
        Arity::Zero,
        false,
        "only the incoming rule (internal)",
    ),
    (
        &["out"],
        ParamKind::Out,
        Arity::Zero,
        false,
        "only the outgoing rule (internal)",
    ),
    (
        &["optimal"],
        ParamKind::Optimal,
        Arity::Zero,
        false,
        "optimal ruleset mode for this statement",
    ),
    (
        &["accurate"],
        ParamKind::Accurate,
        Arity::Zero,
        false,
        "accurate ruleset mode for this statement",
    ),
    (
        &["return_if_not_matched"],
        ParamKind::ReturnIfNotMatched,
        Arity::Zero,
        false,
        "internal",
    ),
    (
        &["or"],
        ParamKind::Or,
        Arity::Zero,
        false,
        "separates alternatives after `except`",
    ),
    (
        &["set_work_inface"],
        ParamKind::SetWorkInface,
        Arity::Zero,
        false,
        "internal",
    ),
    (
        &["set_work_outface"],
        ParamKind::SetWorkOutface,
        Arity::Zero,
        false,
        "internal",
    ),
    (
        &["push_flow_inheritance"],
        ParamKind::PushFlowInheritance,
        Arity::One,
        false,
        "internal",
    ),
];

pub fn param(word: &str) -> Option<(ParamKind, Arity, bool)> {
    PARAMS
        .iter()
        .find(|(names, ..)| names.iter().any(|n| n.eq_ignore_ascii_case(word)))
        .map(|&(_, k, a, n, _)| (k, a, n))
}

impl ParamKind {
    pub fn name(self) -> &'static str {
        PARAMS
            .iter()
            .find(|p| p.1 == self)
            .map(|p| p.0[0])
            .unwrap_or("?")
    }

    pub fn meaning(self) -> &'static str {
        PARAMS
            .iter()
            .find(|p| p.1 == self)
            .map(|p| p.4)
            .unwrap_or("")
    }

    pub fn negatable(self) -> bool {
        PARAMS.iter().find(|p| p.1 == self).is_some_and(|p| p.3)
    }
}

/// Words that bash treats as reserved at the start of a command.
pub const SHELL_OPENERS: &[&str] = &[
    "if", "elif", "while", "until", "for", "case", "select", "function",
];
pub const SHELL_CONTINUERS: &[&str] = &["then", "else", "do"];
pub const SHELL_CLOSERS: &[&str] = &["fi", "done", "esac", "}", "{"];

/// Shell builtins and utilities that appear in configs but that fhc cannot run.
pub const SHELL_COMMANDS: &[&str] = &[
    "test",
    "[",
    "[[",
    "echo",
    "printf",
    "exit",
    "return",
    "read",
    "local",
    "declare",
    "typeset",
    "eval",
    "exec",
    "true",
    "false",
    ":",
    "let",
    "shift",
    "set",
    "trap",
    "cd",
    "alias",
    "readonly",
    "enable",
    "wait",
    "sleep",
    "cat",
    "grep",
    "sed",
    "awk",
    "sysctl",
    "modprobe",
    "logger",
    "ip",
    "ipset_update_from_file",
];

/// Built-in verdicts of server/client/route/policy statements (case-insensitive).
pub const ACTIONS: &[(&str, &str)] = &[
    ("accept", "allows the traffic"),
    (
        "reject",
        "refuses the traffic with an ICMP error or a TCP reset",
    ),
    ("drop", "silently discards the traffic"),
    ("deny", "silently discards the traffic (same as drop)"),
    ("return", "returns to the caller without a verdict"),
    (
        "tarpit",
        "holds TCP connections open at no cost to this host",
    ),
    ("mirror", "sends the traffic back to its source (obsolete)"),
    ("none", "no verdict"),
];

pub fn is_builtin_action(word: &str) -> bool {
    ACTIONS.iter().any(|(a, _)| a.eq_ignore_ascii_case(word))
}
