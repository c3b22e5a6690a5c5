//! The firewall the host runs now, copied into a namespace: its iptables and ip6tables rules as
//! `iptables-save` prints them (iptables-legacy, iptables-nft, or both), its ipsets, and the
//! kernel settings that change verdicts. Or, with `--firehol`, what `firehol FILE start` makes.

use super::compare::{Counters, iptables_counters};
use super::netns::{exec, has_tool, run, run_status};
use std::path::Path;
use std::time::Duration;

/// The two iptables back ends: the rules of both apply to a packet when both are loaded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Legacy,
    Nft,
}

impl Backend {
    const ALL: [Backend; 2] = [Backend::Legacy, Backend::Nft];

    fn tool(self, v6: bool, verb: &str) -> String {
        let fam = if v6 { "ip6tables" } else { "iptables" };
        let be = match self {
            Backend::Legacy => "legacy",
            Backend::Nft => "nft",
        };
        format!("{fam}-{be}-{verb}")
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Legacy => "iptables-legacy",
            Backend::Nft => "iptables-nft",
        }
    }
}

/// One `*-save` listing with rules in it.
pub struct Dump {
    pub backend: Backend,
    pub v6: bool,
    pub text: String,
}

/// The kernel settings copied from the host into both firewalls (the ones that change what
/// a probe sees); fhc's own settings are applied on top on its side.
const HOST_SYSCTLS: [&str; 9] = [
    "net.ipv4.ip_forward",
    "net.ipv6.conf.all.forwarding",
    "net.ipv6.conf.default.forwarding",
    "net.ipv4.conf.all.rp_filter",
    "net.ipv4.conf.default.rp_filter",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.tcp_timestamps",
    "net.ipv4.icmp_echo_ignore_all",
    "net.ipv4.icmp_echo_ignore_broadcasts",
];

/// The host's values of HOST_SYSCTLS, as `key=value`.
pub fn host_sysctls() -> Vec<String> {
    HOST_SYSCTLS
        .iter()
        .filter_map(|k| {
            let path = format!("/proc/sys/{}", k.replace('.', "/"));
            let v = std::fs::read_to_string(path).ok()?;
            Some(format!("{k}={}", v.trim()))
        })
        .collect()
}

/// Whether a listing holds anything that decides a verdict: a rule, or a built-in chain whose
/// policy is not ACCEPT.
fn in_use(save: &str) -> bool {
    save.lines().any(|l| {
        l.starts_with("-A ")
            || (l.starts_with(':')
                && l.split_whitespace()
                    .nth(1)
                    .is_some_and(|p| p != "ACCEPT" && p != "-"))
    })
}

const SAVE_LIMIT: Duration = Duration::from_secs(60);

/// The iptables rules the host runs now. Err when there are none (nothing to compare with).
pub fn capture_live() -> Result<Vec<Dump>, String> {
    let mut dumps = vec![];
    for backend in Backend::ALL {
        for v6 in [false, true] {
            let tool = backend.tool(v6, "save");
            if !has_tool(&tool) {
                continue;
            }
            let text = run(&[&tool], None, SAVE_LIMIT)?;
            if in_use(&text) {
                dumps.push(Dump { backend, v6, text });
            }
        }
    }
    if dumps.is_empty() {
        return Err(
            "this host runs no iptables rules (neither iptables-legacy nor iptables-nft \
                    has any): there is nothing to compare with. To compare with what FireHOL would \
                    generate for the file instead, add --firehol"
                .into(),
        );
    }
    Ok(dumps)
}

/// The host's ipsets (`ipset save`), when it has any and the rules may need them.
pub fn capture_ipsets() -> Option<String> {
    if !has_tool("ipset") {
        return None;
    }
    run(&["ipset", "save"], None, SAVE_LIMIT)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Loads the host's ipsets and rules into the firewall namespace.
pub fn restore(ns: &str, dumps: &[Dump], ipsets: Option<&str>) -> Result<(), String> {
    if let Some(sets) = ipsets {
        exec(ns, &["ipset", "restore"], Some(sets)).map_err(|e| format!("ipset restore: {e}"))?;
    }
    for d in dumps {
        let tool = d.backend.tool(d.v6, "restore");
        exec(ns, &[&tool], Some(&d.text))?;
    }
    Ok(())
}

/// Runs `firehol FILE start` inside the namespace, in a private mount namespace: Debian's
/// package refuses to start without START_FIREHOL=YES in /etc/default/firehol, and its state
/// directories must not be the host's. The file's path is an argument, never script text.
pub fn start_firehol(ns: &str, conf: &Path, work: &Path) -> Result<(), String> {
    let firehol = std::env::var("FIREHOL").unwrap_or_else(|_| "/usr/sbin/firehol".into());
    if !Path::new(&firehol).is_file() {
        return Err(format!(
            "--firehol needs FireHOL installed ({firehol} is missing: apt-get install firehol)"
        ));
    }
    let defaults = work.join("default-firehol");
    let current = std::fs::read_to_string("/etc/default/firehol").unwrap_or_default();
    let kept: String = current
        .lines()
        .filter(|l| !l.trim_start().starts_with("START_FIREHOL="))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&defaults, format!("{kept}START_FIREHOL=YES\n")).map_err(|e| e.to_string())?;
    let conf = std::fs::canonicalize(conf).map_err(|e| format!("{}: {e}", conf.display()))?;
    let dir = conf.parent().unwrap_or(Path::new("/"));
    const SCRIPT: &str = "set -e; mount --make-rprivate /; \
        [ -e /etc/default/firehol ] && mount --bind \"$1\" /etc/default/firehol; \
        mkdir -p /run/firehol /var/spool/firehol; \
        mount -t tmpfs -o mode=0700 tmpfs /run/firehol; \
        mount -t tmpfs -o mode=0700 tmpfs /var/spool/firehol; \
        cd \"$2\"; exec \"$3\" \"$4\" start";
    let args = [
        "ip",
        "netns",
        "exec",
        ns,
        "unshare",
        "--mount",
        "--",
        "bash",
        "-c",
        SCRIPT,
        "firehol-in-ns",
    ];
    let mut all: Vec<&str> = args.to_vec();
    let (d, c, w) = (
        defaults.to_string_lossy().into_owned(),
        conf.to_string_lossy().into_owned(),
        dir.to_string_lossy().into_owned(),
    );
    all.extend([d.as_str(), w.as_str(), firehol.as_str(), c.as_str()]);
    let (ok, _, tail) = run_status(&all, None, Duration::from_secs(180))?;
    if !ok {
        return Err(format!("firehol {} start failed:\n{}", c, tail.trim()));
    }
    Ok(())
}

/// The rule counters of every iptables back end that has rules in the namespace.
pub fn counters(ns: &str) -> Counters {
    let mut c = Counters::new();
    for backend in Backend::ALL {
        for v6 in [false, true] {
            let tool = backend.tool(v6, "save");
            if !has_tool(&tool) {
                continue;
            }
            if let Ok(text) = exec(ns, &[&tool, "-c"], None) {
                let shown = if v6 { "ip6tables" } else { "iptables" };
                iptables_counters(&text, shown, &tool, &mut c);
            }
        }
    }
    c
}

/// Which back ends hold rules in the namespace (for the report).
pub fn backends_in(ns: &str) -> Vec<Backend> {
    Backend::ALL
        .into_iter()
        .filter(|b| {
            [false, true].iter().any(|&v6| {
                let tool = b.tool(v6, "save");
                has_tool(&tool) && exec(ns, &[&tool], None).is_ok_and(|t| in_use(&t))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_in_use_with_a_rule_or_a_closed_policy() {
        assert!(!in_use(
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n"
        ));
        assert!(in_use("*filter\n:INPUT DROP [0:0]\nCOMMIT\n"));
        assert!(in_use(
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n"
        ));
        // User chains list "-" as their policy.
        assert!(!in_use("*filter\n:in_lan - [0:0]\nCOMMIT\n"));
    }

    #[test]
    fn tools_are_named_per_family_and_back_end() {
        assert_eq!(Backend::Nft.tool(true, "restore"), "ip6tables-nft-restore");
        assert_eq!(Backend::Legacy.tool(false, "save"), "iptables-legacy-save");
    }
}
