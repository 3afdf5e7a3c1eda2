//! Post and media analytics with the native client against the emulator: a job of 1,000 posts
//! paced by a v2 window quota (its resets waited for, not a fixed minute), every post in the
//! ledger; media keys collected in batches of 100.

use std::time::Duration;

use time::macros::datetime;
use xengage_core::pace::QuotaKind;
use xengage_core::response::PostStatus;
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig, PostState, RunningEmulator};
use xengage_native::Client;

const NOW: time::OffsetDateTime = datetime!(2026-11-22 12:30 UTC);

async fn emulator(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(config.now(Clock::Fixed(NOW)))
        .await
        .unwrap()
}

fn client(emu: &RunningEmulator) -> Client {
    Client::builder()
        .credentials(emu.credentials().oauth2(0))
        .base_url(&emu.url())
        .now(NOW)
        .quota_window(Duration::from_secs(1))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Waits until just after a whole second, so that a job of a few seconds against one-second
/// windows starts far from a window's edge (the windows start on whole seconds).
async fn just_after_a_second() {
    let now = time::OffsetDateTime::now_utc();
    let into = Duration::from_nanos(u64::from(now.nanosecond()));
    let rest = Duration::from_secs(1).saturating_sub(into);
    tokio::time::sleep(rest + Duration::from_millis(50)).await;
}

#[tokio::test]
async fn a_thousand_posts_take_five_windows_of_two_requests_waiting_for_each_reset() {
    let emu = emulator(
        EmulatorConfig::default()
            .posts_per_account(1000)
            .v2_quota_per_window(2)
            .v2_window(Duration::from_secs(1)),
    )
    .await;
    let owned = emu.world().owned_post_ids(0);
    assert_eq!(owned.len(), 1000);
    let spec = RequestSpec::new(Endpoint::Analytics)
        .post_ids(owned.iter().map(ToString::to_string))
        .metrics(["impressions", "likes"])
        .window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z");
    let client = client(&emu);
    just_after_a_second().await;
    let collected = client.collect_all(&spec).await.unwrap();
    let summary = &collected.summary;
    // 10 requests of 100 ids, 2 per window: 5 windows, so 4 resets waited for, one second
    // apart, and at most one 429.
    assert_eq!(summary.progress.requests_done, 10, "{:?}", summary.progress);
    assert!(summary.progress.rate_limited <= 1, "{:?}", summary.progress);
    assert!(emu.stats().v2_rate_limited <= 1);
    let mut resets = summary.resets_waited.clone();
    resets.dedup();
    assert_eq!(resets.len(), 4, "{:?}", summary.resets_waited);
    assert!(resets.windows(2).all(|w| w[1] == w[0] + 1), "{resets:?}");
    assert_eq!(summary.pacing.quota, Some(QuotaKind::Window));
    assert!(summary.pacing.reset_waits >= 4);
    // Every post is in the ledger, with its state.
    let ledger = &summary.ledger;
    assert_eq!(ledger.len(), 1000);
    for id in &owned {
        let expected = match emu.world().post(id).unwrap().state {
            PostState::Public => PostStatus::Served,
            PostState::Deleted | PostState::Protected => PostStatus::Unavailable,
        };
        assert_eq!(ledger.status(id), Some(expected), "{id}");
    }
    // The totals apart, the series rows in `groupings`.
    assert!(collected.outcome.totals.is_some());
    assert!(collected.outcome.row_count() > 0);
}

#[tokio::test]
async fn media_keys_are_collected_in_batches_of_a_hundred() {
    let emu = emulator(EmulatorConfig::default().posts_per_account(500)).await;
    let keys = emu.world().public_media_keys(0);
    assert!(keys.len() > 100, "{}", keys.len());
    let spec = RequestSpec::new(Endpoint::MediaAnalytics)
        .media_keys(keys.iter().map(ToString::to_string))
        .metrics(["video_views", "watch_time_ms"])
        .window("2026-11-20", "2026-11-22");
    let collected = client(&emu).collect_all(&spec).await.unwrap();
    let summary = &collected.summary;
    assert_eq!(summary.progress.requests_done, keys.len().div_ceil(100));
    assert_eq!(summary.ledger.len(), keys.len());
    for key in &keys {
        assert_eq!(
            summary.ledger.media_status(key),
            Some(PostStatus::Served),
            "{key}"
        );
    }
    assert!(
        collected
            .outcome
            .results()
            .flat_map(|g| &g.rows)
            .all(|r| r.media_key.is_some() && r.post_id.is_none())
    );
}
