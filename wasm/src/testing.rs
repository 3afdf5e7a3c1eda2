//! `sampleAnswer` for the npm package's `xengage/testing` entry (feature `testing`, built into
//! `dist/testing/` apart from the main package, so the main entry's size is unchanged): the
//! answer the API would send to a request, from the core's answer synthesizer.

use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;

use crate::{Failure, request_of, to_js_error, to_json_text};

/// `sampleAnswer` on JSON text: the spec and options as `buildRequest` takes them, a seed, and
/// the clock for a missing `options.now`; `{ status, headers, body }` as JSON, the body as text.
pub fn sample_answer_json(
    spec: &str,
    options: &str,
    seed: u64,
    clock_ms: f64,
) -> Result<String, Failure> {
    let request = request_of(spec, options, clock_ms)?;
    let answer = xengage_core::testing::synthesize(&request, seed);
    let headers: Map<String, Value> = answer
        .headers
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_owned(), Value::String(v))
        })
        .collect();
    let body = String::from_utf8_lossy(&answer.body);
    Ok(json!({ "status": answer.status, "headers": headers, "body": body }).to_string())
}

/// `sampleAnswer(spec, seed, options?)`: the answer the API would send to the request `spec`
/// stands for (validated as `buildRequest` validates it), `{ status, headers, body }`, the same
/// for the same seed. Throws `XengageError` for an invalid spec or a seed that is not a whole
/// number from 0 to 2^53.
#[wasm_bindgen(js_name = sampleAnswer, skip_typescript)]
pub fn sample_answer(spec: &JsValue, seed: f64, options: &JsValue) -> Result<JsValue, JsValue> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if !((0.0..=MAX_SAFE).contains(&seed) && seed.fract() == 0.0) {
        let message = format!("seed {seed} is not a whole number from 0 to 2^53 - 1");
        return Err(to_js_error(&Failure::new("invalid_options", message)));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
    let seed = seed as u64;
    let spec = to_json_text(spec)?;
    let options = to_json_text(options)?;
    let out = sample_answer_json(&spec, &options, seed, js_sys::Date::now())
        .map_err(|e| to_js_error(&e))?;
    js_sys::JSON::parse(&out)
}

#[cfg(test)]
mod tests {
    use super::sample_answer_json;

    #[test]
    fn a_sample_answer_is_the_synthesizers_and_a_function_of_the_seed() {
        let spec = r#"{"endpoint":"totals","postIds":["1990000000000000001"],"metrics":["favorites"],"groupings":[{"name":"g","groupBy":["tweet.id","engagement.type"]}]}"#;
        let options = r#"{"now":"2026-11-22T12:00:00Z"}"#;
        let a = sample_answer_json(spec, options, 7, 0.0).unwrap();
        assert_eq!(a, sample_answer_json(spec, options, 7, 0.0).unwrap());
        let a: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert!(a["status"].as_u64().is_some());
        assert!(a["body"].as_str().is_some_and(|b| b.starts_with('{')));
        assert!(sample_answer_json(r#"{"endpoint":"totals"}"#, options, 7, 0.0).is_err());
    }

    #[test]
    fn post_and_media_analytics_are_answered() {
        let options = r#"{"now":"2026-11-22T12:00:00Z"}"#;
        let window = r#""start":"2026-11-20T00:00:00Z","end":"2026-11-21T00:00:00Z""#;
        for spec in [
            format!(
                r#"{{"endpoint":"analytics","postIds":["1990000000000000001"],"metrics":["impressions"],{window}}}"#
            ),
            format!(
                r#"{{"endpoint":"media-analytics","mediaKeys":["3_1990000000000000001"],"metrics":["video_views"],{window}}}"#
            ),
        ] {
            let served = (0..20).filter(|&seed| {
                let a = sample_answer_json(&spec, options, seed, 0.0).unwrap();
                let a: serde_json::Value = serde_json::from_str(&a).unwrap();
                a["status"] == 200
                    && a["body"]
                        .as_str()
                        .is_some_and(|b| b.starts_with(r#"{"data":["#))
            });
            assert!(served.count() > 10, "{spec}");
        }
    }
}
