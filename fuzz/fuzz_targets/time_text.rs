//! Fuzz target `time_text`: see `checks::times`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::times_bytes(data));
