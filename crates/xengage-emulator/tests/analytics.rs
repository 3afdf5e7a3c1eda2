//! Post and media analytics over real HTTP: answers from the world's ground truth, media keys,
//! partial errors into the ledger, the v2 window quota and its headers; and each reading flag of
//! the emulator changing the answer as documented.

use std::io::Read;
use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;
use time::macros::datetime;
use time::{Duration as TimeDuration, OffsetDateTime};
use xengage_core::auth::{Credentials, FixedNonce};
use xengage_core::response::{Bucket, ParseOptions, PostStatus, parse_response};
use xengage_core::window::TimeWindow;
use xengage_core::{BaseUrls, Endpoint, Metric, PostId, Request, RequestSpec, ValidationOptions};
use xengage_emulator::{
    Clock, DeletedPosts, Emulator, EmulatorConfig, HourWithoutDay, PostState, Readings,
    RunningEmulator,
};

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn start(config: EmulatorConfig) -> RunningEmulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let now = Clock::Fixed(config.now.now());
    Emulator::start(config.now(now).posts_per_account(80))
        .await
        .unwrap()
}

fn fixed(now: OffsetDateTime) -> EmulatorConfig {
    EmulatorConfig::default().now(Clock::Fixed(now))
}

fn validate_at(spec: &RequestSpec, now: OffsetDateTime) -> Request {
    let options = ValidationOptions::default().enforce_lookback(false);
    spec.validate(now, &options).unwrap()
}

async fn send(emu: &RunningEmulator, request: &Request, credentials: &Credentials) -> Answer {
    let base = BaseUrls::single(&emu.url()).unwrap();
    let mut nonces = FixedNonce {
        nonce: format!("{:?}", std::time::Instant::now()),
        timestamp: 1,
    };
    let p = request
        .prepare_authorized(&base, &base, credentials, &mut nonces)
        .unwrap();
    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let mut req = client.request(p.method, &p.url).headers(p.headers);
    if let Some(b) = p.body {
        req = req.body(b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap().to_vec();
    let body = if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn json(a: &Answer) -> Value {
    serde_json::from_slice(&a.body).unwrap()
}

fn posts(emu: &RunningEmulator, account: usize, state: PostState) -> Vec<PostId> {
    emu.world()
        .posts()
        .iter()
        .filter(|p| {
            p.owner == account && p.state == state && NOW - p.created_at < TimeDuration::days(60)
        })
        .map(|p| p.id)
        .collect()
}

#[tokio::test]
async fn post_analytics_answers_the_worlds_counts_with_partial_errors_in_the_ledger() {
    let emu = start(fixed(NOW)).await;
    let mine = posts(&emu, 0, PostState::Public);
    let deleted = posts(&emu, 0, PostState::Deleted);
    let theirs = posts(&emu, 1, PostState::Public);
    let mut asked: Vec<String> = mine[..3].iter().map(ToString::to_string).collect();
    asked.push(deleted[0].to_string());
    asked.push(theirs[0].to_string());
    let spec = RequestSpec::new(Endpoint::Analytics)
        .post_ids(asked)
        .metrics(["impressions", "likes"])
        .window("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
        .granularity("hourly");
    let request = validate_at(&spec, NOW);
    let a = send(&emu, &request, &emu.credentials().oauth2(0)).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.headers.contains_key("x-rate-limit-reset"));
    let outcome = parse_response(
        &request,
        a.status,
        &a.headers,
        &a.body,
        &ParseOptions::default(),
    )
    .unwrap();
    let window = TimeWindow::new(
        datetime!(2026-11-20 00:00 UTC),
        datetime!(2026-11-21 00:00 UTC),
    )
    .unwrap();
    for id in &mine[..3] {
        assert_eq!(outcome.ledger.status(id), Some(PostStatus::Served));
        for metric in [Metric::Impressions, Metric::Favorites] {
            let sum: u64 = outcome
                .grouping(xengage_core::response::ANALYTICS_SERIES)
                .into_iter()
                .flat_map(|g| &g.rows)
                .filter(|r| r.post_id == Some(*id) && r.metric == Some(metric))
                .inspect(|r| assert!(matches!(r.bucket, Bucket::Hour(_))))
                .map(|r| r.value)
                .sum();
            assert_eq!(sum, emu.world().sum(id, metric, window), "{id} {metric}");
            let total: u64 = outcome
                .totals
                .iter()
                .flat_map(|t| &t.rows)
                .filter(|r| r.post_id == Some(*id) && r.metric == Some(metric))
                .map(|r| r.value)
                .sum();
            assert_eq!(total, sum, "totals apart, equal to the buckets' sum");
        }
    }
    assert_eq!(
        outcome.ledger.status(&deleted[0]),
        Some(PostStatus::Unavailable)
    );
    assert_eq!(
        outcome.ledger.status(&theirs[0]),
        Some(PostStatus::Forbidden)
    );
    assert_eq!(outcome.ledger.len(), 5);
}

#[tokio::test]
async fn media_analytics_serves_the_media_of_posts_by_their_keys() {
    let emu = start(fixed(NOW)).await;
    let keys = emu.world().public_media_keys(0);
    assert!(keys.len() >= 3, "about half the posts carry media");
    let unknown = xengage_core::MediaKey::parse("3_1").unwrap();
    let spec = RequestSpec::new(Endpoint::MediaAnalytics)
        .media_keys(keys[..3].iter().chain([&unknown]).map(ToString::to_string))
        .metrics(["video_views", "playback25"])
        .window("2026-11-20T00:00:00Z", "2026-11-22T00:00:00Z");
    let request = validate_at(&spec, NOW);
    let a = send(&emu, &request, &emu.credentials().oauth1(0)).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let outcome = parse_response(
        &request,
        a.status,
        &a.headers,
        &a.body,
        &ParseOptions::default(),
    )
    .unwrap();
    let window = TimeWindow::new(
        datetime!(2026-11-20 00:00 UTC),
        datetime!(2026-11-22 00:00 UTC),
    )
    .unwrap();
    for key in &keys[..3] {
        assert_eq!(outcome.ledger.media_status(key), Some(PostStatus::Served));
        let post = emu.world().media_post(key).unwrap();
        let sum: u64 = outcome
            .grouping(xengage_core::response::ANALYTICS_SERIES)
            .into_iter()
            .flat_map(|g| &g.rows)
            .filter(|r| r.media_key == Some(*key) && r.metric == Some(Metric::VideoViews))
            .inspect(|r| assert!(matches!(r.bucket, Bucket::Day(_)), "daily by default"))
            .map(|r| r.value)
            .sum();
        assert_eq!(sum, emu.world().sum(&post.id, Metric::VideoViews, window));
    }
    assert_eq!(
        outcome.ledger.media_status(&unknown),
        Some(PostStatus::Unavailable)
    );
}

#[tokio::test]
async fn the_v2_quota_is_per_user_over_windows_with_the_three_headers() {
    let emu = start(
        fixed(NOW)
            .v2_quota_per_window(2)
            .v2_window(Duration::from_secs(3600)),
    )
    .await;
    let mine = posts(&emu, 0, PostState::Public);
    let spec = RequestSpec::new(Endpoint::Analytics)
        .post_ids([mine[0].to_string()])
        .metrics(["likes"])
        .window("2026-11-20", "2026-11-21");
    let request = validate_at(&spec, NOW);
    let user0 = emu.credentials().oauth2(0);
    let mut statuses = Vec::new();
    let mut resets = Vec::new();
    for _ in 0..5 {
        let a = send(&emu, &request, &user0).await;
        statuses.push(a.status);
        assert_eq!(a.headers["x-rate-limit-limit"], "2");
        let reset: u64 = a.headers["x-rate-limit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            reset % 3600,
            0,
            "windows start on multiples of their length"
        );
        resets.push(reset);
        if a.status == 429 {
            assert_eq!(a.headers["x-rate-limit-remaining"], "0");
            assert_eq!(json(&a)["errors"][0]["code"], 88);
            break;
        }
    }
    // Two a window (a window boundary passed meanwhile allows two more at most).
    assert!(statuses.ends_with(&[429]), "{statuses:?}");
    assert!(
        statuses.len() == 3 || resets.windows(2).any(|w| w[0] != w[1]),
        "{statuses:?}"
    );
    // Another user has a quota of their own.
    let theirs = posts(&emu, 1, PostState::Public);
    let spec = RequestSpec::new(Endpoint::Analytics)
        .post_ids([theirs[0].to_string()])
        .metrics(["likes"])
        .window("2026-11-20", "2026-11-21");
    let a = send(&emu, &validate_at(&spec, NOW), &emu.credentials().oauth2(1)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["x-rate-limit-remaining"], "1");
    assert_eq!(emu.stats().v2_rate_limited, 1);
}

/// A v1 answer's body for `spec` from an emulator with `readings`.
async fn v1_answer(readings: Readings, now: OffsetDateTime, spec: &RequestSpec) -> (u16, Value) {
    let emu = start(fixed(now).readings(readings)).await;
    let options = ValidationOptions::default()
        .enforce_lookback(false)
        .ninety_days_on_every_endpoint(false);
    let request = spec.validate(now, &options).unwrap();
    let a = send(&emu, &request, &emu.credentials().oauth1(0)).await;
    (a.status, json(&a))
}

fn own_posts(now: OffsetDateTime, f: impl Fn(&xengage_emulator::Post) -> bool) -> Vec<String> {
    let world = xengage_emulator::World::generate(1, 80, now);
    world
        .posts()
        .iter()
        .filter(|p| p.owner == 0 && f(p))
        .map(|p| p.id.to_string())
        .collect()
}

#[tokio::test]
async fn each_reading_flag_changes_the_answer_as_documented() {
    // The 365-day lookback: a window 400 days back is refused, or answered.
    let old = own_posts(NOW, |p| {
        p.state == PostState::Public && NOW - p.created_at > TimeDuration::days(500)
    });
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids([old[0].clone()])
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"])
        .window("2025-10-01", "2025-10-08");
    let (on, _) = v1_answer(Readings::default(), NOW, &spec).await;
    let off = Readings {
        lookback: false,
        ..Readings::default()
    };
    let (off_status, _) = v1_answer(off, NOW, &spec).await;
    assert_eq!((on, off_status), (400, 200));

    // The 90-day limit on totals only, or on every endpoint.
    let aged = own_posts(NOW, |p| {
        p.state == PostState::Public
            && (TimeDuration::days(95)..TimeDuration::days(1700)).contains(&(NOW - p.created_at))
    });
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids([aged[0].clone()])
        .metrics(["impressions"])
        .grouping("g", ["tweet.id", "engagement.type"])
        .window("2026-11-01", "2026-11-08");
    let (_, totals_only) = v1_answer(Readings::default(), NOW, &spec).await;
    let everywhere = Readings {
        ninety_days_everywhere: true,
        ..Readings::default()
    };
    let (_, every) = v1_answer(everywhere, NOW, &spec).await;
    assert!(
        totals_only
            .get("unsupported_for_impressions_engagements_tweet_ids")
            .is_none()
    );
    assert_eq!(
        every["unsupported_for_impressions_engagements_tweet_ids"][0],
        aged[0]
    );

    // An hour grouping without a day: hours of the day, or days then hours.
    let fresh = own_posts(NOW, |p| {
        p.state == PostState::Public
            && NOW - p.created_at > TimeDuration::days(3)
            && NOW - p.created_at < TimeDuration::days(60)
    });
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids([fresh[0].clone()])
        .metrics(["impressions"])
        .grouping("g", ["tweet.id", "engagement.hour"])
        .window("2026-11-18", "2026-11-20");
    let (_, hours) = v1_answer(Readings::default(), NOW, &spec).await;
    let days = Readings {
        hour_without_day: HourWithoutDay::DaysThenHours,
        ..Readings::default()
    };
    let (_, days_then_hours) = v1_answer(days, NOW, &spec).await;
    let keys = |v: &Value| -> Vec<String> {
        v["g"][&fresh[0]]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&hours).len(), 24);
    assert!(keys(&hours).iter().all(|k| k.len() == 2));
    assert_eq!(keys(&days_then_hours), ["2026-11-18", "2026-11-19"]);

    // Deleted posts: listed in a 200, or refused with a 400.
    let deleted = own_posts(NOW, |p| p.state == PostState::Deleted);
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids([deleted[0].clone(), fresh[0].clone()])
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"]);
    let (listed, body) = v1_answer(Readings::default(), NOW, &spec).await;
    assert_eq!(listed, 200);
    assert_eq!(body["unavailable_tweet_ids"][0], deleted[0]);
    let refused = Readings {
        deleted_posts: DeletedPosts::Refused,
        ..Readings::default()
    };
    let (status, body) = v1_answer(refused, NOW, &spec).await;
    assert_eq!(status, 400);
    assert_eq!(body["unavailable_tweet_ids"][0], deleted[0]);

    // favorites, replies and retweets read as zero before 2015-09-15 on historical.
    let then = datetime!(2015-10-01 12:00 UTC);
    let early = own_posts(then, |p| {
        p.state == PostState::Public && p.created_at < datetime!(2015-09-01 00:00 UTC)
    });
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids(early.iter().take(5).cloned())
        .metrics(["favorites", "impressions"])
        .grouping("g", ["engagement.type"])
        .window("2015-09-08", "2015-09-15");
    let (_, zeroed) = v1_answer(Readings::default(), then, &spec).await;
    let counted = Readings {
        zero_before_2015_09_15: false,
        ..Readings::default()
    };
    let (_, counts) = v1_answer(counted, then, &spec).await;
    let value = |v: &Value, m: &str| v["g"][m].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(value(&zeroed, "favorites"), 0);
    assert!(value(&counts, "favorites") > 0);
    assert_eq!(value(&zeroed, "impressions"), value(&counts, "impressions"));
}
