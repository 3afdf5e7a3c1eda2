//! proptest strategies of requests as users write them (feature `testing`): valid specs for an
//! endpoint, invalid ones with the problems they must produce, post ids of a chosen age, the
//! dimensions of a grouping.
//!
//! Specs are valid for the `now` a strategy takes, or for [`NOW`] when it takes none. Each is
//! drawn from a vector of choices that proptest shrinks: a failing case shrinks towards one
//! post, one metric, one grouping by `tweet.id` and the shortest window.
//!
//! ```
//! use proptest::prelude::*;
//! use xengage_core::testing::strategies::{request_spec, NOW};
//! use xengage_core::{Endpoint, ValidationOptions};
//!
//! proptest!(|(spec in request_spec(Endpoint::Historical))| {
//!     prop_assert!(spec.validate(NOW, &ValidationOptions::default()).is_ok());
//! });
//! ```

use std::ops::RangeInclusive;

use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::facts::Endpoint;
use crate::grouping::Dimension;
use crate::id::PostId;
use crate::request::RequestSpec;

use super::spec::{self, Choices, InvalidSpec};

/// The `now` that [`request_spec`] and [`invalid_request_spec`] generate for:
/// 2026-11-22T10:30:00Z. Validate their specs at this time.
pub const NOW: OffsetDateTime = time::macros::datetime!(2026-11-22 10:30 UTC);

/// Choices for the generator: a vector proptest shrinks towards fewer and smaller numbers.
fn choices() -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(any::<u32>(), 0..200)
}

/// Any valid spec for `endpoint` at [`NOW`]: 1 to the endpoint's limit of post ids or media
/// keys (usually few; of every age, some repeated), metrics the endpoint serves in either
/// generation's spelling (their own names on post and media analytics), 1 to 3 groupings of
/// every allowed shape (v1), windows of 1 hour to 4 weeks inside the lookback, written as dates
/// or times on or off the hour (historical, analytics), every granularity and field list (v2;
/// analytics: none, for the default, or any the endpoint takes).
pub fn request_spec(endpoint: Endpoint) -> impl Strategy<Value = RequestSpec> {
    request_spec_at(endpoint, NOW)
}

/// [`request_spec`] for another `now`, from 2014-09-01T01:00Z on (before that, no window is
/// valid: v1 historical specs leave theirs out, v2 historical ones are invalid).
pub fn request_spec_at(
    endpoint: Endpoint,
    now: OffsetDateTime,
) -> impl Strategy<Value = RequestSpec> {
    choices()
        .prop_map(move |list| spec::valid_spec(&mut Choices { list: &list, at: 0 }, endpoint, now))
}

/// [`request_spec`] for any endpoint the kit covers ([`ENDPOINTS`](super::ENDPOINTS)).
pub fn any_request_spec() -> impl Strategy<Value = RequestSpec> {
    proptest::sample::select(super::ENDPOINTS.to_vec()).prop_flat_map(request_spec)
}

/// An invalid spec for `endpoint` at [`NOW`]: a valid one with one to three mistakes (bad or
/// too many post ids or media keys, ids of the other kind, unknown, retired or unavailable
/// metrics, reserved grouping names, unknown or misplaced dimensions, parameters of the other
/// generation or shape, granularities unknown or not taken, windows that are missing, not
/// allowed, unreadable, reversed, too long, too early or in the future), with the problems
/// validation must report.
pub fn invalid_request_spec(endpoint: Endpoint) -> impl Strategy<Value = InvalidSpec> {
    invalid_request_spec_at(endpoint, NOW)
}

/// [`invalid_request_spec`] for another `now`.
pub fn invalid_request_spec_at(
    endpoint: Endpoint,
    now: OffsetDateTime,
) -> impl Strategy<Value = InvalidSpec> {
    choices().prop_map(move |list| {
        spec::invalid_spec(&mut Choices { list: &list, at: 0 }, endpoint, now)
    })
}

/// A snowflake post id created `days` days (any fraction of a day) before [`NOW`]: 91 to 1800
/// days old is refused impressions and engagements on totals, over 1800 days video views.
pub fn post_id_aged(days: RangeInclusive<u32>) -> impl Strategy<Value = PostId> {
    post_id_aged_at(days, NOW)
}

/// [`post_id_aged`] before another `now`. Ages that would fall before the first snowflake
/// (2010-11-04) give the first snowflake id.
pub fn post_id_aged_at(
    days: RangeInclusive<u32>,
    now: OffsetDateTime,
) -> impl Strategy<Value = PostId> {
    let (first, last) = (*days.start(), *days.end());
    let minutes = u64::from(first) * 1440..=u64::from(last) * 1440 + 1439;
    (minutes, 0u32..(1 << 22)).prop_map(move |(m, sequence)| {
        let created = now - Duration::minutes(i64::try_from(m).unwrap_or(0));
        spec::post_id_created_at(created, sequence)
            .or_else(|| PostId::parse(&crate::facts::limits::FIRST_SNOWFLAKE_ID.to_string()).ok())
            .unwrap_or_else(|| unreachable!("the first snowflake id is a valid post id"))
    })
}

/// The dimensions of one grouping valid on `endpoint`, outermost first: 1 to 3 of those it
/// allows in any order, or (time series endpoints) one of the two documented orders of four.
pub fn grouping_dimensions(endpoint: Endpoint) -> impl Strategy<Value = Vec<Dimension>> {
    choices().prop_map(move |list| {
        let mut d = Choices { list: &list, at: 0 };
        spec::grouping_dimensions(&mut d, endpoint).swap_remove(0)
    })
}

/// Seeds for [`synthesize`](super::synthesize) and [`hostile`](super::hostile).
pub fn seed() -> impl Strategy<Value = u64> {
    any::<u64>()
}
