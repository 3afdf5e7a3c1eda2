//! Every malformed-input class and every liberal reading of an answer, each with the typed
//! error or notice it must give.

use time::macros::datetime;
use xengage_core::response::{
    Bucket, FailureKind, Level, MalformedKind, MergeError, ParseOptions, PostFailure, PostStatus,
    ResponseError, ResponseNotice, merge, parse_response,
};
use xengage_core::{Endpoint, Metric, Request, RequestSpec, ValidationOptions};

const NOW: time::OffsetDateTime = datetime!(2026-11-22 12:00 UTC);
const A: &str = "1990000000000000001";
const B: &str = "1990000000000000002";

fn request(endpoint: Endpoint, group_by: &[&str]) -> Request {
    let mut spec = RequestSpec::new(endpoint)
        .post_ids([A, B])
        .metrics(["impressions", "favorites"]);
    if endpoint.generation() == xengage_core::Generation::Enterprise {
        spec = spec.grouping("g", group_by.iter().copied());
    } else {
        spec = spec.granularity("Hourly");
    }
    spec.validate(NOW, &ValidationOptions::default()).unwrap()
}

/// A 28hr request grouped by post, metric, day and hour.
fn hourly_28hr() -> Request {
    request(
        Endpoint::Last28Hours,
        &[
            "tweet.id",
            "engagement.type",
            "engagement.day",
            "engagement.hour",
        ],
    )
}

fn totals() -> Request {
    request(Endpoint::Totals, &["tweet.id", "engagement.type"])
}

fn parse(r: &Request, body: &str) -> Result<xengage_core::response::Outcome, ResponseError> {
    parse_bytes(r, body.as_bytes())
}

fn parse_bytes(r: &Request, body: &[u8]) -> Result<xengage_core::response::Outcome, ResponseError> {
    parse_response(
        r,
        200,
        &http::HeaderMap::new(),
        body,
        &ParseOptions::default(),
    )
}

fn malformed(r: &Request, body: &str) -> (String, MalformedKind) {
    match parse(r, body) {
        Err(ResponseError::Malformed(m)) => (m.path, m.kind),
        other => panic!("expected a malformed answer, got {other:?}"),
    }
}

#[test]
fn counts_are_strings_or_numbers_up_to_u64_max() {
    let body =
        format!(r#"{{"g":{{"{A}":{{"impressions":"18446744073709551615","favorites":26}}}}}}"#);
    let o = parse(&totals(), &body).unwrap();
    let values: Vec<u64> = o.groupings[0].rows.iter().map(|r| r.value).collect();
    assert_eq!(values, [u64::MAX, 26]);
}

#[test]
fn every_bad_count_is_a_typed_error_naming_its_path() {
    let cases = [
        ("\"-1\"", "not a count"),
        ("-1", "not a count"),
        ("\"1.5\"", "not a count"),
        ("1.5", "not a count"),
        ("\"abc\"", "not a count"),
        ("\"\"", "not a count"),
        ("\"18446744073709551616\"", "overflow"),
        ("18446744073709551616", "overflow"),
        ("null", "type"),
        ("true", "type"),
        ("[1]", "type"),
        ("{\"x\":1}", "type"),
    ];
    for (leaf, class) in cases {
        let body = format!(r#"{{"g":{{"{A}":{{"impressions":{leaf}}}}}}}"#);
        let (path, kind) = malformed(&totals(), &body);
        assert_eq!(path, format!("$.g.{A}.impressions"), "{leaf}");
        let ok = match class {
            "not a count" => matches!(kind, MalformedKind::NotACount { .. }),
            "overflow" => matches!(kind, MalformedKind::Overflow { .. }),
            _ => matches!(kind, MalformedKind::UnexpectedType { .. }),
        };
        assert!(ok, "{leaf}: {kind:?}");
    }
}

#[test]
fn syntax_errors_and_cut_bodies_name_where_they_stopped() {
    let body = format!(r#"{{"g":{{"{A}":{{"impressions":"5","favorites":"#);
    let (path, kind) = malformed(&totals(), &body);
    assert_eq!(path, format!("$.g.{A}.favorites"));
    assert!(matches!(kind, MalformedKind::Syntax { .. }));
    let err = parse(&totals(), &body).unwrap_err();
    assert!(err.is_retryable(), "a cut body may be whole next time");
    assert!(matches!(
        malformed(&totals(), "").1,
        MalformedKind::Syntax { .. }
    ));
    assert!(matches!(
        malformed(&totals(), "[]").1,
        MalformedKind::UnexpectedType { .. }
    ));
    assert!(matches!(
        malformed(&totals(), "{} x").1,
        MalformedKind::Syntax { .. }
    ));
}

#[test]
fn keys_that_fit_no_dimension_are_refused() {
    let (path, kind) = malformed(&totals(), r#"{"g":{"not-an-id":{"impressions":"1"}}}"#);
    assert_eq!(path, "$.g.not-an-id");
    assert!(
        matches!(kind, MalformedKind::UnexpectedKey { .. }),
        "{kind:?}"
    );
    let hourly = hourly_28hr();
    let body = format!(r#"{{"g":{{"{A}":{{"impressions":{{"2026-11-21":{{"24":"1"}}}}}}}}}}"#);
    let (path, _) = malformed(&hourly, &body);
    assert_eq!(path, format!("$.g.{A}.impressions.2026-11-21.24"));
}

#[test]
fn a_level_missing_is_an_error_and_a_level_too_many_too() {
    let (_, kind) = malformed(&totals(), &format!(r#"{{"g":{{"{A}":"5"}}}}"#));
    assert!(matches!(kind, MalformedKind::UnexpectedType { .. }));
    let (_, kind) = malformed(
        &totals(),
        &format!(r#"{{"g":{{"{A}":{{"impressions":{{"x":"1"}}}}}}}}"#),
    );
    assert!(matches!(kind, MalformedKind::UnexpectedType { .. }));
}

#[test]
fn gzip_huge_and_deep_bodies_are_refused_before_reading() {
    let r = totals();
    let gz = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0];
    assert_eq!(
        parse_response(
            &r,
            200,
            &http::HeaderMap::new(),
            &gz,
            &ParseOptions::default()
        ),
        Err(ResponseError::Compressed)
    );
    let small = ParseOptions::default().max_body_bytes(10);
    assert!(matches!(
        parse_response(&r, 200, &http::HeaderMap::new(), b"{\"g\":{}}   ", &small),
        Err(ResponseError::TooLarge {
            size: 11,
            limit: 10
        })
    ));
    let deep = format!("{{\"x\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    assert!(
        matches!(parse(&r, &deep), Err(ResponseError::TooDeep { .. })),
        "{:?}",
        parse(&r, &deep)
    );
    // Raising the limit is the user's call, up to ParseOptions::MAX_DEPTH, far below the stack.
    let raised = ParseOptions::default().max_depth(10_000);
    assert!(parse_response(&r, 200, &http::HeaderMap::new(), deep.as_bytes(), &raised).is_err());
}

/// Every place a value of any shape is kept (unknown keys, `errors`, id lists, a metric's
/// unexpected value, v2 parts, error bodies) refuses deep nesting as `TooDeep`, with the limit
/// raised as far as it goes too, and never overflows the stack of a 2 MiB test thread.
#[test]
fn the_status_decides_before_the_body_on_errors() {
    // A proxy that gzips without saying so, or an error page over the size limit, must not turn
    // a 429 or a 503 into a final failure: the status alone says retry.
    let r = totals();
    let gz: &[u8] = &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    let small = ParseOptions::default().max_body_bytes(10);
    let page = b"<html>Service Unavailable</html>";
    for (status, retry) in [(429, true), (503, true), (400, false)] {
        for (body, options, said) in [
            (gz, &ParseOptions::default(), "gzip-compressed"),
            (&page[..], &small, "over ParseOptions::max_body_bytes"),
        ] {
            let e = parse_response(&r, status, &http::HeaderMap::new(), body, options).unwrap_err();
            let ResponseError::Api(api) = &e else {
                panic!("{status}: {e:?}")
            };
            assert_eq!(api.status, status);
            assert_eq!(e.is_retryable(), retry, "{status}");
            assert!(api.messages[0].contains(said), "{:?}", api.messages);
        }
    }
}

#[test]
fn deep_nesting_anywhere_is_too_deep_not_a_crash() {
    let nest = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let raised = ParseOptions::default().max_depth(1_000_000);
    let v2 = request(Endpoint::Insights28Hours, &[]);
    let cases = [
        (totals(), format!(r#"{{"x":{}}}"#, nest(5000))),
        (totals(), format!(r#"{{"errors":{}}}"#, nest(5000))),
        (
            totals(),
            format!(r#"{{"unavailable_tweet_ids":{}}}"#, nest(5000)),
        ),
        (
            totals(),
            format!(r#"{{"g":{{"{A}":{{"brand_new":{}}}}}}}"#, nest(5000)),
        ),
        (v2.clone(), format!(r#"{{"data":{}}}"#, nest(5000))),
        (v2, format!(r#"{{"x":{{"y":{}}}}}"#, nest(70))),
    ];
    for (r, body) in &cases {
        for (options, limit) in [
            (&ParseOptions::default(), 32),
            (&raised, ParseOptions::MAX_DEPTH),
        ] {
            match parse_response(r, 200, &http::HeaderMap::new(), body.as_bytes(), options) {
                Err(ResponseError::TooDeep { limit: l, .. }) => assert_eq!(l, limit, "{body:.40}"),
                other => panic!("{body:.40}: expected TooDeep, got {other:?}"),
            }
            // An error body just as deep: read as text, not a crash.
            let failed = parse_response(r, 500, &http::HeaderMap::new(), body.as_bytes(), options);
            assert!(matches!(failed, Err(ResponseError::Api(_))), "{failed:?}");
        }
    }
    // Where a count belongs, a list is refused at once, without reading into it.
    let count = format!(r#"{{"g":{{"{A}":{{"impressions":{}}}}}}}"#, nest(5000));
    let (path, kind) = malformed(&totals(), &count);
    assert_eq!(path, format!("$.g.{A}.impressions"));
    assert!(
        matches!(&kind, MalformedKind::UnexpectedType { found, .. } if found == "a list"),
        "{kind:?}"
    );
}

#[test]
fn metrics_not_asked_are_kept_with_a_notice() {
    let body = format!(r#"{{"g":{{"{A}":{{"impressions":"1","favorites":"2","retweets":"3"}}}}}}"#);
    let o = parse(&totals(), &body).unwrap();
    assert_eq!(o.row_count(), 3);
    assert!(o.notices.contains(&ResponseNotice::MetricNotRequested {
        grouping: "g".into(),
        metric: Metric::Retweets
    }));
}

#[test]
fn a_notice_given_twice_is_kept_once_and_thousands_of_distinct_ones_are_all_kept() {
    // Retweets, not asked, for two posts: one notice (it names the grouping and the metric).
    let body = format!(
        r#"{{"g":{{"{A}":{{"impressions":"1","retweets":"3"}},"1980000000000000001":{{"retweets":"4"}}}}}}"#
    );
    let o = parse(&totals(), &body).unwrap();
    let not_asked = |o: &xengage_core::response::Outcome| {
        o.notices
            .iter()
            .filter(|n| matches!(n, ResponseNotice::MetricNotRequested { .. }))
            .count()
    };
    assert_eq!(not_asked(&o), 1, "{:?}", o.notices);
    // 5,000 posts not asked: a notice each, none lost, none twice (read in linear time: the
    // notices are told apart by a hash set once the outcome is whole).
    let posts: Vec<String> = (0..5_000)
        .map(|i| {
            format!(
                r#""{}":{{"impressions":"1"}}"#,
                1_980_000_000_000_000_000u64 + i
            )
        })
        .collect();
    let o = parse(&totals(), &format!(r#"{{"g":{{{}}}}}"#, posts.join(","))).unwrap();
    let posts_not_asked = o
        .notices
        .iter()
        .filter(|n| matches!(n, ResponseNotice::PostNotRequested { .. }))
        .count();
    assert_eq!(posts_not_asked, 5_000);
    // Merged with itself, each notice is still there once.
    let merged = xengage_core::response::merge([o.clone(), o.clone()]).unwrap();
    assert_eq!(merged.notices, o.notices);
}

#[test]
fn posts_not_asked_join_the_ledger_in_the_order_the_answer_names_them() {
    // Many ids, so that an order taken from a hash set would show: the ledger lists the asked
    // posts, then the others as the answer first names them, the same on every run.
    let extra: Vec<String> = (0..40)
        .rev()
        .map(|i| format!("19800000000000000{i:02}"))
        .collect();
    let posts: Vec<String> = extra
        .iter()
        .map(|id| format!(r#""{id}":{{"impressions":"1"}}"#))
        .collect();
    let body = format!(
        r#"{{"g":{{"{A}":{{"impressions":"2"}},{}}}}}"#,
        posts.join(",")
    );
    let o = parse(&totals(), &body).unwrap();
    let ledger: Vec<&str> = o.ledger.iter().map(|(id, _)| id.as_str()).collect();
    let mut expected = vec![A, B];
    expected.extend(extra.iter().map(String::as_str));
    assert_eq!(ledger, expected);
    assert!(
        o.ledger
            .iter()
            .skip(2)
            .all(|(_, e)| e.status() == PostStatus::Served)
    );
}

#[test]
fn levels_in_another_order_are_read_by_their_keys() {
    let body = format!(r#"{{"g":{{"impressions":{{"{A}":"7"}}}}}}"#);
    let o = parse(&totals(), &body).unwrap();
    let row = o.groupings[0].rows[0];
    assert_eq!(
        (row.post_id.unwrap().as_str(), row.metric, row.value),
        (A, Some(Metric::Impressions), 7)
    );
    assert!(
        o.notices
            .iter()
            .any(|n| matches!(n, ResponseNotice::LevelsReordered { .. }))
    );
    assert_eq!(
        o.groupings[0].levels.as_deref(),
        Some(&[Level::Metric, Level::Post][..])
    );
}

#[test]
fn an_hour_grouping_without_days_is_read_either_way() {
    let r = request(
        Endpoint::Last28Hours,
        &["tweet.id", "engagement.type", "engagement.hour"],
    );
    let with_days = format!(
        r#"{{"g":{{"{A}":{{"impressions":{{"2026-11-21":{{"17":"5"}},"2026-11-22":{{"03":"6"}}}}}}}}}}"#
    );
    let o = parse(&r, &with_days).unwrap();
    let buckets: Vec<Bucket> = o.groupings[0].rows.iter().map(|r| r.bucket).collect();
    assert_eq!(
        buckets,
        [
            Bucket::Hour(datetime!(2026-11-21 17:00 UTC)),
            Bucket::Hour(datetime!(2026-11-22 03:00 UTC))
        ]
    );
    assert!(o.notices.contains(&ResponseNotice::DayLevelAdded {
        grouping: "g".into()
    }));
    let by_hour_of_day = format!(r#"{{"g":{{"{A}":{{"impressions":{{"17":"5","03":"6"}}}}}}}}"#);
    let o = parse(&r, &by_hour_of_day).unwrap();
    let buckets: Vec<Bucket> = o.groupings[0].rows.iter().map(|r| r.bucket).collect();
    assert_eq!(buckets, [Bucket::HourOfDay(17), Bucket::HourOfDay(3)]);
    assert!(o.notices.contains(&ResponseNotice::HourOfDayBuckets {
        grouping: "g".into()
    }));
}

#[test]
fn unknown_keys_and_metrics_are_kept_not_dropped() {
    let body = format!(
        r#"{{"g":{{"{A}":{{"impressions":"1","brand_new_metric":{{"x":"2"}}}}}},"next_token":"abc"}}"#
    );
    let o = parse(&totals(), &body).unwrap();
    assert_eq!(o.extra.get("next_token"), Some(&serde_json::json!("abc")));
    assert_eq!(o.unknown.len(), 1);
    assert_eq!(o.unknown[0].path, format!("$.g.{A}.brand_new_metric"));
    assert_eq!(o.unknown[0].value, serde_json::json!({"x": "2"}));
}

#[test]
fn every_post_asked_is_in_the_ledger() {
    let body = format!(
        r#"{{"g":{{"{A}":{{"favorites":"1"}}}},"unsupported_for_impressions_engagements_tweet_ids":["{A}"]}}"#
    );
    let o = parse(&totals(), &body).unwrap();
    assert_eq!(
        o.ledger.status(&A.parse().unwrap()),
        Some(PostStatus::Partial)
    );
    // B was asked, answered by nobody, explained by nothing.
    let b = o.ledger.get(&B.parse().unwrap()).unwrap();
    assert_eq!(b.missing_from, ["g"]);
    assert_eq!(b.status(), PostStatus::Failed);
}

#[test]
fn end_off_the_hour_is_noticed_and_the_window_rounded() {
    let r = request(Endpoint::Historical, &["tweet.id", "engagement.type"]);
    let body = format!(
        r#"{{"start":"2026-11-01T00:00:00Z","end":"2026-11-02T02:27:50Z","g":{{"{A}":{{"favorites":"1"}}}}}}"#
    );
    let o = parse(&r, &body).unwrap();
    assert!(
        o.notices
            .iter()
            .any(|n| matches!(n, ResponseNotice::EndNotOnHour { .. }))
    );
    assert_eq!(o.windows[0].end(), datetime!(2026-11-02 03:00 UTC));
    let (path, kind) = malformed(&r, r#"{"start":"yesterday"}"#);
    assert_eq!(path, "$.start");
    assert!(matches!(kind, MalformedKind::BadTime { .. }));
}

#[test]
fn statuses_say_whether_retrying_helps() {
    let r = totals();
    for (status, retry) in [
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (406, false),
        (429, true),
        (500, true),
        (501, false),
        (502, true),
        (503, true),
        (504, true),
    ] {
        let e = parse_response(
            &r,
            status,
            &http::HeaderMap::new(),
            b"{\"errors\":[\"x\"]}",
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.is_retryable(), retry, "{status}");
        assert_eq!(e.status(), Some(status));
    }
}

#[test]
fn a_v1_answer_and_a_v2_answer_for_the_same_data_give_the_same_rows() {
    let v1 = hourly_28hr();
    let v1_body = format!(
        r#"{{"g":{{"{A}":{{"impressions":{{"2026-11-21":{{"17":"5","18":"6"}}}},"favorites":{{"2026-11-21":{{"17":"1","18":"0"}}}}}}}}}}"#
    );
    let v2 = request(Endpoint::Insights28Hours, &[]);
    let point = |hour: &str, imp: u64, fav: u64| {
        format!(
            r#"{{"tweet_id":"{A}","value":{{"metric_values":[{{"metric_type":"Impressions","metric_value":{imp}}},{{"metric_type":"Likes","metric_value":"{fav}"}}],"timestamp":{{"iso8601_time":"2026-11-21T{hour}:00:00Z"}}}}}}"#
        )
    };
    let v2_body = format!(
        r#"{{"data":[{{"measurement":{{"metrics_time_series":[{},{}]}}}}]}}"#,
        point("17", 5, 1),
        point("18", 6, 0)
    );
    let mut a = parse(&v1, &v1_body).unwrap().groupings[0].rows.clone();
    let v2_outcome = parse(&v2, &v2_body).unwrap();
    // No metrics_total in the answer: the totals are there, empty, apart from the series.
    assert!(
        v2_outcome
            .totals
            .as_ref()
            .is_some_and(|t| t.rows.is_empty())
    );
    let mut b = v2_outcome.groupings[0].rows.clone();
    let key = |r: &xengage_core::response::Row| (r.post_id, r.metric.map(Metric::name), r.bucket);
    a.sort_by_key(key);
    b.sort_by_key(key);
    assert_eq!(a, b);
}

#[test]
fn v2_shape_errors_name_their_path() {
    let v2 = request(Endpoint::Insights28Hours, &[]);
    let total = |pair: &str| {
        format!(
            r#"{{"data":[{{"measurement":{{"metrics_total":[{{"tweet_id":"{A}","value":[{pair}]}}]}}}}]}}"#
        )
    };
    let point = |value: &str| {
        format!(
            r#"{{"data":[{{}},{{"measurement":{{"metrics_time_series":[{{"tweet_id":"{A}","value":{value}}}]}}}}]}}"#
        )
    };
    let cases: Vec<(String, &str, String)> = vec![
        (
            total(r#"{"metric_type":"Impressions","metric_value":-3}"#),
            "$.data.0.measurement.metrics_total.0.value.0.metric_value",
            "-3 is not a count (a non-negative whole number)".to_owned(),
        ),
        (
            total(r#"{"metric_type":"Impressions","metric_value":"18446744073709551616"}"#),
            "$.data.0.measurement.metrics_total.0.value.0.metric_value",
            format!(
                "\"18446744073709551616\" is larger than the largest count, {}",
                u64::MAX
            ),
        ),
        (
            total(r#"{"metric_type":"Impressions","metric_value":[1]}"#),
            "$.data.0.measurement.metrics_total.0.value.0.metric_value",
            "expected a count, found a list".to_owned(),
        ),
        (
            total(r#"{"metric_type":"Impressions"}"#),
            "$.data.0.measurement.metrics_total.0.value.0",
            "missing field `metric_value`".to_owned(),
        ),
        (
            total(r#"{"metric_type":7,"metric_value":1}"#),
            "$.data.0.measurement.metrics_total.0.value.0.metric_type",
            "expected a string, found a number".to_owned(),
        ),
        (
            r#"{"data":[{"measurement":{"metrics_total":[{"tweet_id":"x1","value":[]}]}}]}"#
                .to_owned(),
            "$.data.0.measurement.metrics_total.0.tweet_id",
            "key \"x1\" is not a post id".to_owned(),
        ),
        (
            r#"{"data":[{"measurement":{"metrics_total":{}}}]}"#.to_owned(),
            "$.data.0.measurement.metrics_total",
            "expected a list, found an object".to_owned(),
        ),
        (
            point(r#"{"metric_values":[],"timestamp":{"iso8601_time":"yesterday"}}"#),
            "$.data.1.measurement.metrics_time_series.0.value.timestamp.iso8601_time",
            "\"yesterday\" is not an RFC 3339 time".to_owned(),
        ),
        (
            point(r#"{"metric_values":[]}"#),
            "$.data.1.measurement.metrics_time_series.0.value",
            "missing field `timestamp`".to_owned(),
        ),
        (
            r#"{"data":[1]}"#.to_owned(),
            "$.data.0",
            "expected an object, found a number".to_owned(),
        ),
        (
            r#"["data"]"#.to_owned(),
            "$",
            "expected an object, found a list".to_owned(),
        ),
        (
            r#"{"errors":[{"status":"x"}]}"#.to_owned(),
            "$.errors.0",
            "expected an RFC 7807 problem, found invalid type".to_owned(),
        ),
    ];
    for (body, path, message) in cases {
        let e = parse(&v2, &body).unwrap_err().to_string();
        let want = format!("malformed answer (status 200) at {path}: {message}");
        assert!(e.starts_with(&want), "{body}\n got: {e}\nwant: {want}");
    }
}

#[test]
fn v2_answers_keep_unknown_keys_and_read_null_parts_as_absent() {
    let v2 = request(Endpoint::Insights28Hours, &[]);
    let body = format!(
        r#"{{"data":[{{"measurement":null}},{{"errors":null,"measurement":{{"metrics_total":[{{"tweet_id":{A},"value":[{{"metric_type":"Impressions","metric_value":4}},{{"metric_type":"Bookmarks2","metric_value":"1"}}]}}],"metrics_time_series":null}}}}],"meta":{{"n":1}}}}"#
    );
    let o = parse(&v2, &body).unwrap();
    let totals = o.totals.as_ref().unwrap();
    let rows: Vec<_> = totals.rows.iter().map(|r| (r.post_id, r.value)).collect();
    assert_eq!(rows, vec![(Some(A.parse().unwrap()), 4)]);
    assert!(o.groupings.iter().all(|g| g.rows.is_empty()));
    assert_eq!(o.extra.get("meta"), Some(&serde_json::json!({"n": 1})));
    assert_eq!(o.unknown.len(), 1);
    assert_eq!(
        o.unknown[0].path,
        "$.data.1.measurement.metrics_total.0.value.1"
    );
    assert_eq!(
        o.unknown[0].value,
        serde_json::json!({"metric_type": "Bookmarks2", "metric_value": 1})
    );
}

#[test]
fn a_bad_hourly_count_names_its_day_and_hour() {
    let hourly = hourly_28hr();
    let at = |hours: &str| {
        let body = format!(
            r#"{{"g":{{"{A}":{{"impressions":{{"2026-11-20":{{"23":"4"}},"2026-11-21":{hours}}}}}}}}}"#
        );
        parse(&hourly, &body).unwrap_err().to_string()
    };
    let path = format!("$.g.{A}.impressions.2026-11-21");
    assert_eq!(
        at(r#"{"00":"1","07":"x7"}"#),
        format!(
            "malformed answer (status 200) at {path}.07: \"x7\" is not a count (a non-negative whole number)"
        )
    );
    assert_eq!(
        at(r#"{"00":"1","07":-2}"#),
        format!(
            "malformed answer (status 200) at {path}.07: -2 is not a count (a non-negative whole number)"
        )
    );
    assert_eq!(
        at(r#"{"00":"1","07":{"x":1}}"#),
        format!(
            "malformed answer (status 200) at {path}.07: expected a count, found an object (a level deeper than the grouping)"
        )
    );
    assert_eq!(
        at(r#"{"00":"1","7h":"1"}"#),
        format!(
            "malformed answer (status 200) at {path}.7h: key \"7h\" is not a key of engagement.hour"
        )
    );
    let cut = at(r#"{"00":"1","07":"#);
    assert!(
        cut.starts_with(&format!(
            "malformed answer (status 200) at {path}.07: not valid JSON"
        )),
        "{cut}"
    );
    let escaped = at(r#"{"0\u0036":"1","07":"x"}"#);
    assert_eq!(
        escaped,
        format!(
            "malformed answer (status 200) at {path}.07: \"x\" is not a count (a non-negative whole number)"
        )
    );
    // An hour written twice would be counted twice: refused, however it is spelled.
    for twice in [
        r#"{"07":"1","07":"2"}"#,
        r#"{"0\u0037":"1","07":"2"}"#,
        r#"{"7":"1","07":"2"}"#,
    ] {
        assert_eq!(
            at(twice),
            format!(
                "malformed answer (status 200) at {path}.07: key \"07\" appears twice in the same object"
            )
        );
    }
}

#[test]
fn a_key_that_is_not_text_is_a_syntax_error_at_its_object() {
    let hourly = hourly_28hr();
    // Each answer is given as bytes, to hold what a `&str` cannot; `{A}` stands for post A.
    let at = |body: &[u8]| {
        let mut with_a = Vec::new();
        let mut rest = body;
        while let Some(i) = rest.windows(3).position(|w| w == b"{A}") {
            with_a.extend_from_slice(&rest[..i]);
            with_a.extend_from_slice(A.as_bytes());
            rest = &rest[i + 3..];
        }
        with_a.extend_from_slice(rest);
        let body = with_a;
        match parse_bytes(&hourly, &body) {
            Err(ResponseError::Malformed(m)) => (m.path, m.kind),
            other => panic!("expected a malformed answer, got {other:?}"),
        }
    };
    // The words are the JSON reader's: sonic-rs with the `sonic` feature, serde_json
    // without it (and on wasm). The paths are the same.
    let syntax = |serde_json: &str, sonic: &str| MalformedKind::Syntax {
        message: if cfg!(feature = "sonic") {
            sonic
        } else {
            serde_json
        }
        .to_owned(),
    };
    // A body that is not UTF-8 is read by serde_json, whatever the feature.
    let not_utf8 = |message: &str| syntax(message, message);
    let day = format!("$.g.{A}.impressions.2026-11-21");
    // Not UTF-8: in an hour key, a day key, a post id key and an unknown metric's key.
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\",\"0\xff\":\"2\"}}}}}"),
        (
            day.clone(),
            not_utf8("invalid unicode code point at line 1 column 70")
        )
    );
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-2\xff\":{\"00\":\"1\"}}}}}"),
        (
            format!("$.g.{A}.impressions"),
            not_utf8("invalid unicode code point at line 1 column 55")
        )
    );
    assert_eq!(
        at(b"{\"g\":{\"19900\xff\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\"}}}}}"),
        (
            "$.g".to_owned(),
            not_utf8("invalid unicode code point at line 1 column 13")
        )
    );
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"brand_new\xff\":{\"x\":\"2\"}}}}"),
        (
            format!("$.g.{A}"),
            not_utf8("invalid unicode code point at line 1 column 40")
        )
    );
    // Escapes decoded, then not UTF-8: serde_json's column is approximate there.
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\",\"\\u0030\xff\":\"2\"}}}}}"),
        (
            day.clone(),
            not_utf8("invalid unicode code point at line 1 column 75")
        )
    );
    // A lone surrogate escape.
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\",\"0\\ud800\":\"2\"}}}}}"),
        (
            day.clone(),
            syntax(
                "unexpected end of hex escape at line 1 column 76",
                "Invalid surrogate Unicode code point at line 1 column 81"
            )
        )
    );
    // A raw control character, and a raw line break (which moves the line named).
    let control = "control character (\\u0000-\\u001F) found while parsing a string";
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\",\"0\x01\":\"2\"}}}}}"),
        (
            day.clone(),
            syntax(
                &format!("{control} at line 1 column 70"),
                "Control character found while parsing a string at line 1 column 69"
            )
        )
    );
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\",\n\"0\n7\":\"2\"}}}}}"),
        (
            day.clone(),
            syntax(
                &format!("{control} at line 3 column 0"),
                "Control character found while parsing a string at line 2 column 2"
            )
        )
    );
    // An escaped control character is text: the key is read, and fits no dimension.
    assert_eq!(
        at(b"{\"g\":{\"{A}\":{\"impressions\":{\"2026-11-21\":{\"00\":\"1\",\"0\\u0001\":\"2\"}}}}}"),
        (
            format!("{day}.\"0\u{1}\""),
            MalformedKind::UnexpectedKey {
                key: "0\u{1}".to_owned(),
                expected: "a key of engagement.hour".to_owned(),
            }
        )
    );
}

#[test]
fn escaped_keys_are_read_as_their_text() {
    let hourly = hourly_28hr();
    let body = format!(
        r#"{{"g":{{"{A}":{{"impressions":{{"2026-11-21":{{"00":"1","\u00307":"2"}}}},"brand\u005fnew":{{"x":"2"}}}}}}}}"#
    );
    let o = parse(&hourly, &body).unwrap();
    assert_eq!(o.row_count(), 2);
    assert_eq!(o.unknown.len(), 1);
    assert_eq!(o.unknown[0].path, format!("$.g.{A}.brand_new"));
}

#[test]
fn lifetime_totals_never_add_up_even_when_the_answer_names_a_window() {
    // The documented totals answer with unavailable posts carries `start` and `end`; two such
    // answers of the same post are two readings of one lifetime count, not two windows.
    let r = totals();
    let answer = |start: &str, end: &str, count: u32| {
        parse(
            &r,
            &format!(
                r#"{{"start":"{start}","end":"{end}","g":{{"{A}":{{"impressions":"{count}"}}}}}}"#
            ),
        )
        .unwrap()
    };
    let d1 = answer("2026-11-20T22:00:00Z", "2026-11-21T02:00:00Z", 67);
    let d2 = answer("2026-11-21T22:00:00Z", "2026-11-22T02:00:00Z", 70);
    assert!(d1.windows.is_empty());
    assert_eq!(d1.extra["start"], "2026-11-20T22:00:00Z");
    assert_eq!(d1.extra["end"], "2026-11-21T02:00:00Z");
    assert!(
        matches!(merge([d1, d2]), Err(MergeError::Overlap { .. })),
        "lifetime totals were summed"
    );
}

#[test]
fn a_grouping_missing_from_the_answer_serves_no_post() {
    let two = RequestSpec::new(Endpoint::Totals)
        .post_ids([A, B])
        .metrics(["favorites"])
        .grouping("g1", ["tweet.id", "engagement.type"])
        .grouping("g2", ["tweet.id"])
        .validate(NOW, &ValidationOptions::default())
        .unwrap();
    // Neither grouping: nothing was served, and the ledger says which groupings were missing.
    let o = parse(&two, r#"{"errors":["Something went wrong"]}"#).unwrap();
    for id in [A, B] {
        let entry = o.ledger.get(&id.parse().unwrap()).unwrap();
        assert_eq!(entry.status(), PostStatus::Failed, "{entry:?}");
        assert_eq!(entry.missing_from, ["g1", "g2"]);
    }
    // One of two: the posts it names have values, short of the other grouping.
    let o = parse(&two, &format!(r#"{{"g1":{{"{A}":{{"favorites":"3"}}}}}}"#)).unwrap();
    let a = o.ledger.get(&A.parse().unwrap()).unwrap();
    assert_eq!(a.status(), PostStatus::Partial);
    assert_eq!(a.missing_from, ["g2"]);
    assert_eq!(
        o.ledger.status(&B.parse().unwrap()),
        Some(PostStatus::Failed)
    );
    // A grouping not by post serves every post when it is there, none when it is missing.
    let by_type = RequestSpec::new(Endpoint::Totals)
        .post_ids([A, B])
        .metrics(["favorites"])
        .grouping("types", ["engagement.type"])
        .validate(NOW, &ValidationOptions::default())
        .unwrap();
    let o = parse(&by_type, r#"{"types":{"favorites":"9"}}"#).unwrap();
    assert_eq!(o.ledger.counts().served, 2);
    let o = parse(&by_type, "{}").unwrap();
    assert_eq!(o.ledger.counts().failed, 2);
}

#[test]
fn a_v2_answer_without_values_leaves_no_post_pending() {
    let request = |fields: &[&str]| {
        RequestSpec::new(Endpoint::Insights28Hours)
            .post_ids([A, B])
            .metrics(["Impressions"])
            .granularity("Hourly")
            .fields(fields.iter().copied())
            .validate(NOW, &ValidationOptions::default())
            .unwrap()
    };
    let id = |s: &str| s.parse().unwrap();
    // An error names A; nothing measured B.
    let o = parse(
        &request(&[]),
        &format!(r#"{{"data":[{{"errors":[{{"error":"Post unavailable","tweets":["{A}"]}}]}}]}}"#),
    )
    .unwrap();
    let failures = &o.ledger.get(&id(A)).unwrap().failures;
    assert_eq!(
        failures,
        &[PostFailure::new(FailureKind::PostError, "Post unavailable")]
    );
    let b = o.ledger.get(&id(B)).unwrap();
    assert_eq!(b.status(), PostStatus::Failed);
    assert_eq!(b.missing_from, ["data"]);
    // Only top-level problems: they are every post's reason.
    let o = parse(
        &request(&[]),
        r#"{"errors":[{"title":"Not Found Error","type":"about:blank","detail":"Could not find tweets","status":404}]}"#,
    )
    .unwrap();
    for p in [A, B] {
        let entry = o.ledger.get(&id(p)).unwrap();
        assert_eq!(entry.status(), PostStatus::Failed);
        assert_eq!(
            entry.failures,
            [PostFailure::new(
                FailureKind::PostError,
                "Not Found Error: Could not find tweets"
            )]
        );
    }
    // Measurement not asked: no values, and the ledger says why.
    let o = parse(&request(&["errors"]), r#"{"data":[{}]}"#).unwrap();
    let entry = o.ledger.get(&id(A)).unwrap();
    assert_eq!(entry.status(), PostStatus::Failed);
    assert!(
        entry.failures[0].message.contains("engagement.fields"),
        "{entry:?}"
    );
    assert_eq!(entry.failures[0].kind, FailureKind::PostError);
    assert_eq!(o.ledger.counts().pending, 0);
}

#[test]
fn only_a_403_naming_posts_gets_the_advice_about_owners() {
    let r = totals();
    let said = |body: &str| {
        parse_response(
            &r,
            403,
            &http::HeaderMap::new(),
            body.as_bytes(),
            &ParseOptions::default(),
        )
        .unwrap_err()
        .to_string()
    };
    let owned = said(&format!(
        r#"{{"errors":["Forbidden to access tweets: {A}"]}}"#
    ));
    assert!(
        owned.contains("query them with the owner's tokens"),
        "{owned}"
    );
    // A proxy's origin check is not about who owns the posts.
    let origin =
        said(r#"{"errors":["origin not allowed: start the proxy with --allow-origin for it"]}"#);
    assert_eq!(
        origin,
        "the API answered 403: origin not allowed: start the proxy with --allow-origin for it"
    );
}

/// Every leaf of `node`, summed.
fn tree_sum(node: &xengage_core::response::Node) -> u64 {
    match node {
        xengage_core::response::Node::Leaf(v) => *v,
        xengage_core::response::Node::Branch(children) => {
            children.iter().map(|(_, n)| tree_sum(n)).sum()
        }
    }
}

#[test]
fn every_row_is_in_its_tree_weekly_series_and_merged_shapes_too() {
    // v2 Weekly: each week filed under its first day.
    let weekly = RequestSpec::new(Endpoint::InsightsHistorical)
        .post_ids([A])
        .metrics(["Impressions"])
        .granularity("Weekly")
        .window("2026-10-01", "2026-10-29")
        .validate(NOW, &ValidationOptions::default())
        .unwrap();
    let point = |day: &str, v: u64| {
        format!(
            r#"{{"tweet_id":"{A}","value":{{"metric_values":[{{"metric_type":"Impressions","metric_value":{v}}}],"timestamp":{{"iso8601_time":"{day}T00:00:00Z"}}}}}}"#
        )
    };
    let body = format!(
        r#"{{"data":[{{"measurement":{{"metrics_time_series":[{},{}]}}}}]}}"#,
        point("2026-10-01", 5),
        point("2026-10-08", 7)
    );
    let o = parse(&weekly, &body).unwrap();
    let series = o.grouping("metrics_time_series").unwrap();
    assert_eq!(series.rows.len(), 2);
    assert_eq!(tree_sum(&series.tree()), 12);
    // An hour grouping without days, answered with a day level in one window and as hours of
    // the day in the next: merged, the tree still holds every count.
    let by_hour = |start: &str, end: &str| {
        RequestSpec::new(Endpoint::Historical)
            .post_ids([A])
            .metrics(["impressions"])
            .grouping("h", ["tweet.id", "engagement.type", "engagement.hour"])
            .window(start, end)
            .validate(NOW, &ValidationOptions::default())
            .unwrap()
    };
    let with_days = parse(
        &by_hour("2026-11-01", "2026-11-02"),
        &format!(r#"{{"h":{{"{A}":{{"impressions":{{"2026-11-01":{{"05":"3"}}}}}}}}}}"#),
    )
    .unwrap();
    let hours_of_day = parse(
        &by_hour("2026-11-02", "2026-11-03"),
        &format!(r#"{{"h":{{"{A}":{{"impressions":{{"05":"4"}}}}}}}}"#),
    )
    .unwrap();
    let merged = merge([with_days, hours_of_day]).unwrap();
    let h = merged.grouping("h").unwrap();
    assert_eq!(h.rows.iter().map(|r| r.value).sum::<u64>(), 7);
    assert_eq!(tree_sum(&h.tree()), 7);
}

#[test]
fn merged_totals_batches_keep_their_start_and_end_without_calling_them_unknown() {
    let r = totals();
    let batch = |t: &str| {
        parse(
            &r,
            &format!(r#"{{"start":"{t}","end":"{t}","g":{{"{A}":{{"favorites":"1"}}}}}}"#),
        )
        .unwrap()
    };
    let other = RequestSpec::new(Endpoint::Totals)
        .post_ids([B])
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"])
        .validate(NOW, &ValidationOptions::default())
        .unwrap();
    let b = parse(
        &other,
        &format!(r#"{{"start":"2026-11-22T10:30:01Z","end":"2026-11-22T10:30:01Z","g":{{"{B}":{{"favorites":"2"}}}}}}"#),
    )
    .unwrap();
    let m = merge([batch("2026-11-22T10:30:00Z"), b]).unwrap();
    assert!(m.notices.is_empty(), "{:?}", m.notices);
    assert!(m.unknown.is_empty(), "{:?}", m.unknown);
    assert_eq!(m.extra["start"], "2026-11-22T10:30:00Z");
}

#[test]
fn a_post_deleted_between_two_windows_keeps_the_first_windows_values() {
    let window = |start: &str, end: &str| {
        RequestSpec::new(Endpoint::Historical)
            .post_ids([A])
            .metrics(["impressions"])
            .grouping("g", ["tweet.id", "engagement.type"])
            .window(start, end)
            .validate(NOW, &ValidationOptions::default())
            .unwrap()
    };
    let first = parse(
        &window("2026-10-01", "2026-10-29"),
        &format!(r#"{{"g":{{"{A}":{{"impressions":"5"}}}}}}"#),
    )
    .unwrap();
    let second = parse(
        &window("2026-10-29", "2026-11-20"),
        &format!(r#"{{"unavailable_tweet_ids":["{A}"],"g":{{}}}}"#),
    )
    .unwrap();
    let merged = merge([first, second]).unwrap();
    let entry = merged.ledger.get(&A.parse().unwrap()).unwrap();
    assert!(entry.unavailable);
    assert_eq!(entry.status(), PostStatus::Partial, "{entry:?}");
    assert_eq!(merged.row_count(), 1);
}

/// A v2 Hourly answer for `post`: its total and two hours of impressions.
fn v2_hourly_body(post: &str, first: u64, second: u64) -> String {
    let point = |hour: &str, n: u64| {
        format!(
            r#"{{"tweet_id":"{post}","value":{{"metric_values":[{{"metric_type":"Impressions","metric_value":{n}}}],"timestamp":{{"iso8601_time":"2026-11-21T{hour}:00:00Z"}}}}}}"#
        )
    };
    format!(
        r#"{{"data":[{{"measurement":{{"metrics_total":[{{"tweet_id":"{post}","value":[{{"metric_type":"Impressions","metric_value":{}}}]}}],"metrics_time_series":[{},{}]}}}}]}}"#,
        first + second,
        point("17", first),
        point("18", second)
    )
}

#[test]
fn v2_totals_sit_apart_so_summing_the_groupings_counts_each_hour_once() {
    let r = request(Endpoint::Insights28Hours, &[]);
    let a = parse(&r, &v2_hourly_body(A, 5, 6)).unwrap();
    let b = parse(&r, &v2_hourly_body(B, 7, 8)).unwrap();
    let sum = |o: &xengage_core::response::Outcome| -> u64 {
        o.groupings
            .iter()
            .flat_map(|g| &g.rows)
            .map(|r| r.value)
            .sum()
    };
    assert_eq!(sum(&a), 11, "the series alone");
    let totals = a.totals.as_ref().unwrap();
    assert_eq!(totals.name, xengage_core::response::V2_TOTAL);
    assert_eq!(totals.rows.iter().map(|r| r.value).sum::<u64>(), 11);
    assert_eq!(a.grouping("metrics_total"), Some(totals));
    assert_eq!(a.row_count(), 3);
    let merged = merge([a, b]).unwrap();
    assert_eq!(sum(&merged), 26);
    let totals = merged.totals.as_ref().unwrap();
    assert_eq!(totals.rows.len(), 2);
    assert_eq!(totals.rows.iter().map(|r| r.value).sum::<u64>(), 26);
    let names: Vec<&str> = merged.results().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["metrics_total", "metrics_time_series"]);
}

#[test]
fn a_key_written_twice_is_refused_at_every_level_and_only_then() {
    let r = hourly_28hr();
    let day = |d: u32, hours: &str| format!(r#""2026-11-{d:02}":{{{hours}}}"#);
    // Days 1..=30, then day `again` once more: the duplicate comes after many other keys.
    let month = |again: Option<u32>| {
        let mut days: Vec<String> = (1..=30).map(|d| day(d, r#""07":"1""#)).collect();
        days.extend(again.map(|d| day(d, r#""08":"2""#)));
        days.join(",")
    };
    let body = |posts: &str| format!(r#"{{"g":{{{posts}}}}}"#);
    let cases = [
        (
            body(&format!(
                r#""{A}":{{"impressions":{{{}}}}}"#,
                month(Some(17))
            )),
            "2026-11-17",
        ),
        (
            body(&format!(
                r#""{A}":{{"impressions":{{"2026-11-21":{{"7":"1","07":"2"}}}}}}"#
            )),
            "07",
        ),
        (
            body(&format!(
                r#""{A}":{{"impressions":{{}},"favorites":{{}},"impressions":{{}}}}"#
            )),
            "impressions",
        ),
        (body(&format!(r#""{A}":{{}},"{B}":{{}},"{A}":{{}}"#)), A),
        (r#"{"g":{},"g":{}}"#.to_owned(), "g"),
    ];
    for (body, twice) in cases {
        let (_, kind) = malformed(&r, &body);
        assert_eq!(
            kind,
            MalformedKind::DuplicateKey {
                key: twice.to_owned()
            },
            "{body}"
        );
    }
    // Many distinct keys in one object, more than the filter has bits: none is taken for another.
    let month_once = body(&format!(r#""{A}":{{"impressions":{{{}}}}}"#, month(None)));
    assert_eq!(parse(&r, &month_once).unwrap().row_count(), 30);
    let posts: Vec<String> = (0..400)
        .map(|i| format!(r#""{}":{{}}"#, 1_990_000_000_000_100_000_u64 + i))
        .collect();
    assert!(parse(&r, &body(&posts.join(","))).is_ok());
}

#[test]
fn analytics_problems_are_charged_once_each_however_many_there_are() {
    const C: &str = "1990000000000000003";
    let request = RequestSpec::new(Endpoint::Analytics)
        .post_ids([A, B, C])
        .metrics(["impressions"])
        .granularity("daily")
        .window("2026-11-01", "2026-11-08")
        .validate(NOW, &ValidationOptions::default())
        .unwrap();
    let problem = |id: String, name: &str, detail: &str| {
        format!(
            r#"{{"type":"https://api.x.com/2/problems/{name}","title":"t","detail":"{detail}","resource_type":"tweet","resource_id":"{id}"}}"#
        )
    };
    // 3,000 problems naming posts not asked, with two details between them; B named twice by
    // the same internal error; C named by nothing and absent from `data`.
    let mut problems: Vec<String> = (0..3_000)
        .map(|i| {
            let detail = if i % 2 == 0 { "even" } else { "odd" };
            problem(
                (1_980_000_000_000_000_000u64 + i).to_string(),
                "internal-error",
                detail,
            )
        })
        .collect();
    problems.push(problem(B.to_owned(), "internal-error", "busy"));
    problems.push(problem(B.to_owned(), "internal-error", "busy"));
    let body = format!(
        r#"{{"data":[{{"id":"{A}","timestamped_metrics":[]}}],"errors":[{}]}}"#,
        problems.join(",")
    );
    let o = parse(&request, &body).unwrap();
    let failures = |id: &str| -> Vec<String> {
        let id = xengage_core::PostId::parse(id).unwrap();
        o.ledger
            .get(&id)
            .unwrap()
            .failures
            .iter()
            .map(|f| f.message.clone())
            .collect()
    };
    assert_eq!(
        o.ledger.status(&xengage_core::PostId::parse(A).unwrap()),
        Some(PostStatus::Served)
    );
    // B: its own failure, once.
    assert_eq!(failures(B).len(), 1, "{:?}", failures(B));
    assert!(failures(B)[0].contains("busy"));
    // C: the problems that name no post asked are its reasons, each once.
    let c = failures(C);
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(c[0].contains("even") && c[1].contains("odd"), "{c:?}");
}
