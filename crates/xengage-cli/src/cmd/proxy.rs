//! `xengage proxy`: holds the credentials for web frontends and forwards their requests to the
//! five engagement endpoints of one upstream, signed for the upstream's own URL. Not an open
//! proxy: other paths, other hosts, origins not allowed and invalid requests are refused before
//! anything is forwarded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::response::Response;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, CONTENT_TYPE, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use xengage_core::auth::{Credentials, Secret};
use xengage_core::{CredentialKind, Endpoint, RequestSpec, ValidationOptions};
use xengage_native::Client;

use crate::Outcome as ExitOutcome;
use crate::client::TransportArgs;
use crate::credentials::CredentialArgs;
use crate::error::CliError;

/// Hold credentials for web frontends and forward their requests to the API.
///
/// The X API does not answer browsers (no CORS) and OAuth secrets must never ship to a page:
/// the page (the npm package's Client with `baseUrl` pointing here) sends unsigned requests,
/// the proxy checks them with the core, signs them with the credentials of its environment
/// and forwards them to --upstream. Prints one JSON line when ready: {"url": ...}.
///
/// Example:
///   X_CONSUMER_KEY=... X_CONSUMER_SECRET=... X_ACCESS_TOKEN=... X_ACCESS_TOKEN_SECRET=... \
///     xengage proxy --listen 127.0.0.1:8787 --allow-origin https://dashboard.example.com
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// Address to listen on: loopback, behind the web server that serves the page.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub(crate) listen: SocketAddr,
    /// Listen on an address other computers reach. The Origin check stops other sites' pages,
    /// not a program that sends an allowed Origin: anyone who reaches the proxy can spend the
    /// credentials' quota and read what they can read.
    #[arg(long)]
    pub(crate) public: bool,
    /// An origin allowed to call the proxy, scheme://host[:port] as the browser sends it
    /// (repeatable; required). A page served on the proxy's own origin is answered too: its
    /// GETs carry no Origin, and its browser's Sec-Fetch-Site says same-origin.
    #[arg(long = "allow-origin", value_name = "ORIGIN", required = true)]
    pub(crate) allow_origin: Vec<String>,
    /// The upstream: the API (default) or an emulator's URL.
    #[arg(long, value_name = "URL")]
    pub(crate) upstream: Option<String>,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
    /// Seconds allowed for one upstream request.
    #[arg(long, default_value_t = 30)]
    pub(crate) timeout: u64,
    /// Seconds a page has to send a request's head (line and headers), and again its body.
    /// A connection that sends nothing for this long between requests is closed too, so a
    /// client that trickles bytes cannot hold connections open.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) client_timeout: u64,
}

struct Proxy {
    /// The allowed origins, as browsers write them in `Origin`.
    origins: Vec<String>,
    /// For each endpoint, the client that signs for it and its credential's kind, or why the
    /// proxy cannot serve it. Made once at start, so an unusable upstream or credential stops
    /// the proxy there rather than failing every request.
    clients: Vec<(Endpoint, Result<Signer, String>)>,
    /// Every secret the clients hold: an answer that holds one (an upstream that echoes the
    /// request's `Authorization`) is not passed on to the page.
    secrets: Vec<Secret>,
    /// How long a page has to send a request's body (`--client-timeout`).
    client_timeout: Duration,
}

/// The upstream's headers passed on to the page (the rest stay with the proxy).
const PASSED_ON: [&str; 6] = [
    "content-type",
    "x-per-minute-limit",
    "x-per-minute-remaining",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
];

/// Secrets shorter than this are not looked for in answers: too likely to occur by chance,
/// and no real token or key is this short.
const SHORTEST_SECRET: usize = 8;

/// The secrets of `credentials`, as they could be echoed back.
fn secrets_of(credentials: &Credentials) -> Vec<Secret> {
    credentials
        .secrets()
        .into_iter()
        .filter(|s| s.expose_secret().len() >= SHORTEST_SECRET)
        .cloned()
        .collect()
}

/// Whether `bytes` holds one of `secrets`.
fn holds_secret(bytes: &[u8], secrets: &[Secret]) -> bool {
    secrets.iter().any(|s| {
        let s = s.expose_secret().as_bytes();
        bytes.windows(s.len()).any(|w| w == s)
    })
}

/// A client for an endpoint, and the kind of credential it signs with.
type Signer = (CredentialKind, Client);

impl Proxy {
    fn client(&self, endpoint: Endpoint) -> Result<&Signer, &str> {
        self.clients
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map_or(Err("no client for this endpoint"), |(_, c)| {
                c.as_ref().map_err(String::as_str)
            })
    }
}

/// An `--allow-origin` as a browser writes it in `Origin`: `scheme://host[:port]`, lower case,
/// without the scheme's default port. A trailing `/` (copied from the address bar) is dropped.
fn allowed_origin(given: &str) -> Result<String, CliError> {
    let refuse = |why: &str| {
        CliError::Usage(format!(
            "--allow-origin `{given}`: {why}; give the page's origin as the browser sends it, scheme://host[:port] (for example https://dashboard.example.com)"
        ))
    };
    let trimmed = given.trim();
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed == "*" || trimmed.eq_ignore_ascii_case("null") {
        return Err(refuse(
            "the proxy answers named origins only, or any page could spend its credentials",
        ));
    }
    let uri: Uri = trimmed.parse().map_err(|_| refuse("not an origin"))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => "http",
        Some(s) if s.eq_ignore_ascii_case("https") => "https",
        _ => return Err(refuse("it needs the scheme, http:// or https://")),
    };
    let Some(authority) = uri.authority() else {
        return Err(refuse("it has no host"));
    };
    if authority.as_str().contains('@') || !matches!(uri.path(), "" | "/") || uri.query().is_some()
    {
        return Err(refuse("an origin has no user, path or query"));
    }
    let host = authority.host().to_ascii_lowercase();
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match authority.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// The proxy's own error, in the shape of the generation `uri` belongs to (v1 strings, v2
/// RFC 7807 problems), as the emulator and the API answer theirs.
fn json_error(uri: &Uri, status: StatusCode, messages: &[String]) -> Response {
    let generation = xengage_emulator::generation_of(uri);
    let body = xengage_emulator::error_body(generation, status, messages).to_string();
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// CORS headers for an allowed cross-origin page; none for a same-origin one.
fn with_cors(mut r: Response, origin: Option<&HeaderValue>) -> Response {
    let h = r.headers_mut();
    h.insert(VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = origin else {
        return r;
    };
    h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "x-per-minute-limit, x-per-minute-remaining, x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset",
        ),
    );
    r
}

async fn handle(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let mut r = answer(&proxy, method, uri, headers, request).await;
    // The body may be the upstream's, in whatever type it says (an HTML error page): opened
    // as a document on the page's origin (a same-origin link), it must not run or be sniffed
    // into something that does. A fetch ignores both headers.
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

async fn answer(
    proxy: &Proxy,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    request: Request,
) -> Response {
    // A request naming a host of its own (absolute form, CONNECT) asks for an open proxy.
    if uri.authority().is_some() || method == Method::CONNECT {
        return json_error(
            &uri,
            StatusCode::BAD_REQUEST,
            &["not an open proxy: requests go to the configured upstream only".into()],
        );
    }
    // A page's own origin sends no Origin on a GET (Fetch); Sec-Fetch-Site, which no page can
    // set, says it is the page's own. Cross-site requests without Origin (an <img>) stay out.
    let same_origin = headers.get(ORIGIN).is_none()
        && headers
            .get("sec-fetch-site")
            .is_some_and(|v| v == "same-origin");
    let allowed = headers
        .get(ORIGIN)
        .filter(|o| {
            o.to_str()
                .is_ok_and(|o| proxy.origins.iter().any(|a| a == o))
        })
        .cloned();
    if allowed.is_none() && !same_origin {
        let why = match headers.get(ORIGIN).map(HeaderValue::to_str) {
            Some(Ok(o)) => format!(
                "origin {o} is not allowed: start the proxy with --allow-origin {o} to answer its pages"
            ),
            Some(Err(_)) => "the Origin header is not text".to_owned(),
            None => "no Origin header: the proxy answers pages of the --allow-origin origins (and same-origin pages of browsers that send Sec-Fetch-Site)".to_owned(),
        };
        return json_error(&uri, StatusCode::FORBIDDEN, &[why]);
    }
    let origin = allowed.as_ref();
    if method == Method::OPTIONS {
        let mut r = with_cors(Response::new(Body::empty()), origin);
        *r.status_mut() = StatusCode::NO_CONTENT;
        let h = r.headers_mut();
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return r;
    }
    let Some(endpoint) = Endpoint::from_method_and_path(method.as_str(), uri.path()) else {
        return with_cors(
            json_error(
                &uri,
                StatusCode::NOT_FOUND,
                &["only the five engagement endpoints are forwarded".into()],
            ),
            origin,
        );
    };
    let r = match read_body(proxy, request).await {
        Ok(body) => forward(proxy, endpoint, &method, &uri, &body).await,
        Err((status, why)) => json_error(&uri, status, &[why]),
    };
    with_cors(r, origin)
}

/// The request's body, within --client-timeout and axum's limit (2 MB; a request is a few KB).
async fn read_body(proxy: &Proxy, request: Request) -> Result<Bytes, (StatusCode, String)> {
    match tokio::time::timeout(proxy.client_timeout, Bytes::from_request(request, &())).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(rejection)) => Err((
            rejection.status(),
            format!("the request's body: {}", rejection.body_text()),
        )),
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request's body did not arrive within {} s (the proxy's --client-timeout)",
                proxy.client_timeout.as_secs()
            ),
        )),
    }
}

async fn forward(
    proxy: &Proxy,
    endpoint: Endpoint,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Response {
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let body = (!body.is_empty()).then_some(body);
    let spec = match RequestSpec::from_http(method.as_str(), path_and_query, body) {
        Ok(s) => s,
        Err(e) => return json_error(uri, StatusCode::BAD_REQUEST, &[e.to_string()]),
    };
    let (kind, client) = match proxy.client(endpoint) {
        Ok(c) => c,
        Err(e) => {
            // 501, not 503: the proxy cannot serve this endpoint at all, and a client that
            // retried a 503 would only wait longer for the same answer.
            return json_error(
                uri,
                StatusCode::NOT_IMPLEMENTED,
                &[format!("the proxy cannot serve this: {e}")],
            );
        }
    };
    let options = ValidationOptions::default().credential(Some(*kind));
    let request = match spec.validate(time::OffsetDateTime::now_utc(), &options) {
        Ok(r) => r,
        Err(invalid) => {
            let messages: Vec<String> = invalid.problems.iter().map(ToString::to_string).collect();
            return json_error(uri, StatusCode::BAD_REQUEST, &messages);
        }
    };
    match client.exchange(&request).await {
        Ok(answer)
            if holds_secret(&answer.body, &proxy.secrets)
                || PASSED_ON
                    .iter()
                    .filter_map(|name| answer.headers.get(*name))
                    .any(|v| holds_secret(v.as_bytes(), &proxy.secrets)) =>
        {
            json_error(
                uri,
                StatusCode::BAD_GATEWAY,
                &["upstream: its answer holds a credential of the proxy (it echoes the request?), so it is not passed on; check --upstream".into()],
            )
        }
        Ok(answer) => {
            let mut r = Response::new(Body::from(answer.body));
            *r.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for name in PASSED_ON {
                if let Some(v) = answer.headers.get(name) {
                    r.headers_mut().insert(name, v.clone());
                }
            }
            r
        }
        Err(e) => json_error(
            uri,
            StatusCode::BAD_GATEWAY,
            &[format!("upstream: {}", xengage_native::error_chain(&e))],
        ),
    }
}

pub(crate) fn run(args: &Args) -> Result<ExitOutcome, CliError> {
    let transport = TransportArgs {
        base_url: args.upstream.clone(),
        timeout: args.timeout,
        ..TransportArgs::default()
    };
    // Fail at start, not at the first request, when the upstream URL is unusable, an origin
    // can never match, or there is nothing to sign with (incomplete OAuth 1.0a keys, no
    // credential at all, or one no header can carry).
    transport.base_urls()?;
    if !args.listen.ip().is_loopback() && !args.public {
        return Err(CliError::Usage(format!(
            "--listen {} is reachable from other computers, and anyone who reaches the proxy can use its credentials by sending an allowed Origin; listen on loopback (127.0.0.1) behind your web server, or pass --public to accept that",
            args.listen
        )));
    }
    if args.credentials.nothing_given()? {
        return Err(CliError::Credentials(
            "the proxy signs with credentials it holds: set X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (every endpoint), X_BEARER_TOKEN (totals) or X_USER_TOKEN (v2)".into(),
        ));
    }
    let origins = args
        .allow_origin
        .iter()
        .map(|o| allowed_origin(o))
        .collect::<Result<_, _>>()?;
    let mut clients = Vec::new();
    let mut secrets = Vec::new();
    for endpoint in Endpoint::ALL {
        let client = match args.credentials.for_endpoint(endpoint) {
            Ok(credentials) => {
                for secret in secrets_of(&credentials) {
                    if !secrets.contains(&secret) {
                        secrets.push(secret);
                    }
                }
                Ok((credentials.kind(), transport.client(credentials)?))
            }
            Err(e) => Err(e.to_string()),
        };
        clients.push((endpoint, client));
    }
    let client_timeout = Duration::from_secs(args.client_timeout);
    let proxy = Arc::new(Proxy {
        origins,
        clients,
        secrets,
        client_timeout,
    });
    crate::runtime()?.block_on(async move {
        let listener = TcpListener::bind(args.listen)
            .await
            .map_err(CliError::Serve)?;
        let addr = listener.local_addr().map_err(CliError::Serve)?;
        println!("{}", serde_json::json!({ "url": format!("http://{addr}") }));
        let app = Router::new().fallback(handle).with_state(proxy);
        serve(listener, app, client_timeout).await;
        Ok(ExitOutcome::Ok)
    })
}

/// Serves HTTP/1.1 on `listener` until the process ends. Unlike `axum::serve`, a connection
/// must deliver each request's head within `head_timeout` of the proxy starting to wait for
/// it (idle keep-alive time included); hyper closes it otherwise.
async fn serve(listener: TcpListener, app: Router, head_timeout: Duration) {
    loop {
        // Out of file descriptors, or a connection reset before it was accepted: wait
        // instead of spinning, as axum::serve does.
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(head_timeout);
            // A client gone or too slow ends its own connection, and nothing else.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_origin;

    /// An origin as a browser sends it is kept as it is; the ways a user may type it (upper
    /// case, the default port, a trailing slash) become that same origin.
    #[test]
    fn origins_read_back_as_browsers_send_them() {
        for browser in [
            "https://dashboard.example.com",
            "http://localhost:5173",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "https://xn--bcher-kva.example",
        ] {
            assert_eq!(
                allowed_origin(browser).ok().as_deref(),
                Some(browser),
                "{browser}"
            );
            let (scheme, rest) = browser.split_once("://").unwrap();
            let default = if scheme == "https" { ":443" } else { ":80" };
            let typed = if rest.contains(':') && !rest.ends_with(']') {
                format!("{}://{}/", scheme.to_uppercase(), rest.to_uppercase())
            } else {
                format!(
                    "{}://{}{default}/",
                    scheme.to_uppercase(),
                    rest.to_uppercase()
                )
            };
            assert_eq!(
                allowed_origin(&typed).ok().as_deref(),
                Some(browser),
                "{typed}"
            );
        }
        for refused in [
            "*",
            "null",
            "dashboard.example.com",
            "https://a@b.example",
            "https://b.example/x",
            "https://b.example?q",
            "ftp://b.example",
        ] {
            assert!(allowed_origin(refused).is_err(), "{refused}");
        }
    }
}
