//! `new Client(options)`: bulk collection from JS through `xengage-web`. `client.js` in the npm
//! package wraps this raw class with the five endpoint methods and the outcome helpers.

use std::rc::Rc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use serde_json::json;
use wasm_bindgen::prelude::*;
use xengage_core::auth::{Credentials, OAuth1Credentials, Secret};
use xengage_core::collect::{CollectOptions, Event};
use xengage_core::plan::{Plan, PlanOptions};
use xengage_core::response::{MergeError, Outcome, merge};
use xengage_core::{BaseUrls, ValidationOptions, notice_json};
use xengage_web::SendError;
use xengage_web::collect::{AttemptError, Control, Ending, Target};

use crate::outcome::{event_json, summary_json};
use crate::{Failure, JsTime, millis_to_time, outcome_to_js, parse_spec, to_js_error};

/// Credentials as JS writes them: exactly one of a bearer token, a user token, or OAuth 1.0a
/// keys. Values never appear in messages.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct JsCredentials {
    bearer_token: Option<String>,
    user_token: Option<String>,
    consumer_key: Option<String>,
    consumer_secret: Option<String>,
    access_token: Option<String>,
    access_token_secret: Option<String>,
}

impl std::fmt::Debug for JsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsCredentials { .. }")
    }
}

impl JsCredentials {
    pub(crate) fn into_credentials(self) -> Result<Credentials, Failure> {
        let bad = |m: &str| Failure::new("invalid_options", format!("options.credentials: {m}"));
        match (self.bearer_token, self.user_token, self.consumer_key) {
            (Some(token), None, None) => Ok(Credentials::AppOnly {
                bearer_token: Secret::new(token),
            }),
            (None, Some(token), None) => Ok(Credentials::OAuth2User {
                access_token: Secret::new(token),
            }),
            (None, None, Some(consumer_key)) => {
                let consumer_secret = self
                    .consumer_secret
                    .ok_or_else(|| bad("consumerKey needs consumerSecret"))?;
                if self.access_token.is_some() != self.access_token_secret.is_some() {
                    return Err(bad("accessToken and accessTokenSecret go together"));
                }
                // Without an access token the request is signed as the app alone.
                Ok(Credentials::OAuth1User(OAuth1Credentials::new(
                    consumer_key,
                    consumer_secret,
                    self.access_token.unwrap_or_default(),
                    self.access_token_secret.unwrap_or_default(),
                )))
            }
            (None, None, None) => Err(bad(
                "give bearerToken, userToken, or consumerKey and consumerSecret with accessToken and accessTokenSecret; or leave credentials out when a proxy signs",
            )),
            _ => Err(bad(
                "give one kind of credential: bearerToken, userToken, or the OAuth 1.0a keys",
            )),
        }
    }
}

/// `credentials`, with a message of our own when it is not an object: serde's would quote a
/// string where the object belongs, and a token given as `credentials` itself would be echoed.
/// (Every field inside is a string or absent, so no other message can hold one.)
fn credentials_object<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<JsCredentials>, D::Error> {
    Option::<JsCredentials>::deserialize(d).map_err(|e| {
        if e.to_string().starts_with("invalid type") {
            serde::de::Error::custom(
                "options.credentials must be an object, such as { bearerToken } or the four OAuth 1.0a keys; its value is not shown",
            )
        } else {
            e
        }
    })
}

/// Options of `new Client(options)` as JS writes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsClientOptions {
    base_url: Option<String>,
    signing_base_url: Option<String>,
    #[serde(default, deserialize_with = "credentials_object")]
    credentials: Option<JsCredentials>,
    timeout_ms: Option<f64>,
    now: Option<JsTime>,
    enforce_lookback: Option<bool>,
    ninety_days_on_every_endpoint: Option<bool>,
    max_retries: Option<f64>,
    max_rate_limited_retries: Option<f64>,
    retry_base_delay_ms: Option<f64>,
    quota_window_ms: Option<f64>,
    max_body_bytes: Option<f64>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
}

/// A client's settings, checked: where to send, what to sign for, with which credentials.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Sending, signing and credentials.
    pub target: Target,
    /// A fixed `now` (tests, emulators with a fixed clock); `None` reads the platform clock.
    pub now_ms: Option<f64>,
    /// Refuse windows starting more than 365 days ago.
    pub enforce_lookback: bool,
    /// Apply the 90-day limit of impressions and engagements on every endpoint (see
    /// `ValidationOptions::ninety_days_on_every_endpoint`).
    pub ninety_days_on_every_endpoint: bool,
    /// Retries and pacing.
    pub collect: CollectOptions,
}

fn millis(ms: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| {
        Failure::new(
            "invalid_options",
            format!("options.{what} must be a number of milliseconds, 0 or more and finite"),
        )
    })
}

/// A count of retries: a whole number from 0 to `u32::MAX`.
fn retries(n: f64, what: &str) -> Result<u32, Failure> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let count = (n >= 0.0 && n <= f64::from(u32::MAX) && n.fract() == 0.0).then_some(n as u32);
    count.ok_or_else(|| {
        Failure::new(
            "invalid_options",
            format!(
                "options.{what} must be a whole number of retries, from 0 to {}",
                u32::MAX
            ),
        )
    })
}

/// `maxBodyBytes`: a whole number of bytes, 1 or more, that this platform can address (and a
/// JS number holds exactly: 2^53 - 1 at most).
fn body_limit(bytes: f64) -> Result<usize, Failure> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    let max = u64::try_from(usize::MAX).map_or(MAX_SAFE_INTEGER, |m| m.min(MAX_SAFE_INTEGER));
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let limit = (bytes >= 1.0 && bytes <= max as f64 && bytes.fract() == 0.0)
        .then(|| usize::try_from(bytes as u64).ok())
        .flatten();
    limit.ok_or_else(|| {
        Failure::new(
            "invalid_options",
            format!("options.maxBodyBytes must be a whole number of bytes, from 1 to {max}"),
        )
    })
}

impl ClientConfig {
    /// Reads `new Client(options)`'s options given as JSON.
    pub fn from_json(options: &str) -> Result<ClientConfig, Failure> {
        let o: JsClientOptions = if options.trim().is_empty() || options.trim() == "null" {
            JsClientOptions::default()
        } else if !options.trim_start().starts_with('{') {
            // Not serde's message: it would quote a token given as the options themselves.
            return Err(Failure::new(
                "invalid_options",
                "the Client's options must be an object, such as { baseUrl, credentials }; the value given is not shown",
            ));
        } else {
            serde_json::from_str(options).map_err(|e| {
                Failure::new(
                    "invalid_options",
                    format!("bad client options: {}", crate::serde_message(&e)),
                )
            })?
        };
        let url_error =
            |e: xengage_core::BaseUrlError| Failure::new("invalid_options", e.to_string());
        let send_to = match &o.base_url {
            Some(url) => BaseUrls::single(url).map_err(url_error)?,
            None => BaseUrls::default(),
        };
        let sign_for = match &o.signing_base_url {
            Some(url) => BaseUrls::single(url).map_err(url_error)?,
            None => BaseUrls::default(),
        };
        let credentials = o
            .credentials
            .map(JsCredentials::into_credentials)
            .transpose()?;
        if let Some(c) = &credentials {
            c.check().map_err(|e| {
                Failure::new("invalid_options", format!("options.credentials: {e}"))
            })?;
        }
        let now_ms = match o.now {
            None => None,
            Some(JsTime::Millis(ms)) => Some(ms),
            Some(JsTime::Text(text)) => Some(crate::parse_time_millis(&text).ok_or_else(|| {
                Failure::new(
                    "invalid_options",
                    format!("options.now `{text}` is not an RFC 3339 time or a Date"),
                )
            })?),
        };
        if let Some(ms) = now_ms {
            millis_to_time(ms)
                .ok_or_else(|| Failure::new("invalid_options", "options.now is out of range"))?;
        }
        let mut collect = CollectOptions::default();
        if let Some(n) = o.max_retries {
            collect.retry = collect.retry.max_retries(retries(n, "maxRetries")?);
        }
        if let Some(n) = o.max_rate_limited_retries {
            collect.retry.max_rate_limited_retries = retries(n, "maxRateLimitedRetries")?;
        }
        if let Some(ms) = o.retry_base_delay_ms {
            collect.retry.base_delay = millis(ms, "retryBaseDelayMs")?;
            collect.retry.max_delay = collect.retry.max_delay.max(collect.retry.base_delay);
        }
        if let Some(ms) = o.quota_window_ms {
            collect.pacing = collect.pacing.window(millis(ms, "quotaWindowMs")?);
        }
        if let Some(bytes) = o.max_body_bytes {
            collect.parse.max_body_bytes = body_limit(bytes)?;
        }
        let mut headers = Vec::new();
        for (name, value) in &o.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Failure::new(
                    "invalid_options",
                    format!("options.headers: `{name}` is not a header name"),
                )
            })?;
            // The value is not shown: a header may hold a session's secret.
            let mut value = http::HeaderValue::from_str(value).map_err(|_| {
                Failure::new(
                    "invalid_options",
                    format!("options.headers: the value of `{name}` holds a character a header cannot carry; it is not shown"),
                )
            })?;
            if name == http::header::AUTHORIZATION && credentials.is_some() {
                return Err(Failure::new(
                    "invalid_options",
                    "options.headers: Authorization would replace the signature of options.credentials; give one or the other",
                ));
            }
            // Debug prints "Sensitive" in its place.
            value.set_sensitive(true);
            headers.push((name, value));
        }
        let timeout = match o.timeout_ms {
            Some(ms) => millis(ms, "timeoutMs")?,
            None => Duration::from_secs(30),
        };
        Ok(ClientConfig {
            target: Target {
                send_to,
                sign_for,
                credentials,
                timeout,
                fetch: None,
                headers,
            },
            now_ms,
            enforce_lookback: o.enforce_lookback.unwrap_or(true),
            ninety_days_on_every_endpoint: o.ninety_days_on_every_endpoint.unwrap_or(false),
            collect,
        })
    }

    /// Plans `spec` (JSON of a request spec, any number of posts, any range) at `clock_ms`
    /// unless the client has a fixed `now`.
    pub fn plan(&self, spec: &str, clock_ms: f64) -> Result<Plan, Failure> {
        let spec = parse_spec(spec)?;
        let now = millis_to_time(self.now_ms.unwrap_or(clock_ms))
            .ok_or_else(|| Failure::new("invalid_options", "the clock is out of range"))?;
        let validation = ValidationOptions::default()
            .credential(self.target.credentials.as_ref().map(Credentials::kind))
            .enforce_lookback(self.enforce_lookback)
            .ninety_days_on_every_endpoint(self.ninety_days_on_every_endpoint);
        Ok(Plan::new(&spec, now, &validation, &PlanOptions::default())?)
    }
}

/// The most rows a `Client` job may hold. Its rows stay in wasm memory until merged, about
/// 240 bytes a row at the peak, and a wasm32 memory ends at 4 GiB: measured in Node, a job of
/// 20.5 million hourly rows reached the limit and 29 million stopped the process (a trap no
/// `catch` sees). A job that could answer more is refused before anything is sent.
pub(crate) const MAX_JOB_ROWS: u64 = 15_000_000;

/// `plan`, if its answers fit in a `Client`'s memory ([`MAX_JOB_ROWS`]).
pub(crate) fn check_size(plan: &Plan) -> Result<(), Failure> {
    let rows = plan.max_rows();
    if rows > MAX_JOB_ROWS {
        return Err(Failure::new(
            "job_too_large",
            format!(
                "this job could answer up to {rows} rows, more than the {MAX_JOB_ROWS} a Client holds in wasm memory; split it (fewer postIds or a shorter range per collect), or run it with the xengage CLI, which streams rows to a file"
            ),
        ));
    }
    Ok(())
}

/// Merges the batches of a job; an empty job is an empty outcome of its endpoint.
pub(crate) fn merge_batches(
    endpoint: xengage_core::Endpoint,
    outcomes: Vec<Outcome>,
) -> Result<Outcome, MergeError> {
    if outcomes.is_empty() {
        Ok(Outcome::empty(endpoint))
    } else {
        merge(outcomes)
    }
}

/// How a job ended, for `api.js` to resolve or reject: `kind` (`finished`, `aborted`,
/// `unreachable`), the `message` and `url` of an unreachable first attempt, and the job's first
/// `batch_failed` event (`firstFailure`, or null).
pub(crate) fn ending_json(ending: &Ending, first_failure: &Value) -> Value {
    match ending {
        Ending::Finished => json!({ "kind": "finished", "firstFailure": first_failure }),
        Ending::Aborted => json!({ "kind": "aborted", "firstFailure": first_failure }),
        Ending::Unreachable(e) => {
            // Only a failed fetch ends a job as unreachable (see `Control`).
            let url = match e {
                AttemptError::Send(SendError::Network { url, .. }) => url.clone(),
                _ => String::new(),
            };
            json!({
                "kind": "unreachable",
                "message": e.to_string(),
                "url": url,
                "firstFailure": first_failure,
            })
        }
    }
}

/// The raw client; `client.js` exports `Client` over it.
#[wasm_bindgen(js_name = RawClient, skip_typescript)]
#[derive(Debug)]
pub struct RawClient {
    config: Rc<ClientConfig>,
}

#[wasm_bindgen(js_class = RawClient)]
impl RawClient {
    /// Checks the options (JSON text); throws `XengageError` with code `invalid_options`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<RawClient, JsValue> {
        let config = ClientConfig::from_json(options).map_err(|e| to_js_error(&e))?;
        Ok(RawClient {
            config: Rc::new(config),
        })
    }

    /// Sends through `fetch` (a function with the global `fetch`'s signature) instead of the
    /// global `fetch`.
    #[wasm_bindgen(js_name = setFetch)]
    pub fn set_fetch(&mut self, fetch: js_sys::Function) {
        let mut config = (*self.config).clone();
        config.target.fetch = Some(fetch);
        self.config = Rc::new(config);
    }

    /// Collects `spec` (JSON text); resolves to `{ meta, tables, totals, summary, ending }`
    /// (see `outcome_to_js`; `ending` is JSON text: how the job ended and its first failure).
    /// `on_event`, if a function, gets each event as JSON text, as it happens; `abort`, if a
    /// promise, ends the job when it settles.
    pub fn collect(&self, spec: &str, on_event: JsValue, abort: JsValue) -> js_sys::Promise {
        let config = Rc::clone(&self.config);
        let spec = spec.to_owned();
        wasm_bindgen_futures::future_to_promise(async move {
            let plan = config
                .plan(&spec, js_sys::Date::now())
                .map_err(|e| to_js_error(&e))?;
            check_size(&plan).map_err(|e| to_js_error(&e))?;
            let endpoint = plan.endpoint();
            let plan_notices =
                crate::outcome::camel_keys(plan.notices().iter().map(notice_json).collect());
            let callback = on_event.dyn_into::<js_sys::Function>().ok();
            let mut outcomes = Vec::new();
            let mut first_failure = Value::Null;
            let control = Control {
                abort: abort.dyn_into::<js_sys::Promise>().ok(),
                stop_when_unreachable: true,
            };
            let (summary, ending) = xengage_web::collect::collect_with(
                plan,
                config.collect.clone(),
                &config.target,
                control,
                |event, progress| {
                    if first_failure.is_null() {
                        if let Event::BatchFailed { .. } = event {
                            first_failure = event_json(event, progress);
                        }
                    }
                    if let Some(f) = &callback {
                        let text = event_json(event, progress).to_string();
                        // A throwing callback must not stop the job.
                        let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&text));
                    }
                    if let Event::BatchDone { outcome, .. } = event {
                        outcomes.push((**outcome).clone());
                    }
                },
            )
            .await;
            let mut outcome = merge_batches(endpoint, outcomes)
                .map_err(|e| to_js_error(&Failure::new("merge_failed", e.to_string())))?;
            outcome.ledger = summary.ledger.clone();
            let mut summary: Value = summary_json(&summary);
            summary["notices"] = plan_notices;
            let out = outcome_to_js(&outcome, Some(&summary));
            let ending = ending_json(&ending, &first_failure);
            // Setting a property on the fresh object outcome_to_js made cannot fail.
            let _ = js_sys::Reflect::set(
                &out,
                &JsValue::from_str("ending"),
                &JsValue::from_str(&ending.to_string()),
            );
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_and_secrets_stay_out_of_messages() {
        let c = ClientConfig::from_json(
            r#"{"baseUrl":"http://127.0.0.1:8787","credentials":{"consumerKey":"ck","consumerSecret":"very-secret-1","accessToken":"at","accessTokenSecret":"very-secret-2"},"timeoutMs":500,"now":"2026-11-22T12:00:00Z","quotaWindowMs":1000}"#,
        )
        .unwrap();
        assert_eq!(c.target.timeout, Duration::from_millis(500));
        assert_eq!(c.collect.pacing.window, Duration::from_secs(1));
        assert!(!format!("{c:?}").contains("very-secret"));
        let f = ClientConfig::from_json(r#"{"credentials":{"consumerKey":"ck"}}"#).unwrap_err();
        assert!(f.message.contains("consumerSecret"), "{}", f.message);
        let f = ClientConfig::from_json(
            r#"{"credentials":{"bearerToken":"very-secret-3","userToken":"very-secret-4"}}"#,
        )
        .unwrap_err();
        assert!(!f.message.contains("very-secret"), "{}", f.message);
        let f =
            ClientConfig::from_json(r#"{"credentials":{"password":"very-secret-5"}}"#).unwrap_err();
        assert!(!f.message.contains("very-secret"), "{}", f.message);
        let f = ClientConfig::from_json(r#"{"credentials":{"bearerToken":"very-secret-6\r"}}"#)
            .unwrap_err();
        assert_eq!(f.code, "invalid_options");
        assert!(
            f.message.contains("bearer token holds a character"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("very-secret"), "{}", f.message);
        let f = ClientConfig::from_json(r#"{"credentials":"very-secret-7"}"#).unwrap_err();
        assert!(f.message.contains("must be an object"), "{}", f.message);
        assert!(!f.message.contains("very-secret"), "{}", f.message);
        for not_an_object in [r#""very-secret-8""#, "[\"very-secret-9\"]", "42"] {
            let f = ClientConfig::from_json(not_an_object).unwrap_err();
            assert_eq!(f.code, "invalid_options");
            assert!(f.message.contains("must be an object"), "{}", f.message);
            assert!(!f.message.contains("very-secret"), "{}", f.message);
        }
        let c = ClientConfig::from_json(r#"{"maxBodyBytes":1048576}"#).unwrap();
        assert_eq!(c.collect.parse.max_body_bytes, 1 << 20);
        let c = ClientConfig::from_json("{}").unwrap();
        assert_eq!(c.collect.parse.max_body_bytes, 256 << 20);
        for bad in ["0", "-1", "1.5", "1e300"] {
            let f = ClientConfig::from_json(&format!(r#"{{"maxBodyBytes":{bad}}}"#)).unwrap_err();
            assert_eq!(f.code, "invalid_options");
            assert!(f.message.contains("maxBodyBytes"), "{}", f.message);
        }
        let f = ClientConfig::from_json(r#"{"timeoutMs":-1}"#).unwrap_err();
        assert_eq!(f.code, "invalid_options");
        for huge in ["1e300", "1.7976931348623157e308"] {
            for field in ["timeoutMs", "retryBaseDelayMs", "quotaWindowMs"] {
                let f = ClientConfig::from_json(&format!(r#"{{"{field}":{huge}}}"#)).unwrap_err();
                assert!(f.message.contains(field), "{}", f.message);
            }
        }
        let c = ClientConfig::from_json(r#"{"maxRetries":0,"maxRateLimitedRetries":2}"#).unwrap();
        assert_eq!(c.collect.retry.max_retries, 0);
        assert_eq!(c.collect.retry.max_rate_limited_retries, 2);
        let c = ClientConfig::from_json("{}").unwrap();
        assert_eq!(c.collect.retry, xengage_core::pace::RetryPolicy::default());
        for field in ["maxRetries", "maxRateLimitedRetries"] {
            for bad in ["-1", "1.5", "1e10"] {
                let f = ClientConfig::from_json(&format!(r#"{{"{field}":{bad}}}"#)).unwrap_err();
                assert_eq!(f.code, "invalid_options");
                assert!(f.message.contains(field), "{}", f.message);
                assert!(f.message.contains("whole number"), "{}", f.message);
            }
        }
    }

    #[test]
    fn plans_with_the_fixed_now_and_the_credential_kind() {
        let c = ClientConfig::from_json(
            r#"{"credentials":{"bearerToken":"t"},"now":"2026-11-22T12:00:00Z"}"#,
        )
        .unwrap();
        let f = c
            .plan(
                r#"{"endpoint":"28hr","postIds":["1855000000000000000"],"metrics":["impressions"]}"#,
                0.0,
            )
            .unwrap_err();
        assert_eq!(f.code, "invalid_request");
        let ids: Vec<String> = (0..300)
            .map(|i| format!("{}", 1_855_000_000_000_000_000u64 + i))
            .collect();
        let spec = serde_json::json!({"endpoint":"totals","postIds":ids,"metrics":["favorites"]});
        let plan = c.plan(&spec.to_string(), 0.0).unwrap();
        assert_eq!(plan.len(), 2);
        assert!(check_size(&plan).is_ok());
    }

    #[test]
    fn a_job_too_large_for_wasm_memory_is_refused_before_sending() {
        let c = ClientConfig::from_json(r#"{"now":"2026-11-22T12:00:00Z"}"#).unwrap();
        // 9,000 posts, hourly, 20 weeks: about 30 million rows.
        let ids: Vec<String> = (0..9000)
            .map(|i| format!("{}", 2_090_000_000_000_000_000u64 + i))
            .collect();
        let spec = serde_json::json!({
            "endpoint": "historical", "postIds": ids, "metrics": ["impressions"],
            "groupings": [{"name": "h", "groupBy": ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"]}],
            "start": "2026-07-05", "end": "2026-11-22",
        });
        let plan = c.plan(&spec.to_string(), 0.0).unwrap();
        let f = check_size(&plan).unwrap_err();
        assert_eq!(f.code, "job_too_large");
        assert!(f.message.contains("split it"), "{}", f.message);
    }
}
