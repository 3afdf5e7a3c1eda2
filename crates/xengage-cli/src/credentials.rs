//! Credentials from flags or the environment, and which one a request uses.
//!
//! Every secret is read into a [`Secret`]; `--help` never shows environment values.

use xengage_core::auth::{CredentialSet, Credentials, CredentialsError, Secret};
use xengage_core::{CredentialKind, Endpoint};

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

impl CredentialArgs {
    /// The value given for variable `name` (by its flag or from the environment).
    fn value(&self, name: &str) -> Option<String> {
        let secret = |s: &Option<Secret>| s.as_ref().map(|s| s.expose_secret().to_owned());
        match name {
            "X_BEARER_TOKEN" => secret(&self.bearer_token),
            "X_USER_TOKEN" => secret(&self.user_token),
            "X_CONSUMER_KEY" => self.consumer_key.clone(),
            "X_CONSUMER_SECRET" => secret(&self.consumer_secret),
            "X_ACCESS_TOKEN" => self.access_token.clone(),
            "X_ACCESS_TOKEN_SECRET" => secret(&self.access_token_secret),
            _ => None,
        }
    }

    /// Every credential given, by the library's rules (`CredentialSet::from_lookup`: values
    /// trimmed, empty ones not given, all four OAuth 1.0a values or none), with `--auth`.
    fn set(&self) -> Result<CredentialSet, CliError> {
        let set = CredentialSet::from_lookup(|name| self.value(name)).map_err(|e| match e {
            CredentialsError::IncompleteOAuth1 { .. } => {
                CliError::Credentials(format!("{e} (or their --flags)"))
            }
            other => CliError::Credentials(other.to_string()),
        })?;
        Ok(set.choose(self.auth.map(|a| match a {
            AuthChoice::Oauth1 => CredentialKind::OAuth1User,
            AuthChoice::App => CredentialKind::AppOnly,
            AuthChoice::User => CredentialKind::OAuth2User,
        })))
    }

    /// Whether no credential at all is given; incomplete OAuth 1.0a keys are an error.
    pub(crate) fn nothing_given(&self) -> Result<bool, CliError> {
        Ok(self.set()?.is_empty())
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

    /// The credential for `endpoint`, by the library's rule: `--auth` if given; else OAuth
    /// 1.0a on v1 (on totals the app-only bearer token when no OAuth 1.0a keys are given), and
    /// on v2 the OAuth 2.0 user token first.
    pub(crate) fn for_endpoint(&self, endpoint: Endpoint) -> Result<Credentials, CliError> {
        let set = self.set()?;
        set.for_endpoint(endpoint).cloned().map_err(|e| match e {
            CredentialsError::ChosenMissing { chosen } => CliError::Credentials(format!(
                "--auth {}: set {}",
                self.auth_name(),
                match chosen {
                    CredentialKind::AppOnly => "X_BEARER_TOKEN",
                    CredentialKind::OAuth2User => "X_USER_TOKEN",
                    CredentialKind::OAuth1User =>
                        "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET",
                    // A kind of a later core: its variables are in the core's message.
                    _ => "the variables of that credential",
                }
            )),
            other => CliError::Credentials(other.to_string()),
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
        let bearer = self
            .value("X_BEARER_TOKEN")
            .is_some_and(|t| !t.trim().is_empty());
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
