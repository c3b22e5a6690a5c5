//! The catalogue of diagnostic codes. Codes are stable: once published, a code keeps its meaning
//! forever (tools and CI scripts match on them), so new problems get new codes.
//!
//! Each entry carries its default severity, a one-line title and an example that triggers it; the
//! catalogue test proves every example really produces its code.

use crate::diag::Severity;
use serde::{Serialize, Serializer};

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
    ShellConstruct = "E0003", Error, "a shell construct (if, for, while, case, functions, &&, ||, pipes, redirections) fhc cannot evaluate statically",
        "if [ -f /etc/x ]\nthen\n    version 6\nfi\n";
    CommandSubstitution = "E0004", Error, "command substitution ($(...) or backticks) cannot be evaluated statically",
        "IP=$(hostname -i)\n";
    ShellArray = "E0005", Error, "bash arrays cannot be evaluated statically",
        "params=(src 10.0.0.1)\n";
    SourceFile = "E0006", Error, "including other files with source or . is not supported",
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
    ShellCommand = "E0013", Error, "a shell command (test, echo, exit, ...) that fhc cannot run",
        "echo hello\n";
    UnsupportedExpansion = "E0014", Error, "a variable expansion fhc cannot evaluate (positional parameters, ${x//a/b}, ...)",
        "interface eth0 lan src \"$1\"\n";
    Passthrough = "E0015", Error, "raw iptables/ip6tables commands cannot be translated to nftables",
        "iptables -A INPUT -j ACCEPT\n";
    ExtraArgument = "E0016", Error, "a command got more arguments than it takes",
        "version 6 7\n";
    FamilyPrefix = "E0017", Error, "an ipv4/ipv6/both prefix is not followed by a command that accepts it",
        "ipv4\n";
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
