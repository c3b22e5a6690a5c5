//! `textDocument/hover`: what the word under the cursor means.
//!
//! - a service: its protocol and ports (`https: tcp/443 ...`), or the file's own definition;
//! - a command keyword or a rule parameter: its one-line meaning from `keywords.rs`;
//! - a variable: its value where it is used (the last assignment before it);
//! - an action name: its definition;
//! - any statement (a synproxy line in particular): the nftables rules it compiles to. The whole
//!   document is compiled once per version and rules are mapped back through their origins (a
//!   rule the optimizer merged shows under every statement it serves); when the file does not
//!   compile, the hover says why. The nft text comes from `fhc_lang::nft::text`. The defaults
//!   and services files (firehol-defaults.conf, FIREHOL_SERVICES_DIR) are not read here yet.

use crate::cursor;
use crate::names::{self, Sym};
use crate::state::Doc;
use fhc_lang::Span;
use fhc_lang::model::expand::Env;
use fhc_lang::model::services;
use fhc_lang::nft::json::Rule;
use fhc_lang::nft::text;
use fhc_lang::syntax::ast::{Command, CommandKind, Stmt, StmtKind};
use fhc_lang::syntax::keywords::{self, ACTIONS, COMMANDS};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

/// At most this many rules are listed in a hover.
const MAX_RULES: usize = 40;

pub fn hover(doc: &Doc, pos: Position) -> Option<Hover> {
    let offset = doc.offset(pos);
    let (md, span) = contents(doc, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: Some(doc.range(span)),
    })
}

/// The markdown of the hover and the span it is about.
pub fn contents(doc: &Doc, offset: usize) -> Option<(String, Span)> {
    let a = doc.analysis();
    let parse = &a.parse;
    let (_, stmt) = cursor::stmt_at(parse, offset)?;
    let word = cursor::word_at(parse, offset);

    // Names the file defines (variables, actions, user services).
    let occs = names::index(&doc.text, parse);
    if let Some(o) = names::at(&occs, offset) {
        let md = match &o.sym {
            Sym::Variable(n) => Some(variable(doc, &occs, n, o.span)),
            Sym::Action(n) => Some(action(doc, &occs, n)),
            Sym::Service(n) => Some(user_service(doc, n)),
            Sym::Section(_) => None,
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
                for (name, span) in names::service_names(&doc.text, list) {
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

fn line_text(doc: &Doc, span: Span) -> String {
    let stmt = doc
        .analysis()
        .parse
        .file
        .stmts
        .iter()
        .find(|s| s.span.start <= span.start && span.end <= s.span.end);
    match stmt {
        Some(s) => cursor::stmt_title(&doc.text, s, 120),
        None => doc.text.get(span.range()).unwrap_or("").to_string(),
    }
}

fn variable(doc: &Doc, occs: &[names::Occurrence], name: &str, at: Span) -> String {
    let sym = Sym::Variable(name.to_string());
    let defs: Vec<_> = names::of(occs, &sym).filter(|o| o.def).collect();
    // The assignment in force: the last one before the use (or the definition itself).
    let def = defs
        .iter()
        .rev()
        .find(|d| d.span.start <= at.start)
        .or(defs.first());
    match def {
        Some(d) => {
            let value = assignment_value(doc, d.span).unwrap_or_default();
            let line = doc.index.line_of(d.span.start) + 1;
            let mut md = format!("**${name}** (variable) = `{value}`\n\nset at line {line}");
            if defs.len() > 1 {
                md.push_str(&format!(" ({} assignments in the file)", defs.len()));
            }
            md
        }
        None => match Env::new().value(name) {
            Some(v) => format!("**${name}** (FireHOL predefined) = `{v}`"),
            None => format!("**${name}** (variable) is never set: it expands to nothing"),
        },
    }
}

/// The value written after `NAME=` (quotes removed when it is a plain literal).
fn assignment_value(doc: &Doc, name_span: Span) -> Option<String> {
    for s in &doc.analysis().parse.file.stmts {
        if let StmtKind::Assignment(list) = &s.kind {
            for a in list {
                if a.name_span == name_span {
                    let v = a.value.as_ref()?;
                    return Some(match v.literal() {
                        Some(l) => l.to_string(),
                        None => doc.text.get(v.span.range()).unwrap_or("").to_string(),
                    });
                }
            }
        }
    }
    None
}

fn action(doc: &Doc, occs: &[names::Occurrence], name: &str) -> String {
    let sym = Sym::Action(name.to_string());
    let def = names::of(occs, &sym).find(|o| o.def);
    match def {
        Some(d) => format!(
            "**{name}** (action), defined at line {}:\n```firehol\n{}\n```",
            doc.index.line_of(d.span.start) + 1,
            line_text(doc, d.span)
        ),
        None => format!("**{name}** (action) is not defined in this file"),
    }
}

fn user_service(doc: &Doc, name: &str) -> String {
    let mut md = format!("**{name}** (service defined in this file)");
    for side in ["server", "client"] {
        let var = format!("{side}_{name}_ports");
        let def = doc
            .analysis()
            .parse
            .file
            .stmts
            .iter()
            .find_map(|s| match &s.kind {
                StmtKind::Assignment(list) => list.iter().find(|a| a.name == var),
                _ => None,
            });
        if let Some(a) = def {
            let v = assignment_value(doc, a.name_span).unwrap_or_default();
            md.push_str(&format!(
                "\n\n`{var}` = `{v}` (line {})",
                doc.index.line_of(a.name_span.start) + 1
            ));
        }
    }
    if let Some(b) = services::describe(name) {
        md.push_str(&format!("\n\noverrides the built-in: {b}"));
    }
    md
}

/// The nftables rules compiled from a statement, as a markdown block.
pub fn rules_of(doc: &Doc, stmt: &Stmt) -> String {
    let rules = match doc.compiled() {
        Ok(r) => r,
        Err(why) => return format!("nftables: not compiled ({why})"),
    };
    let line = doc.index.line_of(stmt.span.start) + 1;
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

/// The one-line meaning of a parameter keyword (for completion too).
pub fn param_meaning(word: &str) -> Option<&'static str> {
    keywords::param(word).map(|(k, ..)| k.meaning())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str, needle: &str, delta: usize) -> String {
        let doc = Doc::test(text);
        let at = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + delta;
        contents(&doc, at).map(|(m, _)| m).unwrap_or_default()
    }

    const CONF: &str = "LAN=\"10.0.0.0/8\"\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=\"default\"\naction MYDROP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 443 accept\ninterface eth0 lan src \"$LAN\"\n    server https accept\n    server myapp MYDROP\n";

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
        let doc = Doc::test("# comment\n\nversion 6\n");
        assert!(contents(&doc, 3).is_none());
        assert!(contents(&doc, 10).is_none());
    }
}
