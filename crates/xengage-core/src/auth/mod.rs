//! Credentials and request signing, sans-IO: OAuth 1.0a HMAC-SHA1 (user context, every endpoint)
//! and OAuth 2.0 bearer tokens (an app-only token on v1 totals; a user token on v2).
//!
//! Every secret sits in a [`Secret`], whose `Debug` and `Display` print a mask. Nonces and
//! timestamps come from a [`NonceSource`] the caller supplies (the transports have a system one;
//! tests use [`FixedNonce`]), so signing is a pure function of its inputs.
//!
//! Signatures cover the API's canonical URL even when a request is sent elsewhere (a proxy, an
//! emulator): X checks the signature against its own URL, so [`Request::prepare_authorized`]
//! takes the sending and the signing base URLs apart.
//!
//! ```
//! use time::macros::datetime;
//! use xengage_core::auth::{Credentials, FixedNonce, OAuth1Credentials};
//! use xengage_core::{BaseUrls, Endpoint, RequestSpec, ValidationOptions};
//!
//! let credentials = Credentials::OAuth1User(OAuth1Credentials::new(
//!     "consumer-key",
//!     "consumer-secret",
//!     "access-token",
//!     "token-secret",
//! ));
//! let request = RequestSpec::new(Endpoint::Totals)
//!     .post_ids(["1070059276213702656"])
//!     .metrics(["impressions"])
//!     .validate(datetime!(2026-11-22 12:00 UTC), &ValidationOptions::default())?;
//! let proxy = BaseUrls::single("http://127.0.0.1:8080")?;
//! let mut nonces = FixedNonce { nonce: "abc".into(), timestamp: 1_795_000_000 };
//! let prepared = request.prepare_authorized(&proxy, &BaseUrls::default(), &credentials, &mut nonces)?;
//! assert_eq!(prepared.url, "http://127.0.0.1:8080/insights/engagement/totals");
//! let header = prepared.headers["authorization"].to_str()?;
//! assert!(header.starts_with("OAuth oauth_consumer_key=\"consumer-key\""));
//! assert!(!format!("{credentials:?}").contains("consumer-secret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod oauth1;
mod set;

pub use set::{CredentialSet, CredentialsError, VARIABLES};

use http::HeaderValue;
use http::header::AUTHORIZATION;

use crate::build::{BaseUrls, PreparedRequest};
use crate::request::{CredentialKind, Request};

/// A secret: a token or key that must never be shown. `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for signing and sending. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// OAuth 1.0a credentials: the app's consumer key and secret, and the user's access token and
/// secret (user context: the owner of the posts asked about). Made with [`OAuth1Credentials::new`].
///
/// ```
/// use xengage_core::auth::OAuth1Credentials;
///
/// let c = OAuth1Credentials::new("consumer-key", "consumer-secret", "access-token", "token-secret");
/// assert_eq!(c.token, "access-token");
/// assert!(!format!("{c:?}").contains("token-secret"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuth1Credentials {
    /// The app's consumer (API) key; sent in every signed request, not a secret.
    pub consumer_key: String,
    /// The app's consumer secret.
    pub consumer_secret: Secret,
    /// The user's access token; sent in every signed request, not a secret. Empty only to
    /// sign as the app alone ([`oauth1::sign`] leaves `oauth_token` out then), which no
    /// endpoint of the Engagement API accepts.
    pub token: String,
    /// The user's access token secret.
    pub token_secret: Secret,
}

impl OAuth1Credentials {
    /// User-context credentials: the app's consumer key and secret, and the access token and
    /// secret of the user who owns the posts.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<Secret>,
        token: impl Into<String>,
        token_secret: impl Into<Secret>,
    ) -> OAuth1Credentials {
        OAuth1Credentials {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            token: token.into(),
            token_secret: token_secret.into(),
        }
    }
}

/// What a request is authorized with. Several kinds held together make a [`CredentialSet`],
/// which picks one per request; [`Credentials::from_env`] reads them all from the `X_*`
/// variables.
///
/// ```
/// use xengage_core::auth::{CredentialSet, Credentials, OAuth1Credentials, Secret};
/// use xengage_core::{CredentialKind, Endpoint};
///
/// let user = Credentials::OAuth1User(OAuth1Credentials::new("ck", "cs", "at", "ats"));
/// let app = Credentials::AppOnly { bearer_token: Secret::new("bearer") };
/// assert_eq!(user.kind(), CredentialKind::OAuth1User);
/// assert_eq!(user.user_token(), Some("at")); // one per @handle, for counting handles
/// assert!(!format!("{app:?}").contains("\"bearer\"")); // the token never shows
/// let set = CredentialSet::from(app).with(user);
/// assert_eq!(set.for_endpoint(Endpoint::Totals)?.kind(), CredentialKind::OAuth1User);
/// # Ok::<(), xengage_core::auth::CredentialsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// An app-only OAuth 2.0 bearer token: v1 totals, public metrics only.
    AppOnly {
        /// The token.
        bearer_token: Secret,
    },
    /// An OAuth 2.0 user token: v2 insights.
    OAuth2User {
        /// The token.
        access_token: Secret,
    },
    /// OAuth 1.0a user context: every endpoint and metric, for the user's own posts.
    OAuth1User(OAuth1Credentials),
}

/// Credentials that cannot be sent. The message names the credential, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {0} holds a character an HTTP header cannot carry (a space, a line break or a character outside ASCII, often a line end from a file or a space pasted with it); its value is not shown"
)]
pub struct UnusableCredentials(pub &'static str);

impl Credentials {
    /// The secrets these credentials hold (bearer token, user token, consumer and token
    /// secrets), for a front end that must make sure none of them is echoed back.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Credentials::AppOnly { bearer_token } => vec![bearer_token],
            Credentials::OAuth2User { access_token } => vec![access_token],
            Credentials::OAuth1User(c) => vec![&c.consumer_secret, &c.token_secret],
        }
    }

    /// Checks that the credentials can be sent: a bearer or user token goes in a header as
    /// it is, so it must be visible ASCII without spaces. (OAuth 1.0a values are
    /// percent-encoded, so any will do.) Transports check this once, when a client is made, rather than send a token the
    /// API can only refuse.
    pub fn check(&self) -> Result<(), UnusableCredentials> {
        let (what, token) = match self {
            Credentials::AppOnly { bearer_token } => ("bearer token", bearer_token),
            Credentials::OAuth2User { access_token } => ("OAuth 2.0 user token", access_token),
            Credentials::OAuth1User(_) => return Ok(()),
        };
        // Visible ASCII, no spaces: what a token is. (A header value may also carry bytes
        // above 127, which fetch refuses to send.)
        if token.expose_secret().bytes().all(|b| b.is_ascii_graphic()) {
            Ok(())
        } else {
            Err(UnusableCredentials(what))
        }
    }

    /// The kind, for validation.
    pub fn kind(&self) -> CredentialKind {
        match self {
            Credentials::AppOnly { .. } => CredentialKind::AppOnly,
            Credentials::OAuth2User { .. } => CredentialKind::OAuth2User,
            Credentials::OAuth1User(_) => CredentialKind::OAuth1User,
        }
    }

    /// The token that identifies the user (one per @handle), for counting unique handles: the
    /// OAuth 1.0a access token or the OAuth 2.0 user token; `None` for app-only tokens.
    pub fn user_token(&self) -> Option<&str> {
        match self {
            Credentials::AppOnly { .. } => None,
            Credentials::OAuth2User { access_token } => Some(access_token.expose_secret()),
            Credentials::OAuth1User(c) => Some(c.token.as_str()).filter(|t| !t.is_empty()),
        }
    }
}

/// Where nonces and timestamps come from: the core draws no randomness and reads no clock.
pub trait NonceSource {
    /// A fresh nonce: unique per request (32 alphanumeric characters is customary).
    fn nonce(&mut self) -> String;
    /// Seconds since the Unix epoch.
    fn timestamp(&mut self) -> u64;
}

/// A fixed nonce and timestamp, for tests and reproducible dry runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedNonce {
    /// The nonce.
    pub nonce: String,
    /// The timestamp.
    pub timestamp: u64,
}

impl NonceSource for FixedNonce {
    fn nonce(&mut self) -> String {
        self.nonce.clone()
    }

    fn timestamp(&mut self) -> u64 {
        self.timestamp
    }
}

/// A request that cannot be signed: nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The URL signed for cannot be signed (no host, a port out of range, a query that is not
    /// percent-encoded UTF-8): check the signing base URL.
    #[error("cannot sign the request")]
    Url(#[source] oauth1::AuthError),
    /// A token cannot go in a header ([`Credentials::check`] says so when a client is made).
    #[error("cannot authorize the request")]
    Token(#[source] UnusableCredentials),
}

/// The `Authorization` value for a bearer token, marked sensitive so `Debug` of the headers
/// does not show it.
fn bearer(token: &Secret, what: &'static str) -> Result<HeaderValue, SignError> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| SignError::Token(UnusableCredentials(what)))?;
    v.set_sensitive(true);
    Ok(v)
}

impl Request {
    /// The request to send to `send_to`, with its `Authorization` header: a bearer token, or an
    /// OAuth 1.0a signature over the same request at `sign_for` (the API's canonical URLs,
    /// [`BaseUrls::default`], unless the upstream really is elsewhere).
    ///
    /// A request that cannot be signed is an error, never a request with a broken header.
    pub fn prepare_authorized(
        &self,
        send_to: &BaseUrls,
        sign_for: &BaseUrls,
        credentials: &Credentials,
        nonces: &mut dyn NonceSource,
    ) -> Result<PreparedRequest, SignError> {
        let mut prepared = self.prepare(send_to);
        let value = match credentials {
            Credentials::AppOnly { bearer_token } => bearer(bearer_token, "bearer token")?,
            Credentials::OAuth2User { access_token } => {
                bearer(access_token, "OAuth 2.0 user token")?
            }
            Credentials::OAuth1User(c) => {
                let canonical = self.prepare(sign_for);
                let nonce = nonces.nonce();
                let timestamp = nonces.timestamp();
                // v1 bodies are JSON, so no body parameter is signed; v2 query parameters are
                // part of the URL and signed from there.
                let steps = oauth1::sign(
                    canonical.method.as_str(),
                    &canonical.url,
                    &[],
                    c,
                    &nonce,
                    timestamp,
                )
                .map_err(SignError::Url)?;
                // Every part of the header is percent-encoded ASCII; a consumer key or nonce
                // that is not would be refused here rather than sent in part.
                HeaderValue::from_str(&steps.authorization_header)
                    .map_err(|_| SignError::Token(UnusableCredentials("OAuth 1.0a header")))?
            }
        };
        prepared.headers.insert(AUTHORIZATION, value);
        Ok(prepared)
    }
}

impl PreparedRequest {
    /// The headers as text for showing (dry runs, logs): an OAuth 1.0a header in full (it holds
    /// no secret), bearer tokens masked.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(name, value)| {
                let text = value.to_str().unwrap_or("<not text>");
                let shown = if name == AUTHORIZATION && !text.starts_with("OAuth ") {
                    match text.split_once(' ') {
                        Some((scheme, _)) => format!("{scheme} ***"),
                        None => "***".to_owned(),
                    }
                } else {
                    text.to_owned()
                };
                (name.as_str().to_owned(), shown)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::{Endpoint, RequestSpec, ValidationOptions};

    /// A URL that cannot be signed fails the request; no `Authorization` header stands in for
    /// a signature.
    #[test]
    fn a_signing_failure_is_an_error() {
        let request = RequestSpec::new(Endpoint::Totals)
            .post_ids(["1070059276213702656"])
            .metrics(["favorites"])
            .validate(
                datetime!(2026-11-22 12:00 UTC),
                &ValidationOptions::default(),
            )
            .unwrap();
        let credentials = Credentials::OAuth1User(OAuth1Credentials::new("ck", "cs", "at", "ats"));
        let port_zero = BaseUrls::single("http://127.0.0.1:0").unwrap();
        let mut nonces = FixedNonce {
            nonce: "n".into(),
            timestamp: 1,
        };
        let err = request
            .prepare_authorized(&port_zero, &port_zero, &credentials, &mut nonces)
            .unwrap_err();
        assert!(
            matches!(err, SignError::Url(oauth1::AuthError::BadPort(_))),
            "{err:?}"
        );
        let bad_token = Credentials::AppOnly {
            bearer_token: Secret::new("line\nbreak"),
        };
        let direct = BaseUrls::default();
        let err = request
            .prepare_authorized(&direct, &direct, &bad_token, &mut nonces)
            .unwrap_err();
        assert!(matches!(err, SignError::Token(_)), "{err:?}");
        assert!(!format!("{err:?} {err}").contains("break"));
    }
}
