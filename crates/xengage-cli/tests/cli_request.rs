//! End-to-end tests of `xengage request`: the dry-run JSON, `@FILE` ids, and exit codes.

use std::process::{Command, Output};

fn xengage(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xengage"));
    for var in [
        "X_BEARER_TOKEN",
        "X_USER_TOKEN",
        "X_CONSUMER_KEY",
        "X_CONSUMER_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args).output().unwrap()
}

fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn dry_run_prints_the_request_as_one_json_object() {
    let out = xengage(&[
        "request",
        "historical",
        "--ids",
        "1992000000000000000,1991000000000000000,1992000000000000000",
        "--metrics",
        "impressions,Likes",
        "--group-by",
        "hourly=tweet.id,engagement.type,engagement.day,engagement.hour",
        "--group-by",
        "totals=engagement.type",
        "--start",
        "2026-11-01T12:24:00Z",
        "--end",
        "2026-11-10T08:37:00Z",
        "--now",
        "2026-11-22T10:30:00Z",
        "--dry-run",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    insta::assert_json_snapshot!("dry_run_historical", v);
    // Ids stay strings, in order, deduplicated.
    assert_eq!(
        v["body"]["tweet_ids"],
        serde_json::json!(["1992000000000000000", "1991000000000000000"])
    );
}

#[test]
fn dry_run_of_v2_puts_everything_in_the_query() {
    let out = xengage(&[
        "request",
        "insights-28hr",
        "--ids",
        "1346889436626259968",
        "--metrics",
        "Impressions,favorites",
        "--granularity",
        "Hourly",
        "--fields",
        "errors,measurement",
        "--base-url",
        "http://127.0.0.1:9000/",
        "--now",
        "2026-11-22T10:30:00Z",
        "--dry-run",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["method"], "GET");
    assert_eq!(
        v["url"],
        "http://127.0.0.1:9000/2/insights/28hr?tweet_ids=1346889436626259968&granularity=Hourly&requested_metrics=Impressions,Likes&engagement.fields=errors,measurement"
    );
    assert_eq!(v["body"], serde_json::Value::Null);
}

#[test]
fn ids_can_come_from_a_file() {
    let dir = std::env::temp_dir().join(format!("xengage-ids-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ids.txt");
    std::fs::write(
        &file,
        "# my posts\n1992000000000000000\n\n1991000000000000000\n",
    )
    .unwrap();
    let ids = format!("@{}", file.display());
    let out = xengage(&[
        "request",
        "totals",
        "--ids",
        &ids,
        "--metrics",
        "favorites",
        "--now",
        "2026-11-22",
        "--dry-run",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout_json(&out)["body"]["tweet_ids"],
        serde_json::json!(["1992000000000000000", "1991000000000000000"])
    );
    let missing = xengage(&[
        "request",
        "totals",
        "--ids",
        "@/nonexistent/ids.txt",
        "--metrics",
        "favorites",
        "--dry-run",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/ids.txt"));
}

#[test]
fn an_invalid_request_exits_2_and_lists_every_problem() {
    let out = xengage(&[
        "request",
        "totals",
        "--ids",
        "12x,5",
        "--metrics",
        "media_clicks,url_clicks",
        "--group-by",
        "g=tweet.id,engagement.day",
        "--now",
        "2026-11-22T10:30:00Z",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 problems"), "{err}");
    for needle in [
        "tweet_ids[0]",
        "media_engagements",
        "url_clicks is not available on totals",
        "engagement.day is only available on 28hr and historical",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in {err}");
    }
}

#[test]
fn a_rule_a_flag_can_change_is_followed_by_the_flag() {
    // The core's message names its Rust setting; the CLI adds the flag that sets it here.
    let out = xengage(&[
        "request",
        "historical",
        "--ids",
        "1855000000000000000",
        "--metrics",
        "favorites",
        "--start",
        "2025-06-01",
        "--end",
        "2025-06-08",
        "--now",
        "2026-11-22T10:30:00Z",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ValidationOptions::enforce_lookback"), "{err}");
    assert!(
        err.contains("\nhint: --no-lookback-check turns the check of the 365-day lookback off"),
        "{err}"
    );
    // Without the rule, no hint.
    let out = xengage(&[
        "request",
        "historical",
        "--ids",
        "1855000000000000000",
        "--metrics",
        "favorites",
        "--start",
        "2025-06-01",
        "--end",
        "2025-06-08",
        "--now",
        "2026-11-22T10:30:00Z",
        "--no-lookback-check",
        "--dry-run",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

#[test]
fn a_malformed_group_by_says_how_to_write_it() {
    let out = xengage(&[
        "request",
        "totals",
        "--ids",
        "1",
        "--metrics",
        "favorites",
        "--group-by",
        "tweet.id",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NAME=DIM,DIM"));
}

#[test]
fn an_unknown_endpoint_names_the_valid_ones() {
    let out = xengage(&[
        "request",
        "lifetime",
        "--ids",
        "1",
        "--metrics",
        "favorites",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("insights-historical"));
}
