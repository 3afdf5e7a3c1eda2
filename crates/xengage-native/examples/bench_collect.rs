//! `cargo xtask bench collect`: collects 5,000 posts from the emulator with a quota of N requests
//! per emulated minute, and prints the wall time against the quota-bound ideal (requests / quota
//! x minute) and the count of 429s.
#![allow(clippy::disallowed_methods, clippy::cast_precision_loss)] // a benchmark reads the clock and prints ratios

use std::time::{Duration, Instant};

use time::macros::datetime;
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig, PostState};
use xengage_native::Client;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let quota: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let minute_ms: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let posts: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5000);
    let now = datetime!(2026-11-22 12:00 UTC);
    let minute = Duration::from_millis(minute_ms);
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
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids.clone())
        .metrics(["impressions", "engagements"]);
    let started = Instant::now();
    let collected = client.collect_all(&spec).await.unwrap();
    let wall = started.elapsed();
    let requests = collected.summary.progress.attempts;
    let ideal = minute.mul_f64(requests as f64 / f64::from(quota));
    let stats = emulator.stats();
    println!(
        "collect: {} posts, 28hr, {requests} requests, quota {quota} per {minute_ms} ms minute, answers read with {}",
        ids.len(),
        if cfg!(feature = "sonic") {
            "sonic-rs"
        } else {
            "serde_json"
        }
    );
    println!(
        "  wall {:.3} s, quota-bound ideal {:.3} s, ratio {:.3} (target <= 1.05)",
        wall.as_secs_f64(),
        ideal.as_secs_f64(),
        wall.as_secs_f64() / ideal.as_secs_f64()
    );
    println!(
        "  429s: {} (client saw {}), rows {}, posts with values {}",
        stats.rate_limited,
        collected.summary.progress.rate_limited,
        collected.outcome.row_count(),
        collected.summary.ledger.counts().served
    );
    emulator.shutdown().await;
}
