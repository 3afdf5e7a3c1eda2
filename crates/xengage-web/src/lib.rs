//! The web transport of xengage: sends what the core builds with the platform's `fetch`
//! (through `gloo-net`), unchanged, and hands the answer back as status, headers and bytes for
//! the core to parse. Timers use the global `setTimeout`. [`collect`] signs requests (nonces from
//! `crypto.getRandomValues`), bounds each by a timeout, and drives the core's bulk
//! [`Collector`](xengage_core::collect::Collector): batches, windows, pacing by the quota
//! headers, retries, and a ledger of every post.
//!
//! Everything here binds globals that exist in a page, in a Web Worker and in Node 20 (`fetch`,
//! `Headers`, `setTimeout`), never `window`, so the same code runs in all three. URLs must be
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
//! let answer = xengage_web::send(&prepared).await?;
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
    /// `fetch` failed: network down, CORS refused, or a URL that is not absolute.
    #[error(
        "fetch of {url} failed: {reason} (check the network, that the server allows this origin with CORS, and that the URL is absolute)"
    )]
    Network {
        /// The URL.
        url: String,
        /// What the platform said.
        reason: String,
    },
    /// The answer's body could not be read.
    #[error("reading the body from {url} failed: {reason}")]
    Body {
        /// The URL.
        url: String,
        /// What the platform said.
        reason: String,
    },
}

/// Sends `request` with `fetch`, unchanged, and reads the whole answer.
pub async fn send(request: &PreparedRequest) -> Result<RawResponse, SendError> {
    let url = request.url.clone();
    let mut builder = RequestBuilder::new(&request.url).method(request.method.clone());
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
    let response = built.send().await.map_err(|e| SendError::Network {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    let mut headers = HeaderMap::new();
    for (name, value) in response.headers().entries() {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(n, v);
        }
    }
    let body = response.binary().await.map_err(|e| SendError::Body {
        url,
        reason: e.to_string(),
    })?;
    Ok(RawResponse {
        status: response.status(),
        headers,
        body,
    })
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
