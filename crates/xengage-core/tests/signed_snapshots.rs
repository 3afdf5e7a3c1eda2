//! Snapshots of signed requests, one per endpoint: OAuth 1.0a with fixed test credentials, a
//! fixed nonce and a fixed timestamp, so the `Authorization` header (which holds no secret) is
//! exact. Also: a request sent to a proxy still signs the API's canonical URL, and bearer tokens
//! are masked in `redacted_headers`.

use time::OffsetDateTime;
use time::macros::datetime;
use xengage_core::auth::oauth1::{self, VerifyError};
use xengage_core::auth::{Credentials, FixedNonce, OAuth1Credentials, Secret};
use xengage_core::{BaseUrls, Endpoint, PreparedRequest, Request, RequestSpec, ValidationOptions};

/// The fixed clock.
const NOW: OffsetDateTime = datetime!(2026-11-22 10:30 UTC);
/// The fixed timestamp: `NOW` in seconds.
const TIMESTAMP: u64 = 1_795_343_400;
/// The fixed nonce: 32 alphanumeric characters.
const NONCE: &str = "xengageTestNonce0123456789abcdef";

const CONSUMER_KEY: &str = "test-consumer-key";
const CONSUMER_SECRET: &str = "test-consumer-secret";
const ACCESS_TOKEN: &str = "1234567890-test-access-token";
const ACCESS_TOKEN_SECRET: &str = "test-access-token-secret";
const USER_TOKEN: &str = "test-oauth2-user-token";
const BEARER_TOKEN: &str = "test-app-only-bearer-token";

/// Where a proxy in front of the API listens.
const PROXY: &str = "http://127.0.0.1:8080";

fn oauth1_credentials() -> Credentials {
    Credentials::OAuth1User(OAuth1Credentials::new(
        CONSUMER_KEY,
        CONSUMER_SECRET,
        ACCESS_TOKEN,
        ACCESS_TOKEN_SECRET,
    ))
}

fn nonces() -> FixedNonce {
    FixedNonce {
        nonce: NONCE.into(),
        timestamp: TIMESTAMP,
    }
}

/// A valid request for each endpoint, with the snapshot's name.
fn requests() -> Vec<(&'static str, Request)> {
    let specs = [
        (
            "totals",
            RequestSpec::new(Endpoint::Totals)
                .post_ids(["1992000000000000000", "1070059276213702656"])
                .metrics(["impressions", "engagements", "favorites"]),
        ),
        (
            "28hr",
            RequestSpec::new(Endpoint::Last28Hours)
                .post_ids(["1992000000000000000"])
                .metrics(["impressions", "url_clicks"])
                .grouping(
                    "hourly",
                    [
                        "tweet.id",
                        "engagement.type",
                        "engagement.day",
                        "engagement.hour",
                    ],
                ),
        ),
        (
            "historical",
            RequestSpec::new(Endpoint::Historical)
                .post_ids(["1992000000000000000", "1991000000000000000"])
                .metrics(["impressions", "detail_expands"])
                .grouping("daily", ["tweet.id", "engagement.type", "engagement.day"])
                .window("2026-11-01T12:24:00Z", "2026-11-10T08:37:00Z"),
        ),
        (
            "insights-28hr",
            RequestSpec::new(Endpoint::Insights28Hours)
                .post_ids(["1346889436626259968", "1992000000000000000"])
                .metrics(["Impressions", "Likes"])
                .granularity("Hourly")
                .fields(["errors", "measurement"]),
        ),
        (
            "insights-historical",
            RequestSpec::new(Endpoint::InsightsHistorical)
                .post_ids(["1992000000000000000"])
                .metrics(["Impressions", "LinkClicks"])
                .granularity("Daily")
                .window("2026-11-01", "2026-11-15"),
        ),
    ];
    let requests: Vec<_> = specs
        .into_iter()
        .map(|(name, spec)| {
            let request = spec
                .validate(NOW, &ValidationOptions::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, request)
        })
        .collect();
    let endpoints: Vec<Endpoint> = requests.iter().map(|(_, r)| r.endpoint()).collect();
    assert_eq!(endpoints, Endpoint::ALL, "one request per endpoint");
    requests
}

fn authorization(prepared: &PreparedRequest) -> &str {
    prepared.headers["authorization"].to_str().unwrap()
}

/// Method, URL, every header as sent (the OAuth 1.0a header in full) and the body.
fn snapshot(prepared: &PreparedRequest) -> serde_json::Value {
    let headers: Vec<String> = prepared
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
        .collect();
    serde_json::json!({
        "method": prepared.method.as_str(),
        "url": prepared.url,
        "headers": headers,
        "body": prepared.body_text(),
    })
}

/// Checks the protocol parameters of an OAuth 1.0a header.
fn assert_oauth1_params(name: &str, header: &str) {
    let parsed = oauth1::parse_authorization_header(header).unwrap();
    assert_eq!(
        parsed.get("oauth_consumer_key"),
        Some(CONSUMER_KEY),
        "{name}"
    );
    assert_eq!(parsed.get("oauth_token"), Some(ACCESS_TOKEN), "{name}");
    assert_eq!(parsed.get("oauth_nonce"), Some(NONCE), "{name}");
    assert_eq!(
        parsed.get("oauth_timestamp"),
        Some(TIMESTAMP.to_string().as_str()),
        "{name}"
    );
    assert_eq!(
        parsed.get("oauth_signature_method"),
        Some("HMAC-SHA1"),
        "{name}"
    );
    assert_eq!(parsed.get("oauth_version"), Some("1.0"), "{name}");
    let signature = parsed.get("oauth_signature").unwrap_or_default();
    // Base64 of a 20-byte HMAC-SHA1.
    assert_eq!(signature.len(), 28, "{name}: {signature}");
    for secret in [CONSUMER_SECRET, ACCESS_TOKEN_SECRET] {
        assert!(!header.contains(secret), "{name}: {header}");
    }
}

fn verify(method: &str, url: &str, header: &str) -> Result<(), VerifyError> {
    oauth1::verify(
        method,
        url,
        &[],
        header,
        CONSUMER_SECRET,
        Some(ACCESS_TOKEN_SECRET),
    )
    .map(drop)
}

#[test]
fn oauth1_signed_requests_match_their_snapshots() {
    for (name, request) in requests() {
        let direct = BaseUrls::default();
        let prepared = request
            .prepare_authorized(&direct, &direct, &oauth1_credentials(), &mut nonces())
            .unwrap();
        let header = authorization(&prepared);
        assert_oauth1_params(name, header);
        verify(prepared.method.as_str(), &prepared.url, header)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Signing is a pure function of its inputs.
        let again = request
            .prepare_authorized(&direct, &direct, &oauth1_credentials(), &mut nonces())
            .unwrap();
        assert_eq!(authorization(&again), header, "{name}");
        // The OAuth 1.0a header is shown in full: it holds no secret.
        assert!(
            prepared
                .redacted_headers()
                .contains(&("authorization".to_owned(), header.to_owned())),
            "{name}"
        );
        insta::assert_json_snapshot!(format!("oauth1-{name}"), snapshot(&prepared));
    }
}

#[test]
fn sent_to_a_proxy_the_signature_covers_the_canonical_url() {
    let proxy = BaseUrls::single(PROXY).unwrap();
    let canonical = BaseUrls::default();
    let requests = requests();
    // One request per endpoint family: v1 28hr and v2 insights-28hr.
    for name in ["28hr", "insights-28hr"] {
        let request = &requests.iter().find(|(n, _)| *n == name).unwrap().1;
        let sent = request
            .prepare_authorized(&proxy, &canonical, &oauth1_credentials(), &mut nonces())
            .unwrap();
        let signed_for = request.prepare(&canonical);
        assert!(sent.url.starts_with(PROXY), "{}", sent.url);
        assert!(!signed_for.url.starts_with(PROXY), "{}", signed_for.url);
        let header = authorization(&sent);
        assert_oauth1_params(name, header);
        let method = sent.method.as_str();
        assert_eq!(verify(method, &signed_for.url, header), Ok(()), "{name}");
        assert_eq!(
            verify(method, &sent.url, header),
            Err(VerifyError::Mismatch),
            "{name}: a signature over the proxy's URL would not pass at the API"
        );
        // The same header as when sent to the API directly.
        let direct = request
            .prepare_authorized(&canonical, &canonical, &oauth1_credentials(), &mut nonces())
            .unwrap();
        assert_eq!(header, authorization(&direct), "{name}");
        insta::assert_json_snapshot!(format!("oauth1-via-proxy-{name}"), snapshot(&sent));
    }
}

#[test]
fn bearer_tokens_are_sent_and_masked_in_redacted_headers() {
    let requests = requests();
    let cases = [
        (
            "insights-28hr",
            Credentials::OAuth2User {
                access_token: Secret::new(USER_TOKEN),
            },
            USER_TOKEN,
        ),
        (
            "totals",
            Credentials::AppOnly {
                bearer_token: Secret::new(BEARER_TOKEN),
            },
            BEARER_TOKEN,
        ),
    ];
    for (name, credentials, token) in cases {
        let request = &requests.iter().find(|(n, _)| *n == name).unwrap().1;
        let urls = BaseUrls::default();
        let prepared = request
            .prepare_authorized(&urls, &urls, &credentials, &mut nonces())
            .unwrap();
        assert_eq!(
            authorization(&prepared),
            format!("Bearer {token}"),
            "{name}"
        );
        assert!(prepared.headers["authorization"].is_sensitive(), "{name}");
        let redacted = prepared.redacted_headers();
        assert!(
            redacted.contains(&("authorization".to_owned(), "Bearer ***".to_owned())),
            "{name}: {redacted:?}"
        );
        let shown = format!("{redacted:?} {prepared:?}");
        assert!(!shown.contains(token), "{name}: {shown}");
        let snapshot = serde_json::json!({
            "method": prepared.method.as_str(),
            "url": prepared.url,
            "redacted_headers": redacted
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>(),
            "body": prepared.body_text(),
        });
        let kind = match credentials {
            Credentials::AppOnly { .. } => "app-only",
            _ => "oauth2-user",
        };
        insta::assert_json_snapshot!(format!("bearer-{kind}-{name}"), snapshot);
    }
}
