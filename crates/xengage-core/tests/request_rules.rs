//! Every documented request rule has a failing case here, asserting the specific problem.

mod common;

use common::{NOW, fresh_id, id_aged_days, problems, valid, validate};
use xengage_core::{
    CredentialKind, Dimension, Endpoint, Metric, MetricNameError, Notice, PostIdError, Rule,
    ValidationOptions,
};

/// Asserts that the spec has exactly one problem, on `field`, matching `pred`.
fn assert_only(spec: &xengage_core::RequestSpec, field: &str, pred: impl Fn(&Rule) -> bool) {
    let problems = problems(spec);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].field, field, "{problems:#?}");
    assert!(
        pred(&problems[0].rule),
        "unexpected rule: {:?}",
        problems[0].rule
    );
}

#[test]
fn every_endpoint_accepts_its_minimal_request() {
    for e in Endpoint::ALL {
        let r = validate(&valid(e)).unwrap_or_else(|err| panic!("{e}: {err}"));
        assert_eq!(r.endpoint(), e);
    }
}

#[test]
fn post_ids_are_required() {
    let mut spec = valid(Endpoint::Totals);
    spec.post_ids.clear();
    assert_only(&spec, "tweet_ids", |r| matches!(r, Rule::NoPostIds));
}

#[test]
fn post_ids_must_be_one_to_nineteen_digits() {
    let spec = valid(Endpoint::Totals).post_ids(["12345678901234567890", "1e5", ""]);
    let p = problems(&spec);
    assert_eq!(p.len(), 3);
    assert_eq!(p[0].field, "tweet_ids[1]");
    assert!(matches!(p[0].rule, Rule::PostId(PostIdError::TooLong(_))));
    assert!(matches!(p[1].rule, Rule::PostId(PostIdError::NotDigits(_))));
    assert!(matches!(p[2].rule, Rule::PostId(PostIdError::Empty)));
}

#[test]
fn totals_takes_at_most_250_ids_and_others_25() {
    let ids = |n: u64| {
        (0..n)
            .map(|i| (1_000_000_000_000_000_000 + i).to_string())
            .collect::<Vec<_>>()
    };
    let mut spec = valid(Endpoint::Totals);
    spec.post_ids = ids(250);
    assert!(validate(&spec).is_ok());
    spec.post_ids = ids(251);
    assert_only(&spec, "tweet_ids", |r| {
        matches!(
            r,
            Rule::TooManyPostIds {
                max: 250,
                given: 251,
                ..
            }
        )
    });
    for e in [
        Endpoint::Last28Hours,
        Endpoint::Historical,
        Endpoint::Insights28Hours,
        Endpoint::InsightsHistorical,
    ] {
        let mut spec = valid(e);
        spec.post_ids = ids(25);
        assert!(validate(&spec).is_ok(), "{e}");
        spec.post_ids = ids(26);
        assert_only(&spec, "tweet_ids", |r| {
            matches!(r, Rule::TooManyPostIds { max: 25, .. })
        });
    }
}

#[test]
fn duplicate_ids_are_removed_in_order_and_reported() {
    let (a, b) = (fresh_id(), id_aged_days(2));
    let mut spec = valid(Endpoint::Totals);
    spec.post_ids = vec![a.clone(), b.clone(), a.clone(), a.clone()];
    let r = validate(&spec).unwrap();
    let ids: Vec<&str> = r
        .post_ids()
        .iter()
        .map(xengage_core::PostId::as_str)
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    assert!(r.notices().iter().any(
        |n| matches!(n, Notice::DuplicatePostIdsRemoved { post_ids } if post_ids.len() == 1 && post_ids[0].as_str() == a)
    ));
    // Duplicates do not count against the limit.
    let mut spec = valid(Endpoint::Historical);
    spec.post_ids = std::iter::repeat_n(a, 40).collect();
    assert!(validate(&spec).is_ok());
}

#[test]
fn metrics_are_required() {
    let mut spec = valid(Endpoint::Totals);
    spec.metrics.clear();
    assert_only(&spec, "engagement_types", |r| matches!(r, Rule::NoMetrics));
    let mut spec = valid(Endpoint::Insights28Hours);
    spec.metrics.clear();
    assert_only(&spec, "requested_metrics", |r| matches!(r, Rule::NoMetrics));
}

#[test]
fn retired_media_clicks_is_refused_naming_media_engagements() {
    let mut spec = valid(Endpoint::Last28Hours);
    spec.metrics = vec!["media_clicks".into()];
    assert_only(&spec, "engagement_types[0]", |r| {
        matches!(
            r,
            Rule::MetricName(MetricNameError::Retired {
                replacement: "media_engagements",
                ..
            })
        )
    });
}

#[test]
fn unknown_metrics_are_refused() {
    let mut spec = valid(Endpoint::Totals);
    spec.metrics = vec!["impressions".into(), "clicks".into()];
    assert_only(&spec, "engagement_types[1]", |r| {
        matches!(r, Rule::MetricName(MetricNameError::Unknown { .. }))
    });
}

#[test]
fn metrics_must_be_available_on_the_endpoint() {
    let mut spec = valid(Endpoint::Totals);
    spec.metrics = vec!["url_clicks".into()];
    assert_only(
        &spec,
        "engagement_types[0]",
        |r| matches!(r, Rule::MetricUnavailable { metric: Metric::UrlClicks, endpoint: Endpoint::Totals, available_on } if available_on.contains(&Endpoint::Last28Hours)),
    );
    let mut spec = valid(Endpoint::Historical);
    spec.metrics = vec!["quote_tweets".into()];
    assert_only(&spec, "engagement_types[0]", |r| {
        matches!(
            r,
            Rule::MetricUnavailable {
                metric: Metric::QuoteTweets,
                ..
            }
        )
    });
    let mut spec = valid(Endpoint::Last28Hours);
    spec.metrics = vec!["VideoStarts".into()];
    assert_only(&spec, "engagement_types[0]", |r| {
        matches!(
            r,
            Rule::MetricUnavailable {
                metric: Metric::VideoStarts,
                ..
            }
        )
    });
}

#[test]
fn either_spelling_is_sent_in_the_endpoints_generation() {
    let mut spec = valid(Endpoint::Insights28Hours);
    spec.metrics = vec!["favorites".into(), "user_follows".into()];
    let r = validate(&spec).unwrap();
    assert!(
        r.path_and_query()
            .contains("requested_metrics=Likes,Follows")
    );
    let mut spec = valid(Endpoint::Totals);
    spec.metrics = vec!["Likes".into()];
    let body = String::from_utf8(validate(&spec).unwrap().body().unwrap()).unwrap();
    assert!(
        body.contains(r#""engagement_types":["favorites"]"#),
        "{body}"
    );
}

#[test]
fn at_most_three_groupings() {
    let spec = valid(Endpoint::Totals)
        .grouping("a", ["tweet.id"])
        .grouping("b", ["engagement.type"])
        .grouping("c", ["tweet.id", "engagement.type"])
        .grouping("d", ["engagement.type", "tweet.id"]);
    assert_only(&spec, "groupings", |r| {
        matches!(r, Rule::TooManyGroupings(4))
    });
}

#[test]
fn grouping_names_are_non_empty_unique_and_not_reserved() {
    let spec = valid(Endpoint::Totals).grouping("", ["tweet.id"]);
    assert_only(&spec, "groupings", |r| matches!(r, Rule::GroupingNameEmpty));
    let spec = valid(Endpoint::Totals)
        .grouping("g", ["tweet.id"])
        .grouping("g", ["engagement.type"]);
    assert_only(&spec, "groupings.g", |r| {
        matches!(r, Rule::GroupingNameDuplicate)
    });
    for reserved in [
        "start",
        "end",
        "errors",
        "unavailable_tweet_ids",
        "unsupported_for_video_views_tweet_ids",
        "unsupported_for_impressions_engagements_tweet_ids",
    ] {
        let spec = valid(Endpoint::Totals).grouping(reserved, ["tweet.id"]);
        assert_only(&spec, &format!("groupings.{reserved}"), |r| {
            matches!(r, Rule::GroupingNameReserved)
        });
    }
}

#[test]
fn grouping_dimensions_are_known_non_empty_and_not_repeated() {
    let spec = valid(Endpoint::Totals).grouping("g", Vec::<String>::new());
    assert_only(&spec, "groupings.g.group_by", |r| {
        matches!(r, Rule::GroupingEmpty)
    });
    let spec = valid(Endpoint::Totals).grouping("g", ["tweet.id", "tweet.type"]);
    assert_only(&spec, "groupings.g.group_by", |r| {
        matches!(r, Rule::UnknownDimension)
    });
    let spec = valid(Endpoint::Totals).grouping("g", ["tweet.id", "tweet.id"]);
    assert_only(&spec, "groupings.g.group_by", |r| {
        matches!(r, Rule::DimensionRepeated(Dimension::TweetId))
    });
}

#[test]
fn day_and_hour_only_on_28hr_and_historical() {
    for dim in ["engagement.day", "engagement.hour"] {
        let spec = valid(Endpoint::Totals).grouping("g", ["tweet.id", dim]);
        assert_only(&spec, "groupings.g.group_by", |r| {
            matches!(
                r,
                Rule::TimeDimensionUnavailable {
                    endpoint: Endpoint::Totals,
                    ..
                }
            )
        });
        for e in [Endpoint::Last28Hours, Endpoint::Historical] {
            assert!(validate(&valid(e).grouping("g", ["tweet.id", dim])).is_ok());
        }
    }
}

#[test]
fn four_dimensions_only_in_the_two_documented_orders() {
    let ok1 = [
        "tweet.id",
        "engagement.type",
        "engagement.day",
        "engagement.hour",
    ];
    let ok2 = [
        "engagement.type",
        "tweet.id",
        "engagement.day",
        "engagement.hour",
    ];
    assert!(validate(&valid(Endpoint::Historical).grouping("g", ok1)).is_ok());
    assert!(validate(&valid(Endpoint::Historical).grouping("g", ok2)).is_ok());
    let bad = [
        "tweet.id",
        "engagement.day",
        "engagement.type",
        "engagement.hour",
    ];
    let spec = valid(Endpoint::Historical).grouping("g", bad);
    assert_only(&spec, "groupings.g.group_by", |r| {
        matches!(r, Rule::FourDimensionOrder)
    });
}

#[test]
fn only_one_four_dimension_grouping() {
    let ok1 = [
        "tweet.id",
        "engagement.type",
        "engagement.day",
        "engagement.hour",
    ];
    let ok2 = [
        "engagement.type",
        "tweet.id",
        "engagement.day",
        "engagement.hour",
    ];
    let spec = valid(Endpoint::Last28Hours)
        .grouping("a", ok1)
        .grouping("b", ok2);
    assert_only(&spec, "groupings.b.group_by", |r| {
        matches!(r, Rule::TooManyFourDimensionGroupings)
    });
}

#[test]
fn v2_takes_granularity_not_groupings() {
    let spec = valid(Endpoint::Insights28Hours).grouping("g", ["tweet.id"]);
    assert_only(&spec, "groupings", |r| {
        matches!(r, Rule::GroupingsOnV2(Endpoint::Insights28Hours))
    });
    let mut spec = valid(Endpoint::Insights28Hours);
    spec.granularity = None;
    assert_only(&spec, "granularity", |r| {
        matches!(r, Rule::GranularityMissing(_))
    });
    let spec = valid(Endpoint::Insights28Hours).granularity("Monthly");
    assert_only(&spec, "granularity", |r| {
        matches!(r, Rule::UnknownGranularity)
    });
    let spec = valid(Endpoint::Insights28Hours).fields(["errors", "metrics"]);
    assert_only(&spec, "engagement.fields[1]", |r| {
        matches!(r, Rule::UnknownField)
    });
}

#[test]
fn v1_takes_no_v2_parameters() {
    let spec = valid(Endpoint::Totals).granularity("Daily");
    assert_only(&spec, "granularity", |r| {
        matches!(r, Rule::V2ParameterOnEnterprise(Endpoint::Totals))
    });
    let spec = valid(Endpoint::Totals).fields(["errors"]);
    assert_only(&spec, "engagement.fields", |r| {
        matches!(r, Rule::V2ParameterOnEnterprise(_))
    });
}

#[test]
fn windows_only_on_historical_endpoints() {
    for e in [
        Endpoint::Totals,
        Endpoint::Last28Hours,
        Endpoint::Insights28Hours,
    ] {
        let spec = valid(e).window("2026-11-01", "2026-11-02");
        let field = if e == Endpoint::Insights28Hours {
            "start_time"
        } else {
            "start"
        };
        assert_only(&spec, field, |r| matches!(r, Rule::WindowNotAllowed(_)));
    }
}

#[test]
fn times_must_parse() {
    let spec = valid(Endpoint::Historical).window("last week", "2026-11-08");
    assert_only(&spec, "start", |r| matches!(r, Rule::Time(_)));
}

#[test]
fn window_is_rounded_to_whole_hours_as_documented() {
    let spec = valid(Endpoint::Historical).window("2026-11-01T12:24:00Z", "2026-11-10T08:37:00Z");
    let r = validate(&spec).unwrap();
    let w = r.window().unwrap();
    assert_eq!(w.to_string(), "2026-11-01T12:00:00Z..2026-11-10T09:00:00Z");
    assert!(
        r.notices()
            .iter()
            .any(|n| matches!(n, Notice::WindowRounded { .. }))
    );
    let body = String::from_utf8(r.body().unwrap()).unwrap();
    assert!(
        body.ends_with(r#""start":"2026-11-01T12:00:00Z","end":"2026-11-10T09:00:00Z"}"#),
        "{body}"
    );
}

#[test]
fn window_is_at_most_four_weeks_after_rounding() {
    let spec = valid(Endpoint::Historical).window("2026-10-01T00:00:00Z", "2026-10-29T00:00:00Z");
    assert!(validate(&spec).is_ok(), "exactly 4 weeks is allowed");
    let spec = valid(Endpoint::Historical).window("2026-10-01T00:00:00Z", "2026-10-29T00:00:01Z");
    assert_only(&spec, "end", |r| {
        matches!(r, Rule::WindowTooLong { hours: 673 })
    });
}

#[test]
fn end_must_be_after_start() {
    let spec = valid(Endpoint::Historical).window("2026-11-08", "2026-11-01");
    assert_only(&spec, "end", |r| matches!(r, Rule::EndNotAfterStart { .. }));
    let spec = valid(Endpoint::Historical).window("2026-11-08T10:00:00Z", "2026-11-08T10:00:00Z");
    assert_only(&spec, "end", |r| matches!(r, Rule::EndNotAfterStart { .. }));
}

#[test]
fn start_not_before_2014_09_01() {
    let spec = valid(Endpoint::Historical).window("2014-08-31T23:00:00Z", "2014-09-02");
    let options = ValidationOptions::default().enforce_lookback(false);
    let err = spec.validate(NOW, &options).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    assert!(matches!(err.problems[0].rule, Rule::StartTooEarly));
    let spec = valid(Endpoint::Historical).window("2014-09-01", "2014-09-02");
    assert!(spec.validate(NOW, &options).is_ok());
}

#[test]
fn lookback_of_365_days_is_on_by_default_and_can_be_turned_off() {
    let spec = valid(Endpoint::Historical).window("2025-06-01", "2025-06-08");
    assert_only(&spec, "start", |r| {
        matches!(r, Rule::StartBeyondLookback { .. })
    });
    let options = ValidationOptions::default().enforce_lookback(false);
    assert!(spec.validate(NOW, &options).is_ok());
}

#[test]
fn messages_name_the_core_settings_not_a_front_end_flag() {
    // A front end (the CLI, the npm package) adds its own hint where it shows the error.
    let lookback = Rule::StartBeyondLookback {
        earliest: "2025-11-22".into(),
    };
    let too_many = Rule::TooManyPostIds {
        endpoint: Endpoint::Historical,
        max: 25,
        given: 26,
    };
    let over = xengage_core::response::BodyOverLimit::new(10);
    let texts = [lookback.to_string(), too_many.to_string(), over.to_string()];
    assert!(
        texts[0].contains("ValidationOptions::enforce_lookback"),
        "{}",
        texts[0]
    );
    assert!(texts[1].contains("plan::Plan"), "{}", texts[1]);
    assert!(
        texts[2].contains("ParseOptions::max_body_bytes"),
        "{}",
        texts[2]
    );
    for text in &texts {
        for front_end in [
            "--",
            "CLI",
            "npm",
            "enforceLookback",
            "maxBodyBytes",
            "xengage collect",
            " JS",
        ] {
            assert!(!text.contains(front_end), "{front_end:?} in {text}");
        }
    }
}

#[test]
fn end_not_after_now() {
    let spec = valid(Endpoint::Historical).window("2026-11-20", "2026-11-22T11:00:00Z");
    assert_only(&spec, "end", |r| matches!(r, Rule::EndInFuture { .. }));
    // An end before now that rounds up past now is fine: the API does the rounding.
    let spec = valid(Endpoint::Historical).window("2026-11-20", "2026-11-22T10:15:00Z");
    assert!(validate(&spec).is_ok());
}

#[test]
fn omitted_window_means_the_four_weeks_before_now() {
    let mut spec = valid(Endpoint::Historical);
    (spec.start, spec.end) = (None, None);
    let r = validate(&spec).unwrap();
    assert_eq!(
        r.window(),
        None,
        "nothing is sent; the API picks the window"
    );
    let covered = r.covered_window().unwrap();
    assert_eq!(covered.hours(), 672);
    assert_eq!(covered.end(), xengage_core::window::ceil_hour(NOW));
    assert!(
        r.notices()
            .iter()
            .any(|n| matches!(n, Notice::DefaultWindow { .. }))
    );
    assert!(
        !String::from_utf8(r.body().unwrap())
            .unwrap()
            .contains("start")
    );
}

#[test]
fn start_alone_runs_until_now_and_end_alone_is_refused() {
    let mut spec = valid(Endpoint::Historical);
    spec.end = None;
    let r = validate(&spec).unwrap();
    assert_eq!(
        r.window().unwrap().end(),
        xengage_core::window::ceil_hour(NOW)
    );
    let mut spec = valid(Endpoint::Historical);
    spec.start = None;
    assert_only(&spec, "start", |r| matches!(r, Rule::EndWithoutStart));
}

#[test]
fn v2_historical_needs_both_times() {
    let mut spec = valid(Endpoint::InsightsHistorical);
    spec.end = None;
    assert_only(&spec, "start_time", |r| {
        matches!(r, Rule::WindowRequired(_))
    });
}

#[test]
fn app_only_bearer_reaches_only_public_metrics_on_totals() {
    let app = ValidationOptions::default().credential(Some(CredentialKind::AppOnly));
    let spec = valid(Endpoint::Totals).metrics(["favorites"]);
    let err = spec.validate(NOW, &app).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    assert!(matches!(
        err.problems[0].rule,
        Rule::MetricNeedsUserContext {
            metric: Metric::Impressions,
            ..
        }
    ));
    assert!(err.to_string().contains("OAuth 1.0a"));
    let mut spec = valid(Endpoint::Totals);
    spec.metrics = [
        "favorites",
        "retweets",
        "quote_tweets",
        "replies",
        "video_views",
    ]
    .map(String::from)
    .to_vec();
    assert!(spec.validate(NOW, &app).is_ok());
    for e in [
        Endpoint::Last28Hours,
        Endpoint::Historical,
        Endpoint::Insights28Hours,
        Endpoint::InsightsHistorical,
    ] {
        let err = valid(e).validate(NOW, &app).unwrap_err();
        assert!(
            err.has(|r| matches!(
                r,
                Rule::EndpointNeedsUserContext {
                    credential: CredentialKind::AppOnly,
                    ..
                }
            )),
            "{e}"
        );
    }
}

#[test]
fn oauth2_user_token_is_for_v2_and_oauth1_for_everything() {
    let user = ValidationOptions::default().credential(Some(CredentialKind::OAuth2User));
    let oauth1 = ValidationOptions::default().credential(Some(CredentialKind::OAuth1User));
    for e in Endpoint::ALL {
        assert!(valid(e).validate(NOW, &oauth1).is_ok(), "{e}");
        let result = valid(e).validate(NOW, &user);
        if e.generation() == xengage_core::Generation::V2 {
            assert!(result.is_ok(), "{e}");
        } else {
            let err = result.unwrap_err();
            assert!(
                err.has(|r| matches!(r, Rule::CredentialNotForEnterprise { .. })),
                "{e}"
            );
        }
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let spec = xengage_core::RequestSpec::new(Endpoint::Historical)
        .post_ids(["1", "x"])
        .metrics(["media_clicks", "quote_tweets"])
        .grouping("end", ["tweet.id", "tweet.id"])
        .window("2013-01-01", "2030-01-01");
    let p = problems(&spec);
    let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "tweet_ids[1]",
            "engagement_types[0]",
            "engagement_types[1]",
            "groupings.end",
            "groupings.end.group_by",
            "end",
            "end",
            "start",
            "start"
        ]
    );
    assert!(p.iter().all(|p| !p.to_string().is_empty()));
}

#[test]
fn posts_too_old_for_a_metric_get_notices_not_failures() {
    let (young, old, ancient) = (id_aged_days(10), id_aged_days(120), id_aged_days(2000));
    let spec = xengage_core::RequestSpec::new(Endpoint::Totals)
        .post_ids([young.clone(), old.clone(), ancient.clone(), "20".to_owned()])
        .metrics(["impressions", "video_views", "favorites"]);
    let r = validate(&spec).unwrap();
    let too_old: Vec<(String, Metric)> = r
        .notices()
        .iter()
        .filter_map(|n| match n {
            Notice::PostTooOldForMetric {
                post_id, metric, ..
            } => Some((post_id.to_string(), *metric)),
            _ => None,
        })
        .collect();
    assert_eq!(
        too_old,
        [
            (old.clone(), Metric::Impressions),
            (ancient.clone(), Metric::Impressions),
            (ancient.clone(), Metric::VideoViews),
            ("20".to_owned(), Metric::Impressions),
            ("20".to_owned(), Metric::VideoViews),
        ]
    );
    // On 28hr the 90-day rule (a totals rule) does not apply; the 1800-day one does.
    let spec = xengage_core::RequestSpec::new(Endpoint::Last28Hours)
        .post_ids([old, ancient.clone()])
        .metrics(["impressions", "video_views"]);
    let r = validate(&spec).unwrap();
    let n: Vec<_> = r
        .notices()
        .iter()
        .filter(|n| matches!(n, Notice::PostTooOldForMetric { .. }))
        .collect();
    assert_eq!(n.len(), 1);
    assert!(matches!(
        n[0],
        Notice::PostTooOldForMetric {
            metric: Metric::VideoViews,
            ..
        }
    ));
}

#[test]
fn historical_before_2015_09_15_warns_about_zero_counts() {
    let spec = xengage_core::RequestSpec::new(Endpoint::Historical)
        .post_ids(["20"])
        .metrics(["favorites", "impressions", "replies"])
        .window("2015-09-01", "2015-09-20");
    let options = ValidationOptions::default().enforce_lookback(false);
    let r = spec.validate(NOW, &options).unwrap();
    assert!(r.notices().iter().any(|n| matches!(n, Notice::ReadsAsZeroBefore2015_09_15 { metrics } if metrics == &[Metric::Favorites, Metric::Replies])));
    assert!(
        r.notices()
            .iter()
            .any(|n| matches!(n, Notice::PostBeforeHistoricalData { .. }))
    );
}

#[test]
fn an_end_in_the_current_hour_is_sent_as_now_not_ceiled_into_the_future() {
    // NOW is on a minute inside an hour; an end earlier in that hour ceils to the next hour,
    // which the API would refuse as a future end if it were sent.
    let now = xengage_core::time::macros::datetime!(2026-11-22 11:52:30.25 UTC);
    let spec = xengage_core::RequestSpec::new(Endpoint::Historical)
        .post_ids([fresh_id()])
        .metrics(["impressions"])
        .window("2026-11-20T00:00:00Z", "2026-11-22T11:10:00Z");
    let r = spec.validate(now, &ValidationOptions::default()).unwrap();
    assert_eq!(
        r.window().unwrap().end(),
        xengage_core::time::macros::datetime!(2026-11-22 12:00 UTC)
    );
    assert_eq!(
        r.sent_end(),
        Some(xengage_core::time::macros::datetime!(2026-11-22 11:52:30 UTC))
    );
    let body = r
        .prepare(&xengage_core::BaseUrls::default())
        .body_text()
        .unwrap()
        .to_owned();
    assert!(body.contains(r#""end":"2026-11-22T11:52:30Z""#), "{body}");
    // An end in a past hour is sent ceiled, as the API reads it.
    let r = spec
        .clone()
        .window("2026-11-20T00:00:00Z", "2026-11-22T10:10:00Z")
        .validate(now, &ValidationOptions::default())
        .unwrap();
    assert_eq!(
        r.sent_end(),
        Some(xengage_core::time::macros::datetime!(2026-11-22 11:00 UTC))
    );
}

/// `(start, end)` as a window of whole hours.
fn hours(
    start: xengage_core::time::OffsetDateTime,
    end: xengage_core::time::OffsetDateTime,
) -> xengage_core::TimeWindow {
    xengage_core::TimeWindow::new(start, end).unwrap()
}

#[test]
fn another_window_keeps_every_window_rule() {
    use xengage_core::time::macros::datetime;
    // NOW is 10:30: the hour that ends at 11:00 is the current one.
    let r = validate(&valid(Endpoint::Historical)).unwrap();
    let current = r
        .with_window(hours(
            datetime!(2026-11-20 00:00 UTC),
            datetime!(2026-11-22 11:00 UTC),
        ))
        .expect("a window ending in the current hour is allowed, as validation allows it");
    assert_eq!(current.sent_end(), Some(NOW));
    assert!(
        r.with_window(hours(
            datetime!(2026-11-20 00:00 UTC),
            datetime!(2026-11-22 12:00 UTC)
        ))
        .is_none(),
        "an end after the current hour is in the future"
    );
    assert!(
        r.with_window(hours(
            datetime!(2026-11-01 00:00 UTC),
            datetime!(2026-11-29 01:00 UTC)
        ))
        .is_none(),
        "more than 4 weeks"
    );
    // The lookback of 365 days, enforced by default: it starts at 2025-11-22T10:00:00Z.
    assert!(
        r.with_window(hours(
            datetime!(2025-11-22 09:00 UTC),
            datetime!(2025-11-23 00:00 UTC)
        ))
        .is_none(),
        "a start beyond the lookback the request was validated with"
    );
    assert!(
        r.with_window(hours(
            datetime!(2025-11-22 10:00 UTC),
            datetime!(2025-11-23 00:00 UTC)
        ))
        .is_some()
    );
    let totals = validate(&valid(Endpoint::Totals)).unwrap();
    assert!(
        totals
            .with_window(hours(
                datetime!(2026-11-20 00:00 UTC),
                datetime!(2026-11-21 00:00 UTC)
            ))
            .is_none(),
        "totals takes no window"
    );
}

#[test]
fn another_window_keeps_the_2014_09_01_floor_and_the_lookback_option() {
    use xengage_core::time::macros::datetime;
    let options = ValidationOptions::default().enforce_lookback(false);
    let r = valid(Endpoint::Historical).validate(NOW, &options).unwrap();
    assert!(
        r.with_window(hours(
            datetime!(2014-08-31 23:00 UTC),
            datetime!(2014-09-02 00:00 UTC)
        ))
        .is_none(),
        "a start before 2014-09-01"
    );
    let old = r
        .with_window(hours(
            datetime!(2014-09-01 00:00 UTC),
            datetime!(2014-09-02 00:00 UTC),
        ))
        .expect("validated without the lookback, an old window is allowed");
    assert_eq!(old.validation_options(), &options);
    let v2 = valid(Endpoint::InsightsHistorical)
        .validate(NOW, &options)
        .unwrap();
    assert!(
        v2.with_window(hours(
            datetime!(2014-08-31 00:00 UTC),
            datetime!(2014-09-02 00:00 UTC)
        ))
        .is_none()
    );
}

#[test]
fn a_subset_of_posts_keeps_at_least_one_post() {
    let (a, b) = (id_aged_days(2), id_aged_days(3));
    let r = validate(&valid(Endpoint::Last28Hours).post_ids([&a, &b])).unwrap();
    let ids = r.post_ids().to_vec();
    let subset = r.with_post_ids(&[ids[2], ids[0]]).unwrap();
    assert_eq!(
        subset.post_ids(),
        &[ids[0], ids[2]],
        "in the request's order"
    );
    let other = xengage_core::PostId::parse(&id_aged_days(4)).unwrap();
    assert!(
        r.with_post_ids(&[other]).is_none(),
        "no post of the request: a request needs at least one"
    );
    assert!(r.with_post_ids(&[]).is_none());
}

#[test]
fn the_ninety_day_limit_is_on_totals_only_unless_asked_for_everywhere() {
    // The reference's metric table marks the 90-day limit for every endpoint, its error list
    // for /totals: a setting, off by default.
    use xengage_core::plan::{Plan, PlanOptions};
    let now = common::NOW;
    let old = common::id_aged_days(120);
    let spec = xengage_core::RequestSpec::new(Endpoint::Last28Hours)
        .post_ids([old.as_str()])
        .metrics(["impressions", "favorites"]);
    let too_old = |options: &ValidationOptions| {
        let r = spec.validate(now, options).unwrap();
        r.notices()
            .iter()
            .filter(|n| matches!(n, xengage_core::Notice::PostTooOldForMetric { .. }))
            .count()
    };
    assert_eq!(too_old(&ValidationOptions::default()), 0);
    let everywhere = ValidationOptions::default().ninety_days_on_every_endpoint(true);
    assert_eq!(too_old(&everywhere), 1);
    // A plan then asks the post for favorites only.
    let plan = Plan::new(&spec, now, &everywhere, &PlanOptions::default()).unwrap();
    let requests: Vec<_> = plan.requests().collect();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].metrics(), &[xengage_core::Metric::Favorites]);
    let plan = Plan::new(
        &spec,
        now,
        &ValidationOptions::default(),
        &PlanOptions::default(),
    )
    .unwrap();
    assert_eq!(plan.requests().next().unwrap().metrics().len(), 2);
}

/// The builder takes the crate's own values: post ids, metrics and dimensions as they come
/// from other parts of the API, and times; the request is the one the same text builds.
#[test]
fn the_builder_takes_typed_ids_metrics_dimensions_and_times() {
    use time::macros::datetime;
    use xengage_core::{PostId, RequestSpec};
    let now = datetime!(2026-11-22 12:00 UTC);
    let ids = vec![PostId::parse("2103692032865206273").unwrap()];
    let typed = RequestSpec::new(Endpoint::Historical)
        .post_ids(&ids)
        .metrics([Metric::Impressions, Metric::Favorites])
        .grouping("daily", [Dimension::TweetId, Dimension::EngagementDay])
        .window_times(
            datetime!(2026-11-10 12:24:30.5 UTC),
            datetime!(2026-11-12 08:00:00.25 +02:00),
        );
    let text = RequestSpec::new(Endpoint::Historical)
        .post_ids(["2103692032865206273"])
        .metrics(["impressions", "favorites"])
        .grouping("daily", ["tweet.id", "engagement.day"])
        .window("2026-11-10T12:00:00Z", "2026-11-12T07:00:00Z");
    let options = ValidationOptions::default();
    let (typed, text) = (
        typed.validate(now, &options).unwrap(),
        text.validate(now, &options).unwrap(),
    );
    assert_eq!(typed.window(), text.window());
    assert_eq!(typed.post_ids(), text.post_ids());
    assert_eq!(typed.metrics(), text.metrics());
    assert_eq!(typed.groupings(), text.groupings());
    // An end a quarter second past the hour is ceiled to the next hour, as the API does.
    let spec = RequestSpec::new(Endpoint::Historical)
        .post_ids(ids)
        .metrics([Metric::Favorites])
        .window_times(
            datetime!(2026-11-10 12:00 UTC),
            datetime!(2026-11-12 06:00:00.25 UTC),
        );
    let window = spec.validate(now, &options).unwrap().window().unwrap();
    assert_eq!(window.end(), datetime!(2026-11-12 07:00 UTC));
}

/// `max_rows` bounds an answer by posts × metrics × the buckets its dimensions split the window
/// into; a plan sums its requests.
#[test]
fn max_rows_bounds_an_answer_by_its_dimensions() {
    use time::macros::datetime;
    use xengage_core::RequestSpec;
    use xengage_core::plan::{Plan, PlanOptions};
    let now = datetime!(2026-11-22 12:00 UTC);
    let options = ValidationOptions::default();
    let ids = [id_aged_days(1), id_aged_days(2)];
    let historical = |groupings: &[(&str, &[&str])]| {
        let mut spec = RequestSpec::new(Endpoint::Historical)
            .post_ids(ids.clone())
            .metrics(["favorites", "retweets"])
            .window("2026-11-20T00:00:00Z", "2026-11-22T00:00:00Z");
        for (name, dims) in groupings {
            spec = spec.grouping(*name, dims.iter().copied());
        }
        spec.validate(now, &options).unwrap().max_rows()
    };
    let hourly: &[&str] = &[
        "tweet.id",
        "engagement.type",
        "engagement.day",
        "engagement.hour",
    ];
    assert_eq!(historical(&[("h", hourly)]), 2 * 2 * 48);
    assert_eq!(
        historical(&[("d", &["tweet.id", "engagement.type", "engagement.day"])]),
        2 * 2 * 3
    );
    assert_eq!(
        historical(&[("hod", &["engagement.type", "engagement.hour"])]),
        2 * 24
    );
    assert_eq!(
        historical(&[("h", hourly), ("t", &["tweet.id", "engagement.type"])]),
        2 * 2 * 48 + 2 * 2
    );
    let v2 = RequestSpec::new(Endpoint::InsightsHistorical)
        .post_ids(ids.clone())
        .metrics(["Impressions"])
        .granularity("Hourly")
        .window("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z");
    assert_eq!(v2.validate(now, &options).unwrap().max_rows(), 2 * 24);
    // 600 posts on totals: three requests of 250, 250 and 100, one row per post and metric.
    let many: Vec<String> = (0..600u64)
        .map(|i| (1_990_000_000_000_000_000 + i).to_string())
        .collect();
    let totals = RequestSpec::new(Endpoint::Totals)
        .post_ids(many)
        .metrics(["favorites"]);
    let plan = Plan::new(&totals, now, &options, &PlanOptions::default()).unwrap();
    assert_eq!(plan.max_rows(), 600);
}
