//! The semantic model: what FireHOL statements mean, independent of how they are written and of
//! any backend. `build` walks the tree in source order (as FireHOL sources the file) and produces
//! the [`ir::Model`] plus the semantic diagnostics.

mod actions;
mod build;
mod edits;
pub mod expand;
mod helpers;
mod hosts;
pub mod ipsets;
pub mod iptables;
pub mod ir;
mod matches;
mod nat;
mod params;
mod placement;
mod rules;
mod sections;
pub mod services;
mod sets;
mod settings;
pub mod synproxy;
pub mod values;
mod verdicts;

pub use build::{build, build_in, prelude_marks};
pub use nat::parse_nat_target;

pub use ir::Model;
pub use sets::{family_suffix, own_set, own_sets};
pub use settings::KERNEL_SETTINGS;
