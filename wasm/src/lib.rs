//! The JavaScript face of xengage, compiled to WebAssembly with `wasm-bindgen`.
//!
//! This crate is the only one that knows about JavaScript: it converts JS values into the core's
//! types and back, reads the JS clock for `now` where the caller gives none, and throws
//! `XengageError` (an `Error` subclass with a `code` and the list of `problems`, defined in the
//! npm package's `errors.js`).
//!
//! Exports, in JS spelling: `buildRequest(spec, options?)` and `checkRequest(spec, options?)`.
//! The JSON-level functions ([`build_request_json`], [`check_request_json`]) hold all the logic
//! and run on any target, so they are tested natively:
//!
//! ```
//! let out = xengage_wasm::build_request_json(
//!     r#"{"endpoint":"totals","postIds":["1070059276213702656"],"metrics":["favorites"]}"#,
//!     r#"{"now":"2026-11-22T12:00:00Z"}"#,
//! )
//! .unwrap();
//! assert!(out.contains(r#""method":"POST""#));
//! ```

use serde::Deserialize;
use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;
use xengage_core::time::OffsetDateTime;
use xengage_core::time::format_description::well_known::Rfc3339;
use xengage_core::{
    BaseUrls, CredentialKind, Endpoint, GroupingSpec, InvalidRequest, Request, RequestSpec,
    ValidationOptions, notice_json,
};

/// A grouping as JS writes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsGrouping {
    name: String,
    group_by: Vec<String>,
}

/// A request spec as JS writes it (camelCase); `Date` values arrive as ISO strings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsSpec {
    endpoint: Endpoint,
    #[serde(default)]
    post_ids: Vec<String>,
    #[serde(default)]
    metrics: Vec<String>,
    #[serde(default)]
    groupings: Vec<JsGrouping>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    granularity: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
}

impl From<JsSpec> for RequestSpec {
    fn from(s: JsSpec) -> RequestSpec {
        let mut spec = RequestSpec::new(s.endpoint);
        spec.post_ids = s.post_ids;
        spec.metrics = s.metrics;
        spec.groupings = s
            .groupings
            .into_iter()
            .map(|g| GroupingSpec {
                name: g.name,
                group_by: g.group_by,
            })
            .collect();
        spec.start = s.start;
        spec.end = s.end;
        spec.granularity = s.granularity;
        spec.fields = s.fields;
        spec
    }
}

/// A time as JS gives it: milliseconds since the epoch, or an ISO string (a `Date`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum JsTime {
    Millis(f64),
    Text(String),
}

/// Options of `buildRequest` and `checkRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsOptions {
    now: Option<JsTime>,
    base_url: Option<String>,
    credential: Option<CredentialKind>,
    enforce_lookback: Option<bool>,
}

/// A failure, as thrown to JS: a stable `code`, a message saying what to change, and problems.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// `invalid_request` (the spec breaks documented rules: see `problems`), `invalid_spec`
    /// (the object does not have the shape of a spec) or `invalid_options`.
    pub code: &'static str,
    /// A message naming what to change.
    pub message: String,
    /// Every problem, as `{ field, value, rule }` objects (empty unless `invalid_request`).
    pub problems: Value,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            problems: Value::Array(Vec::new()),
        }
    }
}

impl From<InvalidRequest> for Failure {
    fn from(e: InvalidRequest) -> Failure {
        Failure {
            code: "invalid_request",
            message: e.to_string(),
            problems: serde_json::to_value(&e.problems).unwrap_or(Value::Null),
        }
    }
}

fn parse_spec(spec: &str) -> Result<RequestSpec, Failure> {
    serde_json::from_str::<JsSpec>(spec)
        .map(RequestSpec::from)
        .map_err(|e| Failure::new("invalid_spec", format!("not a request spec: {e}")))
}

fn parse_options(options: &str) -> Result<JsOptions, Failure> {
    if options.trim().is_empty() || options.trim() == "null" {
        return Ok(JsOptions::default());
    }
    serde_json::from_str(options)
        .map_err(|e| Failure::new("invalid_options", format!("bad options: {e}")))
}

fn now_of(options: &JsOptions, clock_ms: f64) -> Result<OffsetDateTime, Failure> {
    let bad = |what: &str| Failure::new("invalid_options", format!("options.now {what}"));
    match &options.now {
        None => millis_to_time(clock_ms).ok_or_else(|| bad("(the clock) is out of range")),
        Some(JsTime::Millis(ms)) => {
            millis_to_time(*ms).ok_or_else(|| bad("is out of range (milliseconds since 1970)"))
        }
        Some(JsTime::Text(s)) => OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|_| bad(&format!("`{s}` is not an RFC 3339 time or a Date"))),
    }
}

fn millis_to_time(ms: f64) -> Option<OffsetDateTime> {
    if !ms.is_finite() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let nanos = (ms * 1_000_000.0) as i128;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

fn base_urls(options: &JsOptions) -> Result<BaseUrls, Failure> {
    let bad = |e: xengage_core::BaseUrlError| Failure::new("invalid_options", e.to_string());
    match &options.base_url {
        None => Ok(BaseUrls::default()),
        Some(base) => BaseUrls::single(base).map_err(bad),
    }
}

fn validate(spec: &str, options: &JsOptions, clock_ms: f64) -> Result<Request, Failure> {
    let spec = parse_spec(spec)?;
    let now = now_of(options, clock_ms)?;
    let validation = ValidationOptions {
        credential: options.credential,
        enforce_lookback: options.enforce_lookback.unwrap_or(true),
    };
    Ok(spec.validate(now, &validation)?)
}

fn notices(request: &Request) -> Value {
    Value::Array(request.notices().iter().map(notice_json).collect())
}

fn build_with_clock(spec: &str, options: &str, clock_ms: f64) -> Result<String, Failure> {
    let options = parse_options(options)?;
    let base = base_urls(&options)?;
    let request = validate(spec, &options, clock_ms)?;
    let prepared = request.prepare(&base);
    let headers: Map<String, Value> = prepared
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            )
        })
        .collect();
    let out = json!({
        "endpoint": prepared.endpoint,
        "method": prepared.method.as_str(),
        "url": prepared.url,
        "headers": headers,
        "body": prepared.body_text(),
        "notices": notices(&request),
    });
    Ok(out.to_string())
}

fn check_with_clock(spec: &str, options: &str, clock_ms: f64) -> Result<String, Failure> {
    let options = parse_options(options)?;
    base_urls(&options)?;
    let out = match validate(spec, &options, clock_ms) {
        Ok(request) => json!({ "ok": true, "problems": [], "notices": notices(&request) }),
        Err(f) if f.code == "invalid_request" => {
            json!({ "ok": false, "problems": f.problems, "notices": [] })
        }
        Err(f) => return Err(f),
    };
    Ok(out.to_string())
}

/// `buildRequest` on JSON text: the spec and options as JSON, the built request as JSON
/// (`{ endpoint, method, url, headers, body, notices }`). Without `options.now`, the clock is
/// 1970 on the host; the JS export reads `Date.now()`.
pub fn build_request_json(spec: &str, options: &str) -> Result<String, Failure> {
    build_with_clock(spec, options, 0.0)
}

/// `checkRequest` on JSON text: `{ ok, problems, notices }`, for checking a spec as the user
/// types; only a spec of the wrong shape or bad options fail.
pub fn check_request_json(spec: &str, options: &str) -> Result<String, Failure> {
    check_with_clock(spec, options, 0.0)
}

#[wasm_bindgen(raw_module = "../errors.js")]
extern "C" {
    /// The package's `XengageError` class (`errors.js`).
    type XengageError;
    #[wasm_bindgen(constructor)]
    fn new(code: &str, message: &str, problems: JsValue) -> XengageError;
}

fn to_js_error(f: &Failure) -> JsValue {
    let problems = js_sys::JSON::parse(&f.problems.to_string()).unwrap_or(JsValue::NULL);
    XengageError::new(f.code, &f.message, problems).into()
}

fn to_json_text(value: &JsValue) -> Result<String, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(String::new());
    }
    js_sys::JSON::stringify(value)
        .map(String::from)
        .map_err(|_| to_js_error(&Failure::new("invalid_spec", "not JSON-serializable")))
}

fn js_call(
    f: fn(&str, &str, f64) -> Result<String, Failure>,
    spec: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsValue> {
    let spec = to_json_text(spec)?;
    let options = to_json_text(options)?;
    let out = f(&spec, &options, js_sys::Date::now()).map_err(|e| to_js_error(&e))?;
    js_sys::JSON::parse(&out)
}

/// `buildRequest(spec, options?)`: validates `spec` and returns the HTTP request to send,
/// `{ endpoint, method, url, headers, body, notices }`; throws `XengageError` otherwise.
#[wasm_bindgen(js_name = buildRequest, skip_typescript)]
pub fn build_request(spec: &JsValue, options: &JsValue) -> Result<JsValue, JsValue> {
    js_call(build_with_clock, spec, options)
}

/// `checkRequest(spec, options?)`: `{ ok, problems, notices }` without throwing on rule
/// violations.
#[wasm_bindgen(js_name = checkRequest, skip_typescript)]
pub fn check_request(spec: &JsValue, options: &JsValue) -> Result<JsValue, JsValue> {
    js_call(check_with_clock, spec, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = r#"{"now":"2026-11-22T12:00:00Z"}"#;

    #[test]
    fn builds_v1_totals() {
        let out = build_request_json(
            r#"{"endpoint":"totals","postIds":["1070059276213702656"],"metrics":["favorites"]}"#,
            NOW,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["method"], "POST");
        assert_eq!(
            v["url"],
            "https://data-api.x.com/insights/engagement/totals"
        );
        assert!(v["body"].as_str().unwrap().contains("1070059276213702656"));
    }

    #[test]
    fn base_url_and_millis_now() {
        let out = build_request_json(
            r#"{"endpoint":"insights-28hr","postIds":["1070059276213702656"],"metrics":["impressions"],"granularity":"Hourly"}"#,
            r#"{"now":1795000000000,"baseUrl":"http://127.0.0.1:9000"}"#,
        )
        .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["method"], "GET");
        assert!(
            v["url"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:9000/2/insights/28hr?")
        );
        assert_eq!(v["body"], Value::Null);
    }

    #[test]
    fn invalid_request_lists_every_problem() {
        let f = build_request_json(
            r#"{"endpoint":"totals","postIds":["12x"],"metrics":["media_clicks"]}"#,
            NOW,
        )
        .unwrap_err();
        assert_eq!(f.code, "invalid_request");
        assert_eq!(f.problems.as_array().unwrap().len(), 2);
        assert_eq!(f.problems[0]["field"], "tweet_ids[0]");
    }

    #[test]
    fn wrong_shape_and_bad_options() {
        let f = build_request_json(r#"{"endpoint":"totals","postId":["1"]}"#, NOW).unwrap_err();
        assert_eq!(f.code, "invalid_spec");
        assert!(f.message.contains("postId"), "{}", f.message);
        let f =
            build_request_json(r#"{"endpoint":"totals"}"#, r#"{"now":"yesterday"}"#).unwrap_err();
        assert_eq!(f.code, "invalid_options");
        let f =
            build_request_json(r#"{"endpoint":"totals"}"#, r#"{"baseUrl":"ftp:x"}"#).unwrap_err();
        assert_eq!(f.code, "invalid_options");
    }

    #[test]
    fn check_reports_problems_without_failing() {
        let out = check_request_json(r#"{"endpoint":"historical","postIds":[]}"#, NOW).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["ok"], false);
        assert!(!v["problems"].as_array().unwrap().is_empty());
    }
}
