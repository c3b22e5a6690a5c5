//! `${...}`: defaults (`:-`, `-`, `:=`, `=`, `:+`, `+`, `:?`, `?`), length (`${#V}`), trims
//! (`#`, `##`, `%`, `%%`), replacements (`/`, `//`, `/#`, `/%`), case (`^^`, `,,`), substrings
//! (`${V:1:2}`), positional parameters (`${10}`) and arrays (`${A[@]}`, `${A[1]}`, `${#A[@]}`).

use super::expand::Fields;
use super::pattern;
use super::run::Runner;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

/// What a name refers to.
struct Lookup {
    /// `None`: unset.
    values: Option<Vec<String>>,
    /// `@`-like (`$@`, `${A[@]}`): several fields when quoted.
    many: bool,
}

const OPS: &[&str] = &[
    ":-", ":=", ":+", ":?", "-", "=", "+", "?", "##", "#", "%%", "%", "//", "/#", "/%", "/", "^^",
    "^", ",,", ",", ":",
];

/// Where a `${NAME<op>...}` applies: the name, what it looked up, the expansion's span, and
/// whether it stands in double quotes.
struct At<'a> {
    name: &'a str,
    l: &'a Lookup,
    span: Span,
    quoted: bool,
}

impl<'a> Runner<'a> {
    pub(super) fn braced(
        &mut self,
        inner: &str,
        span: Span,
        quoted: bool,
        f: &mut Fields,
    ) -> Option<()> {
        if inner.starts_with('!') {
            return self.unsupported(span, "indirect expansion `${!...}`");
        }
        // `${#}` is `$#`; `${#NAME}` the length.
        if inner == "#" {
            return self.special("#", span, quoted, f);
        }
        if let Some(rest) = inner.strip_prefix('#')
            && let Some((name, index, tail)) = split_name(rest)
            && tail.is_empty()
        {
            let l = self.lookup(name, index, span)?;
            let n = match (&l.values, l.many) {
                (Some(v), true) => v.len(),
                (Some(v), false) => v.first().map_or(0, |s| s.chars().count()),
                (None, _) => 0,
            };
            f.literal(&n.to_string());
            return Some(());
        }
        let Some((name, index, tail)) = split_name(inner) else {
            return self.unsupported(span, &format!("`${{{inner}}}`"));
        };
        let l = self.lookup(name, index, span)?;
        if tail.is_empty() {
            if l.values.is_none() && !l.many {
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit())
                {
                    self.var(name, span)?;
                }
                return Some(());
            }
            return self.put(&l, quoted, f);
        }
        let Some(op) = OPS.iter().find(|o| tail.starts_with(**o)) else {
            return self.unsupported(span, &format!("`${{{inner}}}`"));
        };
        let operand = &tail[op.len()..];
        let at = At {
            name,
            l: &l,
            span,
            quoted,
        };
        self.operator(op, operand, &at, f)
    }

    /// `${NAME<op><operand>}` once NAME is looked up (`l`).
    fn operator(&mut self, op: &str, operand: &str, at: &At, f: &mut Fields) -> Option<()> {
        let &At {
            name,
            l,
            span,
            quoted,
        } = at;
        let inner = format!("{name}{op}{operand}");
        let set = l.values.is_some();
        let empty = l
            .values
            .as_ref()
            .is_none_or(|v| v.iter().all(String::is_empty));
        match op {
            ":-" | "-" | ":=" | "=" => {
                let use_word = !set || (op.starts_with(':') && empty);
                if !use_word {
                    return self.put(l, quoted, f);
                }
                if op.ends_with('=') {
                    let w = self.operand(operand, span)?;
                    if self.vars.is_readonly(name) {
                        self.readonly_error(span, name);
                        return None;
                    }
                    let at = self.at(span);
                    self.set_scalar(name, w.clone(), at, at.end);
                    put_one(&w, quoted, f);
                } else {
                    self.operand_into(operand, span, quoted, f)?;
                }
            }
            ":+" | "+" => {
                let use_word = set && !(op.starts_with(':') && empty);
                if use_word {
                    self.operand_into(operand, span, quoted, f)?;
                }
            }
            ":?" | "?" => {
                if !set || (op.starts_with(':') && empty) {
                    let msg = self.operand(operand, span)?;
                    self.report(
                        Diagnostic::new(
                            Code::UnsupportedExpansion,
                            span,
                            format!("`{name}` is not set: bash stops the configuration here"),
                        )
                        .with_label(if msg.is_empty() {
                            "parameter null or not set".to_string()
                        } else {
                            msg
                        }),
                    );
                    return None;
                }
                return self.put(l, quoted, f);
            }
            "#" | "##" | "%" | "%%" | "/" | "//" | "/#" | "/%" | "^^" | "^" | ",," | "," => {
                return self.transform(op, operand, l, span, quoted, f);
            }
            ":" => return self.substring(operand, at, f),
            _ => return self.unsupported(span, &format!("`${{{inner}}}`")),
        }
        Some(())
    }

    /// `${V:offset:length}`: a substring, or for `$@` and `${A[@]}` a slice of the list.
    fn substring(&mut self, operand: &str, at: &At, f: &mut Fields) -> Option<()> {
        let &At {
            name,
            l,
            span,
            quoted,
        } = at;
        let (off, len) = match operand.split_once(':') {
            Some((o, n)) => (o, Some(n)),
            None => (operand, None),
        };
        let off = self.arith(off, span)?;
        let len = match len {
            Some(n) => Some(self.arith(n, span)?),
            None => None,
        };
        if l.many {
            // `${@:2}`, `${A[@]:1:2}`: a slice of the list (`$@` counts from $0).
            let mut vals = l.values.clone().unwrap_or_default();
            if name == "@" || name == "*" {
                vals.insert(0, String::new());
            }
            let n = vals.len() as i64;
            let start = if off < 0 {
                (n + off).max(0)
            } else {
                off.min(n)
            } as usize;
            let end = match len {
                None => n as usize,
                Some(k) if k < 0 => ((n + k).max(start as i64)) as usize,
                Some(k) => ((start as i64 + k).min(n)) as usize,
            };
            return self.put_values(&vals[start..end.max(start)], true, quoted, f);
        }
        let v = l
            .values
            .as_ref()
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default();
        let chars: Vec<char> = v.chars().collect();
        let n = chars.len() as i64;
        let start = if off < 0 {
            (n + off).max(0)
        } else {
            off.min(n)
        };
        let end = match len {
            None => n,
            Some(l) if l < 0 => (n + l).max(start),
            Some(l) => (start + l).min(n),
        };
        let s: String = chars[start as usize..end.max(start) as usize]
            .iter()
            .collect();
        put_one(&s, quoted, f);
        Some(())
    }

    /// The forms that change each value: trims, replacements, case.
    fn transform(
        &mut self,
        op: &str,
        operand: &str,
        l: &Lookup,
        span: Span,
        quoted: bool,
        f: &mut Fields,
    ) -> Option<()> {
        match op {
            "#" | "##" | "%" | "%%" => {
                let pat = self.operand_pattern(operand, span)?;
                let vals = l.values.clone().unwrap_or_default();
                let out: Vec<String> = vals
                    .iter()
                    .map(|v| match op {
                        "#" => pattern::strip_prefix(v, &pat, false),
                        "##" => pattern::strip_prefix(v, &pat, true),
                        "%" => pattern::strip_suffix(v, &pat, false),
                        _ => pattern::strip_suffix(v, &pat, true),
                    })
                    .collect();
                self.put_values(&out, l.many, quoted, f)
            }
            "/" | "//" | "/#" | "/%" => {
                let (pat, rep) = split_replacement(operand);
                let pat = self.operand_pattern(pat, span)?;
                let rep = self.operand(rep, span)?;
                let anchor = match op {
                    "/#" => Some('#'),
                    "/%" => Some('%'),
                    _ => None,
                };
                let vals = l.values.clone().unwrap_or_default();
                let out: Vec<String> = vals
                    .iter()
                    .map(|v| pattern::replace(v, &pat, &rep, op == "//", anchor))
                    .collect();
                self.put_values(&out, l.many, quoted, f)
            }
            "^^" | "^" | ",," | "," if operand.is_empty() => {
                let vals = l.values.clone().unwrap_or_default();
                let out: Vec<String> = vals
                    .iter()
                    .map(|v| match op {
                        "^^" => v.to_uppercase(),
                        ",," => v.to_lowercase(),
                        "^" => first_char(v, char::to_ascii_uppercase),
                        _ => first_char(v, char::to_ascii_lowercase),
                    })
                    .collect();
                self.put_values(&out, l.many, quoted, f)
            }
            _ => {
                let what = format!("`${{...{op}{operand}}}`");
                self.unsupported(span, &what)
            }
        }
    }

    fn unsupported(&mut self, span: Span, what: &str) -> Option<()> {
        self.report(
            Diagnostic::new(
                Code::UnsupportedExpansion,
                span,
                format!("fhc does not evaluate {what}"),
            )
            .with_label("not evaluated")
            .with_help("assign the value you mean to a variable and use ${NAME}"),
        );
        None
    }

    fn lookup(&mut self, name: &str, index: Option<&str>, span: Span) -> Option<Lookup> {
        if matches!(name, "@" | "*") {
            let args = self.positional.last().cloned().unwrap_or_default();
            return Some(Lookup {
                values: Some(args),
                many: name == "@",
            });
        }
        if name.chars().all(|c| c.is_ascii_digit()) {
            let i: usize = name.parse().unwrap_or(usize::MAX);
            if i == 0 {
                self.host(span, "`$0` is the path FireHOL runs from".into());
                return None;
            }
            let args = self.positional.last().cloned().unwrap_or_default();
            return Some(Lookup {
                values: args.get(i - 1).map(|v| vec![v.clone()]),
                many: false,
            });
        }
        if matches!(name, "#" | "?") {
            let v = if name == "#" {
                self.positional.last().map_or(0, Vec::len).to_string()
            } else {
                self.status.to_string()
            };
            return Some(Lookup {
                values: Some(vec![v]),
                many: false,
            });
        }
        if self.vars.is_unknown(name) {
            self.uncertain = true;
            return Some(Lookup {
                values: None,
                many: false,
            });
        }
        if let Some(what) = super::builtins::host_variable(name) {
            self.host(span, format!("`${name}` is {what}"));
            return None;
        }
        let value = self.vars.get(name).map(|v| v.value.clone());
        Some(match (value, index) {
            (None, _) => Lookup {
                values: None,
                many: matches!(index, Some("@" | "*")),
            },
            (Some(v), Some("@" | "*")) => Lookup {
                values: Some(v.items()),
                many: index == Some("@"),
            },
            (Some(v), Some(i)) => {
                let i = self.arith(i, span)?;
                let items = v.indexed();
                // A negative index counts from the highest one.
                let last = items.keys().next_back().map_or(0, |k| *k as i64 + 1);
                let at = if i < 0 { last + i } else { i };
                Lookup {
                    values: usize::try_from(at)
                        .ok()
                        .and_then(|k| items.get(&k))
                        .map(|s| vec![s.clone()]),
                    many: false,
                }
            }
            (Some(v), None) => Lookup {
                values: Some(vec![v.scalar().to_string()]),
                many: false,
            },
        })
    }

    fn put(&mut self, l: &Lookup, quoted: bool, f: &mut Fields) -> Option<()> {
        self.put_values(l.values.as_deref().unwrap_or_default(), l.many, quoted, f)
    }

    fn put_values(
        &mut self,
        values: &[String],
        many: bool,
        quoted: bool,
        f: &mut Fields,
    ) -> Option<()> {
        if many {
            f.many(values, quoted);
        } else {
            let joined = values.join(" ");
            put_one(&joined, quoted, f);
        }
        Some(())
    }

    /// The word after an operator (`${V:-word}`), expanded as one string (blanks in it are
    /// text, as bash reads the inside of `${...}`).
    fn operand(&mut self, text: &str, span: Span) -> Option<String> {
        self.operand_with(text, span, |r, w| r.string(w), |t| t.to_string())
    }

    /// The word after `:-`/`:+` straight into the fields: its quoted parts stay whole, its
    /// unquoted parts split (when the `${...}` itself is unquoted), as bash expands it.
    fn operand_into(&mut self, text: &str, span: Span, quoted: bool, f: &mut Fields) -> Option<()> {
        let full = &self.src.text[span.range()];
        let base = span.start + full.rfind(text).unwrap_or(0);
        let pieces = crate::syntax::words::assemble(text, &crate::syntax::lexer::lex(text));
        let mut last = 0;
        let gap = |g: &str, f: &mut Fields| {
            if quoted {
                f.quoted(g);
            } else if !g.is_empty() {
                f.unquoted(g);
            }
        };
        for p in pieces {
            let crate::syntax::words::Piece::Word(w) = p else {
                continue;
            };
            gap(&text[last..w.span.start], f);
            last = w.span.end;
            let w = w.shifted(base);
            if quoted {
                let v = self.string(&w)?;
                f.quoted(&v);
            } else {
                self.expand_into(&w, f)?;
            }
        }
        gap(&text[last..], f);
        Some(())
    }

    /// The pattern after `#`, `%`, `/`: quoted parts match literally.
    fn operand_pattern(&mut self, text: &str, span: Span) -> Option<String> {
        self.operand_with(text, span, |r, w| r.pattern(w), super::pattern::escape)
    }

    fn operand_with(
        &mut self,
        text: &str,
        span: Span,
        mut word: impl FnMut(&mut Self, &crate::syntax::ast::Word) -> Option<String>,
        gap: impl Fn(&str) -> String,
    ) -> Option<String> {
        let full = &self.src.text[span.range()];
        let base = span.start + full.rfind(text).unwrap_or(0);
        let pieces = crate::syntax::words::assemble(text, &crate::syntax::lexer::lex(text));
        let mut out = String::new();
        let mut last = 0;
        for p in pieces {
            let crate::syntax::words::Piece::Word(w) = p else {
                continue;
            };
            out.push_str(&gap(&text[last..w.span.start]));
            last = w.span.end;
            out.push_str(&word(self, &w.shifted(base))?);
        }
        out.push_str(&gap(&text[last..]));
        Some(out)
    }
}

fn put_one(s: &str, quoted: bool, f: &mut Fields) {
    if quoted { f.quoted(s) } else { f.unquoted(s) }
}

fn first_char(s: &str, op: fn(&char) -> char) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => std::iter::once(op(&first)).chain(c).collect(),
        None => String::new(),
    }
}

/// `NAME`, `NAME[index]`, a positional number or a special parameter, then the rest.
fn split_name(s: &str) -> Option<(&str, Option<&str>, &str)> {
    let first = s.chars().next()?;
    let len = if first.is_ascii_alphabetic() || first == '_' {
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    } else if first.is_ascii_digit() {
        s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())
    } else if "@*#?$!-".contains(first) {
        1
    } else {
        return None;
    };
    let (name, rest) = s.split_at(len);
    if let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        return Some((name, Some(&r[..close]), &r[close + 1..]));
    }
    Some((name, None, rest))
}

/// `pat/rep` at the first unescaped `/`.
fn split_replacement(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'/' => return (&s[..i], &s[i + 1..]),
            _ => i += 1,
        }
    }
    (s, "")
}
