//! The request rules of post and media analytics (`GET /2/tweets/analytics`,
//! `GET /2/media/analytics`): each rule has a failing case, and what is sent is checked
//! parameter by parameter.

mod common;

use common::{NOW, problems, valid, validate};
use xengage_core::{
    BaseUrls, CredentialKind, Endpoint, MediaKeyError, Metric, Notice, PostIdError, RequestSpec,
    Rule, ValidationOptions,
};

fn ids(n: u64) -> Vec<String> {
    (0..n)
        .map(|i| (1_990_000_000_000_000_000 + i).to_string())
        .collect()
}

fn query(spec: &RequestSpec) -> Vec<(String, String)> {
    let request = validate(spec).unwrap();
    request
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn post_analytics_takes_one_to_a_hundred_ids() {
    let mut spec = valid(Endpoint::Analytics);
    spec.post_ids = ids(100);
    assert!(validate(&spec).is_ok());
    spec.post_ids = ids(101);
    let p = problems(&spec);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].field, "ids");
    assert!(matches!(
        p[0].rule,
        Rule::TooManyPostIds {
            max: 100,
            given: 101,
            ..
        }
    ));
    spec.post_ids.clear();
    let p = problems(&spec);
    assert_eq!(p[0].field, "ids");
    assert!(matches!(p[0].rule, Rule::NoPostIds));
}

#[test]
fn post_analytics_ids_are_one_to_nineteen_digits_named_by_their_parameter() {
    let spec = valid(Endpoint::Analytics).post_ids(["12345678901234567890", "x1"]);
    let p = problems(&spec);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(p[0].field, "ids[1]");
    assert!(matches!(p[0].rule, Rule::PostId(PostIdError::TooLong(_))));
    assert_eq!(p[1].field, "ids[2]");
}

#[test]
fn media_analytics_takes_one_to_a_hundred_media_keys_of_the_documented_pattern() {
    let keys = |n: u64| (0..n).map(|i| format!("3_{i}")).collect::<Vec<_>>();
    let mut spec = valid(Endpoint::MediaAnalytics);
    spec.media_keys = keys(100);
    assert!(validate(&spec).is_ok());
    spec.media_keys = keys(101);
    let p = problems(&spec);
    assert_eq!(p[0].field, "media_keys");
    assert!(matches!(p[0].rule, Rule::TooManyPostIds { max: 100, .. }));
    spec.media_keys = vec![
        "3-1".into(),
        "3_".into(),
        "3_99999999999999999999999".into(),
    ];
    let p = problems(&spec);
    assert_eq!(p.len(), 3, "{p:#?}");
    assert_eq!(p[0].field, "media_keys[0]");
    assert!(matches!(p[0].rule, Rule::MediaKey(MediaKeyError::Shape(_))));
    assert!(matches!(p[1].rule, Rule::MediaKey(MediaKeyError::Shape(_))));
    assert!(matches!(
        p[2].rule,
        Rule::MediaKey(MediaKeyError::PartTooLarge(_))
    ));
    spec.media_keys.clear();
    let p = problems(&spec);
    assert!(matches!(p[0].rule, Rule::NoMediaKeys));
}

#[test]
fn post_ids_and_media_keys_go_to_their_own_endpoints() {
    let spec = valid(Endpoint::MediaAnalytics).post_ids(["1"]);
    let p = problems(&spec);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(matches!(p[0].rule, Rule::PostIdsOnMedia(_)));
    let spec = valid(Endpoint::Analytics).media_keys(["3_1"]);
    let p = problems(&spec);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(matches!(p[0].rule, Rule::MediaKeysOnPosts(_)));
}

#[test]
fn duplicates_are_sent_once_with_a_notice() {
    let spec = valid(Endpoint::MediaAnalytics).media_keys(["3_1", "3_1", "3_1992000000000000000"]);
    let r = validate(&spec).unwrap();
    assert_eq!(r.media_keys().len(), 2);
    assert!(r.notices().iter().any(|n| matches!(
        n,
        Notice::DuplicateMediaKeysRemoved { media_keys } if media_keys.len() == 2
    )));
}

#[test]
fn both_times_are_required() {
    for endpoint in [Endpoint::Analytics, Endpoint::MediaAnalytics] {
        for (start, end) in [(None, Some("2026-11-08")), (Some("2026-11-01"), None)] {
            let mut spec = valid(endpoint);
            spec.start = start.map(str::to_owned);
            spec.end = end.map(str::to_owned);
            let p = problems(&spec);
            assert_eq!(p.len(), 1, "{p:#?}");
            assert!(matches!(p[0].rule, Rule::WindowRequired(_)), "{p:#?}");
        }
    }
}

#[test]
fn no_window_limit_age_limit_or_lookback_is_documented_so_none_is_applied() {
    // Two years, starting before 2014-09-01's floor would not matter here: the analytics
    // endpoints document no longest window and no lookback; the API decides.
    let spec = valid(Endpoint::Analytics).window("2024-01-01", "2026-11-01");
    let r = validate(&spec).unwrap();
    assert!(r.window().unwrap().hours() > 4 * 7 * 24);
    let spec = valid(Endpoint::Analytics).window("2012-01-01", "2012-02-01");
    assert!(validate(&spec).is_ok());
    // What is documented for every window still holds: an end after the start, not in the future.
    let spec = valid(Endpoint::Analytics).window("2026-11-08", "2026-11-01");
    assert!(
        problems(&spec)
            .iter()
            .any(|p| matches!(p.rule, Rule::EndNotAfterStart { .. }))
    );
}

#[test]
fn granularity_is_optional_sent_lower_case_with_the_documented_defaults() {
    let pairs = query(&valid(Endpoint::Analytics));
    assert_eq!(value(&pairs, "granularity"), Some("total"));
    let pairs = query(&valid(Endpoint::MediaAnalytics));
    assert_eq!(value(&pairs, "granularity"), Some("daily"));
    for (given, sent) in [
        ("Hourly", "hourly"),
        ("DAILY", "daily"),
        ("weekly", "weekly"),
    ] {
        let pairs = query(&valid(Endpoint::Analytics).granularity(given));
        assert_eq!(value(&pairs, "granularity"), Some(sent));
    }
    let p = problems(&valid(Endpoint::Analytics).granularity("monthly"));
    assert!(matches!(p[0].rule, Rule::UnknownGranularity));
}

#[test]
fn media_analytics_has_no_weekly_buckets() {
    let p = problems(&valid(Endpoint::MediaAnalytics).granularity("Weekly"));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].field, "granularity");
    assert!(matches!(p[0].rule, Rule::GranularityUnavailable { .. }));
    assert!(
        p[0].rule.to_string().contains("not weekly"),
        "{}",
        p[0].rule
    );
}

#[test]
fn metrics_come_from_each_endpoints_enum() {
    // Post analytics: the 20 names of its enum, in any spelling of the same metric.
    let spec = valid(Endpoint::Analytics).metrics(["likes", "Follows", "bookmarks", "unlikes"]);
    let pairs = query(&spec);
    assert_eq!(
        value(&pairs, "analytics.fields"),
        Some("impressions,likes,follows,bookmarks,unlikes,timestamped_metrics")
    );
    let enum_names: Vec<&str> = Metric::all()
        .filter(|m| m.available_on(Endpoint::Analytics))
        .filter_map(|m| m.name_on(Endpoint::Analytics))
        .collect();
    assert_eq!(enum_names.len(), 20, "{enum_names:?}");
    let media_names: Vec<&str> = Metric::all()
        .filter(|m| m.available_on(Endpoint::MediaAnalytics))
        .filter_map(|m| m.name_on(Endpoint::MediaAnalytics))
        .collect();
    assert_eq!(media_names.len(), 10, "{media_names:?}");
    // A media metric on posts, a 2.166 bucket name, and a v2 insights-only metric are refused.
    for name in ["watch_time_ms", "link_clicks", "UniqueVideoViews"] {
        let p = problems(&valid(Endpoint::Analytics).metrics([name]));
        assert_eq!(p.len(), 1, "{name}: {p:#?}");
        assert_eq!(p[0].field, "analytics.fields[1]");
        assert!(
            matches!(p[0].rule, Rule::MetricUnavailable { .. }),
            "{name}"
        );
    }
    let p = problems(&valid(Endpoint::MediaAnalytics).metrics(["impressions"]));
    assert_eq!(p[0].field, "media_analytics.fields[1]");
    let pairs = query(&valid(Endpoint::MediaAnalytics).metrics(["VideoStarts", "playback75"]));
    assert_eq!(
        value(&pairs, "media_analytics.fields"),
        Some("video_views,playback_start,playback75,timestamped_metrics")
    );
}

#[test]
fn engagement_fields_are_not_analytics_parameters() {
    let p = problems(&valid(Endpoint::Analytics).fields(["measurement"]));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(matches!(p[0].rule, Rule::FieldsOnAnalytics(_)));
}

#[test]
fn every_problem_is_reported_at_once() {
    let spec = RequestSpec::new(Endpoint::MediaAnalytics)
        .media_keys(["bad"])
        .post_ids(["1"])
        .metrics(["impressions", "nonsense"])
        .granularity("weekly")
        .fields(["errors"]);
    let p = problems(&spec);
    assert_eq!(p.len(), 7, "{p:#?}");
}

#[test]
fn the_request_is_a_get_with_comma_joined_lists_and_rfc3339_times() {
    let spec = valid(Endpoint::Analytics)
        .post_ids(["1992000000000000001"])
        .window("2026-11-01T00:00:00Z", "2026-11-08T06:00:00+02:00")
        .granularity("Hourly");
    let request = validate(&spec).unwrap();
    let http = request.prepare(&BaseUrls::default());
    assert_eq!(http.method, "GET");
    assert!(http.body.is_none());
    assert_eq!(
        http.url,
        "https://api.x.com/2/tweets/analytics?ids=2124087926584246272,1992000000000000001\
         &start_time=2026-11-01T00%3A00%3A00Z&end_time=2026-11-08T04%3A00%3A00Z\
         &granularity=hourly&analytics.fields=impressions,timestamped_metrics"
    );
    // What is sent reads back into the same request.
    let read = RequestSpec::from_http("GET", &http.url, None).unwrap();
    assert_eq!(validate(&read).unwrap().to_spec(), request.to_spec());
    let media = validate(&valid(Endpoint::MediaAnalytics)).unwrap();
    let http = media.prepare(&BaseUrls::default());
    let read = RequestSpec::from_http("GET", &http.url, None).unwrap();
    assert_eq!(validate(&read).unwrap().to_spec(), media.to_spec());
}

#[test]
fn app_only_tokens_are_refused_before_sending_with_the_reason() {
    let app_only = ValidationOptions::default().credential(Some(CredentialKind::AppOnly));
    for endpoint in [Endpoint::Analytics, Endpoint::MediaAnalytics] {
        let err = valid(endpoint).validate(NOW, &app_only).unwrap_err();
        assert!(
            err.has(|r| matches!(r, Rule::EndpointNeedsUserContext { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("OAuth 2.0 user token"), "{err}");
        for credential in [CredentialKind::OAuth2User, CredentialKind::OAuth1User] {
            let options = ValidationOptions::default().credential(Some(credential));
            assert!(valid(endpoint).validate(NOW, &options).is_ok());
        }
    }
}

#[test]
fn the_retired_insights_endpoints_name_their_successor() {
    for endpoint in [Endpoint::Insights28Hours, Endpoint::InsightsHistorical] {
        let r = validate(&valid(endpoint)).unwrap();
        assert!(r.notices().iter().any(|n| matches!(
            n,
            Notice::EndpointRetired {
                spec_version: "2.167",
                successor: Endpoint::Analytics,
                ..
            }
        )));
    }
    let r = validate(&valid(Endpoint::Analytics)).unwrap();
    assert!(
        !r.notices()
            .iter()
            .any(|n| matches!(n, Notice::EndpointRetired { .. }))
    );
}
