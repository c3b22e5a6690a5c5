//! `fhc --version`: the release and the nftables contract, because a ruleset only loads where
//! nft understands its JSON schema; an administrator comparing hosts needs both in one line.

use fhc_lang::nft::json::{JSON_SCHEMA_VERSION, MIN_NFT_VERSION};
use std::sync::OnceLock;

/// The version text clap prints (built once: clap wants a `&'static str`, and the schema numbers
/// come from the compiler crate rather than being repeated here).
pub fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{} (nftables JSON schema {JSON_SCHEMA_VERSION}, for nft >= {MIN_NFT_VERSION})",
            env!("CARGO_PKG_VERSION")
        )
    })
}
