//! Brace expansion (`web{1,2}`, `10.0.0.{1..3}`, `{a..e}`): the first of bash's expansions, on
//! the unquoted text of a word, before variables. A word with a group becomes several words.

use crate::syntax::ast::Word;
use crate::syntax::words::{PartKind, WordPart};

/// More words than this from one word is no configuration (bash would take them).
const MAX_WORDS: usize = 10_000;

/// True when `text` holds a brace group bash would expand.
pub fn has_group(text: &str) -> bool {
    group(text).is_some()
}

/// The words a word's brace groups make, in bash's order; `None` when it has none.
pub fn expand(w: &Word) -> Option<Vec<Word>> {
    let (i, text) = w
        .parts
        .iter()
        .enumerate()
        .find_map(|(i, p)| match &p.kind {
            PartKind::Literal(t) if has_group(t) => Some((i, t.to_string())),
            _ => None,
        })?;
    let (start, end, alternatives) = group(&text)?;
    let mut out = Vec::new();
    for alt in alternatives {
        let mut parts: Vec<WordPart> = w.parts.to_vec();
        let new = format!("{}{alt}{}", &text[..start], &text[end..]);
        parts[i] = WordPart {
            span: parts[i].span,
            kind: PartKind::Literal(new.as_str().into()),
        };
        let variant = Word::new(w.span, parts);
        match expand(&variant) {
            Some(more) => out.extend(more),
            None => out.push(variant),
        }
        if out.len() > MAX_WORDS {
            return None;
        }
    }
    Some(out)
}

/// The first expandable group of `text`: where it starts and ends, and its alternatives.
fn group(text: &str) -> Option<(usize, usize, Vec<String>)> {
    let b = text.as_bytes();
    for (start, _) in text.match_indices('{') {
        if start > 0 && b[start - 1] == b'$' {
            continue;
        }
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut end = None;
        for (k, c) in text[start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + k);
                        break;
                    }
                }
                ',' if depth == 1 => commas.push(start + k),
                _ => {}
            }
        }
        let Some(end) = end else { continue };
        let inner = &text[start + 1..end];
        if !commas.is_empty() {
            let mut alts = Vec::new();
            let mut from = start + 1;
            for c in commas {
                alts.push(text[from..c].to_string());
                from = c + 1;
            }
            alts.push(text[from..end].to_string());
            return Some((start, end + 1, alts));
        }
        if let Some(alts) = sequence(inner) {
            return Some((start, end + 1, alts));
        }
    }
    None
}

/// `1..5`, `5..1`, `1..10..2`, `a..e`.
fn sequence(inner: &str) -> Option<Vec<String>> {
    let mut it = inner.split("..");
    let (a, b, step) = (it.next()?, it.next()?, it.next());
    if it.next().is_some() {
        return None;
    }
    let step: i64 = match step {
        Some(s) => s.parse::<i64>().ok()?.unsigned_abs().max(1) as i64,
        None => 1,
    };
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        if (x - y).unsigned_abs() / step as u64 > MAX_WORDS as u64 {
            return None;
        }
        let width = if a.starts_with('0') && a.len() > 1 || b.starts_with('0') && b.len() > 1 {
            a.len().max(b.len())
        } else {
            0
        };
        let mut out = Vec::new();
        let mut v = x;
        loop {
            out.push(format!("{v:0width$}"));
            if v == y || (x < y && v + step > y) || (x > y && v - step < y) {
                break;
            }
            v = if x < y { v + step } else { v - step };
        }
        return Some(out);
    }
    let (ca, cb) = (single(a)?, single(b)?);
    let (lo, hi) = (ca.min(cb) as u32, ca.max(cb) as u32);
    let mut out: Vec<String> = (lo..=hi)
        .step_by(step as usize)
        .filter_map(char::from_u32)
        .map(String::from)
        .collect();
    if ca > cb {
        out.reverse();
    }
    Some(out)
}

fn single(s: &str) -> Option<char> {
    let mut c = s.chars();
    let first = c.next()?;
    (c.next().is_none() && first.is_ascii_alphabetic()).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::words::{Piece, assemble};

    fn words(text: &str) -> Vec<String> {
        let Piece::Word(w) = assemble(text, &crate::syntax::lexer::lex(text)).remove(0) else {
            panic!()
        };
        expand(&w)
            .unwrap_or_else(|| vec![w.clone()])
            .iter()
            .map(|w| w.literal().unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn groups_and_sequences() {
        assert_eq!(words("web{1,2}"), ["web1", "web2"]);
        assert_eq!(words("10.0.0.{1..3}"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        assert_eq!(words("{a,b}{1,2}"), ["a1", "a2", "b1", "b2"]);
        assert_eq!(words("{3..1}"), ["3", "2", "1"]);
        assert_eq!(words("{01..03}"), ["01", "02", "03"]);
        assert_eq!(words("{a..c}"), ["a", "b", "c"]);
        assert_eq!(words("{0..10..5}"), ["0", "5", "10"]);
        assert_eq!(words("x{a,{b,c}}"), ["xa", "xb", "xc"]);
        // Not groups: no comma, quoted, a lone brace.
        assert_eq!(words("{a}"), ["{a}"]);
        assert_eq!(words("'{a,b}'"), ["{a,b}"]);
        assert_eq!(words("{"), ["{"]);
    }
}
