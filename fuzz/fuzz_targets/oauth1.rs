//! Fuzz target `oauth1`: see `checks::oauth1`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::oauth1_bytes(data));
