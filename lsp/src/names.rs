//! The names a configuration defines and uses: actions, user services, variables and sections.
//! One index of occurrences serves go to definition, find references and rename.

use fhc_lang::Span;
use fhc_lang::model::services;
use fhc_lang::syntax::Parse;
use fhc_lang::syntax::ast::{
    CommandKind, ParamKind, RuleAction, ShellStmt, Stmt, StmtKind, SynproxyVerb,
};
use fhc_lang::syntax::keywords::is_builtin_action;
use fhc_lang::syntax::words::{Piece, Word};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sym {
    /// `action NAME ...` and its uses as a verdict.
    Action(String),
    /// `server_NAME_ports=` / `client_NAME_ports=` and the uses of NAME in server/client/route.
    Service(String),
    /// `NAME=` and `$NAME` / `${NAME}`.
    Variable(String),
    /// The NAME of `interface IFACE NAME` / `router NAME`.
    Section(String),
}

impl Sym {
    pub fn name(&self) -> &str {
        match self {
            Sym::Action(n) | Sym::Service(n) | Sym::Variable(n) | Sym::Section(n) => n,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Sym::Action(_) => "action",
            Sym::Service(_) => "service",
            Sym::Variable(_) => "variable",
            Sym::Section(_) => "section",
        }
    }

    /// Whether `new` is a valid name for this kind of symbol.
    pub fn valid_name(&self, new: &str) -> bool {
        let ident = |s: &str, extra: &str| {
            let mut c = s.chars();
            c.next()
                .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c))
        };
        match self {
            Sym::Variable(_) => ident(new, ""),
            Sym::Service(_) => ident(new, ""),
            Sym::Action(_) => ident(new, "-") && !is_builtin_action(new),
            Sym::Section(_) => ident(new, "-."),
        }
    }
}

/// One place a name is written. `span` covers the name only (`NAME` of `${NAME}`, `X` of
/// `server_X_ports`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub sym: Sym,
    pub span: Span,
    pub def: bool,
}

/// Every occurrence of a user-defined name in the file, in source order.
pub fn index(text: &str, parse: &Parse) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for s in &parse.file.stmts {
        stmt(text, s, &mut out);
    }
    for p in &parse.pieces {
        if let Piece::Word(w) = p {
            for (name, span) in w.vars() {
                let raw = text.get(span.range()).unwrap_or("");
                let span = if raw.starts_with("${") {
                    Span::new(span.start + 2, span.end.saturating_sub(1))
                } else {
                    Span::new(span.start + 1, span.end)
                };
                out.push(Occurrence {
                    sym: Sym::Variable(name.to_string()),
                    span,
                    def: false,
                });
            }
        }
    }
    // A built-in service name is only a symbol where the file (re)defines it.
    let defined: Vec<String> = out
        .iter()
        .filter(|o| o.def)
        .filter_map(|o| match &o.sym {
            Sym::Service(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    out.retain(|o| match &o.sym {
        Sym::Service(n) => o.def || defined.contains(n) || services::lookup(n).is_none(),
        _ => true,
    });
    out.sort_by_key(|o| (o.span.start, o.span.end));
    out.dedup();
    out
}

/// The occurrence under the cursor.
/// The innermost one wins (the `X` of `server_X_ports` is the service, the rest the variable);
/// between a name ending at the cursor and one starting there, the latter.
pub fn at(occs: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    occs.iter()
        .filter(|o| o.span.start <= offset && offset <= o.span.end)
        .min_by_key(|o| (o.span.end == offset && o.span.start < offset, o.span.len()))
}

/// Every occurrence of `sym`.
pub fn of<'a>(occs: &'a [Occurrence], sym: &'a Sym) -> impl Iterator<Item = &'a Occurrence> + 'a {
    occs.iter().filter(move |o| &o.sym == sym)
}

/// `server_X_ports` / `client_X_ports` -> the span of X.
pub fn service_def_name(name: &str, name_span: Span) -> Option<(&str, Span)> {
    let rest = name
        .strip_prefix("server_")
        .or_else(|| name.strip_prefix("client_"))?;
    let svc = rest.strip_suffix("_ports")?;
    if svc.is_empty() {
        return None;
    }
    let start = name_span.start + "server_".len();
    Some((svc, Span::new(start, start + svc.len())))
}

/// The service names of a server/client/route list word, with their spans (`"http https"`,
/// `http,https`). Names containing expansions are skipped.
pub fn service_names(text: &str, w: &Word) -> Vec<(String, Span)> {
    let raw = text.get(w.span.range()).unwrap_or("");
    let mut out = Vec::new();
    let mut start = None;
    let push = |s: usize, e: usize, out: &mut Vec<(String, Span)>| {
        let name = &raw[s..e];
        if !name.contains('$') {
            out.push((
                name.to_string(),
                Span::new(w.span.start + s, w.span.start + e),
            ));
        }
    };
    for (i, c) in raw.char_indices() {
        let sep = c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '\\');
        match (sep, start) {
            (true, Some(s)) => {
                push(s, i, &mut out);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, raw.len(), &mut out);
    }
    out
}

fn action_use(w: &Word, out: &mut Vec<Occurrence>) {
    if let Some(name) = w.bare()
        && !is_builtin_action(name)
    {
        out.push(Occurrence {
            sym: Sym::Action(name.to_string()),
            span: w.span,
            def: false,
        });
    }
}

fn rule_action(a: &Option<RuleAction>, out: &mut Vec<Occurrence>) {
    if let Some(a) = a {
        action_use(&a.verb, out);
    }
}

fn stmt(text: &str, s: &Stmt, out: &mut Vec<Occurrence>) {
    match &s.kind {
        StmtKind::Assignment(list) => {
            for a in list {
                out.push(Occurrence {
                    sym: Sym::Variable(a.name.clone()),
                    span: a.name_span,
                    def: true,
                });
                if let Some((svc, span)) = service_def_name(&a.name, a.name_span) {
                    out.push(Occurrence {
                        sym: Sym::Service(svc.to_string()),
                        span,
                        def: true,
                    });
                }
            }
        }
        StmtKind::Shell(ShellStmt::List { items, .. }) => {
            for i in items {
                stmt(text, i, out);
            }
        }
        StmtKind::Command(c) => {
            for p in c.params() {
                if p.kind == Some(ParamKind::Action)
                    && let Some(v) = p.value()
                {
                    action_use(v, out);
                }
            }
            match &c.kind {
                CommandKind::Interface { name: Some(n), .. }
                | CommandKind::Router { name: Some(n), .. } => {
                    if let Some(l) = n.bare() {
                        out.push(Occurrence {
                            sym: Sym::Section(l.to_string()),
                            span: n.span,
                            def: true,
                        });
                    }
                }
                CommandKind::Action(def) => {
                    if let Some(n) = &def.name
                        && let Some(l) = n.bare()
                    {
                        out.push(Occurrence {
                            sym: Sym::Action(l.to_string()),
                            span: n.span,
                            def: true,
                        });
                    }
                    for step in &def.steps {
                        if (step.kind.is("chain") || step.kind.is("action"))
                            && let Some(a) = step.args.first()
                        {
                            action_use(a, out);
                        }
                    }
                }
                CommandKind::Service(svc) => {
                    if let Some(w) = &svc.services
                        && svc.custom.is_none()
                    {
                        for (name, span) in service_names(text, w) {
                            out.push(Occurrence {
                                sym: Sym::Service(name),
                                span,
                                def: false,
                            });
                        }
                    }
                    rule_action(&svc.action, out);
                }
                CommandKind::Policy { action } => rule_action(action, out),
                CommandKind::Synproxy(sp) => {
                    if let Some(a) = &sp.action
                        && a.verb == SynproxyVerb::Action
                        && let Some(t) = &a.target
                    {
                        action_use(t, out);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "LAN=\"10.0.0.0/8\"\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=default\naction MYDROP chain drop\ninterface eth0 lan src \"$LAN\" dst ${LAN}\n    policy MYDROP\n    server \"ssh myapp\" MYDROP\n    server myapp,http accept\n";

    fn idx() -> Vec<Occurrence> {
        index(TEXT, &fhc_lang::syntax::parse(TEXT))
    }

    fn texts(sym: Sym) -> Vec<(&'static str, bool)> {
        let occs = idx();
        of(&occs, &sym)
            .map(|o| (&TEXT[o.span.range()], o.def))
            .collect()
    }

    #[test]
    fn variables_defined_and_used_inside_quotes() {
        assert_eq!(
            texts(Sym::Variable("LAN".into())),
            vec![("LAN", true), ("LAN", false), ("LAN", false)]
        );
    }

    #[test]
    fn user_services_from_definitions_and_lists() {
        let v = texts(Sym::Service("myapp".into()));
        assert_eq!(
            v,
            vec![
                ("myapp", true),
                ("myapp", true),
                ("myapp", false),
                ("myapp", false)
            ]
        );
        // Built-in services the file does not define are not symbols.
        assert_eq!(texts(Sym::Service("ssh".into())), vec![]);
    }

    #[test]
    fn actions_and_sections() {
        assert_eq!(
            texts(Sym::Action("MYDROP".into())),
            vec![("MYDROP", true), ("MYDROP", false), ("MYDROP", false)]
        );
        assert_eq!(texts(Sym::Section("lan".into())), vec![("lan", true)]);
        let occs = idx();
        let at_use = TEXT.rfind("MYDROP").unwrap() + 2;
        assert_eq!(
            at(&occs, at_use).map(|o| o.sym.clone()),
            Some(Sym::Action("MYDROP".into()))
        );
    }

    #[test]
    fn rename_validation() {
        assert!(Sym::Variable("A".into()).valid_name("B_2"));
        assert!(!Sym::Variable("A".into()).valid_name("2B"));
        assert!(!Sym::Action("A".into()).valid_name("accept"));
        assert!(!Sym::Service("a".into()).valid_name("a b"));
    }
}
