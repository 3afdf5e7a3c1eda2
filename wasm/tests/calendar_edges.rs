//! options.now and spec times at the calendar's edge are refused, not a wasm trap.
#[test]
fn now_and_end_at_the_calendar_edge_do_not_panic() {
    let spec =
        r#"{"endpoint":"historical","postIds":["1990000000000000001"],"metrics":["favorites"]}"#;
    let r = std::panic::catch_unwind(|| {
        xengage_wasm::build_request_json(spec, r#"{"now":253402300200000}"#).map(|_| ())
    });
    assert!(
        r.is_ok(),
        "buildRequest panics (a wasm trap) for options.now = 9999-12-31T23:30:00Z in milliseconds"
    );
    let spec = r#"{"endpoint":"historical","postIds":["1990000000000000001"],"metrics":["favorites"],"start":"2026-11-01","end":"9999-12-31T23:30:00Z"}"#;
    let r = std::panic::catch_unwind(|| {
        xengage_wasm::check_request_json(spec, r#"{"now":"2026-11-22T00:00:00Z"}"#).map(|_| ())
    });
    assert!(
        r.is_ok(),
        "checkRequest panics (a wasm trap) for end = 9999-12-31T23:30:00Z"
    );
}
