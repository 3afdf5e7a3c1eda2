//! One HTTP exchange: send what the core prepared, unchanged, and bring back status, headers and
//! the decoded body. Any status is an answer (the core decides what it means); only failing to
//! get one is an error, classified for the retry policy.

use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

use http::HeaderMap;
use http::header::CONTENT_ENCODING;
use xengage_core::PreparedRequest;
use xengage_core::pace::Failure;

/// An answer as it came off the wire, its body decoded from gzip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, decompressed.
    pub body: Vec<u8>,
}

/// No answer could be had. The message names the URL, never a header (the `Authorization`
/// header stays out of errors and logs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} for {url}: {detail}")]
pub struct ExchangeError {
    /// What kind of failure, for the retry policy.
    pub failure: Failure,
    /// Short name of the failure.
    pub kind: &'static str,
    /// The URL.
    pub url: String,
    /// What the HTTP stack said.
    pub detail: String,
}

impl ExchangeError {
    fn new(failure: Failure, url: &str, detail: impl Into<String>) -> ExchangeError {
        let kind = match failure {
            Failure::Timeout => "no answer within the timeout",
            Failure::Connection => "connection failed or dropped",
            Failure::BrokenBody => "the answer's body was cut short or undecodable",
            Failure::RateLimited | Failure::Server | Failure::Permanent => "request failed",
        };
        ExchangeError {
            failure,
            kind,
            url: url.to_owned(),
            detail: detail.into(),
        }
    }
}

/// Whether `url` may be used: HTTPS anywhere, plain HTTP only to a loopback host (an emulator or
/// a proxy on this machine), because signed requests and tokens must not cross a network in
/// clear text.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let parsed = url
        .parse::<http::Uri>()
        .map_err(|e| format!("{url} is not a URL: {e}"))?;
    match parsed.scheme_str() {
        Some("https") => Ok(()),
        Some("http") => {
            let host = parsed.host().unwrap_or("");
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "{url} uses plain http to a host that is not loopback; use https (http is allowed only for 127.0.0.1, ::1 and localhost)"
                ))
            }
        }
        _ => Err(format!(
            "{url} must start with https:// (or http:// for loopback)"
        )),
    }
}

/// Sends `request` with `client` within `timeout` and reads the whole answer.
pub(crate) async fn exchange(
    client: &reqwest::Client,
    request: PreparedRequest,
    timeout: Duration,
) -> Result<RawAnswer, ExchangeError> {
    let url = request.url.clone();
    let mut builder = client
        .request(request.method, &request.url)
        .headers(request.headers)
        .timeout(timeout);
    if let Some(body) = request.body {
        builder = builder.body(body);
    }
    let response = builder.send().await.map_err(|e| classify(&url, &e))?;
    let status = response.status().as_u16();
    let mut headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| classify(&url, &e))?;
    let mut body = body.to_vec();
    // reqwest decodes gzip itself when it negotiated it; an encoding still marked here was not
    // decoded on the way (the request set Accept-Encoding itself), so decode it now.
    if headers
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"))
    {
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(body.as_slice())
            .read_to_end(&mut decoded)
            .map_err(|e| ExchangeError::new(Failure::BrokenBody, &url, format!("gzip: {e}")))?;
        body = decoded;
        headers.remove(CONTENT_ENCODING);
    }
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}

fn classify(url: &str, e: &reqwest::Error) -> ExchangeError {
    let failure = if e.is_timeout() {
        Failure::Timeout
    } else if e.is_body() || e.is_decode() {
        Failure::BrokenBody
    } else if e.is_builder() {
        Failure::Permanent
    } else {
        Failure::Connection
    };
    // reqwest's Display names the URL; its source chain says why.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    ExchangeError::new(failure, url, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("https://data-api.x.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://[::1]:8080").is_ok());
        assert!(check_url("http://localhost:1").is_ok());
        let err = check_url("http://data-api.x.com").unwrap_err();
        assert!(err.contains("use https"), "{err}");
        assert!(check_url("http://10.0.0.1").is_err());
        assert!(check_url("ftp://127.0.0.1").is_err());
    }
}
