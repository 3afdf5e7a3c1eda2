//! Signed sending and bulk collection on the web: the core's [`Collector`] decides what to send,
//! when, and whether to retry; this module only signs, fetches, waits and reports back.
//!
//! Requests go one at a time (a page has no business flooding an API), paced by the quota
//! headers the core reads, each bounded by a timeout. Events (batches with their rows, retries,
//! waits) reach the caller's callback as they happen.

use std::time::Duration;

use futures_util::future::{Either, select};
use wasm_bindgen::prelude::*;
use xengage_core::auth::{Credentials, NonceSource, SignError};
use xengage_core::collect::{Action, CollectOptions, Collector, Event, Progress, Summary};
use xengage_core::pace::Failure;
use xengage_core::plan::Plan;
use xengage_core::response::{FailureKind, Ledger, PostFailure};
use xengage_core::{BaseUrls, PreparedRequest, Request};

use crate::{RawResponse, SendError, now_millis, send_with, sleep};

/// Where requests go and how they are authorized.
#[derive(Debug, Clone)]
pub struct Target {
    /// The base URLs requests are sent to (the API, a proxy, the emulator).
    pub send_to: BaseUrls,
    /// The base URLs OAuth 1.0a signatures cover: the API's canonical URLs when `send_to` is a
    /// proxy that forwards unchanged.
    pub sign_for: BaseUrls,
    /// The credentials, or `None` when a proxy adds them (the safe choice in a browser).
    pub credentials: Option<Credentials>,
    /// How long to wait for one answer before counting the attempt as timed out.
    pub timeout: Duration,
    /// A function called instead of the global `fetch`, with the same signature.
    pub fetch: Option<js_sys::Function>,
    /// Headers added to every request after signing (a session cookie's CSRF header for a
    /// proxy of the page's own backend); they replace a header of the same name.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl Target {
    /// A target without credentials (a proxy signs), sending to and signing for `base`, with a
    /// 30-second timeout.
    pub fn unsigned(base: BaseUrls) -> Target {
        Target {
            send_to: base.clone(),
            sign_for: base,
            credentials: None,
            timeout: Duration::from_secs(30),
            fetch: None,
            headers: Vec::new(),
        }
    }

    /// The HTTP request for `request`: signed with fresh nonces when there are credentials, with
    /// the target's extra headers. A request that cannot be signed is an error; nothing is sent.
    pub fn prepare(&self, request: &Request) -> Result<PreparedRequest, SignError> {
        let mut prepared = match &self.credentials {
            Some(credentials) => request.prepare_authorized(
                &self.send_to,
                &self.sign_for,
                credentials,
                &mut PlatformNonces,
            )?,
            None => request.prepare(&self.send_to),
        };
        for (name, value) in &self.headers {
            prepared.headers.insert(name.clone(), value.clone());
        }
        Ok(prepared)
    }
}

/// Nonces from the platform's `crypto.getRandomValues`, timestamps from `Date.now()`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlatformNonces;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

impl NonceSource for PlatformNonces {
    fn nonce(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut bytes = [0u8; 32];
        get_random_values(&mut bytes);
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect()
    }

    fn timestamp(&mut self) -> u64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let seconds = (now_millis() / 1000.0) as u64;
        seconds
    }
}

/// Why one attempt got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttemptError {
    /// `fetch` failed or the body could not be read.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The request cannot be signed; it was not sent.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// No answer within the timeout.
    #[error("no answer from {url} within {} ms; raise the timeout if the server is slow", .timeout.as_millis())]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout.
        timeout: Duration,
    },
}

impl AttemptError {
    /// The core's failure class, for the retry decision.
    pub fn failure(&self) -> Failure {
        match self {
            AttemptError::Timeout { .. } => Failure::Timeout,
            AttemptError::Sign(_) => Failure::Permanent,
            AttemptError::Send(SendError::Body { .. }) => Failure::BrokenBody,
            AttemptError::Send(SendError::Network { .. }) => Failure::Connection,
            AttemptError::Send(
                SendError::Build { .. } | SendError::TooLarge { .. } | SendError::Redirect { .. },
            ) => Failure::Permanent,
        }
    }
}

/// Signs `request` for `target` and sends it, giving up after `target.timeout` (the fetch is
/// then aborted) and refusing a body over `max_body_bytes` (see [`send`]).
pub async fn send_to(
    target: &Target,
    request: &Request,
    max_body_bytes: usize,
) -> Result<RawResponse, AttemptError> {
    let prepared = target.prepare(request)?;
    let fetch = Box::pin(send_with(&prepared, max_body_bytes, target.fetch.as_ref()));
    let timer = Box::pin(sleep(target.timeout));
    // The loser is dropped here: a fetch that lost to the timer is aborted.
    if let Either::Left((answer, _)) = select(fetch, timer).await {
        return Ok(answer?);
    }
    Err(AttemptError::Timeout {
        url: prepared.url.clone(),
        timeout: target.timeout,
    })
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Every request was answered or gave up after its retries.
    Finished,
    /// The caller's abort came first: what was in flight was aborted, what was waiting not
    /// sent, and those posts are in the ledger as cancelled.
    Aborted,
    /// The job's first attempt got no answer at all (`fetch` itself failed: most often CORS
    /// or a wrong base URL), and [`Control::stop_when_unreachable`] asked to stop there
    /// rather than retry; every post is in the ledger as failed with this error.
    Unreachable(AttemptError),
}

/// What may end a job early.
#[derive(Debug, Default)]
pub struct Control {
    /// A promise that settles when the caller aborts (an `AbortSignal`'s `abort` event).
    pub abort: Option<js_sys::Promise>,
    /// Stop at once when the job's first attempt gets no answer (see [`Ending::Unreachable`]).
    pub stop_when_unreachable: bool,
}

/// Collects `plan` against `target`, one request at a time, calling `on_event` with every
/// event and the progress after it. Every post of the plan ends in the summary's ledger.
pub async fn collect(
    plan: Plan,
    options: CollectOptions,
    target: &Target,
    on_event: impl FnMut(&Event, Progress),
) -> Summary {
    collect_with(plan, options, target, Control::default(), on_event)
        .await
        .0
}

/// Runs `work` unless `abort` settles first (then `None`; `work` is dropped, which aborts a
/// fetch and clears a timer).
async fn unless_aborted<F: std::future::Future + Unpin>(
    work: F,
    abort: &mut Option<wasm_bindgen_futures::JsFuture>,
) -> Option<F::Output> {
    match abort {
        None => Some(work.await),
        Some(abort) => match select(work, abort).await {
            Either::Left((out, _)) => Some(out),
            Either::Right(_) => None,
        },
    }
}

/// [`collect`], ended early by `control`: by the caller's abort, or at once when the job's
/// first attempt gets no answer. Returns the summary (every post in its ledger) and how the
/// job ended.
pub async fn collect_with(
    plan: Plan,
    options: CollectOptions,
    target: &Target,
    control: Control,
    mut on_event: impl FnMut(&Event, Progress),
) -> (Summary, Ending) {
    let started = now_millis();
    // The wall clock at the job's start, to place v2 window resets in the job's time.
    #[allow(clippy::cast_possible_truncation)]
    let origin =
        xengage_core::time::OffsetDateTime::from_unix_timestamp_nanos((started * 1e6) as i128).ok();
    let clock_origin = options.clock_origin.or(origin);
    let options = options.max_in_flight(1).clock_origin(clock_origin);
    let elapsed = || Duration::from_secs_f64(((now_millis() - started) / 1000.0).max(0.0));
    let max_body_bytes = options.parse.max_body_bytes;
    let mut abort = control.abort.map(wasm_bindgen_futures::JsFuture::from);
    let mut collector = Collector::new(plan, options);
    let mut answered_any = false;
    let mut ending = Ending::Finished;
    loop {
        let action = collector.poll(elapsed());
        drain(&mut collector, &mut on_event);
        match action {
            Action::Send(out) => {
                let attempt = async {
                    sleep(out.send_after).await;
                    send_to(target, &out.request, max_body_bytes).await
                };
                let Some(answer) = unless_aborted(Box::pin(attempt), &mut abort).await else {
                    ending = Ending::Aborted;
                    break;
                };
                let jitter = js_sys::Math::random();
                match answer {
                    Ok(raw) => {
                        answered_any = true;
                        collector.on_answer(
                            out.id,
                            elapsed(),
                            raw.status,
                            &raw.headers,
                            &raw.body,
                            jitter,
                        );
                    }
                    Err(e)
                        if control.stop_when_unreachable
                            && !answered_any
                            && matches!(e, AttemptError::Send(SendError::Network { .. })) =>
                    {
                        ending = Ending::Unreachable(e);
                        break;
                    }
                    Err(e) => {
                        collector.on_failure(
                            out.id,
                            elapsed(),
                            e.failure(),
                            &e.to_string(),
                            jitter,
                        );
                    }
                }
                // Now, before the next poll counts the next attempt: each event goes out with
                // the progress right after it.
                drain(&mut collector, &mut on_event);
            }
            Action::Wait(wait) => {
                if unless_aborted(Box::pin(sleep(wait)), &mut abort)
                    .await
                    .is_none()
                {
                    ending = Ending::Aborted;
                    break;
                }
            }
            // One request at a time: an answer is never outstanding here, so nothing can
            // unblock the job; end it (the ledger marks what is left) rather than hang.
            Action::AwaitAnswer | Action::Done => break,
        }
    }
    drain(&mut collector, &mut on_event);
    let requests: Vec<Request> = match &ending {
        Ending::Unreachable(_) => (0..collector.plan().len())
            .filter_map(|i| collector.plan().request(i))
            .collect(),
        _ => Vec::new(),
    };
    let mut summary = collector.finish_at(elapsed());
    if let Ending::Unreachable(e) = &ending {
        let failure = PostFailure::new(FailureKind::Connection, e.to_string());
        for request in &requests {
            summary
                .ledger
                .absorb(&Ledger::failed_without_answer(request, &failure));
        }
    }
    (summary, ending)
}

fn drain(collector: &mut Collector, on_event: &mut impl FnMut(&Event, Progress)) {
    while let Some(event) = collector.next_event() {
        on_event(&event, collector.progress());
    }
}
