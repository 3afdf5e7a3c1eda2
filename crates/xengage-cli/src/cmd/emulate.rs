//! `xengage emulate`: the local emulator of the API, until killed.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use xengage_core::PostId;
use xengage_emulator::{
    Clock, DeletedPosts, Emulator, EmulatorConfig, EmulatorCredentials, FaultKind, Faults,
    HourWithoutDay, PostState, Readings, World,
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
///   owned_media_keys       up to 25 media keys of account 0's served posts (media-analytics)
/// And `accounts`, one object per account (0 and 1): access_token, access_token_secret,
/// user_token, post_ids (up to 25 served posts it owns), deleted_post_ids, protected_post_ids.
///
/// With --print-env, prints `export X_...=...` lines for a shell instead (account 0's
/// credentials, X_BASE_URL and X_MEDIA_KEYS), then serves: eval "$(xengage emulate --print-env &)"
/// is not how to use it (the server would run in a subshell); write them to a file:
///   xengage emulate --port 8080 --print-env > emulator.env &  sleep 1; . ./emulator.env
///
/// The v2 endpoints (insights, analytics, media-analytics) have their own quota, per user,
/// over windows of --v2-window-secs (x-rate-limit-limit/-remaining/-reset). Where the API's
/// documents disagree, flags pick the reading played: --no-lookback, --ninety-days-everywhere,
/// --hour-without-day days-then-hours, --deleted-posts refused, --no-zero-before-2015.
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
    /// v2 requests per window, per user (the API: 300 per 15 minutes on analytics).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) v2_quota: u32,
    /// Length of a v2 quota window, in seconds.
    #[arg(long, default_value_t = 900)]
    pub(crate) v2_window_secs: u64,
    /// Answer v1 requests without `Accept-Encoding: gzip` (the API answers them 406).
    #[arg(long)]
    pub(crate) no_gzip_required: bool,
    /// Do not refuse windows starting more than 365 days ago.
    #[arg(long)]
    pub(crate) no_lookback: bool,
    /// Apply the 90-day limit of impressions and engagements on every Enterprise endpoint.
    #[arg(long)]
    pub(crate) ninety_days_everywhere: bool,
    /// How an hour grouping without engagement.day is answered.
    #[arg(long, value_enum, default_value = "hours-of-day")]
    pub(crate) hour_without_day: HourReading,
    /// How deleted posts are answered: listed in a 200, or refused with a 400.
    #[arg(long, value_enum, default_value = "listed")]
    pub(crate) deleted_posts: DeletedReading,
    /// Do not read favorites, replies and retweets as zero before 2015-09-15 on historical.
    #[arg(long)]
    pub(crate) no_zero_before_2015: bool,
    /// Print `export X_...=...` lines for a shell instead of the JSON line.
    #[arg(long)]
    pub(crate) print_env: bool,
}

/// `--hour-without-day`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum HourReading {
    /// Hours of the day 00..23, each summed over the window's days.
    HoursOfDay,
    /// A day level above the hours.
    DaysThenHours,
}

/// `--deleted-posts`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum DeletedReading {
    /// A 200 that lists them in unavailable_tweet_ids.
    Listed,
    /// A 400 with unavailable_tweet_ids.
    Refused,
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
        .bind(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .v2_quota_per_window(args.v2_quota)
        .v2_window(Duration::from_secs(args.v2_window_secs.max(1)))
        .require_gzip(!args.no_gzip_required)
        .readings(Readings {
            lookback: !args.no_lookback,
            ninety_days_everywhere: args.ninety_days_everywhere,
            hour_without_day: match args.hour_without_day {
                HourReading::HoursOfDay => HourWithoutDay::HoursOfDay,
                HourReading::DaysThenHours => HourWithoutDay::DaysThenHours,
            },
            deleted_posts: match args.deleted_posts {
                DeletedReading::Listed => DeletedPosts::Listed,
                DeletedReading::Refused => DeletedPosts::Refused,
            },
            zero_before_2015_09_15: !args.no_zero_before_2015,
        }))
}

/// `export NAME='value'` lines for a POSIX shell: account 0's credentials, the base URL, and
/// lists of its posts and media keys to try. Values are single-quoted (a `'` inside is closed,
/// escaped and reopened), so no value is read by the shell.
pub(crate) fn env_lines(url: &str, c: &EmulatorCredentials, world: &World) -> String {
    let a = &c.accounts[0];
    let quote = |v: &str| format!("'{}'", v.replace('\'', r"'\''"));
    let media: Vec<String> = world
        .public_media_keys(0)
        .iter()
        .take(LISTED)
        .map(ToString::to_string)
        .collect();
    let vars = [
        ("X_BASE_URL", url.to_owned()),
        ("X_BEARER_TOKEN", c.bearer_token.expose_secret().to_owned()),
        ("X_USER_TOKEN", a.user_token.expose_secret().to_owned()),
        ("X_CONSUMER_KEY", c.consumer_key.clone()),
        (
            "X_CONSUMER_SECRET",
            c.consumer_secret.expose_secret().to_owned(),
        ),
        ("X_ACCESS_TOKEN", a.access_token.clone()),
        (
            "X_ACCESS_TOKEN_SECRET",
            a.access_token_secret.expose_secret().to_owned(),
        ),
        ("X_POST_IDS", strings(&world.public_post_ids(0)).join(",")),
        ("X_MEDIA_KEYS", media.join(",")),
    ];
    let mut out = String::new();
    for (k, v) in &vars {
        let _ = writeln!(out, "export {k}={}", quote(v));
    }
    out
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
            let written = if args.print_env {
                write!(out, "{}", env_lines(&emulator.url(), c, emulator.world()))
            } else {
                writeln!(out, "{ready}")
            };
            written
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
        "owned_media_keys": world
            .public_media_keys(0)
            .iter()
            .take(LISTED)
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        "public_post_ids": strings(&others),
        "accounts": accounts,
    })
}
