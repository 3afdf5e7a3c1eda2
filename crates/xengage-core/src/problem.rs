//! Validation problems: everything wrong with a request, reported at once, each naming the field,
//! the offending value and the documented rule, so the user knows what to change.

use crate::facts::{Endpoint, limits};
use crate::grouping::Dimension;
use crate::id::PostIdError;
use crate::media_key::MediaKeyError;
use crate::metric::{Metric, MetricNameError};
use crate::request::CredentialKind;
use crate::request::Granularity;
use crate::window::TimeInputError;

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// The field, in the vocabulary of the request body: `tweet_ids[3]`, `engagement_types`,
    /// `groupings.my-name.group_by`, `start`, ...
    pub field: String,
    /// The offending value as given, where one value is at fault.
    pub value: Option<String>,
    /// The documented rule that the value breaks.
    #[serde(serialize_with = "serialize_rule")]
    pub rule: Rule,
}

fn serialize_rule<S: serde::Serializer>(rule: &Rule, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(rule)
}

impl Problem {
    /// A problem of `field` (with the offending `value`, where one value is at fault) breaking
    /// `rule`: for a front end or a server that checks what the core does not and reports it
    /// the same way.
    pub fn new(field: impl Into<String>, value: Option<String>, rule: Rule) -> Problem {
        Problem {
            field: field.into(),
            value,
            rule,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{} = {:?}: {}", self.field, v, self.rule),
            None => write!(f, "{}: {}", self.field, self.rule),
        }
    }
}

/// A documented rule a request can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rule {
    /// No post ids were given.
    #[error("give at least one post id")]
    NoPostIds,
    /// More post ids than the endpoint takes in one request.
    #[error(
        "{endpoint} takes at most {max} post ids per request, {given} were given (a bulk job splits them: `plan::Plan`)"
    )]
    TooManyPostIds {
        /// The endpoint.
        endpoint: Endpoint,
        /// Its documented maximum.
        max: usize,
        /// How many distinct ids were given.
        given: usize,
    },
    /// A post id is malformed.
    #[error("{0}")]
    PostId(PostIdError),
    /// No media keys were given (media analytics).
    #[error("give at least one media key")]
    NoMediaKeys,
    /// A media key is malformed.
    #[error("{0}")]
    MediaKey(MediaKeyError),
    /// Post ids were given to media analytics, which takes media keys.
    #[error("{0} takes media keys (media_keys), not post ids")]
    PostIdsOnMedia(Endpoint),
    /// Media keys were given to an endpoint that takes post ids.
    #[error("{0} takes post ids; only media-analytics takes media keys")]
    MediaKeysOnPosts(Endpoint),
    /// The endpoint does not answer with this granularity.
    #[error("{endpoint} answers hourly, daily or total, not {granularity}", granularity = granularity.name().to_ascii_lowercase())]
    GranularityUnavailable {
        /// The granularity asked.
        granularity: Granularity,
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// `engagement.fields` was given to post or media analytics.
    #[error(
        "{0} takes no engagement.fields: its fields are the metrics asked (and timestamped_metrics, which the SDK always adds)"
    )]
    FieldsOnAnalytics(Endpoint),
    /// No metrics were given.
    #[error("give at least one metric")]
    NoMetrics,
    /// A metric name is unknown or retired.
    #[error("{0}")]
    MetricName(MetricNameError),
    /// The endpoint does not serve the metric.
    #[error(
        "{metric} is not available on {endpoint}; it is available on: {}",
        list(available_on)
    )]
    MetricUnavailable {
        /// The metric.
        metric: Metric,
        /// The endpoint asked.
        endpoint: Endpoint,
        /// The endpoints that do serve it.
        available_on: Vec<Endpoint>,
    },
    /// The credential cannot be used for this endpoint.
    #[error("{endpoint} needs user context (OAuth 1.0a user tokens{}); {credential} is not accepted", if endpoint.generation() == crate::facts::Generation::V2 { " or an OAuth 2.0 user token" } else { "" })]
    EndpointNeedsUserContext {
        /// The endpoint.
        endpoint: Endpoint,
        /// The credential given.
        credential: CredentialKind,
    },
    /// The credential cannot ask for this metric.
    #[error(
        "{metric} on {endpoint} needs user context (OAuth 1.0a user tokens); {credential} reaches only favorites, retweets, quote_tweets, replies and video_views on totals"
    )]
    MetricNeedsUserContext {
        /// The metric.
        metric: Metric,
        /// The endpoint.
        endpoint: Endpoint,
        /// The credential given.
        credential: CredentialKind,
    },
    /// An OAuth 2.0 user token was given for a v1 endpoint.
    #[error(
        "{endpoint} is an Enterprise endpoint: it takes OAuth 1.0a user tokens or, on totals, an app-only bearer token; {credential} is not accepted"
    )]
    CredentialNotForEnterprise {
        /// The endpoint.
        endpoint: Endpoint,
        /// The credential given.
        credential: CredentialKind,
    },
    /// v1 requests take at most three groupings.
    #[error("a request takes at most {max} groupings, {given} were given", max = limits::MAX_GROUPINGS, given = .0)]
    TooManyGroupings(usize),
    /// A grouping name is empty.
    #[error("a grouping needs a non-empty name")]
    GroupingNameEmpty,
    /// Two groupings share a name.
    #[error("grouping names must be unique; this name is used twice")]
    GroupingNameDuplicate,
    /// A grouping name collides with a top-level key of the answer.
    #[error("a grouping cannot be named like a top-level key of the answer ({})", limits::RESERVED_TOP_LEVEL_KEYS.join(", "))]
    GroupingNameReserved,
    /// A grouping has no dimensions.
    #[error(
        "a grouping needs 1 to 4 dimensions (tweet.id, engagement.type, engagement.day, engagement.hour)"
    )]
    GroupingEmpty,
    /// A dimension name is unknown.
    #[error("unknown dimension; use tweet.id, engagement.type, engagement.day or engagement.hour")]
    UnknownDimension,
    /// A dimension appears twice in one grouping.
    #[error("{0} appears more than once in this grouping")]
    DimensionRepeated(Dimension),
    /// A time dimension was asked on an endpoint without time series.
    #[error("{dimension} is only available on 28hr and historical, not on {endpoint}")]
    TimeDimensionUnavailable {
        /// The dimension.
        dimension: Dimension,
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// A four-dimension grouping is not in one of the two documented orders.
    #[error(
        "a grouping with four dimensions must be [tweet.id, engagement.type, engagement.day, engagement.hour] or [engagement.type, tweet.id, engagement.day, engagement.hour]"
    )]
    FourDimensionOrder,
    /// More than one grouping has four dimensions.
    #[error("only one grouping per request may have four dimensions")]
    TooManyFourDimensionGroupings,
    /// v2 endpoints take no groupings.
    #[error("{0} is a v2 endpoint: it takes granularity, not groupings")]
    GroupingsOnV2(Endpoint),
    /// v2 endpoints need a granularity.
    #[error("{0} needs a granularity: Daily, Hourly, Weekly or Total")]
    GranularityMissing(Endpoint),
    /// The granularity is unknown.
    #[error("granularity is one of Daily, Hourly, Weekly, Total")]
    UnknownGranularity,
    /// v1 endpoints take no granularity or engagement fields.
    #[error(
        "{0} is an Enterprise endpoint: granularity and engagement.fields are v2 parameters (use groupings)"
    )]
    V2ParameterOnEnterprise(Endpoint),
    /// An engagement field is unknown.
    #[error("engagement.fields takes errors and measurement")]
    UnknownField,
    /// A time could not be parsed.
    #[error("{0}")]
    Time(TimeInputError),
    /// The endpoint takes no window.
    #[error("{0} takes no start or end (only historical endpoints do)")]
    WindowNotAllowed(Endpoint),
    /// An end without a start.
    #[error("give start as well as end (or neither, for the 4 weeks before now)")]
    EndWithoutStart,
    /// The v2 historical endpoint needs both times.
    #[error("{0} needs both start and end")]
    WindowRequired(Endpoint),
    /// The window is empty or reversed.
    #[error("end must be after start (after rounding to whole hours: {start}..{end})")]
    EndNotAfterStart {
        /// The rounded start.
        start: String,
        /// The rounded end.
        end: String,
    },
    /// The window is longer than the endpoint takes (4 weeks on the historical endpoints).
    #[error(
        "a window is at most 4 weeks ({} hours); after rounding to whole hours it is {hours} hours: move start or end",
        limits::MAX_WINDOW_HOURS
    )]
    WindowTooLong {
        /// The rounded window's length in hours.
        hours: i64,
    },
    /// The start is before the earliest documented start.
    #[error("the earliest start is {}", limits::EARLIEST_START)]
    StartTooEarly,
    /// The start is beyond the lookback the overview documents.
    #[error(
        "engagement data reaches back at most {} days, to {earliest}; start later or turn off the lookback check (ValidationOptions::enforce_lookback)",
        limits::LOOKBACK_DAYS
    )]
    StartBeyondLookback {
        /// The earliest allowed start.
        earliest: String,
    },
    /// The end is in the future.
    #[error("end cannot be after now ({now})")]
    EndInFuture {
        /// The `now` the request was validated against.
        now: String,
    },
}

fn list(endpoints: &[Endpoint]) -> String {
    if endpoints.is_empty() {
        return "no endpoint".to_owned();
    }
    endpoints
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A request that breaks documented rules: every problem found, at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid request ({} problem{}):\n{}", .problems.len(), if .problems.len() == 1 { "" } else { "s" }, .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
#[non_exhaustive]
pub struct InvalidRequest {
    /// Every problem, in the order of the request's fields.
    pub problems: Vec<Problem>,
}

impl InvalidRequest {
    /// Whether any problem breaks `rule`'s kind (compares variants, not their data).
    pub fn has(&self, pred: impl Fn(&Rule) -> bool) -> bool {
        self.problems.iter().any(|p| pred(&p.rule))
    }
}
