//! `fhc verify`: proves on the user's own machine that fhc's ruleset treats packets the way the
//! firewall running now does, before switching. Two throwaway copies of a test network are
//! built in network namespaces; one loads the host's live iptables rules (or what `firehol FILE
//! start` makes), the other fhc's ruleset; the same probes cross both and the outcomes are
//! compared probe by probe.
//!
//! Pipeline: `facts` (what the ruleset names) -> `plan` (network and probes) -> `netns` (build,
//! serve, probe) -> `compare` (differences and the rules that decided them) -> report here.

mod agent;
mod baseline;
mod compare;
mod facts;
mod netns;
mod plan;
mod report;

use crate::config::{self, PreludeArgs};
use compare::{Difference, Flaky, Outcomes};
use fhc_lang::nft::Options;
use plan::{Place, Plan, Probe};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Compare with the rules `firehol FILE start` would load, instead of the rules the host
    /// runs now. This runs FireHOL (bash, as root) on FILE, inside the throwaway namespace and
    /// a private mount namespace; FireHOL may still load kernel modules.
    #[arg(long)]
    pub firehol: bool,
    /// Give up after SECONDS (exit 2), removing everything made so far.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub budget: u64,
    /// `json`: one JSON object on standard output, for scripts.
    #[arg(long, value_enum, default_value_t)]
    pub format: crate::OutputFormat,
    /// Seed of the random ports and addresses probed besides the configuration's (default:
    /// derived from the configuration's text, so a run can be repeated exactly).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seconds each probe waits for an answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    pub probe_timeout: f64,
}

/// The agent processes `fhc verify` starts inside its namespaces.
#[derive(clap::Subcommand)]
pub enum AgentRole {
    /// Answer on every port of PORTS (comma-separated) with "ID NAME PORT PEER"; UDP from
    /// each of ADDRS (comma-separated), the addresses the namespace holds.
    Serve {
        name: String,
        ports: String,
        addrs: String,
    },
    /// Send the probes read on standard input; one JSON line per outcome.
    Probe { timeout: f64 },
}

pub fn agent(role: &AgentRole) -> ExitCode {
    match role {
        AgentRole::Serve { name, ports, addrs } => {
            let ports: Vec<u16> = ports.split(',').filter_map(|p| p.parse().ok()).collect();
            let addrs: Vec<std::net::IpAddr> =
                addrs.split(',').filter_map(|a| a.parse().ok()).collect();
            agent::serve(name, &ports, &addrs)
        }
        AgentRole::Probe { timeout } => agent::probe(*timeout),
    }
}

/// Differences re-run alone to name the rules that decided them.
const ATTRIBUTED: usize = 20;

pub fn run(
    file: Option<&str>,
    prelude: &PreludeArgs,
    opts: &Options,
    args: &VerifyArgs,
) -> ExitCode {
    match verify(file, prelude, opts, args) {
        Ok(r) => {
            report::print(&r, args.format);
            ExitCode::from(
                if r.differences.iter().all(|d| d.known.is_some()) && r.settings.is_empty() {
                    0
                } else {
                    1
                },
            )
        }
        Err(_) if ENDING.load(Ordering::SeqCst) => {
            // A signal or the budget is ending the run (its namespaces vanish under this
            // thread's feet): that thread reports why and exits.
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("fhc verify: {e}");
            ExitCode::from(2)
        }
    }
}

/// Set when a signal or the budget ends the run.
static ENDING: AtomicBool = AtomicBool::new(false);

/// Everything a run found, for the report.
pub struct Outcome {
    pub config: String,
    pub baseline: String,
    pub plan: Plan,
    pub seed: u64,
    pub probes: usize,
    pub settings: Vec<SettingChange>,
    pub differences: Vec<Difference>,
    pub flaky: Vec<Flaky>,
}

fn verify(
    file: Option<&str>,
    prelude: &PreludeArgs,
    opts: &Options,
    args: &VerifyArgs,
) -> Result<Outcome, String> {
    preflight(args)?;
    if file == Some("-") {
        return Err("needs the configuration as a file (it is read twice, and by FireHOL)".into());
    }
    netns::remove_stale();
    // The budget bounds everything from here, reading the host's rules included.
    let work = WorkDir::new()?;
    let _cleanup = netns::Cleanup;
    guard(args.budget, work.0.clone());
    let compiled = config::compile(file, prelude, opts)
        .map_err(|_| "the configuration does not compile (errors above)")?;
    let plain_opts = Options {
        optimize: false,
        ..opts.clone()
    };
    // The one-rule-per-statement form, for the probe plan: compiled quietly (its warnings
    // were just printed).
    let (loaded, _, text) =
        config::load(file, prelude).map_err(|_| "the configuration cannot be read")?;
    let (plain, _) = fhc_lang::compile_with(&text, &loaded, &plain_opts)
        .map_err(|_| "the configuration does not compile")?;
    let conf_path = PathBuf::from(file.unwrap_or(config::DEFAULT_CONFIG));
    let seed = args
        .seed
        .unwrap_or_else(|| fhc_lang::hash::fnv1a(fhc_lang::hash::FNV_OFFSET, text.bytes()));
    let live = if args.firehol {
        None
    } else {
        Some((baseline::capture_live()?, baseline::capture_ipsets()))
    };
    let host_sysctls = baseline::host_sysctls();

    let ruleset = compiled.output.ruleset.to_json();
    let facts = facts::read(&plain.ruleset.to_json());
    let synproxy = serde_json::to_string(&ruleset).is_ok_and(|s| s.contains("\"synproxy\""));
    // A host booted with ipv6.disable=1 has no IPv6 to compare.
    let ipv6 = Path::new("/proc/sys/net/ipv6").exists();
    let plan = Plan::new(&facts, seed, synproxy, ipv6);
    let fhc_sysctls: Vec<String> = compiled
        .output
        .sysctls
        .iter()
        .map(|s| format!("{}={}", s.key, s.value))
        .collect();

    let now = netns::build("a", &plan, &host_sysctls)?;
    let fhc = netns::build("b", &plan, &host_sysctls)?;
    let baseline = match &live {
        Some((dumps, ipsets)) => {
            baseline::restore(&now.fw, dumps, ipsets.as_deref())?;
            let mut names: Vec<&str> = dumps.iter().map(|d| d.backend.name()).collect();
            names.dedup();
            format!("the rules this host runs now ({})", names.join(" and "))
        }
        None => {
            baseline::start_firehol(&now.fw, &conf_path, &work.0)?;
            let used: Vec<&str> = baseline::backends_in(&now.fw)
                .iter()
                .map(|b| b.name())
                .collect();
            format!(
                "the rules `firehol {} start` loads ({})",
                conf_path.display(),
                used.join(" and ")
            )
        }
    };
    let settings = settings_changed(&now.fw, &compiled.output.sysctls);
    // The packets compare the rulesets: the baseline gets fhc's settings too (their changes are
    // reported on their own, above the packets).
    netns::set_sysctls(&now.fw, fhc_sysctls.iter().map(String::as_str));
    load_fhc(&fhc.fw, &ruleset, &fhc_sysctls)?;
    netns::start_servers(&now, &plan)?;
    netns::start_servers(&fhc, &plan)?;

    let batches = plan.matrix();
    let total: usize = batches.iter().map(|(_, p)| p.len()).sum();
    let show = report::Progress::start(total * 2, args.format);
    let (a, b) = both(&now, &fhc, &batches, args.probe_timeout, &show.done)?;
    drop(show);
    let (differences, flaky) = confirm(&now, &fhc, &batches, (&a, &b), args, opts, synproxy)?;
    Ok(Outcome {
        config: conf_path.display().to_string(),
        baseline,
        plan,
        seed,
        probes: total,
        settings,
        differences,
        flaky,
    })
}

/// A kernel setting `fhc apply` would change from what the running firewall has.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SettingChange {
    pub key: String,
    pub now: String,
    pub fhc: String,
    pub reason: String,
}

fn settings_changed(ns: &str, wanted: &[fhc_lang::nft::Sysctl]) -> Vec<SettingChange> {
    wanted
        .iter()
        .filter_map(|s| {
            let path = format!("/proc/sys/{}", s.key.replace('.', "/"));
            let now = netns::exec(ns, &["cat", &path], None).unwrap_or_default();
            let now = now.trim();
            (now != s.value.trim()).then(|| SettingChange {
                key: s.key.clone(),
                now: if now.is_empty() {
                    "(unset)".into()
                } else {
                    now.to_string()
                },
                fhc: s.value.clone(),
                reason: s.reason.clone(),
            })
        })
        .collect()
}

fn preflight(args: &VerifyArgs) -> Result<(), String> {
    if effective_uid() != Some(0) {
        return Err(
            "needs root: it builds network namespaces and loads firewalls into them \
                    (the host's own firewall and interfaces are never touched). Run it with sudo"
                .into(),
        );
    }
    let mut need = vec!["ip", "nft", "sysctl"];
    if args.firehol {
        need.extend(["unshare", "bash"]);
    }
    for tool in need {
        if !netns::has_tool(tool) {
            return Err(format!(
                "`{tool}` is missing (apt-get install iproute2 nftables procps util-linux)"
            ));
        }
    }
    if !(0.05..=30.0).contains(&args.probe_timeout) {
        return Err("--probe-timeout must be between 0.05 and 30 seconds".into());
    }
    Ok(())
}

/// The effective user id, from /proc/self/status (no unsafe call needed).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// A private directory for the run's files (FireHOL's defaults file), removed at the end.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> Result<WorkDir, String> {
        use std::os::unix::fs::DirBuilderExt;
        // Under /run (root's), not TMPDIR: FireHOL sources a file from here as root.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let p = PathBuf::from(format!("/run/fhc-verify.{}.{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&p)
            .map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(WorkDir(p))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Ctrl-C, SIGTERM, SIGHUP or the budget running out: remove everything, then exit 2.
fn guard(budget: u64, work: PathBuf) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let end = move |why: String| {
        ENDING.store(true, Ordering::SeqCst);
        netns::cleanup();
        let _ = std::fs::remove_dir_all(&work);
        eprintln!("\nfhc verify: {why}; the namespaces it made are removed");
        std::process::exit(2);
    };
    let end2 = end.clone();
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                end(format!("interrupted (signal {sig})"));
            }
        });
    }
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(budget));
        end2(format!("the budget of {budget} s ran out (--budget)"));
    });
}

/// fhc's ruleset with a counter in every rule (for attribution; counters decide nothing),
/// then its kernel settings.
fn load_fhc(ns: &str, ruleset: &Value, sysctls: &[String]) -> Result<(), String> {
    let mut doc = ruleset.clone();
    for cmd in doc["nftables"].as_array_mut().into_iter().flatten() {
        let Some(exprs) = cmd
            .pointer_mut("/add/rule/expr")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let at = exprs
            .iter()
            .take_while(|e| e.get("match").is_some())
            .count();
        exprs.insert(at, serde_json::json!({"counter": null}));
    }
    netns::exec(ns, &["nft", "-j", "-f", "-"], Some(&doc.to_string()))
        .map_err(|e| format!("the kernel refused fhc's ruleset: {e}"))?;
    netns::set_sysctls(ns, sysctls.iter().map(String::as_str));
    Ok(())
}

/// The same batches through both sides at once.
fn both(
    now: &netns::Side,
    fhc: &netns::Side,
    batches: &[(Place, Vec<Probe>)],
    timeout: f64,
    done: &AtomicUsize,
) -> Result<(Outcomes, Outcomes), String> {
    std::thread::scope(|s| {
        let a = s.spawn(|| netns::probe(now, batches, timeout, done));
        let b = netns::probe(fhc, batches, timeout, done)?;
        let a = a.join().map_err(|_| "a prober thread panicked")??;
        Ok((a, b))
    })
}

/// Differences must come back the same way in a second, small batch, and again when the probe
/// runs alone (with the rule counters read around it); otherwise they are flaky.
fn confirm(
    now: &netns::Side,
    fhc: &netns::Side,
    batches: &[(Place, Vec<Probe>)],
    first: (&Outcomes, &Outcomes),
    args: &VerifyArgs,
    opts: &Options,
    synproxy: bool,
) -> Result<(Vec<Difference>, Vec<Flaky>), String> {
    let ids = compare::differing(first.0, first.1);
    let by_id: BTreeMap<&str, (Place, &Probe)> = batches
        .iter()
        .flat_map(|(pl, ps)| ps.iter().map(move |p| (p.id.as_str(), (*pl, p))))
        .collect();
    let subset = |ids: &[String]| -> Vec<(Place, Vec<Probe>)> {
        let mut m: BTreeMap<Place, Vec<Probe>> = BTreeMap::new();
        for id in ids {
            if let Some((pl, p)) = by_id.get(id.as_str()) {
                m.entry(*pl).or_default().push((*p).clone());
            }
        }
        m.into_iter().collect()
    };
    let idle = AtomicUsize::new(0);
    let (a2, b2) = both(now, fhc, &subset(&ids), args.probe_timeout, &idle)?;
    let (mut differences, mut flaky) = (vec![], vec![]);
    for id in ids {
        let o1 = (
            compare::outcome(first.0, &id),
            compare::outcome(first.1, &id),
        );
        let o2 = (compare::outcome(&a2, &id), compare::outcome(&b2, &id));
        if o1 != o2 {
            flaky.push(Flaky {
                probe: id,
                first: o1,
                again: o2,
            });
            continue;
        }
        let mut d = Difference {
            probe: id.clone(),
            now: o1.0.clone(),
            fhc: o1.1.clone(),
            lines: vec![],
            fhc_rules: vec![],
            iptables_rules: vec![],
            known: None,
        };
        // A difference that may be FireHOL's SYNPROXY stall is always traced: only its trace
        // can tell (compare::known).
        let maybe_stall = synproxy && o1.0 == "open nobanner" && o1.1.starts_with("open ID ");
        if differences.len() < ATTRIBUTED || maybe_stall {
            let one = subset(std::slice::from_ref(&id));
            let (c1, c2) = (baseline::counters(&now.fw), nft_counters(&fhc.fw, opts));
            let (a3, b3) = both(now, fhc, &one, args.probe_timeout, &idle)?;
            let alone = (compare::outcome(&a3, &id), compare::outcome(&b3, &id));
            if alone.0 == alone.1 {
                // Differs only under the batch's load: alone, both agree.
                flaky.push(Flaky {
                    probe: id,
                    first: o1,
                    again: alone,
                });
                continue;
            }
            let v6 = by_id.get(id.as_str()).is_some_and(|(_, p)| p.dst.is_ipv6());
            let hit = compare::hit(&c1, &baseline::counters(&now.fw));
            d.iptables_rules = compare::deciding(hit, v6);
            d.fhc_rules = compare::hit(&c2, &nft_counters(&fhc.fw, opts));
            d.lines = compare::lines_of(&d.fhc_rules);
        }
        d.known = compare::known(&d, synproxy);
        differences.push(d);
    }
    Ok((differences, flaky))
}

fn nft_counters(ns: &str, opts: &Options) -> compare::Counters {
    netns::exec(
        ns,
        &["nft", "-j", "list", "table", &opts.family, &opts.table],
        None,
    )
    .ok()
    .and_then(|s| serde_json::from_str::<Value>(&s).ok())
    .map(|v| compare::nft_counters(&v))
    .unwrap_or_default()
}

/// The configuration file a relative name in a report is shown against.
pub fn shown(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}
