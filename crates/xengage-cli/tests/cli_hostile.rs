//! `xengage request` and `collect` against a server whose words are hostile: whatever it says
//! reaches the terminal as text, never as escape sequences acted on.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

/// A loopback server answering every request with `status` and `body`; returns its URL.
fn server(status: &'static str, content_type: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = vec![0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn escape_sequences_from_the_server_are_shown_not_acted_on() {
    let answers = [
        // In the API's error strings.
        (
            "400 Bad Request",
            "application/json",
            r#"{"errors":["evil \u001b]0;TITLE\u0007 \u001b[2J cleared\rforged"]}"#,
        ),
        // In a body that is not JSON, quoted in the error.
        (
            "502 Bad Gateway",
            "text/html",
            "gateway \x1b[31mRED\x1b[0m \x1b]0;T\x07",
        ),
        // In a key the client does not know (a notice).
        (
            "200 OK",
            "application/json",
            "{\"by-post\":{},\"\\u001b[2Jkey\":1}",
        ),
    ];
    for (status, content_type, body) in answers {
        let url = server(status, content_type, body);
        for command in ["request", "collect"] {
            let out = common::xengage_with(
                &[
                    command,
                    "totals",
                    "--base-url",
                    &url,
                    "--ids",
                    "1990000000000000001",
                    "--metrics",
                    "favorites",
                    "--group-by",
                    "by-post=tweet.id,engagement.type",
                    "--retries",
                    "0",
                ],
                &[("X_BEARER_TOKEN", "bearer-token-value")],
            );
            let stderr = common::text(&out.stderr);
            assert!(!out.status.success(), "{command} {status}: {stderr}");
            // (collect's own progress line starts with a CR; the server's may not.)
            assert!(
                !stderr.contains(['\x1b', '\x07']) && !stderr.contains("\rforged"),
                "{command} {status}: {stderr:?}"
            );
            // Shown, escaped (collect does not print the notices of its batches).
            if command == "request" || !status.starts_with("200") {
                assert!(stderr.contains("\\u{1b}"), "{command} {status}: {stderr:?}");
            }
        }
    }
}
