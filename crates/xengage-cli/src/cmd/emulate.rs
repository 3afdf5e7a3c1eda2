//! `xengage emulate`: the local emulator of the API, until killed.

use std::net::SocketAddr;
use std::time::Duration;

use xengage_emulator::{Clock, Emulator, EmulatorConfig, FaultKind, Faults, PostState};

use crate::Outcome as ExitOutcome;
use crate::error::CliError;
use crate::input;

/// Run the local emulator of the API until killed.
///
/// Prints one JSON line when ready: its URL, the credentials it accepts (secrets included:
/// they are the emulator's own, made from the seed), and for each account up to 25 public post
/// ids and every deleted and protected one.
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
    Ok(EmulatorConfig {
        seed: args.seed,
        quota_per_minute: args.quota,
        minute: Duration::from_millis(args.minute_ms.max(1)),
        now: match &args.now {
            Some(t) => Clock::Fixed(input::now(Some(t))?),
            None => Clock::System,
        },
        faults: Faults {
            rate: args.fault_rate,
            kinds: FaultKind::all(Duration::from_secs(2)),
            schedule: Vec::new(),
        },
        cors_origins: args.allow_origin.clone(),
        numbers_as_json_numbers: args.numbers.clamp(0.0, 1.0),
        posts_per_account: args.posts.max(1),
        bind: SocketAddr::from(([127, 0, 0, 1], args.port)),
    })
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
                let ids: Vec<String> = world
                    .public_post_ids(i)
                    .iter()
                    .take(25)
                    .map(|p| p.as_str().to_owned())
                    .collect();
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
        let ready = serde_json::json!({
            "url": emulator.url(),
            "consumer_key": c.consumer_key,
            "consumer_secret": c.consumer_secret.expose_secret(),
            "bearer_token": c.bearer_token.expose_secret(),
            "accounts": accounts,
        });
        println!("{ready}");
        tokio::signal::ctrl_c().await.map_err(CliError::Serve)?;
        emulator.shutdown().await;
        Ok(ExitOutcome::Ok)
    })
}
