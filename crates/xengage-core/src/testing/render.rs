//! Answers as the API writes them, for a validated request and what the world says of its
//! posts: the grouping-shaped v1 bodies, the list-shaped v2 bodies, and the error bodies of both
//! generations; post and media analytics in `analytics`. The emulator renders every answer
//! with these functions.

use std::collections::BTreeMap;

use http::{HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::facts::{Endpoint, Generation};
use crate::grouping::Dimension;
use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;
use crate::request::{Granularity, Request, ValidationOptions};
use crate::response::RateLimit;
use crate::window::{TimeWindow, floor_hour, format_time};

use super::{Answer, Counts, analytics, mix};

/// What the world behind one answer says of the posts (and media) a request asks about.
/// [`Default`]: the counts of seed 0, every post and media served, counts as strings, no quota
/// headers, the default [`Readings`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenario {
    /// The counts of every post, metric and hour.
    pub counts: Counts,
    /// Posts the API does not serve (deleted, or never existed): v1 lists them in
    /// `unavailable_tweet_ids`, v2 in the `errors` of its data (a 400 instead, with
    /// [`DeletedPosts::Refused`], from [`respond`]); post and media analytics answer a
    /// `resource-not-found` problem for them and their media.
    pub unavailable: Vec<PostId>,
    /// Protected posts: never served, even to their owner. [`respond`] refuses an insights
    /// request naming one with a 400 ([`Refusal::Protected`]); post and media analytics answer a
    /// `resource-not-found` problem for them and their media.
    pub protected: Vec<PostId>,
    /// Posts of another account than the caller's. [`respond`] refuses an insights request
    /// naming one with a 403 ([`Refusal::Forbidden`]); post and media analytics answer a
    /// `not-authorized-for-resource` problem for them and their media.
    pub forbidden: Vec<PostId>,
    /// The media of the world, each with the post that carries it (the media's counts are its
    /// post's). Media analytics answers `resource-not-found` for a media key not listed here.
    pub media: Vec<(MediaKey, PostId)>,
    /// The share of counts written as JSON numbers rather than strings, `0.0..=1.0`, in the
    /// insights answers (the API writes most as strings).
    pub numbers_as_json_numbers: f64,
    /// The share of media analytics bucket values written as strings of digits rather than
    /// JSON numbers, `0.0..=1.0` (spec 2.167: "an integer when the backend value parses as a
    /// number, otherwise the original string").
    pub media_strings: f64,
    /// The share of post and media analytics bucket values written as `null` (spec 2.167 lets
    /// them be), `0.0..=1.0`.
    pub nulls: f64,
    /// Post and media analytics items in the shape of spec 2.166: only the id (or media key)
    /// and `timestamped_metrics`, no top-level metric fields or `timestamp`, and bucket values
    /// integers (`nulls` and `media_strings` are not played).
    pub analytics_spec_2_166: bool,
    /// The quota headers to send, if any: `x-per-minute-limit` and `x-per-minute-remaining` for
    /// a per-minute quota, `x-rate-limit-limit`, `-remaining` and `-reset` for a v2 window (its
    /// reset as given: the kit reads no clock).
    pub quota: Option<RateLimit>,
    /// The reading played where the documents disagree or are silent.
    pub readings: Readings,
}

/// How an hour grouping without `engagement.day` is answered (the reference does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HourWithoutDay {
    /// Hours of the day `00`..`23`, each summed over the window's days.
    #[default]
    HoursOfDay,
    /// A day level above the hours (`2015-09-14` -> `17`): every UTC hour apart.
    DaysThenHours,
}

/// How posts deleted since they were asked for are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeletedPosts {
    /// A 200 that lists them in `unavailable_tweet_ids` beside the others' counts.
    #[default]
    Listed,
    /// A 400 `"N Tweet ID(s) are unavailable"` with `unavailable_tweet_ids`, as for protected
    /// posts.
    Refused,
}

/// The reading played where the documents disagree or are silent. [`Default`] is the core's
/// default reading. [`served`] plays the 90-day rule, the hour grouping and the zeros before
/// 2015-09-15; [`respond`] also the deleted posts; `lookback` and the 90-day rule are rules of
/// validation too ([`Readings::validation_options`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readings {
    /// Refuse windows starting more than 365 days ago (the overview's lookback).
    pub lookback: bool,
    /// The 90-day limit of impressions and engagements on every Enterprise endpoint, not on
    /// totals only.
    pub ninety_days_everywhere: bool,
    /// An hour grouping without a day.
    pub hour_without_day: HourWithoutDay,
    /// Deleted posts.
    pub deleted_posts: DeletedPosts,
    /// favorites, replies and retweets read as zero on historical for hours before 2015-09-15.
    pub zero_before_2015_09_15: bool,
}

impl Default for Readings {
    fn default() -> Self {
        Readings {
            lookback: true,
            ninety_days_everywhere: false,
            hour_without_day: HourWithoutDay::HoursOfDay,
            deleted_posts: DeletedPosts::Listed,
            zero_before_2015_09_15: true,
        }
    }
}

impl Readings {
    /// The validation options of these readings (the lookback and the 90-day rule), on top of
    /// `options`.
    #[must_use]
    pub fn validation_options(&self, options: ValidationOptions) -> ValidationOptions {
        options
            .enforce_lookback(self.lookback)
            .ninety_days_on_every_endpoint(self.ninety_days_everywhere)
    }
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
    /// Any other refusal, in its generation's error shape ([`error_body`]): a 400 naming the
    /// problems of a request, 401, 403 for a credential that cannot reach the endpoint, 404,
    /// 406, 500.
    Other {
        /// The HTTP status.
        status: u16,
        /// The messages, one per error.
        messages: Vec<String>,
    },
}

impl Refusal {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Protected(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::RateLimited => 429,
            Refusal::Unavailable => 503,
            Refusal::Other { status, .. } => *status,
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

pub(super) fn answer_of(status: u16, body: &Value, quota: Option<RateLimit>) -> Answer {
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
        // v2's rate-limit page documents `{"errors":[{"code":88,"message":"Rate limit
        // exceeded"}]}` rather than a problem.
        Refusal::RateLimited => match generation {
            Generation::Enterprise => {
                error_body(generation, status, &["Rate limit exceeded".into()])
            }
            Generation::V2 => {
                json!({ "errors": [{ "code": 88, "message": "Rate limit exceeded" }] })
            }
        },
        Refusal::Unavailable => error_body(generation, status, &["Service Unavailable".into()]),
        Refusal::Other { messages, .. } => error_body(generation, status, messages),
    };
    answer_of(status, &body, quota)
}

/// The answer to `request` in the world of `scenario`, as the API decides it: on the insights
/// endpoints a 403 when a post is another account's ([`Scenario::forbidden`]), a 400 when one
/// is protected (or deleted, with [`DeletedPosts::Refused`]), else the 200 of [`served`]; post
/// and media analytics always answer the 200 of [`served`], whose partial errors name the posts
/// and media not served. The emulator answers every valid request with this.
pub fn respond(request: &Request, scenario: &Scenario) -> Answer {
    let generation = request.endpoint().generation();
    if !request.endpoint().is_analytics() {
        let asked = |list: &[PostId]| -> Vec<PostId> {
            request
                .post_ids()
                .iter()
                .filter(|id| list.contains(id))
                .copied()
                .collect()
        };
        let forbidden = asked(&scenario.forbidden);
        if !forbidden.is_empty() {
            return refused(generation, &Refusal::Forbidden(forbidden), scenario.quota);
        }
        let mut protected = asked(&scenario.protected);
        if scenario.readings.deleted_posts == DeletedPosts::Refused {
            protected.extend(asked(&scenario.unavailable));
        }
        if !protected.is_empty() {
            return refused(generation, &Refusal::Protected(protected), scenario.quota);
        }
    }
    served(request, scenario)
}

/// The 200 answer to `request` in the world of `scenario`: every post (or media) and metric
/// asked, served, unavailable or unsupported (too old for the metric, by the age its id carries
/// at [`Request::requested_at`]). On the insights endpoints, protected and forbidden posts are
/// [`respond`]'s to refuse: this renders them as served.
pub fn served(request: &Request, scenario: &Scenario) -> Answer {
    let body = if request.endpoint().is_analytics() {
        analytics::body(request, scenario)
    } else {
        let (unavailable, served): (Vec<PostId>, Vec<PostId>) = request
            .post_ids()
            .iter()
            .partition(|id| scenario.unavailable.contains(id));
        match request.endpoint().generation() {
            Generation::Enterprise => v1_body(request, scenario, &served, &unavailable),
            Generation::V2 => v2_body(request, scenario, &served, &unavailable),
        }
    };
    answer_of(200, &body, scenario.quota)
}

/// Whether the API still serves `metric` for a post created no later than `created` (90 days
/// for impressions and engagements on totals, or everywhere in that reading; 1800 days for
/// video views).
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
            let everywhere = scenario.readings.ninety_days_everywhere;
            if supported(
                endpoint,
                metric,
                id.created_no_later_than(),
                now,
                everywhere,
            ) {
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
    let readings = scenario.readings;
    // On historical, the API reads these metrics as zero for hours before 2015-09-15.
    let zeroed = |metric: Metric, t: OffsetDateTime| {
        readings.zero_before_2015_09_15
            && endpoint == Endpoint::Historical
            && metric.facts().zero_before_2015_09_15
            && t.date() < crate::facts::limits::ZERO_BEFORE
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
                        counts.hourly(&id, metric, t)
                    };
                    let (day, hour) = (t.date().to_string(), format!("{:02}", t.hour()));
                    let keys: Vec<String> = dims.iter().map(|&d| key_of(d, &day, &hour)).collect();
                    root.add(&keys, v);
                    t += Duration::HOUR;
                }
            } else {
                let v = match window {
                    Some(w) if zeroed(metric, w.start()) => {
                        // Hour by hour: the hours from 2015-09-15 on count.
                        let mut total = 0;
                        let mut t = w.start();
                        while t < w.end() {
                            if !zeroed(metric, t) {
                                total += counts.hourly(&id, metric, t);
                            }
                            t += Duration::HOUR;
                        }
                        total
                    }
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

pub(super) fn floor_day(t: OffsetDateTime) -> OffsetDateTime {
    floor_hour(t) - Duration::hours(i64::from(floor_hour(t).hour()))
}
