//! The web transport of xengage: sends what the core builds with the platform's `fetch`
//! (through `gloo-net`), unchanged, and hands the answer back as status, headers and bytes for
//! the core to parse. The body is read as a stream and never past the caller's limit; a fetch
//! whose future is dropped (a timeout, a cancelled job) is aborted with an `AbortController`.
//! Timers use the global `setTimeout`. [`collect`] signs requests (nonces from
//! `crypto.getRandomValues`), bounds each by a timeout, and drives the core's bulk
//! [`Collector`](xengage_core::collect::Collector): batches, windows, pacing by the quota
//! headers, retries, and a ledger of every post.
//!
//! Everything here binds globals that exist in a page, in a Web Worker and in Node 20 (`fetch`,
//! `Headers`, `AbortController`, `setTimeout`), never `window`, so the same code runs in all three. URLs must be
//! absolute: Node has no page to resolve a relative URL against.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use xengage_core::time::OffsetDateTime;
//! use xengage_core::{BaseUrls, Endpoint, RequestSpec, ValidationOptions};
//!
//! let request = RequestSpec::new(Endpoint::Totals)
//!     .post_ids(["1070059276213702656"])
//!     .metrics(["favorites"])
//!     .validate(OffsetDateTime::from_unix_timestamp(1_795_348_800)?, &ValidationOptions::default())?;
//! let prepared = request.prepare(&BaseUrls::single("http://127.0.0.1:8080")?);
//! let answer = xengage_web::send(&prepared, 1 << 20).await?;
//! println!("{} {} bytes", answer.status, answer.body.len());
//! # Ok(())
//! # }
//! ```

pub mod collect;

use std::time::Duration;

use gloo_net::http::RequestBuilder;
use http::{HeaderMap, HeaderName, HeaderValue};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use xengage_core::PreparedRequest;
use xengage_core::response::BodyOverLimit;

/// An answer as it came off the wire: any status, 2xx or not, is an answer (the core decides
/// what a status means); only failing to get one is a [`SendError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers the platform exposes (cross-origin: only those the server lists in
    /// `Access-Control-Expose-Headers`, besides the CORS-safelisted ones).
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Why no answer came back. Messages name the URL (never a header: `Authorization` stays out).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The request could not be made into a fetch request (a body or header the platform
    /// refuses).
    #[error("cannot make a fetch request for {url}: {reason}")]
    Build {
        /// The URL.
        url: String,
        /// What the platform said.
        reason: String,
    },
    /// `fetch` failed: connection refused, name not found, a certificate refused, CORS refused,
    /// or a URL that is not absolute.
    #[error("fetch of {url} failed: {reason}{}", network_hint(*.explained))]
    Network {
        /// The URL.
        url: String,
        /// What the platform said, with the chain of the error's `cause`s and their codes
        /// (Node puts the reason there: `ECONNREFUSED`, `ENOTFOUND`, a certificate error).
        reason: String,
        /// Whether the platform gave a reason (a `cause`). Browsers never do (a CORS refusal
        /// must look like a network failure), so without one the message lists the suspects.
        explained: bool,
    },
    /// The answer's body could not be read.
    #[error("reading the body from {url} failed: {reason}")]
    Body {
        /// The URL.
        url: String,
        /// What the platform said, with the chain of the error's `cause`s.
        reason: String,
    },
    /// The server answered with a redirect. The API never redirects, and `fetch` is told not
    /// to follow one (`redirect: "manual"`), as the native client does not: nothing is sent
    /// where it points. In a page or a worker the platform hides the redirect's status and
    /// target, so this says only that it was one; Node gives the answer itself (a 3xx status,
    /// which the core reads as `ApiErrorKind::Redirect`).
    #[error(
        "{url} answered with a redirect, which the API never sends and the client does not follow: check the base URL, something other than the API answers it"
    )]
    Redirect {
        /// The URL.
        url: String,
    },
    /// The answer's body (as `fetch` decoded it) is over the limit; reading stopped there. The
    /// message names the npm `Client`'s option too, as this transport is the npm package's.
    #[error(
        "reading the body from {url} stopped: {over} (maxBodyBytes in the npm Client's options)"
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit that was passed.
        over: BodyOverLimit,
    },
}

fn network_hint(explained: bool) -> &'static str {
    if explained {
        ""
    } else {
        " (the platform gives no reason: check the network, that the server allows this origin with CORS, and that the URL is absolute)"
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (pages, workers and Node alike).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &web_sys::Request) -> js_sys::Promise;
}

/// Calls `fetch` (the caller's, or the global one) with `request`: a function that does not
/// return a promise is a failed fetch, as is one that throws.
fn call_fetch(fetch: Option<&js_sys::Function>, request: &web_sys::Request) -> js_sys::Promise {
    let Some(f) = fetch else {
        return fetch_request(request);
    };
    match f.call1(&JsValue::UNDEFINED, request) {
        Ok(value) => match value.dyn_into::<js_sys::Promise>() {
            Ok(promise) => promise,
            // A thenable or a plain Response: `Promise.resolve` makes either a promise.
            Err(value) => js_sys::Promise::resolve(&value),
        },
        Err(thrown) => js_sys::Promise::reject(&thrown),
    }
}

/// Aborts the fetch it guards when dropped before [`AbortOnDrop::disarm`]: an attempt that
/// timed out, or whose job was dropped, closes its connection and stops its body.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl AbortOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

/// What a JS error says (`name: message` and its `code`), and the same for each `cause` down
/// its chain; and whether there was a cause.
fn describe(error: &JsValue) -> (String, bool) {
    let mut text = describe_one(error);
    let mut explained = false;
    let mut cause = property(error, "cause");
    // A bounded walk: a cause chain can be a cycle.
    for _ in 0..8 {
        if cause.is_undefined() || cause.is_null() {
            break;
        }
        explained = true;
        text.push_str(": ");
        text.push_str(&describe_one(&cause));
        cause = property(&cause, "cause");
    }
    (text, explained)
}

fn property(value: &JsValue, name: &str) -> JsValue {
    if value.is_object() {
        js_sys::Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `String(value)`: `name: message` for an error.
    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;
}

/// `name: message`, and the `code` (Node's `ECONNREFUSED`, `CERT_HAS_EXPIRED`) when the
/// message does not hold it (an `AggregateError` of every address refused has no message).
fn describe_one(value: &JsValue) -> String {
    let mut text = js_string(value);
    if let Some(code) = property(value, "code").as_string() {
        if !text.contains(&code) {
            text.push_str(" (");
            text.push_str(&code);
            text.push(')');
        }
    }
    text
}

/// Sends `request` with `fetch`, unchanged, and reads the whole answer; a body over
/// `max_body_bytes` (counted as `fetch` decoded it, which is what fills memory) is not read to
/// the end but refused with [`SendError::TooLarge`]. Dropping the future before it ends aborts
/// the fetch (an `AbortController`): a timeout closes the connection.
pub async fn send(
    request: &PreparedRequest,
    max_body_bytes: usize,
) -> Result<RawResponse, SendError> {
    send_with(request, max_body_bytes, None).await
}

/// [`send`] through `fetch`, a function with the global `fetch`'s signature (instrumentation,
/// cookies, a test double), or the global `fetch` when `None`.
pub async fn send_with(
    request: &PreparedRequest,
    max_body_bytes: usize,
    fetch: Option<&js_sys::Function>,
) -> Result<RawResponse, SendError> {
    let url = request.url.clone();
    let controller = web_sys::AbortController::new().map_err(|e| SendError::Build {
        url: url.clone(),
        reason: describe(&e).0,
    })?;
    let signal = controller.signal();
    let guard = AbortOnDrop(Some(controller));
    let mut builder = RequestBuilder::new(&request.url)
        .method(request.method.clone())
        .redirect(web_sys::RequestRedirect::Manual)
        .abort_signal(Some(&signal));
    for (name, value) in &request.headers {
        // Browsers set Accept-Encoding themselves and refuse it from scripts; fetch decodes.
        if name == http::header::ACCEPT_ENCODING {
            continue;
        }
        // fetch takes text only: a header it cannot carry fails the request, never leaves it.
        let value = value.to_str().map_err(|_| SendError::Build {
            url: url.clone(),
            reason: format!("the {name} header holds bytes that are not visible ASCII"),
        })?;
        builder = builder.header(name.as_str(), value);
    }
    let built = match &request.body {
        Some(bytes) => builder.body(js_sys::Uint8Array::from(bytes.as_slice())),
        None => builder.build(),
    }
    .map_err(|e| SendError::Build {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    // fetch itself, not gloo-net's `send`: its error keeps only the message, and the reason
    // (Node's `cause`) is what tells a refused connection from a bad certificate.
    let response = JsFuture::from(call_fetch(fetch, &built.into()))
        .await
        .map_err(|e| {
            let (reason, explained) = describe(&e);
            SendError::Network {
                url: url.clone(),
                reason,
                explained,
            }
        })?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| SendError::Network {
        url: url.clone(),
        reason: "the fetch option resolved to something that is not a Response".to_owned(),
        explained: true,
    })?;
    if response.type_() == web_sys::ResponseType::Opaqueredirect {
        return Err(SendError::Redirect { url });
    }
    let mut headers = HeaderMap::new();
    let status = response.status();
    let response = gloo_net::http::Response::from(response);
    for (name, value) in response.headers().entries() {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(n, v);
        }
    }
    let body = match response.body() {
        Some(stream) => read_body(&stream, &url, max_body_bytes).await?,
        None => Vec::new(),
    };
    guard.disarm();
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// Reads `stream` to its end, or up to `limit` bytes: past it, the reader is cancelled (the
/// fetch's guard then aborts the connection).
async fn read_body(
    stream: &web_sys::ReadableStream,
    url: &str,
    limit: usize,
) -> Result<Vec<u8>, SendError> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk: web_sys::ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(|e| SendError::Body {
                url: url.to_owned(),
                reason: describe(&e).0,
            })?
            .unchecked_into();
        if chunk.get_done().unwrap_or(false) {
            return Ok(body);
        }
        let bytes: js_sys::Uint8Array = chunk.get_value().unchecked_into();
        let len = bytes.length() as usize;
        let start = body.len();
        if start.saturating_add(len) > limit {
            // Not awaited: the guard's abort follows at once, and a JsFuture handles a
            // rejection even when dropped.
            drop(JsFuture::from(reader.cancel()));
            return Err(SendError::TooLarge {
                url: url.to_owned(),
                over: BodyOverLimit::new(limit),
            });
        }
        body.resize(start + len, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// A wait on the global `setTimeout`; dropping it clears the timer, so a timeout that lost its
/// race keeps neither a page busy nor Node's event loop alive.
#[derive(Debug)]
pub struct Sleep {
    handle: JsValue,
    done: JsFuture,
}

impl std::future::Future for Sleep {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        // The promise only resolves.
        std::pin::Pin::new(&mut self.done).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        clear_timeout(&self.handle);
    }
}

/// Waits `duration` with the global `setTimeout` (pages, workers and Node alike); the pacing
/// and retry waits the core decides go through here.
pub fn sleep(duration: Duration) -> Sleep {
    let ms = duration.as_secs_f64() * 1000.0;
    let mut handle = JsValue::UNDEFINED;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        handle = set_timeout(&resolve, ms);
    });
    Sleep {
        handle,
        done: JsFuture::from(promise),
    }
}

/// Milliseconds since the Unix epoch from the platform's clock (`Date.now()`), the `now` the
/// core takes as an argument.
pub fn now_millis() -> f64 {
    js_sys::Date::now()
}
