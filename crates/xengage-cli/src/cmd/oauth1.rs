//! `xengage oauth1 sign`: every step of an OAuth 1.0a signature, to compare with another tool
//! when a request gets a 401.

use xengage_core::auth::oauth1::sign;
use xengage_core::auth::{OAuth1Credentials, Secret};

use crate::Outcome as ExitOutcome;
use crate::credentials::secret;
use crate::error::CliError;

/// OAuth 1.0a tools.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Sign a request and print every step as one JSON object (secrets never printed).
    ///
    /// Example:
    ///   xengage oauth1 sign --method POST --url 'https://api.twitter.com/1.1/statuses/update.json?include_entities=true' \
    ///     --param 'status=Hello Ladies + Gentlemen, a signed OAuth request!' \
    ///     --consumer-key xvz1evFS4wEEPTGEFPHBog --consumer-secret kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw \
    ///     --token 370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb --token-secret LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE \
    ///     --nonce kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg --timestamp 1318622958
    #[command(verbatim_doc_comment)]
    Sign(SignArgs),
}

/// The request and credentials to sign.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// HTTP method.
    #[arg(long)]
    method: String,
    /// The full URL, query included (its parameters are signed).
    #[arg(long)]
    url: String,
    /// A form-encoded body parameter NAME=VALUE, decoded (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Consumer key.
    #[arg(long, env = "X_CONSUMER_KEY")]
    consumer_key: String,
    /// Consumer secret (never printed). Better from the environment than the command line,
    /// where `ps` and the shell's history show it.
    #[arg(long, env = "X_CONSUMER_SECRET", hide_env_values = true, value_parser = secret)]
    consumer_secret: Secret,
    /// Access token (with the token secret; both from the environment as for `request`).
    #[arg(long, env = "X_ACCESS_TOKEN")]
    token: Option<String>,
    /// Access token secret (never printed); from the environment as for the consumer secret.
    #[arg(
        long,
        env = "X_ACCESS_TOKEN_SECRET",
        hide_env_values = true,
        value_parser = secret,
        requires = "token"
    )]
    token_secret: Option<Secret>,
    /// Nonce.
    #[arg(long)]
    nonce: String,
    /// Timestamp, seconds since the Unix epoch.
    #[arg(long)]
    timestamp: u64,
}

pub(crate) fn run(command: &Command) -> Result<ExitOutcome, CliError> {
    let Command::Sign(a) = command;
    let params = a
        .params
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| CliError::Usage(format!("--param `{p}`: write NAME=VALUE")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Without a token the request is signed as the app alone (no `oauth_token`).
    let credentials = OAuth1Credentials::new(
        a.consumer_key.clone(),
        a.consumer_secret.expose_secret(),
        a.token.clone().unwrap_or_default(),
        a.token_secret.as_ref().map_or("", Secret::expose_secret),
    );
    let steps = sign(
        &a.method,
        &a.url,
        &params,
        &credentials,
        &a.nonce,
        a.timestamp,
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    println!("{}", serde_json::to_string(&steps).unwrap_or_default());
    Ok(ExitOutcome::Ok)
}
