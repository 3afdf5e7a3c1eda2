//! The JavaScript face of xengage, compiled to WebAssembly with `wasm-bindgen`.
//!
//! This crate is the only one that knows about JavaScript: it converts JS values into the core's
//! types and back, reads the JS clock for `now` where the caller gives none, and throws
//! `XengageError` (an `Error` subclass with a `code` and the list of `problems`, defined in the
//! npm package's `errors.js`).
//!
//! Exports, in JS spelling: `buildRequest(spec, options?)`, `checkRequest(spec, options?)`,
//! `parseResponseRaw`, `bodyBuffer` and `parseBufferedResponseRaw` (a text body written into
//! the module's memory by `TextEncoder.encodeInto`), and with the `client` feature (on by
//! default) `RawClient` and `signRequest` (wrapped by the npm package's `api.js` as `parseResponse`, `Client` and
//! `signRequest`). The package ships two builds: the lean one without `client` (checking,
//! building and parsing, for pages that do only that) and the full one. Outcomes cross to JS as columns of typed arrays
//! ([`outcome::Columns`]) plus JSON for the rest. The JSON-level functions
//! ([`build_request_json`], [`check_request_json`], [`parse_response_parts`],
//! [`ClientConfig::from_json`]) hold the logic and run on any target, so they are tested
//! natively:
//!
//! ```
//! let out = xengage_wasm::build_request_json(
//!     r#"{"endpoint":"totals","postIds":["1070059276213702656"],"metrics":["favorites"]}"#,
//!     r#"{"now":"2026-11-22T12:00:00Z"}"#,
//! )
//! .unwrap();
//! assert!(out.contains(r#""method":"POST""#));
//! ```

#[cfg(feature = "client")]
mod client;
pub mod outcome;
#[cfg(feature = "client")]
pub mod sign;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "client")]
pub use client::ClientConfig;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;
use xengage_core::response::{Outcome, ParseOptions, parse_response};
use xengage_core::time::OffsetDateTime;
use xengage_core::time::format_description::well_known::Rfc3339;
use xengage_core::{
    BaseUrls, CredentialKind, Endpoint, GroupingSpec, InvalidRequest, Request, RequestSpec, Rule,
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
    media_keys: Vec<String>,
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
        spec.media_keys = s.media_keys;
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
#[derive(Debug)]
enum JsTime {
    Millis(f64),
    Text(String),
}

/// Read by a visitor of its own, not `#[serde(untagged)]`: an untagged enum buffers its input
/// in serde's `Content` first, code the wasm module would carry for this one field.
impl<'de> Deserialize<'de> for JsTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JsTime, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = JsTime;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("milliseconds since 1970, an RFC 3339 time or a Date")
            }
            fn visit_f64<E>(self, v: f64) -> Result<JsTime, E> {
                Ok(JsTime::Millis(v))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E>(self, v: i64) -> Result<JsTime, E> {
                Ok(JsTime::Millis(v as f64))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_u64<E>(self, v: u64) -> Result<JsTime, E> {
                Ok(JsTime::Millis(v as f64))
            }
            fn visit_str<E>(self, v: &str) -> Result<JsTime, E> {
                Ok(JsTime::Text(v.to_owned()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Options of `buildRequest` and `checkRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsOptions {
    now: Option<JsTime>,
    base_url: Option<String>,
    credential: Option<CredentialKind>,
    enforce_lookback: Option<bool>,
    #[serde(default)]
    ninety_days_on_every_endpoint: bool,
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
    /// More about a response error: `{ status, retryable, postIds }`; `null` otherwise.
    pub details: Value,
}

impl Failure {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            problems: Value::Array(Vec::new()),
            details: Value::Null,
        }
    }
}

/// The option of the npm package that changes what `rule` refused, where there is one: the
/// core's messages name its Rust settings, and this adds the JS names.
pub(crate) fn rule_hint(rule: &Rule) -> Option<&'static str> {
    match rule {
        Rule::TooManyPostIds { .. } => {
            Some("the Client's collect takes any number of post ids and splits them into requests")
        }
        Rule::StartBeyondLookback { .. } => {
            Some("enforceLookback: false turns the check of the 365-day lookback off")
        }
        _ => None,
    }
}

impl From<InvalidRequest> for Failure {
    fn from(e: InvalidRequest) -> Failure {
        let mut message = e.to_string();
        let mut hints: Vec<&str> = Vec::new();
        for hint in e.problems.iter().filter_map(|p| rule_hint(&p.rule)) {
            if !hints.contains(&hint) {
                hints.push(hint);
                message.push_str("\nhint: ");
                message.push_str(hint);
            }
        }
        Failure {
            code: "invalid_request",
            message,
            problems: serde_json::to_value(&e.problems).unwrap_or(Value::Null),
            details: Value::Null,
        }
    }
}

/// serde's message without its "at line 1 column N": the JSON is ours, made from the caller's
/// object, so a position in it would point at nothing the caller wrote.
pub(crate) fn serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn parse_spec(spec: &str) -> Result<RequestSpec, Failure> {
    serde_json::from_str::<JsSpec>(spec)
        .map(RequestSpec::from)
        .map_err(|e| {
            Failure::new(
                "invalid_spec",
                format!("not a request spec: {}", serde_message(&e)),
            )
        })
}

fn parse_options(options: &str) -> Result<JsOptions, Failure> {
    if options.trim().is_empty() || options.trim() == "null" {
        return Ok(JsOptions::default());
    }
    serde_json::from_str(options).map_err(|e| {
        Failure::new(
            "invalid_options",
            format!("bad options: {}", serde_message(&e)),
        )
    })
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

/// An RFC 3339 time as milliseconds since the epoch.
#[cfg(feature = "client")]
fn parse_time_millis(text: &str) -> Option<f64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    #[allow(clippy::cast_precision_loss)]
    Some((t.unix_timestamp_nanos() / 1_000_000) as f64)
}

/// A JS time (milliseconds since the epoch, fractions allowed) as a time, to the nanosecond:
/// whole milliseconds in integers, for `ms * 1e6` as a float is off by up to 128 ns today, enough
/// to put `Date.now()` before a `new Date()` of the same millisecond.
fn millis_to_time(ms: f64) -> Option<OffsetDateTime> {
    if !ms.is_finite() || ms.abs() > 1e17 {
        return None;
    }
    let whole = ms.trunc();
    #[allow(clippy::cast_possible_truncation)]
    let nanos = whole as i128 * 1_000_000 + ((ms - whole) * 1e6).round() as i128;
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
    let validation = ValidationOptions::default()
        .credential(options.credential)
        .enforce_lookback(options.enforce_lookback.unwrap_or(true))
        .ninety_days_on_every_endpoint(options.ninety_days_on_every_endpoint);
    Ok(spec.validate(now, &validation)?)
}

fn notices(request: &Request) -> Value {
    outcome::camel_keys(Value::Array(
        request.notices().iter().map(notice_json).collect(),
    ))
}

fn build_with_clock(spec: &str, options: &str, clock_ms: f64) -> Result<String, Failure> {
    let options = parse_options(options)?;
    let base = base_urls(&options)?;
    let request = validate(spec, &options, clock_ms)?;
    let prepared = request.prepare(&base);
    // Inserted one by one: collecting into a map sorts first, and that sort is code of its
    // own in the module (see `outcome::camel_keys`).
    let mut headers = Map::new();
    for (k, v) in &prepared.headers {
        headers.insert(
            k.as_str().to_owned(),
            Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
        );
    }
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

// A Result like buildRequest's, for `js_call`; it is never an error now.
#[allow(clippy::unnecessary_wraps)]
fn check_with_clock(spec: &str, options: &str, clock_ms: f64) -> Result<String, Failure> {
    let checked = parse_options(options).and_then(|options| {
        base_urls(&options)?;
        validate(spec, &options, clock_ms)
    });
    let out = match checked {
        Ok(request) => json!({ "ok": true, "problems": [], "notices": notices(&request) }),
        Err(f) if f.code == "invalid_request" => {
            json!({ "ok": false, "problems": f.problems, "notices": [] })
        }
        // A spec of the wrong shape (an unknown endpoint or field, a number where a string
        // goes) or bad options are problems too: a form can hold anything.
        Err(f) => json!({
            "ok": false,
            "problems": [{
                "field": if f.code == "invalid_spec" { "spec" } else { "options" },
                "value": Value::Null,
                "rule": f.message,
            }],
            "notices": [],
        }),
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
/// types; a spec of the wrong shape or bad options are problems too (field `spec` or
/// `options`), never an error.
pub fn check_request_json(spec: &str, options: &str) -> Result<String, Failure> {
    check_with_clock(spec, options, 0.0)
}

/// The request `spec` stands for, validated as `buildRequest` does.
pub(crate) fn request_of(spec: &str, options: &str, clock_ms: f64) -> Result<Request, Failure> {
    let options = parse_options(options)?;
    validate(spec, &options, clock_ms)
}

/// The only headers the parser reads, the quota headers of both generations
/// ([`xengage_core::facts::limits`]), made when compiling: parsing any header name at run
/// time would bring http's table of standard names (5 KB gzipped) into the module.
static QUOTA_HEADERS: [http::HeaderName; 5] = {
    let [v2_limit, v2_remaining, v2_reset] = xengage_core::facts::limits::V2_RATE_LIMIT_HEADERS;
    let [limit, remaining] = xengage_core::facts::limits::ENTERPRISE_RATE_LIMIT_HEADERS;
    [
        http::HeaderName::from_static(v2_limit),
        http::HeaderName::from_static(v2_remaining),
        http::HeaderName::from_static(v2_reset),
        http::HeaderName::from_static(limit),
        http::HeaderName::from_static(remaining),
    ]
};

/// Headers given as a JSON object of names to string values, as the parser reads them: the
/// quota headers (any case), whose values must be header values; other names are not read,
/// so they are not checked either.
fn header_map(headers: &str) -> Result<http::HeaderMap, Failure> {
    let bad = |what: String| Failure::new("invalid_response", format!("answer.headers: {what}"));
    let map: Map<String, Value> = if headers.trim().is_empty() {
        Map::new()
    } else {
        serde_json::from_str(headers).map_err(|e| bad(e.to_string()))?
    };
    let mut out = http::HeaderMap::new();
    for (name, value) in map {
        let Value::String(value) = value else {
            return Err(bad(format!("the value of `{name}` is not a string")));
        };
        let Some(known) = QUOTA_HEADERS
            .iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(&name))
        else {
            continue;
        };
        let value = http::HeaderValue::from_str(&value)
            .map_err(|_| bad(format!("the value of `{name}` is not a header value")))?;
        out.append(known.clone(), value);
    }
    Ok(out)
}

/// `parseResponse` on JSON-level inputs: the spec and options as for `buildRequest`, the
/// answer's status, headers (a JSON object) and body bytes.
pub fn parse_response_parts(
    spec: &str,
    options: &str,
    status: u16,
    headers: &str,
    body: &[u8],
    clock_ms: f64,
) -> Result<Outcome, Failure> {
    let request = request_of(spec, options, clock_ms)?;
    let headers = header_map(headers)?;
    parse_response(&request, status, &headers, body, &ParseOptions::default())
        .map_err(|e| outcome::response_failure(&e, &request))
}

#[wasm_bindgen(raw_module = "../errors.js")]
extern "C" {
    /// The package's `XengageError` class (`errors.js`).
    type XengageError;
    #[wasm_bindgen(constructor)]
    fn new(code: &str, message: &str, problems: JsValue, details: JsValue) -> XengageError;
}

pub(crate) fn to_js_error(f: &Failure) -> JsValue {
    let problems = js_sys::JSON::parse(&f.problems.to_string()).unwrap_or(JsValue::NULL);
    let details = js_sys::JSON::parse(&f.details.to_string()).unwrap_or(JsValue::NULL);
    XengageError::new(f.code, &f.message, problems, details).into()
}

pub(crate) fn to_json_text(value: &JsValue) -> Result<String, JsValue> {
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

/// `parseResponse`'s raw half (`outcome.js` wraps it): the outcome's columns as typed arrays
/// and the rest as JSON text in `meta`.
#[wasm_bindgen(js_name = parseResponseRaw, skip_typescript)]
pub fn parse_response_raw(
    spec: &JsValue,
    options: &JsValue,
    status: u16,
    headers: &str,
    body: &[u8],
) -> Result<JsValue, JsValue> {
    let spec = to_json_text(spec)?;
    let options = to_json_text(options)?;
    let outcome = parse_response_parts(&spec, &options, status, headers, body, js_sys::Date::now())
        .map_err(|e| to_js_error(&e))?;
    Ok(outcome_to_js(&outcome, None))
}

thread_local! {
    /// The body `api.js` writes with `TextEncoder.encodeInto` for [`parse_buffered_response`]:
    /// a string crosses into the module in one copy, not two (`TextEncoder.encode`, then the
    /// bytes into the module) or a loop over its characters in JS (wasm-bindgen's `&str`).
    static BODY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `bodyBuffer(len, keep)`: the module's body buffer made `len` bytes long, its first `keep`
/// bytes kept (the rest zero), as a `Uint8Array` over the module's memory for `api.js` to
/// write a string's UTF-8 into (`TextEncoder.encodeInto`). The view is valid until the next
/// call into the module (a call may grow the memory, which detaches it).
#[wasm_bindgen(js_name = bodyBuffer, skip_typescript)]
pub fn body_buffer(len: u32, keep: u32) -> js_sys::Uint8Array {
    BODY.with_borrow_mut(|body| {
        body.truncate(keep as usize);
        body.resize(len as usize, 0);
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        // A wasm32 address fits in u32.
        let start = u32::try_from(body.as_ptr().addr()).unwrap_or(0);
        js_sys::Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), start, len)
    })
}

/// `parseResponse`'s raw half for a body written into [`body_buffer`]: its first `len` bytes
/// are the body (the buffer is emptied and freed).
#[wasm_bindgen(js_name = parseBufferedResponseRaw, skip_typescript)]
pub fn parse_buffered_response(
    spec: &JsValue,
    options: &JsValue,
    status: u16,
    headers: &str,
    len: u32,
) -> Result<JsValue, JsValue> {
    // Taken before anything calls into JS (stringifying the spec may run its `toJSON`), so a
    // parse started from there cannot write over this body.
    let mut body = BODY.take();
    body.truncate(len as usize);
    parse_response_raw(spec, options, status, headers, &body)
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A `Uint8Array` column, or its value where it holds one value throughout.
fn bytes_or_fill(column: &[u8]) -> JsValue {
    match column.first() {
        Some(first) if column.iter().all(|v| v == first) => JsValue::from(*first),
        _ => js_sys::Uint8Array::from(column).into(),
    }
}

/// One grouping's columns as typed arrays (see [`bytes_or_fill`]).
#[allow(clippy::cast_precision_loss)]
fn columns_to_js(c: &outcome::Columns) -> JsValue {
    let strings =
        |list: &[String]| -> js_sys::Array { list.iter().map(|s| JsValue::from_str(s)).collect() };
    let columns = js_sys::Object::new();
    set(&columns, "length", &JsValue::from_f64(c.len() as f64));
    set(&columns, "postIds", &strings(&c.post_ids));
    set(
        &columns,
        "post",
        &js_sys::Int32Array::from(c.post.as_slice()),
    );
    set(&columns, "mediaKeys", &strings(&c.media_keys));
    // A column of one value throughout (no media outside media analytics; one kind of bucket)
    // crosses as that value: `api.js` makes the array when it is first read.
    let media = match c.media.first() {
        Some(m) if c.media_keys.is_empty() => JsValue::from(*m),
        _ => js_sys::Int32Array::from(c.media.as_slice()).into(),
    };
    set(&columns, "media", &media);
    set(&columns, "metrics", &strings(&c.metrics));
    set(
        &columns,
        "metric",
        &js_sys::Int32Array::from(c.metric.as_slice()),
    );
    set(
        &columns,
        "bucketKinds",
        &strings(&outcome::BUCKET_KINDS.map(String::from)),
    );
    set(&columns, "bucket", &bytes_or_fill(&c.bucket));
    set(
        &columns,
        "time",
        &js_sys::Float64Array::from(c.time.as_slice()),
    );
    set(&columns, "hourOfDay", &bytes_or_fill(&c.hour_of_day));
    set(
        &columns,
        "value",
        &js_sys::Float64Array::from(c.value.as_slice()),
    );
    columns.into()
}

/// An outcome as `{ meta, tables, totals, summary }` for `api.js`: `tables` holds the columns
/// of each grouping in order, `totals` those of a v2 answer's totals (or is undefined).
pub(crate) fn outcome_to_js(outcome: &Outcome, summary: Option<&Value>) -> JsValue {
    let tables: js_sys::Array = outcome
        .groupings
        .iter()
        .map(|g| columns_to_js(&outcome::Columns::of(g)))
        .collect();
    let out = js_sys::Object::new();
    set(&out, "tables", &tables);
    if let Some(totals) = &outcome.totals {
        set(
            &out,
            "totals",
            &columns_to_js(&outcome::Columns::of(totals)),
        );
    }
    set(
        &out,
        "meta",
        &JsValue::from_str(&outcome::meta(outcome).to_string()),
    );
    if let Some(summary) = summary {
        set(&out, "summary", &JsValue::from_str(&summary.to_string()));
    }
    out.into()
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
    fn js_times_are_exact_to_the_millisecond() {
        // `ms * 1e6` in floats lands up to 128 ns off; every millisecond of a second must come
        // out exact, so that an end of `new Date()` is never after a `now` of `Date.now()`.
        let second = 1_795_348_800_000.0_f64;
        for ms in 0..1000_u32 {
            let t = millis_to_time(second + f64::from(ms)).unwrap();
            assert_eq!(
                t.unix_timestamp_nanos(),
                (1_795_348_800_000_i128 + i128::from(ms)) * 1_000_000,
                "{ms}"
            );
        }
        let half = millis_to_time(1.5).unwrap();
        assert_eq!(half.unix_timestamp_nanos(), 1_500_000);
        assert!(millis_to_time(f64::NAN).is_none());
        assert!(millis_to_time(1e300).is_none());
    }

    #[test]
    fn an_error_lists_as_refused_only_posts_it_refuses_something_asked() {
        // Favorites only: a post named unsupported for video views is not refused by this
        // answer (it fails with the request); a forbidden one is.
        let (a, b) = ("1855000000000000001", "1855000000000000002");
        let spec =
            format!(r#"{{"endpoint":"totals","postIds":["{a}","{b}"],"metrics":["favorites"]}}"#);
        let body = format!(
            r#"{{"errors":["Forbidden to access tweets: {a}"],"unsupported_for_video_views_tweet_ids":["{b}"]}}"#
        );
        let f = parse_response_parts(&spec, NOW, 403, "{}", body.as_bytes(), 0.0).unwrap_err();
        assert_eq!(f.code, "api_error");
        assert_eq!(
            f.details["postIds"],
            serde_json::json!([a]),
            "{:?}",
            f.details
        );
    }

    #[test]
    fn the_quota_headers_are_read_in_any_case_and_other_headers_are_not() {
        let spec = r#"{"endpoint":"media-analytics","mediaKeys":["3_1992000000000000001"],"metrics":["video_views"],"start":"2026-11-19T00:00:00Z","end":"2026-11-21T00:00:00Z"}"#;
        let headers = r#"{"X-Rate-Limit-Limit":"300","x-rate-limit-remaining":" 299 ","x-rate-limit-reset":"1795000000","not a header name":"x","x-other":"\u0001"}"#;
        let outcome =
            parse_response_parts(spec, NOW, 200, headers, br#"{"data":[]}"#, 0.0).unwrap();
        let quota = outcome.rate_limit.unwrap();
        assert_eq!(
            (quota.limit, quota.remaining, quota.reset),
            (300, 299, Some(1_795_000_000))
        );
        let f = parse_response_parts(spec, NOW, 200, r#"{"x-rate-limit-limit":300}"#, b"{}", 0.0)
            .unwrap_err();
        assert_eq!(f.code, "invalid_response");
        assert!(f.message.contains("x-rate-limit-limit"), "{}", f.message);
        let f = parse_response_parts(
            spec,
            NOW,
            200,
            r#"{"x-rate-limit-limit":"3\n"}"#,
            b"{}",
            0.0,
        )
        .unwrap_err();
        assert!(f.message.contains("not a header value"), "{}", f.message);
    }

    #[test]
    fn options_now_takes_milliseconds_or_a_time_and_names_both_otherwise() {
        let spec =
            r#"{"endpoint":"totals","postIds":["1070059276213702656"],"metrics":["favorites"]}"#;
        for now in [
            r#"{"now":1795000000000}"#,
            r#"{"now":1.7950000000005e12}"#,
            NOW,
        ] {
            build_request_json(spec, now).unwrap();
        }
        let f = build_request_json(spec, r#"{"now":true}"#).unwrap_err();
        assert_eq!(f.code, "invalid_options");
        assert!(
            f.message
                .contains("milliseconds since 1970, an RFC 3339 time or a Date"),
            "{}",
            f.message
        );
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
    fn a_rule_an_option_can_change_is_followed_by_the_option() {
        // The core's message names its Rust setting; the npm package adds its own option.
        let f = build_request_json(
            r#"{"endpoint":"historical","postIds":["1855000000000000000"],"metrics":["favorites"],"start":"2025-06-01","end":"2025-06-08"}"#,
            NOW,
        )
        .unwrap_err();
        assert_eq!(f.code, "invalid_request");
        assert!(
            f.message.contains("ValidationOptions::enforce_lookback"),
            "{}",
            f.message
        );
        assert!(
            f.message.ends_with(
                "\nhint: enforceLookback: false turns the check of the 365-day lookback off"
            ),
            "{}",
            f.message
        );
        let f = build_request_json(
            r#"{"endpoint":"totals","postIds":["12x"],"metrics":["impressions"]}"#,
            NOW,
        )
        .unwrap_err();
        assert!(!f.message.contains("hint:"), "{}", f.message);
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
    fn check_never_fails_for_a_spec_of_the_wrong_shape() {
        for (spec, options) in [
            (r#"{"endpoint":"totalz"}"#, NOW),
            (r#"{"endpoint":"totals","postIds":[17]}"#, NOW),
            ("[]", NOW),
            (r#"{"endpoint":"totals"}"#, r#"{"now":"yesterday"}"#),
        ] {
            let v: Value =
                serde_json::from_str(&check_request_json(spec, options).unwrap()).unwrap();
            assert_eq!(v["ok"], false, "{spec}");
            assert!(
                !v["problems"][0]["rule"].as_str().unwrap().is_empty(),
                "{spec}"
            );
        }
    }

    #[test]
    fn check_reports_problems_without_failing() {
        let out = check_request_json(r#"{"endpoint":"historical","postIds":[]}"#, NOW).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["ok"], false);
        assert!(!v["problems"].as_array().unwrap().is_empty());
    }
}
