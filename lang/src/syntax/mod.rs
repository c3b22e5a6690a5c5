//! The syntax layer: text to a typed tree. It knows nothing of sections, services or nftables.

pub mod arith;
pub mod ast;
pub mod blocks;
pub mod keywords;
pub mod lexer;
pub mod parser;
pub mod signatures;
pub mod validate;
pub mod words;

pub use parser::{Parse, parse};
