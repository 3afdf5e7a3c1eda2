//! A job is a `futures_core::Stream`: stream combinators work on its events and on its rows,
//! and the rows streamed are the rows `collect_all` merges (for a grouping by post, whose rows
//! no other batch adds to).

use std::time::Duration;

use futures_util::StreamExt;
use time::macros::datetime;
use xengage_core::collect::Event;
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig};
use xengage_native::Client;

const NOW: time::OffsetDateTime = datetime!(2026-11-22 12:30 UTC);

#[tokio::test]
async fn events_and_rows_stream_with_combinators() {
    let emu = Emulator::start(EmulatorConfig::default().now(Clock::Fixed(NOW)))
        .await
        .unwrap();
    let client = Client::builder()
        .credentials(emu.credentials().oauth1(0))
        .base_url(&emu.url())
        .now(NOW)
        .quota_window(Duration::from_millis(100))
        .build()
        .unwrap();
    let ids: Vec<String> = emu
        .world()
        .owned_post_ids(0)
        .iter()
        .take(60)
        .map(|id| id.as_str().to_owned())
        .collect();
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids)
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"]);

    let job = client.collect(&spec).unwrap();
    let planned = job.planned();
    assert!(planned >= 3, "{planned}");
    let done: Vec<usize> = job
        .filter_map(|e| async move {
            match e {
                Event::BatchDone { index, .. } => Some(index),
                _ => None,
            }
        })
        .collect()
        .await;
    assert_eq!(done.len(), planned);

    let mut streamed: Vec<String> = client
        .collect(&spec)
        .unwrap()
        .rows()
        .map(|(grouping, row)| format!("{grouping} {row:?}"))
        .collect()
        .await;
    let merged = client.collect_all(&spec).await.unwrap();
    let mut all: Vec<String> = merged
        .outcome
        .results()
        .flat_map(|g| g.rows.iter().map(move |row| format!("{} {row:?}", g.name)))
        .collect();
    assert!(!all.is_empty());
    streamed.sort();
    all.sort();
    assert_eq!(streamed, all);
}
