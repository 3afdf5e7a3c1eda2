//! A fuzz target of a user's own code with the testing kit (feature `testing`), written as a
//! plain function over the fuzzer's bytes so that it builds and runs without cargo-fuzz:
//! `cargo run --example testing_fuzz --features testing` feeds it bytes derived from seeds. In
//! a cargo-fuzz crate the same function is the body of the target:
//!
//! ```ignore
//! #![no_main]
//! use xengage_core::testing::Exchange;
//! libfuzzer_sys::fuzz_target!(|exchange: Exchange| check(&exchange));
//! ```

use xengage_core::response::{ParseOptions, parse_response};
use xengage_core::testing::arbitrary::{Arbitrary, Unstructured};
use xengage_core::testing::{Exchange, mix};

/// The user's code under test: the CSV lines of an answer's rows, each with its grouping.
fn to_csv(outcome: &xengage_core::response::Outcome) -> Vec<String> {
    outcome
        .results()
        .flat_map(|g| g.rows.iter().map(move |r| (g.name.as_str(), r)))
        .map(|(grouping, r)| {
            let post = r.post_id.map_or(String::new(), |p| p.as_str().to_owned());
            let metric = r.metric.map_or("", |m| m.name());
            format!("{grouping},{post},{metric},{},{}", r.bucket.kind(), r.value)
        })
        .collect()
}

/// The target: any request, any answer the API could send, or a broken one. Parsing gives what
/// the kit says, and the user's code never panics on what parsing gives.
fn check(exchange: &Exchange) {
    let answer = &exchange.answer;
    let parsed = parse_response(
        &exchange.request,
        answer.status,
        &answer.headers,
        &answer.body,
        &ParseOptions::default(),
    );
    assert!(
        exchange.expected.matches(&parsed),
        "{:?}: {parsed:?}",
        exchange.expected
    );
    if let Ok(outcome) = parsed {
        assert_eq!(to_csv(&outcome).len(), outcome.row_count());
    }
}

/// What `fuzz_target!` does with the fuzzer's bytes.
fn fuzz_one(data: &[u8]) {
    if let Ok(exchange) = Exchange::arbitrary_take_rest(Unstructured::new(data)) {
        check(&exchange);
    }
}

fn main() {
    // Bytes derived from seeds stand in for the fuzzer's.
    for seed in 0..500u64 {
        let data: Vec<u8> = (0..256u64)
            .flat_map(|i| mix(seed << 16 | i).to_le_bytes())
            .collect();
        fuzz_one(&data);
    }
    println!("500 exchanges checked");
}
