//! The helper commands and rule parameters added to the nftables backend: each test compiles a
//! small configuration, loads it into a fresh network namespace (as root) and checks the rules
//! `nft list ruleset` shows, so the test proves what the kernel runs, not just that it loads.

mod support;

use fhc_lang::nft::Options;

/// The lowering's own output, one rule per statement: these tests check what each helper and
/// parameter becomes (the optimizer's regrouping has its own tests in `optimize.rs`).
fn compile(text: &str) -> Result<String, String> {
    let opts = Options {
        optimize: false,
        ..Options::default()
    };
    match fhc_lang::compile(text, &opts) {
        Ok((out, _)) => Ok(out.ruleset.to_json().to_string()),
        Err(d) => Err(d
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// `nft list ruleset` after loading the compiled config, comments removed, blanks collapsed; `None`
/// when the kernel cannot be used here (not root, no nft), after saying so.
fn listing(conf: &str) -> Option<String> {
    let json = compile(conf).unwrap_or_else(|e| panic!("does not compile:\n{e}"));
    if !support::kernel_available() {
        return None;
    }
    let text =
        support::load_in_netns(&json).unwrap_or_else(|e| panic!("nft refused the ruleset: {e}"));
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let l = match l.find(" comment \"") {
                Some(i) => &l[..i],
                None => l,
            };
            l.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect();
    Some(lines.join("\n"))
}

/// The rules of one chain in the listing.
fn chain<'a>(listing: &'a str, name: &str) -> Vec<&'a str> {
    let head = format!("chain {name} {{");
    let mut out = Vec::new();
    let mut inside = false;
    for l in listing.lines() {
        if l == head {
            inside = true;
        } else if inside && l == "}" {
            break;
        } else if inside && !l.starts_with("type ") {
            out.push(l);
        }
    }
    out
}

fn assert_rules(listing: &str, name: &str, want: &[&str]) {
    let got = chain(listing, name);
    assert_eq!(got, want, "chain {name}:\n{}", got.join("\n"));
}

fn has(listing: &str, name: &str, rule: &str) {
    let got = chain(listing, name);
    assert!(
        got.contains(&rule),
        "chain {name} lacks `{rule}`:\n{}",
        got.join("\n")
    );
}

fn untranslatable(conf: &str, needle: &str) {
    let e = compile(conf).expect_err("should not compile");
    assert!(e.contains(needle), "unexpected errors:\n{e}");
}

const IFACE: &str = "interface eth0 lan\n    server ssh accept\n";

#[test]
fn mark_params_use_firehol_layout() {
    let conf = "version 6\nmarkdef qosmark 4\ninterface eth0 lan\n    server ssh accept mark 1\n    server http accept mark not \"2 3\"\n    server webcache accept connmark 5\n    server imap accept custommark qosmark 2\n    server ntp accept rawmark 0x100/0x100\n";
    let Some(l) = listing(conf) else { return };
    // firehol debug: -m mark --mark 0x40/0x1fc0, 0x5/0x3f, 0x4000/0x6000, 0x100/0x100
    has(
        &l,
        "in_lan",
        "meta mark & 0x00001fc0 == 0x00000040 tcp sport 1024-65535 tcp dport 22 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "meta mark & 0x00001fc0 != { 0x00000080, 0x000000c0 } tcp sport 1024-65535 tcp dport 80 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "meta mark & 0x0000003f == 0x00000005 tcp sport 1024-65535 tcp dport 8080 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "meta mark & 0x00006000 == 0x00004000 tcp sport 1024-65535 tcp dport 143 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "meta mark & 0x00000100 == 0x00000100 udp dport 123 ct state established,new accept",
    );
    // Matching marks needs FireHOL's restore of the permanent marks (mask 0x7fff with qosmark).
    let pre = chain(&l, "mangle_prerouting");
    assert_eq!(
        pre[0],
        "ct state established,related meta mark 0x00000000/17 meta mark set ct mark & 0x00007fff"
    );
    assert_eq!(
        pre[1],
        "ct state established,related meta mark != 0x00000000/17 jump restore_marks"
    );
    assert_eq!(chain(&l, "restore_marks").len(), 16);
}

#[test]
fn qos_and_conntrack_params() {
    let conf = "version 6\ninterface eth0 lan\n    server dns accept tos 0x10\n    server ident accept tos not Minimize-Delay\n    server finger accept dscp class AF41\n    server telnet accept dscp 10\n    server https accept helper not \"sip irc\"\n    server ping accept srctype UNICAST dsttype \"LOCAL BROADCAST\"\n    server pop3 accept connlog \"POP CONN\"\n";
    let Some(l) = listing(conf) else { return };
    has(
        &l,
        "in_lan",
        "ip version 4 ip dscp 0x04 ip ecn not-ect udp dport 53 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "ip version 4 @nh,8,8 & 0x3f != 0x10 tcp sport 1024-65535 tcp dport 113 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "ip dscp af41 tcp sport 1024-65535 tcp dport 79 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "ip6 dscp af41 tcp sport 1024-65535 tcp dport 79 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "ip dscp af11 tcp sport 1024-65535 tcp dport 23 ct state established,new accept",
    );
    has(
        &l,
        "in_lan",
        "ct helper != { \"irc\", \"sip\" } tcp sport 1024-65535 tcp dport 443 ct state established,new accept",
    );
    // addrtype is swapped on the reply side, as FireHOL does.
    has(
        &l,
        "in_lan",
        "fib saddr type unicast fib daddr type { local, broadcast } icmp type echo-request ct state established,new accept",
    );
    has(
        &l,
        "out_lan",
        "fib daddr type unicast fib saddr type { local, broadcast } icmp type echo-reply ct state established accept",
    );
    // connlog: a log rule for the first packet only, then the rule.
    has(
        &l,
        "in_lan",
        "tcp sport 1024-65535 tcp dport 110 ct state established,new ct state new log prefix \"POP CONN:\"",
    );
    has(
        &l,
        "in_lan",
        "tcp sport 1024-65535 tcp dport 110 ct state established,new accept",
    );
}

#[test]
fn hashlimit_is_a_shared_dynamic_set_after_the_ports() {
    let conf = "version 6\ninterface eth0 lan\n    server nntp accept hashlimit NNTP upto 10/sec\n    server ldap accept hashlimit LDAP above 100/min burst 50 mode srcip,dstport srcmask 24 htable-size 1024 htable-expire 60000\n";
    let Some(l) = listing(conf) else { return };
    has(
        &l,
        "in_lan",
        "tcp sport 1024-65535 tcp dport 119 ct state established,new update @NNTP4 { ip saddr . tcp dport limit rate 10/second } accept",
    );
    has(
        &l,
        "out_lan",
        "tcp sport 119 tcp dport 1024-65535 ct state established update @NNTP4 { ip saddr . tcp dport limit rate 10/second } accept",
    );
    has(
        &l,
        "in_lan",
        "tcp sport 1024-65535 tcp dport 389 ct state established,new update @LDAP4 { ip saddr & 255.255.255.0 . tcp dport limit rate over 100/minute burst 50 packets } accept",
    );
    has(
        &l,
        "in_lan",
        "tcp sport 1024-65535 tcp dport 389 ct state established,new update @LDAP6 { ip6 saddr & ffff:ff00:: . tcp dport limit rate over 100/minute burst 50 packets } accept",
    );
    untranslatable(
        "version 6\ninterface eth0 lan\n    server ping accept hashlimit P upto 1/sec proto icmp\n",
        "protocol without ports",
    );
}

#[test]
fn mark_helpers_in_mangle_chains() {
    let conf = "version 6\nmarksreset\nmarkdef connmark 64\nmarkdef usermark 128\nmarkdef prio 8 stateless temporary\nmark 2 pre,in inface eth0 proto tcp dport 80\nconnmark 5\ncustommark prio 7 pass inface eth0 outface eth1\nclassify 1:10 outface eth1 proto tcp dport 22\n".to_string() + IFACE;
    let Some(l) = listing(&conf) else { return };
    // firehol debug: MARK --set-mark 0x80/0x1fc0 (state NEW), 0x5/0x3f in OUTPUT and
    // POSTROUTING, 0xe000/0xe000 stateless in FORWARD, CLASSIFY in POSTROUTING.
    let pre = chain(&l, "mangle_prerouting");
    assert_eq!(
        pre[2],
        "iifname \"eth0\" tcp dport 80 ct state new meta mark set meta mark & 0xffffe0bf | 0x00000080"
    );
    has(
        &l,
        "mangle_input",
        "iifname \"eth0\" tcp dport 80 ct state new meta mark set meta mark & 0xffffe0bf | 0x00000080",
    );
    has(
        &l,
        "mangle_output",
        "ct state new meta mark set meta mark & 0xffffffc5 | 0x00000005",
    );
    has(
        &l,
        "mangle_postrouting",
        "ct state new meta mark set meta mark & 0xffffffc5 | 0x00000005",
    );
    has(
        &l,
        "mangle_forward",
        "iifname \"eth0\" oifname \"eth1\" meta mark set meta mark | 0x0000e000",
    );
    has(
        &l,
        "mangle_postrouting",
        "oifname \"eth1\" tcp dport 22 meta priority set 1:10",
    );
    // prio is temporary: the save mask is connmark|usermark only.
    has(
        &l,
        "mangle_postrouting",
        "ct state new ct mark 0x00000000/19 ct mark set meta mark & 0x00001fff",
    );
    assert!(l.contains("type route hook output priority mangle"), "{l}");
}

#[test]
fn tos_dscp_tosfix_helpers() {
    let conf =
        "version 6\ntos4 16\ndscp class AF21 out proto tcp dport 443\ntosfix pre inface eth0\n"
            .to_string()
            + IFACE;
    let Some(l) = listing(&conf) else { return };
    has(&l, "mangle_output", "ip dscp set 0x04 ip ecn set not-ect");
    has(&l, "mangle_output", "tcp dport 443 ip dscp set af21");
    has(&l, "mangle_output", "tcp dport 443 ip6 dscp set af21");
    has(
        &l,
        "mangle_prerouting",
        "iifname \"eth0\" tcp flags ack / syn,rst,ack jump ackfix",
    );
    has(&l, "tosfix", "limit rate 2/second burst 10 packets return");
    // Minimize-Delay (0x10, mask 0x3f) keeps the two top DSCP bits: one rule per value of them.
    assert_eq!(
        chain(&l, "ackfix")
            .iter()
            .filter(|r| r.contains("ip dscp set"))
            .count(),
        8
    );
}

#[test]
fn tcpmss_clamps_syns() {
    let conf = "version 6\ntcpmss auto\ntcpmss 1400 \"ppp0 ppp1\"\nrouter r inface eth0 outface eth1\n    tcpmss 1360\n    route all accept\n";
    let Some(l) = listing(conf) else { return };
    assert_rules(
        &l,
        "mangle_postrouting",
        &[
            "tcp flags syn / syn,rst tcp option maxseg size set rt mtu",
            "oifname \"ppp0\" tcp flags syn / syn,rst tcp option maxseg size set 1400",
            "oifname \"ppp1\" tcp flags syn / syn,rst tcp option maxseg size set 1400",
            "oifname \"eth1\" tcp flags syn / syn,rst tcp option maxseg size set 1360",
        ],
    );
}

#[test]
fn mac_blacklist_and_traps() {
    let conf = "version 6\nmac4 192.168.1.11 00:11:22:33:44:56\nblacklist4 them 203.0.113.1 log \"BL\"\nblacklist4 all inface eth0 nolog 203.0.113.9\nblacklist4 input 203.0.113.14 except src 203.0.113.15 or inface eth2\niptrap4 knockers src 3600 inface eth0 proto tcp dport 1234\nipuntrap4 knockers src inface eth0 proto tcp dport 4321\ninterface eth0 lan\n    server4 telnet accept src ipset:knockers\n";
    let Some(l) = listing(conf) else { return };
    let input = chain(&l, "input");
    assert_eq!(
        &input[..8],
        &[
            "ip saddr 192.168.1.11 ether saddr != 00:11:22:33:44:56 jump WRONGMAC",
            "ip saddr 203.0.113.1 ct state new jump BLACKLIST.uni.1.in",
            "iifname \"eth0\" ip saddr 203.0.113.9 jump BLACKLIST.bi.2.in",
            "ip saddr 203.0.113.14 ct state new jump BLACKLIST.uni.3.in",
            "meta nfproto ipv4 iifname \"eth0\" tcp dport 1234 jump IPTRAP.1",
            "meta nfproto ipv4 iifname \"eth0\" tcp dport 4321 jump IPTRAP.2",
            "iifname \"lo\" accept",
            "iifname \"eth0\" jump in_lan",
        ]
    );
    has(
        &l,
        "output",
        "oifname \"eth0\" ip daddr 203.0.113.9 jump BLACKLIST.bi.2.out",
    );
    assert_rules(
        &l,
        "WRONGMAC",
        &[
            "limit rate 1/second log prefix \"BLOCKED MAC MISSMATCH:\"",
            "drop",
        ],
    );
    assert_rules(&l, "BLACKLIST.uni.1.in", &["log prefix \"BL-IN:\"", "drop"]);
    assert_rules(
        &l,
        "BLACKLIST.bi.2.out",
        &[
            "meta l4proto tcp reject with tcp reset",
            "reject with icmpx host-unreachable",
        ],
    );
    assert_rules(
        &l,
        "BLACKLIST.uni.3.in",
        &[
            "ip saddr 203.0.113.15 return",
            "meta nfproto ipv4 iifname \"eth2\" return",
            "log prefix \"BLACKLIST-IN:\"",
            "drop",
        ],
    );
    assert_rules(
        &l,
        "IPTRAP.1",
        &[
            "update @knockers { ip saddr timeout 1h }",
            "log prefix \"TRAP:\" return",
        ],
    );
    assert_rules(
        &l,
        "IPTRAP.2",
        &[
            "delete @knockers { ip saddr }",
            "log prefix \"UNTRAP:\" return",
        ],
    );
    has(
        &l,
        "in_lan",
        "ip saddr @knockers tcp sport 1024-65535 tcp dport 23 ct state established,new accept",
    );
}

#[test]
fn cthelper_and_nat_at_lists() {
    let conf = "version 6\ncthelper ftp in inface eth0 proto tcp dport 21\ncthelper4 irc both proto tcp dport 6667\ndnat4 to 10.0.0.50 at pre,out dst 192.0.2.53 proto udp dport 53\n".to_string() + IFACE;
    let Some(l) = listing(&conf) else { return };
    assert!(
        l.contains("ct helper ftp-tcp {\ntype \"ftp\" protocol tcp\nl3proto inet\n}"),
        "{l}"
    );
    has(
        &l,
        "mangle_prerouting",
        "iifname \"eth0\" tcp dport 21 ct state new ct helper set \"ftp-tcp\"",
    );
    has(
        &l,
        "mangle_prerouting",
        "meta nfproto ipv4 tcp dport 6667 ct state new ct helper set \"irc-tcp\"",
    );
    has(
        &l,
        "mangle_output",
        "meta nfproto ipv4 tcp sport 6667 ct state new ct helper set \"irc-tcp\"",
    );
    has(
        &l,
        "nat_prerouting",
        "ip daddr 192.0.2.53 udp dport 53 dnat ip to 10.0.0.50",
    );
    has(
        &l,
        "nat_output",
        "ip daddr 192.0.2.53 udp dport 53 dnat ip to 10.0.0.50",
    );
}

#[test]
fn what_stays_untranslatable_says_why() {
    untranslatable(
        "version 6\nrouter b inface br0 outface br0\n    route http accept physin eth2\n",
        "nftables has no such match in the inet family",
    );
    untranslatable(
        "version 6\nipv4 ipset create a list:set\ninterface4 eth0 w\n    server ssh accept ipset a src\n",
        "fhc cannot translate an ipset of type `list:set`",
    );
    untranslatable(
        "version 6\ndnat4 to 10.0.0.1 at pass proto tcp dport 80\n",
        "NAT hooks only at prerouting, input, output and postrouting",
    );
    untranslatable(
        "version 6\nmark 200 out\n",
        "not a value of mark group `usermark`",
    );
}

#[test]
fn helpers_compile_deterministically() {
    let conf = "version 6\nmark 2 pre\nblacklist 192.0.2.1 2001:db8::1\ntosfix\ninterface eth0 lan\n    server nntp accept hashlimit N upto 1/sec\n";
    assert_eq!(compile(conf), compile(conf));
}

/// `ENABLE_IPV6=0`: the filter chains let IPv6 through untouched, and the NAT and mangle chains
/// must not act on it either (a dual-stack `masquerade` rewrote IPv6 sources; found by a real
/// configuration in the differential harness).
#[test]
fn a_family_switched_off_is_left_alone_by_nat_and_mangle() {
    let conf = "version 6\nENABLE_IPV6=0\nmasquerade eth0\nmark 2 pre\ninterface eth0 lan\n    client all accept\n";
    let Some(l) = listing(conf) else { return };
    assert_rules(
        &l,
        "nat_postrouting",
        &["meta nfproto ipv4 oifname \"eth0\" masquerade"],
    );
    has(
        &l,
        "mangle_prerouting",
        "meta nfproto ipv4 ct state new meta mark set meta mark & 0xffffe0bf | 0x00000080",
    );
}
