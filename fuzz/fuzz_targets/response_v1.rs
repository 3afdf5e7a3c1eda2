//! Fuzz target `response_v1`: see `checks::response_v1`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::response_v1(data));
