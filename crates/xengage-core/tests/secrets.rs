//! Every credential type, every signed request and every error that involves a credential,
//! formatted with `{:?}` and `{}`: no secret string appears.

use time::macros::datetime;
use xengage_core::auth::oauth1::{self, VerifyError};
use xengage_core::auth::{Credentials, FixedNonce, OAuth1Credentials, Secret};
use xengage_core::{BaseUrls, Endpoint, RequestSpec, ValidationOptions};

const SECRETS: [&str; 4] = [
    "cs-0123456789",
    "ts-9876543210",
    "bearer-abcdef",
    "user-fedcba",
];

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows {s}: {text}");
    }
}

fn all_credentials() -> Vec<Credentials> {
    vec![
        Credentials::OAuth1User(OAuth1Credentials::new("ck", SECRETS[0], "at", SECRETS[1])),
        Credentials::AppOnly {
            bearer_token: Secret::new(SECRETS[2]),
        },
        Credentials::OAuth2User {
            access_token: Secret::new(SECRETS[3]),
        },
    ]
}

#[test]
fn credentials_requests_and_errors_never_show_a_secret() {
    for s in SECRETS {
        let secret = Secret::new(s);
        assert_clean("Secret", &format!("{secret:?} {secret}"));
    }
    let now = datetime!(2026-11-22 12:00 UTC);
    for credentials in all_credentials() {
        assert_clean("Credentials", &format!("{credentials:?}"));
        if let Credentials::OAuth1User(c) = &credentials {
            assert_clean("OAuth1Credentials", &format!("{c:?}"));
            let steps = oauth1::sign(
                "POST",
                "https://data-api.x.com/insights/engagement/totals",
                &[],
                c,
                "n",
                1,
            )
            .unwrap();
            assert_clean(
                "SignatureSteps",
                &format!("{steps:?} {}", serde_json::to_string(&steps).unwrap()),
            );
            let err = oauth1::verify(
                "POST",
                "https://data-api.x.com/x",
                &[],
                &steps.authorization_header,
                SECRETS[0],
                Some(SECRETS[1]),
            )
            .unwrap_err();
            assert_eq!(err, VerifyError::Mismatch);
            assert_clean("VerifyError", &format!("{err:?} {err}"));
            let err = oauth1::sign("POST", "no-scheme", &[], c, "n", 1).unwrap_err();
            assert_clean("AuthError", &format!("{err:?} {err}"));
        }
        for endpoint in Endpoint::ALL {
            let mut spec = RequestSpec::new(endpoint)
                .post_ids(["1990000000000000001"])
                .metrics(["impressions"]);
            if endpoint.generation() == xengage_core::Generation::V2 {
                spec = spec.granularity("Total").window("2026-11-01", "2026-11-02");
            }
            let options = ValidationOptions::default().credential(Some(credentials.kind()));
            match spec.validate(now, &options) {
                Ok(request) => {
                    let mut nonces = FixedNonce {
                        nonce: "n".into(),
                        timestamp: 1,
                    };
                    let prepared = request
                        .prepare_authorized(
                            &BaseUrls::default(),
                            &BaseUrls::default(),
                            &credentials,
                            &mut nonces,
                        )
                        .unwrap();
                    assert_clean("PreparedRequest", &format!("{prepared:?}"));
                    assert_clean(
                        "redacted headers",
                        &format!("{:?}", prepared.redacted_headers()),
                    );
                }
                Err(invalid) => assert_clean("InvalidRequest", &format!("{invalid:?} {invalid}")),
            }
        }
    }
}

#[test]
fn a_token_no_header_can_carry_is_refused_up_front_without_its_value() {
    use xengage_core::auth::{Credentials, OAuth1Credentials, Secret};
    for (credentials, what) in [
        (
            Credentials::AppOnly {
                bearer_token: Secret::new("tok-secret-1\r"),
            },
            "bearer token",
        ),
        (
            Credentials::OAuth2User {
                access_token: Secret::new("tok\nsecret-2"),
            },
            "OAuth 2.0 user token",
        ),
        (
            Credentials::AppOnly {
                bearer_token: Secret::new("tokén-secret-3"),
            },
            "bearer token",
        ),
        (
            Credentials::AppOnly {
                bearer_token: Secret::new("tok\u{a0}secret-4"),
            },
            "bearer token",
        ),
    ] {
        let e = credentials.check().unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with(&format!("the {what} holds")), "{text}");
        assert!(!text.contains("secret-"), "{text}");
    }
    let fine = Credentials::OAuth1User(OAuth1Credentials::new(
        "ck",
        "cs with spaces\r",
        "at",
        "ats",
    ));
    assert_eq!(fine.check(), Ok(()));
    assert_eq!(
        Credentials::AppOnly {
            bearer_token: Secret::new("AAAA%2Fbearer")
        }
        .check(),
        Ok(())
    );
}

/// A header that is not OAuth 1.0a may be a token written the way another scheme writes it:
/// the error names the parameter by its position, never by its text (an emulator or server
/// answers it in a 401 body).
#[test]
fn a_malformed_oauth_header_is_described_without_its_text() {
    for header in [
        "OAuth ya29.token-secret-1",
        "OAuth token-secret-2=",
        "OAuth oauth_consumer_key=\"ck\", token-secret-3",
        "OAuth token-secret-4=\"%ff\"",
        "Bearer token-secret-5",
    ] {
        let e = oauth1::verify(
            "POST",
            "https://data-api.x.com/insights/engagement/totals",
            &[],
            header,
            "cs",
            None,
        )
        .unwrap_err();
        assert!(matches!(e, VerifyError::Header(_)), "{header}: {e:?}");
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("token-secret"), "{header}: {text}");
        }
    }
}
