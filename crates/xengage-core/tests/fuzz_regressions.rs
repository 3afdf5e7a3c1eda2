//! Replays every input the fuzzers ever crashed on (`fuzz/regressions/<target>/`) through the
//! same checks the fuzz targets run (`fuzz/checks.rs`), so plain `cargo test` keeps them fixed;
//! and the targets' seeds (`fuzz/seeds/<target>/`), so a seed the checks refuse is caught here.
#![allow(clippy::disallowed_methods)] // reads fixture files

#[path = "../../../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

fn inputs(folder: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(folder)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

fn replay(target: &str, check: fn(&[u8])) -> usize {
    replay_from("regressions", target, check)
}

fn replay_from(folder: &str, target: &str, check: fn(&[u8])) -> usize {
    let inputs = inputs(folder, target);
    for (path, bytes) in &inputs {
        if let Err(e) = std::panic::catch_unwind(|| check(bytes)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()));
            panic!(
                "{target} input {} fails (again, if a regression): {msg:?}",
                path.display()
            );
        }
    }
    inputs.len()
}

#[test]
fn request_spec_regressions() {
    assert!(replay("request_spec", checks::request_spec_bytes) >= 1);
}

#[test]
fn request_http_regressions() {
    replay("request_http", checks::request_http);
}

#[test]
fn pacing_regressions() {
    replay("pacing", checks::pacing_bytes);
}

#[test]
fn response_v1_regressions() {
    replay("response_v1", checks::response_v1);
}

#[test]
fn response_v2_regressions() {
    replay("response_v2", checks::response_v2);
}

#[test]
fn response_analytics_regressions() {
    replay("response_analytics", checks::response_analytics);
}

#[test]
fn oauth1_regressions() {
    replay("oauth1", checks::oauth1_bytes);
}

#[test]
fn headers_regressions() {
    replay("headers", checks::headers);
}

#[test]
fn time_text_regressions() {
    replay("time_text", checks::times_bytes);
}

#[test]
fn seeds_pass_their_checks() {
    assert!(replay_from("seeds", "request_http", checks::request_http) >= 5);
    assert!(replay_from("seeds", "response_v1", checks::response_v1) >= 17);
    assert!(replay_from("seeds", "response_v2", checks::response_v2) >= 4);
    assert!(replay_from("seeds", "response_analytics", checks::response_analytics) >= 5);
}

#[test]
fn collect_regressions() {
    replay("collect", checks::collect_bytes);
}
