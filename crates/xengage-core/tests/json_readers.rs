//! The two JSON readers (sonic-rs, with the `sonic` feature on native builds, and serde_json,
//! the default and the one wasm uses) agree on the bodies where JSON readers usually differ (and, in `response_fixtures`, on
//! every documented answer): the same outcome, or the same error, but for a body that is not
//! JSON, which both refuse as malformed at related paths, maybe naming different faults.

#[path = "../../../fuzz/checks.rs"]
mod checks;

use checks::parse_with_both_readers;
use time::macros::datetime;
use xengage_core::response::{MalformedKind, ParseOptions, ResponseError};
use xengage_core::{Endpoint, Request, RequestSpec, ValidationOptions};

const A: &str = "1990000000000000001";

fn request(endpoint: Endpoint) -> Request {
    let mut spec = RequestSpec::new(endpoint)
        .post_ids([A, "17"])
        .metrics(["impressions", "favorites"]);
    spec = if endpoint == Endpoint::Insights28Hours {
        spec.granularity("Hourly")
    } else {
        spec.grouping(
            "g",
            [
                "tweet.id",
                "engagement.type",
                "engagement.day",
                "engagement.hour",
            ],
        )
    };
    spec.validate(
        datetime!(2026-11-22 12:00 UTC),
        &ValidationOptions::default(),
    )
    .unwrap()
}

/// Wraps `leaf` as the count of post A's impressions on 2026-11-21 at 17:00.
fn v1_leaf(leaf: &str) -> String {
    format!(r#"{{"g":{{"{A}":{{"impressions":{{"2026-11-21":{{"17":{leaf}}}}}}}}}}}"#)
}

fn v2_leaf(leaf: &str) -> String {
    format!(
        r#"{{"data":[{{"measurement":{{"metrics_time_series":[{{"tweet_id":"{A}","timestamp":{{"iso8601_time":"2026-11-21T17:00:00Z"}},"value":[{{"metric_type":"Impressions","metric_value":{leaf}}}]}}]}}}}]}}"#
    )
}

#[test]
fn both_readers_agree_where_json_readers_differ() {
    let leaves = [
        "5",
        "\"5\"",
        "0",
        "-0",
        "0.0",
        "1.5",
        "1e2",
        "1E+2",
        "1e400",
        "1e-400",
        "1234567.00000000000001",
        "9007199254740992.5",
        "-1",
        "01",
        "18446744073709551615",
        "18446744073709551616",
        "\"18446744073709551616\"",
        "9007199254740993",
        "-9223372036854775809",
        "NaN",
        "Infinity",
        "-",
        "1.",
        ".5",
        "+1",
        "0x10",
        "\"\\u0035\"",
        "\"5\\u0000\"",
        "\"\\ud800\"",
        "true",
        "null",
        "[]",
        "{}",
        "\"\"",
    ];
    let mut bodies: Vec<(Endpoint, Vec<u8>)> = Vec::new();
    for leaf in leaves {
        bodies.push((Endpoint::Last28Hours, v1_leaf(leaf).into_bytes()));
        bodies.push((Endpoint::Insights28Hours, v2_leaf(leaf).into_bytes()));
    }
    let whole = [
        "",
        " ",
        "{}",
        "{",
        "}",
        "[]",
        "null",
        "01",
        "{\"g\":01}",
        "-0",
        "-0.0e7",
        "{\"x\":[-0,-0.0,1.8854591221384311e204,4.3526263339733094e260],\"g\":{}}",
        "{\"errors\":[-0, 8.1455949242679298e218]}",
        "{\"g\":{\"17\":-01}}",
        "{\"g\":{}},",
        "{\"g\":{}} x",
        "{\"g\":{},}",
        "{\"g\":{}}\n\t\r ",
        "\u{feff}{\"g\":{}}",
        "{\"g\":{},\"g\":{}}",
        "{\"g\" {}}",
        "{'g':{}}",
        "{\"g\":{\"17\":{\"impressions\":{\"2026-11-21\":{\"17\":\"1\",}}}}}",
        "{\"g\":{\"17\":{\"impressions\":{\"2026-11-21\":{\"17\":\"1\"}}}}",
        "{\"start\":\"2026-11-21T17:00:00Z\",\"end\":\"2026-11-22T12:00:00Z\",\"g\":{}}",
        "{\"unavailable_tweet_ids\":[17, \"17\", 1e3, -1],\"g\":{}}",
        "{\"errors\":[\"a\", 1, null, {\"x\": 1.5e300}],\"g\":{}}",
        "{\"extra\\u0000\":[1,2,{\"\\ud83d\\ude00\":0.1}],\"g\":{}}",
        "{\"data\":[],\"errors\":[{\"title\":\"x\",\"detail\":\"y\"}]}",
        "{\"data\":null}",
        "{\"data\":[{\"measurement\":{\"metrics_total\":[{\"tweet_id\":17,\"value\":[]}]}}]}",
    ];
    for body in whole {
        for endpoint in [Endpoint::Last28Hours, Endpoint::Insights28Hours] {
            bodies.push((endpoint, body.as_bytes().to_vec()));
        }
    }
    // Bytes that are not UTF-8, in a key and in a value.
    bodies.push((
        Endpoint::Last28Hours,
        b"{\"g\":{\"17\":{\"impressions\":{\"2026-11-21\":{\"1\xff\":\"1\"}}}}}".to_vec(),
    ));
    bodies.push((
        Endpoint::Last28Hours,
        b"{\"g\":{\"17\":{\"impressions\":{\"2026-11-21\":{\"17\":\"1\xff\"}}}}}".to_vec(),
    ));
    bodies.push((Endpoint::Insights28Hours, b"{\"x\":\"\xc3\"}".to_vec()));
    // Too deep, and further on not UTF-8: the first fault read is the one named.
    let mut deep_then_bad = format!("{{\"x\":{}", "[".repeat(40)).into_bytes();
    deep_then_bad.extend_from_slice(b"\"\xff\"");
    for endpoint in [Endpoint::Last28Hours, Endpoint::Insights28Hours] {
        let result = parse_with_both_readers(
            &request(endpoint),
            200,
            &deep_then_bad,
            &ParseOptions::default(),
        );
        assert!(
            matches!(result, Err(ResponseError::TooDeep { .. })),
            "{result:?}"
        );
    }
    let mut syntax = 0;
    for (endpoint, body) in &bodies {
        let request = request(*endpoint);
        for status in [200, 403] {
            let result = parse_with_both_readers(&request, status, body, &ParseOptions::default());
            if let Err(ResponseError::Malformed(m)) = &result {
                if matches!(m.kind, MalformedKind::Syntax { .. }) {
                    syntax += 1;
                }
            }
        }
    }
    // Many of these are not JSON at all: the check above compared where both stopped.
    assert!(syntax > 20, "{syntax} syntax errors");
}
