//! Fuzz target `response_v2`: see `checks::response_v2`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::response_v2(data));
