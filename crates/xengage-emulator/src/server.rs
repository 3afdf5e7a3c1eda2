//! The HTTP side: one handler for every path, which checks a request the way the API does
//! (route, faults, CORS, credentials, quota, gzip, the core's validation and the documented
//! spellings, posts) and answers in the grouping shape (v1) or the list shape (v2).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::response::Response;
use http::header::{
    ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HOST, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};
use xengage_core::auth::oauth1;
use xengage_core::window::{TimeWindow, floor_hour, format_time};
use xengage_core::{
    CredentialKind, Dimension, ENTERPRISE_BASE_URL, Endpoint, Generation, Granularity, Metric,
    PostId, Request, RequestSpec, V2_BASE_URL, ValidationOptions,
};

use crate::strict;
use crate::world::{PostState, World, mix};
use crate::{
    BodyCount, DeletedPosts, EmulatorConfig, EmulatorCredentials, FaultKind, HourWithoutDay, Stats,
    lock,
};

/// The message of the API's 406 to a v1 request that does not accept gzip.
pub const GZIP_REQUIRED: &str = "This request requires gzip compression. Retry the request after setting 'Accept-Encoding' header in the request to 'gzip'.";

/// Shared by every request.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: EmulatorConfig,
    pub(crate) world: World,
    pub(crate) credentials: EmulatorCredentials,
    pub(crate) stats: Mutex<Stats>,
    /// Per request (method, path and query, body): received, and answered 2xx without a fault.
    pub(crate) by_body: Mutex<std::collections::BTreeMap<String, BodyCount>>,
    quota: Mutex<(u64, u32)>,
    /// v2 quota windows, per account (`None`: the app, for app-only tokens): the window's
    /// number and the requests taken in it.
    v2_quota: Mutex<std::collections::HashMap<Option<usize>, (u64, u32)>>,
    requests: AtomicU64,
    started: Instant,
}

impl State {
    pub(crate) fn new(
        config: EmulatorConfig,
        world: World,
        credentials: EmulatorCredentials,
    ) -> State {
        State {
            config,
            world,
            credentials,
            stats: Mutex::new(Stats::default()),
            by_body: Mutex::new(std::collections::BTreeMap::new()),
            quota: Mutex::new((0, 0)),
            v2_quota: Mutex::new(std::collections::HashMap::new()),
            requests: AtomicU64::new(0),
            started: Instant::now(),
        }
    }
}

pub(crate) fn router(state: std::sync::Arc<State>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// Who a request is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    App,
    /// OAuth 1.0a user context of an account.
    OAuth1(usize),
    /// OAuth 2.0 user token of an account.
    OAuth2(usize),
}

impl Caller {
    fn kind(self) -> CredentialKind {
        match self {
            Caller::App => CredentialKind::AppOnly,
            Caller::OAuth1(_) => CredentialKind::OAuth1User,
            Caller::OAuth2(_) => CredentialKind::OAuth2User,
        }
    }

    fn account(self) -> Option<usize> {
        match self {
            Caller::App => None,
            Caller::OAuth1(a) | Caller::OAuth2(a) => Some(a),
        }
    }
}

/// The quota headers an answer carries.
#[derive(Debug, Clone, Copy)]
enum Quota {
    /// v1: `x-per-minute-limit`, `x-per-minute-remaining`.
    PerMinute(u32, u32),
    /// v2: `x-rate-limit-limit`, `x-rate-limit-remaining`, `x-rate-limit-reset` (Unix seconds).
    Window {
        limit: u32,
        remaining: u32,
        reset: u64,
    },
}

/// An answer under construction.
struct Answer {
    status: StatusCode,
    body: Value,
}

/// An error answer in the shape its generation documents (see [`error_body`]).
fn error(generation: Generation, status: StatusCode, messages: &[String]) -> Answer {
    Answer {
        status,
        body: error_body(generation, status, messages),
    }
}

/// An error body in the shape its generation documents: v1 lists the messages as strings
/// (`{"errors": ["..."]}`); v2 lists RFC 7807 problem details, one per message, each carrying it
/// as its `detail` (`{"errors": [{"title", "type", "detail", "status"}]}`). The CLI's proxy
/// answers its own errors this way too.
pub fn error_body(generation: Generation, status: StatusCode, messages: &[String]) -> Value {
    let errors: Vec<Value> = match generation {
        Generation::Enterprise => messages.iter().map(|m| Value::from(m.as_str())).collect(),
        Generation::V2 => messages.iter().map(|m| problem(status, m)).collect(),
    };
    json!({ "errors": errors })
}

/// One RFC 7807 problem. The vendor documents no problem types for these endpoints, so `type` is
/// `about:blank`, which RFC 7807 defines as "nothing beyond the status": its `title` is then the
/// status's reason phrase, and `detail` says what happened in this case.
fn problem(status: StatusCode, detail: &str) -> Value {
    json!({
        "title": status.canonical_reason().unwrap_or("Error"),
        "type": "about:blank",
        "detail": detail,
        "status": status.as_u16(),
    })
}

/// The generation a path belongs to, for the shape of its errors: what answers before (or
/// instead of) routing, such as faults and 404s, still speaks the generation asked.
pub fn generation_of(uri: &Uri) -> Generation {
    if uri.path().starts_with("/2/") {
        Generation::V2
    } else {
        Generation::Enterprise
    }
}

async fn handle(
    AxumState(state): AxumState<std::sync::Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let _guard = InFlight::enter(&state);
    let cors = cors_origin(&state, &headers);
    if method == Method::OPTIONS {
        return preflight(cors.as_ref());
    }
    let key = format!(
        "{method} {}\n{}",
        uri.path_and_query().map_or(uri.path(), |p| p.as_str()),
        String::from_utf8_lossy(&body)
    );
    lock(&state.by_body)
        .entry(key.clone())
        .or_default()
        .received += 1;
    let generation = generation_of(&uri);
    let fault = fault_for(&state, n);
    if let Some(FaultKind::Slow(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    let mut response = match fault {
        Some(FaultKind::Status500) => finish(
            &state,
            &headers,
            &error(
                generation,
                StatusCode::INTERNAL_SERVER_ERROR,
                &["Internal error".into()],
            ),
            None,
        ),
        Some(FaultKind::Status502) => {
            let mut r = Response::new(Body::from(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ));
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r
        }
        Some(FaultKind::Status503) => finish(
            &state,
            &headers,
            &error(
                generation,
                StatusCode::SERVICE_UNAVAILABLE,
                &["Service Unavailable".into()],
            ),
            None,
        ),
        Some(FaultKind::RateLimited) => {
            let quota = match generation {
                Generation::Enterprise => Quota::PerMinute(state.config.quota_per_minute, 0),
                Generation::V2 => Quota::Window {
                    limit: state.config.v2_quota_per_window,
                    remaining: 0,
                    reset: v2_window_now(&state).1,
                },
            };
            finish(&state, &headers, &rate_limited(generation), Some(quota))
        }
        Some(FaultKind::Drop) => dropped(Bytes::new()),
        Some(FaultKind::Unauthorized) => finish(
            &state,
            &headers,
            &error(
                generation,
                StatusCode::UNAUTHORIZED,
                &[
                    "Your account could not be authenticated. Reason: Invalid or expired token"
                        .into(),
                ],
            ),
            None,
        ),
        Some(FaultKind::InvalidJson) => {
            let mut r = Response::new(Body::from(r#"{"grouping": {"1": "#));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Some(FaultKind::Slow(_) | FaultKind::Truncate) | None => {
            let (answer, quota) = answer(&state, generation, &method, &uri, &headers, &body);
            let r = finish(&state, &headers, &answer, quota);
            if fault == Some(FaultKind::Truncate) {
                truncate(r).await
            } else {
                r
            }
        }
    };
    if fault.is_some() {
        lock(&state.stats).faults += 1;
    }
    if response.status().is_success() && matches!(fault, None | Some(FaultKind::Slow(_))) {
        lock(&state.by_body).entry(key).or_default().answered += 1;
    }
    if let Some(origin) = cors {
        add_cors(response.headers_mut(), &origin);
    }
    response
}

/// A request being answered: counted in [`Stats::in_flight`] from its arrival until its handler
/// ends or is dropped (its client went away).
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> InFlight<'a> {
        let mut served = lock(&state.stats);
        served.requests += 1;
        served.in_flight += 1;
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(&self.0.stats).in_flight -= 1;
    }
}

fn cors_origin(state: &State, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(ORIGIN)?;
    let text = origin.to_str().ok()?;
    state
        .config
        .cors_origins
        .iter()
        .any(|o| o == "*" || o == text)
        .then(|| origin.clone())
}

fn add_cors(headers: &mut HeaderMap, origin: &HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "x-per-minute-limit, x-per-minute-remaining, x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset",
        ),
    );
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

fn preflight(origin: Option<&HeaderValue>) -> Response {
    let mut r = Response::new(Body::empty());
    match origin {
        Some(origin) => {
            *r.status_mut() = StatusCode::NO_CONTENT;
            let h = r.headers_mut();
            add_cors(h, origin);
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            h.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        None => *r.status_mut() = StatusCode::FORBIDDEN,
    }
    r
}

fn fault_for(state: &State, n: u64) -> Option<FaultKind> {
    let faults = &state.config.faults;
    if let Some((_, kind)) = faults.schedule.iter().find(|(at, _)| *at == n) {
        return Some(*kind);
    }
    if faults.rate <= 0.0 {
        return None;
    }
    let r = mix(state.config.seed ^ 0xfa17 ^ mix(n));
    #[allow(clippy::cast_precision_loss)]
    let draw = (r >> 11) as f64 / (1u64 << 53) as f64;
    if draw >= faults.rate {
        return None;
    }
    let kinds = if faults.kinds.is_empty() {
        FaultKind::all(std::time::Duration::from_millis(200))
    } else {
        faults.kinds.clone()
    };
    let i = usize::try_from(mix(r) % kinds.len() as u64).unwrap_or(0);
    kinds.get(i).copied()
}

/// A response whose body ends, after `prefix`, with a dropped connection.
fn dropped(prefix: Bytes) -> Response {
    let claimed = prefix.len() * 2 + 64;
    let stream = futures_util::stream::iter(vec![
        Ok(prefix),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "emulated drop",
        )),
    ]);
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(claimed));
    r
}

async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    let mut r = dropped(half);
    parts.headers.remove(CONTENT_LENGTH);
    for (k, v) in &parts.headers {
        if k != CONTENT_LENGTH {
            r.headers_mut().insert(k.clone(), v.clone());
        }
    }
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    *r.status_mut() = parts.status;
    r
}

/// The answer's bytes: JSON, gzip-compressed when the request accepts it, with the quota headers.
fn finish(state: &State, headers: &HeaderMap, answer: &Answer, quota: Option<Quota>) -> Response {
    let status = answer.status;
    {
        let mut served = lock(&state.stats);
        if status.is_success() {
            served.ok += 1;
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            served.rate_limited += 1;
        } else if status.is_client_error() {
            served.client_errors += 1;
        }
    }
    let json = serde_json::to_vec(&answer.body).unwrap_or_default();
    let gzip = accepts_gzip(headers);
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = enc.write_all(&json);
        enc.finish().unwrap_or_default()
    } else {
        json
    };
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if gzip {
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    // The body's encoding depends on the request's Accept-Encoding: caches must know.
    h.append(VARY, HeaderValue::from_static("Accept-Encoding"));
    match quota {
        Some(Quota::PerMinute(limit, remaining)) => {
            h.insert("x-per-minute-limit", HeaderValue::from(limit));
            h.insert("x-per-minute-remaining", HeaderValue::from(remaining));
        }
        Some(Quota::Window {
            limit,
            remaining,
            reset,
        }) => {
            h.insert("x-rate-limit-limit", HeaderValue::from(limit));
            h.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
            h.insert("x-rate-limit-reset", HeaderValue::from(reset));
        }
        None => {}
    }
    r
}

/// The 429 body each generation documents: v1 lists strings; v2's rate-limit page documents
/// `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`.
fn rate_limited(generation: Generation) -> Answer {
    let body = match generation {
        Generation::Enterprise => json!({ "errors": ["Rate limit exceeded"] }),
        Generation::V2 => json!({ "errors": [{ "code": 88, "message": "Rate limit exceeded" }] }),
    };
    Answer {
        status: StatusCode::TOO_MANY_REQUESTS,
        body,
    }
}

/// The v2 window now, by the system clock: its number and its reset (Unix seconds). Windows are
/// whole seconds long and start on multiples of their length.
fn v2_window_now(state: &State) -> (u64, u64) {
    let secs = state.config.v2_window.as_secs_f64().ceil().max(1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let length = secs as u64;
    let now = u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
    let window = now / length;
    (window, (window + 1) * length)
}

/// Takes one request from `caller`'s v2 quota; `Err` with the headers when it is spent.
fn take_v2_quota(state: &State, caller: Caller) -> Result<Quota, Quota> {
    let limit = state.config.v2_quota_per_window;
    let (window, reset) = v2_window_now(state);
    let mut quotas = lock(&state.v2_quota);
    let q = quotas.entry(caller.account()).or_insert((window, 0));
    if q.0 != window {
        *q = (window, 0);
    }
    if q.1 >= limit {
        return Err(Quota::Window {
            limit,
            remaining: 0,
            reset,
        });
    }
    q.1 += 1;
    Ok(Quota::Window {
        limit,
        remaining: limit - q.1,
        reset,
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            e.split(';')
                .next()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"))
        })
}

/// Takes one request from the per-minute quota; `Err` with the headers' values when it is spent.
fn take_quota(state: &State) -> Result<Quota, Quota> {
    let limit = state.config.quota_per_minute;
    let minute = state.config.minute.as_nanos().max(1);
    let window = u64::try_from(state.started.elapsed().as_nanos() / minute).unwrap_or(u64::MAX);
    let mut q = lock(&state.quota);
    if q.0 != window {
        *q = (window, 0);
    }
    if q.1 >= limit {
        return Err(Quota::PerMinute(limit, 0));
    }
    q.1 += 1;
    Ok(Quota::PerMinute(limit, limit - q.1))
}

fn authenticate(
    state: &State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Caller, String> {
    let creds = &state.credentials;
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("Authorization header missing")?;
    // Auth schemes are case-insensitive (RFC 9110 11.1): `bearer` is `Bearer`.
    let bearer = header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim());
    if let Some(token) = bearer {
        if token == creds.bearer_token.expose_secret() {
            return Ok(Caller::App);
        }
        return creds
            .accounts
            .iter()
            .position(|a| a.user_token.expose_secret() == token)
            .map(Caller::OAuth2)
            .ok_or_else(|| "Invalid or expired token".to_owned());
    }
    let parsed = oauth1::parse_authorization_header(header).map_err(|e| e.to_string())?;
    if parsed.get("oauth_consumer_key") != Some(creds.consumer_key.as_str()) {
        return Err("Consumer key not found".to_owned());
    }
    let account = creds
        .accounts
        .iter()
        .position(|a| Some(a.access_token.as_str()) == parsed.get("oauth_token"))
        .ok_or("Access token not found")?;
    let secret = creds.accounts[account].access_token_secret.expose_secret();
    // A client signs for the URL it addresses, or for the API's own URL when it sends through
    // a proxy or to an emulator: accept both.
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let canonical = if uri.path().starts_with("/2/") {
        V2_BASE_URL
    } else {
        ENTERPRISE_BASE_URL
    };
    let candidates = [
        format!("http://{host}{path_and_query}"),
        format!("{canonical}{path_and_query}"),
    ];
    let mut refusals = Vec::new();
    for url in &candidates {
        match oauth1::verify(
            method.as_str(),
            url,
            &[],
            header,
            creds.consumer_secret.expose_secret(),
            Some(secret),
        ) {
            Ok(_) => return Ok(Caller::OAuth1(account)),
            Err(e) => refusals.push(e),
        }
    }
    // A signature that matches neither URL; or a header refused before any signature is
    // compared (method, missing parameter, ...), which says why itself.
    let mismatch = refusals
        .iter()
        .any(|e| matches!(e, oauth1::VerifyError::Mismatch));
    match refusals.first() {
        Some(e) if !mismatch => Err(e.to_string()),
        _ => Err("Could not authenticate you: the OAuth signature does not match".to_owned()),
    }
}

/// Checks and answers a request; also returns the quota headers to send. Errors are shaped as
/// `generation` documents them.
fn answer(
    state: &State,
    generation: Generation,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (Answer, Option<Quota>) {
    let Some(endpoint) = Endpoint::from_method_and_path(method.as_str(), uri.path()) else {
        let message = format!("Sorry, that page does not exist: {method} {}", uri.path());
        return (error(generation, StatusCode::NOT_FOUND, &[message]), None);
    };
    if state.config.require_gzip
        && endpoint.generation() == Generation::Enterprise
        && !accepts_gzip(headers)
    {
        let answer = error(
            generation,
            StatusCode::NOT_ACCEPTABLE,
            &[GZIP_REQUIRED.to_owned()],
        );
        return (answer, None);
    }
    let caller = match authenticate(state, method, uri, headers) {
        Ok(c) => c,
        Err(reason) => {
            let message = format!("Your account could not be authenticated. Reason: {reason}");
            return (
                error(generation, StatusCode::UNAUTHORIZED, &[message]),
                None,
            );
        }
    };
    let taken = match endpoint.generation() {
        Generation::Enterprise => take_quota(state),
        Generation::V2 => take_v2_quota(state, caller),
    };
    let quota = match taken {
        Ok(q) => q,
        Err(q) => {
            if matches!(q, Quota::Window { .. }) {
                lock(&state.stats).v2_rate_limited += 1;
            }
            return (rate_limited(generation), Some(q));
        }
    };
    let quota = Some(quota);
    let url = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    // The core reads leniently what users type; what the API refuses beyond the core's rules is
    // checked on the raw request and reported beside the core's problems.
    let strict = strict::problems(endpoint, uri.query(), body);
    let refused = |mut messages: Vec<String>| {
        messages.extend(strict.iter().cloned());
        (error(generation, StatusCode::BAD_REQUEST, &messages), quota)
    };
    let body = (endpoint.generation() == Generation::Enterprise).then_some(body);
    let spec = match RequestSpec::from_http(method.as_str(), &url, body) {
        Ok(s) => s,
        Err(e) => return refused(vec![e.to_string()]),
    };
    let now = state.config.now.now();
    let readings = state.config.readings;
    let options = ValidationOptions::default()
        .credential(Some(caller.kind()))
        .enforce_lookback(readings.lookback)
        .ninety_days_on_every_endpoint(readings.ninety_days_everywhere);
    let request = match spec.validate(now, &options) {
        Ok(r) if strict.is_empty() => r,
        Ok(_) => return refused(Vec::new()),
        // The authentication guide answers a credential that cannot reach an endpoint or a
        // metric with 403 Forbidden.
        Err(invalid) if invalid.has(needs_other_credential) => {
            let messages: Vec<String> = invalid
                .problems
                .iter()
                .filter(|p| needs_other_credential(&p.rule))
                .map(ToString::to_string)
                .collect();
            return (error(generation, StatusCode::FORBIDDEN, &messages), quota);
        }
        Err(invalid) => return refused(invalid.problems.iter().map(ToString::to_string).collect()),
    };
    if endpoint.is_analytics() {
        let body = analytics_body(state, &request, caller);
        return (
            Answer {
                status: StatusCode::OK,
                body,
            },
            quota,
        );
    }
    let mut unavailable = Vec::new();
    let mut protected = Vec::new();
    let mut forbidden = Vec::new();
    let mut served = Vec::new();
    for id in request.post_ids() {
        match state.world.post(id) {
            None => unavailable.push(*id),
            Some(p) if caller.account().is_some_and(|a| a != p.owner) => forbidden.push(*id),
            Some(p) => match p.state {
                PostState::Deleted => unavailable.push(*id),
                PostState::Protected => protected.push(*id),
                PostState::Public => served.push(*id),
            },
        }
    }
    if !forbidden.is_empty() {
        let ids: Vec<&str> = forbidden.iter().map(PostId::as_str).collect();
        let message = format!("Forbidden to access tweets: {}", ids.join(", "));
        return (error(generation, StatusCode::FORBIDDEN, &[message]), quota);
    }
    // Deleted posts refused like protected ones, where that reading is played.
    if readings.deleted_posts == DeletedPosts::Refused {
        protected.append(&mut unavailable);
    }
    if !protected.is_empty() {
        let message = format!("{} Tweet ID(s) are unavailable", protected.len());
        let mut answer = error(generation, StatusCode::BAD_REQUEST, &[message]);
        // v2 documents no list of refused posts in its errors; the emulator names them the v1
        // way on both generations, so that a client can send the rest of the batch again.
        if let Value::Object(body) = &mut answer.body {
            body.insert(
                "unavailable_tweet_ids".into(),
                json!(protected.iter().map(PostId::as_str).collect::<Vec<_>>()),
            );
        }
        return (answer, quota);
    }
    let body = match endpoint.generation() {
        Generation::Enterprise => v1_body(state, &request, &served, &unavailable, now),
        Generation::V2 => v2_body(state, &request, &served, &unavailable),
    };
    (
        Answer {
            status: StatusCode::OK,
            body,
        },
        quota,
    )
}

/// Whether a rule says the credential cannot reach the endpoint or the metric.
fn needs_other_credential(rule: &xengage_core::Rule) -> bool {
    matches!(
        rule,
        xengage_core::Rule::EndpointNeedsUserContext { .. }
            | xengage_core::Rule::MetricNeedsUserContext { .. }
            | xengage_core::Rule::CredentialNotForEnterprise { .. }
    )
}

/// Whether the API still serves `metric` for a post created at `created` (90 days for
/// impressions and engagements on totals, or everywhere in that reading; 1800 days for video
/// views).
fn supported(
    endpoint: Endpoint,
    metric: Metric,
    created: OffsetDateTime,
    now: OffsetDateTime,
    everywhere: bool,
) -> bool {
    match metric.facts().age_limit {
        Some(limit) if !limit.totals_only || endpoint == Endpoint::Totals || everywhere => {
            now - created <= Duration::days(limit.max_days)
        }
        _ => true,
    }
}

/// A nested answer being built: counts add up where a grouping leaves a dimension out.
enum Node {
    Leaf(u64),
    Branch(BTreeMap<String, Node>),
}

impl Node {
    fn add(&mut self, keys: &[String], value: u64) {
        match (self, keys.split_first()) {
            (Node::Leaf(v), None) => *v += value,
            (Node::Branch(children), Some((k, rest))) => {
                let child = children.entry(k.clone()).or_insert_with(|| {
                    if rest.is_empty() {
                        Node::Leaf(0)
                    } else {
                        Node::Branch(BTreeMap::new())
                    }
                });
                child.add(rest, value);
            }
            _ => {}
        }
    }

    fn into_json(self, numbers: f64, salt: u64) -> Value {
        match self {
            Node::Leaf(v) => {
                #[allow(clippy::cast_precision_loss)]
                let draw = (mix(salt ^ v) >> 11) as f64 / (1u64 << 53) as f64;
                if draw < numbers {
                    Value::from(v)
                } else {
                    Value::String(v.to_string())
                }
            }
            Node::Branch(children) => Value::Object(
                children
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, n))| {
                        let salt = mix(salt ^ i as u64);
                        (k, n.into_json(numbers, salt))
                    })
                    .collect(),
            ),
        }
    }
}

fn v1_body(
    state: &State,
    request: &Request,
    served: &[PostId],
    unavailable: &[PostId],
    now: OffsetDateTime,
) -> Value {
    let world = &state.world;
    let endpoint = request.endpoint();
    let window = request.covered_window();
    let mut unsupported_ie = Vec::new();
    let mut unsupported_vv = Vec::new();
    // (post, metric) pairs served.
    let mut pairs: Vec<(PostId, Metric)> = Vec::new();
    for id in served {
        let Some(post) = world.post(id) else { continue };
        for &metric in request.metrics() {
            let everywhere = state.config.readings.ninety_days_everywhere;
            if supported(endpoint, metric, post.created_at, now, everywhere) {
                pairs.push((*id, metric));
            } else if metric == Metric::VideoViews {
                if !unsupported_vv.contains(id) {
                    unsupported_vv.push(*id);
                }
            } else if !unsupported_ie.contains(id) {
                unsupported_ie.push(*id);
            }
        }
    }
    let mut top = Map::new();
    if let Some(w) = window {
        top.insert("start".into(), Value::String(format_time(w.start())));
        top.insert("end".into(), Value::String(format_time(w.end())));
    }
    let list = |ids: &[PostId]| {
        Value::Array(
            ids.iter()
                .map(|i| Value::String(i.as_str().to_owned()))
                .collect(),
        )
    };
    if !unavailable.is_empty() {
        top.insert("unavailable_tweet_ids".into(), list(unavailable));
    }
    if !unsupported_ie.is_empty() {
        top.insert(
            "unsupported_for_impressions_engagements_tweet_ids".into(),
            list(&unsupported_ie),
        );
        // The documented message, its time period the creation times refused.
        let days = Metric::Impressions
            .facts()
            .age_limit
            .map_or(90, |l| l.max_days);
        let message = format!(
            "Impressions & engagements for tweets older than {days} days (created before {}) \
             are not supported",
            format_time(now - Duration::days(days))
        );
        top.insert("errors".into(), json!([message]));
    }
    if !unsupported_vv.is_empty() {
        top.insert(
            "unsupported_for_video_views_tweet_ids".into(),
            list(&unsupported_vv),
        );
    }
    let readings = state.config.readings;
    // On historical, the API reads these metrics as zero for hours before 2015-09-15.
    let zeroed = |metric: Metric, t: OffsetDateTime| {
        readings.zero_before_2015_09_15
            && endpoint == Endpoint::Historical
            && metric.facts().zero_before_2015_09_15
            && t.date() < xengage_core::facts::limits::ZERO_BEFORE
    };
    for (g, grouping) in request.groupings().iter().enumerate() {
        let mut dims = grouping.group_by.clone();
        // An hour grouping without a day, answered with a day level above the hours.
        if readings.hour_without_day == HourWithoutDay::DaysThenHours
            && !dims.contains(&Dimension::EngagementDay)
        {
            if let Some(i) = dims.iter().position(|d| *d == Dimension::EngagementHour) {
                dims.insert(i, Dimension::EngagementDay);
            }
        }
        let dims = &dims;
        let by_time = dims.iter().any(|d| d.is_time());
        let mut root = Node::Branch(BTreeMap::new());
        for &(id, metric) in &pairs {
            let key_of = |d: Dimension, day: &str, hour: &str| -> String {
                match d {
                    Dimension::TweetId => id.as_str().to_owned(),
                    Dimension::EngagementType => {
                        metric.v1_name().unwrap_or(metric.name()).to_owned()
                    }
                    Dimension::EngagementDay => day.to_owned(),
                    Dimension::EngagementHour => hour.to_owned(),
                }
            };
            if let (true, Some(w)) = (by_time, window) {
                let mut t = w.start();
                while t < w.end() {
                    let v = if zeroed(metric, t) {
                        0
                    } else {
                        world.hourly_count(&id, metric, t)
                    };
                    let (day, hour) = (t.date().to_string(), format!("{:02}", t.hour()));
                    let keys: Vec<String> = dims.iter().map(|&d| key_of(d, &day, &hour)).collect();
                    root.add(&keys, v);
                    t += Duration::HOUR;
                }
            } else {
                let v = match window {
                    Some(w)
                        if endpoint == Endpoint::Historical && readings.zero_before_2015_09_15 =>
                    {
                        historical_sum(world, &id, metric, w, zeroed)
                    }
                    Some(w) => world.sum(&id, metric, w),
                    None => world.lifetime(&id, metric, now),
                };
                let keys: Vec<String> = dims.iter().map(|&d| key_of(d, "", "")).collect();
                root.add(&keys, v);
            }
        }
        let salt = state.config.seed ^ g as u64;
        top.insert(
            grouping.name.clone(),
            root.into_json(state.config.numbers_as_json_numbers, salt),
        );
    }
    Value::Object(top)
}

fn v2_body(state: &State, request: &Request, served: &[PostId], unavailable: &[PostId]) -> Value {
    let world = &state.world;
    let window = request
        .covered_window()
        .and_then(|w| TimeWindow::new(w.start(), w.end()).ok());
    let fields = request.fields();
    let want = |name: &str| fields.is_empty() || fields.iter().any(|f| f.name() == name);
    let metric_values = |id: &PostId, w: TimeWindow| -> Vec<Value> {
        request
            .metrics()
            .iter()
            .map(|m| json!({ "metric_type": m.v2_name().unwrap_or(m.name()), "metric_value": world.sum(id, *m, w) }))
            .collect()
    };
    let mut data = Map::new();
    if want("measurement") {
        let mut totals = Vec::new();
        let mut series = Vec::new();
        if let Some(w) = window {
            for id in served {
                totals.push(json!({ "tweet_id": id.as_str(), "value": metric_values(id, w) }));
                let step = match request.granularity() {
                    Some(Granularity::Hourly) => Some(Duration::HOUR),
                    Some(Granularity::Daily) => Some(Duration::DAY),
                    Some(Granularity::Weekly) => Some(Duration::WEEK),
                    _ => None,
                };
                let Some(step) = step else { continue };
                let mut t = if step == Duration::DAY {
                    floor_day(w.start())
                } else {
                    w.start()
                };
                while t < w.end() {
                    let bucket = TimeWindow::new(t.max(w.start()), (t + step).min(w.end()));
                    if let Ok(b) = bucket {
                        series.push(json!({
                            "tweet_id": id.as_str(),
                            "value": { "metric_values": metric_values(id, b), "timestamp": { "iso8601_time": format_time(t) } },
                        }));
                    }
                    t += step;
                }
            }
        }
        data.insert(
            "measurement".into(),
            json!({ "metrics_total": totals, "metrics_time_series": series }),
        );
    }
    if want("errors") && !unavailable.is_empty() {
        let ids: Vec<&str> = unavailable.iter().map(PostId::as_str).collect();
        data.insert(
            "errors".into(),
            json!([{ "error": "Post unavailable", "tweets": ids }]),
        );
    }
    json!({ "data": [Value::Object(data)] })
}

/// The sum over `w`, hours `zeroed` read as zero.
fn historical_sum(
    world: &World,
    id: &PostId,
    metric: Metric,
    w: TimeWindow,
    zeroed: impl Fn(Metric, OffsetDateTime) -> bool,
) -> u64 {
    if !zeroed(metric, w.start()) {
        return world.sum(id, metric, w);
    }
    let mut total = 0;
    let mut t = w.start();
    while t < w.end() {
        if !zeroed(metric, t) {
            total += world.hourly_count(id, metric, t);
        }
        t += Duration::HOUR;
    }
    total
}

/// A post analytics or media analytics answer (spec 2.167): one item per post or media served,
/// its metrics over the window as top-level fields and one bucket per hour, day, week or the
/// total in `timestamped_metrics`; the posts or media not served as partial errors beside
/// `data` (`resource-not-found` for unknown, deleted or protected ones,
/// `not-authorized-for-resource` for another account's).
fn analytics_body(state: &State, request: &Request, caller: Caller) -> Value {
    let world = &state.world;
    let endpoint = request.endpoint();
    let Some(window) = request.covered_window() else {
        return json!({ "data": [] });
    };
    let mut data = Vec::new();
    let mut errors = Vec::new();
    // (what the answer names it by, the post that carries its counts)
    let subjects: Vec<(String, Option<&crate::world::Post>, &str, &str)> = if endpoint.is_media() {
        request
            .media_keys()
            .iter()
            .map(|k| (k.to_string(), world.media_post(k), "media", "media_key"))
            .collect()
    } else {
        request
            .post_ids()
            .iter()
            .map(|id| (id.to_string(), world.post(id), "tweet", "id"))
            .collect()
    };
    for (name, post, resource_type, id_key) in subjects {
        let parameter = endpoint.facts().ids_parameter;
        let post = match post {
            Some(p) if caller.account().is_some_and(|a| a != p.owner) => {
                errors.push(analytics_problem(
                    "not-authorized-for-resource",
                    "Authorization Error",
                    &format!("Sorry, you are not authorized to see the {resource_type} with id: [{name}]."),
                    resource_type,
                    parameter,
                    &name,
                ));
                continue;
            }
            Some(p) if p.state == PostState::Public => p,
            _ => {
                errors.push(analytics_problem(
                    "resource-not-found",
                    "Not Found Error",
                    &format!("Could not find {resource_type} with id: [{name}]."),
                    resource_type,
                    parameter,
                    &name,
                ));
                continue;
            }
        };
        let values = |w: TimeWindow| -> Map<String, Value> {
            request
                .metrics()
                .iter()
                .filter_map(|m| {
                    let name = m.name_on(endpoint)?;
                    Some((name.to_owned(), Value::from(world.sum(&post.id, *m, w))))
                })
                .collect()
        };
        let mut item = Map::new();
        item.insert(id_key.to_owned(), Value::String(name.clone()));
        item.extend(values(window));
        item.insert(
            "timestamp".into(),
            Value::String(format_time(window.start())),
        );
        let step = match request.granularity() {
            Some(Granularity::Hourly) => Some(Duration::HOUR),
            Some(Granularity::Daily) => Some(Duration::DAY),
            Some(Granularity::Weekly) => Some(Duration::WEEK),
            _ => None,
        };
        let mut buckets = Vec::new();
        match step {
            None => buckets.push(json!({
                "timestamp": format_time(window.start()),
                "metrics": Value::Object(values(window)),
            })),
            Some(step) => {
                let mut t = if step == Duration::HOUR {
                    window.start()
                } else {
                    floor_day(window.start())
                };
                while t < window.end() {
                    if let Ok(b) =
                        TimeWindow::new(t.max(window.start()), (t + step).min(window.end()))
                    {
                        buckets.push(json!({
                            "timestamp": format_time(t),
                            "metrics": Value::Object(values(b)),
                        }));
                    }
                    t += step;
                }
            }
        }
        item.insert("timestamped_metrics".into(), Value::Array(buckets));
        data.push(Value::Object(item));
    }
    let mut body = Map::new();
    body.insert("data".into(), Value::Array(data));
    if !errors.is_empty() {
        body.insert("errors".into(), Value::Array(errors));
    }
    Value::Object(body)
}

/// A partial error of spec 2.167 (a Problem under `https://api.x.com/2/problems/`).
fn analytics_problem(
    name: &str,
    title: &str,
    detail: &str,
    resource_type: &str,
    parameter: &str,
    id: &str,
) -> Value {
    json!({
        "type": format!("https://api.x.com/2/problems/{name}"),
        "title": title,
        "detail": detail,
        "resource_type": resource_type,
        "resource_id": id,
        "parameter": parameter,
        "value": id,
        "section": "data",
    })
}

fn floor_day(t: OffsetDateTime) -> OffsetDateTime {
    floor_hour(t) - Duration::hours(i64::from(floor_hour(t).hour()))
}
