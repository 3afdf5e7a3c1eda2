//! Jobs that keep a checkpoint, stopped and resumed against the emulator: the resumed job
//! sends only what the checkpoint does not answer and ends with the rows and ledger of one
//! uninterrupted run.

use std::time::Duration;

use time::macros::datetime;
use xengage_core::checkpoint::{Checkpoint, CheckpointError};
use xengage_core::collect::Event;
use xengage_core::pace::RetryPolicy;
use xengage_core::response::Outcome;
use xengage_core::{Endpoint, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig, FaultKind, Faults, RunningEmulator};
use xengage_native::{Client, ResumeError};

const NOW: time::OffsetDateTime = datetime!(2026-11-22 12:30 UTC);

fn client(emu: &RunningEmulator) -> Client {
    Client::builder()
        .credentials(emu.credentials().oauth1(0))
        .base_url(&emu.url())
        .now(NOW)
        .quota_window(Duration::from_secs(1))
        .max_in_flight(2)
        .retry(
            RetryPolicy::default()
                .max_retries(8)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(200)),
        )
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn spec(emu: &RunningEmulator) -> RequestSpec {
    let ids: Vec<String> = emu
        .world()
        .owned_post_ids(0)
        .iter()
        .take(60)
        .map(|p| p.as_str().to_owned())
        .collect();
    RequestSpec::new(Endpoint::Historical)
        .post_ids(ids)
        .metrics(["impressions", "favorites"])
        .grouping(
            "hourly",
            [
                "tweet.id",
                "engagement.type",
                "engagement.day",
                "engagement.hour",
            ],
        )
        .window("2026-10-01", "2026-11-10")
}

fn sorted_rows(outcomes: &[Outcome]) -> Vec<String> {
    let mut rows: Vec<String> = outcomes
        .iter()
        .flat_map(Outcome::results)
        .flat_map(|g| g.rows.iter().map(move |r| format!("{} {r:?}", g.name)))
        .collect();
    rows.sort();
    rows
}

/// Waits until the emulator has answered (or given up) every request it received, and no new
/// one came for a while: the requests a dropped job had sent are then all counted.
async fn quiet(emu: &RunningEmulator) {
    let mut last = emu.stats().requests;
    let mut still = 0;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let stats = emu.stats();
        still = if stats.in_flight == 0 && stats.requests == last {
            still + 1
        } else {
            0
        };
        last = stats.requests;
        if still == 4 {
            return;
        }
    }
    panic!(
        "the emulator still had requests in flight after 10 s: {:?}",
        emu.stats()
    );
}

#[tokio::test]
async fn a_stopped_job_resumes_where_it_stopped_and_asks_nothing_twice() {
    let emu = Emulator::start(EmulatorConfig::default().now(Clock::Fixed(NOW)).faults(
        Faults::default().rate(0.1).kinds(vec![
            FaultKind::Status503,
            FaultKind::Status500,
            FaultKind::InvalidJson,
        ]),
    ))
    .await
    .unwrap();
    let client = client(&emu);
    let whole = client.collect_all(&spec(&emu)).await.unwrap();
    let before = emu.requests_by_body();

    // The same job, saving, stopped after 4 records.
    let (mut job, mut saved) = client.collect_saving(&spec(&emu)).unwrap();
    let planned = job.planned();
    let mut first = Vec::new();
    let mut records = 0;
    while let Some(event) = job.next().await {
        match event {
            Event::BatchDone { outcome, .. } => first.push(*outcome),
            Event::Save { record, .. } => {
                saved.extend_from_slice(&record);
                records += 1;
                if records == 4 {
                    break;
                }
            }
            _ => {}
        }
    }
    drop(job);
    let checkpoint = Checkpoint::read(&saved).unwrap();
    assert_eq!(checkpoint.answers(), 4);
    // The stopped job's last requests may still be in the emulator's hands (on a loaded
    // machine, for a while): what they were answered counts as the stopped run's.
    quiet(&emu).await;
    let mid = emu.requests_by_body();

    let mut job = client.collect_resumed(&spec(&emu), checkpoint).unwrap();
    let mut second = Vec::new();
    let mut restored = None;
    while let Some(event) = job.next().await {
        match event {
            Event::BatchDone { outcome, .. } => second.push(*outcome),
            Event::Resumed { requests, .. } => restored = Some(requests),
            _ => {}
        }
    }
    let summary = job.finish().await;
    assert_eq!(restored, Some(4));
    assert_eq!(
        sorted_rows(&second),
        sorted_rows(std::slice::from_ref(&whole.outcome))
    );
    assert_eq!(summary.ledger.counts(), whole.summary.ledger.counts());
    assert_eq!(summary.progress.requests_done, planned);
    // Each request of the job was answered once by the whole run, and once more over the
    // stopped and the resumed runs together, but for those answered after the last record
    // was saved and before the stop (at most the 2 in flight).
    let after = emu.requests_by_body();
    let mut twice = 0;
    for (body, count) in &after {
        let was = before.get(body).map_or(0, |c| c.answered);
        assert!(was <= 1, "{body}");
        let again = count.answered - was;
        // Answered by the whole run (not refused, as a batch with a deleted post is), and
        // by the stopped and resumed runs together.
        assert_eq!(again.min(1), was, "{body}");
        if again == 2 {
            twice += 1;
            // Asked again only if the stopped run had it answered without saving it.
            assert!(mid.get(body).map_or(0, |c| c.answered) > was, "{body}");
        }
    }
    assert!(twice <= 2, "{twice} requests answered twice");
}

#[tokio::test]
async fn a_checkpoint_of_another_job_is_refused_before_anything_is_sent() {
    let emu = Emulator::start(EmulatorConfig::default().now(Clock::Fixed(NOW)))
        .await
        .unwrap();
    let client = client(&emu);
    let (job, saved) = client.collect_saving(&spec(&emu)).unwrap();
    job.cancel().await;
    let checkpoint = Checkpoint::read(&saved).unwrap();
    let sent = emu.stats().requests;
    let ids: Vec<String> = emu
        .world()
        .owned_post_ids(0)
        .iter()
        .take(60)
        .map(|p| p.as_str().to_owned())
        .collect();
    let other = RequestSpec::new(Endpoint::Historical)
        .post_ids(ids)
        .metrics(["impressions"])
        .grouping(
            "hourly",
            [
                "tweet.id",
                "engagement.type",
                "engagement.day",
                "engagement.hour",
            ],
        )
        .window("2026-10-01", "2026-11-10");
    let err = client.collect_resumed(&other, checkpoint).unwrap_err();
    assert!(
        matches!(&err, ResumeError::Checkpoint(CheckpointError::OtherJob { differences }) if differences[0].what == "metrics"),
        "{err}"
    );
    assert_eq!(emu.stats().requests, sent);
}
