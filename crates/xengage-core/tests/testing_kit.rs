//! The testing kit tests itself, on every endpoint (post and media analytics included):
//! generated requests are valid, synthesized answers parse into an outcome that accounts for
//! every post (or media) and metric asked and whose rows regroup into its
//! trees, hostile variants give the error the kit names, invalid specs the problems it names.

use proptest::prelude::*;
use xengage_core::response::{
    Bucket, Key, Ledger, Level, Outcome, ParseOptions, PostEntry, PostStatus, parse_response,
};
use xengage_core::testing::strategies::{
    NOW, any_request_spec, invalid_request_spec, post_id_aged, seed,
};
use xengage_core::testing::{Expected, hostile, same_rows, synthesize};
use xengage_core::{MediaKey, PostId, Request, ValidationOptions};

fn valid(spec: &xengage_core::RequestSpec) -> Result<Request, TestCaseError> {
    spec.validate(NOW, &ValidationOptions::default())
        .map_err(|e| TestCaseError::fail(format!("{spec:?} is refused: {e}")))
}

/// Every row of every grouping is found again in the grouping's tree, at its keys.
fn rows_regroup(outcome: &Outcome) -> Result<(), TestCaseError> {
    for g in outcome.results() {
        let levels: Vec<Level> = g.tree_levels();
        let tree = g.tree();
        for r in &g.rows {
            let path: Vec<Key> = levels
                .iter()
                .filter_map(|l| match (l, r.bucket) {
                    (Level::Post, _) => r.post_id.map(Key::Post),
                    (Level::Media, _) => r.media_key.map(Key::Media),
                    (Level::Metric, _) => r.metric.map(Key::Metric),
                    (Level::Day, Bucket::Day(d) | Bucket::Week(d)) => Some(Key::Day(d)),
                    (Level::Day, Bucket::Hour(t)) => Some(Key::Day(t.date())),
                    (Level::Hour, Bucket::Hour(t)) => Some(Key::Hour(t.hour())),
                    (Level::Hour, Bucket::HourOfDay(h)) => Some(Key::Hour(h)),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(tree.count(&path), Some(r.value), "{} {:?}", g.name, r);
        }
    }
    Ok(())
}

/// What a request asks about: a post or (media analytics) a media.
#[derive(Debug, Clone, Copy)]
enum Subject {
    Post(PostId),
    Media(MediaKey),
}

/// Every post (or media) of `request` is in the ledger with a state, and every metric of one
/// that has values is either in its rows (where a grouping splits by post and metric) or
/// refused.
fn accounted(request: &Request, outcome: &Outcome) -> Result<(), TestCaseError> {
    let subjects = request
        .post_ids()
        .iter()
        .map(|id| Subject::Post(*id))
        .chain(request.media_keys().iter().map(|k| Subject::Media(*k)));
    for subject in subjects {
        let (entry, status) = match subject {
            Subject::Post(id) => (outcome.ledger.get(&id), outcome.ledger.status(&id)),
            Subject::Media(k) => (
                outcome.ledger.media_get(&k),
                outcome.ledger.media_status(&k),
            ),
        };
        prop_assert!(
            status.is_some_and(|s| s != PostStatus::Pending),
            "{:?} is {:?}",
            subject,
            status
        );
        if !matches!(status, Some(PostStatus::Served | PostStatus::Partial)) {
            continue;
        }
        let split: Vec<_> = outcome
            .results()
            .filter(|g| {
                let levels = g.tree_levels();
                (levels.contains(&Level::Post) || levels.contains(&Level::Media))
                    && levels.contains(&Level::Metric)
            })
            .collect();
        // A v1 request may split by post and metric in none of its groupings.
        if split.is_empty() {
            continue;
        }
        for metric in request.metrics() {
            let refused = entry.is_some_and(|e| e.unsupported.iter().any(|u| u.metric == *metric));
            let has_rows = split.iter().any(|g| {
                g.rows.iter().any(|r| {
                    r.metric == Some(*metric)
                        && match subject {
                            Subject::Post(id) => r.post_id == Some(id),
                            Subject::Media(k) => r.media_key == Some(k),
                        }
                })
            });
            prop_assert!(
                refused || has_rows,
                "{:?} metric {:?} is neither in the rows nor refused: {:?}",
                subject,
                metric,
                entry
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn synthesized_answers_account_for_every_post_and_metric_and_regroup(
        spec in any_request_spec(),
        seed in seed(),
    ) {
        let request = valid(&spec)?;
        let answer = synthesize(&request, seed);
        prop_assert_eq!(&answer, &synthesize(&request, seed));
        let parsed = parse_response(&request, answer.status, &answer.headers, &answer.body, &ParseOptions::default());
        prop_assert!(Expected::of_true_answer(&answer).matches(&parsed), "{:?}", parsed);
        match parsed {
            Ok(outcome) => {
                prop_assert!(outcome.notices.is_empty() || outcome.unknown.is_empty());
                prop_assert!(outcome.unknown.is_empty(), "{:?}", outcome.unknown);
                accounted(&request, &outcome)?;
                rows_regroup(&outcome)?;
            }
            Err(error) => {
                let ledger = Ledger::failed(&request, &error);
                for id in request.post_ids() {
                    prop_assert!(ledger.get(id).is_some_and(|e| *e != PostEntry::default()), "{} after {}", id, error);
                }
                for k in request.media_keys() {
                    prop_assert!(ledger.media_get(k).is_some_and(|e| *e != PostEntry::default()), "{} after {}", k, error);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn hostile_answers_give_the_error_the_kit_names(
        spec in any_request_spec(),
        seed in seed(),
        hostile_seed in seed(),
    ) {
        let request = valid(&spec)?;
        let answer = synthesize(&request, seed);
        let broken = hostile(&answer, hostile_seed);
        let options = ParseOptions::default();
        let parsed = parse_response(&request, broken.answer.status, &broken.answer.headers, &broken.answer.body, &options);
        prop_assert!(
            broken.expected.matches(&parsed),
            "{:?} expected {:?}, got {:?}\n{}",
            broken.kind,
            broken.expected,
            parsed,
            String::from_utf8_lossy(&broken.answer.body)
        );
        if broken.expected == Expected::SameOutcome {
            let original = parse_response(&request, answer.status, &answer.headers, &answer.body, &options);
            match (original, parsed) {
                (Ok(a), Ok(b)) => prop_assert!(same_rows(&a, &b)),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn invalid_specs_report_the_problems_the_kit_names(
        invalid in proptest::sample::select(xengage_core::testing::ENDPOINTS.to_vec()).prop_flat_map(invalid_request_spec),
    ) {
        match invalid.spec.validate(NOW, &ValidationOptions::default()) {
            Ok(r) => prop_assert!(false, "{:?} validates: {:?}", invalid, r),
            Err(e) => prop_assert!(invalid.missing_from(&e.problems).is_empty(), "{:?}\n{}", invalid.problems, e),
        }
    }

    #[test]
    fn post_ids_have_the_age_asked(id in post_id_aged(91..=1800)) {
        let age = NOW - id.created_at().unwrap();
        prop_assert!(age >= time::Duration::days(91) && age < time::Duration::days(1801), "{}", age);
    }
}
