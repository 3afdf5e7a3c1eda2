//! Merging outcomes: batches of different posts and consecutive windows of the same posts
//! combine into one outcome and one ledger. Counts of the same post, metric and bucket add up
//! (a day split across two windows is whole again); a post answered twice over overlapping
//! windows is an error, never a silent double count.

use std::collections::HashMap;

use crate::facts::Endpoint;
use crate::id::PostId;
use crate::metric::Metric;
use crate::window::TimeWindow;

use super::rows::{Bucket, Level, Row};
use super::{Outcome, ResponseNotice};
use crate::facts::limits::RESERVED_TOP_LEVEL_KEYS;

/// Outcomes that cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no outcomes to merge")]
    Empty,
    /// The outcomes answer different endpoints.
    #[error("cannot merge answers of {first} and {second}: merge answers of one endpoint")]
    Endpoints {
        /// The first endpoint.
        first: Endpoint,
        /// Another one.
        second: Endpoint,
    },
    /// Two outcomes have a grouping of the same name over different dimensions.
    #[error(
        "grouping `{name}` has different dimensions in two answers; merge answers of one request"
    )]
    Groupings {
        /// The grouping.
        name: String,
    },
    /// A post was answered twice for overlapping times.
    #[error(
        "post {post_id} is answered twice for overlapping times ({first} and {second}); merging would count those hours twice"
    )]
    Overlap {
        /// The post.
        post_id: PostId,
        /// One window (`lifetime` for totals).
        first: String,
        /// The other.
        second: String,
    },
    /// A sum exceeds `u64::MAX`.
    #[error("the sum for post {post_id:?}, metric {metric:?} overflows a count")]
    Overflow {
        /// The post.
        post_id: Option<PostId>,
        /// The metric.
        metric: Option<Metric>,
    },
}

/// (grouping, post, media, metric, bucket): rows with the same key add up.
type RowKey = (
    usize,
    Option<PostId>,
    Option<crate::MediaKey>,
    Option<Metric>,
    Bucket,
);

fn describe(w: Option<TimeWindow>) -> String {
    w.map_or_else(|| "lifetime".to_owned(), |w| w.to_string())
}

fn overlaps(a: Option<TimeWindow>, b: Option<TimeWindow>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.overlaps(&b),
        _ => true,
    }
}

/// Merges `outcomes` into one outcome and one ledger: batches of different posts and
/// consecutive windows of the same posts. Counts of the same post, metric and bucket add up (a
/// day split across two windows is whole again); a post answered twice over overlapping windows
/// is an error ([`MergeError::Overlap`]), never a silent double count.
pub fn merge(outcomes: impl IntoIterator<Item = Outcome>) -> Result<Outcome, MergeError> {
    let mut iter = outcomes.into_iter();
    let mut merged = iter.next().ok_or(MergeError::Empty)?;
    let mut index: HashMap<RowKey, usize> = HashMap::new();
    for (g, grouping) in merged.groupings.iter().enumerate() {
        for (i, r) in grouping.rows.iter().enumerate() {
            index.insert((g, r.post_id, r.media_key, r.metric, r.bucket), i);
        }
    }
    for (i, r) in merged.totals.iter().flat_map(|t| t.rows.iter()).enumerate() {
        index.insert((TOTALS, r.post_id, r.media_key, r.metric, r.bucket), i);
    }
    for next in iter {
        if next.endpoint != merged.endpoint {
            return Err(MergeError::Endpoints {
                first: merged.endpoint,
                second: next.endpoint,
            });
        }
        // The overlap of the lowest post id, so that the error is the same on every run.
        let mut overlap = None;
        for (post, windows) in &next.coverage {
            let Some(known) = merged.coverage.get(post) else {
                continue;
            };
            let found = windows.iter().find_map(|&w| {
                known
                    .iter()
                    .find(|&&old| overlaps(old, w))
                    .map(|&old| (*post, old, w))
            });
            if found.is_some_and(|f| overlap.is_none_or(|(lowest, _, _)| f.0 < lowest)) {
                overlap = found;
            }
        }
        if let Some((post_id, old, w)) = overlap {
            return Err(MergeError::Overlap {
                post_id,
                first: describe(old),
                second: describe(w),
            });
        }
        for (post, windows) in &next.coverage {
            merged
                .coverage
                .entry(*post)
                .or_default()
                .extend(windows.iter().copied());
        }
        for grouping in next.groupings {
            let g = if let Some(g) = merged
                .groupings
                .iter()
                .position(|m| m.name == grouping.name)
            {
                g
            } else {
                merged.groupings.push(super::GroupingResult {
                    rows: Vec::new(),
                    ..grouping.clone()
                });
                merged.groupings.len() - 1
            };
            absorb(&mut merged.groupings[g], grouping, g, &mut index)?;
        }
        if let Some(totals) = next.totals {
            let into = merged.totals.get_or_insert_with(|| super::GroupingResult {
                rows: Vec::new(),
                ..totals.clone()
            });
            absorb(into, totals, TOTALS, &mut index)?;
        }
        merged.ledger.absorb(&next.ledger);
        for n in next.notices {
            merged.push_notice(n);
        }
        merged.windows.extend(next.windows);
        merged.errors.extend(next.errors);
        merged.problems.extend(next.problems);
        for (k, v) in next.extra {
            if RESERVED_TOP_LEVEL_KEYS.contains(&k.as_str()) {
                // A documented key kept aside (a totals answer's `start` and `end`): each batch
                // has its own, none is unknown; the first is kept.
                merged.extra.entry(k).or_insert(v);
            } else if merged.extra.get(&k).is_some_and(|old| *old != v) {
                merged.push_notice(ResponseNotice::UnknownKey { key: k.clone() });
                merged.unknown.push(super::UnknownPart {
                    path: format!("$.{k}"),
                    value: v,
                });
            } else {
                merged.extra.insert(k, v);
            }
        }
        merged.unknown.extend(next.unknown);
        if next.rate_limit.is_some() {
            merged.rate_limit = next.rate_limit;
        }
    }
    merged.windows.sort_by_key(TimeWindow::start);
    merged.windows.dedup();
    merged.dedupe_notices();
    Ok(merged)
}

/// The index of a v2 answer's totals in a [`RowKey`]: apart from every grouping's.
const TOTALS: usize = usize::MAX;

/// Adds `grouping`'s rows to `into`, the merged result of the same name (`g` in `index`).
fn absorb(
    into: &mut super::GroupingResult,
    grouping: super::GroupingResult,
    g: usize,
    index: &mut HashMap<RowKey, usize>,
) -> Result<(), MergeError> {
    if into.group_by != grouping.group_by {
        return Err(MergeError::Groupings {
            name: grouping.name,
        });
    }
    let known = &mut into.levels;
    match (&*known, &grouping.levels) {
        (None, _) => known.clone_from(&grouping.levels),
        // Answered in two shapes (an hour grouping with a day level added in one window,
        // hour-of-day buckets in another): the tree nests as asked, where every row has its
        // keys.
        (Some(a), Some(b)) if a != b => {
            *known = Some(grouping.group_by.iter().map(|&d| Level::from(d)).collect());
        }
        _ => {}
    }
    for row in grouping.rows {
        add(&mut into.rows, index, g, row)?;
    }
    Ok(())
}

fn add(
    rows: &mut Vec<Row>,
    index: &mut HashMap<RowKey, usize>,
    g: usize,
    row: Row,
) -> Result<(), MergeError> {
    let key = (g, row.post_id, row.media_key, row.metric, row.bucket);
    if let Some(&i) = index.get(&key) {
        let old = &mut rows[i];
        old.value = old
            .value
            .checked_add(row.value)
            .ok_or(MergeError::Overflow {
                post_id: row.post_id,
                metric: row.metric,
            })?;
    } else {
        index.insert(key, rows.len());
        rows.push(row);
    }
    Ok(())
}
