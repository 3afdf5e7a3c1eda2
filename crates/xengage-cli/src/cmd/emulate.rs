//! `xengage emulate`: the local emulator of the API, until killed.

use std::net::SocketAddr;
use std::time::Duration;

use xengage_core::PostId;
use xengage_emulator::{
    Clock, Emulator, EmulatorConfig, EmulatorCredentials, FaultKind, Faults, PostState, World,
};

use crate::Outcome as ExitOutcome;
use crate::error::CliError;
use crate::input;

/// Run the local emulator of the API until killed.
///
/// Prints one JSON line when ready: its URL, the credentials it accepts (secrets included:
/// they are the emulator's own, made from the seed), and for each account up to 25 public post
/// ids and every deleted and protected one.
///
/// Top-level keys, for account 0, to copy as they are:
///   url                    the base URL (both generations are served under it)
///   bearer_token           app-only bearer token (X_BEARER_TOKEN: totals, public metrics)
///   user_token             OAuth 2.0 user token (X_USER_TOKEN: v2 insights)
///   consumer_key           OAuth 1.0a consumer key (X_CONSUMER_KEY)
///   consumer_secret        OAuth 1.0a consumer secret (X_CONSUMER_SECRET)
///   access_token           OAuth 1.0a access token (X_ACCESS_TOKEN)
///   access_token_secret    OAuth 1.0a access token secret (X_ACCESS_TOKEN_SECRET)
///   owned_post_ids         up to 25 posts account 0 owns that are served (not deleted or
///                          protected): every endpoint, every credential of account 0
///   public_post_ids        up to 25 public posts of the other account (not deleted or
///                          protected): bearer_token on totals; 403 with account 0's user tokens
/// And `accounts`, one object per account (0 and 1): access_token, access_token_secret,
/// user_token, post_ids (up to 25 served posts it owns), deleted_post_ids, protected_post_ids.
///
/// Example:
///   xengage emulate --port 8080 --seed 7 --quota 60 --minute-ms 1000 --fault-rate 0.05
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    /// Seed of the world, the counts and the faults.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Requests per emulated minute.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) quota: u32,
    /// Length of an emulated minute, in milliseconds.
    #[arg(long, default_value_t = 60_000)]
    pub(crate) minute_ms: u64,
    /// Share of requests answered with a fault (500/502/503, 429, slow, dropped, truncated,
    /// invalid JSON).
    #[arg(long, default_value_t = 0.0)]
    pub(crate) fault_rate: f64,
    /// A fixed clock (a date or an RFC 3339 time); default: the system clock.
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
    /// Posts per account (two accounts).
    #[arg(long, default_value_t = 200)]
    pub(crate) posts: usize,
    /// Share of counts sent as JSON numbers rather than strings.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) numbers: f64,
    /// Origins allowed by CORS (repeatable; `*` for any).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub(crate) allow_origin: Vec<String>,
}

pub(crate) fn config(args: &Args) -> Result<EmulatorConfig, CliError> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(CliError::Usage(
            "--fault-rate is a share between 0 and 1".to_owned(),
        ));
    }
    Ok(EmulatorConfig::default()
        .seed(args.seed)
        .quota_per_minute(args.quota)
        .minute(Duration::from_millis(args.minute_ms.max(1)))
        .now(match &args.now {
            Some(t) => Clock::Fixed(input::now(Some(t))?),
            None => Clock::System,
        })
        .faults(
            Faults::default()
                .rate(args.fault_rate)
                .kinds(FaultKind::all(Duration::from_secs(2))),
        )
        .cors_origins(args.allow_origin.clone())
        .numbers_as_json_numbers(args.numbers.clamp(0.0, 1.0))
        .posts_per_account(args.posts.max(1))
        .bind(SocketAddr::from(([127, 0, 0, 1], args.port))))
}

pub(crate) fn run(args: &Args) -> Result<ExitOutcome, CliError> {
    let config = config(args)?;
    crate::runtime()?.block_on(async {
        let emulator = Emulator::start(config).await.map_err(CliError::Serve)?;
        let c = emulator.credentials();
        let accounts: Vec<serde_json::Value> = c
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let world = emulator.world();
                let ids = strings(&world.public_post_ids(i));
                let of_state = |state: PostState| -> Vec<String> {
                    world
                        .posts()
                        .iter()
                        .filter(|p| p.owner == i && p.state == state)
                        .map(|p| p.id.as_str().to_owned())
                        .collect()
                };
                serde_json::json!({
                    "access_token": a.access_token,
                    "access_token_secret": a.access_token_secret.expose_secret(),
                    "user_token": a.user_token.expose_secret(),
                    "post_ids": ids,
                    "deleted_post_ids": of_state(PostState::Deleted),
                    "protected_post_ids": of_state(PostState::Protected),
                })
            })
            .collect();
        let ready = ready_line(&emulator.url(), c, emulator.world(), &accounts);
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{ready}")
                .and_then(|()| out.flush())
                .map_err(CliError::Output)?;
        }
        tokio::signal::ctrl_c().await.map_err(CliError::Serve)?;
        emulator.shutdown().await;
        Ok(ExitOutcome::Ok)
    })
}

/// Post ids listed per key of the ready line: enough for one request of any endpoint.
const LISTED: usize = 25;

/// Up to [`LISTED`] ids, as strings.
fn strings(ids: &[PostId]) -> Vec<String> {
    ids.iter()
        .take(LISTED)
        .map(|p| p.as_str().to_owned())
        .collect()
}

/// The ready line: account 0's URL, credentials and posts at the top level, then every account.
fn ready_line(
    url: &str,
    c: &EmulatorCredentials,
    world: &World,
    accounts: &[serde_json::Value],
) -> serde_json::Value {
    let a = &c.accounts[0];
    // Public posts of every other account: servable to the app-only token, forbidden (403) to
    // account 0's user tokens.
    let others: Vec<PostId> = world
        .posts()
        .iter()
        .filter(|p| p.owner != 0 && p.state == PostState::Public)
        .map(|p| p.id)
        .collect();
    serde_json::json!({
        "url": url,
        "bearer_token": c.bearer_token.expose_secret(),
        "user_token": a.user_token.expose_secret(),
        "consumer_key": c.consumer_key,
        "consumer_secret": c.consumer_secret.expose_secret(),
        "access_token": a.access_token,
        "access_token_secret": a.access_token_secret.expose_secret(),
        "owned_post_ids": strings(&world.public_post_ids(0)),
        "public_post_ids": strings(&others),
        "accounts": accounts,
    })
}
