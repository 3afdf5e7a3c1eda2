#![allow(dead_code)] // each target uses only its own checks
//! The properties the fuzz targets check, shared with the regression test of `xengage-core`
//! (`crates/xengage-core/tests/fuzz_regressions.rs`), which replays every committed crasher in
//! `fuzz/regressions/<target>/` under plain `cargo test`.
//!
//! Each check panics when a property fails; any panic inside the core is a failure too.

use arbitrary::{Arbitrary, Unstructured};
use xengage_core::time::{Duration, OffsetDateTime};
use xengage_core::{BaseUrls, Endpoint, RequestSpec, ValidationOptions};

/// A string that is usually well-formed for its field, sometimes anything at all.
#[derive(Debug, Arbitrary)]
pub(crate) enum Field {
    /// The `n`th known value of the field (modulo their number), or for ids and times a number.
    Known(u64),
    /// Any text.
    Text(String),
}

/// A request as a user could type it: any strings, any endpoint, any `now`.
#[derive(Debug, Arbitrary)]
pub(crate) struct RequestInput {
    endpoint: u8,
    post_ids: Vec<Field>,
    metrics: Vec<Field>,
    groupings: Vec<(Field, Vec<Field>)>,
    start: Option<Field>,
    end: Option<Field>,
    granularity: Option<Field>,
    fields: Vec<Field>,
    /// Minutes after 2014-01-01.
    now_minutes: u32,
    enforce_lookback: bool,
}

const METRIC_NAMES: [&str; 8] = [
    "impressions",
    "engagements",
    "favorites",
    "Likes",
    "video_views",
    "url_clicks",
    "quote_tweets",
    "media_clicks",
];
const DIMENSIONS: [&str; 5] = [
    "tweet.id",
    "engagement.type",
    "engagement.day",
    "engagement.hour",
    "engagement.week",
];
const NAMES: [&str; 4] = ["g", "hourly", "start", "errors"];
const GRANULARITIES: [&str; 5] = ["Daily", "Hourly", "Weekly", "Total", "Monthly"];
const FIELDS: [&str; 3] = ["measurement", "errors", "other"];

fn pick(field: &Field, known: &[&str]) -> String {
    match field {
        Field::Known(n) => known[usize::try_from(*n).unwrap_or(0) % known.len()].to_owned(),
        Field::Text(t) => t.clone(),
    }
}

fn id(field: &Field) -> String {
    match field {
        // Snowflakes of the last years, and small pre-snowflake ids.
        Field::Known(n) if n % 7 == 0 => (n % 30_000_000_000).to_string(),
        Field::Known(n) => (1_500_000_000_000_000_000 + n % 500_000_000_000_000_000).to_string(),
        Field::Text(t) => t.clone(),
    }
}

fn time_text(field: &Field, now: OffsetDateTime) -> String {
    match field {
        Field::Known(n) => {
            let t = now - Duration::minutes(i64::try_from(n % (400 * 24 * 60)).unwrap_or(0));
            if n % 5 == 0 {
                t.date().to_string()
            } else {
                xengage_core::window::format_time(t)
            }
        }
        Field::Text(t) => t.clone(),
    }
}

fn now_of(minutes: u32) -> OffsetDateTime {
    // 2014-01-01T00:00:00Z, plus up to 20 years.
    let start = OffsetDateTime::from_unix_timestamp(1_388_534_400).expect("a valid time");
    start + Duration::minutes(i64::from(minutes % (20 * 366 * 24 * 60)))
}

/// Any input validates or is refused with problems; a valid request builds, and what it sends
/// reads back into the same request.
pub(crate) fn request_spec(input: &RequestInput) {
    let endpoint = Endpoint::ALL[usize::from(input.endpoint) % Endpoint::ALL.len()];
    let now = now_of(input.now_minutes);
    let mut spec = RequestSpec::new(endpoint)
        .post_ids(input.post_ids.iter().map(id))
        .metrics(input.metrics.iter().map(|m| pick(m, &METRIC_NAMES)))
        .fields(input.fields.iter().map(|f| pick(f, &FIELDS)));
    for (name, dims) in &input.groupings {
        spec = spec.grouping(
            pick(name, &NAMES),
            dims.iter().map(|d| pick(d, &DIMENSIONS)),
        );
    }
    spec.start = input.start.as_ref().map(|t| time_text(t, now));
    spec.end = input.end.as_ref().map(|t| time_text(t, now));
    spec.granularity = input.granularity.as_ref().map(|g| pick(g, &GRANULARITIES));
    let options = ValidationOptions::default().enforce_lookback(input.enforce_lookback);
    match spec.validate(now, &options) {
        Err(invalid) => {
            assert!(!invalid.problems.is_empty(), "refused without a problem");
            let _ = invalid.to_string();
        }
        Ok(request) => {
            let prepared = request.prepare(&BaseUrls::default());
            let read = RequestSpec::from_http(
                prepared.method.as_str(),
                &prepared.url,
                prepared.body.as_deref(),
            )
            .expect("a built request reads back");
            let again = read
                .validate(now, &options)
                .expect("a built request validates again");
            assert_eq!(again.to_spec(), request.to_spec());
            assert_eq!(again.window(), request.window());
        }
    }
}

/// Decodes a [`RequestInput`] from raw fuzzer bytes and checks it.
pub(crate) fn request_spec_bytes(data: &[u8]) {
    if let Ok(input) = RequestInput::arbitrary_take_rest(Unstructured::new(data)) {
        request_spec(&input);
    }
}

/// What a server reads: the endpoint's method and URL, and any body (v1) or query (v2): the
/// first byte picks the endpoint and `now`, the rest is what that endpoint carries. Reading never
/// panics; whatever reads and validates builds back into the same request.
pub(crate) fn request_http(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let endpoint = Endpoint::ALL[usize::from(selector) % Endpoint::ALL.len()];
    let facts = endpoint.facts();
    let (url, body) = match facts.generation {
        xengage_core::Generation::Enterprise => {
            (format!("https://data-api.x.com{}", facts.path), Some(rest))
        }
        xengage_core::Generation::V2 => {
            let query = String::from_utf8_lossy(rest);
            (format!("https://api.x.com{}?{query}", facts.path), None)
        }
    };
    let Ok(spec) = RequestSpec::from_http(facts.method, &url, body) else {
        return;
    };
    let now = now_of(u32::from(selector) * 1_000_003);
    if let Ok(request) = spec.validate(now, &ValidationOptions::default()) {
        let prepared = request.prepare(&BaseUrls::default());
        let read = RequestSpec::from_http(
            prepared.method.as_str(),
            &prepared.url,
            prepared.body.as_deref(),
        )
        .expect("a built request reads back");
        assert_eq!(
            read.validate(now, &ValidationOptions::default())
                .map(|r| r.to_spec())
                .ok(),
            Some(request.to_spec())
        );
    }
}

/// One step of a pacing session, as a transport could drive it.
#[derive(Debug, Arbitrary)]
pub(crate) enum PaceStep {
    /// Time passes (microseconds).
    Advance(u32),
    /// A request asks for a slot.
    Reserve,
    /// An answer reports its rate-limit headers.
    Observe { limit: u32, remaining: u32 },
    /// An answer without headers.
    NoHeaders,
    /// A 429.
    RateLimited,
    /// A failure, for the retry policy.
    Fail { kind: u8, jitter: f64 },
}

/// A pacing session: any sequence of slots, answers, 429s and failures.
#[derive(Debug, Arbitrary)]
pub(crate) struct PaceInput {
    window_ms: u16,
    margin_permille: u16,
    steps: Vec<PaceStep>,
}

/// The pacer and retry policy never panic, never hand out a slot in the past, and, once the
/// quota is known and stays the same, never put more sends than the quota into one window;
/// backoffs stay within the policy's cap and retries within its budget.
pub(crate) fn pacing(input: &PaceInput) {
    use std::time::Duration as StdDuration;
    use xengage_core::pace::{
        Attempts, Failure, Pacer, PacingOptions, RetryDecision, RetryPolicy, Slot,
    };
    let window = StdDuration::from_millis(u64::from(input.window_ms.max(1)));
    let mut pacer = Pacer::new(
        PacingOptions::default()
            .window(window)
            .margin(f64::from(input.margin_permille % 1000) / 1000.0)
            .assumed_limit(None),
    );
    let policy = RetryPolicy::default();
    let mut attempts = Attempts::default();
    let mut now = StdDuration::ZERO;
    // Sends since the quota last changed or a 429 reset the schedule.
    let mut sends: Vec<StdDuration> = Vec::new();
    let mut limit: Option<u32> = None;
    for step in input.steps.iter().take(2_000) {
        match step {
            PaceStep::Advance(us) => now += StdDuration::from_micros(u64::from(*us)),
            PaceStep::Reserve => {
                if let Slot::SendAfter(wait) = pacer.reserve(now) {
                    // Slots are handed out in time order.
                    assert!(sends.last().is_none_or(|&last| now + wait >= last));
                    sends.push(now + wait);
                }
            }
            PaceStep::Observe {
                limit: l,
                remaining,
            } => {
                pacer.observe(now, *l, *remaining);
                if limit != Some(*l) {
                    limit = Some(*l);
                    sends.clear();
                }
            }
            PaceStep::NoHeaders => pacer.observe_without_quota(now),
            PaceStep::RateLimited => {
                pacer.rate_limited(now);
                sends.clear();
            }
            PaceStep::Fail { kind, jitter } => {
                let failure = match kind % 6 {
                    0 => Failure::RateLimited,
                    1 => Failure::Server,
                    2 => Failure::Timeout,
                    3 => Failure::Connection,
                    4 => Failure::BrokenBody,
                    _ => Failure::Permanent,
                };
                let before = attempts;
                match policy.decide(failure, &mut attempts, *jitter) {
                    RetryDecision::RetryAfter(d) => {
                        assert!(d <= policy.max_delay);
                        assert!(attempts.total() == before.total() + 1);
                    }
                    RetryDecision::GiveUp => assert_eq!(attempts, before),
                }
                assert!(attempts.retries <= policy.max_retries);
                assert!(attempts.rate_limited <= policy.max_rate_limited_retries);
            }
        }
    }
    if let Some(limit) = limit.filter(|&l| l > 0) {
        sends.sort();
        for (i, &start) in sends.iter().enumerate() {
            let n = sends[i..]
                .iter()
                .take_while(|&&t| t < start + window)
                .count();
            // The probe sent before the quota was known may share a window with one more.
            assert!(
                n <= limit as usize + 1,
                "{n} sends in one window of quota {limit}"
            );
        }
    }
}

/// Decodes a [`PaceInput`] from raw fuzzer bytes and checks it.
pub(crate) fn pacing_bytes(data: &[u8]) {
    if let Ok(input) = PaceInput::arbitrary_take_rest(Unstructured::new(data)) {
        pacing(&input);
    }
}

/// The v1 answer to a request (chosen from the structured input), as random bytes: parsing
/// never panics, and whatever parses has a row per count and a ledger entry per post asked.
pub(crate) fn response_v1(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let groupings: [&[&str]; 6] = [
        &["tweet.id", "engagement.type"],
        &["engagement.type", "tweet.id"],
        &[
            "tweet.id",
            "engagement.type",
            "engagement.day",
            "engagement.hour",
        ],
        &[
            "engagement.type",
            "tweet.id",
            "engagement.day",
            "engagement.hour",
        ],
        &["tweet.id", "engagement.type", "engagement.hour"],
        &["engagement.day"],
    ];
    let endpoint = [
        Endpoint::Totals,
        Endpoint::Last28Hours,
        Endpoint::Historical,
    ][usize::from(selector % 3)];
    let grouping = groupings[usize::from(selector / 3) % groupings.len()];
    let grouping = if endpoint == Endpoint::Totals {
        groupings[usize::from(selector / 3) % 2]
    } else {
        grouping
    };
    let now = now_of(40_000_000);
    let request = RequestSpec::new(endpoint)
        .post_ids(["1", "17", "1990000000000000001"])
        .metrics(["impressions", "favorites"])
        .grouping("g", grouping.iter().copied())
        .validate(now, &ValidationOptions::default().enforce_lookback(false));
    let Ok(request) = request else { return };
    let options = xengage_core::response::ParseOptions::default()
        .max_body_bytes(1 << 20)
        .max_depth(16);
    let status = if selector & 0x80 == 0 { 200 } else { 403 };
    match parse_with_both_readers(&request, status, body, &options) {
        Ok(outcome) => {
            for id in request.post_ids() {
                assert!(
                    outcome.ledger.get(id).is_some(),
                    "post {id} not in the ledger"
                );
            }
            for g in outcome.results() {
                let _ = g.tree();
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.is_retryable(), e.refused_post_ids());
            error_accounts_for_every_post(&request, &e);
        }
    }
}

/// Parses with the default JSON reader (sonic-rs on native builds with the `sonic` feature) and with serde_json, and
/// checks they agree: the same outcome, or the same error, except on a body that is not JSON,
/// which both refuse as malformed at related paths, maybe naming different faults.
pub(crate) fn parse_with_both_readers(
    request: &xengage_core::Request,
    status: u16,
    body: &[u8],
    options: &xengage_core::response::ParseOptions,
) -> Result<xengage_core::response::Outcome, xengage_core::response::ResponseError> {
    use xengage_core::response::{
        MalformedKind, ResponseError, parse_response, parse_response_with_serde_json,
    };
    let headers = http::HeaderMap::new();
    let default = parse_response(request, status, &headers, body, options);
    let serde_json = parse_response_with_serde_json(request, status, &headers, body, options);
    // (path, whether a syntax error) of a malformed answer.
    let malformed = |r: &Result<_, ResponseError>| match r {
        Err(ResponseError::Malformed(m)) => Some((
            m.path.clone(),
            matches!(m.kind, MalformedKind::Syntax { .. }),
        )),
        _ => None,
    };
    match (malformed(&default), malformed(&serde_json)) {
        // On a body that is not JSON they may stop a token apart and name different faults:
        // `01` is a bad number to serde_json; to sonic-rs a 0 (maybe of the wrong type where it
        // stands) and then a stray 1, a level up from the number's key.
        (Some((a, a_syntax)), Some((b, b_syntax))) if a_syntax || b_syntax => assert!(
            path_within(&a, &b) || path_within(&b, &a),
            "the readers refuse the body at unrelated paths {a} and {b}: {}",
            String::from_utf8_lossy(body)
        ),
        _ => assert_eq!(
            default,
            serde_json,
            "the readers disagree on {}",
            String::from_utf8_lossy(body)
        ),
    }
    default
}

/// Whether JSON path `inner` is `outer` or below it.
fn path_within(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The v2 answer as random bytes: never panics.
pub(crate) fn response_v2(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let granularity = ["Hourly", "Daily", "Weekly", "Total"][usize::from(selector % 4)];
    let request = RequestSpec::new(Endpoint::Insights28Hours)
        .post_ids(["1346889436626259968", "17"])
        .metrics(["Impressions", "Likes"])
        .granularity(granularity)
        .validate(now_of(40_000_000), &ValidationOptions::default());
    let Ok(request) = request else { return };
    let options = xengage_core::response::ParseOptions::default()
        .max_body_bytes(1 << 20)
        .max_depth(16);
    let status = if selector & 0x80 == 0 { 200 } else { 401 };
    if let Ok(outcome) = parse_with_both_readers(&request, status, body, &options) {
        for id in request.post_ids() {
            assert!(outcome.ledger.get(id).is_some());
        }
    }
}

/// A post or media analytics answer as random bytes (the first byte picks posts or media, the
/// granularity and the status): never panics; a 2xx answer accounts for every post or media
/// asked, keeps its totals apart, and gives each row one subject, a post or a media.
pub(crate) fn response_analytics(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let media = selector & 1 == 1;
    let granularity = ["hourly", "daily", "weekly", "total"][usize::from((selector >> 1) % 4)];
    let spec = if media {
        RequestSpec::new(Endpoint::MediaAnalytics)
            .media_keys(["3_1346889436626259968", "7_17"])
            .metrics(["video_views", "watch_time_ms"])
            .granularity(if granularity == "weekly" {
                "daily"
            } else {
                granularity
            })
    } else {
        RequestSpec::new(Endpoint::Analytics)
            .post_ids(["1346889436626259968", "17"])
            .metrics(["impressions", "likes"])
            .granularity(granularity)
    };
    let request = spec
        .window("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
        .validate(
            OffsetDateTime::from_unix_timestamp(1_795_348_800).expect("a valid time"),
            &ValidationOptions::default(),
        );
    let Ok(request) = request else { return };
    let options = xengage_core::response::ParseOptions::default()
        .max_body_bytes(1 << 20)
        .max_depth(16);
    let status = if selector & 0x80 == 0 { 200 } else { 429 };
    match parse_with_both_readers(&request, status, body, &options) {
        Ok(outcome) => {
            for id in request.post_ids() {
                assert!(outcome.ledger.get(id).is_some(), "{id}");
            }
            for key in request.media_keys() {
                assert!(outcome.ledger.media_get(key).is_some(), "{key}");
            }
            assert!(outcome.totals.is_some(), "analytics keeps its totals apart");
            for row in outcome.results().flat_map(|g| &g.rows) {
                assert!(row.post_id.is_some() != row.media_key.is_some(), "{row:?}");
            }
        }
        Err(e) => {
            let ledger = xengage_core::response::Ledger::failed(&request, &e);
            assert_eq!(
                ledger.len(),
                request.post_ids().len() + request.media_keys().len()
            );
        }
    }
}

/// A request to sign, from structured fuzzer input: any method, URL parts, parameters,
/// credentials, nonce and timestamp, each usually well-formed and sometimes any text.
#[derive(Debug, Arbitrary)]
pub(crate) struct OAuthInput {
    method: Field,
    scheme: Field,
    /// The authority: maybe with userinfo, a port, upper case.
    host: Field,
    port: Option<u16>,
    path: String,
    /// Query parameters, percent-encoded into the URL.
    query: Vec<(String, String)>,
    /// Text appended to the query as it is (maybe `+`, `%zz`, a fragment).
    raw_query: Option<String>,
    form: Vec<(String, String)>,
    consumer_key: String,
    consumer_secret: String,
    token: Option<(String, String)>,
    nonce: String,
    timestamp: u64,
}

/// RFC 5849 3.6, written out: every UTF-8 byte outside `A-Z a-z 0-9 - . _ ~` as `%XX`.
fn reference_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The OAuth 1.0a encoder, base string, header and verifier: encoding keeps exactly the
/// unreserved characters; a request that signs has the documented base string and a header that
/// reads back into its protocol parameters; its signature verifies with the same secrets and
/// not with another; reading any header never panics.
pub(crate) fn oauth1(input: &OAuthInput) {
    use xengage_core::auth::oauth1;
    let method = pick(&input.method, &["GET", "POST", "get", "Put"]);
    let scheme = pick(&input.scheme, &["https", "http", "HTTPS", "ftp"]);
    let host = pick(
        &input.host,
        &["api.x.com", "DATA-API.X.com", "user:pw@api.x.com", "[::1]"],
    );
    let authority = match input.port {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let mut url = format!("{scheme}://{authority}{}", input.path);
    let query: Vec<String> = input
        .query
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                oauth1::steps::percent_encode(k),
                oauth1::steps::percent_encode(v)
            )
        })
        .chain(input.raw_query.clone())
        .collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let texts = [&method, &url, &input.consumer_key, &input.nonce]
        .into_iter()
        .chain(input.query.iter().flat_map(|(k, v)| [k, v]))
        .chain(input.form.iter().flat_map(|(k, v)| [k, v]));
    for text in texts {
        assert_eq!(oauth1::steps::percent_encode(text), reference_encode(text));
        let encoded = oauth1::steps::percent_encode(text);
        let decoded = percent_encoding::percent_decode_str(&encoded)
            .decode_utf8()
            .expect("UTF-8 back");
        assert_eq!(&decoded, text);
    }
    let _ = oauth1::parse_authorization_header(&url);
    // Without a token the request is signed as the app alone (an empty token).
    let credentials = xengage_core::auth::OAuth1Credentials::new(
        input.consumer_key.clone(),
        input.consumer_secret.clone(),
        input.token.as_ref().map_or("", |(t, _)| t.as_str()),
        input.token.as_ref().map_or("", |(_, s)| s.as_str()),
    );
    let token_secret = input.token.as_ref().map(|(_, s)| s.as_str());
    let signed = oauth1::sign(
        &method,
        &url,
        &input.form,
        &credentials,
        &input.nonce,
        input.timestamp,
    );
    let Ok(steps) = signed else {
        // Only a URL that is not absolute, or whose query is not percent-encoded UTF-8.
        assert!(
            oauth1::steps::normalize_url(&url).is_err()
                || oauth1::steps::query_params(&url).is_err()
        );
        return;
    };
    let normalized = oauth1::steps::normalize_url(&url).expect("a signed URL normalizes");
    assert_eq!(
        steps.base_string,
        format!(
            "{}&{}&{}",
            method.to_ascii_uppercase(),
            oauth1::steps::percent_encode(&normalized),
            oauth1::steps::percent_encode(&steps.parameter_string)
        )
    );
    // A plain URL normalizes as RFC 5849 3.4.1.2 says.
    let plain = |s: &str| !s.contains(['/', '?', '#', '@']);
    // (A host typed with its own `:port` is left out: the port to drop is then in `host`.)
    let own_port =
        input.port.is_none() && host.rsplit_once(':').is_some_and(|(_, p)| !p.contains(']'));
    if plain(&host) && plain(&scheme) && !scheme.is_empty() && !host.is_empty() && !own_port {
        let default = match (scheme.to_ascii_lowercase().as_str(), input.port) {
            ("http", Some(80)) | ("https", Some(443)) | (_, None) => String::new(),
            (_, Some(port)) => format!(":{port}"),
        };
        let path = input.path.split(['?', '#']).next().unwrap_or("");
        if path.starts_with('/') || path.is_empty() {
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                sent_path(path)
            };
            assert_eq!(
                normalized,
                format!(
                    "{}://{}{default}{path}",
                    scheme.to_ascii_lowercase(),
                    host.to_ascii_lowercase()
                )
            );
        }
    }
    let header = oauth1::parse_authorization_header(&steps.authorization_header)
        .expect("a signed header reads back");
    assert_eq!(
        header.get("oauth_signature"),
        Some(steps.signature.as_str())
    );
    assert_eq!(
        header.get("oauth_consumer_key"),
        Some(input.consumer_key.as_str())
    );
    assert_eq!(header.get("oauth_nonce"), Some(input.nonce.as_str()));
    let timestamp = input.timestamp.to_string();
    assert_eq!(header.get("oauth_timestamp"), Some(timestamp.as_str()));
    // An empty token signs as the app alone: no `oauth_token` is sent.
    assert_eq!(
        header.get("oauth_token"),
        input
            .token
            .as_ref()
            .map(|(t, _)| t.as_str())
            .filter(|t| !t.is_empty())
    );
    oauth1::verify(
        &method,
        &url,
        &input.form,
        &steps.authorization_header,
        &input.consumer_secret,
        token_secret,
    )
    .expect("a signature verifies");
    let other_secret = format!("{}x", input.consumer_secret);
    assert!(matches!(
        oauth1::verify(
            &method,
            &url,
            &input.form,
            &steps.authorization_header,
            &other_secret,
            token_secret,
        ),
        Err(oauth1::VerifyError::Mismatch)
    ));
}

/// Decodes an [`OAuthInput`] from raw fuzzer bytes and checks it.
pub(crate) fn oauth1_bytes(data: &[u8]) {
    if let Ok(input) = OAuthInput::arbitrary_take_rest(Unstructured::new(data)) {
        oauth1(&input);
    }
}

/// Rate-limit headers and the retry decisions built on them: any header values parse or are
/// ignored, and a pacer fed them never panics.
pub(crate) fn headers(data: &[u8]) {
    use xengage_core::pace::{Pacer, PacingOptions};
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let mut headers = http::HeaderMap::new();
    for name in ["x-per-minute-limit", "x-per-minute-remaining"] {
        if let Some(v) = parts
            .next()
            .and_then(|v| http::HeaderValue::from_str(v).ok())
        {
            headers.insert(name, v);
        }
    }
    let mut pacer = Pacer::new(PacingOptions::default());
    let _ = pacer.reserve(std::time::Duration::ZERO);
    match xengage_core::response::RateLimit::for_endpoint(xengage_core::Endpoint::Totals, &headers)
    {
        Some(rl) => {
            assert_eq!(
                headers["x-per-minute-limit"]
                    .to_str()
                    .unwrap()
                    .trim()
                    .parse::<u32>()
                    .ok(),
                Some(rl.limit)
            );
            pacer.observe(std::time::Duration::from_millis(5), rl.limit, rl.remaining);
        }
        None => pacer.observe_without_quota(std::time::Duration::from_millis(5)),
    }
    let _ = pacer.reserve(std::time::Duration::from_millis(6));
    let status = parts
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(200);
    let failure = xengage_core::pace::Failure::from_status(status);
    // 429 and server errors are retried; 501 (the server cannot do this at all) is not.
    assert_eq!(
        failure.is_retryable(),
        status == 429 || ((500..=599).contains(&status) && status != 501)
    );
}

/// An RFC 3339 time anywhere in `time`'s calendar (years 0000 to 9999, any offset), from
/// structured fuzzer input.
#[derive(Debug, Arbitrary)]
pub(crate) struct TimeText {
    /// Seconds from 0000-01-01T00:00:00Z, modulo the calendar's length; or, when `edge` says
    /// so, from the first instant or to the last within three days (where arithmetic overflows).
    seconds: u64,
    /// 0: anywhere; 1: near the first instant; 2: near the last.
    edge: u8,
    /// Offset minutes, modulo 2 * 1439 + 1, centred on zero.
    offset_minutes: u16,
    /// Nanoseconds of a fraction, when there is one.
    nanos: Option<u32>,
    /// Where the time goes: 0 a user's start, 1 a user's end, 2 `now`, 3 an answer's v1 end,
    /// 4 an answer's v1 start, 5 a v2 time series stamp.
    place: u8,
}

impl TimeText {
    fn text(&self) -> Option<String> {
        let first = OffsetDateTime::parse(
            "0000-01-01T00:00:00Z",
            &xengage_core::time::format_description::well_known::Rfc3339,
        )
        .ok()?;
        let last = OffsetDateTime::parse(
            "9999-12-31T23:59:59Z",
            &xengage_core::time::format_description::well_known::Rfc3339,
        )
        .ok()?;
        let near = Duration::seconds(i64::try_from(self.seconds % (3 * 86_400)).ok()?);
        let t = match self.edge % 3 {
            1 => first.checked_add(near)?,
            2 => last.checked_sub(near)?,
            _ => {
                let span: u64 = 10_000 * 366 * 86_400;
                first.checked_add(Duration::seconds(i64::try_from(self.seconds % span).ok()?))?
            }
        };
        let offset_minutes = i32::from(self.offset_minutes % (2 * 1439 + 1)) - 1439;
        let offset = xengage_core::time::UtcOffset::from_whole_seconds(offset_minutes * 60).ok()?;
        // The local time at `offset` of instant `t`: out of the calendar, nothing to write.
        let local = t.checked_to_offset(offset)?;
        if !(0..=9999).contains(&local.year()) {
            return None;
        }
        let frac = self
            .nanos
            .map_or(String::new(), |n| format!(".{:09}", n % 1_000_000_000));
        let (h, m) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        Some(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}{sign}{h:02}:{m:02}",
            local.year(),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute(),
            local.second()
        ))
    }
}

/// A time a user types, a caller's `now`, or a time in an answer: read, or refused with a
/// problem or a malformed-answer error, never a panic.
pub(crate) fn times(input: &TimeText) {
    let Some(t) = input.text() else { return };
    let rfc3339 = xengage_core::time::format_description::well_known::Rfc3339;
    let fixed_now = now_of(6_800_000); // 2026-12-08
    let options = ValidationOptions::default();
    let window = |start: &str, end: &str| {
        RequestSpec::new(Endpoint::Historical)
            .post_ids(["1990000000000000001"])
            .metrics(["favorites"])
            .window(start, end)
    };
    match input.place % 6 {
        0 => drop(window(&t, "2026-11-08").validate(fixed_now, &options)),
        1 => drop(window("2026-11-01", &t).validate(fixed_now, &options)),
        2 => {
            let now = OffsetDateTime::parse(&t, &rfc3339).expect("written as RFC 3339");
            let spec = RequestSpec::new(Endpoint::Historical)
                .post_ids(["1990000000000000001"])
                .metrics(["favorites"]);
            drop(spec.validate(now, &options));
        }
        place => {
            let (spec, body) = match place {
                3 => (
                    window("2026-11-01", "2026-11-08"),
                    format!(r#"{{"start":"2026-11-01T00:00:00Z","end":"{t}"}}"#),
                ),
                4 => (
                    window("2026-11-01", "2026-11-08"),
                    format!(r#"{{"start":"{t}","end":"2026-11-08T00:00:00Z"}}"#),
                ),
                _ => (
                    RequestSpec::new(Endpoint::Insights28Hours)
                        .post_ids(["1990000000000000001"])
                        .metrics(["Impressions"])
                        .granularity("Hourly"),
                    format!(
                        r#"{{"data":[{{"measurement":{{"metrics_time_series":[{{"tweet_id":"1990000000000000001","value":{{"metric_values":[{{"metric_type":"Impressions","metric_value":1}}],"timestamp":{{"iso8601_time":"{t}"}}}}}}]}}}}]}}"#
                    ),
                ),
            };
            let request = spec.validate(fixed_now, &options).expect("a valid request");
            let parse_options = xengage_core::response::ParseOptions::default();
            drop(parse_with_both_readers(
                &request,
                200,
                body.as_bytes(),
                &parse_options,
            ));
        }
    }
}

/// Decodes a [`TimeText`] from raw fuzzer bytes and checks it.
pub(crate) fn times_bytes(data: &[u8]) {
    if let Ok(input) = TimeText::arbitrary_take_rest(Unstructured::new(data)) {
        times(&input);
    }
}

/// An API error accounts for every post of its request (what [`response_v1`] checks on any
/// error it meets): refused by name, or failed with the error.
pub(crate) fn error_accounts_for_every_post(
    request: &xengage_core::Request,
    error: &xengage_core::response::ResponseError,
) {
    use xengage_core::response::{Ledger, PostEntry};
    let ledger = Ledger::failed(request, error);
    for id in request.post_ids() {
        assert!(
            ledger.get(id).is_some_and(|e| *e != PostEntry::default()),
            "post {id} is not accounted for after {error}"
        );
    }
}

/// What the transport reports for one request in flight.
#[derive(Debug, Arbitrary)]
pub(crate) enum Reply {
    /// 200 with a count for every post and metric asked.
    Served,
    /// 403 "Forbidden to access tweets: ..." naming these posts of the batch (by index).
    Forbidden(Vec<u8>),
    /// 400 with these posts of the batch in `unavailable_tweet_ids`.
    Unavailable(Vec<u8>),
    /// 400 with these posts of the batch refused impressions and engagements.
    Unsupported(Vec<u8>),
    /// Any status, with a served body.
    Status(u16),
    /// A 200 with any body.
    Raw(Vec<u8>),
    /// No answer at all (a `Failure`, by number).
    Failed(u8),
}

/// One step of a collection, as a transport could drive it.
#[derive(Debug, Arbitrary)]
pub(crate) enum CollectStep {
    /// Time passes (milliseconds), then a poll.
    Poll(u16),
    /// The `which`th request in flight (modulo their number) is answered, `after` ms later,
    /// maybe with rate-limit headers.
    Reply {
        which: u8,
        after: u16,
        quota: Option<(u16, u16)>,
        reply: Reply,
        jitter: u8,
    },
}

/// A collection job: which posts (of which ages), metrics, endpoint and window, and what the
/// API answers.
#[derive(Debug, Arbitrary)]
pub(crate) struct CollectInput {
    historical: bool,
    /// Per post: its age in days (and a variant of the id).
    posts: Vec<(u16, u8)>,
    /// A bit set over impressions, engagements, favorites, video_views.
    metrics: u8,
    /// Weeks of the historical range, when one is given.
    weeks: Option<u8>,
    batch_size: Option<u8>,
    separate_by_age: bool,
    max_in_flight: u8,
    steps: Vec<CollectStep>,
}

/// A path as an HTTP client sends it (the WHATWG path percent-encode set, which reqwest and
/// fetch follow): controls, space, `"`, `<`, `>`, `` ` ``, `{`, `}` and every non-ASCII
/// character percent-encoded as UTF-8, upper-case hex; the rest as written.
fn sent_path(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_control() || c == ' ' || "\"<>`{}".contains(c) || !c.is_ascii() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = std::fmt::Write::write_fmt(&mut out, format_args!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A v1 body serving every post of `request` (the testing kit's synthesizer, no post
/// unavailable; posts too old for a metric are refused it, as the API does).
fn served_body(request: &xengage_core::Request) -> String {
    use xengage_core::testing::{Counts, Scenario, served};
    let scenario = Scenario {
        counts: Counts::new(3),
        ..Scenario::default()
    };
    String::from_utf8(served(request, &scenario).body).expect("the synthesizer writes JSON")
}

/// The posts of `request` at `picks` (modulo their number), as a JSON list and as text.
fn picked(request: &xengage_core::Request, picks: &[u8]) -> (String, String) {
    let ids = request.post_ids();
    let chosen: Vec<&str> = picks
        .iter()
        .take(30)
        .map(|&i| ids[usize::from(i) % ids.len()].as_str())
        .collect();
    let json: Vec<String> = chosen.iter().map(|id| format!("\"{id}\"")).collect();
    (format!("[{}]", json.join(",")), chosen.join(", "))
}

/// The collector never panics and never stalls: however the API answers (partial refusals,
/// errors, 429s, failures, in any order), a job whose remaining requests are then served ends,
/// with every post of the plan accounted for in the ledger (values or a reason, never pending).
pub(crate) fn collect(input: &CollectInput) {
    use std::time::Duration as StdDuration;
    use xengage_core::collect::{Action, CollectOptions, Collector, Outgoing};
    use xengage_core::pace::Failure;
    use xengage_core::plan::{Plan, PlanOptions};
    use xengage_core::response::PostStatus;

    let now = now_of(6_800_000); // 2026-12-06
    let snowflake = |days: u16, n: u8| {
        let created = now - Duration::days(i64::from(days % 2500));
        let ms = created.unix_timestamp() * 1000 - 1_288_834_974_657;
        (u64::try_from(ms).unwrap_or(0) << 22 | u64::from(n)).to_string()
    };
    let ids: Vec<String> = input
        .posts
        .iter()
        .take(80)
        .map(|&(days, n)| snowflake(days, n))
        .collect();
    let metrics: Vec<&str> = ["impressions", "engagements", "favorites", "video_views"]
        .into_iter()
        .enumerate()
        .filter(|(i, _)| input.metrics & (1 << i) != 0)
        .map(|(_, m)| m)
        .collect();
    let endpoint = if input.historical {
        Endpoint::Historical
    } else {
        Endpoint::Totals
    };
    let mut spec = RequestSpec::new(endpoint)
        .post_ids(ids)
        .metrics(metrics)
        .grouping("g", ["tweet.id", "engagement.type"]);
    if let (true, Some(weeks)) = (input.historical, input.weeks) {
        let end = now - Duration::days(1);
        let start = end - Duration::weeks(i64::from(weeks % 12 + 1));
        spec = spec.window_times(start, end);
    }
    let plan_options = PlanOptions::default()
        .separate_by_age(input.separate_by_age)
        .batch_size(input.batch_size.map(usize::from));
    let Ok(plan) = Plan::new(&spec, now, &ValidationOptions::default(), &plan_options) else {
        return;
    };
    let planned: Vec<xengage_core::PostId> = plan.post_ids().to_vec();
    let mut collector = Collector::new(
        plan,
        CollectOptions::default().max_in_flight(usize::from(input.max_in_flight % 6)),
    );
    let mut t = StdDuration::ZERO;
    let mut flights: Vec<Outgoing> = Vec::new();
    let served_headers = {
        let mut h = http::HeaderMap::new();
        h.insert("x-per-minute-limit", http::HeaderValue::from_static("600"));
        h.insert(
            "x-per-minute-remaining",
            http::HeaderValue::from_static("500"),
        );
        h
    };
    // Polls once: a request to send joins the flights, a wait lets time pass; whether the
    // collector waits for an answer, and whether the job is done.
    let poll = |collector: &mut Collector, t: &mut StdDuration, flights: &mut Vec<Outgoing>| {
        let action = collector.poll(*t);
        while collector.next_event().is_some() {}
        match action {
            Action::Send(out) => flights.push(out),
            Action::Wait(d) => *t += d,
            Action::AwaitAnswer => {
                assert!(
                    !flights.is_empty(),
                    "awaits an answer with nothing in flight"
                );
                return (true, false);
            }
            Action::Done => return (false, true),
        }
        (false, false)
    };
    let mut done = false;
    for step in input.steps.iter().take(500) {
        match step {
            CollectStep::Poll(ms) => {
                t += StdDuration::from_millis(u64::from(*ms));
                done = poll(&mut collector, &mut t, &mut flights).1;
            }
            CollectStep::Reply {
                which,
                after,
                quota,
                reply,
                jitter,
            } => {
                if flights.is_empty() {
                    continue;
                }
                let out = flights.remove(usize::from(*which) % flights.len());
                t += out.send_after + StdDuration::from_millis(u64::from(*after));
                let jitter = f64::from(*jitter) / 256.0;
                let mut headers = http::HeaderMap::new();
                if let Some((limit, remaining)) = quota {
                    headers.insert("x-per-minute-limit", http::HeaderValue::from(*limit));
                    headers.insert(
                        "x-per-minute-remaining",
                        http::HeaderValue::from(*remaining),
                    );
                }
                let request = &out.request;
                let (status, body) = match reply {
                    Reply::Served => (200, served_body(request).into_bytes()),
                    Reply::Forbidden(picks) => {
                        let (_, text) = picked(request, picks);
                        let body =
                            format!(r#"{{"errors":["Forbidden to access tweets: {text}"]}}"#);
                        (403, body.into_bytes())
                    }
                    Reply::Unavailable(picks) => {
                        let (json, _) = picked(request, picks);
                        let body = format!(
                            r#"{{"errors":["Tweet ID(s) are unavailable"],"unavailable_tweet_ids":{json}}}"#
                        );
                        (400, body.into_bytes())
                    }
                    Reply::Unsupported(picks) => {
                        let (json, _) = picked(request, picks);
                        let body = format!(
                            r#"{{"errors":["Impressions & engagements for tweets older than 90 days are not supported"],"unsupported_for_impressions_engagements_tweet_ids":{json}}}"#
                        );
                        (400, body.into_bytes())
                    }
                    Reply::Status(status) => (*status, served_body(request).into_bytes()),
                    Reply::Raw(body) => (200, body.clone()),
                    Reply::Failed(kind) => {
                        let failure = match kind % 5 {
                            0 => Failure::Server,
                            1 => Failure::Timeout,
                            2 => Failure::Connection,
                            3 => Failure::BrokenBody,
                            _ => Failure::Permanent,
                        };
                        collector.on_failure(out.id, t, failure, "no answer", jitter);
                        continue;
                    }
                };
                collector.on_answer(out.id, t, status, &headers, &body, jitter);
            }
        }
    }
    // Then the API serves everything it is asked: the job ends.
    for _ in 0..100_000 {
        if done {
            break;
        }
        let (awaits, finished) = poll(&mut collector, &mut t, &mut flights);
        done = finished;
        if awaits {
            let out = flights.remove(0);
            t += out.send_after + StdDuration::from_millis(5);
            let body = served_body(&out.request);
            collector.on_answer(out.id, t, 200, &served_headers, body.as_bytes(), 0.5);
        }
    }
    assert!(done, "the job never ends");
    let summary = collector.finish();
    for id in &planned {
        let status = summary.ledger.status(id);
        assert!(
            status.is_some_and(|s| s != PostStatus::Pending),
            "post {id} ends {status:?}"
        );
    }
}

/// Decodes a [`CollectInput`] from raw fuzzer bytes and checks it.
pub(crate) fn collect_bytes(data: &[u8]) {
    if let Ok(input) = CollectInput::arbitrary_take_rest(Unstructured::new(data)) {
        collect(&input);
    }
}
