//! The parser reads a statement that is one FireHOL command with that command's grammar first
//! (syntax/parser/shell.rs, `one_command`) and falls back to the whole grammar. Every
//! configuration the project has (its own, the real users', the fuzz corpora: about 2,000 files
//! of every shape the fuzzers reached) must read the same either way: the same tree, errors,
//! words and tokens.

use fhc_lang::syntax::parser::{parse, parse_by_whole_grammar};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn reading_by_command_gives_the_whole_grammars_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    files(&root.join("tests/corpus"), &mut paths);
    files(&root.join("fuzz/corpus/analyze"), &mut paths);
    files(&root.join("fuzz/corpus/format"), &mut paths);
    paths.sort();
    assert!(
        paths.len() > 1000,
        "the corpora are missing: {}",
        paths.len()
    );
    let mut statements = 0;
    for p in &paths {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let text = String::from_utf8_lossy(&bytes);
        let by_command = parse(&text);
        let whole = parse_by_whole_grammar(&text);
        assert_eq!(
            format!("{by_command:?}"),
            format!("{whole:?}"),
            "{} reads differently by command",
            p.display()
        );
        statements += by_command.file.stmts.len();
    }
    assert!(
        statements > 10_000,
        "too few statements compared: {statements}"
    );
}
