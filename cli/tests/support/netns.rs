//! A named network namespace for the tests that operate a firewall (`fhc apply`, `try`, `set`):
//! its own fhc state directory, commands run inside it, removed on drop.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// A named network namespace with its own fhc state directory, removed on drop.
pub struct Ns {
    pub name: String,
    pub dir: PathBuf,
}

impl Ns {
    pub fn new(test: &str) -> Ns {
        let name = format!("fhc-{}-{test}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let o = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .expect("ip runs");
        assert!(
            o.status.success(),
            "ip netns add: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("operate-{test}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ns = Ns { name, dir };
        // Conntrack settings exist once the module is in use in the namespace.
        ns.nft(&["add", "table", "inet", "warmup"]);
        ns.nft(&["add", "chain", "inet", "warmup", "c"]);
        ns.nft(&[
            "add",
            "rule",
            "inet",
            "warmup",
            "c",
            "ct",
            "state",
            "established",
            "accept",
        ]);
        ns.nft(&["delete", "table", "inet", "warmup"]);
        ns
    }

    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    pub fn cmd(&self, program: &str, args: &[&str]) -> Command {
        // By its path: a test may give fhc a PATH without `ip`.
        let mut c = Command::new(which("ip"));
        c.args(["netns", "exec", &self.name, program])
            .args(args)
            .env("FHC_RUN_DIR", self.dir.join("run"))
            .env("NO_COLOR", "1");
        c
    }

    /// `fhc ARGS` in the namespace, standard input closed.
    pub fn fhc(&self, args: &[&str]) -> Output {
        self.cmd(env!("CARGO_BIN_EXE_fhc"), args)
            .stdin(Stdio::null())
            .output()
            .expect("fhc runs")
    }

    pub fn spawn_fhc(&self, args: &[&str]) -> Child {
        self.cmd(env!("CARGO_BIN_EXE_fhc"), args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fhc runs")
    }

    pub fn nft(&self, args: &[&str]) -> String {
        let o = self.cmd("nft", args).output().expect("nft runs");
        assert!(
            o.status.success(),
            "nft {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// The fhc table as nft lists it, or `None` when there is none.
    pub fn table(&self) -> Option<String> {
        let o = self
            .cmd("nft", &["list", "table", "inet", "firehol"])
            .output()
            .unwrap();
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    pub fn sysctl(&self, key: &str) -> String {
        let o = self
            .cmd("cat", &[&format!("/proc/sys/{key}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    pub fn apply(&self, conf: &str) {
        let o = self.fhc(&["apply", "--no-defaults", conf]);
        assert!(o.status.success(), "apply: {}", err(&o));
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A program's path, looked up in PATH.
pub fn which(program: &str) -> String {
    let o = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Closes a child's standard input and collects its output.
pub fn finish(child: &mut Child) -> Output {
    drop(child.stdin.take());
    let (mut out, mut errs) = (Vec::new(), Vec::new());
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_end(&mut errs).unwrap();
    Output {
        status: child.wait().unwrap(),
        stdout: out,
        stderr: errs,
    }
}
