//! `xengage demo`: the main job against a built-in emulator, with a fixed seed and clock: totals
//! per post, an hourly chart, the ledger, and the commands to run against the real API.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::datetime;
use xengage_core::response::{Bucket, Outcome, PostStatus};
use xengage_core::{Endpoint, Metric, PostId, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig, PostState};
use xengage_native::Client;

use crate::Outcome as ExitOutcome;
use crate::error::CliError;

/// Run the main job against a built-in emulator and show what it gives.
///
/// No credentials, no network: an emulator starts in-process with a fixed seed and clock, and
/// the native client runs totals, 28hr and historical (v1), insights-28hr and post analytics
/// (v2) against it.
///
/// Example:
///   xengage demo
///   xengage demo --seed 7 --posts 12
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// Seed of the emulated world.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Posts to query (of the first account).
    #[arg(long, default_value_t = 10)]
    pub(crate) posts: usize,
}

/// The demo's clock: fixed, so its output is the same on every run.
const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

fn ids(list: &[PostId]) -> Vec<String> {
    list.iter().map(|p| p.as_str().to_owned()).collect()
}

fn err(e: impl std::fmt::Display) -> CliError {
    CliError::Network(e.to_string())
}

pub(crate) fn run(args: &Args) -> Result<ExitOutcome, CliError> {
    let text = crate::runtime()?.block_on(demo(args.seed, args.posts.clamp(1, 250)))?;
    print!("{text}");
    Ok(ExitOutcome::Ok)
}

async fn demo(seed: u64, posts: usize) -> Result<String, CliError> {
    let emulator = Emulator::start(
        EmulatorConfig::default()
            .seed(seed)
            .now(Clock::Fixed(NOW))
            .posts_per_account(posts.max(50)),
    )
    .await
    .map_err(CliError::Serve)?;
    let builder = Client::builder()
        .base_url(&emulator.url())
        .now(NOW)
        .quota_window(Duration::from_secs(1));
    let oauth1 = builder
        .clone()
        .credentials(emulator.credentials().oauth1(0))
        .build()
        .map_err(err)?;
    let oauth2 = builder
        .credentials(emulator.credentials().oauth2(0))
        .build()
        .map_err(err)?;
    // Mostly public posts, and one deleted and one protected if the world has them, so the
    // ledger has something to say.
    let world = emulator.world();
    let mut asked: Vec<PostId> = world
        .public_post_ids(0)
        .into_iter()
        .take(posts.saturating_sub(2).max(1))
        .collect();
    for state in [PostState::Deleted, PostState::Protected] {
        if let Some(p) = world
            .posts()
            .iter()
            .find(|p| p.owner == 0 && p.state == state)
        {
            asked.push(p.id);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "xengage demo: an emulated X Engagement API (seed {seed}, clock fixed at 2026-11-22T12:00:00Z)\n"
    );

    // 1. Lifetime totals per post (v1 totals).
    let totals_metrics = [
        "impressions",
        "engagements",
        "favorites",
        "retweets",
        "replies",
        "video_views",
    ];
    let totals = oauth1
        .collect_all(
            &RequestSpec::new(Endpoint::Totals)
                .post_ids(ids(&asked))
                .metrics(totals_metrics),
        )
        .await
        .map_err(err)?;
    let _ = writeln!(
        out,
        "Lifetime totals per post (POST /insights/engagement/totals)"
    );
    table_of_totals(
        &mut out,
        &asked,
        &totals.outcome,
        &totals_metrics.map(|m| Metric::parse(m).unwrap_or(Metric::Impressions)),
    );

    // 2. The last 28 hours, hour by hour (v1 28hr), as a chart.
    let hourly = oauth1
        .collect_all(
            &RequestSpec::new(Endpoint::Last28Hours)
                .post_ids(ids(&asked))
                .metrics(["impressions", "engagements"])
                .grouping(
                    "hourly",
                    [
                        "tweet.id",
                        "engagement.type",
                        "engagement.day",
                        "engagement.hour",
                    ],
                ),
        )
        .await
        .map_err(err)?;
    let _ = writeln!(
        out,
        "\nImpressions and engagements of these posts, hour by hour (POST /insights/engagement/28hr)"
    );
    chart(&mut out, &hourly.outcome);

    // 3. The last week, day by day (v1 historical).
    let daily = oauth1
        .collect_all(
            &RequestSpec::new(Endpoint::Historical)
                .post_ids(ids(&asked))
                .metrics(["impressions"])
                .grouping("daily", ["engagement.type", "engagement.day"])
                .window("2026-11-15", "2026-11-22"),
        )
        .await
        .map_err(err)?;
    let _ = writeln!(
        out,
        "\nImpressions per day, all posts together (POST /insights/engagement/historical)"
    );
    for r in &daily.outcome.groupings[0].rows {
        if let Bucket::Day(d) = r.bucket {
            let _ = writeln!(out, "  {d}  {:>9}", r.value);
        }
    }

    // 4. The same 28 hours from v2: the totals agree with the hourly v1 series.
    let v2 = oauth2
        .collect_all(
            &RequestSpec::new(Endpoint::Insights28Hours)
                .post_ids(ids(&asked))
                .metrics(["Impressions", "Engagements"])
                .granularity("Total"),
        )
        .await
        .map_err(err)?;
    let sum = |o: &Outcome, grouping: Option<&str>, m: Metric| -> u64 {
        o.results()
            .filter(|g| grouping.is_none_or(|n| g.name == n))
            .flat_map(|g| &g.rows)
            .filter(|r| r.metric == Some(m))
            .map(|r| r.value)
            .sum()
    };
    let _ = writeln!(
        out,
        "\nThe same 28 hours from v2 (GET /2/insights/28hr, granularity Total)"
    );
    for m in [Metric::Impressions, Metric::Engagements] {
        let a = sum(&v2.outcome, Some(xengage_core::response::V2_TOTAL), m);
        let b = sum(&hourly.outcome, None, m);
        let _ = writeln!(
            out,
            "  {:<12} v2 total {a:>8}   v1 hourly sum {b:>8}   {}",
            m.name(),
            if a == b { "agree" } else { "DIFFER" }
        );
    }

    // 5. Post analytics, the v2 endpoint X documents today: the same week, day by day.
    let analytics = oauth2
        .collect_all(
            &RequestSpec::new(Endpoint::Analytics)
                .post_ids(ids(&asked))
                .metrics(["impressions", "likes"])
                .granularity("daily")
                .window("2026-11-15", "2026-11-22"),
        )
        .await
        .map_err(err)?;
    let _ = writeln!(
        out,
        "\nThe same week from post analytics (GET /2/tweets/analytics, granularity daily)"
    );
    let mut per_day: BTreeMap<time::Date, (u64, u64)> = BTreeMap::new();
    let series = analytics
        .outcome
        .grouping(xengage_core::response::ANALYTICS_SERIES)
        .map_or(&[][..], |g| &g.rows[..]);
    for r in series {
        if let (Bucket::Day(d), Some(m)) = (r.bucket, r.metric) {
            let e = per_day.entry(d).or_default();
            match m {
                Metric::Impressions => e.0 += r.value,
                Metric::Favorites => e.1 += r.value,
                _ => {}
            }
        }
    }
    let v1_days: BTreeMap<time::Date, u64> = daily.outcome.groupings[0]
        .rows
        .iter()
        .filter_map(|r| match r.bucket {
            Bucket::Day(d) => Some((d, r.value)),
            _ => None,
        })
        .collect();
    let _ = writeln!(
        out,
        "  day         impressions  likes   historical impressions"
    );
    for (d, (imp, likes)) in &per_day {
        let v1 = v1_days.get(d).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "  {d}  {imp:>9}  {likes:>6}   {v1:>9}  {}",
            if *imp == v1 { "agree" } else { "DIFFER" }
        );
    }
    let ac = analytics.summary.ledger.counts();
    let _ = writeln!(
        out,
        "  {} served, {} unavailable (partial errors beside data); paced by {}",
        ac.served,
        ac.unavailable,
        analytics
            .summary
            .pacing
            .quota
            .map_or_else(|| "no quota reported".to_owned(), |q| q.to_string()),
    );

    // 6. The ledger: every post asked about, with values or a reason.
    let _ = writeln!(out, "\nLedger (every post asked about)");
    for id in &asked {
        let Some(e) = totals.summary.ledger.get(id) else {
            continue;
        };
        let why = match e.status() {
            PostStatus::Served => "values for every metric".to_owned(),
            PostStatus::Unavailable => match world.post(id).map(|p| p.state) {
                Some(PostState::Protected) => {
                    "unavailable: protected posts are never served, even to their owner".to_owned()
                }
                _ => "unavailable: deleted".to_owned(),
            },
            PostStatus::Partial => e
                .unsupported
                .iter()
                .map(|u| format!("{} unsupported (older than {} days)", u.metric, u.max_days))
                .collect::<Vec<_>>()
                .join(", "),
            other => format!("{other:?}"),
        };
        let _ = writeln!(out, "  {id}  {:<11} {why}", e.status().name());
    }
    let c = totals.summary.ledger.counts();
    let _ = writeln!(
        out,
        "  {} posts: {} served, {} partial, {} unavailable; {} requests, {} retries",
        asked.len(),
        c.served,
        c.partial,
        c.unavailable,
        totals.summary.progress.attempts
            + hourly.summary.progress.attempts
            + daily.summary.progress.attempts
            + v2.summary.progress.attempts
            + analytics.summary.progress.attempts,
        totals.summary.progress.retries
            + hourly.summary.progress.retries
            + daily.summary.progress.retries
            + v2.summary.progress.retries
            + analytics.summary.progress.retries,
    );

    let _ = writeln!(
        out,
        "\nThe same against the real API (credentials in X_CONSUMER_KEY, X_CONSUMER_SECRET,\nX_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET; X_USER_TOKEN for v2):"
    );
    let _ = writeln!(
        out,
        "  xengage collect totals --ids @ids.txt --metrics {} --format csv -o totals.csv",
        totals_metrics.join(",")
    );
    let _ = writeln!(
        out,
        "  xengage collect 28hr --ids @ids.txt --metrics impressions,engagements \\\n    --group-by hourly=tweet.id,engagement.type,engagement.day,engagement.hour --format jsonl -o hourly.jsonl"
    );
    let _ = writeln!(
        out,
        "  xengage collect historical --ids @ids.txt --metrics impressions \\\n    --group-by daily=engagement.type,engagement.day --start 2026-11-15 --end 2026-11-22"
    );
    let _ = writeln!(
        out,
        "  xengage collect insights-28hr --ids @ids.txt --metrics Impressions,Engagements --granularity Total"
    );
    let _ = writeln!(
        out,
        "  xengage collect analytics --ids @ids.txt --metrics impressions,likes \\\n    --granularity daily --start 2026-11-15 --end 2026-11-22"
    );
    let _ = writeln!(
        out,
        "Or against this emulator on a port of your own (the same posts and clock; add --base-url http://127.0.0.1:8080 --now 2026-11-22T12:00:00Z --quota-window-ms 1000 to the commands):\n  xengage emulate --port 8080 --seed {seed} --posts {} --now 2026-11-22T12:00:00Z --minute-ms 1000",
        posts.max(50)
    );
    emulator.shutdown().await;
    Ok(out)
}

fn table_of_totals(out: &mut String, asked: &[PostId], outcome: &Outcome, metrics: &[Metric]) {
    let mut values: BTreeMap<(PostId, Metric), u64> = BTreeMap::new();
    for r in outcome.results().flat_map(|g| &g.rows) {
        if let (Some(p), Some(m)) = (r.post_id, r.metric) {
            values.insert((p, m), r.value);
        }
    }
    let _ = write!(out, "  {:<19}", "post");
    for m in metrics {
        let _ = write!(out, " {:>12}", m.name());
    }
    let _ = writeln!(out);
    for id in asked {
        let _ = write!(out, "  {:<19}", id.as_str());
        for m in metrics {
            match values.get(&(*id, *m)) {
                Some(v) => {
                    let _ = write!(out, " {v:>12}");
                }
                None => {
                    let _ = write!(out, " {:>12}", "-");
                }
            }
        }
        let _ = writeln!(out);
    }
}

/// Width of the chart's longest bar, in characters.
const WIDTH: u64 = 40;
/// Eighths of a character, for bars finer than a whole block.
const BLOCKS: [&str; 8] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"];

fn chart(out: &mut String, outcome: &Outcome) {
    let mut per_hour: BTreeMap<OffsetDateTime, (u64, u64)> = BTreeMap::new();
    for r in &outcome.groupings[0].rows {
        if let Bucket::Hour(t) = r.bucket {
            let e = per_hour.entry(t).or_default();
            match r.metric {
                Some(Metric::Impressions) => e.0 += r.value,
                Some(Metric::Engagements) => e.1 += r.value,
                _ => {}
            }
        }
    }
    let max = per_hour.values().map(|v| v.0).max().unwrap_or(1).max(1);
    let _ = writeln!(
        out,
        "  hour (UTC)        impressions                                        engagements"
    );
    for (t, (imp, eng)) in per_hour {
        let eighths = imp * WIDTH * 8 / max;
        let mut bar = "█".repeat(usize::try_from(eighths / 8).unwrap_or(0));
        if eighths % 8 > 0 {
            bar.push_str(BLOCKS[usize::try_from(eighths % 8).unwrap_or(0) - 1]);
        }
        let _ = writeln!(
            out,
            "  {} {:02}:00  {bar:<41} {imp:>7}  {eng:>6}",
            t.date(),
            t.hour()
        );
    }
}
