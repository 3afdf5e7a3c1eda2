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
use xengage_core::{BaseUrls, PreparedRequest, Request};

use crate::{RawResponse, SendError, now_millis, send, sleep};

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
        }
    }

    /// The HTTP request for `request`: signed with fresh nonces when there are credentials. A
    /// request that cannot be signed is an error; nothing is sent.
    pub fn prepare(&self, request: &Request) -> Result<PreparedRequest, SignError> {
        match &self.credentials {
            Some(credentials) => request.prepare_authorized(
                &self.send_to,
                &self.sign_for,
                credentials,
                &mut PlatformNonces,
            ),
            None => Ok(request.prepare(&self.send_to)),
        }
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
    let fetch = Box::pin(send(&prepared, max_body_bytes));
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

/// Collects `plan` against `target`, one request at a time, calling `on_event` with every
/// event and the progress after it. Every post of the plan ends in the summary's ledger.
pub async fn collect(
    plan: Plan,
    options: CollectOptions,
    target: &Target,
    mut on_event: impl FnMut(&Event, Progress),
) -> Summary {
    let options = options.max_in_flight(1);
    let started = now_millis();
    let elapsed = || Duration::from_secs_f64(((now_millis() - started) / 1000.0).max(0.0));
    let max_body_bytes = options.parse.max_body_bytes;
    let mut collector = Collector::new(plan, options);
    loop {
        let action = collector.poll(elapsed());
        drain(&mut collector, &mut on_event);
        match action {
            Action::Send(out) => {
                sleep(out.send_after).await;
                let answer = send_to(target, &out.request, max_body_bytes).await;
                let jitter = js_sys::Math::random();
                match answer {
                    Ok(raw) => collector.on_answer(
                        out.id,
                        elapsed(),
                        raw.status,
                        &raw.headers,
                        &raw.body,
                        jitter,
                    ),
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
            Action::Wait(wait) => sleep(wait).await,
            // One request at a time: an answer is never outstanding here, so nothing can
            // unblock the job; end it (the ledger marks what is left) rather than hang.
            Action::AwaitAnswer | Action::Done => break,
        }
    }
    drain(&mut collector, &mut on_event);
    collector.finish_at(elapsed())
}

fn drain(collector: &mut Collector, on_event: &mut impl FnMut(&Event, Progress)) {
    while let Some(event) = collector.next_event() {
        on_event(&event, collector.progress());
    }
}
