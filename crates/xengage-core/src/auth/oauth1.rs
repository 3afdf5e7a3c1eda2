//! OAuth 1.0a HMAC-SHA1 signatures (RFC 5849, section 3.4), to the byte: RFC 3986
//! percent-encoding of the unreserved set over UTF-8, the parameter string sorted by encoded name
//! then value (query and form parameters included, a JSON body excluded), the base URL normalized
//! (scheme and host lower case, default port dropped, no query or fragment), and the signing key
//! `consumer_secret&token_secret`.
//!
//! [`sign`] works on any method, URL and form parameters, so it can be checked against published
//! examples; [`verify`] checks a received request, as a server (the emulator) does.
//!
//! ```
//! use xengage_core::auth::oauth1::{sign, SignatureSteps};
//! use xengage_core::auth::OAuth1Credentials;
//!
//! // The worked example of X's "Creating a signature" documentation.
//! let credentials = OAuth1Credentials::new(
//!     "xvz1evFS4wEEPTGEFPHBog",
//!     "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
//!     "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
//!     "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
//! );
//! let steps = sign(
//!     "POST",
//!     "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
//!     &[("status".into(), "Hello Ladies + Gentlemen, a signed OAuth request!".into())],
//!     &credentials,
//!     "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
//!     1_318_622_958,
//! )?;
//! assert_eq!(steps.signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
//! # Ok::<(), xengage_core::auth::oauth1::AuthError>(())
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{
    AsciiSet, CONTROLS, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode,
};
use sha1::Sha1;

use super::OAuth1Credentials;

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a path cannot hold as it is, as the WHATWG URL standard's path percent-encode set (which
/// reqwest and fetch follow) has it: controls, space, `"`, `<`, `>`, `` ` ``, `{`, `}`, and every
/// non-ASCII byte ([`utf8_percent_encode`] always encodes those). The client sends them
/// percent-encoded, so the path signed is the one on the wire.
const PATH_UNSENDABLE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A URL that cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The URL has no `scheme://host`.
    #[error("cannot sign for {0:?}: give an absolute URL such as https://data-api.x.com/...")]
    NotAbsolute(String),
    /// The port is not a number from 1 to 65535.
    #[error("cannot sign for {0:?}: the port is not a number from 1 to 65535")]
    BadPort(String),
    /// A query parameter is not valid percent-encoded UTF-8.
    #[error("cannot sign for {url:?}: query parameter {name:?} is not valid percent-encoded UTF-8")]
    BadQuery {
        /// The URL.
        url: String,
        /// The parameter.
        name: String,
    },
}

/// A received request's signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The `Authorization` header is not an OAuth 1.0a header.
    #[error("the Authorization header is not `OAuth key=\"value\", ...`: {0}")]
    Header(String),
    /// A required `oauth_` parameter is missing.
    #[error("the Authorization header has no {0}")]
    Missing(&'static str),
    /// A signature method other than HMAC-SHA1.
    #[error("signature method {0:?} is not HMAC-SHA1")]
    Method(String),
    /// The URL cannot be signed.
    #[error(transparent)]
    Url(#[from] AuthError),
    /// The signature differs from the one computed with the configured secrets.
    #[error(
        "the signature does not match: the request was signed for another URL, method or parameters, or with other secrets"
    )]
    Mismatch,
}

/// Every step of a signature, to compare with another tool when a request gets a 401. The
/// signing key is masked: it is made of the secrets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureSteps {
    /// The sorted, encoded parameters, joined with `&`.
    pub parameter_string: String,
    /// `METHOD&encoded-base-url&encoded-parameter-string`.
    pub base_string: String,
    /// The signing key with each secret masked: `***&***` (`***&` without a token secret).
    pub signing_key_masked: String,
    /// The Base64 HMAC-SHA1 signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization_header: String,
}

/// The steps of an RFC 5849 signature, one function each, as [`sign`] takes them: for checking
/// a signature by hand (the `xengage oauth1 sign` command prints each step) and for the fuzz
/// targets, which compare them with a reference. Signing needs none of them: see [`sign`].
pub mod steps {
    use super::{AuthError, PATH_UNSENDABLE, UNRESERVED, percent_decode_str, utf8_percent_encode};

    /// Percent-encodes `s` as RFC 5849 (3.6) asks: UTF-8, every byte outside the unreserved set as
    /// `%XX` with upper-case hex.
    pub fn percent_encode(s: &str) -> String {
        utf8_percent_encode(s, UNRESERVED).to_string()
    }

    /// The base string URI (RFC 5849 3.4.1.2): scheme and host lower case, the port written as a
    /// number and dropped when it is the scheme's default (80 for http, 443 for https; an empty port
    /// is the default too), the path kept (`/` when empty; a space or non-ASCII character
    /// percent-encoded, as it is sent), no query or fragment.
    pub fn normalize_url(url: &str) -> Result<String, AuthError> {
        let without_fragment = url.split('#').next().unwrap_or(url);
        let before_query = without_fragment
            .split('?')
            .next()
            .unwrap_or(without_fragment);
        let (scheme, rest) = before_query
            .split_once("://")
            .filter(|(s, r)| !s.is_empty() && !r.is_empty())
            .ok_or_else(|| AuthError::NotAbsolute(url.to_owned()))?;
        let scheme = scheme.to_ascii_lowercase();
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        // Userinfo is never part of the signed URI.
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let bad_port = || AuthError::BadPort(url.to_owned());
        // An IPv6 literal holds colons: the port follows its closing bracket.
        let (host, port) = if host_port.starts_with('[') {
            let end = host_port.find(']').ok_or_else(bad_port)? + 1;
            match &host_port[end..] {
                "" => (&host_port[..end], None),
                rest => (
                    &host_port[..end],
                    Some(rest.strip_prefix(':').ok_or_else(bad_port)?),
                ),
            }
        } else {
            match host_port.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            }
        };
        let port = match port.filter(|p| !p.is_empty()) {
            None => None,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|&n| n != 0)
                    .ok_or_else(bad_port)?,
            ),
            Some(_) => return Err(bad_port()),
        };
        let default = match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        if host.is_empty() {
            return Err(AuthError::NotAbsolute(url.to_owned()));
        }
        let host = host.to_ascii_lowercase();
        let path = utf8_percent_encode(path, PATH_UNSENDABLE);
        Ok(match port.filter(|&p| Some(p) != default) {
            Some(p) => format!("{scheme}://{host}:{p}{path}"),
            None => format!("{scheme}://{host}{path}"),
        })
    }

    /// The query parameters of `url`, decoded (`+` is a space, as in form encoding).
    pub fn query_params(url: &str) -> Result<Vec<(String, String)>, AuthError> {
        let without_fragment = url.split('#').next().unwrap_or(url);
        let Some((_, query)) = without_fragment.split_once('?') else {
            return Ok(Vec::new());
        };
        let decode = |s: &str, name: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| AuthError::BadQuery {
                    url: url.to_owned(),
                    name: name.to_owned(),
                })
        };
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                Ok((decode(k, k)?, decode(v, k)?))
            })
            .collect()
    }

    /// The parameter string (RFC 5849 3.4.1.3.2): every name and value encoded, sorted by name then
    /// value, joined as `name=value` with `&`.
    pub fn parameter_string(params: &[(String, String)]) -> String {
        let mut encoded: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (percent_encode(k), percent_encode(v)))
            .collect();
        encoded.sort();
        encoded
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The signature base string: `METHOD&encode(base URL)&encode(parameter string)`.
    pub fn base_string(method: &str, normalized_url: &str, parameter_string: &str) -> String {
        format!(
            "{}&{}&{}",
            method.to_ascii_uppercase(),
            percent_encode(normalized_url),
            percent_encode(parameter_string)
        )
    }
}

use steps::{base_string, normalize_url, parameter_string, percent_encode, query_params};

fn hmac_sha1(key: &str, text: &str) -> Hmac<Sha1> {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(text.as_bytes());
    mac
}

/// The `oauth_` protocol parameters of a signature, without the signature.
fn protocol_params(
    credentials: &OAuth1Credentials,
    nonce: &str,
    timestamp: u64,
) -> Vec<(String, String)> {
    let mut p = vec![
        (
            "oauth_consumer_key".to_owned(),
            credentials.consumer_key.clone(),
        ),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        ("oauth_signature_method".to_owned(), "HMAC-SHA1".to_owned()),
        ("oauth_timestamp".to_owned(), timestamp.to_string()),
    ];
    if !credentials.token.is_empty() {
        p.push(("oauth_token".to_owned(), credentials.token.clone()));
    }
    p.push(("oauth_version".to_owned(), "1.0".to_owned()));
    p
}

/// Signs a request: `method`, the full `url` (its query parameters are signed), and the
/// form-encoded body parameters (`form_params`, decoded; none for a JSON body).
pub fn sign(
    method: &str,
    url: &str,
    form_params: &[(String, String)],
    credentials: &OAuth1Credentials,
    nonce: &str,
    timestamp: u64,
) -> Result<SignatureSteps, AuthError> {
    let protocol = protocol_params(credentials, nonce, timestamp);
    let token_secret = credentials.token_secret.expose_secret();
    let steps = signature_steps(
        method,
        url,
        form_params,
        &protocol,
        credentials.consumer_secret.expose_secret(),
        token_secret,
    )?;
    let mut header_params = protocol;
    header_params.push(("oauth_signature".to_owned(), steps.signature.clone()));
    header_params.sort();
    let header = header_params
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(SignatureSteps {
        authorization_header: format!("OAuth {header}"),
        ..steps
    })
}

fn signature_steps(
    method: &str,
    url: &str,
    form_params: &[(String, String)],
    protocol: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> Result<SignatureSteps, AuthError> {
    let normalized = normalize_url(url)?;
    let mut params = query_params(url)?;
    params.extend(form_params.iter().cloned());
    params.extend(protocol.iter().cloned());
    let parameter_string = parameter_string(&params);
    let base_string = base_string(method, &normalized, &parameter_string);
    let key = format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    );
    let signature = STANDARD.encode(hmac_sha1(&key, &base_string).finalize().into_bytes());
    Ok(SignatureSteps {
        parameter_string,
        base_string,
        signing_key_masked: format!("***&{}", if token_secret.is_empty() { "" } else { "***" }),
        signature,
        authorization_header: String::new(),
    })
}

/// The parameters of an `OAuth ...` Authorization header, decoded, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    /// `(name, value)` pairs; `realm` included if present.
    pub params: Vec<(String, String)>,
}

impl AuthorizationHeader {
    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads an `OAuth k="v", ...` header. Errors name a parameter by its position, never by its
/// text: a header that is not OAuth 1.0a may hold a bearer token.
pub fn parse_authorization_header(header: &str) -> Result<AuthorizationHeader, VerifyError> {
    // The scheme is case-insensitive (RFC 9110 11.1).
    let rest = header
        .trim()
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("OAuth"))
        .map(|(_, rest)| rest)
        .ok_or_else(|| VerifyError::Header("it does not start with `OAuth `".to_owned()))?;
    let mut params = Vec::new();
    for (i, part) in rest
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let n = i + 1;
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| VerifyError::Header(format!("parameter {n} is not key=\"value\"")))?;
        // `token BWS "=" BWS quoted-string` (RFC 9110 11.2): whitespace may surround `=`.
        let v = v
            .trim_start()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| {
                VerifyError::Header(format!("the value of parameter {n} is not quoted"))
            })?;
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| {
                    VerifyError::Header(format!("parameter {n} is not valid percent-encoded UTF-8"))
                })
        };
        params.push((decode(k.trim())?, decode(v)?));
    }
    Ok(AuthorizationHeader { params })
}

/// Checks a received request's OAuth 1.0a signature against the secrets the server knows. The
/// URL is the one the request was addressed to (the canonical URL a client signed for).
pub fn verify(
    method: &str,
    url: &str,
    form_params: &[(String, String)],
    authorization_header: &str,
    consumer_secret: &str,
    token_secret: Option<&str>,
) -> Result<AuthorizationHeader, VerifyError> {
    let header = parse_authorization_header(authorization_header)?;
    let given = header
        .get("oauth_signature")
        .ok_or(VerifyError::Missing("oauth_signature"))?;
    for required in ["oauth_consumer_key", "oauth_nonce", "oauth_timestamp"] {
        if header.get(required).is_none() {
            return Err(VerifyError::Missing(required));
        }
    }
    let method_name = header
        .get("oauth_signature_method")
        .ok_or(VerifyError::Missing("oauth_signature_method"))?;
    if method_name != "HMAC-SHA1" {
        return Err(VerifyError::Method(method_name.to_owned()));
    }
    let protocol: Vec<(String, String)> = header
        .params
        .iter()
        .filter(|(k, _)| k.starts_with("oauth_") && k != "oauth_signature")
        .cloned()
        .collect();
    let normalized = normalize_url(url)?;
    let mut params = query_params(url)?;
    params.extend(form_params.iter().cloned());
    params.extend(protocol);
    let base = base_string(method, &normalized, &parameter_string(&params));
    let key = format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret.unwrap_or(""))
    );
    let given = STANDARD.decode(given).map_err(|_| VerifyError::Mismatch)?;
    hmac_sha1(&key, &base)
        .verify_slice(&given)
        .map_err(|_| VerifyError::Mismatch)?;
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x_example() -> OAuth1Credentials {
        OAuth1Credentials::new(
            "xvz1evFS4wEEPTGEFPHBog",
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        )
    }

    #[test]
    fn x_worked_example_every_step() {
        let steps = sign(
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            &[(
                "status".into(),
                "Hello Ladies + Gentlemen, a signed OAuth request!".into(),
            )],
            &x_example(),
            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            1_318_622_958,
        )
        .unwrap();
        assert_eq!(
            steps.parameter_string,
            "include_entities=true&oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&oauth_nonce=kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318622958&oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&oauth_version=1.0&status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
        );
        assert_eq!(
            steps.base_string,
            "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
        );
        assert_eq!(steps.signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
        assert_eq!(steps.signing_key_masked, "***&***");
        assert!(
            steps
                .authorization_header
                .contains("oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\"")
        );
        let header = steps.authorization_header.clone();
        let secret = x_example();
        verify(
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            &[(
                "status".into(),
                "Hello Ladies + Gentlemen, a signed OAuth request!".into(),
            )],
            &header,
            secret.consumer_secret.expose_secret(),
            Some(secret.token_secret.expose_secret()),
        )
        .unwrap();
    }

    #[test]
    fn rfc5849_section_3_4_1_base_string() {
        // RFC 5849 3.4.1.1: query and form parameters, repeated names, encoded values.
        let params = {
            let mut p =
                query_params("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
            p.extend([
                ("c2".to_owned(), String::new()),
                ("a3".to_owned(), "2 q".to_owned()),
            ]);
            p.extend(
                [
                    ("oauth_consumer_key", "9djdj82h48djs9d2"),
                    ("oauth_token", "kkk9d7dh3k39sjv7"),
                    ("oauth_signature_method", "HMAC-SHA1"),
                    ("oauth_timestamp", "137131201"),
                    ("oauth_nonce", "7d8f3e4a"),
                ]
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
            );
            p
        };
        let base = base_string(
            "post",
            &normalize_url("HTTP://Example.com:80/request?b5=1#frag").unwrap(),
            &parameter_string(&params),
        );
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    #[test]
    fn rfc5849_section_1_2_signature() {
        // RFC 5849 1.2 signs without oauth_version; its signature is MdpQcU8iPSUjWoN/UDMsK2sui9I=.
        let protocol: Vec<(String, String)> = [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
        let steps = signature_steps(
            "GET",
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            &[],
            &protocol,
            "kd94hf93k423kf44",
            "pfkkdhi9sl3r4s00",
        )
        .unwrap();
        assert_eq!(
            steps.base_string,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        assert_eq!(steps.signature, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    }

    #[test]
    fn percent_encoding_edge_cases() {
        assert_eq!(percent_encode("-._~"), "-._~");
        assert_eq!(percent_encode("AZaz09"), "AZaz09");
        assert_eq!(percent_encode(" "), "%20");
        assert_eq!(percent_encode("+"), "%2B");
        assert_eq!(percent_encode("*"), "%2A");
        assert_eq!(percent_encode("%"), "%25");
        assert_eq!(
            percent_encode("!#$&'()*+,/:;=?@[]"),
            "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D"
        );
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("☃"), "%E2%98%83");
        assert_eq!(percent_encode("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn urls_normalize_and_refuse_what_cannot_be_signed() {
        assert_eq!(
            normalize_url("HTTPS://Data-API.X.com:443/insights/engagement/totals?x=1").unwrap(),
            "https://data-api.x.com/insights/engagement/totals"
        );
        assert_eq!(normalize_url("http://h:8080").unwrap(), "http://h:8080/");
        assert!(matches!(
            normalize_url("/relative"),
            Err(AuthError::NotAbsolute(_))
        ));
        assert!(matches!(
            query_params("https://h/?a=%FF"),
            Err(AuthError::BadQuery { .. })
        ));
    }

    /// Signatures computed by oauthlib 4.0.1 (an independent implementation) with consumer key
    /// `key`, consumer secret `sec`, token `tok`, token secret `tsec`, nonce `n`, timestamp 1.
    fn oauthlib_vector(url: &str) -> SignatureSteps {
        let credentials = OAuth1Credentials::new("key", "sec", "tok", "tsec");
        sign("GET", url, &[], &credentials, "n", 1).unwrap()
    }

    #[test]
    fn ports_compare_as_numbers_and_the_default_is_dropped() {
        // RFC 5849 3.4.1.2: the default port MUST be excluded, whatever its spelling (an empty
        // port, RFC 3986 3.2.3, or leading zeros); another port is written as a number.
        const PROTOCOL: &str = "oauth_consumer_key%3Dkey%26oauth_nonce%3Dn%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1%26oauth_token%3Dtok%26oauth_version%3D1.0";
        for url in ["https://h:0443/x", "https://h:/x", "HTTPS://H:443/x"] {
            let steps = oauthlib_vector(url);
            assert_eq!(
                steps.base_string,
                format!("GET&https%3A%2F%2Fh%2Fx&{PROTOCOL}"),
                "{url}"
            );
            assert_eq!(steps.signature, "OEcJyl9mZo8Fb/gdny40RCHV7hs=", "{url}");
        }
        let steps = oauthlib_vector("http://h:08080/x");
        assert_eq!(
            steps.base_string,
            format!("GET&http%3A%2F%2Fh%3A8080%2Fx&{PROTOCOL}")
        );
        assert_eq!(steps.signature, "kDyRCk2UXD9xp1WCHNG50BDn+D8=");
    }

    #[test]
    fn a_port_that_is_not_a_port_is_refused() {
        for url in [
            "https://h:abc/x",
            "https://h:99999/x",
            "https://h:0/x",
            "https://h:-1/x",
            "https://h:443:443/x",
            "https://[::1]x/",
            "https://[::1/",
        ] {
            assert!(
                matches!(normalize_url(url), Err(AuthError::BadPort(_))),
                "{url}: {:?}",
                normalize_url(url)
            );
        }
        assert_eq!(
            normalize_url("https://[::1]:8443/x").unwrap(),
            "https://[::1]:8443/x"
        );
        assert_eq!(normalize_url("http://[::1]:80").unwrap(), "http://[::1]/");
    }

    #[test]
    fn a_path_is_signed_as_it_is_sent() {
        // A space or a non-ASCII character cannot be sent in a path: HTTP clients send it
        // percent-encoded (UTF-8), and the server signs what it receives. The vectors are
        // oauthlib's for the encoded paths.
        assert_eq!(
            oauthlib_vector("https://h/a b").signature,
            "2A7LSJWTsPt+2MRAORox6AaMhpQ="
        );
        assert_eq!(
            oauthlib_vector("https://h/a%20b").signature,
            "2A7LSJWTsPt+2MRAORox6AaMhpQ="
        );
        let steps = oauthlib_vector("https://h/é");
        assert!(
            steps
                .base_string
                .starts_with("GET&https%3A%2F%2Fh%2F%25C3%25A9&")
        );
        assert_eq!(steps.signature, "53UjzMcj9XImbwFmnNQ0jXoPFrQ=");
    }

    #[test]
    fn headers_written_by_other_clients_verify() {
        // oauthlib 4.0.1's header for this request (key/sec, tok/tsec, nonce n, timestamp 1), in
        // its parameter order, then as RFC 9110 11.2 also allows it: a realm, no space after the
        // commas, a lower-case scheme, whitespace around `=` (`token BWS "=" BWS quoted-string`).
        let url = "https://api.x.com/2/insights/28hr?tweet_ids=1,2&granularity=Total&start_time=2026-11-01T00:00:00Z";
        let params = [
            r#"oauth_nonce="n""#,
            r#"oauth_timestamp="1""#,
            r#"oauth_version="1.0""#,
            r#"oauth_signature_method="HMAC-SHA1""#,
            r#"oauth_consumer_key="key""#,
            r#"oauth_token="tok""#,
            r#"oauth_signature="eFO9VJPm8re6zPgIRB0CJttXKuI%3D""#,
        ];
        let spaced: Vec<String> = params.iter().map(|p| p.replacen('=', " = ", 1)).collect();
        for header in [
            format!("OAuth {}", params.join(", ")),
            format!("OAuth realm=\"https://api.x.com/\", {}", params.join(", ")),
            format!("oauth {}", params.join(",")),
            format!("OAuth {}", spaced.join(" , ")),
        ] {
            let verified = verify("GET", url, &[], &header, "sec", Some("tsec"));
            assert!(verified.is_ok(), "{header}: {verified:?}");
        }
    }

    #[test]
    fn verification_refuses_any_change() {
        let c = x_example();
        let url = "https://api.x.com/2/insights/28hr?tweet_ids=1,2&granularity=Total";
        let steps = sign("GET", url, &[], &c, "n", 1).unwrap();
        let secret = c.consumer_secret.expose_secret();
        let token = Some(c.token_secret.expose_secret());
        assert!(verify("GET", url, &[], &steps.authorization_header, secret, token).is_ok());
        let other_url = "https://api.x.com/2/insights/28hr?tweet_ids=1,3&granularity=Total";
        assert_eq!(
            verify(
                "GET",
                other_url,
                &[],
                &steps.authorization_header,
                secret,
                token
            ),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify("GET", url, &[], &steps.authorization_header, "other", token),
            Err(VerifyError::Mismatch)
        );
        let tampered = steps
            .authorization_header
            .replace("oauth_nonce=\"n\"", "oauth_nonce=\"m\"");
        assert_eq!(
            verify("GET", url, &[], &tampered, secret, token),
            Err(VerifyError::Mismatch)
        );
        assert!(matches!(
            verify("GET", url, &[], "Bearer abc", secret, token),
            Err(VerifyError::Header(_))
        ));
    }
}
