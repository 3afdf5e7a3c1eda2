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
    /// The X API v2 insights endpoints (`/2/insights/...`): GET with a query string, list-shaped
    /// answers.
    V2,
}

/// One of the five documented endpoints.
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
}

/// Every endpoint, in the order of [`Endpoint`].
pub const ENDPOINTS: [EndpointFacts; 5] = [
    EndpointFacts {
        endpoint: Endpoint::Totals,
        name: "totals",
        generation: Generation::Enterprise,
        method: "POST",
        path: "/insights/engagement/totals",
        max_post_ids: 250,
        time_series: false,
        time_range: TimeRange::Lifetime,
        app_only_allowed: true,
    },
    EndpointFacts {
        endpoint: Endpoint::Last28Hours,
        name: "28hr",
        generation: Generation::Enterprise,
        method: "POST",
        path: "/insights/engagement/28hr",
        max_post_ids: 25,
        time_series: true,
        time_range: TimeRange::Last28Hours,
        app_only_allowed: false,
    },
    EndpointFacts {
        endpoint: Endpoint::Historical,
        name: "historical",
        generation: Generation::Enterprise,
        method: "POST",
        path: "/insights/engagement/historical",
        max_post_ids: 25,
        time_series: true,
        time_range: TimeRange::Window,
        app_only_allowed: false,
    },
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
    },
];

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 5] = [
        Endpoint::Totals,
        Endpoint::Last28Hours,
        Endpoint::Historical,
        Endpoint::Insights28Hours,
        Endpoint::InsightsHistorical,
    ];

    /// The documented facts of this endpoint.
    pub fn facts(self) -> &'static EndpointFacts {
        &ENDPOINTS[self as usize]
    }

    /// The name used on the command line and in the JS API (`totals`, `28hr`, `historical`,
    /// `insights-28hr`, `insights-historical`).
    pub fn name(self) -> &'static str {
        self.facts().name
    }

    /// Which API generation serves this endpoint.
    pub fn generation(self) -> Generation {
        self.facts().generation
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
    }
}

const NINETY_DAYS_ON_TOTALS: Option<AgeLimit> = Some(AgeLimit {
    max_days: 90,
    totals_only: true,
});

/// Every metric of both generations. `quote_tweets` is documented for `/totals` only on v1.
pub const METRICS: [MetricFacts; 26] = {
    use super::Metric as M;
    [
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
        MetricFacts {
            zero_before_2015_09_15: true,
            ..m(M::Favorites, Some("favorites"), "Likes", true, false)
        },
        MetricFacts {
            zero_before_2015_09_15: true,
            ..m(M::Retweets, Some("retweets"), "Retweets", true, false)
        },
        MetricFacts {
            zero_before_2015_09_15: true,
            ..m(M::Replies, Some("replies"), "Replies", true, false)
        },
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
        m(
            M::MediaViews,
            Some("media_views"),
            "MediaViews",
            false,
            true,
        ),
        m(
            M::MediaEngagements,
            Some("media_engagements"),
            "MediaEngagements",
            false,
            true,
        ),
        m(M::UrlClicks, Some("url_clicks"), "UrlClicks", false, true),
        m(
            M::HashtagClicks,
            Some("hashtag_clicks"),
            "HashtagClicks",
            false,
            true,
        ),
        m(
            M::DetailExpands,
            Some("detail_expands"),
            "DetailExpands",
            false,
            true,
        ),
        m(
            M::PermalinkClicks,
            Some("permalink_clicks"),
            "PermalinkClicks",
            false,
            true,
        ),
        m(
            M::AppInstallAttempts,
            Some("app_install_attempts"),
            "AppInstallAttempts",
            false,
            true,
        ),
        m(M::AppOpens, Some("app_opens"), "AppOpens", false, true),
        m(
            M::EmailTweet,
            Some("email_tweet"),
            "EmailTweet",
            false,
            true,
        ),
        m(M::UserFollows, Some("user_follows"), "Follows", false, true),
        m(
            M::UserProfileClicks,
            Some("user_profile_clicks"),
            "UserProfileClicks",
            false,
            true,
        ),
        m(M::LinkClicks, None, "LinkClicks", false, true),
        m(M::ProfileVisits, None, "ProfileVisits", false, true),
        m(M::UniqueVideoViews, None, "UniqueVideoViews", false, true),
        m(M::VideoCompletions, None, "VideoCompletions", false, true),
        m(
            M::VideoPlayed25Percent,
            None,
            "VideoPlayed25Percent",
            false,
            true,
        ),
        m(
            M::VideoPlayed50Percent,
            None,
            "VideoPlayed50Percent",
            false,
            true,
        ),
        m(
            M::VideoPlayed75Percent,
            None,
            "VideoPlayed75Percent",
            false,
            true,
        ),
        m(M::VideoStarts, None, "VideoStarts", false, true),
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
