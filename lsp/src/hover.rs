//! `textDocument/hover`: `fhc_lang::ide::hover` (services, keywords, variables with the value the
//! model expands, actions, the nftables rules of a statement) as markdown.

use crate::state::Doc;
use fhc_lang::ide;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

pub fn hover(doc: &Doc, pos: Position) -> Option<Hover> {
    let h = ide::hover::hover(&doc.file, doc.offset(pos))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: h.markdown,
        }),
        range: Some(doc.range(h.span)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_about_the_word_under_the_cursor() {
        let text = "LAN=\"10.0.0.0/8\"\ninterface eth0 lan src \"$LAN\"\n";
        let doc = Doc::test(text);
        let at = text.find("$LAN").unwrap() + 2;
        let h = hover(&doc, doc.range(fhc_lang::Span::new(at, at)).start).unwrap();
        let HoverContents::Markup(m) = h.contents else {
            panic!()
        };
        assert_eq!(m.kind, MarkupKind::Markdown);
        assert!(m.value.contains("10.0.0.0/8"), "{}", m.value);
        let r = h.range.unwrap();
        assert_eq!(
            (r.start.line, r.start.character, r.end.character),
            (1, 25, 28)
        );
        assert!(hover(&Doc::test("# c\n"), Position::new(0, 1)).is_none());
    }
}
