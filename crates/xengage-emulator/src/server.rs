//! The HTTP side: one handler for every path, which checks a request the way the API does
//! (route, faults, CORS, credentials, quota, gzip, the core's validation and the documented
//! spellings), then has the testing kit answer it (`xengage_core::testing::respond`) for what
//! the world says of its posts; this module adds the transport: gzip, `Vary`, CORS, faults.

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
use serde_json::Value;
use time::OffsetDateTime;
use xengage_core::auth::oauth1;
use xengage_core::pace::QuotaKind;
use xengage_core::response::RateLimit;
use xengage_core::testing::{self, Answer, Refusal, Scenario};
use xengage_core::{
    CredentialKind, ENTERPRISE_BASE_URL, Endpoint, Generation, MediaKey, PostId, Request,
    RequestSpec, V2_BASE_URL, ValidationOptions,
};

use crate::strict;
use crate::world::{PostState, World, mix};
use crate::{BodyCount, EmulatorConfig, EmulatorCredentials, FaultKind, Stats, lock};

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

/// An error answer in the shape its generation documents (see [`error_body`]), with the quota
/// headers of `quota`.
fn error(
    generation: Generation,
    status: StatusCode,
    messages: Vec<String>,
    quota: Option<RateLimit>,
) -> Answer {
    let refusal = Refusal::Other {
        status: status.as_u16(),
        messages,
    };
    testing::refused(generation, &refusal, quota)
}

/// An error body in the shape its generation documents (the testing kit's
/// [`error_body`](testing::error_body)): v1 lists the messages as strings
/// (`{"errors": ["..."]}`); v2 lists RFC 7807 problem details, one per message, each carrying it
/// as its `detail` (`{"errors": [{"title", "type", "detail", "status"}]}`). The CLI's proxy
/// answers its own errors this way too.
pub fn error_body(generation: Generation, status: StatusCode, messages: &[String]) -> Value {
    testing::error_body(generation, status.as_u16(), messages)
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
            error(
                generation,
                StatusCode::INTERNAL_SERVER_ERROR,
                vec!["Internal error".into()],
                None,
            ),
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
            testing::refused(generation, &Refusal::Unavailable, None),
        ),
        Some(FaultKind::RateLimited) => {
            let quota = match generation {
                Generation::Enterprise => {
                    RateLimit::new_per_minute(state.config.quota_per_minute, 0)
                }
                Generation::V2 => RateLimit::new_window(
                    state.config.v2_quota_per_window,
                    0,
                    v2_window_now(&state).1,
                ),
            };
            let answer = testing::refused(generation, &Refusal::RateLimited, Some(quota));
            finish(&state, &headers, answer)
        }
        Some(FaultKind::Drop) => dropped(Bytes::new()),
        Some(FaultKind::Unauthorized) => finish(
            &state,
            &headers,
            error(
                generation,
                StatusCode::UNAUTHORIZED,
                vec![
                    "Your account could not be authenticated. Reason: Invalid or expired token"
                        .into(),
                ],
                None,
            ),
        ),
        Some(FaultKind::InvalidJson) => {
            let mut r = Response::new(Body::from(r#"{"grouping": {"1": "#));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Some(FaultKind::Slow(_) | FaultKind::Truncate) | None => {
            let answer = answer(&state, generation, &method, &uri, &headers, &body);
            let r = finish(&state, &headers, answer);
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

/// The answer's bytes, gzip-compressed when the request accepts it, with its headers (the
/// content type and the quota).
fn finish(state: &State, headers: &HeaderMap, answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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
    let gzip = accepts_gzip(headers);
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = enc.write_all(&answer.body);
        enc.finish().unwrap_or_default()
    } else {
        answer.body
    };
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    *r.headers_mut() = answer.headers;
    let h = r.headers_mut();
    if gzip {
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    // The body's encoding depends on the request's Accept-Encoding: caches must know.
    h.append(VARY, HeaderValue::from_static("Accept-Encoding"));
    r
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
fn take_v2_quota(state: &State, caller: Caller) -> Result<RateLimit, RateLimit> {
    let limit = state.config.v2_quota_per_window;
    let (window, reset) = v2_window_now(state);
    let mut quotas = lock(&state.v2_quota);
    let q = quotas.entry(caller.account()).or_insert((window, 0));
    if q.0 != window {
        *q = (window, 0);
    }
    if q.1 >= limit {
        return Err(RateLimit::new_window(limit, 0, reset));
    }
    q.1 += 1;
    Ok(RateLimit::new_window(limit, limit - q.1, reset))
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
fn take_quota(state: &State) -> Result<RateLimit, RateLimit> {
    let limit = state.config.quota_per_minute;
    let minute = state.config.minute.as_nanos().max(1);
    let window = u64::try_from(state.started.elapsed().as_nanos() / minute).unwrap_or(u64::MAX);
    let mut q = lock(&state.quota);
    if q.0 != window {
        *q = (window, 0);
    }
    if q.1 >= limit {
        return Err(RateLimit::new_per_minute(limit, 0));
    }
    q.1 += 1;
    Ok(RateLimit::new_per_minute(limit, limit - q.1))
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

/// Checks and answers a request, the quota headers included. Errors are shaped as
/// `generation` documents them; valid requests are answered by the testing kit
/// ([`testing::respond`]) for the world's [`Scenario`] of the request and caller.
fn answer(
    state: &State,
    generation: Generation,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let Some(endpoint) = Endpoint::from_method_and_path(method.as_str(), uri.path()) else {
        let message = format!("Sorry, that page does not exist: {method} {}", uri.path());
        return error(generation, StatusCode::NOT_FOUND, vec![message], None);
    };
    if state.config.require_gzip
        && endpoint.generation() == Generation::Enterprise
        && !accepts_gzip(headers)
    {
        return error(
            generation,
            StatusCode::NOT_ACCEPTABLE,
            vec![GZIP_REQUIRED.to_owned()],
            None,
        );
    }
    let caller = match authenticate(state, method, uri, headers) {
        Ok(c) => c,
        Err(reason) => {
            let message = format!("Your account could not be authenticated. Reason: {reason}");
            return error(generation, StatusCode::UNAUTHORIZED, vec![message], None);
        }
    };
    let taken = match endpoint.generation() {
        Generation::Enterprise => take_quota(state),
        Generation::V2 => take_v2_quota(state, caller),
    };
    let quota = match taken {
        Ok(q) => Some(q),
        Err(q) => {
            if q.quota == QuotaKind::Window {
                lock(&state.stats).v2_rate_limited += 1;
            }
            return testing::refused(generation, &Refusal::RateLimited, Some(q));
        }
    };
    let url = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    // The core reads leniently what users type; what the API refuses beyond the core's rules is
    // checked on the raw request and reported beside the core's problems.
    let strict = strict::problems(endpoint, uri.query(), body);
    let refused = |mut messages: Vec<String>| {
        messages.extend(strict.iter().cloned());
        error(generation, StatusCode::BAD_REQUEST, messages, quota)
    };
    let body = (endpoint.generation() == Generation::Enterprise).then_some(body);
    let spec = match RequestSpec::from_http(method.as_str(), &url, body) {
        Ok(s) => s,
        Err(e) => return refused(vec![e.to_string()]),
    };
    let now = state.config.now.now();
    let readings = state.config.readings;
    let options =
        readings.validation_options(ValidationOptions::default().credential(Some(caller.kind())));
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
            return error(generation, StatusCode::FORBIDDEN, messages, quota);
        }
        Err(invalid) => return refused(invalid.problems.iter().map(ToString::to_string).collect()),
    };
    testing::respond(&request, &scenario(state, &request, caller, quota))
}

/// What the world says of the posts and media `request` asks about, for `caller`.
fn scenario(
    state: &State,
    request: &Request,
    caller: Caller,
    quota: Option<RateLimit>,
) -> Scenario {
    let world = &state.world;
    let media: Vec<(MediaKey, PostId)> = request
        .media_keys()
        .iter()
        .filter_map(|k| Some((*k, world.media_post(k)?.id)))
        .collect();
    let mut scenario = Scenario {
        counts: world.counts(),
        numbers_as_json_numbers: state.config.numbers_as_json_numbers,
        quota,
        readings: state.config.readings,
        ..Scenario::default()
    };
    let posts = request
        .post_ids()
        .iter()
        .chain(media.iter().map(|(_, p)| p));
    for id in posts {
        let list = match world.post(id) {
            None => &mut scenario.unavailable,
            Some(p) if caller.account().is_some_and(|a| a != p.owner) => &mut scenario.forbidden,
            Some(p) => match p.state {
                PostState::Deleted => &mut scenario.unavailable,
                PostState::Protected => &mut scenario.protected,
                PostState::Public => continue,
            },
        };
        if !list.contains(id) {
            list.push(*id);
        }
    }
    scenario.media = media;
    scenario
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
