//! Times at the edges of the calendar (0000-01-01, 9999-12-31, with offsets that carry them
//! past it), typed by a user or carried by an answer: refused with a reason, never a panic.
use time::macros::datetime;
use xengage_core::response::{MalformedKind, ParseOptions, ResponseError, parse_response};
use xengage_core::{Endpoint, RequestSpec, ValidationOptions};

#[test]
fn extreme_times_are_refused_not_panicked_on() {
    let now = datetime!(2026-11-22 10:30 UTC);
    let mut panics = Vec::new();
    for (start, end) in [
        ("2026-11-20", "9999-12-31T23:30:00Z"),
        ("2026-11-20", "9999-12-31T23:00:00-05:00"),
        ("0000-01-01T00:00:00+05:00", "2026-11-21"),
        ("0000-01-01T00:30:00+23:59", "2026-11-21"),
    ] {
        for endpoint in [Endpoint::Historical, Endpoint::InsightsHistorical] {
            let spec = RequestSpec::new(endpoint)
                .post_ids(["1990000000000000001"])
                .metrics(["favorites"])
                .granularity("Daily")
                .window(start, end);
            let r = std::panic::catch_unwind(|| {
                spec.validate(now, &ValidationOptions::default())
                    .map(|_| ())
            });
            if r.is_err() {
                panics.push(format!("{endpoint} {start}..{end}"));
            }
        }
    }
    assert!(panics.is_empty(), "validation panics on: {panics:#?}");
}

const EDGES: [&str; 4] = [
    "9999-12-31T23:30:00Z",
    "9999-12-31T23:00:00-05:00",
    "0000-01-01T00:00:00+05:00",
    "0000-01-01T00:30:00+00:00",
];

/// Parses `body` as an answer to a request of `endpoint`: `Err(body)` if that panicked or the
/// time was taken rather than refused as a `BadTime`.
fn outcome(endpoint: Endpoint, body: &str) -> Result<(), String> {
    let now = datetime!(2026-11-22 10:30 UTC);
    let mut spec = RequestSpec::new(endpoint)
        .post_ids(["1990000000000000001"])
        .metrics(["impressions"]);
    spec = match endpoint {
        Endpoint::Historical => spec.window("2026-11-01", "2026-11-08"),
        Endpoint::Insights28Hours => spec.granularity("Hourly"),
        _ => spec,
    };
    let request = spec.validate(now, &ValidationOptions::default()).unwrap();
    let parsed = std::panic::catch_unwind(|| {
        parse_response(
            &request,
            200,
            &http::HeaderMap::new(),
            body.as_bytes(),
            &ParseOptions::default(),
        )
    })
    .map_err(|_| format!("panics: {body}"))?;
    match parsed {
        Err(ResponseError::Malformed(m)) if matches!(m.kind, MalformedKind::BadTime { .. }) => {
            Ok(())
        }
        other => Err(format!("{body}: {other:?}")),
    }
}

#[test]
fn answer_times_at_the_calendar_edges_are_refused_as_bad_times() {
    let mut panics = Vec::new();
    for t in EDGES {
        for endpoint in [Endpoint::Historical, Endpoint::Last28Hours] {
            let v1 = format!(r#"{{"start":"2026-11-01T00:00:00Z","end":"{t}"}}"#);
            panics.extend(
                outcome(endpoint, &v1)
                    .err()
                    .map(|b| format!("{endpoint}: {b}")),
            );
            let v1 = format!(r#"{{"start":"{t}","end":"2026-11-08T00:00:00Z"}}"#);
            panics.extend(
                outcome(endpoint, &v1)
                    .err()
                    .map(|b| format!("{endpoint}: {b}")),
            );
        }
        let v2 = format!(
            r#"{{"data":[{{"measurement":{{"metrics_time_series":[{{"tweet_id":"1990000000000000001","value":{{"metric_values":[{{"metric_type":"Impressions","metric_value":1}}],"timestamp":{{"iso8601_time":"{t}"}}}}}}]}}}}]}}"#
        );
        panics.extend(
            outcome(Endpoint::Insights28Hours, &v2)
                .err()
                .map(|b| format!("insights-28hr: {b}")),
        );
    }
    assert!(panics.is_empty(), "not refused as a bad time: {panics:#?}");
}
