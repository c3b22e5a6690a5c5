//! The catalogue of diagnostic codes. Codes are stable: once published, a code keeps its meaning
//! forever (tools and CI scripts match on them), so new problems get new codes.
//!
//! Each entry carries its default severity, a one-line title and an example that triggers it; the
//! catalogue test proves every example really produces its code.

use serde::{Serialize, Serializer};

/// How bad a diagnostic is (each code has a default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $title:literal, $example:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line saying what the code is about.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// A minimal configuration that produces this diagnostic.
            pub fn example(self) -> &'static str {
                match self { $( Code::$variant => $example, )* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

codes! {
    UnterminatedQuote = "E0001", Error, "a quoted string is not closed before the end of the line",
        "interface eth0 lan src \"10.0.0.0/8\n";
    UnexpectedChar = "E0002", Error, "a character that cannot appear here",
        "interface eth0 lan\r\n\x01\n";
    ShellConstruct = "E0003", Error, "shell fhc does not evaluate (pipes, background jobs, subshells, select, for ((...)), redirections to files)",
        "version 6 | tee /tmp/x\n";
    CommandSubstitution = "E0004", Error, "command substitution ($(...) or backticks) that runs a program: its output depends on the host (`--define NAME=VALUE` gives the value)",
        "IP=$(hostname -i)\n";
    ShellArray = "E0005", Error, "a bash array form fhc does not evaluate (associative arrays, slices)",
        "declare -A ports\n";
    SourceFile = "E0006", Error, "including other files with source or . (the file is on the host, not given to fhc)",
        "source /etc/firehol/extra.conf\n";
    UnknownCommand = "E0007", Error, "a word in command position is not a FireHOL command",
        "interfce eth0 lan\n";
    MissingArgument = "E0008", Error, "a command is missing a required argument",
        "interface eth0\n";
    UnknownParameter = "E0009", Error, "a word is not a FireHOL rule parameter",
        "interface eth0 lan sorce 10.0.0.1\n";
    MissingValue = "E0010", Error, "a rule parameter is not followed by its value",
        "interface eth0 lan src\n";
    MisplacedNot = "E0011", Error, "`not` or `!` is only valid directly after a parameter keyword",
        "interface eth0 lan not src 10.0.0.1\n";
    SyntaxError = "E0012", Error, "the statement does not follow the command's syntax",
        ") version 6\n";
    ShellCommand = "E0013", Error, "a shell command or program (exit, read, eval, grep, ...) that fhc cannot run",
        "eval \"version 6\"\n";
    UnsupportedExpansion = "E0014", Error, "an expansion or arithmetic fhc cannot evaluate (indirect ${!x}, ${x@Q}, a bad expression)",
        "interface eth0 lan src \"${!NET}\"\n";
    Passthrough = "E0015", Error, "an iptables/ip6tables line with an option, match module or target fhc does not translate",
        "iptables -A INPUT -m recent --set -j DROP\n";
    ExtraArgument = "E0016", Error, "a command got more arguments than it takes",
        "version 6 7\n";
    FamilyPrefix = "E0017", Error, "an ipv4/ipv6/both prefix is not followed by a command that accepts it",
        "ipv4\n";
    EvalLimit = "E0018", Error, "the shell code ran past a limit (loop iterations, call depth, statements run, size of values): fhc stops instead of hanging",
        "while true; do\n    version 6\ndone\n";
    HostDependent = "E0019", Error, "a value that depends on the host running FireHOL (files, the environment, $RANDOM, $$): give it with `--define NAME=VALUE`",
        "if [ -f /etc/firehol/lan ]; then\n    version 6\nfi\n";
    SynproxyNoInface = "E0101", Error, "a synproxy statement has no `inface`",
        "ipv4 synproxy input dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    SynproxyNoDst = "E0102", Error, "a synproxy statement has no `dst` (or, with FIREHOL_SYNPROXY_EXCLUDE_OWNER=1, no `dst` and no `src not`)",
        "ipv4 synproxy input inface eth0 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    SynproxyAfterDnat = "W0103", Warning, "a synproxy statement comes after a destination NAT statement that can capture its SYN to the server",
        "dnat to 10.0.0.9 inface eth0 proto tcp dport 80\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    SynproxyAmbiguous = "E0104", Error, "two synproxy statements for the same server differ in action or inface, but no `src` tells them apart",
        "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\nipv4 synproxy input inface eth1 dst 1.2.3.4 dport 80 drop\ninterface eth0 wan\n    server http accept\n";
    SynproxyFamily = "E0106", Error, "synproxy needs one address family: `ipv4 synproxy` or `ipv6 synproxy`",
        "synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    SynproxyBadHook = "E0107", Error, "synproxy cannot work in prerouting, output or postrouting",
        "ipv4 synproxy output inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    SynproxyUnknownType = "E0108", Error, "a synproxy type that is neither input/in nor forward/pass",
        "ipv4 synproxy inptu inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    UnknownAction = "E0109", Error, "an action name that is neither built in nor defined with `action`",
        "interface eth0 lan\n    server ssh MYDROP\n";
    UnknownService = "E0110", Error, "a service name FireHOL does not know and the file does not define",
        "interface eth0 lan\n    server sshh accept\n";
    SynproxyNotAccepted = "W0111", Warning, "no server/route statement accepts the traffic a synproxy lets through",
        "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server ssh accept\n";
    FamilyMismatch = "E0112", Error, "an address of one family used where only the other applies",
        "ipv6 synproxy input inface eth0 dst 198.51.100.7 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    DualStackLiteral = "I0113", Info, "a dual-stack statement names addresses of one family only (FireHOL would fail on the other family; fhc applies it to that family only)",
        "interface eth0 lan src 10.0.0.0/8\n";
    InvalidValue = "E0114", Error, "an invalid address, network, range, port, interface, protocol or other value",
        "interface eth0 lan src 10.0.0.300\n";
    SynproxyOptions = "E0115", Error, "FIREHOL_SYNPROXY_OPTIONS holds something SYNPROXY does not accept",
        "FIREHOL_SYNPROXY_OPTIONS=\"--mss 1460 --fast\"\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    DuplicateSection = "E0116", Error, "two interface/router sections have the same name",
        "interface eth0 lan\ninterface eth1 lan\n";
    RouteOutsideRouter = "E0117", Error, "`route` is only valid inside a router section",
        "interface eth0 lan\n    route http accept\n";
    OutsideSection = "E0118", Error, "a statement that belongs inside an interface or router section appears before any",
        "server ssh accept\n";
    GroupMismatch = "E0119", Error, "`group end` without an open group",
        "interface eth0 lan\n    group end\n";
    TopOnlyInSection = "E0120", Error, "a command that must come before the first interface/router appears inside a section",
        "interface eth0 lan\n    dnat to 10.0.0.1 proto tcp dport 80\n";
    UnsetVariable = "W0121", Warning, "a variable that is never set (it expands to nothing)",
        "interface eth0 lan src \"$TRUSTED\"\n";
    PerFamilyPair = "E0122", Error, "in dual-stack statements src4/src6 (and dst4/dst6) come in pairs that agree on `not`",
        "interface eth0 lan src4 10.0.0.0/8\n";
    NamespaceSwitch = "E0123", Error, "a statement asks for a family its section does not have",
        "interface4 eth0 lan\n    ipv6 server ssh accept\n";
    DuplicateParam = "W0124", Warning, "a parameter given twice: the later one wins",
        "interface eth0 lan src 10.0.0.1 src 10.0.0.2\n";
    BadVersion = "E0125", Error, "`version` is not a number fhc (FireHOL 6) understands",
        "version 7\n";
    Version5 = "W0126", Warning, "`version 5` disables IPv6 for the whole file",
        "version 5\ninterface eth0 lan\n";
    ServiceCached = "W0127", Warning, "a service is redefined after its first use (FireHOL keeps the first definition)",
        "server_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=\"default\"\ninterface eth0 lan\n    server myapp accept\nserver_myapp_ports=\"tcp/9090\"\n";
    ServiceOverrides = "W0128", Warning, "the service's own protocol and ports override the statement's `proto`/`sport`/`dport`",
        "interface eth0 lan\n    server any accept proto 47\n";
    DuplicateAction = "E0129", Error, "an action name defined twice",
        "action A chain drop\naction A chain accept\n";
    DynamicService = "E0130", Error, "a service whose ports FireHOL discovers at run time (nfs, nis); fhc cannot resolve it",
        "interface eth0 lan\n    server nfs accept\n";
    Untranslatable = "E0201", Error, "a statement fhc cannot compile to nftables (yet), reported instead of being dropped",
        "interface eth0 lan\n    server ssh tarpit\n";
    SynproxyProto = "W0132", Warning, "a synproxy statement names a protocol other than tcp (SYNPROXY is TCP only; FireHOL overrides it)",
        "ipv4 synproxy input inface eth0 dst 1.2.3.4 proto udp dport 80 accept\ninterface eth0 wan\n    server http accept\n";
    SynproxyTimestampStall = "W0134", Warning, "a synproxy behind dnat/redirect with the `timestamp` option, for a server that speaks first: Linux >= 6.15 servers stall each connection for a second",
        "ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 22 redirect to 2222\ninterface eth0 wan\n    server custom ssh2 tcp/2222 default accept\n";
    HarmlessShell = "W0133", Warning, "a shell builtin with no effect on the firewall (true, :, set -v/-x/-e, echo to the terminal); fhc ignores it",
        "set -v\ninterface eth0 lan\n    server ssh accept\n";
    BrokenInFirehol = "W0131", Warning, "a construct that is broken in FireHOL 3.1.7; fhc does what it was meant to do",
        "log46 \"x\" src 10.0.0.1\n";
    IpsetDefinition = "E0135", Error, "an ipset command or a rule's use of a set that FireHOL or ipset would refuse (type, option, element, family, directions)",
        "ipv4 ipset create bad4 hash:net\nipv4 ipset add bad4 10.0.0.0/33\ninterface4 eth0 lan\n    server ssh accept src ipset:bad4\n";
    ExternalIpset = "W0136", Warning, "a rule names an ipset the configuration does not create: fhc declares it empty, to be filled with `fhc set load`",
        "interface4 eth0 wan\n    server ssh drop src ipset:blocklist\n";
    HostResolved = "W0137", Warning, "a host name in src/dst, resolved when compiling: the addresses are frozen until the next apply",
        "interface eth0 lan\n    server smtp accept src mail.example\n";
    HostAtCompile = "I0138", Info, "a host name in src/dst: it is resolved when the configuration is compiled",
        "interface eth0 lan\n    server smtp accept src mx.example\n";
    HostUnresolved = "E0139", Error, "a host name in src/dst that did not resolve (or `--no-resolve`)",
        "interface eth0 lan\n    server smtp accept src nowhere.invalid\n";
    IpsetFile = "E0140", Error, "the file of an `ipset addfile` cannot be read, or holds entries ipset would refuse",
        "ipv4 ipset create bl4 hash:net\nipv4 ipset addfile bl4 blocklist.netset\ninterface4 eth0 lan\n    server ssh drop src ipset:bl4\n";
    RawNoEffect = "W0141", Warning, "an iptables line FireHOL's activation skips or overrides (-F, -X, -Z, the filter policies): fhc ignores it too",
        "iptables -P INPUT ACCEPT\ninterface eth0 lan\n    server ssh accept\n";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
