//! The npm package's TypeScript declarations name what the core knows: every metric in both
//! spellings and every dimension, read from the one table of facts, so a metric added there
//! fails here until `bindings/npm/index.d.ts` has it.

use std::collections::BTreeSet;

use xengage_core::{Dimension, Metric};

/// The quoted names of `export type NAME = ...;` in `index.d.ts`.
fn union(name: &str) -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../bindings/npm/index.d.ts");
    let text = std::fs::read_to_string(path).expect("index.d.ts");
    let head = format!("export type {name} =");
    let start = text.find(&head).unwrap_or_else(|| panic!("no {head}")) + head.len();
    let body = &text[start..start + text[start..].find(';').expect("the union ends")];
    body.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn metric_names_are_every_spelling_of_the_facts_table() {
    let known: BTreeSet<String> = Metric::all()
        .flat_map(|m| [m.v1_name(), m.v2_name()])
        .flatten()
        .map(str::to_owned)
        .collect();
    assert_eq!(union("MetricName"), known);
}

#[test]
fn dimensions_are_the_cores() {
    let known: BTreeSet<String> = [
        Dimension::TweetId,
        Dimension::EngagementType,
        Dimension::EngagementDay,
        Dimension::EngagementHour,
    ]
    .iter()
    .map(|d| d.name().to_owned())
    .collect();
    assert_eq!(union("Dimension"), known);
}
