//! What `fhc verify` prints: a report for people (with a progress bar on a terminal) or one
//! JSON object for scripts.

use super::{Outcome, shown};
use crate::OutputFormat;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

pub fn print(r: &Outcome, format: OutputFormat) {
    let mut out = std::io::stdout().lock();
    let _ = match format {
        OutputFormat::Json => writeln!(out, "{}", json(r)),
        OutputFormat::Human => write!(out, "{}", human(r)),
    };
}

fn json(r: &Outcome) -> serde_json::Value {
    let interfaces: Vec<&str> = r.plan.interfaces.iter().map(|i| i.name.as_str()).collect();
    serde_json::json!({
        "config": r.config,
        "baseline": r.baseline,
        "seed": r.seed,
        "interfaces": interfaces,
        "ports": r.plan.ports,
        "ipv6": r.plan.ipv6,
        "probes": r.probes,
        "settings": r.settings,
        "differences": r.differences,
        "flaky": r.flaky,
    })
}

fn human(r: &Outcome) -> String {
    let mut s = String::new();
    let names: Vec<&str> = r.plan.interfaces.iter().map(|i| i.name.as_str()).collect();
    s += &format!("fhc verify: {} against {}\n", r.config, r.baseline);
    s += &format!(
        "  interfaces {}; ports {}; seed {}\n",
        names.join(", "),
        r.plan
            .ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        r.seed
    );
    if !r.plan.ipv6 {
        s += "  IPv6 is disabled on this host (ipv6.disable=1): IPv4 probes only\n";
    }
    let file = shown(&r.config);
    for c in &r.settings {
        s += &format!(
            "SETTING {}: {} now, fhc sets {} ({})\n",
            c.key, c.now, c.fhc, c.reason
        );
    }
    for d in &r.differences {
        match d.known {
            Some(_) => s += &format!("KNOWN {}\n", d.probe),
            None => s += &format!("DIFFERENT {}\n", d.probe),
        }
        s += &format!("    now: {}\n    fhc: {}\n", d.now, d.fhc);
        if !d.lines.is_empty() {
            let lines: Vec<String> = d.lines.iter().map(usize::to_string).collect();
            s += &format!("    {file}: line {}\n", lines.join(", "));
        }
        for rule in &d.fhc_rules {
            s += &format!("    fhc rule: {rule}\n");
        }
        for rule in &d.iptables_rules {
            s += &format!("    iptables rule: {rule}\n");
        }
        if let Some(why) = d.known {
            s += &format!("    why: {why}\n");
        }
        if d.fhc_rules.is_empty() && d.iptables_rules.is_empty() {
            s += "    (not re-run alone: only the first differences are traced to their rules)\n";
        }
    }
    // Flaky probes are noise for people: a few, then the count (JSON lists them all).
    const SHOWN_FLAKY: usize = 5;
    if r.flaky.len() > SHOWN_FLAKY {
        s += &format!(
            "{} probes were flaky (differed once, then agreed; not counted; rate limits such as \
             `protection` make a burst of probes differ at random), the first {SHOWN_FLAKY}:\n",
            r.flaky.len()
        );
    }
    for f in r.flaky.iter().take(SHOWN_FLAKY) {
        s += &format!(
            "flaky (not counted) {}: first now=[{}] fhc=[{}], then now=[{}] fhc=[{}]\n",
            f.probe, f.first.0, f.first.1, f.again.0, f.again.1
        );
    }
    let known = r.differences.iter().filter(|d| d.known.is_some()).count();
    let n = r.differences.len() - known;
    let mut extra = vec![];
    if known > 0 {
        extra.push(format!("{known} known (FireHOL bugs, probe artefacts)"));
    }
    if !r.flaky.is_empty() {
        extra.push(format!("{} flaky", r.flaky.len()));
    }
    s += &format!(
        "fhc verify: {} {} in {} probes on each side{}; {} kernel {} changed\n",
        n,
        if n == 1 { "difference" } else { "differences" },
        r.probes,
        if extra.is_empty() {
            String::new()
        } else {
            format!(" (not counted: {})", extra.join(", "))
        },
        r.settings.len(),
        if r.settings.len() == 1 {
            "setting"
        } else {
            "settings"
        },
    );
    if n == 0 && r.settings.is_empty() && r.flaky.is_empty() {
        s += "fhc verify: no differences: fhc's ruleset treats every probe as the running firewall does\n";
    }
    s
}

/// A progress bar on standard error while probes run, when it is a terminal and the report is
/// for people; removed when dropped.
pub struct Progress {
    pub done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    pub fn start(total: usize, format: OutputFormat) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let show = matches!(format, OutputFormat::Human) && std::io::stderr().is_terminal();
        let thread = show.then(|| {
            let (done, stop) = (Arc::clone(&done), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let d = done.load(Ordering::Relaxed).min(total);
                    let filled = d * 30 / total.max(1);
                    eprint!(
                        "\rprobing [{}{}] {d}/{total}",
                        "#".repeat(filled),
                        "-".repeat(30 - filled)
                    );
                    std::thread::sleep(Duration::from_millis(200));
                }
                eprint!("\r{}\r", " ".repeat(60));
            })
        });
        Progress { done, stop, thread }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
