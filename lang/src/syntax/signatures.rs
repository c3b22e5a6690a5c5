//! The commands' signatures, in FireHOL's order: the usage line and what goes in each place.
//! Signature help shows them while a statement is typed; a command with several forms (`group
//! with`/`group end`, `ipset create`/`add`/`addfile`) has one signature per form, the form's
//! keyword first. Where fhc reads a command more leniently than FireHOL, the signature shows
//! FireHOL's form: it is the one both accept.

use super::keywords::Cmd;

/// One form of a command.
#[derive(Debug)]
pub struct Signature {
    pub cmd: Cmd,
    /// The usage line: `[X]` is optional, `X...` takes the rest of the words, upper case is a
    /// value, lower case a keyword.
    pub label: &'static str,
    /// Each place of the label (its exact text there, in order) and what goes in it.
    pub params: &'static [(&'static str, &'static str)],
}

/// The places of `server/client/route custom`, the same for the three.
const CUSTOM: &[(&str, &str)] = &[
    (
        "custom",
        "defines the service inline instead of naming a known one.",
    ),
    (
        "NAME",
        "a one-word name for the inline service, used in chain names.",
    ),
    (
        "SERVER_PORTS",
        "the server side as PROTO/PORT words, e.g. \"tcp/8080 udp/53\" (ranges with : or -).",
    ),
    (
        "CLIENT_PORTS",
        "the client's source ports: default, any, or a port or range.",
    ),
    (
        "ACTION",
        "accept, reject, drop/deny, return, tarpit, or a user action, optionally followed by `with ...`.",
    ),
    (
        "RULE_PARAMS...",
        "rule parameters that restrict the requests.",
    ),
];

/// The places of `server/client/route anystateless`, the same for the three.
const ANYSTATELESS: &[(&str, &str)] = &[
    (
        "anystateless",
        "matches any traffic in both directions without connection tracking.",
    ),
    (
        "NAME",
        "a one-word name for the statement, used in chain names.",
    ),
    (
        "ACTION",
        "accept, reject, drop/deny, return, tarpit, or a user action, optionally followed by `with ...`.",
    ),
    (
        "RULE_PARAMS...",
        "rule parameters that say which traffic (proto, dport, src, ...).",
    ),
];

/// A form's places: written out, or the name of a list shared by several commands' forms.
macro_rules! places {
    ({ $($place:literal => $doc:literal;)* }) => { &[$(($place, $doc),)*] };
    ($shared:ident) => { $shared };
}

/// Every form of every command, in the commands table's order.
macro_rules! signatures {
    ($($cmd:ident $label:literal $places:tt)*) => {
        pub const SIGNATURES: &[Signature] = &[
            $(Signature { cmd: Cmd::$cmd, label: $label, params: places!($places) },)*
        ];
    };
}

signatures! {
    Version "version NUMBER" {
        "NUMBER" => "the configuration API version the file is written for: 6 (current), or 5 to turn IPv6 off.";
    }
    Interface "interface IFACES NAME RULE_PARAMS..." {
        "IFACES" => "the real network interfaces of the section (quoted space list or comma list; + is a wildcard).";
        "NAME" => "a unique one-word name for the section, used in the generated chain names.";
        "RULE_PARAMS..." => "rule parameters that narrow every statement of the section (src, dst, ...).";
    }
    Router "router NAME RULE_PARAMS..." {
        "NAME" => "a unique one-word name for the section, used in the generated chain names.";
        "RULE_PARAMS..." => "rule parameters that select the routed traffic, usually inface and outface.";
    }
    Group "group with RULE_PARAMS..." {
        "with" => "opens a nested group (start and begin are synonyms).";
        "RULE_PARAMS..." => "rule parameters that every statement inside the group inherits.";
    }
    Group "group end" {
        "end" => "closes the innermost open group (stop and close are synonyms).";
    }
    Policy "policy ACTION" {
        "ACTION" => "the verdict for traffic no statement matched: accept, reject (optionally with TYPE), drop/deny, return, tarpit, mirror or a user action.";
    }
    Protection "protection [reverse] TYPES [RATE] [BURST]" {
        "[reverse]" => "apply the checks to the other side of the section (a router's outface).";
        "TYPES" => "one word (comma or quoted space list): strong/full/all, bad-packets, invalid, fragments, new-tcp-w/o-syn, icmp-floods, syn-floods, all-floods, malformed-xmas, malformed-null, malformed-bad, connlimit, connrate, none.";
        "[RATE]" => "the allowed rate for the flood checks, such as 100/sec (the default).";
        "[BURST]" => "the burst for the flood checks, a number (50 by default).";
    }
    Server "server SERVICES ACTION RULE_PARAMS..." {
        "SERVICES" => "the service names to allow (ssh, http, dns, all, any, ...), a quoted space list or comma list.";
        "ACTION" => "accept, reject, drop/deny, return, tarpit, or a user action; a `with ...` clause may follow (reject type, limit, connlimit, hashlimit, recent, knock).";
        "RULE_PARAMS..." => "rule parameters that restrict the requests (src, dst, sport, dport, uid, log, ...).";
    }
    Server "server custom NAME SERVER_PORTS CLIENT_PORTS ACTION RULE_PARAMS..." CUSTOM
    Server "server anystateless NAME ACTION RULE_PARAMS..." ANYSTATELESS
    Client "client SERVICES ACTION RULE_PARAMS..." {
        "SERVICES" => "the service names this side may use as a client (ssh, http, dns, all, any, ...), space or comma list.";
        "ACTION" => "accept, reject, drop/deny, return, tarpit, or a user action; a `with ...` clause may follow.";
        "RULE_PARAMS..." => "rule parameters that restrict the requests (src, dst, sport, dport, uid, log, ...).";
    }
    Client "client custom NAME SERVER_PORTS CLIENT_PORTS ACTION RULE_PARAMS..." CUSTOM
    Client "client anystateless NAME ACTION RULE_PARAMS..." ANYSTATELESS
    Route "route SERVICES ACTION RULE_PARAMS..." {
        "SERVICES" => "the services routed through this router (ssh, http, all, any, ...), space or comma list.";
        "ACTION" => "accept, reject, drop/deny, return, tarpit, or a user action; a `with ...` clause may follow.";
        "RULE_PARAMS..." => "rule parameters that restrict the requests.";
    }
    Route "route custom NAME SERVER_PORTS CLIENT_PORTS ACTION RULE_PARAMS..." CUSTOM
    Route "route anystateless NAME ACTION RULE_PARAMS..." ANYSTATELESS
    Synproxy "synproxy TYPE RULE_PARAMS... ACTION [ACTION_OPTIONS...]" {
        "TYPE" => "input|in (a server on this host) or forward|pass (a routed server); comma lists take both.";
        "RULE_PARAMS..." => "rule parameters of the protected traffic; inface and dst are required.";
        "ACTION" => "what to do with the validated connection: accept (the default), drop, reject, dnat, redirect or action.";
        "[ACTION_OPTIONS...]" => "dnat: [to] IP[:PORT]; redirect: [to] PORT; action: the action's name; reject: [with TYPE]; then NAT options or rule parameters.";
    }
    Dnat "dnat [to] TARGETS RULE_PARAMS..." {
        "[to]" => "an optional filler word before the target.";
        "TARGETS" => "the new destination IP[:PORT] (or a range); several, space or comma separated, are balanced round robin, IP/WEIGHT for weighted.";
        "RULE_PARAMS..." => "rule parameters of the connections to rewrite, mixed with the NAT options at CHAINS, random, persistent, id ID, name NAME.";
    }
    Snat "snat [to] TARGETS RULE_PARAMS..." {
        "[to]" => "an optional filler word before the target.";
        "TARGETS" => "the new source IP[:PORT] (or a range); several, space or comma separated, are balanced.";
        "RULE_PARAMS..." => "rule parameters of the connections to rewrite (usually outface), mixed with the NAT options at, random, persistent, id, name.";
    }
    Redirect "redirect [to] PORTS RULE_PARAMS..." {
        "[to]" => "an optional filler word before the port (to-port is also accepted).";
        "PORTS" => "the local port, or port range, to send the connections to.";
        "RULE_PARAMS..." => "rule parameters of the connections to redirect (inface, proto, dport, ...), mixed with the NAT options at, random, id, name.";
    }
    Nat "nat to-destination TARGETS RULE_PARAMS..." {
        "to-destination" => "the generic form of dnat.";
        "TARGETS" => "the new destination IP[:PORT]; several, space or comma separated, are balanced.";
        "RULE_PARAMS..." => "rule parameters of the connections to rewrite, mixed with the NAT options at, random, persistent, id, name.";
    }
    Nat "nat to-source TARGETS RULE_PARAMS..." {
        "to-source" => "the generic form of snat.";
        "TARGETS" => "the new source IP[:PORT]; several, space or comma separated, are balanced.";
        "RULE_PARAMS..." => "rule parameters of the connections to rewrite, mixed with the NAT options at, random, persistent, id, name.";
    }
    Nat "nat redirect-to PORTS RULE_PARAMS..." {
        "redirect-to" => "the generic form of redirect.";
        "PORTS" => "the local port, or port range, to send the connections to.";
        "RULE_PARAMS..." => "rule parameters of the connections to redirect, mixed with the NAT options at, random, id, name.";
    }
    Masquerade "masquerade [reverse] [IFACES] RULE_PARAMS..." {
        "[reverse]" => "use the section's inface instead of its outface.";
        "[IFACES]" => "the outgoing interfaces to masquerade on; needed outside a section, taken from the section's outface inside one.";
        "RULE_PARAMS..." => "rule parameters of the traffic to masquerade; random and to-ports PORTS are options of the target.";
    }
    TransparentProxy "transparent_proxy PORTS PROXY_PORT USER RULE_PARAMS..." {
        "PORTS" => "the TCP destination ports to catch, e.g. 80 or \"80 8080\".";
        "PROXY_PORT" => "the local port the proxy listens on.";
        "USER" => "the proxy's own user(s), whose traffic is not caught; give \"\" to catch routed traffic only.";
        "RULE_PARAMS..." => "rule parameters of the traffic to catch (usually inface).";
    }
    TransparentSquid "transparent_squid PROXY_PORT USER RULE_PARAMS..." {
        "PROXY_PORT" => "the local port squid listens on (port 80 is caught).";
        "USER" => "squid's own user(s), whose traffic is not caught; give \"\" to catch routed traffic only.";
        "RULE_PARAMS..." => "rule parameters of the traffic to catch (usually inface).";
    }
    Tproxy "tproxy PORTS port PROXY_PORT [ip IP] RULE_PARAMS..." {
        "PORTS" => "the TCP destination ports to divert.";
        "port PROXY_PORT" => "the port the transparent proxy socket listens on (required).";
        "[ip IP]" => "the address the proxy listens on, when not the receiving one.";
        "RULE_PARAMS..." => "rule parameters of the traffic to divert (usually inface).";
    }
    Action "action NAME [table TABLES] TYPE ARGS... [next MORE...]" {
        "NAME" => "the new action's name, usable later wherever a verdict goes.";
        "[table TABLES]" => "the netfilter tables to define it in (filter by default; comma list).";
        "TYPE" => "the step's kind: chain or action (a verdict), rule (a matching rule), iptrap, ipuntrap or sockets_suspects_trap.";
        "ARGS..." => "the step's words: a verdict for chain/action, rule parameters with `action V` for rule, the trap's positional words for the traps.";
        "[next MORE...]" => "`next` starts another step: TYPE and its ARGS again.";
    }
    Mark "mark VALUE [WHERE] RULE_PARAMS..." {
        "VALUE" => "the user mark to set, within the usermark group's size.";
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; out by default.";
        "RULE_PARAMS..." => "rule parameters of the packets to mark.";
    }
    Connmark "connmark VALUE [WHERE] RULE_PARAMS..." {
        "VALUE" => "the connection mark to set (save and restore are accepted and do nothing).";
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; out and post by default.";
        "RULE_PARAMS..." => "rule parameters of the connections to mark.";
    }
    Connmark "connmark VALUE interface IFACE RULE_PARAMS..." {
        "VALUE" => "the connection mark to set.";
        "interface IFACE" => "mark what arrives on IFACE (prerouting) and what leaves through it (postrouting).";
        "RULE_PARAMS..." => "further rule parameters of the connections to mark.";
    }
    Custommark "custommark NAME VALUE [WHERE] RULE_PARAMS..." {
        "NAME" => "a mark group declared with markdef.";
        "VALUE" => "the value to set within that group.";
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; out by default.";
        "RULE_PARAMS..." => "rule parameters of the packets to mark.";
    }
    Classify "classify CLASS RULE_PARAMS..." {
        "CLASS" => "the tc class MAJOR:MINOR (hexadecimal) to put the packets in.";
        "RULE_PARAMS..." => "rule parameters of the packets to classify (applied in postrouting).";
    }
    Tos "tos VALUE [WHERE] RULE_PARAMS..." {
        "VALUE" => "the TOS value: a number, VALUE/MASK, or a name such as Minimize-Delay.";
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; out by default.";
        "RULE_PARAMS..." => "rule parameters of the packets to change.";
    }
    Dscp "dscp VALUE [WHERE] RULE_PARAMS..." {
        "VALUE" => "the DSCP value, a number from 0 to 63 (decimal or hex).";
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; out by default.";
        "RULE_PARAMS..." => "rule parameters of the packets to change.";
    }
    Dscp "dscp class CLASS [WHERE] RULE_PARAMS..." {
        "class" => "set a named DSCP class instead of a number.";
        "CLASS" => "the class name: EF, BE, AF11 to AF43, CS0 to CS7.";
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; out by default.";
        "RULE_PARAMS..." => "rule parameters of the packets to change.";
    }
    Tosfix "tosfix [WHERE] RULE_PARAMS..." {
        "[WHERE]" => "the hooks: pre, in, out, pass, post (or the chain names), comma list; pre and post by default.";
        "RULE_PARAMS..." => "rule parameters of the packets whose TOS is normalised.";
    }
    Tcpmss "tcpmss MSS [IFACES]" {
        "MSS" => "auto (clamp to the path MTU) or a number of bytes.";
        "[IFACES]" => "the outgoing interfaces (all for every one); inside a section its outface is used.";
    }
    Blacklist "blacklist them IPS... [except EXCEPT_PARAMS...]" {
        "them" => "block only connections they start; ours to them still work (him, her, it, this, these and input are synonyms).";
        "IPS..." => "the addresses, networks or ipset:NAME to block; options may be mixed in: inface [not] IF, log TEXT, loglimit TEXT, nolog, accounting NAME.";
        "[except EXCEPT_PARAMS...]" => "rule parameters of traffic exempted from the block (alternatives separated by or).";
    }
    Blacklist "blacklist all IPS... [except EXCEPT_PARAMS...]" {
        "all" => "block all traffic from and to them, statelessly (full is a synonym; this is the default).";
        "IPS..." => "the addresses, networks or ipset:NAME to block; options may be mixed in: inface [not] IF, log TEXT, loglimit TEXT, nolog, accounting NAME.";
        "[except EXCEPT_PARAMS...]" => "rule parameters of traffic exempted from the block.";
    }
    Blacklist "blacklist stateful IPS... [except EXCEPT_PARAMS...]" {
        "stateful" => "block new connections in both directions only (statefull is a synonym).";
        "IPS..." => "the addresses, networks or ipset:NAME to block; options may be mixed in: inface [not] IF, log TEXT, loglimit TEXT, nolog, accounting NAME.";
        "[except EXCEPT_PARAMS...]" => "rule parameters of traffic exempted from the block.";
    }
    Blacklist "blacklist IPS... [except EXCEPT_PARAMS...]" {
        "IPS..." => "with no type word the block is bidirectional (as all); the addresses, networks or ipset:NAME, with options mixed in.";
        "[except EXCEPT_PARAMS...]" => "rule parameters of traffic exempted from the block.";
    }
    Iptrap "iptrap SET TYPE TIMEOUT RULE_PARAMS... [except EXCEPT_PARAMS...]" {
        "SET" => "the ipset to add addresses to (created when missing).";
        "TYPE" => "which address to record: src, dst, or a comma list such as src,dst.";
        "TIMEOUT" => "seconds an entry lives, or default.";
        "RULE_PARAMS..." => "rule parameters of the packets to trap, mixed with the options at CHAINS, method M, counters, timeout, table T, action A, log TEXT.";
        "[except EXCEPT_PARAMS...]" => "rule parameters of traffic never trapped.";
    }
    Ipuntrap "ipuntrap SET TYPE RULE_PARAMS... [except EXCEPT_PARAMS...]" {
        "SET" => "the ipset to remove addresses from.";
        "TYPE" => "which address to remove: src, dst, or a comma list such as src,dst.";
        "RULE_PARAMS..." => "rule parameters of the matching packets, mixed with the options at CHAINS, method M, table T, action A, log TEXT.";
        "[except EXCEPT_PARAMS...]" => "rule parameters of traffic never untrapped.";
    }
    Ipset "ipset create NAME TYPE [OPTIONS...]" {
        "create" => "defines a new set (needs ipset4 or ipset6).";
        "NAME" => "the set's name.";
        "TYPE" => "the set type, such as hash:ip, hash:net, hash:ip,port, bitmap:port.";
        "[OPTIONS...]" => "ipset create options: timeout N, maxelem N, hashsize N, counters, range LO-HI, prevent_reset_on_restart.";
    }
    Ipset "ipset add NAME ENTRIES [OPTIONS...]" {
        "add" => "adds entries to a set created earlier.";
        "NAME" => "the set's name.";
        "ENTRIES" => "the element(s): one word, addresses may be a comma or quoted space list.";
        "[OPTIONS...]" => "per-element ipset options such as timeout N.";
    }
    Ipset "ipset addfile NAME [ip|net] FILE [OPTIONS...]" {
        "addfile" => "adds every address listed in a file to a set created earlier.";
        "NAME" => "the set's name.";
        "[ip|net]" => "keep only single IPs (ip, ips) or only networks (net, nets); ipv4 and ipv6 are ignored.";
        "FILE" => "the file of addresses, one per line; a relative path is looked up in /etc/firehol too.";
        "[OPTIONS...]" => "per-element ipset options such as timeout N.";
    }
    Ipset "ipset SUBCOMMAND NAME [ARGS...]" {
        "SUBCOMMAND" => "any other ipset subcommand, run by the ipset program at activation (fhc cannot compile it).";
        "NAME" => "the set's name.";
        "[ARGS...]" => "the rest of the ipset command line.";
    }
    Mac "mac IP MACADDR" {
        "IP" => "the source address that must come from the given MAC.";
        "MACADDR" => "the only MAC address allowed to use that IP (xx:xx:xx:xx:xx:xx).";
    }
    Cthelper "cthelper HELPER WHERE RULE_PARAMS..." {
        "HELPER" => "the conntrack helper: amanda, ftp, irc, pptp, sane or sip (irc and pptp are IPv4 only).";
        "WHERE" => "in|input|prerouting (arriving), out|output (local), both|bidirectional|inout, or a raw-table chain.";
        "RULE_PARAMS..." => "rule parameters of the connections that get the helper (proto, dport, ...).";
    }
    Log "log TEXT RULE_PARAMS..." {
        "TEXT" => "the log prefix; -IN and -OUT are appended for each direction.";
        "RULE_PARAMS..." => "rule parameters of the traffic to log.";
    }
    Loglimit "loglimit TEXT RULE_PARAMS..." {
        "TEXT" => "the log prefix; -IN and -OUT are appended for each direction.";
        "RULE_PARAMS..." => "rule parameters of the traffic to log at a limited rate.";
    }
    Iptables "iptables ARGS..." {
        "ARGS..." => "the arguments of an iptables command, run as written (not translatable to nftables).";
    }
    Ip6tables "ip6tables ARGS..." {
        "ARGS..." => "the arguments of an ip6tables command, run as written (not translatable to nftables).";
    }
    DockerBridge "docker_bridge IFACES NETWORKS" {
        "IFACES" => "the Docker bridge interfaces, comma list.";
        "NETWORKS" => "the container subnets masqueraded towards the world, comma list.";
    }
    Markdef "markdef NAME SIZE [FLAGS...]" {
        "NAME" => "the mark group's name (usermark, connmark, or a custom one).";
        "SIZE" => "how many values the group holds: a power of two, or rest for the bits left.";
        "[FLAGS...]" => "default, classic, save/restore/permanent, nosave/norestore/temp/temporary, stateful, stateless.";
    }
    Markdef "markdef reset" {
        "reset" => "forgets every mark group defined so far (clear is a synonym).";
    }
    Marksreset "marksreset" {
    }
    RequireKernelModule "require_kernel_module MODULE" {
        "MODULE" => "the kernel module to load before activation.";
    }
    Postprocess "postprocess [-ne|-warn|-ns] COMMAND [ARGS...]" {
        "[-ne|-warn|-ns]" => "-ne (ignore failure), -warn (warn on failure), -ns (do not save for restore).";
        "COMMAND" => "the program to run after the firewall is activated.";
        "[ARGS...]" => "its arguments.";
    }
    EcnShame "ecn_shame [ARGS...]" {
        "[ARGS...]" => "ignored: the helper no longer does anything.";
    }
}

impl Signature {
    /// The forms of a command.
    pub fn of(cmd: Cmd) -> impl Iterator<Item = &'static Signature> {
        SIGNATURES.iter().filter(move |s| s.cmd == cmd)
    }

    /// Where each place is in the label (byte offsets), found left to right (a name may occur
    /// twice: synproxy's `ACTION` and `[ACTION_OPTIONS...]`).
    pub fn ranges(&self) -> Vec<(usize, usize)> {
        let mut from = 0;
        self.params
            .iter()
            .map(|(p, _)| {
                let start = self.label[from..].find(p).map_or(from, |i| from + i);
                from = (start + p.len()).min(self.label.len());
                (start, from)
            })
            .collect()
    }

    /// The keyword places a form cannot do without (`end` of `group end`, `interface IFACE` of
    /// `connmark VALUE interface IFACE`), with their index.
    pub fn required_keywords(&self) -> impl Iterator<Item = (usize, Place)> + '_ {
        self.params
            .iter()
            .map(|(text, _)| Place::of(text))
            .enumerate()
            .filter(|(_, p)| !p.optional && p.literal.is_some())
    }
}

/// How a place of a label takes words (read from how it is written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// `[X]`
    pub optional: bool,
    /// `X...`: every word from here (until the next place's keyword).
    pub rest: bool,
    /// The keyword it starts with (`with`, `to` of `[to]`, `port` of `port PROXY_PORT`), or
    /// its alternatives (`ip|net`).
    pub literal: Option<&'static str>,
    /// Words it takes (`port PROXY_PORT` takes two).
    pub words: usize,
}

impl Place {
    /// Whether `word` is this place's keyword, one of its alternatives (`ip|net`) or one of
    /// their synonyms (`stop` for `end`).
    pub fn opened_by(&self, word: &str) -> bool {
        self.literal.is_some_and(|l| {
            l.split('|')
                .any(|k| super::keywords::is_keyword_or_synonym(k, word))
        })
    }

    pub fn of(text: &'static str) -> Place {
        let optional = text.starts_with('[') && text.ends_with(']');
        let inner = text.trim_start_matches('[').trim_end_matches(']');
        let first = inner.split(' ').next().unwrap_or("");
        let literal = first
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '-')
            .then_some(first);
        Place {
            optional,
            rest: inner.ends_with("..."),
            literal,
            words: inner.split(' ').count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_signature_and_every_place_is_in_its_label() {
        for &cmd in Cmd::ALL {
            assert!(Signature::of(cmd).next().is_some(), "{cmd:?}");
        }
        for s in SIGNATURES {
            assert!(s.label.starts_with(s.cmd.name()), "{}", s.label);
            let mut from = 0;
            for (p, doc) in s.params {
                let at = s.label[from..].find(p).map(|i| from + i);
                assert!(at.is_some(), "{p} not in {} after {from}", s.label);
                from = at.unwrap() + p.len();
                assert!(!doc.is_empty());
            }
            assert!(s.label.len() < 70, "{}", s.label);
        }
    }

    #[test]
    fn places_read_from_their_text() {
        let p = Place::of("RULE_PARAMS...");
        assert!(p.rest && !p.optional && p.literal.is_none());
        let p = Place::of("[to]");
        assert_eq!((p.optional, p.literal, p.words), (true, Some("to"), 1));
        let p = Place::of("port PROXY_PORT");
        assert_eq!((p.optional, p.literal, p.words), (false, Some("port"), 2));
        let p = Place::of("[ip|net]");
        assert!(p.opened_by("net") && p.opened_by("IP") && p.opened_by("nets"));
        assert!(!p.opened_by("ipv4"));
        assert!(Place::of("end").opened_by("close"));
        let synproxy = Signature::of(Cmd::Synproxy).next().unwrap();
        let r = synproxy.ranges();
        assert_eq!(&synproxy.label[r[2].0..r[2].1], "ACTION");
        assert_eq!(&synproxy.label[r[3].0..r[3].1], "[ACTION_OPTIONS...]");
        let forms: Vec<Option<&str>> = Signature::of(Cmd::Group)
            .map(|s| s.required_keywords().next().and_then(|(_, k)| k.literal))
            .collect();
        assert_eq!(forms, [Some("with"), Some("end")]);
    }
}
