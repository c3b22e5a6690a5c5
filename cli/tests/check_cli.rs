//! `fhc check` as a process: exit codes, stdin, JSON shape.

mod support;

fn fhc(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let out = support::run_fhc(args, stdin);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fhc-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn clean_file_exits_zero() {
    let p = temp(
        "ok.conf",
        "version 6\ninterface eth0 lan\n    server ssh accept\n",
    );
    let (code, out, err) = fhc(&["check", p.to_str().unwrap()], None);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

#[test]
fn errors_exit_one_and_render() {
    let (code, _, err) = fhc(&["check", "-"], Some("interfce eth0 lan\n"));
    assert_eq!(code, 1);
    assert!(
        err.contains("[E0007] Error: unknown command `interfce`"),
        "{err}"
    );
    assert!(err.contains("<stdin>:1:1"), "{err}");
    assert!(err.contains("did you mean `interface`?"), "{err}");
    assert!(!err.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn missing_file_and_bad_usage_exit_two() {
    assert_eq!(fhc(&["check", "/nonexistent/firehol.conf"], None).0, 2);
    assert_eq!(fhc(&["check", "--format", "yaml", "-"], Some("")).0, 2);
    assert_eq!(fhc(&["frobnicate"], None).0, 2);
}

#[test]
fn json_format() {
    let text = "# é\ninterface eth0 lan sorce 1.2.3.4\nserver ssh accept dport\n";
    let (code, out, err) = fhc(&["check", "--format", "json", "-"], Some(text));
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let all = v.as_array().unwrap();
    let arr: Vec<&serde_json::Value> = all.iter().filter(|d| d["severity"] == "error").collect();
    assert_eq!(arr.len(), 2, "{all:?}");
    let d = &arr[0];
    assert_eq!(d["file"], "<stdin>");
    assert_eq!(d["code"], "E0009");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(20))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(2), Some(25))
    );
    assert_eq!(d["help"], "did you mean `src`?");
    let fix = &d["fixes"][0];
    assert_eq!(fix["edits"][0]["new_text"], "src");
    assert_eq!(fix["edits"][0]["column"].as_u64(), Some(20));
    assert!(d["labels"].is_array());
    assert_eq!(arr[1]["code"], "E0010");
    assert_eq!(arr[1]["line"].as_u64(), Some(3));
}

#[test]
fn several_files_report_each() {
    let a = temp("a.conf", "version 6\n");
    let b = temp("b.conf", "version\n");
    let (code, out, _) = fhc(
        &[
            "check",
            "--format",
            "json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!(v[0]["file"].as_str().unwrap().ends_with("b.conf"));
}

/// `fhc check` reports what nftables lacks (a verdict) together with the bad values (a mark value
/// out of its group, an invalid address): every error of the file in one run.
#[test]
fn every_error_of_a_file_in_one_run() {
    let conf = "mark 999999 OUTPUT\ninterface eth0 lan\n    server ssh accept src 10.0.0.300\n    server http tarpit\n";
    let out = support::run_fhc(
        &["check", "--no-defaults", "--format", "json", "-"],
        Some(conf),
    );
    assert!(!out.status.success());
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, u64)> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [("E0114", 1), ("E0114", 3), ("E0201", 4)] {
        assert!(
            got.contains(&(want.0.to_string(), want.1)),
            "{want:?} missing from {got:?}"
        );
    }
}

#[test]
fn a_define_answers_for_the_host() {
    let conf = temp(
        "define.conf",
        "WAN_IP=$(ip -4 -o addr show eth0 | awk '{print $4}')\ninterface eth0 wan dst \"$WAN_IP\"\n    server ssh accept\n",
    );
    let path = conf.to_str().unwrap();
    let (code, _, err) = fhc(&["check", "--no-defaults", path], None);
    assert_eq!(code, 1);
    assert!(err.contains("E0004") && err.contains("--define"), "{err}");
    let (code, _, err) = fhc(
        &[
            "check",
            "--no-defaults",
            "--define",
            "WAN_IP=203.0.113.10",
            path,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = fhc(
        &[
            "compile",
            "--no-defaults",
            "-D",
            "WAN_IP=203.0.113.10",
            path,
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.contains("203.0.113.10") && out.contains("--define WAN_IP=203.0.113.10"));
    let (code, _, err) = fhc(&["check", "--define", "1X=2", path], None);
    assert_eq!(code, 2, "a bad define is a usage error: {err}");
}

/// Host names are resolved when checking and compiling (the system resolver: /etc/hosts
/// counts), and listed; `--no-resolve` refuses them. `ipset addfile` files are read beside the
/// configuration.
#[test]
fn host_names_resolve_and_set_files_are_read_beside_the_configuration() {
    let conf = "version 6\nipv4 ipset create bl hash:net\nipv4 ipset addfile bl lists/bl.netset\ninterface4 eth0 lan\n    server smtp accept src localhost\n    server ssh drop src ipset:bl\n";
    let p = temp("hosts.conf", conf);
    let lists = p.parent().unwrap().join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::write(lists.join("bl.netset"), "192.0.2.0/24\n").unwrap();
    let path = p.to_str().unwrap();
    let (code, _, err) = fhc(&["check", path], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("W0137") && err.contains("`localhost` resolved to 127.0.0.1"),
        "{err}"
    );
    let (code, out, _) = fhc(&["compile", path], None);
    assert_eq!(code, 0);
    assert!(
        out.contains("192.0.2.0") && out.contains("127.0.0.1"),
        "{out}"
    );
    let (code, _, err) = fhc(&["check", "--no-resolve", path], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("E0139") && err.contains("--no-resolve"),
        "{err}"
    );
    std::fs::remove_file(lists.join("bl.netset")).unwrap();
    let (code, _, err) = fhc(&["check", path], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("E0140") && err.contains("cannot read `lists/bl.netset`"),
        "{err}"
    );
}
