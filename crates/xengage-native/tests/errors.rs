//! Failures told apart by typed accessors, never by their words: a timeout, a refused
//! connection, a 401, a 403 and a cancelled job; and one client holding several credentials,
//! each request signed with the one the rule picks.

use std::time::Duration;

use time::macros::datetime;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use xengage_core::auth::{CredentialSet, Credentials, OAuth1Credentials};
use xengage_core::pace::RetryPolicy;
use xengage_core::response::{ApiErrorKind, FailureKind, PostStatus};
use xengage_core::{CredentialKind, Endpoint, PostId, RequestSpec};
use xengage_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator};
use xengage_native::{Client, SendError};

const NOW: time::OffsetDateTime = datetime!(2026-11-22 12:30 UTC);
const ID: &str = "1990000000000000001";
/// Far beyond any timeout a test sets: reaching it means the client hung.
const HANG_GUARD: Duration = Duration::from_secs(30);

fn builder(url: &str) -> xengage_native::ClientBuilder {
    Client::builder()
        .base_url(url)
        .now(NOW)
        .timeout(Duration::from_millis(300))
        .quota_window(Duration::from_millis(50))
        .retry(RetryPolicy::default().max_retries(0))
}

fn some_oauth1() -> Credentials {
    Credentials::OAuth1User(OAuth1Credentials::new("ck", "cs", "at", "ats"))
}

fn totals(ids: &[String]) -> RequestSpec {
    RequestSpec::new(Endpoint::Totals)
        .post_ids(ids.iter().cloned())
        .metrics(["favorites"])
}

async fn send(client: &Client, spec: &RequestSpec) -> SendError {
    tokio::time::timeout(HANG_GUARD, client.send(spec))
        .await
        .expect("the client hung")
        .expect_err("the request succeeded")
}

async fn emulator() -> RunningEmulator {
    Emulator::start(EmulatorConfig::default().now(Clock::Fixed(NOW)))
        .await
        .unwrap()
}

fn ids(list: &[PostId]) -> Vec<String> {
    list.iter().map(|i| i.as_str().to_owned()).collect()
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            held.push(stream); // Never a word back.
        }
    });
    let client = builder(&url).credentials(some_oauth1()).build().unwrap();
    let e = send(&client, &totals(&[ID.to_owned()])).await;
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(e.kind(), Some(FailureKind::Timeout));
    assert!(!e.is_connect());
    assert!(e.is_retryable(), "a timeout may pass");
    assert_eq!(e.status(), None);
    assert!(e.api_error().is_none());
    let ledger = &e.summary().unwrap().ledger;
    let failure = &ledger.get(&ID.parse().unwrap()).unwrap().failures[0];
    assert_eq!((failure.kind, failure.status), (FailureKind::Timeout, None));
    let SendError::NoAnswer {
        error: Some(cause), ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert!(cause.is_timeout());
}

#[tokio::test]
async fn a_closed_port_is_a_connection_failure() {
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    }; // Closed: nothing listens there now.
    let client = builder(&url).credentials(some_oauth1()).build().unwrap();
    let e = send(&client, &totals(&[ID.to_owned()])).await;
    assert!(e.is_connect(), "{e:?}");
    assert_eq!(e.kind(), Some(FailureKind::Connection));
    assert!(!e.is_timeout());
    assert!(e.is_retryable());
    assert_eq!(e.status(), None);
    let failure = &e
        .summary()
        .unwrap()
        .ledger
        .get(&ID.parse().unwrap())
        .unwrap()
        .failures[0];
    assert_eq!(failure.kind, FailureKind::Connection);
    // The transport's own error travels as a source, typed.
    let source = std::error::Error::source(&e).unwrap();
    assert!(
        source
            .downcast_ref::<xengage_native::ExchangeError>()
            .is_some()
    );
}

#[tokio::test]
async fn bad_credentials_are_a_401() {
    let emu = emulator().await;
    let posts = ids(&emu.world().owned_post_ids(0)[..2]);
    let client = builder(&emu.url())
        .credentials(some_oauth1())
        .build()
        .unwrap();
    let e = send(&client, &totals(&posts)).await;
    assert_eq!(e.status(), Some(401), "{e:?}");
    assert_eq!(e.kind(), Some(FailureKind::Api));
    assert_eq!(e.api_error().unwrap().kind, ApiErrorKind::Unauthorized);
    assert!(!e.is_retryable());
    assert!(!e.is_timeout() && !e.is_connect());
    let failure = &e
        .summary()
        .unwrap()
        .ledger
        .get(&emu.world().owned_post_ids(0)[0])
        .unwrap()
        .failures[0];
    assert_eq!(
        (failure.kind, failure.status),
        (FailureKind::Api, Some(401))
    );
}

#[tokio::test]
async fn posts_of_another_user_are_forbidden_per_post_and_a_bare_403_is_an_error() {
    // The API's 403 names the posts: partial failure, in the ledger; `ensure_served` makes it
    // an error that says which and why.
    let emu = emulator().await;
    let theirs = emu.world().owned_post_ids(1);
    let client = builder(&emu.url())
        .credentials(emu.credentials().oauth1(0))
        .build()
        .unwrap();
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&theirs[..3]))
        .metrics(["favorites"]);
    let sent = client.send(&spec).await.unwrap();
    let not_served = sent.ensure_served().unwrap_err();
    assert_eq!(not_served.count(PostStatus::Forbidden), 3);
    assert_eq!(not_served.asked, 3);
    assert!(not_served.to_string().contains(theirs[0].as_str()));

    // A 403 naming no post (a proxy's origin check, say) fails the request.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let body = r#"{"errors":["origin not allowed"]}"#;
            let answer = format!(
                "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let client = builder(&url).credentials(some_oauth1()).build().unwrap();
    let e = send(&client, &totals(&[ID.to_owned()])).await;
    assert_eq!(e.status(), Some(403), "{e:?}");
    assert_eq!(e.api_error().unwrap().kind, ApiErrorKind::Forbidden);
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_cancelled_job_says_cancelled() {
    let emu = emulator().await;
    let owned = emu.world().owned_post_ids(0);
    // A slow quota: the first batch goes, the rest wait for their slots when cancelled.
    let client = builder(&emu.url())
        .credentials(emu.credentials().oauth1(0))
        .quota_window(Duration::from_secs(600))
        .build()
        .unwrap();
    let spec = RequestSpec::new(Endpoint::Last28Hours)
        .post_ids(ids(&owned[..100]))
        .metrics(["favorites"]);
    let job = client.collect(&spec).unwrap();
    assert!(job.planned() >= 4);
    let summary = tokio::time::timeout(HANG_GUARD, job.cancel())
        .await
        .expect("cancel hung");
    let err = summary.ledger.ensure_served().unwrap_err();
    assert!(err.count(PostStatus::Cancelled) > 0, "{err}");
    assert_eq!(
        err.count(PostStatus::Cancelled),
        err.posts.len(),
        "only cancelled posts are unserved: {err}"
    );
    for (_, entry) in &err.posts {
        assert!(
            entry
                .failures
                .iter()
                .all(|f| f.kind == FailureKind::Cancelled)
        );
    }
    assert_eq!(summary.ledger.counts().failed, 0);
}

#[tokio::test]
async fn one_client_signs_each_request_with_the_credential_the_rule_picks() {
    let emu = emulator().await;
    let mine = emu.world().public_post_ids(0);
    let theirs = emu.world().public_post_ids(1);
    let set = CredentialSet::new()
        .with(emu.credentials().oauth1(0))
        .with(emu.credentials().oauth2(0))
        .with(emu.credentials().app_only());
    let client = builder(&emu.url()).credentials(set).build().unwrap();
    // Secrets never show, whatever is printed.
    let shown = format!(
        "{client:?} {:?}",
        builder(&emu.url()).credentials(client.credentials().clone())
    );
    let creds = emu.credentials();
    for secret in [
        creds.consumer_secret.expose_secret(),
        creds.bearer_token.expose_secret(),
        creds.accounts[0].access_token_secret.expose_secret(),
        creds.accounts[0].user_token.expose_secret(),
    ] {
        assert!(!shown.contains(secret), "a secret in {shown}");
    }
    // v1 with OAuth 1.0a: account 0's posts.
    let v1 = client
        .send(
            &RequestSpec::new(Endpoint::Last28Hours)
                .post_ids(ids(&mine[..2]))
                .metrics(["favorites"]),
        )
        .await
        .unwrap();
    v1.ensure_served().unwrap();
    // v2 with the user token.
    let v2 = client
        .send(
            &RequestSpec::new(Endpoint::Insights28Hours)
                .post_ids(ids(&mine[..2]))
                .metrics(["Likes"])
                .granularity("Total"),
        )
        .await
        .unwrap();
    v2.ensure_served().unwrap();
    // Totals: OAuth 1.0a by the rule (another user's posts are forbidden to it) ...
    let spec = totals(&ids(&theirs[..2]));
    let by_rule = client.send(&spec).await.unwrap();
    assert_eq!(
        by_rule
            .ensure_served()
            .unwrap_err()
            .count(PostStatus::Forbidden),
        2
    );
    // ... and the bearer token when chosen: public metrics of any public post.
    let app = builder(&emu.url())
        .credentials(client.credentials().clone())
        .auth(CredentialKind::AppOnly)
        .build()
        .unwrap();
    app.send(&spec).await.unwrap().ensure_served().unwrap();
    // Without any credential for the endpoint, nothing is sent.
    let bearer_only = builder(&emu.url())
        .credentials(emu.credentials().app_only())
        .build()
        .unwrap();
    let e = bearer_only
        .send(
            &RequestSpec::new(Endpoint::Last28Hours)
                .post_ids(ids(&mine[..1]))
                .metrics(["favorites"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Credentials(_)), "{e:?}");
    assert!(e.summary().is_none());
}

/// Posts too old for every metric asked: nothing is sent, `send` is `Ok` with no rows, and
/// what says why comes with the result: the planning notices, and `ensure_served`'s error.
#[tokio::test]
async fn nothing_served_is_never_silent() {
    let emu = emulator().await;
    let world = emu.world();
    let old: Vec<PostId> = world
        .owned_post_ids(0)
        .into_iter()
        .filter(|id| (NOW - world.post(id).unwrap().created_at).whole_days() > 100)
        .take(2)
        .collect();
    assert_eq!(
        old.len(),
        2,
        "the emulator's world has posts over 100 days old"
    );
    let client = builder(&emu.url())
        .credentials(emu.credentials().oauth1(0))
        .build()
        .unwrap();
    let spec = RequestSpec::new(Endpoint::Totals)
        .post_ids(ids(&old))
        .metrics(["impressions"]);
    let sent = client.send(&spec).await.unwrap();
    assert_eq!(sent.outcome.row_count(), 0);
    assert_eq!(sent.summary.progress.attempts, 0, "nothing to send");
    let too_old = sent
        .notices
        .iter()
        .filter(|n| matches!(n, xengage_core::Notice::PostTooOldForMetric { .. }))
        .count();
    assert_eq!(too_old, 2, "{:?}", sent.notices);
    let err = sent.ensure_served().unwrap_err();
    assert_eq!(err.count(PostStatus::Unsupported), 2, "{err}");
}

/// A `reqwest::Client` of the application's own (here: its own process-wide provider, its
/// own user agent) carries the requests.
#[tokio::test]
async fn a_reqwest_client_of_ones_own_sends() {
    use tokio::io::AsyncWriteExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = stream.read(&mut buf).await.unwrap();
        let _ = tx.send(String::from_utf8_lossy(&buf[..n]).to_lowercase());
        let body = format!(r#"{{"g":{{"{ID}":{{"favorites":"7"}}}}}}"#);
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
    });
    // The application's choice, made by the application (this test binary), not the library.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("my-app/1.0")
        .build()
        .unwrap();
    let client = builder(&url)
        .credentials(some_oauth1())
        .http_client(http)
        .build()
        .unwrap();
    let spec = totals(&[ID.to_owned()]).grouping("g", ["tweet.id", "engagement.type"]);
    let sent = client.send(&spec).await.unwrap();
    sent.ensure_served().unwrap();
    let head = rx.await.unwrap();
    assert!(head.contains("user-agent: my-app/1.0"), "{head}");
}

/// A request that cannot be signed (here: signed for a URL with port 0) is never sent with a
/// broken header: it fails, typed, as not retryable.
#[tokio::test]
async fn a_request_that_cannot_be_signed_fails_unsent() {
    let client = builder("http://127.0.0.1:0")
        .credentials(some_oauth1())
        .build()
        .unwrap();
    let e = send(&client, &totals(&[ID.to_owned()])).await;
    assert!(!e.is_retryable(), "{e:?}");
    assert_eq!(e.kind(), Some(FailureKind::Unusable));
    let SendError::NoAnswer {
        error: Some(cause), ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert!(
        matches!(cause.cause, xengage_native::ExchangeCause::Sign(_)),
        "{cause:?}"
    );
}
