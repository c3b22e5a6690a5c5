//! FireHOL's vocabulary: commands and optional rule parameters, with the facts the parser needs
//! (arity, negation, family suffixes) and a one-line meaning that hover and completion reuse.
//!
//! Each command and each parameter is written once, in the `commands!` and `params!` tables
//! below: the enums, [`COMMANDS`], [`PARAMS`] and the per-word facts are all derived from them.
//! The keyword lists of the editor grammars (grammar/vocabulary.js, the TextMate grammar, the Vim
//! syntax file) are generated from these tables by `lang/tests/vocabulary.rs`
//! (`UPDATE_VOCAB=1 cargo test -p fhc-lang --test vocabulary`).

/// Where a command may stand in a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Only before the first `interface`/`router`.
    TopOnly,
    /// Only inside a section.
    SectionOnly,
    /// Anywhere (the section commands themselves, and the rest).
    Anywhere,
}

/// Declares [`Cmd`], [`Cmd::ALL`], [`COMMANDS`] and the facts of each command from one table.
/// A row is `Variant "name" suffixes placement "meaning";` where `suffixes` is `yes` when the
/// command also exists as name4/name6/name46 and `placement` is `top`, `section` or `any`.
macro_rules! commands {
    (@suffixes yes) => { true };
    (@suffixes no) => { false };
    (@place top) => { Placement::TopOnly };
    (@place section) => { Placement::SectionOnly };
    (@place any) => { Placement::Anywhere };
    ($($variant:ident $name:literal $suffixes:ident $place:ident $meaning:literal;)*) => {
        /// Every command fhc recognises in command position.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Cmd {
            $(#[doc = $meaning] $variant,)*
        }

        impl Cmd {
            /// Every command, in the table's order (the parser has one alternative for each).
            pub const ALL: &'static [Cmd] = &[$(Cmd::$variant,)*];

            /// The command's name (without a family suffix).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Cmd::$variant => $name,)*
                }
            }

            /// Whether the command also exists as name4, name6 and name46.
            pub const fn takes_suffixes(self) -> bool {
                match self {
                    $(Cmd::$variant => commands!(@suffixes $suffixes),)*
                }
            }

            pub const fn placement(self) -> Placement {
                match self {
                    $(Cmd::$variant => commands!(@place $place),)*
                }
            }

            /// What the command does, in one line (hover, completion).
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(Cmd::$variant => $meaning,)*
                }
            }
        }

        /// (name, command, accepts the 4/6/46 suffixes, meaning), in the table's order.
        pub const COMMANDS: &[(&str, Cmd, bool, &str)] = &[
            $(($name, Cmd::$variant, commands!(@suffixes $suffixes), $meaning),)*
        ];
    };
}

commands! {
    // Variant          name                    4/6/46  placement
    Version             "version"               no      any
        "declares the FireHOL configuration API version (5 disables IPv6, 6 is current)";
    Interface           "interface"             yes     any
        "opens a section for traffic to and from this host through the given interfaces";
    Router              "router"                yes     any
        "opens a section for traffic routed through this host";
    Group               "group"                 yes     section
        "groups statements of a section under common rule parameters (group with ... / group end)";
    Policy              "policy"                no      section
        "sets what happens to traffic of the section that no statement matched";
    Protection          "protection"            no      section
        "adds flood and bad-packet protections to the section";
    Server              "server"                yes     section
        "allows (or denies) requests to a service running behind this section";
    Client              "client"                yes     section
        "allows (or denies) requests from this section's side to a service on the other side";
    Route               "route"                 yes     section
        "a server statement in a router section";
    Synproxy            "synproxy"              yes     top
        "protects a TCP service from SYN floods with the kernel's SYNPROXY";
    Dnat                "dnat"                  yes     top
        "rewrites the destination of new connections (destination NAT)";
    Snat                "snat"                  yes     top
        "rewrites the source of new connections (source NAT)";
    Redirect            "redirect"              yes     top
        "redirects new connections to a port on this host";
    Nat                 "nat"                   yes     top
        "generic NAT: to-destination, to-source or redirect-to";
    Masquerade          "masquerade"            yes     any
        "source NAT to the address of the outgoing interface";
    TransparentProxy    "transparent_proxy"     yes     top
        "redirects web-like traffic to a local proxy port";
    TransparentSquid    "transparent_squid"     yes     top
        "redirects port 80 to a local squid proxy";
    Tproxy              "tproxy"                yes     top
        "diverts traffic to a local transparent proxy socket (TPROXY)";
    Action              "action"                yes     top
        "defines a named action usable as a verdict (chains, rules, traps)";
    Mark                "mark"                  yes     top
        "sets the user mark on matching packets";
    Connmark            "connmark"              yes     top
        "sets the connection mark on matching packets";
    Custommark          "custommark"            yes     top
        "sets a custom mark group on matching packets";
    Classify            "classify"              yes     top
        "sets the traffic-control class of matching packets";
    Tos                 "tos"                   yes     top
        "sets the TOS field of matching packets";
    Dscp                "dscp"                  yes     top
        "sets the DSCP field of matching packets";
    Tosfix              "tosfix"                yes     top
        "normalises TOS values";
    Tcpmss              "tcpmss"                yes     any
        "clamps the TCP MSS of SYN packets";
    Blacklist           "blacklist"             yes     top
        "drops all traffic from (and optionally to) the given addresses";
    Iptrap              "iptrap"                yes     top
        "adds the source or destination of matching packets to an ipset";
    Ipuntrap            "ipuntrap"              yes     top
        "removes the source or destination of matching packets from an ipset";
    Ipset               "ipset"                 yes     any
        "creates or fills an ipset";
    Mac                 "mac"                   yes     top
        "accepts an IP only from the given MAC address";
    Cthelper            "cthelper"              yes     top
        "assigns a conntrack helper";
    Log                 "log"                   yes     top
        "logs matching traffic";
    Loglimit            "loglimit"              yes     top
        "logs matching traffic, rate limited";
    Iptables            "iptables"              no      any
        "passes a raw iptables command through (cannot be translated to nftables)";
    Ip6tables           "ip6tables"             no      any
        "passes a raw ip6tables command through (cannot be translated to nftables)";
    DockerBridge        "docker_bridge"         no      any
        "sets up the chains Docker expects";
    Markdef             "markdef"               no      any
        "defines a mark group's bit layout (firehol-defaults.conf)";
    Marksreset          "marksreset"            no      any
        "resets the mark layout (firehol-defaults.conf)";
    RequireKernelModule "require_kernel_module" no      any
        "loads a kernel module";
    Postprocess         "postprocess"           no      any
        "runs a command after activation";
    EcnShame            "ecn_shame"             no      any
        "deprecated; does nothing";
}

impl Cmd {
    /// Commands FireHOL only accepts before the first `interface`/`router`.
    pub fn is_top_only(self) -> bool {
        self.placement() == Placement::TopOnly
    }

    /// Commands that only make sense inside a section.
    pub fn is_section_only(self) -> bool {
        self.placement() == Placement::SectionOnly
    }
}

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

/// Declares [`ParamKind`], [`PARAMS`] and the facts of each parameter from one table. A row is
/// `Kind ["spelling", ...] Arity negatable "meaning";` where the first spelling is the name and
/// `negatable` is `yes` when `not`/`!` may follow the keyword.
macro_rules! params {
    (@yes yes) => { true };
    (@yes no) => { false };
    ($(
        $kind:ident [$first:literal $(, $more:literal)*] $arity:ident $neg:ident $meaning:literal;
    )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ParamKind {
            $(#[doc = $meaning] $kind,)*
        }

        /// (keywords, kind, arity, negatable, meaning). Keywords are matched case-insensitively, as
        /// FireHOL lower-cases parameter names.
        pub const PARAMS: &[(&[&str], ParamKind, Arity, bool, &str)] = &[
            $((
                &[$first $(, $more)*],
                ParamKind::$kind,
                Arity::$arity,
                params!(@yes $neg),
                $meaning,
            ),)*
        ];

        impl ParamKind {
            /// Every parameter kind, in the table's order.
            pub const ALL: &'static [ParamKind] = &[$(ParamKind::$kind,)*];

            /// The parameter's first spelling.
            pub const fn name(self) -> &'static str {
                match self {
                    $(ParamKind::$kind => $first,)*
                }
            }

            pub const fn arity(self) -> Arity {
                match self {
                    $(ParamKind::$kind => Arity::$arity,)*
                }
            }

            pub const fn meaning(self) -> &'static str {
                match self {
                    $(ParamKind::$kind => $meaning,)*
                }
            }

            /// Whether `not`/`!` may follow the keyword.
            pub const fn negatable(self) -> bool {
                match self {
                    $(ParamKind::$kind => params!(@yes $neg),)*
                }
            }
        }
    };
}

params! {
    // Kind             spellings                   arity     negatable
    Src                 ["src"]                     One       yes
        "source addresses of the request (IPs, CIDRs, ranges, ipset:NAME)";
    Src4                ["src4"]                    One       yes
        "source addresses of the request, IPv4 rules only";
    Src6                ["src6"]                    One       yes
        "source addresses of the request, IPv6 rules only";
    Dst                 ["dst"]                     One       yes
        "destination addresses of the request";
    Dst4                ["dst4"]                    One       yes
        "destination addresses of the request, IPv4 rules only";
    Dst6                ["dst6"]                    One       yes
        "destination addresses of the request, IPv6 rules only";
    Srctype             ["srctype"]                 One       yes
        "source address type (UNICAST, LOCAL, BROADCAST, ...)";
    Dsttype             ["dsttype"]                 One       yes
        "destination address type (UNICAST, LOCAL, BROADCAST, ...)";
    Inface              ["inface"]                  One       yes
        "interfaces the request arrives on (+ is a wildcard)";
    Outface             ["outface"]                 One       yes
        "interfaces the request leaves through";
    Physin              ["physin"]                  One       yes
        "bridge port the request arrives on";
    Physout             ["physout"]                 One       yes
        "bridge port the request leaves through";
    Proto               ["proto", "protocol"]       One       yes
        "IP protocols (tcp, udp, icmp, numbers)";
    Sport               ["sport"]                   One       yes
        "source ports of the request (a:b or a-b ranges)";
    Dport               ["dport"]                   One       yes
        "destination ports of the request (a:b or a-b ranges)";
    Mac                 ["mac"]                     One       yes
        "source MAC addresses of the request";
    Mark                ["mark"]                    One       yes
        "user mark values";
    Connmark            ["connmark"]                One       yes
        "connection mark values";
    Custommark          ["custommark"]              Two       yes
        "a custom mark group and its values";
    Rawmark             ["rawmark"]                 One       yes
        "a literal mark value[/mask]";
    Tos                 ["tos"]                     One       yes
        "TOS values";
    Dscp                ["dscp"]                    Dscp      yes
        "DSCP values, or `class` and a DSCP class";
    State               ["state"]                   One       yes
        "conntrack states, comma separated (NEW,ESTABLISHED)";
    Uid                 ["uid", "user"]             One       yes
        "owning users of locally generated packets";
    Gid                 ["gid", "group"]            One       yes
        "owning groups of locally generated packets";
    Custom              ["custom"]                  One       no
        "raw iptables match options (cannot be translated)";
    CustomIn            ["custom-in", "customin"]   One       no
        "raw iptables options for the request rule only";
    CustomOut           ["custom-out", "customout"] One       no
        "raw iptables options for the reply rule only";
    Helper              ["helper"]                  One       yes
        "conntrack helper names";
    Log                 ["log"]                     Log       no
        "logs matching packets with this text";
    Loglimit            ["loglimit"]                Log       no
        "logs matching packets with this text, rate limited";
    Connlog             ["connlog"]                 One       no
        "logs the first packet of each connection";
    Limit               ["limit"]                   Two       no
        "rate limit: RATE BURST";
    Connlimit           ["connlimit", "iplimit"]    Connlimit no
        "limits concurrent connections";
    Hashlimit           ["hashlimit"]               Hashlimit no
        "per-source/destination rate limit";
    Accounting          ["acct", "accounting"]      One       no
        "counts matching traffic in an accounting object";
    Ipset               ["ipset"]                   Ipset     yes
        "matches against an ipset";
    Action              ["action"]                  One       no
        "the verdict of a rule (inside action definitions)";
    Reverse             ["reverse"]                 Zero      no
        "swaps the direction of the parameters";
    Noowner             ["noowner"]                 Zero      no
        "drops uid/gid matches";
    Nolog               ["nolog"]                   Zero      no
        "disables logging";
    Softwarnings        ["softwarnings"]            Zero      no
        "shows soft warnings";
    Nosoftwarnings      ["nosoftwarnings"]          Zero      no
        "hides soft warnings";
    Insert              ["insert"]                  Zero      no
        "inserts instead of appending (internal)";
    InsertAt            ["insert_at"]               One       no
        "inserts at a position (internal)";
    Table               ["table"]                   One       no
        "netfilter table (internal)";
    Chain               ["chain"]                   One       no
        "netfilter chain (internal)";
    In                  ["in"]                      Zero      no
        "only the incoming rule (internal)";
    Out                 ["out"]                     Zero      no
        "only the outgoing rule (internal)";
    Optimal             ["optimal"]                 Zero      no
        "optimal ruleset mode for this statement";
    Accurate            ["accurate"]                Zero      no
        "accurate ruleset mode for this statement";
    ReturnIfNotMatched  ["return_if_not_matched"]   Zero      no
        "internal";
    Or                  ["or"]                      Zero      no
        "separates alternatives after `except`";
    SetWorkInface       ["set_work_inface"]         Zero      no
        "internal";
    SetWorkOutface      ["set_work_outface"]        Zero      no
        "internal";
    PushFlowInheritance ["push_flow_inheritance"]   One       no
        "internal";
}

pub fn param(word: &str) -> Option<(ParamKind, Arity, bool)> {
    PARAMS
        .iter()
        .find(|(names, ..)| names.iter().any(|n| n.eq_ignore_ascii_case(word)))
        .map(|&(_, k, a, n, _)| (k, a, n))
}

/// Words that bash treats as reserved at the start of a command.
pub const SHELL_OPENERS: &[&str] = &[
    "if", "elif", "while", "until", "for", "case", "select", "function",
];
pub const SHELL_CONTINUERS: &[&str] = &["then", "else", "do"];
/// Reserved words that lead a statement which is itself a command: the condition of `if`,
/// `elif`, `while` and `until`, and `!` (negation).
pub const SHELL_CONDITION_LEADS: &[&str] = &["if", "elif", "while", "until", "!"];
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
    "break",
    "continue",
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

/// The words that select a form of a command, each list with the word shown first (signature
/// help, completion) and its synonyms after. The parser, the model and the IDE read these.
pub const GROUP_OPEN: &[&str] = &["with", "start", "begin"];
pub const GROUP_CLOSE: &[&str] = &["end", "stop", "close"];
/// `blacklist them` (one direction), `all` (both, stateless), `stateful`.
pub const BLACKLIST_ONE_WAY: &[&str] = &["them", "him", "her", "it", "this", "these", "input"];
pub const BLACKLIST_BOTH: &[&str] = &["all", "full"];
pub const BLACKLIST_STATEFUL: &[&str] = &["stateful", "statefull"];
pub const MARKDEF_RESET: &[&str] = &["reset", "clear"];
/// `ipset addfile NAME ip|net FILE`: keep single addresses, or networks.
pub const ADDFILE_IPS: &[&str] = &["ip", "ips"];
pub const ADDFILE_NETS: &[&str] = &["net", "nets"];

/// Every list of synonyms above.
const SYNONYMS: &[&[&str]] = &[
    GROUP_OPEN,
    GROUP_CLOSE,
    BLACKLIST_ONE_WAY,
    BLACKLIST_BOTH,
    BLACKLIST_STATEFUL,
    MARKDEF_RESET,
    ADDFILE_IPS,
    ADDFILE_NETS,
];

/// Whether `word` is `keyword` or one of its synonyms (case-insensitive).
pub fn is_keyword_or_synonym(keyword: &str, word: &str) -> bool {
    let list = SYNONYMS
        .iter()
        .find(|l| l[0] == keyword)
        .copied()
        .unwrap_or(&[]);
    word.eq_ignore_ascii_case(keyword) || list.iter().any(|k| word.eq_ignore_ascii_case(k))
}

/// The words that end a synproxy's rule parameters and say what happens to the connection.
pub const SYNPROXY_VERBS: &[&str] = &["accept", "drop", "reject", "dnat", "redirect", "action"];

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
