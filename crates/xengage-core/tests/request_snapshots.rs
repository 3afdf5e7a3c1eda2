//! Snapshots of the built request for every fixture in `tests/fixtures/requests/`: the exact
//! method, URL, headers, body bytes and notices. Building is pure, so these are exact.

// Tests read fixtures from disk; the no-IO promise (clippy.toml) is about the library.
#![allow(clippy::disallowed_methods)]

use xengage_core::{BaseUrls, RequestSpec, TimeInput, ValidationOptions, notice_json};

#[derive(serde::Deserialize)]
struct Fixture {
    now: String,
    spec: RequestSpec,
}

#[test]
fn built_requests_match_their_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/requests");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "one fixture per endpoint at least");
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let fixture: Fixture = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let now = TimeInput::parse(&fixture.now).unwrap().to_utc();
        let request = fixture
            .spec
            .validate(now, &ValidationOptions::default())
            .unwrap();
        let prepared = request.prepare(&BaseUrls::default());
        let headers: Vec<String> = prepared
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
            .collect();
        let snapshot = serde_json::json!({
            "method": prepared.method.as_str(),
            "url": prepared.url,
            "headers": headers,
            "body": prepared.body_text(),
            "notices": request.notices().iter().map(notice_json).collect::<Vec<_>>(),
        });
        insta::assert_json_snapshot!(name, snapshot);
    }
}
