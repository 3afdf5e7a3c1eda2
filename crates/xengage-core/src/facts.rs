//! The documented facts of the X Engagement API in one place: endpoints, limits and metrics.
//!
//! Everything else in the crate reads these tables instead of repeating numbers, so a change in
//! the API's documentation is a change here and nowhere else.

use time::{Date, Month};

/// The generation of the API an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Generation {
    /// The Enterprise Engagement API (`/insights/engagement/...`): POST with a JSON body,
    /// grouping-shaped answers.
    Enterprise,
    /// The X API v2 endpoints (`/2/insights/...`, `/2/tweets/analytics`, `/2/media/analytics`):
    /// GET with a query string, list-shaped answers, the `x-rate-limit-*` quota.
    V2,
}

/// One of the documented endpoints.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /insights/engagement/totals`: lifetime totals at request time.
    #[serde(rename = "totals")]
    Totals,
    /// `POST /insights/engagement/28hr`: the 28 hours before the request.
    #[serde(rename = "28hr")]
    Last28Hours,
    /// `POST /insights/engagement/historical`: a window of at most 4 weeks.
    #[serde(rename = "historical")]
    Historical,
    /// `GET /2/insights/28hr`: v2, the 28 hours before the request.
    #[serde(rename = "insights-28hr")]
    Insights28Hours,
    /// `GET /2/insights/historical`: v2, a window given by `start_time` and `end_time`.
    #[serde(rename = "insights-historical")]
    InsightsHistorical,
    /// `GET /2/tweets/analytics`: v2 post analytics over a window given by `start_time` and
    /// `end_time` (the successor of the v2 insights endpoints since spec 2.167).
    #[serde(rename = "analytics")]
    Analytics,
    /// `GET /2/media/analytics`: v2 media analytics, by media key, over a window.
    #[serde(rename = "media-analytics")]
    MediaAnalytics,
}

/// What an endpoint's requests name: posts (by post id) or media (by media key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subject {
    /// Post ids.
    Posts,
    /// Media keys (`<media type>_<media id>`).
    Media,
}

/// The answer shape of a v2 endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum V2Shape {
    /// Not a v2 endpoint.
    None,
    /// `/2/insights/...`: `data[].measurement` with `metrics_total` and `metrics_time_series`.
    Insights,
    /// `/2/tweets/analytics` and `/2/media/analytics`: `data[]` items with top-level metric
    /// fields and `timestamped_metrics` buckets.
    Analytics,
}

/// What time range an endpoint answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeRange {
    /// Lifetime totals at the time of the request; no window.
    Lifetime,
    /// The 28 hours before the request; no window can be given.
    Last28Hours,
    /// A window given by the caller (or the default 4 weeks before the request).
    Window,
}

/// The documented facts of one endpoint.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct EndpointFacts {
    /// Which endpoint these facts describe.
    pub endpoint: Endpoint,
    /// The name used on the command line and in the JS API.
    pub name: &'static str,
    /// Which API generation serves it.
    pub generation: Generation,
    /// The HTTP method.
    pub method: &'static str,
    /// The path below the generation's base URL.
    pub path: &'static str,
    /// The most post ids one request may carry.
    pub max_post_ids: usize,
    /// Whether `engagement.day` and `engagement.hour` may be grouped by (time series).
    pub time_series: bool,
    /// What time range the answer covers.
    pub time_range: TimeRange,
    /// Whether an app-only bearer token is accepted at all.
    pub app_only_allowed: bool,
    /// The longest window one request may cover, in hours, where the API documents one (4
    /// weeks on the historical endpoints); `None` where no limit is documented (post and media
    /// analytics: the API answers for whatever range it accepts, so collection never splits it).
    pub max_window_hours: Option<i64>,
    /// What the requests name.
    pub subject: Subject,
    /// The query parameter (v2) or body key (v1) that lists the posts or media.
    pub ids_parameter: &'static str,
    /// The parameter that lists the metrics asked.
    pub metrics_parameter: &'static str,
    /// The answer shape (v2 endpoints).
    pub v2_shape: V2Shape,
    /// The spec version at which X removed the endpoint from its documentation, and the
    /// endpoint it named instead.
    pub retired: Option<(&'static str, Endpoint)>,
}

/// The spec version of the X API v2 that removed the v2 insights endpoints.
pub const INSIGHTS_RETIRED_AT: &str = "2.167";

const fn enterprise(
    endpoint: Endpoint,
    name: &'static str,
    path: &'static str,
    max_post_ids: usize,
    time_series: bool,
    time_range: TimeRange,
    app_only_allowed: bool,
) -> EndpointFacts {
    EndpointFacts {
        endpoint,
        name,
        generation: Generation::Enterprise,
        method: "POST",
        path,
        max_post_ids,
        time_series,
        time_range,
        app_only_allowed,
        max_window_hours: match time_range {
            TimeRange::Window => Some(limits::MAX_WINDOW_HOURS),
            _ => None,
        },
        subject: Subject::Posts,
        ids_parameter: "tweet_ids",
        metrics_parameter: "engagement_types",
        v2_shape: V2Shape::None,
        retired: None,
    }
}

/// Every endpoint, in the order of [`Endpoint`].
pub const ENDPOINTS: [EndpointFacts; 7] = [
    enterprise(
        Endpoint::Totals,
        "totals",
        "/insights/engagement/totals",
        250,
        false,
        TimeRange::Lifetime,
        true,
    ),
    enterprise(
        Endpoint::Last28Hours,
        "28hr",
        "/insights/engagement/28hr",
        25,
        true,
        TimeRange::Last28Hours,
        false,
    ),
    enterprise(
        Endpoint::Historical,
        "historical",
        "/insights/engagement/historical",
        25,
        true,
        TimeRange::Window,
        false,
    ),
    EndpointFacts {
        endpoint: Endpoint::Insights28Hours,
        name: "insights-28hr",
        generation: Generation::V2,
        method: "GET",
        path: "/2/insights/28hr",
        max_post_ids: 25,
        time_series: true,
        time_range: TimeRange::Last28Hours,
        app_only_allowed: false,
        max_window_hours: None,
        subject: Subject::Posts,
        ids_parameter: "tweet_ids",
        metrics_parameter: "requested_metrics",
        v2_shape: V2Shape::Insights,
        retired: Some((INSIGHTS_RETIRED_AT, Endpoint::Analytics)),
    },
    EndpointFacts {
        endpoint: Endpoint::InsightsHistorical,
        name: "insights-historical",
        generation: Generation::V2,
        method: "GET",
        path: "/2/insights/historical",
        max_post_ids: 25,
        time_series: true,
        time_range: TimeRange::Window,
        app_only_allowed: false,
        max_window_hours: Some(limits::MAX_WINDOW_HOURS),
        subject: Subject::Posts,
        ids_parameter: "tweet_ids",
        metrics_parameter: "requested_metrics",
        v2_shape: V2Shape::Insights,
        retired: Some((INSIGHTS_RETIRED_AT, Endpoint::Analytics)),
    },
    EndpointFacts {
        endpoint: Endpoint::Analytics,
        name: "analytics",
        generation: Generation::V2,
        method: "GET",
        path: "/2/tweets/analytics",
        max_post_ids: 100,
        time_series: true,
        time_range: TimeRange::Window,
        app_only_allowed: false,
        max_window_hours: None,
        subject: Subject::Posts,
        ids_parameter: "ids",
        metrics_parameter: "analytics.fields",
        v2_shape: V2Shape::Analytics,
        retired: None,
    },
    EndpointFacts {
        endpoint: Endpoint::MediaAnalytics,
        name: "media-analytics",
        generation: Generation::V2,
        method: "GET",
        path: "/2/media/analytics",
        max_post_ids: 100,
        time_series: true,
        time_range: TimeRange::Window,
        app_only_allowed: false,
        max_window_hours: None,
        subject: Subject::Media,
        ids_parameter: "media_keys",
        metrics_parameter: "media_analytics.fields",
        v2_shape: V2Shape::Analytics,
        retired: None,
    },
];

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Totals,
        Endpoint::Last28Hours,
        Endpoint::Historical,
        Endpoint::Insights28Hours,
        Endpoint::InsightsHistorical,
        Endpoint::Analytics,
        Endpoint::MediaAnalytics,
    ];

    /// The documented facts of this endpoint.
    pub fn facts(self) -> &'static EndpointFacts {
        &ENDPOINTS[self as usize]
    }

    /// The name used on the command line and in the JS API (`totals`, `28hr`, `historical`,
    /// `insights-28hr`, `insights-historical`, `analytics`, `media-analytics`).
    pub fn name(self) -> &'static str {
        self.facts().name
    }

    /// Which API generation serves this endpoint.
    pub fn generation(self) -> Generation {
        self.facts().generation
    }

    /// Whether requests name media keys (media analytics) rather than post ids.
    pub fn is_media(self) -> bool {
        self.facts().subject == Subject::Media
    }

    /// Whether this is post or media analytics (`data[]` items with `timestamped_metrics`).
    pub fn is_analytics(self) -> bool {
        self.facts().v2_shape == V2Shape::Analytics
    }

    /// Finds an endpoint by its name (see [`Endpoint::name`]).
    pub fn from_name(name: &str) -> Option<Endpoint> {
        ENDPOINTS
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.endpoint)
    }

    /// Finds an endpoint by HTTP method and path (as a server or a proxy sees a request).
    pub fn from_method_and_path(method: &str, path: &str) -> Option<Endpoint> {
        let path = path.trim_end_matches('/');
        ENDPOINTS
            .iter()
            .find(|f| f.method.eq_ignore_ascii_case(method) && f.path == path)
            .map(|f| f.endpoint)
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The documented limits that are not per endpoint or per metric.
pub mod limits {
    use super::{Date, Month};

    /// The granularity post analytics answers with when none is sent (spec 2.167).
    pub const ANALYTICS_DEFAULT_GRANULARITY: &str = "total";
    /// The granularity media analytics answers with when none is sent (spec 2.167).
    pub const MEDIA_ANALYTICS_DEFAULT_GRANULARITY: &str = "daily";
    /// The `analytics.fields` / `media_analytics.fields` value that asks for the buckets; the
    /// SDK always sends it after the metrics, so an answer has its series.
    pub const TIMESTAMPED_METRICS_FIELD: &str = "timestamped_metrics";
    /// The v2 quota headers: requests per window, left in the window, and the Unix time (in
    /// seconds) at which the window resets.
    pub const V2_RATE_LIMIT_HEADERS: [&str; 3] = [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ];
    /// The Enterprise quota headers: requests per minute and left in the minute.
    pub const ENTERPRISE_RATE_LIMIT_HEADERS: [&str; 2] =
        ["x-per-minute-limit", "x-per-minute-remaining"];
    /// The documented v2 quota window of post analytics (300 requests per 15 minutes).
    pub const V2_WINDOW_SECONDS: u64 = 15 * 60;
    /// The code of the documented v2 429 body (`{"errors":[{"code":88,...}]}`).
    pub const RATE_LIMIT_ERROR_CODE: i64 = 88;
    /// The most groupings one v1 request may carry.
    pub const MAX_GROUPINGS: usize = 3;
    /// The most groupings with all four dimensions one v1 request may carry.
    pub const MAX_FOUR_DIMENSION_GROUPINGS: usize = 1;
    /// The longest historical window, in hours (4 weeks).
    pub const MAX_WINDOW_HOURS: i64 = 4 * 7 * 24;
    /// The 28hr endpoints answer for this many hours before the request.
    pub const LAST_HOURS: i64 = 28;
    /// The earliest start of a historical window.
    pub const EARLIEST_START: Date = match Date::from_calendar_date(2014, Month::September, 1) {
        Ok(d) => d,
        Err(_) => panic!("2014-09-01 is a valid date"),
    };
    /// The overview also says engagement data reaches back at most this many days; the SDK
    /// enforces it by default (a strictness option turns it off).
    pub const LOOKBACK_DAYS: i64 = 365;
    /// favorites, replies and retweets read as zero on historical for times before this date.
    pub const ZERO_BEFORE: Date = match Date::from_calendar_date(2015, Month::September, 15) {
        Ok(d) => d,
        Err(_) => panic!("2015-09-15 is a valid date"),
    };
    /// Post ids below this are sequential (pre-snowflake, created before 2010-11-04) and carry no
    /// creation time; it is the boundary that timestamp tools for post ids use.
    pub const FIRST_SNOWFLAKE_ID: u64 = 29_700_859_247;
    /// The snowflake epoch: `created_at_ms = (id >> 22) + SNOWFLAKE_EPOCH_MS`.
    pub const SNOWFLAKE_EPOCH_MS: i64 = 1_288_834_974_657;
    /// The longest each part of a media key may be, in decimal digits: a 64-bit number (the
    /// spec sets no limit; see [`MediaKey`](crate::MediaKey)).
    pub const MAX_MEDIA_KEY_PART_DIGITS: usize = 20;
    /// The longest a post id may be, in decimal digits.
    pub const MAX_POST_ID_DIGITS: usize = 19;
    /// Top-level keys a v1 answer may carry beside the groupings; no grouping may take these
    /// names, or its data could not be told apart from them.
    pub const RESERVED_TOP_LEVEL_KEYS: [&str; 6] = [
        "start",
        "end",
        "errors",
        "unavailable_tweet_ids",
        "unsupported_for_video_views_tweet_ids",
        "unsupported_for_impressions_engagements_tweet_ids",
    ];
}

/// An age limit of a metric: older posts are answered as unsupported for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgeLimit {
    /// The most days since creation a post may be for the metric to be served.
    pub max_days: i64,
    /// Whether the limit applies on totals only (impressions, engagements) or on every endpoint
    /// (video_views).
    pub totals_only: bool,
}

/// The documented facts of one metric across both generations.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct MetricFacts {
    /// Which metric these facts describe.
    pub metric: super::Metric,
    /// The Enterprise (v1) name, where the v1 endpoints know the metric.
    pub v1_name: Option<&'static str>,
    /// The v2 name (`metric_type`, `requested_metrics`), where v2 knows the metric.
    pub v2_name: Option<&'static str>,
    /// Served by v1 `/totals`.
    pub on_totals: bool,
    /// Served by v1 `/28hr` and `/historical`.
    pub on_time_series: bool,
    /// Needs user context on v1 `/totals` (an app-only bearer token cannot ask for it).
    pub user_context_on_totals: bool,
    /// Posts older than this are answered as unsupported for the metric.
    pub age_limit: Option<AgeLimit>,
    /// Reads as zero on historical for times before [`limits::ZERO_BEFORE`].
    pub zero_before_2015_09_15: bool,
    /// The name in post analytics answers (`GET /2/tweets/analytics`), where it has one.
    pub analytics_name: Option<&'static str>,
    /// Whether the name is in the `analytics.fields` enum of spec 2.167 (the 2.166 bucket names
    /// `link_clicks`, `media_engagements` and `profile_visits` are read but cannot be asked).
    pub analytics_requestable: bool,
    /// The name in media analytics (`GET /2/media/analytics`, `media_analytics.fields`).
    pub media_name: Option<&'static str>,
}

const fn m(
    metric: super::Metric,
    v1_name: Option<&'static str>,
    v2_name: &'static str,
    on_totals: bool,
    user_context_on_totals: bool,
) -> MetricFacts {
    MetricFacts {
        metric,
        v1_name,
        v2_name: Some(v2_name),
        on_totals,
        on_time_series: v1_name.is_some(),
        user_context_on_totals,
        age_limit: None,
        zero_before_2015_09_15: false,
        analytics_name: None,
        analytics_requestable: false,
        media_name: None,
    }
}

/// A metric only the analytics endpoints know.
const fn analytics_only(metric: super::Metric) -> MetricFacts {
    MetricFacts {
        metric,
        v1_name: None,
        v2_name: None,
        on_totals: false,
        on_time_series: false,
        user_context_on_totals: true,
        age_limit: None,
        zero_before_2015_09_15: false,
        analytics_name: None,
        analytics_requestable: false,
        media_name: None,
    }
}

/// `facts` with its post analytics name, in the `analytics.fields` enum.
const fn post(mut facts: MetricFacts, name: &'static str) -> MetricFacts {
    facts.analytics_name = Some(name);
    facts.analytics_requestable = true;
    facts
}

/// `facts` with a name post analytics answered with at spec 2.166, in no fields enum.
const fn post_2166(mut facts: MetricFacts, name: &'static str) -> MetricFacts {
    facts.analytics_name = Some(name);
    facts
}

/// `facts` with its media analytics name.
const fn media(mut facts: MetricFacts, name: &'static str) -> MetricFacts {
    facts.media_name = Some(name);
    facts
}

const NINETY_DAYS_ON_TOTALS: Option<AgeLimit> = Some(AgeLimit {
    max_days: 90,
    totals_only: true,
});

/// Every metric of both generations. `quote_tweets` is documented for `/totals` only on v1.
///
/// Post and media analytics spell the metrics in snake case; where one of their names is the
/// same measure as an older name (`likes` is `favorites`, `follows` is `user_follows`,
/// `playback25` is `VideoPlayed25Percent`, `playback_start` is `VideoStarts`,
/// `playback_complete` is `VideoCompletions`), it is the same [`Metric`](super::Metric).
pub const METRICS: [MetricFacts; 34] = {
    use super::Metric as M;
    [
        post(
            MetricFacts {
                age_limit: NINETY_DAYS_ON_TOTALS,
                ..m(
                    M::Impressions,
                    Some("impressions"),
                    "Impressions",
                    true,
                    true,
                )
            },
            "impressions",
        ),
        post(
            MetricFacts {
                age_limit: NINETY_DAYS_ON_TOTALS,
                ..m(
                    M::Engagements,
                    Some("engagements"),
                    "Engagements",
                    true,
                    true,
                )
            },
            "engagements",
        ),
        post(
            MetricFacts {
                zero_before_2015_09_15: true,
                ..m(M::Favorites, Some("favorites"), "Likes", true, false)
            },
            "likes",
        ),
        post(
            MetricFacts {
                zero_before_2015_09_15: true,
                ..m(M::Retweets, Some("retweets"), "Retweets", true, false)
            },
            "retweets",
        ),
        post(
            MetricFacts {
                zero_before_2015_09_15: true,
                ..m(M::Replies, Some("replies"), "Replies", true, false)
            },
            "replies",
        ),
        post(
            MetricFacts {
                on_time_series: false,
                ..m(
                    M::QuoteTweets,
                    Some("quote_tweets"),
                    "QuoteTweets",
                    true,
                    false,
                )
            },
            "quote_tweets",
        ),
        media(
            MetricFacts {
                age_limit: Some(AgeLimit {
                    max_days: 1800,
                    totals_only: false,
                }),
                ..m(
                    M::VideoViews,
                    Some("video_views"),
                    "VideoViews",
                    true,
                    false,
                )
            },
            "video_views",
        ),
        post(
            m(
                M::MediaViews,
                Some("media_views"),
                "MediaViews",
                false,
                true,
            ),
            "media_views",
        ),
        post_2166(
            m(
                M::MediaEngagements,
                Some("media_engagements"),
                "MediaEngagements",
                false,
                true,
            ),
            "media_engagements",
        ),
        post(
            m(M::UrlClicks, Some("url_clicks"), "UrlClicks", false, true),
            "url_clicks",
        ),
        post(
            m(
                M::HashtagClicks,
                Some("hashtag_clicks"),
                "HashtagClicks",
                false,
                true,
            ),
            "hashtag_clicks",
        ),
        post(
            m(
                M::DetailExpands,
                Some("detail_expands"),
                "DetailExpands",
                false,
                true,
            ),
            "detail_expands",
        ),
        post(
            m(
                M::PermalinkClicks,
                Some("permalink_clicks"),
                "PermalinkClicks",
                false,
                true,
            ),
            "permalink_clicks",
        ),
        post(
            m(
                M::AppInstallAttempts,
                Some("app_install_attempts"),
                "AppInstallAttempts",
                false,
                true,
            ),
            "app_install_attempts",
        ),
        post(
            m(M::AppOpens, Some("app_opens"), "AppOpens", false, true),
            "app_opens",
        ),
        post(
            m(
                M::EmailTweet,
                Some("email_tweet"),
                "EmailTweet",
                false,
                true,
            ),
            "email_tweet",
        ),
        post(
            m(M::UserFollows, Some("user_follows"), "Follows", false, true),
            "follows",
        ),
        post(
            m(
                M::UserProfileClicks,
                Some("user_profile_clicks"),
                "UserProfileClicks",
                false,
                true,
            ),
            "user_profile_clicks",
        ),
        post_2166(
            m(M::LinkClicks, None, "LinkClicks", false, true),
            "link_clicks",
        ),
        post_2166(
            m(M::ProfileVisits, None, "ProfileVisits", false, true),
            "profile_visits",
        ),
        m(M::UniqueVideoViews, None, "UniqueVideoViews", false, true),
        media(
            m(M::VideoCompletions, None, "VideoCompletions", false, true),
            "playback_complete",
        ),
        media(
            m(
                M::VideoPlayed25Percent,
                None,
                "VideoPlayed25Percent",
                false,
                true,
            ),
            "playback25",
        ),
        media(
            m(
                M::VideoPlayed50Percent,
                None,
                "VideoPlayed50Percent",
                false,
                true,
            ),
            "playback50",
        ),
        media(
            m(
                M::VideoPlayed75Percent,
                None,
                "VideoPlayed75Percent",
                false,
                true,
            ),
            "playback75",
        ),
        media(
            m(M::VideoStarts, None, "VideoStarts", false, true),
            "playback_start",
        ),
        post(analytics_only(M::Bookmarks), "bookmarks"),
        post(analytics_only(M::Shares), "shares"),
        post(analytics_only(M::Unfollows), "unfollows"),
        post(analytics_only(M::Unlikes), "unlikes"),
        media(analytics_only(M::CtaUrlClicks), "cta_url_clicks"),
        media(analytics_only(M::CtaWatchClicks), "cta_watch_clicks"),
        media(analytics_only(M::PlayFromTap), "play_from_tap"),
        media(analytics_only(M::WatchTimeMs), "watch_time_ms"),
    ]
};

/// Retired metric names and the names that replaced them.
pub const RETIRED_METRICS: [(&str, &str); 2] = [
    ("media_clicks", "media_engagements"),
    ("MediaClicks", "MediaEngagements"),
];

impl MetricFacts {
    /// Whether `endpoint` serves this metric.
    pub fn available_on(&self, endpoint: Endpoint) -> bool {
        match endpoint {
            Endpoint::Totals => self.on_totals,
            Endpoint::Last28Hours | Endpoint::Historical => self.on_time_series,
            Endpoint::Insights28Hours | Endpoint::InsightsHistorical => self.v2_name.is_some(),
            Endpoint::Analytics => self.analytics_requestable,
            Endpoint::MediaAnalytics => self.media_name.is_some(),
        }
    }

    /// The name of this metric on `endpoint` (in its requests and answers), if it has one there.
    pub fn name_on(&self, endpoint: Endpoint) -> Option<&'static str> {
        match endpoint {
            Endpoint::Analytics => self.analytics_name,
            Endpoint::MediaAnalytics => self.media_name,
            _ => self.name_in(endpoint.generation()),
        }
    }

    /// Whether asking for this metric on `endpoint` needs user context (OAuth 1.0a or an OAuth
    /// 2.0 user token) rather than an app-only bearer token.
    pub fn needs_user_context(&self, endpoint: Endpoint) -> bool {
        match endpoint {
            Endpoint::Totals => self.user_context_on_totals,
            _ => true,
        }
    }

    /// The name of this metric in `generation`, if that generation knows it.
    pub fn name_in(&self, generation: Generation) -> Option<&'static str> {
        match generation {
            Generation::Enterprise => self.v1_name,
            Generation::V2 => self.v2_name,
        }
    }

    /// The endpoints that serve this metric, for messages.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        Endpoint::ALL
            .into_iter()
            .filter(|e| self.available_on(*e))
            .collect()
    }
}
