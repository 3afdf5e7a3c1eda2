//! Credentials from flags or the environment, and which one a request uses.
//!
//! Every secret is read into a [`Secret`]; `--help` never shows environment values.

use xengage_core::auth::{Credentials, OAuth1Credentials, Secret};
use xengage_core::{CredentialKind, Endpoint, Generation};

use crate::error::CliError;

/// Which of the credentials given signs (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuthChoice {
    /// OAuth 1.0a user context (the four X_CONSUMER_*/X_ACCESS_* variables).
    Oauth1,
    /// App-only bearer token (X_BEARER_TOKEN): totals, public metrics of any public post.
    App,
    /// OAuth 2.0 user token (X_USER_TOKEN): v2 insights.
    User,
}

/// Credential flags, each also read from its environment variable.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct CredentialArgs {
    /// Which credential signs when several are given: oauth1, app or user. Default: OAuth 1.0a
    /// on v1 (the bearer token on totals when no OAuth 1.0a keys are given), the user token on
    /// v2 (else OAuth 1.0a).
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) auth: Option<AuthChoice>,
    /// App-only OAuth 2.0 bearer token (v1 totals, public metrics).
    #[arg(
        long,
        env = "X_BEARER_TOKEN",
        hide_env_values = true,
        value_parser = secret,
        value_name = "TOKEN"
    )]
    pub(crate) bearer_token: Option<Secret>,
    /// OAuth 2.0 user token (v2 insights).
    #[arg(
        long,
        env = "X_USER_TOKEN",
        hide_env_values = true,
        value_parser = secret,
        value_name = "TOKEN"
    )]
    pub(crate) user_token: Option<Secret>,
    /// OAuth 1.0a consumer (API) key.
    #[arg(
        long,
        env = "X_CONSUMER_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub(crate) consumer_key: Option<String>,
    /// OAuth 1.0a consumer secret.
    #[arg(
        long,
        env = "X_CONSUMER_SECRET",
        hide_env_values = true,
        value_parser = secret,
        value_name = "SECRET"
    )]
    pub(crate) consumer_secret: Option<Secret>,
    /// OAuth 1.0a access token of the posts' owner.
    #[arg(
        long,
        env = "X_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub(crate) access_token: Option<String>,
    /// OAuth 1.0a access token secret.
    #[arg(
        long,
        env = "X_ACCESS_TOKEN_SECRET",
        hide_env_values = true,
        value_parser = secret,
        value_name = "SECRET"
    )]
    pub(crate) access_token_secret: Option<Secret>,
}

/// A secret flag's value, in the wrapper whose `Debug` does not show it.
#[allow(clippy::unnecessary_wraps)] // clap's value parsers return a Result
pub(crate) fn secret(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

/// A credential given, without surrounding whitespace (a file with Windows line ends leaves a
/// `\r`); none if empty.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

impl CredentialArgs {
    fn oauth1(&self) -> Result<Option<Credentials>, CliError> {
        let parts = [
            ("X_CONSUMER_KEY", given(self.consumer_key.as_deref())),
            (
                "X_CONSUMER_SECRET",
                given(self.consumer_secret.as_ref().map(Secret::expose_secret)),
            ),
            ("X_ACCESS_TOKEN", given(self.access_token.as_deref())),
            (
                "X_ACCESS_TOKEN_SECRET",
                given(self.access_token_secret.as_ref().map(Secret::expose_secret)),
            ),
        ];
        if parts.iter().all(|(_, v)| v.is_none()) {
            return Ok(None);
        }
        let missing: Vec<&str> = parts
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(CliError::Credentials(format!(
                "OAuth 1.0a needs all four of X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (or their --flags); missing: {}",
                missing.join(", ")
            )));
        }
        let [
            (_, Some(key)),
            (_, Some(secret)),
            (_, Some(token)),
            (_, Some(token_secret)),
        ] = parts
        else {
            unreachable!("checked above")
        };
        Ok(Some(Credentials::OAuth1User(OAuth1Credentials {
            consumer_key: key.to_owned(),
            consumer_secret: Secret::new(secret),
            token: Some(token.to_owned()),
            token_secret: Some(Secret::new(token_secret)),
        })))
    }

    /// Whether no credential at all is given; incomplete OAuth 1.0a keys are an error.
    pub(crate) fn nothing_given(&self) -> Result<bool, CliError> {
        Ok(self.oauth1()?.is_none()
            && given(self.bearer_token.as_ref().map(Secret::expose_secret)).is_none()
            && given(self.user_token.as_ref().map(Secret::expose_secret)).is_none())
    }

    /// The credential for `endpoint`, or `None` when none at all is given (a dry run shows the
    /// request unsigned then). Incomplete OAuth 1.0a keys, or only credentials the endpoint
    /// cannot use, are the same error as for sending.
    pub(crate) fn for_endpoint_if_given(
        &self,
        endpoint: Endpoint,
    ) -> Result<Option<Credentials>, CliError> {
        if self.nothing_given()? {
            Ok(None)
        } else {
            self.for_endpoint(endpoint).map(Some)
        }
    }

    /// The credential for `endpoint`: OAuth 1.0a where it is needed or given; on totals an
    /// app-only bearer token otherwise; on v2 an OAuth 2.0 user token first.
    pub(crate) fn for_endpoint(&self, endpoint: Endpoint) -> Result<Credentials, CliError> {
        let oauth1 = self.oauth1()?;
        let bearer = given(self.bearer_token.as_ref().map(Secret::expose_secret)).map(|t| {
            Credentials::AppOnly {
                bearer_token: Secret::new(t),
            }
        });
        let user = given(self.user_token.as_ref().map(Secret::expose_secret)).map(|t| {
            Credentials::OAuth2User {
                access_token: Secret::new(t),
            }
        });
        let chosen = |found: Option<Credentials>, needed: &str| {
            found.ok_or_else(|| {
                CliError::Credentials(format!("--auth {}: set {needed}", self.auth_name()))
            })
        };
        match self.auth {
            Some(AuthChoice::Oauth1) => {
                return chosen(
                    oauth1,
                    "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET",
                );
            }
            Some(AuthChoice::App) => return chosen(bearer, "X_BEARER_TOKEN"),
            Some(AuthChoice::User) => return chosen(user, "X_USER_TOKEN"),
            None => {}
        }
        let found = match endpoint.generation() {
            Generation::V2 => user.or(oauth1),
            Generation::Enterprise if endpoint == Endpoint::Totals => oauth1.or(bearer),
            Generation::Enterprise => oauth1,
        };
        found.ok_or_else(|| {
            let needed = match endpoint.generation() {
                Generation::Enterprise if endpoint == Endpoint::Totals => "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (OAuth 1.0a, every metric), or X_BEARER_TOKEN (app-only: favorites, retweets, quote_tweets, replies, video_views)",
                Generation::Enterprise => "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (OAuth 1.0a user context of the posts' owner)",
                Generation::V2 => "X_USER_TOKEN (an OAuth 2.0 user token), or the four OAuth 1.0a variables",
            };
            CliError::Credentials(format!("{endpoint} needs credentials: set {needed}"))
        })
    }
}

impl CredentialArgs {
    fn auth_name(&self) -> &'static str {
        match self.auth {
            Some(AuthChoice::Oauth1) => "oauth1",
            Some(AuthChoice::App) => "app",
            Some(AuthChoice::User) => "user",
            None => "",
        }
    }

    /// What to say when posts were forbidden on totals to OAuth 1.0a, chosen by default over a
    /// bearer token also given, which reads the public metrics of any public post.
    pub(crate) fn forbidden_hint(
        &self,
        endpoint: Endpoint,
        used: CredentialKind,
        forbidden: usize,
    ) -> Option<&'static str> {
        let bearer = given(self.bearer_token.as_ref().map(Secret::expose_secret)).is_some();
        (forbidden > 0
            && endpoint == Endpoint::Totals
            && used == CredentialKind::OAuth1User
            && bearer
            && self.auth.is_none())
        .then_some(
            "X_BEARER_TOKEN is set too, but OAuth 1.0a signs when its keys are set, and reads only its user's posts; `--auth app` reads the public metrics of any public post with the bearer token",
        )
    }
}
