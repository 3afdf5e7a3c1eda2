//! The native client against the emulator over loopback: every post accounted for, counts equal
//! to the emulator's ground truth, retries bounded under faults, pacing by the quota, and v2
//! errors read as problem details.

use std::collections::HashMap;
use std::time::Duration;

use time::macros::datetime;
use xengage_core::auth::{Credentials, Secret};
use xengage_core::collect::Event;
use xengage_core::pace::{Failure, PacingOptions, RetryPolicy};
use xengage_core::response::{
    ApiError, ApiErrorKind, Bucket, FailureKind, ParseOptions, PostFailure, PostStatus,
    ResponseError, parse_response,
};
use xengage_core::window::TimeWindow;
use xengage_core::{Endpoint, Metric, PostId, Request, RequestSpec, ValidationOptions};
use xengage_emulator::{
    Clock, Emulator, EmulatorConfig, FaultKind, Faults, PostState, RunningEmulator,
};
use xengage_native::{Client, ClientBuilder, SendError};

mod common;
use common::chain;

const NOW: time::OffsetDateTime = datetime!(2026-11-22 12:30 UTC);

async fn emulator(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(config.now(Clock::Fixed(NOW)))
        .await
        .unwrap()
}

fn client(
    emu: &RunningEmulator,
    account: usize,
    tweak: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Client {
    let builder = Client::builder()
        .credentials(emu.credentials().oauth1(account))
        .base_url(&emu.url())
        .now(NOW)
        .quota_window(Duration::from_secs(1))
        .timeout(Duration::from_secs(5));
    tweak(builder).build().unwrap()
}

fn ids(list: &[PostId]) -> Vec<String> {
    list.iter().map(|i| i.as_str().to_owned()).collect()
}

#[tokio::test]
async fn totals_for_every_post_equal_the_ground_truth_and_every_post_is_accounted_for() {
    let emu = emulator(
        EmulatorConfig::default()
            .posts_per_account(600)
            .numbers_as_json_numbers(0.3),
    )
    .await;
    let owned = emu.world().owned_post_ids(0);
    let client = client(&emu, 0, |b| b);
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids(ids(&owned))
        .metrics(["impressions", "favorites", "video_views"]);
    let collected = client.collect_all(&spec).await.unwrap();
    let ledger = &collected.summary.ledger;
    assert_eq!(ledger.len(), owned.len());
    let values: HashMap<(PostId, Metric), u64> = collected.outcome.groupings[0]
        .rows
        .iter()
        .map(|r| ((r.post_id.unwrap(), r.metric.unwrap()), r.value))
        .collect();
    for id in &owned {
        let post = emu.world().post(id).unwrap();
        let status = ledger.status(id).unwrap();
        match post.state {
            PostState::Deleted => assert_eq!(status, PostStatus::Unavailable, "{id}"),
            PostState::Protected => assert_eq!(status, PostStatus::Unavailable, "{id}"),
            PostState::Public => {
                assert!(
                    matches!(status, PostStatus::Served | PostStatus::Partial),
                    "{id}: {status:?}"
                );
                let expected = emu.world().lifetime(id, Metric::Favorites, NOW);
                assert_eq!(
                    values.get(&(*id, Metric::Favorites)),
                    Some(&expected),
                    "{id}"
                );
                let age = NOW - post.created_at;
                if age <= time::Duration::days(90) {
                    let expected = emu.world().lifetime(id, Metric::Impressions, NOW);
                    assert_eq!(
                        values.get(&(*id, Metric::Impressions)),
                        Some(&expected),
                        "{id}"
                    );
                } else {
                    assert_eq!(status, PostStatus::Partial, "{id}");
                    assert!(!values.contains_key(&(*id, Metric::Impressions)));
                }
            }
        }
    }
}

#[tokio::test]
async fn a_ten_week_hourly_range_for_a_thousand_posts_equals_the_ground_truth() {
    let emu = emulator(EmulatorConfig::default().posts_per_account(1000)).await;
    let owned = emu.world().public_post_ids(0);
    assert!(owned.len() > 900);
    let client = client(&emu, 0, |o| o.max_in_flight(8));
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids(ids(&owned))
        .metrics(["engagements"])
        .grouping("daily", ["tweet.id", "engagement.type", "engagement.day"])
        .window("2026-09-10T05:00:00Z", "2026-11-19T05:00:00Z");
    let collected = client.collect_all(&spec).await.unwrap();
    let range = TimeWindow::new(
        datetime!(2026-09-10 05:00 UTC),
        datetime!(2026-11-19 05:00 UTC),
    )
    .unwrap();
    let mut per_post: HashMap<PostId, u64> = HashMap::new();
    for r in &collected.outcome.groupings[0].rows {
        assert!(matches!(r.bucket, Bucket::Day(_)));
        *per_post.entry(r.post_id.unwrap()).or_default() += r.value;
    }
    for id in &owned {
        assert_eq!(
            per_post.get(id).copied().unwrap_or(0),
            emu.world().sum(id, Metric::Engagements, range),
            "{id}"
        );
        assert_eq!(
            collected.summary.ledger.status(id),
            Some(PostStatus::Served),
            "{id}"
        );
    }
    // A day split between two windows is whole again after the merge.
    let split_day = datetime!(2026-10-08 00:00 UTC).date();
    let id = owned[0];
    let day = collected.outcome.groupings[0]
        .rows
        .iter()
        .find(|r| r.post_id == Some(id) && r.bucket == Bucket::Day(split_day))
        .unwrap();
    let whole = TimeWindow::new(
        datetime!(2026-10-08 00:00 UTC),
        datetime!(2026-10-09 00:00 UTC),
    )
    .unwrap();
    assert_eq!(day.value, emu.world().sum(&id, Metric::Engagements, whole));
    // What a job collected can be written out as it is: rows, ledger and summary.
    let json = serde_json::to_value(&collected).unwrap();
    let row = &json["outcome"]["groupings"][0]["rows"][0];
    assert_eq!(row["bucket"], "day", "{row}");
    assert!(row["post_id"].is_string(), "{row}");
    assert_eq!(
        json["summary"]["progress"]["requests_done"],
        collected.summary.progress.requests_done,
    );
    assert_eq!(json["outcome"]["windows"].as_array().map(Vec::len), Some(3));
    let bucket = serde_json::to_value(Bucket::Day(split_day)).unwrap();
    assert_eq!(
        bucket,
        serde_json::json!({"kind": "day", "time": "2026-10-08"})
    );
}

#[tokio::test]
async fn forbidden_posts_are_taken_out_and_the_rest_of_the_batch_is_served() {
    let emu = emulator(EmulatorConfig::default()).await;
    let mine = emu.world().public_post_ids(0);
    let theirs = emu.world().public_post_ids(1);
    let client = client(&emu, 0, |b| b);
    let asked: Vec<PostId> = vec![mine[0], theirs[0], mine[1], theirs[1]];
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&asked))
        .metrics(["impressions"]);
    let mut job = client.collect(&spec).unwrap();
    let mut narrowed = 0;
    while let Some(e) = job.next().await {
        if let Event::BatchNarrowed { removed, .. } = e {
            assert_eq!(removed, vec![theirs[0], theirs[1]]);
            narrowed += 1;
        }
    }
    let summary = job.finish().await;
    assert_eq!(narrowed, 1);
    assert_eq!(
        summary.ledger.status(&theirs[0]),
        Some(PostStatus::Forbidden)
    );
    assert_eq!(summary.ledger.status(&mine[0]), Some(PostStatus::Served));
    assert_eq!(summary.ledger.status(&mine[1]), Some(PostStatus::Served));
}

/// A client of the v2 endpoints with `credentials`.
fn v2_client(emu: &RunningEmulator, credentials: Credentials) -> Client {
    Client::builder()
        .credentials(credentials)
        .base_url(&emu.url())
        .now(NOW)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn v2_spec(posts: &[PostId]) -> RequestSpec {
    RequestSpec::new(Endpoint::Insights28Hours)
        .post_ids(ids(posts))
        .metrics(["Likes"])
        .granularity("Total")
}

/// The core's reading of an answer that must be an API error.
fn api_error(request: &Request, answer: &xengage_native::RawAnswer) -> ApiError {
    match parse_response(
        request,
        answer.status,
        &answer.headers,
        &answer.body,
        &ParseOptions::default(),
    ) {
        Err(ResponseError::Api(e)) => *e,
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn v2_errors_arrive_as_problem_details_with_a_helpful_message() {
    let emu = emulator(
        EmulatorConfig::default()
            .v2_quota_per_window(1)
            .v2_window(Duration::from_secs(3600)),
    )
    .await;
    let mine = emu.world().public_post_ids(0);
    let spec = v2_spec(&mine[..2]);
    let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();

    // Bad credentials: 401, read as a problem, and said so by `send`.
    let stranger = v2_client(
        &emu,
        Credentials::OAuth2User {
            access_token: Secret::new("not-a-token"),
        },
    );
    let answer = stranger.exchange(&request).await.unwrap();
    assert_eq!(answer.status, 401);
    let e = api_error(&request, &answer);
    assert_eq!(e.kind, ApiErrorKind::Unauthorized);
    assert!(e.messages.is_empty(), "{e:?}");
    let [p] = e.problems.as_slice() else {
        panic!("{e:?}")
    };
    assert_eq!(p.title.as_deref(), Some("Unauthorized"));
    assert_eq!(p.status, Some(401));
    assert_eq!(
        p.detail.as_deref(),
        Some("Your account could not be authenticated. Reason: Invalid or expired token")
    );
    let Err(failed) = stranger.send(&spec).await else {
        panic!("a bad token was accepted")
    };
    // The answer's error is there, typed, for a caller to match on, as the error's source.
    let source = std::error::Error::source(&failed).and_then(|s| s.downcast_ref::<ResponseError>());
    assert!(
        matches!(source, Some(ResponseError::Api(a)) if a.status == 401 && a.kind == ApiErrorKind::Unauthorized),
        "{failed:?}"
    );
    assert_eq!(failed.status(), Some(401));
    assert!(!failed.is_retryable());
    let message = chain(&failed);
    let SendError::Answered { summary, .. } = failed else {
        panic!("{failed:?}")
    };
    assert_eq!(summary.progress.retries, 0, "a 401 is not retried");
    assert!(
        message.contains(
            "the API answered 401: Unauthorized: Your account could not be authenticated. \
             Reason: Invalid or expired token (check the credentials"
        ),
        "{message}"
    );
    assert!(!message.contains("not-a-token"), "{message}");

    // Over the quota (one request a window): 429 in the documented v2 body, retryable. (A
    // window that ends between two requests gives one more.)
    let owner = v2_client(&emu, emu.credentials().oauth2(0));
    assert_eq!(owner.exchange(&request).await.unwrap().status, 200);
    let mut answer = owner.exchange(&request).await.unwrap();
    if answer.status == 200 {
        answer = owner.exchange(&request).await.unwrap();
    }
    assert_eq!(answer.status, 429);
    assert_eq!(answer.headers["x-rate-limit-remaining"], "0");
    let e = api_error(&request, &answer);
    assert_eq!(e.kind, ApiErrorKind::RateLimited);
    assert_eq!(e.problems[0].code, Some(88));
    assert_eq!(
        e.problems[0].message.as_deref(),
        Some("Rate limit exceeded")
    );
    assert!(ResponseError::Api(Box::new(e.clone())).is_retryable());
    assert_eq!(
        e.to_string(),
        "the API answered 429: Rate limit exceeded (over the quota; retry once the window \
         resets: at x-rate-limit-reset on v2, after the minute on v1)"
    );
}

#[tokio::test]
async fn forbidden_posts_are_taken_out_of_a_v2_batch_by_the_problem_detail() {
    let emu = emulator(EmulatorConfig::default()).await;
    let mine = emu.world().public_post_ids(0);
    let theirs = emu.world().public_post_ids(1);
    let client = v2_client(&emu, emu.credentials().oauth2(0));
    let asked: Vec<PostId> = vec![mine[0], theirs[0], mine[1], theirs[1]];
    let mut job = client.collect(&v2_spec(&asked)).unwrap();
    let mut narrowed = 0;
    while let Some(e) = job.next().await {
        if let Event::BatchNarrowed { removed, error, .. } = e {
            assert_eq!(removed, vec![theirs[0], theirs[1]]);
            let ResponseError::Api(e) = error else {
                panic!("{error:?}")
            };
            assert_eq!(e.status, 403);
            assert_eq!(e.problems.len(), 1, "{e:?}");
            assert_eq!(e.problems[0].title.as_deref(), Some("Forbidden"));
            assert_eq!(
                e.problems[0].detail,
                Some(format!(
                    "Forbidden to access tweets: {}, {}",
                    theirs[0], theirs[1]
                ))
            );
            assert_eq!(e.forbidden_ids, [theirs[0], theirs[1]]);
            narrowed += 1;
        }
    }
    let collected = job.finish().await;
    assert_eq!(narrowed, 1);
    for id in &theirs[..2] {
        assert_eq!(collected.ledger.status(id), Some(PostStatus::Forbidden));
    }
    for id in &mine[..2] {
        assert_eq!(collected.ledger.status(id), Some(PostStatus::Served));
    }
}

#[tokio::test]
async fn every_fault_kind_is_retried_a_bounded_number_of_times_and_every_post_accounted_for() {
    for kind in FaultKind::all(Duration::from_millis(400)) {
        let emu = emulator(
            EmulatorConfig::default().faults(
                Faults::default()
                    .rate(0.5)
                    .kinds(vec![kind])
                    .schedule(vec![]),
            ),
        )
        .await;
        let owned = emu.world().owned_post_ids(0);
        let client = client(&emu, 0, |o| {
            o.timeout(Duration::from_millis(250))
                .retry(
                    RetryPolicy::default()
                        .base_delay(Duration::from_millis(5))
                        .max_delay(Duration::from_millis(20)),
                )
                .pacing(PacingOptions::default().window(Duration::from_millis(50)))
        });
        let spec = RequestSpec::new(Endpoint::Last28Hours)
            .post_ids(ids(&owned))
            .metrics(["favorites"]);
        let summary = tokio::time::timeout(Duration::from_secs(60), client.collect_all(&spec))
            .await
            .unwrap_or_else(|_| panic!("{kind:?}: the job hung"))
            .unwrap()
            .summary;
        assert_eq!(summary.ledger.len(), owned.len(), "{kind:?}");
        assert_eq!(summary.ledger.counts().pending, 0, "{kind:?}");
        assert!(
            summary.progress.retries + summary.progress.rate_limited > 0,
            "{kind:?}: no fault was met"
        );
        let plan = summary.progress.requests_planned as u64;
        let policy = RetryPolicy::default();
        assert!(
            summary.progress.retries <= plan * u64::from(policy.max_retries),
            "{kind:?}"
        );
        assert!(
            summary.progress.rate_limited <= plan * u64::from(policy.max_rate_limited_retries + 1),
            "{kind:?}"
        );
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn a_short_quota_is_paced_without_429s_after_the_first_window() {
    let emu = emulator(
        EmulatorConfig::default()
            .quota_per_minute(20)
            .minute(Duration::from_millis(500)),
    )
    .await;
    let owned = emu.world().owned_post_ids(0);
    let client = client(&emu, 0, |o| {
        o.pacing(PacingOptions::default().window(Duration::from_millis(500)))
            .max_in_flight(4)
    });
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&owned[..200]))
        .metrics(["favorites"]);
    let summary = client.collect_all(&spec).await.unwrap().summary;
    assert_eq!(summary.progress.requests_done, 8);
    assert_eq!(summary.progress.rate_limited, 0, "{summary:?}");
    assert_eq!(emu.stats().rate_limited, 0);
}

#[tokio::test]
async fn one_request_with_send() {
    let emu = emulator(EmulatorConfig::default()).await;
    let owned = emu.world().public_post_ids(1);
    let client = client(&emu, 1, |b| b);
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids(ids(&owned[..3]))
        .metrics(["favorites"]);
    let sent = client.send(&spec).await.unwrap();
    assert_eq!(sent.outcome.row_count(), 3);
    sent.ensure_served().unwrap();
    assert_eq!(
        client.unique_handles().count(2026, time::Month::November),
        1
    );
    let too_many = RequestSpec::new(Endpoint::Totals)
        .post_ids(
            ids(&emu.world().owned_post_ids(1)[..200])
                .into_iter()
                .chain((0..60).map(|i| format!("1{i:018}"))),
        )
        .metrics(["favorites"]);
    assert!(matches!(
        client.send(&too_many).await,
        Err(xengage_native::SendError::Invalid(_))
    ));
}

#[tokio::test]
async fn send_keeps_what_was_answered_when_one_of_its_requests_fails() {
    // A post too old for impressions goes in a request of its own, asked favorites only; the
    // first request the emulator receives fails for good. The other's rows and a ledger with
    // a reason for every post come back: partial failure is data, not an error.
    let emu = emulator(
        EmulatorConfig::default().faults(
            Faults::default()
                .rate(0.0)
                .kinds(vec![])
                .schedule(vec![(0, FaultKind::Status503)]),
        ),
    )
    .await;
    let owned = emu.world().owned_post_ids(0);
    let age = |id: &PostId| NOW - emu.world().post(id).unwrap().created_at;
    let fresh = *owned.iter().find(|id| age(id).whole_days() < 80).unwrap();
    let old = *owned
        .iter()
        .find(|id| (100..1700).contains(&age(id).whole_days()))
        .unwrap();
    let sender = client(&emu, 0, |o| o.retry(RetryPolicy::default().max_retries(0)));
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids(ids(&[fresh, old]))
        .metrics(["impressions", "favorites"]);
    let outcome = sender.send(&spec).await.unwrap().outcome;
    let statuses = [fresh, old].map(|id| outcome.ledger.status(&id).unwrap());
    assert!(
        statuses == [PostStatus::Failed, PostStatus::Partial]
            || statuses == [PostStatus::Served, PostStatus::Failed],
        "{statuses:?}"
    );
    assert!(outcome.row_count() > 0);
    let failed = if statuses[0] == PostStatus::Failed {
        fresh
    } else {
        old
    };
    let reason = &outcome.ledger.get(&failed).unwrap().failures[0];
    assert_eq!(reason.status, Some(503), "{reason:?}");
    assert!(reason.message.contains("503"), "{reason}");
    // Both failing is an error, with the ledger in its summary.
    let emu = emulator(
        EmulatorConfig::default().faults(
            Faults::default()
                .rate(1.0)
                .kinds(vec![FaultKind::Status503])
                .schedule(vec![]),
        ),
    )
    .await;
    let sender = client(&emu, 0, |o| o.retry(RetryPolicy::default().max_retries(0)));
    let Err(SendError::Answered { summary, .. }) = sender.send(&spec).await else {
        panic!("nothing was answered, yet send succeeded")
    };
    assert_eq!(summary.ledger.counts().failed, 2);
}

/// How long a test waits for something that should happen at once: a guard against hangs,
/// not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// Reads events until `batches` batches have been answered; returns their posts.
async fn read_batches(job: &mut xengage_native::Collection, batches: usize) -> Vec<PostId> {
    let mut served = Vec::new();
    let mut done = 0;
    while done < batches {
        let event = tokio::time::timeout(HANG_GUARD, job.next())
            .await
            .expect("no batch answered")
            .expect("the job ended early");
        if let Event::BatchDone { request, .. } = event {
            served.extend_from_slice(request.post_ids());
            done += 1;
        }
    }
    served
}

/// After a cancel: every post asked about is served or cancelled, the posts of the
/// batches read are served, and nothing is pending. Returns the number cancelled.
fn assert_accounted_after_cancel(
    summary: &xengage_core::collect::Summary,
    asked: &[PostId],
    served: &[PostId],
) -> usize {
    let ledger = &summary.ledger;
    assert_eq!(ledger.len(), asked.len());
    assert_eq!(ledger.counts().pending, 0);
    for id in served {
        assert_eq!(ledger.status(id), Some(PostStatus::Served), "{id}");
    }
    let mut cancelled = 0;
    for id in asked {
        let entry = ledger.get(id).unwrap();
        match entry.status() {
            PostStatus::Served => {}
            PostStatus::Cancelled => {
                assert_eq!(entry.failures, [PostFailure::cancelled()], "{id}");
                assert_eq!(entry.failures[0].kind, FailureKind::Cancelled, "{id}");
                cancelled += 1;
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    assert_eq!(summary.progress.requests_failed, 0, "no batch gave up");
    cancelled
}

#[tokio::test]
async fn cancel_abandons_slow_attempts_at_once_and_accounts_for_every_post() {
    // The first request (the probe of the quota) is answered at once; every later one only
    // after a minute, far beyond the test: a cancelled job must not wait for them.
    let slow = FaultKind::Slow(Duration::from_secs(60));
    let emu = emulator(
        EmulatorConfig::default().posts_per_account(600).faults(
            Faults::default()
                .rate(0.0)
                .kinds(vec![])
                .schedule((1..10_000).map(|n| (n, slow)).collect()),
        ),
    )
    .await;
    let asked = emu.world().public_post_ids(0);
    let client = client(&emu, 0, |o| {
        o.timeout(Duration::from_secs(120)).max_in_flight(4)
    });
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&asked))
        .metrics(["favorites"]);
    let mut job = client.collect(&spec).unwrap();
    let planned = job.planned();
    assert!(planned > 20, "{planned} batches");
    let served = read_batches(&mut job, 1).await;
    // The probe and the four slow attempts in flight after it have all reached the emulator,
    // and no more can go until one is answered.
    tokio::time::timeout(HANG_GUARD, async {
        while emu.stats().requests < 5 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the attempts in flight never reached the emulator");
    let before = emu.stats().requests;
    assert_eq!(before, 5);

    let summary = tokio::time::timeout(HANG_GUARD, job.cancel())
        .await
        .expect("cancel waited for the attempts in flight");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(emu.stats().requests, before, "requests sent after cancel");
    let cancelled = assert_accounted_after_cancel(&summary, &asked, &served);
    // Only the probe's batch was answered: the rest, in flight or never sent, is cancelled.
    assert_eq!(summary.progress.requests_done, 1);
    assert_eq!(cancelled, asked.len() - served.len());
}

#[tokio::test]
async fn a_job_paced_by_a_short_quota_sends_nothing_once_cancelled() {
    // Two requests per 2-second "minute": the job sends one about every second.
    let emu = emulator(
        EmulatorConfig::default()
            .quota_per_minute(2)
            .minute(Duration::from_secs(2)),
    )
    .await;
    let asked = emu.world().public_post_ids(0);
    let client = client(&emu, 0, |o| {
        o.pacing(PacingOptions::default().window(Duration::from_secs(2)))
    });
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&asked))
        .metrics(["favorites"]);
    let mut job = client.collect(&spec).unwrap();
    assert!(job.planned() > 5, "{} batches", job.planned());
    let served = read_batches(&mut job, 2).await;
    let summary = tokio::time::timeout(HANG_GUARD, job.cancel())
        .await
        .expect("cancel hung");

    // A job still running would send its next request within a second or so.
    let sent = emu.stats().requests;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(emu.stats().requests, sent, "requests sent after cancel");
    assert!(
        sent < summary.progress.requests_planned as u64,
        "the job was not cut short"
    );
    let cancelled = assert_accounted_after_cancel(&summary, &asked, &served);
    assert!(cancelled > 0);
}

#[tokio::test]
async fn attempts_slower_than_the_timeout_fail_as_timeouts_after_bounded_retries() {
    // Every answer comes after 2 s; the client waits 200 ms.
    let emu = emulator(
        EmulatorConfig::default().posts_per_account(60).faults(
            Faults::default()
                .rate(1.0)
                .kinds(vec![FaultKind::Slow(Duration::from_secs(2))])
                .schedule(vec![]),
        ),
    )
    .await;
    let asked = emu.world().public_post_ids(0);
    let policy = RetryPolicy::default()
        .max_retries(2)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20));
    let client = client(&emu, 0, |o| {
        o.timeout(Duration::from_millis(200)).retry(policy)
    });
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&asked))
        .metrics(["favorites"]);
    let mut job = client.collect(&spec).unwrap();
    let planned = job.planned();
    assert!(planned >= 2, "{planned} batches");
    let (retried, gave_up, summary) = tokio::time::timeout(Duration::from_secs(60), async {
        let (mut retried, mut gave_up) = (0u64, 0usize);
        while let Some(event) = job.next().await {
            match event {
                Event::Retrying { failure, .. } => {
                    assert_eq!(failure, Failure::Timeout);
                    retried += 1;
                }
                Event::BatchFailed {
                    failure, attempts, ..
                } => {
                    assert_eq!(failure, Failure::Timeout);
                    assert_eq!(attempts.retries, policy.max_retries);
                    gave_up += 1;
                }
                Event::BatchDone { .. } => panic!("a batch was answered despite the timeout"),
                _ => {}
            }
        }
        (retried, gave_up, job.finish().await)
    })
    .await
    .expect("the job hung on slow answers");

    // Bounded: each batch is tried once and retried exactly max_retries times, then given up.
    let retries_per_batch = u64::from(policy.max_retries);
    assert_eq!(gave_up, planned);
    assert_eq!(retried, planned as u64 * retries_per_batch);
    assert_eq!(summary.progress.requests_failed, planned);
    assert_eq!(summary.progress.requests_done, 0);
    assert_eq!(summary.progress.retries, planned as u64 * retries_per_batch);
    assert_eq!(
        summary.progress.attempts,
        planned as u64 * (retries_per_batch + 1)
    );
    assert!(emu.stats().requests <= summary.progress.attempts);
    // Every post is failed, with the timeout as its reason.
    let ledger = &summary.ledger;
    assert_eq!(ledger.len(), asked.len());
    assert_eq!(ledger.counts().failed, asked.len());
    for id in &asked {
        let entry = ledger.get(id).unwrap();
        assert_eq!(entry.status(), PostStatus::Failed, "{id}");
        assert!(
            !entry.failures.is_empty()
                && entry.failures.iter().all(|f| f.kind == FailureKind::Timeout
                    && f.message.starts_with("no answer within the timeout")),
            "{id}: {:?}",
            entry.failures
        );
    }
}
