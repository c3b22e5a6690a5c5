//! What FireHOL reads before the configuration: `firehol-defaults.conf` (settings) and the
//! services directory (`FIREHOL_SERVICES_DIR/*.conf`, `server_X_ports`/`client_X_ports`).
//!
//! Pure: the caller reads the files and hands their texts in, in FireHOL's order (the defaults
//! file, then the services files sorted by name). Each file goes through the same front end as a
//! configuration; only variable assignments and `markdef` have a meaning there (bash beyond the
//! static subset, or another FireHOL command, is an error reported in that file, under its name).
//! The variables they set are in force from the first line of the configuration, as in FireHOL.
//!
//! FireHOL's own firehol-defaults.conf writes `NAME="${NAME-default}"` so that the environment
//! can override a setting. fhc does not read the environment (the same files always compile to
//! the same ruleset), so there `${NAME-default}` and `${NAME:-default}` take the value set by an
//! earlier prelude file, else the default.

mod inputs;
mod locate;

pub use inputs::{Host, Hosts, Inputs};
pub use locate::{DEFAULTS_FILE, ETC_DIR, Files, LoadError, SERVICES_DIR, Search, decode, load};

use crate::codes::Code;
use crate::diag::{self, Diagnostic};
use crate::eval::{Defines, EventKind};
use crate::model::expand::Env;
use crate::model::ir::{self, MarkDef};
use crate::span::Span;
use crate::syntax::keywords::Cmd;
use crate::syntax::{self, ast::StmtKind};

/// The host of the editor: nothing is read.
static NOTHING_READ: Inputs = Inputs {
    files: std::collections::BTreeMap::new(),
    hosts: Hosts::Deferred,
};

/// The services API version FireHOL 3.1.7 loads (`#FHVER: 1:<minor>`).
pub const SERVICES_API: u32 = 1;

/// The problems of one prelude file, with what is needed to render them.
#[derive(Clone, Debug)]
pub struct FileDiagnostics {
    pub name: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// One file read (its name as the caller gave it, and its text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A variable the prelude set: its value and where (the last assignment wins).
#[derive(Clone, Debug)]
struct Var {
    name: String,
    value: String,
    /// Index into [`Prelude::sources`].
    file: usize,
    /// The name's span in that file.
    span: Span,
}

/// The defaults and services files, read.
#[derive(Clone, Debug, Default)]
pub struct Prelude {
    /// Variables in assignment order (later ones win).
    vars: Vec<Var>,
    /// Every file read, in FireHOL's order (ignored services files are not).
    sources: Vec<Source>,
    /// Files with diagnostics (files without any are not listed).
    pub files: Vec<FileDiagnostics>,
    /// Files ignored as FireHOL ignores them (a services file without a valid header), with why.
    pub ignored: Vec<(String, String)>,
    /// Mark groups after the defaults file's `markdef`s (`None`: FireHOL's defaults).
    marks: Option<Vec<MarkDef>>,
    /// `--define NAME=VALUE`: in force before the prelude files and the configuration.
    defines: Defines,
    /// Where the ipset files and host addresses come from (`None`: nothing is read).
    host: Option<std::sync::Arc<dyn Host>>,
    /// How far the shell's evaluation may run before it stops a runaway.
    limits: crate::eval::Limits,
}

impl Prelude {
    /// Nothing read: the configuration alone, as `fhc --no-defaults` and the LSP see it.
    pub fn none() -> Prelude {
        Prelude::default()
    }

    /// Reads `firehol-defaults.conf` (or any file of settings).
    pub fn add_defaults(&mut self, name: &str, text: &str) {
        self.read(name, text);
    }

    /// Reads one services file. Without a `#FHVER: 1:<n>` first line it is ignored (FireHOL
    /// warns and skips it); the reason is kept in [`Prelude::ignored`].
    pub fn add_services(&mut self, name: &str, text: &str) {
        match services_header(text) {
            Ok(()) => self.read(name, text),
            Err(why) => self.ignored.push((name.to_string(), why)),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.diagnostics.iter().any(Diagnostic::is_error))
    }

    /// FireHOL's predefined variables plus everything the prelude set.
    /// Sets the defines (`--define NAME=VALUE`); call before adding files, which see them.
    pub fn set_defines(&mut self, defines: Defines) {
        self.defines = defines;
    }

    pub fn defines(&self) -> &Defines {
        &self.defines
    }

    /// Sets the evaluation's runaway limits (the defaults suit every real configuration); call
    /// before adding files, which run with them.
    pub fn set_limits(&mut self, limits: crate::eval::Limits) {
        self.limits = limits;
    }

    pub fn limits(&self) -> &crate::eval::Limits {
        &self.limits
    }

    /// Sets where the configuration's ipset files and host names are read (see [`Host`]).
    pub fn set_host(&mut self, host: std::sync::Arc<dyn Host>) {
        self.host = Some(host);
    }

    /// [`Prelude::set_host`] with data.
    pub fn set_inputs(&mut self, inputs: Inputs) {
        self.set_host(std::sync::Arc::new(inputs));
    }

    pub fn host(&self) -> &dyn Host {
        match &self.host {
            Some(h) => h.as_ref(),
            None => &NOTHING_READ,
        }
    }

    /// The variables in force when the configuration starts: FireHOL's predefined ones, the
    /// defines, then what the prelude files set (which may keep a define: `${NAME-default}`).
    pub fn env(&self) -> Env {
        let mut env = Env::new();
        for (name, value) in &self.defines.0 {
            env.preset(name, value.clone());
        }
        for v in &self.vars {
            env.preset(&v.name, v.value.clone());
        }
        env
    }

    /// The files read, in order: when this is empty, the configuration is alone.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Where the prelude last set `name` (an index into [`Prelude::sources`] and the span of
    /// the name in that file), when the value is still in force (not unset later).
    pub fn origin(&self, name: &str) -> Option<(usize, Span)> {
        let v = self.vars.iter().rev().find(|v| v.name == name)?;
        Some((v.file, v.span))
    }

    /// The names the prelude sets, each once, in the order they were first set.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for v in &self.vars {
            if !out.contains(&v.name.as_str()) {
                out.push(&v.name);
            }
        }
        out
    }

    /// The mark groups in force at the configuration's first line.
    pub fn marks(&self) -> Vec<MarkDef> {
        self.marks.clone().unwrap_or_else(ir::default_marks)
    }

    fn read(&mut self, name: &str, text: &str) {
        let file = self.sources.len();
        self.sources.push(Source {
            name: name.to_string(),
            text: text.to_string(),
        });
        let parse = syntax::parse(text);
        let mut diags = parse.errors.clone();
        diags.extend(syntax::validate::validate(text, &parse));
        // Values may refer to variables set earlier (here or in a previous prelude file).
        let env = self.env();
        let evaluation = crate::eval::evaluate(text, &parse, &env, &self.defines, &self.limits);
        // These files read unset variables on purpose (`X="${X}"`: the environment may set it).
        diags.extend(
            evaluation
                .diagnostics
                .iter()
                .filter(|d| d.code != Code::UnsetVariable)
                .cloned(),
        );
        let mut markdefs = false;
        for ev in &evaluation.events {
            match &ev.kind {
                EventKind::Assign {
                    name: var, value, span, ..
                } => {
                    self.vars.retain(|v| &v.name != var);
                    self.vars.push(Var {
                        name: var.clone(),
                        value: value.clone(),
                        file,
                        span: *span,
                    });
                }
                EventKind::Unset { name: var, .. } => self.vars.retain(|v| &v.name != var),
                EventKind::Command { stmt, .. } => match stmt.command() {
                    Some(c) if c.cmd == Cmd::Markdef => markdefs = true,
                    _ => diags.push(
                        Diagnostic::new(Code::SyntaxError, stmt.span, format!(
                            "{name} is read for its variables and `markdef`s only; this statement has no effect there"
                        ))
                        .with_label("not a variable assignment")
                        .with_help("move FireHOL commands into the configuration file"),
                    ),
                },
            }
        }
        for stmt in &parse.file.stmts {
            if let StmtKind::Unknown(_) = stmt.kind {
                diags.push(
                    Diagnostic::new(Code::SyntaxError, stmt.span, format!(
                        "{name} is read for its variables and `markdef`s only; this statement has no effect there"
                    ))
                    .with_label("not a variable assignment")
                    .with_help("move FireHOL commands into the configuration file"),
                );
            }
        }
        if markdefs {
            let (marks, errors) =
                crate::model::prelude_marks(text, &parse, &evaluation, self.env(), self.marks());
            self.marks = Some(marks);
            diags.extend(errors);
        }
        if !diags.is_empty() {
            diag::sort(&mut diags);
            diags.dedup();
            self.files.push(FileDiagnostics {
                name: name.to_string(),
                text: text.to_string(),
                diagnostics: diags,
            });
        }
    }
}

/// FireHOL's check of a services file's first line: `#FHVER: <major>:<minor>`, both numbers,
/// major equal to [`SERVICES_API`].
pub fn services_header(text: &str) -> Result<(), String> {
    let first = text.lines().next().unwrap_or("");
    let mut fields = first.split(':');
    let _ = fields.next();
    let number = |f: Option<&str>| f.and_then(|s| s.trim().parse::<u64>().ok());
    match number(fields.next()) {
        None => Err(format!(
            "malformed header (the first line must be `#FHVER: {SERVICES_API}:<n>`)"
        )),
        Some(major) if major != u64::from(SERVICES_API) => Err(format!(
            "incompatible API version {major} (fhc, like FireHOL 3.1.7, reads version {SERVICES_API})"
        )),
        Some(_) if number(fields.next()).is_none() => Err(format!(
            "malformed API minor number (the first line must be `#FHVER: {SERVICES_API}:<n>`)"
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_check_follows_firehol() {
        assert!(services_header("#FHVER: 1:213\nserver_x_ports=tcp/1\n").is_ok());
        assert!(services_header("#FHVER: 1:0").is_ok());
        assert!(
            services_header("server_x_ports=tcp/1\n")
                .unwrap_err()
                .contains("malformed header")
        );
        assert!(
            services_header("#FHVER: 2:1\n")
                .unwrap_err()
                .contains("incompatible")
        );
        assert!(
            services_header("#FHVER: 1\n")
                .unwrap_err()
                .contains("minor")
        );
        assert!(services_header("").is_err());
    }

    #[test]
    fn assignments_are_read_in_order_and_commands_are_errors() {
        let mut p = Prelude::none();
        p.add_defaults("d.conf", "A=1\nB=\"$A 2\"\n");
        p.add_services("s.conf", "#FHVER: 1:1\nserver_x_ports=\"tcp/$A\"\n");
        let env = p.env();
        assert_eq!(env.value("B"), Some("1 2"));
        assert_eq!(env.value("server_x_ports"), Some("tcp/1"));
        assert!(!p.has_errors());

        p.add_defaults("bad.conf", "interface eth0 lan\nX=$(hostname)\n");
        assert!(p.has_errors());
        let f = &p.files[0];
        assert_eq!(f.name, "bad.conf");
        assert!(f.diagnostics.iter().any(|d| d.code == Code::SyntaxError));
        assert!(
            f.diagnostics
                .iter()
                .any(|d| d.code == Code::CommandSubstitution)
        );
    }

    #[test]
    fn firehol_s_own_defaults_file_reads() {
        let mut p = Prelude::none();
        p.add_defaults(
            "firehol-defaults.conf",
            "ENABLE_IPV4=\"${ENABLE_IPV4-1}\"\nSPIN=${SPIN:-0}\nFIREHOL_TCP_SYN_COOKIES=\n\
             markdef clear\nmarkdef connmark 64\nmarkdef usermark 128\nmarkdef extra 4\n",
        );
        assert!(p.files.is_empty(), "{:#?}", p.files);
        let env = p.env();
        assert_eq!(env.value("ENABLE_IPV4"), Some("1"));
        assert_eq!(env.value("SPIN"), Some("0"));
        let marks = p.marks();
        assert_eq!(
            marks.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
            ["connmark", "usermark", "extra"]
        );
        // A value set by an earlier file wins over the default; bash's other forms work too.
        p.add_defaults(
            "more.conf",
            "X=${ENABLE_IPV4-7}\nY=${ENABLE_IPV4//1/2}\nZ=$(ip r)\n",
        );
        assert_eq!(p.env().value("X"), Some("1"));
        assert_eq!(p.env().value("Y"), Some("2"));
        assert!(
            p.files[0]
                .diagnostics
                .iter()
                .any(|d| d.code == Code::CommandSubstitution)
        );
    }

    #[test]
    fn a_service_of_a_services_file_compiles() {
        let mut p = Prelude::none();
        p.add_services(
            "/etc/firehol/services/torrent.conf",
            "#FHVER: 1:213\nserver_torrent_ports=\"tcp/6881\"\nclient_torrent_ports=\"default\"\n",
        );
        let conf = "interface eth0 lan\n    server torrent accept\n";
        assert!(crate::check(conf).has_errors(), "unknown without the file");
        let (out, _) = crate::compile_with(conf, &p, &crate::nft::Options::default()).unwrap();
        let rules: Vec<String> = out
            .ruleset
            .rules
            .iter()
            .map(crate::nft::text::rule)
            .collect();
        assert!(
            rules.iter().any(|r| r.contains("tcp dport 6881")),
            "{rules:#?}"
        );
    }

    #[test]
    fn variables_remember_the_file_and_line_that_set_them() {
        let mut p = Prelude::none();
        p.add_defaults("d.conf", "A=1\nB=2\n");
        p.add_services("s.conf", "#FHVER: 1:1\nA=3\nunset B\n");
        let (i, span) = p.origin("A").unwrap();
        let file = &p.sources()[i];
        assert_eq!(file.name, "s.conf");
        assert_eq!(&file.text[span.range()], "A");
        assert_eq!(span.start, "#FHVER: 1:1\n".len());
        assert!(p.origin("B").is_none(), "unset");
        assert_eq!(p.names(), ["A"]);
        assert_eq!(p.sources().len(), 2);
    }

    #[test]
    fn services_without_header_are_ignored() {
        let mut p = Prelude::none();
        p.add_services("x.conf", "server_x_ports=tcp/1\n");
        assert_eq!(p.ignored.len(), 1);
        assert!(p.env().value("server_x_ports").is_none());
    }
}
