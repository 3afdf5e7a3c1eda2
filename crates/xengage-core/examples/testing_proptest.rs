//! A property test of a user's own code with the testing kit (feature `testing`): a dashboard
//! function that totals each post's counts must account for every post the API was asked
//! about, whatever shape the answer takes. Run it with `cargo run --example testing_proptest
//! --features testing`, or as a test in your crate (see the `proptest!` block below).

use std::collections::BTreeMap;

use xengage_core::response::{Outcome, ParseOptions, parse_response};
use xengage_core::testing::proptest::prelude::*;
use xengage_core::testing::proptest::test_runner::TestRunner;
use xengage_core::testing::strategies::{NOW, any_request_spec, seed};
use xengage_core::testing::synthesize;
use xengage_core::{PostId, ValidationOptions};

/// The user's code under test: each post's total over the rows of the first grouping (v1)
/// or the totals (v2) that name it; each result is a table of its own, summed alone.
fn totals_per_post(outcome: &Outcome) -> BTreeMap<PostId, u64> {
    let mut totals = BTreeMap::new();
    let Some(result) = outcome.results().next() else {
        return totals;
    };
    for row in &result.rows {
        if let Some(id) = row.post_id {
            let total = totals.entry(id).or_insert(0u64);
            *total = total.saturating_add(row.value);
        }
    }
    totals
}

/// The property: any valid request, any answer the API can send to it.
fn property(spec: &xengage_core::RequestSpec, seed: u64) -> Result<(), TestCaseError> {
    let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();
    let answer = synthesize(&request, seed);
    let parsed = parse_response(
        &request,
        answer.status,
        &answer.headers,
        &answer.body,
        &ParseOptions::default(),
    );
    if let Ok(outcome) = parsed {
        let totals = totals_per_post(&outcome);
        // Every post with a total was asked about, and is in the ledger.
        for id in totals.keys() {
            prop_assert!(request.post_ids().contains(id));
            prop_assert!(outcome.ledger.get(id).is_some());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn totals_only_name_posts_asked_about(spec in any_request_spec(), seed in seed()) {
        property(&spec, seed)?;
    }
}

fn main() {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&(any_request_spec(), seed()), |(spec, seed)| {
        property(&spec, seed)
    });
    match result {
        Ok(()) => println!("256 requests and answers: the property holds"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
