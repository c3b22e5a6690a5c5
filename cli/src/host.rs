//! What a configuration reads from the host when it is compiled: the files of `ipset addfile`
//! and the addresses of host names in `src`/`dst` (iptables resolved them when FireHOL loaded the
//! rules; fhc resolves them when compiling). lang names what it wants
//! (`fhc_lang::host_reads`); this module reads it and hands it back as `prelude::Inputs`.

use fhc_lang::Prelude;
use fhc_lang::prelude::{Hosts, Inputs};
use std::collections::BTreeMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

/// FireHOL's configuration directory: an `addfile` path not found as written is looked up there.
const ETC_DIR: &str = "/etc/firehol";

/// `prelude` with the inputs of the configuration `text` (at `config`, `-` for standard input)
/// read from the host. Names are not resolved with `no_resolve` (each is then an error).
pub fn with_inputs(mut prelude: Prelude, text: &str, config: &str, no_resolve: bool) -> Prelude {
    let reads = fhc_lang::host_reads(text, &prelude);
    let dir = (config != "-")
        .then(|| Path::new(config).parent().map(Path::to_path_buf))
        .flatten();
    let files = reads
        .files
        .iter()
        .map(|(path, _)| (path.clone(), read_set_file(path, dir.as_deref())))
        .collect();
    let hosts = if no_resolve {
        Hosts::Refused
    } else {
        Hosts::Resolved(
            reads
                .names
                .iter()
                .map(|(name, _)| (name.clone(), resolve(name)))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    prelude.set_inputs(Inputs { files, hosts });
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

fn read_set_file(path: &str, config_dir: Option<&Path>) -> Result<String, String> {
    let Some(found) = locate(path, config_dir) else {
        return Err("no such file".into());
    };
    std::fs::read(&found)
        .map(fhc_lang::prelude::decode)
        .map_err(|e| format!("{}: {e}", found.display()))
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
