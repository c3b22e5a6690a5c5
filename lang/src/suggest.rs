//! "Did you mean ...?": the closest known word to a misspelt one (commands, parameters,
//! services, actions), used by the syntax checks and the model.

/// The closest candidate within a small edit distance, if any. Every unknown word is compared
/// with a whole vocabulary (hundreds of services), so the distance is bounded: a candidate whose
/// length alone puts it out of reach is skipped, and a comparison stops once no cell of its row
/// is within the limit.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let w: Vec<char> = lower.chars().collect();
    if w.is_empty() {
        return None;
    }
    // By bytes, as it always was: a word with accents gets the longer word's limit.
    let limit = if lower.len() <= 4 { 1 } else { 2 };
    let mut rows = (Vec::new(), Vec::new());
    candidates
        .filter(|c| c.chars().count().abs_diff(w.len()) <= limit)
        .filter_map(|c| Some((bounded_distance(&w, c, limit, &mut rows)?, c)))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// The edit distance of `a` and `b` when it is at most `limit` (`rows` are reused buffers).
fn bounded_distance(
    a: &[char],
    b: &str,
    limit: usize,
    rows: &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let (prev, cur) = rows;
    prev.clear();
    prev.extend(0..=b.len());
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let d = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            cur.push(d);
        }
        if cur.iter().all(|&d| d > limit) {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn closest_within_the_limit() {
        let words = ["accept", "reject", "drop", "ssh", "http", "https"];
        let s = |w: &str| suggest(w, words.iter().copied());
        assert_eq!(s("acept"), Some("accept"));
        assert_eq!(s("ACCPET"), Some("accept"), "two edits in a long word");
        assert_eq!(s("htps"), Some("https"));
        assert_eq!(s("htt"), Some("http"));
        assert_eq!(s("rejcet"), Some("reject"));
        assert_eq!(s("sh"), Some("ssh"));
        assert_eq!(s("dorp"), None, "a swap in a short word is two edits");
        assert_eq!(s("xxxxxxxx"), None);
        assert_eq!(s(""), None);
        assert_eq!(s("drop\u{e9}"), Some("drop"));
        assert_eq!(
            s("dr\u{f6}\u{f6}"),
            Some("drop"),
            "4 characters, 6 bytes: limit 2"
        );
    }
}
