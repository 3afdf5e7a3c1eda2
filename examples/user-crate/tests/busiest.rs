//! The user's property test, in about ten lines: over every request the API takes and every
//! answer it can send, the busiest hour of a post is one of its rows and within the window.

use xengage_core::response::{Bucket, ParseOptions, parse_response};
use xengage_core::testing::proptest::prelude::*;
use xengage_core::testing::strategies::{NOW, any_request_spec, seed};
use xengage_core::{ValidationOptions, testing};

proptest! {
    #[test]
    fn the_busiest_hour_is_an_hour_of_the_answer(spec in any_request_spec(), seed in seed()) {
        let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();
        let answer = testing::synthesize(&request, seed);
        let Ok(outcome) = parse_response(&request, answer.status, &answer.headers, &answer.body, &ParseOptions::default()) else {
            return Ok(()); // a refusal: nothing to chart
        };
        for (post, (hour, value)) in xengage_user_example::busiest_hours(&outcome) {
            prop_assert!(request.post_ids().contains(&post));
            prop_assert!(request.covered_window().is_some_and(|w| w.contains(hour)));
            let hourly = outcome.results().flat_map(|g| &g.rows).filter(|r| r.post_id == Some(post) && matches!(r.bucket, Bucket::Hour(_)));
            prop_assert_eq!(hourly.map(|r| r.value).max(), Some(value));
        }
    }
}
