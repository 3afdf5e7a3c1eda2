//! The native transport of xengage: an async client for the X Engagement API on `reqwest`
//! (rustls, gzip) and tokio, thin over [`xengage_core`].
//!
//! The core validates, plans, signs, paces, decides retries and parses; this crate only sends,
//! sleeps and reports back. [`Client::send`] sends one request; [`Client::collect`] runs a bulk
//! job of any number of posts and, on the historical endpoints, any range, streaming each batch's
//! rows and progress as they arrive; [`Client::collect_all`] waits for the whole job and merges it.
//! Redirects are not followed: the API never sends one, and a 3xx fails its batch as
//! `ApiErrorKind::Redirect` (check the base URL), so requests go nowhere but where they were
//! built for.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use xengage_core::auth::{Credentials, OAuth1Credentials, Secret};
//! use xengage_core::{Endpoint, RequestSpec};
//! use xengage_native::{Client, ClientOptions};
//!
//! let credentials = Credentials::OAuth1User(OAuth1Credentials {
//!     consumer_key: "consumer-key".into(),
//!     consumer_secret: Secret::new("consumer-secret"),
//!     token: Some("access-token".into()),
//!     token_secret: Some(Secret::new("access-token-secret")),
//! });
//! let client = Client::new(credentials, ClientOptions::default())?;
//! let ids: Vec<String> = std::fs::read_to_string("ids.txt")?.lines().map(str::to_owned).collect();
//! let spec = RequestSpec::new(Endpoint::Historical)
//!     .post_ids(ids)
//!     .metrics(["impressions", "engagements"])
//!     .grouping("hourly", ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"])
//!     .window("2026-09-01", "2026-11-10"); // ten weeks: three windows per batch
//! let mut job = client.collect(&spec)?;
//! while let Some(event) = job.next().await {
//!     if let xengage_core::collect::Event::BatchDone { outcome, .. } = event {
//!         for row in outcome.rows() {
//!             println!("{:?} {:?} {:?} {}", row.post_id, row.metric, row.bucket, row.value);
//!         }
//!     }
//! }
//! let summary = job.finish().await;
//! let p = summary.progress;
//! println!("{} attempts, {} retries, {} answered 429", p.attempts, p.retries, p.rate_limited);
//! # Ok(())
//! # }
//! ```
//!
//! `Client::collect` spawns its job on the current Tokio runtime (it panics outside one, as
//! `tokio::spawn` does); `send` and `collect_all` are futures to await on one.
//!
//! Features: `sonic` (off by default) reads answers with sonic-rs through xengage-core's
//! feature of that name; without it they are read with serde_json.
//!
//! The core is re-exported as [`xengage_core`], so the two versions always match.

pub use xengage_core;

mod client;
mod http;

pub use crate::client::{Client, ClientError, ClientOptions, Collected, Collection, SendError};
pub use crate::http::{ExchangeError, RawAnswer, check_url};
