//! Bash glob patterns (`case` arms, `[[ x == pat ]]`, `${V#pat}`): `*`, `?`, `[...]` (with `!`
//! or `^` and ranges) and `\` escapes. Quoted text in a pattern is matched literally: the
//! expansion escapes it before it gets here.

/// Escapes the glob characters of `s` (quoted text in a pattern).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// True when the whole of `s` matches `pat`.
pub fn matches(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    match_at(&p, &t)
}

/// Iterative matching with one backtrack point per `*` (linear for the patterns configs use,
/// never exponential on crafted ones).
fn match_at(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => match class(&p[pi..], t[ti]) {
                    Some((true, len)) => {
                        pi += len;
                        ti += 1;
                        continue;
                    }
                    Some((false, _)) => {}
                    None if t[ti] == '[' => {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                    None => {}
                },
                '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                    pi += 2;
                    ti += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() => {}
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A bracket expression at the start of `p`: whether `c` is in it, and its length. `None` when
/// it is not closed (then `[` is an ordinary character).
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    while i < p.len() {
        let ch = p[i];
        if ch == ']' && !first {
            return Some((found != negate, i + 1));
        }
        first = false;
        // `[:digit:]` and the other POSIX classes.
        if ch == '[' && p.get(i + 1) == Some(&':') {
            let rest: String = p[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                found |= posix_class(&rest[..end], c);
                i += 2 + end + 2;
                continue;
            }
        }
        let lo = if ch == '\\' && i + 1 < p.len() {
            i += 1;
            p[i]
        } else {
            ch
        };
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|h| *h != ']') {
            let hi = p[i + 2];
            found |= lo <= c && c <= hi;
            i += 3;
        } else {
            found |= lo == c;
            i += 1;
        }
    }
    None
}

fn posix_class(name: &str, c: char) -> bool {
    match name {
        "alpha" => c.is_alphabetic(),
        "digit" => c.is_ascii_digit(),
        "alnum" => c.is_alphanumeric(),
        "upper" => c.is_uppercase(),
        "lower" => c.is_lowercase(),
        "space" => c.is_whitespace(),
        "blank" => c == ' ' || c == '\t',
        "punct" => c.is_ascii_punctuation(),
        "xdigit" => c.is_ascii_hexdigit(),
        "cntrl" => c.is_control(),
        "print" => !c.is_control(),
        "graph" => !c.is_control() && c != ' ',
        "word" => c.is_alphanumeric() || c == '_',
        _ => false,
    }
}

/// `${V#pat}` (`longest` false) / `${V##pat}`: `s` without its matching prefix.
pub fn strip_prefix(s: &str, pat: &str, longest: bool) -> String {
    let cuts: Vec<usize> = boundaries(s);
    let mut order: Box<dyn Iterator<Item = &usize>> = if longest {
        Box::new(cuts.iter().rev())
    } else {
        Box::new(cuts.iter())
    };
    order
        .find(|&&i| matches(pat, &s[..i]))
        .map_or_else(|| s.to_string(), |&i| s[i..].to_string())
}

/// `${V%pat}` (`longest` false) / `${V%%pat}`: `s` without its matching suffix.
pub fn strip_suffix(s: &str, pat: &str, longest: bool) -> String {
    let cuts: Vec<usize> = boundaries(s);
    let mut order: Box<dyn Iterator<Item = &usize>> = if longest {
        Box::new(cuts.iter())
    } else {
        Box::new(cuts.iter().rev())
    };
    order
        .find(|&&i| matches(pat, &s[i..]))
        .map_or_else(|| s.to_string(), |&i| s[..i].to_string())
}

/// `${V/pat/rep}` (`all`: `//`; `anchor`: `/#` start, `/%` end).
pub fn replace(s: &str, pat: &str, rep: &str, all: bool, anchor: Option<char>) -> String {
    if pat.is_empty() {
        return s.to_string();
    }
    let cuts = boundaries(s);
    match anchor {
        Some('#') => {
            return match cuts.iter().rev().find(|&&e| matches(pat, &s[..e])) {
                Some(&e) => format!("{rep}{}", &s[e..]),
                None => s.to_string(),
            };
        }
        Some(_) => {
            return match cuts.iter().find(|&&b| matches(pat, &s[b..])) {
                Some(&b) => format!("{}{rep}", &s[..b]),
                None => s.to_string(),
            };
        }
        None => {}
    }
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        // The longest match starting at i.
        let end = cuts
            .iter()
            .rev()
            .filter(|&&e| e > i)
            .find(|&&e| matches(pat, &s[i..e]));
        match end {
            Some(&e) => {
                out.push_str(rep);
                i = e;
                if !all {
                    out.push_str(&s[i..]);
                    return out;
                }
            }
            None => {
                let ch = s[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("gw*", "gw-1"));
        assert!(matches("*", ""));
        assert!(matches("eth[0-9]", "eth3"));
        assert!(!matches("eth[!0-9]", "eth3"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a\\*c", "abc"));
        assert!(matches("a\\*c", "a*c"));
        assert!(matches(&escape("a*"), "a*"));
        assert!(!matches(&escape("a*"), "ab"));
        assert!(matches("*.*.*", "10.0.0"));
        assert!(matches("[[:digit:]]*", "5x"));
        assert!(!matches("[[:digit:]]", "x"));
    }

    #[test]
    fn trims_and_replacements() {
        assert_eq!(strip_prefix("eth0.100", "*.", false), "100");
        assert_eq!(strip_prefix("a.b.c", "*.", true), "c");
        assert_eq!(strip_suffix("10.0.0.1/24", "/*", false), "10.0.0.1");
        assert_eq!(strip_suffix("a.b.c", ".*", true), "a");
        assert_eq!(replace("a,b,c", ",", " ", true, None), "a b c");
        assert_eq!(replace("a,b,c", ",", " ", false, None), "a b,c");
        assert_eq!(replace("eth0", "eth", "br", false, Some('#')), "br0");
        assert_eq!(replace("x.conf", ".conf", "", false, Some('%')), "x");
    }
}
