//! Rows, buckets and result trees: one count per (post, metric, bucket), and the nested tree of a
//! grouping rebuilt from its rows.

use time::{Date, OffsetDateTime, Time};

use crate::grouping::Dimension;
use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;
use crate::window::format_time;

/// The time a count covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Bucket {
    /// The whole time the answer covers (lifetime on totals, the window elsewhere).
    Total,
    /// One UTC day (`engagement.day`; v2 `Daily`).
    Day(Date),
    /// The week starting on this day (v2 `Weekly`).
    Week(Date),
    /// One UTC hour, by its start (`engagement.day` with `engagement.hour`; v2 `Hourly`).
    Hour(OffsetDateTime),
    /// An hour of the day, `0..=23` UTC, summed over the days of the window (`engagement.hour`
    /// without `engagement.day`, when the API answers with hour-of-day buckets).
    HourOfDay(u8),
}

/// `{ "kind": "hour", "time": "2026-11-22T12:00:00Z" }`: [`Bucket::kind`] and
/// [`Bucket::time_text`] (`null` for totals).
impl serde::Serialize for Bucket {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Bucket", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("time", &self.time_text())?;
        s.end()
    }
}

impl Bucket {
    /// The bucket's kind: `total`, `day`, `week`, `hour` or `hour_of_day`.
    pub fn kind(&self) -> &'static str {
        match self {
            Bucket::Total => "total",
            Bucket::Day(_) => "day",
            Bucket::Week(_) => "week",
            Bucket::Hour(_) => "hour",
            Bucket::HourOfDay(_) => "hour_of_day",
        }
    }

    /// The bucket's time as text: a date, an RFC 3339 UTC time, or the hour of day (`"17"`);
    /// `None` for totals.
    pub fn time_text(&self) -> Option<String> {
        match self {
            Bucket::Total => None,
            Bucket::Day(d) | Bucket::Week(d) => Some(d.to_string()),
            Bucket::Hour(t) => Some(format_time(*t)),
            Bucket::HourOfDay(h) => Some(format!("{h:02}")),
        }
    }

    /// The instant the bucket starts, where it is one span of time.
    pub fn start(&self) -> Option<OffsetDateTime> {
        match self {
            Bucket::Day(d) | Bucket::Week(d) => Some(d.with_time(Time::MIDNIGHT).assume_utc()),
            Bucket::Hour(t) => Some(*t),
            Bucket::Total | Bucket::HourOfDay(_) => None,
        }
    }
}

/// One count: a post's (or a media's) metric in a bucket. Groupings without `tweet.id` or
/// `engagement.type` aggregate over posts or metrics; their rows have `None` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Row {
    /// The post, unless the grouping aggregates over posts (or the row is a media's).
    pub post_id: Option<PostId>,
    /// The media, on media analytics (`None` elsewhere).
    pub media_key: Option<MediaKey>,
    /// The metric, unless the grouping aggregates over metrics.
    pub metric: Option<Metric>,
    /// The time the count covers.
    pub bucket: Bucket,
    /// The count.
    pub value: u64,
}

impl Row {
    /// A row of `value` in `bucket` for no post, media or metric: what a grouping that
    /// aggregates over all of them holds. The `with_` methods set the rest, so that code which
    /// builds rows (a test's expected rows, say) keeps compiling when a field is added.
    ///
    /// ```
    /// use xengage_core::response::{Bucket, Row};
    /// use xengage_core::{Metric, PostId};
    ///
    /// let row = Row::new(Bucket::Total, 530)
    ///     .with_post_id(PostId::parse("1990000000000000001")?)
    ///     .with_metric(Metric::parse("impressions")?);
    /// assert_eq!(row.value, 530);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(bucket: Bucket, value: u64) -> Row {
        Row {
            post_id: None,
            media_key: None,
            metric: None,
            bucket,
            value,
        }
    }

    /// The row with its post.
    #[must_use]
    pub fn with_post_id(self, post_id: PostId) -> Row {
        Row {
            post_id: Some(post_id),
            ..self
        }
    }

    /// The row with its media (media analytics).
    #[must_use]
    pub fn with_media_key(self, media_key: MediaKey) -> Row {
        Row {
            media_key: Some(media_key),
            ..self
        }
    }

    /// The row with its metric.
    #[must_use]
    pub fn with_metric(self, metric: Metric) -> Row {
        Row {
            metric: Some(metric),
            ..self
        }
    }
}

/// Rows serialize as `{"post_id","metric","bucket","time","value"}`: `post_id` a string, `metric`
/// its v1 name where v1 knows it (else its v2 name), `bucket` the kind, `time` its text or null.
/// Rows of media analytics carry `"media_key"` after `post_id` (null there).
impl serde::Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Row", 6)?;
        s.serialize_field("post_id", &self.post_id.as_ref().map(PostId::as_str))?;
        match &self.media_key {
            Some(key) => s.serialize_field("media_key", &key)?,
            None => s.skip_field("media_key")?,
        }
        s.serialize_field("metric", &self.metric.map(Metric::name))?;
        s.serialize_field("bucket", self.bucket.kind())?;
        s.serialize_field("time", &self.bucket.time_text())?;
        s.serialize_field("value", &self.value)?;
        s.end()
    }
}

/// A key at one level of a result tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Key {
    /// A post (`tweet.id`).
    Post(PostId),
    /// A media (media analytics).
    Media(MediaKey),
    /// A metric (`engagement.type`).
    Metric(Metric),
    /// A day (`engagement.day`, or the day level of an hourly grouping).
    Day(Date),
    /// An hour of the day (`engagement.hour`).
    Hour(u8),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Post(p) => write!(f, "{p}"),
            Key::Media(m) => write!(f, "{m}"),
            Key::Metric(m) => write!(f, "{m}"),
            Key::Day(d) => write!(f, "{d}"),
            Key::Hour(h) => write!(f, "{h:02}"),
        }
    }
}

/// A grouping's answer as a tree: one level per dimension, counts at the leaves, keys sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A count.
    Leaf(u64),
    /// The next level.
    Branch(Vec<(Key, Node)>),
}

impl Node {
    /// The child under `key`.
    pub fn get(&self, key: &Key) -> Option<&Node> {
        match self {
            Node::Leaf(_) => None,
            Node::Branch(children) => children
                .binary_search_by(|(k, _)| k.cmp(key))
                .ok()
                .map(|i| &children[i].1),
        }
    }

    /// The count at the end of `path`.
    pub fn count(&self, path: &[Key]) -> Option<u64> {
        match (self, path.split_first()) {
            (Node::Leaf(v), None) => Some(*v),
            (Node::Branch(_), Some((k, rest))) => self.get(k)?.count(rest),
            _ => None,
        }
    }
}

/// The keys of `row` along `levels`, outermost first.
pub(crate) fn keys_of(row: &Row, levels: &[Level]) -> Vec<Key> {
    let mut keys = Vec::with_capacity(levels.len());
    for level in levels {
        let key = match (level, row.bucket) {
            (Level::Post, _) => row.post_id.map(Key::Post),
            (Level::Media, _) => row.media_key.map(Key::Media),
            (Level::Metric, _) => row.metric.map(Key::Metric),
            (Level::Day, Bucket::Day(d) | Bucket::Week(d)) => Some(Key::Day(d)),
            (Level::Day, Bucket::Hour(t)) => Some(Key::Day(t.date())),
            (Level::Hour, Bucket::Hour(t)) => Some(Key::Hour(t.hour())),
            (Level::Hour, Bucket::HourOfDay(h)) => Some(Key::Hour(h)),
            _ => None,
        };
        if let Some(k) = key {
            keys.push(k);
        }
    }
    keys
}

/// One level of an answer's nesting, as it was actually answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Level {
    /// Post ids.
    Post,
    /// Media keys (media analytics).
    Media,
    /// Metric names.
    Metric,
    /// Days, `YYYY-MM-DD`.
    Day,
    /// Hours, `00`..`23`.
    Hour,
}

impl From<Dimension> for Level {
    fn from(d: Dimension) -> Level {
        match d {
            Dimension::TweetId => Level::Post,
            Dimension::EngagementType => Level::Metric,
            Dimension::EngagementDay => Level::Day,
            Dimension::EngagementHour => Level::Hour,
        }
    }
}

/// Builds the tree of `rows` nested by `levels`.
pub(crate) fn tree(rows: &[Row], levels: &[Level]) -> Node {
    fn insert(node: &mut Node, keys: &[Key], value: u64) {
        match keys.split_first() {
            None => {
                // Two rows with the same keys (a repeated answer): the tree keeps their sum,
                // as the rows do.
                if let Node::Leaf(v) = node {
                    *v = v.saturating_add(value);
                }
            }
            Some((k, rest)) => {
                let Node::Branch(children) = node else {
                    return;
                };
                let i = match children.binary_search_by(|(c, _)| c.cmp(k)) {
                    Ok(i) => i,
                    Err(i) => {
                        let child = if rest.is_empty() {
                            Node::Leaf(0)
                        } else {
                            Node::Branch(Vec::new())
                        };
                        children.insert(i, (*k, child));
                        i
                    }
                };
                insert(&mut children[i].1, rest, value);
            }
        }
    }
    if levels.is_empty() {
        return Node::Leaf(rows.iter().map(|r| r.value).fold(0, u64::saturating_add));
    }
    let mut root = Node::Branch(Vec::new());
    for row in rows {
        let keys = keys_of(row, levels);
        if keys.len() == levels.len() {
            insert(&mut root, &keys, row.value);
        }
    }
    root
}
