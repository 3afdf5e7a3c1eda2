//! Helpers shared by the behaviour tests of the core.
#![allow(dead_code, unreachable_pub)]

use time::OffsetDateTime;
use time::macros::datetime;
use xengage_core::{Endpoint, InvalidRequest, Problem, Request, RequestSpec, ValidationOptions};

/// The fixed clock of the tests.
pub const NOW: OffsetDateTime = datetime!(2026-11-22 10:30 UTC);

/// A snowflake id created `days` days before [`NOW`].
pub fn id_aged_days(days: i64) -> String {
    let created = NOW - time::Duration::days(days);
    xengage_core::testing::post_id_created_at(created, 0)
        .unwrap()
        .as_str()
        .to_owned()
}

/// A fresh post (one day old).
pub fn fresh_id() -> String {
    id_aged_days(1)
}

/// A minimal valid spec for `endpoint`.
pub fn valid(endpoint: Endpoint) -> RequestSpec {
    let spec = RequestSpec::new(endpoint)
        .post_ids([fresh_id()])
        .metrics(["impressions"]);
    match endpoint {
        Endpoint::Historical => spec.window("2026-11-01", "2026-11-08"),
        Endpoint::InsightsHistorical => {
            spec.window("2026-11-01", "2026-11-08").granularity("Daily")
        }
        Endpoint::Insights28Hours => spec.granularity("Hourly"),
        Endpoint::Analytics => spec.window("2026-11-01", "2026-11-08"),
        Endpoint::MediaAnalytics => RequestSpec::new(endpoint)
            .media_keys(["3_1992000000000000000"])
            .metrics(["video_views"])
            .window("2026-11-01", "2026-11-08"),
        _ => spec,
    }
}

/// Validates against [`NOW`] with default options.
pub fn validate(spec: &RequestSpec) -> Result<Request, InvalidRequest> {
    spec.validate(NOW, &ValidationOptions::default())
}

/// The problems of an invalid spec; fails the test if it is valid.
pub fn problems(spec: &RequestSpec) -> Vec<Problem> {
    match validate(spec) {
        Ok(r) => panic!("expected problems, the request is valid: {r:?}"),
        Err(e) => e.problems,
    }
}
