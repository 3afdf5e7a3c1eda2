//! `cargo xtask bench parse`: parses a 4-level hourly answer (25 posts x 17 metrics x 28 days x
//! 24 hours, 285,600 counts) into rows, and in the same run the two baselines: a
//! `serde_json::Value` tree plus a plain walk to the same rows, and `serde::de::IgnoredAny`
//! (the cost of reading the bytes at all). Prints throughputs and ratios. Then a post analytics
//! answer of the same size (25 posts x 20 metrics x 672 hourly buckets, spec 2.167 with
//! top-level totals): its parse time against the `IgnoredAny` scan of its bytes.
#![allow(clippy::disallowed_methods, clippy::cast_precision_loss)] // a benchmark reads the clock and prints ratios

use std::time::Instant;

use serde_json::{Map, Value};
use time::macros::datetime;
use time::{Date, Duration as TimeDuration};
use xengage_core::response::{ParseOptions, parse_response};
use xengage_core::{Endpoint, Metric, RequestSpec, ValidationOptions};

const POSTS: u64 = 25;
const DAYS: i64 = 28;

fn metrics() -> Vec<Metric> {
    Metric::all()
        .filter(|m| m.available_on(Endpoint::Historical))
        .take(18)
        .collect()
}

fn answer(ids: &[String], metrics: &[Metric], start: Date) -> Vec<u8> {
    let mut grouping = Map::new();
    let mut n = 0u64;
    for id in ids {
        let mut by_metric = Map::new();
        for m in metrics {
            let mut by_day = Map::new();
            for d in 0..DAYS {
                let mut by_hour = Map::new();
                for h in 0..24 {
                    n = n
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let v = (n >> 33) % 5000;
                    // Most counts are strings, some numbers, as the API sends them.
                    let leaf = if v % 7 == 0 {
                        Value::from(v)
                    } else {
                        Value::String(v.to_string())
                    };
                    by_hour.insert(format!("{h:02}"), leaf);
                }
                by_day.insert(
                    (start + TimeDuration::days(d)).to_string(),
                    Value::Object(by_hour),
                );
            }
            by_metric.insert(
                m.v1_name().unwrap_or(m.name()).to_owned(),
                Value::Object(by_day),
            );
        }
        grouping.insert(id.clone(), Value::Object(by_metric));
    }
    let mut top = Map::new();
    top.insert("start".into(), Value::String(format!("{start}T00:00:00Z")));
    top.insert(
        "end".into(),
        Value::String(format!("{}T00:00:00Z", start + TimeDuration::days(DAYS))),
    );
    top.insert("hourly".into(), Value::Object(grouping));
    serde_json::to_vec(&Value::Object(top)).unwrap()
}

/// The baseline walk: a `Value` tree to the same rows (post, metric, day, hour, count).
fn value_walk(body: &[u8]) -> usize {
    let v: Value = serde_json::from_slice(body).unwrap();
    let mut rows: Vec<(String, Metric, Date, u8, u64)> = Vec::new();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    for (id, metrics) in v["hourly"].as_object().unwrap() {
        for (m, days) in metrics.as_object().unwrap() {
            let metric = Metric::parse(m).unwrap();
            for (d, hours) in days.as_object().unwrap() {
                let day = Date::parse(d, fmt).unwrap();
                for (h, leaf) in hours.as_object().unwrap() {
                    let value = match leaf {
                        Value::String(s) => s.parse().unwrap(),
                        other => other.as_u64().unwrap(),
                    };
                    rows.push((id.clone(), metric, day, h.parse().unwrap(), value));
                }
            }
        }
    }
    rows.len()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Times the three readers in turns, one run of each per round, so that a slow spell of a shared
/// machine slows all three alike: the ratios are the medians of each round's ratios.
struct Rounds {
    ours: Vec<f64>,
    walk: Vec<f64>,
    scan: Vec<f64>,
}

fn time_one(f: &mut dyn FnMut() -> usize) -> (f64, usize) {
    let t = Instant::now();
    let out = std::hint::black_box(f());
    (t.elapsed().as_secs_f64(), out)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let start = datetime!(2026-10-01 00:00 UTC).date();
    let ids: Vec<String> = (0..POSTS)
        .map(|i| (1_990_000_000_000_000_000 + i).to_string())
        .collect();
    let metrics = metrics();
    let request = RequestSpec::new(Endpoint::Historical)
        .post_ids(ids.clone())
        .metrics(metrics.iter().map(|m| m.name()))
        .grouping(
            "hourly",
            [
                "tweet.id",
                "engagement.type",
                "engagement.day",
                "engagement.hour",
            ],
        )
        .window("2026-10-01", "2026-10-29")
        .validate(
            datetime!(2026-11-22 12:00 UTC),
            &ValidationOptions::default(),
        )
        .unwrap();
    let body = answer(&ids, &metrics, start);
    // `--write DIR`: the answer and its request for `cargo xtask bench wasm`, nothing timed.
    if std::env::args().nth(1).as_deref() == Some("--write") {
        let dir = std::path::PathBuf::from(std::env::args().nth(2).expect("--write DIR"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hourly.json"), &body).unwrap();
        let spec = serde_json::json!({
            "endpoint": "historical",
            "postIds": ids,
            "metrics": metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
            "groupings": [{"name": "hourly", "groupBy": ["tweet.id", "engagement.type", "engagement.day", "engagement.hour"]}],
            "start": "2026-10-01",
            "end": "2026-10-29",
        });
        std::fs::write(dir.join("spec.json"), spec.to_string()).unwrap();
        println!("wrote {} bytes of answer to {}", body.len(), dir.display());
        return;
    }
    let headers = http::HeaderMap::new();
    let options = ParseOptions::default();
    let mut rounds = Rounds {
        ours: Vec::new(),
        walk: Vec::new(),
        scan: Vec::new(),
    };
    let (mut rows, mut walked) = (0, 0);
    // One round more than counted: the first warms up.
    for round in 0..=runs {
        let ours;
        let walk;
        (ours, rows) = time_one(&mut || {
            parse_response(&request, 200, &headers, &body, &options)
                .unwrap()
                .row_count()
        });
        (walk, walked) = time_one(&mut || {
            let n = value_walk(&body);
            // The walk freed a million small nodes, and glibc defers part of that work (merging
            // the freed chunks) to the next large allocation, which would be ours in the next
            // round (about 15 ms of it). One such allocation here makes the walk pay for itself.
            drop(std::hint::black_box(Vec::<u8>::with_capacity(64 << 10)));
            n
        });
        let (scan, _) = time_one(&mut || {
            serde_json::from_slice::<serde::de::IgnoredAny>(&body).unwrap();
            0
        });
        if round == 0 {
            continue;
        }
        rounds.ours.push(ours);
        rounds.walk.push(walk);
        rounds.scan.push(scan);
    }
    assert_eq!(rows, walked, "both paths give every count");
    let mb = body.len() as f64 / 1e6;
    let ratio = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(x, y)| x / y).collect());
    let ours_scan = ratio(&rounds.ours, &rounds.scan);
    let walk_ours = ratio(&rounds.walk, &rounds.ours);
    println!(
        "answer: {:.1} MB, {rows} counts ({POSTS} posts x {} metrics x {DAYS} days x 24 hours); {runs} rounds, medians",
        mb,
        metrics.len()
    );
    let reader = if cfg!(feature = "sonic") {
        "sonic-rs"
    } else {
        "serde_json"
    };
    for (name, times) in [
        (
            format!("xengage parse_response -> rows ({reader})"),
            &rounds.ours,
        ),
        ("serde_json Value + walk -> rows".to_owned(), &rounds.walk),
        ("serde_json IgnoredAny (scan)".to_owned(), &rounds.scan),
    ] {
        let t = median(times.clone());
        println!("  {name:<44} {:>8.1} ms  {:>7.1} MB/s", t * 1e3, mb / t);
    }
    println!(
        "ratios (median of each round's): ours / IgnoredAny = {ours_scan:.2}x (target <= 2), Value+walk / ours = {walk_ours:.2}x (target >= 2)"
    );
    analytics(runs, reader);
}

/// A spec 2.167 post analytics answer: `ids` x the 20 metrics x `DAYS` x 24 hourly buckets,
/// each item with its totals as top-level fields.
fn analytics_answer(ids: &[String], metrics: &[Metric]) -> Vec<u8> {
    let start = datetime!(2026-10-01 00:00 UTC);
    let mut n = 0u64;
    let mut data = Vec::new();
    for id in ids {
        let mut item = Map::new();
        item.insert("id".into(), Value::String(id.clone()));
        let mut totals = vec![0u64; metrics.len()];
        let mut buckets = Vec::new();
        for h in 0..DAYS * 24 {
            let mut values = Map::new();
            for (i, m) in metrics.iter().enumerate() {
                n = n
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let v = (n >> 33) % 5000;
                totals[i] += v;
                let name = m.name_on(Endpoint::Analytics).unwrap_or(m.name());
                values.insert(name.to_owned(), Value::from(v));
            }
            let t = start + TimeDuration::hours(h);
            let mut bucket = Map::new();
            bucket.insert(
                "timestamp".into(),
                Value::String(xengage_core::window::format_time(t)),
            );
            bucket.insert("metrics".into(), Value::Object(values));
            buckets.push(Value::Object(bucket));
        }
        for (m, total) in metrics.iter().zip(totals) {
            let name = m.name_on(Endpoint::Analytics).unwrap_or(m.name());
            item.insert(name.to_owned(), Value::from(total));
        }
        item.insert(
            "timestamp".into(),
            Value::String(xengage_core::window::format_time(start)),
        );
        item.insert("timestamped_metrics".into(), Value::Array(buckets));
        data.push(Value::Object(item));
    }
    let mut top = Map::new();
    top.insert("data".into(), Value::Array(data));
    serde_json::to_vec(&Value::Object(top)).unwrap()
}

fn analytics(runs: usize, reader: &str) {
    let ids: Vec<String> = (0..POSTS)
        .map(|i| (1_990_000_000_000_000_000 + i).to_string())
        .collect();
    let metrics: Vec<Metric> = Metric::all()
        .filter(|m| m.available_on(Endpoint::Analytics))
        .collect();
    let request = RequestSpec::new(Endpoint::Analytics)
        .post_ids(ids.clone())
        .metrics(metrics.iter().map(|m| m.name()))
        .granularity("hourly")
        .window("2026-10-01", "2026-10-29")
        .validate(
            datetime!(2026-11-22 12:00 UTC),
            &ValidationOptions::default(),
        )
        .unwrap();
    let body = analytics_answer(&ids, &metrics);
    let headers = http::HeaderMap::new();
    let options = ParseOptions::default();
    let (mut ours, mut scan, mut tree) = (Vec::new(), Vec::new(), Vec::new());
    let mut rows = 0;
    for round in 0..=runs {
        let (v, _) = time_one(&mut || {
            let v: Value = serde_json::from_slice(&body).unwrap();
            usize::from(v.is_object())
        });
        let (t, n) = time_one(&mut || {
            parse_response(&request, 200, &headers, &body, &options)
                .unwrap()
                .row_count()
        });
        let (s, _) = time_one(&mut || {
            serde_json::from_slice::<serde::de::IgnoredAny>(&body).unwrap();
            0
        });
        rows = n;
        if round > 0 {
            ours.push(t);
            scan.push(s);
            tree.push(v);
        }
    }
    let mb = body.len() as f64 / 1e6;
    let ratio = median(ours.iter().zip(&scan).map(|(x, y)| x / y).collect());
    println!(
        "analytics answer: {mb:.1} MB, {rows} counts ({POSTS} posts x {} metrics x {} hourly buckets, totals apart); {runs} rounds, medians",
        metrics.len(),
        DAYS * 24
    );
    for (name, times) in [
        (format!("xengage parse_response -> rows ({reader})"), &ours),
        ("serde_json Value (tree only, no rows)".to_owned(), &tree),
        ("serde_json IgnoredAny (scan)".to_owned(), &scan),
    ] {
        let t = median(times.clone());
        println!("  {name:<44} {:>8.1} ms  {:>7.1} MB/s", t * 1e3, mb / t);
    }
    println!("ratio (median of each round's): ours / IgnoredAny = {ratio:.2}x");
}
