//! `xengage-web` in a real JS engine: `cargo xtask ci` runs these with `wasm-bindgen-test-runner`
//! in Node, in a Chromium page and in a Chromium dedicated worker.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen_test::wasm_bindgen_test;
use xengage_core::time::OffsetDateTime;
use xengage_core::{BaseUrls, Endpoint, PreparedRequest, RequestSpec, ValidationOptions};
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
    let answer = send(&request).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, br#"{"a":"1"}"#);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error_naming_the_url() {
    let request = prepared("http://127.0.0.1:9");
    let err = send(&request).await.unwrap_err();
    assert!(matches!(err, SendError::Network { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("http://127.0.0.1:9/insights/engagement/totals"),
        "{message}"
    );
    assert!(message.contains("CORS"), "{message}");
}

#[wasm_bindgen_test]
async fn sleep_resolves_through_set_timeout() {
    let before = now_millis();
    sleep(Duration::from_millis(5)).await;
    sleep(Duration::ZERO).await;
    assert!(now_millis() >= before);
}
