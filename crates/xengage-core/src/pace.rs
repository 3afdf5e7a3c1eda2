//! Pacing and retries, decided here and waited by the transports.
//!
//! The API grants each app a quota of requests per minute and reports it on every answer in
//! `x-per-minute-limit` and `x-per-minute-remaining`; past it, the answer is 429 and the
//! documented action is to retry after the window. A [`Pacer`] turns that into send times:
//! before the quota is known it lets one request out and holds the others until its answer
//! arrives; from then on it spreads requests evenly, one every `window / limit` (plus a small
//! margin), which uses the quota fully and never exceeds it in any window, fixed or sliding. A 429
//! holds every request for one whole window, and so does an answer reporting
//! `x-per-minute-remaining: 0` (another client of the same app may share the quota).
//!
//! The v2 endpoints (insights, post and media analytics) report their quota differently:
//! `x-rate-limit-limit` requests per window, `x-rate-limit-remaining` left in it, and
//! `x-rate-limit-reset`, the Unix time the window resets (15-minute windows on the API). Once a
//! window's reset is known ([`Pacer::observe_window`], which takes the reset as a time of the
//! job: the collector converts the wall-clock reset with the wall-clock time it is given), the
//! pacer spends the window's remaining requests as they come, and when none is left (reported
//! `remaining: 0`, its own count run out, or a 429) holds every request until the reset (plus a
//! small margin: [`PacingOptions::margin`] of the window, 10 ms to 1 s), then lets one request
//! out to learn the new window's quota. Using a known window's requests at once never exceeds
//! it, and waiting for the reset (not a fixed minute) is what the API documents.
//!
//! A [`RetryPolicy`] decides, per request, whether and when to try again: 429s wait for the quota
//! (a separate, larger budget), server errors, timeouts, dropped connections and broken bodies
//! back off exponentially with jitter, and every other failure is final.
//!
//! Time here is a [`Duration`] since an origin the transport picks (the start of a job), so this
//! module reads no clock; jitter comes in as a number in `[0, 1)`.
//!
//! ```
//! use std::time::Duration;
//! use xengage_core::pace::{Pacer, PacingOptions, Slot};
//!
//! let mut pacer = Pacer::new(PacingOptions::default());
//! let t0 = Duration::ZERO;
//! assert_eq!(pacer.reserve(t0), Slot::SendAfter(Duration::ZERO)); // the first request goes
//! assert_eq!(pacer.reserve(t0), Slot::AwaitQuota);                 // the rest wait for its answer
//! pacer.observe(Duration::from_millis(200), 60, 59);               // 60 per minute
//! let Slot::SendAfter(wait) = pacer.reserve(Duration::from_millis(200)) else { unreachable!() };
//! assert!(wait > Duration::from_millis(800) && wait < Duration::from_millis(1000)); // ~1 s apart
//! ```

use std::time::Duration;

/// Options of a [`Pacer`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PacingOptions {
    /// The length of the quota's window: a minute on the API; shorter against an emulator.
    pub window: Duration,
    /// Extra spacing between requests, as a share of the even spacing (default 0.02, i.e. 2%),
    /// so clock drift and latency jitter never push two requests into one slot.
    pub margin: f64,
    /// The quota to assume before any answer reports it. `None` (default) sends one request
    /// and waits for its answer.
    pub assumed_limit: Option<u32>,
}

impl Default for PacingOptions {
    fn default() -> Self {
        PacingOptions {
            window: Duration::from_secs(60),
            margin: 0.02,
            assumed_limit: None,
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `PacingOptions::default().window(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl PacingOptions {
    /// Sets [`PacingOptions::window`].
    #[must_use]
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets [`PacingOptions::margin`].
    #[must_use]
    pub fn margin(mut self, margin: f64) -> Self {
        self.margin = margin;
        self
    }

    /// Sets [`PacingOptions::assumed_limit`].
    #[must_use]
    pub fn assumed_limit(mut self, assumed_limit: Option<u32>) -> Self {
        self.assumed_limit = assumed_limit;
        self
    }
}

/// When a request may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Send after waiting this long (zero: now). The slot is reserved.
    SendAfter(Duration),
    /// The quota is not known yet and a request to learn it is under way: ask again when an
    /// answer (or failure) has been reported.
    AwaitQuota,
}

/// Which quota paced a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QuotaKind {
    /// The Enterprise per-minute quota (`x-per-minute-limit`, `x-per-minute-remaining`).
    PerMinute,
    /// The v2 windowed quota (`x-rate-limit-limit`, `-remaining`, `-reset`).
    Window,
}

impl std::fmt::Display for QuotaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QuotaKind::PerMinute => "the per-minute quota (x-per-minute-limit)",
            QuotaKind::Window => "the v2 window quota (x-rate-limit-limit, x-rate-limit-reset)",
        })
    }
}

/// What the pacer has seen, for summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct PacingStats {
    /// The quota that paced the job, as last reported (`None` when no answer reported one).
    pub quota: Option<QuotaKind>,
    /// Times requests were held until a v2 window's reset.
    pub reset_waits: u64,
    /// Slots handed out.
    pub reserved: u64,
    /// 429 answers reported.
    pub rate_limited: u64,
    /// Time during which some request waited for the quota: waits of requests in flight
    /// together overlap, and are counted once, so this never exceeds the job's length.
    #[serde(with = "millis")]
    pub waited: Duration,
}

mod millis {
    pub(super) fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u128(d.as_millis())
    }
}

/// Spreads requests over the quota. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Pacer {
    options: PacingOptions,
    limit: Option<u32>,
    remaining: Option<u32>,
    interval: Option<Duration>,
    next: Duration,
    probe: Option<Duration>,
    stats: PacingStats,
    /// The end of the last wait counted in `stats.waited`.
    waited_until: Duration,
    /// The v2 window, once an answer reported its reset.
    window: Option<V2Window>,
}

/// A v2 quota window as the pacer tracks it.
#[derive(Debug, Clone, Copy)]
struct V2Window {
    /// When it resets, in job time.
    reset_at: Duration,
    /// Requests the pacer may still hand out in it.
    left: u32,
    /// The quota per window.
    limit: u32,
    /// A request sent at the reset to learn the next window is not answered yet.
    probing: bool,
}

impl Pacer {
    /// A pacer that knows no quota yet (unless `options.assumed_limit` gives one).
    pub fn new(options: PacingOptions) -> Pacer {
        let mut pacer = Pacer {
            options,
            limit: None,
            remaining: None,
            interval: None,
            next: Duration::ZERO,
            probe: None,
            stats: PacingStats::default(),
            waited_until: Duration::ZERO,
            window: None,
        };
        if let Some(limit) = options.assumed_limit {
            pacer.set_limit(limit);
        }
        pacer
    }

    /// The quota per window, as last reported.
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// The requests left in the current window, as last reported.
    pub fn remaining(&self) -> Option<u32> {
        self.remaining
    }

    /// The spacing between requests, once the quota is known.
    pub fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// What the pacer has seen.
    pub fn stats(&self) -> PacingStats {
        self.stats
    }

    /// [`Self::stats`] for a job that ends at `now`: waits reserved past it are not counted.
    /// (Every wait began at or before `now`, so the time from `now` to the last slot is all
    /// counted in `waited`, and all of it is cut.)
    pub fn stats_until(&self, now: Duration) -> PacingStats {
        PacingStats {
            waited: self
                .stats
                .waited
                .saturating_sub(self.waited_until.saturating_sub(now)),
            ..self.stats
        }
    }

    /// Reserves the next slot at `now`.
    pub fn reserve(&mut self, now: Duration) -> Slot {
        if let Some(window) = self.window {
            return self.reserve_in_window(now, window);
        }
        let Some(interval) = self.interval else {
            if self.probe.is_some() {
                return Slot::AwaitQuota;
            }
            self.probe = Some(now);
            self.stats.reserved += 1;
            return Slot::SendAfter(Duration::ZERO);
        };
        let at = self.next.max(now);
        self.next = at.saturating_add(interval);
        self.stats.reserved += 1;
        let wait = at.saturating_sub(now);
        // Slots come in time order: only the part of this wait past the last one is new.
        self.stats.waited += at.saturating_sub(now.max(self.waited_until));
        self.waited_until = self.waited_until.max(at);
        Slot::SendAfter(wait)
    }

    fn reserve_in_window(&mut self, now: Duration, mut w: V2Window) -> Slot {
        if w.probing {
            return Slot::AwaitQuota;
        }
        let at = if w.left > 0 {
            w.left -= 1;
            self.next.max(now)
        } else {
            // None left: the first request after the reset learns the next window's quota.
            w.probing = true;
            self.stats.reset_waits += 1;
            let at = w.reset_at.saturating_add(self.reset_margin()).max(now);
            self.next = at;
            at
        };
        self.window = Some(w);
        self.stats.reserved += 1;
        self.stats.waited += at.saturating_sub(now.max(self.waited_until));
        self.waited_until = self.waited_until.max(at);
        Slot::SendAfter(at.saturating_sub(now))
    }

    /// The margin after a reset: [`PacingOptions::margin`] of the window, from 10 ms to 1 s.
    fn reset_margin(&self) -> Duration {
        let share = self.options.window.as_secs_f64() * self.options.margin.max(0.0);
        Duration::try_from_secs_f64(share)
            .unwrap_or(Duration::MAX)
            .clamp(Duration::from_millis(10), Duration::from_secs(1))
    }

    /// Reports the v2 quota headers of an answer received at `now`: `limit` requests per
    /// window, `remaining` left, and the window's reset at `reset_at` (job time; the
    /// collector converts `x-rate-limit-reset` with the wall-clock time it is given). From then
    /// on the pacer paces by windows (see the [module docs](self)).
    pub fn observe_window(
        &mut self,
        now: Duration,
        limit: u32,
        remaining: u32,
        reset_at: Duration,
    ) {
        self.stats.quota = Some(QuotaKind::Window);
        self.limit = Some(limit);
        self.remaining = Some(remaining);
        self.probe = None;
        // A reset already past (a late answer, or clocks apart) says nothing of the window now.
        let reset_at = reset_at.max(now);
        let w = match self.window {
            // The same window: never more than it reports left.
            Some(mut w) if reset_at <= w.reset_at + self.reset_margin() => {
                w.left = w.left.min(remaining);
                w
            }
            // A new window (or the first): its quota is what it reports, and the request that
            // learnt it is answered.
            _ => V2Window {
                reset_at,
                left: remaining,
                limit,
                probing: false,
            },
        };
        self.window = Some(V2Window { limit, ..w });
    }

    /// Reports a 429 received at `now` whose answer says the window resets at `reset_at` (job
    /// time): every request waits until then.
    pub fn rate_limited_until(&mut self, now: Duration, reset_at: Duration) {
        self.stats.rate_limited += 1;
        self.stats.quota = Some(QuotaKind::Window);
        self.remaining = Some(0);
        self.probe = None;
        let limit = self.window.map_or(1, |w| w.limit);
        self.window = Some(V2Window {
            reset_at: reset_at.max(now),
            left: 0,
            limit,
            probing: false,
        });
    }

    /// Reports the rate-limit headers of an answer received at `now`. An answer that reports
    /// no requests remaining (the quota spent, by this job or by another client of the same
    /// app) holds every slot for one whole window, as a 429 would, without spending a request
    /// on the 429: the API does not say when its window resets.
    pub fn observe(&mut self, now: Duration, limit: u32, remaining: u32) {
        self.stats.quota = Some(QuotaKind::PerMinute);
        self.remaining = Some(remaining);
        if self.limit != Some(limit) {
            self.set_limit(limit);
        }
        if let (Some(sent), Some(interval)) = (self.probe.take(), self.interval) {
            // The probe used the first slot of the quota.
            self.next = self.next.max(sent.saturating_add(interval));
        }
        if remaining == 0 {
            self.next = self.next.max(now.saturating_add(self.options.window));
        }
    }

    /// Reports an answer (or a failure) without rate-limit headers: if the quota is still
    /// unknown, the next request becomes the probe.
    pub fn observe_without_quota(&mut self, _now: Duration) {
        if self.interval.is_none() {
            self.probe = None;
        }
        // A window's probe that got no quota back: the next request probes again.
        if let Some(w) = &mut self.window {
            w.probing = false;
        }
    }

    /// How long from `now` until the next slot is free (zero when one is free now).
    pub fn wait_from(&self, now: Duration) -> Duration {
        self.next.saturating_sub(now)
    }

    /// Reports a 429 received at `now`: every slot waits one whole window, as documented.
    pub fn rate_limited(&mut self, now: Duration) {
        if let Some(w) = self.window {
            // A v2 window is known: wait for the next reset after this one rather than a minute.
            let reset_at = if w.reset_at > now {
                w.reset_at
            } else {
                now.saturating_add(self.options.window)
            };
            self.rate_limited_until(now, reset_at);
            return;
        }
        self.stats.rate_limited += 1;
        self.remaining = Some(0);
        self.next = self.next.max(now.saturating_add(self.options.window));
        self.probe = None;
        if self.interval.is_none() {
            // Without a known quota, hold until the window has passed, then probe again.
            self.set_interval(self.options.window);
            self.limit = None;
        }
    }

    fn set_limit(&mut self, limit: u32) {
        self.limit = Some(limit);
        if limit == 0 {
            self.set_interval(self.options.window);
        } else {
            let even = self.options.window.as_secs_f64() / f64::from(limit);
            let spaced = even * (1.0 + self.options.margin.max(0.0));
            // An infinite margin or a window near `Duration::MAX` spaces by the longest wait.
            self.set_interval(Duration::try_from_secs_f64(spaced).unwrap_or(Duration::MAX));
        }
    }

    fn set_interval(&mut self, interval: Duration) {
        self.interval = Some(interval);
    }
}

/// Why a request failed, as far as retrying is concerned. Transports classify their failures
/// into these; the response parser's errors say which they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Failure {
    /// 429: over the quota.
    RateLimited,
    /// 500, 502, 503 and other server errors (not 501).
    Server,
    /// No answer within the per-request timeout.
    Timeout,
    /// The connection failed or dropped.
    Connection,
    /// The answer was cut short or is not the JSON it claims to be.
    BrokenBody,
    /// Anything retrying cannot fix: 400, 401, 403, 404, 406, 501, an invalid request.
    Permanent,
}

impl Failure {
    /// The name, as serialized: `rate_limited`, `server`, `timeout`, `connection`,
    /// `broken_body`, `permanent`.
    pub fn name(self) -> &'static str {
        match self {
            Failure::RateLimited => "rate_limited",
            Failure::Server => "server",
            Failure::Timeout => "timeout",
            Failure::Connection => "connection",
            Failure::BrokenBody => "broken_body",
            Failure::Permanent => "permanent",
        }
    }

    /// Classifies an HTTP status of a failed answer.
    pub fn from_status(status: u16) -> Failure {
        match status {
            429 => Failure::RateLimited,
            // 501: the server cannot do this at all; retrying cannot help.
            501 => Failure::Permanent,
            500..=599 => Failure::Server,
            _ => Failure::Permanent,
        }
    }

    /// Whether trying again can help.
    pub fn is_retryable(self) -> bool {
        self != Failure::Permanent
    }
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after server errors, timeouts, dropped connections and broken bodies.
    pub max_retries: u32,
    /// Retries after 429s (each waits for the quota, not for a backoff).
    pub max_rate_limited_retries: u32,
    /// The first backoff; each further retry doubles it.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            max_rate_limited_retries: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// Chainable setters, one per field, for building options from [`Default`]:
/// `RetryPolicy::default().max_retries(...)`. (The struct is `#[non_exhaustive]`: a struct
/// literal cannot name every field of a later version.)
impl RetryPolicy {
    /// Sets [`RetryPolicy::max_retries`].
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets [`RetryPolicy::max_rate_limited_retries`].
    #[must_use]
    pub fn max_rate_limited_retries(mut self, max_rate_limited_retries: u32) -> Self {
        self.max_rate_limited_retries = max_rate_limited_retries;
        self
    }

    /// Sets [`RetryPolicy::base_delay`].
    #[must_use]
    pub fn base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// Sets [`RetryPolicy::max_delay`].
    #[must_use]
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }
}

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this backoff (then reserve a slot from the pacer as usual).
    RetryAfter(Duration),
    /// Stop: the failure is final or the budget is spent.
    GiveUp,
}

/// The retries of one request so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Attempts {
    /// Retries after failures other than 429.
    pub retries: u32,
    /// Retries after 429.
    pub rate_limited: u32,
}

impl Attempts {
    /// Every retry so far.
    pub fn total(&self) -> u32 {
        self.retries + self.rate_limited
    }
}

impl RetryPolicy {
    /// Decides after `failure`, counting it in `attempts`. `jitter` in `[0, 1)` (drawn by the
    /// caller) spreads the backoff over its upper half, so clients that failed together do not
    /// retry together.
    pub fn decide(&self, failure: Failure, attempts: &mut Attempts, jitter: f64) -> RetryDecision {
        match failure {
            Failure::Permanent => RetryDecision::GiveUp,
            Failure::RateLimited => {
                if attempts.rate_limited >= self.max_rate_limited_retries {
                    return RetryDecision::GiveUp;
                }
                attempts.rate_limited += 1;
                RetryDecision::RetryAfter(Duration::ZERO)
            }
            _ => {
                if attempts.retries >= self.max_retries {
                    return RetryDecision::GiveUp;
                }
                let backoff = self.backoff(attempts.retries);
                attempts.retries += 1;
                let jitter = if jitter.is_finite() {
                    jitter.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let scaled = backoff.as_secs_f64() * (0.5 + 0.5 * jitter);
                RetryDecision::RetryAfter(Duration::try_from_secs_f64(scaled).unwrap_or(backoff))
            }
        }
    }

    /// The backoff before retry number `retry + 1`, before jitter: `base * 2^retry`, capped.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn send_at(slot: Slot, now: Duration) -> Duration {
        match slot {
            Slot::SendAfter(d) => now + d,
            Slot::AwaitQuota => panic!("expected a slot at {now:?}"),
        }
    }

    #[test]
    fn a_v2_window_is_spent_then_waited_out_until_its_reset() {
        let options = PacingOptions {
            window: Duration::from_secs(1),
            ..PacingOptions::default()
        };
        let mut pacer = Pacer::new(options);
        assert_eq!(pacer.reserve(ms(0)), Slot::SendAfter(ms(0)));
        // 2 per window, 1 left, the window resets 900 ms from the start.
        pacer.observe_window(ms(5), 2, 1, ms(900));
        assert_eq!(pacer.stats().quota, Some(QuotaKind::Window));
        assert_eq!(send_at(pacer.reserve(ms(5)), ms(5)), ms(5));
        // None left: the next waits for the reset and its margin (2% of 1 s: 20 ms).
        assert_eq!(send_at(pacer.reserve(ms(6)), ms(6)), ms(920));
        assert_eq!(pacer.stats().reset_waits, 1);
        // Until the probe of the new window is answered, nothing else goes.
        assert_eq!(pacer.reserve(ms(7)), Slot::AwaitQuota);
        // An answer of the old window changes nothing.
        pacer.observe_window(ms(10), 2, 0, ms(900));
        assert_eq!(pacer.reserve(ms(11)), Slot::AwaitQuota);
        // The new window: 1 left after the probe, resetting at 1.9 s.
        pacer.observe_window(ms(925), 2, 1, ms(1900));
        assert_eq!(send_at(pacer.reserve(ms(925)), ms(925)), ms(925));
        assert_eq!(send_at(pacer.reserve(ms(926)), ms(926)), ms(1920));
        assert_eq!(pacer.stats().reset_waits, 2);
    }

    #[test]
    fn a_v2_answer_with_nothing_left_waits_for_its_reset_not_a_minute() {
        let mut pacer = Pacer::new(PacingOptions::default());
        let _ = pacer.reserve(ms(0));
        // 300 per 15 minutes, spent by another client; the window resets in 10 s.
        pacer.observe_window(ms(5), 300, 0, Duration::from_secs(10));
        assert_eq!(
            send_at(pacer.reserve(ms(6)), ms(6)),
            Duration::from_secs(10) + Duration::from_secs(1)
        );
    }

    #[test]
    fn a_429_after_a_reset_already_past_waits_a_whole_window() {
        let mut pacer = Pacer::new(PacingOptions::default());
        let _ = pacer.reserve(ms(0));
        // The answer's reset is behind this clock (clocks apart): no wait for it would help.
        pacer.observe_window(ms(5), 300, 0, ms(5));
        pacer.rate_limited(ms(5));
        let at = send_at(pacer.reserve(ms(6)), ms(6));
        assert!(at >= ms(5) + Duration::from_secs(60), "{at:?}");
    }

    #[test]
    fn a_v2_429_waits_until_the_reset_it_reports() {
        let mut pacer = Pacer::new(PacingOptions::default());
        let _ = pacer.reserve(ms(0));
        pacer.rate_limited_until(ms(5), Duration::from_secs(3));
        assert_eq!(pacer.stats().rate_limited, 1);
        let at = send_at(pacer.reserve(ms(6)), ms(6));
        assert!(
            at >= Duration::from_secs(3) && at < Duration::from_secs(5),
            "{at:?}"
        );
        assert_ne!(at, ms(5) + Duration::from_secs(60));
    }

    #[test]
    fn one_probe_until_the_quota_is_known() {
        let mut p = Pacer::new(PacingOptions::default());
        assert_eq!(p.reserve(ms(0)), Slot::SendAfter(ms(0)));
        assert_eq!(p.reserve(ms(5)), Slot::AwaitQuota);
        assert_eq!(p.reserve(ms(9)), Slot::AwaitQuota);
        p.observe(ms(100), 600, 599); // 10 per second: 100 ms apart, 102 with the margin
        assert_eq!(p.limit(), Some(600));
        assert_eq!(p.reserve(ms(100)), Slot::SendAfter(ms(2)));
        assert_eq!(p.reserve(ms(100)), Slot::SendAfter(ms(104)));
    }

    #[test]
    fn a_probe_without_headers_hands_over_to_the_next_request() {
        let mut p = Pacer::new(PacingOptions::default());
        assert_eq!(p.reserve(ms(0)), Slot::SendAfter(ms(0)));
        p.observe_without_quota(ms(50));
        assert_eq!(p.reserve(ms(50)), Slot::SendAfter(ms(0)));
        assert_eq!(p.reserve(ms(50)), Slot::AwaitQuota);
    }

    #[test]
    fn a_429_holds_every_slot_for_a_whole_window() {
        let mut p = Pacer::new(PacingOptions {
            assumed_limit: Some(60),
            ..PacingOptions::default()
        });
        assert_eq!(p.reserve(ms(0)), Slot::SendAfter(ms(0)));
        p.rate_limited(ms(300));
        assert_eq!(p.reserve(ms(400)), Slot::SendAfter(ms(60_300 - 400)));
        assert_eq!(p.stats().rate_limited, 1);
        assert_eq!(p.remaining(), Some(0));
    }

    #[test]
    fn waits_of_requests_in_flight_together_count_once() {
        let mut p = Pacer::new(PacingOptions {
            assumed_limit: Some(60),
            margin: 0.0,
            ..PacingOptions::default()
        });
        // Four requests asked for at once: slots at 0, 1, 2 and 3 s; the job waited 3 s.
        for _ in 0..4 {
            p.reserve(ms(0));
        }
        assert_eq!(p.stats().waited, ms(3000));
        // A job that ends at 1.5 s waited 1.5 s of them.
        assert_eq!(p.stats_until(ms(1500)).waited, ms(1500));
        // Later, one more at 10 s: its slot is free, no wait.
        assert_eq!(p.reserve(ms(10_000)), Slot::SendAfter(ms(0)));
        assert_eq!(p.stats().waited, ms(3000));
        assert_eq!(p.stats_until(ms(10_000)).waited, ms(3000));
    }

    #[test]
    fn no_requests_remaining_holds_every_slot_for_a_whole_window() {
        let mut p = Pacer::new(PacingOptions::default());
        assert_eq!(p.reserve(ms(0)), Slot::SendAfter(ms(0)));
        // Another client of the app spent the quota: the next request would be a sure 429.
        p.observe(ms(100), 60, 0);
        assert_eq!(p.reserve(ms(100)), Slot::SendAfter(ms(60_100 - 100)));
        assert_eq!(p.stats().rate_limited, 0);
        // Requests left: even spacing again.
        let mut p = Pacer::new(PacingOptions::default());
        p.reserve(ms(0));
        p.observe(ms(100), 60, 1);
        assert_eq!(p.reserve(ms(100)), Slot::SendAfter(ms(1020 - 100)));
    }

    #[test]
    fn a_429_before_the_quota_is_known_waits_then_probes_again() {
        let mut p = Pacer::new(PacingOptions::default());
        assert_eq!(p.reserve(ms(0)), Slot::SendAfter(ms(0)));
        p.rate_limited(ms(10));
        assert_eq!(p.reserve(ms(20)), Slot::SendAfter(ms(60_010 - 20)));
        p.observe(ms(60_100), 30, 29);
        assert_eq!(p.interval(), Some(Duration::from_secs_f64(2.0 * 1.02)));
    }

    #[test]
    fn a_zero_quota_spaces_by_whole_windows() {
        let mut p = Pacer::new(PacingOptions::default());
        p.reserve(ms(0));
        p.observe(ms(10), 0, 0);
        assert_eq!(p.interval(), Some(ms(60_000)));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops() {
        let policy = RetryPolicy::default();
        let mut a = Attempts::default();
        assert_eq!(
            policy.decide(Failure::Server, &mut a, 0.0),
            RetryDecision::RetryAfter(ms(250))
        );
        assert_eq!(
            policy.decide(Failure::Timeout, &mut a, 0.999_999),
            RetryDecision::RetryAfter(ms(1000).mul_f64(0.5 + 0.5 * 0.999_999))
        );
        assert_eq!(
            policy.decide(Failure::Connection, &mut a, 0.5),
            RetryDecision::RetryAfter(ms(1500))
        );
        assert!(matches!(
            policy.decide(Failure::BrokenBody, &mut a, 0.5),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(Failure::Server, &mut a, 0.5),
            RetryDecision::GiveUp
        );
        assert_eq!(a.retries, 4);
    }

    #[test]
    fn permanent_failures_are_never_retried_and_429s_have_their_own_budget() {
        let policy = RetryPolicy::default();
        let mut a = Attempts::default();
        assert_eq!(
            policy.decide(Failure::Permanent, &mut a, 0.5),
            RetryDecision::GiveUp
        );
        for _ in 0..8 {
            assert_eq!(
                policy.decide(Failure::RateLimited, &mut a, 0.5),
                RetryDecision::RetryAfter(Duration::ZERO)
            );
        }
        assert_eq!(
            policy.decide(Failure::RateLimited, &mut a, 0.5),
            RetryDecision::GiveUp
        );
        assert_eq!(a.retries, 0);
        assert_eq!(Failure::from_status(404), Failure::Permanent);
        assert_eq!(Failure::from_status(406), Failure::Permanent);
        assert_eq!(Failure::from_status(501), Failure::Permanent);
        assert_eq!(Failure::from_status(502), Failure::Server);
        assert_eq!(Failure::from_status(503), Failure::Server);
        assert_eq!(Failure::from_status(429), Failure::RateLimited);
    }

    /// Options at their extremes (a window or delays of `Duration::MAX` as "never", an
    /// infinite margin) wait as long as can be, and never panic on what a server answers.
    #[test]
    fn extreme_options_saturate_instead_of_panicking() {
        let mut p = Pacer::new(PacingOptions {
            window: Duration::MAX,
            margin: f64::INFINITY,
            assumed_limit: None,
        });
        assert_eq!(p.reserve(ms(5)), Slot::SendAfter(ms(0)));
        p.observe(ms(10), 1, 0);
        assert_eq!(p.interval(), Some(Duration::MAX));
        assert_eq!(
            p.reserve(ms(20)),
            Slot::SendAfter(Duration::MAX.saturating_sub(ms(20)))
        );
        p.rate_limited(ms(30));
        p.observe(ms(40), 7, 3);
        let _ = p.reserve(ms(50));
        let policy = RetryPolicy {
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        for jitter in [0.0, 0.5, 0.999_999] {
            let mut a = Attempts::default();
            let RetryDecision::RetryAfter(d) = policy.decide(Failure::Server, &mut a, jitter)
            else {
                panic!("gave up")
            };
            assert!(d >= Duration::MAX / 2, "{d:?}");
        }
    }

    proptest! {
        /// Slots handed out by a pacer that knows the quota never put more than `limit` sends
        /// into any window of its length, wherever that window starts, however callers ask.
        #[test]
        fn never_more_than_the_quota_in_any_window(
            limit in 1u32..200,
            asks in proptest::collection::vec(0u64..5_000, 1..400),
        ) {
            let window = ms(1_000);
            let mut p = Pacer::new(PacingOptions { window, margin: 0.02, assumed_limit: Some(limit) });
            let mut now = Duration::ZERO;
            let mut sends = Vec::new();
            for step in asks {
                now += Duration::from_micros(step);
                if let Slot::SendAfter(wait) = p.reserve(now) {
                    sends.push(now + wait);
                }
            }
            sends.sort();
            for (i, &start) in sends.iter().enumerate() {
                let in_window = sends[i..].iter().take_while(|&&t| t < start + window).count();
                prop_assert!(in_window <= limit as usize, "{in_window} sends in one window, limit {limit}");
            }
        }

        /// Backoffs never exceed the cap and never go below half the uncapped step.
        #[test]
        fn backoff_is_bounded(retry in 0u32..100, jitter in proptest::num::f64::ANY) {
            let policy = RetryPolicy { max_retries: 200, ..RetryPolicy::default() };
            let mut a = Attempts { retries: retry, rate_limited: 0 };
            match policy.decide(Failure::Server, &mut a, jitter) {
                RetryDecision::RetryAfter(d) => {
                    prop_assert!(d <= policy.max_delay);
                    prop_assert!(d >= policy.backoff(retry) / 2);
                }
                RetryDecision::GiveUp => prop_assert!(false),
            }
        }
    }
}
