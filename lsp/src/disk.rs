//! The disk behind `fhc_lang::prelude::Files`: the only file reading the prelude lookup needs.
//! The language server and the command line both read the defaults file and the services
//! directory through it (the lookup itself is `fhc_lang::prelude::load`).

use fhc_lang::prelude::{self, Files, LoadError, Prelude, Search};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The real file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect())
    }

    fn owned_by_me(&self, path: &Path) -> io::Result<bool> {
        let meta = std::fs::metadata(path)?;
        // Without /proc there is no one to compare with: FireHOL's check cannot be made.
        Ok(std::fs::metadata("/proc/self").map_or(true, |me| me.uid() == meta.uid()))
    }
}

/// `search` with the environment's `FIREHOL_SERVICES_DIR` (unless the caller set one).
pub fn with_environment(mut search: Search) -> Search {
    if search.env_services_dir.is_none() {
        search.env_services_dir = std::env::var_os("FIREHOL_SERVICES_DIR").map(PathBuf::from);
    }
    search
}

/// The defaults and services files for a configuration at `config` (`None`: standard input),
/// read from disk.
pub fn load(search: &Search, config: Option<&Path>) -> Result<Prelude, LoadError> {
    let dir = config.map(|c| c.parent().unwrap_or(Path::new("")));
    prelude::load(search, dir, &Disk)
}
