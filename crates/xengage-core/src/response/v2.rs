//! The list-shaped (v2) answer: `data[].measurement.metrics_total` and `metrics_time_series`,
//! per-post `data[].errors`, top-level RFC 7807 problems. Its rows are the rows a v1 answer
//! gives for the same data: totals as `Total`, an hourly series as UTC hours, a daily one as days.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::grouping::Dimension;
use crate::id::PostId;
use crate::metric::Metric;
use crate::request::{EngagementField, Granularity, Request};
use crate::window::{TimeWindow, floor_hour};

use super::error::{MalformedKind, MalformedResponse, ProblemDetails, ResponseError};
use super::json::{
    self, DepthValue, JsonReader, ReadError, count_from_f64, count_from_i64, count_from_str,
    kind_of, render_path,
};
use super::rows::{Bucket, Level, Row};
use super::{
    FailureKind, GroupingResult, Ledger, Outcome, ParseOptions, PostFailure, ResponseNotice,
    UnknownPart,
};

/// The names of the two results of a v2 answer.
pub const TOTAL: &str = "metrics_total";
/// See [`TOTAL`].
pub const TIME_SERIES: &str = "metrics_time_series";

/// Where a value of the answer is: rendered as a JSON path only when something is wrong there.
#[derive(Clone, Copy)]
pub(super) enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    pub(super) fn key(&'a self, key: &'a str) -> At<'a> {
        At::Key(self, key)
    }

    pub(super) fn index(&'a self, i: usize) -> At<'a> {
        At::Index(self, i)
    }

    pub(super) fn render(&self) -> String {
        let mut segments = Vec::new();
        let mut at = self;
        loop {
            match at {
                At::Root => break,
                At::Key(up, key) => {
                    segments.push((*key).to_owned());
                    at = up;
                }
                At::Index(up, i) => {
                    segments.push(i.to_string());
                    at = up;
                }
            }
        }
        segments.reverse();
        render_path(segments.iter().map(String::as_str))
    }
}

/// Reads the parts of a v2 answer, each error naming its JSON path.
pub(super) struct Reader {
    pub(super) status: u16,
}

impl Reader {
    pub(super) fn fail(&self, at: &At<'_>, kind: MalformedKind) -> ResponseError {
        malformed(self.status, at.render(), kind)
    }

    pub(super) fn wrong(&self, at: &At<'_>, expected: &str, found: &Value) -> ResponseError {
        self.wrong_kind(at, expected, kind_of(found))
    }

    /// As [`Reader::wrong`], given the kind of value found in words.
    pub(super) fn wrong_kind(&self, at: &At<'_>, expected: &str, found: &str) -> ResponseError {
        self.fail(
            at,
            MalformedKind::UnexpectedType {
                expected: expected.to_owned(),
                found: found.to_owned(),
            },
        )
    }

    pub(super) fn object<'v>(
        &self,
        v: &'v Value,
        at: &At<'_>,
    ) -> Result<&'v Map<String, Value>, ResponseError> {
        v.as_object().ok_or_else(|| self.wrong(at, "an object", v))
    }

    /// An RFC 7807 problem of an answer's `errors`.
    pub(super) fn problem(&self, v: &Value, at: &At<'_>) -> Result<ProblemDetails, ResponseError> {
        ProblemDetails::from_json(v).map_err(|found| {
            self.fail(
                at,
                MalformedKind::UnexpectedType {
                    expected: "an RFC 7807 problem".to_owned(),
                    found,
                },
            )
        })
    }

    /// An optional list: absent or null is empty.
    pub(super) fn list<'v>(
        &self,
        object: &'v Map<String, Value>,
        key: &str,
        at: &At<'_>,
    ) -> Result<&'v [Value], ResponseError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.wrong(&at.key(key), "a list", other)),
        }
    }

    /// A required field: absent or null is missing.
    pub(super) fn field<'v>(
        &self,
        object: &'v Map<String, Value>,
        key: &str,
        at: &At<'_>,
    ) -> Result<&'v Value, ResponseError> {
        match object.get(key) {
            None | Some(Value::Null) => Err(self.fail(
                at,
                MalformedKind::MissingField {
                    field: key.to_owned(),
                },
            )),
            Some(v) => Ok(v),
        }
    }

    pub(super) fn text<'v>(&self, v: &'v Value, at: &At<'_>) -> Result<&'v str, ResponseError> {
        v.as_str().ok_or_else(|| self.wrong(at, "a string", v))
    }

    /// A post id: a string, or a number (exact below 2^53).
    pub(super) fn post_id(&self, v: &Value, at: &At<'_>) -> Result<PostId, ResponseError> {
        let text = match v {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Number(n) => Cow::Owned(n.to_string()),
            other => return Err(self.wrong(at, "a post id", other)),
        };
        PostId::parse(&text).map_err(|e| {
            self.fail(
                at,
                MalformedKind::UnexpectedKey {
                    key: text.to_string(),
                    expected: format!("a post id ({e})"),
                },
            )
        })
    }

    /// A count: a JSON number or a decimal string.
    pub(super) fn count(&self, v: &Value, at: &At<'_>) -> Result<u64, ResponseError> {
        let count = match v {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(c), _) => Ok(c),
                (None, Some(i)) => count_from_i64(i),
                (None, None) => count_from_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => count_from_str(s),
            other => return Err(self.wrong(at, "a count", other)),
        };
        count.map_err(|kind| self.fail(at, kind))
    }

    /// A `{metric_type, metric_value}` pair.
    fn metric_value<'v>(&self, v: &'v Value, at: &At<'_>) -> Result<(&'v str, u64), ResponseError> {
        let pair = self.object(v, at)?;
        let name = self.text(self.field(pair, "metric_type", at)?, &at.key("metric_type"))?;
        let value = self.count(
            self.field(pair, "metric_value", at)?,
            &at.key("metric_value"),
        )?;
        Ok((name, value))
    }
}

/// Reads a 2xx v2 answer to `request`: the body once into a depth-bounded JSON value, then its
/// parts, each error naming its JSON path.
pub(crate) fn parse(
    request: &Request,
    status: u16,
    body: &[u8],
    options: &ParseOptions,
    reader: JsonReader,
) -> Result<Outcome, ResponseError> {
    let value = json::read(
        reader,
        body,
        DepthValue {
            remaining: options.depth_limit(),
        },
    )
    .map_err(|e| match e {
        ReadError::TooDeep => ResponseError::TooDeep {
            limit: options.depth_limit(),
            path: "$".to_owned(),
        },
        ReadError::Syntax(message) => {
            malformed(status, "$".to_owned(), MalformedKind::Syntax { message })
        }
    })?;
    build(request, &Reader { status }, &value)
}

pub(super) fn malformed(status: u16, path: String, kind: MalformedKind) -> ResponseError {
    ResponseError::Malformed(MalformedResponse { status, path, kind })
}

fn build(request: &Request, r: &Reader, body: &Value) -> Result<Outcome, ResponseError> {
    let root = At::Root;
    let top = r.object(body, &root)?;
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
    let data_at = root.key("data");
    for (i, data) in r.list(top, "data", &root)?.iter().enumerate() {
        let at = data_at.index(i);
        let data = r.object(data, &at)?;
        let errors_at = at.key("errors");
        for (j, e) in r.list(data, "errors", &at)?.iter().enumerate() {
            let at = errors_at.index(j);
            let e = r.object(e, &at)?;
            let error = match e.get("error") {
                None | Some(Value::Null) => "",
                Some(v) => r.text(v, &at.key("error"))?,
            };
            let tweets_at = at.key("tweets");
            for (k, t) in r.list(e, "tweets", &at)?.iter().enumerate() {
                // A post id the API got wrong in an error cannot be charged to any post.
                if let Ok(id) = r.post_id(t, &tweets_at.index(k)) {
                    let entry = ledger.entry(id);
                    if !entry.failures.iter().any(|f| f.message == error) {
                        entry
                            .failures
                            .push(PostFailure::new(FailureKind::PostError, error));
                    }
                }
            }
        }
        let m = match data.get("measurement") {
            None | Some(Value::Null) => continue,
            Some(m) => m,
        };
        let at = at.key("measurement");
        let m = r.object(m, &at)?;
        let totals_at = at.key(TOTAL);
        for (j, t) in r.list(m, TOTAL, &at)?.iter().enumerate() {
            let at = totals_at.index(j);
            let t = r.object(t, &at)?;
            let id = r.post_id(r.field(t, "tweet_id", &at)?, &at.key("tweet_id"))?;
            let pairs = r.list(t, "value", &at)?;
            let pairs_at = at.key("value");
            read_pairs(
                r,
                request,
                &mut outcome,
                &mut total,
                pairs,
                &pairs_at,
                id,
                Bucket::Total,
            )?;
            ledger.entry(id).answers = 1;
        }
        let series_at = at.key(TIME_SERIES);
        for (j, s) in r.list(m, TIME_SERIES, &at)?.iter().enumerate() {
            let at = series_at.index(j);
            let s = r.object(s, &at)?;
            let id = r.post_id(r.field(s, "tweet_id", &at)?, &at.key("tweet_id"))?;
            let value_at = at.key("value");
            let value = r.object(r.field(s, "value", &at)?, &value_at)?;
            let stamp_at = value_at.key("timestamp");
            let stamp = r.object(r.field(value, "timestamp", &value_at)?, &stamp_at)?;
            let time_at = stamp_at.key("iso8601_time");
            let time = r.text(r.field(stamp, "iso8601_time", &stamp_at)?, &time_at)?;
            let Some(at_time) = crate::window::parse_rfc3339(time) else {
                return Err(r.fail(
                    &time_at,
                    MalformedKind::BadTime {
                        found: time.to_owned(),
                    },
                ));
            };
            let bucket = match request.granularity() {
                Some(Granularity::Hourly) => Bucket::Hour(floor_hour(at_time)),
                Some(Granularity::Weekly) => Bucket::Week(at_time.date()),
                Some(Granularity::Total) => Bucket::Total,
                _ => Bucket::Day(at_time.date()),
            };
            let pairs = r.list(value, "metric_values", &value_at)?;
            let pairs_at = value_at.key("metric_values");
            read_pairs(
                r,
                request,
                &mut outcome,
                &mut series,
                pairs,
                &pairs_at,
                id,
                bucket,
            )?;
            ledger.entry(id).answers = 1;
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
    outcome.groupings = vec![series];
    outcome.totals = Some(total);
    outcome.ledger = ledger;
    let problems_at = root.key("errors");
    for (i, problem) in r.list(top, "errors", &root)?.iter().enumerate() {
        outcome
            .problems
            .push(r.problem(problem, &problems_at.index(i))?);
    }
    for (key, value) in top {
        if key != "data" && key != "errors" {
            outcome.push_notice(ResponseNotice::UnknownKey { key: key.clone() });
            outcome.extra.insert(key.clone(), value.clone());
        }
    }
    // Every post asked ends with values or a reason. One measured by nobody and named by no
    // error of `data` is missing from it, and the answer's top-level problems are its reasons.
    let fields = request.fields();
    let asks_measurement = fields.is_empty() || fields.contains(&EngagementField::Measurement);
    let problems: Vec<String> = outcome.problems.iter().map(ToString::to_string).collect();
    for id in request.post_ids() {
        let entry = outcome.ledger.entry(*id);
        if entry.answers > 0 || !entry.failures.is_empty() {
            continue;
        }
        if asks_measurement {
            entry.missing_from.push("data".to_owned());
        } else {
            entry.failures.push(PostFailure::new(
                FailureKind::PostError,
                "no values: the request's engagement.fields leaves out measurement",
            ));
        }
        for problem in &problems {
            if !entry.failures.iter().any(|f| &f.message == problem) {
                entry
                    .failures
                    .push(PostFailure::new(FailureKind::PostError, problem.clone()));
            }
        }
    }
    Ok(outcome)
}

/// Reads the `{metric_type, metric_value}` pairs of post `id` (the list at `at`) into rows of
/// `bucket` in `result`.
#[allow(clippy::too_many_arguments)]
fn read_pairs(
    r: &Reader,
    request: &Request,
    outcome: &mut Outcome,
    result: &mut GroupingResult,
    pairs: &[Value],
    at: &At<'_>,
    id: PostId,
    bucket: Bucket,
) -> Result<(), ResponseError> {
    for (k, pair) in pairs.iter().enumerate() {
        let at = at.index(k);
        let (name, value) = r.metric_value(pair, &at)?;
        if let Some(metric) = metric(outcome, request, &result.name, name, value, &at) {
            result.rows.push(Row {
                post_id: Some(id),
                media_key: None,
                metric: Some(metric),
                bucket,
                value,
            });
        }
    }
    Ok(())
}

/// The metric named `name`; unknown names are kept in [`Outcome::unknown`] with a notice.
fn metric(
    outcome: &mut Outcome,
    request: &Request,
    grouping: &str,
    name: &str,
    value: u64,
    at: &At<'_>,
) -> Option<Metric> {
    if let Ok(m) = Metric::parse(name) {
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
            name: name.to_owned(),
        });
        let mut pair = Map::new();
        pair.insert("metric_type".into(), Value::String(name.to_owned()));
        pair.insert("metric_value".into(), Value::from(value));
        outcome.unknown.push(UnknownPart {
            path: at.render(),
            value: Value::Object(pair),
        });
        None
    }
}
