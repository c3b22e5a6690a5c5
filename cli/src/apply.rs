//! `fhc apply`: check, compile, dry-run, kernel settings, then the ruleset in one nft
//! transaction. Nothing is left half-applied: a setting that cannot be written, or a load that
//! fails, puts back the settings already changed, and the previous table stays as it was.
//!
//! Why the dry run comes first: besides catching what the kernel refuses, `nft -c` makes the
//! kernel load the modules the ruleset uses (nf_conntrack among them), so the conntrack settings
//! exist by the time they are written; if they still do not, fhc loads nf_conntrack itself. At
//! boot the module may still be initialising and refuse them for a while: `--sysctl-retry` keeps
//! trying (the seed's "SYNPROXY at boot" note).

use crate::config::Compiled;
use crate::live::{self, Script, Sysctls, Table};
use std::time::{Duration, Instant};

/// The file in the state directory ([`crate::rundir`]) that keeps the last ruleset applied to `t`
/// (which `fhc try` may restore from when nft cannot reload its listing).
fn applied_name(t: &Table) -> String {
    format!("applied-{}-{}.json", t.family, t.name)
}

/// The JSON fhc last loaded into `t`, if it kept one.
pub fn last_applied(t: &Table) -> Option<String> {
    crate::rundir::read(&applied_name(t))
}

/// A setting as it was before fhc changed it (`None`: it could not be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Previous {
    pub key: String,
    pub value: Option<String>,
}

/// Reads the current values of `keys`.
pub fn read_settings(sys: &dyn Sysctls, keys: &[&str]) -> Vec<Previous> {
    keys.iter()
        .map(|k| Previous {
            key: k.to_string(),
            value: sys.read(k).ok(),
        })
        .collect()
}

/// Puts settings back; returns the ones that could not be restored.
pub fn restore_settings(sys: &mut dyn Sysctls, previous: &[Previous]) -> Vec<String> {
    let mut failed = Vec::new();
    for p in previous {
        if let Some(v) = &p.value
            && let Err(e) = sys.write(&p.key, v)
        {
            failed.push(e);
        }
    }
    failed
}

/// Clock and sleep, injectable so the retry is tested without waiting.
pub trait Clock {
    fn now(&self) -> Instant;
    fn sleep(&self, d: Duration);
}

pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// Writes one setting, retrying once a second until `retry` has passed.
pub fn write_with_retry(
    sys: &mut dyn Sysctls,
    clock: &dyn Clock,
    key: &str,
    value: &str,
    retry: Duration,
) -> Result<u32, String> {
    let deadline = clock.now() + retry;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match sys.write(key, value) {
            Ok(()) => return Ok(attempts),
            Err(e) if clock.now() >= deadline => {
                return Err(if attempts > 1 {
                    format!("{e} (gave up after {attempts} attempts)")
                } else {
                    e
                });
            }
            Err(_) => clock.sleep(Duration::from_secs(1).min(deadline - clock.now())),
        }
    }
}

/// Writes every setting; on the first failure puts back those already written.
pub fn write_settings(
    sys: &mut dyn Sysctls,
    clock: &dyn Clock,
    wanted: &[(&str, &str)],
    retry: Duration,
) -> Result<Vec<Previous>, String> {
    let mut changed = Vec::new();
    for &(key, value) in wanted {
        let before = read_settings(sys, &[key]).remove(0);
        if before.value.as_deref() == Some(value) {
            continue;
        }
        if let Err(e) = write_with_retry(sys, clock, key, value, retry) {
            let mut msg = e;
            for f in restore_settings(sys, &changed) {
                msg.push_str(&format!("\nand while putting back the settings: {f}"));
            }
            return Err(msg);
        }
        changed.push(before);
    }
    Ok(changed)
}

/// What an apply changed.
pub struct Applied {
    pub rules: usize,
    /// Settings changed, with their previous values.
    pub changed: Vec<Previous>,
}

/// A ruleset the kernel accepted in a dry run, with the settings it needs. Nothing has changed
/// yet (`fhc try` saves the settings and arms its guard between [`prepare`] and [`load`]).
pub struct Prepared {
    script: Script,
    json: String,
    pub wanted: Vec<(String, String)>,
    rules: usize,
}

/// The dry run, and the modules the settings need.
pub fn prepare(compiled: &Compiled, t: &Table, sys: &dyn Sysctls) -> Result<Prepared, String> {
    let mut doc = compiled.output.ruleset.to_json();
    crate::set::keep_live_elements(&mut doc, &compiled.output.ruleset, t)?;
    let json = doc.to_string();
    let script = Script::Json(json.clone());
    script
        .check()
        .map_err(|e| format!("nft refused the ruleset (nothing changed):\n{e}"))?;
    let wanted: Vec<(String, String)> = compiled
        .output
        .sysctls
        .iter()
        .map(|s| (s.key.clone(), s.value.clone()))
        .collect();
    if wanted
        .iter()
        .any(|(k, _)| k.starts_with("net.netfilter.nf_conntrack") && sys.read(k).is_err())
    {
        live::modprobe("nf_conntrack");
    }
    Ok(Prepared {
        script,
        json,
        wanted,
        rules: compiled.output.ruleset.rule_count(),
    })
}

/// The settings, then the ruleset in one transaction. On error nothing has changed.
pub fn load(
    p: &Prepared,
    t: &Table,
    sys: &mut dyn Sysctls,
    retry: Duration,
) -> Result<Applied, String> {
    let wanted: Vec<(&str, &str)> = p
        .wanted
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let changed = write_settings(sys, &RealClock, &wanted, retry)
        .map_err(|e| format!("kernel settings not applied (nothing changed): {e}"))?;
    if let Err(e) = p.script.load() {
        let mut msg = format!("loading the ruleset failed (the previous one stays): {e}");
        for f in restore_settings(sys, &changed) {
            msg.push_str(&format!("\nand while putting back the settings: {f}"));
        }
        return Err(msg);
    }
    remember(t, &p.json);
    Ok(Applied {
        rules: p.rules,
        changed,
    })
}

/// Applies a compiled configuration to table `t`. On error nothing has changed.
pub fn apply(
    compiled: &Compiled,
    t: &Table,
    sys: &mut dyn Sysctls,
    retry: Duration,
) -> Result<Applied, String> {
    let p = prepare(compiled, t, sys)?;
    load(&p, t, sys, retry)
}

/// Keeps the loaded JSON for `fhc try`: failing to is not an error of the apply.
fn remember(t: &Table, json: &str) {
    if let Err(e) = crate::rundir::write(&applied_name(t), json) {
        eprintln!("fhc: note: could not keep a copy of the ruleset ({e})");
    }
}

/// Prints what changed: each setting with its previous value, then the rule count.
pub fn report(compiled: &Compiled, t: &Table, a: &Applied) {
    for p in &a.changed {
        let new = compiled
            .output
            .sysctls
            .iter()
            .find(|s| s.key == p.key)
            .map(|s| s.value.as_str())
            .unwrap_or("?");
        eprintln!(
            "fhc: {} = {new} (was {})",
            p.key,
            p.value.as_deref().unwrap_or("unreadable")
        );
    }
    eprintln!(
        "fhc: {}: {} rules loaded into table {t}",
        compiled.name, a.rules
    );
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    for line in kernel_lines(compiled, &release) {
        eprintln!("{line}");
    }
}

/// The compiled configuration's kernel notes that apply to the running kernel (`release` as
/// /proc/sys/kernel/osrelease gives it), one line each.
pub fn kernel_lines(compiled: &Compiled, release: &str) -> Vec<String> {
    let Some(kernel) = fhc_lang::nft::kernel::KernelVersion::parse(release) else {
        return vec![];
    };
    compiled
        .output
        .kernel_notes
        .iter()
        .filter(|n| n.applies_to(kernel))
        .map(|n| {
            format!(
                "fhc: {}: Linux {kernel}: line {}: {}{}",
                compiled.name,
                n.line,
                if n.harms { "warning: " } else { "" },
                n.message
            )
        })
        .collect()
}

/// `fhc apply CONF`: exit 0 applied, 1 nothing changed.
pub fn run(compiled: &Compiled, t: &Table, retry: Duration) -> std::process::ExitCode {
    // A try on trial would put its saved ruleset back over this one at its deadline.
    if let Err(e) = crate::trial::none_on_trial() {
        eprintln!("fhc: {e}; nothing changed");
        return std::process::ExitCode::from(1);
    }
    match apply(compiled, t, &mut live::ProcSys, retry) {
        Ok(a) => {
            report(compiled, t, &a);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fhc: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

    /// Settings that refuse writes to some keys for the first `busy` attempts.
    struct Fake {
        values: HashMap<String, String>,
        busy: HashMap<String, u32>,
        writes: u32,
    }

    impl Sysctls for Fake {
        fn read(&self, key: &str) -> Result<String, String> {
            self.values.get(key).cloned().ok_or("no such key".into())
        }
        fn write(&mut self, key: &str, value: &str) -> Result<(), String> {
            self.writes += 1;
            if let Some(n) = self.busy.get_mut(key)
                && *n > 0
            {
                *n -= 1;
                return Err(format!("cannot set {key}: busy"));
            }
            self.values.insert(key.into(), value.into());
            Ok(())
        }
    }

    /// A clock that only moves when slept.
    struct FakeClock {
        start: Instant,
        elapsed: Cell<Duration>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.elapsed.get()
        }
        fn sleep(&self, d: Duration) {
            self.elapsed.set(self.elapsed.get() + d);
        }
    }

    fn fake(busy: u32) -> (Fake, FakeClock) {
        let values = HashMap::from([
            ("a".to_string(), "0".to_string()),
            ("loose".to_string(), "1".to_string()),
        ]);
        let busy = HashMap::from([("loose".to_string(), busy)]);
        (
            Fake {
                values,
                busy,
                writes: 0,
            },
            FakeClock {
                start: Instant::now(),
                elapsed: Cell::new(Duration::ZERO),
            },
        )
    }

    #[test]
    fn kernel_notes_name_the_running_kernel() {
        let conf = "ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 22 accept\n\
                    ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 25 redirect to 2525\n\
                    interface4 eth0 wan\n    server ssh accept\n    server custom m tcp/2525 default accept\n";
        let (output, _) = fhc_lang::compile(conf, &fhc_lang::nft::Options::default()).unwrap();
        let compiled = Compiled {
            name: "t.conf".into(),
            output,
        };
        let new = kernel_lines(&compiled, "6.18.44-fc-v1272\n");
        assert_eq!(new.len(), 2, "{new:?}");
        assert!(new[0].starts_with("fhc: t.conf: Linux 6.18: line 1: SYNPROXY's ACK"));
        assert!(new[1].contains("line 2: warning: "));
        assert!(kernel_lines(&compiled, "6.1.0-28-amd64").is_empty());
    }

    #[test]
    fn a_setting_refused_at_boot_is_retried_until_it_takes() {
        let (mut sys, clock) = fake(5);
        let n = write_with_retry(&mut sys, &clock, "loose", "0", Duration::from_secs(60)).unwrap();
        assert_eq!(n, 6);
        assert_eq!(sys.values["loose"], "0");
        assert_eq!(clock.elapsed.get(), Duration::from_secs(5));
    }

    #[test]
    fn the_retry_gives_up_at_its_deadline() {
        let (mut sys, clock) = fake(1000);
        let e =
            write_with_retry(&mut sys, &clock, "loose", "0", Duration::from_secs(3)).unwrap_err();
        assert!(e.contains("gave up after 4 attempts"), "{e}");
        assert_eq!(clock.elapsed.get(), Duration::from_secs(3));
        // Without a retry, one attempt.
        let (mut sys, clock) = fake(1000);
        let e = write_with_retry(&mut sys, &clock, "loose", "0", Duration::ZERO).unwrap_err();
        assert!(!e.contains("attempts"), "{e}");
        assert_eq!(sys.writes, 1);
    }

    #[test]
    fn a_failing_setting_puts_back_the_ones_written_before() {
        let (mut sys, clock) = fake(1000);
        let e = write_settings(
            &mut sys,
            &clock,
            &[("a", "1"), ("loose", "0")],
            Duration::ZERO,
        )
        .unwrap_err();
        assert!(e.contains("busy"), "{e}");
        assert_eq!(sys.values["a"], "0", "a was put back");
    }

    #[test]
    fn unchanged_settings_are_not_written_and_changes_are_reported() {
        let (mut sys, clock) = fake(0);
        let changed = write_settings(
            &mut sys,
            &clock,
            &[("a", "0"), ("loose", "0")],
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(
            changed,
            vec![Previous {
                key: "loose".into(),
                value: Some("1".into())
            }]
        );
        assert_eq!(sys.writes, 1);
        assert!(restore_settings(&mut sys, &changed).is_empty());
        assert_eq!(sys.values["loose"], "1");
    }
}
