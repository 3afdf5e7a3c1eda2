//! `xengage proxy`: each refusal, and a request forwarded end to end to the emulator.

mod common;

use std::io::{Read, Write};

use common::{NOW, Server, env_refs};

const ORIGIN: &str = "http://app.test";

fn proxy(emu: &Server) -> Server {
    let env = emu.oauth1_env();
    proxy_with(emu, &env_refs(&env))
}

/// A proxy to `emu` holding the credentials of `env`.
fn proxy_with(emu: &Server, env: &[(&str, &str)]) -> Server {
    Server::start(
        &[
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            ORIGIN,
            "--upstream",
            &emu.url(),
        ],
        env,
    )
}

fn body(ids: &[String]) -> String {
    serde_json::json!({
        "tweet_ids": ids,
        "engagement_types": ["favorites", "impressions"],
        "groupings": {"by-post": {"group_by": ["tweet.id", "engagement.type"]}},
    })
    .to_string()
}

#[tokio::test]
async fn a_request_from_an_allowed_origin_is_signed_and_forwarded() {
    let emu = Server::emulator();
    let proxy = proxy(&emu);
    let ids = emu.post_ids(0)[..2].to_vec();
    let http = common::http();
    let r = http
        .post(format!("{}/insights/engagement/totals", proxy.url()))
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(body(&ids))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    assert!(r.headers().contains_key("x-per-minute-limit"));
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert!(v["by-post"][&ids[0]]["favorites"].is_string(), "{v}");
    // v2 through the proxy: the query is checked and signed too.
    let r = http
        .get(format!(
            "{}/2/insights/28hr?tweet_ids={}&granularity=Total&requested_metrics=Likes",
            proxy.url(),
            ids[0]
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let _ = NOW;
}

#[tokio::test]
async fn everything_else_is_refused() {
    let emu = Server::emulator();
    let proxy = proxy(&emu);
    let ids = emu.post_ids(0)[..1].to_vec();
    let http = common::http();
    let url = format!("{}/insights/engagement/totals", proxy.url());
    // An origin not allowed, and no origin at all.
    for origin in [Some("http://evil.test"), None] {
        let mut req = http.post(&url).body(body(&ids));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403, "{origin:?}");
        assert!(!r.headers().contains_key("access-control-allow-origin"));
    }
    // Another path, and an endpoint with the wrong method.
    for (method, path) in [
        ("GET", "/1.1/statuses/home_timeline.json"),
        ("GET", "/insights/engagement/totals"),
        ("POST", "/2/insights/28hr"),
    ] {
        let r = http
            .request(method.parse().unwrap(), format!("{}{path}", proxy.url()))
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{method} {path}");
    }
    // An invalid request is refused by the core before anything is forwarded.
    let r = http
        .post(&url)
        .header("origin", ORIGIN)
        .body(r#"{"tweet_ids":["12x"],"engagement_types":["media_clicks"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{v}");
    assert!(v.to_string().contains("media_engagements"));
    // On a v2 path, the proxy's own errors are RFC 7807 problems, as v2 answers its own.
    let r = http
        .get(format!(
            "{}/2/insights/28hr?tweet_ids=12x&granularity=Total&requested_metrics=Likes",
            proxy.url()
        ))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let problem = &v["errors"][0];
    assert_eq!(problem["status"], 400, "{v}");
    assert_eq!(problem["title"], "Bad Request", "{v}");
    assert!(problem["detail"].as_str().unwrap().contains("12x"), "{v}");
    // Another host: an absolute-form request line asks for an open proxy.
    let addr = proxy.url().trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "GET http://example.com/insights/engagement/totals HTTP/1.1\r\nHost: example.com\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("not an open proxy"));
    // A preflight from an allowed origin is answered.
    let r = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-methods"], "GET, POST");
}

#[tokio::test]
async fn a_proxy_needs_credentials_and_says_which_endpoints_it_cannot_serve() {
    // Nothing to sign with: it does not start.
    let out = common::xengage_with(
        &["proxy", "--listen", "127.0.0.1:0", "--allow-origin", ORIGIN],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out.stderr).contains("X_CONSUMER_KEY"),
        "{}",
        common::text(&out.stderr)
    );
    // Other computers could reach it, and send an allowed Origin: only with --public.
    let out = common::xengage_with(
        &["proxy", "--listen", "0.0.0.0:0", "--allow-origin", ORIGIN],
        &[("X_BEARER_TOKEN", "a-bearer-token")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out.stderr).contains("--public"),
        "{}",
        common::text(&out.stderr)
    );
    // What could never serve a request stops it at start, saying what to change, rather than
    // failing every request: an upstream no client may use, a token no header can carry, an
    // origin no browser sends.
    for (args, env, says) in [
        (
            &["--allow-origin", ORIGIN, "--upstream", "http://10.1.2.3:9"][..],
            &[("X_BEARER_TOKEN", "a-bearer-token")][..],
            "https",
        ),
        (
            &["--allow-origin", ORIGIN][..],
            &[("X_BEARER_TOKEN", "two words")][..],
            "bearer token",
        ),
        (
            &["--allow-origin", "*"][..],
            &[("X_BEARER_TOKEN", "a-bearer-token")][..],
            "named origins only",
        ),
        (
            &["--allow-origin", "app.test"][..],
            &[("X_BEARER_TOKEN", "a-bearer-token")][..],
            "scheme://host",
        ),
        (
            &["--allow-origin", "https://app.test/dashboard"][..],
            &[("X_BEARER_TOKEN", "a-bearer-token")][..],
            "no user, path or query",
        ),
    ] {
        let mut argv = vec!["proxy", "--listen", "127.0.0.1:0"];
        argv.extend_from_slice(args);
        let out = common::xengage_with(&argv, env);
        let stderr = common::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("two words"), "{stderr}");
    }
    // A bearer token serves totals only: 28hr is a 501, which no client retries.
    let emu = Server::emulator();
    let proxy = proxy_with(&emu, &[("X_BEARER_TOKEN", "a-bearer-token")]);
    let r = common::http()
        .post(format!("{}/insights/engagement/28hr", proxy.url()))
        .header("origin", ORIGIN)
        .body(body(&emu.post_ids(0)[..1]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 501);
    let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap()
            .contains("needs credentials"),
        "{v}"
    );
    assert!(!v.to_string().contains("a-bearer-token"));
}

/// A page served from the proxy's own origin (behind the same web server) sends no Origin on
/// a GET; Sec-Fetch-Site, which pages cannot set, says it is same-origin. An origin given as
/// copied from the address bar (a trailing `/`, capitals, the default port) matches what
/// browsers send.
#[tokio::test]
async fn same_origin_pages_and_origins_as_typed_are_answered() {
    let emu = Server::emulator();
    let env = emu.oauth1_env();
    let proxy = Server::start(
        &[
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            "HTTPS://Dashboard.Example.com:443/",
            "--upstream",
            &emu.url(),
        ],
        &env_refs(&env),
    );
    let ids = emu.post_ids(0)[..1].to_vec();
    let v2 = format!(
        "{}/2/insights/28hr?tweet_ids={}&granularity=Total&requested_metrics=Likes",
        proxy.url(),
        ids[0]
    );
    let http = common::http();
    let r = http
        .get(&v2)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    // Without Origin, anything but same-origin is refused, naming what is missing.
    for site in [Some("cross-site"), Some("none"), None] {
        let mut req = http.get(&v2);
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403, "{site:?}");
        assert!(r.text().await.unwrap().contains("no Origin header"));
    }
    let r = http
        .get(&v2)
        .header("origin", "https://dashboard.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://dashboard.example.com"
    );
    // An origin not allowed is named, with the flag that would allow it.
    let r = http
        .get(&v2)
        .header("origin", "https://other.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("--allow-origin https://other.example.com")
    );
}
