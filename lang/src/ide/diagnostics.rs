//! What the prelude files (firehol-defaults.conf, the services files) get wrong, for an editor
//! showing a configuration. `fhc check` prints these in their own files and stops; an editor
//! shows them with the configuration's diagnostics, on its first line (the prelude is read
//! before it), each pointing at its place in the prelude file.

use super::File;
use crate::diag::Diagnostic;
use crate::prelude::FileDiagnostics;

/// One problem in one prelude file.
#[derive(Clone, Debug)]
pub struct PreludeProblem<'a> {
    /// The file (its name and text: the diagnostic's spans are in it).
    pub file: &'a FileDiagnostics,
    pub diagnostic: &'a Diagnostic,
    /// The 1-based line in that file.
    pub line: usize,
    /// The message, naming the file and the line.
    pub message: String,
}

/// Every diagnostic of every prelude file, in reading order.
pub fn prelude_problems(doc: &File) -> Vec<PreludeProblem<'_>> {
    let mut out = Vec::new();
    for f in &doc.prelude().files {
        for d in &f.diagnostics {
            let line = f.text[..d.span.start.min(f.text.len())]
                .matches('\n')
                .count()
                + 1;
            out.push(PreludeProblem {
                file: f,
                diagnostic: d,
                line,
                message: format!("in {}, line {line}: {}", f.name, d.message),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, Prelude};
    use std::sync::Arc;

    #[test]
    fn problems_name_their_file_and_line() {
        let mut p = Prelude::none();
        p.add_defaults("/ws/firehol-defaults.conf", "A=1\nX=$(hostname)\n");
        let doc = File::new("version 6\n".to_string(), Arc::new(p));
        let probs = prelude_problems(&doc);
        assert_eq!(probs.len(), 1);
        assert_eq!(probs[0].diagnostic.code, Code::CommandSubstitution);
        assert_eq!(probs[0].line, 2);
        assert!(
            probs[0]
                .message
                .starts_with("in /ws/firehol-defaults.conf, line 2: "),
            "{}",
            probs[0].message
        );
        assert!(prelude_problems(&File::alone("version 6\n")).is_empty());
    }
}
