//! Fuzz target `response_analytics`: see `checks::response_analytics`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::response_analytics(data));
