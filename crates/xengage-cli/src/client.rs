//! Flags shared by the commands that talk to the API, and the native client they build.

use std::time::Duration;

use time::OffsetDateTime;
use xengage_core::auth::Credentials;
use xengage_core::pace::RetryPolicy;
use xengage_core::plan::PlanOptions;
use xengage_core::{BaseUrls, ValidationOptions};
use xengage_native::Client;

use crate::error::CliError;
use crate::input;

/// Where to send, how patiently, and against which clock.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct TransportArgs {
    /// Send to this base URL instead of the API: an emulator, or a forwarding proxy with
    /// --sign-for the API (`xengage proxy` is for browsers: it signs itself and wants an Origin).
    /// (Also read from X_BASE_URL, which `xengage emulate --print-env` writes.)
    #[arg(long, value_name = "URL", env = "X_BASE_URL")]
    pub(crate) base_url: Option<String>,
    /// Sign OAuth 1.0a requests for this base URL (default: --base-url if given, else the API's).
    #[arg(long, value_name = "URL")]
    pub(crate) sign_for: Option<String>,
    /// Fix the clock (a date or an RFC 3339 time) for reproducible output.
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    /// Do not refuse historical windows starting more than 365 days ago.
    #[arg(long)]
    pub(crate) no_lookback_check: bool,
    /// Apply the 90-day limit of impressions and engagements on 28hr and historical too, not
    /// on totals only (the vendor's documents disagree).
    #[arg(long)]
    pub(crate) ninety_days_on_every_endpoint: bool,
    /// Seconds allowed for one attempt.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub(crate) timeout: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub(crate) concurrency: usize,
    /// The quota's window in milliseconds (60000 on the API; shorter against an emulator).
    #[arg(long, default_value_t = 60_000, value_name = "MS")]
    pub(crate) quota_window_ms: u64,
    /// Retries after server errors, timeouts and dropped connections.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub(crate) retries: u32,
    /// Retries after 429s (over the quota), each after waiting for the quota's window.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub(crate) rate_limited_retries: u32,
}

impl TransportArgs {
    /// The clock: `--now`, or the system's.
    pub(crate) fn now(&self) -> Result<OffsetDateTime, CliError> {
        input::now(self.now.as_deref())
    }

    /// Validation options with the credential's kind.
    pub(crate) fn validation(&self) -> ValidationOptions {
        ValidationOptions::default()
            .enforce_lookback(!self.no_lookback_check)
            .ninety_days_on_every_endpoint(self.ninety_days_on_every_endpoint)
    }

    /// Where requests go and what they are signed for.
    pub(crate) fn base_urls(&self) -> Result<(BaseUrls, BaseUrls), CliError> {
        let send_to = match &self.base_url {
            Some(url) => {
                // The rule of sending (https, or http to loopback), here so that a dry run and
                // the proxy's start refuse what sending would.
                xengage_native::check_url(url).map_err(|e| CliError::Usage(e.to_string()))?;
                BaseUrls::single(url)?
            }
            None => BaseUrls::default(),
        };
        let sign_for = match (&self.sign_for, &self.base_url) {
            (Some(url), _) | (None, Some(url)) => BaseUrls::single(url)?,
            (None, None) => BaseUrls::default(),
        };
        Ok((send_to, sign_for))
    }

    /// The native client for `credentials`.
    pub(crate) fn client(&self, credentials: Credentials) -> Result<Client, CliError> {
        self.client_with(credentials, PlanOptions::default())
    }

    /// [`Self::client`], planning jobs with `plan`.
    pub(crate) fn client_with(
        &self,
        credentials: Credentials,
        plan: PlanOptions,
    ) -> Result<Client, CliError> {
        let (send_to, sign_for) = self.base_urls()?;
        let mut builder = Client::builder()
            .credentials(credentials)
            .base_urls(send_to)
            .sign_for(sign_for)
            .timeout(Duration::from_secs(self.timeout.max(1)))
            .max_in_flight(self.concurrency.max(1))
            .retry(
                RetryPolicy::default()
                    .max_retries(self.retries)
                    .max_rate_limited_retries(self.rate_limited_retries),
            )
            .quota_window(Duration::from_millis(self.quota_window_ms.max(1)))
            .validation(self.validation())
            .plan(plan);
        if self.now.is_some() {
            builder = builder.now(self.now()?);
        }
        builder
            .build()
            .map_err(|e| CliError::Usage(xengage_native::error_chain(&e)))
    }
}
