//! Find references: every place in this file the name under the cursor is written (its
//! definitions included when asked).

use super::File;
use crate::Span;

/// The spans of the name at `offset`, in source order.
pub fn references(file: &File, offset: usize, include_declaration: bool) -> Vec<Span> {
    let names = file.names();
    let Some(o) = names.at(offset) else {
        return Vec::new();
    };
    names
        .of(&o.sym)
        .filter(|r| include_declaration || !r.def)
        .map(|r| r.span)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_uses_of_a_variable_with_and_without_declarations() {
        let text = "LAN=1\ninterface eth0 lan src $LAN dst \"${LAN}\"\n    server ssh accept src \"x $LAN\"\n";
        let doc = File::alone(text);
        let at = text.find("LAN").unwrap();
        let all = references(&doc, at, true);
        assert_eq!(all.len(), 4);
        assert_eq!(references(&doc, at, false).len(), 3);
        // Every span covers exactly the name.
        for s in &all {
            assert_eq!(&text[s.range()], "LAN");
        }
    }

    #[test]
    fn actions() {
        let text = "action A chain drop\ninterface eth0 lan\n    policy A\n    server ssh A\n";
        let at = text.rfind(" A").unwrap() + 1;
        assert_eq!(references(&File::alone(text), at, true).len(), 3);
    }
}
