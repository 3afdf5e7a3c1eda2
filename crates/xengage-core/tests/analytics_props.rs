//! Property tests of post and media analytics answers: random spec 2.167 bodies (random
//! buckets, null buckets, null values, strings of digits and other strings, unknown metric names)
//! parse without panicking, into exactly the rows a model of the documented reading expects;
//! the rows regroup into the result's tree; totals never mix with the series.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use xengage_core::response::{Bucket, Node, ParseOptions, Row, parse_response};
use xengage_core::{Endpoint, MediaKey, Metric, PostId, RequestSpec, ValidationOptions};

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);
const START: OffsetDateTime = datetime!(2026-11-21 00:00 UTC);
const POSTS: [&str; 3] = [
    "1992000000000000001",
    "1992000000000000002",
    "1992000000000000003",
];
const MEDIA: [&str; 3] = [
    "3_1992000000000000001",
    "13_1992000000000000002",
    "7_1992000000000000003",
];
const POST_NAMES: [&str; 5] = [
    "impressions",
    "likes",
    "bookmarks",
    "link_clicks",
    "brand_new",
];
const MEDIA_NAMES: [&str; 4] = ["video_views", "playback25", "watch_time_ms", "brand_new"];

/// A value as an answer may write it.
#[derive(Debug, Clone)]
enum V {
    Int(u32),
    Null,
    Digits(u32),
    Text(String),
}

impl V {
    fn json(&self) -> Value {
        match self {
            V::Int(n) => json!(n),
            V::Null => Value::Null,
            V::Digits(n) => json!(n.to_string()),
            V::Text(s) => json!(s),
        }
    }

    fn count(&self) -> Option<u64> {
        match self {
            V::Int(n) | V::Digits(n) => Some(u64::from(*n)),
            V::Null | V::Text(_) => None,
        }
    }
}

fn value(strings: bool) -> BoxedStrategy<V> {
    if strings {
        prop_oneof![
            4 => any::<u32>().prop_map(V::Int),
            1 => Just(V::Null),
            1 => any::<u32>().prop_map(V::Digits),
            1 => "[a-z/ ]{1,6}".prop_map(V::Text),
        ]
        .boxed()
    } else {
        prop_oneof![4 => any::<u32>().prop_map(V::Int), 1 => Just(V::Null)].boxed()
    }
}

#[derive(Debug, Clone)]
struct BucketIn {
    /// Hours after `START`, or a null timestamp.
    hour: Option<i64>,
    /// `None`: `"metrics": null`.
    metrics: Option<Vec<(usize, V)>>,
}

#[derive(Debug, Clone)]
struct Item {
    subject: usize,
    top: Vec<(usize, V)>,
    /// `None`: no `timestamped_metrics` key; `Some(None)`: null (three cases the answer has).
    #[allow(clippy::option_option)]
    buckets: Option<Option<Vec<BucketIn>>>,
}

fn metrics(names: usize, strings: bool) -> impl Strategy<Value = Vec<(usize, V)>> {
    // Distinct names per object, as JSON objects have.
    prop::collection::btree_map(0..names, value(strings), 0..names)
        .prop_map(|m| m.into_iter().collect())
}

fn item(names: usize, strings: bool) -> impl Strategy<Value = Item> {
    let bucket = (
        prop::option::weighted(0.9, 0i64..24),
        prop::option::weighted(0.9, metrics(names, strings)),
    )
        .prop_map(|(hour, metrics)| BucketIn { hour, metrics });
    (
        0usize..3,
        metrics(names, strings),
        prop::option::weighted(
            0.8,
            prop::option::weighted(0.9, prop::collection::vec(bucket, 0..5)),
        ),
    )
        .prop_map(|(subject, top, buckets)| Item {
            subject,
            top,
            buckets,
        })
}

fn body(items: &[Item], media: bool, names: &[&str]) -> Value {
    let data: Vec<Value> = items
        .iter()
        .map(|it| {
            let mut o = serde_json::Map::new();
            if media {
                o.insert("media_key".into(), json!(MEDIA[it.subject]));
            } else {
                o.insert("id".into(), json!(POSTS[it.subject]));
            }
            for (n, v) in &it.top {
                o.insert(names[*n].into(), v.json());
            }
            match &it.buckets {
                None => {}
                Some(None) => {
                    o.insert("timestamped_metrics".into(), Value::Null);
                }
                Some(Some(bs)) => {
                    let list: Vec<Value> = bs
                        .iter()
                        .map(|b| {
                            let ts = b.hour.map_or(Value::Null, |h| {
                                json!(xengage_core::window::format_time(
                                    START + Duration::hours(h)
                                ))
                            });
                            let m = b.metrics.as_ref().map_or(Value::Null, |m| {
                                Value::Object(
                                    m.iter()
                                        .map(|(n, v)| (names[*n].to_owned(), v.json()))
                                        .collect(),
                                )
                            });
                            json!({"timestamp": ts, "metrics": m})
                        })
                        .collect();
                    o.insert("timestamped_metrics".into(), Value::Array(list));
                }
            }
            Value::Object(o)
        })
        .collect();
    json!({ "data": data })
}

type RowKey = (String, Metric, Bucket);

/// The rows the documented reading gives: (subject, metric, bucket) -> summed count.
fn model(
    items: &[Item],
    media: bool,
    endpoint: Endpoint,
    names: &[&str],
) -> (BTreeMap<RowKey, u64>, BTreeMap<RowKey, u64>) {
    let metric = |n: usize| {
        Metric::all()
            .find(|m| m.name_on(endpoint) == Some(names[n]))
            .or_else(|| Metric::parse(names[n]).ok())
    };
    let subject = |i: usize| {
        if media {
            MEDIA[i].to_owned()
        } else {
            POSTS[i].to_owned()
        }
    };
    let (mut series, mut totals) = (BTreeMap::new(), BTreeMap::new());
    let add = |map: &mut BTreeMap<RowKey, u64>, s: String, n: usize, b: Bucket, v: &V| {
        if let (Some(m), Some(c)) = (metric(n), v.count()) {
            *map.entry((s, m, b)).or_insert(0) += c;
        }
    };
    for it in items {
        let buckets = match &it.buckets {
            Some(Some(bs)) => bs.as_slice(),
            _ => &[],
        };
        for (n, v) in &it.top {
            add(&mut totals, subject(it.subject), *n, Bucket::Total, v);
            if buckets.is_empty() {
                add(&mut series, subject(it.subject), *n, Bucket::Total, v);
            }
        }
        for b in buckets {
            let (Some(h), Some(m)) = (b.hour, &b.metrics) else {
                continue;
            };
            for (n, v) in m {
                let bucket = Bucket::Hour(START + Duration::hours(h));
                add(&mut series, subject(it.subject), *n, bucket, v);
            }
        }
    }
    (series, totals)
}

fn summed(rows: &[Row]) -> BTreeMap<RowKey, u64> {
    let mut out = BTreeMap::new();
    for r in rows {
        let s = match (r.post_id, r.media_key) {
            (Some(p), _) => p.to_string(),
            (_, Some(k)) => k.to_string(),
            _ => String::new(),
        };
        *out.entry((s, r.metric.unwrap(), r.bucket)).or_insert(0) += r.value;
    }
    out
}

fn leaves(node: &Node) -> u64 {
    match node {
        Node::Leaf(v) => *v,
        Node::Branch(children) => children.iter().map(|(_, c)| leaves(c)).sum(),
    }
}

proptest! {
    #[test]
    fn random_2167_bodies_parse_into_the_rows_the_documents_describe(
        media in any::<bool>(),
        items in prop::collection::vec(item(5, true), 0..6),
    ) {
        let endpoint = if media { Endpoint::MediaAnalytics } else { Endpoint::Analytics };
        // Post answers use five names, media answers four; keep indices in range.
        let names_all: Vec<&str> = if media { MEDIA_NAMES.to_vec() } else { POST_NAMES.to_vec() };
        let items: Vec<Item> = items
            .into_iter()
            .map(|mut it| {
                let n = names_all.len();
                it.top.retain(|(i, _)| *i < n);
                if let Some(Some(bs)) = &mut it.buckets {
                    for b in bs {
                        if let Some(m) = &mut b.metrics {
                            m.retain(|(i, _)| *i < n);
                        }
                    }
                }
                it
            })
            .collect();
        let spec = RequestSpec::new(endpoint)
            .metrics(if media { vec!["video_views"] } else { vec!["impressions"] })
            .window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")
            .granularity("hourly");
        let spec = if media { spec.media_keys(MEDIA) } else { spec.post_ids(POSTS) };
        let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();
        let bytes = serde_json::to_vec(&body(&items, media, &names_all)).unwrap();
        let outcome = parse_response(&request, 200, &http::HeaderMap::new(), &bytes, &ParseOptions::default());
        let outcome = outcome.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (series, totals) = model(&items, media, endpoint, &names_all);
        prop_assert_eq!(outcome.groupings.len(), 1);
        let g = &outcome.groupings[0];
        prop_assert_eq!(summed(&g.rows), series);
        let t = outcome.totals.as_ref().unwrap();
        prop_assert_eq!(summed(&t.rows), totals);
        // Rows regroup into the tree, leaf for leaf; the `Total` rows of items answered without
        // buckets have no place among hours, so the tree of an hourly series leaves them out.
        let row_sum: u64 = g.rows.iter().filter(|r| r.bucket != Bucket::Total).map(|r| r.value).sum();
        prop_assert_eq!(leaves(&g.tree()), row_sum);
        // Every item's subject is in the ledger, served.
        for it in &items {
            if media {
                let key = MediaKey::parse(MEDIA[it.subject]).unwrap();
                prop_assert!(outcome.ledger.media_get(&key).is_some_and(|e| e.answers > 0));
            } else {
                let id = PostId::parse(POSTS[it.subject]).unwrap();
                prop_assert!(outcome.ledger.get(&id).is_some_and(|e| e.answers > 0));
            }
        }
        prop_assert_eq!(outcome.ledger.len(), 3);
    }

    /// Any JSON at all in an analytics answer is read or refused, never a panic.
    #[test]
    fn arbitrary_values_anywhere_never_panic(
        media in any::<bool>(),
        raw in prop::collection::vec(any::<u8>(), 0..64),
        at in 0usize..4,
    ) {
        let endpoint = if media { Endpoint::MediaAnalytics } else { Endpoint::Analytics };
        let spec = RequestSpec::new(endpoint)
            .metrics(if media { vec!["video_views"] } else { vec!["impressions"] })
            .window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z");
        let spec = if media { spec.media_keys(MEDIA) } else { spec.post_ids(POSTS) };
        let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();
        let junk = String::from_utf8_lossy(&raw).into_owned();
        let id = if media { "media_key" } else { "id" };
        let subject = if media { MEDIA[0] } else { POSTS[0] };
        let body = match at {
            0 => json!({"data": junk}),
            1 => json!({"data": [{id: subject, "timestamped_metrics": [{"timestamp": junk, "metrics": {}}]}]}),
            2 => json!({"data": [{id: junk}]}),
            _ => json!({"data": [], "errors": [{"type": junk, "resource_id": subject}]}),
        };
        let bytes = serde_json::to_vec(&body).unwrap();
        let _ = parse_response(&request, 200, &http::HeaderMap::new(), &bytes, &ParseOptions::default());
    }
}
