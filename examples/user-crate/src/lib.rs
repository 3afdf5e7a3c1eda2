//! A user's code over xengage's results: the busiest hour of each post.

use std::collections::BTreeMap;

use xengage_core::PostId;
use xengage_core::response::{Bucket, Outcome};
use xengage_core::time::OffsetDateTime;

/// For each post, the hour with the highest count (the earliest of equal ones), from the rows
/// of hourly results; posts without hourly rows are left out.
pub fn busiest_hours(outcome: &Outcome) -> BTreeMap<PostId, (OffsetDateTime, u64)> {
    let mut best: BTreeMap<PostId, (OffsetDateTime, u64)> = BTreeMap::new();
    for row in outcome.results().flat_map(|g| &g.rows) {
        let (Some(post), Bucket::Hour(hour)) = (row.post_id, row.bucket) else {
            continue;
        };
        let entry = best.entry(post).or_insert((hour, row.value));
        if row.value > entry.1 || (row.value == entry.1 && hour < entry.0) {
            *entry = (hour, row.value);
        }
    }
    best
}
