//! `textDocument/signatureHelp`: `fhc_lang::ide::signature_help` (the command's usage line in
//! FireHOL's order, the place at the cursor, every form of the command).

use crate::state::Doc;
use fhc_lang::ide::signature_help;
use tower_lsp_server::ls_types::{
    Documentation, ParameterInformation, ParameterLabel, Position, SignatureHelp,
    SignatureInformation,
};

/// Label offsets are UTF-16 code units of the label (past its end: its length).
fn utf16(label: &str, byte: usize) -> u32 {
    label.get(..byte).unwrap_or(label).encode_utf16().count() as u32
}

pub fn signature_help(doc: &Doc, pos: Position) -> Option<SignatureHelp> {
    let h = signature_help::signature_help(&doc.file, doc.offset(pos))?;
    let signatures = h
        .forms
        .into_iter()
        .map(|f| SignatureInformation {
            label: f.label.to_string(),
            documentation: Some(Documentation::String(f.doc.to_string())),
            parameters: Some(
                f.params
                    .into_iter()
                    .map(|((s, e), doc)| ParameterInformation {
                        label: ParameterLabel::LabelOffsets([utf16(f.label, s), utf16(f.label, e)]),
                        documentation: Some(Documentation::String(doc.to_string())),
                    })
                    .collect(),
            ),
            active_parameter: None,
        })
        .collect();
    Some(SignatureHelp {
        signatures,
        active_signature: Some(h.active_form as u32),
        active_parameter: Some(h.active_param as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_at_the_cursor() {
        let text = "interface eth0 lan\n    server http ";
        let doc = Doc::test(text);
        let h = signature_help(&doc, Position::new(1, 16)).unwrap();
        let sig = &h.signatures[h.active_signature.unwrap() as usize];
        assert_eq!(sig.label, "server SERVICES ACTION RULE_PARAMS...");
        let p = &sig.parameters.as_ref().unwrap()[h.active_parameter.unwrap() as usize];
        assert_eq!(p.label, ParameterLabel::LabelOffsets([16, 22]));
        assert!(signature_help(&doc, Position::new(0, 3)).is_none());
    }
}
