//! The client: configuration, one request, and bulk jobs driven by the core's collector.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use xengage_core::auth::{Credentials, NonceSource, UnusableCredentials};
use xengage_core::collect::{Action, AttemptId, CollectOptions, Collector, Event, Summary};
use xengage_core::handles::UniqueHandles;
use xengage_core::pace::{PacingOptions, RetryPolicy};
use xengage_core::plan::{Plan, PlanOptions};
use xengage_core::response::{MergeError, Outcome, ParseOptions, ResponseError, merge};
use xengage_core::{BaseUrls, Generation, InvalidRequest, Notice, RequestSpec, ValidationOptions};

use crate::http::{ExchangeError, RawAnswer, check_url, exchange};

/// Options of a [`Client`]. The defaults suit the real API.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Where requests are sent: the API (default), an emulator, or a proxy.
    pub send_to: BaseUrls,
    /// The URLs OAuth 1.0a signatures cover: the API's canonical URLs (default), even when
    /// requests are sent elsewhere, because X checks the signature against its own URL.
    pub sign_for: BaseUrls,
    /// Time allowed for one attempt, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Requests in flight at once.
    pub max_in_flight: usize,
    /// How often and how patiently to retry.
    pub retry: RetryPolicy,
    /// The quota's window (a minute on the API) and pacing margin.
    pub pacing: PacingOptions,
    /// Limits of the response parser.
    pub parse: ParseOptions,
    /// Validation strictness (the 365-day lookback).
    pub validation: ValidationOptions,
    /// How bulk jobs are batched.
    pub plan: PlanOptions,
    /// Events buffered for a slow consumer of [`Collection::next`] before the job waits for it.
    pub event_buffer: usize,
    /// The time to validate and plan against, instead of the system clock: for an emulator
    /// with a fixed clock.
    pub now: Option<OffsetDateTime>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            send_to: BaseUrls::default(),
            sign_for: BaseUrls::default(),
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

impl ClientOptions {
    /// Options that send to `url` (an emulator, say) and sign for the same URL.
    pub fn at(url: &str) -> Result<ClientOptions, ClientError> {
        let base = BaseUrls::single(url).map_err(|e| ClientError::Url(e.to_string()))?;
        Ok(ClientOptions {
            send_to: base.clone(),
            sign_for: base,
            ..ClientOptions::default()
        })
    }
}

/// The client could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A base URL is unusable or not secure.
    #[error("unusable base URL: {0}")]
    Url(String),
    /// The HTTP stack could not be set up.
    #[error("cannot set up HTTP: {0}")]
    Http(String),
    /// The credentials cannot be sent.
    #[error(transparent)]
    Credentials(#[from] UnusableCredentials),
}

/// One request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The request breaks documented rules; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] InvalidRequest),
    /// The request failed after every retry the policy allows; `summary` says how many and
    /// its ledger says why for each post.
    #[error("{message} ({})", attempts_text(summary.progress.attempts))]
    Failed {
        /// The last failure's message.
        message: String,
        /// The last answer's error, typed: match `ResponseError::Api` for its status and
        /// [`ApiErrorKind`](xengage_core::response::ApiErrorKind) (401: the credentials; 429
        /// or 5xx: later). `None` when no answer came (a timeout, a failed connection).
        #[source]
        error: Option<ResponseError>,
        /// The job's statistics and ledger.
        summary: Box<Summary>,
    },
}

/// A job's merged outcome and its summary; serializes as `{ outcome, summary }`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Collected {
    /// Every batch's rows and result trees, merged; its ledger accounts for every post.
    pub outcome: Outcome,
    /// Requests, retries, 429s, waits; and the ledger of every post.
    pub summary: Summary,
}

/// `1 attempt`, `3 attempts`.
fn attempts_text(attempts: u64) -> String {
    match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    }
}

/// An async client. Cheap to clone; clones share the HTTP connections and the unique-handle
/// ledger.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    credentials: Arc<Credentials>,
    options: Arc<ClientOptions>,
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

impl Client {
    /// A client with `credentials` and `options`. Base URLs must be HTTPS, or HTTP to loopback.
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Client, ClientError> {
        credentials.check()?;
        for url in [
            options.send_to.for_generation(Generation::Enterprise),
            options.send_to.for_generation(Generation::V2),
        ] {
            check_url(url).map_err(ClientError::Url)?;
        }
        // reqwest is built without a default crypto provider; use ring's, once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("xengage/", env!("CARGO_PKG_VERSION")))
            // The API never redirects. Following one would send the request (its ids, and on
            // the same host its signature) where `check_url` never looked, plain http
            // included, and take that host's answer for the API's: a 3xx is an answer.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(Client {
            http,
            credentials: Arc::new(credentials),
            options: Arc::new(options),
            handles: Arc::new(Mutex::new(UniqueHandles::default())),
        })
    }

    /// The options.
    pub fn options(&self) -> &ClientOptions {
        &self.options
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

    fn validation(&self) -> ValidationOptions {
        self.options
            .validation
            .credential(Some(self.credentials.kind()))
    }

    /// Sends one request (validated as such: at most 250 or 25 ids, at most 4 weeks) with the
    /// pacing and retries of a job, and returns its outcome.
    ///
    /// Posts too old for some metrics go in a request of their own, asked only what the API
    /// still serves, so one request can become two. If one of them fails, the outcome holds
    /// the other's rows and its ledger says which posts failed and why: partial failure is
    /// data. [`SendError::Failed`] means nothing was answered.
    pub async fn send(&self, spec: &RequestSpec) -> Result<Outcome, SendError> {
        spec.validate(self.now(), &self.validation())?;
        let (collected, error) = self.run_to_end(spec).await?;
        let progress = collected.summary.progress;
        if progress.requests_failed > 0 && progress.requests_done == 0 {
            let message = collected
                .summary
                .ledger
                .failure_messages()
                .into_iter()
                .next()
                .unwrap_or_else(|| "the request failed".to_owned());
            return Err(SendError::Failed {
                message,
                error,
                summary: Box::new(collected.summary),
            });
        }
        Ok(collected.outcome)
    }

    /// Starts a bulk job: `spec` may hold any number of post ids and, on the historical
    /// endpoints, a range of any length. Events stream from the returned [`Collection`] as
    /// they happen; dropping it cancels the job.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime: the job is spawned on the current one.
    pub fn collect(&self, spec: &RequestSpec) -> Result<Collection, InvalidRequest> {
        let plan = Plan::new(spec, self.now(), &self.validation(), &self.options.plan)?;
        let collector = Collector::new(
            plan,
            CollectOptions::default()
                .max_in_flight(self.options.max_in_flight)
                .retry(self.options.retry)
                .pacing(self.options.pacing)
                .parse(self.options.parse.clone()),
        );
        let planned = collector.plan().len();
        let notices = collector.plan().notices().to_vec();
        let (tx, rx) = mpsc::channel(self.options.event_buffer.max(1));
        let client = self.clone();
        let task = tokio::spawn(async move { client.drive(collector, tx).await });
        Ok(Collection {
            rx,
            task,
            planned,
            notices,
        })
    }

    /// Runs a bulk job to its end and merges every batch.
    pub async fn collect_all(&self, spec: &RequestSpec) -> Result<Collected, SendError> {
        self.run_to_end(spec).await.map(|(collected, _)| collected)
    }

    /// [`Self::collect_all`], and the typed error of the last batch that failed.
    async fn run_to_end(
        &self,
        spec: &RequestSpec,
    ) -> Result<(Collected, Option<ResponseError>), SendError> {
        let mut job = self.collect(spec)?;
        let mut outcomes = Vec::new();
        let mut last_error = None;
        while let Some(event) = job.next().await {
            match event {
                Event::BatchDone { outcome, .. } => outcomes.push(*outcome),
                Event::BatchFailed { error, .. } => last_error = error,
                _ => {}
            }
        }
        let summary = job.finish().await;
        let endpoint = spec.endpoint;
        let mut outcome = if outcomes.is_empty() {
            Outcome::empty(endpoint)
        } else {
            merge(outcomes).map_err(|e: MergeError| SendError::Failed {
                message: e.to_string(),
                error: None,
                summary: Box::new(summary.clone()),
            })?
        };
        outcome.ledger = summary.ledger.clone();
        Ok((Collected { outcome, summary }, last_error))
    }

    async fn drive(&self, mut collector: Collector, tx: mpsc::Sender<Event>) -> Summary {
        let start = Instant::now();
        let mut flights: JoinSet<(AttemptId, Result<RawAnswer, ExchangeError>)> = JoinSet::new();
        'job: loop {
            while let Some(event) = collector.next_event() {
                if tx.send(event).await.is_err() {
                    break 'job; // The consumer is gone: cancel.
                }
            }
            match collector.poll(start.elapsed()) {
                Action::Send(out) => {
                    let client = self.clone();
                    flights.spawn(async move {
                        tokio::time::sleep(out.send_after).await;
                        let result = client.attempt(&out.request).await;
                        (out.id, result)
                    });
                }
                // While waiting, a consumer that goes away (cancel, drop) ends the job at once:
                // attempts in flight are abandoned, not waited for.
                Action::Wait(wait) => {
                    tokio::select! {
                        Some(done) = flights.join_next() => Self::report(&mut collector, start, done),
                        () = tokio::time::sleep(wait) => {}
                        () = tx.closed() => break 'job,
                    }
                }
                Action::AwaitAnswer => tokio::select! {
                    done = flights.join_next() => match done {
                        Some(done) => Self::report(&mut collector, start, done),
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

    fn report(
        collector: &mut Collector,
        start: Instant,
        done: Result<(AttemptId, Result<RawAnswer, ExchangeError>), tokio::task::JoinError>,
    ) {
        let now = start.elapsed();
        let jitter = fastrand::f64();
        let Ok((id, result)) = done else {
            return; // A flight task was aborted: only on cancellation.
        };
        match result {
            Ok(answer) => collector.on_answer(
                id,
                now,
                answer.status,
                &answer.headers,
                &answer.body,
                jitter,
            ),
            Err(e) => collector.on_failure(id, now, e.failure, &e.to_string(), jitter),
        }
    }

    /// Signs and sends one request once, without pacing, retries or parsing, and returns the
    /// answer as it came (decompressed): what a proxy forwards.
    pub async fn exchange(
        &self,
        request: &xengage_core::Request,
    ) -> Result<RawAnswer, ExchangeError> {
        self.attempt(request).await
    }

    async fn attempt(&self, request: &xengage_core::Request) -> Result<RawAnswer, ExchangeError> {
        let prepared = request.prepare_authorized(
            &self.options.send_to,
            &self.options.sign_for,
            &self.credentials,
            &mut SystemNonce,
        );
        if let Some(token) = self.credentials.user_token() {
            self.handles
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(self.now(), token);
        }
        let limit = self.options.parse.max_body_bytes;
        exchange(&self.http, prepared, self.options.timeout, limit).await
    }
}

/// A running bulk job. Events arrive in order; dropping the collection cancels the job.
#[derive(Debug)]
pub struct Collection {
    rx: mpsc::Receiver<Event>,
    task: tokio::task::JoinHandle<Summary>,
    planned: usize,
    notices: Vec<Notice>,
}

impl Collection {
    /// The number of requests the job plans (retries and narrowed batches come on top).
    pub fn planned(&self) -> usize {
        self.planned
    }

    /// What planning said about the spec: duplicates removed, the default window or grouping,
    /// posts too old for a metric (asked apart, only for what the API still serves).
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The next event, or `None` when the job has ended.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// Waits for the end of the job, discarding events not yet read, and returns its summary:
    /// statistics and the ledger of every post.
    pub async fn finish(mut self) -> Summary {
        while self.rx.recv().await.is_some() {}
        self.join().await
    }

    /// Stops the job: nothing more is sent, attempts in flight are abandoned (not waited for),
    /// and their posts, like those never sent, are in the ledger as failed ("cancelled").
    pub async fn cancel(mut self) -> Summary {
        self.rx.close();
        while self.rx.recv().await.is_some() {}
        self.join().await
    }

    async fn join(self) -> Summary {
        match self.task.await {
            Ok(summary) => summary,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}
