//! The nftables backend: lowering the model to a typed ruleset, and its JSON.

pub mod json;
pub mod kernel;
pub mod lower;
mod optimize;
pub mod set;
pub mod text;

pub use lower::{Options, Output, Sysctl, lower};
