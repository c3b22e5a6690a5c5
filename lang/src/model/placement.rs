//! Where a statement may stand: before the first section (`top_only`), or inside one
//! (`section_only`), with a fix that moves it.

use super::build::{Builder, name_of, section_only, top_only};
use super::edits::move_line_edits;
use super::ir::SectionKind;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::syntax::ast::Command;

impl Builder<'_> {
    /// The statements FireHOL accepts only before the first section, or only inside one. False
    /// when the statement must go no further (a section-only statement outside any section).
    pub(super) fn check_placement(&mut self, c: &Command) -> bool {
        if top_only(c.cmd)
            && let Some(i) = self.section
        {
            let s = &self.model.sections[i];
            self.diags.push(
                Diagnostic::new(
                    Code::TopOnlyInSection,
                    c.span,
                    format!(
                        "`{}` must come before the first interface or router",
                        name_of(c)
                    ),
                )
                .with_label(format!(
                    "inside {} `{}`",
                    if s.kind == SectionKind::Interface {
                        "interface"
                    } else {
                        "router"
                    },
                    s.name
                ))
                .with_secondary(
                    self.first_section_stmt.unwrap_or(s.span),
                    "the first section starts here",
                )
                .with_help("move this statement above the first interface/router")
                .with_fix(
                    "move it above the first section",
                    move_line_edits(self.text, c.span, self.first_section_stmt.unwrap_or(s.span)),
                ),
            );
        }
        if section_only(c.cmd) && self.section.is_none() {
            self.diags.push(
                Diagnostic::new(
                    Code::OutsideSection,
                    c.span,
                    format!(
                        "`{}` belongs inside an interface or router section",
                        name_of(c)
                    ),
                )
                .with_label("no section is open here")
                .with_help("open a section first, e.g. `interface eth0 lan`"),
            );
            return false;
        }
        true
    }
}
