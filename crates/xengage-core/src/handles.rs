//! Counting unique handles per calendar month.
//!
//! An Enterprise contract may cap the number of unique @handles whose posts are queried per
//! billing month, and the API neither enforces nor reports it: clients are asked to count. Each
//! OAuth 1.0a access token (or OAuth 2.0 user token) belongs to one handle, so the count of
//! distinct user tokens used in a month is the count of handles queried. Tokens are not kept:
//! only a fingerprint of each, so this ledger can be logged and persisted without leaking one.
//!
//! ```
//! use time::macros::datetime;
//! use xengage_core::handles::UniqueHandles;
//!
//! let mut handles = UniqueHandles::default();
//! handles.record(datetime!(2026-11-03 10:00 UTC), "token-of-alice");
//! handles.record(datetime!(2026-11-20 10:00 UTC), "token-of-alice");
//! handles.record(datetime!(2026-11-21 10:00 UTC), "token-of-bob");
//! handles.record(datetime!(2026-12-01 00:00 UTC), "token-of-alice");
//! assert_eq!(handles.count(2026, time::Month::November), 2);
//! assert_eq!(handles.count(2026, time::Month::December), 1);
//! assert!(!format!("{handles:?}").contains("alice"));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use time::{Month, OffsetDateTime, UtcOffset};

/// Distinct user tokens used per calendar month (UTC), by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UniqueHandles {
    months: BTreeMap<(i32, u8), BTreeSet<u64>>,
}

impl UniqueHandles {
    /// Records that `user_token` was used at `at` (the time the request was sent).
    pub fn record(&mut self, at: OffsetDateTime, user_token: &str) {
        let at = at.checked_to_offset(UtcOffset::UTC).unwrap_or(at);
        self.months
            .entry((at.year(), u8::from(at.month())))
            .or_default()
            .insert(fingerprint(user_token));
    }

    /// Records every month of `other` into this ledger.
    pub fn merge(&mut self, other: &UniqueHandles) {
        for (month, set) in &other.months {
            self.months
                .entry(*month)
                .or_default()
                .extend(set.iter().copied());
        }
    }

    /// The number of distinct user tokens used in `year`-`month`.
    pub fn count(&self, year: i32, month: Month) -> usize {
        self.months
            .get(&(year, u8::from(month)))
            .map_or(0, BTreeSet::len)
    }

    /// Every month with its count, oldest first, as `("2026-11", 2)`.
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.months
            .iter()
            .map(|((y, m), set)| (format!("{y:04}-{m:02}"), set.len()))
            .collect()
    }
}

/// FNV-1a, 64 bits: stable across runs and platforms, so persisted ledgers stay comparable.
fn fingerprint(token: &str) -> u64 {
    token.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        let mut h = UniqueHandles::default();
        // 23:30 on Nov 30 at UTC-2 is Dec 1 in UTC.
        h.record(datetime!(2026-11-30 23:30 -2), "a");
        assert_eq!(h.count(2026, Month::November), 0);
        assert_eq!(h.count(2026, Month::December), 1);
        let mut other = UniqueHandles::default();
        other.record(datetime!(2026-12-02 00:00 UTC), "b");
        other.record(datetime!(2026-12-02 00:00 UTC), "a");
        h.merge(&other);
        assert_eq!(h.counts(), vec![("2026-12".to_owned(), 2)]);
    }
}
