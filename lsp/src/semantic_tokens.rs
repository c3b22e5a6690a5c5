//! `textDocument/semanticTokens/full`: the tokens of `fhc_lang::ide::semantic_tokens`, cut at
//! line ends (the protocol's tokens never span lines) and delta-encoded in the negotiated
//! column unit. The legend is `TokenKind::ALL`, in order.

use crate::state::Doc;
use fhc_lang::Span;
use fhc_lang::ide::semantic_tokens::{self, TokenKind};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};

fn token_type(k: TokenKind) -> SemanticTokenType {
    match k {
        TokenKind::Keyword => SemanticTokenType::KEYWORD,
        TokenKind::Parameter => SemanticTokenType::PARAMETER,
        TokenKind::String => SemanticTokenType::STRING,
        TokenKind::Variable => SemanticTokenType::VARIABLE,
        TokenKind::Comment => SemanticTokenType::COMMENT,
        TokenKind::Number => SemanticTokenType::NUMBER,
        TokenKind::Operator => SemanticTokenType::OPERATOR,
        TokenKind::Function => SemanticTokenType::FUNCTION,
        TokenKind::Type => SemanticTokenType::TYPE,
        TokenKind::Namespace => SemanticTokenType::NAMESPACE,
        TokenKind::EnumMember => SemanticTokenType::ENUM_MEMBER,
    }
}

/// Modifier bit for the place a name is defined (the legend's only modifier).
pub const DECLARATION: u32 = 1;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TokenKind::ALL.iter().map(|&k| token_type(k)).collect(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

pub fn semantic_tokens(doc: &Doc) -> SemanticTokens {
    let m = doc.mapper();
    let (text, index) = (doc.text(), doc.index());
    let mut data = Vec::new();
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    for t in semantic_tokens::tokens(&doc.file) {
        let span = t.span;
        let first = index.line_of(span.start);
        let last = index.line_of(span.end.saturating_sub(1).max(span.start));
        for line in first..=last {
            let start = span.start.max(index.line_start(line));
            let end = span.end.min(index.line_end(text, line));
            if start >= end {
                continue;
            }
            let seg = Span::new(start, end);
            let pos = m.position(start);
            let delta_line = pos.line - prev_line;
            let delta_start = if delta_line == 0 {
                pos.character - prev_start
            } else {
                pos.character
            };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length: m.len(seg),
                token_type: t.kind as u32,
                token_modifiers_bitset: if t.declaration { DECLARATION } else { 0 },
            });
            prev_line = pos.line;
            prev_start = pos.character;
        }
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the tokens back to (line, text, type, modifiers).
    fn decode(text: &str) -> Vec<(u32, String, u32, u32)> {
        let doc = Doc::test(text);
        let toks = semantic_tokens(&doc);
        let lines: Vec<Vec<u16>> = text
            .split('\n')
            .map(|l| l.encode_utf16().collect())
            .collect();
        let (mut line, mut col) = (0u32, 0u32);
        let mut out = Vec::new();
        for t in toks.data {
            if t.delta_line > 0 {
                line += t.delta_line;
                col = t.delta_start;
            } else {
                col += t.delta_start;
            }
            let l = &lines[line as usize];
            let s = String::from_utf16_lossy(&l[col as usize..(col + t.length) as usize]);
            out.push((line, s, t.token_type, t.token_modifiers_bitset));
        }
        out
    }

    #[test]
    fn types_follow_the_legend() {
        let legend = legend();
        let t = decode("LAN=1\ninterface eth0 lan src \"$LAN\"\n");
        let ty = |s: &str| {
            let (_, _, ty, mods) = t.iter().find(|x| x.1 == s).unwrap();
            (legend.token_types[*ty as usize].clone(), *mods)
        };
        assert_eq!(ty("LAN"), (SemanticTokenType::VARIABLE, DECLARATION));
        assert_eq!(ty("interface"), (SemanticTokenType::KEYWORD, 0));
        assert_eq!(ty("lan"), (SemanticTokenType::NAMESPACE, DECLARATION));
        assert_eq!(ty("src"), (SemanticTokenType::PARAMETER, 0));
        assert_eq!(ty("$LAN"), (SemanticTokenType::VARIABLE, 0));
    }

    #[test]
    fn multi_line_strings_split_per_line_and_utf16_lengths() {
        let text = "X=\"a\n\u{1F600}b\"\n";
        let t = decode(text);
        let s = TokenKind::String as u32;
        assert!(t.contains(&(0, "\"a".to_string(), s, 0)), "{t:?}");
        assert!(t.contains(&(1, "\u{1F600}b\"".to_string(), s, 0)), "{t:?}");
    }
}
