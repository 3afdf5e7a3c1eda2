//! Outcomes as JavaScript sees them: each grouping's rows as columns (typed arrays, so a large
//! answer is a few copies, not one object per count), a v2 answer's totals apart, and
//! everything else as plain JSON with camelCase keys (values stay the API's).
//!
//! The npm package's `api.js` adds each grouping's `rows`, the same counts as objects, built
//! from its columns on first use.

use serde_json::{Map, Value, json};
use xengage_core::Request;
use xengage_core::collect::{Event, Progress, Summary};
use xengage_core::pace::Failure as FailureKind;
use xengage_core::response::{Bucket, GroupingResult, Ledger, Outcome, ResponseError};
use xengage_core::time::{Date, Time};

use crate::Failure;

/// Bucket kinds, indexed by the `bucket` column.
pub const BUCKET_KINDS: [&str; 5] = ["total", "day", "week", "hour", "hour_of_day"];

/// The rows of one grouping (or of a v2 answer's totals), one entry per count in every column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    /// Distinct post ids; the `post` column indexes them.
    pub post_ids: Vec<String>,
    /// Per row: its post, or -1 where the grouping sums over posts (and on media analytics).
    pub post: Vec<i32>,
    /// Distinct media keys (media analytics); the `media` column indexes them.
    pub media_keys: Vec<String>,
    /// Per row: its media, or -1 where the row is not a media's (every endpoint but media
    /// analytics).
    pub media: Vec<i32>,
    /// Distinct metric names (v1 spelling where v1 has one); the `metric` column indexes them.
    pub metrics: Vec<String>,
    /// Per row: its metric, or -1 where the grouping sums over metrics.
    pub metric: Vec<i32>,
    /// Per row: an index into [`BUCKET_KINDS`].
    pub bucket: Vec<u8>,
    /// Per row: the bucket's start in milliseconds since the epoch (days and weeks at UTC
    /// midnight), NaN for totals and hours of the day.
    pub time: Vec<f64>,
    /// Per row: the hour of the day `0..=23` for `hour_of_day` buckets, 255 otherwise.
    pub hour_of_day: Vec<u8>,
    /// Per row: the count (exact up to 2^53; no count of the API comes near).
    pub value: Vec<f64>,
}

/// Distinct keys in the order first seen, as names; rows come in runs of one post and metric,
/// so the last lookup is remembered.
struct Dictionary<K> {
    keys: Vec<K>,
    names: Vec<String>,
    last: Option<(K, i32)>,
}

impl<K> Default for Dictionary<K> {
    fn default() -> Self {
        Dictionary {
            keys: Vec::new(),
            names: Vec::new(),
            last: None,
        }
    }
}

impl<K: Copy + PartialEq> Dictionary<K> {
    /// The index of `key`, or -1 for none.
    ///
    /// The key is taken by reference and compared in place: a copy of it to compare made a
    /// store forwarded to a wider load, a stall on every row (half the pass's time natively).
    fn index(&mut self, key: Option<&K>, name: impl Fn(&K) -> String) -> i32 {
        let Some(key) = key else { return -1 };
        if let Some((last, i)) = &self.last {
            if last == key {
                return *i;
            }
        }
        let i = self.keys.iter().position(|k| k == key).unwrap_or_else(|| {
            self.keys.push(*key);
            self.names.push(name(key));
            self.keys.len() - 1
        });
        let i = i32::try_from(i).unwrap_or(i32::MAX);
        self.last = Some((*key, i));
        i
    }
}

/// The start of a UTC day in milliseconds since the epoch, the last day's remembered.
#[derive(Default)]
struct DayStarts {
    last: Option<(Date, f64)>,
}

impl DayStarts {
    fn ms(&mut self, day: Date) -> f64 {
        if let Some((_, ms)) = self.last.filter(|(last, _)| *last == day) {
            return ms;
        }
        #[allow(clippy::cast_precision_loss)]
        let ms = (day.midnight().assume_utc().unix_timestamp() * 1000) as f64;
        self.last = Some((day, ms));
        ms
    }
}

/// A time of day in milliseconds (whole seconds: the API's buckets start on the hour).
fn seconds_ms(t: Time) -> f64 {
    f64::from(u32::from(t.hour()) * 3600 + u32::from(t.minute()) * 60 + u32::from(t.second()))
        * 1000.0
}

impl Columns {
    /// The columns of every row of `grouping`.
    ///
    /// One pass, run for every count of an answer (a sixth of `parseResponse`'s time before it
    /// was made this lean): the kind of bucket by its variant, not its name, and the start of an
    /// hour from its day's, computed once a day (rows come in runs of one day).
    pub fn of(grouping: &GroupingResult) -> Columns {
        let rows = grouping.rows.len();
        // Sized up front and written by index through slices of exactly `rows` entries: the
        // writes need no capacity checks, and each column's pointer stays in a register
        // (pushing reloads and stores every column's length through memory in wasm).
        let mut c = Columns {
            post: vec![0; rows],
            media: vec![0; rows],
            metric: vec![0; rows],
            bucket: vec![0; rows],
            time: vec![0.0; rows],
            hour_of_day: vec![0; rows],
            value: vec![0.0; rows],
            ..Columns::default()
        };
        let mut posts = Dictionary::default();
        let mut media = Dictionary::default();
        let mut metrics = Dictionary::default();
        let mut days = DayStarts::default();
        let post = &mut c.post[..rows];
        let media_col = &mut c.media[..rows];
        let metric = &mut c.metric[..rows];
        let bucket = &mut c.bucket[..rows];
        let time_col = &mut c.time[..rows];
        let hour_col = &mut c.hour_of_day[..rows];
        let value = &mut c.value[..rows];
        for (i, row) in grouping.rows.iter().enumerate() {
            post[i] = posts.index(row.post_id.as_ref(), |id| id.as_str().to_owned());
            media_col[i] = media.index(row.media_key.as_ref(), ToString::to_string);
            metric[i] = metrics.index(row.metric.as_ref(), |m| m.name().to_owned());
            let (kind, time, hour) = match row.bucket {
                Bucket::Total => (0, f64::NAN, u8::MAX),
                Bucket::Day(d) => (1, days.ms(d), u8::MAX),
                Bucket::Week(d) => (2, days.ms(d), u8::MAX),
                Bucket::Hour(t) if t.offset().is_utc() => {
                    (3, days.ms(t.date()) + seconds_ms(t.time()), u8::MAX)
                }
                #[allow(clippy::cast_precision_loss)]
                Bucket::Hour(t) => (3, (t.unix_timestamp() * 1000) as f64, u8::MAX),
                Bucket::HourOfDay(h) => (4, f64::NAN, h),
                // A kind added to the core later: by its name and start, as it says them.
                #[allow(clippy::cast_precision_loss)]
                other => (
                    BUCKET_KINDS
                        .iter()
                        .position(|k| *k == other.kind())
                        .and_then(|i| u8::try_from(i).ok())
                        .unwrap_or(0),
                    other
                        .start()
                        .map_or(f64::NAN, |t| (t.unix_timestamp() * 1000) as f64),
                    u8::MAX,
                ),
            };
            bucket[i] = kind;
            time_col[i] = time;
            hour_col[i] = hour;
            #[allow(clippy::cast_precision_loss)]
            {
                value[i] = row.value as f64;
            }
        }
        c.post_ids = posts.names;
        c.media_keys = media.names;
        c.metrics = metrics.names;
        c
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// `snake_case` as `camelCase` (`post_id` → `postId`, `max_days` → `maxDays`).
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for ch in key.chars() {
        if ch == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            // ASCII only: the keys are this crate's and the core's field names, and Unicode's
            // case tables weigh 6 KB gzipped in the wasm module.
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// `value` with every object key in camelCase, all the way down: the package's one naming
/// style for what it returns. Values are left as they are (metric and grouping names, codes).
pub fn camel_keys(value: Value) -> Value {
    match value {
        // Inserted one by one, not collected: collecting into a map sorts the pairs first, a
        // sort the module would carry for this alone (a map keeps its keys in order anyway).
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(camel(&k), camel_keys(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

/// A grouping's name and dimensions, and how many rows it has.
fn table_meta(g: &GroupingResult) -> Value {
    json!({
        "name": g.name,
        "groupBy": g.group_by.iter().map(|d| d.name()).collect::<Vec<_>>(),
        "rowCount": g.rows.len(),
    })
}

/// Everything of an outcome but its rows, as JSON with camelCase keys: `endpoint`,
/// `groupings` (name, dimensions and row count of each, in order), `totals` (the same for a v2
/// answer's totals, or null), `ledger` (each entry with `postId` and `mediaKey`, one of them
/// null), `counts`, `notices` (with messages), `windows`,
/// `errors`, `problems`, `rateLimit`; and, as the answer had them, `extra` and `unknown`.
pub fn meta(outcome: &Outcome) -> Value {
    let notices: Vec<Value> = outcome
        .notices
        .iter()
        .map(|n| {
            let mut v = serde_json::to_value(n).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut v {
                map.insert("message".into(), Value::String(n.to_string()));
            }
            v
        })
        .collect();
    let mut out = camel_keys(json!({
        "endpoint": outcome.endpoint,
        "groupings": outcome.groupings.iter().map(table_meta).collect::<Vec<_>>(),
        "totals": outcome.totals.as_ref().map(table_meta),
        "ledger": outcome.ledger,
        "counts": outcome.ledger.counts(),
        "notices": notices,
        "windows": outcome.windows,
        "errors": outcome.errors,
        "problems": outcome.problems,
        "rateLimit": outcome.rate_limit,
    }));
    // Every ledger entry names a post or a media: both keys are there, the other one null.
    if let Some(Value::Array(entries)) = out.get_mut("ledger") {
        for entry in entries {
            if let Value::Object(map) = entry {
                for key in ["postId", "mediaKey"] {
                    map.entry(key).or_insert(Value::Null);
                }
            }
        }
    }
    // The answer's own JSON, kept as it came: its keys are the API's.
    out["extra"] = Value::Object(outcome.extra.clone());
    out["unknown"] = Value::Array(
        outcome
            .unknown
            .iter()
            .map(|u| json!({ "path": u.path, "value": u.value }))
            .collect(),
    );
    out
}

/// A response error to `request` as thrown to JS: `api_error` with its status, or what was
/// wrong with the body; with `retryable` and the posts of the request it refused by name, for
/// something the request asks (the ledger's reading: a post named unsupported only for a
/// metric not asked is not refused).
pub fn response_failure(error: &ResponseError, request: &Request) -> Failure {
    let code = match error {
        ResponseError::Api(_) => "api_error",
        ResponseError::Malformed(_) => "malformed_response",
        ResponseError::TooLarge { .. } => "response_too_large",
        ResponseError::TooDeep { .. } => "response_too_deep",
        ResponseError::Compressed => "compressed_response",
        _ => "response_error",
    };
    let mut f = Failure::new(code, error.to_string());
    f.details = json!({
        "status": error.status(),
        "retryable": error.is_retryable(),
        "postIds": Ledger::refused(request, error).iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
    });
    f
}

/// A collection event as JS sees it, with the progress after it.
pub fn event_json(event: &Event, progress: Progress) -> Value {
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let mut v = match event {
        Event::Sent {
            index,
            attempt,
            after,
        } => json!({ "kind": "sent", "index": index, "attempt": attempt, "afterMs": ms(*after) }),
        Event::BatchDone {
            index,
            request,
            outcome,
        } => json!({
            "kind": "batch_done",
            "index": index,
            "postIds": request.post_ids().iter().map(xengage_core::PostId::as_str).collect::<Vec<_>>(),
            "mediaKeys": media_keys(request),
            "rows": outcome.row_count(),
        }),
        Event::BatchNarrowed {
            index,
            removed,
            asked_again,
            error,
        } => json!({
            "kind": "batch_narrowed",
            "index": index,
            "removed": removed.iter().map(xengage_core::PostId::as_str).collect::<Vec<_>>(),
            "askedAgain": asked_again.iter().map(xengage_core::PostId::as_str).collect::<Vec<_>>(),
            "message": error.to_string(),
        }),
        Event::Retrying {
            index,
            attempt,
            failure,
            message,
            after,
        } => json!({
            "kind": "retrying",
            "index": index,
            "attempt": attempt,
            "failure": failure_name(*failure),
            "message": message,
            "afterMs": ms(*after),
        }),
        Event::BatchFailed {
            index,
            request,
            failure,
            message,
            error,
            ..
        } => json!({
            "kind": "batch_failed",
            "index": index,
            "postIds": request.post_ids().iter().map(xengage_core::PostId::as_str).collect::<Vec<_>>(),
            "mediaKeys": media_keys(request),
            "failure": failure_name(*failure),
            "message": message,
            "status": error.as_ref().and_then(ResponseError::status),
        }),
        _ => json!({ "kind": "other" }),
    };
    if let Value::Object(map) = &mut v {
        map.insert("progress".into(), progress_json(progress));
    }
    v
}

/// The media keys of a request (none but on media analytics), as text.
fn media_keys(request: &Request) -> Vec<String> {
    request
        .media_keys()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A failure class as JS sees it.
fn failure_name(failure: FailureKind) -> &'static str {
    failure.name()
}

fn progress_json(p: Progress) -> Value {
    json!({
        "requestsPlanned": p.requests_planned,
        "requestsDone": p.requests_done,
        "requestsFailed": p.requests_failed,
        "attempts": p.attempts,
        "retries": p.retries,
        "rateLimited": p.rate_limited,
        "narrowed": p.narrowed,
    })
}

/// A job's summary: progress, pacing and the ledger's counts, with camelCase keys.
pub fn summary_json(summary: &Summary) -> Value {
    camel_keys(json!({
        "progress": progress_json(summary.progress),
        "counts": summary.ledger.counts(),
        "pacing": summary.pacing,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_camel_case_and_values_stay() {
        let v = camel_keys(
            json!({"post_id": "1", "unsupported": [{"max_days": 90, "metric": "url_clicks"}], "rate_limited": 0}),
        );
        assert_eq!(
            v,
            json!({"postId": "1", "unsupported": [{"maxDays": 90, "metric": "url_clicks"}], "rateLimited": 0})
        );
        assert_eq!(camel("_private"), "_private");
    }
    use xengage_core::response::{ParseOptions, parse_response};
    use xengage_core::time::OffsetDateTime;
    use xengage_core::{Endpoint, RequestSpec, ValidationOptions};

    #[test]
    fn columns_hold_every_count_with_dictionaries() {
        let request = RequestSpec::new(Endpoint::Historical)
            .post_ids(["1855000000000000000", "1855000000000000001"])
            .metrics(["impressions", "engagements"])
            .grouping(
                "h",
                [
                    "tweet.id",
                    "engagement.type",
                    "engagement.day",
                    "engagement.hour",
                ],
            )
            .window("2026-11-20T00:00:00Z", "2026-11-20T02:00:00Z")
            .validate(
                OffsetDateTime::from_unix_timestamp(1_795_348_800).unwrap(),
                &ValidationOptions::default(),
            )
            .unwrap();
        let body = br#"{"start":"2026-11-20T00:00:00Z","end":"2026-11-20T02:00:00Z","h":{
            "1855000000000000000":{"impressions":{"2026-11-20":{"00":"5","01":7}},"engagements":{"2026-11-20":{"00":"1","01":"0"}}},
            "1855000000000000001":{"impressions":{"2026-11-20":{"00":"2","01":"3"}}}}}"#;
        let outcome = parse_response(
            &request,
            200,
            &http::HeaderMap::new(),
            body,
            &ParseOptions::default(),
        )
        .unwrap();
        let c = Columns::of(&outcome.groupings[0]);
        assert_eq!(c.len(), 6);
        assert_eq!(c.post_ids, ["1855000000000000000", "1855000000000000001"]);
        assert_eq!(c.metrics.len(), 2);
        assert!(c.media_keys.is_empty() && c.media.iter().all(|m| *m == -1));
        assert_eq!(c.media.len(), 6);
        assert!((c.value.iter().sum::<f64>() - 18.0).abs() < f64::EPSILON);
        assert!(
            c.bucket
                .iter()
                .all(|b| BUCKET_KINDS[usize::from(*b)] == "hour")
        );
        // 2026-11-20T00:00:00Z
        let t0 = 1_795_132_800_000.0;
        assert!(c.time.contains(&t0) && c.time.contains(&(t0 + 3_600_000.0)));
        assert!(c.hour_of_day.iter().all(|h| *h == u8::MAX));
        let m = meta(&outcome);
        assert_eq!(m["ledger"].as_array().unwrap().len(), 2);
        assert_eq!(m["ledger"][0]["postId"], "1855000000000000000");
        assert_eq!(m["ledger"][0]["mediaKey"], Value::Null);
        assert!(m["ledger"][0].get("missingFrom").is_some());
        assert_eq!(m["groupings"][0]["rowCount"], 6);
        assert_eq!(m["totals"], Value::Null);
    }

    #[test]
    fn media_analytics_rows_and_ledger_carry_the_media_key() {
        let spec = r#"{"endpoint":"media-analytics","mediaKeys":["3_1992000000000000001","13_1992000000000000002","7_1992000000000000009"],"metrics":["video_views"],"start":"2026-11-19T00:00:00Z","end":"2026-11-21T00:00:00Z"}"#;
        let body = br#"{"data":[
            {"media_key":"3_1992000000000000001","video_views":40,"timestamped_metrics":[
                {"timestamp":"2026-11-19T00:00:00.000Z","metrics":{"video_views":25}},
                {"timestamp":"2026-11-20T00:00:00.000Z","metrics":{"video_views":15}}]},
            {"media_key":"13_1992000000000000002","video_views":7,"timestamped_metrics":[
                {"timestamp":"2026-11-19T00:00:00.000Z","metrics":{"video_views":7}}]}],
            "errors":[{"title":"Not Found Error","detail":"Could not find media with key: [7_1992000000000000009].",
                "type":"https://api.x.com/2/problems/resource-not-found","resource_type":"media","resource_id":"7_1992000000000000009"}]}"#;
        let outcome = crate::parse_response_parts(
            spec,
            r#"{"now":"2026-11-22T12:00:00Z"}"#,
            200,
            "{}",
            body,
            0.0,
        )
        .unwrap();
        let c = Columns::of(&outcome.groupings[0]);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c.media_keys,
            ["3_1992000000000000001", "13_1992000000000000002"]
        );
        assert_eq!(c.media, [0, 0, 1]);
        assert!(c.post_ids.is_empty() && c.post.iter().all(|p| *p == -1));
        let totals = Columns::of(outcome.totals.as_ref().unwrap());
        assert_eq!(
            totals.media_keys,
            ["3_1992000000000000001", "13_1992000000000000002"]
        );
        assert!(totals.media.iter().all(|m| *m >= 0));
        assert!(totals.post.iter().all(|p| *p == -1));
        let m = meta(&outcome);
        let ledger = m["ledger"].as_array().unwrap();
        assert_eq!(ledger.len(), 3);
        assert_eq!(ledger[0]["mediaKey"], "3_1992000000000000001");
        assert_eq!(ledger[0]["postId"], Value::Null);
        assert_eq!(ledger[0]["status"], "served");
        assert_eq!(ledger[2]["mediaKey"], "7_1992000000000000009");
        assert_eq!(ledger[2]["status"], "unavailable");
    }
}
