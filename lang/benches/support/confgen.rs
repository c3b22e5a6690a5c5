//! A deterministic generator of large, realistic FireHOL configurations for benchmarks.
//!
//! The output looks like a big site config: a header of variables and comments, actions,
//! synproxy and NAT statements (some continued over several lines), then many interface and
//! router sections full of server/client/route statements with parameters, groups, logs and
//! limits. A tiny xorshift generator keeps it reproducible without extra dependencies.

use std::fmt::Write;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SERVICES: &[&str] = &[
    "ssh",
    "http",
    "https",
    "dns",
    "ntp",
    "smtp",
    "imap",
    "imaps",
    "pop3",
    "submission",
    "mysql",
    "postgres",
    "ldap",
    "snmp",
    "icmp",
    "ping",
    "dhcp",
    "samba",
    "rsync",
    "\"http https\"",
    "\"ssh ntp\"",
    "all",
];
const ACTIONS: &[&str] = &[
    "accept",
    "accept",
    "accept",
    "drop",
    "reject",
    "reject with tcp-reset",
    "MYDROP",
];
const IFACES: &[&str] = &[
    "eth0",
    "eth1",
    "eth2",
    "bond0",
    "br0",
    "ppp+",
    "\"eth3 eth4\"",
    "wg0",
];

fn ip(r: &mut Rng) -> String {
    format!("10.{}.{}.{}", r.below(256), r.below(256), 1 + r.below(254))
}

fn net(r: &mut Rng) -> String {
    match r.below(4) {
        0 => format!("10.{}.0.0/16", r.below(256)),
        3 => format!(
            "10.{}.{}.{}/28",
            r.below(256),
            r.below(256),
            16 * r.below(16)
        ),
        _ => format!("10.{}.{}.0/24", r.below(256), r.below(256)),
    }
}

fn ip6(r: &mut Rng) -> String {
    format!("2001:db8:{:x}::{:x}", r.below(65536), 1 + r.below(65535))
}

fn net6(r: &mut Rng) -> String {
    format!(
        "2001:db8:{:x}::/{}",
        r.below(65536),
        [48, 56, 64][r.below(3)]
    )
}

/// Up to three optional rule parameters, each keyword at most once. `v6` picks the address
/// family of the literals; variables hold IPv4 networks, so they are only used in IPv4 sections.
/// No `proto`/`sport`/`dport`: a named service brings its own.
fn params(r: &mut Rng, vars: &[String], v6: bool) -> String {
    let mut out = String::new();
    let (mut src, mut dst, mut other) = (false, false, [false; 4]);
    for _ in 0..r.below(4) {
        let k = r.below(10);
        match k {
            0..=3 if !src => {
                src = true;
                match (k, v6) {
                    (0, false) => write!(out, " src {}", net(r)),
                    (1, false) => write!(out, " src not \"{} {}\"", net(r), net(r)),
                    (_, false) => write!(out, " src \"${}\"", vars[r.below(vars.len())]),
                    (0 | 1, true) => write!(out, " src {}", net6(r)),
                    (_, true) => write!(out, " src not \"{} {}\"", net6(r), net6(r)),
                }
                .unwrap();
            }
            4 | 5 if !dst => {
                dst = true;
                match (k, v6) {
                    (4, false) => write!(out, " dst {}", ip(r)),
                    (_, false) => write!(out, " dst \"${{{}}}\"", vars[r.below(vars.len())]),
                    (_, true) => write!(out, " dst {}", ip6(r)),
                }
                .unwrap();
            }
            6..=9 if !other[k - 6] => {
                other[k - 6] = true;
                match k {
                    6 => write!(out, " log \"L{}\" level info", r.below(1000)),
                    7 => write!(out, " limit {}/sec {}", 1 + r.below(100), 1 + r.below(50)),
                    8 => write!(out, " connlimit upto {} mask 24 saddr", 1 + r.below(100)),
                    _ => write!(out, " state NEW,ESTABLISHED"),
                }
                .unwrap();
            }
            _ => {}
        }
    }
    out
}

/// A configuration of exactly `lines` lines (each ends with `\n`).
pub fn config(lines: usize) -> String {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(lines * 48);
    let mut n = 0usize;
    fn line(out: &mut String, n: &mut usize, s: &str) {
        out.push_str(s);
        out.push('\n');
        *n += s.matches('\n').count() + 1;
    }
    macro_rules! line {
        ($s:expr) => {
            line(&mut out, &mut n, &$s)
        };
    }

    line!("#!/bin/bash");
    line!("# Generated benchmark configuration.");
    line!("version 6");
    line!("");

    let mut vars = Vec::new();
    for i in 0..40 {
        let v = format!("NET_{i}");
        line!(format!(
            "{v}=\"{} {} {}\"  # site {i}",
            net(&mut r),
            net(&mut r),
            ip(&mut r)
        ));
        vars.push(v);
    }
    line!("export FIREHOL_LOG_MODE=\"NFLOG\"");
    line!("server_myapp_ports=\"tcp/8080 tcp/8443\"");
    line!("client_myapp_ports=\"default\"");
    line!("");
    line!("action MYDROP chain drop");
    line!("action4 MYTRAP rule src not \"$NET_0\" action reject next chain drop");
    line!("");

    for i in 0..30 {
        let fam = if i % 2 == 0 {
            "ipv4 synproxy"
        } else {
            "synproxy4"
        };
        let target = ip(&mut r);
        let dst = ip(&mut r);
        let port = [80, 443, 25, 22][i % 4];
        let iface = r.pick(IFACES);
        if i % 3 == 0 {
            line!(format!(
                "{fam} input inface {iface} dst {dst} dport {port} \\\n    dnat to {target} \\\n    loglimit \"SYN{i}\""
            ));
        } else {
            line!(format!(
                "{fam} forward inface {iface} dst {dst} dport {port} accept"
            ));
        }
    }
    for i in 0..30 {
        let iface = r.pick(IFACES);
        match i % 3 {
            0 => line!(format!(
                "dnat4 to {}:{} inface {iface} proto tcp dport {}",
                ip(&mut r),
                80 + i,
                8000 + i
            )),
            1 => line!(format!(
                "snat4 to {} outface {iface} src {}",
                ip(&mut r),
                net(&mut r)
            )),
            _ => line!(format!(
                "redirect4 to {} inface {iface} proto tcp dport {}",
                3128 + i,
                80 + i
            )),
        };
    }
    line!("");

    let mut section = 0;
    while n + 4 < lines {
        section += 1;
        let router = section % 4 == 0;
        // Mostly IPv4 sections, some IPv6 ones: a statement's addresses must match its family.
        let v6 = section % 6 == 5;
        let fam = if v6 { "6" } else { "4" };
        if router {
            line!(format!(
                "router{fam} r{section} inface {} outface {}",
                r.pick(IFACES),
                r.pick(IFACES)
            ));
        } else {
            let not = if v6 {
                net6(&mut r)
            } else {
                format!("${{{}}}", vars[r.below(vars.len())])
            };
            line!(format!(
                "interface{fam} {} if{section} src not \"{not}\"",
                r.pick(IFACES)
            ));
            line!(format!(
                "    policy {}",
                r.pick(&["drop", "reject", "return"])
            ));
            line!("    protection strong 100/sec 50");
        }
        let body = 20 + r.below(60);
        let mut in_group = false;
        for _ in 0..body {
            if n + 4 >= lines {
                break;
            }
            let ind = if in_group { "        " } else { "    " };
            let stmt = match r.below(20) {
                0 if !in_group => {
                    in_group = true;
                    format!(
                        "    group with dst {}",
                        if v6 { ip6(&mut r) } else { ip(&mut r) }
                    )
                }
                1 if in_group => {
                    in_group = false;
                    "    group end".to_string()
                }
                2 => format!(
                    "{ind}# {} for team {}",
                    r.pick(SERVICES).trim_matches('"'),
                    r.below(100)
                ),
                3 => format!(
                    "{ind}server custom app{} tcp/{} default accept",
                    r.below(100),
                    1024 + r.below(60000)
                ),
                4 => format!(
                    "{ind}server {} accept with limit 10/sec 100{}",
                    r.pick(SERVICES),
                    params(&mut r, &vars, v6)
                ),
                5 if router => format!("{ind}masquerade reverse"),
                6 => format!(
                    "{ind}server {} {} \\\n{ind}    src \"{}\" \\\n{ind}    log \"multi\"",
                    r.pick(SERVICES),
                    r.pick(ACTIONS),
                    if v6 {
                        net6(&mut r)
                    } else {
                        format!("${}", vars[r.below(vars.len())])
                    }
                ),
                7 => format!(
                    "{ind}client {} accept{}",
                    r.pick(SERVICES),
                    params(&mut r, &vars, v6)
                ),
                _ => {
                    let verb = if router { "route" } else { "server" };
                    format!(
                        "{ind}{verb} {} {}{}",
                        r.pick(SERVICES),
                        r.pick(ACTIONS),
                        params(&mut r, &vars, v6)
                    )
                }
            };
            line!(stmt);
        }
        if in_group {
            line!("    group end");
        }
        if n < lines {
            line!("");
        }
    }
    while n < lines {
        line!("# padding");
    }
    out
}
