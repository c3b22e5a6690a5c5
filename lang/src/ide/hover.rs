//! Hover: what the word under the cursor means, as markdown.
//!
//! - a service: its protocol and ports (`https: tcp/443 ...`), or the definition in force (in
//!   this file or a prelude file);
//! - a command keyword or a rule parameter: its one-line meaning from `keywords.rs`;
//! - a variable: the value the model expands there (the assignment in force, itself expanded:
//!   `Y="$X c"` after `X="a b"` is `a b c`), and where it was set: a line of this file, a
//!   prelude file (firehol-defaults.conf, a services file), or FireHOL's predefined variables;
//! - an action name: its definition;
//! - any statement (a synproxy line in particular): the nftables rules it compiles to. The whole
//!   file is compiled once per version ([`File::compiled`], with the prelude in force) and rules
//!   are mapped back through their origins (a rule the optimizer merged shows under every
//!   statement it serves); when the file does not compile, the hover says why. The nft text
//!   comes from `nft::text`.

use super::names::{Names, Occurrence, Sym};
use super::{File, Origin, Place, cursor};
use crate::Span;
use crate::model::services;
use crate::nft::json::Rule;
use crate::nft::text;
use crate::syntax::ast::{Command, CommandKind, Stmt, StmtKind};
use crate::syntax::keywords::{ACTIONS, COMMANDS};

/// What a hover shows: markdown, about a span of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub markdown: String,
    pub span: Span,
}

/// At most this many rules are listed in a hover.
const MAX_RULES: usize = 40;

/// The hover at `offset`, if there is something to say.
pub fn hover(file: &File, offset: usize) -> Option<Hover> {
    let (markdown, span) = contents(file, offset)?;
    Some(Hover { markdown, span })
}

fn contents(doc: &File, offset: usize) -> Option<(String, Span)> {
    let a = doc.analysis();
    let parse = &a.parse;
    let (_, stmt) = cursor::stmt_at(parse, offset)?;
    let word = cursor::word_at(parse, offset);

    // Names the file defines (variables, actions, user services).
    let names = doc.names();
    if let Some(o) = names.at(offset) {
        let md = match &o.sym {
            Sym::Variable(_) => Some(variable(doc, names, o)),
            Sym::Action(n) => Some(action(doc, names, n)),
            Sym::Service(n) => Some(user_service(doc, names, n, o)),
            Sym::Section(_) => None,
            Sym::Function(n) => Some(function(doc, n, o)),
        };
        if let Some(md) = md {
            return Some((md, o.span));
        }
    }

    let cmd = match &stmt.kind {
        StmtKind::Command(c) => Some(c),
        _ => None,
    };
    if let (Some(c), Some(w)) = (cmd, word) {
        // The command keyword (or its ipv4/ipv6 prefix): meaning and compiled rules.
        let on_prefix = c
            .family
            .is_some_and(|f| f.prefix && cursor::touches(f.span, offset));
        if w.span == c.name.span || on_prefix {
            let mut md = command_meaning(c);
            md.push_str("\n\n");
            md.push_str(&rules_of(doc, stmt));
            return Some((md, w.span));
        }
        // A rule parameter keyword.
        for p in c.params() {
            if p.keyword.span == w.span
                && let Some(k) = p.kind
            {
                return Some((
                    format!("**{}** (parameter): {}", k.name(), k.meaning()),
                    w.span,
                ));
            }
        }
        // A built-in service in a server/client/route list.
        if let CommandKind::Service(svc) = &c.kind {
            if let Some(list) = &svc.services
                && cursor::touches(list.span, offset)
            {
                for (name, span) in super::names::service_names(doc.text(), list) {
                    if cursor::touches(span, offset)
                        && let Some(desc) = services::describe(&name)
                    {
                        return Some((
                            format!("**{name}** (service): {}", desc_tail(&name, &desc)),
                            span,
                        ));
                    }
                }
            }
            if let Some(act) = &svc.action
                && act.verb.span == w.span
                && let Some(md) = builtin_action(w.literal().unwrap_or(""))
            {
                return Some((md, w.span));
            }
        }
        if let CommandKind::Policy { action: Some(act) } = &c.kind
            && act.verb.span == w.span
            && let Some(md) = builtin_action(w.literal().unwrap_or(""))
        {
            return Some((md, w.span));
        }
        if let CommandKind::Synproxy(sp) = &c.kind
            && let Some(t) = &sp.types
            && t.span == w.span
        {
            let md = "**synproxy type**: `input`/`in` protects a server on this host; `forward`/`pass` protects a \
                      server routed through this host (comma lists such as `in,pass` take both)";
            return Some((format!("{md}\n\n{}", rules_of(doc, stmt)), w.span));
        }
    }
    // Anywhere else in a command: the statement's rules.
    if cmd.is_some() {
        return Some((rules_of(doc, stmt), stmt.span));
    }
    None
}

fn desc_tail(name: &str, desc: &str) -> String {
    desc.strip_prefix(name)
        .and_then(|d| d.strip_prefix(": "))
        .unwrap_or(desc)
        .to_string()
}

fn command_meaning(c: &Command) -> String {
    let name = COMMANDS.iter().find(|(_, cmd, ..)| *cmd == c.cmd);
    match name {
        Some((n, _, _, meaning)) => format!("**{n}** (command): {meaning}"),
        None => format!("**{}**", c.name.literal().unwrap_or("?")),
    }
}

fn builtin_action(verb: &str) -> Option<String> {
    let (n, m) = ACTIONS.iter().find(|(a, _)| a.eq_ignore_ascii_case(verb))?;
    Some(format!("**{n}** (action): {m}"))
}

fn line_text(doc: &File, span: Span) -> String {
    let stmt = doc
        .analysis()
        .parse
        .file
        .stmts
        .iter()
        .find(|s| s.span.start <= span.start && span.end <= s.span.end);
    match stmt {
        Some(s) => cursor::stmt_title(doc.text(), s, 120),
        None => doc.text().get(span.range()).unwrap_or("").to_string(),
    }
}

/// Where a place is, for people: `line 3` or `` `/etc/firehol/firehol-defaults.conf`, line 3``.
fn where_is(doc: &File, place: Place) -> String {
    match place {
        Place::Here(span) => format!("line {}", doc.line(span.start)),
        Place::Prelude(file, span) => {
            let line = doc.prelude().sources().get(file).map_or(0, |s| {
                s.text[..span.start.min(s.text.len())].matches('\n').count() + 1
            });
            format!("`{}`, line {line}", doc.source_name(file))
        }
    }
}

fn variable(doc: &File, names: &Names, o: &Occurrence) -> String {
    let name = o.sym.name();
    let b = names.binding(o).expect("a variable");
    let here = names.of(&o.sym).filter(|d| d.def).count();
    let assignments = if here > 1 {
        format!(" ({here} assignments in the file)")
    } else {
        String::new()
    };
    let value = |raw_at: Option<Span>| match (&b.value, raw_at) {
        (Some(v), _) => format!("`{v}`"),
        (None, Some(at)) => format!(
            "`{}` (not evaluated: fhc reads the static subset of bash)",
            assignment_value(doc, at).unwrap_or_default()
        ),
        (None, None) => "``".to_string(),
    };
    match b.origin {
        Origin::Here(at) => format!(
            "**${name}** (variable) = {}\n\nset at {}{assignments}",
            value(Some(at)),
            where_is(doc, Place::Here(at))
        ),
        Origin::Prelude(file, at) => format!(
            "**${name}** (variable) = {}\n\nset in {}{assignments}",
            value(None),
            where_is(doc, Place::Prelude(file, at))
        ),
        Origin::Predefined => format!("**${name}** (FireHOL predefined) = {}", value(None)),
        Origin::Unset => match names.of(&o.sym).find(|d| d.def) {
            Some(first) => format!(
                "**${name}** (variable) is not set here: it expands to nothing (first set at line {})",
                doc.line(first.span.start)
            ),
            None => format!("**${name}** (variable) is never set: it expands to nothing"),
        },
    }
}

/// The value written after `NAME=` (quotes removed when it is a plain literal).
fn assignment_value(doc: &File, name_span: Span) -> Option<String> {
    for s in &doc.analysis().parse.file.stmts {
        if let StmtKind::Assignment(list) = &s.kind {
            for a in list {
                if a.name_span == name_span {
                    let v = a.value.as_ref()?;
                    return Some(match v.literal() {
                        Some(l) => l.to_string(),
                        None => doc.text().get(v.span.range()).unwrap_or("").to_string(),
                    });
                }
            }
        }
    }
    None
}

/// At most this many produced statements are listed for a call.
const MAX_CALLED: usize = 20;

/// A shell function: where it is defined and, at a call, the FireHOL statements that call
/// produced (as the evaluator expanded them); at the definition, how often it was called.
fn function(doc: &File, name: &str, o: &Occurrence) -> String {
    let eval = &doc.analysis().evaluation;
    let def = eval.functions.iter().find(|f| f.name == name);
    let mut md = match def {
        Some(f) => format!(
            "**{name}** (shell function), defined at line {}",
            doc.line(f.name_span.start)
        ),
        None => format!("**{name}** (shell function)"),
    };
    let calls: Vec<&crate::eval::Call> = eval
        .calls
        .iter()
        .filter(|c| {
            if o.def {
                def.is_some_and(|f| eval.functions.get(c.function) == Some(f))
            } else {
                c.name_span == o.span
            }
        })
        .collect();
    if o.def {
        md.push_str(&format!(
            "\n\ncalled {} time(s) when the file runs",
            calls.len()
        ));
        return md;
    }
    if calls.is_empty() {
        md.push_str("\n\nthis call does not run (or runs before the definition)");
        return md;
    }
    let mut lines: Vec<String> = Vec::new();
    for c in &calls {
        for ev in &eval.events[c.events.clone()] {
            if let crate::eval::EventKind::Command { argv, .. } = &ev.kind {
                lines.push(
                    argv.iter()
                        .map(|w| crate::eval::quote(w))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
    }
    let runs = if calls.len() > 1 {
        format!(" (over the {} times this line runs)", calls.len())
    } else {
        String::new()
    };
    md.push_str(&format!(
        "\n\nthis call runs {} FireHOL statement(s){runs}:\n```firehol\n",
        lines.len()
    ));
    for l in lines.iter().take(MAX_CALLED) {
        md.push_str(l);
        md.push('\n');
    }
    if lines.len() > MAX_CALLED {
        md.push_str(&format!("# ... and {} more\n", lines.len() - MAX_CALLED));
    }
    md.push_str("```");
    md
}

fn action(doc: &File, names: &Names, name: &str) -> String {
    let sym = Sym::Action(name.to_string());
    let def = names.of(&sym).find(|o| o.def);
    match def {
        Some(d) => format!(
            "**{name}** (action), defined at line {}:\n```firehol\n{}\n```",
            doc.line(d.span.start),
            line_text(doc, d.span)
        ),
        None => format!("**{name}** (action) is not defined in this file"),
    }
}

/// A service the file or a prelude file defines (or a name that is no service at all). At a
/// use, the definition in force there; at a definition, the file's definitions.
fn user_service(doc: &File, names: &Names, name: &str, o: &Occurrence) -> String {
    let defs = names.definitions(&o.sym);
    let mut md = match defs.first() {
        Some(Place::Here(_)) => format!("**{name}** (service defined in this file)"),
        Some(&Place::Prelude(file, _)) => {
            format!(
                "**{name}** (service defined in `{}`)",
                doc.source_name(file)
            )
        }
        None => format!(
            "**{name}** is not a service: neither built in nor defined with `server_{name}_ports`"
        ),
    };
    for side in ["server", "client"] {
        let var = format!("{side}_{name}_ports");
        let found = if o.def {
            let sym = Sym::Variable(var.clone());
            names
                .of(&sym)
                .find(|d| d.def)
                .map(|d| (names.binding(d).and_then(|b| b.value), Place::Here(d.span)))
        } else {
            let b = names.value_at(&var, o.span.start);
            match b.origin {
                Origin::Here(at) => Some((b.value, Place::Here(at))),
                Origin::Prelude(f, at) => Some((b.value, Place::Prelude(f, at))),
                Origin::Predefined | Origin::Unset => None,
            }
        };
        if let Some((value, place)) = found {
            let v = match (value, place) {
                (Some(v), _) => v,
                (None, Place::Here(at)) => assignment_value(doc, at).unwrap_or_default(),
                (None, _) => String::new(),
            };
            md.push_str(&format!("\n\n`{var}` = `{v}` ({})", where_is(doc, place)));
        }
    }
    if let Some(b) = services::describe(name) {
        md.push_str(&format!("\n\noverrides the built-in: {b}"));
    }
    md
}

/// The nftables rules compiled from a statement, as a markdown block.
fn rules_of(doc: &File, stmt: &Stmt) -> String {
    let mut md = rules_md(doc, stmt);
    let read: Vec<String> = doc
        .prelude()
        .sources()
        .iter()
        .map(|s| format!("`{}`", s.name))
        .collect();
    if !read.is_empty() {
        md.push_str(&format!("\n\nread before this file: {}", read.join(", ")));
    }
    md
}

fn rules_md(doc: &File, stmt: &Stmt) -> String {
    let rules = match doc.compiled() {
        Ok(r) => r,
        Err(why) => return format!("nftables: not compiled ({why})"),
    };
    let line = doc.line(stmt.span.start);
    let mine: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.origins.iter().any(|o| stmt.span.contains(o.start)))
        .collect();
    if mine.is_empty() {
        return format!("nftables: line {line} compiles to no rule of its own");
    }
    let mut md = format!(
        "nftables rules from line {line} ({}):\n```nft\n",
        mine.len()
    );
    for r in mine.iter().take(MAX_RULES) {
        md.push_str(&format!("{}: {}\n", r.chain, text::rule(r)));
    }
    if mine.len() > MAX_RULES {
        md.push_str(&format!("# ... {} more\n", mine.len() - MAX_RULES));
    }
    md.push_str("```");
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str, needle: &str, delta: usize) -> String {
        md_in(&File::alone(text), needle, delta)
    }

    fn md_in(doc: &File, needle: &str, delta: usize) -> String {
        let at = doc
            .text()
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}"))
            + delta;
        hover(doc, at).map(|h| h.markdown).unwrap_or_default()
    }

    const CONF: &str = "LAN=\"10.0.0.0/8\"\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=\"default\"\naction MYDROP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 443 accept\ninterface eth0 lan src \"$LAN\"\n    server https accept\n    server myapp MYDROP\n";

    #[test]
    fn a_call_shows_what_it_runs() {
        let text = "pub() {\n    dnat4 to \"$2\" inface eth0 proto tcp dport \"$1\"\n}\npub 80 10.0.0.5\nfor p in 8080 8443; do pub \"$p\" 10.0.0.6; done\ninterface eth0 lan\n";
        let m = md(text, "pub 80", 1);
        assert!(m.contains("shell function") && m.contains("line 1"), "{m}");
        assert!(
            m.contains("dnat4 to 10.0.0.5 inface eth0 proto tcp dport 80"),
            "{m}"
        );
        let m = md(text, "pub \"$p\"", 1);
        assert!(
            m.contains("dport 8080") && m.contains("dport 8443") && m.contains("2 times"),
            "{m}"
        );
        let m = md(text, "pub()", 1);
        assert!(m.contains("called 3 time(s)"), "{m}");
    }

    #[test]
    fn service_shows_ports() {
        let m = md(CONF, "https", 1);
        assert!(m.contains("tcp/443"), "{m}");
        let m = md(CONF, "myapp MYDROP", 1);
        assert!(
            m.contains("tcp/8080") && m.contains("server_myapp_ports"),
            "{m}"
        );
    }

    #[test]
    fn keywords_and_parameters_show_their_meaning() {
        let m = md(CONF, "interface", 2);
        assert!(m.contains("opens a section"), "{m}");
        let m = md(CONF, "dport", 1);
        assert!(m.contains("destination ports"), "{m}");
        let m = md(CONF, "accept\n    server myapp", 1);
        assert!(m.contains("allows the traffic"), "{m}");
    }

    #[test]
    fn synproxy_shows_its_nft_rules() {
        let m = md(CONF, "synproxy", 1);
        assert!(m.contains("protects a TCP service"), "{m}");
        assert!(m.contains("nftables rules from line 5"), "{m}");
        assert!(m.contains("synproxy mss"), "{m}");
        // Anywhere on the line.
        let m = md(CONF, "1.2.3.4", 2);
        assert!(m.contains("nftables rules from line 5"), "{m}");
    }

    #[test]
    fn broken_file_says_why_it_does_not_compile() {
        let text =
            "ipv4 synproxy input dport 80 accept\ninterface eth0 lan\n    server http accept\n";
        let m = md(text, "synproxy", 1);
        assert!(m.contains("does not compile") && m.contains("E0101"), "{m}");
    }

    #[test]
    fn variables_show_their_value() {
        let m = md(CONF, "$LAN", 2);
        assert!(m.contains("10.0.0.0/8") && m.contains("line 1"), "{m}");
        let m = md("interface eth0 lan src \"$PRIVATE_IPV4\"\n", "PRIVATE", 1);
        assert!(m.contains("predefined"), "{m}");
        let m = md("interface eth0 lan src \"$NOPE\"\n", "NOPE", 1);
        assert!(m.contains("never set"), "{m}");
    }

    #[test]
    fn actions_show_their_definition() {
        let m = md(CONF, "MYDROP\n", 1);
        assert!(
            m.contains("action MYDROP chain drop") && m.contains("line 4"),
            "{m}"
        );
    }

    #[test]
    fn nothing_on_blank_lines_or_comments() {
        let doc = File::alone("# comment\n\nversion 6\n");
        assert!(hover(&doc, 3).is_none());
        assert!(hover(&doc, 10).is_none());
    }

    #[test]
    fn variables_show_the_expansion_in_force() {
        let text = "X=\"a b\"\nY=\"$X c\"\nX=z\ninterface eth0 lan src \"$Y\" dst \"$X\"\n";
        let m = md(text, "$Y", 1);
        assert!(m.contains("= `a b c`") && m.contains("line 2"), "{m}");
        let m = md(text, "$X\"\n", 1);
        assert!(m.contains("= `z`") && m.contains("line 3"), "{m}");
        assert!(m.contains("2 assignments"), "{m}");
        // At the assignment: what it assigns.
        let m = md(text, "Y=", 0);
        assert!(m.contains("= `a b c`"), "{m}");
        // Before any assignment.
        let m = md("interface eth0 lan src \"$L\"\nL=1\n", "$L", 1);
        assert!(m.contains("not set here") && m.contains("line 2"), "{m}");
        let m = md("H=$(hostname)\n", "H", 0);
        assert!(
            m.contains("$(hostname)") && m.contains("not evaluated"),
            "{m}"
        );
    }

    #[test]
    fn prelude_files_are_named() {
        let mut p = crate::Prelude::none();
        p.add_defaults(
            "/ws/firehol-defaults.conf",
            "# site\nLAN=10.1.0.0/16\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=default\n",
        );
        let text = "interface eth0 lan src \"$LAN\"\n    server myapp accept\n";
        let doc = File::new(text.to_string(), std::sync::Arc::new(p));
        let m = md_in(&doc, "$LAN", 1);
        assert!(
            m.contains("10.1.0.0/16") && m.contains("`/ws/firehol-defaults.conf`, line 2"),
            "{m}"
        );
        let m = md_in(&doc, "myapp", 1);
        assert!(
            m.contains("service defined in `/ws/firehol-defaults.conf`")
                && m.contains("`server_myapp_ports` = `tcp/8080`"),
            "{m}"
        );
        let m = md_in(&doc, "server", 1);
        assert!(
            m.contains("tcp dport 8080")
                && m.contains("read before this file: `/ws/firehol-defaults.conf`"),
            "{m}"
        );
    }
}
