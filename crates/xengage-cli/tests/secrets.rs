//! With known secret values configured, every command and error path is run, and no secret
//! appears in its stdout or stderr (nor in anything a proxy answers).

mod common;

use common::{NOW, Server, http, text, xengage_with};

const SECRETS: [&str; 4] = [
    "consumer-secret-5f1e2d",
    "token-secret-9a8b7c",
    "bearer-secret-3c4d5e",
    "user-token-secret-7e6f5a",
];

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("X_CONSUMER_KEY", "consumer-key"),
        ("X_CONSUMER_SECRET", SECRETS[0]),
        ("X_ACCESS_TOKEN", "0-access-token"),
        ("X_ACCESS_TOKEN_SECRET", SECRETS[1]),
        ("X_BEARER_TOKEN", SECRETS[2]),
        ("X_USER_TOKEN", SECRETS[3]),
    ]
}

fn assert_clean(what: &str, output: &str) {
    for s in SECRETS {
        assert!(!output.contains(s), "{what} shows a secret: {output}");
    }
}

fn run(args: &[&str]) -> String {
    let out = xengage_with(args, &env());
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_clean(&args.join(" "), &all);
    all
}

#[test]
fn no_command_prints_a_secret() {
    let emu = Server::emulator();
    let url = emu.url();
    let id = emu.post_ids(0)[0].clone();
    let dry = ["--now", NOW, "--dry-run"];
    for endpoint in [
        "totals",
        "28hr",
        "historical",
        "insights-28hr",
        "insights-historical",
    ] {
        let mut args = vec![
            "request",
            endpoint,
            "--ids",
            &id,
            "--metrics",
            "impressions",
        ];
        if endpoint.starts_with("insights") {
            args.extend(["--granularity", "Total"]);
        }
        if endpoint.ends_with("historical") {
            args.extend(["--start", "2026-11-01", "--end", "2026-11-02"]);
        }
        args.extend(dry);
        let out = run(&args);
        assert!(out.contains("authorization"), "{out}");
    }
    // Sent for real, to an emulator that does not know these credentials: 401, exit 1.
    let out = run(&[
        "request",
        "totals",
        "--ids",
        &id,
        "--metrics",
        "favorites",
        "--base-url",
        &url,
        "--now",
        NOW,
    ]);
    assert!(out.contains("401"), "{out}");
    run(&[
        "request",
        "insights-28hr",
        "--ids",
        &id,
        "--metrics",
        "Likes",
        "--granularity",
        "Total",
        "--base-url",
        &url,
        "--now",
        NOW,
    ]);
    run(&[
        "collect",
        "28hr",
        "--ids",
        &id,
        "--metrics",
        "favorites",
        "--base-url",
        &url,
        "--now",
        NOW,
        "--retries",
        "1",
    ]);
    // Invalid input, bad flags, unusable URLs.
    run(&[
        "request",
        "totals",
        "--ids",
        "12x",
        "--metrics",
        "media_clicks",
    ]);
    run(&[
        "request",
        "totals",
        "--ids",
        &id,
        "--metrics",
        "favorites",
        "--base-url",
        "ftp://nowhere",
    ]);
    run(&[
        "request",
        "totals",
        "--ids",
        &id,
        "--metrics",
        "favorites",
        "--base-url",
        "http://10.1.2.3:9",
    ]);
    run(&[
        "collect",
        "historical",
        "--ids",
        "@/nonexistent/ids.txt",
        "--metrics",
        "impressions",
    ]);
    run(&[
        "oauth1",
        "sign",
        "--method",
        "GET",
        "--url",
        "https://api.x.com/2/insights/28hr?tweet_ids=1",
        "--consumer-key",
        "k",
        "--consumer-secret",
        SECRETS[0],
        "--token",
        "t",
        "--token-secret",
        SECRETS[1],
        "--nonce",
        "n",
        "--timestamp",
        "1",
    ]);
    run(&[
        "oauth1",
        "sign",
        "--method",
        "GET",
        "--url",
        "relative",
        "--consumer-key",
        "k",
        "--consumer-secret",
        SECRETS[0],
        "--nonce",
        "n",
        "--timestamp",
        "1",
    ]);
    for cmd in ["request", "collect", "proxy", "emulate", "parse", "demo"] {
        run(&[cmd, "--help"]);
    }
    run(&["--help"]);
    run(&["demo", "--posts", "3"]);
}

#[tokio::test]
async fn a_proxy_holding_secrets_never_answers_them() {
    let emu = Server::emulator();
    let proxy = Server::start(
        &[
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            "http://app.test",
            "--upstream",
            &emu.url(),
        ],
        &env(),
    );
    assert_clean("proxy ready line", &proxy.ready.to_string());
    let http = http();
    let id = emu.post_ids(0)[0].clone();
    let body = format!(r#"{{"tweet_ids":["{id}"],"engagement_types":["favorites"]}}"#);
    for (origin, path) in [
        ("http://app.test", "/insights/engagement/totals"),
        ("http://evil.test", "/insights/engagement/totals"),
        ("http://app.test", "/elsewhere"),
    ] {
        let r = http
            .post(format!("{}{path}", proxy.url()))
            .header("origin", origin)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let headers = format!("{:?}", r.headers());
        let text = r.text().await.unwrap();
        assert_clean("proxy answer", &format!("{headers}{text}"));
    }
}
