//! What the server reads of the machine it runs on, for completion: the network interfaces
//! (`/sys/class/net`), offered after `interface`, `inface` and `outface`. The editor usually runs
//! on the firewall it edits (or a copy of it); lang never reads the host itself.

use std::path::Path;

/// The interface names in `dir` (a `/sys/class/net`), sorted; none when it cannot be read.
pub fn interfaces_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && n != "bonding_masters")
        .collect();
    names.sort();
    names
}

/// This machine's network interfaces.
pub fn interfaces() -> Vec<String> {
    interfaces_in(Path::new("/sys/class/net"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sorted_without_the_bonding_file() {
        let dir = std::env::temp_dir().join(format!("fhc-lsp-net-{}", std::process::id()));
        for n in ["eth1", "eth0", "bonding_masters", "lo"] {
            std::fs::create_dir_all(dir.join(n)).unwrap();
        }
        assert_eq!(interfaces_in(&dir), ["eth0", "eth1", "lo"]);
        assert!(interfaces_in(&dir.join("missing")).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
