//! What a configuration reads from the host when it is compiled: the files of `ipset addfile`
//! and the addresses of host names in `src`/`dst` (iptables resolved them when FireHOL loaded the
//! rules; fhc resolves them when compiling). lang asks through `prelude::Host`; this is the
//! disk and the system resolver behind it.

use fhc_lang::Prelude;
use fhc_lang::prelude::{ETC_DIR, Host};
use std::collections::BTreeMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The machine fhc runs on, for one configuration.
#[derive(Debug)]
pub struct Machine {
    /// The configuration's directory (`None` for standard input).
    config_dir: Option<PathBuf>,
    no_resolve: bool,
    /// Each name resolved once per run: every use of it gets the same addresses.
    resolved: Mutex<BTreeMap<String, Result<Vec<IpAddr>, String>>>,
}

impl Host for Machine {
    fn read_set_file(&self, path: &str) -> Option<Result<String, String>> {
        let Some(found) = locate(path, self.config_dir.as_deref()) else {
            return Some(Err("no such file".into()));
        };
        Some(
            std::fs::read(&found)
                .map(fhc_lang::prelude::decode)
                .map_err(|e| format!("{}: {e}", found.display())),
        )
    }

    fn resolve(&self, name: &str) -> Option<Result<Vec<IpAddr>, String>> {
        let mut cache = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            cache
                .entry(name.to_string())
                .or_insert_with(|| resolve(name))
                .clone(),
        )
    }

    fn refuses_names(&self) -> bool {
        self.no_resolve
    }
}

/// `prelude` reading the host for the configuration at `config` (`-` is standard input).
pub fn with_machine(mut prelude: Prelude, config: &str, no_resolve: bool) -> Prelude {
    let config_dir = (config != "-")
        .then(|| Path::new(config).parent().map(Path::to_path_buf))
        .flatten();
    prelude.set_host(Arc::new(Machine {
        config_dir,
        no_resolve,
        resolved: Mutex::new(BTreeMap::new()),
    }));
    prelude
}

/// FireHOL's lookup: the path as written (relative to the current directory), else in the
/// configuration's directory, else in /etc/firehol.
pub fn locate(path: &str, config_dir: Option<&Path>) -> Option<PathBuf> {
    let written = PathBuf::from(path);
    let mut candidates = vec![written.clone()];
    if written.is_relative() {
        if let Some(d) = config_dir {
            candidates.push(d.join(path));
        }
        candidates.push(Path::new(ETC_DIR).join(path));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// Every address of `name`, both families, in a stable order.
pub fn resolve(name: &str) -> Result<Vec<IpAddr>, String> {
    let mut addrs: Vec<IpAddr> = (name, 0)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .map(|a| a.ip())
        .collect();
    addrs.sort();
    addrs.dedup();
    Ok(addrs)
}
