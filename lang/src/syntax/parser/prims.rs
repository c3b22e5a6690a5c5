//! The word-level combinators every part of the grammar is built from: words, values, keywords,
//! operators, negations and parameter keywords.

use super::{Ex, In, Tok, WordClass};
use crate::span::Span;
use crate::syntax::ast::Param;
use crate::syntax::keywords::{Arity, ParamKind};
use crate::syntax::words::{Op, Word};
use chumsky::prelude::*;

/// The byte span of what a combinator matched (also pins the closure's types for inference).
pub(super) fn span_of<'a, I: In<'a>>(e: &mut chumsky::input::MapExtra<'a, '_, I, Ex<'a>>) -> Span {
    Span::from(e.span())
}

/// Any word.
pub(super) fn word<'a, I: In<'a>>() -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, _) => w.clone() }
}

/// All the words left (up to the end of the statement or the next operator).
pub(super) fn rest<'a, I: In<'a>>() -> impl Parser<'a, I, Vec<Word>, Ex<'a>> + Clone {
    word().repeated().collect()
}

/// A word that is not a parameter keyword: a value.
pub(super) fn value<'a, I: In<'a>>() -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.param.is_none() => w.clone() }
}

/// A value that is none of `stops` (for `next` in actions, NAT options, ...).
pub(super) fn value_except<'a, I: In<'a>>(
    stops: &'static [&'static str],
) -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.param.is_none() && !stops.iter().any(|s| w.is_ci(s)) => w.clone() }
}

/// A word equal to one of `names` (case-insensitive), whatever its class.
pub(super) fn kw<'a, I: In<'a>>(
    names: &'static [&'static str],
) -> impl Parser<'a, I, Word, Ex<'a>> + Clone {
    select! { Tok::Word(w, _) if w.bare().is_some() && names.iter().any(|n| w.is_ci(n)) => w.clone() }
}

pub(super) fn op<'a, I: In<'a>>(o: Op) -> impl Parser<'a, I, Span, Ex<'a>> + Clone {
    just(Tok::Op(o)).map_with(|_, e| Span::from(e.span()))
}

pub(super) fn negation<'a, I: In<'a>>() -> impl Parser<'a, I, Span, Ex<'a>> + Clone {
    select! { Tok::Word(w, c) if c.not => w.span }
}

pub(super) fn param_kw<'a, I: In<'a>>(
    arity: Arity,
    stops: &'static [&'static str],
) -> impl Parser<'a, I, (Word, ParamKind), Ex<'a>> + Clone {
    select! { Tok::Word(w, WordClass { param: Some((k, a)), .. }) if a == arity && !stops.iter().any(|s| w.is_ci(s)) => (w.clone(), k) }
}

pub(super) fn mk_param(
    keyword: Word,
    kind: Option<ParamKind>,
    not: Option<Span>,
    values: Vec<Word>,
    missing: usize,
    span: SimpleSpan,
) -> Param {
    Param {
        span: span.into(),
        keyword,
        kind,
        not,
        values,
        missing,
    }
}
