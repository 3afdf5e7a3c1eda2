//! Requests as users write them, generated from a sequence of choices: valid ones (every
//! generation, grouping shape and window rule respected) and invalid ones with the problems
//! validation must report. One generator serves both front ends: proptest (the choices are a
//! vector it shrinks towards zeros, and zeros give the simplest request) and `arbitrary` (the
//! choices are a fuzzer's bytes).

use time::{Duration, OffsetDateTime, Time};

use crate::facts::{Endpoint, Generation, TimeRange, limits};
use crate::grouping::{Dimension, FOUR_DIMENSION_ORDERS};
use crate::id::PostId;
use crate::metric::Metric;
use crate::problem::{Problem, Rule};
use crate::request::{EngagementField, Granularity, GroupingSpec, RequestSpec};
use crate::window::{floor_hour, format_time};

pub(crate) use super::Draw;

/// Choices read from a list of numbers, then zeros.
pub(crate) struct Choices<'a> {
    pub(crate) list: &'a [u32],
    pub(crate) at: usize,
}

impl Draw for Choices<'_> {
    fn below(&mut self, n: u64) -> u64 {
        let v = self.list.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        if n == 0 { 0 } else { u64::from(v) % n }
    }
}

/// Grouping names a user could choose: plain, with spaces and punctuation, non-ASCII.
const GROUPING_NAMES: [&str; 8] = [
    "g",
    "by post",
    "hourly",
    "daily-series",
    "totals_2026",
    "Grouping \"quoted\"",
    "ünïcödé ✓",
    "t",
];

/// The post id created at `created` (to the millisecond) with `sequence` in its low 22 bits;
/// `None` before the snowflake epoch (2010-11-04) or past the largest id.
pub fn post_id_created_at(created: OffsetDateTime, sequence: u32) -> Option<PostId> {
    let ms = i64::try_from(created.unix_timestamp_nanos() / 1_000_000).ok()?;
    let since = u64::try_from(ms.checked_sub(limits::SNOWFLAKE_EPOCH_MS)?).ok()?;
    let id = since.checked_mul(1 << 22)? | u64::from(sequence & 0x3f_ffff);
    (id >= limits::FIRST_SNOWFLAKE_ID)
        .then(|| PostId::parse(&id.to_string()).ok())
        .flatten()
}

/// A post id aged `minutes` before `now`, or a pre-snowflake id when that is before 2010.
fn id_aged(now: OffsetDateTime, minutes: i64, sequence: u32) -> String {
    now.checked_sub(Duration::minutes(minutes))
        .and_then(|t| post_id_created_at(t, sequence))
        .map_or_else(
            || (1 + u64::from(sequence)).to_string(),
            |id| id.as_str().to_owned(),
        )
}

/// The ages of post ids the generator picks from, in minutes, by class: recent (every metric
/// served), past 90 days (no impressions or engagements on totals), past 1800 days (no video
/// views), and pre-snowflake.
fn post_id(d: &mut impl Draw, now: OffsetDateTime, k: u32) -> String {
    let sequence = u32::try_from(d.below(1 << 22)).unwrap_or(0).wrapping_add(k);
    let day: u64 = 24 * 60;
    let minutes = match d.below(10) {
        0..=5 => 1 + d.below(85 * day),
        6..=7 => 95 * day + d.below(1600 * day),
        8 => 1850 * day + d.below(1000 * day),
        _ => return (1 + u64::from(k) + d.below(29_000_000_000)).to_string(),
    };
    id_aged(now, i64::try_from(minutes).unwrap_or(0), sequence)
}

/// `count` items, usually few, sometimes up to `max`.
fn count(d: &mut impl Draw, few: u64, max: usize) -> usize {
    let n = if d.one_in(8) {
        1 + d.below(max as u64)
    } else {
        1 + d.below(few)
    };
    usize::try_from(n).unwrap_or(1).min(max)
}

fn metrics(d: &mut impl Draw, endpoint: Endpoint) -> Vec<String> {
    let mut available: Vec<Metric> = Metric::all().filter(|m| m.available_on(endpoint)).collect();
    let n = count(d, 3, available.len());
    let mut out = Vec::new();
    for _ in 0..n {
        let m = available.remove(d.index(available.len()));
        // Either generation's spelling reads on the insights endpoints; the request sends its
        // own. Post and media analytics have names of their own.
        let name = match d.below(3) {
            _ if endpoint.is_analytics() => m.name_on(endpoint),
            0 => m.name_in(endpoint.generation()),
            1 => m.v1_name(),
            _ => m.v2_name(),
        };
        out.push(name.unwrap_or(m.name()).to_owned());
    }
    out
}

fn dimensions(d: &mut impl Draw, endpoint: Endpoint, four_taken: &mut bool) -> Vec<Dimension> {
    let time_series = endpoint.facts().time_series;
    if time_series && !*four_taken && d.one_in(5) {
        *four_taken = true;
        return FOUR_DIMENSION_ORDERS[d.index(FOUR_DIMENSION_ORDERS.len())].to_vec();
    }
    let mut pool: Vec<Dimension> = Dimension::ALL
        .into_iter()
        .filter(|dim| time_series || !dim.is_time())
        .collect();
    let n = 1 + d.index(pool.len().min(3));
    (0..n).map(|_| pool.remove(d.index(pool.len()))).collect()
}

/// Groupings of a v1 request: 1 to 3, distinct names, at most one of four dimensions.
pub(crate) fn grouping_dimensions(d: &mut impl Draw, endpoint: Endpoint) -> Vec<Vec<Dimension>> {
    let n = 1 + d.index(limits::MAX_GROUPINGS);
    let mut four = false;
    (0..n).map(|_| dimensions(d, endpoint, &mut four)).collect()
}

fn groupings(d: &mut impl Draw, endpoint: Endpoint) -> Vec<GroupingSpec> {
    let first = d.index(GROUPING_NAMES.len());
    grouping_dimensions(d, endpoint)
        .into_iter()
        .enumerate()
        .map(|(i, dims)| GroupingSpec {
            name: GROUPING_NAMES[(first + i) % GROUPING_NAMES.len()].to_owned(),
            group_by: dims.iter().map(|dim| dim.name().to_owned()).collect(),
        })
        .collect()
}

/// A time as a user writes it: RFC 3339, or a date where it is midnight.
fn written(d: &mut impl Draw, t: OffsetDateTime) -> String {
    if t.time() == Time::MIDNIGHT && d.below(2) == 1 {
        t.date().to_string()
    } else {
        format_time(t)
    }
}

/// A window that validation keeps as it is or rounds to whole hours: at most 4 weeks after
/// rounding, inside the 365 days before `now` and after 2014-09-01, ending no later than `now`.
fn window(d: &mut impl Draw, now: OffsetDateTime) -> Option<(String, String)> {
    let now_hour = floor_hour(now);
    let earliest = floor_hour(now - Duration::days(limits::LOOKBACK_DAYS)).max(
        limits::EARLIEST_START
            .with_time(Time::MIDNIGHT)
            .assume_utc(),
    );
    let room = (now_hour - earliest).whole_hours();
    if room < 1 {
        return None;
    }
    // Mostly up to three days, one in four up to the 4 weeks allowed.
    let longest = if d.one_in(4) {
        limits::MAX_WINDOW_HOURS
    } else {
        72
    };
    let length =
        1 + i64::try_from(d.below(u64::try_from(room.min(longest)).unwrap_or(1))).unwrap_or(0);
    let back = i64::try_from(d.below(u64::try_from(room - length + 1).unwrap_or(1))).unwrap_or(0);
    let end = now_hour - Duration::hours(back);
    let start = end - Duration::hours(length);
    // Minutes inside the first hour are floored away, minutes before the last hour's end ceiled.
    let start_text = match d.below(3) {
        2 => format_time(start + Duration::minutes(i64::try_from(d.below(60)).unwrap_or(0))),
        _ => written(d, start),
    };
    let end_text = match d.below(3) {
        2 if length > 1 => {
            format_time(end - Duration::minutes(i64::try_from(d.below(59)).unwrap_or(0)))
        }
        _ => written(d, end),
    };
    Some((start_text, end_text))
}

/// The media types of media keys: a photo, a video, an amplify video, a GIF.
const MEDIA_TYPES: [u64; 4] = [3, 7, 13, 16];

/// A media key whose media id is a post id of `post_id`'s ages (the answer synthesizer counts
/// a media as the post of its media id).
fn media_key(d: &mut impl Draw, now: OffsetDateTime, k: u32) -> String {
    let kind = MEDIA_TYPES[d.index(MEDIA_TYPES.len())];
    format!("{kind}_{}", post_id(d, now, k))
}

/// A valid post or media analytics spec for `endpoint` at `now`: 1 to 100 ids or media keys,
/// metrics of the endpoint, a window (no length or age limit is documented: up to 4 weeks
/// here, inside the 365 days before `now`), no granularity (the default) or any the endpoint
/// takes.
fn analytics_spec(d: &mut impl Draw, endpoint: Endpoint, now: OffsetDateTime) -> RequestSpec {
    let n = count(d, 3, endpoint.facts().max_post_ids);
    let mut ids: Vec<String> = Vec::with_capacity(n);
    for k in 0..n {
        let k = u32::try_from(k).unwrap_or(0);
        let id = if endpoint.is_media() {
            media_key(d, now, k)
        } else {
            post_id(d, now, k)
        };
        if !ids.contains(&id) || d.one_in(4) {
            ids.push(id);
        }
    }
    let spec = RequestSpec::new(endpoint).metrics(metrics(d, endpoint));
    let mut spec = if endpoint.is_media() {
        spec.media_keys(ids)
    } else {
        spec.post_ids(ids)
    };
    if let Some((start, end)) = window(d, now) {
        spec = spec.window(start, end);
    }
    let granularities: Vec<Granularity> = Granularity::ALL
        .into_iter()
        .filter(|g| !(endpoint.is_media() && *g == Granularity::Weekly))
        .collect();
    let choice = d.index(granularities.len() + 1);
    if let Some(g) = granularities.get(choice) {
        spec = spec.granularity(g.query_value(endpoint));
    }
    spec
}

/// A valid spec for `endpoint` at `now`, from `d`'s choices.
pub(crate) fn valid_spec(
    d: &mut impl Draw,
    endpoint: Endpoint,
    now: OffsetDateTime,
) -> RequestSpec {
    if endpoint.is_analytics() {
        return analytics_spec(d, endpoint, now);
    }
    let max = endpoint.facts().max_post_ids;
    let n = count(d, 3, max);
    let mut ids: Vec<String> = Vec::with_capacity(n);
    for k in 0..n {
        let id = post_id(d, now, u32::try_from(k).unwrap_or(0));
        // A repeated id is valid (it is sent once, with a notice), but rare.
        if !ids.contains(&id) || d.one_in(4) {
            ids.push(id);
        }
    }
    let mut spec = RequestSpec::new(endpoint)
        .post_ids(ids)
        .metrics(metrics(d, endpoint));
    if endpoint.generation() == Generation::Enterprise {
        spec.groupings = groupings(d, endpoint);
    }
    if endpoint.facts().time_range == TimeRange::Window {
        // v1 historical may leave the window out (the 4 weeks before the request); v2 may not.
        let omitted = endpoint.generation() == Generation::Enterprise && d.one_in(6);
        if let Some((start, end)) = window(d, now).filter(|_| !omitted) {
            spec = spec.window(start, end);
        }
    }
    if endpoint.generation() == Generation::V2 {
        spec = spec.granularity(Granularity::ALL[d.index(4)].name());
        let fields = match d.below(4) {
            0 => vec![],
            1 => vec![EngagementField::Measurement],
            2 => vec![EngagementField::Measurement, EngagementField::Errors],
            _ => vec![EngagementField::Errors, EngagementField::Measurement],
        };
        spec = spec.fields(fields.into_iter().map(EngagementField::name));
    }
    spec
}

/// The kind of a [`Rule`], to say which problem an [`InvalidSpec`] must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleKind {
    /// [`Rule::PostId`].
    PostId,
    /// [`Rule::TooManyPostIds`].
    TooManyPostIds,
    /// [`Rule::NoMetrics`].
    NoMetrics,
    /// [`Rule::MetricName`].
    MetricName,
    /// [`Rule::MetricUnavailable`].
    MetricUnavailable,
    /// [`Rule::GroupingNameReserved`].
    GroupingNameReserved,
    /// [`Rule::GroupingNameDuplicate`].
    GroupingNameDuplicate,
    /// [`Rule::UnknownDimension`].
    UnknownDimension,
    /// [`Rule::TimeDimensionUnavailable`].
    TimeDimensionUnavailable,
    /// [`Rule::FourDimensionOrder`].
    FourDimensionOrder,
    /// [`Rule::GroupingsOnV2`].
    GroupingsOnV2,
    /// [`Rule::V2ParameterOnEnterprise`].
    V2ParameterOnEnterprise,
    /// [`Rule::UnknownGranularity`].
    UnknownGranularity,
    /// [`Rule::Time`].
    Time,
    /// [`Rule::WindowNotAllowed`].
    WindowNotAllowed,
    /// [`Rule::EndNotAfterStart`].
    EndNotAfterStart,
    /// [`Rule::WindowTooLong`].
    WindowTooLong,
    /// [`Rule::StartTooEarly`].
    StartTooEarly,
    /// [`Rule::StartBeyondLookback`].
    StartBeyondLookback,
    /// [`Rule::EndInFuture`].
    EndInFuture,
    /// [`Rule::MediaKey`].
    MediaKey,
    /// [`Rule::GranularityUnavailable`].
    GranularityUnavailable,
    /// [`Rule::FieldsOnAnalytics`].
    FieldsOnAnalytics,
    /// [`Rule::WindowRequired`].
    WindowRequired,
    /// [`Rule::PostIdsOnMedia`] and [`Rule::MediaKeysOnPosts`].
    IdsOfTheOtherKind,
}

impl RuleKind {
    /// Whether `rule` is of this kind.
    pub fn matches(self, rule: &Rule) -> bool {
        matches!(
            (self, rule),
            (RuleKind::PostId, Rule::PostId(_))
                | (RuleKind::TooManyPostIds, Rule::TooManyPostIds { .. })
                | (RuleKind::NoMetrics, Rule::NoMetrics)
                | (RuleKind::MetricName, Rule::MetricName(_))
                | (RuleKind::MetricUnavailable, Rule::MetricUnavailable { .. })
                | (RuleKind::GroupingNameReserved, Rule::GroupingNameReserved)
                | (RuleKind::GroupingNameDuplicate, Rule::GroupingNameDuplicate)
                | (RuleKind::UnknownDimension, Rule::UnknownDimension)
                | (
                    RuleKind::TimeDimensionUnavailable,
                    Rule::TimeDimensionUnavailable { .. }
                )
                | (RuleKind::FourDimensionOrder, Rule::FourDimensionOrder)
                | (RuleKind::GroupingsOnV2, Rule::GroupingsOnV2(_))
                | (
                    RuleKind::V2ParameterOnEnterprise,
                    Rule::V2ParameterOnEnterprise(_)
                )
                | (RuleKind::UnknownGranularity, Rule::UnknownGranularity)
                | (RuleKind::Time, Rule::Time(_))
                | (RuleKind::MediaKey, Rule::MediaKey(_))
                | (
                    RuleKind::GranularityUnavailable,
                    Rule::GranularityUnavailable { .. }
                )
                | (RuleKind::FieldsOnAnalytics, Rule::FieldsOnAnalytics(_))
                | (RuleKind::WindowRequired, Rule::WindowRequired(_))
                | (
                    RuleKind::IdsOfTheOtherKind,
                    Rule::PostIdsOnMedia(_) | Rule::MediaKeysOnPosts(_)
                )
                | (RuleKind::WindowNotAllowed, Rule::WindowNotAllowed(_))
                | (RuleKind::EndNotAfterStart, Rule::EndNotAfterStart { .. })
                | (RuleKind::WindowTooLong, Rule::WindowTooLong { .. })
                | (RuleKind::StartTooEarly, Rule::StartTooEarly)
                | (
                    RuleKind::StartBeyondLookback,
                    Rule::StartBeyondLookback { .. }
                )
                | (RuleKind::EndInFuture, Rule::EndInFuture { .. })
        )
    }
}

/// A problem validation must report: its field and the kind of rule broken.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExpectedProblem {
    /// The field, as [`Problem::field`] names it.
    pub field: String,
    /// The kind of rule.
    pub rule: RuleKind,
}

impl ExpectedProblem {
    /// Whether `problem` is this one.
    pub fn matches(&self, problem: &Problem) -> bool {
        problem.field == self.field && self.rule.matches(&problem.rule)
    }
}

/// An invalid spec and the problems validation must report for it (with default
/// [`ValidationOptions`](crate::ValidationOptions) at the `now` it was made for). Validation
/// reports each of them; it may report more where one mistake breaks two rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSpec {
    /// The spec.
    pub spec: RequestSpec,
    /// What validation must report, at least.
    pub problems: Vec<ExpectedProblem>,
}

impl InvalidSpec {
    /// The expected problems that `problems` lacks (empty when every one is reported).
    pub fn missing_from<'a>(&'a self, problems: &[Problem]) -> Vec<&'a ExpectedProblem> {
        self.problems
            .iter()
            .filter(|e| !problems.iter().any(|p| e.matches(p)))
            .collect()
    }
}

/// The mistakes [`invalid_spec`] can make, each breaking one documented rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mistake {
    BadPostId,
    TooManyPostIds,
    UnknownMetric,
    RetiredMetric,
    MetricElsewhere,
    ReservedGroupingName,
    UnknownDimension,
    TimeDimensionOnTotals,
    FourDimensionsOutOfOrder,
    GroupingsOnV2,
    GranularityOnV1,
    UnknownGranularity,
    WindowNotAllowed,
    BadTime,
    EndBeforeStart,
    WindowTooLong,
    StartTooEarly,
    EndInFuture,
    WeeklyOnMedia,
    FieldsOnAnalytics,
    NoWindow,
    IdsOfTheOtherKind,
}

fn mistakes(endpoint: Endpoint) -> Vec<Mistake> {
    use Mistake as M;
    let mut all = vec![
        M::BadPostId,
        M::TooManyPostIds,
        M::UnknownMetric,
        M::RetiredMetric,
    ];
    let facts = endpoint.facts();
    match endpoint.generation() {
        Generation::Enterprise => {
            all.extend([
                M::MetricElsewhere,
                M::ReservedGroupingName,
                M::UnknownDimension,
                M::GranularityOnV1,
            ]);
            if facts.time_series {
                all.push(M::FourDimensionsOutOfOrder);
            } else {
                all.push(M::TimeDimensionOnTotals);
            }
        }
        Generation::V2 => all.extend([M::GroupingsOnV2, M::UnknownGranularity]),
    }
    if endpoint.is_analytics() {
        // No length or age limit is documented for post and media analytics.
        all.extend([
            M::MetricElsewhere,
            M::FieldsOnAnalytics,
            M::IdsOfTheOtherKind,
            M::NoWindow,
            M::BadTime,
            M::EndBeforeStart,
            M::EndInFuture,
        ]);
        if endpoint.is_media() {
            all.push(M::WeeklyOnMedia);
        }
    } else if facts.time_range == TimeRange::Window {
        all.extend([
            M::BadTime,
            M::EndBeforeStart,
            M::WindowTooLong,
            M::StartTooEarly,
            M::EndInFuture,
        ]);
    } else {
        all.push(M::WindowNotAllowed);
    }
    all
}

fn is_window(m: Mistake) -> bool {
    matches!(
        m,
        Mistake::NoWindow
            | Mistake::BadTime
            | Mistake::EndBeforeStart
            | Mistake::WindowTooLong
            | Mistake::StartTooEarly
            | Mistake::EndInFuture
    )
}

/// An invalid spec for `endpoint` at `now`: a valid one with one to three mistakes, and the
/// problems they must produce.
pub(crate) fn invalid_spec(
    d: &mut impl Draw,
    endpoint: Endpoint,
    now: OffsetDateTime,
) -> InvalidSpec {
    let mut spec = valid_spec(d, endpoint, now);
    let mut pool = mistakes(endpoint);
    let n = 1 + d.index(3);
    let mut chosen = Vec::new();
    for _ in 0..n {
        if pool.is_empty() {
            break;
        }
        let m = pool.remove(d.index(pool.len()));
        // One window mistake at a time: two would overlap on the same fields.
        if is_window(m) {
            pool.retain(|x| !is_window(*x));
        }
        // One granularity mistake at a time, for the same reason.
        if matches!(m, Mistake::UnknownGranularity | Mistake::WeeklyOnMedia) {
            pool.retain(|x| !matches!(x, Mistake::UnknownGranularity | Mistake::WeeklyOnMedia));
        }
        chosen.push(m);
    }
    let generation = endpoint.generation();
    let (ids_field, metrics_field) = (
        endpoint.facts().ids_parameter,
        endpoint.facts().metrics_parameter,
    );
    let (start_field, end_field) = match generation {
        Generation::Enterprise => ("start", "end"),
        Generation::V2 => ("start_time", "end_time"),
    };
    let media = endpoint.is_media();
    let expect = |field: &str, rule: RuleKind| ExpectedProblem {
        field: field.to_owned(),
        rule,
    };
    let mut problems = Vec::new();
    // Mistakes that add ids go first, so that the index of a bad id stays where it is; a
    // grouping is renamed before others name it, its dimensions replaced before others add.
    chosen.sort_by_key(|m| match m {
        Mistake::TooManyPostIds => 0,
        Mistake::ReservedGroupingName => 1,
        Mistake::FourDimensionsOutOfOrder => 2,
        _ => 3,
    });
    for m in chosen {
        match m {
            Mistake::BadPostId if media => {
                let i = d.index(spec.media_keys.len());
                let bad = ["3-12", "", "_5", "7_", "x_1"][d.index(5)];
                bad.clone_into(&mut spec.media_keys[i]);
                problems.push(expect(&format!("{ids_field}[{i}]"), RuleKind::MediaKey));
            }
            Mistake::BadPostId => {
                let i = d.index(spec.post_ids.len());
                let bad = ["12x", "", "12345678901234567890", " 1", "-5"][d.index(5)];
                bad.clone_into(&mut spec.post_ids[i]);
                problems.push(expect(&format!("{ids_field}[{i}]"), RuleKind::PostId));
            }
            Mistake::TooManyPostIds => {
                let max = endpoint.facts().max_post_ids;
                let base = 1_990_000_000_000_000_000u64 + d.below(1_000_000);
                let more = (0..=max as u64).map(|k| base + k * 7);
                if media {
                    spec.media_keys.extend(more.map(|id| format!("3_{id}")));
                } else {
                    spec.post_ids.extend(more.map(|id| id.to_string()));
                }
                problems.push(expect(ids_field, RuleKind::TooManyPostIds));
            }
            Mistake::WeeklyOnMedia => {
                spec.granularity = Some("weekly".to_owned());
                problems.push(expect("granularity", RuleKind::GranularityUnavailable));
            }
            Mistake::NoWindow => {
                (spec.start, spec.end) = (None, None);
                problems.push(expect(start_field, RuleKind::WindowRequired));
            }
            Mistake::IdsOfTheOtherKind if media => {
                spec = spec.post_ids(["1990000000000000001"]);
                problems.push(expect("tweet_ids", RuleKind::IdsOfTheOtherKind));
            }
            Mistake::IdsOfTheOtherKind => {
                spec = spec.media_keys(["3_1990000000000000001"]);
                problems.push(expect("media_keys", RuleKind::IdsOfTheOtherKind));
            }
            Mistake::FieldsOnAnalytics => {
                spec = spec.fields(["measurement"]);
                problems.push(expect("engagement.fields", RuleKind::FieldsOnAnalytics));
            }
            Mistake::UnknownMetric | Mistake::RetiredMetric | Mistake::MetricElsewhere => {
                let elsewhere = Metric::all().find(|x| !x.available_on(endpoint));
                let name = match (m, generation) {
                    (Mistake::UnknownMetric, _) => "impresions",
                    (Mistake::MetricElsewhere, _) if endpoint.is_analytics() => {
                        elsewhere.map_or("impresions", Metric::name)
                    }
                    (Mistake::RetiredMetric, Generation::Enterprise) => "media_clicks",
                    (Mistake::RetiredMetric, Generation::V2) => "MediaClicks",
                    // Lifetime totals have no clicks; the time series have no quote tweets.
                    _ if endpoint == Endpoint::Totals => "url_clicks",
                    _ => "quote_tweets",
                };
                let field = format!("{metrics_field}[{}]", spec.metrics.len());
                spec.metrics.push(name.to_owned());
                let rule = if m == Mistake::MetricElsewhere {
                    RuleKind::MetricUnavailable
                } else {
                    RuleKind::MetricName
                };
                problems.push(expect(&field, rule));
            }
            Mistake::ReservedGroupingName => {
                let i = d.index(spec.groupings.len());
                let name =
                    limits::RESERVED_TOP_LEVEL_KEYS[d.index(limits::RESERVED_TOP_LEVEL_KEYS.len())];
                name.clone_into(&mut spec.groupings[i].name);
                problems.push(expect(
                    &format!("groupings.{name}"),
                    RuleKind::GroupingNameReserved,
                ));
            }
            Mistake::UnknownDimension => {
                let i = d.index(spec.groupings.len());
                spec.groupings[i]
                    .group_by
                    .push("engagement.week".to_owned());
                let field = format!("groupings.{}.group_by", spec.groupings[i].name);
                problems.push(expect(&field, RuleKind::UnknownDimension));
            }
            Mistake::TimeDimensionOnTotals => {
                let i = d.index(spec.groupings.len());
                let dim = [Dimension::EngagementDay, Dimension::EngagementHour][d.index(2)];
                spec.groupings[i].group_by.push(dim.name().to_owned());
                let field = format!("groupings.{}.group_by", spec.groupings[i].name);
                problems.push(expect(&field, RuleKind::TimeDimensionUnavailable));
            }
            Mistake::FourDimensionsOutOfOrder => {
                let i = d.index(spec.groupings.len());
                spec.groupings[i].group_by = [
                    "engagement.day",
                    "tweet.id",
                    "engagement.type",
                    "engagement.hour",
                ]
                .map(str::to_owned)
                .to_vec();
                let field = format!("groupings.{}.group_by", spec.groupings[i].name);
                problems.push(expect(&field, RuleKind::FourDimensionOrder));
            }
            Mistake::GroupingsOnV2 => {
                spec = spec.grouping("g", ["tweet.id"]);
                problems.push(expect("groupings", RuleKind::GroupingsOnV2));
            }
            Mistake::GranularityOnV1 => {
                spec = spec.granularity("Daily");
                problems.push(expect("granularity", RuleKind::V2ParameterOnEnterprise));
            }
            Mistake::UnknownGranularity => {
                spec.granularity = Some("Monthly".to_owned());
                problems.push(expect("granularity", RuleKind::UnknownGranularity));
            }
            Mistake::WindowNotAllowed => {
                let start = format_time(floor_hour(now) - Duration::days(2));
                spec = spec.window(start, format_time(floor_hour(now) - Duration::days(1)));
                problems.push(expect(start_field, RuleKind::WindowNotAllowed));
            }
            Mistake::BadTime => {
                let end = spec
                    .end
                    .take()
                    .unwrap_or_else(|| format_time(floor_hour(now)));
                spec.start = Some("2026-13-45".to_owned());
                spec.end = Some(end);
                problems.push(expect(start_field, RuleKind::Time));
            }
            Mistake::EndBeforeStart => {
                let end = floor_hour(now) - Duration::days(3);
                spec = spec.window(format_time(end + Duration::hours(2)), format_time(end));
                problems.push(expect(end_field, RuleKind::EndNotAfterStart));
            }
            Mistake::WindowTooLong => {
                let end = floor_hour(now) - Duration::days(1);
                let start = end
                    - Duration::hours(
                        limits::MAX_WINDOW_HOURS + 1 + i64::try_from(d.below(500)).unwrap_or(0),
                    );
                spec = spec.window(format_time(start), format_time(end));
                problems.push(expect(end_field, RuleKind::WindowTooLong));
            }
            Mistake::StartTooEarly => {
                spec = spec.window("2014-08-01", "2014-08-05");
                problems.push(expect(start_field, RuleKind::StartTooEarly));
                let lookback = floor_hour(now - Duration::days(limits::LOOKBACK_DAYS));
                if lookback.date() > limits::EARLIEST_START {
                    problems.push(expect(start_field, RuleKind::StartBeyondLookback));
                }
            }
            Mistake::EndInFuture => {
                let end =
                    floor_hour(now) + Duration::hours(2 + i64::try_from(d.below(48)).unwrap_or(0));
                spec = spec.window(format_time(end - Duration::days(1)), format_time(end));
                problems.push(expect(end_field, RuleKind::EndInFuture));
            }
        }
    }
    InvalidSpec { spec, problems }
}
