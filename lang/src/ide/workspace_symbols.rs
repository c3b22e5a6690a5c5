//! Workspace symbols: the names a file defines (actions, services, variables, sections, shell
//! functions), found by a query typed in the editor's symbol search. The LSP layer asks every
//! open file and merges the answers.

use super::File;
use super::names::Sym;
use crate::Span;

/// One definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub sym: Sym,
    /// The name as written (for a service, the `X` of `server_X_ports`).
    pub span: Span,
    /// The statement it is in, when the name alone says little (the assignment's line).
    pub line: usize,
}

/// Whether `name` matches what the user typed: the query's characters in order, ignoring case
/// (`ht` finds `http_alt`, `wl` finds `wan2lan`). An empty query matches everything.
pub fn matches(name: &str, query: &str) -> bool {
    let mut chars = name.chars().map(|c| c.to_ascii_lowercase());
    query
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .all(|q| chars.any(|c| c == q))
}

/// The file's definitions whose name matches `query`, in source order, each once.
pub fn workspace_symbols(file: &File, query: &str) -> Vec<Definition> {
    let mut out: Vec<Definition> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for o in file.names().all().iter().filter(|o| o.def) {
        if !matches(o.sym.name(), query) || !seen.insert(o.span) {
            continue;
        }
        out.push(Definition {
            sym: o.sym.clone(),
            span: o.span,
            line: file.line(o.span.start),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_by_query() {
        let text = "LAN=10.0.0.0/8\nserver_app_ports=tcp/8080\nclient_app_ports=default\naction BLOCK chain drop\nlog_it() { :; }\ninterface eth0 lan src \"$LAN\"\n    server app BLOCK\nrouter wan2lan\n";
        let f = File::alone(text);
        let all: Vec<(String, &str)> = workspace_symbols(&f, "")
            .into_iter()
            .map(|d| (d.sym.name().to_string(), d.sym.kind()))
            .collect();
        for want in [
            ("LAN", "variable"),
            ("app", "service"),
            ("BLOCK", "action"),
            ("log_it", "function"),
            ("lan", "section"),
            ("wan2lan", "section"),
        ] {
            assert!(
                all.contains(&(want.0.to_string(), want.1)),
                "{want:?} missing from {all:?}"
            );
        }
        let uses = all.iter().filter(|(n, _)| n == "BLOCK").count();
        assert_eq!(uses, 1, "a use is no definition");
        let found: Vec<String> = workspace_symbols(&f, "wl")
            .into_iter()
            .map(|d| d.sym.name().to_string())
            .collect();
        assert_eq!(found, ["wan2lan"]);
        assert!(matches("server_ssh_ports", "SSP"));
        assert!(!matches("lan", "lanx"));
    }
}
