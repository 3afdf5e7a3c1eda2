//! Reading requests back from HTTP (what the emulator and the proxy do with what they receive).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::request_http(data));
