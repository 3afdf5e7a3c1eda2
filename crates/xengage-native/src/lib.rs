//! The native transport of xengage: an async client for the X Engagement API on `reqwest` and
//! tokio, thin over [`xengage_core`].
//!
//! The core validates, plans, signs, paces, decides retries and parses; this crate only sends,
//! sleeps and reports back. [`Client::send`] sends one request; [`Client::collect`] runs a bulk
//! job of any number of posts and, on the historical endpoints, any range, as a
//! [`futures_core::Stream`] of each batch's rows and progress as they arrive;
//! [`Client::collect_all`] waits for the whole job and merges it. Both return the planning
//! notices with the result, and [`Collected::ensure_served`] turns "not every post served" into
//! an error. Failures are typed: [`SendError`]'s accessors tell a timeout, a refused
//! connection, a 401 or a 403 apart without reading a message.
//! [`Client::collect_saving`] runs a job whose events carry the checkpoint's records to save,
//! and [`Client::collect_resumed`] resumes a stopped job from them, sending only what was not
//! answered (the format is the core's: [`xengage_core::checkpoint`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use xengage_core::auth::Credentials;
//! use xengage_core::{Endpoint, RequestSpec};
//! use xengage_native::Client;
//!
//! let client = Client::builder().credentials(Credentials::from_env()?).build()?;
//! let ids: Vec<String> = std::fs::read_to_string("ids.txt")?.lines().map(str::to_owned).collect();
//! let spec = RequestSpec::new(Endpoint::Historical)
//!     .post_ids(ids)
//!     .metrics(["impressions", "engagements"])
//!     .grouping("hourly", ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"])
//!     .window("2026-09-01", "2026-11-10"); // ten weeks: three windows per batch
//! let mut rows = client.collect(&spec)?.rows();
//! while let Some((_grouping, row)) = rows.next().await {
//!     println!("{:?} {:?} {:?} {}", row.post_id, row.metric, row.bucket, row.value);
//! }
//! let summary = rows.finish().await;
//! let p = summary.progress;
//! println!("{} attempts, {} retries, {} answered 429", p.attempts, p.retries, p.rate_limited);
//! # Ok(())
//! # }
//! ```
//!
//! Redirects are not followed: the API never sends one, and a 3xx fails its batch as
//! `ApiErrorKind::Redirect` (check the base URL), so requests go nowhere but where they were
//! built for.
//!
//! `Client::collect` spawns its job on the current Tokio runtime (it panics outside one, as
//! `tokio::spawn` does); `send` and `collect_all` are futures to await on one.
//!
//! # No process-wide side effects
//!
//! Building a client installs nothing process-wide: the TLS crypto provider is given to this
//! client's own rustls configuration, so an application may install its own default provider
//! before or after. Credentials are read from the environment only when you call
//! [`Credentials::from_env`](xengage_core::auth::Credentials::from_env).
//!
//! # Cargo features
//!
//! - `rustls-ring` (default): TLS by rustls with ring, and the platform's certificate verifier.
//! - `rustls-aws-lc`: rustls with aws-lc-rs instead (when `rustls-ring` is off).
//! - `native-tls`: the platform's TLS library (when neither rustls feature is on).
//! - `sonic` (off by default): answers are read with sonic-rs through xengage-core's feature
//!   of that name; without it they are read with serde_json.
//!
//! Or bring a configured `reqwest::Client` of your own with
//! [`ClientBuilder::http_client`].
//!
//! The core is re-exported as [`xengage_core`], so the two versions always match.

pub use xengage_core;

mod client;
mod collection;
mod error;
mod http;
mod resume;
mod tls;

pub use crate::client::{Client, ClientBuilder, Collected};
pub use crate::collection::{Collection, Rows};
pub use crate::error::{ClientError, SendError, UrlError, error_chain};
pub use crate::http::{ExchangeCause, ExchangeError, RawAnswer, check_url};
pub use crate::resume::ResumeError;
