use super::*;

/// Completion at the `|` marker.
fn labels(text_with_cursor: &str) -> Vec<String> {
    let at = text_with_cursor.find('|').unwrap();
    let text = text_with_cursor.replacen('|', "", 1);
    let doc = File::alone(&text);
    complete(&doc, at)
        .items
        .into_iter()
        .map(|i| i.label)
        .collect()
}

fn has(v: &[String], x: &str) -> bool {
    v.iter().any(|l| l == x)
}

#[test]
fn the_file_s_functions_are_commands() {
    let got = labels("publish() { version 6; }\n|\n");
    assert!(has(&got, "publish"), "{got:?}");
}

#[test]
fn commands_depend_on_the_position() {
    let top = labels("version 6\n|\ninterface eth0 lan\n");
    assert!(
        has(&top, "synproxy") && has(&top, "interface") && !has(&top, "server"),
        "{top:?}"
    );
    let inside = labels("interface eth0 lan\n    se|\n");
    assert!(
        has(&inside, "server") && has(&inside, "client") && !has(&inside, "synproxy"),
        "{inside:?}"
    );
    assert!(!has(&inside, "route"));
    let router = labels("router r\n    |\n");
    assert!(has(&router, "route"));
}

#[test]
fn services_then_actions_then_parameters() {
    let svc = labels(
        "server_myapp_ports=tcp/1\nclient_myapp_ports=default\ninterface eth0 lan\n    server |\n",
    );
    assert!(has(&svc, "https") && has(&svc, "myapp"), "{svc:?}");
    let svc = labels("interface eth0 lan\n    server \"ssh ht|\n");
    assert!(has(&svc, "https"), "{svc:?}");
    let act = labels("action MYDROP chain drop\ninterface eth0 lan\n    server ssh |\n");
    assert!(has(&act, "accept") && has(&act, "MYDROP"), "{act:?}");
    let par = labels("interface eth0 lan\n    server ssh accept |\n");
    assert!(
        has(&par, "src") && has(&par, "inface") && !has(&par, "accept"),
        "{par:?}"
    );
}

#[test]
fn parameter_values_come_from_the_file() {
    let v = labels("interface eth1 lan\ninterface eth0 wan\n    server ssh accept inface |\n");
    assert!(has(&v, "eth1") && has(&v, "eth0"), "{v:?}");
    let v = labels("interface eth0 lan\n    server ssh accept proto |\n");
    assert!(has(&v, "tcp"), "{v:?}");
}

#[test]
fn synproxy_types_and_actions() {
    let t = labels("synproxy |\n");
    assert!(has(&t, "input") && has(&t, "forward"), "{t:?}");
    let a =
        labels("action TRAP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 |\n");
    assert!(
        has(&a, "accept") && has(&a, "dnat to") && has(&a, "src"),
        "{a:?}"
    );
    let n = labels(
        "action TRAP chain drop\nipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 action |\n",
    );
    assert_eq!(n, vec!["TRAP"]);
}

#[test]
fn variables_after_dollar() {
    let v =
        labels("LAN=10.0.0.0/8\ninterface eth0 lan src \"$WAN\"\n    server ssh accept src $|\n");
    assert!(has(&v, "$LAN") && has(&v, "$WAN"), "{v:?}");
    // The edit replaces the typed `$`.
    let text = "LAN=1\nversion $";
    let c = complete(&File::alone(text), text.len());
    assert_eq!(c.replace, Span::new(text.len() - 1, text.len()));
    assert_eq!(c.items[0].label, "$LAN");
}

#[test]
fn never_panics_anywhere() {
    let text = "a=\"\u{1F600}\nipv4 synproxy in \\\n  dst \u{e9} action\ninterface \"x\ngroup with | end\n";
    let doc = File::alone(text);
    for at in 0..=text.len() {
        if text.is_char_boundary(at) {
            let _ = complete(&doc, at);
        }
    }
}

#[test]
fn prelude_services_and_variables_are_offered() {
    let mut p = crate::Prelude::none();
    p.add_defaults(
        "/ws/firehol-defaults.conf",
        "LAN=10.0.0.0/8\nserver_myapp_ports=tcp/8080\nclient_myapp_ports=default\n",
    );
    let doc = File::new(
        "interface eth0 lan\n    server \n".to_string(),
        std::sync::Arc::new(p.clone()),
    );
    let c = complete(&doc, doc.text().len() - 1);
    let myapp = c.items.iter().find(|i| i.label == "myapp").expect("myapp");
    assert_eq!(myapp.detail, "service defined in /ws/firehol-defaults.conf");
    let text = "version $";
    let doc = File::new(text.to_string(), std::sync::Arc::new(p));
    let c = complete(&doc, text.len());
    assert!(c.items.iter().any(|i| i.label == "$LAN"), "{:?}", c.items);
}

#[test]
fn synproxy_actions_are_the_parser_s_verbs() {
    let firsts: Vec<&str> = SYNPROXY_ACTIONS
        .iter()
        .map(|(n, _)| n.split(' ').next().unwrap())
        .collect();
    assert_eq!(firsts, keywords::SYNPROXY_VERBS);
}
