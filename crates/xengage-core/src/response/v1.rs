//! The grouping-shaped (v1) answer, read in one streaming pass over the bytes: each grouping's
//! nesting levels are read as the request's `group_by` says (or, liberally, as their keys show),
//! and every count becomes a row at once. No JSON tree is built for the groupings.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use time::{Date, OffsetDateTime, Time};

use crate::facts::TimeRange;
use crate::grouping::Dimension;
use crate::id::PostId;
use crate::metric::Metric;
use crate::request::Request;
use crate::window::{TimeWindow, is_on_hour, parse_date};

use super::error::{MalformedKind, MalformedResponse, ResponseError, forbidden_ids_in};
use super::json::{
    self, CowStr, DepthValue, JsonReader, ReadError, TOO_DEEP, count_from_f64, count_from_i64,
    count_from_str, ids_of, kind_of, render_path,
};
use super::rows::{Bucket, Level, Row};
use super::{GroupingResult, Outcome, ParseOptions, ResponseNotice, UnknownPart};

/// Everything the pass collects, and where it is.
struct Ctx<'de, 'r> {
    request: &'r Request,
    options: &'r ParseOptions,
    status: u16,
    path: Vec<Cow<'de, str>>,
    failure: Option<ResponseError>,
    outcome: Outcome,
    /// Per grouping: the posts its answer mentions.
    seen: Vec<HashSet<PostId>>,
    /// Posts the answer mentions that the request did not ask for, in order of first mention.
    unasked: Vec<PostId>,
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
    unavailable: Vec<PostId>,
    unsupported_impressions: Vec<PostId>,
    unsupported_video_views: Vec<PostId>,
    answered_groupings: Vec<bool>,
}

impl Ctx<'_, '_> {
    fn fail<E: de::Error>(&mut self, kind: MalformedKind) -> E {
        self.failure = Some(ResponseError::Malformed(MalformedResponse {
            status: self.status,
            path: render_path(self.path.iter().map(AsRef::as_ref)),
            kind,
        }));
        E::custom("malformed")
    }

    fn path_string(&self) -> String {
        render_path(self.path.iter().map(AsRef::as_ref))
    }
}

/// The keys read so far on the way down a grouping.
#[derive(Clone, Copy, Default)]
struct Prefix {
    post: Option<PostId>,
    metric: Option<Metric>,
    day: Option<Date>,
    hour: Option<u8>,
    /// Dimensions of the grouping already read, as a bit set over `Dimension` order.
    used: u8,
    levels: [Option<Level>; 5],
    depth: u8,
}

fn bit(d: Dimension) -> u8 {
    match d {
        Dimension::TweetId => 1,
        Dimension::EngagementType => 2,
        Dimension::EngagementDay => 4,
        Dimension::EngagementHour => 8,
    }
}

impl Prefix {
    fn with_level(mut self, level: Level) -> Prefix {
        if let Some(slot) = self.levels.get_mut(usize::from(self.depth)) {
            *slot = Some(level);
        }
        self.depth += 1;
        self
    }

    /// The levels read so far, outermost first.
    fn levels(&self) -> Vec<Level> {
        self.levels
            .iter()
            .take(usize::from(self.depth))
            .flatten()
            .copied()
            .collect()
    }

    fn bucket(&self) -> Bucket {
        match (self.day, self.hour) {
            (Some(d), Some(h)) => Time::from_hms(h, 0, 0).map_or(Bucket::Day(d), |t| {
                Bucket::Hour(d.with_time(t).assume_utc())
            }),
            (Some(d), None) => Bucket::Day(d),
            (None, Some(h)) => Bucket::HourOfDay(h),
            (None, None) => Bucket::Total,
        }
    }
}

fn parse_hour(key: &str) -> Option<u8> {
    let hour = match key.as_bytes() {
        [d] if d.is_ascii_digit() => d - b'0',
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => (a - b'0') * 10 + (b - b'0'),
        _ => return None,
    };
    (hour < 24).then_some(hour)
}

/// What a key is, at a level.
enum Read {
    Post(PostId),
    Metric(Metric),
    Day(Date),
    Hour(u8),
    /// A day above the hours of a grouping by hour without `engagement.day`.
    DayAboveHours(Date),
}

fn read_as(d: Dimension, key: &str, prefix: &Prefix) -> Option<Read> {
    match d {
        Dimension::TweetId => PostId::parse(key).ok().map(Read::Post),
        Dimension::EngagementType => Metric::parse(key).ok().map(Read::Metric),
        Dimension::EngagementDay => parse_date(key).map(Read::Day),
        Dimension::EngagementHour => parse_hour(key).map(Read::Hour).or_else(|| {
            (prefix.day.is_none())
                .then(|| parse_date(key))
                .flatten()
                .map(Read::DayAboveHours)
        }),
    }
}

/// The top-level object.
struct Top<'a, 'de, 'r>(&'a mut Ctx<'de, 'r>);

impl<'de> DeserializeSeed<'de> for Top<'_, 'de, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, 'de, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object keyed by grouping names")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut seen = Seen::default();
        while let Some(key) = map.next_key_seed(CowStr)? {
            ctx.path.push(key.clone());
            once(ctx, &mut seen, &key)?;
            match key.as_ref() {
                "start" | "end" => {
                    let mut wrong = false;
                    let text = map
                        .next_value_seed(TimeText { wrong: &mut wrong })
                        .map_err(|e| {
                            // A string cut short is not JSON, which the reader reports itself.
                            if !wrong {
                                return e;
                            }
                            ctx.fail::<A::Error>(MalformedKind::UnexpectedType {
                                expected: "an RFC 3339 time".into(),
                                found: "another type".into(),
                            })
                        })?;
                    let Some(t) = crate::window::parse_rfc3339(&text) else {
                        return Err(ctx.fail(MalformedKind::BadTime {
                            found: text.into_owned(),
                        }));
                    };
                    if ctx.request.endpoint().facts().time_range == TimeRange::Lifetime {
                        // Lifetime totals cover no window, whatever the answer says: kept as
                        // said, never used to merge (two answers' totals cannot be added up).
                        let text = Value::String(text.into_owned());
                        ctx.outcome.extra.insert(key.into_owned(), text);
                    } else if key == "start" {
                        ctx.start = Some(t);
                    } else {
                        if !is_on_hour(t) {
                            ctx.outcome.push_notice(ResponseNotice::EndNotOnHour {
                                end: text.into_owned(),
                            });
                        }
                        ctx.end = Some(t);
                    }
                }
                "unavailable_tweet_ids"
                | "unsupported_for_video_views_tweet_ids"
                | "unsupported_for_impressions_engagements_tweet_ids" => {
                    let value = map.next_value_seed(DepthValue {
                        remaining: ctx.options.depth_limit(),
                    })?;
                    if !value.is_array() {
                        return Err(ctx.fail(MalformedKind::UnexpectedType {
                            expected: "a list of post ids".into(),
                            found: kind_of(&value).into(),
                        }));
                    }
                    let ids = ids_of(&value);
                    match key.as_ref() {
                        "unavailable_tweet_ids" => ctx.unavailable.extend(ids),
                        "unsupported_for_video_views_tweet_ids" => {
                            ctx.unsupported_video_views.extend(ids);
                        }
                        _ => ctx.unsupported_impressions.extend(ids),
                    }
                }
                "errors" => {
                    let value = map.next_value_seed(DepthValue {
                        remaining: ctx.options.depth_limit(),
                    })?;
                    match value {
                        Value::Array(items) => {
                            for item in items {
                                ctx.outcome.errors.push(match item {
                                    Value::String(s) => s,
                                    other => other.to_string(),
                                });
                            }
                        }
                        Value::String(s) => ctx.outcome.errors.push(s),
                        other => ctx.outcome.errors.push(other.to_string()),
                    }
                }
                name => {
                    if let Some(g) = ctx.request.groupings().iter().position(|g| g.name == name) {
                        ctx.answered_groupings[g] = true;
                        map.next_value_seed(LevelSeed {
                            ctx,
                            g,
                            prefix: Prefix::default(),
                        })?;
                    } else {
                        let value = map.next_value_seed(DepthValue {
                            remaining: ctx.options.depth_limit(),
                        })?;
                        ctx.outcome.push_notice(ResponseNotice::UnknownKey {
                            key: name.to_owned(),
                        });
                        ctx.outcome.extra.insert(name.to_owned(), value);
                    }
                }
            }
            ctx.path.pop();
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<(), A::Error> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "a list")))
    }
    fn visit_str<E: de::Error>(self, _v: &str) -> Result<(), E> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "a string")))
    }
    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<(), E> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "a number")))
    }
    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<(), E> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "a number")))
    }
    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<(), E> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "a number")))
    }
    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<(), E> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "a boolean")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self
            .0
            .fail(unexpected("an object keyed by grouping names", "null")))
    }
}

fn unexpected(expected: &str, found: &str) -> MalformedKind {
    MalformedKind::UnexpectedType {
        expected: expected.to_owned(),
        found: found.to_owned(),
    }
}

/// The text of `start` or `end`; `wrong` is set when the value is JSON of another type (as
/// opposed to JSON that does not read).
struct TimeText<'a> {
    wrong: &'a mut bool,
}

impl<'de> DeserializeSeed<'de> for TimeText<'_> {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl TimeText<'_> {
    fn other<E: de::Error, T>(self) -> Result<T, E> {
        *self.wrong = true;
        Err(E::custom("not a string"))
    }
}

impl<'de> Visitor<'de> for TimeText<'_> {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time")
    }
    // A string is kept as a key is: borrowed where the reader lends it.
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        CowStr.visit_borrowed_str(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        CowStr.visit_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        CowStr.visit_string(v)
    }
    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<Self::Value, E> {
        self.other()
    }
    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<Self::Value, E> {
        self.other()
    }
    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<Self::Value, E> {
        self.other()
    }
    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<Self::Value, E> {
        self.other()
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.other()
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<Self::Value, A::Error> {
        self.other()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Self::Value, A::Error> {
        self.other()
    }
}

/// One nesting level of grouping `g`.
struct LevelSeed<'a, 'de, 'r> {
    ctx: &'a mut Ctx<'de, 'r>,
    g: usize,
    prefix: Prefix,
}

impl<'de> DeserializeSeed<'de> for LevelSeed<'_, 'de, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl LevelSeed<'_, '_, '_> {
    fn expecting_text(&self) -> String {
        let remaining: Vec<&str> = self.ctx.request.groupings()[self.g]
            .group_by
            .iter()
            .filter(|d| self.prefix.used & bit(**d) == 0)
            .map(|d| d.name())
            .collect();
        format!("an object keyed by {}", remaining.join(" or "))
    }

    fn wrong<E: de::Error>(self, found: &str) -> E {
        let expected = self.expecting_text();
        self.ctx.fail(unexpected(&expected, found))
    }
}

impl<'de> Visitor<'de> for LevelSeed<'_, 'de, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a level of a grouping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let LevelSeed { ctx, g, prefix } = self;
        if usize::from(prefix.depth) >= ctx.options.depth_limit() {
            ctx.failure = Some(ResponseError::TooDeep {
                limit: ctx.options.depth_limit(),
                path: ctx.path_string(),
            });
            return Err(de::Error::custom(TOO_DEEP));
        }
        let group_by = &ctx.request.groupings()[g].group_by;
        let expected = group_by
            .iter()
            .copied()
            .find(|d| prefix.used & bit(*d) == 0);
        let unread = group_by
            .iter()
            .filter(|d| prefix.used & bit(**d) == 0)
            .count();
        // The innermost level: each key of the dimension still to read completes a row, so the row
        // is built here from the prefix, without the bookkeeping of the levels above; any other
        // key takes the general way below.
        let last = expected.filter(|_| unread == 1);
        let template = Row {
            post_id: prefix.post,
            media_key: None,
            metric: prefix.metric,
            bucket: prefix.bucket(),
            value: 0,
        };
        if let (Some(Dimension::EngagementHour), Some(day), None) = (last, prefix.day, prefix.hour)
        {
            return read_hours(ctx, g, prefix, expected, day, template, &mut map);
        }
        // The levels of a row completed here.
        let levels = last.map(|d| prefix.with_level(Level::from(d)));
        let mut seen = Seen::default();
        while let Some(key) = map.next_key_seed(CowStr)? {
            once_at(ctx, &mut seen, &key)?;
            let row = match last.and_then(|d| read_as(d, &key, &prefix)) {
                Some(Read::Hour(h)) => Some(Row {
                    bucket: Prefix {
                        hour: Some(h),
                        ..prefix
                    }
                    .bucket(),
                    ..template
                }),
                Some(Read::Day(d)) => Some(Row {
                    bucket: Prefix {
                        day: Some(d),
                        ..prefix
                    }
                    .bucket(),
                    ..template
                }),
                Some(Read::Post(id)) => {
                    note_post(ctx, g, id);
                    Some(Row {
                        post_id: Some(id),
                        media_key: None,
                        ..template
                    })
                }
                Some(Read::Metric(m)) => {
                    note_metric(ctx, g, m);
                    Some(Row {
                        metric: Some(m),
                        ..template
                    })
                }
                Some(Read::DayAboveHours(_)) | None => None,
            };
            let (Some(row), Some(levels)) = (row, levels) else {
                read_key(ctx, g, prefix, expected, &mut map, key)?;
                continue;
            };
            let value = read_count(ctx, &mut map, &key)?;
            let grouping = &mut ctx.outcome.groupings[g];
            note_levels(grouping, &levels);
            grouping.rows.push(Row { value, ..row });
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<(), A::Error> {
        Err(self.wrong("a list"))
    }
    fn visit_str<E: de::Error>(self, _v: &str) -> Result<(), E> {
        Err(self.wrong("a count"))
    }
    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<(), E> {
        Err(self.wrong("a count"))
    }
    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<(), E> {
        Err(self.wrong("a number"))
    }
    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<(), E> {
        Err(self.wrong("a number"))
    }
    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<(), E> {
        Err(self.wrong("a boolean"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.wrong("null"))
    }
}

/// The hours of a known day, the bulk of an hourly answer: each key is an hour (or read the
/// general way), each value a count, and the 24 buckets of the day are made once.
fn read_hours<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx<'de, '_>,
    g: usize,
    prefix: Prefix,
    expected: Option<Dimension>,
    day: Date,
    template: Row,
    map: &mut A,
) -> Result<(), A::Error> {
    let hours = hour_buckets(day);
    let levels = prefix.with_level(Level::Hour);
    // The hours read so far, one bit each; other keys, as written.
    let (mut hours_seen, mut seen) = (0u32, Seen::default());
    while let Some(key) = map.next_key_seed(CowStr)? {
        let hour = parse_hour(&key).filter(|h| usize::from(*h) < hours.len());
        let Some(bucket) = hour.and_then(|h| hours.get(usize::from(h))) else {
            once_at(ctx, &mut seen, &key)?;
            read_key(ctx, g, prefix, expected, map, key)?;
            continue;
        };
        let bit = 1u32 << hour.unwrap_or(0);
        if hours_seen & bit != 0 {
            // The same hour written twice (`"07"` twice, or `"7"` and `"07"`).
            ctx.path.push(key.clone());
            return Err(twice(ctx, &key));
        }
        hours_seen |= bit;
        let value = read_count(ctx, map, &key)?;
        let grouping = &mut ctx.outcome.groupings[g];
        note_levels(grouping, &levels);
        grouping.rows.push(Row {
            bucket: *bucket,
            value,
            ..template
        });
    }
    Ok(())
}

/// The keys of one object read so far, to refuse a key met twice. A key is compared with the
/// earlier ones only when a 256-bit filter of their hashes says it may be one of them, so the
/// 28 or so days of a month's level cost one hash each, not a comparison with every day before
/// (a twentieth of an hourly answer's parse, callgrind, `bench_parse`). Past
/// [`Seen::LISTED`] keys the filter is mostly ones, so the keys move to a hash set: an object
/// of a million keys (an answer may be 256 MB) is not read in quadratic time.
#[derive(Default)]
struct Seen<'de> {
    keys: Vec<Cow<'de, str>>,
    filter: [u128; 2],
    many: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> Seen<'de> {
    /// The most keys compared one by one.
    const LISTED: usize = 64;

    /// The key's place in the filter: its last eight bytes (where dates, ids and names differ)
    /// and its length, mixed by a multiplication whose top eight bits depend on all of them.
    fn place(key: &str) -> (usize, u32) {
        let bytes = key.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        let hash = (u64::from_le_bytes(word) ^ bytes.len() as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            >> 56;
        // `hash` is below 256: its top bit picks the half, the rest the bit.
        (usize::from(hash >= 128), (hash & 127) as u32)
    }

    /// Whether `key` was met before; notes it either way.
    #[allow(clippy::ptr_arg)] // the key is kept as it came, borrowed where the reader lent it
    fn met(&mut self, key: &Cow<'de, str>) -> bool {
        if let Some(many) = &mut self.many {
            return !many.insert(key.clone());
        }
        let (half, bit) = Self::place(key);
        let bit = 1u128 << bit;
        let maybe = self.filter[half] & bit != 0 && self.keys.contains(key);
        self.filter[half] |= bit;
        if !maybe {
            if self.keys.capacity() == 0 {
                // Room for a month of days at once: one allocation per object, not five.
                self.keys.reserve(32);
            }
            self.keys.push(key.clone());
            if self.keys.len() > Self::LISTED {
                self.many = Some(self.keys.drain(..).collect());
            }
        }
        maybe
    }
}

/// Refuses a key met before in the same object (`seen`, the path already ending in it): its
/// value would be counted twice, or one of the two lost.
#[allow(clippy::ptr_arg)] // as `Seen::met`
fn once<'de, E: de::Error>(
    ctx: &mut Ctx<'de, '_>,
    seen: &mut Seen<'de>,
    key: &Cow<'de, str>,
) -> Result<(), E> {
    if seen.met(key) {
        return Err(twice(ctx, key));
    }
    Ok(())
}

/// [`once`] for a key not yet on the path.
#[allow(clippy::ptr_arg)] // as `Seen::met`
fn once_at<'de, E: de::Error>(
    ctx: &mut Ctx<'de, '_>,
    seen: &mut Seen<'de>,
    key: &Cow<'de, str>,
) -> Result<(), E> {
    if seen.met(key) {
        ctx.path.push(key.clone());
        return Err(twice(ctx, key));
    }
    Ok(())
}

/// The error of `key` met twice in one object, the path ending in it.
#[cold]
#[allow(clippy::ptr_arg)] // as `Seen::met`
fn twice<'de, E: de::Error>(ctx: &mut Ctx<'de, '_>, key: &Cow<'de, str>) -> E {
    ctx.fail(MalformedKind::DuplicateKey {
        key: key.clone().into_owned(),
    })
}

/// Reads one key of a level the general way: the dimension the request says comes next, else
/// (liberally) any other dimension of the grouping not read yet that the key fits; a key that
/// fits none is an unknown metric kept aside, or an error.
#[inline(never)]
fn read_key<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx<'de, '_>,
    g: usize,
    prefix: Prefix,
    expected: Option<Dimension>,
    map: &mut A,
    key: Cow<'de, str>,
) -> Result<(), A::Error> {
    let group_by = &ctx.request.groupings()[g].group_by;
    let read = expected
        .and_then(|d| read_as(d, &key, &prefix).map(|r| (d, r)))
        .or_else(|| {
            group_by
                .iter()
                .copied()
                .filter(|d| prefix.used & bit(*d) == 0 && Some(*d) != expected)
                .find_map(|d| read_as(d, &key, &prefix).map(|r| (d, r)))
        });
    let Some((dim, read)) = read else {
        let metric_like = group_by
            .iter()
            .any(|d| *d == Dimension::EngagementType && prefix.used & bit(*d) == 0)
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && key.bytes().any(|b| b.is_ascii_alphabetic());
        ctx.path.push(key.clone());
        if metric_like {
            let value = map.next_value_seed(DepthValue {
                remaining: ctx.options.depth_limit(),
            })?;
            let grouping = ctx.request.groupings()[g].name.clone();
            ctx.outcome.push_notice(ResponseNotice::UnknownMetric {
                grouping,
                name: key.into_owned(),
            });
            let path = ctx.path_string();
            ctx.outcome.unknown.push(UnknownPart { path, value });
            ctx.path.pop();
            return Ok(());
        }
        let expected_names: Vec<&str> = ctx.request.groupings()[g]
            .group_by
            .iter()
            .filter(|d| prefix.used & bit(**d) == 0)
            .map(|d| d.name())
            .collect();
        let expected = format!("a key of {}", expected_names.join(" or "));
        return Err(ctx.fail(MalformedKind::UnexpectedKey {
            key: key.into_owned(),
            expected,
        }));
    };
    if Some(dim) != expected {
        let grouping = &ctx.request.groupings()[g];
        let mut answered = prefix.levels();
        answered.push(Level::from(dim));
        ctx.outcome.push_notice(ResponseNotice::LevelsReordered {
            grouping: grouping.name.clone(),
            requested: grouping.group_by.clone(),
            answered,
        });
    }
    let mut next = prefix;
    match read {
        Read::Post(id) => {
            next.post = Some(id);
            next.used |= bit(dim);
            next = next.with_level(Level::Post);
            note_post(ctx, g, id);
        }
        Read::Metric(m) => {
            next.metric = Some(m);
            next.used |= bit(dim);
            next = next.with_level(Level::Metric);
            note_metric(ctx, g, m);
        }
        Read::Day(d) => {
            next.day = Some(d);
            next.used |= bit(dim);
            next = next.with_level(Level::Day);
        }
        Read::Hour(h) => {
            next.hour = Some(h);
            next.used |= bit(dim);
            next = next.with_level(Level::Hour);
        }
        Read::DayAboveHours(d) => {
            next.day = Some(d);
            next = next.with_level(Level::Day);
        }
    }
    let done = ctx.request.groupings()[g]
        .group_by
        .iter()
        .all(|d| next.used & bit(*d) != 0);
    if done {
        let value = read_count(ctx, map, &key)?;
        let grouping = &mut ctx.outcome.groupings[g];
        note_levels(grouping, &next);
        grouping.rows.push(Row {
            post_id: next.post,
            media_key: None,
            metric: next.metric,
            bucket: next.bucket(),
            value,
        });
    } else {
        ctx.path.push(key);
        map.next_value_seed(LevelSeed {
            ctx: &mut *ctx,
            g,
            prefix: next,
        })?;
        ctx.path.pop();
    }
    Ok(())
}

/// Notes a post of grouping `g`: seen, and noticed if the request did not ask for it.
fn note_post(ctx: &mut Ctx<'_, '_>, g: usize, id: PostId) {
    if ctx.seen[g].insert(id) && !ctx.request.post_ids().contains(&id) {
        let first_mention = ctx
            .seen
            .iter()
            .enumerate()
            .all(|(h, ids)| h == g || !ids.contains(&id));
        if first_mention {
            ctx.unasked.push(id);
        }
        let grouping = ctx.request.groupings()[g].name.clone();
        ctx.outcome.push_notice(ResponseNotice::PostNotRequested {
            grouping,
            post_id: id,
        });
    }
}

/// Notes a metric of grouping `g`: noticed if the request did not ask for it.
fn note_metric(ctx: &mut Ctx<'_, '_>, g: usize, m: Metric) {
    if !ctx.request.metrics().contains(&m) {
        let grouping = ctx.request.groupings()[g].name.clone();
        ctx.outcome.push_notice(ResponseNotice::MetricNotRequested {
            grouping,
            metric: m,
        });
    }
}

/// Records the levels the answer used, from its first count: `prefix` holds them all.
#[inline]
fn note_levels(grouping: &mut GroupingResult, prefix: &Prefix) {
    if grouping.levels.is_none() {
        grouping.levels = Some(prefix.levels());
    }
}

/// The 24 hour buckets of `day`.
fn hour_buckets(day: Date) -> [Bucket; 24] {
    std::array::from_fn(|h| {
        Prefix {
            day: Some(day),
            hour: u8::try_from(h).ok(),
            ..Prefix::default()
        }
        .bucket()
    })
}

/// Reads the count under `key`. The path gains `key` only when the count is bad, so a good count
/// costs no path bookkeeping.
// Inlined into its two callers, the loops over a level's counts: 1.5% fewer instructions per
// hourly answer than a call per count (callgrind, `bench_parse`).
#[allow(clippy::inline_always, clippy::ptr_arg)]
#[inline(always)]
fn read_count<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx<'de, '_>,
    map: &mut A,
    key: &Cow<'de, str>,
) -> Result<u64, A::Error> {
    let mut bad = None;
    match map.next_value_seed(Leaf { bad: &mut bad }) {
        Ok(value) => Ok(value),
        Err(e) => Err(count_failed(ctx, key, bad, e)),
    }
}

/// The error of a bad count under `key`: the kind [`Leaf`] left, or the reader's own.
#[cold]
#[inline(never)]
#[allow(clippy::ptr_arg)] // as `Seen::met`
fn count_failed<'de, E: de::Error>(
    ctx: &mut Ctx<'de, '_>,
    key: &Cow<'de, str>,
    bad: Option<MalformedKind>,
    e: E,
) -> E {
    ctx.path.push(key.clone());
    match bad {
        Some(kind) => ctx.fail(kind),
        None => e,
    }
}

/// A count: a decimal string or a JSON number. What is wrong with a bad one is left in `bad`
/// for the caller, which knows where it is.
struct Leaf<'a> {
    bad: &'a mut Option<MalformedKind>,
}

impl Leaf<'_> {
    fn refuse<E: de::Error>(self, kind: MalformedKind) -> E {
        *self.bad = Some(kind);
        E::custom("malformed")
    }
}

impl<'de> DeserializeSeed<'de> for Leaf<'_> {
    type Value = u64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Leaf<'_> {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a count")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        count_from_i64(v).map_err(|k| self.refuse(k))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        count_from_f64(v).map_err(|k| self.refuse(k))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        count_from_str(v).map_err(|k| self.refuse(k))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<u64, A::Error> {
        Err(self.refuse(unexpected(
            "a count",
            "an object (a level deeper than the grouping)",
        )))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<u64, A::Error> {
        Err(self.refuse(unexpected("a count", "a list")))
    }
    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<u64, E> {
        Err(self.refuse(unexpected("a count", "a boolean")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Err(self.refuse(unexpected("a count", "null")))
    }
}

/// How many counts a full answer for a grouping holds: posts x metrics x days or hours of the
/// window. Reserving them up front spares the parser every reallocation of a large answer.
fn expected_rows(request: &Request, group_by: &[Dimension]) -> usize {
    let hours = request
        .covered_window()
        .map_or(1, |w| usize::try_from(w.hours()).unwrap_or(1));
    let mut n = 1usize;
    for d in group_by {
        n = n.saturating_mul(match d {
            Dimension::TweetId => request.post_ids().len(),
            Dimension::EngagementType => request.metrics().len(),
            Dimension::EngagementDay => hours.div_ceil(24) + 1,
            Dimension::EngagementHour if group_by.contains(&Dimension::EngagementDay) => 24,
            Dimension::EngagementHour => 24,
        });
    }
    // A bound, not a promise: the answer may hold less (or, liberally, more).
    n.min(1 << 22)
}

/// Reads a 2xx v1 answer to `request`.
pub(crate) fn parse(
    request: &Request,
    status: u16,
    body: &[u8],
    options: &ParseOptions,
    reader: JsonReader,
) -> Result<Outcome, ResponseError> {
    let mut outcome = Outcome::empty(request.endpoint());
    outcome.groupings = request
        .groupings()
        .iter()
        .map(|g| {
            let mut result = GroupingResult::new(&g.name, &g.group_by);
            result.rows.reserve(expected_rows(request, &g.group_by));
            result
        })
        .collect();
    let mut ctx = Ctx {
        request,
        options,
        status,
        path: Vec::new(),
        failure: None,
        outcome,
        seen: vec![HashSet::new(); request.groupings().len()],
        unasked: Vec::new(),
        start: None,
        end: None,
        unavailable: Vec::new(),
        unsupported_impressions: Vec::new(),
        unsupported_video_views: Vec::new(),
        answered_groupings: vec![false; request.groupings().len()],
    };
    if let Err(e) = json::read(reader, body, Top(&mut ctx)) {
        return Err(ctx.failure.take().unwrap_or_else(|| {
            let path = ctx.path_string();
            match e {
                ReadError::TooDeep => ResponseError::TooDeep {
                    limit: options.depth_limit(),
                    path,
                },
                ReadError::Syntax(message) => ResponseError::Malformed(MalformedResponse {
                    status,
                    path,
                    kind: MalformedKind::Syntax { message },
                }),
            }
        }));
    }
    Ok(finish(ctx))
}

fn finish(ctx: Ctx<'_, '_>) -> Outcome {
    let Ctx {
        request,
        mut outcome,
        seen,
        unasked,
        start,
        end,
        unavailable,
        unsupported_impressions,
        unsupported_video_views,
        answered_groupings,
        ..
    } = ctx;
    let window = match (start, end) {
        (Some(s), Some(e)) => TimeWindow::rounded(s, e).ok(),
        _ => None,
    }
    .or_else(|| request.covered_window());
    outcome.windows = window.into_iter().collect();
    for (g, answered) in answered_groupings.iter().enumerate() {
        if !answered {
            outcome.push_notice(ResponseNotice::GroupingMissing {
                grouping: request.groupings()[g].name.clone(),
            });
        }
    }
    // Groupings by hour without a day: say how they were answered.
    for (g, grouping) in request.groupings().iter().enumerate() {
        let by_hour_only = grouping.group_by.contains(&Dimension::EngagementHour)
            && !grouping.group_by.contains(&Dimension::EngagementDay);
        if !by_hour_only {
            continue;
        }
        let name = grouping.name.clone();
        match outcome.groupings[g].rows.first().map(|r| r.bucket) {
            Some(Bucket::Hour(_)) => {
                outcome.push_notice(ResponseNotice::DayLevelAdded { grouping: name });
            }
            Some(Bucket::HourOfDay(_)) => {
                outcome.push_notice(ResponseNotice::HourOfDayBuckets { grouping: name });
            }
            _ => {}
        }
    }
    if !outcome.errors.is_empty() {
        let messages = outcome.errors.clone();
        outcome.push_notice(ResponseNotice::ErrorsInAnswer { messages });
    }
    // The ledger: every post asked, with what the answer says about it.
    let mut ledger = super::Ledger::new(request.post_ids());
    for id in &unavailable {
        ledger.entry(*id).unavailable = true;
    }
    ledger.note_unsupported(&unsupported_impressions, &unsupported_video_views, request);
    for message in &outcome.errors {
        for id in forbidden_ids_in(message) {
            ledger.entry(id).forbidden = true;
        }
    }
    // A grouping by post answers for the posts it names. One that is not by post answers for
    // every post when it is there, and for none when it is missing.
    let groupings = request.groupings();
    let is_by_post = |g: usize| groupings[g].group_by.contains(&Dimension::TweetId);
    let by_post: Vec<usize> = (0..groupings.len()).filter(|&g| is_by_post(g)).collect();
    let missing_not_by_post: Vec<usize> = (0..groupings.len())
        .filter(|&g| !is_by_post(g) && !answered_groupings[g])
        .collect();
    let answered_not_by_post =
        (0..groupings.len()).any(|g| !is_by_post(g) && answered_groupings[g]);
    for id in request.post_ids() {
        let entry = ledger.entry(*id);
        if entry.unavailable || entry.forbidden {
            continue;
        }
        let all_unsupported = request
            .metrics()
            .iter()
            .all(|m| entry.unsupported.iter().any(|u| u.metric == *m));
        if all_unsupported {
            continue;
        }
        let mut mentioned = by_post.is_empty() && answered_not_by_post;
        for &g in &by_post {
            if seen[g].contains(id) {
                mentioned = true;
            } else {
                entry.missing_from.push(groupings[g].name.clone());
            }
        }
        for &g in &missing_not_by_post {
            entry.missing_from.push(groupings[g].name.clone());
        }
        if mentioned {
            entry.answers = 1;
        }
    }
    for id in unasked {
        ledger.entry(id).answers = 1;
    }
    for id in request.post_ids() {
        let served = ledger.get(id).is_some_and(|e| e.answers > 0);
        if served {
            outcome.coverage.entry(*id).or_default().push(window);
        }
    }
    outcome.ledger = ledger;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_of_many_keys_is_checked_through_a_set_and_still_refuses_a_repeat() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("2026-10-{i}")).collect();
        let mut seen = Seen::default();
        for key in &keys {
            assert!(!seen.met(&Cow::Borrowed(key.as_str())), "{key} is new");
        }
        // The list stopped growing: no key is compared with thousands before it.
        assert!(seen.keys.len() <= Seen::LISTED);
        assert_eq!(seen.many.as_ref().map(HashSet::len), Some(keys.len()));
        for key in [&keys[0], &keys[40], &keys[9_999]] {
            assert!(seen.met(&Cow::Owned(key.clone())), "{key} was met before");
        }
        assert!(!seen.met(&Cow::Borrowed("2026-10-x")));
    }

    #[test]
    fn a_few_keys_stay_in_the_list_and_a_repeat_is_found() {
        let mut seen = Seen::default();
        for day in 1..=31 {
            assert!(!seen.met(&Cow::Owned(format!("2026-10-{day:02}"))));
        }
        assert!(seen.many.is_none());
        assert!(seen.met(&Cow::Borrowed("2026-10-17")));
    }
}
