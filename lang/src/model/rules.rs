//! `server`/`client`/`route` statements: the verdict, the services (built in, `server_X_ports`
//! definitions, `server custom`) and the rule in its section.

use super::build::*;
use super::ir::{Families, Rule, SectionKind, Service, ServiceDef};
use super::values::split_list;
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::ast::*;

impl Builder<'_> {
    pub(super) fn service(&mut self, c: &Command, s: &ServiceCmd, fams: Families) {
        let Some(i) = self.section else { return };
        if s.role == Role::Route {
            self.check_route_in_router(c, i);
        }
        let Some(svc_word) = &s.services else { return };
        let Some(action) = &s.action else { return };
        let action = self.action(action);
        let services = self.rule_services(s, svc_word);
        let params: Vec<&Param> = s.params.iter().collect();
        self.check_service_overrides(&params, &services, svc_word);
        let matches = self.build_match(&params, fams);
        let groups: Vec<_> = self.groups.iter().map(|g| g.0.clone()).collect();
        // `src "ipset:a ipset:b"`: one rule per set (see `Match::alternatives`).
        for matches in matches.alternatives() {
            self.model.sections[i].rules.push(Rule {
                span: c.span,
                role: s.role,
                services: services.clone(),
                action: action.clone(),
                matches,
                groups: groups.clone(),
                families: fams,
            });
        }
    }

    /// `route` in section `i`: only a router has it.
    fn check_route_in_router(&mut self, c: &Command, i: usize) {
        if self.model.sections[i].kind == SectionKind::Router {
            return;
        }
        self.diags.push(
            Diagnostic::new(
                Code::RouteOutsideRouter,
                c.name.span,
                "`route` is only valid in a router section",
            )
            .with_label(format!(
                "inside interface `{}`",
                self.model.sections[i].name
            ))
            .with_secondary(self.model.sections[i].span, "the section starts here")
            .with_help("use `server` or `client` here, or move the statement into a router")
            .with_fix(
                "use `server`",
                vec![TextEdit {
                    span: c.name.span,
                    new_text: "server".into(),
                }],
            ),
        );
    }

    /// The services of a statement: its `server custom` definition, or each name of its list
    /// that resolves.
    fn rule_services(&mut self, s: &ServiceCmd, svc_word: &Word) -> Vec<Service> {
        let mut services = Vec::new();
        if let Some(custom) = &s.custom {
            let mut text =
                |w: &Option<Word>| w.as_ref().and_then(|w| self.expand(w)).unwrap_or_default();
            let (name, sp, cp) = (
                text(&custom.name),
                text(&custom.server_ports),
                text(&custom.client_ports),
            );
            let span = custom
                .server_ports
                .as_ref()
                .map(|w| w.span)
                .unwrap_or(svc_word.span);
            if let Some(def) = self.simple_def(&sp, &cp, span) {
                services.push(Service {
                    name,
                    span: svc_word.span,
                    def,
                });
            }
        } else if let Some(names) = self.expand(svc_word) {
            for name in split_list(&names) {
                if let Some(def) = self.resolve_service(name, svc_word.span) {
                    services.push(Service {
                        name: name.to_string(),
                        span: svc_word.span,
                        def,
                    });
                }
            }
        }
        services
    }

    /// `proto`/`sport`/`dport` on a simple service: the service's own protocol and ports win.
    fn check_service_overrides(
        &mut self,
        params: &[&Param],
        services: &[Service],
        svc_word: &Word,
    ) {
        let has_port_params = params.iter().any(|p| {
            matches!(
                p.kind,
                Some(ParamKind::Proto | ParamKind::Sport | ParamKind::Dport)
            )
        });
        if !has_port_params
            || !services
                .iter()
                .any(|s| matches!(s.def, ServiceDef::Simple { .. }))
        {
            return;
        }
        let p = params
            .iter()
            .find(|p| {
                matches!(
                    p.kind,
                    Some(ParamKind::Proto | ParamKind::Sport | ParamKind::Dport)
                )
            })
            .unwrap();
        let mut d = Diagnostic::new(
            Code::ServiceOverrides,
            p.keyword.span,
            format!(
                "the service's own protocol and ports replace `{}`",
                p.kind.map(|k| k.name()).unwrap_or("?")
            ),
        )
        .with_label("ignored by FireHOL")
        .with_secondary(svc_word.span, "this service defines its protocol and ports");
        if services.iter().any(|s| s.name == "any" || s.name == "all") {
            d = d
                .with_note("FireHOL 3.1.7 ignores this and accepts every protocol; fhc allows only the protocol given")
                .with_help("for a configuration both tools read the same way: server custom myproto \"47/any\" any accept");
        } else {
            d = d.with_help(
                "use `server custom NAME PROTO/PORTS CLIENT_PORTS ACTION` for other ports",
            );
        }
        self.diags.push(d);
    }

    /// The parsed port list, or `None` after reporting why it is invalid.
    pub(super) fn ports_or_report<T>(
        &mut self,
        parsed: Result<T, super::services::PortError>,
        span: Span,
        what: &str,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(Code::InvalidValue, span, e.to_string()).with_label(what),
                );
                None
            }
        }
    }

    /// A service from `server_X_ports`-style text (user definitions and `server custom`).
    pub(super) fn simple_def(
        &mut self,
        server: &str,
        client: &str,
        span: Span,
    ) -> Option<ServiceDef> {
        use super::services::{parse_client_ports, parse_server_ports};
        let server =
            self.ports_or_report(parse_server_ports(server), span, "service server ports")?;
        let client =
            self.ports_or_report(parse_client_ports(client), span, "service client ports")?;
        Some(ServiceDef::Simple {
            server,
            client,
            helpers: vec![],
        })
    }

    pub(super) fn resolve_service(&mut self, name: &str, span: Span) -> Option<ServiceDef> {
        self.used_services.entry(name.to_string()).or_insert(span);
        // User definitions (server_X_ports) win over the built-in table, as in FireHOL.
        let user_server = self
            .env
            .get(&format!("server_{name}_ports"))
            .filter(|v| v.user)
            .map(|v| v.value.clone());
        if let Some(sp) = user_server {
            let cp = self
                .env
                .value(&format!("client_{name}_ports"))
                .unwrap_or("default")
                .to_string();
            return self.simple_def(&sp, &cp, span);
        }
        match super::services::lookup(name) {
            Some(found) => {
                let def = match found {
                    super::services::Service::Simple(x) => ServiceDef::Simple {
                        server: x.server.to_vec(),
                        client: x.client.to_vec(),
                        helpers: x.helpers.iter().map(|h| h.to_string()).collect(),
                    },
                    super::services::Service::Complex(c) => ServiceDef::Complex(c),
                };
                if found.is_dynamic() {
                    self.diags.push(
                        Diagnostic::new(Code::DynamicService, span, format!("`{name}` ports are discovered with rpcinfo when FireHOL runs"))
                            .with_label("cannot be resolved statically")
                            .with_help(format!("pin the ports: define the service in the file (server_{name}_ports=\"tcp/2049 udp/2049 ...\") or give them with --define server_{name}_ports=...")),
                    );
                }
                Some(def)
            }
            None => {
                let mut d = Diagnostic::new(Code::UnknownService, span, format!("there is no service `{name}`"))
                    .with_label("unknown service")
                    .with_help(format!(
                        "define it first: server_{name}_ports=\"tcp/PORT\" and client_{name}_ports=\"default\", or use `server custom`"
                    ));
                if let Some(best) = crate::suggest::suggest(name, super::services::all_names()) {
                    d = d.with_help(format!("did you mean `{best}`?"));
                    // Only a single-word service list can be fixed by replacing the word.
                    if self.text.get(span.range()).is_some_and(|t| t == name) {
                        d = d.with_fix(
                            format!("replace with `{best}`"),
                            vec![TextEdit {
                                span,
                                new_text: best.to_string(),
                            }],
                        );
                    }
                }
                self.diags.push(d);
                None
            }
        }
    }
}
