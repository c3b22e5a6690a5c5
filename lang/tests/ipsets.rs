//! Kernel ipsets as named nft sets: each test compiles a configuration, loads it into a fresh
//! network namespace (as root) and checks what the kernel holds: the sets with their elements
//! and the rules' lookups.

mod support;

use fhc_lang::nft::Options;
use fhc_lang::prelude::{Hosts, Inputs};

fn compile_with(text: &str, inputs: Inputs) -> Result<(String, Vec<String>), String> {
    let mut prelude = fhc_lang::Prelude::none();
    prelude.set_inputs(inputs);
    let opts = Options::default();
    match fhc_lang::compile_with(text, &prelude, &opts) {
        Ok((out, warnings)) => Ok((
            out.ruleset.to_json().to_string(),
            warnings
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect(),
        )),
        Err(d) => Err(d
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// The kernel's listing, blanks collapsed (`None` without a kernel to load into, after saying so).
fn loaded(json: &str) -> Option<String> {
    if !support::kernel_available() {
        return None;
    }
    let text = support::load_in_netns(json).unwrap_or_else(|e| panic!("nft refused: {e}"));
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn has(listing: &str, want: &str) {
    assert!(listing.contains(want), "lacks `{want}`:\n{listing}");
}

const SETS: &str = "version 6
ipv4 ipset create allowed4 hash:ip maxelem 1024
ipv4 ipset add allowed4 192.0.2.10
ipv4 ipset add allowed4 \"192.0.2.11 192.0.2.12,192.0.2.13\"
ipv4 ipset create pairs4 hash:ip,port prevent_reset_on_restart
ipv4 ipset add pairs4 192.0.2.1,udp:53
ipv4 ipset add pairs4 192.0.2.0/30,80-90
ipset4 create banned4 hash:net timeout 600 counters
ipset4 add banned4 10.0.0.0/8
ipset4 add banned4 10.1.0.0/16
ipset4 add banned4 192.168.0.0/16 timeout 30
ipset4 addfile banned4 net lists/bl.netset
ipset6 create banned6 hash:net
ipset6 add banned6 2001:db8::/32
ipset4 create macs hash:mac
ipset4 add macs 00:11:22:33:44:55
ipset4 create ports bitmap:port range 1-1024
ipset4 add ports 22
blacklist4 full ipset:banned4 198.51.100.7
interface4 eth0 wan4
    server ssh accept ipset allowed4 src
    server http accept ipset not banned4 src
    server https accept ipset pairs4 src,dst no-counters
    server smtp accept src ipset:external4
    server imap accept ipset macs src
    server pop3 accept ipset ports dst
interface6 eth0 wan6
    server ssh drop src ipset:banned6
";

fn files() -> Inputs {
    Inputs {
        files: [(
            "lists/bl.netset".to_string(),
            Ok(
                "# update-ipsets style\n203.0.113.0/24\n203.0.113.5\n198.51.100.0/24 # nets only\n"
                    .to_string(),
            ),
        )]
        .into(),
        hosts: Hosts::Deferred,
    }
}

#[test]
fn ipsets_become_typed_sets_filled_with_their_elements() {
    let (json, warnings) = compile_with(SETS, files()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("W0136") && w.contains("external4")),
        "{warnings:?}"
    );
    let Some(l) = loaded(&json) else { return };
    // Addresses merged into disjoint intervals; `net` keeps the file's networks only.
    has(
        &l,
        "set allowed4 { type ipv4_addr flags interval elements = { 192.0.2.10-192.0.2.13 } }",
    );
    has(&l, "elements = { 10.0.0.0/8 ");
    has(&l, "198.51.100.0/24 ");
    assert!(
        !l.contains("203.0.113.5 "),
        "an address of a `net` file was kept:\n{l}"
    );
    has(
        &l,
        "set pairs4 { type ipv4_addr . inet_proto . inet_service flags interval elements = { 192.0.2.1 . udp . 53, 192.0.2.0/30 . tcp . 80-90 } }",
    );
    has(&l, "flags interval,timeout counter timeout 10m");
    has(
        &l,
        "set macs { type ether_addr elements = { 00:11:22:33:44:55 } }",
    );
    has(
        &l,
        "set ports { type inet_proto . inet_service flags interval elements = { tcp . 22, udp . 22 } }",
    );
    has(&l, "set external4 { type ipv4_addr flags interval }");
    // Lookups: each direction as the rule reads it, swapped for replies.
    has(&l, "ip saddr @allowed4 tcp sport 1024-65535 tcp dport 22");
    has(&l, "ip saddr != @banned4");
    has(&l, "ip saddr . meta l4proto . th dport @pairs4");
    has(&l, "ip daddr . meta l4proto . th sport @pairs4");
    has(&l, "ether saddr @macs");
    has(&l, "meta l4proto . th dport @ports");
    has(&l, "ip saddr @banned4 jump BLACKLIST.bi.1.in");
    has(&l, "ip daddr @banned4 jump BLACKLIST.bi.1.out");
    has(&l, "ip6 saddr @banned6");
}

fn errors(text: &str, inputs: Inputs) -> String {
    match compile_with(text, inputs) {
        Ok(_) => panic!("compiled:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn what_ipset_or_firehol_refuses_is_an_error_at_its_line() {
    let cases: &[(&str, &str)] = &[
        (
            "ipset create x hash:ip\n",
            "E0135: `ipset create x` runs for both",
        ),
        (
            "ipset4 create x hash:ip\nipset4 create x hash:ip\n",
            "E0135: ipset `x` already exists",
        ),
        (
            "ipset4 create x hash:foo\n",
            "E0135: `hash:foo` is not an ipset type",
        ),
        (
            "ipset4 create x hash:ip frobnicate\n",
            "E0135: `frobnicate` is not an option",
        ),
        ("ipset4 create x bitmap:port\n", "needs `range LO-HI`"),
        ("ipset4 add x 10.0.0.1\n", "must be created"),
        (
            "ipset4 create x hash:net\nipset4 add x 10.0.0.0/33\n",
            "E0135: `10.0.0.0/33`",
        ),
        (
            "ipset4 create x hash:net\nipset4 add x 2001:db8::/32\n",
            "an IPv6 address in an IPv4 set",
        ),
        (
            "ipset6 create x hash:ip\nipset6 add x 2001:db8::/64\n",
            "takes single addresses",
        ),
        (
            "ipset4 create x hash:ip,port\nipset4 add x 10.0.0.1,http\n",
            "write the port number",
        ),
        (
            "ipset4 create x hash:ip netmask 24\n",
            "E0201: fhc does not translate the ipset option `netmask`",
        ),
        (
            "ipset4 create x hash:net\nipset4 add x 10.0.0.0/8 nomatch\n",
            "E0201: fhc does not translate the element option `nomatch`",
        ),
        (
            "ipset4 flush x\n",
            "E0201: `ipset flush` runs the ipset program",
        ),
        (
            "ipset4 create x hash:ip,port\ninterface4 eth0 w\n    server ssh accept src ipset:x\n",
            "E0135: `ipset:x` gives 1 direction for a hash:ip,port set of 2 dimensions",
        ),
        (
            "ipset4 create x hash:ip\ninterface eth0 w\n    server ssh accept ipset x src\n",
            "E0135: `ipset x` is an IPv4 set, but this statement makes IPv6 rules too",
        ),
        (
            "interface eth0 w\n    server ssh accept src ipset:outside\n",
            "E0135: `ipset:outside` names an ipset this configuration does not create, in a statement for IPv4 and IPv6",
        ),
        (
            "ipset4 create x hash:ip\ninterface4 eth0 w\n    server ssh accept ipset x src bytes-above 10\n",
            "E0201: `bytes-above`",
        ),
        (
            "ipset4 create x hash:ip\nipset4 add x 10.0.0.1 timeout 5\n",
            "created without `timeout`",
        ),
        ("ipset4 create x hash:ip timeout 9999999\n", "up to 2147483"),
        (
            "ipset6 create x hash:net\nipset6 add x 2001:db8::1-2001:db8::9\n",
            "no ranges of IPv6",
        ),
        (
            "ipset4 create x hash:ip\nipset4 add x 0.0.0.0\n",
            "the zero address",
        ),
        (
            "ipset4 create x hash:net\nipset4 add x 0.0.0.0-255.255.255.255\n",
            "the whole address space",
        ),
        (
            "ipset4 create x hash:net timeout 0\nipset4 add x 10.0.0.0/24 timeout 60\nipset4 add x 10.0.0.128/24\nipset4 add x 10.0.0.0/23 timeout 30\ninterface4 eth0 w\n    server ssh accept src ipset:x\n",
            "overlaps another element in part",
        ),
        (
            "ipset4 create x4 hash:ip\ninterface4 eth0 w\n    server ssh accept src ipset:x4\n    server http accept hashlimit x upto 5/sec\n",
            "set `x4` is already used with another type (or is an ipset)",
        ),
    ];
    for (body, want) in cases {
        let text = format!("version 6\n{body}");
        let e = errors(&text, Inputs::default());
        assert!(e.contains(want), "{body}: want `{want}`, got:\n{e}");
    }
}

/// What ipset accepts is accepted as ipset reads it; what nft cannot hold twice is merged.
#[test]
fn elements_are_read_as_ipset_reads_them() {
    let text = "version 6
ipset4 create t hash:net timeout 0
ipset4 add t 10.0.0.0/8
ipset4 add t 10.1.2.3 timeout 100
ipset4 add t 192.0.2.1 timeout 60
ipset4 create np hash:net,port
ipset4 add np 10.0.0.0/8,80
ipset4 add np 10.1.0.0/16,80
ipset4 add np 10.1.0.0/16,TCP:90-88
ipset4 create bp bitmap:port range 1-1024
ipset4 add bp tcp:80
interface4 eth0 w
    server ssh accept src ipset:t
    server http accept ipset np src,dst
    server https accept ipset bp dst
";
    let (json, _) = compile_with(text, Inputs::default()).unwrap_or_else(|e| panic!("{e}"));
    let Some(l) = loaded(&json) else { return };
    // The timed element inside a permanent network is dropped; the other keeps its timeout.
    has(&l, "elements = { 10.0.0.0/8, 192.0.2.1 timeout 1m expires");
    has(
        &l,
        "elements = { 10.0.0.0/8 . tcp . 80, 10.1.0.0/16 . tcp . 88-90 }",
    );
    has(
        &l,
        "set bp { type inet_proto . inet_service flags interval elements = { tcp . 80, udp . 80 } }",
    );
}

#[test]
fn addfile_files_come_from_the_caller() {
    let text = "version 6\nipset4 create x hash:net\nipset4 addfile x bl.netset\ninterface4 eth0 w\n    server ssh drop src ipset:x\n";
    // Not read (an editor): no elements, no error.
    assert!(compile_with(text, Inputs::default()).is_ok());
    let with = |r: Result<String, String>| Inputs {
        files: [("bl.netset".to_string(), r)].into(),
        hosts: Hosts::Deferred,
    };
    let e = errors(text, with(Err("no such file".into())));
    assert!(
        e.contains("E0140: cannot read `bl.netset`: no such file"),
        "{e}"
    );
    let e = errors(text, with(Ok("10.0.0.1\n10.0.0.300\n".into())));
    assert!(
        e.contains("E0140: `bl.netset` has 1 entry ipset would refuse; line 2: `10.0.0.300`"),
        "{e}"
    );
}

#[test]
fn host_names_take_the_resolved_addresses_of_the_statements_families() {
    let text = "version 6\ninterface eth0 w\n    server smtp accept src mail.example\n    server ssh accept src v4only.example\ninterface6 eth0 w6\n    server ssh accept src v4only.example\n";
    let ip = |s: &str| s.parse().unwrap();
    let hosts = Hosts::Resolved(
        [
            (
                "mail.example".to_string(),
                Ok(vec![ip("2001:db8::25"), ip("192.0.2.25")]),
            ),
            ("v4only.example".to_string(), Ok(vec![ip("192.0.2.7")])),
        ]
        .into(),
    );
    let inputs = Inputs {
        files: Default::default(),
        hosts,
    };
    let e = errors(text, inputs.clone());
    assert!(
        e.contains(
            "E0139: `v4only.example` does not resolve: it has no address of the statement's family"
        ),
        "{e}"
    );
    let text = &text[..text.find("interface6").unwrap()];
    let (json, warnings) = compile_with(text, inputs).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        warnings
            .contains(&"W0137: `mail.example` resolved to 192.0.2.25, 2001:db8::25".to_string()),
        "{warnings:?}"
    );
    let Some(l) = loaded(&json) else { return };
    has(
        &l,
        "ip saddr . tcp dport { 192.0.2.7 . 22, 192.0.2.25 . 25 }",
    );
    has(
        &l,
        "ip6 saddr 2001:db8::25 tcp sport 1024-65535 tcp dport 25",
    );
    // --no-resolve, and an editor's analysis
    let refused = Inputs {
        files: Default::default(),
        hosts: Hosts::Refused,
    };
    assert!(errors(text, refused).contains(
        "E0139: `mail.example` is a host name, and names are not resolved (--no-resolve)"
    ));
    let a = fhc_lang::analyze(text);
    assert!(
        a.diagnostics.iter().any(|d| d.code.as_str() == "I0138"),
        "{:?}",
        a.diagnostics
    );
}
