//! `signRequest(request, credentials, options?)`: the `Authorization` header for a request made
//! by `buildRequest`, for Node and workers that send requests themselves.

use serde::Deserialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use xengage_core::auth::{Credentials, NonceSource, oauth1};
use xengage_web::collect::PlatformNonces;

use crate::Failure;
use crate::client::JsCredentials;

/// The parts of a built request that are signed.
#[derive(Debug, Deserialize)]
struct JsBuilt {
    method: String,
    url: String,
    #[serde(default)]
    headers: Map<String, Value>,
}

/// Options of `signRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsSignOptions {
    /// The URL the signature covers when the request goes to a proxy that forwards unchanged.
    signing_url: Option<String>,
    nonce: Option<String>,
    timestamp: Option<u64>,
}

/// Signs `built` (JSON of `buildRequest`'s result) with `credentials` (JSON of the Client's
/// `credentials`), with `nonce` and `timestamp` unless the options fix them. Returns the request
/// with its `authorization` header set, as JSON.
pub fn sign_request_json(
    built: &str,
    credentials: &str,
    options: &str,
    nonce: &str,
    timestamp: u64,
) -> Result<String, Failure> {
    let mut request: Value = serde_json::from_str(built).map_err(|e| {
        Failure::new(
            "invalid_request",
            format!("not a built request: {}", crate::serde_message(&e)),
        )
    })?;
    let parts: JsBuilt = serde_json::from_value(request.clone()).map_err(|e| {
        Failure::new(
            "invalid_request",
            format!(
                "not a request made by buildRequest: {}",
                crate::serde_message(&e)
            ),
        )
    })?;
    // The value is never quoted: it holds secrets.
    let credentials: JsCredentials = serde_json::from_str(credentials).map_err(|_| {
        Failure::new(
            "invalid_options",
            "credentials must be { bearerToken }, { userToken } or the OAuth 1.0a keys { consumerKey, consumerSecret, accessToken, accessTokenSecret }; the value given is not shown",
        )
    })?;
    let credentials = credentials.into_credentials()?;
    credentials
        .check()
        .map_err(|e| Failure::new("invalid_options", format!("credentials: {e}")))?;
    let options: JsSignOptions = if options.trim().is_empty() || options.trim() == "null" {
        JsSignOptions::default()
    } else {
        serde_json::from_str(options).map_err(|e| {
            Failure::new(
                "invalid_options",
                format!("bad options: {}", crate::serde_message(&e)),
            )
        })?
    };
    let header = match &credentials {
        Credentials::AppOnly { bearer_token: t } | Credentials::OAuth2User { access_token: t } => {
            format!("Bearer {}", t.expose_secret())
        }
        Credentials::OAuth1User(c) => {
            let url = options.signing_url.as_deref().unwrap_or(&parts.url);
            let nonce = options.nonce.as_deref().unwrap_or(nonce);
            let timestamp = options.timestamp.unwrap_or(timestamp);
            oauth1::sign(&parts.method, url, &[], c, nonce, timestamp)
                .map_err(|e| Failure::new("invalid_request", e.to_string()))?
                .authorization_header
        }
        // A kind of credentials of a later core, which this package does not know how to send.
        _ => {
            return Err(Failure::new(
                "invalid_options",
                "credentials: a kind this package cannot sign with",
            ));
        }
    };
    let mut headers = parts.headers;
    headers.retain(|name, _| !name.eq_ignore_ascii_case("authorization"));
    headers.insert("authorization".to_owned(), Value::String(header));
    request["headers"] = Value::Object(headers);
    Ok(request.to_string())
}

/// `signRequest(request, credentials, options?)`: `request` (from `buildRequest`) with its
/// `authorization` header, signed with a fresh nonce and the clock's time unless
/// `options.nonce` / `options.timestamp` fix them.
#[wasm_bindgen(js_name = signRequest, skip_typescript)]
pub fn sign_request(
    request: &JsValue,
    credentials: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsValue> {
    let text = |v: &JsValue| -> String {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    };
    // The nonce and time `Client` signs with: `crypto.getRandomValues` and `Date.now()`.
    let mut platform = PlatformNonces;
    let out = sign_request_json(
        &text(request),
        &text(credentials),
        &text(options),
        &platform.nonce(),
        platform.timestamp(),
    )
    .map_err(|e| crate::to_js_error(&e))?;
    js_sys::JSON::parse(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_a_built_request_like_the_cli_and_keeps_secrets_out_of_errors() {
        let built = crate::build_request_json(
            r#"{"endpoint":"totals","postIds":["1070059276213702656"],"metrics":["favorites"]}"#,
            r#"{"now":"2026-11-22T12:00:00Z"}"#,
        )
        .unwrap();
        let creds = r#"{"consumerKey":"ck","consumerSecret":"cs-secret","accessToken":"at","accessTokenSecret":"ats-secret"}"#;
        let out = sign_request_json(&built, creds, "", "abc", 1_795_348_800).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        let auth = v["headers"]["authorization"].as_str().unwrap();
        assert!(auth.starts_with("OAuth "), "{auth}");
        assert!(auth.contains(r#"oauth_nonce="abc""#), "{auth}");
        assert!(auth.contains(r#"oauth_timestamp="1795348800""#), "{auth}");
        assert!(!auth.contains("secret"), "{auth}");
        assert_eq!(
            v["url"],
            "https://data-api.x.com/insights/engagement/totals"
        );
        // The same signature the core gives for the same inputs.
        let c = xengage_core::auth::OAuth1Credentials::new(
            "ck",
            xengage_core::auth::Secret::new("cs-secret"),
            "at",
            xengage_core::auth::Secret::new("ats-secret"),
        );
        let expected = oauth1::sign(
            "POST",
            "https://data-api.x.com/insights/engagement/totals",
            &[],
            &c,
            "abc",
            1_795_348_800,
        )
        .unwrap();
        assert_eq!(auth, expected.authorization_header);
        let f = sign_request_json(
            &built,
            r#"{"bearerToken":"very-secret","userToken":"x"}"#,
            "",
            "n",
            1,
        )
        .unwrap_err();
        assert!(!f.message.contains("very-secret"), "{}", f.message);
        let f = sign_request_json(&built, r#""very-secret""#, "", "n", 1).unwrap_err();
        assert!(!f.message.contains("very-secret"), "{}", f.message);
    }
}
