//! The sans-IO core of xengage, the SDK of the X Engagement API.
//!
//! **This crate does no IO, reads no clock and draws no randomness of its own.** Time (`now`)
//! comes in as an argument; building a request is a pure function of its inputs, so the same
//! request and `now` give the same bytes. Transports (`xengage-native`, `xengage-web`) send what
//! this crate builds, unchanged. The one exception is a convenience you call yourself:
//! [`auth::Credentials::from_env`] reads the `X_*` variables of the `xengage` command from the
//! process environment (the only place clippy's disallowed-methods list is allowed, with a
//! comment); [`auth::CredentialSet::from_lookup`] applies the same rules to any lookup.
//!
//! ```
//! use time::macros::datetime;
//! use xengage_core::{BaseUrls, Endpoint, RequestSpec, ValidationOptions};
//!
//! let now = datetime!(2026-11-22 12:00 UTC);
//! let request = RequestSpec::new(Endpoint::Historical)
//!     .post_ids(["1855000000000000000"])
//!     .metrics(["impressions", "engagements"])
//!     .grouping("hourly", ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"])
//!     .window("2026-11-01", "2026-11-08T12:24:00Z")
//!     .validate(now, &ValidationOptions::default())?;
//! let http = request.prepare(&BaseUrls::default());
//! assert_eq!(http.url, "https://data-api.x.com/insights/engagement/historical");
//! assert!(http.body_text().unwrap().contains(r#""end":"2026-11-08T13:00:00Z""#));
//! # Ok::<(), xengage_core::InvalidRequest>(())
//! ```
//!
//! The modules, in the order a request lives:
//! [`RequestSpec`] → [`RequestSpec::validate`] → [`Request`] → [`auth`] (signing,
//! [`Request::prepare_authorized`]) → a transport sends it → [`response::parse_response`] →
//! rows, result trees and a [`response::Ledger`] of every post → [`response::merge`]. Bulk jobs:
//! [`plan::Plan`] splits any number of ids and any range into requests, [`collect::Collector`]
//! drives them with [`pace`]'s pacing and retry decisions, and [`checkpoint`] keeps what a
//! stopped job needs to resume; [`handles`] counts unique @handles.
//! [`facts`] is the one table of the API's documented limits and metrics.
//!
//! Invalid requests report every problem at once:
//!
//! ```
//! use time::macros::datetime;
//! use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
//!
//! let err = RequestSpec::new(Endpoint::Totals)
//!     .post_ids(["12x"])
//!     .metrics(["media_clicks"])
//!     .validate(datetime!(2026-11-22 12:00 UTC), &ValidationOptions::default())
//!     .unwrap_err();
//! assert_eq!(err.problems.len(), 2);
//! assert!(err.to_string().contains("media_engagements"));
//! ```
//!
//! # Cargo features
//!
//! - `sonic` (off by default; the `xengage` CLI turns it on): on native targets, answers are read
//!   with `sonic-rs`, a SIMD JSON reader (12 more crates, SIMD `unsafe`), faster than
//!   `serde_json` on large answers (`cargo xtask bench parse` prints both). Without it, and
//!   always on `wasm32`, they are read with `serde_json`, streaming into rows at 2.1x the time
//!   serde_json takes to skip the same bytes (`IgnoredAny`; 1.9x in instructions; a walk that
//!   only visits every key and value through serde, building nothing, takes 1.4x). Both readers
//!   give the parser the same calls, so results, rows and errors are the same (tests and fuzz
//!   targets compare them), except on a body that is not JSON: both refuse it as malformed, but
//!   the words of a syntax error (`MalformedKind::Syntax`) differ, and where the readers stop a
//!   token apart they may name different faults a level apart (`01` is a bad number to
//!   serde_json; to sonic-rs a 0, maybe of the wrong type where it stands, then a stray 1).
//!   sonic-rs picks its SIMD when it is compiled: SSE2 on any x86_64, AVX2 with
//!   `-C target-cpu=x86-64-v3` (or `native`), NEON on aarch64, portable code elsewhere. To
//!   build with it: `xengage-core = { version = "...", features = ["sonic"] }`, or the
//!   `sonic` feature of `xengage-native`, which turns this one on.
//! - `testing` (off): the testing kit, module `testing` (see below). Adds proptest and arbitrary
//!   as dependencies; turn it on in `[dev-dependencies]` only.
//! - `synthesize` (off): the kit's answer synthesizer and hostile answers alone, without
//!   proptest and arbitrary (the emulator and the npm package's `xengage/testing` use it).
//!
//! # Testing code that uses xengage
//!
//! The `testing` feature gives your tests what this crate's own tests use: proptest
//! strategies of every request the API takes (`testing::strategies`), the answer the API would
//! send to any of them (`testing::synthesize`: both generations, grouping trees at any depth,
//! counts as strings or numbers, unavailable and unsupported posts, partial errors, refusals,
//! quota headers; post and media analytics with null values, media values as strings and
//! partial errors; a function of a seed), and broken answers with the error each must give
//! (`testing::hostile`), on every endpoint. proptest and arbitrary come re-exported, so one line is enough:
//!
//! ```toml
//! [dev-dependencies]
//! xengage-core = { version = "0.1", features = ["testing"] }
//! ```
//!
//! A property test of your own code over every shape of answer (this crate's
//! `examples/testing_proptest.rs`, and a whole crate in `examples/user-crate/`):
//!
//! ```ignore
//! use xengage_core::response::{parse_response, ParseOptions};
//! use xengage_core::testing::proptest::prelude::*;
//! use xengage_core::testing::strategies::{any_request_spec, seed, NOW};
//! use xengage_core::{testing, ValidationOptions};
//!
//! proptest! {
//!     #[test]
//!     fn my_dashboard_takes_every_answer(spec in any_request_spec(), seed in seed()) {
//!         let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();
//!         let answer = testing::synthesize(&request, seed);
//!         let parsed = parse_response(&request, answer.status, &answer.headers, &answer.body, &ParseOptions::default());
//!         my_dashboard::update(&request, parsed); // your code: must not panic, must account for every post
//!     }
//! }
//! ```
//!
//! A cargo-fuzz target (`examples/testing_fuzz.rs` is the same as a plain function): an
//! `testing::Exchange` is a valid request with an answer, true or hostile, and what
//! parsing it must give.
//!
//! ```ignore
//! #![no_main]
//! use xengage_core::response::{parse_response, ParseOptions};
//! use xengage_core::testing::Exchange;
//!
//! libfuzzer_sys::fuzz_target!(|exchange: Exchange| {
//!     let a = &exchange.answer;
//!     let parsed = parse_response(&exchange.request, a.status, &a.headers, &a.body, &ParseOptions::default());
//!     assert!(exchange.expected.matches(&parsed));
//!     my_loader::load(parsed); // your code
//! });
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
mod build;
pub mod checkpoint;
pub mod collect;
pub mod facts;
mod grouping;
pub mod handles;
mod id;
mod media_key;
mod metric;
mod notice;
pub mod pace;
pub mod plan;
mod problem;
mod request;
pub mod response;
#[cfg(feature = "synthesize")]
pub mod testing;
pub mod window;

pub use build::{
    BaseUrlError, BaseUrls, ENTERPRISE_BASE_URL, PreparedRequest, RequestReadError, V2_BASE_URL,
};
pub use facts::{Endpoint, Generation};
pub use grouping::{Dimension, FOUR_DIMENSION_ORDERS, Grouping};
pub use id::{PostId, PostIdError};
pub use media_key::{MediaKey, MediaKeyError};
pub use metric::{Metric, MetricNameError};
pub use notice::{Notice, notice_json};
pub use problem::{InvalidRequest, Problem, Rule};
pub use request::{
    CredentialKind, EngagementField, Granularity, GroupingSpec, Request, RequestSpec,
    ValidationOptions,
};
pub use window::{TimeInput, TimeWindow};

/// Re-exported so users name the same time types as the API of this crate. The examples'
/// `datetime!` macro names `::time` itself, so it needs a dependency of your own:
/// `time = { version = "0.3", features = ["macros"] }`.
pub use time;

/// Re-exported: `http` types are in this crate's API (a prepared request's method and headers,
/// the headers [`response::parse_response`] reads), so users name the same version.
pub use http;

/// Re-exported: `serde_json` values are in this crate's API ([`response::Outcome::extra`], the
/// value of an unknown part of an answer), so users name the same version.
pub use serde_json;
