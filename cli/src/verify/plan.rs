//! The test network and the probe matrix: which interfaces to create, which addresses each side
//! holds, and every probe sent through both firewalls. Pure: the same facts and seed give the
//! same plan, so a difference can be re-run.

use super::facts::{Facts, Hook, NamedAddr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// More interfaces or ports make the matrix grow without finding more.
pub const MAX_INTERFACES: usize = 6;
pub const MAX_PORTS: usize = 24;
/// Addresses from the configuration per interface and side.
const MAX_NAMED_ADDRS: usize = 4;
/// Ports no configuration names (echo, and a high one): what the policy does.
pub const CONTROL_PORTS: [u16; 2] = [7, 9999];

/// One interface of the firewall, with a host network behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Interface {
    pub name: String,
    /// Addresses the firewall holds on it besides the plan's (from the configuration).
    pub fw_extra: Vec<IpAddr>,
    /// Addresses the host behind it holds besides the plan's.
    pub host_extra: Vec<IpAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub interfaces: Vec<Interface>,
    pub ports: Vec<u16>,
    pub syn_ports: BTreeSet<u16>,
    /// False on a host without IPv6 (ipv6.disable=1): IPv4 addresses and probes only.
    pub ipv6: bool,
}

/// Where probes start: the firewall itself or the host behind interface N.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    Firewall,
    Host(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A TCP connection.
    Tcp,
    /// One bare SYN from a raw socket (what SYNPROXY answers without the server).
    Syn,
    /// One UDP datagram.
    Udp,
    /// One ICMP or ICMPv6 echo request.
    Ping,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub id: String,
    pub kind: Kind,
    pub src: Option<IpAddr>,
    pub dst: IpAddr,
    pub port: u16,
}

/// The plan's own addresses: 10.100.K.0/24 and fd00:100:K::/64 behind interface K, the
/// firewall at .1, the host at .2 and .3.
pub fn plan_addr(k: usize, host: u8, v6: bool) -> IpAddr {
    let k = k as u8;
    if v6 {
        IpAddr::V6(Ipv6Addr::new(
            0xfd00,
            0x100,
            k.into(),
            0,
            0,
            0,
            0,
            host.into(),
        ))
    } else {
        IpAddr::V4(Ipv4Addr::new(10, 100, k, host))
    }
}

/// A small deterministic generator (SplitMix64): the random ports and addresses of a run are
/// a function of its seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

impl Plan {
    /// `synproxy`: the ruleset answers SYNs itself, so every port gets a bare-SYN probe.
    pub fn new(facts: &Facts, seed: u64, synproxy: bool, ipv6: bool) -> Plan {
        let mut rng = Random(seed);
        let mut names: Vec<String> = facts
            .interfaces
            .iter()
            .take(MAX_INTERFACES)
            .cloned()
            .collect();
        match names.len() {
            0 => names = vec!["eth0".into(), "eth1".into()],
            1 => names.push(if names[0] == "eth9" { "eth8" } else { "eth9" }.into()),
            _ => {}
        }
        let mut interfaces: Vec<Interface> = names
            .into_iter()
            .map(|name| Interface {
                name,
                fw_extra: vec![],
                host_extra: vec![],
            })
            .collect();
        place_named(&facts.addrs, &mut interfaces);
        for (k, i) in interfaces.iter_mut().enumerate() {
            // A source the configuration does not name, in the host's own network and outside it.
            let octet = 4 + rng.below(240) as u8;
            i.host_extra
                .push(IpAddr::V4(Ipv4Addr::new(10, 100, k as u8, octet)));
            // Each interface its own part of 203.0.113.0/24: no two hosts share one.
            i.host_extra.push(IpAddr::V4(Ipv4Addr::new(
                203,
                0,
                113,
                (k as u8) * 40 + 1 + rng.below(39) as u8,
            )));
            let tail = 1 + rng.below(0xfffe) as u16;
            i.host_extra.push(IpAddr::V6(Ipv6Addr::new(
                0x2001,
                0xdb8,
                0xf000 + k as u16,
                0,
                0,
                0,
                0,
                tail,
            )));
        }
        let named = spread(&facts.ports.iter().copied().collect::<Vec<_>>());
        let mut ports: BTreeSet<u16> = named.iter().copied().collect();
        ports.extend(CONTROL_PORTS);
        while ports.len() < named.len() + CONTROL_PORTS.len() + 2 {
            ports.insert(1025 + rng.below(64_000) as u16);
        }
        let syn_ports = if synproxy {
            ports.clone()
        } else {
            named
                .iter()
                .take(3)
                .copied()
                .chain([CONTROL_PORTS[0]])
                .collect()
        };
        if !ipv6 {
            for i in &mut interfaces {
                i.fw_extra.retain(IpAddr::is_ipv4);
                i.host_extra.retain(IpAddr::is_ipv4);
            }
        }
        Plan {
            interfaces,
            ports: ports.into_iter().collect(),
            syn_ports,
            ipv6,
        }
    }

    /// The addresses the host behind interface K holds (the plan's, then the others).
    pub fn host_addrs(&self, k: usize) -> Vec<IpAddr> {
        let mut v = vec![
            plan_addr(k, 2, false),
            plan_addr(k, 3, false),
            plan_addr(k, 2, true),
            plan_addr(k, 3, true),
        ];
        v.extend(&self.interfaces[k].host_extra);
        v.retain(|a| self.ipv6 || a.is_ipv4());
        v
    }

    /// The addresses the firewall holds on interface K.
    pub fn fw_addrs(&self, k: usize) -> Vec<IpAddr> {
        let mut v = vec![plan_addr(k, 1, false), plan_addr(k, 1, true)];
        v.extend(&self.interfaces[k].fw_extra);
        v.retain(|a| self.ipv6 || a.is_ipv4());
        v
    }

    /// Every probe, grouped by where it starts.
    pub fn matrix(&self) -> Vec<(Place, Vec<Probe>)> {
        let n = self.interfaces.len();
        let mut out = vec![];
        for k in 0..n {
            let name = &self.interfaces[k].name;
            let mut dsts: Vec<(String, IpAddr)> = vec![];
            let fw_at = |j: usize| {
                self.fw_addrs(j)
                    .into_iter()
                    .map(move |a| (format!("fw@{}", self.interfaces[j].name), a))
            };
            dsts.extend(fw_at(k));
            if let Some(j) = (0..n).find(|&j| j != k) {
                dsts.extend(fw_at(j));
            }
            for j in (0..n).filter(|&j| j != k) {
                let other = &self.interfaces[j].name;
                let behind = [plan_addr(j, 2, false), plan_addr(j, 2, true)];
                let extra = self.interfaces[j].host_extra.iter().copied();
                dsts.extend(
                    behind
                        .into_iter()
                        .chain(extra)
                        .filter(|a| self.ipv6 || a.is_ipv4())
                        .map(|a| (format!("host@{other}"), a)),
                );
            }
            let mut probes = vec![];
            for src in self.host_addrs(k) {
                for (who, dst) in dsts.iter().filter(|(_, d)| d.is_ipv6() == src.is_ipv6()) {
                    let from = format!("host@{name}[{src}]");
                    probes.extend(self.towards(&from, Some(src), &format!("{who}[{dst}]"), *dst));
                }
            }
            out.push((Place::Host(k), probes));
        }
        let mut probes = vec![];
        // From the firewall: with the address the kernel picks, and from each address the
        // configuration gives the firewall (its output rules may match them).
        let fw_sources: Vec<IpAddr> = self
            .interfaces
            .iter()
            .flat_map(|i| i.fw_extra.clone())
            .collect();
        for k in 0..n {
            let name = &self.interfaces[k].name;
            let behind = [plan_addr(k, 2, false), plan_addr(k, 2, true)];
            for dst in behind
                .into_iter()
                .chain(self.interfaces[k].host_extra.iter().copied())
                .filter(|a| self.ipv6 || a.is_ipv4())
            {
                let to = format!("host@{name}[{dst}]");
                probes.extend(self.towards("fw", None, &to, dst));
                for &src in fw_sources.iter().filter(|s| s.is_ipv6() == dst.is_ipv6()) {
                    probes.extend(self.towards(&format!("fw[{src}]"), Some(src), &to, dst));
                }
            }
        }
        out.push((Place::Firewall, probes));
        out
    }

    fn towards(&self, from: &str, src: Option<IpAddr>, to: &str, dst: IpAddr) -> Vec<Probe> {
        let mut kinds: Vec<(Kind, u16)> = vec![];
        for &p in &self.ports {
            kinds.push((Kind::Tcp, p));
            kinds.push((Kind::Udp, p));
            // Bare SYNs are what clients and floods send: from the hosts only (and a raw SYN
            // needs a source address for its header).
            if src.is_some() && !from.starts_with("fw") && self.syn_ports.contains(&p) {
                kinds.push((Kind::Syn, p));
            }
        }
        kinds.push((Kind::Ping, 0));
        kinds
            .into_iter()
            .map(|(kind, port)| {
                let what = match kind {
                    Kind::Tcp => format!("tcp/{port}"),
                    Kind::Udp => format!("udp/{port}"),
                    Kind::Syn => format!("syn/{port}"),
                    Kind::Ping => "ping".into(),
                };
                Probe {
                    id: format!("{from} -> {to} {what}"),
                    kind,
                    src,
                    dst,
                    port,
                }
            })
            .collect()
    }
}

/// At most MAX_PORTS of the named ports: both ends and an even spread between.
fn spread(named: &[u16]) -> Vec<u16> {
    if named.len() <= MAX_PORTS {
        return named.to_vec();
    }
    let step = named.len() as f64 / MAX_PORTS as f64;
    let mut v: BTreeSet<u16> = (0..MAX_PORTS)
        .map(|n| named[(n as f64 * step) as usize])
        .collect();
    v.extend(named.last());
    v.into_iter().collect()
}

/// Gives each address the configuration names to the side that would hold it: a source to
/// the host behind the interface it arrives on, a destination to the firewall (input) or to
/// the host behind the interface it leaves by (forward).
fn place_named(addrs: &BTreeSet<NamedAddr>, interfaces: &mut [Interface]) {
    let index = |name: &Option<String>| {
        name.as_ref()
            .and_then(|n| interfaces.iter().position(|i| &i.name == n))
    };
    let mut taken: BTreeSet<IpAddr> = BTreeSet::new();
    let mut placed = vec![];
    for a in addrs {
        let iif = index(&a.iif);
        let oif = index(&a.oif);
        let other = |k: usize| if k == 0 { 1 } else { 0 };
        let (fw, k) = match (a.hook, a.source) {
            (Some(Hook::Output), true) => (true, oif.unwrap_or(0)),
            (Some(Hook::Output), false) => (false, oif.unwrap_or(0)),
            (Some(Hook::Input | Hook::Prerouting) | None, false) => (true, iif.unwrap_or(0)),
            (Some(Hook::Forward | Hook::Postrouting), false) => {
                (false, oif.unwrap_or_else(|| other(iif.unwrap_or(0))))
            }
            (Some(Hook::Postrouting), true) => {
                (false, iif.unwrap_or_else(|| other(oif.unwrap_or(0))))
            }
            (_, true) => (false, iif.unwrap_or(0)),
        };
        // The plan's own networks are not the configuration's to name.
        if !in_plan_networks(a.addr) && taken.insert(a.addr) {
            placed.push((fw, k, a.addr));
        }
    }
    for (fw, k, addr) in placed {
        let list = if fw {
            &mut interfaces[k].fw_extra
        } else {
            &mut interfaces[k].host_extra
        };
        if list.len() < MAX_NAMED_ADDRS {
            list.push(addr);
        }
    }
}

/// 10.100.0.0/16 and fd00:100::/32, where the plan numbers its networks.
fn in_plan_networks(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.octets()[..2] == [10, 100],
        IpAddr::V6(v) => v.segments()[..2] == [0xfd00, 0x100],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(ifaces: &[&str], ports: &[u16]) -> Facts {
        Facts {
            interfaces: ifaces.iter().map(|s| s.to_string()).collect(),
            ports: ports.iter().copied().collect(),
            addrs: BTreeSet::new(),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_other_random_ports() {
        let f = facts(&["eth0", "eth1"], &[22, 80]);
        assert_eq!(Plan::new(&f, 7, false, true), Plan::new(&f, 7, false, true));
        assert_ne!(
            Plan::new(&f, 7, false, true).ports,
            Plan::new(&f, 8, false, true).ports
        );
        let p = Plan::new(&f, 7, false, true);
        assert!(p.ports.contains(&22) && p.ports.contains(&80) && p.ports.contains(&7));
        assert_eq!(p.ports.len(), 2 + CONTROL_PORTS.len() + 2);
    }

    #[test]
    fn one_interface_gets_a_second_one_to_route_to_and_none_gets_two() {
        assert_eq!(
            Plan::new(&facts(&["eth9"], &[]), 1, false, true)
                .interfaces
                .len(),
            2
        );
        let p = Plan::new(&facts(&[], &[]), 1, false, true);
        let names: Vec<_> = p.interfaces.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["eth0", "eth1"]);
    }

    #[test]
    fn many_ports_are_spread_keeping_both_ends() {
        let ports: Vec<u16> = (1..=100).collect();
        let p = Plan::new(&facts(&["eth0"], &ports), 1, false, true);
        assert!(p.ports.contains(&1) && p.ports.contains(&100));
        assert!(p.ports.len() <= MAX_PORTS + 1 + CONTROL_PORTS.len() + 2);
    }

    #[test]
    fn the_matrix_pairs_families_and_names_each_probe_once() {
        let p = Plan::new(&facts(&["eth0", "eth1"], &[22]), 3, false, true);
        let m = p.matrix();
        let mut ids = BTreeSet::new();
        for (_, probes) in &m {
            for pr in probes {
                assert!(ids.insert(pr.id.clone()), "duplicate {}", pr.id);
                if let Some(src) = pr.src {
                    assert_eq!(src.is_ipv6(), pr.dst.is_ipv6(), "{}", pr.id);
                }
                assert!(pr.kind != Kind::Syn || pr.src.is_some());
            }
        }
        assert!(ids.contains("host@eth0[10.100.0.2] -> fw@eth0[10.100.0.1] tcp/22"));
        assert!(ids.contains("host@eth0[10.100.0.2] -> host@eth1[10.100.1.2] syn/22"));
        assert!(ids.contains("fw -> host@eth1[fd00:100:1::2] udp/22"));
        assert!(
            !ids.iter().any(|i| i.starts_with("fw[")),
            "no extra firewall source"
        );
        let mut p2 = p.clone();
        p2.interfaces[1].fw_extra.push("192.0.2.9".parse().unwrap());
        let ids2: Vec<String> = p2
            .matrix()
            .into_iter()
            .flat_map(|(_, ps)| ps.into_iter().map(|p| p.id))
            .collect();
        assert!(ids2.contains(&"fw[192.0.2.9] -> host@eth0[10.100.0.2] tcp/22".to_string()));
        assert!(!ids2.contains(&"fw[192.0.2.9] -> host@eth0[10.100.0.2] syn/22".to_string()));
    }

    #[test]
    fn without_ipv6_only_ipv4_is_planned_and_probed() {
        let p = Plan::new(&facts(&["eth0", "eth1"], &[22]), 5, false, false);
        for k in 0..2 {
            assert!(
                p.host_addrs(k)
                    .iter()
                    .chain(&p.fw_addrs(k))
                    .all(IpAddr::is_ipv4)
            );
        }
        for (_, probes) in p.matrix() {
            assert!(probes.iter().all(|pr| pr.dst.is_ipv4()));
        }
    }

    #[test]
    fn every_address_of_a_plan_is_held_once() {
        let ifaces = ["a0", "a1", "a2", "a3", "a4", "a5"];
        for seed in 0..200 {
            let mut f = facts(&ifaces, &[22]);
            f.addrs.insert(NamedAddr {
                addr: "10.100.0.1".parse().unwrap(),
                source: true,
                hook: Some(Hook::Input),
                iif: Some("a1".into()),
                oif: None,
            });
            let p = Plan::new(&f, seed, false, true);
            let mut seen = BTreeSet::new();
            for k in 0..p.interfaces.len() {
                for a in p.host_addrs(k).into_iter().chain(p.fw_addrs(k)) {
                    assert!(seen.insert(a), "seed {seed}: {a} twice");
                }
            }
        }
    }

    #[test]
    fn named_addresses_go_where_the_rules_expect_them() {
        let mut f = facts(&["eth0", "eth1"], &[]);
        let named = |addr: &str, source, hook, iif: Option<&str>, oif: Option<&str>| NamedAddr {
            addr: addr.parse().unwrap(),
            source,
            hook: Some(hook),
            iif: iif.map(String::from),
            oif: oif.map(String::from),
        };
        f.addrs
            .insert(named("192.168.1.1", true, Hook::Input, Some("eth1"), None));
        f.addrs.insert(named(
            "198.51.100.7",
            false,
            Hook::Input,
            Some("eth0"),
            None,
        ));
        f.addrs.insert(named(
            "10.5.5.5",
            false,
            Hook::Forward,
            Some("eth0"),
            Some("eth1"),
        ));
        f.addrs
            .insert(named("192.0.2.9", true, Hook::Output, None, Some("eth1")));
        let p = Plan::new(&f, 1, false, true);
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(p.interfaces[1].host_extra.contains(&a("192.168.1.1")));
        assert!(p.interfaces[0].fw_extra.contains(&a("198.51.100.7")));
        assert!(p.interfaces[1].host_extra.contains(&a("10.5.5.5")));
        assert!(p.interfaces[1].fw_extra.contains(&a("192.0.2.9")));
    }
}
