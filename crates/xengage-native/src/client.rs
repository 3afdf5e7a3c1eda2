//! The client: construction by [`ClientBuilder`], one request, and bulk jobs driven by the
//! core's collector.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use xengage_core::auth::{CredentialSet, Credentials, NonceSource};
use xengage_core::collect::{Action, AttemptId, CollectOptions, Collector, Event, Summary};
use xengage_core::handles::UniqueHandles;
use xengage_core::pace::{PacingOptions, RetryPolicy};
use xengage_core::plan::{Plan, PlanOptions};
use xengage_core::response::{NotServed, Outcome, ParseOptions, ResponseError, merge};
use xengage_core::{
    BaseUrlError, BaseUrls, CredentialKind, Generation, Notice, RequestSpec, ValidationOptions,
    notice_json,
};

use crate::collection::Collection;
use crate::error::{ClientError, SendError, error_chain};
use crate::http::{ExchangeError, RawAnswer, check_url, exchange, no_credential, unsigned};

/// The settings a [`ClientBuilder`] collects.
#[derive(Debug, Clone)]
struct Options {
    send_to: BaseUrls,
    sign_for: Option<BaseUrls>,
    timeout: Duration,
    max_in_flight: usize,
    retry: RetryPolicy,
    pacing: PacingOptions,
    parse: ParseOptions,
    validation: ValidationOptions,
    plan: PlanOptions,
    event_buffer: usize,
    now: Option<OffsetDateTime>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            send_to: BaseUrls::default(),
            sign_for: None,
            timeout: Duration::from_secs(30),
            max_in_flight: 4,
            retry: RetryPolicy::default(),
            pacing: PacingOptions::default(),
            parse: ParseOptions::default(),
            validation: ValidationOptions::default(),
            plan: PlanOptions::default(),
            event_buffer: 64,
            now: None,
        }
    }
}

/// Builds a [`Client`]; from [`Client::builder`]. Every setting has a default that suits the
/// real API; problems (a URL that is not HTTPS, a token no header can carry) are reported by
/// [`build`](Self::build), before anything is sent.
///
/// Against the emulator (or any server with a fixed clock and a short quota window), set
/// [`base_url`](Self::base_url), [`now`](Self::now) (the emulator's clock, which validation
/// and planning use instead of the system's) and [`quota_window`](Self::quota_window) (its
/// `--minute-ms`):
///
/// ```no_run
/// # fn demo(emulator: &xengage_emulator::RunningEmulator) -> Result<(), xengage_native::ClientError> {
/// use std::time::Duration;
///
/// let client = xengage_native::Client::builder()
///     .credentials(emulator.credentials().oauth1(0))
///     .base_url(&emulator.url())
///     .now(emulator.now())
///     .quota_window(Duration::from_millis(200))
///     .timeout(Duration::from_secs(5))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ClientBuilder {
    credentials: CredentialSet,
    options: Options,
    url_error: Option<BaseUrlError>,
    http: Option<reqwest::Client>,
}

impl ClientBuilder {
    /// Adds credentials: one [`Credentials`], or a [`CredentialSet`] (as
    /// [`Credentials::from_env`] returns). Called again, it adds to what is held: a client may
    /// hold a bearer token, a user token and OAuth 1.0a keys together, and signs each request
    /// with the one [`CredentialSet`]'s rule picks (OAuth 1.0a on v1, the user token on v2).
    pub fn credentials(mut self, credentials: impl Into<CredentialSet>) -> ClientBuilder {
        self.credentials.extend(credentials.into());
        self
    }

    /// Signs every request with the credential of `kind`, overriding the rule (as the
    /// command's `--auth`): `CredentialKind::AppOnly` reads public posts on totals with the
    /// bearer token when OAuth 1.0a keys are held too.
    pub fn auth(mut self, kind: CredentialKind) -> ClientBuilder {
        self.credentials = std::mem::take(&mut self.credentials).choose(Some(kind));
        self
    }

    /// Sends both API generations to `url` (an emulator, a forwarding proxy, a test server:
    /// they serve both under one URL), and signs OAuth 1.0a requests for it unless
    /// [`sign_for`](Self::sign_for) says otherwise. HTTPS, or plain HTTP to loopback.
    pub fn base_url(mut self, url: &str) -> ClientBuilder {
        match BaseUrls::single(url) {
            Ok(urls) => self.options.send_to = urls,
            Err(e) => self.url_error = Some(e),
        }
        self
    }

    /// Sends each generation to its own URL (see [`BaseUrls::new`]).
    pub fn base_urls(mut self, urls: BaseUrls) -> ClientBuilder {
        self.options.send_to = urls;
        self
    }

    /// The URLs OAuth 1.0a signatures cover. X checks a signature against its own URL, so a
    /// forwarding proxy in front of the API needs `sign_for` the API
    /// ([`BaseUrls::default`]) while requests go to the proxy. Default: where requests are
    /// sent.
    pub fn sign_for(mut self, urls: BaseUrls) -> ClientBuilder {
        self.options.sign_for = Some(urls);
        self
    }

    /// Time allowed for one attempt, from sending to the last byte of the answer (default 30
    /// seconds). A timeout is retried as the retry policy allows.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.options.timeout = timeout;
        self
    }

    /// Requests in flight at once in a job (default 4).
    pub fn max_in_flight(mut self, n: usize) -> ClientBuilder {
        self.options.max_in_flight = n.max(1);
        self
    }

    /// How often and how patiently to retry (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.options.retry = policy;
        self
    }

    /// The quota's window, margin and assumed limit (default: the API's minute).
    pub fn pacing(mut self, pacing: PacingOptions) -> ClientBuilder {
        self.options.pacing = pacing;
        self
    }

    /// The length of the quota's window: a minute on the API, the emulator's `--minute-ms`
    /// against it. Without it, a job against an emulator with a short minute paces itself by
    /// the real one.
    pub fn quota_window(mut self, window: Duration) -> ClientBuilder {
        self.options.pacing.window = window;
        self
    }

    /// Limits of the response parser (body size, depth).
    pub fn parse(mut self, parse: ParseOptions) -> ClientBuilder {
        self.options.parse = parse;
        self
    }

    /// Validation settings where the vendor's documents disagree (the 365-day lookback, the
    /// 90-day limit on every endpoint). The credential kind is set per request by the client.
    pub fn validation(mut self, validation: ValidationOptions) -> ClientBuilder {
        self.options.validation = validation;
        self
    }

    /// How bulk jobs are batched.
    pub fn plan(mut self, plan: PlanOptions) -> ClientBuilder {
        self.options.plan = plan;
        self
    }

    /// Events a [`Collection`] buffers for a slow consumer before the job waits for it
    /// (default 64).
    pub fn event_buffer(mut self, n: usize) -> ClientBuilder {
        self.options.event_buffer = n.max(1);
        self
    }

    /// Validates and plans against `now` instead of the system clock: for an emulator (its
    /// clock is fixed; `RunningEmulator::now` gives it) or reproducible runs. Signatures'
    /// timestamps still come from the system clock.
    pub fn now(mut self, now: OffsetDateTime) -> ClientBuilder {
        self.options.now = Some(now);
        self
    }

    /// Sends with `http`, a `reqwest::Client` of your own (proxy, roots, connection pool),
    /// instead of one this crate sets up. Build it without following redirects
    /// (`redirect::Policy::none()`): the API never sends one, and a followed redirect would
    /// carry the request where the base URL check never looked. Its TLS is yours; this
    /// client's `timeout` still applies per attempt.
    pub fn http_client(mut self, http: reqwest::Client) -> ClientBuilder {
        self.http = Some(http);
        self
    }

    /// The client. Fails, before anything is sent, on a base URL that is not HTTPS (or HTTP to
    /// loopback), a token no header can carry, or an HTTP stack that cannot be set up.
    /// Installs nothing process-wide.
    pub fn build(self) -> Result<Client, ClientError> {
        if let Some(e) = self.url_error {
            return Err(ClientError::BaseUrl(e));
        }
        for c in self.credentials.iter() {
            c.check().map_err(ClientError::Credentials)?;
        }
        for generation in [Generation::Enterprise, Generation::V2] {
            check_url(self.options.send_to.for_generation(generation)).map_err(ClientError::Url)?;
        }
        let http = match self.http {
            Some(http) => http,
            None => crate::tls::http_builder()?
                .build()
                .map_err(ClientError::Http)?,
        };
        Ok(Client {
            http,
            credentials: Arc::new(self.credentials),
            options: Arc::new(self.options),
            handles: Arc::new(Mutex::new(UniqueHandles::default())),
        })
    }
}

/// A job's merged outcome, its summary, and what planning said about the spec; serializes as
/// `{ outcome, summary, notices }`. What [`Client::send`] and [`Client::collect_all`] return.
///
/// Partial failure is data: posts that got no values (too old, forbidden, deleted, failed) are
/// in the ledger with their reasons, and [`notices`](Self::notices) say what planning changed.
/// [`ensure_served`](Self::ensure_served) turns "not every post served" into an error.
///
/// ```no_run
/// # async fn demo(client: xengage_native::Client, spec: xengage_core::RequestSpec) -> Result<(), Box<dyn std::error::Error>> {
/// let collected = client.collect_all(&spec).await?;
/// for notice in &collected.notices {
///     eprintln!("notice: {notice}");
/// }
/// collected.ensure_served()?; // an error naming each post not served, and why
/// // One table per grouping (a v2 answer's totals apart, in `outcome.totals`): each counts
/// // every hour once, so sum within one.
/// for grouping in &collected.outcome.groupings {
///     for row in &grouping.rows {
///         println!("{} {:?} {:?} {:?} {}", grouping.name, row.post_id, row.metric, row.bucket, row.value);
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Collected {
    /// Every batch's rows and result trees, merged; its ledger accounts for every post.
    pub outcome: Outcome,
    /// Requests, retries, 429s, waits; and the ledger of every post.
    pub summary: Summary,
    /// What planning said about the spec: duplicates removed, defaults used, posts too old
    /// for some metrics (asked apart, only for what the API still serves, or not at all).
    #[serde(serialize_with = "notices_json")]
    pub notices: Vec<Notice>,
}

/// Notices as the command prints them in JSON.
fn notices_json<S: serde::Serializer>(notices: &[Notice], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(notices.iter().map(notice_json))
}

impl Collected {
    /// `Ok` when every post asked about got values for everything asked; otherwise an error
    /// naming each post that did not, with its state and reasons.
    pub fn ensure_served(&self) -> Result<(), NotServed> {
        self.summary.ledger.ensure_served()
    }
}

/// An async client. Cheap to clone; clones share the HTTP connections and the unique-handle
/// ledger. Made with [`Client::builder`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use xengage_core::auth::Credentials;
/// use xengage_core::{Endpoint, RequestSpec};
///
/// let client = xengage_native::Client::builder()
///     .credentials(Credentials::from_env()?) // X_CONSUMER_KEY ... X_ACCESS_TOKEN_SECRET, X_USER_TOKEN, X_BEARER_TOKEN
///     .build()?;
/// let spec = RequestSpec::new(Endpoint::Totals)
///     .post_ids(["1070059276213702656"])
///     .metrics(["impressions", "favorites"]);
/// let sent = client.send(&spec).await?;
/// println!("{} rows", sent.outcome.row_count());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    credentials: Arc<CredentialSet>,
    options: Arc<Options>,
    handles: Arc<Mutex<UniqueHandles>>,
}

/// Nonces from a fast random generator and timestamps from the system clock.
struct SystemNonce;

impl NonceSource for SystemNonce {
    fn nonce(&mut self) -> String {
        (0..32).map(|_| fastrand::alphanumeric()).collect()
    }

    fn timestamp(&mut self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// The typed error of the last failed attempt without an answer, per request of a job, for
/// the [`SendError`] of a job that failed as a whole.
pub(crate) type NoAnswers = Arc<Mutex<HashMap<usize, ExchangeError>>>;

impl Client {
    /// A builder with the defaults (the API's URLs, a 30-second timeout, 4 requests in flight,
    /// the default retry policy, the system clock) and no credentials.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The credentials held.
    pub fn credentials(&self) -> &CredentialSet {
        &self.credentials
    }

    /// Distinct user tokens (one per @handle) this client has sent requests with, per calendar
    /// month: the count an Enterprise contract may cap and the API does not report.
    pub fn unique_handles(&self) -> UniqueHandles {
        self.handles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn now(&self) -> OffsetDateTime {
        self.options.now.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// The credential for `spec`'s endpoint, and validation options for its kind.
    fn credential_for(
        &self,
        spec: &RequestSpec,
    ) -> Result<(Credentials, ValidationOptions), SendError> {
        let credentials = self
            .credentials
            .for_endpoint(spec.endpoint)
            .map_err(SendError::Credentials)?
            .clone();
        let validation = self.options.validation.credential(Some(credentials.kind()));
        Ok((credentials, validation))
    }

    /// Sends one request (validated as such: at most 250 or 25 ids, at most 4 weeks) with the
    /// pacing and retries of a job, and returns its outcome, summary and notices.
    ///
    /// Posts too old for some metrics go in a request of their own, asked only what the API
    /// still serves, so one request can become two. If one of them fails, the outcome holds
    /// the other's rows and its ledger says which posts failed and why: partial failure is
    /// data ([`Collected::ensure_served`] makes it an error). An `Err` means nothing was
    /// answered.
    pub async fn send(&self, spec: &RequestSpec) -> Result<Collected, SendError> {
        let (_, validation) = self.credential_for(spec)?;
        spec.validate(self.now(), &validation)?;
        let (collected, error) = self.run_to_end(spec).await?;
        let progress = collected.summary.progress;
        if progress.requests_failed > 0 && progress.requests_done == 0 {
            let summary = Box::new(collected.summary);
            return Err(match error {
                Some(LastError::Answer(error)) => SendError::Answered { error, summary },
                Some(LastError::NoAnswer(failure, error)) => SendError::NoAnswer {
                    failure,
                    error,
                    summary,
                },
                None => SendError::NoAnswer {
                    failure: xengage_core::pace::Failure::Permanent,
                    error: None,
                    summary,
                },
            });
        }
        Ok(collected)
    }

    /// Starts a bulk job: `spec` may hold any number of post ids and, on the historical
    /// endpoints, a range of any length. Events stream from the returned [`Collection`] (a
    /// `futures_core::Stream`) as they happen; dropping it cancels the job.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime: the job is spawned on the current one.
    pub fn collect(&self, spec: &RequestSpec) -> Result<Collection, SendError> {
        let (plan, credentials) = self.plan_at(spec, self.now())?;
        Ok(self.start(Collector::new(plan, self.collect_options()), credentials))
    }

    /// The plan of `spec` against `now`, with this client's validation and batching, and the
    /// credential that will send it.
    pub(crate) fn plan_at(
        &self,
        spec: &RequestSpec,
        now: OffsetDateTime,
    ) -> Result<(Plan, Credentials), SendError> {
        let (credentials, validation) = self.credential_for(spec)?;
        let plan = Plan::new(spec, now, &validation, &self.options.plan)?;
        Ok((plan, credentials))
    }

    /// The collector's options, from this client's.
    pub(crate) fn collect_options(&self) -> CollectOptions {
        // The wall clock at the job's start (it starts at once), whatever clock validation
        // used: v2 windows reset by the real clock.
        CollectOptions::default()
            .max_in_flight(self.options.max_in_flight)
            .retry(self.options.retry)
            .pacing(self.options.pacing)
            .parse(self.options.parse.clone())
            .clock_origin(Some(OffsetDateTime::now_utc()))
    }

    /// The time to plan against: the fixed `now` of the options, or the system clock.
    pub(crate) fn planning_now(&self) -> OffsetDateTime {
        self.now()
    }

    /// Runs `collector` on the current runtime, sending with `credentials`.
    pub(crate) fn start(&self, collector: Collector, credentials: Credentials) -> Collection {
        let planned = collector.plan().len();
        let notices = collector.plan().notices().to_vec();
        let (tx, rx) = mpsc::channel(self.options.event_buffer.max(1));
        let client = self.clone();
        let no_answers = NoAnswers::default();
        let job = Job {
            credentials: Arc::new(credentials),
            no_answers: no_answers.clone(),
        };
        let task = tokio::spawn(async move { client.drive(collector, tx, job).await });
        Collection::new(rx, task, planned, notices, no_answers)
    }

    /// Runs a bulk job to its end and merges every batch. Batches that failed are in the
    /// ledger; an `Err` only for what stops the job from starting, or answers that cannot be
    /// merged.
    pub async fn collect_all(&self, spec: &RequestSpec) -> Result<Collected, SendError> {
        self.run_to_end(spec).await.map(|(collected, _)| collected)
    }

    /// [`Self::collect_all`], and the typed error of the last batch that failed.
    async fn run_to_end(
        &self,
        spec: &RequestSpec,
    ) -> Result<(Collected, Option<LastError>), SendError> {
        let mut job = self.collect(spec)?;
        let mut outcomes = Vec::new();
        let mut last_error = None;
        while let Some(event) = job.next().await {
            match event {
                Event::BatchDone { outcome, .. } => outcomes.push(*outcome),
                Event::BatchFailed {
                    index,
                    error,
                    failure,
                    ..
                } => {
                    last_error = Some(match error {
                        Some(error) => LastError::Answer(error),
                        None => LastError::NoAnswer(failure, job.take_transport_error(index)),
                    });
                }
                _ => {}
            }
        }
        let notices = job.notices().to_vec();
        let summary = job.finish().await;
        let mut outcome = if outcomes.is_empty() {
            Outcome::empty(spec.endpoint)
        } else {
            merge(outcomes).map_err(|error| SendError::Merge {
                error,
                summary: Box::new(summary.clone()),
            })?
        };
        outcome.ledger = summary.ledger.clone();
        Ok((
            Collected {
                outcome,
                summary,
                notices,
            },
            last_error,
        ))
    }

    async fn drive(&self, mut collector: Collector, tx: mpsc::Sender<Event>, job: Job) -> Summary {
        let start = Instant::now();
        let mut flights: JoinSet<(AttemptId, usize, Result<RawAnswer, ExchangeError>)> =
            JoinSet::new();
        'job: loop {
            while let Some(event) = collector.next_event() {
                if tx.send(event).await.is_err() {
                    break 'job; // The consumer is gone: cancel.
                }
            }
            match collector.poll(start.elapsed()) {
                Action::Send(out) => {
                    let client = self.clone();
                    let credentials = job.credentials.clone();
                    flights.spawn(async move {
                        tokio::time::sleep(out.send_after).await;
                        let result = client.attempt(&out.request, &credentials).await;
                        (out.id, out.index, result)
                    });
                }
                // While waiting, a consumer that goes away (cancel, drop) ends the job at once:
                // attempts in flight are abandoned, not waited for.
                Action::Wait(wait) => {
                    tokio::select! {
                        Some(done) = flights.join_next() => job.report(&mut collector, start, done),
                        () = tokio::time::sleep(wait) => {}
                        () = tx.closed() => break 'job,
                    }
                }
                Action::AwaitAnswer => tokio::select! {
                    done = flights.join_next() => match done {
                        Some(done) => job.report(&mut collector, start, done),
                        None => break 'job, // Nothing in flight: cannot happen, but never hang.
                    },
                    () = tx.closed() => break 'job,
                },
                Action::Done => {
                    while let Some(event) = collector.next_event() {
                        if tx.send(event).await.is_err() {
                            break;
                        }
                    }
                    break 'job;
                }
            }
        }
        // Abort every attempt and wait until each task has stopped, so none sends anything
        // once the job has ended.
        flights.shutdown().await;
        collector.finish_at(start.elapsed())
    }

    /// Signs and sends one request once, without pacing, retries or parsing, with the
    /// credential the rule picks for its endpoint, and returns the answer as it came
    /// (decompressed): what a proxy forwards.
    pub async fn exchange(
        &self,
        request: &xengage_core::Request,
    ) -> Result<RawAnswer, ExchangeError> {
        let credentials = self
            .credentials
            .for_endpoint(request.endpoint())
            .map_err(|e| {
                let url = request.prepare(&self.options.send_to).url;
                no_credential(&url, self.options.timeout, e)
            })?;
        self.attempt(request, credentials).await
    }

    async fn attempt(
        &self,
        request: &xengage_core::Request,
        credentials: &Credentials,
    ) -> Result<RawAnswer, ExchangeError> {
        let sign_for = self
            .options
            .sign_for
            .as_ref()
            .unwrap_or(&self.options.send_to);
        let prepared = request
            .prepare_authorized(
                &self.options.send_to,
                sign_for,
                credentials,
                &mut SystemNonce,
            )
            .map_err(|e| {
                let url = request.prepare(&self.options.send_to).url;
                unsigned(&url, self.options.timeout, e)
            })?;
        if let Some(token) = credentials.user_token() {
            self.handles
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(self.now(), token);
        }
        let limit = self.options.parse.max_body_bytes;
        exchange(&self.http, prepared, self.options.timeout, limit).await
    }
}

/// The last failure of a job that failed as a whole.
enum LastError {
    /// An answer that is an error.
    Answer(ResponseError),
    /// No answer.
    NoAnswer(xengage_core::pace::Failure, Option<ExchangeError>),
}

/// What a running job holds beside its collector.
struct Job {
    /// The credential of the spec's endpoint.
    credentials: Arc<Credentials>,
    /// The last failure without an answer of each request.
    no_answers: NoAnswers,
}

impl Job {
    fn report(
        &self,
        collector: &mut Collector,
        start: Instant,
        done: Result<(AttemptId, usize, Result<RawAnswer, ExchangeError>), tokio::task::JoinError>,
    ) {
        let now = start.elapsed();
        let jitter = fastrand::f64();
        let Ok((id, index, result)) = done else {
            return; // A flight task was aborted: only on cancellation.
        };
        let mut no_answers = self
            .no_answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(answer) => {
                drop(no_answers);
                collector.on_answer(
                    id,
                    now,
                    answer.status,
                    &answer.headers,
                    &answer.body,
                    jitter,
                );
            }
            Err(e) => {
                // The ledger keeps the whole chain in words; the typed error waits for the
                // job's end, where a request that failed for good becomes a `SendError`.
                collector.on_failure(id, now, e.failure, &error_chain(&e), jitter);
                no_answers.insert(index, e);
            }
        }
    }
}
