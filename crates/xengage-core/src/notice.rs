//! Notices: things a user should know about a request or an answer that are not failures, such
//! as duplicate ids removed, a window rounded, or posts too old for a metric (the API answers
//! those per post, so the rest of the batch still succeeds).

use crate::facts::Endpoint;
use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;

/// Something worth knowing about a request that does not stop it from being sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Notice {
    /// Post ids given more than once were sent once, in the order first given.
    DuplicatePostIdsRemoved {
        /// The ids that were given more than once.
        post_ids: Vec<PostId>,
    },
    /// Media keys given more than once were sent once, in the order first given.
    DuplicateMediaKeysRemoved {
        /// The keys that were given more than once.
        media_keys: Vec<MediaKey>,
    },
    /// X removed the endpoint from its spec; it keeps working for accounts that still have it.
    EndpointRetired {
        /// The endpoint.
        endpoint: Endpoint,
        /// The spec version that removed it.
        spec_version: &'static str,
        /// The endpoint X names instead.
        successor: Endpoint,
    },
    /// Metrics given more than once were sent once.
    DuplicateMetricsRemoved {
        /// The metrics that were given more than once.
        metrics: Vec<Metric>,
    },
    /// No grouping was given, so one grouping by post and metric was added.
    DefaultGrouping {
        /// The name of the added grouping.
        name: String,
    },
    /// The window was rounded to whole hours, as the API does.
    WindowRounded {
        /// The start as given.
        given_start: String,
        /// The end as given.
        given_end: String,
        /// The start the API uses.
        start: String,
        /// The end the API uses.
        end: String,
    },
    /// No window was given; the API answers for the 4 weeks before the request.
    DefaultWindow {
        /// The start the API will use, as far as `now` tells.
        start: String,
        /// The end the API will use, as far as `now` tells.
        end: String,
    },
    /// No end was given; the window ends at `now`.
    WindowEndsNow {
        /// The end used.
        end: String,
    },
    /// The post is older than a metric's age limit: the API will answer it as unsupported for
    /// that metric while serving the others.
    PostTooOldForMetric {
        /// The post.
        post_id: PostId,
        /// The metric.
        metric: Metric,
        /// The documented limit, in days.
        max_days: i64,
        /// The post's age in whole days (at least this old, for pre-snowflake ids).
        age_days: i64,
    },
    /// The post was created before 2014-09-01, the earliest historical data.
    PostBeforeHistoricalData {
        /// The post.
        post_id: PostId,
    },
    /// The window reaches before 2015-09-15, for which the API reads these metrics as zero.
    ReadsAsZeroBefore2015_09_15 {
        /// The affected metrics that were asked.
        metrics: Vec<Metric>,
    },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::DuplicatePostIdsRemoved { post_ids } => {
                write!(
                    f,
                    "post ids given more than once were sent once: {}",
                    join(post_ids)
                )
            }
            Notice::DuplicateMediaKeysRemoved { media_keys } => {
                write!(
                    f,
                    "media keys given more than once were sent once: {}",
                    join(media_keys)
                )
            }
            Notice::EndpointRetired {
                endpoint,
                spec_version,
                successor,
            } => write!(
                f,
                "X removed {endpoint} from its API spec at version {spec_version}; its successor is {successor}. It keeps working for accounts that still have it"
            ),
            Notice::DuplicateMetricsRemoved { metrics } => {
                write!(
                    f,
                    "metrics given more than once were sent once: {}",
                    join(metrics)
                )
            }
            Notice::DefaultGrouping { name } => {
                write!(
                    f,
                    "no grouping given; added `{name}` by tweet.id, engagement.type"
                )
            }
            Notice::WindowRounded {
                given_start,
                given_end,
                start,
                end,
            } => write!(
                f,
                "the window {given_start}..{given_end} is rounded to whole hours: {start}..{end}"
            ),
            Notice::DefaultWindow { start, end } => write!(
                f,
                "no window given: the API answers for the 4 weeks before the request ({start}..{end})"
            ),
            Notice::WindowEndsNow { end } => write!(f, "no end given: the window ends now ({end})"),
            Notice::PostTooOldForMetric {
                post_id,
                metric,
                max_days,
                age_days,
            } => write!(
                f,
                "post {post_id} is {age_days} days old; {metric} is served only for posts up to {max_days} days old (a request that asks anyway is answered unsupported; a plan asks the post apart, without it)"
            ),
            Notice::PostBeforeHistoricalData { post_id } => write!(
                f,
                "post {post_id} was created before {}, where historical data begins",
                crate::facts::limits::EARLIEST_START
            ),
            Notice::ReadsAsZeroBefore2015_09_15 { metrics } => write!(
                f,
                "the window reaches before 2015-09-15, for which the API reads {} as zero",
                join(metrics)
            ),
        }
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A notice as JSON: its `code`, its fields and a human `message`.
pub fn notice_json(notice: &Notice) -> serde_json::Value {
    let mut v = serde_json::to_value(notice).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut v {
        map.insert(
            "message".to_owned(),
            serde_json::Value::String(notice.to_string()),
        );
    }
    v
}
