//! Property tests of the parser: random grouping trees read back into their rows, rows regroup
//! into the parsed tree, and batches or consecutive windows merged equal the single answer.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value};
use time::macros::datetime;
use time::{Date, Duration, OffsetDateTime};
use xengage_core::response::{
    Bucket, Key, Level, MergeError, ParseOptions, Row, merge, parse_response,
    parse_response_with_serde_json,
};
use xengage_core::window::format_time;
use xengage_core::{Dimension, Endpoint, Metric, PostId, Request, RequestSpec, ValidationOptions};

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);
const POSTS: [&str; 3] = ["1990000000000000001", "1990000000000000002", "17"];
const METRICS: [Metric; 3] = [Metric::Impressions, Metric::Favorites, Metric::UrlClicks];

/// Any grouping of a historical request, from the testing kit.
fn grouping() -> impl Strategy<Value = Vec<Dimension>> {
    xengage_core::testing::strategies::grouping_dimensions(Endpoint::Historical)
}

/// One count: post, metric, day (0..3 from 2026-11-01), hour, value, and whether it is sent as a
/// JSON number.
type Cell = (usize, usize, u8, u8, u64, bool);

fn key_of(dims: &[Dimension], c: &Cell) -> Vec<String> {
    let day = datetime!(2026-11-01 00:00 UTC).date() + Duration::days(i64::from(c.2));
    dims.iter()
        .map(|d| match d {
            Dimension::TweetId => POSTS[c.0].to_owned(),
            Dimension::EngagementType => METRICS[c.1].v1_name().unwrap().to_owned(),
            Dimension::EngagementDay => day.to_string(),
            Dimension::EngagementHour => format!("{:02}", c.3),
        })
        .collect()
}

fn insert(map: &mut Map<String, Value>, keys: &[String], leaf: Value) {
    match keys {
        [last] => {
            map.insert(last.clone(), leaf);
        }
        [first, rest @ ..] => {
            let child = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = child {
                insert(m, rest, leaf);
            }
        }
        [] => {}
    }
}

fn expected_row(dims: &[Dimension], c: &Cell) -> Row {
    let day: Date = datetime!(2026-11-01 00:00 UTC).date() + Duration::days(i64::from(c.2));
    let has = |d| dims.contains(&d);
    let bucket = match (
        has(Dimension::EngagementDay),
        has(Dimension::EngagementHour),
    ) {
        (true, true) => Bucket::Hour(day.with_hms(c.3, 0, 0).unwrap().assume_utc()),
        (true, false) => Bucket::Day(day),
        (false, true) => Bucket::HourOfDay(c.3),
        (false, false) => Bucket::Total,
    };
    let mut row = Row::new(bucket, c.4);
    if has(Dimension::TweetId) {
        row = row.with_post_id(POSTS[c.0].parse().unwrap());
    }
    if has(Dimension::EngagementType) {
        row = row.with_metric(METRICS[c.1]);
    }
    row
}

fn sort(rows: &mut [Row]) {
    rows.sort_by_key(|r| (r.post_id, r.metric.map(Metric::name), r.bucket));
}

proptest! {
    #[test]
    fn grouping_trees_read_back_into_their_rows_and_regroup_into_the_tree(
        dims in grouping(),
        cells in proptest::collection::vec((0usize..3, 0usize..3, 0u8..3, 0u8..24, any::<u64>(), any::<bool>()), 1..60),
    ) {
        let request = RequestSpec::new(Endpoint::Historical)
            .post_ids(POSTS)
            .metrics(METRICS.map(Metric::name))
            .grouping("g", dims.iter().map(|d| d.name()))
            .window("2026-11-01", "2026-11-04")
            .validate(NOW, &ValidationOptions::default())
            .unwrap();
        let mut tree = Map::new();
        let mut seen = std::collections::HashSet::new();
        let mut expected = Vec::new();
        for c in &cells {
            let key = key_of(&dims, c);
            if !seen.insert(key.clone()) {
                continue;
            }
            let leaf = if c.5 && c.4 <= 1 << 53 { Value::from(c.4) } else { Value::String(c.4.to_string()) };
            insert(&mut tree, &key, leaf);
            expected.push(expected_row(&dims, c));
        }
        let mut top = Map::new();
        top.insert("g".into(), Value::Object(tree));
        let body = serde_json::to_vec(&Value::Object(top)).unwrap();
        let outcome = parse_response(&request, 200, &http::HeaderMap::new(), &body, &ParseOptions::default()).unwrap();
        // The other JSON reader (serde_json, when the `sonic` feature makes sonic-rs the default) reads the same.
        let other = parse_response_with_serde_json(&request, 200, &http::HeaderMap::new(), &body, &ParseOptions::default());
        prop_assert_eq!(other.as_ref(), Ok(&outcome));
        let mut rows = outcome.groupings[0].rows.clone();
        sort(&mut rows);
        sort(&mut expected);
        prop_assert_eq!(&rows, &expected);
        // Rows regroup into the parsed tree: each row's keys lead to its count.
        let g = &outcome.groupings[0];
        let levels: Vec<Level> = g.tree_levels();
        let tree = g.tree();
        for r in &rows {
            let path: Vec<Key> = levels.iter().filter_map(|l| match (l, r.bucket) {
                (Level::Post, _) => r.post_id.map(Key::Post),
                (Level::Metric, _) => r.metric.map(Key::Metric),
                (Level::Day, Bucket::Day(d)) => Some(Key::Day(d)),
                (Level::Day, Bucket::Hour(t)) => Some(Key::Day(t.date())),
                (Level::Hour, Bucket::Hour(t)) => Some(Key::Hour(t.hour())),
                (Level::Hour, Bucket::HourOfDay(h)) => Some(Key::Hour(h)),
                _ => None,
            }).collect();
            prop_assert_eq!(tree.count(&path), Some(r.value));
        }
    }
}

/// Ground truth for the merge property: a count per post, metric and hour.
fn count(post: usize, metric: usize, hour: i64) -> u64 {
    let x = ((post as u64 + 1) * 1_000_003)
        ^ ((metric as u64 + 7) * 7919)
        ^ (hour.unsigned_abs() * 104_729);
    x % 17
}

const START: OffsetDateTime = datetime!(2026-11-01 00:00 UTC);
const HOURS: i64 = 24 * 7;

/// The daily answer for `posts` over hours `[from, to)` of the week, and its request.
fn daily_answer(posts: &[usize], from: i64, to: i64) -> (Request, Vec<u8>) {
    let ids: Vec<&str> = posts.iter().map(|&p| POSTS[p]).collect();
    let request = RequestSpec::new(Endpoint::Historical)
        .post_ids(ids)
        .metrics(["impressions", "favorites"])
        .grouping("daily", ["tweet.id", "engagement.type", "engagement.day"])
        .window(
            format_time(START + Duration::hours(from)),
            format_time(START + Duration::hours(to)),
        )
        .validate(NOW, &ValidationOptions::default())
        .unwrap();
    let mut per: BTreeMap<(usize, usize, Date), u64> = BTreeMap::new();
    for &p in posts {
        for m in 0..2 {
            for h in from..to {
                *per.entry((p, m, (START + Duration::hours(h)).date()))
                    .or_default() += count(p, m, h);
            }
        }
    }
    let mut tree = Map::new();
    for ((p, m, d), v) in per {
        insert(
            &mut tree,
            &[
                POSTS[p].to_owned(),
                METRICS[m].v1_name().unwrap().to_owned(),
                d.to_string(),
            ],
            Value::String(v.to_string()),
        );
    }
    let mut top = Map::new();
    top.insert(
        "start".into(),
        Value::String(format_time(START + Duration::hours(from))),
    );
    top.insert(
        "end".into(),
        Value::String(format_time(START + Duration::hours(to))),
    );
    top.insert("daily".into(), Value::Object(tree));
    (request, serde_json::to_vec(&Value::Object(top)).unwrap())
}

fn parsed(posts: &[usize], from: i64, to: i64) -> xengage_core::response::Outcome {
    let (request, body) = daily_answer(posts, from, to);
    parse_response(
        &request,
        200,
        &http::HeaderMap::new(),
        &body,
        &ParseOptions::default(),
    )
    .unwrap()
}

proptest! {
    #[test]
    fn batches_and_consecutive_windows_merge_into_the_single_answer(
        cuts in proptest::collection::btree_set(1i64..HOURS, 0..6),
        batch_of in proptest::collection::vec(0usize..3, 3),
    ) {
        let single = parsed(&[0, 1, 2], 0, HOURS);
        let mut bounds: Vec<i64> = vec![0];
        bounds.extend(cuts.iter().copied());
        bounds.push(HOURS);
        let mut parts = Vec::new();
        for batch in 0..3 {
            let posts: Vec<usize> = (0..3).filter(|&p| batch_of[p] == batch).collect();
            if posts.is_empty() { continue; }
            for w in bounds.windows(2) {
                parts.push(parsed(&posts, w[0], w[1]));
            }
        }
        let merged = merge(parts).unwrap();
        let mut a = single.groupings[0].rows.clone();
        let mut b = merged.groupings[0].rows.clone();
        sort(&mut a);
        sort(&mut b);
        prop_assert_eq!(a, b);
        for id in POSTS {
            let id: PostId = id.parse().unwrap();
            prop_assert_eq!(merged.ledger.get(&id).map(|e| e.answers as usize), Some(bounds.len() - 1));
        }
    }
}

#[test]
fn overlapping_answers_do_not_merge() {
    let a = parsed(&[0, 1], 0, 48);
    let b = parsed(&[1, 2], 24, 72);
    match merge([a.clone(), b]) {
        Err(MergeError::Overlap { post_id, .. }) => assert_eq!(post_id.as_str(), POSTS[1]),
        other => panic!("{other:?}"),
    }
    // Both posts overlap: the error names the lower id, on every run.
    for _ in 0..20 {
        match merge([a.clone(), a.clone()]) {
            Err(MergeError::Overlap { post_id, .. }) => assert_eq!(post_id.as_str(), POSTS[0]),
            other => panic!("{other:?}"),
        }
    }
    let disjoint = parsed(&[2], 0, 48);
    assert!(merge([parsed(&[0, 1], 0, 48), disjoint]).is_ok());
}
