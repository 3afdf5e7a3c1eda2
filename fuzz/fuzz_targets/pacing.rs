//! Pacing and retry decisions under any sequence of slots, answers, 429s and failures.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::pacing_bytes(data));
