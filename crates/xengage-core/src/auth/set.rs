//! Several credentials held together, the rule that picks one per request, and reading them
//! from `X_*` variables through a lookup the caller passes in (the core reads no environment).

use crate::facts::{Endpoint, Generation};
use crate::request::CredentialKind;

use super::{Credentials, OAuth1Credentials, Secret};

/// The variables of app-only, user-token and OAuth 1.0a credentials, as the `xengage` command
/// and [`Credentials::from_env`] read them.
pub const VARIABLES: [&str; 6] = [
    "X_BEARER_TOKEN",
    "X_USER_TOKEN",
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
];

/// The four variables of OAuth 1.0a user context, in the order [`OAuth1Credentials::new`]
/// takes them.
const OAUTH1_VARIABLES: [&str; 4] = [
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
];

/// Credentials that cannot be used as given, or none that can serve an endpoint. The message
/// names variables, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Some of the four OAuth 1.0a values are given, not all.
    #[error(
        "OAuth 1.0a needs all four of X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET; missing: {}",
        missing.join(", ")
    )]
    IncompleteOAuth1 {
        /// The variables missing or empty.
        missing: Vec<&'static str>,
    },
    /// No credential held can serve the endpoint.
    #[error("{endpoint} needs credentials: set {}", needed(*endpoint))]
    Missing {
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// The credential chosen explicitly is not held.
    #[error("{chosen} was chosen to sign, but is not given: set {}", variables_of(*chosen))]
    ChosenMissing {
        /// The kind chosen.
        chosen: CredentialKind,
    },
}

/// What to set for `endpoint`.
fn needed(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Totals => {
            "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (OAuth 1.0a, every metric), or X_BEARER_TOKEN (app-only: favorites, retweets, quote_tweets, replies, video_views)"
        }
        Endpoint::Last28Hours | Endpoint::Historical => {
            "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (OAuth 1.0a user context of the posts' owner)"
        }
        Endpoint::Insights28Hours | Endpoint::InsightsHistorical => {
            "X_USER_TOKEN (an OAuth 2.0 user token), or the four OAuth 1.0a variables"
        }
    }
}

/// The variables of a credential kind.
fn variables_of(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::AppOnly => "X_BEARER_TOKEN",
        CredentialKind::OAuth2User => "X_USER_TOKEN",
        CredentialKind::OAuth1User => {
            "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
        }
    }
}

/// Up to one credential of each kind, and the rule that picks one per request:
/// an explicit [`choice`](Self::choose) if made; otherwise OAuth 1.0a on v1 (on totals the
/// app-only bearer token when no OAuth 1.0a keys are held), and on v2 the OAuth 2.0 user
/// token, else OAuth 1.0a. These are the `xengage` command's rules.
///
/// ```
/// use xengage_core::auth::{CredentialSet, Credentials, OAuth1Credentials, Secret};
/// use xengage_core::{CredentialKind, Endpoint};
///
/// let set = CredentialSet::new()
///     .with(Credentials::AppOnly { bearer_token: Secret::new("bearer") })
///     .with(Credentials::OAuth1User(OAuth1Credentials::new("ck", "cs", "at", "ats")));
/// assert_eq!(set.for_endpoint(Endpoint::Totals)?.kind(), CredentialKind::OAuth1User);
/// let app = set.clone().choose(Some(CredentialKind::AppOnly));
/// assert_eq!(app.for_endpoint(Endpoint::Totals)?.kind(), CredentialKind::AppOnly);
/// assert!(set.for_endpoint(Endpoint::Insights28Hours).is_ok()); // OAuth 1.0a signs v2 too
/// # Ok::<(), xengage_core::auth::CredentialsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialSet {
    app_only: Option<Credentials>,
    oauth2_user: Option<Credentials>,
    oauth1: Option<Credentials>,
    choice: Option<CredentialKind>,
}

impl From<Credentials> for CredentialSet {
    fn from(credentials: Credentials) -> CredentialSet {
        CredentialSet::new().with(credentials)
    }
}

impl CredentialSet {
    /// An empty set.
    pub fn new() -> CredentialSet {
        CredentialSet::default()
    }

    /// The set with `credentials` added, in place of any of the same kind.
    #[must_use]
    pub fn with(mut self, credentials: Credentials) -> CredentialSet {
        self.add(credentials);
        self
    }

    /// Adds `credentials`, in place of any of the same kind.
    pub fn add(&mut self, credentials: Credentials) {
        let slot = match credentials.kind() {
            CredentialKind::AppOnly => &mut self.app_only,
            CredentialKind::OAuth2User => &mut self.oauth2_user,
            CredentialKind::OAuth1User => &mut self.oauth1,
        };
        *slot = Some(credentials);
    }

    /// Adds every credential of `other`; its choice, if it made one, replaces this one's.
    pub fn extend(&mut self, other: CredentialSet) {
        for c in [other.app_only, other.oauth2_user, other.oauth1]
            .into_iter()
            .flatten()
        {
            self.add(c);
        }
        if other.choice.is_some() {
            self.choice = other.choice;
        }
    }

    /// Signs every request with the credential of `kind` (`None`: the rule of the type's
    /// docs). A request is refused when the set holds none of that kind.
    #[must_use]
    pub fn choose(mut self, kind: Option<CredentialKind>) -> CredentialSet {
        self.choice = kind;
        self
    }

    /// The explicit choice, if made.
    pub fn choice(&self) -> Option<CredentialKind> {
        self.choice
    }

    /// The credential of `kind`, if held.
    pub fn get(&self, kind: CredentialKind) -> Option<&Credentials> {
        match kind {
            CredentialKind::AppOnly => self.app_only.as_ref(),
            CredentialKind::OAuth2User => self.oauth2_user.as_ref(),
            CredentialKind::OAuth1User => self.oauth1.as_ref(),
        }
    }

    /// Every credential held: OAuth 1.0a, the user token, the bearer token.
    pub fn iter(&self) -> impl Iterator<Item = &Credentials> {
        [&self.oauth1, &self.oauth2_user, &self.app_only]
            .into_iter()
            .flatten()
    }

    /// Whether no credential is held.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The credential that signs requests to `endpoint`, by the rule of the type's docs.
    pub fn for_endpoint(&self, endpoint: Endpoint) -> Result<&Credentials, CredentialsError> {
        if let Some(chosen) = self.choice {
            return self
                .get(chosen)
                .ok_or(CredentialsError::ChosenMissing { chosen });
        }
        let found = match endpoint.generation() {
            Generation::V2 => self.oauth2_user.as_ref().or(self.oauth1.as_ref()),
            Generation::Enterprise if endpoint == Endpoint::Totals => {
                self.oauth1.as_ref().or(self.app_only.as_ref())
            }
            Generation::Enterprise => self.oauth1.as_ref(),
        };
        found.ok_or(CredentialsError::Missing { endpoint })
    }

    /// Credentials from `X_*` variables, looked up by name with `lookup`: `X_BEARER_TOKEN`
    /// (app-only), `X_USER_TOKEN` (OAuth 2.0 user token), and all four of
    /// `X_CONSUMER_KEY`, `X_CONSUMER_SECRET`, `X_ACCESS_TOKEN`, `X_ACCESS_TOKEN_SECRET`
    /// (OAuth 1.0a). Values are trimmed (a file with Windows line ends leaves a `\r`); empty
    /// ones count as not set. Some but not all four OAuth 1.0a values is an error naming the
    /// ones missing. None set at all is an empty set, not an error: [`Self::for_endpoint`]
    /// says what an endpoint needs.
    ///
    /// ```
    /// use xengage_core::auth::CredentialSet;
    /// use xengage_core::{CredentialKind, Endpoint};
    ///
    /// let vars = [("X_USER_TOKEN", "user-token "), ("X_BEARER_TOKEN", "")];
    /// let lookup = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
    /// let set = CredentialSet::from_lookup(lookup)?;
    /// assert!(set.get(CredentialKind::AppOnly).is_none()); // empty counts as not set
    /// assert_eq!(set.for_endpoint(Endpoint::Insights28Hours)?.kind(), CredentialKind::OAuth2User);
    /// assert!(set.for_endpoint(Endpoint::Historical).is_err());
    /// # Ok::<(), xengage_core::auth::CredentialsError>(())
    /// ```
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<CredentialSet, CredentialsError> {
        let read = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut set = CredentialSet::new();
        if let Some(token) = read("X_BEARER_TOKEN") {
            set.add(Credentials::AppOnly {
                bearer_token: Secret::new(token),
            });
        }
        if let Some(token) = read("X_USER_TOKEN") {
            set.add(Credentials::OAuth2User {
                access_token: Secret::new(token),
            });
        }
        let oauth1 = OAUTH1_VARIABLES.map(|name| (name, read(name)));
        if oauth1.iter().any(|(_, v)| v.is_some()) {
            match oauth1 {
                [
                    (_, Some(key)),
                    (_, Some(secret)),
                    (_, Some(token)),
                    (_, Some(token_secret)),
                ] => set.add(Credentials::OAuth1User(OAuth1Credentials::new(
                    key,
                    secret,
                    token,
                    token_secret,
                ))),
                _ => {
                    return Err(CredentialsError::IncompleteOAuth1 {
                        missing: oauth1
                            .iter()
                            .filter(|(_, v)| v.is_none())
                            .map(|(n, _)| *n)
                            .collect(),
                    });
                }
            }
        }
        Ok(set)
    }
}

impl Credentials {
    /// [`CredentialSet::from_lookup`] with the process environment: the one place xengage
    /// reads the environment, and only when called. The same variables and rules as the
    /// `xengage` command.
    ///
    /// ```no_run
    /// let credentials = xengage_core::auth::Credentials::from_env()?;
    /// # Ok::<(), xengage_core::auth::CredentialsError>(())
    /// ```
    pub fn from_env() -> Result<CredentialSet, CredentialsError> {
        // The core reads no environment on its own (clippy's disallowed-methods list says so);
        // this convenience is the documented exception, called only by its user.
        #[allow(clippy::disallowed_methods)]
        CredentialSet::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`CredentialSet::from_lookup`], named beside [`Credentials::from_env`].
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<CredentialSet, CredentialsError> {
        CredentialSet::from_lookup(lookup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn incomplete_oauth1_names_what_is_missing() {
        let err = CredentialSet::from_lookup(lookup(&[
            ("X_CONSUMER_KEY", "ck"),
            ("X_ACCESS_TOKEN", " \r"),
        ]))
        .unwrap_err();
        assert_eq!(
            err,
            CredentialsError::IncompleteOAuth1 {
                missing: vec![
                    "X_CONSUMER_SECRET",
                    "X_ACCESS_TOKEN",
                    "X_ACCESS_TOKEN_SECRET"
                ]
            }
        );
        assert!(!err.to_string().contains("ck"));
    }

    #[test]
    fn the_rule_picks_per_endpoint_and_a_choice_overrides() {
        let all = CredentialSet::from_lookup(lookup(&[
            ("X_BEARER_TOKEN", "b"),
            ("X_USER_TOKEN", "u"),
            ("X_CONSUMER_KEY", "ck"),
            ("X_CONSUMER_SECRET", "cs"),
            ("X_ACCESS_TOKEN", "at\r\n"),
            ("X_ACCESS_TOKEN_SECRET", "ats"),
        ]))
        .unwrap();
        let kind = |set: &CredentialSet, e| set.for_endpoint(e).map(Credentials::kind);
        assert_eq!(kind(&all, Endpoint::Totals), Ok(CredentialKind::OAuth1User));
        assert_eq!(
            kind(&all, Endpoint::Historical),
            Ok(CredentialKind::OAuth1User)
        );
        assert_eq!(
            kind(&all, Endpoint::Insights28Hours),
            Ok(CredentialKind::OAuth2User)
        );
        let Some(Credentials::OAuth1User(c)) = all.get(CredentialKind::OAuth1User) else {
            panic!("no OAuth 1.0a")
        };
        assert_eq!(c.token, "at");
        let app = all.clone().choose(Some(CredentialKind::AppOnly));
        assert_eq!(
            kind(&app, Endpoint::Historical),
            Ok(CredentialKind::AppOnly)
        );
        let bearer_only = CredentialSet::from_lookup(lookup(&[("X_BEARER_TOKEN", "b")])).unwrap();
        assert_eq!(
            kind(&bearer_only, Endpoint::Totals),
            Ok(CredentialKind::AppOnly)
        );
        assert_eq!(
            kind(&bearer_only, Endpoint::Last28Hours),
            Err(CredentialsError::Missing {
                endpoint: Endpoint::Last28Hours
            })
        );
        let chosen = bearer_only.choose(Some(CredentialKind::OAuth2User));
        assert!(
            kind(&chosen, Endpoint::Totals)
                .unwrap_err()
                .to_string()
                .contains("X_USER_TOKEN")
        );
        assert!(CredentialSet::from_lookup(|_| None).unwrap().is_empty());
    }
}
