//! A testing kit for code that uses xengage: valid and invalid requests, the answers the API
//! would send to them, and hostile variants of those answers with the error each must produce.
//!
//! Behind the `testing` feature (proptest strategies and `arbitrary::Arbitrary` for fuzz
//! targets, on top of everything below) or the `synthesize` feature (the answer synthesizer and
//! the hostile variants alone, without the proptest and arbitrary dependencies). Neither is on
//! by default. Like the rest of the core, the kit draws no randomness of its own: everything is
//! a function of the seed it is given.
//!
//! - [`synthesize`]: for a validated [`Request`] and a seed, the status, headers and body the
//!   API would send (both generations; grouping trees at any depth, counts as strings or
//!   numbers, unavailable and unsupported posts, partial errors, refusals, quota headers; post
//!   and media analytics in their spec 2.167 shape, with null values, media values as strings
//!   and `/2/problems/...` partial errors), on every endpoint ([`ENDPOINTS`]).
//! - [`respond`] renders the answer for a world you describe ([`Scenario`]: counts,
//!   unavailable, protected and another account's posts, media, [`Readings`], quota headers) as
//!   the API decides it; [`served`] and [`refused`] are its 200 and its refusals. The emulator
//!   (`xengage-emulator`) answers every request with these, for its own world.
//! - [`hostile`]: a broken variant of an answer (cut, reordered, wrong types, huge numbers, deep
//!   nesting, duplicate keys, invalid UTF-8) and what parsing it must give ([`Expected`]).
//! - `strategies` (feature `testing`): proptest strategies of valid and invalid
//!   [`RequestSpec`](crate::RequestSpec)s and of post ids of a chosen age.
//! - `arbitrary::Arbitrary` (feature `testing`) for [`Endpoint`](crate::Endpoint),
//!   [`RequestSpec`](crate::RequestSpec) (mostly well-formed, sometimes anything),
//!   [`ValidSpec`] and [`Exchange`] (a valid request with its answer, maybe hostile).
//!
//! ```
//! use xengage_core::response::{parse_response, ParseOptions};
//! use xengage_core::testing::{self, strategies::NOW};
//! use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
//!
//! let request = RequestSpec::new(Endpoint::Totals)
//!     .post_ids(["1990000000000000001", "1990000000000000002"])
//!     .metrics(["impressions", "favorites"])
//!     .grouping("g", ["tweet.id", "engagement.type"])
//!     .validate(NOW, &ValidationOptions::default())?;
//! let answer = testing::synthesize(&request, 7);
//! assert_eq!(answer, testing::synthesize(&request, 7)); // a function of the seed
//! match parse_response(&request, answer.status, &answer.headers, &answer.body, &ParseOptions::default()) {
//!     Ok(outcome) => assert_eq!(outcome.ledger.len(), 2),
//!     Err(refused) => assert!(refused.status().is_some()), // some seeds give a 4xx or 5xx
//! }
//! # Ok::<(), xengage_core::InvalidRequest>(())
//! ```

mod analytics;
mod counts;
mod hostile;
mod render;
#[cfg(feature = "testing")]
mod spec;

#[cfg(feature = "testing")]
mod fuzz;
#[cfg(feature = "testing")]
pub mod strategies;

use http::HeaderMap;

/// Re-exported (feature `testing`) so that a crate needs no dependency of its own to write
/// property tests with the kit's strategies: `use xengage_core::testing::proptest::prelude::*;`.
#[cfg(feature = "testing")]
pub use proptest;

/// Re-exported (feature `testing`) so that a fuzz target names the same `Arbitrary` trait the
/// kit implements.
#[cfg(feature = "testing")]
pub use arbitrary;

use crate::id::PostId;
use crate::media_key::MediaKey;
use crate::request::Request;
use crate::response::RateLimit;

pub use counts::Counts;
#[cfg(feature = "testing")]
pub use fuzz::{Exchange, ValidSpec};
pub use hostile::{Expected, Hostile, HostileKind, MalformedAt, hostile, same_rows};
pub use render::{
    DeletedPosts, HourWithoutDay, Readings, Refusal, Scenario, error_body, refused, respond, served,
};
#[cfg(feature = "testing")]
pub use spec::{ExpectedProblem, InvalidSpec, RuleKind, post_id_created_at};

/// The endpoints the kit covers: every endpoint ([`Endpoint::ALL`](crate::Endpoint::ALL)), the
/// Enterprise ones, the v2 insights and post and media analytics. The strategies, the
/// `Arbitrary` inputs, [`synthesize`] and [`hostile`] know each of them.
pub const ENDPOINTS: [crate::Endpoint; 7] = crate::Endpoint::ALL;

/// An answer as a transport hands it to [`parse_response`](crate::response::parse_response):
/// status, headers and the body's bytes, decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers: `content-type` and, where the API would send them, the quota headers.
    pub headers: HeaderMap,
    /// The body, uncompressed (a transport removes the gzip encoding before parsing).
    pub body: Vec<u8>,
}

/// splitmix64's finalizer: the one hash the kit (and the emulator) derives its data with. Not
/// a random number generator: the same input always gives the same output.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A source of choices. `below(n)` is in `0..n`; a source that has run out answers 0, and 0
/// is always the simplest choice.
pub(crate) trait Draw {
    fn below(&mut self, n: u64) -> u64;

    fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    #[cfg(feature = "testing")]
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == n - 1
    }
}

/// A sequence of numbers derived from a seed (splitmix64), for the choices of [`synthesize`]
/// and [`hostile`].
#[derive(Debug, Clone)]
pub(crate) struct Derived(u64);

impl Derived {
    pub(crate) fn new(seed: u64) -> Derived {
        Derived(mix(seed))
    }
}

impl Draw for Derived {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        if n == 0 { 0 } else { mix(self.0) % n }
    }
}

/// The answer the API would send to `request`, a function of `seed` and the request alone
/// (counts of the world of [`Counts::new(seed)`](Counts::new), at the request's
/// [`requested_at`](Request::requested_at)).
///
/// Most seeds give a 200: each post served, unavailable (about one in ten) or refused some
/// metrics for its age (the age its id carries, by the API's rules), counts written as
/// strings, as numbers or both, v1 partial errors (`errors` beside the values) and v2 data
/// errors, and quota headers (most of the time). About one seed in ten gives a refusal instead:
/// 400 for protected posts, 403 for forbidden ones (both naming them), 429 or 503.
///
/// Post and media analytics refuse no post wholesale: their 200s name the posts or media not
/// found (about one in ten) or another account's (one in twenty) in `/2/problems/...` partial
/// errors, and write some bucket values as null and (media) some as strings of digits; about
/// one in four is in the shape of spec 2.166 (items of an id and integer buckets only). A media
/// key counts as the post whose id is its media id.
pub fn synthesize(request: &Request, seed: u64) -> Answer {
    let mut d = Derived::new(seed);
    let quota = (d.below(10) != 0).then(|| {
        let limit = [60u32, 300, 600, 1000][usize::try_from(d.below(4)).unwrap_or(0)];
        let remaining = u32::try_from(d.below(u64::from(limit))).unwrap_or(0);
        match request.endpoint().generation() {
            crate::Generation::Enterprise => RateLimit::new_per_minute(limit, remaining),
            // A window that resets within 15 minutes of the strategies' `NOW`
            // (2026-11-22T10:30:00Z): the kit reads no clock.
            crate::Generation::V2 => {
                RateLimit::new_window(limit, remaining, 1_795_343_400 + d.below(900))
            }
        }
    });
    let generation = request.endpoint().generation();
    let analytics = request.endpoint().is_analytics();
    // The media asked, each carried by the post whose id is its media id.
    let media: Vec<(MediaKey, PostId)> = request
        .media_keys()
        .iter()
        .filter_map(|k| Some((*k, PostId::parse(&k.media_id().to_string()).ok()?)))
        .collect();
    let posts: Vec<PostId> = if request.endpoint().is_media() {
        media.iter().map(|(_, p)| *p).collect()
    } else {
        request.post_ids().to_vec()
    };
    let pick_some = |d: &mut Derived| {
        let mut chosen: Vec<_> = posts.iter().filter(|_| d.below(3) == 0).copied().collect();
        if chosen.is_empty() {
            let i = usize::try_from(d.below(posts.len() as u64)).unwrap_or(0);
            chosen.extend(posts.get(i).copied());
        }
        chosen
    };
    // Post and media analytics refuse no post wholesale: they answer partial errors.
    match d.below(100) {
        0..=3 if !analytics => {
            let protected = pick_some(&mut d);
            return refused(generation, &Refusal::Protected(protected), quota);
        }
        4..=6 if !analytics => {
            let forbidden = pick_some(&mut d);
            return refused(generation, &Refusal::Forbidden(forbidden), quota);
        }
        7..=8 => {
            let spent = quota.map(|q| RateLimit { remaining: 0, ..q });
            return refused(generation, &Refusal::RateLimited, spent);
        }
        9 => return refused(generation, &Refusal::Unavailable, None),
        _ => {}
    }
    let unavailable = posts.iter().filter(|_| d.below(10) == 0).copied().collect();
    let forbidden = if analytics {
        posts.iter().filter(|_| d.below(20) == 0).copied().collect()
    } else {
        Vec::new()
    };
    let share = |d: &mut Derived| [0.0, 0.0, 0.5, 1.0][usize::try_from(d.below(4)).unwrap_or(0)];
    let numbers_as_json_numbers = share(&mut d);
    let (media_strings, nulls, analytics_spec_2_166) = if analytics {
        let media_strings = share(&mut d);
        let nulls = [0.0, 0.0, 0.1, 0.5][usize::try_from(d.below(4)).unwrap_or(0)];
        (media_strings, nulls, d.below(4) == 0)
    } else {
        (0.0, 0.0, false)
    };
    let scenario = Scenario {
        counts: Counts::new(seed),
        unavailable,
        forbidden,
        media,
        numbers_as_json_numbers,
        media_strings,
        nulls,
        analytics_spec_2_166,
        quota,
        ..Scenario::default()
    };
    served(request, &scenario)
}
