//! Answers of post and media analytics in both spec versions (2.166 and 2.167) and both
//! documented 429 bodies, written from the API's documentation, parsed with the request that
//! produced them and snapshotted: series rows, totals, ledger (posts and media), notices, unknown
//! parts and errors. Each is parsed with both JSON readers, which must agree.
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
    let request = fixture
        .spec
        .validate(
            datetime!(2026-11-22 12:00 UTC),
            &ValidationOptions::default(),
        )
        .expect("fixture requests are valid");
    match checks::parse_with_both_readers(&request, fixture.status, body, &ParseOptions::default())
    {
        Ok(outcome) => json!({
            "groupings": outcome.groupings.iter().map(|g| json!({
                "name": g.name,
                "group_by": g.group_by,
                "levels": g.levels,
                "rows": g.rows,
            })).collect::<Vec<_>>(),
            "totals": outcome.totals.as_ref().map(|g| json!({
                "name": g.name,
                "levels": g.levels,
                "rows": g.rows,
            })),
            "ledger": outcome.ledger,
            "ledger_counts": outcome.ledger.counts(),
            "notices": outcome.notices,
            "windows": outcome.windows,
            "problems": outcome.problems,
            "extra": outcome.extra,
            "unknown": outcome.unknown,
        }),
        Err(e) => json!({
            "error": e.to_string(),
            "retryable": e.is_retryable(),
            "ledger": xengage_core::response::Ledger::failed(&request, &e),
            "api": match &e { ResponseError::Api(api) => serde_json::to_value(api).unwrap(), _ => Value::Null },
        }),
    }
}

#[test]
fn every_analytics_answer_parses_to_its_snapshot() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analytics");
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
    assert!(names.len() >= 7, "{names:?}");
    for name in names {
        let fixture: Fixture = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{name}.request.json"))).unwrap(),
        )
        .unwrap();
        let body = std::fs::read(dir.join(format!("{name}.response.json"))).unwrap();
        insta::assert_json_snapshot!(format!("analytics-{name}"), snapshot_of(&fixture, &body));
    }
}
