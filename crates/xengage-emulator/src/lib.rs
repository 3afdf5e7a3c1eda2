//! A local emulator of the X Engagement API: a real HTTP server on loopback that answers both
//! generations (v1 `POST /insights/engagement/{totals,28hr,historical}` and v2
//! `GET /2/insights/{28hr,historical}`, `GET /2/tweets/analytics`, `GET /2/media/analytics`) as
//! the documentation says a server does, from a deterministic world, with faults on demand.
//! Post and media analytics are served from the same world (the same posts and counts; posts
//! with media have a media key, [`World::media_key`]).
//!
//! It enforces what the API documents: the core's validation rules (id limits, metric
//! availability per endpoint and credential, groupings, windows), OAuth 1.0a signatures checked
//! against its secrets (a refused header says why), bearer scope, ownership (403 "Forbidden to
//! access tweets: ..."), deleted and protected posts, the 90-day rule (its posts listed with the
//! documented message) and the 1800-day rule, gzip bodies when the request sends
//! `Accept-Encoding: gzip` (plain JSON when it does not), counts as strings (some as numbers, if
//! asked), and a per-minute quota with `x-per-minute-limit` and `x-per-minute-remaining` on v1;
//! on v2 a quota per user (and per app, for app-only tokens) over windows of
//! [`EmulatorConfig::v2_window`], reported in `x-rate-limit-limit`, `x-rate-limit-remaining` and
//! `x-rate-limit-reset` (Unix seconds; windows start on multiples of their length), with a 429
//! (`{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`) past it. A v1 request without
//! `Accept-Encoding: gzip` gets the 406 the API sends ([`EmulatorConfig::require_gzip`]); an
//! app-only token on a user-context endpoint or metric gets 403, as the authentication guide
//! says.
//!
//! Where the documents disagree or are silent, [`Readings`] picks the reading played: the
//! 365-day lookback on or off, the 90-day limit on totals only or everywhere, an hour grouping
//! without a day answered as hours of the day or as days then hours, deleted posts listed in a
//! 200 or refused with a 400, favorites, replies and retweets read as zero before 2015-09-15.
//!
//! Where the core reads leniently what users type, the emulator is as strict as the API: it
//! refuses names other than the documented spelling of the generation asked (metrics,
//! `granularity`, `engagement.fields`, `group_by`), empty items in v2 lists, a v1 request without
//! groupings (the core's default grouping is not the API's), a historical start without an end,
//! and more v2 `tweet_ids` than the endpoint takes, counted as given (repeats included).
//!
//! It renders no answer of its own: the core's testing kit (`xengage_core::testing`, feature
//! `synthesize`) does. For a valid request the emulator describes what its world says of the
//! posts and media asked ([`World::counts`], deleted, protected and another account's posts,
//! the media's posts, the [`Readings`] played, the quota headers) as a
//! `xengage_core::testing::Scenario` and serves `xengage_core::testing::respond`'s answer; its
//! errors are `xengage_core::testing::refused`'s. It adds the transport (gzip, `Vary`, CORS,
//! faults). A test (`the_emulator_serves_what_the_synthesizer_writes` in `tests/http.rs`) checks
//! byte for byte, on all seven endpoints and with the default and the other readings, that it
//! serves what the kit writes for its world.
//!
//! Errors come in each generation's documented shape: v1 lists strings
//! (`{"errors": ["..."]}`), v2 lists RFC 7807 problem details
//! (`{"errors": [{"title": "...", "type": "...", "detail": "...", "status": 403}]}`), the
//! message in `detail`. Faults and 404s take the shape of the path asked (`/2/...` is v2).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use xengage_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! println!("serving at {}", emulator.url());
//! let credentials = emulator.credentials(); // consumer key and secret, tokens, bearer tokens
//! let owned = emulator.world().owned_post_ids(0);
//! # let _ = (credentials, owned);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod server;
mod strict;
mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;
use xengage_core::auth::{Credentials, OAuth1Credentials, Secret};

pub use crate::server::{GZIP_REQUIRED, error_body, generation_of};
pub use crate::world::{Post, PostState, World};

/// The emulator's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Always this instant: answers are exactly reproducible.
    Fixed(OffsetDateTime),
    /// The system clock.
    System,
}

impl Clock {
    /// The time now.
    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::Fixed(t) => *t,
            Clock::System => OffsetDateTime::now_utc(),
        }
    }
}

/// A fault the emulator can serve instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// 500 Internal Server Error.
    Status500,
    /// 502 Bad Gateway (an HTML body, as proxies send).
    Status502,
    /// 503 Service Unavailable.
    Status503,
    /// A 429, whatever the quota says.
    RateLimited,
    /// The answer, after this delay.
    Slow(Duration),
    /// Headers, then the connection is dropped without a body.
    Drop,
    /// Half the body, then the connection is dropped.
    Truncate,
    /// A 200 whose body is not JSON.
    InvalidJson,
    /// A 401, as for a token revoked or expired mid-job (never drawn by `rate`: schedule it).
    Unauthorized,
}

impl FaultKind {
    /// Every kind, with a slow answer of `slow`.
    pub fn all(slow: Duration) -> Vec<FaultKind> {
        vec![
            FaultKind::Status500,
            FaultKind::Status502,
            FaultKind::Status503,
            FaultKind::RateLimited,
            FaultKind::Slow(slow),
            FaultKind::Drop,
            FaultKind::Truncate,
            FaultKind::InvalidJson,
        ]
    }
}

/// Faults on demand: by probability, or at given request numbers (0-based, counted over all
/// requests the emulator receives). Which requests fail is a function of the seed.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Faults {
    /// The share of requests that fail, `0.0..=1.0`.
    pub rate: f64,
    /// The kinds to draw from when a request fails by `rate` (all kinds if empty).
    pub kinds: Vec<FaultKind>,
    /// Requests that fail, by number, whatever `rate` says.
    pub schedule: Vec<(u64, FaultKind)>,
}

/// The readings the emulator plays where the documents disagree: the testing kit's, which
/// renders its answers.
pub use xengage_core::testing::{DeletedPosts, HourWithoutDay, Readings};

/// Chainable setters, one per field, for building options from [`Default`]:
/// `Faults::default().rate(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl Faults {
    /// Sets [`Faults::rate`].
    #[must_use]
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }

    /// Sets [`Faults::kinds`].
    #[must_use]
    pub fn kinds(mut self, kinds: Vec<FaultKind>) -> Self {
        self.kinds = kinds;
        self
    }

    /// Sets [`Faults::schedule`].
    #[must_use]
    pub fn schedule(mut self, schedule: Vec<(u64, FaultKind)>) -> Self {
        self.schedule = schedule;
        self
    }
}

/// How to run an emulator. [`Default`] is fast and faultless: a fixed seed, the system clock,
/// a quota of 10,000 requests per one-second "minute" (v1) and per one-second window (v2).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// The seed of the world, the counts and the faults.
    pub seed: u64,
    /// Requests per emulated minute, per app.
    pub quota_per_minute: u32,
    /// The length of an emulated minute.
    pub minute: Duration,
    /// v2 requests per window, per user (and per app, for app-only tokens); the API allows 300
    /// per 15 minutes on post analytics.
    pub v2_quota_per_window: u32,
    /// The length of a v2 quota window, in whole seconds (rounded up; at least 1 s): 15 minutes
    /// on the API, shorter for tests. Windows start on multiples of it in Unix time, so
    /// `x-rate-limit-reset` is exact.
    pub v2_window: Duration,
    /// Answer a v1 request without `Accept-Encoding: gzip` with the 406 the API sends.
    pub require_gzip: bool,
    /// The readings played where the documents disagree.
    pub readings: Readings,
    /// The clock.
    pub now: Clock,
    /// Faults on demand.
    pub faults: Faults,
    /// Origins allowed by CORS (`*` for any).
    pub cors_origins: Vec<String>,
    /// The share of counts sent as JSON numbers rather than strings, `0.0..=1.0`.
    pub numbers_as_json_numbers: f64,
    /// Posts per account (two accounts).
    pub posts_per_account: usize,
    /// Where to listen (port 0: any free port).
    pub bind: SocketAddr,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            seed: 1,
            quota_per_minute: 10_000,
            minute: Duration::from_secs(1),
            v2_quota_per_window: 10_000,
            v2_window: Duration::from_secs(1),
            require_gzip: true,
            readings: Readings::default(),
            now: Clock::System,
            faults: Faults::default(),
            cors_origins: Vec::new(),
            numbers_as_json_numbers: 0.0,
            posts_per_account: 200,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `EmulatorConfig::default().seed(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl EmulatorConfig {
    /// Sets [`EmulatorConfig::seed`].
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`EmulatorConfig::quota_per_minute`].
    #[must_use]
    pub fn quota_per_minute(mut self, quota_per_minute: u32) -> Self {
        self.quota_per_minute = quota_per_minute;
        self
    }

    /// Sets [`EmulatorConfig::minute`].
    #[must_use]
    pub fn minute(mut self, minute: Duration) -> Self {
        self.minute = minute;
        self
    }

    /// Sets [`EmulatorConfig::now`].
    #[must_use]
    pub fn now(mut self, now: Clock) -> Self {
        self.now = now;
        self
    }

    /// Sets [`EmulatorConfig::faults`].
    #[must_use]
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Sets [`EmulatorConfig::cors_origins`].
    #[must_use]
    pub fn cors_origins(mut self, cors_origins: Vec<String>) -> Self {
        self.cors_origins = cors_origins;
        self
    }

    /// Sets [`EmulatorConfig::numbers_as_json_numbers`].
    #[must_use]
    pub fn numbers_as_json_numbers(mut self, numbers_as_json_numbers: f64) -> Self {
        self.numbers_as_json_numbers = numbers_as_json_numbers;
        self
    }

    /// Sets [`EmulatorConfig::posts_per_account`].
    #[must_use]
    pub fn posts_per_account(mut self, posts_per_account: usize) -> Self {
        self.posts_per_account = posts_per_account;
        self
    }

    /// Sets [`EmulatorConfig::bind`].
    #[must_use]
    pub fn bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Sets [`EmulatorConfig::v2_quota_per_window`].
    #[must_use]
    pub fn v2_quota_per_window(mut self, v2_quota_per_window: u32) -> Self {
        self.v2_quota_per_window = v2_quota_per_window;
        self
    }

    /// Sets [`EmulatorConfig::v2_window`].
    #[must_use]
    pub fn v2_window(mut self, v2_window: Duration) -> Self {
        self.v2_window = v2_window;
        self
    }

    /// Sets [`EmulatorConfig::require_gzip`].
    #[must_use]
    pub fn require_gzip(mut self, require_gzip: bool) -> Self {
        self.require_gzip = require_gzip;
        self
    }

    /// Sets [`EmulatorConfig::readings`].
    #[must_use]
    pub fn readings(mut self, readings: Readings) -> Self {
        self.readings = readings;
        self
    }
}

/// One account's user credentials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AccountCredentials {
    /// The OAuth 1.0a access token.
    pub access_token: String,
    /// The OAuth 1.0a access token secret.
    #[serde(skip)]
    pub access_token_secret: Secret,
    /// The OAuth 2.0 user token (v2).
    #[serde(skip)]
    pub user_token: Secret,
}

/// The credentials the emulator accepts. `Debug` masks the secrets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct EmulatorCredentials {
    /// The app's consumer key.
    pub consumer_key: String,
    /// The app's consumer secret.
    #[serde(skip)]
    pub consumer_secret: Secret,
    /// The app-only bearer token.
    #[serde(skip)]
    pub bearer_token: Secret,
    /// Two accounts: posts of `world().owned_post_ids(i)` belong to `accounts[i]`.
    pub accounts: [AccountCredentials; 2],
}

impl EmulatorCredentials {
    fn generate(seed: u64) -> EmulatorCredentials {
        let token = |salt: u64| {
            format!(
                "{:016x}{:016x}",
                world::mix(seed ^ salt),
                world::mix(salt ^ !seed)
            )
        };
        let account = |i: u64| AccountCredentials {
            access_token: format!("{i}-{}", token(10 + i)),
            access_token_secret: Secret::new(token(20 + i)),
            user_token: Secret::new(token(30 + i)),
        };
        EmulatorCredentials {
            consumer_key: token(1),
            consumer_secret: Secret::new(token(2)),
            bearer_token: Secret::new(token(3)),
            accounts: [account(0), account(1)],
        }
    }

    /// OAuth 1.0a user credentials of `account`.
    pub fn oauth1(&self, account: usize) -> Credentials {
        let a = &self.accounts[account.min(1)];
        Credentials::OAuth1User(OAuth1Credentials::new(
            self.consumer_key.clone(),
            self.consumer_secret.clone(),
            a.access_token.clone(),
            a.access_token_secret.clone(),
        ))
    }

    /// The OAuth 2.0 user token of `account`.
    pub fn oauth2(&self, account: usize) -> Credentials {
        Credentials::OAuth2User {
            access_token: self.accounts[account.min(1)].user_token.clone(),
        }
    }

    /// The app-only bearer token.
    pub fn app_only(&self) -> Credentials {
        Credentials::AppOnly {
            bearer_token: self.bearer_token.clone(),
        }
    }
}

/// What the emulator has served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// 2xx answers.
    pub ok: u64,
    /// 4xx answers other than 429.
    pub client_errors: u64,
    /// 429 answers (quota and faults).
    pub rate_limited: u64,
    /// 429 answers of the v2 window quota.
    pub v2_rate_limited: u64,
    /// Faults served.
    pub faults: u64,
    /// Requests received and not answered yet (or given up when their client went away): 0
    /// when the emulator is quiet, as a test that stops a client mid-job waits for.
    pub in_flight: u64,
}

/// How often one request (the same method, path, query and body) came, and was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct BodyCount {
    /// Times it was received.
    pub received: u64,
    /// Times it was answered 2xx without a fault: a client that asks for the same thing twice
    /// (after a stop and a resume, say) shows here.
    pub answered: u64,
}

/// Starts emulators.
#[derive(Debug)]
pub struct Emulator;

/// A running emulator. Dropping it without [`shutdown`](RunningEmulator::shutdown) stops it too.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    state: Arc<server::State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Binds `config.bind` and serves in the background on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let world = World::generate(config.seed, config.posts_per_account, config.now.now());
        let credentials = EmulatorCredentials::generate(config.seed);
        let state = Arc::new(server::State::new(config, world, credentials));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(RunningEmulator {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl RunningEmulator {
    /// The base URL, `http://127.0.0.1:PORT`: both generations are served under it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &EmulatorCredentials {
        &self.state.credentials
    }

    /// The world it serves (ground truth for tests).
    pub fn world(&self) -> &World {
        &self.state.world
    }

    /// The time now, by the emulator's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.state.config.now.now()
    }

    /// What it has served so far.
    pub fn stats(&self) -> Stats {
        *self
            .state
            .stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every distinct request received so far (`METHOD path?query`, a line break, the body) and
    /// how often it came and was answered.
    pub fn requests_by_body(&self) -> std::collections::BTreeMap<String, BodyCount> {
        lock(&self.state.by_body).clone()
    }

    /// Stops serving and waits for open connections to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
