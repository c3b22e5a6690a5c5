//! fhc's state directory (`/run/fhc`, or `FHC_RUN_DIR`): the try and guard locks, commit
//! requests and answers, and the ruleset last applied (which `fhc try` may restore from).
//!
//! What is in it decides what is restored and who may commit, so nobody else may write there:
//! the path must be absolute; the directory is made (or set) mode 0700 and refused when it is a
//! symlink, belongs to another user or is writable by group or others, and so is a directory
//! above it that another user could swap (writable by others without the sticky bit, or owned
//! by someone else than root or this user); its files are mode 0600 and opened without
//! following symlinks (`O_NOFOLLOW`), so a link planted in its place is an error, never a write
//! elsewhere.

use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

/// The directory's path (not checked: see [`dir`]).
pub fn path() -> PathBuf {
    std::env::var_os("FHC_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run/fhc"))
}

/// The directory, made if missing, after checking that only this user can write it.
pub fn dir() -> Result<PathBuf, String> {
    let dir = path();
    let refuse = |why: String| {
        Err(format!(
            "{} {why}: fhc keeps its locks and the way back there, so it must be a directory only you can write (remove it, or point FHC_RUN_DIR elsewhere)",
            dir.display()
        ))
    };
    if !dir.is_absolute() {
        return refuse("is not an absolute path".into());
    }
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        for above in parent.ancestors() {
            let m = std::fs::metadata(above)
                .map_err(|e| format!("cannot read {}: {e}", above.display()))?;
            let sticky = m.mode() & 0o1000 != 0;
            if (m.uid() != 0 && m.uid() != me) || (m.mode() & 0o022 != 0 && !sticky) {
                return refuse(format!(
                    "is inside {}, which another user could change",
                    above.display()
                ));
            }
        }
    }
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
    }
    let meta = std::fs::symlink_metadata(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if meta.file_type().is_symlink() {
        return refuse("is a symbolic link".into());
    } else if !meta.is_dir() {
        return refuse("is not a directory".into());
    } else if meta.uid() != me {
        return refuse(format!("belongs to uid {}, not to uid {me}", meta.uid()));
    } else if meta.mode() & 0o022 != 0 {
        return refuse(format!(
            "is writable by other users (mode {:o})",
            meta.mode() & 0o7777
        ));
    }
    // Readable by others (made by an earlier fhc): ours, so made private.
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .map_err(|e| format!("cannot make {} private: {e}", dir.display()))?;
    }
    Ok(dir)
}

fn options(create_new: bool) -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).mode(0o600).custom_flags(libc::O_NOFOLLOW);
    if create_new {
        o.create_new(true);
    } else {
        o.create(true).truncate(true);
    }
    o
}

/// Writes `name` (replacing it; a file an earlier fhc made readable by others is made 0600).
pub fn write(name: &str, contents: &str) -> Result<(), String> {
    let p = dir()?.join(name);
    options(false)
        .open(&p)
        .and_then(|mut f| {
            f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            f.write_all(contents.as_bytes())
        })
        .map_err(|e| format!("cannot write {}: {e}", p.display()))
}

/// A lock held by this process (`flock`): the kernel releases it when the process ends, however
/// it ends, so a killed holder never leaves a stale lock behind. The file itself stays (removing
/// it would let a second process lock a name the first one just unlinked); it holds the pid of
/// the last holder, for messages.
pub struct Held(#[allow(dead_code)] std::fs::File);

/// Takes the lock `name` and writes `pid` in it; `Ok(None)` when another process holds it.
pub fn hold(name: &str, pid: u32) -> Result<Option<Held>, String> {
    let p = dir()?.join(name);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&p)
        .map_err(|e| format!("cannot open {}: {e}", p.display()))?;
    // A `holder` probe holds a shared lock for a moment: retry before calling it taken.
    let mut tries = 0;
    while !flock(&f, libc::LOCK_EX)? {
        tries += 1;
        if tries == 10 {
            return Ok(None);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| format!("cannot make {} private: {e}", p.display()))?;
    f.set_len(0)
        .and_then(|_| f.write_all(format!("{pid}\n").as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    Ok(Some(Held(f)))
}

/// The pid written in the lock `name` while another process holds it (0 if it wrote none yet).
pub fn holder(name: &str) -> Option<u32> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path().join(name))
        .ok()?;
    if flock(&f, libc::LOCK_SH).unwrap_or(true) {
        // Free (our shared lock goes with `f`).
        return None;
    }
    let mut s = String::new();
    (&f).read_to_string(&mut s).ok()?;
    Some(s.trim().parse().unwrap_or(0))
}

/// A non-blocking `flock`: whether this process got it.
fn flock(f: &std::fs::File, how: libc::c_int) -> Result<bool, String> {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid open descriptor; flock has no other preconditions.
    if unsafe { libc::flock(f.as_raw_fd(), how | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(format!("cannot lock: {e}"))
    }
}

/// The contents of `name`, when it is a readable regular file (a symlink is not read).
pub fn read(name: &str) -> Option<String> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path().join(name))
        .ok()?;
    let mut s = String::new();
    f.read_to_string(&mut s).ok()?;
    Some(s)
}

pub fn remove(name: &str) {
    let _ = std::fs::remove_file(path().join(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, as it sets FHC_RUN_DIR for this process.
    #[test]
    fn files_are_private_and_links_are_refused() {
        let base = std::env::temp_dir().join(format!("fhc-rundir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("run");
        // SAFETY: no other test of this binary reads FHC_RUN_DIR.
        unsafe { std::env::set_var("FHC_RUN_DIR", &dir) };

        write("result", "restored\n").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("result")), 0o600);
        assert_eq!(read("result").as_deref(), Some("restored\n"));
        // A lock: one holder at a time (flock is per open file, so a second open in this
        // process is refused like another process), released with its holder.
        assert_eq!(holder("try.lock"), None);
        let held = hold("try.lock", 41).unwrap().expect("free");
        assert!(hold("try.lock", 42).unwrap().is_none());
        assert_eq!(holder("try.lock"), Some(41));
        drop(held);
        assert_eq!(holder("try.lock"), None);
        assert!(hold("try.lock", 43).unwrap().is_some());
        assert_eq!(mode(&dir.join("try.lock")), 0o600);

        // A link planted in a file's place: neither followed for writing nor read.
        let target = base.join("elsewhere");
        std::fs::write(&target, "x").unwrap();
        std::os::unix::fs::symlink(&target, dir.join("commit")).unwrap();
        assert!(write("commit", "1\n").is_err());
        assert!(read("commit").is_none());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");

        // An existing directory readable by others (an earlier fhc's) is made private.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        write("result", "x\n").unwrap();
        assert_eq!(mode(&dir), 0o700);

        // A directory others can write is refused, and so is a link in its place.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        let e = dir_error();
        assert!(e.contains("writable by other users (mode 777)"), "{e}");
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let link = base.join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        // SAFETY: as above.
        unsafe { std::env::set_var("FHC_RUN_DIR", &link) };
        assert!(dir_error().contains("is a symbolic link"));
        // A relative path, and a directory inside one others can change.
        unsafe { std::env::set_var("FHC_RUN_DIR", "run") };
        assert!(dir_error().contains("is not an absolute path"));
        let open = base.join("open");
        std::fs::create_dir_all(&open).unwrap();
        std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        unsafe { std::env::set_var("FHC_RUN_DIR", open.join("run")) };
        assert!(
            dir_error().contains("which another user could change"),
            "{}",
            dir_error()
        );
        unsafe { std::env::remove_var("FHC_RUN_DIR") };
        let _ = std::fs::remove_dir_all(&base);
    }

    fn dir_error() -> String {
        dir().expect_err("refused")
    }
}
