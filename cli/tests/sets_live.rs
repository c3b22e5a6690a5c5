//! `fhc set` on a live table, and `fhc apply` with `prevent_reset_on_restart`, in a network
//! namespace (root; never skipped in CI). Matching is proven with traffic: a UDP datagram the
//! output chain drops fails to send with "Operation not permitted".

mod support;

use support::netns::{Ns, err, out};
use support::root_or_skip;

const LOCALLY: &str = "sudo -E cargo test -p fhc --test sets_live";

const CONF: &str = "version 6
ipv4 ipset create allowed4 hash:ip
ipv4 ipset add allowed4 10.9.0.2
ipset4 create kept4 hash:net prevent_reset_on_restart
ipset4 add kept4 10.9.0.50
interface4 d0 lan
    client all accept dst ipset:allowed4
    client all accept dst ipset:kept4
    client all accept dst ipset:outside4
";

/// A namespace with an interface `d0` (10.9.0.1/24, a veth pair's end) and CONF applied.
fn setup(test: &str) -> (Ns, String) {
    let ns = Ns::new(test);
    for args in [
        &["link", "add", "d0", "type", "veth", "peer", "name", "d1"][..],
        &["addr", "add", "10.9.0.1/24", "dev", "d0"],
        &["link", "set", "d0", "up"],
        &["link", "set", "d1", "up"],
    ] {
        let o = ns.cmd("ip", args).output().unwrap();
        assert!(o.status.success(), "ip {args:?}: {}", err(&o));
    }
    let conf = ns.file("sets.conf", CONF);
    let o = ns.fhc(&["apply", "--no-defaults", &conf]);
    assert!(o.status.success(), "apply: {}", err(&o));
    assert!(
        err(&o).contains("W0136") && err(&o).contains("outside4"),
        "{}",
        err(&o)
    );
    (ns, conf)
}

/// Whether the output chain lets a datagram to `ip` out.
fn passes(ns: &Ns, ip: &str) -> bool {
    let o = ns
        .cmd("bash", &["-c", &format!("echo x > /dev/udp/{ip}/9")])
        .output()
        .unwrap();
    if !o.status.success() {
        assert!(
            err(&o).contains("Operation not permitted"),
            "unexpected: {}",
            err(&o)
        );
    }
    o.status.success()
}

fn set(ns: &Ns, args: &[&str]) -> std::process::Output {
    let mut all = vec!["set"];
    all.extend_from_slice(args);
    ns.fhc(&all)
}

#[test]
fn set_load_changes_matching_at_once_and_a_failed_load_keeps_the_old_elements() {
    if !root_or_skip("fhc set on a live table", LOCALLY) {
        return;
    }
    let (ns, _) = setup("load");
    assert!(passes(&ns, "10.9.0.2"));
    assert!(!passes(&ns, "10.9.0.3"));
    assert!(!passes(&ns, "10.9.0.7"));
    let rules_before = ns.nft(&["-a", "list", "chain", "inet", "firehol", "out_lan"]);

    // An update-ipsets file: comments, blanks, a network.
    let list = ns.file(
        "outside4.netset",
        "# blocklist style\n10.9.0.7\n 10.9.0.64/26 # a net\n",
    );
    let o = set(&ns, &["load", "outside4", &list]);
    assert!(o.status.success(), "load: {}", err(&o));
    assert!(passes(&ns, "10.9.0.7") && passes(&ns, "10.9.0.70"));
    assert!(!passes(&ns, "10.9.0.3"));
    // No reload: the rules (and their handles) are the ones loaded by apply.
    assert_eq!(
        rules_before,
        ns.nft(&["-a", "list", "chain", "inet", "firehol", "out_lan"])
    );
    let o = set(&ns, &["list", "outside4"]);
    assert_eq!(out(&o), "10.9.0.7\n10.9.0.64/26\n", "{}", err(&o));

    // An entry the set cannot hold: refused before nft, the set keeps its elements.
    let bad = ns.file("bad.netset", "10.9.0.8\n10.9.0.300\n");
    let o = set(&ns, &["load", "outside4", &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("set `outside4` unchanged") && err(&o).contains("bad.netset:2"),
        "{}",
        err(&o)
    );
    assert!(passes(&ns, "10.9.0.7") && !passes(&ns, "10.9.0.8"));

    // nft refusing the transaction (a set of one element, three to load): nothing changes.
    ns.nft(&[
        "add",
        "set",
        "inet",
        "firehol",
        "tiny",
        "{ type ipv4_addr; size 1; }",
    ]);
    ns.nft(&["add", "element", "inet", "firehol", "tiny", "{ 10.9.0.1 }"]);
    let three = ns.file("three.netset", "10.9.0.2\n10.9.0.3\n10.9.0.4\n");
    let o = set(&ns, &["load", "tiny", &three]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("keeps its previous elements"),
        "{}",
        err(&o)
    );
    assert_eq!(out(&set(&ns, &["list", "tiny"])), "10.9.0.1\n");
}

#[test]
fn set_add_del_flush_and_errors() {
    if !root_or_skip("fhc set on a live table", LOCALLY) {
        return;
    }
    let (ns, _) = setup("edit");
    let o = set(&ns, &["add", "outside4", "10.9.0.8", "10.9.0.16/30"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(passes(&ns, "10.9.0.8") && passes(&ns, "10.9.0.17"));
    let o = set(&ns, &["del", "outside4", "10.9.0.8"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!passes(&ns, "10.9.0.8") && passes(&ns, "10.9.0.17"));
    // An address inside an interval the set holds: added (nothing changes) and deleted (the
    // interval is cut around it), as ipset's hash:net would.
    let o = set(&ns, &["add", "outside4", "10.9.0.18"]);
    assert!(o.status.success(), "{}", err(&o));
    let o = set(&ns, &["del", "outside4", "10.9.0.18"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!passes(&ns, "10.9.0.18") && passes(&ns, "10.9.0.17") && passes(&ns, "10.9.0.19"));
    assert_eq!(
        out(&set(&ns, &["list", "outside4"])),
        "10.9.0.16/31\n10.9.0.19\n"
    );
    let o = set(&ns, &["del", "outside4", "10.9.0.99"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("`10.9.0.99` is not in it"), "{}", err(&o));
    let o = set(&ns, &["flush", "outside4"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!passes(&ns, "10.9.0.17"));
    let o = set(&ns, &["add", "outside4", "2001:db8::1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("an IPv6 address in an IPv4 set"),
        "{}",
        err(&o)
    );
    let o = set(&ns, &["add", "nosuchset", "10.9.0.8"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("set `nosuchset`"), "{}", err(&o));
}

#[test]
fn apply_keeps_the_live_elements_of_kept_and_outside_sets_only() {
    if !root_or_skip("fhc apply with kept sets", LOCALLY) {
        return;
    }
    let (ns, conf) = setup("keep");
    for (name, ip) in [
        ("kept4", "10.9.0.60"),
        ("allowed4", "10.9.0.9"),
        ("outside4", "10.9.0.77"),
    ] {
        let o = set(&ns, &["add", name, ip]);
        assert!(o.status.success(), "{}", err(&o));
        assert!(passes(&ns, ip));
    }
    let o = ns.fhc(&["apply", "--no-defaults", &conf]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("set `kept4` keeps its 2 live element(s)"),
        "{}",
        err(&o)
    );
    // kept4 as it was live (the configuration's element and the added one), and the set made
    // outside the configuration as it was filled; allowed4 reset.
    assert!(passes(&ns, "10.9.0.60") && passes(&ns, "10.9.0.50"));
    assert!(
        passes(&ns, "10.9.0.77"),
        "an apply emptied the set made outside the configuration"
    );
    assert!(!passes(&ns, "10.9.0.9") && passes(&ns, "10.9.0.2"));
}

/// The shipped timer's service line, run as systemd would run it for a set.
#[test]
fn the_set_load_unit_refreshes_a_set_from_update_ipsets_file() {
    if !root_or_skip("the fhc-set-load unit", LOCALLY) {
        return;
    }
    let unit = std::fs::read_to_string(support::repo().join("dist/systemd/fhc-set-load@.service"))
        .unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let (ns, _) = setup("unit");
    let dir = ns.dir.join("etc-firehol");
    std::fs::create_dir_all(dir.join("ipsets")).unwrap();
    std::fs::write(dir.join("ipsets/outside4.netset"), "10.9.0.99\n").unwrap();
    let line = exec
        .replace("%i", "outside4")
        .replace("/etc/firehol", &dir.display().to_string())
        .replace("/usr/bin/fhc", env!("CARGO_BIN_EXE_fhc"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let o = ns.cmd(words[0], &words[1..]).output().unwrap();
    assert!(o.status.success(), "{line}: {}", err(&o));
    assert!(passes(&ns, "10.9.0.99"));
    let timer =
        std::fs::read_to_string(support::repo().join("dist/systemd/fhc-set-load@.timer")).unwrap();
    assert!(timer.contains("OnCalendar=") && timer.contains("WantedBy=timers.target"));
}
