//! `xengage-web` in a real JS engine: `cargo xtask ci` runs these with `wasm-bindgen-test-runner`
//! in Node, in a Chromium page and in a Chromium dedicated worker.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen_test::wasm_bindgen_test;
use xengage_core::auth::{Credentials, OAuth1Credentials};
use xengage_core::collect::{CollectOptions, Event};
use xengage_core::pace::RetryPolicy;
use xengage_core::plan::{Plan, PlanOptions};
use xengage_core::time::OffsetDateTime;
use xengage_core::{BaseUrls, Endpoint, PreparedRequest, RequestSpec, ValidationOptions};
use xengage_web::collect::{Control, Ending, Target, collect, collect_with};
use xengage_web::{SendError, now_millis, send, sleep};

fn prepared(base: &str) -> PreparedRequest {
    RequestSpec::new(Endpoint::Totals)
        .post_ids(["1070059276213702656"])
        .metrics(["favorites"])
        .validate(
            OffsetDateTime::from_unix_timestamp(1_795_348_800).unwrap(),
            &ValidationOptions::default(),
        )
        .unwrap()
        .prepare(&BaseUrls::single(base).unwrap())
}

#[wasm_bindgen_test]
async fn reads_status_headers_and_body() {
    let mut request = prepared("http://127.0.0.1:9");
    request.method = http::Method::GET;
    request.body = None;
    "data:application/json,%7B%22a%22%3A%221%22%7D".clone_into(&mut request.url);
    let answer = send(&request, 9).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, br#"{"a":"1"}"#);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[wasm_bindgen_test]
async fn a_body_over_the_limit_is_not_read_to_the_end() {
    let mut request = prepared("http://127.0.0.1:9");
    request.method = http::Method::GET;
    request.body = None;
    let body = "x".repeat(100_000);
    request.url = format!("data:application/json,{body}");
    let err = send(&request, 65_536).await.unwrap_err();
    assert!(
        matches!(err, SendError::TooLarge { over, .. } if over.limit == 65_536),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("over 65536 bytes"), "{message}");
    assert!(
        message.contains("ParseOptions::max_body_bytes"),
        "{message}"
    );
    assert!(message.contains("maxBodyBytes"), "{message}");
    // Exactly at the limit is read.
    assert_eq!(send(&request, 100_000).await.unwrap().body.len(), 100_000);
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error_naming_the_url() {
    let request = prepared("http://127.0.0.1:9");
    let err = send(&request, 1 << 20).await.unwrap_err();
    let SendError::Network { explained, .. } = err else {
        panic!("{err:?}");
    };
    let message = err.to_string();
    assert!(
        message.contains("http://127.0.0.1:9/insights/engagement/totals"),
        "{message}"
    );
    if explained {
        // Node: the error's cause says why (here "bad port": fetch refuses port 9 itself), and
        // CORS does not exist there.
        assert!(message.contains("fetch failed: "), "{message}");
        assert!(!message.contains("CORS"), "{message}");
    } else {
        // Browsers hide the reason: the message lists the suspects.
        assert!(message.contains("CORS"), "{message}");
    }
}

#[wasm_bindgen_test]
async fn sleep_resolves_through_set_timeout() {
    let before = now_millis();
    sleep(Duration::from_millis(5)).await;
    sleep(Duration::ZERO).await;
    assert!(now_millis() >= before);
}

#[wasm_bindgen_test]
fn oauth1_signing_uses_the_platform_for_nonces_and_time() {
    let request = RequestSpec::new(Endpoint::Totals)
        .post_ids(["1070059276213702656"])
        .metrics(["impressions"])
        .validate(
            OffsetDateTime::from_unix_timestamp(1_795_348_800).unwrap(),
            &ValidationOptions::default(),
        )
        .unwrap();
    let mut target = Target::unsigned(BaseUrls::single("http://127.0.0.1:9").unwrap());
    target.credentials = Some(Credentials::OAuth1User(OAuth1Credentials::new(
        "ck", "cs", "at", "ats",
    )));
    let header = |p: &PreparedRequest| {
        p.headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (
        header(&target.prepare(&request).unwrap()),
        header(&target.prepare(&request).unwrap()),
    );
    assert!(a.starts_with("OAuth "), "{a}");
    let nonce = |h: &str| {
        h.split("oauth_nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(nonce(&a).len(), 32);
    assert_ne!(nonce(&a), nonce(&b), "a fresh nonce for every request");
    let timestamp: u64 = a
        .split("oauth_timestamp=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(timestamp > 1_700_000_000, "{timestamp}");
}

#[wasm_bindgen_test]
async fn collect_accounts_for_every_post_when_the_server_is_unreachable() {
    let ids: Vec<String> = (0..30)
        .map(|i| (1_855_000_000_000_000_000u64 + i).to_string())
        .collect();
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids(ids.clone())
        .metrics(["impressions"])
        .window("2026-11-01", "2026-11-02");
    let plan = Plan::new(
        &spec,
        OffsetDateTime::from_unix_timestamp(1_795_348_800).unwrap(),
        &ValidationOptions::default(),
        &PlanOptions::default(),
    )
    .unwrap();
    let options = CollectOptions::default().retry(
        RetryPolicy::default()
            .max_retries(2)
            .base_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(5)),
    );
    let target = Target::unsigned(BaseUrls::single("http://127.0.0.1:9").unwrap());
    let mut events = Vec::new();
    let mut sent = 0;
    let summary = collect(plan, options, &target, |e, progress| {
        if matches!(e, Event::Sent { .. }) {
            sent += 1;
        }
        // The progress right after the event, not after the next attempt was handed out.
        assert_eq!(progress.attempts, sent, "{e:?} {progress:?}");
        events.push(e.clone());
    })
    .await;
    assert_eq!(summary.ledger.len(), ids.len());
    assert_eq!(summary.ledger.counts().failed, ids.len());
    assert_eq!(summary.progress.requests_planned, 2);
    assert_eq!(summary.progress.requests_failed, 2);
    assert_eq!(
        summary.progress.retries, 4,
        "two retries per batch, no more"
    );
    let failed = events
        .iter()
        .filter(|e| matches!(e, Event::BatchFailed { .. }))
        .count();
    assert_eq!(failed, 2);
}

/// A plan of two totals batches (300 posts) to `base`.
fn two_batches() -> Plan {
    let ids: Vec<String> = (0..300)
        .map(|i| (1_855_000_000_000_000_000u64 + i).to_string())
        .collect();
    Plan::new(
        &RequestSpec::new(Endpoint::Totals)
            .post_ids(ids)
            .metrics(["favorites"]),
        OffsetDateTime::from_unix_timestamp(1_795_348_800).unwrap(),
        &ValidationOptions::default(),
        &PlanOptions::default(),
    )
    .unwrap()
}

#[wasm_bindgen_test]
async fn an_unreachable_first_attempt_ends_the_job_at_once_with_every_post_failed() {
    let target = Target::unsigned(BaseUrls::single("http://127.0.0.1:9").unwrap());
    let control = Control {
        abort: None,
        stop_when_unreachable: true,
    };
    let mut sent = 0;
    let (summary, ending) = collect_with(
        two_batches(),
        CollectOptions::default(),
        &target,
        control,
        |e, _| {
            if matches!(e, Event::Sent { .. }) {
                sent += 1;
            }
        },
    )
    .await;
    assert_eq!(sent, 1, "no retry, no second batch");
    assert!(matches!(ending, Ending::Unreachable(_)), "{ending:?}");
    assert_eq!(summary.ledger.counts().failed, 300);
    assert_eq!(summary.ledger.counts().cancelled, 0);
}

#[wasm_bindgen_test]
async fn an_abort_ends_the_job_and_the_ledger_says_cancelled() {
    let target = Target::unsigned(BaseUrls::single("http://127.0.0.1:9").unwrap());
    // Already settled: nothing is sent.
    let control = Control {
        abort: Some(js_sys::Promise::resolve(&wasm_bindgen::JsValue::UNDEFINED)),
        stop_when_unreachable: false,
    };
    let mut sent = 0;
    let (summary, ending) = collect_with(
        two_batches(),
        CollectOptions::default(),
        &target,
        control,
        |e, _| {
            if matches!(e, Event::Sent { .. }) {
                sent += 1;
            }
        },
    )
    .await;
    assert_eq!(ending, Ending::Aborted);
    assert!(sent <= 1, "{sent}");
    assert_eq!(summary.ledger.counts().cancelled, 300);
}
