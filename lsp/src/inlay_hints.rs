//! `textDocument/inlayHint`: `fhc_lang::ide::inlay_hints` (a service's ports, a variable's
//! value, what a synproxy line protects) at their positions.

use crate::state::Doc;
use fhc_lang::ide::inlay_hints::{self, HintKind};
use tower_lsp_server::ls_types::{
    InlayHint, InlayHintKind, InlayHintLabel, InlayHintTooltip, Range,
};

pub fn inlay_hints(doc: &Doc, range: Range) -> Vec<InlayHint> {
    inlay_hints::inlay_hints(&doc.file, doc.span(range))
        .into_iter()
        .map(|h| InlayHint {
            // `: tcp/80` sticks to its word, as a type annotation does; `= value` and `⇒` stand apart.
            padding_left: Some(!h.label.starts_with(':')),
            position: doc.range(fhc_lang::Span::new(h.offset, h.offset)).start,
            label: InlayHintLabel::String(h.label),
            kind: Some(match h.kind {
                HintKind::Type => InlayHintKind::TYPE,
                HintKind::Value => InlayHintKind::PARAMETER,
            }),
            text_edits: None,
            tooltip: h.tooltip.map(InlayHintTooltip::String),
            padding_right: None,
            data: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::Position;

    #[test]
    fn hints_inside_the_range_with_positions() {
        let text = "interface eth0 lan\n    server ssh accept\n    server http accept\n";
        let doc = Doc::test(text);
        let h = inlay_hints(&doc, Range::new(Position::new(2, 0), Position::new(3, 0)));
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].position, Position::new(2, 15));
        assert!(matches!(&h[0].label, InlayHintLabel::String(l) if l == ": tcp/80"));
    }
}
