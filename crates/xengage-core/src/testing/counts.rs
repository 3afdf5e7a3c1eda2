//! The counts of a synthesized world: every count is a function of the seed, the post, the
//! metric and the hour, and every other figure is a sum of hours, so totals, 28 hours, windows,
//! days and hours of the day always agree. The emulator serves the same counts.

use time::{Duration, OffsetDateTime};

use crate::id::PostId;
use crate::metric::Metric;
use crate::window::{TimeWindow, floor_hour};

use super::mix;

/// The share of an hour's count per 2-bit field: each hour of a day takes 0..=3 units from one
/// 64-bit hash of (post, metric, day), so a day's sum is two popcounts.
const FIELDS: u64 = 0x0000_5555_5555_5555;

/// The counts of every post, metric and hour of a world, a pure function of its seed. A post
/// counts zero in the hours before its creation (the time its snowflake id carries; a
/// pre-snowflake id counts from the start of time). [`Default`] is the world of seed 0.
///
/// ```
/// use time::macros::datetime;
/// use xengage_core::testing::Counts;
/// use xengage_core::window::TimeWindow;
/// use xengage_core::{Metric, PostId};
///
/// let counts = Counts::new(7);
/// let id = PostId::parse("1990000000000000001")?;
/// let day = TimeWindow::new(datetime!(2026-11-20 00:00 UTC), datetime!(2026-11-21 00:00 UTC))?;
/// let by_hour: u64 = (0..24)
///     .map(|h| counts.hourly(&id, Metric::Impressions, day.start() + time::Duration::hours(h)))
///     .sum();
/// assert_eq!(counts.sum(&id, Metric::Impressions, day), by_hour);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Counts {
    seed: u64,
}

fn weight(metric: Metric) -> u64 {
    match metric {
        Metric::Impressions => 40,
        Metric::Engagements | Metric::MediaViews | Metric::VideoViews => 6,
        Metric::Favorites | Metric::DetailExpands => 2,
        _ => 1,
    }
}

fn metric_salt(metric: Metric) -> u64 {
    Metric::all().position(|m| m == metric).unwrap_or(0) as u64
}

impl Counts {
    /// The counts of the world of `seed`.
    pub fn new(seed: u64) -> Counts {
        Counts { seed }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn day_hash(&self, id: &PostId, metric: Metric, day: i64) -> u64 {
        let post = id.as_u64().unwrap_or(0);
        mix(self.seed
            ^ mix(post ^ mix(metric_salt(metric) ^ mix(u64::from_ne_bytes(day.to_ne_bytes())))))
    }

    /// The first hour `id` counts in.
    fn first_hour(id: &PostId) -> Option<OffsetDateTime> {
        id.created_at().map(floor_hour)
    }

    /// The count of `metric` for `id` in the hour starting at `hour` (floored): zero before the
    /// post existed.
    pub fn hourly(&self, id: &PostId, metric: Metric, hour: OffsetDateTime) -> u64 {
        let hour = floor_hour(hour);
        if Self::first_hour(id).is_some_and(|first| hour < first) {
            return 0;
        }
        let hours = hour.unix_timestamp().div_euclid(3600);
        let (day, h) = (hours.div_euclid(24), hours.rem_euclid(24));
        let field = (self.day_hash(id, metric, day) >> (2 * h)) & 3;
        field * weight(metric)
    }

    /// The sum of hours `[start, end)` of one day (`start`, `end` in `0..=24`).
    fn day_sum(&self, id: &PostId, metric: Metric, day: i64, start: i64, end: i64) -> u64 {
        if end <= start {
            return 0;
        }
        // The 2-bit fields of hours [start, end).
        let below = |n: i64| -> u64 { (1u64 << (2 * n.clamp(0, 24))) - 1 };
        let hash = self.day_hash(id, metric, day) & below(end) & !below(start);
        let units = u64::from((hash & FIELDS).count_ones())
            + 2 * u64::from((hash >> 1 & FIELDS).count_ones());
        units * weight(metric)
    }

    /// The sum of `metric` for `id` over `window` (hours before the post existed count zero).
    pub fn sum(&self, id: &PostId, metric: Metric, window: TimeWindow) -> u64 {
        let first = Self::first_hour(id).map_or(window.start(), |f| f.max(window.start()));
        if first >= window.end() {
            return 0;
        }
        let from = first.unix_timestamp().div_euclid(3600);
        let to = window.end().unix_timestamp().div_euclid(3600);
        let mut total = 0u64;
        let mut h = from;
        while h < to {
            let day = h.div_euclid(24);
            let start = h.rem_euclid(24);
            let end = (to - day * 24).min(24);
            total += self.day_sum(id, metric, day, start, end);
            h = (day + 1) * 24;
        }
        total
    }

    /// The lifetime total of `metric` for `id` at `now`: every hour since creation up to and
    /// including the hour `now` is in. A pre-snowflake id counts from the snowflake epoch.
    pub fn lifetime(&self, id: &PostId, metric: Metric, now: OffsetDateTime) -> u64 {
        let end = floor_hour(now) + Duration::HOUR;
        TimeWindow::new(floor_hour(id.created_no_later_than()), end)
            .map_or(0, |w| self.sum(id, metric, w))
    }
}
