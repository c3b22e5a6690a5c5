//! Layout: each logical line printed at its indentation, on one line or broken canonically.

use super::indent::{Effect, State, effects};
use super::segments::{Atom, Bit, CodeLine, SegKind, segments};
use super::{INDENT, MAX_WIDTH};
use crate::span::Span;
use crate::syntax::Parse;
use crate::syntax::ast::{CommandKind, Stmt, StmtKind};

/// One segment's output. `text` is `None` for a blank line.
pub(super) struct Rendered {
    pub(super) span: Span,
    pub(super) text: Option<String>,
    /// Whether range formatting may replace it (statements and comments, not blank lines or
    /// here-document bodies).
    pub(super) editable: bool,
}

pub(super) fn layout(text: &str, parse: &Parse, nl: &str) -> Vec<Rendered> {
    let segs = segments(text, &parse.tokens);
    let stmts = &parse.file.stmts;
    let mut next_stmt = 0;
    let mut state = State::default();
    let mut out: Vec<Rendered> = Vec::with_capacity(segs.len());
    // Full-line comments waiting for the indentation of the statement after them.
    let mut pending: Vec<(usize, Span)> = Vec::new();
    let fill = |out: &mut Vec<Rendered>, pending: &mut Vec<(usize, Span)>, level: usize| {
        for (k, c) in pending.drain(..) {
            let mut s = String::new();
            push_indent(&mut s, level * INDENT);
            s.push_str(trim_comment(&text[c.range()]));
            out[k].text = Some(s);
        }
    };
    let mut fx = Vec::new();
    let mut stmt_end = 0;
    for seg in segs {
        let first = next_stmt;
        while next_stmt < stmts.len() && stmts[next_stmt].span.start <= seg.span.end {
            next_stmt += 1;
        }
        let line_stmts = &stmts[first..next_stmt];
        match seg.kind {
            SegKind::Blank => out.push(Rendered {
                span: seg.span,
                text: None,
                editable: false,
            }),
            SegKind::Comment(c) => {
                pending.push((out.len(), c));
                out.push(Rendered {
                    span: seg.span,
                    text: None,
                    editable: true,
                });
            }
            SegKind::Verbatim => {
                fill(&mut out, &mut pending, state.level(&[], None));
                out.push(Rendered {
                    span: seg.span,
                    text: Some(text[seg.span.range()].to_string()),
                    editable: false,
                });
            }
            SegKind::Code(line) => {
                fx.clear();
                for s in line_stmts {
                    effects(s, &parse.pieces, &mut fx);
                }
                if !line.case_ends.is_empty() {
                    fx.extend(line.case_ends.iter().map(|&o| (o, Effect::EndItem)));
                    fx.sort_by_key(|&(o, _)| o);
                }
                let mut level = state.level(&fx, Some(line.atoms[0].start));
                if line_stmts.is_empty() && line.atoms[0].start < stmt_end {
                    // The rest of a statement that spans lines (an array): one level deeper.
                    level += 1;
                }
                state.apply(&fx);
                if let Some(last) = line_stmts.last() {
                    stmt_end = last.span.end;
                }
                fill(&mut out, &mut pending, level);
                let s = render_line(text, &line, level, line_stmts, nl);
                out.push(Rendered {
                    span: seg.span,
                    text: Some(s),
                    editable: true,
                });
            }
        }
    }
    fill(&mut out, &mut pending, state.level(&[], None));
    out
}

fn trim_comment(c: &str) -> &str {
    c.trim_end_matches([' ', '\t', '\x0c', '\r'])
}

fn atom_width(text: &str, a: &Atom) -> usize {
    a.bits
        .iter()
        .map(|b| match *b {
            Bit::Text(s) => text[s.range()].chars().count(),
            Bit::Comment(s) => trim_comment(&text[s.range()]).chars().count(),
            Bit::Cont => 2,
        })
        .sum()
}

fn push_atom(out: &mut String, text: &str, a: &Atom, nl: &str) {
    for b in &a.bits {
        match *b {
            Bit::Text(s) => out.push_str(&text[s.range()]),
            Bit::Comment(s) => out.push_str(trim_comment(&text[s.range()])),
            Bit::Cont => {
                out.push('\\');
                out.push_str(nl);
            }
        }
    }
}

fn push_indent(out: &mut String, cols: usize) {
    out.extend(std::iter::repeat_n(' ', cols));
}

fn push_break(out: &mut String, nl: &str, cols: usize) {
    out.push_str(" \\");
    out.push_str(nl);
    push_indent(out, cols);
}

/// Where a long command may be broken: before each rule parameter and NAT option (`soft`), and
/// always before a synproxy's action and before each `next` step of an action (`forced`).
/// Offsets are sorted.
fn break_points(stmt: &Stmt, text: &str, line: &CodeLine) -> Option<(Vec<usize>, Vec<usize>)> {
    let StmtKind::Command(c) = &stmt.kind else {
        return None;
    };
    let mut soft: Vec<usize> = c.params().iter().map(|p| p.span.start).collect();
    let mut forced = Vec::new();
    match &c.kind {
        CommandKind::Nat(n) => soft.extend(n.options.iter().map(|o| o.span.start)),
        CommandKind::Masquerade { options, .. } => {
            soft.extend(options.iter().map(|o| o.span.start))
        }
        CommandKind::Synproxy(s) => {
            if let Some(a) = &s.action {
                forced.push(a.span.start);
                soft.extend(a.nat_options.iter().map(|o| o.span.start));
            }
        }
        CommandKind::Action(_) => {
            forced.extend(line.atoms.iter().filter_map(|a| match a.bits.as_slice() {
                [Bit::Text(s)] if text[s.range()].eq_ignore_ascii_case("next") => Some(a.start),
                _ => None,
            }))
        }
        _ => {}
    }
    soft.sort_unstable();
    forced.sort_unstable();
    Some((soft, forced))
}

/// A run of atoms kept together on one line when a long command is broken.
struct Chunk {
    atoms: std::ops::Range<usize>,
    width: usize,
    forced: bool,
}

fn render_line(text: &str, line: &CodeLine, level: usize, stmts: &[Stmt], nl: &str) -> String {
    let indent = level * INDENT;
    let cont = indent + INDENT;
    let atoms = &line.atoms;
    let mut out = String::new();
    push_indent(&mut out, indent);
    let multiline = atoms.iter().any(|a| a.multiline);
    let widths: Vec<usize> = atoms.iter().map(|a| atom_width(text, a)).collect();
    let joined = indent + widths.iter().sum::<usize>() + widths.len() - 1;
    let chunks = match stmts {
        [stmt] if !multiline && joined > MAX_WIDTH => {
            break_points(stmt, text, line).map(|(soft, forced)| {
                let mut chunks: Vec<Chunk> = Vec::new();
                for (k, a) in atoms.iter().enumerate() {
                    let forced = k > 0 && forced.binary_search(&a.start).is_ok();
                    match chunks.last_mut() {
                        Some(ch) if !forced && soft.binary_search(&a.start).is_err() => {
                            ch.atoms.end = k + 1;
                            ch.width += 1 + widths[k];
                        }
                        _ => chunks.push(Chunk {
                            atoms: k..k + 1,
                            width: widths[k],
                            forced,
                        }),
                    }
                }
                chunks
            })
        }
        _ => None,
    };
    let push_run = |out: &mut String, r: std::ops::Range<usize>| {
        for k in r.clone() {
            if k > r.start {
                out.push(' ');
            }
            push_atom(out, text, &atoms[k], nl);
        }
    };
    match chunks {
        _ if !multiline && joined <= MAX_WIDTH => push_run(&mut out, 0..atoms.len()),
        Some(chunks) if chunks.len() > 1 => {
            // Greedy: a chunk goes on the current line when it fits there (with room for the
            // ` \` that follows unless it is the last one).
            let mut col = indent;
            let last = chunks.len() - 1;
            for (k, ch) in chunks.iter().enumerate() {
                if k > 0 {
                    let tail = if k == last { 0 } else { 2 };
                    if ch.forced || col + 1 + ch.width + tail > MAX_WIDTH {
                        push_break(&mut out, nl, cont);
                        col = cont;
                    } else {
                        out.push(' ');
                        col += 1;
                    }
                }
                push_run(&mut out, ch.atoms.clone());
                col += ch.width;
            }
        }
        _ => {
            // Keep the author's breaks (shell code, several statements, multi-line strings).
            for (k, a) in atoms.iter().enumerate() {
                if k > 0 {
                    if a.break_before {
                        push_break(&mut out, nl, cont);
                    } else {
                        out.push(' ');
                    }
                }
                push_atom(&mut out, text, a, nl);
            }
        }
    }
    if let Some(c) = line.comment {
        out.push(' ');
        out.push_str(trim_comment(&text[c.range()]));
    }
    out
}
