//! Rule parameter problems: unknown parameters (with a suggestion), negations that are misplaced
//! or that FireHOL cannot read, and missing values.

use super::cmd_name;
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::suggest::suggest;
use crate::syntax::ast::*;
use crate::syntax::keywords::{self, ParamKind};

pub(super) fn param_problems(c: &Command, p: &Param, out: &mut Vec<Diagnostic>) {
    let Some(kind) = p.kind else {
        unknown_param(c, p, out);
        return;
    };
    negation_problems(p, kind, out);
    missing_value(p, kind, out);
}

/// A word where a parameter keyword was expected (or a stray `not`).
fn unknown_param(c: &Command, p: &Param, out: &mut Vec<Diagnostic>) {
    if !p.keyword.opaque_parts().is_empty() {
        // Already reported as a command substitution or array; one error per construct.
        return;
    }
    let kw = p.keyword.literal().unwrap_or("");
    if kw.eq_ignore_ascii_case("not") || kw == "!" {
        out.push(
            Diagnostic::new(
                Code::MisplacedNot,
                p.keyword.span,
                format!("`{kw}` must directly follow a parameter keyword"),
            )
            .with_label("negates nothing here")
            .with_help("write the keyword first: `src not 10.0.0.0/8`"),
        );
        return;
    }
    let mut d = Diagnostic::new(
        Code::UnknownParameter,
        p.keyword.span,
        match p.keyword.literal() {
            Some(k) => format!("`{k}` is not a parameter of `{}`", cmd_name(c)),
            None => "a parameter keyword cannot come from a variable".to_string(),
        },
    )
    .with_label(if p.keyword.literal().is_some() {
        "unknown parameter"
    } else {
        "fhc does not split a variable into several parameters"
    });
    if let Some(best) = suggest(
        kw,
        keywords::PARAMS.iter().flat_map(|p| p.0.iter().copied()),
    ) {
        d = d.with_help(format!("did you mean `{best}`?")).with_fix(
            format!("replace with `{best}`"),
            vec![TextEdit {
                span: p.keyword.span,
                new_text: best.to_string(),
            }],
        );
    } else {
        d = d.with_help("parameters are keywords such as src, dst, inface, outface, proto, sport, dport, uid, log");
    }
    out.push(d);
}

/// `!` (which FireHOL cannot read) and negations of a parameter that cannot be negated.
fn negation_problems(p: &Param, kind: ParamKind, out: &mut Vec<Diagnostic>) {
    // `not` is three bytes, `!` one.
    if let Some(n) = p.not
        && n.len() == 1
        && kind.negatable()
    {
        out.push(
            Diagnostic::new(
                Code::BrokenInFirehol,
                n,
                "FireHOL 3.1.7 cannot parse `!` as a negation (a bash test error)",
            )
            .with_label("fhc reads it as `not`")
            .with_fix(
                "write `not`",
                vec![TextEdit {
                    span: n,
                    new_text: "not".into(),
                }],
            ),
        );
    }
    if let Some(n) = p.not
        && !kind.negatable()
    {
        out.push(
            Diagnostic::new(
                Code::MisplacedNot,
                n,
                format!("`{}` cannot be negated", kind.name()),
            )
            .with_label("not allowed here")
            .with_fix(
                "remove the negation",
                vec![TextEdit {
                    span: n,
                    new_text: String::new(),
                }],
            ),
        );
    }
}

/// Values the parameter's arity asks for and the statement does not give.
fn missing_value(p: &Param, kind: ParamKind, out: &mut Vec<Diagnostic>) {
    if p.missing > 0 {
        let what = if p.missing == 1 {
            "a value".to_string()
        } else {
            format!("{} values", p.missing)
        };
        out.push(
            Diagnostic::new(
                Code::MissingValue,
                p.keyword.span,
                format!("`{}` needs {what}", kind.name()),
            )
            .with_label("value missing")
            .with_note(format!("`{}`: {}", kind.name(), kind.meaning()))
            .with_help("a list of values must be one quoted word: src \"10.0.0.1 10.0.0.2\""),
        );
    }
}
