//! `xengage proxy` in front of an upstream that misbehaves: the page gets an answer in bounded
//! time, and nothing the proxy signed goes anywhere but the upstream.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ORIGIN: &str = "http://app.test";
/// Far beyond the proxy's --timeout: reaching it means the page would hang.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// A loopback upstream on `host` that answers every request with `answer` and then keeps the
/// connection open; returns its URL and the heads of the requests it received.
async fn upstream(host: &str, answer: String) -> (String, Arc<Mutex<Vec<String>>>) {
    upstream_with(host, move |_| answer.clone()).await
}

/// [`upstream`], answering each request with what `answer` makes of it.
async fn upstream_with(
    host: &str,
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let answer = Arc::new(answer);
    let listener = TcpListener::bind((host, 0)).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let answer = answer.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 << 10];
                let Ok(n) = s.read(&mut buf).await else {
                    return;
                };
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let answer = answer(&request);
                log.lock().unwrap().push(request);
                let _ = s.write_all(answer.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            });
        }
    });
    (url, seen)
}

fn proxy_to(upstream: &str) -> Server {
    proxy_with(
        upstream,
        &[
            ("X_CONSUMER_KEY", "consumer-key"),
            ("X_CONSUMER_SECRET", "consumer-secret"),
            ("X_ACCESS_TOKEN", "proxy-access-token"),
            ("X_ACCESS_TOKEN_SECRET", "token-secret"),
        ],
    )
}

fn proxy_with(upstream: &str, env: &[(&str, &str)]) -> Server {
    start_proxy(upstream, env, &["--timeout", "1"])
}

/// `xengage proxy` to `upstream` for [`ORIGIN`], with `env` and the `options` given.
fn start_proxy(upstream: &str, env: &[(&str, &str)], options: &[&str]) -> Server {
    let mut args = vec![
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--allow-origin",
        ORIGIN,
        "--upstream",
        upstream,
    ];
    args.extend_from_slice(options);
    Server::start(&args, env)
}

async fn post_totals(proxy: &Server) -> reqwest::Response {
    let body = r#"{"tweet_ids":["1990000000000000001"],"engagement_types":["favorites"],"groupings":{"g":{"group_by":["tweet.id","engagement.type"]}}}"#;
    let send = common::http()
        .post(format!("{}/insights/engagement/totals", proxy.url()))
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(body)
        .send();
    tokio::time::timeout(HANG_GUARD, send)
        .await
        .expect("the proxy left the page hanging")
        .unwrap()
}

#[tokio::test]
async fn an_upstream_that_stalls_its_body_gets_the_page_a_502_in_bounded_time() {
    let (url, seen) = upstream(
        "127.0.0.1",
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{".into(),
    )
    .await;
    let proxy = proxy_to(&url);
    let r = post_totals(&proxy).await;
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let text = tokio::time::timeout(HANG_GUARD, r.text())
        .await
        .unwrap()
        .unwrap();
    assert!(text.contains("no answer within the timeout"), "{text}");
    assert!(!text.contains("proxy-access-token"), "{text}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// A redirect from the upstream is passed to the page as the upstream's answer: the proxy does
/// not follow it (it would relay whatever the other host says, and send it the request), and
/// the page sees no Location to follow either.
#[tokio::test]
async fn an_upstream_redirect_is_not_followed_and_not_passed_on() {
    let secret_body = r#"{"internal":"metadata"}"#;
    let (elsewhere, elsewhere_seen) = upstream(
        "127.0.0.1",
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{secret_body}",
            secret_body.len()
        ),
    )
    .await;
    for status in [
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let (url, seen) = upstream(
            "127.0.0.1",
            format!(
                "HTTP/1.1 {status}\r\nlocation: {}/latest/meta-data\r\ncontent-length: 0\r\n\r\n",
                // Another host: the same machine under another name (and another port).
                elsewhere.replace("127.0.0.1", "localhost")
            ),
        )
        .await;
        let proxy = proxy_to(&url);
        let r = post_totals(&proxy).await;
        assert_eq!(r.status().as_u16(), status[..3].parse::<u16>().unwrap());
        assert!(!r.headers().contains_key("location"), "{status}");
        let text = r.text().await.unwrap();
        assert!(!text.contains("metadata"), "{status}: {text}");
        assert_eq!(seen.lock().unwrap().len(), 1, "{status}");
    }
    let followed = elsewhere_seen.lock().unwrap().clone();
    assert!(
        followed.is_empty(),
        "the proxy followed a redirect: {followed:?}"
    );
}

/// The page never sees a secret the proxy holds, even from an upstream that echoes the request
/// (a debugging gateway, an error page that quotes the headers): a bearer token goes on the
/// wire, and such an answer is not passed on.
#[tokio::test]
async fn an_upstream_that_echoes_the_bearer_token_does_not_show_it_to_the_page() {
    const TOKEN: &str = "AAAAAAAAAAAAAAAAAAAAAbearer-token-of-the-proxy";
    for content_type in ["application/json", "text/plain"] {
        let (url, seen) = upstream_with("127.0.0.1", move |request| {
            let body = serde_json::json!({ "errors": [format!("bad request: {request}")] })
                .to_string();
            format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-type: {content_type}\r\nx-per-minute-limit: {}\r\ncontent-length: {}\r\n\r\n{body}",
                request.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization")).unwrap_or("none").replace(['\r', '\n'], ""),
                body.len()
            )
        })
        .await;
        let proxy = proxy_with(&url, &[("X_BEARER_TOKEN", TOKEN)]);
        let r = post_totals(&proxy).await;
        let status = r.status();
        let headers = format!("{:?}", r.headers());
        let text = r.text().await.unwrap();
        // The upstream did get it: the echo is real.
        assert!(seen.lock().unwrap()[0].contains(TOKEN));
        assert!(!text.contains(TOKEN), "{status}: {text}");
        assert!(!headers.contains(TOKEN), "{status}: {headers}");
        assert_eq!(status, 502, "{text}");
        assert!(text.contains("credential"), "{text}");
    }
}

/// An upstream's HTML (an error page, or worse) reaches the page as data: opened as a document
/// on the page's origin it would run, so every answer forbids that.
#[tokio::test]
async fn an_upstream_html_answer_cannot_run_on_the_page_origin() {
    let html = "<script>alert(document.domain)</script>";
    let (url, _) = upstream(
        "127.0.0.1",
        format!(
            "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{html}",
            html.len()
        ),
    )
    .await;
    let proxy = proxy_to(&url);
    let r = post_totals(&proxy).await;
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    // The proxy's own refusals too.
    let r = common::http()
        .get(format!("{}/elsewhere", proxy.url()))
        .header("origin", "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

/// A proxy (to an upstream never reached) that gives pages one second to send a request.
fn proxy_with_client_timeout() -> Server {
    start_proxy(
        "http://127.0.0.1:9",
        &[("X_BEARER_TOKEN", "proxy-bearer-token")],
        &["--client-timeout", "1"],
    )
}

/// A raw connection to `proxy`, to send it what no HTTP client would.
async fn connect(
    proxy: &Server,
) -> (
    tokio::net::tcp::OwnedReadHalf,
    tokio::net::tcp::OwnedWriteHalf,
) {
    tokio::net::TcpStream::connect(proxy.url().trim_start_matches("http://"))
        .await
        .unwrap()
        .into_split()
}

/// Everything the proxy sends on `stream` until it closes it; panics if it keeps the
/// connection open past the guard.
async fn until_closed(stream: &mut tokio::net::tcp::OwnedReadHalf) -> String {
    let mut all = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(HANG_GUARD, read)
        .await
        .expect("the proxy kept a slow client's connection open");
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn a_client_that_trickles_its_head_or_sends_nothing_is_cut_off() {
    let proxy = proxy_with_client_timeout();
    // A header line every 200 ms: each read makes progress, so only a deadline on the whole
    // head (not an idle timeout) ends it.
    let (mut read, mut write) = connect(&proxy).await;
    let trickle = tokio::spawn(async move {
        let _ = write
            .write_all(b"POST /insights/engagement/totals HTTP/1.1\r\nhost: proxy\r\n")
            .await;
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if write
                .write_all(format!("x-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let answer = until_closed(&mut read).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    trickle.abort();
    // A connection that never sends a byte is closed as well.
    let (mut read, _write) = connect(&proxy).await;
    assert_eq!(until_closed(&mut read).await, "");
}

#[tokio::test]
async fn a_client_that_stalls_its_body_gets_a_408_naming_the_option() {
    let proxy = proxy_with_client_timeout();
    let (mut read, mut write) = connect(&proxy).await;
    write
        .write_all(
            format!(
                "POST /insights/engagement/totals HTTP/1.1\r\nhost: proxy\r\norigin: {ORIGIN}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{{\"tweet_ids\""
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = until_closed(&mut read).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("--client-timeout"), "{answer}");
    // The API's shape for v1 errors, and the page may read it.
    assert!(answer.contains(r#""errors""#), "{answer}");
    assert!(
        answer.contains(&format!("access-control-allow-origin: {ORIGIN}")),
        "{answer}"
    );
    drop(write);
}
