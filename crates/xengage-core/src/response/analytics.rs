//! The answers of post and media analytics (`GET /2/tweets/analytics`, `GET /2/media/analytics`):
//! `data[]` items, each an `id` (or `media_key`), top-level metric fields (spec 2.167) and
//! `timestamped_metrics` buckets; top-level RFC 7807 problems beside `data` for the posts or
//! media that were not served.
//!
//! Both spec versions are read. At 2.166 an item held only its id and its buckets, whose values
//! were integers; at 2.167 buckets, their `timestamp`, `metrics` and values may be null, media
//! values may be strings ("an integer when the backend value parses as a number, otherwise the
//! original string"), and items carry top-level metric fields. So:
//!
//! - the buckets are the rows of the series grouping ([`SERIES`]), one bucket per hour, day or
//!   week (`Bucket::Hour`, `Day`, `Week`) or one `Total`, as the request's granularity says;
//! - the top-level fields are the item's totals, kept apart in [`Outcome::totals`] (grouping
//!   [`TOTALS`]), and become rows of the series only when the item has no buckets, so a sum of
//!   the rows never counts a bucket twice (those rows are `Bucket::Total`: in an hourly, daily
//!   or weekly series they are rows, but have no place in its [tree](super::GroupingResult::tree)
//!   of days and hours);
//! - a null (value, bucket time or bucket metrics) gives no row, not a zero, and is counted in
//!   a [`ResponseNotice::NullsSkipped`];
//! - a string of digits is a count; any other string is kept in [`Outcome::unknown`] and
//!   noted ([`ResponseNotice::NonNumericValues`]);
//! - a metric name the SDK does not know is kept in [`Outcome::unknown`] with a notice;
//! - problems are matched by their `/2/problems/<name>` path whatever the host: a
//!   `resource-not-found` or `resource-unavailable` naming a requested post or media makes it
//!   unavailable in the ledger, a `not-authorized-for-resource` forbidden, any other problem
//!   naming it a failure.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::grouping::Dimension;
use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;
use crate::request::{Granularity, Request};
use crate::window::{floor_hour, parse_rfc3339};

use super::error::{MalformedKind, ProblemDetails, ResponseError};
use super::json::{self, JsonReader, ReadError, count_from_str};
use super::lite::{Lite, LiteMap, LiteSeed, Scratch};
use super::rows::{Bucket, Level, Row};
use super::v2::{At, Reader, malformed};
use super::{
    FailureKind, GroupingResult, Ledger, Outcome, ParseOptions, PostFailure, ResponseNotice,
    UnknownPart,
};

/// The name of the series result of an analytics answer (its `timestamped_metrics` buckets).
pub const SERIES: &str = "timestamped_metrics";
/// The name of the totals result of an analytics answer (its items' top-level metric fields),
/// in [`Outcome::totals`].
pub const TOTALS: &str = "totals";

/// Item keys that are not metrics.
const ITEM_KEYS: [&str; 4] = ["id", "media_key", "timestamp", SERIES];

/// What an item is about.
#[derive(Clone, Copy)]
enum Subject {
    Post(PostId),
    Media(MediaKey),
}

/// Which result a value goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Series,
    Totals,
}

struct Ctx<'v, 'r> {
    r: &'r Reader,
    request: &'r Request,
    outcome: Outcome,
    series: GroupingResult,
    totals: GroupingResult,
    /// Metric names seen, resolved once.
    names: Names<'v>,
    null_values: usize,
    null_buckets: usize,
    strings: usize,
}

/// Reads a 2xx answer of post or media analytics to `request`.
pub(crate) fn parse(
    request: &Request,
    status: u16,
    body: &[u8],
    options: &ParseOptions,
    reader: JsonReader,
) -> Result<Outcome, ResponseError> {
    let mut scratch = Scratch::default();
    let value = json::read(
        reader,
        body,
        LiteSeed {
            remaining: options.depth_limit(),
            scratch: &mut scratch,
        },
    )
    .map_err(|e| match e {
        ReadError::TooDeep => ResponseError::TooDeep {
            limit: options.depth_limit(),
            path: "$".to_owned(),
        },
        ReadError::Syntax(message) => {
            malformed(status, "$".to_owned(), MalformedKind::Syntax { message })
        }
    })?;
    build(request, &Reader { status }, &value)
}

/// The dimensions (as v1 names them) and the levels of the series of `request`.
fn series_shape(request: &Request) -> (Vec<Dimension>, Vec<Level>) {
    let time: &[Dimension] = match request.granularity() {
        Some(Granularity::Hourly) => &[Dimension::EngagementDay, Dimension::EngagementHour],
        Some(Granularity::Total) => &[],
        _ => &[Dimension::EngagementDay],
    };
    shape(request, time)
}

/// Media have no v1 dimension: their results group by metric (and time), and their levels
/// start with [`Level::Media`].
fn shape(request: &Request, time: &[Dimension]) -> (Vec<Dimension>, Vec<Level>) {
    let media = request.endpoint().is_media();
    let mut dims = Vec::new();
    let mut levels = Vec::new();
    if media {
        levels.push(Level::Media);
    } else {
        dims.push(Dimension::TweetId);
        levels.push(Level::Post);
    }
    dims.push(Dimension::EngagementType);
    levels.push(Level::Metric);
    for &d in time {
        dims.push(d);
        levels.push(Level::from(d));
    }
    (dims, levels)
}

fn result(name: &str, (dims, levels): (Vec<Dimension>, Vec<Level>)) -> GroupingResult {
    let mut g = GroupingResult::new(name, &dims);
    g.levels = Some(levels);
    g
}

fn build(request: &Request, r: &Reader, body: &Lite<'_>) -> Result<Outcome, ResponseError> {
    let root = At::Root;
    let top = object(r, body, &root)?;
    let mut ctx = Ctx {
        r,
        request,
        outcome: Outcome::empty(request.endpoint()),
        series: result(SERIES, series_shape(request)),
        totals: result(TOTALS, shape(request, &[])),
        names: Names::default(),
        null_values: 0,
        null_buckets: 0,
        strings: 0,
    };
    let mut ledger = Ledger::of_request(request);
    let data_at = root.key("data");
    // Before spec 2.147 `data` was one object, not a list.
    let items: &[Lite<'_>] = match top.get("data") {
        None | Some(Lite::Null) => &[],
        Some(Lite::List(items)) => items,
        Some(one @ Lite::Object(_)) => std::slice::from_ref(one),
        Some(other) => return Err(r.wrong_kind(&data_at, "a list", other.kind())),
    };
    for (i, item) in items.iter().enumerate() {
        let at = data_at.index(i);
        let subject = ctx.item(item, &at)?;
        match subject {
            Subject::Post(id) => ledger.entry(id).answers = 1,
            Subject::Media(key) => ledger.media_entry(key).answers = 1,
        }
    }
    let mut outcome = std::mem::replace(&mut ctx.outcome, Outcome::empty(request.endpoint()));
    for (notice, n) in [
        (
            ResponseNotice::NullsSkipped {
                values: ctx.null_values,
                buckets: ctx.null_buckets,
            },
            ctx.null_values + ctx.null_buckets,
        ),
        (
            ResponseNotice::NonNumericValues { count: ctx.strings },
            ctx.strings,
        ),
    ] {
        if n > 0 {
            outcome.push_notice(notice);
        }
    }
    for (id, _) in ledger.iter().filter(|(_, e)| e.answers > 0) {
        if !request.post_ids().contains(id) {
            outcome.push_notice(ResponseNotice::PostNotRequested {
                grouping: SERIES.to_owned(),
                post_id: *id,
            });
        }
    }
    for (key, _) in ledger.media_iter().filter(|(_, e)| e.answers > 0) {
        if !request.media_keys().contains(key) {
            outcome.push_notice(ResponseNotice::MediaNotRequested { media_key: *key });
        }
    }
    let window = request.covered_window();
    outcome.windows = window.into_iter().collect();
    for id in request.post_ids() {
        if ledger.get(id).is_some_and(|e| e.answers > 0) {
            outcome.coverage.entry(*id).or_default().push(window);
        }
    }
    outcome.groupings = vec![ctx.series];
    outcome.totals = Some(ctx.totals);
    let problems_at = root.key("errors");
    for (i, problem) in list(r, top, "errors", &root)?.iter().enumerate() {
        outcome
            .problems
            .push(r.problem(&problem.to_value(), &problems_at.index(i))?);
    }
    for (key, value) in top.iter() {
        if key != "data" && key != "errors" {
            outcome.push_notice(ResponseNotice::UnknownKey {
                key: key.to_owned(),
            });
            outcome.extra.insert(key.to_owned(), value.to_value());
        }
    }
    let general = charge_problems(&mut ledger, request, &outcome.problems);
    // Every post or media asked ends with values or a reason: one in no item and named by no
    // problem is missing from `data`, and the problems that name nothing are its reasons.
    for id in request.post_ids() {
        account(ledger.entry(*id), &general);
    }
    for key in request.media_keys() {
        account(ledger.media_entry(*key), &general);
    }
    outcome.ledger = ledger;
    Ok(outcome)
}

/// Notes on the ledger what each problem says about the post or media it names; returns the
/// failures of the problems that name none asked. Each failure once per post (and once among
/// the general ones): repeats are told apart by a hash set, so an answer of many problems is
/// not read in quadratic time.
fn charge_problems(
    ledger: &mut Ledger,
    request: &Request,
    problems: &[ProblemDetails],
) -> Vec<PostFailure> {
    let mut general = Vec::new();
    // (the post or media named, or none, and the failure) already noted.
    let mut noted: HashSet<(Option<String>, PostFailure)> = HashSet::new();
    for p in problems {
        let named = p
            .resource_id_text()
            .or_else(|| p.value.as_ref().and_then(Value::as_str).map(str::to_owned));
        let entry = match named.clone() {
            Some(text) if request.endpoint().is_media() => MediaKey::parse(&text)
                .ok()
                .filter(|k| request.media_keys().contains(k))
                .map(|k| ledger.media_entry(k)),
            Some(text) => PostId::parse(&text)
                .ok()
                .filter(|id| request.post_ids().contains(id))
                .map(|id| ledger.entry(id)),
            None => None,
        };
        let text = PostFailure::new(FailureKind::PostError, p.to_string());
        match (entry, p.name()) {
            (Some(e), Some("resource-not-found" | "resource-unavailable")) => e.unavailable = true,
            (Some(e), Some("not-authorized-for-resource")) => e.forbidden = true,
            (Some(e), _) => {
                if noted.insert((named, text.clone())) {
                    e.failures.push(text);
                }
            }
            (None, _) => {
                if noted.insert((None, text.clone())) {
                    general.push(text);
                }
            }
        }
    }
    general
}

fn account(entry: &mut super::PostEntry, general: &[PostFailure]) {
    if entry.answers > 0 || entry.unavailable || entry.forbidden || !entry.failures.is_empty() {
        return;
    }
    entry.missing_from.push("data".to_owned());
    // The entry has no failures yet, and `general` has each once.
    entry.failures.extend_from_slice(general);
}

impl<'v> Ctx<'v, '_> {
    /// Reads one item into rows; returns what it is about.
    fn item(&mut self, item: &'v Lite<'v>, at: &At<'_>) -> Result<Subject, ResponseError> {
        let r = self.r;
        let item = object(r, item, at)?;
        let subject = if self.request.endpoint().is_media() {
            let v = field(r, item, "media_key", at)?;
            let key_at = at.key("media_key");
            let Lite::Str(text) = v else {
                return Err(r.wrong_kind(&key_at, "a string", v.kind()));
            };
            let key = MediaKey::parse(text).map_err(|e| {
                r.fail(
                    &key_at,
                    MalformedKind::UnexpectedKey {
                        key: text.as_ref().to_owned(),
                        expected: format!("a media key ({e})"),
                    },
                )
            })?;
            Subject::Media(key)
        } else {
            let id = field(r, item, "id", at)?;
            Subject::Post(r.post_id(&id.to_value(), &at.key("id"))?)
        };
        let buckets = list(r, item, SERIES, at)?;
        for (name, value) in item.iter() {
            if ITEM_KEYS.contains(&name) {
                continue;
            }
            let value_at = at.key(name);
            self.value(
                subject,
                name,
                value,
                &value_at,
                Bucket::Total,
                Target::Totals,
            )?;
            if buckets.is_empty() {
                self.value(
                    subject,
                    name,
                    value,
                    &value_at,
                    Bucket::Total,
                    Target::Series,
                )?;
            }
        }
        let buckets_at = at.key(SERIES);
        for (j, b) in buckets.iter().enumerate() {
            let at = buckets_at.index(j);
            let b = object(r, b, &at)?;
            let time = match b.get("timestamp") {
                None | Some(Lite::Null) => None,
                Some(Lite::Str(s)) => Some(parse_rfc3339(s).ok_or_else(|| {
                    r.fail(
                        &at.key("timestamp"),
                        MalformedKind::BadTime {
                            found: s.as_ref().to_owned(),
                        },
                    )
                })?),
                Some(other) => {
                    return Err(r.wrong_kind(&at.key("timestamp"), "a time", other.kind()));
                }
            };
            let metrics: &LiteMap<'v> = match b.get("metrics") {
                None | Some(Lite::Null) => {
                    self.null_buckets += 1;
                    continue;
                }
                Some(Lite::Object(m)) => m,
                Some(other) => {
                    return Err(r.wrong_kind(&at.key("metrics"), "an object", other.kind()));
                }
            };
            let bucket = match (self.request.granularity(), time) {
                (Some(Granularity::Total), _) => Bucket::Total,
                (_, None) => {
                    // A bucket of a series without its time cannot be placed.
                    self.null_buckets += 1;
                    continue;
                }
                (Some(Granularity::Hourly), Some(t)) => Bucket::Hour(floor_hour(t)),
                (Some(Granularity::Weekly), Some(t)) => Bucket::Week(t.date()),
                (_, Some(t)) => Bucket::Day(t.date()),
            };
            let metrics_at = at.key("metrics");
            for (name, value) in metrics.iter() {
                let value_at = metrics_at.key(name);
                self.value(subject, name, value, &value_at, bucket, Target::Series)?;
            }
        }
        Ok(subject)
    }

    /// Reads one metric value into a row of `into`.
    fn value(
        &mut self,
        subject: Subject,
        name: &'v str,
        value: &'v Lite<'v>,
        at: &At<'_>,
        bucket: Bucket,
        into: Target,
    ) -> Result<(), ResponseError> {
        // Each value is counted once although a top-level field may be read twice.
        let first = into == Target::Totals || bucket != Bucket::Total;
        let count = match value {
            Lite::Null => {
                if first {
                    self.null_values += 1;
                }
                return Ok(());
            }
            Lite::Str(s) => {
                let Ok(c) = count_from_str(s) else {
                    if first {
                        self.strings += 1;
                        self.keep(name, value, at);
                    }
                    return Ok(());
                };
                c
            }
            Lite::U64(c) => *c,
            other => self.r.count(&other.to_value(), at)?,
        };
        let Some((metric, asked)) = self.metric(name) else {
            if first {
                let grouping = match into {
                    Target::Series => SERIES,
                    Target::Totals => TOTALS,
                };
                self.outcome.push_notice(ResponseNotice::UnknownMetric {
                    grouping: grouping.to_owned(),
                    name: name.to_owned(),
                });
                self.keep(name, value, at);
            }
            return Ok(());
        };
        let result = match into {
            Target::Series => &mut self.series,
            Target::Totals => &mut self.totals,
        };
        if !asked {
            self.outcome
                .push_notice(ResponseNotice::MetricNotRequested {
                    grouping: result.name.clone(),
                    metric,
                });
        }
        let (post_id, media_key) = match subject {
            Subject::Post(id) => (Some(id), None),
            Subject::Media(key) => (None, Some(key)),
        };
        result.rows.push(Row {
            post_id,
            media_key,
            metric: Some(metric),
            bucket,
            value: count,
        });
        Ok(())
    }

    /// Keeps a value the SDK cannot read as a count, with its name, in [`Outcome::unknown`].
    fn keep(&mut self, name: &str, value: &Lite<'_>, at: &At<'_>) {
        let mut part = Map::new();
        part.insert(name.to_owned(), value.to_value());
        self.outcome.unknown.push(UnknownPart {
            path: at.render(),
            value: Value::Object(part),
        });
    }

    /// The metric an answer names (by the endpoint's own spelling first, then any other), and
    /// whether the request asked for it.
    fn metric(&mut self, name: &'v str) -> Option<(Metric, bool)> {
        let request = self.request;
        self.names.resolve(name, |name| {
            let endpoint = request.endpoint();
            let metric = Metric::all()
                .find(|m| m.name_on(endpoint) == Some(name))
                .or_else(|| Metric::parse(name).ok())?;
            Some((metric, request.metrics().contains(&metric)))
        })
    }
}

/// An object, as [`Reader::object`] reads one of a `Value` tree.
fn object<'t, 'v>(
    r: &Reader,
    v: &'t Lite<'v>,
    at: &At<'_>,
) -> Result<&'t LiteMap<'v>, ResponseError> {
    match v {
        Lite::Object(m) => Ok(m),
        other => Err(r.wrong_kind(at, "an object", other.kind())),
    }
}

/// An optional list, as [`Reader::list`]: absent or null is empty.
fn list<'t, 'v>(
    r: &Reader,
    object: &'t LiteMap<'v>,
    key: &str,
    at: &At<'_>,
) -> Result<&'t [Lite<'v>], ResponseError> {
    match object.get(key) {
        None | Some(Lite::Null) => Ok(&[]),
        Some(Lite::List(items)) => Ok(items),
        Some(other) => Err(r.wrong_kind(&at.key(key), "a list", other.kind())),
    }
}

/// A required field, as [`Reader::field`]: absent or null is missing.
fn field<'t, 'v>(
    r: &Reader,
    object: &'t LiteMap<'v>,
    key: &str,
    at: &At<'_>,
) -> Result<&'t Lite<'v>, ResponseError> {
    match object.get(key) {
        None | Some(Lite::Null) => Err(r.fail(
            at,
            MalformedKind::MissingField {
                field: key.to_owned(),
            },
        )),
        Some(v) => Ok(v),
    }
}

/// Metric names met in an answer, each resolved once. Buckets name their metrics in the same
/// order, so the name after the one last found is looked at first: most values cost one string
/// comparison, not a hash (a hash map of every name was a fifth of the parse of the benchmark's
/// answer). Past [`Names::LISTED`] names, the rest go to a hash map, so that an answer full of
/// unknown names is not read in quadratic time.
#[derive(Default)]
struct Names<'v> {
    listed: Vec<(&'v str, Option<(Metric, bool)>)>,
    /// Where the next name is looked for first.
    next: usize,
    more: HashMap<&'v str, Option<(Metric, bool)>>,
}

impl<'v> Names<'v> {
    const LISTED: usize = 64;

    fn resolve(
        &mut self,
        name: &'v str,
        resolve: impl FnOnce(&str) -> Option<(Metric, bool)>,
    ) -> Option<(Metric, bool)> {
        // (Not a let chain: the crates build with Rust 1.85.)
        if let Some(&(listed, found)) = self.listed.get(self.next) {
            if listed == name {
                self.next += 1;
                return found;
            }
        }
        if let Some(i) = self.listed.iter().position(|(listed, _)| *listed == name) {
            self.next = i + 1;
            return self.listed[i].1;
        }
        if let Some(found) = self.more.get(name) {
            return *found;
        }
        let found = resolve(name);
        if self.listed.len() < Self::LISTED {
            self.listed.push((name, found));
            self.next = self.listed.len();
        } else {
            self.more.insert(name, found);
        }
        found
    }
}
