//! The list-shaped (v2) answer: `data[].measurement.metrics_total` and `metrics_time_series`,
//! per-post `data[].errors`, top-level RFC 7807 problems. Its rows are the rows a v1 answer
//! gives for the same data: totals as `Total`, an hourly series as UTC hours, a daily one as days.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Visitor};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::grouping::Dimension;
use crate::id::PostId;
use crate::metric::Metric;
use crate::request::{Granularity, Request};
use crate::window::{TimeWindow, floor_hour};

use super::error::{MalformedKind, MalformedResponse, ProblemDetails, ResponseError};
use super::json::{DepthValue, TOO_DEEP, count_from_f64, count_from_i64, count_from_str};
use super::rows::{Bucket, Level, Row};
use super::{GroupingResult, Ledger, Outcome, ParseOptions, ResponseNotice, UnknownPart};

/// The names of the two results of a v2 answer.
pub const TOTAL: &str = "metrics_total";
/// See [`TOTAL`].
pub const TIME_SERIES: &str = "metrics_time_series";

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    data: Vec<Data>,
    #[serde(default)]
    errors: Vec<ProblemDetails>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    errors: Vec<PostError>,
    #[serde(default)]
    measurement: Option<Measurement>,
}

#[derive(Deserialize)]
struct PostError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    tweets: Vec<IdText>,
}

#[derive(Deserialize)]
struct Measurement {
    #[serde(default)]
    metrics_time_series: Vec<Series>,
    #[serde(default)]
    metrics_total: Vec<Total>,
}

#[derive(Deserialize)]
struct Series {
    tweet_id: IdText,
    value: SeriesValue,
}

#[derive(Deserialize)]
struct SeriesValue {
    #[serde(default)]
    metric_values: Vec<MetricValue>,
    timestamp: Timestamp,
}

#[derive(Deserialize)]
struct Timestamp {
    iso8601_time: String,
}

#[derive(Deserialize)]
struct Total {
    tweet_id: IdText,
    #[serde(default)]
    value: Vec<MetricValue>,
}

#[derive(Deserialize)]
struct MetricValue {
    metric_type: String,
    metric_value: Count,
}

/// A post id as a string (or a number, losing nothing below 2^53).
struct IdText(String);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(IdText(s)),
            Value::Number(n) => Ok(IdText(n.to_string())),
            other => Err(de::Error::custom(format!(
                "expected a post id, found {other}"
            ))),
        }
    }
}

/// A count: a JSON number or a decimal string.
struct Count(u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                count_from_i64(v).map(Count).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                count_from_f64(v).map(Count).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                count_from_str(v).map(Count).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads a 2xx v2 answer to `request`.
pub(crate) fn parse(
    request: &Request,
    status: u16,
    body: &[u8],
    options: &ParseOptions,
) -> Result<Outcome, ResponseError> {
    // Bound the nesting first, without building anything the typed pass would not.
    let mut probe = serde_json::Deserializer::from_slice(body);
    if let Err(e) = (DepthValue {
        remaining: options.max_depth,
    })
    .deserialize(&mut probe)
    .and_then(|_| probe.end())
    {
        let message = e.to_string();
        return Err(
            if message.contains(TOO_DEEP) || message.contains("recursion limit") {
                ResponseError::TooDeep {
                    limit: options.max_depth,
                    path: "$".to_owned(),
                }
            } else {
                malformed(status, "$".to_owned(), MalformedKind::Syntax { message })
            },
        );
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed: Body = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = format!("$.{}", e.path())
            .replace("$..", "$.")
            .replace(".?", "");
        let path = if path == "$." { "$".to_owned() } else { path };
        let inner = e.into_inner();
        let message = inner.to_string();
        let found = message
            .split(" at line")
            .next()
            .unwrap_or(&message)
            .to_owned();
        let kind = if message.contains("larger than the largest count") {
            MalformedKind::Overflow { found }
        } else if message.contains("not a count") {
            MalformedKind::NotACount { found }
        } else if message.starts_with("missing field") {
            MalformedKind::MissingField {
                field: message.split('`').nth(1).unwrap_or_default().to_owned(),
            }
        } else {
            MalformedKind::UnexpectedType {
                expected: "the v2 insights shape".to_owned(),
                found,
            }
        };
        malformed(status, path, kind)
    })?;
    build(request, status, parsed)
}

fn malformed(status: u16, path: String, kind: MalformedKind) -> ResponseError {
    ResponseError::Malformed(MalformedResponse { status, path, kind })
}

fn build(request: &Request, status: u16, body: Body) -> Result<Outcome, ResponseError> {
    let mut outcome = Outcome::empty(request.endpoint());
    let total_dims = [Dimension::TweetId, Dimension::EngagementType];
    let series_dims: Vec<Dimension> = match request.granularity() {
        Some(Granularity::Hourly) => vec![
            Dimension::TweetId,
            Dimension::EngagementType,
            Dimension::EngagementDay,
            Dimension::EngagementHour,
        ],
        Some(Granularity::Total) => total_dims.to_vec(),
        _ => vec![
            Dimension::TweetId,
            Dimension::EngagementType,
            Dimension::EngagementDay,
        ],
    };
    let mut total = GroupingResult::new(TOTAL, &total_dims);
    let mut series = GroupingResult::new(TIME_SERIES, &series_dims);
    total.levels = Some(vec![Level::Post, Level::Metric]);
    series.levels = Some(series_dims.iter().map(|&d| Level::from(d)).collect());
    let mut ledger = Ledger::new(request.post_ids());
    let mut measured = false;
    for (i, data) in body.data.into_iter().enumerate() {
        for e in data.errors {
            for t in &e.tweets {
                if let Ok(id) = PostId::parse(&t.0) {
                    let entry = ledger.entry(id);
                    if !entry.failures.contains(&e.error) {
                        entry.failures.push(e.error.clone());
                    }
                }
            }
        }
        let Some(m) = data.measurement else { continue };
        measured = true;
        for (j, t) in m.metrics_total.into_iter().enumerate() {
            let path = format!("$.data.{i}.measurement.{TOTAL}.{j}");
            let id = post_id(&t.tweet_id, status, &path)?;
            for (k, mv) in t.value.into_iter().enumerate() {
                let path = format!("{path}.value.{k}");
                if let Some(metric) = metric(&mut outcome, request, TOTAL, &mv, path) {
                    total.rows.push(Row {
                        post_id: Some(id),
                        metric: Some(metric),
                        bucket: Bucket::Total,
                        value: mv.metric_value.0,
                    });
                }
            }
            ledger.entry(id).answers = 1;
        }
        for (j, s) in m.metrics_time_series.into_iter().enumerate() {
            let path = format!("$.data.{i}.measurement.{TIME_SERIES}.{j}");
            let id = post_id(&s.tweet_id, status, &path)?;
            let time = &s.value.timestamp.iso8601_time;
            let Ok(at) = OffsetDateTime::parse(time, &Rfc3339) else {
                return Err(malformed(
                    status,
                    format!("{path}.value.timestamp.iso8601_time"),
                    MalformedKind::BadTime {
                        found: time.clone(),
                    },
                ));
            };
            let at = at.to_offset(time::UtcOffset::UTC);
            let bucket = match request.granularity() {
                Some(Granularity::Hourly) => Bucket::Hour(floor_hour(at)),
                Some(Granularity::Weekly) => Bucket::Week(at.date()),
                Some(Granularity::Total) => Bucket::Total,
                _ => Bucket::Day(at.date()),
            };
            for (k, mv) in s.value.metric_values.into_iter().enumerate() {
                let path = format!("{path}.value.metric_values.{k}");
                if let Some(metric) = metric(&mut outcome, request, TIME_SERIES, &mv, path) {
                    series.rows.push(Row {
                        post_id: Some(id),
                        metric: Some(metric),
                        bucket,
                        value: mv.metric_value.0,
                    });
                }
            }
            ledger.entry(id).answers = 1;
        }
    }
    // A post asked, measured by nobody and named by no error, is missing from the answer.
    if measured {
        for id in request.post_ids() {
            let entry = ledger.entry(*id);
            if entry.answers == 0 && entry.failures.is_empty() {
                entry.missing_from.push("data".to_owned());
            }
        }
    }
    for id in ledger
        .iter()
        .filter(|(_, e)| e.answers > 0)
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
    {
        if !request.post_ids().contains(&id) {
            outcome.push_notice(ResponseNotice::PostNotRequested {
                grouping: TOTAL.to_owned(),
                post_id: id,
            });
        }
    }
    let window = request.covered_window();
    outcome.windows = window.into_iter().collect::<Vec<TimeWindow>>();
    for id in request.post_ids() {
        if ledger.get(id).is_some_and(|e| e.answers > 0) {
            outcome.coverage.entry(*id).or_default().push(window);
        }
    }
    outcome.groupings = vec![total, series];
    outcome.ledger = ledger;
    outcome.problems = body.errors;
    for (key, value) in body.extra {
        outcome.push_notice(ResponseNotice::UnknownKey { key: key.clone() });
        outcome.extra.insert(key, value);
    }
    Ok(outcome)
}

fn post_id(id: &IdText, status: u16, path: &str) -> Result<PostId, ResponseError> {
    PostId::parse(&id.0).map_err(|e| {
        malformed(
            status,
            format!("{path}.tweet_id"),
            MalformedKind::UnexpectedKey {
                key: id.0.clone(),
                expected: format!("a post id ({e})"),
            },
        )
    })
}

/// The metric of `mv`; unknown names are kept in [`Outcome::unknown`] with a notice.
fn metric(
    outcome: &mut Outcome,
    request: &Request,
    grouping: &str,
    mv: &MetricValue,
    path: String,
) -> Option<Metric> {
    if let Ok(m) = Metric::parse(&mv.metric_type) {
        if !request.metrics().contains(&m) {
            outcome.push_notice(ResponseNotice::MetricNotRequested {
                grouping: grouping.to_owned(),
                metric: m,
            });
        }
        Some(m)
    } else {
        outcome.push_notice(ResponseNotice::UnknownMetric {
            grouping: grouping.to_owned(),
            name: mv.metric_type.clone(),
        });
        let mut value = Map::new();
        value.insert("metric_type".into(), Value::String(mv.metric_type.clone()));
        value.insert("metric_value".into(), Value::from(mv.metric_value.0));
        outcome.unknown.push(UnknownPart {
            path,
            value: Value::Object(value),
        });
        None
    }
}
