//! The HTTP client's TLS, set up for this client alone: the crypto provider is given to its
//! rustls configuration, never installed process-wide, so an application keeps its own choice.

use crate::error::ClientError;

/// A `reqwest` client builder with this crate's TLS and transport settings.
pub(crate) fn http_builder() -> Result<reqwest::ClientBuilder, ClientError> {
    let builder = reqwest::Client::builder()
        .user_agent(concat!("xengage/", env!("CARGO_PKG_VERSION")))
        // The API never redirects. Following one would send the request (its ids, and on
        // the same host its signature) where `check_url` never looked, plain http
        // included, and take that host's answer for the API's: a 3xx is an answer.
        .redirect(reqwest::redirect::Policy::none());
    with_tls(builder)
}

#[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, ClientError> {
    use std::sync::Arc;

    use rustls_platform_verifier::BuilderVerifierExt;

    #[cfg(feature = "rustls-ring")]
    let provider = rustls::crypto::ring::default_provider();
    #[cfg(all(feature = "rustls-aws-lc", not(feature = "rustls-ring")))]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(ClientError::Tls)?
        // The platform's verifier and roots, as reqwest's own rustls setup uses.
        .with_platform_verifier()
        .map_err(ClientError::Tls)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(all(
    feature = "native-tls",
    not(any(feature = "rustls-ring", feature = "rustls-aws-lc"))
))]
#[allow(clippy::unnecessary_wraps)] // the same signature as the rustls setup, which can fail
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, ClientError> {
    Ok(builder.tls_backend_native())
}

#[cfg(not(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
)))]
compile_error!(
    "xengage-native needs a TLS feature: `rustls-ring` (default), `rustls-aws-lc` or `native-tls`"
);
