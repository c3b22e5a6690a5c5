//! The throwaway network: one firewall namespace per side with a host namespace behind each
//! interface, the agents in them, and the cleanup that removes every namespace this process
//! made on every path (return, error, panic, Ctrl-C, the budget running out). The host's own
//! firewall and interfaces are never touched: every command runs inside a namespace made here.

use super::compare::Outcomes;
use super::plan::{Place, Plan, Probe, plan_addr};
use std::io::{BufRead, BufReader, Write};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Namespaces made by this process, for the cleanup.
static CREATED: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Set once the cleanup has begun: a namespace made after it removes itself.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// Settings every namespace gets, on both sides: ICMP errors are not rate-limited (a probe
/// must not see a timeout where the firewall sent an error) and addresses need no DAD.
const BASE_SYSCTLS: [&str; 8] = [
    "net.ipv4.icmp_ratelimit=0",
    "net.ipv4.icmp_msgs_per_sec=100000",
    "net.ipv4.icmp_msgs_burst=100000",
    "net.ipv6.icmp.ratelimit=0",
    "net.ipv6.conf.all.accept_dad=0",
    "net.ipv6.conf.default.accept_dad=0",
    // Router solicitations would move rule counters while a probe is traced.
    "net.ipv6.conf.all.router_solicitations=0",
    "net.ipv6.conf.default.router_solicitations=0",
];

/// Runs a command to its end, bounded in time; Err when it cannot start, times out or fails.
pub fn run(args: &[&str], input: Option<&str>, limit: Duration) -> Result<String, String> {
    let out = run_status(args, input, limit)?;
    if out.0 {
        Ok(out.1)
    } else {
        Err(format!("`{}` failed: {}", args.join(" "), out.2.trim()))
    }
}

/// (success, stdout, stderr + stdout tail) of a bounded command.
pub fn run_status(
    args: &[&str],
    input: Option<&str>,
    limit: Duration,
) -> Result<(bool, String, String), String> {
    let mut child = crate::live::spawn_piped(args[0], &args[1..], input.is_some())
        .map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let text = text.to_string();
        std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    }
    let deadline = Instant::now() + limit;
    let out_reader = child.stdout.take().map(read_all);
    let err_reader = child.stderr.take().map(read_all);
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("`{}` took longer than {limit:?}", args.join(" ")));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let join = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    let (out, err) = (join(out_reader), join(err_reader));
    let mut from = out.len().saturating_sub(1500);
    while !out.is_char_boundary(from) {
        from += 1;
    }
    let tail = format!("{err}{}", &out[from..]);
    Ok((status.success(), out, tail))
}

fn read_all(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        // Bytes, then lossy: a Latin-1 comment in a dump must not empty it.
        let mut b = vec![];
        let _ = r.read_to_end(&mut b);
        String::from_utf8_lossy(&b).into_owned()
    })
}

/// A command's own limit (a large set restores slowly); the run as a whole is bounded by
/// --budget.
const QUICK: Duration = Duration::from_secs(120);

/// `ip netns exec NS ARGS...`
pub fn exec(ns: &str, args: &[&str], input: Option<&str>) -> Result<String, String> {
    let mut all = vec!["ip", "netns", "exec", ns];
    all.extend(args);
    run(&all, input, QUICK)
}

fn ip(ns: &str, args: &[&str]) -> Result<(), String> {
    let mut all = vec!["ip", "-n", ns];
    all.extend(args);
    run(&all, None, QUICK).map(|_| ())
}

/// Kills every process left in our namespaces and deletes them. Safe to call more than once
/// and from the signal thread.
pub fn cleanup() {
    CLOSING.store(true, Ordering::SeqCst);
    // Held to the end: a second cleanup (a signal during the first) waits for this one
    // instead of exiting half-way.
    let mut created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
    for ns in std::mem::take(&mut *created) {
        remove(&ns);
    }
}

/// Kills what runs in a namespace of ours (every process in it was started by fhc verify),
/// then deletes it.
fn remove(ns: &str) {
    if let Ok(pids) = run(&["ip", "netns", "pids", ns], None, QUICK) {
        for pid in pids.split_whitespace() {
            let _ = run(&["kill", "-KILL", pid], None, QUICK);
        }
    }
    let _ = run(&["ip", "netns", "del", ns], None, QUICK);
}

/// Sets `key=value` settings in a namespace one at a time, failures tolerated: some are global
/// or read-only inside a network namespace on some kernels (ICMP rate limits, conntrack's table
/// size), and they are the same for both sides.
pub fn set_sysctls<'a>(ns: &str, settings: impl IntoIterator<Item = &'a str>) {
    for kv in settings {
        let _ = exec(ns, &["sysctl", "-qw", kv], None);
    }
}

/// Whether `program` is on PATH.
pub fn has_tool(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Removes the namespaces an earlier run left behind because it was killed (SIGKILL leaves no
/// chance to clean up): `fhv<pid>-...` whose process is gone. Only names this code makes.
pub fn remove_stale() {
    let Ok(list) = run(&["ip", "netns", "list"], None, QUICK) else {
        return;
    };
    for ns in list.lines().filter_map(|l| l.split_whitespace().next()) {
        let pid = ns
            .strip_prefix("fhv")
            .and_then(|r| r.split_once('-'))
            .and_then(|(p, _)| p.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        remove(ns);
    }
}

/// Removes the namespaces when dropped (return, error or panic).
pub struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        cleanup();
    }
}

fn add_ns(name: &str) -> Result<(), String> {
    run(&["ip", "netns", "add", name], None, QUICK)?;
    {
        let mut created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
        if CLOSING.load(Ordering::SeqCst) {
            drop(created);
            let _ = run(&["ip", "netns", "del", name], None, QUICK);
            return Err("stopping".into());
        }
        created.push(name.to_string());
    }
    ip(name, &["link", "set", "lo", "up"])?;
    set_sysctls(name, BASE_SYSCTLS);
    Ok(())
}

/// One side of the comparison: the firewall namespace and the host namespaces behind it.
pub struct Side {
    pub fw: String,
    pub hosts: Vec<String>,
}

impl Side {
    pub fn ns(&self, p: Place) -> &str {
        match p {
            Place::Firewall => &self.fw,
            Place::Host(k) => &self.hosts[k],
        }
    }
}

fn with_len(a: IpAddr, plan_net: bool) -> String {
    match (a.is_ipv6(), plan_net) {
        (false, true) => format!("{a}/24"),
        (true, true) => format!("{a}/64"),
        (false, false) => format!("{a}/32"),
        (true, false) => format!("{a}/128"),
    }
}

/// Builds the plan's network for side TAG; `sysctls` (the host's) are set in the firewall.
pub fn build(tag: &str, plan: &Plan, sysctls: &[String]) -> Result<Side, String> {
    let prefix = format!("fhv{}-{tag}", std::process::id());
    let fw = format!("{prefix}-fw");
    add_ns(&fw)?;
    // A packet DNATed to an address no interface reaches is dropped in silence, on both sides.
    // Without a route the kernel answers with an ICMP error through a limiter no namespace can
    // turn off (net.ipv4.route.error_cost is global): 5 errors, then one a second, so which
    // probe got the error would depend on timing, not on either ruleset.
    ip(&fw, &["route", "add", "blackhole", "default"])?;
    let mut hosts = vec![];
    for (k, i) in plan.interfaces.iter().enumerate() {
        let h = format!("{prefix}-h{k}");
        add_ns(&h)?;
        ip(
            &fw,
            &[
                "link", "add", &i.name, "type", "veth", "peer", "name", "up0", "netns", &h,
            ],
        )?;
        for a in plan.fw_addrs(k) {
            let planned = a == plan_addr(k, 1, a.is_ipv6());
            ip(
                &fw,
                &[
                    "addr",
                    "add",
                    &with_len(a, planned),
                    "dev",
                    &i.name,
                    "nodad",
                ],
            )?;
        }
        ip(&fw, &["link", "set", &i.name, "up"])?;
        for a in plan.host_addrs(k) {
            let planned = a == plan_addr(k, 2, a.is_ipv6()) || a == plan_addr(k, 3, a.is_ipv6());
            ip(
                &h,
                &["addr", "add", &with_len(a, planned), "dev", "up0", "nodad"],
            )?;
            if !planned {
                let family = if a.is_ipv6() { "-6" } else { "-4" };
                ip(
                    &fw,
                    &[family, "route", "add", &with_len(a, false), "dev", &i.name],
                )?;
            }
        }
        ip(&h, &["link", "set", "up0", "up"])?;
        ip(
            &h,
            &[
                "route",
                "add",
                "default",
                "via",
                &plan_addr(k, 1, false).to_string(),
            ],
        )?;
        if plan.ipv6 {
            let via = plan_addr(k, 1, true).to_string();
            ip(&h, &["-6", "route", "add", "default", "via", &via])?;
        }
        hosts.push(h);
    }
    static_neighbours(&fw, &hosts, plan)?;
    set_sysctls(&fw, sysctls.iter().map(String::as_str));
    Ok(Side { fw, hosts })
}

/// Static neighbours: a firewall that filters neighbour discovery (FireHOL does unless told
/// otherwise) would otherwise hide every IPv6 comparison behind failed resolution; for IPv4,
/// ARP's first-contact delay is kept out of the timings too.
fn static_neighbours(fw: &str, hosts: &[String], plan: &Plan) -> Result<(), String> {
    let mac = |ns: &str, dev: &str| -> Result<String, String> {
        let out = run(&["ip", "-n", ns, "-j", "link", "show", dev], None, QUICK)?;
        let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
        Ok(v[0]["address"].as_str().unwrap_or_default().to_string())
    };
    for (k, i) in plan.interfaces.iter().enumerate() {
        let (fmac, hmac) = (mac(fw, &i.name)?, mac(&hosts[k], "up0")?);
        for a in plan.host_addrs(k).into_iter() {
            let a = a.to_string();
            ip(
                fw,
                &[
                    "neigh",
                    "replace",
                    &a,
                    "lladdr",
                    &hmac,
                    "dev",
                    &i.name,
                    "nud",
                    "permanent",
                ],
            )?;
        }
        for a in plan.fw_addrs(k).into_iter() {
            let a = a.to_string();
            ip(
                &hosts[k],
                &[
                    "neigh",
                    "replace",
                    &a,
                    "lladdr",
                    &fmac,
                    "dev",
                    "up0",
                    "nud",
                    "permanent",
                ],
            )?;
        }
    }
    Ok(())
}

fn me() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "fhc".into())
}

/// Err once the cleanup has begun: no agent is started into a namespace being removed.
fn not_closing() -> Result<(), String> {
    if CLOSING.load(Ordering::SeqCst) {
        Err("stopping".into())
    } else {
        Ok(())
    }
}

/// Starts a server in every namespace of the side and waits until each is listening.
pub fn start_servers(side: &Side, plan: &Plan) -> Result<(), String> {
    let ports: Vec<String> = plan.ports.iter().map(u16::to_string).collect();
    let ports = ports.join(",");
    let exe = me();
    let places = std::iter::once(Place::Firewall).chain((0..side.hosts.len()).map(Place::Host));
    let mut waiting = vec![];
    for p in places {
        let (name, addrs) = match p {
            Place::Firewall => (
                "fw".to_string(),
                (0..plan.interfaces.len())
                    .flat_map(|k| plan.fw_addrs(k))
                    .collect::<Vec<_>>(),
            ),
            Place::Host(k) => (
                format!("host@{}", plan.interfaces[k].name),
                plan.host_addrs(k),
            ),
        };
        let addrs: Vec<String> = addrs.iter().map(IpAddr::to_string).collect();
        not_closing()?;
        let mut child = Command::new("ip")
            .args(["netns", "exec", side.ns(p), &exe, "verify-agent", "serve"])
            .args([&name, &ports, &addrs.join(",")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start a server: {e}"))?;
        let out = child.stdout.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        waiting.push((name, rx));
    }
    for (name, rx) in waiting {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) if l.trim() == "ready" => {}
            _ => return Err(format!("the server at {name} did not start")),
        }
    }
    Ok(())
}

/// Sends every batch from its namespace (all at once) and collects the outcomes; `done` counts
/// finished probes for the progress bar.
pub fn probe(
    side: &Side,
    batches: &[(Place, Vec<Probe>)],
    timeout: f64,
    done: &AtomicUsize,
) -> Result<Outcomes, String> {
    let exe = me();
    let t = timeout.to_string();
    std::thread::scope(|s| {
        let mut running = vec![];
        for (place, probes) in batches.iter().filter(|(_, p)| !p.is_empty()) {
            not_closing()?;
            let mut child = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    side.ns(*place),
                    &exe,
                    "verify-agent",
                    "probe",
                    &t,
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| format!("cannot start a prober: {e}"))?;
            let json = serde_json::to_string(probes).expect("probes serialize");
            let mut stdin = child.stdin.take().expect("piped");
            s.spawn(move || stdin.write_all(json.as_bytes()));
            let out = child.stdout.take().expect("piped");
            let reader = s.spawn(move || {
                super::agent::read_outcomes(BufReader::new(out), || {
                    done.fetch_add(1, Ordering::Relaxed);
                })
            });
            running.push((child, reader, probes.len()));
        }
        let mut all = Outcomes::new();
        let mut failed = None;
        for (mut child, reader, sent) in running {
            let got = reader.join().unwrap_or_default();
            let ok = child.wait().is_ok_and(|s| s.success());
            // A prober that failed, or outcomes missing, would read as agreement: never.
            if !ok || got.len() != sent {
                failed = Some(format!(
                    "a prober in {} failed ({} of {sent} outcomes): the comparison would be void",
                    child.id(),
                    got.len()
                ));
            }
            all.extend(got);
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(all),
        }
    })
}
