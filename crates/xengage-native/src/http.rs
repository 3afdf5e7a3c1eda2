//! One HTTP exchange: send what the core prepared, unchanged, and bring back status, headers and
//! the decoded body. Any status is an answer (the core decides what it means); only failing to
//! get one is an error, classified for the retry policy.

use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

use http::HeaderMap;
use http::header::CONTENT_ENCODING;
use xengage_core::PreparedRequest;
use xengage_core::auth::{CredentialsError, SignError};
use xengage_core::pace::Failure;
use xengage_core::response::BodyOverLimit;

use crate::error::UrlError;

/// An answer as it came off the wire, its body decoded from gzip.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, decompressed.
    pub body: Vec<u8>,
}

/// No answer could be had. The message names the URL, never a header (the `Authorization`
/// header stays out of errors and logs); the cause is the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error("{} for {url}{}", failure_text(*failure), advice(*failure, *timeout))]
#[non_exhaustive]
pub struct ExchangeError {
    /// What kind of failure, for the retry policy.
    pub failure: Failure,
    /// The URL.
    pub url: String,
    /// The timeout of the attempt.
    pub timeout: Duration,
    /// Why.
    #[source]
    pub cause: ExchangeCause,
}

/// Why an exchange got no usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeCause {
    /// The HTTP stack failed: connecting, sending, waiting or reading.
    #[error(transparent)]
    Http(reqwest::Error),
    /// The request could not be signed; it was not sent.
    #[error(transparent)]
    Sign(SignError),
    /// No credential held serves the request's endpoint; it was not sent.
    #[error(transparent)]
    Credentials(CredentialsError),
    /// The answer is over the size limit; it was not read to the end.
    #[error(transparent)]
    TooLarge(BodyOverLimit),
    /// The answer is in a coding the client never asks for.
    #[error(
        "the answer is in Content-Encoding `{coding}`, which the client never asks for (it reads gzip or no coding); check what answers at this URL (a proxy that recompresses?)"
    )]
    Coding {
        /// The coding, as the header says it.
        coding: String,
    },
    /// The gzip body cannot be decoded.
    #[error("the gzip body cannot be decoded")]
    Gzip(#[source] std::io::Error),
}

/// What a failure is, in words.
fn failure_text(failure: Failure) -> &'static str {
    match failure {
        Failure::Timeout => "no answer within the timeout",
        Failure::Connection => "connection failed or dropped",
        Failure::BrokenBody => "the answer's body was cut short or undecodable",
        // Rate limits, server errors, permanent refusals and any later kind.
        _ => "request failed",
    }
}

/// What to change, where the failure says it.
fn advice(failure: Failure, timeout: Duration) -> String {
    if failure == Failure::Timeout {
        format!(
            " (the timeout is {timeout:?}, from sending to the last byte of the answer: raise ClientBuilder::timeout if the server is slow)"
        )
    } else {
        String::new()
    }
}

impl ExchangeError {
    fn new(failure: Failure, url: &str, timeout: Duration, cause: ExchangeCause) -> ExchangeError {
        ExchangeError {
            failure,
            url: url.to_owned(),
            timeout,
            cause,
        }
    }

    /// Whether no answer came within the timeout.
    pub fn is_timeout(&self) -> bool {
        self.failure == Failure::Timeout
    }

    /// Whether the connection could not be made or dropped.
    pub fn is_connect(&self) -> bool {
        self.failure == Failure::Connection
    }
}

/// Whether `url` may be used: HTTPS anywhere, plain HTTP only to a loopback host (an emulator or
/// a proxy on this machine), because signed requests and tokens must not cross a network in
/// clear text. [`ClientBuilder::build`](crate::ClientBuilder::build) checks its base URLs with
/// it; a tool can check a URL the same way before it builds anything.
///
/// ```
/// assert!(xengage_native::check_url("https://data-api.x.com").is_ok());
/// assert!(xengage_native::check_url("http://127.0.0.1:8080").is_ok());
/// assert!(xengage_native::check_url("http://192.0.2.1").is_err());
/// ```
pub fn check_url(url: &str) -> Result<(), UrlError> {
    let parsed = url
        .parse::<http::Uri>()
        .map_err(|source| UrlError::NotAUrl {
            url: url.to_owned(),
            source,
        })?;
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
                Err(UrlError::PlainHttp {
                    url: url.to_owned(),
                })
            }
        }
        _ => Err(UrlError::Scheme {
            url: url.to_owned(),
        }),
    }
}

/// Sends `request` with `client` within `timeout` and reads the whole answer, refusing a body
/// over `limit` bytes, compressed or decoded (a gzip bomb never fills memory).
pub(crate) async fn exchange(
    client: &reqwest::Client,
    request: PreparedRequest,
    timeout: Duration,
    limit: usize,
) -> Result<RawAnswer, ExchangeError> {
    let url = request.url.clone();
    let mut builder = client
        .request(request.method, &request.url)
        .headers(request.headers)
        .timeout(timeout);
    if let Some(body) = request.body {
        builder = builder.body(body);
    }
    let mut response = builder
        .send()
        .await
        .map_err(|e| classify(&url, e, timeout))?;
    let status = response.status().as_u16();
    let mut headers = response.headers().clone();
    let too_large = || {
        ExchangeError::new(
            Failure::Permanent,
            &url,
            timeout,
            ExchangeCause::TooLarge(BodyOverLimit::new(limit)),
        )
    };
    // Decoded here, not by reqwest (built without its gzip feature): its decoder stops after
    // the first gzip member of a body, and knows `gzip` only. `x-gzip` is the same coding
    // (RFC 9110, 8.4.1.3); a body of several members is decoded whole. Any other coding
    // (deflate, br, gzip twice over) was never asked for: refused before its body is read,
    // as retrying cannot change what the server sends.
    let gzip = match content_coding(&headers) {
        Ok(gzip) => gzip,
        Err(coding) => {
            return Err(ExchangeError::new(
                Failure::Permanent,
                &url,
                timeout,
                ExchangeCause::Coding { coding },
            ));
        }
    };
    // A body announced over the limit is refused before any of it is read or waited for.
    if response
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify(&url, e, timeout))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if gzip {
        let mut decoded = Vec::new();
        flate2::read::MultiGzDecoder::new(body.as_slice())
            .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut decoded)
            .map_err(|e| {
                ExchangeError::new(Failure::BrokenBody, &url, timeout, ExchangeCause::Gzip(e))
            })?;
        if decoded.len() > limit {
            return Err(too_large());
        }
        body = decoded;
        headers.remove(CONTENT_ENCODING);
    }
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}

/// Whether the answer is gzip (`Ok(true)`) or in no coding (`Ok(false)`); any other coding,
/// or several, as the header says them.
fn content_coding(headers: &HeaderMap) -> Result<bool, String> {
    let values: Vec<&[u8]> = headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .map(|v| v.as_bytes().trim_ascii())
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case(b"identity"))
        .collect();
    match values.as_slice() {
        [] => Ok(false),
        [v] if v.eq_ignore_ascii_case(b"gzip") || v.eq_ignore_ascii_case(b"x-gzip") => Ok(true),
        _ => Err(values
            .iter()
            .map(|v| String::from_utf8_lossy(v))
            .collect::<Vec<_>>()
            .join(", ")),
    }
}

fn classify(url: &str, e: reqwest::Error, timeout: Duration) -> ExchangeError {
    let failure = if e.is_timeout() {
        Failure::Timeout
    } else if e.is_body() || e.is_decode() {
        Failure::BrokenBody
    } else if e.is_builder() {
        Failure::Permanent
    } else {
        Failure::Connection
    };
    ExchangeError::new(failure, url, timeout, ExchangeCause::Http(e))
}

/// The error of a request no credential held can serve: nothing was sent.
pub(crate) fn no_credential(
    url: &str,
    timeout: Duration,
    error: CredentialsError,
) -> ExchangeError {
    ExchangeError::new(
        Failure::Permanent,
        url,
        timeout,
        ExchangeCause::Credentials(error),
    )
}

/// The error of a request that could not be signed: nothing was sent.
pub(crate) fn unsigned(url: &str, timeout: Duration, error: SignError) -> ExchangeError {
    ExchangeError::new(Failure::Permanent, url, timeout, ExchangeCause::Sign(error))
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
        assert!(matches!(err, UrlError::PlainHttp { .. }), "{err}");
        assert!(check_url("http://10.0.0.1").is_err());
        assert!(check_url("ftp://127.0.0.1").is_err());
    }

    /// Answers one request on loopback with `body` marked `Content-Encoding: name`.
    async fn serve_once(name: &'static str, body: Vec<u8>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 8192];
            let _ = s.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: {name}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).await.unwrap();
            s.write_all(&body).await.unwrap();
        });
        url
    }

    #[tokio::test]
    async fn gzip_under_either_name_is_decoded_whole() {
        use std::io::Write;
        use xengage_core::{BaseUrls, Endpoint, RequestSpec, ValidationOptions};
        let json = br#"{"g":{"1990000000000000001":{"favorites":"7"}}}"#;
        // Two gzip members, as a server that compresses in chunks sends them.
        let member = |part: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part).unwrap();
            e.finish().unwrap()
        };
        let mut gz = member(&json[..10]);
        gz.extend(member(&json[10..]));
        let client = crate::tls::http_builder().unwrap().build().unwrap();
        let now = time::OffsetDateTime::now_utc();
        let request = RequestSpec::new(Endpoint::Totals)
            .post_ids(["1990000000000000001"])
            .metrics(["favorites"])
            .validate(now, &ValidationOptions::default())
            .unwrap();
        for name in ["gzip", "GZIP", "x-gzip"] {
            let url = serve_once(name, gz.clone()).await;
            let prepared = request.prepare(&BaseUrls::single(&url).unwrap());
            let answer = exchange(&client, prepared, Duration::from_secs(10), 1 << 20)
                .await
                .unwrap();
            assert_eq!(answer.body, json, "{name}");
            assert!(answer.headers.get(CONTENT_ENCODING).is_none(), "{name}");
        }
        // Over the limit, compressed or decoded: refused, never read to the end.
        let bomb = member(&vec![b' '; 4 << 20]);
        assert!(bomb.len() < 64 << 10);
        for (body, limit) in [(bomb, 1 << 20), (gz.clone(), 20)] {
            let url = serve_once("gzip", body).await;
            let prepared = request.prepare(&BaseUrls::single(&url).unwrap());
            let e = exchange(&client, prepared, Duration::from_secs(10), limit)
                .await
                .unwrap_err();
            assert_eq!(e.failure, Failure::Permanent);
            assert!(matches!(e.cause, ExchangeCause::TooLarge(_)), "{e}");
        }
    }
}
