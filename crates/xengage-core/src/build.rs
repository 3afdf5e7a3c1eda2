//! Building a validated [`Request`] into a description of the HTTP request (method, URL,
//! headers, body) that any transport sends unchanged, and reading such a description back into
//! a [`RequestSpec`] (as a server, a proxy or the `parse` command sees it).

use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::facts::{Endpoint, Generation};
use crate::request::{GroupingSpec, Request, RequestSpec};
use crate::window::format_time;

/// The documented base URL of the Enterprise Engagement API.
pub const ENTERPRISE_BASE_URL: &str = "https://data-api.x.com";
/// The documented base URL of the X API v2.
pub const V2_BASE_URL: &str = "https://api.x.com";

/// Where each API generation is reached: the documented hosts by default, or an emulator, a
/// proxy or a test server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrls {
    enterprise: String,
    v2: String,
}

/// Why a base URL is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("base URL `{url}` {reason}")]
pub struct BaseUrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Default for BaseUrls {
    fn default() -> Self {
        BaseUrls {
            enterprise: ENTERPRISE_BASE_URL.to_owned(),
            v2: V2_BASE_URL.to_owned(),
        }
    }
}

impl BaseUrls {
    /// Separate base URLs for the Enterprise API and for v2.
    pub fn new(enterprise: &str, v2: &str) -> Result<BaseUrls, BaseUrlError> {
        Ok(BaseUrls {
            enterprise: check_base(enterprise)?,
            v2: check_base(v2)?,
        })
    }

    /// One base URL for both generations (the emulator and the CLI's proxy serve both).
    pub fn single(url: &str) -> Result<BaseUrls, BaseUrlError> {
        let url = check_base(url)?;
        Ok(BaseUrls {
            enterprise: url.clone(),
            v2: url,
        })
    }

    /// The base URL for `generation`, without a trailing slash.
    pub fn for_generation(&self, generation: Generation) -> &str {
        match generation {
            Generation::Enterprise => &self.enterprise,
            Generation::V2 => &self.v2,
        }
    }
}

fn check_base(url: &str) -> Result<String, BaseUrlError> {
    let err = |reason| BaseUrlError {
        url: url.to_owned(),
        reason,
    };
    let uri: http::Uri = url.parse().map_err(|_| err("is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(err("must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(err("has no host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(err("must not have a query or a fragment"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Characters left as they are in query values: RFC 3986 unreserved characters and the comma
/// that separates list items (as X's own examples write lists). Everything else is encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',');

/// The HTTP request a transport sends, unchanged: method, URL, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreparedRequest {
    /// The endpoint this request calls.
    pub endpoint: Endpoint,
    /// `POST` for v1, `GET` for v2.
    pub method: http::Method,
    /// The full URL, query included.
    pub url: String,
    /// `Accept` on every request, `Content-Type` and `Accept-Encoding` on v1; `Authorization`
    /// once signed.
    pub headers: HeaderMap,
    /// The JSON body on v1; `None` on v2.
    pub body: Option<Vec<u8>>,
}

impl PreparedRequest {
    /// Converts into an [`http::Request`].
    pub fn into_http(self) -> Result<http::Request<Vec<u8>>, http::Error> {
        let mut builder = http::Request::builder().method(self.method).uri(self.url);
        if let Some(h) = builder.headers_mut() {
            *h = self.headers;
        }
        builder.body(self.body.unwrap_or_default())
    }

    /// The body as text, where there is one.
    pub fn body_text(&self) -> Option<&str> {
        self.body
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
    }
}

impl Request {
    /// The path and query of this request below its generation's base URL.
    pub fn path_and_query(&self) -> String {
        let path = self.endpoint().facts().path;
        let query = self.query_pairs();
        if query.is_empty() {
            return path.to_owned();
        }
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }

    /// The query parameters of a v2 request, in order, not yet encoded; empty on v1.
    ///
    /// Post and media analytics: `ids` (or `media_keys`), `start_time`, `end_time`,
    /// `granularity` (lower case, always sent: spec 2.166 required it), and `analytics.fields`
    /// (or `media_analytics.fields`): the metrics asked, in their snake-case names, then
    /// `timestamped_metrics`, so the answer carries its buckets. Lists are comma-joined, one
    /// parameter each (`style: form`, `explode: false`).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        if self.endpoint().generation() != Generation::V2 {
            return Vec::new();
        }
        if self.endpoint().is_analytics() {
            return self.analytics_query_pairs();
        }
        let join = |items: Vec<&str>| items.join(",");
        let mut pairs = vec![
            (
                "tweet_ids",
                join(
                    self.post_ids()
                        .iter()
                        .map(super::id::PostId::as_str)
                        .collect(),
                ),
            ),
            (
                "granularity",
                self.granularity()
                    .map(super::request::Granularity::name)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            (
                "requested_metrics",
                join(self.metrics().iter().filter_map(|m| m.v2_name()).collect()),
            ),
        ];
        if !self.fields().is_empty() {
            pairs.push((
                "engagement.fields",
                join(self.fields().iter().map(|f| f.name()).collect()),
            ));
        }
        if let (Some(w), Some(end)) = (self.window(), self.sent_end()) {
            pairs.push(("start_time", format_time(w.start())));
            pairs.push(("end_time", format_time(end)));
        }
        pairs
    }

    fn analytics_query_pairs(&self) -> Vec<(&'static str, String)> {
        let endpoint = self.endpoint();
        let facts = endpoint.facts();
        let ids: Vec<String> = if endpoint.is_media() {
            self.media_keys().iter().map(ToString::to_string).collect()
        } else {
            self.post_ids().iter().map(ToString::to_string).collect()
        };
        let mut pairs = vec![(facts.ids_parameter, ids.join(","))];
        if let (Some(w), Some(end)) = (self.window(), self.sent_end()) {
            pairs.push(("start_time", format_time(w.start())));
            pairs.push(("end_time", format_time(end)));
        }
        if let Some(g) = self.granularity() {
            pairs.push(("granularity", g.query_value(endpoint)));
        }
        let mut fields: Vec<&str> = self
            .metrics()
            .iter()
            .filter_map(|m| m.name_on(endpoint))
            .collect();
        fields.push(crate::facts::limits::TIMESTAMPED_METRICS_FIELD);
        pairs.push((facts.metrics_parameter, fields.join(",")));
        pairs
    }

    /// The JSON body of a v1 request, as the bytes that are sent; `None` on v2. Post ids are
    /// always JSON strings; keys keep the documented order.
    pub fn body(&self) -> Option<Vec<u8>> {
        if self.endpoint().generation() != Generation::Enterprise {
            return None;
        }
        let spec = self.to_spec();
        let body = Body {
            tweet_ids: &spec.post_ids,
            engagement_types: &spec.metrics,
            groupings: Groupings(&spec.groupings),
            start: spec.start.as_deref(),
            end: spec.end.as_deref(),
        };
        serde_json::to_vec(&body).ok()
    }

    /// The HTTP request to send to `base`, unsigned.
    ///
    /// Headers: `Accept: application/json` on every request (the Enterprise reference asks that
    /// the request header name JSON as the response format; v2 answers JSON anyway, and in a
    /// browser this value of `Accept` needs no CORS preflight); `Content-Type: application/json`
    /// and `Accept-Encoding: gzip` with the v1 body. Signing adds `Authorization`; no signature
    /// covers the headers.
    pub fn prepare(&self, base: &BaseUrls) -> PreparedRequest {
        let facts = self.endpoint().facts();
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let body = self.body();
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        }
        let method = if facts.method == "POST" {
            http::Method::POST
        } else {
            http::Method::GET
        };
        PreparedRequest {
            endpoint: self.endpoint(),
            method,
            url: format!(
                "{}{}",
                base.for_generation(facts.generation),
                self.path_and_query()
            ),
            headers,
            body,
        }
    }
}

#[derive(serde::Serialize)]
struct Body<'a> {
    tweet_ids: &'a [String],
    engagement_types: &'a [String],
    groupings: Groupings<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<&'a str>,
}

/// Groupings serialize as a JSON object in the order given, each `{"group_by": [...]}`.
struct Groupings<'a>(&'a [GroupingSpec]);

impl serde::Serialize for Groupings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(serde::Serialize)]
        struct GroupBy<'a> {
            group_by: &'a [String],
        }
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for g in self.0 {
            map.serialize_entry(
                &g.name,
                &GroupBy {
                    group_by: &g.group_by,
                },
            )?;
        }
        map.end()
    }
}

/// Why an HTTP request could not be read back into a [`RequestSpec`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestReadError {
    /// No endpoint has this method and path.
    #[error(
        "no endpoint is `{method} {path}`; the endpoints are POST /insights/engagement/{{totals,28hr,historical}}, GET /2/insights/{{28hr,historical}}, GET /2/tweets/analytics and GET /2/media/analytics"
    )]
    UnknownEndpoint {
        /// The method.
        method: String,
        /// The path.
        path: String,
    },
    /// A v1 request came without a body.
    #[error("{0} needs a JSON body")]
    MissingBody(Endpoint),
    /// The v1 body is not the documented JSON. serde_json's message ends with the location
    /// (`at line L column C`), so it is not repeated here. The message holds the JSON error's
    /// words, so it is not also given as `source()` (a chain printer would say them twice).
    #[error("the request body is not valid for {endpoint}: {error}")]
    Body {
        /// The endpoint.
        endpoint: Endpoint,
        /// The JSON error.
        error: serde_json::Error,
    },
    /// A v2 query parameter is unknown.
    #[error(
        "unknown query parameter `{0}`; v2 insights take tweet_ids, granularity, requested_metrics, engagement.fields, start_time, end_time; post analytics ids, start_time, end_time, granularity, analytics.fields; media analytics media_keys, start_time, end_time, granularity, media_analytics.fields"
    )]
    UnknownParameter(String),
    /// A v2 query parameter is given twice.
    #[error("query parameter `{0}` is given more than once; give a comma-separated list once")]
    RepeatedParameter(String),
    /// A query parameter is not valid UTF-8 once decoded.
    #[error("query parameter `{0}` is not valid UTF-8 once percent-decoded")]
    NotUtf8(String),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyIn {
    #[serde(default)]
    tweet_ids: Vec<String>,
    #[serde(default)]
    engagement_types: Vec<String>,
    #[serde(default, deserialize_with = "groupings_in_order")]
    groupings: Vec<GroupingSpec>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

fn groupings_in_order<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<GroupingSpec>, D::Error> {
    struct Visitor;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct GroupBy {
        group_by: Vec<String>,
    }
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<GroupingSpec>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of groupings, each {\"group_by\": [...]}")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((name, g)) = map.next_entry::<String, GroupBy>()? {
                out.push(GroupingSpec {
                    name,
                    group_by: g.group_by,
                });
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visitor)
}

impl RequestSpec {
    /// Reads an HTTP request back into a spec: the endpoint from method and path (any base URL
    /// prefix is allowed), the rest from the JSON body (v1) or the query (v2). The spec still
    /// needs [`RequestSpec::validate`].
    pub fn from_http(
        method: &str,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<RequestSpec, RequestReadError> {
        let (path, query) = split_url(url);
        let endpoint = Endpoint::ALL
            .into_iter()
            .find(|e| {
                let f = e.facts();
                f.method.eq_ignore_ascii_case(method)
                    && path.trim_end_matches('/').ends_with(f.path)
            })
            .ok_or_else(|| RequestReadError::UnknownEndpoint {
                method: method.to_owned(),
                path: path.to_owned(),
            })?;
        let mut spec = RequestSpec::new(endpoint);
        match endpoint.generation() {
            Generation::Enterprise => {
                let body = body
                    .filter(|b| !b.is_empty())
                    .ok_or(RequestReadError::MissingBody(endpoint))?;
                let b: BodyIn = serde_json::from_slice(body)
                    .map_err(|error| RequestReadError::Body { endpoint, error })?;
                spec.post_ids = b.tweet_ids;
                spec.metrics = b.engagement_types;
                spec.groupings = b.groupings;
                spec.start = b.start;
                spec.end = b.end;
            }
            Generation::V2 if endpoint.is_analytics() => {
                read_analytics_query(&mut spec, query.unwrap_or(""))?;
            }
            Generation::V2 => read_query(&mut spec, query.unwrap_or(""))?,
        }
        Ok(spec)
    }
}

fn split_url(url: &str) -> (&str, Option<&str>) {
    let url = url.split('#').next().unwrap_or(url);
    let (before_query, query) = match url.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (url, None),
    };
    // Drop `scheme://authority` when present, leaving the path.
    let path = match before_query.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => before_query,
    };
    (path, query)
}

/// The decoded `(key, value)` pairs of a query, each key once.
fn query_parameters(query: &str) -> Result<Vec<(String, String)>, RequestReadError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            percent_decode_str(&s)
                .decode_utf8()
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| RequestReadError::NotUtf8(raw_key.to_owned()))
        };
        let key = decode(raw_key)?;
        let value = decode(raw_value)?;
        if out.iter().any(|(k, _)| *k == key) {
            return Err(RequestReadError::RepeatedParameter(key));
        }
        out.push((key, value));
    }
    Ok(out)
}

fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads the query of post or media analytics. `timestamped_metrics`, `id`, `media_key` and
/// `timestamp` in the fields list are not metrics and are dropped (the SDK always asks for the
/// buckets).
fn read_analytics_query(spec: &mut RequestSpec, query: &str) -> Result<(), RequestReadError> {
    let facts = spec.endpoint.facts();
    for (key, value) in query_parameters(query)? {
        match key.as_str() {
            k if k == facts.ids_parameter && spec.endpoint.is_media() => {
                spec.media_keys = comma_list(&value);
            }
            k if k == facts.ids_parameter => spec.post_ids = comma_list(&value),
            k if k == facts.metrics_parameter => {
                spec.metrics = comma_list(&value)
                    .into_iter()
                    .filter(|f| {
                        ![
                            crate::facts::limits::TIMESTAMPED_METRICS_FIELD,
                            "id",
                            "media_key",
                            "timestamp",
                        ]
                        .contains(&f.as_str())
                    })
                    .collect();
            }
            "granularity" => spec.granularity = Some(value),
            "start_time" => spec.start = Some(value),
            "end_time" => spec.end = Some(value),
            _ => return Err(RequestReadError::UnknownParameter(key)),
        }
    }
    Ok(())
}

fn read_query(spec: &mut RequestSpec, query: &str) -> Result<(), RequestReadError> {
    let mut seen: Vec<String> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            percent_decode_str(&s)
                .decode_utf8()
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| RequestReadError::NotUtf8(raw_key.to_owned()))
        };
        let key = decode(raw_key)?;
        let value = decode(raw_value)?;
        if seen.contains(&key) {
            return Err(RequestReadError::RepeatedParameter(key));
        }
        let list = || {
            value
                .split(',')
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        match key.as_str() {
            "tweet_ids" => spec.post_ids = list(),
            "requested_metrics" => spec.metrics = list(),
            "engagement.fields" => spec.fields = list(),
            "granularity" => spec.granularity = Some(value.clone()),
            "start_time" => spec.start = Some(value.clone()),
            "end_time" => spec.end = Some(value.clone()),
            _ => return Err(RequestReadError::UnknownParameter(key)),
        }
        seen.push(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_error(body: &str) -> String {
        let err = RequestSpec::from_http(
            "POST",
            "https://data-api.x.com/insights/engagement/totals",
            Some(body.as_bytes()),
        )
        .unwrap_err();
        assert!(matches!(err, RequestReadError::Body { .. }), "{err:?}");
        // The words are in the message; a chain printer finds no source to say them again.
        assert!(std::error::Error::source(&err).is_none());
        err.to_string()
    }

    #[test]
    fn a_bad_body_names_its_location_once() {
        let message = body_error("{\n  \"tweet_ids\": [\"1\"],\n  \"colour\": \"red\"\n}");
        assert!(
            message.starts_with("the request body is not valid for totals: unknown field `colour`"),
            "{message}"
        );
        assert!(message.ends_with(" at line 3 column 10"), "{message}");
        assert_eq!(message.matches("line").count(), 1, "{message}");
        assert_eq!(message.matches("column").count(), 1, "{message}");
        let message = body_error("{\"tweet_ids\": [\"1\",");
        assert!(message.contains("EOF while parsing"), "{message}");
        assert!(message.ends_with(" at line 1 column 19"), "{message}");
        assert_eq!(message.matches("line").count(), 1, "{message}");
    }

    #[test]
    fn every_request_asks_for_json() {
        let now = time::macros::datetime!(2026-11-22 10:30 UTC);
        for endpoint in Endpoint::ALL {
            let spec = RequestSpec::new(endpoint)
                .post_ids(["1070059276213702656"])
                .metrics(["favorites"]);
            let spec = match endpoint {
                Endpoint::InsightsHistorical | Endpoint::Analytics => {
                    spec.window("2026-11-01", "2026-11-08").granularity("Daily")
                }
                Endpoint::MediaAnalytics => RequestSpec::new(endpoint)
                    .media_keys(["3_1070059276213702656"])
                    .metrics(["video_views"])
                    .window("2026-11-01", "2026-11-08"),
                Endpoint::Insights28Hours => spec.granularity("Daily"),
                _ => spec,
            };
            let request = spec
                .validate(now, &crate::ValidationOptions::default())
                .unwrap();
            let headers = request.prepare(&BaseUrls::default()).headers;
            assert_eq!(
                headers.get(ACCEPT).map(HeaderValue::as_bytes),
                Some(&b"application/json"[..]),
                "{endpoint}"
            );
            let v1 = endpoint.generation() == Generation::Enterprise;
            assert_eq!(headers.contains_key(CONTENT_TYPE), v1, "{endpoint}");
            assert_eq!(headers.contains_key(ACCEPT_ENCODING), v1, "{endpoint}");
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::facts::limits;
    use crate::{Metric, ValidationOptions};
    use proptest::prelude::*;
    use time::macros::datetime;
    use time::{Duration, OffsetDateTime};

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:30 UTC);

    fn post_ids(max: usize) -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec("[0-9]{1,19}", 1..=max)
    }

    fn metrics(endpoint: Endpoint) -> impl Strategy<Value = Vec<String>> {
        let names: Vec<String> = Metric::all()
            .filter(|m| m.available_on(endpoint))
            .flat_map(|m| [m.v1_name(), m.v2_name()])
            .flatten()
            .map(str::to_owned)
            .collect();
        prop::collection::vec(prop::sample::select(names), 1..6)
    }

    fn grouping(time_series: bool) -> impl Strategy<Value = Vec<String>> {
        let dims: Vec<&str> = if time_series {
            vec![
                "tweet.id",
                "engagement.type",
                "engagement.day",
                "engagement.hour",
            ]
        } else {
            vec!["tweet.id", "engagement.type"]
        };
        let max = if time_series { 3 } else { 2 };
        prop::sample::subsequence(dims, 1..=max)
            .prop_shuffle()
            .prop_map(|d| d.into_iter().map(str::to_owned).collect())
    }

    fn spec() -> impl Strategy<Value = RequestSpec> {
        prop::sample::select(Endpoint::ALL.to_vec()).prop_flat_map(|endpoint| {
            let facts = endpoint.facts();
            let v1 = facts.generation == Generation::Enterprise;
            let groupings = if v1 {
                prop::collection::vec(grouping(facts.time_series), 1..=limits::MAX_GROUPINGS)
                    .boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            let window = (0i64..300 * 24 * 60, 1i64..=27 * 24 * 60);
            (
                post_ids(facts.max_post_ids),
                metrics(endpoint),
                groupings,
                window,
                0usize..4,
                any::<bool>(),
            )
                .prop_map(move |(ids, metrics, groupings, (ago, len), g, fields)| {
                    let mut spec = RequestSpec::new(endpoint).metrics(metrics);
                    spec = if endpoint.is_media() {
                        spec.media_keys(ids.into_iter().map(|id| format!("3_{id}")))
                    } else {
                        spec.post_ids(ids)
                    };
                    for (i, dims) in groupings.into_iter().enumerate() {
                        spec = spec.grouping(format!("g{i}"), dims);
                    }
                    if facts.time_range == crate::facts::TimeRange::Window {
                        let start = NOW - Duration::minutes(ago + len);
                        let end = start + Duration::minutes(len);
                        spec = spec.window(format_time(start), format_time(end));
                    }
                    if endpoint.is_media() && g == 2 {
                        // Media analytics has no weekly buckets.
                        spec = spec.granularity("hourly");
                    } else if !v1 {
                        spec = spec.granularity(crate::Granularity::ALL[g].name());
                    }
                    if !v1 && !endpoint.is_analytics() && fields {
                        spec = spec.fields(["measurement", "errors"]);
                    }
                    spec
                })
        })
    }

    proptest! {
        /// Any valid request builds, and what it sends reads back into the same request.
        #[test]
        fn built_requests_read_back_into_the_same_request(spec in spec()) {
            let options = ValidationOptions::default();
            let request = spec.validate(NOW, &options).unwrap();
            let prepared = request.prepare(&BaseUrls::default());
            let read = RequestSpec::from_http(prepared.method.as_str(), &prepared.url, prepared.body.as_deref())
                .unwrap();
            let again = read.validate(NOW, &options).unwrap();
            prop_assert_eq!(again.endpoint(), request.endpoint());
            prop_assert_eq!(again.post_ids(), request.post_ids());
            prop_assert_eq!(again.metrics(), request.metrics());
            prop_assert_eq!(again.groupings(), request.groupings());
            prop_assert_eq!(again.window(), request.window());
            prop_assert_eq!(again.granularity(), request.granularity());
            prop_assert_eq!(again.fields(), request.fields());
            prop_assert_eq!(again.to_spec(), request.to_spec());
        }
    }
}
