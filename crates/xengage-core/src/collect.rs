//! Bulk collection as a state machine: which request to send next and when, what an answer means
//! for the job, when to retry, and an account of every post. Transports (native, web) only send,
//! sleep and report back, so both collect the same way.
//!
//! The loop a transport runs:
//!
//! 1. [`Collector::poll`] with the time since the job started: it answers [`Action::Send`] (wait
//!    `send_after`, sign and send this request; poll again at once, several requests may be in
//!    flight), [`Action::Wait`] (nothing to do for this long, or until an answer arrives),
//!    [`Action::AwaitAnswer`] (nothing to do until an answer arrives) or [`Action::Done`].
//! 2. When an answer arrives: [`Collector::on_answer`] with its status, headers and body; when
//!    none could be had: [`Collector::on_failure`] with what went wrong.
//! 3. [`Collector::next_event`] hands out what happened, as it happens: each batch's outcome (its
//!    rows, to write out at once), retries, waits for quota, batches given up on.
//! 4. [`Collector::finish`] gives the ledger of every post and the job's statistics.
//!
//! Answers that refuse a whole batch because of some of its posts (403 "Forbidden to access
//! tweets: ...", 400 with `unavailable_tweet_ids`) put those posts in the ledger and send the
//! rest of the batch again, so one post never costs its batch. A post refused only some metrics
//! (an error listing it in `unsupported_for_impressions_engagements_tweet_ids`) is asked again
//! for the metrics left, in a request of its own. Every post asked about ends in the ledger
//! with values or a reason.
//!
//! A job can keep a checkpoint ([`crate::checkpoint`]): a collector made by
//! [`Collector::saving`] hands out, with each answer that settles a request, an [`Event::Save`]
//! whose record the transport appends; [`Collector::resume`] starts from those bytes, hands the
//! answers kept out again as events (without sending them) and sends only the rest. A 401 stops
//! a job at once ([`Event::Stopped`]): every request after it would be refused too, and a
//! checkpoint resumes it with renewed credentials.
//!
//! ```
//! use std::time::Duration;
//! use time::macros::datetime;
//! use xengage_core::collect::{Action, CollectOptions, Collector, Event};
//! use xengage_core::plan::{Plan, PlanOptions};
//! use xengage_core::{Endpoint, RequestSpec, ValidationOptions};
//!
//! let now = datetime!(2026-11-22 12:00 UTC);
//! let spec = RequestSpec::new(Endpoint::Totals)
//!     .post_ids(["1990000000000000001"])
//!     .metrics(["favorites"]);
//! let plan = Plan::new(&spec, now, &ValidationOptions::default(), &PlanOptions::default())?;
//! let mut collector = Collector::new(plan, CollectOptions::default());
//! let Action::Send(out) = collector.poll(Duration::ZERO) else { unreachable!() };
//! // ... a transport signs and sends `out.request`, then reports the answer:
//! let headers = http::HeaderMap::new();
//! collector.on_answer(out.id, Duration::from_millis(80), 200,
//!     &headers, br#"{"grouping":{"1990000000000000001":{"favorites":"7"}}}"#, 0.5);
//! assert!(matches!(collector.next_event(), Some(Event::Sent { .. })));
//! assert!(matches!(collector.next_event(), Some(Event::BatchDone { .. })));
//! assert_eq!(collector.poll(Duration::from_millis(80)), Action::Done);
//! let summary = collector.finish();
//! assert_eq!(summary.progress.requests_done, 1);
//! # Ok::<(), xengage_core::InvalidRequest>(())
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use http::HeaderMap;

use crate::checkpoint::{Account, Checkpoint, CheckpointError, JobIdentity, SavedAnswer};

use crate::id::PostId;
use crate::metric::Metric;
use crate::pace::{
    Attempts, Failure, Pacer, PacingOptions, PacingStats, RetryDecision, RetryPolicy, Slot,
};
use crate::plan::Plan;
use crate::request::Request;
use crate::response::{
    FailureKind, Ledger, Outcome, ParseOptions, PostFailure, RateLimit, ResponseError,
    parse_response,
};

/// Options of a collection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CollectOptions {
    /// Requests in flight at once (waiting for their slot, or sent and not yet answered).
    pub max_in_flight: usize,
    /// How often and how patiently to retry.
    pub retry: RetryPolicy,
    /// The quota's window and pacing margin.
    pub pacing: PacingOptions,
    /// Limits of the response parser.
    pub parse: ParseOptions,
    /// The wall-clock time at the job's origin (the `Duration::ZERO` of `poll` and the
    /// answers), to place a v2 window's `x-rate-limit-reset` (a Unix time) in the job's time.
    /// `None`: the time the plan was made against ([`Plan::planned_at`]), which a transport
    /// that plans just before it starts makes right to within milliseconds.
    pub clock_origin: Option<time::OffsetDateTime>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            max_in_flight: 4,
            retry: RetryPolicy::default(),
            pacing: PacingOptions::default(),
            parse: ParseOptions::default(),
            clock_origin: None,
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `CollectOptions::default().max_in_flight(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl CollectOptions {
    /// Sets [`CollectOptions::max_in_flight`].
    #[must_use]
    pub fn max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }

    /// Sets [`CollectOptions::retry`].
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets [`CollectOptions::pacing`].
    #[must_use]
    pub fn pacing(mut self, pacing: PacingOptions) -> Self {
        self.pacing = pacing;
        self
    }

    /// Sets [`CollectOptions::parse`].
    #[must_use]
    pub fn parse(mut self, parse: ParseOptions) -> Self {
        self.parse = parse;
        self
    }

    /// Sets [`CollectOptions::clock_origin`].
    #[must_use]
    pub fn clock_origin(mut self, clock_origin: Option<time::OffsetDateTime>) -> Self {
        self.clock_origin = clock_origin;
        self
    }
}

/// Identifies one attempt in flight, to report its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptId(u64);

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outgoing {
    /// Report the answer with this id.
    pub id: AttemptId,
    /// The request's place in the plan.
    pub index: usize,
    /// 0 for the first attempt, then 1, 2, ...
    pub attempt: u32,
    /// Wait this long before sending: the quota's slot.
    pub send_after: Duration,
    /// The request: sign it (at sending time) and send it unchanged.
    pub request: Request,
}

/// What the transport should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
// One `Action` is handed out per poll and moved at once: its size costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Send this request after its wait, then poll again at once.
    Send(Outgoing),
    /// Nothing to send for this long (a retry's backoff); poll again then, or when an answer
    /// arrives.
    Wait(Duration),
    /// Nothing to send until an answer (or failure) is reported.
    AwaitAnswer,
    /// Every request is answered or given up on.
    Done,
}

/// Something that happened, in order: what a transport's job stream (`xengage-native`'s
/// `Collection`) yields.
///
/// ```
/// use xengage_core::collect::Event;
///
/// /// A line of progress for each event worth one.
/// fn progress(event: &Event) -> Option<String> {
///     match event {
///         Event::BatchDone { index, outcome, .. } => {
///             Some(format!("batch {index}: {} rows", outcome.row_count()))
///         }
///         Event::Retrying { index, failure, after, .. } => {
///             Some(format!("batch {index}: {failure:?}, retrying in {after:?}"))
///         }
///         Event::BatchFailed { index, error, .. } => Some(format!(
///             "batch {index} failed (status {:?})",
///             error.as_ref().and_then(|e| e.status())
///         )),
///         _ => None, // Sent, BatchNarrowed, and events added later
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A request was handed out to be sent.
    Sent {
        /// Its place in the plan.
        index: usize,
        /// 0 for the first attempt.
        attempt: u32,
        /// Its wait for the quota.
        after: Duration,
    },
    /// A batch was answered; its rows and per-post ledger are in `outcome`.
    BatchDone {
        /// Its place in the plan.
        index: usize,
        /// The request as sent (its posts and window).
        request: Request,
        /// What it answered.
        outcome: Box<Outcome>,
    },
    /// Posts of a batch were refused by name (forbidden, unavailable, or too old for some
    /// metrics asked); the rest of the batch is sent again without them. Posts refused only
    /// some metrics are asked again in a request of their own, for the metrics left.
    BatchNarrowed {
        /// Its place in the plan.
        index: usize,
        /// The posts taken out.
        removed: Vec<PostId>,
        /// Those of `removed` asked again without the metrics refused for them.
        asked_again: Vec<PostId>,
        /// The error that named them.
        error: ResponseError,
    },
    /// An attempt failed and will be retried.
    Retrying {
        /// Its place in the plan.
        index: usize,
        /// The attempt that failed.
        attempt: u32,
        /// What went wrong.
        failure: Failure,
        /// Its message.
        message: String,
        /// How long until the retry may go: the backoff, or for a 429 the wait for the
        /// quota's window (what a countdown shows).
        after: Duration,
    },
    /// A batch failed for good; its posts are in the ledger as failed.
    BatchFailed {
        /// Its place in the plan.
        index: usize,
        /// The request.
        request: Request,
        /// What went wrong.
        failure: Failure,
        /// Its message.
        message: String,
        /// The last answer's error, typed (its status and kind for an API error), when the
        /// request was answered; `None` after a timeout or a failed connection.
        error: Option<ResponseError>,
        /// The retries spent.
        attempts: Attempts,
    },
    /// What to append to the job's checkpoint, and sync, for the answer just handed out (a
    /// batch answered, or a batch narrowed): only from a collector made by
    /// [`Collector::saving`] or [`Collector::resume`].
    Save {
        /// The answer's place in the plan.
        index: usize,
        /// The bytes to append (a whole, checksummed record).
        record: Vec<u8>,
    },
    /// The job resumed from a checkpoint: its answers are handed out again as
    /// [`Event::BatchDone`] (and [`Event::BatchNarrowed`]) events, without being sent.
    Resumed {
        /// Requests of the plan the checkpoint answered in full or in part: not sent again
        /// (the parts it did not answer are).
        requests: usize,
        /// Answers read from the checkpoint.
        answers: usize,
    },
    /// The job stopped at once: the API refused the credentials (401), so every request
    /// after would be refused too. It follows the refused request's [`Event::BatchFailed`];
    /// the rest is in the ledger as not asked. Resume the job from its checkpoint with
    /// working credentials.
    Stopped {
        /// The request refused.
        index: usize,
        /// Its message.
        message: String,
        /// The answer's error, typed.
        error: ResponseError,
    },
}

/// How far the job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Progress {
    /// Requests in the plan, plus one for each request split in two because the API refused
    /// some metrics of some of its posts.
    pub requests_planned: usize,
    /// Requests answered.
    pub requests_done: usize,
    /// Requests given up on.
    pub requests_failed: usize,
    /// Attempts sent (first attempts and retries).
    pub attempts: u64,
    /// Retries after failures other than 429.
    pub retries: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Batches sent again without posts refused by name.
    pub narrowed: u64,
    /// Requests of the plan a checkpoint answered, in full or in part (they count in
    /// `requests_done` too, and are not sent again).
    pub requests_restored: usize,
}

/// The end of a job. Serializes as `{ ledger, progress, pacing }`, to keep a job's account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Every post asked about, with values or the reason it has none.
    pub ledger: Ledger,
    /// Requests, retries, 429s.
    pub progress: Progress,
    /// Slots, 429s and time spent waiting for the quota, and which quota paced the job.
    pub pacing: PacingStats,
    /// The v2 window resets (Unix seconds, as `x-rate-limit-reset` said) the job held its
    /// requests for, in order.
    pub resets_waited: Vec<u64>,
}

/// What an error that names posts of a batch means for the batch.
struct Refusals {
    /// Posts taken out: forbidden, unavailable, or refused a metric the batch asks for.
    removed: Vec<PostId>,
    /// Of those, the posts refused only some metrics, grouped by the metrics left to ask for.
    asked_again: Vec<(Vec<Metric>, Vec<PostId>)>,
}

impl Refusals {
    fn of(request: &Request, error: &ResponseError) -> Refusals {
        let mut out = Refusals {
            removed: Vec::new(),
            asked_again: Vec::new(),
        };
        let ResponseError::Api(e) = error else {
            return out;
        };
        for id in request.post_ids() {
            if e.forbidden_ids.contains(id) || e.unavailable_ids.contains(id) {
                out.removed.push(*id);
                continue;
            }
            let refused = e.unsupported_metrics(id);
            let left: Vec<Metric> = request
                .metrics()
                .iter()
                .filter(|m| !refused.contains(m))
                .copied()
                .collect();
            if left.len() == request.metrics().len() {
                // Named, but for no metric the batch asks: it stays.
                continue;
            }
            out.removed.push(*id);
            if left.is_empty() {
                continue;
            }
            match out.asked_again.iter_mut().find(|(m, _)| *m == left) {
                Some((_, ids)) => ids.push(*id),
                None => out.asked_again.push((left, vec![*id])),
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
struct Work {
    index: usize,
    attempts: Attempts,
    request: Request,
}

impl Work {
    fn new(index: usize, request: Request) -> Work {
        Work {
            index,
            attempts: Attempts::default(),
            request,
        }
    }
}

#[derive(Debug)]
struct Flight {
    work: Work,
    attempt: u32,
}

/// Drives a [`Plan`]. See the [module docs](self).
#[derive(Debug)]
pub struct Collector {
    plan: Plan,
    options: CollectOptions,
    pacer: Pacer,
    next_index: usize,
    next_id: u64,
    /// Attempts sent and not answered, oldest first (a handful: `max_in_flight`).
    in_flight: Vec<(AttemptId, Flight)>,
    /// Work ready again at the given time (retries after a backoff, narrowed batches).
    queue: Vec<(Duration, Work)>,
    ledger: Ledger,
    events: VecDeque<Event>,
    progress: Progress,
    /// The latest time reported (polls, answers, failures): where a job that ends stops.
    latest: Duration,
    /// Whether answers are handed out as checkpoint records ([`Event::Save`]).
    saving: bool,
    /// Requests of the plan a checkpoint settled or began: not taken from the plan again
    /// (empty unless resumed).
    restored: Vec<bool>,
    /// Answers of a checkpoint not yet handed out again, read one at a time as events are
    /// taken, so a resumed job never holds every answer's rows at once.
    replay: VecDeque<(usize, Request, SavedAnswer)>,
    /// Why the job stopped before its end (the credentials were refused): what the posts not
    /// asked are failed with.
    stopped: Option<PostFailure>,
    /// The last `x-rate-limit-reset` reported.
    reset: Option<u64>,
    /// The resets waited for.
    resets_waited: Vec<u64>,
}

impl Collector {
    /// A collector for `plan`. Posts the plan does not send (too old for every metric asked)
    /// are in the ledger from the start.
    pub fn new(plan: Plan, options: CollectOptions) -> Collector {
        let ledger = Ledger::for_plan(&plan);
        let progress = Progress {
            requests_planned: plan.len(),
            ..Progress::default()
        };
        Collector {
            pacer: Pacer::new(options.pacing),
            plan,
            options,
            next_index: 0,
            next_id: 0,
            in_flight: Vec::new(),
            queue: Vec::new(),
            ledger,
            events: VecDeque::new(),
            progress,
            latest: Duration::ZERO,
            saving: false,
            restored: Vec::new(),
            replay: VecDeque::new(),
            stopped: None,
            reset: None,
            resets_waited: Vec::new(),
        }
    }

    /// A collector for `plan` that keeps a checkpoint: it returns the checkpoint's first bytes
    /// (write them, and sync, before sending anything), and every answer that settles a request
    /// comes with an [`Event::Save`] whose record is to be appended.
    pub fn saving(plan: Plan, options: CollectOptions, account: &Account) -> (Collector, Vec<u8>) {
        let header = JobIdentity::of(&plan, account).header();
        let mut collector = Collector::new(plan, options);
        collector.saving = true;
        (collector, header)
    }

    /// A collector for `plan` that resumes from `checkpoint` (refused unless it was written for
    /// the same job and `account`): the requests it answered are not sent again, their answers
    /// are handed out again as events (read one at a time, as events are taken), and the rest
    /// of the job goes on saving. Plan the job at the checkpoint's
    /// [`planned_at`](JobIdentity::planned_at), so its requests are the first run's. Cut the
    /// checkpoint to [`Checkpoint::valid_len`] before appending the records of this run.
    pub fn resume(
        plan: Plan,
        options: CollectOptions,
        checkpoint: Checkpoint,
        account: &Account,
    ) -> Result<Collector, CheckpointError> {
        checkpoint.check(&plan, account)?;
        let mut c = Collector::new(plan, options);
        c.saving = true;
        let answers = checkpoint.answers.len();
        // The answers move into the collector, and each is dropped once handed out again: a
        // resumed job holds the checkpoint's bodies once, and less and less of them.
        let mut by_index: BTreeMap<usize, Vec<SavedAnswer>> = BTreeMap::new();
        for answer in checkpoint.answers {
            by_index.entry(answer.index).or_default().push(answer);
        }
        c.restored = vec![false; c.plan.len()];
        c.events.push_back(Event::Resumed {
            requests: by_index.len(),
            answers,
        });
        for (index, mut answers) in by_index {
            let Some(request) = c.plan.request(index) else {
                continue;
            };
            c.restored[index] = true;
            c.progress.requests_restored += 1;
            // Walk the request as the first run did: an answer that narrowed it leaves pieces,
            // each answered by a record of its own or sent again.
            let mut pending = vec![request];
            while let Some(request) = pending.pop() {
                let Some(i) = answers.iter().position(|a| a.answers(index, &request)) else {
                    c.queue.push((Duration::ZERO, Work::new(index, request)));
                    continue;
                };
                let saved = answers.swap_remove(i);
                if (200..300).contains(&saved.status) {
                    c.progress.requests_done += 1;
                    c.replay.push_back((index, request, saved));
                    continue;
                }
                let read = parse_response(
                    &request,
                    saved.status,
                    &saved.headers(),
                    &saved.body,
                    &c.options.parse,
                );
                match read.map_err(|error| c.narrow(index, &request, error)) {
                    Err(Ok(pieces)) => pending.extend(pieces),
                    // Not a refusal that narrows (this version reads it otherwise): ask again.
                    _ => c.queue.push((Duration::ZERO, Work::new(index, request))),
                }
            }
        }
        Ok(c)
    }

    /// Hands out the next answer of the checkpoint, read again as it was the first time.
    fn replay_next(&mut self) -> bool {
        let Some((index, request, saved)) = self.replay.pop_front() else {
            return false;
        };
        let read = parse_response(
            &request,
            saved.status,
            &saved.headers(),
            &saved.body,
            &self.options.parse,
        );
        if let Ok(outcome) = read {
            self.ledger.absorb(&outcome.ledger);
            self.events.push_back(Event::BatchDone {
                index,
                request,
                outcome: Box::new(outcome),
            });
        } else {
            // A 2xx this version cannot read: the request is asked again.
            self.progress.requests_done = self.progress.requests_done.saturating_sub(1);
            self.queue.push((self.latest, Work::new(index, request)));
        }
        true
    }

    /// Moves past the requests of the plan a checkpoint settled.
    fn skip_restored(&mut self) {
        while self.restored.get(self.next_index).copied().unwrap_or(false) {
            self.next_index += 1;
        }
    }

    /// The plan being collected.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// How far the job is.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The pacer's view of the quota.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// The next thing to do at `now` (time since the job started).
    pub fn poll(&mut self, now: Duration) -> Action {
        self.latest = self.latest.max(now);
        if self.stopped.is_some() {
            return Action::Done;
        }
        self.skip_restored();
        if self.in_flight.len() >= self.options.max_in_flight.max(1) {
            return Action::AwaitAnswer;
        }
        let ready = self
            .queue
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at <= now)
            .min_by_key(|(_, (at, w))| (*at, w.index))
            .map(|(i, _)| i);
        let work = match ready {
            Some(i) => Some(self.queue.swap_remove(i).1),
            None if self.next_index < self.plan.len() => {
                self.plan.request(self.next_index).map(|request| Work {
                    index: self.next_index,
                    attempts: Attempts::default(),
                    request,
                })
            }
            None => None,
        };
        let Some(work) = work else {
            return match self.queue.iter().map(|(at, _)| *at).min() {
                _ if !self.in_flight.is_empty() && self.queue.is_empty() => Action::AwaitAnswer,
                Some(at) => Action::Wait(at.saturating_sub(now)),
                None if self.in_flight.is_empty() => Action::Done,
                None => Action::AwaitAnswer,
            };
        };
        let reset_waits = self.pacer.stats().reset_waits;
        let slot = self.pacer.reserve(now);
        if self.pacer.stats().reset_waits > reset_waits {
            if let Some(reset) = self.reset {
                self.resets_waited.push(reset);
            }
        }
        match slot {
            Slot::AwaitQuota => {
                // Work from the queue goes back to it; work from the plan is taken again from
                // the plan, which has not moved on.
                if ready.is_some() {
                    self.queue.push((now, work));
                }
                Action::AwaitAnswer
            }
            Slot::SendAfter(after) => {
                if ready.is_none() {
                    self.next_index += 1;
                }
                let id = AttemptId(self.next_id);
                self.next_id += 1;
                let attempt = work.attempts.total();
                self.progress.attempts += 1;
                self.events.push_back(Event::Sent {
                    index: work.index,
                    attempt,
                    after,
                });
                let outgoing = Outgoing {
                    id,
                    index: work.index,
                    attempt,
                    send_after: after,
                    request: work.request.clone(),
                };
                self.in_flight.push((id, Flight { work, attempt }));
                Action::Send(outgoing)
            }
        }
    }

    /// The job time of the Unix time `reset` (seconds), as seen at job time `now`: the wall-clock
    /// time at `now` is the origin's plus `now`.
    fn job_time_of(&self, now: Duration, reset: u64) -> Duration {
        let origin = self
            .options
            .clock_origin
            .unwrap_or_else(|| self.plan.planned_at());
        let wall_now =
            origin.unix_timestamp_nanos() + i128::try_from(now.as_nanos()).unwrap_or(i128::MAX / 2);
        let reset_ns = i128::from(reset).saturating_mul(1_000_000_000);
        let ahead = u64::try_from(reset_ns.saturating_sub(wall_now).max(0)).unwrap_or(u64::MAX);
        now.saturating_add(Duration::from_nanos(ahead))
    }

    /// Takes attempt `id` out of the flights, if it is one.
    fn take_flight(&mut self, id: AttemptId) -> Option<Flight> {
        let i = self.in_flight.iter().position(|(f, _)| *f == id)?;
        Some(self.in_flight.remove(i).1)
    }

    /// Reports the answer to attempt `id`, received at `now`. `jitter` in `[0, 1)`, drawn by the
    /// transport, spreads a retry's backoff. Unknown ids are ignored.
    pub fn on_answer(
        &mut self,
        id: AttemptId,
        now: Duration,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        jitter: f64,
    ) {
        self.latest = self.latest.max(now);
        let Some(flight) = self.take_flight(id) else {
            return;
        };
        let rate_limit = RateLimit::for_endpoint(self.plan.endpoint(), headers);
        let reset_at = rate_limit.and_then(|rl| {
            let reset = rl.reset?;
            self.reset = Some(reset);
            Some(self.job_time_of(now, reset))
        });
        match (rate_limit, reset_at) {
            (Some(rl), Some(at)) => self.pacer.observe_window(now, rl.limit, rl.remaining, at),
            (Some(rl), None) => self.pacer.observe(now, rl.limit, rl.remaining),
            (None, _) => self.pacer.observe_without_quota(now),
        }
        if status == 429 {
            match reset_at {
                Some(at) if at > now => self.pacer.rate_limited_until(now, at),
                // No reset, or one already past by this clock (clocks apart): a whole window.
                _ => self.pacer.rate_limited(now),
            }
            self.progress.rate_limited += 1;
        }
        let request = &flight.work.request;
        let index = flight.work.index;
        match parse_response(request, status, headers, body, &self.options.parse) {
            Ok(outcome) => {
                let record = self
                    .saving
                    .then(|| SavedAnswer::record(index, request, status, headers, body));
                self.ledger.absorb(&outcome.ledger);
                self.progress.requests_done += 1;
                self.events.push_back(Event::BatchDone {
                    index,
                    request: flight.work.request,
                    outcome: Box::new(outcome),
                });
                if let Some(record) = record {
                    self.events.push_back(Event::Save { index, record });
                }
            }
            Err(ResponseError::Api(e)) if e.status == 401 => self.stop(flight.work, *e),
            Err(error) => match self.narrow(index, request, error) {
                Ok(pieces) => {
                    if self.saving {
                        let record = SavedAnswer::record(index, request, status, headers, body);
                        self.events.push_back(Event::Save { index, record });
                    }
                    for request in pieces {
                        let work = Work {
                            request,
                            ..flight.work.clone()
                        };
                        self.queue.push((now, work));
                    }
                }
                Err(error) => self.failed(flight, now, error, jitter),
            },
        }
    }

    /// The credentials were refused: every request after would be too, so the job stops at
    /// once rather than ask each of them.
    fn stop(&mut self, work: Work, error: crate::response::ApiError) {
        let error = ResponseError::Api(Box::new(error));
        self.ledger.absorb(&Ledger::failed(&work.request, &error));
        self.progress.requests_failed += 1;
        let message = error.to_string();
        self.stopped = Some(PostFailure::new(
            FailureKind::Cancelled,
            format!("not asked: the job stopped when the API refused the credentials ({message})"),
        ));
        // The request refused fails as any request given up on does (a consumer that reads
        // failures sees it), then the job stops.
        self.events.push_back(Event::BatchFailed {
            index: work.index,
            request: work.request,
            failure: Failure::Permanent,
            message: message.clone(),
            error: Some(error.clone()),
            attempts: work.attempts,
        });
        self.events.push_back(Event::Stopped {
            index: work.index,
            message,
            error,
        });
    }

    /// An answer that refuses posts of a batch by name (and not for a reason that passes):
    /// the ledger takes them, and the rest of the batch, in pieces, is returned to be asked.
    /// Any other error is given back.
    fn narrow(
        &mut self,
        index: usize,
        request: &Request,
        error: ResponseError,
    ) -> Result<Vec<Request>, ResponseError> {
        let refusals = Refusals::of(request, &error);
        if refusals.removed.is_empty() || error.is_retryable() {
            return Err(error);
        }
        let rest: Vec<PostId> = request
            .post_ids()
            .iter()
            .filter(|id| !refusals.removed.contains(id))
            .copied()
            .collect();
        self.ledger.absorb(&Ledger::refused(request, &error));
        self.progress.narrowed += 1;
        // The rest of the batch goes again as it was; each group of posts refused some
        // metrics only goes again in a request of its own without them.
        let mut pieces: Vec<Request> = Vec::new();
        pieces.extend(request.with_post_ids(&rest));
        for (metrics, ids) in &refusals.asked_again {
            pieces.extend(
                request
                    .with_post_ids(ids)
                    .and_then(|r| r.with_metrics(metrics)),
            );
        }
        let asked_again = refusals.asked_again.into_iter().flat_map(|(_, ids)| ids);
        self.events.push_back(Event::BatchNarrowed {
            index,
            removed: refusals.removed,
            asked_again: asked_again.collect(),
            error,
        });
        if pieces.is_empty() {
            self.progress.requests_done += 1;
        }
        // One request of the plan became several: each is answered on its own.
        self.progress.requests_planned += pieces.len().saturating_sub(1);
        Ok(pieces)
    }

    /// Reports that attempt `id` got no answer: a timeout, a dropped connection, a body cut
    /// short. Unknown ids are ignored.
    pub fn on_failure(
        &mut self,
        id: AttemptId,
        now: Duration,
        failure: Failure,
        message: &str,
        jitter: f64,
    ) {
        self.latest = self.latest.max(now);
        let Some(flight) = self.take_flight(id) else {
            return;
        };
        self.pacer.observe_without_quota(now);
        self.retry_or_give_up(flight, now, failure, message.to_owned(), None, jitter);
    }

    fn failed(&mut self, flight: Flight, now: Duration, error: ResponseError, jitter: f64) {
        let failure = match &error {
            ResponseError::Api(e) if e.status == 429 => Failure::RateLimited,
            ResponseError::Api(_) if error.is_retryable() => Failure::Server,
            _ if error.is_retryable() => Failure::BrokenBody,
            _ => Failure::Permanent,
        };
        let message = error.to_string();
        self.retry_or_give_up(flight, now, failure, message, Some(error), jitter);
    }

    fn retry_or_give_up(
        &mut self,
        flight: Flight,
        now: Duration,
        failure: Failure,
        message: String,
        error: Option<ResponseError>,
        jitter: f64,
    ) {
        let mut work = flight.work;
        match self
            .options
            .retry
            .decide(failure, &mut work.attempts, jitter)
        {
            RetryDecision::RetryAfter(after) => {
                if failure != Failure::RateLimited {
                    self.progress.retries += 1;
                }
                // A 429 is retried when the pacer's hold ends, not after a backoff: the event
                // says how long that is.
                let shown = if failure == Failure::RateLimited {
                    after.max(self.pacer.wait_from(now))
                } else {
                    after
                };
                self.events.push_back(Event::Retrying {
                    index: work.index,
                    attempt: flight.attempt,
                    failure,
                    message,
                    after: shown,
                });
                self.queue.push((now.saturating_add(after), work));
            }
            RetryDecision::GiveUp => {
                let failed = match &error {
                    Some(e) => Ledger::failed(&work.request, e),
                    None => Ledger::failed_without_answer(
                        &work.request,
                        &PostFailure::new(FailureKind::of_failure(failure), message.clone()),
                    ),
                };
                self.ledger.absorb(&failed);
                self.progress.requests_failed += 1;
                self.events.push_back(Event::BatchFailed {
                    index: work.index,
                    request: work.request,
                    failure,
                    message,
                    error,
                    attempts: work.attempts,
                });
            }
        }
    }

    /// The next event, oldest first.
    pub fn next_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            self.replay_next();
        }
        self.events.pop_front()
    }

    /// The ledger so far.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// [`Self::finish`] at `now`: a job cancelled while it waited for the quota counts its wait
    /// up to `now`, not to the slot it was waiting for.
    pub fn finish_at(mut self, now: Duration) -> Summary {
        self.latest = self.latest.max(now);
        self.finish()
    }

    /// Ends the job: the ledger of every post and the statistics. Posts of requests still in
    /// flight or waiting are [`PostStatus::Cancelled`](crate::response::PostStatus::Cancelled)
    /// unless something else is known about them.
    pub fn finish(mut self) -> Summary {
        // Answers of a checkpoint not handed out yet still count in the ledger.
        while self.replay_next() {}
        // Posts not asked are cancelled: by the caller, or by a 401 that stopped the job.
        let reason = self.stopped.take().unwrap_or_else(PostFailure::cancelled);
        let pending: Vec<Work> = std::mem::take(&mut self.in_flight)
            .into_iter()
            .map(|(_, f)| f.work)
            .chain(std::mem::take(&mut self.queue).into_iter().map(|(_, w)| w))
            .collect();
        for work in pending {
            self.ledger
                .absorb(&Ledger::failed_without_answer(&work.request, &reason));
        }
        self.skip_restored();
        while self.next_index < self.plan.len() {
            if let Some(request) = self.plan.request(self.next_index) {
                self.ledger
                    .absorb(&Ledger::failed_without_answer(&request, &reason));
            }
            self.next_index += 1;
            self.skip_restored();
        }
        Summary {
            ledger: self.ledger,
            progress: self.progress,
            // Waits reserved past the end of a cancelled job were never waited.
            pacing: self.pacer.stats_until(self.latest),
            resets_waited: self.resets_waited,
        }
    }
}
