//! Bulk collection plans: any number of post ids (or media keys) and, for the historical
//! endpoints, any range, split into requests the API accepts.
//!
//! Post and media analytics take 100 ids or keys per request and document no longest window:
//! their range is never split (one request per batch covers it all), and the API answers for
//! whatever range it accepts.
//!
//! A [`Plan`] is validated once, like a single request, except for the two per-request limits it
//! exists to lift: the number of post ids (250 on totals, 25 elsewhere) and the window length
//! (4 weeks). It then yields [`Request`]s in a fixed order: batches of ids, each over
//! consecutive, non-overlapping, hour-aligned windows of at most 4 weeks, so the answers can be
//! merged without counting any hour twice.
//!
//! Posts too old for some of the metrics asked (impressions and engagements on totals after 90
//! days, video views after 1800 days) are batched apart from the others and asked only for the
//! metrics the API still serves them, so one old post never costs a batch anything. Posts too old
//! for every metric asked are not sent at all. Either way, [`Plan::too_old`] names each such post
//! and metric, so a ledger can account for them.
//!
//! ```
//! use time::macros::datetime;
//! use xengage_core::plan::{Plan, PlanOptions};
//! use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
//!
//! let now = datetime!(2026-11-22 12:00 UTC);
//! let ids: Vec<String> = (0..60u64).map(|i| (1_990_000_000_000_000_000 + i).to_string()).collect();
//! let spec = RequestSpec::new(Endpoint::Historical)
//!     .post_ids(ids)
//!     .metrics(["impressions"])
//!     .window("2026-09-01", "2026-11-10"); // 10 weeks
//! let plan = Plan::new(&spec, now, &ValidationOptions::default(), &PlanOptions::default())?;
//! assert_eq!(plan.windows().len(), 3); // 4 + 4 + 2 weeks
//! assert_eq!(plan.len(), 3 * 3);       // 25 + 25 + 10 ids, each over 3 windows
//! for request in plan.requests() {
//!     assert!(request.post_ids().len() <= 25);
//!     assert!(request.window().unwrap().hours() <= 4 * 7 * 24);
//! }
//! # Ok::<(), xengage_core::InvalidRequest>(())
//! ```

use time::OffsetDateTime;

use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::metric::Metric;
use crate::notice::Notice;
use crate::problem::InvalidRequest;
use crate::request::{Request, RequestSpec, ValidationOptions, too_old};
use crate::window::TimeWindow;
use crate::{Endpoint, Grouping};

/// Options of planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Batch posts too old for some metrics apart, asking them only what the API still serves
    /// (default). With `false`, every post is asked every metric and the API answers the old
    /// ones as unsupported, per post.
    pub separate_by_age: bool,
    /// Post ids per request, at most the endpoint's limit (which is the default, `None`).
    pub batch_size: Option<usize>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            separate_by_age: true,
            batch_size: None,
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `PlanOptions::default().separate_by_age(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl PlanOptions {
    /// Sets [`PlanOptions::separate_by_age`].
    #[must_use]
    pub fn separate_by_age(mut self, separate_by_age: bool) -> Self {
        self.separate_by_age = separate_by_age;
        self
    }

    /// Sets [`PlanOptions::batch_size`].
    #[must_use]
    pub fn batch_size(mut self, batch_size: Option<usize>) -> Self {
        self.batch_size = batch_size;
        self
    }
}

/// A post that will not be asked for a metric because it is older than the metric's age limit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct TooOld {
    /// The post.
    pub post_id: PostId,
    /// The metric the API no longer serves for it.
    pub metric: Metric,
    /// The documented limit, in days.
    pub max_days: i64,
    /// The post's age in whole days when planned (at least this old, for pre-snowflake ids).
    pub age_days: i64,
}

/// Posts that are asked the same metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Class {
    metrics: Vec<Metric>,
    post_ids: Vec<PostId>,
}

/// A bulk collection: every request to send, in order. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    template: Request,
    range: Option<TimeWindow>,
    windows: Vec<Option<TimeWindow>>,
    classes: Vec<Class>,
    batch_size: usize,
    too_old: Vec<TooOld>,
    notices: Vec<Notice>,
}

impl Plan {
    /// Plans `spec` against `now`: every rule of a single request is checked, except that the
    /// spec may hold any number of post ids and, on the historical endpoints, a range of any
    /// length.
    pub fn new(
        spec: &RequestSpec,
        now: OffsetDateTime,
        validation: &ValidationOptions,
        options: &PlanOptions,
    ) -> Result<Plan, InvalidRequest> {
        let template = spec.validate_bulk(now, validation)?;
        let endpoint = template.endpoint();
        let limit = endpoint.facts().max_post_ids;
        let batch_size = options.batch_size.map_or(limit, |n| n.clamp(1, limit));
        let range = template.window();
        // Post and media analytics document no longest window, so their range is one request
        // and the API answers for whatever it accepts.
        let windows = match (range, endpoint.facts().max_window_hours) {
            (Some(w), Some(max)) => w.split(max).into_iter().map(Some).collect(),
            (Some(w), None) => vec![Some(w)],
            (None, _) => vec![None],
        };
        let mut notices: Vec<Notice> = template.notices().to_vec();
        let mut too_old_list = Vec::new();
        let mut classes: Vec<Class> = Vec::new();
        for id in template.post_ids() {
            let mut metrics = Vec::with_capacity(template.metrics().len());
            for &metric in template.metrics() {
                match too_old(endpoint, metric, id, now, validation) {
                    Some(Notice::PostTooOldForMetric {
                        max_days, age_days, ..
                    }) if options.separate_by_age => too_old_list.push(TooOld {
                        post_id: *id,
                        metric,
                        max_days,
                        age_days,
                    }),
                    _ => metrics.push(metric),
                }
            }
            if metrics.is_empty() {
                continue;
            }
            match classes.iter_mut().find(|c| c.metrics == metrics) {
                Some(class) => class.post_ids.push(*id),
                None => classes.push(Class {
                    metrics,
                    post_ids: vec![*id],
                }),
            }
        }
        if options.separate_by_age {
            // The template's notices already name each too-old post and metric.
            notices.retain(|n| !matches!(n, Notice::PostTooOldForMetric { .. }));
            notices.extend(too_old_list.iter().map(|t| Notice::PostTooOldForMetric {
                post_id: t.post_id,
                metric: t.metric,
                max_days: t.max_days,
                age_days: t.age_days,
            }));
        }
        Ok(Plan {
            template,
            range,
            windows,
            classes,
            batch_size,
            too_old: too_old_list,
            notices,
        })
    }

    /// The endpoint.
    pub fn endpoint(&self) -> Endpoint {
        self.template.endpoint()
    }

    /// Every distinct post id asked about, in the order first given (including those not sent
    /// because they are too old for every metric).
    pub fn post_ids(&self) -> &[PostId] {
        self.template.post_ids()
    }

    /// The metrics asked.
    pub fn metrics(&self) -> &[Metric] {
        self.template.metrics()
    }

    /// The groupings of every request (v1).
    pub fn groupings(&self) -> &[Grouping] {
        self.template.groupings()
    }

    /// The whole range asked, rounded to hours (historical endpoints with a window).
    pub fn range(&self) -> Option<TimeWindow> {
        self.range
    }

    /// The consecutive windows each batch is asked over (`[None]` where the endpoint has no
    /// window or the API picks it).
    pub fn windows(&self) -> &[Option<TimeWindow>] {
        &self.windows
    }

    /// The request every batch is made from: the whole job's posts, metrics and window.
    pub(crate) fn template(&self) -> &Request {
        &self.template
    }

    /// The `now` the plan was made against.
    pub fn planned_at(&self) -> OffsetDateTime {
        self.template.requested_at()
    }

    /// Posts not asked for a metric because they are too old for it.
    pub fn too_old(&self) -> &[TooOld] {
        &self.too_old
    }

    /// Notices about the whole job: duplicates removed, the window rounded or defaulted, posts
    /// too old for a metric, ...
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Every distinct media key asked about, in the order first given (media analytics).
    pub fn media_keys(&self) -> &[MediaKey] {
        self.template.media_keys()
    }

    /// The number of requests.
    pub fn len(&self) -> usize {
        let batches = self
            .classes
            .iter()
            .map(|c| c.post_ids.len().div_ceil(self.batch_size))
            .sum::<usize>()
            + self.media_keys().len().div_ceil(self.batch_size);
        batches * self.windows.len()
    }

    /// Whether there is nothing to send (every post is too old for every metric).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`th request: batches in the order their posts were first given, each over every
    /// window in time order.
    pub fn request(&self, index: usize) -> Option<Request> {
        let per_batch = self.windows.len();
        let (mut batch, window) = (index / per_batch, index % per_batch);
        let keys = self.media_keys();
        if !keys.is_empty() {
            let start = batch.checked_mul(self.batch_size)?;
            let chunk = keys.get(start..(start + self.batch_size).min(keys.len()))?;
            return (!chunk.is_empty()).then(|| {
                self.template.batch(
                    Vec::new(),
                    chunk.to_vec(),
                    self.template.metrics().to_vec(),
                    self.windows[window],
                )
            });
        }
        for class in &self.classes {
            let batches = class.post_ids.len().div_ceil(self.batch_size);
            if batch < batches {
                let start = batch * self.batch_size;
                let end = (start + self.batch_size).min(class.post_ids.len());
                return Some(self.template.batch(
                    class.post_ids[start..end].to_vec(),
                    Vec::new(),
                    class.metrics.clone(),
                    self.windows[window],
                ));
            }
            batch -= batches;
        }
        None
    }

    /// Every request, in order. Requests are built as they are taken, so a plan of millions of
    /// ids holds them once.
    pub fn requests(&self) -> impl Iterator<Item = Request> + '_ {
        (0..self.len()).filter_map(|i| self.request(i))
    }

    /// The most rows the job's answers can hold, summed over its requests
    /// ([`Request::max_rows`]): what a transport that holds a job's rows can check before it
    /// sends anything.
    pub fn max_rows(&self) -> u64 {
        self.requests()
            .map(|r| r.max_rows())
            .fold(0, u64::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use time::Duration;
    use time::macros::datetime;

    use super::*;
    use crate::Rule;
    use crate::facts::limits;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    /// A snowflake id created `days` before `NOW`.
    fn id_aged(days: i64, n: u64) -> String {
        let created = NOW - Duration::days(days);
        let ms =
            u64::try_from(created.unix_timestamp() * 1000 - limits::SNOWFLAKE_EPOCH_MS).unwrap();
        ((ms << 22) + n).to_string()
    }

    fn plan(spec: &RequestSpec) -> Result<Plan, InvalidRequest> {
        Plan::new(
            spec,
            NOW,
            &ValidationOptions::default(),
            &PlanOptions::default(),
        )
    }

    #[test]
    fn batches_ids_by_the_endpoint_limit_and_keeps_every_id_once() {
        let ids: Vec<String> = (0..1001u64).map(|i| id_aged(10, i)).collect();
        let p = plan(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids(&ids)
                .metrics(["impressions"]),
        )
        .unwrap();
        assert_eq!(p.len(), 5); // 4 x 250 + 1
        let sent: Vec<String> = p
            .requests()
            .flat_map(|r| r.post_ids().to_vec())
            .map(|id| id.as_str().to_owned())
            .collect();
        assert_eq!(sent, ids);
        let p = plan(
            &RequestSpec::new(Endpoint::Last28Hours)
                .post_ids(&ids)
                .metrics(["impressions"]),
        )
        .unwrap();
        assert_eq!(p.len(), 41); // 40 x 25 + 1
    }

    #[test]
    fn duplicates_are_sent_once_and_reported() {
        let a = id_aged(1, 1);
        let p = plan(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids([&a, &a])
                .metrics(["favorites"]),
        )
        .unwrap();
        assert_eq!(p.post_ids().len(), 1);
        assert!(
            p.notices()
                .iter()
                .any(|n| matches!(n, Notice::DuplicatePostIdsRemoved { .. }))
        );
    }

    #[test]
    fn a_long_range_becomes_consecutive_windows_of_at_most_four_weeks() {
        let p = plan(
            &RequestSpec::new(Endpoint::Historical)
                .post_ids([id_aged(400, 1)])
                .metrics(["favorites"])
                .window("2026-08-30T10:30:00Z", "2026-11-08T12:24:00Z"),
        )
        .unwrap();
        let range = p.range().unwrap();
        assert_eq!(range.start(), datetime!(2026-08-30 10:00 UTC));
        assert_eq!(range.end(), datetime!(2026-11-08 13:00 UTC));
        let windows: Vec<TimeWindow> = p.requests().map(|r| r.window().unwrap()).collect();
        assert_eq!(windows.len(), 3);
        assert_eq!(windows[0].start(), range.start());
        assert_eq!(windows[2].end(), range.end());
        for pair in windows.windows(2) {
            assert_eq!(pair[0].end(), pair[1].start());
        }
        assert!(
            windows
                .iter()
                .all(|w| w.hours() <= limits::MAX_WINDOW_HOURS)
        );
    }

    #[test]
    fn the_range_rules_still_hold_over_the_whole_range() {
        let err = plan(
            &RequestSpec::new(Endpoint::Historical)
                .post_ids([id_aged(1, 1)])
                .metrics(["favorites"])
                .window("2025-01-01", "2026-12-01"),
        )
        .unwrap_err();
        let rules: Vec<&Rule> = err.problems.iter().map(|p| &p.rule).collect();
        assert!(
            rules.iter().any(|r| matches!(r, Rule::EndInFuture { .. })),
            "{err}"
        );
        assert!(
            rules
                .iter()
                .any(|r| matches!(r, Rule::StartBeyondLookback { .. })),
            "{err}"
        );
        assert!(
            !rules
                .iter()
                .any(|r| matches!(r, Rule::WindowTooLong { .. })),
            "{err}"
        );
    }

    #[test]
    fn a_single_request_still_refuses_what_a_plan_splits() {
        let ids: Vec<String> = (0..26u64).map(|i| id_aged(1, i)).collect();
        let spec = RequestSpec::new(Endpoint::Historical)
            .post_ids(&ids)
            .metrics(["favorites"])
            .window("2026-09-01", "2026-11-10");
        let err = spec
            .validate(NOW, &ValidationOptions::default())
            .unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        assert_eq!(plan(&spec).unwrap().len(), 2 * 3);
    }

    #[test]
    fn old_posts_are_batched_apart_and_asked_only_what_is_served() {
        let young = id_aged(10, 1);
        let old = id_aged(100, 2); // past 90 days: no impressions on totals
        let ancient = id_aged(2000, 3); // past 1800 days: no video views either
        let p = plan(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids([&old, &young, &ancient])
                .metrics(["impressions", "video_views"]),
        )
        .unwrap();
        let requests: Vec<Request> = p.requests().collect();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].post_ids()[0].as_str(), old);
        assert_eq!(requests[0].metrics(), &[Metric::VideoViews]);
        assert_eq!(requests[1].post_ids()[0].as_str(), young);
        assert_eq!(
            requests[1].metrics(),
            &[Metric::Impressions, Metric::VideoViews]
        );
        let too_old: HashSet<(String, Metric)> = p
            .too_old()
            .iter()
            .map(|t| (t.post_id.as_str().to_owned(), t.metric))
            .collect();
        let expected: HashSet<(String, Metric)> = [
            (old.clone(), Metric::Impressions),
            (ancient.clone(), Metric::Impressions),
            (ancient.clone(), Metric::VideoViews),
        ]
        .into_iter()
        .collect();
        assert_eq!(too_old, expected);
        assert!(requests.iter().all(|r| r.notices().is_empty()));
        // Every id is accounted for: sent, or too old for everything asked.
        assert_eq!(p.post_ids().len(), 3);
    }

    #[test]
    fn without_separation_old_posts_ride_along() {
        let p = Plan::new(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids([id_aged(10, 1), id_aged(100, 2)])
                .metrics(["impressions"]),
            NOW,
            &ValidationOptions::default(),
            &PlanOptions {
                separate_by_age: false,
                batch_size: None,
            },
        )
        .unwrap();
        assert_eq!(p.len(), 1);
        assert!(p.too_old().is_empty());
        assert!(
            p.request(0)
                .unwrap()
                .notices()
                .iter()
                .any(|n| matches!(n, Notice::PostTooOldForMetric { .. }))
        );
    }

    #[test]
    fn invalid_ids_anywhere_are_all_reported() {
        let mut ids: Vec<String> = (0..300u64).map(|i| id_aged(1, i)).collect();
        ids[7] = "x".into();
        ids[299] = "-1".into();
        let err = plan(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids(&ids)
                .metrics(["favorites"]),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["tweet_ids[7]", "tweet_ids[299]"]);
    }

    proptest! {
        #[test]
        fn every_id_is_sent_exactly_once_per_window_or_reported_too_old(
            ages in proptest::collection::vec(0i64..2500, 1..700),
            batch in 1usize..300,
            endpoint in prop_oneof![Just(Endpoint::Totals), Just(Endpoint::Historical)],
        ) {
            let ids: Vec<String> = ages.iter().enumerate().map(|(i, &d)| id_aged(d, i as u64)).collect();
            let mut spec = RequestSpec::new(endpoint).post_ids(&ids).metrics(["video_views", "favorites"]);
            if endpoint == Endpoint::Historical {
                spec = spec.window("2026-07-01", "2026-11-20");
            }
            let p = Plan::new(&spec, NOW, &ValidationOptions::default(), &PlanOptions { separate_by_age: true, batch_size: Some(batch) }).unwrap();
            let windows = p.windows().len();
            let mut seen = std::collections::HashMap::<(String, Option<TimeWindow>), usize>::new();
            for r in p.requests() {
                prop_assert!(r.post_ids().len() <= batch.min(endpoint.facts().max_post_ids));
                for id in r.post_ids() {
                    *seen.entry((id.as_str().to_owned(), r.window())).or_default() += 1;
                }
            }
            prop_assert!(seen.values().all(|&n| n == 1));
            for id in &ids {
                let sent = (0..windows).filter(|&w| seen.contains_key(&(id.clone(), p.windows()[w]))).count();
                prop_assert_eq!(sent, windows); // favorites has no age limit
            }
        }
    }
}
