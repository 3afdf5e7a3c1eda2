//! The collector's decisions, driven by hand with a fake clock: what an answer means for the
//! job, and that every post asked about ends with values or a reason.

use std::time::Duration;

mod common;

use common::{NOW, id_aged_days as aged};
use xengage_core::collect::{Action, CollectOptions, Collector, Event, Summary};
use xengage_core::pace::{Failure, RetryPolicy};
use xengage_core::plan::{Plan, PlanOptions};
use xengage_core::response::{FailureKind, PostFailure, PostStatus};
use xengage_core::{Endpoint, Metric, PostId, Request, RequestSpec, ValidationOptions};

fn id(s: &str) -> PostId {
    s.parse().unwrap()
}

/// Runs `plan` to the end, answering each request with `answer`; returns the summary, the
/// events and the requests sent.
fn run(
    plan: Plan,
    mut answer: impl FnMut(&Request) -> (u16, String),
) -> (Summary, Vec<Event>, Vec<Request>) {
    let mut c = Collector::new(plan, CollectOptions::default());
    let mut headers = http::HeaderMap::new();
    headers.insert("x-per-minute-limit", "6000".parse().unwrap());
    headers.insert("x-per-minute-remaining", "5000".parse().unwrap());
    let (mut now, mut sent, mut events) = (Duration::ZERO, Vec::new(), Vec::new());
    for _ in 0..100 {
        match c.poll(now) {
            Action::Send(out) => {
                now += out.send_after + Duration::from_millis(5);
                let (status, body) = answer(&out.request);
                sent.push(out.request);
                c.on_answer(out.id, now, status, &headers, body.as_bytes(), 0.5);
            }
            Action::Wait(d) => now += d,
            Action::AwaitAnswer => now += Duration::from_millis(1),
            Action::Done => break,
        }
        while let Some(e) = c.next_event() {
            events.push(e);
        }
    }
    (c.finish(), events, sent)
}

/// A v1 answer with `count` for every post and metric of `request`.
/// The plan of `spec` at `NOW`, with default validation.
fn plan_of(spec: &RequestSpec, options: &PlanOptions) -> Plan {
    Plan::new(spec, NOW, &ValidationOptions::default(), options).unwrap()
}

fn served(request: &Request, count: u64) -> String {
    let posts: Vec<String> = request
        .post_ids()
        .iter()
        .map(|p| {
            let metrics: Vec<String> = request
                .metrics()
                .iter()
                .map(|m| format!(r#""{}":"{count}""#, m.v1_name().unwrap()))
                .collect();
            format!(r#""{}":{{{}}}"#, p.as_str(), metrics.join(","))
        })
        .collect();
    format!(r#"{{"g":{{{}}}}}"#, posts.join(","))
}

#[test]
fn a_post_refused_some_metrics_is_asked_again_for_the_rest() {
    // The API's 90-day cut-off can differ from the snowflake estimate: here the plan does not
    // separate by age, and the API refuses the whole batch for one old post.
    let (old, fresh) = (aged(100), aged(1));
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids([old.clone(), fresh.clone()])
        .metrics(["impressions", "favorites"])
        .grouping("g", ["tweet.id", "engagement.type"]);
    let options = PlanOptions::default().separate_by_age(false);
    let plan = plan_of(&spec, &options);
    let mut first = true;
    let (summary, events, sent) = run(plan, |request| {
        if std::mem::take(&mut first) {
            (
                400,
                format!(
                    r#"{{"errors":["Impressions & engagements for tweets older than 90 days (2026-08-24) are not supported"],"unsupported_for_impressions_engagements_tweet_ids":["{old}"]}}"#
                ),
            )
        } else {
            (200, served(request, 7))
        }
    });
    // The fresh post goes again as it was; the old one on its own, for favorites only.
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert_eq!(sent[1].post_ids(), &[id(&fresh)]);
    assert_eq!(sent[1].metrics(), &[Metric::Impressions, Metric::Favorites]);
    assert_eq!(sent[2].post_ids(), &[id(&old)]);
    assert_eq!(sent[2].metrics(), &[Metric::Favorites]);
    let narrowed = events
        .iter()
        .find_map(|e| match e {
            Event::BatchNarrowed {
                removed,
                asked_again,
                ..
            } => Some((removed.clone(), asked_again.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(narrowed, (vec![id(&old)], vec![id(&old)]));
    let ledger = &summary.ledger;
    assert_eq!(ledger.status(&id(&fresh)), Some(PostStatus::Served));
    assert_eq!(ledger.status(&id(&old)), Some(PostStatus::Partial));
    let entry = ledger.get(&id(&old)).unwrap();
    assert_eq!(entry.answers, 1);
    let refused: Vec<Metric> = entry.unsupported.iter().map(|u| u.metric).collect();
    assert_eq!(refused, [Metric::Impressions]);
    assert_eq!(summary.progress.requests_planned, 2);
    assert_eq!(summary.progress.requests_done, 2);
    assert_eq!(ledger.counts().pending, 0);
}

#[test]
fn a_post_refused_every_metric_asked_is_not_asked_again() {
    let old = aged(100);
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids([old.clone()])
        .metrics(["impressions", "engagements"]);
    let options = PlanOptions::default().separate_by_age(false);
    let plan = plan_of(&spec, &options);
    let (summary, _, sent) = run(plan, |_| {
        (
            400,
            format!(
                r#"{{"errors":["Impressions & engagements for tweets older than 90 days are not supported"],"unsupported_for_impressions_engagements_tweet_ids":["{old}"]}}"#
            ),
        )
    });
    assert_eq!(sent.len(), 1);
    assert_eq!(
        summary.ledger.status(&id(&old)),
        Some(PostStatus::Unsupported)
    );
    assert_eq!(summary.progress.requests_done, 1);
}

#[test]
fn an_answer_cut_short_is_a_broken_body_and_a_503_a_server_failure() {
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids([aged(1)])
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"]);
    let plan = plan_of(&spec, &PlanOptions::default());
    let mut answers = vec![
        (200, r#"{"g":{"19"#.to_owned()),
        (503, r#"{"errors":["Service Unavailable"]}"#.to_owned()),
    ]
    .into_iter();
    let (summary, events, _) = run(plan, |r| answers.next().unwrap_or((200, served(r, 1))));
    let failures: Vec<Failure> = events
        .iter()
        .filter_map(|e| match e {
            Event::Retrying { failure, .. } => Some(*failure),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [Failure::BrokenBody, Failure::Server]);
    assert_eq!(summary.ledger.counts().served, 1);
}

/// A batch refused with an error that names a post only as unsupported for a metric the batch
/// did not ask still ends with a reason for that post.
#[test]
fn every_post_of_a_refused_batch_ends_with_a_reason() {
    let (a, b) = (aged(1), aged(2));
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids([a.clone(), b.clone()])
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"]);
    let plan = plan_of(&spec, &PlanOptions::default());
    let body = format!(
        r#"{{"errors":["Invalid request"],"unsupported_for_video_views_tweet_ids":["{b}"]}}"#
    );
    let (summary, _, _) = run(plan, |_| (400, body.clone()));
    for id in [&a, &b] {
        let id: PostId = id.parse().unwrap();
        assert_eq!(
            summary.ledger.status(&id),
            Some(PostStatus::Failed),
            "post {id}: {:?}",
            summary.ledger.get(&id)
        );
    }
}

#[test]
fn a_429_says_in_its_retrying_event_how_long_the_quota_holds_the_retry() {
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids(["1990000000000000001"])
        .metrics(["favorites"]);
    let mut first = true;
    let (summary, events, sent) = run(plan_of(&spec, &PlanOptions::default()), |r| {
        if std::mem::take(&mut first) {
            (429, r#"{"title":"Too Many Requests"}"#.to_owned())
        } else {
            (200, served(r, 1))
        }
    });
    let window = CollectOptions::default().pacing.window;
    let after = events
        .iter()
        .find_map(|e| match e {
            Event::Retrying {
                failure: Failure::RateLimited,
                after,
                ..
            } => Some(*after),
            _ => None,
        })
        .expect("a retrying event");
    assert_eq!(
        after, window,
        "the wait for the quota's window, not the backoff"
    );
    assert_eq!(sent.len(), 2);
    assert_eq!(summary.progress.rate_limited, 1);
}

/// Failures in the ledger are typed: a 401 after the answer, a timeout without one, and a
/// cancelled job are told apart by kind and status, not by their words.
#[test]
fn ledger_failures_say_their_kind_and_status() {
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids([aged(1), aged(2)])
        .metrics(["favorites"])
        .grouping("g", ["tweet.id", "engagement.type"]);
    let plan_options = PlanOptions::default().batch_size(Some(1));
    let (a, b) = (id(&aged(1)), id(&aged(2)));

    // A 401.
    let (summary, _, _) = run(plan_of(&spec, &plan_options), |_| {
        (401, r#"{"errors":["Unauthorized"]}"#.to_owned())
    });
    let failure = &summary.ledger.get(&a).unwrap().failures[0];
    assert_eq!(
        (failure.kind, failure.status),
        (FailureKind::Api, Some(401))
    );
    assert_eq!(summary.ledger.status(&a), Some(PostStatus::Failed));

    // A timeout on the first request (after every retry); the second request never goes:
    // the job ends there, so its post is cancelled, not failed.
    let options = CollectOptions::default()
        .retry(RetryPolicy::default().max_retries(0))
        .max_in_flight(1);
    let mut c = Collector::new(plan_of(&spec, &plan_options), options);
    let Action::Send(out) = c.poll(Duration::ZERO) else {
        panic!("nothing to send")
    };
    c.on_failure(
        out.id,
        Duration::from_secs(30),
        Failure::Timeout,
        "no answer",
        0.5,
    );
    let summary = c.finish();
    let failure = &summary.ledger.get(&a).unwrap().failures[0];
    assert_eq!((failure.kind, failure.status), (FailureKind::Timeout, None));
    assert_eq!(summary.ledger.status(&a), Some(PostStatus::Failed));
    assert_eq!(summary.ledger.status(&b), Some(PostStatus::Cancelled));
    assert_eq!(
        summary.ledger.get(&b).unwrap().failures,
        [PostFailure::cancelled()]
    );
    let counts = summary.ledger.counts();
    assert_eq!((counts.failed, counts.cancelled), (1, 1));
    assert_eq!(counts.not_served(), 2);
}
