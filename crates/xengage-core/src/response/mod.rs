//! Answers: status, headers and body bytes in, a typed [`Outcome`] (result trees, flat rows, a
//! ledger of every post, notices) or a typed [`ResponseError`] out. Sans-IO like the rest of the
//! core: the transport hands over what it received, decompressed.
//!
//! The parser reads the grouping-shaped v1 answers with the request that produced them (its
//! groupings give each nesting level its meaning), streaming over the bytes without building a
//! JSON tree, and the list-shaped v2 answers into the same rows: v2 insights
//! (`measurement.metrics_total` and `metrics_time_series`) and post and media analytics
//! (`data[]` items with `timestamped_metrics` buckets, in both spec versions 2.166 and 2.167;
//! their items' top-level totals are kept apart in [`Outcome::totals`], and media rows carry a
//! [`MediaKey`](crate::MediaKey) instead of a post id). It is liberal where the API is
//! inconsistent and says so in [`ResponseNotice`]s; it never panics, and every malformed body is
//! an error naming the JSON path. The bytes are read by `sonic-rs` or `serde_json`, as the
//! `sonic` feature says (see the crate's features); nesting is refused past
//! [`ParseOptions::max_depth`].
//!
//! ```
//! use time::macros::datetime;
//! use xengage_core::response::{parse_response, Bucket, ParseOptions, PostStatus};
//! use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
//!
//! let request = RequestSpec::new(Endpoint::Last28Hours)
//!     .post_ids(["1990000000000000001", "1990000000000000002"])
//!     .metrics(["impressions"])
//!     .grouping("hourly", ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"])
//!     .validate(datetime!(2026-11-22 12:00 UTC), &ValidationOptions::default())?;
//! let body = br#"{
//!   "start": "2026-11-21T08:00:00Z", "end": "2026-11-22T12:00:00Z",
//!   "unavailable_tweet_ids": ["1990000000000000002"],
//!   "hourly": {"1990000000000000001": {"impressions": {"2026-11-21": {"17": "551", "18": 412}}}}
//! }"#;
//! let outcome = parse_response(&request, 200, &http::HeaderMap::new(), body, &ParseOptions::default())?;
//! let rows = &outcome.groupings[0].rows;
//! assert_eq!(rows.len(), 2);
//! assert_eq!(rows[0].bucket, Bucket::Hour(datetime!(2026-11-21 17:00 UTC)));
//! assert_eq!(rows[1].value, 412);
//! let first = request.post_ids()[0];
//! let second = request.post_ids()[1];
//! assert_eq!(outcome.ledger.status(&first), Some(PostStatus::Served));
//! assert_eq!(outcome.ledger.status(&second), Some(PostStatus::Unavailable));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analytics;
mod error;
mod json;
mod ledger;
mod lite;
mod merge;
mod rows;
mod v1;
mod v2;

use std::collections::{HashMap, HashSet};

use http::{HeaderMap, HeaderName};
use serde_json::{Map, Value};

use crate::facts::{Endpoint, Generation};
use crate::grouping::Dimension;
use crate::id::PostId;
use crate::metric::Metric;
use crate::request::Request;
use crate::window::TimeWindow;

pub use analytics::{SERIES as ANALYTICS_SERIES, TOTALS as ANALYTICS_TOTALS};
pub use error::{
    ApiError, ApiErrorKind, BodyOverLimit, MalformedKind, MalformedResponse, ProblemDetails,
    ResponseError,
};
pub use ledger::{
    FailureKind, Ledger, LedgerCounts, NotServed, PostEntry, PostFailure, PostStatus, Unsupported,
    UnsupportedSource,
};
pub use merge::{MergeError, merge};
pub use rows::{Bucket, Key, Level, Node, Row};
pub use v2::{TIME_SERIES as V2_TIME_SERIES, TOTAL as V2_TOTAL};

use json::JsonReader;

/// Limits of the parser, against hostile or broken answers. Raise them for unusual but genuine
/// answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// The largest body read, in bytes (default 256 MiB; a 25-post, 18-metric, 4-week hourly
    /// answer is about 10 MiB).
    pub max_body_bytes: usize,
    /// The deepest nesting read (default 32; the API's answers nest at most 8 deep). A value
    /// above [`ParseOptions::MAX_DEPTH`] counts as that, which keeps reading well within the
    /// stack of a 2 MiB thread (a tokio worker's), debug builds included.
    pub max_depth: usize,
}

impl ParseOptions {
    /// The deepest nesting read whatever [`ParseOptions::max_depth`] says.
    pub const MAX_DEPTH: usize = 64;

    /// The nesting limit in force: `max_depth`, at most [`ParseOptions::MAX_DEPTH`].
    pub(crate) fn depth_limit(&self) -> usize {
        self.max_depth.min(Self::MAX_DEPTH)
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_body_bytes: 256 << 20,
            max_depth: 32,
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `ParseOptions::default().max_body_bytes(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl ParseOptions {
    /// Sets [`ParseOptions::max_body_bytes`].
    #[must_use]
    pub fn max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }

    /// Sets [`ParseOptions::max_depth`].
    #[must_use]
    pub fn max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
}

/// The quota an answer reported: the Enterprise per-minute headers (`x-per-minute-limit`,
/// `x-per-minute-remaining`) or the v2 window headers (`x-rate-limit-limit`,
/// `x-rate-limit-remaining`, `x-rate-limit-reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window (a minute on v1).
    pub limit: u32,
    /// Requests left in the current window.
    pub remaining: u32,
    /// v2: the Unix time, in seconds, at which the window resets (`None` on v1, or when a v2
    /// answer left it out).
    pub reset: Option<u64>,
    /// Which headers reported it.
    pub quota: crate::pace::QuotaKind,
}

// The quota headers' names, made when compiling: a `&str` key is parsed again at every
// lookup, and that parser (http's table of standard header names) weighs 5 KB gzipped in the
// wasm module, which reads no other header.
static V2_QUOTA_HEADERS: [HeaderName; 3] = {
    let [limit, remaining, reset] = crate::facts::limits::V2_RATE_LIMIT_HEADERS;
    [
        HeaderName::from_static(limit),
        HeaderName::from_static(remaining),
        HeaderName::from_static(reset),
    ]
};
static ENTERPRISE_QUOTA_HEADERS: [HeaderName; 2] = {
    let [limit, remaining] = crate::facts::limits::ENTERPRISE_RATE_LIMIT_HEADERS;
    [
        HeaderName::from_static(limit),
        HeaderName::from_static(remaining),
    ]
};

impl RateLimit {
    /// An Enterprise per-minute quota (`x-per-minute-limit`, `x-per-minute-remaining`), as a
    /// server (the emulator, the testing kit) reports it.
    pub fn new_per_minute(limit: u32, remaining: u32) -> RateLimit {
        RateLimit {
            limit,
            remaining,
            reset: None,
            quota: crate::pace::QuotaKind::PerMinute,
        }
    }

    /// A v2 window quota (`x-rate-limit-limit`, `-remaining`, `-reset`), resetting at `reset`
    /// (Unix seconds), as a server (the emulator, the testing kit) reports it.
    pub fn new_window(limit: u32, remaining: u32, reset: u64) -> RateLimit {
        RateLimit {
            limit,
            remaining,
            reset: Some(reset),
            quota: crate::pace::QuotaKind::Window,
        }
    }

    /// Reads either kind of headers, the v2 ones first; `None` unless a limit and a remaining
    /// count are present and numbers.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        Self::window(headers).or_else(|| Self::per_minute(headers))
    }

    /// Reads the headers `endpoint` documents: the v2 window headers on v2 endpoints, the
    /// per-minute headers on the Enterprise ones.
    pub fn for_endpoint(endpoint: Endpoint, headers: &HeaderMap) -> Option<RateLimit> {
        match endpoint.generation() {
            Generation::Enterprise => Self::per_minute(headers),
            Generation::V2 => Self::window(headers),
        }
    }

    fn read<T: std::str::FromStr>(headers: &HeaderMap, name: &HeaderName) -> Option<T> {
        headers.get(name)?.to_str().ok()?.trim().parse::<T>().ok()
    }

    fn per_minute(headers: &HeaderMap) -> Option<RateLimit> {
        let [limit, remaining] = &ENTERPRISE_QUOTA_HEADERS;
        Some(RateLimit {
            limit: Self::read(headers, limit)?,
            remaining: Self::read(headers, remaining)?,
            reset: None,
            quota: crate::pace::QuotaKind::PerMinute,
        })
    }

    fn window(headers: &HeaderMap) -> Option<RateLimit> {
        let [limit, remaining, reset] = &V2_QUOTA_HEADERS;
        Some(RateLimit {
            limit: Self::read(headers, limit)?,
            remaining: Self::read(headers, remaining)?,
            reset: Self::read(headers, reset),
            quota: crate::pace::QuotaKind::Window,
        })
    }
}

/// Something about an answer worth knowing that did not stop it from being read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResponseNotice {
    /// The answer holds a metric the request did not ask for; its counts are kept.
    MetricNotRequested {
        /// The grouping.
        grouping: String,
        /// The metric.
        metric: Metric,
    },
    /// The answer holds a post the request did not ask for; its counts are kept.
    PostNotRequested {
        /// The grouping.
        grouping: String,
        /// The post.
        post_id: PostId,
    },
    /// The answer nests its levels in another order than the request's `group_by`.
    LevelsReordered {
        /// The grouping.
        grouping: String,
        /// The order asked.
        requested: Vec<Dimension>,
        /// The order answered.
        answered: Vec<Level>,
    },
    /// A grouping by hour without `engagement.day` was answered with a day level above the
    /// hours (`2015-09-14` -> `17`): its buckets are UTC hours.
    DayLevelAdded {
        /// The grouping.
        grouping: String,
    },
    /// A grouping by hour without `engagement.day` was answered with hour-of-day buckets
    /// `00`..`23`, each summed over the days of the window.
    HourOfDayBuckets {
        /// The grouping.
        grouping: String,
    },
    /// The answer's `end` is not on an hour (seen in the documentation's examples).
    EndNotOnHour {
        /// The `end` as answered.
        end: String,
    },
    /// A grouping the request asked for is not in the answer.
    GroupingMissing {
        /// The grouping.
        grouping: String,
    },
    /// A metric name the SDK does not know; its part of the answer is kept in
    /// [`Outcome::unknown`].
    UnknownMetric {
        /// The grouping.
        grouping: String,
        /// The name.
        name: String,
    },
    /// A top-level key the SDK does not know; kept in [`Outcome::extra`].
    UnknownKey {
        /// The key.
        key: String,
    },
    /// A successful answer carried `errors`.
    ErrorsInAnswer {
        /// The messages.
        messages: Vec<String>,
    },
    /// Post or media analytics answered null for some values or buckets (spec 2.167 allows
    /// it): they give no row, not a zero.
    NullsSkipped {
        /// Null metric values.
        values: usize,
        /// Buckets whose `metrics` were null, or whose `timestamp` was null in a series.
        buckets: usize,
    },
    /// Media analytics answered values that are strings other than digits (spec 2.167: "the
    /// original string" when the backend value is not a number); each is kept in
    /// [`Outcome::unknown`].
    NonNumericValues {
        /// How many.
        count: usize,
    },
    /// The answer holds a media key the request did not ask for; its counts are kept.
    MediaNotRequested {
        /// The media key.
        media_key: crate::MediaKey,
    },
}

impl std::fmt::Display for ResponseNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResponseNotice::MetricNotRequested { grouping, metric } => write!(
                f,
                "grouping `{grouping}` answers {metric}, which was not asked; its counts are kept"
            ),
            ResponseNotice::PostNotRequested { grouping, post_id } => write!(
                f,
                "grouping `{grouping}` answers post {post_id}, which was not asked; its counts are kept"
            ),
            ResponseNotice::LevelsReordered {
                grouping,
                requested,
                answered,
            } => write!(
                f,
                "grouping `{grouping}` nests {answered:?} although {} was asked",
                requested
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ResponseNotice::DayLevelAdded { grouping } => write!(
                f,
                "grouping `{grouping}` by hour was answered with days above the hours; rows are UTC hours"
            ),
            ResponseNotice::HourOfDayBuckets { grouping } => write!(
                f,
                "grouping `{grouping}` by hour was answered with hours of the day 00..23, each summed over the window's days"
            ),
            ResponseNotice::EndNotOnHour { end } => {
                write!(f, "the answer's end {end} is not on an hour")
            }
            ResponseNotice::GroupingMissing { grouping } => {
                write!(f, "grouping `{grouping}` is not in the answer")
            }
            ResponseNotice::UnknownMetric { grouping, name } => write!(
                f,
                "grouping `{grouping}` holds an unknown metric `{name}`; its part of the answer is kept as JSON"
            ),
            ResponseNotice::UnknownKey { key } => {
                write!(
                    f,
                    "the answer holds an unknown key `{key}`; it is kept as JSON"
                )
            }
            ResponseNotice::ErrorsInAnswer { messages } => {
                write!(f, "the answer carries errors: {}", messages.join("; "))
            }
            ResponseNotice::NullsSkipped { values, buckets } => write!(
                f,
                "the answer has {values} null values and {buckets} buckets without metrics or time; they give no rows (not zeros)"
            ),
            ResponseNotice::NonNumericValues { count } => write!(
                f,
                "the answer has {count} values that are not numbers; each is kept as JSON in the outcome's unknown parts"
            ),
            ResponseNotice::MediaNotRequested { media_key } => write!(
                f,
                "the answer holds media {media_key}, which was not asked; its counts are kept"
            ),
        }
    }
}

/// One grouping's answer: its rows, and the tree they form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct GroupingResult {
    /// The grouping's name (v2: `metrics_total` or `metrics_time_series`).
    pub name: String,
    /// The dimensions asked, outermost first (v2: the equivalent v1 dimensions).
    pub group_by: Vec<Dimension>,
    /// The levels as answered, outermost first (`None` until a count was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<Level>>,
    /// One row per count.
    pub rows: Vec<Row>,
}

impl GroupingResult {
    pub(crate) fn new(name: &str, group_by: &[Dimension]) -> GroupingResult {
        GroupingResult {
            name: name.to_owned(),
            group_by: group_by.to_vec(),
            levels: None,
            rows: Vec::new(),
        }
    }

    /// The levels of the tree: as answered, or as asked when nothing was answered.
    pub fn tree_levels(&self) -> Vec<Level> {
        self.levels
            .clone()
            .unwrap_or_else(|| self.group_by.iter().map(|&d| Level::from(d)).collect())
    }

    /// The result as a tree, one level per dimension as answered, keys sorted.
    pub fn tree(&self) -> Node {
        rows::tree(&self.rows, &self.tree_levels())
    }
}

/// A part of an answer the SDK could not interpret, kept as JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UnknownPart {
    /// Its JSON path.
    pub path: String,
    /// The JSON.
    pub value: Value,
}

/// What one answer (or a merge of many) says: rows per grouping, and a ledger of every post.
///
/// ```
/// use time::macros::datetime;
/// use xengage_core::response::{Bucket, ParseOptions, PostStatus, parse_response};
/// use xengage_core::{Endpoint, Metric, RequestSpec, ValidationOptions};
///
/// let request = RequestSpec::new(Endpoint::Totals)
///     .post_ids(["1990000000000000001", "1990000000000000002"])
///     .metrics([Metric::Favorites])
///     .grouping("g", ["tweet.id", "engagement.type"])
///     .validate(datetime!(2026-11-22 12:00 UTC), &ValidationOptions::default())?;
/// let body = br#"{"g":{"1990000000000000001":{"favorites":"7"}},
///                 "unavailable_tweet_ids":["1990000000000000002"]}"#;
/// let outcome = parse_response(&request, 200, &Default::default(), body, &ParseOptions::default())?;
/// let row = &outcome.grouping("g").unwrap().rows[0];
/// assert_eq!((row.metric, row.bucket, row.value), (Some(Metric::Favorites), Bucket::Total, 7));
/// let second = "1990000000000000002".parse()?;
/// assert_eq!(outcome.ledger.status(&second), Some(PostStatus::Unavailable));
/// assert!(outcome.ledger.ensure_served().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// The endpoint answered.
    pub endpoint: Endpoint,
    /// One result per grouping (v1), or `metrics_time_series` (v2 insights), or
    /// `timestamped_metrics` (post and media analytics). Each is a whole table: the rows of one
    /// grouping never count an hour twice, but two groupings of a v1 request (hourly, daily and
    /// total rows side by side) count the same engagements, so sum within one grouping, never
    /// across them.
    pub groupings: Vec<GroupingResult>,
    /// A v2 answer's totals, kept apart from `groupings` so that summing the rows of
    /// `groupings` never counts an hour twice: `metrics_total` of v2 insights; the items'
    /// top-level metric fields (spec 2.167, as `Total` rows) of post and media analytics;
    /// `None` for v1 answers.
    pub totals: Option<GroupingResult>,
    /// Every post asked about, with values or a reason.
    pub ledger: Ledger,
    /// What was liberal about the reading.
    pub notices: Vec<ResponseNotice>,
    /// The time covered, hour-aligned: the answer's `start`..`end`, or the request's window;
    /// several after a merge; empty for lifetime totals.
    pub windows: Vec<TimeWindow>,
    /// `errors` of a successful v1 answer.
    pub errors: Vec<String>,
    /// Top-level problems of a successful v2 answer.
    pub problems: Vec<ProblemDetails>,
    /// Unknown top-level keys, kept; also the `start` and `end` a totals answer may carry
    /// (lifetime totals cover no window, so they are not in `windows`).
    pub extra: Map<String, Value>,
    /// Parts the SDK could not interpret (unknown metrics), kept.
    pub unknown: Vec<UnknownPart>,
    /// The quota, as the answer's headers reported it (the headers its endpoint documents).
    pub rate_limit: Option<RateLimit>,
    /// Which posts the counts cover over which windows, so merges never count an hour twice.
    #[serde(skip)]
    pub(crate) coverage: HashMap<PostId, Vec<Option<TimeWindow>>>,
}

impl Outcome {
    /// An outcome with nothing in it yet (no rows, an empty ledger).
    pub fn empty(endpoint: Endpoint) -> Outcome {
        Outcome {
            endpoint,
            groupings: Vec::new(),
            totals: None,
            ledger: Ledger::default(),
            notices: Vec::new(),
            windows: Vec::new(),
            errors: Vec::new(),
            problems: Vec::new(),
            extra: Map::new(),
            unknown: Vec::new(),
            rate_limit: None,
            coverage: HashMap::new(),
        }
    }

    /// Every result, each a table of its own: the totals of a v2 answer first (as the answer
    /// has them), then the groupings. For listing every row with its grouping's name (as the
    /// CLI does); the rows of two results count the same engagements, so never sum across them.
    pub fn results(&self) -> impl Iterator<Item = &GroupingResult> {
        self.totals.iter().chain(self.groupings.iter())
    }

    /// [`Outcome::results`], mutable.
    pub fn results_mut(&mut self) -> impl Iterator<Item = &mut GroupingResult> {
        self.totals.iter_mut().chain(self.groupings.iter_mut())
    }

    /// The number of rows of every result together (the totals too): a size, not a sum.
    pub fn row_count(&self) -> usize {
        self.results().map(|g| g.rows.len()).sum()
    }

    /// The grouping named `name`, or the totals (`metrics_total` on v2).
    pub fn grouping(&self, name: &str) -> Option<&GroupingResult> {
        self.results().find(|g| g.name == name)
    }

    /// Notes `notice`. A notice given twice is kept once, by [`Outcome::dedupe_notices`] once
    /// the outcome is whole: a check here would compare each notice with every one before it,
    /// and an answer naming 20,000 posts not asked took a second to read that way.
    pub(crate) fn push_notice(&mut self, notice: ResponseNotice) {
        self.notices.push(notice);
    }

    /// Keeps the first of each notice given more than once, in their order.
    pub(crate) fn dedupe_notices(&mut self) {
        if self.notices.len() < 2 {
            return;
        }
        let mut met = HashSet::with_capacity(self.notices.len());
        let keep: Vec<bool> = self.notices.iter().map(|n| met.insert(n)).collect();
        let mut keep = keep.into_iter();
        self.notices.retain(|_| keep.next().unwrap_or(true));
    }
}

/// Reads an answer to `request`: any status, its headers, and its body (decompressed).
///
/// A 2xx answer gives an [`Outcome`], even when some posts were not served (they are in its
/// ledger). Any other status gives [`ResponseError::Api`], whose posts named as forbidden or
/// unavailable [`Ledger::failed`] accounts for, so a transport can always account for every post.
pub fn parse_response(
    request: &Request,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    options: &ParseOptions,
) -> Result<Outcome, ResponseError> {
    parse_with(JsonReader::Default, request, status, headers, body, options)
}

/// [`parse_response`] with `serde_json` as the JSON reader, whatever the `sonic` feature says:
/// for the tests and fuzz targets that check both readers agree.
#[doc(hidden)]
pub fn parse_response_with_serde_json(
    request: &Request,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    options: &ParseOptions,
) -> Result<Outcome, ResponseError> {
    parse_with(
        JsonReader::SerdeJson,
        request,
        status,
        headers,
        body,
        options,
    )
}

/// The first bytes of a gzip stream.
pub(crate) const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

fn parse_with(
    reader: JsonReader,
    request: &Request,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    options: &ParseOptions,
) -> Result<Outcome, ResponseError> {
    // The status first: a 429 or a 503 stays retryable whatever its body looks like.
    if !(200..300).contains(&status) {
        return Err(ResponseError::Api(Box::new(json::api_error(
            status, body, options, reader,
        ))));
    }
    if body.len() > options.max_body_bytes {
        return Err(ResponseError::TooLarge {
            size: body.len(),
            limit: options.max_body_bytes,
        });
    }
    if body.starts_with(GZIP_MAGIC) {
        return Err(ResponseError::Compressed);
    }
    let mut outcome = match request.endpoint().generation() {
        Generation::Enterprise => v1::parse(request, status, body, options, reader)?,
        Generation::V2 if request.endpoint().is_analytics() => {
            analytics::parse(request, status, body, options, reader)?
        }
        Generation::V2 => v2::parse(request, status, body, options, reader)?,
    };
    outcome.rate_limit = RateLimit::for_endpoint(request.endpoint(), headers);
    outcome.dedupe_notices();
    Ok(outcome)
}
