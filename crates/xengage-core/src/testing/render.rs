//! Answers as the API writes them, for a validated request and what the world says of its
//! posts: the grouping-shaped v1 bodies, the list-shaped v2 bodies, and the error bodies of both
//! generations. The emulator renders its answers with these functions.

use std::collections::BTreeMap;

use http::{HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::facts::{Endpoint, Generation};
use crate::grouping::Dimension;
use crate::id::PostId;
use crate::metric::Metric;
use crate::request::{Granularity, Request};
use crate::response::RateLimit;
use crate::window::{TimeWindow, floor_hour, format_time};

use super::{Answer, Counts, mix};

/// What the world behind one answer says of the posts a request asks about.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The counts of every post, metric and hour.
    pub counts: Counts,
    /// Posts the API does not serve (deleted, or never existed): v1 lists them in
    /// `unavailable_tweet_ids`, v2 in the `errors` of its data.
    pub unavailable: Vec<PostId>,
    /// The share of counts written as JSON numbers rather than strings, `0.0..=1.0` (the API
    /// writes most as strings).
    pub numbers_as_json_numbers: f64,
    /// The quota headers to send, if any: `x-per-minute-limit` and `x-per-minute-remaining` for
    /// a per-minute quota, `x-rate-limit-limit`, `-remaining` and `-reset` for a v2 window.
    pub quota: Option<RateLimit>,
}

/// Why the API refuses a whole request, in the words and shape it documents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// 400: protected posts, never served even to their owner ("N Tweet ID(s) are
    /// unavailable", the posts in `unavailable_tweet_ids`).
    Protected(Vec<PostId>),
    /// 403: posts the caller may not read ("Forbidden to access tweets: ...").
    Forbidden(Vec<PostId>),
    /// 429: over the per-minute quota.
    RateLimited,
    /// 503: the server is overloaded.
    Unavailable,
}

impl Refusal {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Protected(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::RateLimited => 429,
            Refusal::Unavailable => 503,
        }
    }
}

/// An error body in the shape its generation documents: v1 lists the messages as strings
/// (`{"errors": ["..."]}`); v2 lists RFC 7807 problem details, one per message, each carrying it
/// as its `detail` (`{"errors": [{"title", "type", "detail", "status"}]}`).
pub fn error_body(generation: Generation, status: u16, messages: &[String]) -> Value {
    let errors: Vec<Value> = match generation {
        Generation::Enterprise => messages.iter().map(|m| Value::from(m.as_str())).collect(),
        Generation::V2 => messages.iter().map(|m| problem(status, m)).collect(),
    };
    json!({ "errors": errors })
}

/// One RFC 7807 problem. The vendor documents no problem types for these endpoints, so `type` is
/// `about:blank`, which RFC 7807 defines as "nothing beyond the status": its `title` is then the
/// status's reason phrase, and `detail` says what happened in this case.
fn problem(status: u16, detail: &str) -> Value {
    let title = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    json!({ "title": title, "type": "about:blank", "detail": detail, "status": status })
}

/// The headers of a JSON answer: its content type and, when given, the quota.
pub(super) fn headers(quota: Option<RateLimit>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(q) = quota {
        if q.quota == crate::pace::QuotaKind::Window {
            let [limit, remaining, reset] = crate::facts::limits::V2_RATE_LIMIT_HEADERS;
            h.insert(limit, HeaderValue::from(q.limit));
            h.insert(remaining, HeaderValue::from(q.remaining));
            if let Some(at) = q.reset {
                h.insert(reset, HeaderValue::from(at));
            }
        } else {
            let [limit, remaining] = crate::facts::limits::ENTERPRISE_RATE_LIMIT_HEADERS;
            h.insert(limit, HeaderValue::from(q.limit));
            h.insert(remaining, HeaderValue::from(q.remaining));
        }
    }
    h
}

fn answer_of(status: u16, body: &Value, quota: Option<RateLimit>) -> Answer {
    Answer {
        status,
        headers: headers(quota),
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

/// The answer refusing `request` (see [`Refusal`]), with the quota headers of `quota`.
pub fn refused(generation: Generation, refusal: &Refusal, quota: Option<RateLimit>) -> Answer {
    fn ids(ids: &[PostId]) -> Vec<&str> {
        ids.iter().map(PostId::as_str).collect()
    }
    let status = refusal.status();
    let body = match refusal {
        Refusal::Protected(posts) => {
            let message = format!("{} Tweet ID(s) are unavailable", posts.len());
            let mut body = error_body(generation, status, &[message]);
            // v2 documents no list of refused posts in its errors; they are named the v1 way on
            // both generations, so that a client can send the rest of the batch again.
            if let Value::Object(body) = &mut body {
                body.insert("unavailable_tweet_ids".into(), json!(ids(posts)));
            }
            body
        }
        Refusal::Forbidden(posts) => {
            let message = format!("Forbidden to access tweets: {}", ids(posts).join(", "));
            error_body(generation, status, &[message])
        }
        Refusal::RateLimited => error_body(generation, status, &["Rate limit exceeded".into()]),
        Refusal::Unavailable => error_body(generation, status, &["Service Unavailable".into()]),
    };
    answer_of(status, &body, quota)
}

/// The 200 answer to `request` in the world of `scenario`: every post and metric asked, served,
/// unavailable or unsupported (too old for the metric, by the age its id carries at
/// [`Request::requested_at`]).
pub fn served(request: &Request, scenario: &Scenario) -> Answer {
    let served: Vec<PostId> = request
        .post_ids()
        .iter()
        .filter(|id| !scenario.unavailable.contains(id))
        .copied()
        .collect();
    let unavailable: Vec<PostId> = request
        .post_ids()
        .iter()
        .filter(|id| scenario.unavailable.contains(id))
        .copied()
        .collect();
    // One renderer per answer shape; an endpoint of another shape (the v2 post and media
    // analytics) adds its own here, and `synthesize` and the emulator serve it.
    let body = match request.endpoint().generation() {
        Generation::Enterprise => v1_body(request, scenario, &served, &unavailable),
        Generation::V2 => v2_body(request, scenario, &served, &unavailable),
    };
    answer_of(200, &body, scenario.quota)
}

/// Whether the API still serves `metric` for a post created no later than `created` (90 days
/// for impressions and engagements on totals, 1800 days for video views).
fn supported(
    endpoint: Endpoint,
    metric: Metric,
    created: OffsetDateTime,
    now: OffsetDateTime,
) -> bool {
    match metric.facts().age_limit {
        Some(limit) if !limit.totals_only || endpoint == Endpoint::Totals => {
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
    request: &Request,
    scenario: &Scenario,
    served: &[PostId],
    unavailable: &[PostId],
) -> Value {
    let counts = &scenario.counts;
    let now = request.requested_at();
    let endpoint = request.endpoint();
    let window = request.covered_window();
    let mut unsupported_ie = Vec::new();
    let mut unsupported_vv = Vec::new();
    // (post, metric) pairs served.
    let mut pairs: Vec<(PostId, Metric)> = Vec::new();
    for id in served {
        for &metric in request.metrics() {
            if supported(endpoint, metric, id.created_no_later_than(), now) {
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
    for (g, grouping) in request.groupings().iter().enumerate() {
        let dims = &grouping.group_by;
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
                    let v = counts.hourly(&id, metric, t);
                    let (day, hour) = (t.date().to_string(), format!("{:02}", t.hour()));
                    let keys: Vec<String> = dims.iter().map(|&d| key_of(d, &day, &hour)).collect();
                    root.add(&keys, v);
                    t += Duration::HOUR;
                }
            } else {
                let v = match window {
                    Some(w) => counts.sum(&id, metric, w),
                    None => counts.lifetime(&id, metric, now),
                };
                let keys: Vec<String> = dims.iter().map(|&d| key_of(d, "", "")).collect();
                root.add(&keys, v);
            }
        }
        let salt = counts.seed() ^ g as u64;
        top.insert(
            grouping.name.clone(),
            root.into_json(scenario.numbers_as_json_numbers, salt),
        );
    }
    Value::Object(top)
}

fn v2_body(
    request: &Request,
    scenario: &Scenario,
    served: &[PostId],
    unavailable: &[PostId],
) -> Value {
    let counts = &scenario.counts;
    let window = request.covered_window();
    let fields = request.fields();
    let want = |name: &str| fields.is_empty() || fields.iter().any(|f| f.name() == name);
    let metric_values = |id: &PostId, w: TimeWindow| -> Vec<Value> {
        request
            .metrics()
            .iter()
            .map(|m| {
                json!({
                    "metric_type": m.v2_name().unwrap_or(m.name()),
                    "metric_value": counts.sum(id, *m, w),
                })
            })
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
                            "value": {
                                "metric_values": metric_values(id, b),
                                "timestamp": { "iso8601_time": format_time(t) },
                            },
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

fn floor_day(t: OffsetDateTime) -> OffsetDateTime {
    floor_hour(t) - Duration::hours(i64::from(floor_hour(t).hour()))
}
