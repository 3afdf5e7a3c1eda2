//! Property tests of the small parsers of user and server input that the fuzz targets reach only
//! by luck: any RFC 3339 time (typed by a user, or in an answer) is read or refused without a
//! panic; an API error accounts for every post; post ids, metric names, granularities and
//! fields read back from how they are written; an OAuth 1.0a header reads back into what was
//! signed, for any key, token and nonce.

use proptest::prelude::*;
use time::macros::datetime;
use time::{Date, Month, OffsetDateTime};
use xengage_core::auth::OAuth1Credentials;
use xengage_core::auth::oauth1;
use xengage_core::response::{Ledger, ParseOptions, PostEntry, parse_response};
use xengage_core::{
    Endpoint, EngagementField, Granularity, Metric, PostId, RequestSpec, TimeInput,
    ValidationOptions,
};

const NOW: OffsetDateTime = datetime!(2026-11-22 10:30 UTC);

/// Any RFC 3339 time `time` can read: years 0000 to 9999, any offset, maybe a fraction; the
/// first and last days `time` knows come often, as the edges are where arithmetic overflows.
fn rfc3339() -> impl Strategy<Value = String> {
    let day = prop_oneof![
        1 => Just((9999i32, 12u8, 31u8)),
        1 => Just((0i32, 1u8, 1u8)),
        3 => (0i32..=9999, 1u8..=12, 1u8..=31),
    ];
    let hour = prop_oneof![1 => Just(23u8), 1 => Just(0u8), 2 => 0u8..24];
    (
        day,
        (hour, 0u8..60, 0u8..60),
        proptest::option::of(0u32..1_000_000_000),
        proptest::option::of((-23i8..=23, 0i8..60)),
    )
        .prop_filter_map("a real day", |((y, m, d), (h, mi, s), frac, off)| {
            let date = Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?;
            let frac = frac.map_or(String::new(), |n| format!(".{n:09}"));
            let off = match off {
                None => "Z".to_owned(),
                Some((h, m)) => {
                    let sign = if h < 0 { '-' } else { '+' };
                    format!("{sign}{:02}:{m:02}", h.unsigned_abs())
                }
            };
            Some(format!("{date}T{h:02}:{mi:02}:{s:02}{frac}{off}"))
        })
}

/// `f` ran to its end: a panic is a failure of the property, with its message.
fn no_panic<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, TestCaseError> {
    std::panic::catch_unwind(f).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        TestCaseError::fail(format!("panicked: {msg}"))
    })
}

proptest! {
    /// A time a user types reads, or is refused; validating a window with it never panics.
    #[test]
    fn any_rfc3339_time_a_user_types_is_read_or_refused(t in rfc3339(), as_end in any::<bool>()) {
        let parsed = no_panic(|| TimeInput::parse(&t).map(TimeInput::to_utc))?;
        // `time` reads it, so the SDK must too, or say why.
        let reference = OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339);
        prop_assert!(reference.is_ok(), "{t} is not RFC 3339 to `time` either");
        if let Ok(utc) = parsed {
            prop_assert_eq!(utc, reference.unwrap());
        }
        for endpoint in [Endpoint::Historical, Endpoint::InsightsHistorical] {
            let mut spec = RequestSpec::new(endpoint)
                .post_ids(["1990000000000000001"])
                .metrics(["favorites"])
                .granularity("Daily");
            spec = if as_end { spec.window("2026-11-01", t.clone()) } else { spec.window(t.clone(), "2026-11-08") };
            let _ = no_panic(|| spec.validate(NOW, &ValidationOptions::default()).map(|_| ()))?;
        }
    }

    /// Any `now` a caller gives (the CLI's --now, the npm package's options.now) validates a
    /// request without a panic, the default window of historical included.
    #[test]
    fn any_now_validates_without_a_panic(t in rfc3339()) {
        let now = OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).unwrap();
        let spec = RequestSpec::new(Endpoint::Historical)
            .post_ids(["1990000000000000001"])
            .metrics(["favorites"]);
        let _ = no_panic(|| spec.validate(now, &ValidationOptions::default()).map(|_| ()))?;
    }

    /// Any time an answer carries (v1 `start`/`end`, v2 `iso8601_time`) is read, or the answer is
    /// refused as malformed: never a panic.
    #[test]
    fn any_time_in_an_answer_is_read_or_refused(t in rfc3339(), which in 0u8..3) {
        let (endpoint, body) = match which {
            0 => (Endpoint::Historical, format!(r#"{{"start":"2026-11-01T00:00:00Z","end":"{t}"}}"#)),
            1 => (Endpoint::Last28Hours, format!(r#"{{"start":"{t}","end":"2026-11-08T00:00:00Z"}}"#)),
            _ => (Endpoint::Insights28Hours, format!(
                r#"{{"data":[{{"measurement":{{"metrics_time_series":[{{"tweet_id":"1990000000000000001","value":{{"metric_values":[{{"metric_type":"Impressions","metric_value":1}}],"timestamp":{{"iso8601_time":"{t}"}}}}}}]}}}}]}}"#
            )),
        };
        let mut spec = RequestSpec::new(endpoint).post_ids(["1990000000000000001"]).metrics(["impressions"]);
        spec = match endpoint {
            Endpoint::Historical => spec.window("2026-11-01", "2026-11-08"),
            Endpoint::Insights28Hours => spec.granularity("Hourly"),
            _ => spec,
        };
        let request = spec.validate(NOW, &ValidationOptions::default()).unwrap();
        let _ = no_panic(|| parse_response(&request, 200, &http::HeaderMap::new(), body.as_bytes(), &ParseOptions::default()).map(|_| ()))?;
    }

    /// An API error accounts for every post of its request: each is refused by name
    /// (forbidden, unavailable, unsupported for a metric it asked) or failed with the error.
    #[test]
    fn an_api_error_accounts_for_every_post(
        status in prop_oneof![Just(400u16), Just(403), Just(500), Just(503)],
        metrics in proptest::sample::subsequence(vec!["favorites", "impressions", "video_views"], 1..=3),
        lists in proptest::collection::vec((0usize..5, proptest::sample::subsequence(vec![0usize, 1, 2], 0..=3)), 0..4),
    ) {
        const POSTS: [&str; 3] = ["1990000000000000001", "1990000000000000002", "1990000000000000003"];
        let request = RequestSpec::new(Endpoint::Totals)
            .post_ids(POSTS)
            .metrics(metrics.clone())
            .validate(NOW, &ValidationOptions::default())
            .unwrap();
        let mut body = serde_json::Map::new();
        let mut errors = vec![serde_json::Value::from("an error")];
        for (key, posts) in &lists {
            let ids: Vec<&str> = posts.iter().map(|&p| POSTS[p]).collect();
            match key {
                0 => errors.push(format!("Forbidden to access tweets: {}", ids.join(", ")).into()),
                k => {
                    let name = ["unavailable_tweet_ids", "unsupported_for_video_views_tweet_ids",
                        "unsupported_for_impressions_engagements_tweet_ids", "unavailable_tweet_ids"][k - 1];
                    body.insert(name.to_owned(), ids.into());
                }
            }
        }
        body.insert("errors".into(), errors.into());
        let body = serde_json::to_vec(&body).unwrap();
        let error = parse_response(&request, status, &http::HeaderMap::new(), &body, &ParseOptions::default())
            .unwrap_err();
        let ledger = Ledger::failed(&request, &error);
        for id in request.post_ids() {
            let entry = ledger.get(id);
            prop_assert!(
                entry.is_some_and(|e| *e != PostEntry::default()),
                "post {} of a request for {:?} is not accounted for after {} {}: {:?}",
                id, metrics, status, String::from_utf8_lossy(&body), entry
            );
        }
    }

    /// A post id reads back from how it is written, and exactly the strings of
    /// `^[0-9]{1,19}$` are ids.
    #[test]
    fn post_ids_read_back_and_match_the_documented_pattern(s in "[0-9]{0,21}|\\PC{0,21}") {
        let ok = !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
        let parsed = PostId::parse(&s);
        prop_assert_eq!(parsed.is_ok(), ok, "{:?}", s);
        if let Ok(id) = parsed {
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(PostId::parse(&format!("{id}")), Ok(id));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<PostId>(&json).unwrap(), id);
        }
    }

    /// Every metric reads back from each of its names, in any ASCII letter case.
    #[test]
    fn metric_names_read_back_in_any_case(i in 0usize..64, flips in any::<u64>()) {
        let all: Vec<Metric> = Metric::all().collect();
        let m = all[i % all.len()];
        for name in [m.v1_name(), m.v2_name()].into_iter().flatten() {
            let mixed: String = name.chars().enumerate().map(|(k, c)| {
                if flips >> (k % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
            }).collect();
            prop_assert_eq!(Metric::parse(name), Ok(m));
            prop_assert_eq!(Metric::parse(&mixed), Ok(m), "{}", mixed);
        }
        prop_assert_eq!(Metric::parse(m.name()), Ok(m));
    }

    /// Granularities and engagement fields read back from their names.
    #[test]
    fn granularities_and_fields_read_back(i in 0usize..4, j in 0usize..2) {
        let g = Granularity::ALL[i];
        prop_assert_eq!(Granularity::parse(g.name()), Some(g));
        prop_assert_eq!(Granularity::parse(&g.name().to_ascii_uppercase()), Some(g));
        let f = [EngagementField::Errors, EngagementField::Measurement][j];
        prop_assert_eq!(EngagementField::parse(f.name()), Some(f));
    }

    /// The Authorization header a signature makes reads back into the parameters signed, and
    /// verifies, whatever the key, token and nonce hold.
    #[test]
    fn an_authorization_header_reads_back_and_verifies(
        key in "\\PC{1,20}", token in "\\PC{1,20}", nonce in "\\PC{1,20}",
        secret in "\\PC{0,20}", token_secret in "\\PC{0,20}", timestamp in any::<u64>(),
    ) {
        let credentials = OAuth1Credentials::new(key.clone(), secret.clone(), token.clone(), token_secret.clone());
        let url = "https://api.x.com/2/insights/28hr?tweet_ids=1%2C2&granularity=Daily";
        let steps = oauth1::sign("GET", url, &[], &credentials, &nonce, timestamp).unwrap();
        let header = oauth1::parse_authorization_header(&steps.authorization_header).unwrap();
        prop_assert_eq!(header.get("oauth_consumer_key"), Some(key.as_str()));
        prop_assert_eq!(header.get("oauth_token"), Some(token.as_str()));
        prop_assert_eq!(header.get("oauth_nonce"), Some(nonce.as_str()));
        let stamp = timestamp.to_string();
        prop_assert_eq!(header.get("oauth_timestamp"), Some(stamp.as_str()));
        prop_assert_eq!(header.get("oauth_signature"), Some(steps.signature.as_str()));
        let verified = oauth1::verify("GET", url, &[], &steps.authorization_header, &secret, Some(&token_secret));
        prop_assert!(verified.is_ok(), "{:?}", verified);
    }
}
