//! Where the defaults file and the services directory are, and reading them in FireHOL's order:
//! the one lookup `fhc check`/`compile`/... and `fhc lsp` share, so the editor and the command
//! line see the same files.
//!
//! Pure: the caller hands in a [`Files`] (the disk, or a map in tests) and the environment's
//! `FIREHOL_SERVICES_DIR`. The lookup, for a configuration in directory DIR:
//!
//! - the defaults file: `--defaults FILE`, else `DIR/firehol-defaults.conf`, else
//!   `/etc/firehol/firehol-defaults.conf` (the first that exists; none is fine);
//! - the services directory: `--services-dir DIR`, else `FIREHOL_SERVICES_DIR` (set by the
//!   defaults file, else the environment), else `DIR/services`, else `/etc/firehol/services`.
//!
//! For FireHOL's own `/etc/firehol/firehol.conf` both steps land where FireHOL looks; a
//! configuration kept elsewhere (a checkout, an editor workspace) is read with the files kept
//! beside it. Without a directory (standard input) only `/etc/firehol` is searched.

use super::Prelude;
use std::io;
use std::path::{Path, PathBuf};

/// FireHOL's configuration directory.
pub const ETC_DIR: &str = "/etc/firehol";
/// The defaults file's name, in a configuration directory.
pub const DEFAULTS_FILE: &str = "firehol-defaults.conf";
/// The services directory's name, in a configuration directory.
pub const SERVICES_DIR: &str = "services";

/// What the caller was told about the files (the CLI's `--defaults`, `--services-dir` and
/// `--no-defaults`, the same options of `fhc lsp`) and the environment's setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    /// A defaults file to read instead of looking for one (an error when unreadable).
    pub defaults: Option<PathBuf>,
    /// A services directory to read instead of looking for one (an error when unreadable).
    pub services_dir: Option<PathBuf>,
    /// Read neither.
    pub disabled: bool,
    /// `FIREHOL_SERVICES_DIR` from the environment (the caller reads it).
    pub env_services_dir: Option<PathBuf>,
    /// `--define NAME=VALUE` (in force even with `disabled`).
    pub defines: crate::eval::Defines,
}

/// The file system, as far as the lookup needs it.
pub trait Files {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The regular files of a directory, in any order.
    fn files(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// Whether the file belongs to the user running fhc: FireHOL ignores services files of
    /// other users (someone else could inject rules through them).
    fn owned_by_me(&self, path: &Path) -> io::Result<bool>;
}

/// A file or directory that exists (or was named explicitly) and cannot be read.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub directory: bool,
    pub error: io::Error,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.directory {
            "the services directory "
        } else {
            ""
        };
        write!(
            f,
            "cannot read {what}{}: {}",
            self.path.display(),
            self.error
        )
    }
}

impl std::error::Error for LoadError {}

/// Invalid UTF-8 is replaced rather than refused: a file with a Latin-1 comment must still be
/// read.
pub fn decode(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Reads the defaults file and the services directory for a configuration in `config_dir`
/// (`None`: standard input). Problems inside the files are in [`Prelude::files`] and
/// [`Prelude::ignored`]; only a file that cannot be read is an error.
pub fn load(
    search: &Search,
    config_dir: Option<&Path>,
    fs: &dyn Files,
) -> Result<Prelude, LoadError> {
    let mut prelude = Prelude::none();
    prelude.set_defines(search.defines.clone());
    if search.disabled {
        return Ok(prelude);
    }
    read_defaults(search, config_dir, fs, &mut prelude)?;
    let from_defaults = prelude
        .env()
        .value("FIREHOL_SERVICES_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let (dirs, explicit) = match (&search.services_dir, from_defaults) {
        (Some(dir), _) => (vec![dir.clone()], true),
        (None, Some(dir)) => (vec![dir], false),
        (None, None) => match &search.env_services_dir {
            Some(dir) => (vec![dir.clone()], false),
            None => (candidates(config_dir, SERVICES_DIR), false),
        },
    };
    for dir in dirs {
        if read_services(&dir, explicit, fs, &mut prelude)? {
            break;
        }
    }
    Ok(prelude)
}

/// `DIR/name` then `/etc/firehol/name` (once when DIR is /etc/firehol).
fn candidates(config_dir: Option<&Path>, name: &str) -> Vec<PathBuf> {
    let etc = Path::new(ETC_DIR).join(name);
    let mut out: Vec<PathBuf> = config_dir.map(|d| d.join(name)).into_iter().collect();
    if !out.contains(&etc) {
        out.push(etc);
    }
    out
}

fn read_defaults(
    search: &Search,
    config_dir: Option<&Path>,
    fs: &dyn Files,
    prelude: &mut Prelude,
) -> Result<(), LoadError> {
    let (paths, explicit) = match &search.defaults {
        Some(p) => (vec![p.clone()], true),
        None => (candidates(config_dir, DEFAULTS_FILE), false),
    };
    for path in paths {
        match fs.read(&path) {
            Ok(bytes) => {
                prelude.add_defaults(&path.display().to_string(), &decode(bytes));
                return Ok(());
            }
            Err(e) if !explicit && e.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(LoadError {
                    path,
                    directory: false,
                    error,
                });
            }
        }
    }
    Ok(())
}

/// `DIR/*.conf` in name order, as FireHOL's `ls *.conf`. False when the directory does not
/// exist (and was not named explicitly).
fn read_services(
    dir: &Path,
    explicit: bool,
    fs: &dyn Files,
    prelude: &mut Prelude,
) -> Result<bool, LoadError> {
    let files = match fs.files(dir) {
        Ok(f) => f,
        Err(e) if !explicit && e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => {
            return Err(LoadError {
                path: dir.to_path_buf(),
                directory: true,
                error,
            });
        }
    };
    let mut files: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    files.sort();
    for path in files {
        let fail = |error| LoadError {
            path: path.clone(),
            directory: false,
            error,
        };
        let name = path.display().to_string();
        if !fs.owned_by_me(&path).map_err(fail)? {
            prelude
                .ignored
                .push((name, "it is not owned by the user running fhc".into()));
            continue;
        }
        let bytes = fs.read(&path).map_err(fail)?;
        prelude.add_services(&name, &decode(bytes));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Files in memory: path -> (text, owned by me). A directory exists when a file is in it.
    #[derive(Default)]
    struct Mem(BTreeMap<PathBuf, (String, bool)>);

    impl Mem {
        fn with(mut self, path: &str, text: &str) -> Mem {
            self.0.insert(path.into(), (text.into(), true));
            self
        }
        fn foreign(mut self, path: &str, text: &str) -> Mem {
            self.0.insert(path.into(), (text.into(), false));
            self
        }
        fn get(&self, path: &Path) -> io::Result<&(String, bool)> {
            self.0.get(path).ok_or(io::ErrorKind::NotFound.into())
        }
    }

    impl Files for Mem {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            Ok(self.get(path)?.0.clone().into_bytes())
        }
        fn files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
            let v: Vec<PathBuf> = self
                .0
                .keys()
                .filter(|p| p.parent() == Some(dir))
                .rev()
                .cloned()
                .collect();
            if v.is_empty() {
                Err(io::ErrorKind::NotFound.into())
            } else {
                Ok(v)
            }
        }
        fn owned_by_me(&self, path: &Path) -> io::Result<bool> {
            Ok(self.get(path)?.1)
        }
    }

    fn names(p: &Prelude) -> Vec<&str> {
        p.sources().iter().map(|s| s.name.as_str()).collect()
    }

    const SVC: &str = "#FHVER: 1:213\nserver_x_ports=tcp/1\nclient_x_ports=default\n";

    #[test]
    fn files_beside_the_configuration_come_first() {
        let fs = Mem::default()
            .with("/ws/firehol-defaults.conf", "A=1\n")
            .with("/ws/services/b.conf", SVC)
            .with("/ws/services/a.conf", SVC)
            .with("/etc/firehol/firehol-defaults.conf", "A=2\n")
            .with("/etc/firehol/services/c.conf", SVC);
        let p = load(&Search::default(), Some(Path::new("/ws")), &fs).unwrap();
        assert_eq!(
            names(&p),
            [
                "/ws/firehol-defaults.conf",
                "/ws/services/a.conf",
                "/ws/services/b.conf"
            ]
        );
        assert_eq!(p.env().value("A"), Some("1"));
        // Elsewhere (or from standard input): /etc/firehol.
        for dir in [Some(Path::new("/other")), None] {
            let p = load(&Search::default(), dir, &fs).unwrap();
            assert_eq!(
                names(&p),
                [
                    "/etc/firehol/firehol-defaults.conf",
                    "/etc/firehol/services/c.conf"
                ]
            );
        }
    }

    #[test]
    fn explicit_files_the_defaults_setting_and_the_environment() {
        let fs = Mem::default()
            .with("/ws/firehol-defaults.conf", "FIREHOL_SERVICES_DIR=/svc\n")
            .with("/svc/s.conf", SVC)
            .with("/env/e.conf", SVC)
            .with("/mine.conf", "B=1\n");
        let ws = Some(Path::new("/ws"));
        let p = load(&Search::default(), ws, &fs).unwrap();
        assert_eq!(names(&p), ["/ws/firehol-defaults.conf", "/svc/s.conf"]);
        let search = Search {
            defaults: Some("/mine.conf".into()),
            env_services_dir: Some("/env".into()),
            ..Search::default()
        };
        let p = load(&search, ws, &fs).unwrap();
        assert_eq!(names(&p), ["/mine.conf", "/env/e.conf"]);
        let off = Search {
            disabled: true,
            ..Search::default()
        };
        assert!(load(&off, ws, &fs).unwrap().sources().is_empty());
    }

    #[test]
    fn missing_explicit_files_are_errors_missing_implicit_ones_are_not() {
        let fs = Mem::default();
        assert!(load(&Search::default(), Some(Path::new("/ws")), &fs).is_ok());
        let e = load(
            &Search {
                defaults: Some("/nope.conf".into()),
                ..Search::default()
            },
            None,
            &fs,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot read /nope.conf: {}", e.error)
        );
        let e = load(
            &Search {
                services_dir: Some("/nodir".into()),
                ..Search::default()
            },
            None,
            &fs,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read the services directory /nodir")
        );
    }

    #[test]
    fn foreign_and_headerless_services_files_are_ignored() {
        let fs = Mem::default()
            .foreign("/ws/services/a.conf", SVC)
            .with("/ws/services/b.conf", "server_y_ports=tcp/2\n")
            .with("/ws/services/notes.txt", "not read");
        let p = load(&Search::default(), Some(Path::new("/ws")), &fs).unwrap();
        assert!(p.sources().is_empty());
        let why: Vec<&str> = p.ignored.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(why.len(), 2);
        assert!(why[0].contains("not owned"), "{why:?}");
        assert!(why[1].contains("header"), "{why:?}");
    }
}
