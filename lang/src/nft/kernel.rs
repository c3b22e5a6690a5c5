//! What the running kernel changes about a compiled ruleset. The compiler never looks at the
//! machine it runs on; it records, per statement, which kernels a fact applies to, and `fhc
//! apply`/`fhc try` print the ones that apply to the kernel they load the ruleset into.

use std::fmt;

/// A Linux version, as `/proc/sys/kernel/osrelease` starts (`6.18.44-foo` is 6.18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KernelVersion {
    pub major: u32,
    pub minor: u32,
}

impl KernelVersion {
    pub fn parse(release: &str) -> Option<KernelVersion> {
        let mut parts = release.trim().split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(KernelVersion { major, minor })
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Linux 6.15 (commit 3ba075278c11): a server in SYN_RECV rejects an ACK whose timestamp echo is
/// not one of its own, which SYNPROXY's tracked ACK is not (tests/e2e/NOTES.md 3.7).
pub const TSECR_CHECK: KernelVersion = KernelVersion {
    major: 6,
    minor: 15,
};

/// A fact about one statement that holds from kernel `since` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelNote {
    /// 1-based line of the statement.
    pub line: u32,
    pub since: KernelVersion,
    /// True when it costs the user something on such a kernel (a warning), false when the
    /// ruleset already avoids it (information).
    pub harms: bool,
    pub message: String,
}

impl KernelNote {
    pub fn applies_to(&self, kernel: KernelVersion) -> bool {
        kernel >= self.since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_osrelease() {
        assert_eq!(
            KernelVersion::parse("6.18.44-fc-v1272\n"),
            Some(KernelVersion {
                major: 6,
                minor: 18
            })
        );
        assert_eq!(
            KernelVersion::parse("6.1.0-28-amd64"),
            Some(KernelVersion { major: 6, minor: 1 })
        );
        assert!(KernelVersion::parse("6.1.0").unwrap() < TSECR_CHECK);
        assert!(KernelVersion::parse("6.15").unwrap() >= TSECR_CHECK);
        assert_eq!(KernelVersion::parse("garbage"), None);
    }
}
