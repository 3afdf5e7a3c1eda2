//! Groupings of v1 requests: a caller-chosen name and the dimensions (`group_by`) that nest the
//! answer, outermost first.

/// A dimension a v1 answer can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// `tweet.id`: one level keyed by post id.
    TweetId,
    /// `engagement.type`: one level keyed by metric name.
    EngagementType,
    /// `engagement.day`: one level keyed by UTC day `YYYY-MM-DD` (28hr and historical only).
    EngagementDay,
    /// `engagement.hour`: one level keyed by UTC hour `00`..`23` (28hr and historical only).
    EngagementHour,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Dimension; 4] = [
        Dimension::TweetId,
        Dimension::EngagementType,
        Dimension::EngagementDay,
        Dimension::EngagementHour,
    ];

    /// The name the API uses in `group_by`.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::TweetId => "tweet.id",
            Dimension::EngagementType => "engagement.type",
            Dimension::EngagementDay => "engagement.day",
            Dimension::EngagementHour => "engagement.hour",
        }
    }

    /// Finds a dimension by its API name.
    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Whether this dimension makes a time series (only 28hr and historical allow it).
    pub fn is_time(self) -> bool {
        matches!(self, Dimension::EngagementDay | Dimension::EngagementHour)
    }
}

impl serde::Serialize for Dimension {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for Dimension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The two orders the API accepts for a grouping of all four dimensions.
pub const FOUR_DIMENSION_ORDERS: [[Dimension; 4]; 2] = [
    [
        Dimension::TweetId,
        Dimension::EngagementType,
        Dimension::EngagementDay,
        Dimension::EngagementHour,
    ],
    [
        Dimension::EngagementType,
        Dimension::TweetId,
        Dimension::EngagementDay,
        Dimension::EngagementHour,
    ],
];

/// A named grouping of a v1 request. Built unchecked; [`crate::RequestSpec::validate`] checks
/// it against the rules of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grouping {
    /// The caller-chosen name: the top-level key of this grouping in the answer.
    pub name: String,
    /// The dimensions, outermost first.
    pub group_by: Vec<Dimension>,
}

impl Grouping {
    /// A grouping with `name` and dimensions `group_by`, outermost first.
    pub fn new(name: impl Into<String>, group_by: impl Into<Vec<Dimension>>) -> Grouping {
        Grouping {
            name: name.into(),
            group_by: group_by.into(),
        }
    }

    /// The default grouping when a request names none: `{"by-post": ["tweet.id",
    /// "engagement.type"]}`.
    pub fn default_for_request() -> Grouping {
        Grouping::new("by-post", [Dimension::TweetId, Dimension::EngagementType])
    }

    /// Whether this grouping has all four dimensions.
    pub fn is_four_dimensional(&self) -> bool {
        self.group_by.len() == 4
    }
}

/// A dimension's name, as [`RequestSpec::grouping`](crate::RequestSpec::grouping) takes it.
impl From<Dimension> for String {
    fn from(dimension: Dimension) -> String {
        dimension.name().to_owned()
    }
}
