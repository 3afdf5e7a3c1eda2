//! Resuming from a checkpoint: for any plan and any prefix of its answers (a job stopped after
//! any answer, its last record maybe cut), the resumed job sends only what was not answered and
//! ends with the same rows and ledger as one uninterrupted run; and a checkpoint that is not
//! this job's, or is damaged, is refused whole.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

mod common;

use common::{NOW, id_aged_days};
use proptest::prelude::*;
use xengage_core::checkpoint::{Account, Checkpoint, CheckpointError};
use xengage_core::collect::{Action, CollectOptions, Collector, Event};
use xengage_core::plan::{Plan, PlanOptions};
use xengage_core::response::{Ledger, Outcome, merge};
use xengage_core::{Endpoint, Request, RequestSpec, ValidationOptions};

/// How the fake API answers: posts it refuses by name, posts it says are deleted, and requests
/// it refuses whole (holding a post of `broken`).
#[derive(Debug, Clone)]
struct World {
    forbidden: HashSet<String>,
    unavailable: HashSet<String>,
    broken: HashSet<String>,
}

impl World {
    fn answer(&self, request: &Request) -> (u16, String) {
        let ids: Vec<&str> = request
            .post_ids()
            .iter()
            .map(xengage_core::PostId::as_str)
            .collect();
        if ids.iter().any(|id| self.broken.contains(*id)) {
            return (400, r#"{"errors":["the request is malformed"]}"#.to_owned());
        }
        let forbidden: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| self.forbidden.contains(*id))
            .collect();
        if !forbidden.is_empty() {
            let body = format!(
                r#"{{"errors":["Forbidden to access tweets: {}"]}}"#,
                forbidden.join(", ")
            );
            return (403, body);
        }
        let window = request.window().map_or(0, |w| w.start().unix_timestamp());
        let mut unavailable = Vec::new();
        let mut posts = Vec::new();
        for id in &ids {
            if self.unavailable.contains(*id) {
                unavailable.push(format!("\"{id}\""));
                continue;
            }
            let metrics: Vec<String> = request
                .metrics()
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let n = id.len() * 7 + i + usize::try_from(window % 1000).unwrap();
                    format!(r#""{}":"{n}""#, m.v1_name().unwrap())
                })
                .collect();
            posts.push(format!(r#""{id}":{{{}}}"#, metrics.join(",")));
        }
        let body = format!(
            r#"{{"unavailable_tweet_ids":[{}],"g":{{{}}}}}"#,
            unavailable.join(","),
            posts.join(",")
        );
        (200, body)
    }
}

/// What a run handed out.
#[derive(Default)]
struct Run {
    outcomes: Vec<Outcome>,
    records: Vec<Vec<u8>>,
    sent: Vec<Request>,
    ledger: Ledger,
}

/// Runs `collector` to its end against `world`, `in_flight` answers held back at a time so
/// answers come out of order.
fn run(mut c: Collector, world: &World, in_flight: usize) -> Run {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-per-minute-limit", "6000".parse().unwrap());
    headers.insert("x-per-minute-remaining", "5000".parse().unwrap());
    let mut out = Run::default();
    let mut now = Duration::ZERO;
    let mut waiting = Vec::new();
    let drain = |c: &mut Collector, out: &mut Run| {
        while let Some(e) = c.next_event() {
            match e {
                Event::BatchDone { outcome, .. } => out.outcomes.push(*outcome),
                Event::Save { record, .. } => out.records.push(record),
                _ => {}
            }
        }
    };
    for _ in 0..10_000 {
        let action = c.poll(now);
        match action {
            Action::Send(o) => {
                now += o.send_after;
                out.sent.push(o.request.clone());
                waiting.push(o);
                if waiting.len() < in_flight {
                    drain(&mut c, &mut out);
                    continue;
                }
            }
            Action::Wait(d) => now += d,
            Action::AwaitAnswer => {}
            Action::Done => {
                drain(&mut c, &mut out);
                break;
            }
        }
        // Answer the newest first: out of order.
        if let Some(o) = waiting.pop() {
            now += Duration::from_millis(3);
            let (status, body) = world.answer(&o.request);
            c.on_answer(o.id, now, status, &headers, body.as_bytes(), 0.5);
        }
        drain(&mut c, &mut out);
    }
    out.ledger = c.finish().ledger;
    out
}

/// The rows of `outcomes`, merged, in a fixed order.
fn rows(outcomes: Vec<Outcome>) -> Vec<String> {
    if outcomes.is_empty() {
        return Vec::new();
    }
    let merged = merge(outcomes).unwrap();
    let mut rows: Vec<String> = merged
        .results()
        .flat_map(|g| g.rows.iter().map(move |r| format!("{} {r:?}", g.name)))
        .collect();
    rows.sort();
    rows
}

/// The ledger with the order of each post's reasons left out (answers arrive in any order).
fn ledger(ledger: &Ledger) -> Vec<String> {
    ledger
        .iter()
        .map(|(id, e)| {
            let unsupported: BTreeSet<String> =
                e.unsupported.iter().map(|u| format!("{u:?}")).collect();
            let failures: BTreeSet<String> = e.failures.iter().map(|f| format!("{f:?}")).collect();
            let missing: BTreeSet<&String> = e.missing_from.iter().collect();
            format!(
                "{id} {:?} answers={} unavailable={} forbidden={} {unsupported:?} {failures:?} {missing:?}",
                e.status(),
                e.answers,
                e.unavailable,
                e.forbidden
            )
        })
        .collect()
}

fn plan(endpoint: Endpoint, ids: &[String], batch: usize) -> Plan {
    let mut spec = RequestSpec::new(endpoint)
        .post_ids(ids)
        .metrics(["favorites", "retweets"])
        .grouping("g", ["tweet.id", "engagement.type"]);
    if endpoint == Endpoint::Historical {
        spec = spec.window("2026-08-01", "2026-11-10");
    }
    let options = PlanOptions::default().batch_size(Some(batch));
    Plan::new(&spec, NOW, &ValidationOptions::default(), &options).unwrap()
}

fn options(in_flight: usize) -> CollectOptions {
    CollectOptions::default().max_in_flight(in_flight)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn resuming_after_any_prefix_of_answers_equals_one_run(
        kinds in proptest::collection::vec(0u8..12, 1..40),
        batch in 1usize..8,
        in_flight in 1usize..4,
        historical in any::<bool>(),
        cut in 0usize..=1000,
        torn in any::<bool>(),
    ) {
        let ids: Vec<String> = (0..kinds.len()).map(|i| {
            // Distinct fresh ids.
            (id_aged_days(3).parse::<u64>().unwrap() + i as u64).to_string()
        }).collect();
        let pick = |k: u8| ids.iter().zip(&kinds).filter(|(_, x)| **x == k).map(|(id, _)| id.clone()).collect();
        let world = World { forbidden: pick(1), unavailable: pick(2), broken: pick(3) };
        let endpoint = if historical { Endpoint::Historical } else { Endpoint::Totals };
        let account = Account::unknown();

        let one = run(Collector::new(plan(endpoint, &ids, batch), options(in_flight)), &world, in_flight);

        let (saving, header) = Collector::saving(plan(endpoint, &ids, batch), options(in_flight), &account);
        let first = run(saving, &world, in_flight);
        // A stop after `k` records, maybe inside the next one.
        let k = first.records.len() * cut / 1000;
        let mut bytes = header;
        for r in &first.records[..k] {
            bytes.extend_from_slice(r);
        }
        let whole = bytes.len();
        match first.records.get(k) {
            Some(next) if torn => bytes.extend_from_slice(&next[..next.len() / 2]),
            _ => {}
        }
        let checkpoint = Checkpoint::read(&bytes).unwrap();
        prop_assert_eq!(checkpoint.answers(), k);
        prop_assert_eq!(checkpoint.valid_len(), whole);

        let resumed = Collector::resume(plan(endpoint, &ids, batch), options(in_flight), checkpoint, &account).unwrap();
        let second = run(resumed, &world, in_flight);

        prop_assert_eq!(rows(second.outcomes), rows(one.outcomes));
        prop_assert_eq!(ledger(&second.ledger), ledger(&one.ledger));
        // Nothing answered before the stop is sent again, and everything else is.
        prop_assert_eq!(second.sent.len() + k, first.sent.len());
        prop_assert_eq!(second.records.len() + k, first.records.len());
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| (id_aged_days(3).parse::<u64>().unwrap() + i as u64).to_string())
        .collect()
}

/// A checkpoint of the first `k` answers of a totals job of `n` posts in batches of 2.
fn checkpoint_of(n: usize, k: usize) -> Vec<u8> {
    let world = World {
        forbidden: HashSet::new(),
        unavailable: HashSet::new(),
        broken: HashSet::new(),
    };
    let (c, mut bytes) = Collector::saving(
        plan(Endpoint::Totals, &ids(n), 2),
        options(1),
        &Account::unknown(),
    );
    for r in run(c, &world, 1).records.iter().take(k) {
        bytes.extend_from_slice(r);
    }
    bytes
}

#[test]
fn a_checkpoint_of_another_job_is_refused_naming_what_differs() {
    let bytes = checkpoint_of(6, 2);
    let checkpoint = Checkpoint::read(&bytes).unwrap();
    let mut other = ids(6);
    other[5] = (other[5].parse::<u64>().unwrap() + 100).to_string();
    let err = Collector::resume(
        plan(Endpoint::Totals, &other, 2),
        options(1),
        checkpoint.clone(),
        &Account::unknown(),
    )
    .unwrap_err();
    let CheckpointError::OtherJob { differences } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(differences.len(), 1, "{err}");
    assert_eq!(differences[0].what, "post ids");
    assert!(err.to_string().contains(&other[5]), "{err}");
    // Another batch size: the same ids, other requests.
    let err = Collector::resume(
        plan(Endpoint::Totals, &ids(6), 3),
        options(1),
        checkpoint.clone(),
        &Account::unknown(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("requests planned"), "{err}");
    // Other credentials.
    let app = xengage_core::auth::Credentials::AppOnly {
        bearer_token: xengage_core::auth::Secret::new("token-value"),
    };
    let err = Collector::resume(
        plan(Endpoint::Totals, &ids(6), 2),
        options(1),
        checkpoint.clone(),
        &Account::of(&app),
    )
    .unwrap_err();
    assert!(err.to_string().contains("credentials' account"), "{err}");
    assert!(!err.to_string().contains("token-value"), "{err}");
}

#[test]
fn damage_before_the_last_record_is_refused_and_a_cut_last_record_is_not() {
    let bytes = checkpoint_of(6, 3);
    let whole = Checkpoint::read(&bytes).unwrap();
    assert_eq!(whole.answers(), 3);
    // A byte changed in the middle of the first record.
    let first_record = Checkpoint::read(&checkpoint_of(6, 0)).unwrap().valid_len();
    let mut damaged = bytes.clone();
    damaged[first_record + 20] ^= 0x20;
    let err = Checkpoint::read(&damaged).unwrap_err();
    assert!(
        matches!(err, CheckpointError::Damaged { frame: 1, .. }),
        "{err:?}"
    );
    // The same change in the last record: a cut record, dropped.
    let mut garbled_last = bytes.clone();
    let at = bytes.len() - 5;
    garbled_last[at] ^= 0x20;
    assert_eq!(Checkpoint::read(&garbled_last).unwrap().answers(), 2);
    // Cut anywhere inside the last record.
    for cut in 1..40 {
        let c = Checkpoint::read(&bytes[..bytes.len() - cut]).unwrap();
        assert_eq!(c.answers(), 2);
    }
}

#[test]
fn what_is_not_a_checkpoint_is_refused_each_with_its_own_error() {
    let bytes = checkpoint_of(2, 1);
    assert_eq!(
        Checkpoint::read(b"post_id,metric\n1,2\n").unwrap_err(),
        CheckpointError::NotACheckpoint
    );
    assert_eq!(
        Checkpoint::read(b"").unwrap_err(),
        CheckpointError::MissingHeader
    );
    // Cut inside the header.
    assert_eq!(
        Checkpoint::read(&bytes[..30]).unwrap_err(),
        CheckpointError::MissingHeader
    );
    let mut v2 = b"xengage-checkpoint 2\n".to_vec();
    v2.extend_from_slice(&bytes[21..]);
    let err = Checkpoint::read(&v2).unwrap_err();
    assert!(
        matches!(&err, CheckpointError::OtherVersion { found, supported: 1 } if found == "2"),
        "{err:?}"
    );
    // Every error says what to do.
    for err in [
        CheckpointError::NotACheckpoint,
        CheckpointError::MissingHeader,
        err,
    ] {
        let text = err.to_string();
        assert!(text.contains("start"), "{text}");
    }
}

#[test]
fn a_checkpoint_holds_no_secret() {
    let credentials =
        xengage_core::auth::Credentials::OAuth1User(xengage_core::auth::OAuth1Credentials::new(
            "app-key",
            xengage_core::auth::Secret::new("consumer-secret-value"),
            "42-access",
            xengage_core::auth::Secret::new("token-secret-value"),
        ));
    let account = Account::of(&credentials);
    let (_, header) = Collector::saving(plan(Endpoint::Totals, &ids(3), 2), options(1), &account);
    let text = String::from_utf8_lossy(&header);
    assert!(!text.contains("secret-value"), "{text}");
    assert!(
        text.contains("\"42\"") && text.contains("app-key"),
        "{text}"
    );
    // A renewed token of the same user is the same account.
    let renewed =
        xengage_core::auth::Credentials::OAuth1User(xengage_core::auth::OAuth1Credentials::new(
            "app-key",
            xengage_core::auth::Secret::new("other"),
            "42-renewed",
            xengage_core::auth::Secret::new("other"),
        ));
    assert_eq!(Account::of(&renewed), account);
}

#[test]
fn a_401_stops_the_job_at_once_and_its_checkpoint_resumes_it() {
    let n = 10;
    let (mut c, mut bytes) = Collector::saving(
        plan(Endpoint::Totals, &ids(n), 2),
        options(1),
        &Account::unknown(),
    );
    let world = World {
        forbidden: HashSet::new(),
        unavailable: HashSet::new(),
        broken: HashSet::new(),
    };
    let headers = http::HeaderMap::new();
    let mut sent = 0;
    let mut stopped = false;
    let mut now = Duration::ZERO;
    loop {
        match c.poll(now) {
            Action::Send(o) => {
                sent += 1;
                now += o.send_after + Duration::from_millis(1);
                // Two answers, then the token is revoked.
                let (status, body) = if sent <= 2 {
                    world.answer(&o.request)
                } else {
                    (
                        401,
                        r#"{"errors":["Your account could not be authenticated."]}"#.into(),
                    )
                };
                c.on_answer(o.id, now, status, &headers, body.as_bytes(), 0.5);
            }
            Action::Done => break,
            _ => now += Duration::from_millis(1),
        }
        while let Some(e) = c.next_event() {
            match e {
                Event::Save { record, .. } => bytes.extend_from_slice(&record),
                Event::Stopped { .. } => stopped = true,
                _ => {}
            }
        }
    }
    assert!(stopped);
    assert_eq!(sent, 3, "no request after the 401");
    let summary = c.finish();
    assert_eq!(summary.ledger.counts().served, 4);
    // The refused request's posts failed with the 401; the rest were never asked.
    assert_eq!(summary.ledger.counts().failed, 2);
    assert_eq!(summary.ledger.counts().cancelled, n - 6);
    assert!(
        summary.ledger.failure_messages()[1].contains("stopped"),
        "{:?}",
        summary.ledger.failure_messages()
    );
    let checkpoint = Checkpoint::read(&bytes).unwrap();
    assert_eq!(checkpoint.answers(), 2);
    let resumed = Collector::resume(
        plan(Endpoint::Totals, &ids(n), 2),
        options(1),
        checkpoint.clone(),
        &Account::unknown(),
    )
    .unwrap();
    let rest = run(resumed, &world, 1);
    assert_eq!(rest.sent.len(), n / 2 - 2);
    assert_eq!(rest.ledger.counts().served, n);
}
