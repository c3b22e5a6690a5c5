//! What the Debian package ships besides the binary, driven through the real `fhc`: the version
//! line, `fhc man DIR` and `fhc completions SHELL`. (tests/deb/run.sh checks the installed copies.)

mod support;

use std::process::Command;
use support::run_fhc;

fn stdout(args: &[&str], stdin: Option<&str>) -> String {
    let out = run_fhc(args, stdin);
    assert!(
        out.status.success(),
        "fhc {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The schema `fhc --version` names is the one compiled rulesets declare, and nft's minimum is
/// the compiler's: the version line cannot promise something the output does not do.
#[test]
fn version_names_release_and_nft_schema() {
    let json = stdout(
        &["compile", "-"],
        Some("interface any world\n    client all accept\n"),
    );
    let doc: serde_json::Value = serde_json::from_str(&json).expect("ruleset JSON");
    let schema = doc["nftables"][0]["metainfo"]["json_schema_version"]
        .as_u64()
        .expect("metainfo.json_schema_version");
    let expected = format!(
        "fhc {} (nftables JSON schema {schema}, for nft >= {})\n",
        env!("CARGO_PKG_VERSION"),
        fhc_lang::nft::json::MIN_NFT_VERSION
    );
    assert_eq!(stdout(&["--version"], None), expected);
    assert_eq!(stdout(&["-V"], None), expected);
}

#[test]
fn man_writes_one_page_per_subcommand() {
    let dir = std::env::temp_dir().join(format!("fhc-man-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = run_fhc(&["man", dir.to_str().unwrap()], None);
    assert!(out.status.success(), "{out:?}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for expected in [
        "fhc.1",
        "fhc-check.1",
        "fhc-compile.1",
        "fhc-fmt.1",
        "fhc-completions.1",
        "fhc-man.1",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    // groff is the judge of the roff, when it is installed: no warnings for any page.
    if Command::new("groff").arg("--version").output().is_ok() {
        for name in &names {
            let out = Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(dir.join(name))
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn man_reports_an_unwritable_directory() {
    let out = run_fhc(&["man", "/proc/version/man1"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot write the manual pages"),
        "{out:?}"
    );
}

/// Sources the bash script and asks it what `fhc co<TAB>` completes to, as bash would.
#[test]
fn bash_completion_completes_subcommands() {
    let script = stdout(&["completions", "bash"], None);
    let probe = r#"
        eval "$FHC_COMPLETION"
        func=$(complete -p fhc | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
        COMP_WORDS=(fhc co); COMP_CWORD=1; COMP_LINE="fhc co"; COMP_POINT=${#COMP_LINE}
        "$func" fhc co fhc
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", probe])
        .env("FHC_COMPLETION", &script)
        .output()
        .expect("bash runs");
    let replies = String::from_utf8_lossy(&out.stdout);
    assert!(
        replies.lines().any(|l| l == "compile"),
        "no `compile` in {replies:?}; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(replies.lines().all(|l| l.starts_with("co")), "{replies:?}");
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    for shell in ["zsh", "fish"] {
        let script = stdout(&["completions", shell], None);
        for sub in ["check", "compile", "fmt", "completions", "man"] {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
    }
    let out = run_fhc(&["completions", "tcsh"], None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
