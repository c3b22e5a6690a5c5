//! The block structure of the flat statement list: which statements are the condition and the
//! body of an `if`, a loop, a `case` arm or a function. The list stays flat for the formatter and
//! the editor (bash's reserved words are the statements' `lead` words); this tree is what the
//! shell evaluator walks. Nodes refer to statements by their index in [`SourceFile::stmts`].

use super::ast::*;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blocks {
    pub nodes: Vec<Node>,
    /// Reserved words out of place and blocks never closed.
    pub errors: Vec<Diagnostic>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A statement run as it is: a command, an assignment, a builtin, a list (`a && b`).
    Stmt(usize),
    If {
        arms: Vec<Arm>,
        otherwise: Option<Vec<Node>>,
        span: Span,
    },
    /// `while` / `until` (`until` runs while the condition fails).
    Loop {
        until: bool,
        cond: Vec<Node>,
        body: Vec<Node>,
        span: Span,
    },
    /// `for`: the header statement (a [`ShellStmt::For`]) and the body.
    For {
        header: usize,
        body: Vec<Node>,
        span: Span,
    },
    /// `case`: the header statement (a [`ShellStmt::Case`]) and the arms.
    Case {
        header: usize,
        arms: Vec<CaseArm>,
        span: Span,
    },
    /// A function definition: the header statement (a [`ShellStmt::FunctionDef`]) and its body.
    Function {
        header: usize,
        body: Vec<Node>,
        span: Span,
    },
    /// `{ ...; }` that is not a function body.
    Group { body: Vec<Node>, span: Span },
}

/// Calls `f` on every node, depth first, saying whether it is inside a function body.
pub fn visit(nodes: &[Node], in_function: bool, f: &mut dyn FnMut(&Node, bool)) {
    for n in nodes {
        f(n, in_function);
        match n {
            Node::Stmt(_) => {}
            Node::If {
                arms, otherwise, ..
            } => {
                for a in arms {
                    visit(&a.cond, in_function, f);
                    visit(&a.body, in_function, f);
                }
                visit(otherwise.as_deref().unwrap_or_default(), in_function, f);
            }
            Node::Loop { cond, body, .. } => {
                visit(cond, in_function, f);
                visit(body, in_function, f);
            }
            Node::For { body, .. } | Node::Group { body, .. } => visit(body, in_function, f),
            Node::Function { body, .. } => visit(body, true, f),
            Node::Case { arms, .. } => arms.iter().for_each(|a| visit(&a.body, in_function, f)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub cond: Vec<Node>,
    pub body: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseArm {
    /// The pattern statement (a [`ShellStmt::CasePattern`]).
    pub pattern: usize,
    pub body: Vec<Node>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Cond,
    Body,
    Else,
}

#[derive(Debug)]
enum Kind {
    If {
        arms: Vec<Arm>,
        cond: Vec<Node>,
        part: Part,
    },
    Loop {
        until: bool,
        cond: Vec<Node>,
        part: Part,
    },
    For {
        header: usize,
        part: Part,
    },
    Case {
        header: usize,
        arms: Vec<CaseArm>,
        pattern: Option<usize>,
    },
    Brace {
        function: Option<usize>,
    },
}

#[derive(Debug)]
struct Frame {
    kind: Kind,
    /// The reserved word (or header) that opened it.
    opener: Span,
    word: &'static str,
    /// The list the next statements go to.
    cur: Vec<Node>,
}

struct Builder {
    stack: Vec<Frame>,
    top: Vec<Node>,
    errors: Vec<Diagnostic>,
    /// A function header waiting for its `{`.
    function: Option<(usize, Span)>,
}

/// How deep blocks may nest. Deeper than any configuration writes; the evaluator walks the
/// tree recursively, so crafted input must not go further.
pub const MAX_DEPTH: usize = 200;

/// Pairs the reserved words of `file` into blocks.
pub fn blocks(file: &SourceFile) -> Blocks {
    if let Some(span) = too_deep(file) {
        return Blocks {
            nodes: Vec::new(),
            errors: vec![
                Diagnostic::new(
                    Code::EvalLimit,
                    span,
                    format!("blocks nested more than {MAX_DEPTH} deep"),
                )
                .with_label("fhc stops reading the structure here")
                .with_help(
                    "a configuration does not need this: write the blocks one after the other",
                ),
            ],
        };
    }
    pair(file)
}

/// Where the nesting first goes past [`MAX_DEPTH`] (counted on the reserved words alone).
fn too_deep(file: &SourceFile) -> Option<Span> {
    let mut depth = 0usize;
    for stmt in &file.stmts {
        for w in &stmt.lead {
            match w.bare() {
                Some("if" | "while" | "until" | "{") => depth += 1,
                Some("fi" | "done" | "esac" | "}") => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_DEPTH {
                return Some(w.span);
            }
        }
        if let StmtKind::Shell(ShellStmt::For { keyword, .. } | ShellStmt::Case { keyword, .. }) =
            &stmt.kind
        {
            depth += 1;
            if depth > MAX_DEPTH {
                return Some(keyword.span);
            }
        }
    }
    None
}

fn pair(file: &SourceFile) -> Blocks {
    let mut b = Builder {
        stack: Vec::new(),
        top: Vec::new(),
        errors: Vec::new(),
        function: None,
    };
    for (i, stmt) in file.stmts.iter().enumerate() {
        b.statement(i, stmt);
    }
    if let Some((_, span)) = b.function.take() {
        b.error(
            span,
            "this function has no body",
            "expected `{` after the name",
        );
    }
    while let Some(f) = b.stack.pop() {
        let closer = match f.kind {
            Kind::If { .. } => "fi",
            Kind::Loop { .. } | Kind::For { .. } => "done",
            Kind::Case { .. } => "esac",
            Kind::Brace { .. } => "}",
        };
        b.error(
            f.opener,
            &format!("this `{}` is never closed", f.word),
            &format!("expected `{closer}` before the end of the file"),
        );
    }
    Blocks {
        nodes: b.top,
        errors: b.errors,
    }
}

impl Builder {
    fn cur(&mut self) -> &mut Vec<Node> {
        match self.stack.last_mut() {
            Some(f) => &mut f.cur,
            None => &mut self.top,
        }
    }

    fn error(&mut self, span: Span, msg: &str, label: &str) {
        self.errors.push(
            Diagnostic::new(Code::SyntaxError, span, msg.to_string())
                .with_label(label.to_string())
                .with_help("check that every if/fi, do/done, case/esac and {/} pair up"),
        );
    }

    fn push(&mut self, kind: Kind, opener: Span, word: &'static str) {
        self.stack.push(Frame {
            kind,
            opener,
            word,
            cur: Vec::new(),
        });
    }

    fn statement(&mut self, i: usize, stmt: &Stmt) {
        if let Some((header, span)) = self.function.take() {
            if stmt.lead.first().and_then(Word::bare) == Some("{") {
                self.push(
                    Kind::Brace {
                        function: Some(header),
                    },
                    span,
                    "{",
                );
                self.lead_rest(&stmt.lead[1..]);
                self.kind(i, stmt);
                return;
            }
            if !matches!(stmt.kind, StmtKind::Empty) || !stmt.lead.is_empty() {
                self.error(
                    span,
                    "fhc reads function bodies written as `{ ...; }` only",
                    "the body does not start with `{`",
                );
            } else {
                self.function = Some((header, span));
                return;
            }
        }
        self.lead_rest(&stmt.lead);
        self.kind(i, stmt);
    }

    fn lead_rest(&mut self, lead: &[Word]) {
        for w in lead {
            self.reserved(w);
        }
    }

    fn kind(&mut self, i: usize, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Shell(ShellStmt::For { keyword, .. }) => self.push(
                Kind::For {
                    header: i,
                    part: Part::Cond,
                },
                keyword.span,
                "for",
            ),
            StmtKind::Shell(ShellStmt::Case { keyword, .. }) => self.push(
                Kind::Case {
                    header: i,
                    arms: Vec::new(),
                    pattern: None,
                },
                keyword.span,
                "case",
            ),
            StmtKind::Shell(ShellStmt::CasePattern { .. }) => match self.stack.last_mut() {
                Some(Frame {
                    kind: Kind::Case { arms, pattern, .. },
                    cur,
                    ..
                }) => {
                    if let Some(p) = pattern.take() {
                        arms.push(CaseArm {
                            pattern: p,
                            body: std::mem::take(cur),
                        });
                    }
                    *pattern = Some(i);
                }
                _ => self.error(
                    stmt.span,
                    "a case pattern outside `case ... esac`",
                    "not inside a case",
                ),
            },
            StmtKind::Shell(ShellStmt::FunctionDef { name }) => {
                self.function = Some((i, name.span));
            }
            StmtKind::Empty => {}
            _ => self.cur().push(Node::Stmt(i)),
        }
    }

    /// A reserved word leading a statement: opens, continues or closes a block.
    fn reserved(&mut self, w: &Word) {
        let Some(word) = w.bare() else { return };
        let span = w.span;
        match word {
            "if" => self.push(
                Kind::If {
                    arms: Vec::new(),
                    cond: Vec::new(),
                    part: Part::Cond,
                },
                span,
                "if",
            ),
            "while" | "until" => self.push(
                Kind::Loop {
                    until: word == "until",
                    cond: Vec::new(),
                    part: Part::Cond,
                },
                span,
                if word == "until" { "until" } else { "while" },
            ),
            "{" => self.push(Kind::Brace { function: None }, span, "{"),
            "then" | "elif" | "else" | "fi" => self.if_word(word, span),
            "do" | "done" => self.loop_word(word, span),
            "esac" => self.close_case(span),
            "}" => self.close_brace(span),
            _ => {} // `!`: read by the evaluator from the statement
        }
    }

    fn misplaced(&mut self, word: &str, span: Span, wants: &str) {
        self.error(
            span,
            &format!("`{word}` out of place"),
            &format!("expected after {wants}"),
        );
    }

    fn if_word(&mut self, word: &str, span: Span) {
        let Some(Frame {
            kind: Kind::If { arms, cond, part },
            cur,
            ..
        }) = self.stack.last_mut()
        else {
            return self.misplaced(word, span, "an `if`");
        };
        match (word, *part) {
            ("then", Part::Cond) => {
                *cond = std::mem::take(cur);
                *part = Part::Body;
            }
            ("elif", Part::Body) => {
                arms.push(Arm {
                    cond: std::mem::take(cond),
                    body: std::mem::take(cur),
                });
                *part = Part::Cond;
            }
            ("else", Part::Body) => {
                arms.push(Arm {
                    cond: std::mem::take(cond),
                    body: std::mem::take(cur),
                });
                *part = Part::Else;
            }
            ("fi", Part::Body | Part::Else) => {
                let Some(f) = self.stack.pop() else { return };
                let Kind::If {
                    mut arms,
                    cond,
                    part,
                } = f.kind
                else {
                    return;
                };
                let otherwise = if part == Part::Else {
                    Some(f.cur)
                } else {
                    arms.push(Arm { cond, body: f.cur });
                    None
                };
                let node = Node::If {
                    arms,
                    otherwise,
                    span: Span::new(f.opener.start, span.end),
                };
                self.cur().push(node);
            }
            _ => self.misplaced(
                word,
                span,
                "the condition (`then`) or a body (`elif`, `else`, `fi`)",
            ),
        }
    }

    fn loop_word(&mut self, word: &str, span: Span) {
        let Some(f) = self.stack.last_mut() else {
            return self.misplaced(word, span, "`while`, `until` or `for`");
        };
        match (&mut f.kind, word) {
            (Kind::Loop { cond, part, .. }, "do") if *part == Part::Cond => {
                *cond = std::mem::take(&mut f.cur);
                *part = Part::Body;
            }
            (Kind::For { part, .. }, "do") if *part == Part::Cond => {
                if !f.cur.is_empty() {
                    let at = f.opener;
                    self.error(at, "unexpected commands between `for` and `do`", "here");
                    return;
                }
                *part = Part::Body;
            }
            (Kind::Loop { part, .. } | Kind::For { part, .. }, "done") if *part == Part::Body => {
                let Some(f) = self.stack.pop() else { return };
                let span = Span::new(f.opener.start, span.end);
                let node = match f.kind {
                    Kind::Loop { until, cond, .. } => Node::Loop {
                        until,
                        cond,
                        body: f.cur,
                        span,
                    },
                    Kind::For { header, .. } => Node::For {
                        header,
                        body: f.cur,
                        span,
                    },
                    _ => return,
                };
                self.cur().push(node);
            }
            _ => self.misplaced(
                word,
                span,
                "`while`, `until` or `for` (and `do` before `done`)",
            ),
        }
    }

    fn close_case(&mut self, span: Span) {
        if !matches!(
            self.stack.last(),
            Some(Frame {
                kind: Kind::Case { .. },
                ..
            })
        ) {
            return self.misplaced("esac", span, "`case`");
        }
        let Some(f) = self.stack.pop() else { return };
        let Kind::Case {
            header,
            mut arms,
            pattern,
        } = f.kind
        else {
            return;
        };
        if let Some(p) = pattern {
            arms.push(CaseArm {
                pattern: p,
                body: f.cur,
            });
        }
        let node = Node::Case {
            header,
            arms,
            span: Span::new(f.opener.start, span.end),
        };
        self.cur().push(node);
    }

    fn close_brace(&mut self, span: Span) {
        if !matches!(
            self.stack.last(),
            Some(Frame {
                kind: Kind::Brace { .. },
                ..
            })
        ) {
            return self.misplaced("}", span, "`{`");
        }
        let Some(f) = self.stack.pop() else { return };
        let Kind::Brace { function } = f.kind else {
            return;
        };
        let span = Span::new(f.opener.start, span.end);
        let node = match function {
            Some(header) => Node::Function {
                header,
                body: f.cur,
                span,
            },
            None => Node::Group { body: f.cur, span },
        };
        self.cur().push(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Node::Stmt(i) => format!("{i}"),
                Node::If {
                    arms, otherwise, ..
                } => {
                    let arms: Vec<String> = arms
                        .iter()
                        .map(|a| format!("{}?{}", shape(&a.cond), shape(&a.body)))
                        .collect();
                    let e = otherwise.as_ref().map(|o| format!(":{}", shape(o)));
                    format!("if[{}{}]", arms.join("|"), e.unwrap_or_default())
                }
                Node::Loop { cond, body, .. } => format!("while[{}?{}]", shape(cond), shape(body)),
                Node::For { header, body, .. } => format!("for{header}[{}]", shape(body)),
                Node::Case { arms, .. } => {
                    let a: Vec<String> = arms
                        .iter()
                        .map(|a| format!("{}){}", a.pattern, shape(&a.body)))
                        .collect();
                    format!("case[{}]", a.join("|"))
                }
                Node::Function { header, body, .. } => format!("fn{header}[{}]", shape(body)),
                Node::Group { body, .. } => format!("{{{}}}", shape(body)),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn tree(text: &str) -> (String, usize) {
        let p = crate::syntax::parse(text);
        let b = blocks(&p.file);
        (shape(&b.nodes), b.errors.len())
    }

    #[test]
    fn pairs_reserved_words() {
        assert_eq!(
            tree("if [ a ]; then\n x=1\nelif [ b ]; then y=2\nelse z=3\nfi\n"),
            ("if[0?2|3?4:5]".into(), 0)
        );
        assert_eq!(
            tree("for p in 80 443; do\n server http accept\ndone"),
            ("for0[2]".into(), 0)
        );
        assert_eq!(
            tree("case $R in\n gw|fw) a=1 ;;\n *) b=2\n ;;\nesac"),
            ("case[1)2|3)4]".into(), 0)
        );
        assert_eq!(
            tree("f() {\n server http accept\n}\nf\nfunction g { x=1; }"),
            ("fn0[2],4,fn5[6]".into(), 0)
        );
        assert_eq!(tree("while [ x ]; do y=1; done"), ("while[0?1]".into(), 0));
    }

    #[test]
    fn case_on_one_line() {
        assert_eq!(
            tree("case x in a) y=1;; b) z=2;; esac"),
            ("case[1)2|3)4]".into(), 0)
        );
    }

    #[test]
    fn unbalanced_words_are_errors() {
        assert_eq!(tree("fi").1, 1);
        assert_eq!(tree("if [ a ]; then x=1").1, 1);
        assert_eq!(tree("for x in a; do\n").1, 1);
        assert_eq!(tree("f()\nserver http accept").1, 1);
    }
}
