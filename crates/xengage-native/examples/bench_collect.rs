//! `cargo xtask bench collect`: collects 5,000 posts from the emulator with a quota of N requests
//! per emulated minute, and prints the wall time against the quota-bound ideal (requests / quota
//! x minute) and the count of 429s; then the same job keeping a checkpoint (each record appended
//! and synced), the checkpoint's size, and the time to resume from it whole. Then the v2 line:
//! 1,000 posts on post analytics against the emulator's v2 window quota (2 requests per 1-second
//! window, a 15-minute window shortened), wall time against the quota-bound ideal (from the start
//! to the opening of the window that holds the last requests: windows open on whole multiples of
//! their length) and the 429s.
#![allow(clippy::disallowed_methods, clippy::cast_precision_loss)] // a benchmark reads the clock and prints ratios

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use time::macros::datetime;
use xengage_core::checkpoint::Checkpoint;
use xengage_core::collect::Event;
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig, PostState, RunningEmulator};
use xengage_native::Client;

/// One run of the job against a fresh emulator: without a checkpoint, or keeping one in
/// `checkpoint` (each record appended and synced as it comes, as `xengage collect
/// --checkpoint` does).
struct Run {
    wall: Duration,
    requests: u64,
    rows: usize,
    served: usize,
    rate_limited_server: u64,
    rate_limited_client: u64,
}

async fn run(
    quota: u32,
    minute: Duration,
    posts: usize,
    checkpoint: Option<&Path>,
) -> (Run, Vec<String>, Client, RunningEmulator) {
    let now = datetime!(2026-11-22 12:00 UTC);
    let emulator = Emulator::start(
        EmulatorConfig::default()
            .quota_per_minute(quota)
            .minute(minute)
            .now(Clock::Fixed(now))
            .posts_per_account(posts * 21 / 20 + 10),
    )
    .await
    .unwrap();
    let ids: Vec<String> = emulator
        .world()
        .posts()
        .iter()
        .filter(|p| p.owner == 0 && p.state != PostState::Protected)
        .take(posts)
        .map(|p| p.id.as_str().to_owned())
        .collect();
    let client = Client::builder()
        .credentials(emulator.credentials().oauth1(0))
        .base_url(&emulator.url())
        .now(now)
        .quota_window(minute)
        .max_in_flight(8)
        .build()
        .unwrap();
    let spec = spec(&ids);
    let started = Instant::now();
    let (requests, rows, served, rate_limited_client) = match checkpoint {
        None => {
            let collected = client.collect_all(&spec).await.unwrap();
            (
                collected.summary.progress.attempts,
                collected.outcome.row_count(),
                collected.summary.ledger.counts().served,
                collected.summary.progress.rate_limited,
            )
        }
        Some(path) => {
            let (mut job, header) = client.collect_saving(&spec).unwrap();
            let mut file = std::fs::File::create(path).unwrap();
            file.write_all(&header).unwrap();
            file.sync_all().unwrap();
            let mut rows = 0;
            while let Some(event) = job.next().await {
                match event {
                    Event::BatchDone { outcome, .. } => rows += outcome.row_count(),
                    Event::Save { record, .. } => {
                        file.write_all(&record).unwrap();
                        file.sync_data().unwrap();
                    }
                    _ => {}
                }
            }
            let summary = job.finish().await;
            (
                summary.progress.attempts,
                rows,
                summary.ledger.counts().served,
                summary.progress.rate_limited,
            )
        }
    };
    let wall = started.elapsed();
    let run = Run {
        wall,
        requests,
        rows,
        served,
        rate_limited_server: emulator.stats().rate_limited,
        rate_limited_client,
    };
    (run, ids, client, emulator)
}

fn spec(ids: &[String]) -> RequestSpec {
    RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids.to_vec())
        .metrics(["impressions", "engagements"])
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let quota: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let minute_ms: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let posts: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5000);
    let minute = Duration::from_millis(minute_ms);
    let path = std::env::temp_dir().join(format!("xengage-bench-{}.ckpt", std::process::id()));
    let mut ratios = Vec::new();
    for checkpoint in [None, Some(path.as_path())] {
        let (r, ids, client, emulator) = run(quota, minute, posts, checkpoint).await;
        let ideal = minute.mul_f64(r.requests as f64 / f64::from(quota));
        let ratio = r.wall.as_secs_f64() / ideal.as_secs_f64();
        ratios.push(ratio);
        let with = if checkpoint.is_some() {
            "with a checkpoint"
        } else {
            "without a checkpoint"
        };
        println!(
            "collect {with}: {} posts, 28hr, {} requests, quota {quota} per {minute_ms} ms minute, answers read with {}",
            ids.len(),
            r.requests,
            if cfg!(feature = "sonic") {
                "sonic-rs"
            } else {
                "serde_json"
            }
        );
        println!(
            "  wall {:.3} s, quota-bound ideal {:.3} s, ratio {ratio:.3} (target <= 1.05)",
            r.wall.as_secs_f64(),
            ideal.as_secs_f64(),
        );
        println!(
            "  429s: {} (client saw {}), rows {}, posts with values {}",
            r.rate_limited_server, r.rate_limited_client, r.rows, r.served
        );
        if checkpoint.is_some() {
            let bytes = std::fs::read(&path).unwrap();
            println!(
                "  checkpoint: {} bytes ({:.1} KiB per request), each record appended and synced (fdatasync) as it came",
                bytes.len(),
                bytes.len() as f64 / 1024.0 / r.requests as f64
            );
            // Resuming a whole checkpoint: read, check, and hand out every answer again.
            let started = Instant::now();
            let saved = Checkpoint::read(&bytes).unwrap();
            let mut job = client.collect_resumed(&spec(&ids), saved).unwrap();
            let mut rows = 0;
            while let Some(event) = job.next().await {
                if let Event::BatchDone { outcome, .. } = event {
                    rows += outcome.row_count();
                }
            }
            let summary = job.finish().await;
            println!(
                "  resuming it whole: {:.3} s, {} requests sent, rows {rows}",
                started.elapsed().as_secs_f64(),
                summary.progress.attempts
            );
            let _ = std::fs::remove_file(&path);
        }
        emulator.shutdown().await;
    }
    println!(
        "checkpoint cost: {:+.1}% of the quota-bound ideal (ratio {:.3} with, {:.3} without; target <= 5%)",
        (ratios[1] - ratios[0]) * 100.0,
        ratios[1],
        ratios[0]
    );
    println!(
        "design: the checkpoint keeps each answer's body as received (framed, CRC-32 checked), \
         read again by the same parser on resume, so a resumed job hands out what the first run \
         did; the output file is rewritten from it, not referenced"
    );
    analytics_line().await;
}

/// 1,000 posts on `analytics`, paced by the v2 window quota.
async fn analytics_line() {
    const POSTS: usize = 1000;
    const QUOTA: u32 = 2;
    let window = Duration::from_secs(1);
    let now = datetime!(2026-11-22 12:00 UTC);
    let emulator = Emulator::start(
        EmulatorConfig::default()
            .v2_quota_per_window(QUOTA)
            .v2_window(window)
            .now(Clock::Fixed(now))
            .posts_per_account(POSTS),
    )
    .await
    .unwrap();
    let ids: Vec<String> = emulator
        .world()
        .owned_post_ids(0)
        .iter()
        .map(ToString::to_string)
        .collect();
    let client = Client::builder()
        .credentials(emulator.credentials().oauth2(0))
        .base_url(&emulator.url())
        .now(now)
        .quota_window(window)
        .build()
        .unwrap();
    let spec = RequestSpec::new(Endpoint::Analytics)
        .post_ids(ids.clone())
        .metrics(["impressions", "likes"])
        .window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z");
    let started_wall = time::OffsetDateTime::now_utc();
    let started = Instant::now();
    let collected = client.collect_all(&spec).await.unwrap();
    let wall = started.elapsed();
    let requests = collected.summary.progress.requests_done;
    // The window that holds the last requests opens (windows - 1) window lengths after the
    // start of the first, which began on a whole multiple of the length.
    let windows = u32::try_from(requests.div_ceil(QUOTA as usize)).unwrap_or(u32::MAX);
    let length = window.as_secs_f64();
    let start = started_wall.unix_timestamp_nanos() as f64 / 1e9;
    let first = (start / length).floor() * length;
    let ideal = first + f64::from(windows - 1) * length - start;
    println!(
        "collect v2: {} posts, analytics, {requests} requests, quota {QUOTA} per {:.0} s window ({windows} windows)",
        ids.len(),
        length
    );
    println!(
        "  wall {:.3} s, quota-bound ideal {ideal:.3} s, ratio {:.3} (target <= 1.05); resets waited {}",
        wall.as_secs_f64(),
        wall.as_secs_f64() / ideal,
        collected.summary.resets_waited.len()
    );
    println!(
        "  429s: {} (client saw {}, target <= 1), posts in the ledger {}",
        emulator.stats().v2_rate_limited,
        collected.summary.progress.rate_limited,
        collected.summary.ledger.len()
    );
    emulator.shutdown().await;
}
