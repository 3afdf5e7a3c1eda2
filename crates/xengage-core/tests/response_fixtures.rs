//! Every response example of the API documentation (and the documented error bodies), parsed
//! with the request that produced it and snapshotted: rows, ledger, notices, errors. Each is
//! parsed with both JSON readers (sonic-rs and serde_json), which must agree.
#![allow(clippy::disallowed_methods)] // reads fixture files

#[path = "../../../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

use serde_json::{Value, json};
use time::macros::datetime;
use xengage_core::response::{ParseOptions, ResponseError};
use xengage_core::{RequestSpec, ValidationOptions};

#[derive(serde::Deserialize)]
struct Fixture {
    status: u16,
    spec: RequestSpec,
}

fn snapshot_of(fixture: &Fixture, body: &[u8]) -> Value {
    let options = ValidationOptions::default().enforce_lookback(false);
    let request = fixture
        .spec
        .validate(datetime!(2019-01-01 00:00 UTC), &options)
        .expect("fixture requests are valid");
    match checks::parse_with_both_readers(&request, fixture.status, body, &ParseOptions::default())
    {
        Ok(outcome) => {
            let table = |g: &xengage_core::response::GroupingResult| {
                json!({
                    "name": g.name,
                    "levels": g.levels,
                    "rows": g.rows,
                })
            };
            let mut snapshot = json!({
            "groupings": outcome.groupings.iter().map(table).collect::<Vec<_>>(),
            "ledger": outcome.ledger,
            "notices": outcome.notices,
            "windows": outcome.windows,
            "errors": outcome.errors,
            "extra": outcome.extra,
            "unknown": outcome.unknown,
            });
            if let Some(totals) = &outcome.totals {
                snapshot["totals"] = table(totals);
            }
            snapshot
        }
        Err(e) => json!({
            "error": e.to_string(),
            "retryable": e.is_retryable(),
            "refused_post_ids": e.refused_post_ids(),
            "ledger": xengage_core::response::Ledger::failed(&request, &e),
            "api": match &e { ResponseError::Api(api) => serde_json::to_value(api).unwrap(), _ => Value::Null },
        }),
    }
}

#[test]
fn every_documented_response_parses_to_its_snapshot() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/responses");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".request.json")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 13, "{names:?}");
    for name in names {
        let fixture: Fixture = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{name}.request.json"))).unwrap(),
        )
        .unwrap();
        let body = std::fs::read(dir.join(format!("{name}.response.json"))).unwrap();
        insta::assert_json_snapshot!(name.clone(), snapshot_of(&fixture, &body));
    }
}
