//! FireHOL's vocabulary has one source, the tables of `lang/src/syntax/keywords.rs`. The keyword
//! lists of the editor grammars are generated from them:
//!  - `grammar/vocabulary.js`, which the hand-written `grammar/grammar.js` requires;
//!  - the keyword rules of `grammar/textmate/firehol.tmLanguage.json` (the `match` of `command`,
//!    `parameter`, `action` and the first `shell-keyword` pattern);
//!  - the block between `" BEGIN GENERATED` and `" END GENERATED` in
//!    `editors/nvim/syntax/firehol.vim` (variables the hand-written `syn` statements use).
//!
//! The test fails when a committed file is stale; `UPDATE_VOCAB=1 cargo test -p fhc-lang --test
//! vocabulary` rewrites them. The other tests check that the Rust tables are complete: every
//! command and parameter spelling is classified, and parsed, as itself.

use fhc_lang::syntax::ast::{Stmt, StmtKind};
use fhc_lang::syntax::keywords::{
    self, ACTIONS, COMMANDS, Cmd, Family, PARAMS, ParamKind, Placement, SHELL_CLOSERS,
    SHELL_CONTINUERS, SHELL_OPENERS,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "UPDATE_VOCAB=1 cargo test -p fhc-lang --test vocabulary";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

// ---------------------------------------------------------------------------------------------
// The vocabulary as word lists

/// Commands the grammars give a rule of their own (sections and groups); the others share the
/// command rule.
const OWN_RULE: &[Cmd] = &[Cmd::Interface, Cmd::Router, Cmd::Group];

fn commands() -> Vec<&'static str> {
    COMMANDS.iter().map(|c| c.0).collect()
}

/// The commands that also exist as NAME4, NAME6 and NAME46.
fn suffixed() -> Vec<&'static str> {
    COMMANDS.iter().filter(|c| c.2).map(|c| c.0).collect()
}

/// The commands of the shared command rule, with and without the family suffixes.
fn rule_commands(suffixes: bool) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter(|c| c.2 == suffixes && !OWN_RULE.contains(&c.1))
        .map(|c| c.0)
        .collect()
}

/// Every spelling of every parameter.
fn params() -> Vec<&'static str> {
    PARAMS.iter().flat_map(|p| p.0.iter().copied()).collect()
}

fn actions() -> Vec<&'static str> {
    ACTIONS.iter().map(|a| a.0).collect()
}

/// Bash's reserved words among the shell words fhc knows (not the braces).
fn shell_keywords() -> Vec<&'static str> {
    [SHELL_OPENERS, SHELL_CONTINUERS, SHELL_CLOSERS]
        .concat()
        .into_iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect()
}

/// A word as a literal in an Oniguruma or Vim regex (both read `\-` as `-`).
fn regex_literal(word: &str) -> String {
    let mut out = String::new();
    for c in word.chars() {
        if !(c.is_ascii_alphanumeric() || c == '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn alternation(words: &[&str], or: &str) -> String {
    words
        .iter()
        .map(|w| regex_literal(w))
        .collect::<Vec<_>>()
        .join(or)
}

// ---------------------------------------------------------------------------------------------
// grammar/vocabulary.js

/// `const NAME = [ 'a', 'b', ... ];` wrapped at 100 columns.
fn js_const(doc: &str, name: &str, words: &[&str]) -> String {
    let mut out = format!("/** {doc} */\nconst {name} = [\n");
    let mut line = String::from(" ");
    for w in words {
        let item = format!(" '{w}',");
        if line.len() + item.len() > 100 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(" ");
        }
        line.push_str(&item);
    }
    out.push_str(&line);
    out.push_str("\n];\n\n");
    out
}

fn vocabulary_js() -> String {
    let mut out = format!(
        "// FireHOL's vocabulary for grammar.js, generated from lang/src/syntax/keywords.rs by\n\
         // lang/tests/vocabulary.rs: do not edit. Regenerate with\n\
         // `{REGENERATE}`.\n\n"
    );
    out.push_str(&js_const(
        "Every FireHOL command (keywords.rs COMMANDS), in its order.",
        "COMMANDS",
        &commands(),
    ));
    out.push_str(&js_const(
        "The commands that also exist as NAME4, NAME6 and NAME46.",
        "SUFFIXED",
        &suffixed(),
    ));
    out.push_str(&js_const(
        "Optional rule parameters (keywords.rs PARAMS, every spelling), any case.",
        "PARAMS",
        &params(),
    ));
    out.push_str(&js_const(
        "Built-in actions (keywords.rs ACTIONS), case-insensitive.",
        "ACTIONS",
        &actions(),
    ));
    out.push_str("module.exports = { COMMANDS, SUFFIXED, PARAMS, ACTIONS };\n");
    out
}

// ---------------------------------------------------------------------------------------------
// The TextMate grammar

/// Command position: the start of a line or after `;` `&` `|` `(` `{` `then` `do` `else`, with an
/// optional family prefix (capture 1). The hand-written section and group rules start the same.
const TM_COMMAND_POSITION: &str =
    r"(?:^|(?<=[;&|({])|(?<=\bthen|\bdo|\belse)(?=\s))\s*(?:(ipv4|ipv6|both)\s+)?";

/// (JSON pointer of a `match`, its generated regex)
fn textmate_rules() -> Vec<(&'static str, String)> {
    vec![
        (
            "/repository/command/match",
            format!(
                r"{TM_COMMAND_POSITION}((?:{})(?:4|6|46)?|{})(?=\s|;|$)",
                alternation(&rule_commands(true), "|"),
                alternation(&rule_commands(false), "|"),
            ),
        ),
        (
            "/repository/parameter/match",
            format!(
                r"(?:(?<=[\s(])|^)(?i:({}))(?:\s+((?i:not)|!))?(?=\s|$)",
                alternation(&params(), "|")
            ),
        ),
        (
            "/repository/action/match",
            format!(
                r"(?:(?<=[\s(])|^)(?i:{})(?=\s|;|$)",
                alternation(&actions(), "|")
            ),
        ),
        (
            "/repository/shell-keyword/patterns/0/match",
            format!(
                r"(?<![\w$-])({})(?![\w-])",
                alternation(&shell_keywords(), "|")
            ),
        ),
    ]
}

/// The committed TextMate grammar with the generated regexes in place; everything else is kept
/// byte for byte.
fn textmate(committed: &str) -> String {
    let mut text = committed.to_string();
    for (pointer, regex) in textmate_rules() {
        let json: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the TextMate grammar is not JSON: {e}"));
        let old = json
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("the TextMate grammar has no string at {pointer}"));
        let old_literal = serde_json::to_string(old).unwrap();
        assert_eq!(
            text.matches(&old_literal).count(),
            1,
            "the regex at {pointer} must occur once in the TextMate grammar to be replaced"
        );
        text = text.replacen(&old_literal, &serde_json::to_string(&regex).unwrap(), 1);
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The Vim syntax file

const VIM_BEGIN: &str = "\" BEGIN GENERATED";
const VIM_END: &str = "\" END GENERATED";

/// `let s:NAME = '...'`, wrapped at 100 columns with Vim's line continuation (a continuation line
/// starts with `\`, which Vim drops with the indentation before it).
fn vim_let(name: &str, items: &[String], sep: &str) -> String {
    let mut out = String::new();
    let mut line = format!("let s:{name} = '");
    for (i, item) in items.iter().enumerate() {
        let piece = if i == 0 {
            item.clone()
        } else {
            format!("{sep}{item}")
        };
        if i > 0 && line.len() + piece.len() + 1 > 100 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("      \\");
        }
        line.push_str(&piece);
    }
    out.push_str(&line);
    out.push_str("'\n");
    out
}

fn vim_regex_items(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| regex_literal(w)).collect()
}

fn vim_block() -> String {
    let mut out = format!(
        "{VIM_BEGIN} from lang/src/syntax/keywords.rs by lang/tests/vocabulary.rs: do not edit.\n\
         \" Regenerate with `{REGENERATE}`.\n"
    );
    let words: Vec<String> = shell_keywords().iter().map(|w| w.to_string()).collect();
    out.push_str("\" Bash's reserved words (syn keyword list).\n");
    out.push_str(&vim_let("shell_keywords", &words, " "));
    out.push_str("\" Optional rule parameters, every spelling (pattern alternatives).\n");
    out.push_str(&vim_let("params", &vim_regex_items(&params()), "\\|"));
    out.push_str("\" Built-in actions.\n");
    out.push_str(&vim_let("actions", &vim_regex_items(&actions()), "\\|"));
    out.push_str(
        "\" Commands with the 4/6/46 suffixes, then the others (not sections, not group).\n",
    );
    out.push_str(&vim_let(
        "suffixed_commands",
        &vim_regex_items(&rule_commands(true)),
        "\\|",
    ));
    out.push_str(&vim_let(
        "other_commands",
        &vim_regex_items(&rule_commands(false)),
        "\\|",
    ));
    out.push_str(VIM_END);
    out.push('\n');
    out
}

/// The committed Vim syntax file with the generated block in place.
fn vim(committed: &str) -> String {
    let begin = committed
        .find(VIM_BEGIN)
        .unwrap_or_else(|| panic!("syntax/firehol.vim has no `{VIM_BEGIN}` line"));
    let end = committed[begin..]
        .find(VIM_END)
        .map(|i| begin + i)
        .unwrap_or_else(|| panic!("syntax/firehol.vim has no `{VIM_END}` line after the begin"));
    let end = end
        + committed[end..]
            .find('\n')
            .map_or(committed.len() - end, |i| i + 1);
    assert_eq!(
        committed.matches(VIM_BEGIN).count(),
        1,
        "one generated block in syntax/firehol.vim"
    );
    format!(
        "{}{}{}",
        &committed[..begin],
        vim_block(),
        &committed[end..]
    )
}

// ---------------------------------------------------------------------------------------------
// The check (and the regeneration)

/// Renders a generated file from its committed text.
type Render = fn(&str) -> String;

#[test]
fn generated_editor_vocabularies_are_current() {
    let files: [(&str, Render); 3] = [
        ("grammar/vocabulary.js", |_| vocabulary_js()),
        ("grammar/textmate/firehol.tmLanguage.json", textmate),
        ("editors/nvim/syntax/firehol.vim", vim),
    ];
    let update = std::env::var_os("UPDATE_VOCAB").is_some();
    let mut stale = Vec::new();
    for (file, render) in files {
        let path = repo().join(file);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        let want = render(&have);
        if have != want {
            if update {
                std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{file}: {e}"));
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated from lang/src/syntax/keywords.rs and stale: {}; run {REGENERATE}",
        stale.join(", ")
    );
}

#[test]
fn textmate_section_and_group_rules_start_in_command_position() {
    let tm: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("grammar/textmate/firehol.tmLanguage.json")).unwrap(),
    )
    .unwrap();
    for pointer in [
        "/repository/section/patterns/0/match",
        "/repository/section/patterns/1/match",
        "/repository/group/match",
    ] {
        let regex = tm.pointer(pointer).and_then(|v| v.as_str()).unwrap();
        assert!(
            regex.starts_with(TM_COMMAND_POSITION),
            "{pointer} does not start with the command position of the generated command rule"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The Rust tables are complete

fn parse_one(text: &str) -> Stmt {
    let parse = fhc_lang::syntax::parse(text);
    assert!(parse.errors.is_empty(), "`{text}`: {:?}", parse.errors);
    let mut stmts = parse.file.stmts;
    assert_eq!(stmts.len(), 1, "`{text}`: {stmts:?}");
    stmts.pop().unwrap()
}

#[test]
fn every_command_is_in_the_table_once_and_parses_as_itself() {
    assert_eq!(Cmd::ALL.len(), COMMANDS.len());
    let mut names = HashSet::new();
    for (&cmd, &(name, row_cmd, suffixes, meaning)) in Cmd::ALL.iter().zip(COMMANDS) {
        assert_eq!(
            cmd, row_cmd,
            "{name}: COMMANDS and Cmd::ALL in the same order"
        );
        assert_eq!(cmd.name(), name);
        assert_eq!(cmd.takes_suffixes(), suffixes, "{name}");
        assert_eq!(cmd.meaning(), meaning, "{name}");
        assert!(!meaning.is_empty(), "{name} has no meaning");
        assert!(names.insert(name), "{name} twice in COMMANDS");
        assert_eq!(
            cmd.is_top_only(),
            cmd.placement() == Placement::TopOnly,
            "{name}"
        );
        assert!(!(cmd.is_top_only() && cmd.is_section_only()), "{name}");

        let mut spellings = vec![(name.to_string(), None)];
        if suffixes {
            for (sfx, fam) in [
                ("4", Family::Ipv4),
                ("6", Family::Ipv6),
                ("46", Family::Both),
            ] {
                spellings.push((format!("{name}{sfx}"), Some(fam)));
            }
        }
        for (spelling, family) in spellings {
            assert_eq!(
                keywords::command(&spelling),
                Some((cmd, family)),
                "{spelling}"
            );
            // The parser has an alternative for the command: the word alone is that command.
            let stmt = parse_one(&spelling);
            let StmtKind::Command(c) = &stmt.kind else {
                panic!("`{spelling}` does not parse as a command: {stmt:?}");
            };
            assert_eq!(c.cmd, cmd, "{spelling}");
            assert_eq!(c.family.map(|f| f.family), family, "{spelling}");
        }
    }
}

#[test]
fn every_parameter_spelling_is_classified_and_parsed_as_its_kind() {
    assert_eq!(ParamKind::ALL.len(), PARAMS.len());
    let mut spellings = HashSet::new();
    for (&kind, &(names, row_kind, arity, negatable, meaning)) in ParamKind::ALL.iter().zip(PARAMS)
    {
        assert_eq!(
            kind, row_kind,
            "PARAMS and ParamKind::ALL in the same order"
        );
        assert_eq!(kind.name(), names[0]);
        assert_eq!(kind.arity(), arity, "{}", names[0]);
        assert_eq!(kind.negatable(), negatable, "{}", names[0]);
        assert_eq!(kind.meaning(), meaning, "{}", names[0]);
        for &spelling in names {
            assert!(spellings.insert(spelling), "{spelling} twice in PARAMS");
            for s in [spelling.to_string(), spelling.to_uppercase()] {
                assert_eq!(keywords::param(&s), Some((kind, arity, negatable)), "{s}");
                let text = format!("server ssh accept {s} x");
                let stmt = parse_one(&text);
                let StmtKind::Command(c) = &stmt.kind else {
                    panic!("`{text}` does not parse as a command: {stmt:?}");
                };
                let first = c.params().first().map(|p| p.kind);
                assert_eq!(first, Some(Some(kind)), "`{text}`");
            }
        }
    }
}

#[test]
fn every_action_and_shell_word_is_unique() {
    let mut seen = HashSet::new();
    for (a, meaning) in ACTIONS {
        assert!(seen.insert(a.to_string()), "{a} twice in ACTIONS");
        assert!(!meaning.is_empty(), "{a}");
        assert!(keywords::is_builtin_action(&a.to_uppercase()), "{a}");
    }
    let mut seen = HashSet::new();
    for w in [SHELL_OPENERS, SHELL_CONTINUERS, SHELL_CLOSERS].concat() {
        assert!(seen.insert(w), "{w} twice among the shell keywords");
    }
}
