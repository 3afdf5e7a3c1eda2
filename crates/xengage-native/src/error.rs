//! The errors of the native client: making it ([`ClientError`]), one request or job
//! ([`SendError`]), and a base URL that is not safe to send to ([`UrlError`]). Each keeps its
//! cause as a typed [`source`](std::error::Error::source); `Display` says what happened at its
//! own layer.

use xengage_core::auth::{CredentialsError, UnusableCredentials};
use xengage_core::collect::Summary;
use xengage_core::pace::Failure;
use xengage_core::response::{ApiError, FailureKind, MergeError, ResponseError};
use xengage_core::{BaseUrlError, InvalidRequest};

use crate::http::ExchangeError;

/// A base URL requests must not be sent to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all.
    #[error("{url} is not a URL")]
    NotAUrl {
        /// The text given.
        url: String,
        /// Why it does not parse.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// Plain http to a host that is not loopback: signed requests and tokens would cross a
    /// network in clear text.
    #[error(
        "{url} uses plain http to a host that is not loopback; use https (http is allowed only for 127.0.0.1, ::1 and localhost)"
    )]
    PlainHttp {
        /// The URL.
        url: String,
    },
    /// Neither https nor http.
    #[error("{url} must start with https:// (or http:// for loopback)")]
    Scheme {
        /// The URL.
        url: String,
    },
}

/// A [`Client`](crate::Client) could not be made; nothing was sent.
///
/// ```
/// let err = xengage_native::Client::builder()
///     .base_url("http://192.0.2.1:8080")
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, xengage_native::ClientError::Url(_)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A base URL is malformed (no host, a query, not http or https).
    #[error("unusable base URL")]
    BaseUrl(#[source] BaseUrlError),
    /// A base URL is not safe to send to.
    #[error("unusable base URL")]
    Url(#[source] UrlError),
    /// A credential cannot be sent (a token with a character no header can carry).
    #[error("unusable credentials")]
    Credentials(#[source] UnusableCredentials),
    /// TLS could not be set up.
    #[error("cannot set up TLS")]
    Tls(#[source] rustls::Error),
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// A request or a job failed as a whole. Tell failures apart with the accessors
/// ([`status`](Self::status), [`is_timeout`](Self::is_timeout),
/// [`is_connect`](Self::is_connect), [`is_retryable`](Self::is_retryable),
/// [`api_error`](Self::api_error)); the cause is the [`source`](std::error::Error::source).
///
/// ```no_run
/// # async fn demo(client: xengage_native::Client, spec: xengage_core::RequestSpec) {
/// use xengage_core::response::ApiErrorKind;
///
/// match client.send(&spec).await {
///     Ok(collected) => println!("{} rows", collected.outcome.row_count()),
///     Err(e) if e.status() == Some(401) => eprintln!("check the credentials"),
///     Err(e) if e.api_error().is_some_and(|a| a.kind == ApiErrorKind::Forbidden) => {
///         eprintln!("not the credential's own posts")
///     }
///     Err(e) if e.is_timeout() || e.is_connect() => eprintln!("network: try again later"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The request breaks documented rules; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] InvalidRequest),
    /// No credential held can serve the endpoint (or the one chosen is not held); nothing was
    /// sent.
    #[error("no credential for the request")]
    Credentials(#[source] CredentialsError),
    /// The server answered, with an error or an answer that cannot be read, after every retry
    /// the policy allows. `summary` says how many; its ledger says why for each post.
    #[error("the request failed ({})", attempts_text(summary.progress.attempts))]
    Answered {
        /// The last answer's error.
        #[source]
        error: ResponseError,
        /// The job's statistics and ledger.
        summary: Box<Summary>,
    },
    /// No answer came (a timeout, a failed or dropped connection, a body cut short), after
    /// every retry the policy allows.
    #[error("no answer ({})", attempts_text(summary.progress.attempts))]
    NoAnswer {
        /// What kind of failure, as the retry policy saw it.
        failure: Failure,
        /// What the transport said.
        #[source]
        error: Option<ExchangeError>,
        /// The job's statistics and ledger.
        summary: Box<Summary>,
    },
    /// The answers of the job's batches could not be merged.
    #[error("the answers cannot be merged")]
    Merge {
        /// Why.
        #[source]
        error: MergeError,
        /// The job's statistics and ledger.
        summary: Box<Summary>,
    },
}

impl SendError {
    /// The HTTP status of the API's error answer, if it answered with one.
    pub fn status(&self) -> Option<u16> {
        self.api_error().map(|e| e.status)
    }

    /// The API's error answer (status, kind, messages, the posts it names), if it answered
    /// with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            SendError::Answered {
                error: ResponseError::Api(e),
                ..
            } => Some(e),
            _ => None,
        }
    }

    /// Whether no answer came within the timeout.
    pub fn is_timeout(&self) -> bool {
        self.failure() == Some(Failure::Timeout)
    }

    /// Whether the connection could not be made, or dropped before an answer.
    pub fn is_connect(&self) -> bool {
        self.failure() == Some(Failure::Connection)
    }

    /// Whether the same request may succeed later: a 429, a server error, a timeout, a
    /// dropped connection or a body cut short (the retries the policy allows are spent).
    /// Never for an invalid request, missing credentials, or a 400, 401, 403 or 404.
    pub fn is_retryable(&self) -> bool {
        self.failure().is_some_and(Failure::is_retryable)
    }

    /// The failure as the retry policy classifies it; `None` when nothing was sent or the
    /// answers could not be merged.
    pub fn failure(&self) -> Option<Failure> {
        match self {
            SendError::Answered { error, .. } => Some(match error {
                ResponseError::Api(e) => Failure::from_status(e.status),
                e if e.is_retryable() => Failure::BrokenBody,
                _ => Failure::Permanent,
            }),
            SendError::NoAnswer { failure, .. } => Some(*failure),
            SendError::Invalid(_) | SendError::Credentials(_) | SendError::Merge { .. } => None,
        }
    }

    /// The kind of failure, as the ledger names its posts' failures (`Api` with
    /// [`status`](Self::status), `Timeout`, `Connection`, ...); `None` when nothing was sent
    /// or the answers could not be merged.
    pub fn kind(&self) -> Option<FailureKind> {
        match self {
            SendError::Answered { error, .. } => Some(FailureKind::of_error(error)),
            SendError::NoAnswer { failure, .. } => Some(FailureKind::of_failure(*failure)),
            SendError::Invalid(_) | SendError::Credentials(_) | SendError::Merge { .. } => None,
        }
    }

    /// The job's statistics and the ledger of every post, when something was sent.
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            SendError::Answered { summary, .. }
            | SendError::NoAnswer { summary, .. }
            | SendError::Merge { summary, .. } => Some(summary),
            SendError::Invalid(_) | SendError::Credentials(_) => None,
        }
    }
}

/// `1 attempt`, `3 attempts`.
fn attempts_text(attempts: u64) -> String {
    match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    }
}

/// `error` and its sources, joined with `: `, each cause once: what a log line or a ledger
/// keeps (the CLI prints its errors this way).
///
/// ```
/// use std::error::Error;
/// use xengage_native::error_chain;
///
/// #[derive(Debug)]
/// struct Sending(std::io::Error);
/// impl std::fmt::Display for Sending {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("sending failed")
///     }
/// }
/// impl Error for Sending {
///     fn source(&self) -> Option<&(dyn Error + 'static)> {
///         Some(&self.0)
///     }
/// }
///
/// let error = Sending(std::io::Error::other("connection reset"));
/// assert_eq!(error_chain(&error), "sending failed: connection reset");
/// ```
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let next = s.to_string();
        // reqwest and hyper repeat a cause's words in its parent's now and then.
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
