//! Fuzz target `collect`: see `checks::collect`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::collect_bytes(data));
