//! Metrics (`engagement_types` on v1, `requested_metrics` and `metric_type` on v2): one enum for
//! both generations, with names and availability read from [`crate::facts::METRICS`].

use crate::facts::{Endpoint, Generation, METRICS, MetricFacts, RETIRED_METRICS};

/// A metric of either API generation. Its names in each generation come from the facts table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // Each variant is described by its row in `facts::METRICS`.
#[non_exhaustive]
pub enum Metric {
    Impressions,
    Engagements,
    /// v1 `favorites`, v2 `Likes`.
    Favorites,
    Retweets,
    Replies,
    QuoteTweets,
    VideoViews,
    MediaViews,
    /// Formerly `media_clicks`.
    MediaEngagements,
    UrlClicks,
    HashtagClicks,
    DetailExpands,
    PermalinkClicks,
    AppInstallAttempts,
    AppOpens,
    EmailTweet,
    /// v1 `user_follows`, v2 `Follows`.
    UserFollows,
    UserProfileClicks,
    /// v2 only.
    LinkClicks,
    /// v2 only.
    ProfileVisits,
    /// v2 only.
    UniqueVideoViews,
    /// v2 only.
    VideoCompletions,
    /// v2 only.
    VideoPlayed25Percent,
    /// v2 only.
    VideoPlayed50Percent,
    /// v2 only.
    VideoPlayed75Percent,
    /// v2 only (media analytics `playback_start`).
    VideoStarts,
    /// Post analytics only.
    Bookmarks,
    /// Post analytics only.
    Shares,
    /// Post analytics only.
    Unfollows,
    /// Post analytics only.
    Unlikes,
    /// Media analytics only.
    CtaUrlClicks,
    /// Media analytics only.
    CtaWatchClicks,
    /// Media analytics only.
    PlayFromTap,
    /// Media analytics only: milliseconds watched.
    WatchTimeMs,
}

/// Why a metric name was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricNameError {
    /// The name was retired by the API; the replacement is named.
    #[error("metric `{name}` was retired by the API; use `{replacement}` instead")]
    Retired {
        /// The retired name as given.
        name: String,
        /// The name that replaced it.
        replacement: &'static str,
    },
    /// No metric of either generation has this name.
    #[error("unknown metric `{name}`; known metrics: {known}")]
    Unknown {
        /// The name as given.
        name: String,
        /// Every known v1 and v2-only name, comma separated.
        known: String,
    },
}

impl Metric {
    /// Every metric, in the order of the facts table.
    pub fn all() -> impl Iterator<Item = Metric> {
        METRICS.iter().map(|f| f.metric)
    }

    /// The documented facts of this metric.
    pub fn facts(self) -> &'static MetricFacts {
        &METRICS[self as usize]
    }

    /// The v1 name (`favorites`), if v1 knows this metric.
    pub fn v1_name(self) -> Option<&'static str> {
        self.facts().v1_name
    }

    /// The v2 name (`Likes`), if v2 knows this metric.
    pub fn v2_name(self) -> Option<&'static str> {
        self.facts().v2_name
    }

    /// The name rows and messages use: the v1 name where there is one, else the v2 insights
    /// name, else the post or media analytics name.
    pub fn name(self) -> &'static str {
        let f = self.facts();
        f.v1_name
            .or(f.v2_name)
            .or(f.analytics_name)
            .or(f.media_name)
            .unwrap_or("")
    }

    /// The name of this metric on `endpoint`, if that endpoint knows it (`likes` on analytics,
    /// `Likes` on v2 insights, `favorites` on the Enterprise endpoints).
    pub fn name_on(self, endpoint: Endpoint) -> Option<&'static str> {
        self.facts().name_on(endpoint)
    }

    /// The name of this metric in `generation`, if that generation knows it.
    pub fn name_in(self, generation: Generation) -> Option<&'static str> {
        self.facts().name_in(generation)
    }

    /// Whether `endpoint` serves this metric.
    pub fn available_on(self, endpoint: Endpoint) -> bool {
        self.facts().available_on(endpoint)
    }

    /// Parses a metric from any spelling: the v1 name (`favorites`), the v2 insights name
    /// (`Likes`) or the post or media analytics name (`likes`, `playback25`), exactly or
    /// ignoring ASCII case. Retired names are refused with their replacement.
    pub fn parse(name: &str) -> Result<Metric, MetricNameError> {
        let names = |f: &MetricFacts| [f.v1_name, f.v2_name, f.analytics_name, f.media_name];
        let exact = METRICS.iter().find(|f| names(f).contains(&Some(name)));
        let found = exact.or_else(|| {
            METRICS.iter().find(|f| {
                names(f)
                    .into_iter()
                    .flatten()
                    .any(|n| n.eq_ignore_ascii_case(name))
            })
        });
        if let Some(f) = found {
            return Ok(f.metric);
        }
        if let Some((_, replacement)) = RETIRED_METRICS
            .iter()
            .find(|(old, _)| old.eq_ignore_ascii_case(name))
        {
            return Err(MetricNameError::Retired {
                name: name.to_owned(),
                replacement,
            });
        }
        Err(MetricNameError::Unknown {
            name: name.to_owned(),
            known: known_names(),
        })
    }
}

fn known_names() -> String {
    Metric::all()
        .map(Metric::name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Metric {
    type Err = MetricNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::parse(s)
    }
}

impl serde::Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Metric::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// A metric's name, as [`RequestSpec::metrics`](crate::RequestSpec::metrics) takes it.
impl From<Metric> for String {
    fn from(metric: Metric) -> String {
        metric.name().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_in_enum_order() {
        for (i, f) in METRICS.iter().enumerate() {
            assert_eq!(f.metric as usize, i, "row {i} describes {:?}", f.metric);
        }
    }

    #[test]
    fn both_spellings_parse_to_the_same_metric() {
        assert_eq!(Metric::parse("favorites"), Ok(Metric::Favorites));
        assert_eq!(Metric::parse("Likes"), Ok(Metric::Favorites));
        assert_eq!(Metric::parse("user_follows"), Ok(Metric::UserFollows));
        assert_eq!(Metric::parse("Follows"), Ok(Metric::UserFollows));
        assert_eq!(Metric::parse("IMPRESSIONS"), Ok(Metric::Impressions));
        assert_eq!(Metric::parse("LinkClicks"), Ok(Metric::LinkClicks));
        for m in Metric::all() {
            if let Some(n) = m.v1_name() {
                assert_eq!(Metric::parse(n), Ok(m));
            }
            if let Some(n) = m.v2_name() {
                assert_eq!(Metric::parse(n), Ok(m));
            }
        }
    }

    #[test]
    fn retired_media_clicks_names_its_replacement() {
        let err = Metric::parse("media_clicks").unwrap_err();
        assert!(matches!(
            err,
            MetricNameError::Retired {
                replacement: "media_engagements",
                ..
            }
        ));
        assert!(err.to_string().contains("media_engagements"));
    }

    #[test]
    fn unknown_metric_lists_known_ones() {
        let err = Metric::parse("likes_count").unwrap_err();
        assert!(err.to_string().contains("favorites"));
    }

    #[test]
    fn availability_follows_the_documented_table() {
        assert!(Metric::QuoteTweets.available_on(Endpoint::Totals));
        assert!(!Metric::QuoteTweets.available_on(Endpoint::Historical));
        assert!(!Metric::UrlClicks.available_on(Endpoint::Totals));
        assert!(Metric::UrlClicks.available_on(Endpoint::Last28Hours));
        assert!(!Metric::LinkClicks.available_on(Endpoint::Historical));
        assert!(Metric::LinkClicks.available_on(Endpoint::InsightsHistorical));
        assert!(
            !Metric::Favorites
                .facts()
                .needs_user_context(Endpoint::Totals)
        );
        assert!(
            Metric::Favorites
                .facts()
                .needs_user_context(Endpoint::Last28Hours)
        );
        assert!(
            Metric::Impressions
                .facts()
                .needs_user_context(Endpoint::Totals)
        );
    }
}
