//! Errors of an answer: the API said no (status and messages), or the body is not what the API
//! sends (with the JSON path where it went wrong), or it is too big or deep to read safely.

use crate::id::PostId;
use crate::metric::Metric;
use crate::pace::Failure;

/// An RFC 7807 problem of a v2 answer (or an item of the documented v2 429 body,
/// `{"code": 88, "message": "Rate limit exceeded"}`, which is no Problem but is read as one).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProblemDetails {
    /// A short summary.
    pub title: Option<String>,
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// What happened in this case.
    pub detail: Option<String>,
    /// The status the problem carries.
    pub status: Option<u16>,
    /// The kind of resource the problem is about (`tweet`, `media`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The resource the problem is about (a post id, a media key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<serde_json::Value>,
    /// The request parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The value at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The field the problem is about (`not-authorized-for-field` and kin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The section of the answer the problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The code of a v1-style error object (`88` in the documented v2 429 body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The message of a v1-style error object (`Rate limit exceeded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ProblemDetails {
    /// Reads a problem of an answer as its `Deserialize` does (every member optional, `null` as
    /// absent, other members ignored), by hand: serde's derived reader of a JSON value weighs
    /// 6 KB gzipped in the npm package's wasm module. The error names the member and what it
    /// holds (`invalid type: `status` is a string, expected an integer 0 to 65535`).
    pub(crate) fn from_json(value: &serde_json::Value) -> Result<ProblemDetails, String> {
        use serde_json::Value;
        let Value::Object(map) = value else {
            return Err(format!(
                "invalid type: {}, expected an object",
                super::json::kind_of(value)
            ));
        };
        let wrong = |member: &str, value: &Value, expected: &str| {
            format!(
                "invalid type: `{member}` is {}, expected {expected}",
                super::json::kind_of(value)
            )
        };
        let text = |member: &str| match map.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong(member, other, "a string")),
        };
        let json = |member: &str| match map.get(member) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.clone()),
        };
        let status = match map.get("status") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| wrong("status", v, "an integer 0 to 65535"))?,
            ),
        };
        let code = match map.get("code") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| wrong("code", v, "an integer"))?),
        };
        Ok(ProblemDetails {
            title: text("title")?,
            kind: text("type")?,
            detail: text("detail")?,
            status,
            resource_type: text("resource_type")?,
            resource_id: json("resource_id"),
            parameter: text("parameter")?,
            value: json("value"),
            field: text("field")?,
            section: text("section")?,
            code,
            message: text("message")?,
        })
    }

    /// The problem's name: the last segment of a `type` under `/2/problems/`, whatever the host
    /// (`https://api.twitter.com/2/problems/resource-not-found` at spec 2.166,
    /// `https://api.x.com/2/problems/resource-not-found` at 2.167), or the whole `type` when it
    /// is not such a URI (`about:blank`).
    pub fn name(&self) -> Option<&str> {
        let kind = self.kind.as_deref()?;
        Some(match kind.split_once("/2/problems/") {
            Some((_, name)) => name.trim_end_matches('/'),
            None => kind,
        })
    }

    /// Whether the problem says the quota is spent: `code` 88, the `rate-limit-exceeded` type,
    /// or status 429.
    pub fn is_rate_limit(&self) -> bool {
        self.code == Some(crate::facts::limits::RATE_LIMIT_ERROR_CODE)
            || self.name() == Some("rate-limit-exceeded")
            || self.status == Some(429)
    }

    /// The resource id as text (a string, or a number written out).
    pub fn resource_id_text(&self) -> Option<String> {
        match self.resource_id.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

impl std::fmt::Display for ProblemDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<&str> = [&self.title, &self.detail, &self.message]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .collect();
        if parts.is_empty() {
            f.write_str(self.kind.as_deref().unwrap_or("problem"))
        } else {
            f.write_str(&parts.join(": "))
        }
    }
}

/// What a status means, as documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: invalid JSON, no payload, or unavailable (protected) posts.
    BadRequest,
    /// 401: authentication failed.
    Unauthorized,
    /// 403: forbidden to access these posts.
    Forbidden,
    /// 404: wrong URL.
    NotFound,
    /// 406: the server has no answer in a form the request accepts (its `Accept` or
    /// `Accept-Encoding` headers); the API documents no 406.
    NotAcceptable,
    /// 429: over the quota (per minute on v1, per window of `x-rate-limit-reset` on v2).
    RateLimited,
    /// 501: the server cannot do this at all (an SDK proxy without credentials for the
    /// endpoint answers it); retrying cannot help.
    NotImplemented,
    /// 5xx: the server failed.
    Server,
    /// 3xx: a redirect. The API never redirects and the transports do not follow one, so
    /// nothing is sent where it points: the base URL is wrong, or something else answers.
    Redirect,
    /// Any other status.
    Other,
}

impl ApiErrorKind {
    /// The kind of `status`.
    pub fn of(status: u16) -> ApiErrorKind {
        match status {
            400 => ApiErrorKind::BadRequest,
            401 => ApiErrorKind::Unauthorized,
            403 => ApiErrorKind::Forbidden,
            404 => ApiErrorKind::NotFound,
            406 => ApiErrorKind::NotAcceptable,
            429 => ApiErrorKind::RateLimited,
            501 => ApiErrorKind::NotImplemented,
            500..=599 => ApiErrorKind::Server,
            300..=399 => ApiErrorKind::Redirect,
            _ => ApiErrorKind::Other,
        }
    }

    fn advice(self) -> &'static str {
        match self {
            ApiErrorKind::BadRequest => "the API refused the request; fix it before sending again",
            ApiErrorKind::Unauthorized => {
                "check the credentials: keys, tokens and secrets, and that the signature covers the API's own URL"
            }
            ApiErrorKind::Forbidden => {
                "the credential's user does not own these posts; query them with the owner's tokens"
            }
            ApiErrorKind::NotFound => "the URL is wrong; check the base URL and the endpoint",
            ApiErrorKind::NotAcceptable => {
                "the server has no answer in a form the request accepts; check the Accept and Accept-Encoding headers (gzip is optional, asked for with `Accept-Encoding: gzip`)"
            }
            ApiErrorKind::RateLimited => {
                "over the quota; retry once the window resets: at x-rate-limit-reset on v2, after the minute on v1"
            }
            ApiErrorKind::NotImplemented => {
                "the server cannot do this at all, so retrying cannot help; check the endpoint, or what the server (a proxy?) is set up to serve"
            }
            ApiErrorKind::Server => "the server failed; retrying with backoff can help",
            ApiErrorKind::Redirect => {
                "a redirect, which the API never sends and the client does not follow: check the base URL, something other than the API answers it"
            }
            ApiErrorKind::Other => "unexpected status",
        }
    }
}

/// The API answered with an error status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// What the status means.
    pub kind: ApiErrorKind,
    /// The body's `errors` strings (v1), or the text of a body that is not JSON, shortened.
    pub messages: Vec<String>,
    /// v2 problem details.
    pub problems: Vec<ProblemDetails>,
    /// Posts named as forbidden ("Forbidden to access tweets: 1, 2").
    pub forbidden_ids: Vec<PostId>,
    /// Posts listed in `unavailable_tweet_ids`.
    pub unavailable_ids: Vec<PostId>,
    /// Posts listed in `unsupported_for_impressions_engagements_tweet_ids`.
    pub unsupported_impressions_ids: Vec<PostId>,
    /// Posts listed in `unsupported_for_video_views_tweet_ids`.
    pub unsupported_video_views_ids: Vec<PostId>,
}

impl ApiError {
    /// The metrics this error's `unsupported_*` lists say the API does not serve for `id`
    /// (the post is too old for them); empty when it names `id` in neither.
    pub fn unsupported_metrics(&self, id: &PostId) -> Vec<Metric> {
        let mut metrics = Vec::new();
        if self.unsupported_impressions_ids.contains(id) {
            metrics.extend_from_slice(super::ledger::UNSUPPORTED_IMPRESSIONS);
        }
        if self.unsupported_video_views_ids.contains(id) {
            metrics.extend_from_slice(super::ledger::UNSUPPORTED_VIDEO_VIEWS);
        }
        metrics
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the API answered {}", self.status)?;
        let mut texts: Vec<String> = self.messages.clone();
        texts.extend(self.problems.iter().map(ToString::to_string));
        if !texts.is_empty() {
            write!(f, ": {}", texts.join("; "))?;
        }
        // A 403 that names no post is not about ownership (a proxy's origin check, say): its
        // own words say what is wrong.
        if self.kind == ApiErrorKind::Forbidden && self.forbidden_ids.is_empty() {
            return Ok(());
        }
        write!(f, " ({})", self.kind.advice())
    }
}

impl std::error::Error for ApiError {}

/// Where a body stopped making sense.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MalformedKind {
    /// Not JSON, or JSON cut short.
    Syntax {
        /// serde_json's message, with line and column.
        message: String,
    },
    /// A count that is not a non-negative whole number.
    NotACount {
        /// The value as found.
        found: String,
    },
    /// A count larger than `u64::MAX`, or a JSON number too large to be exact.
    Overflow {
        /// The value as found.
        found: String,
    },
    /// A value of the wrong JSON type.
    UnexpectedType {
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A key that fits no dimension of the grouping.
    UnexpectedKey {
        /// The key.
        key: String,
        /// The dimensions it could have been.
        expected: String,
    },
    /// A key written twice in one object of a grouping: its value would be counted twice, or
    /// one of the two lost.
    DuplicateKey {
        /// The key.
        key: String,
    },
    /// A required field is missing.
    MissingField {
        /// The field.
        field: String,
    },
    /// A time that is not RFC 3339.
    BadTime {
        /// The value as found.
        found: String,
    },
}

impl std::fmt::Display for MalformedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MalformedKind::Syntax { message } => write!(f, "not valid JSON: {message}"),
            MalformedKind::NotACount { found } => {
                write!(f, "{found} is not a count (a non-negative whole number)")
            }
            MalformedKind::Overflow { found } => {
                write!(f, "{found} is larger than the largest count, {}", u64::MAX)
            }
            MalformedKind::UnexpectedType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            MalformedKind::UnexpectedKey { key, expected } => {
                write!(f, "key {key:?} is not {expected}")
            }
            MalformedKind::DuplicateKey { key } => {
                write!(f, "key {key:?} appears twice in the same object")
            }
            MalformedKind::MissingField { field } => write!(f, "missing field `{field}`"),
            MalformedKind::BadTime { found } => write!(f, "{found:?} is not an RFC 3339 time"),
        }
    }
}

/// The body is not what the API sends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("malformed answer (status {status}) at {path}: {kind}")]
#[non_exhaustive]
pub struct MalformedResponse {
    /// The HTTP status.
    pub status: u16,
    /// The JSON path, as `$.grouping."123".impressions`.
    pub path: String,
    /// What is wrong there.
    pub kind: MalformedKind,
}

/// Why an answer gave no outcome. Which of these retrying can help is
/// [`ResponseError::is_retryable`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The API answered with an error status.
    #[error(transparent)]
    Api(#[from] Box<ApiError>),
    /// The body is not what the API sends.
    #[error(transparent)]
    Malformed(#[from] MalformedResponse),
    /// The body is larger than [`ParseOptions::max_body_bytes`](super::ParseOptions).
    #[error(
        "the answer is {size} bytes, over the limit of {limit}; raise ParseOptions::max_body_bytes if it is expected"
    )]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body nests deeper than [`ParseOptions::max_depth`](super::ParseOptions).
    #[error(
        "the answer nests deeper than {limit} levels at {path}; no answer of the API does, raise ParseOptions::max_depth if it is expected"
    )]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Where.
        path: String,
    },
    /// The body is still gzip-compressed.
    #[error("the answer's body is gzip-compressed; decompress it before parsing")]
    Compressed,
}

/// A body a transport stopped reading at [`ParseOptions::max_body_bytes`](super::ParseOptions),
/// so that it never fills memory: the native and the web transports fail the attempt with this
/// message, as a permanent failure (the same request would bring the same answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the answer is over {limit} bytes; it was not read to the end (raise ParseOptions::max_body_bytes if such answers are expected)"
)]
#[non_exhaustive]
pub struct BodyOverLimit {
    /// The limit, in bytes.
    pub limit: usize,
}

impl BodyOverLimit {
    /// The error of a body over `limit` bytes.
    pub fn new(limit: usize) -> BodyOverLimit {
        BodyOverLimit { limit }
    }
}

impl ResponseError {
    /// Whether sending the same request again can help: 429, 5xx, and bodies cut short or
    /// garbled on the way. Never for 400, 401, 403, 404, 406, 501.
    pub fn is_retryable(&self) -> bool {
        match self {
            ResponseError::Api(e) => Failure::from_status(e.status).is_retryable(),
            ResponseError::Malformed(m) => matches!(m.kind, MalformedKind::Syntax { .. }),
            ResponseError::TooLarge { .. }
            | ResponseError::TooDeep { .. }
            | ResponseError::Compressed => false,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ResponseError::Api(e) => Some(e.status),
            ResponseError::Malformed(m) => Some(m.status),
            _ => None,
        }
    }

    /// Posts the error names (forbidden, unavailable, unsupported for impressions or video
    /// views), each once, in the order named: sending the rest of the batch without them can
    /// succeed.
    ///
    /// The error alone does not know what the request asked, so a post named unsupported only
    /// for a metric the request did not ask is listed too. For the posts a request loses, use
    /// [`Ledger::refused`](crate::response::Ledger::refused) with the request.
    pub fn refused_post_ids(&self) -> Vec<PostId> {
        let ResponseError::Api(e) = self else {
            return Vec::new();
        };
        let mut ids: Vec<PostId> = Vec::new();
        // A hash set, not a search of `ids`: an error may name very many posts.
        let mut listed = std::collections::HashSet::new();
        for id in e
            .forbidden_ids
            .iter()
            .chain(&e.unavailable_ids)
            .chain(&e.unsupported_impressions_ids)
            .chain(&e.unsupported_video_views_ids)
        {
            if listed.insert(*id) {
                ids.push(*id);
            }
        }
        ids
    }
}

/// The post ids a message names after `Forbidden to access tweets:` (any separators).
pub(crate) fn forbidden_ids_in(message: &str) -> Vec<PostId> {
    const MARK: &str = "forbidden to access tweets";
    let lower = message.to_ascii_lowercase();
    let Some(at) = lower.find(MARK) else {
        return Vec::new();
    };
    message[at + MARK.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| PostId::parse(s).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_ids_are_read_from_messages() {
        let ids = forbidden_ids_in("Forbidden to access tweets: 1060976163948904448, 12");
        let ids: Vec<&str> = ids.iter().map(PostId::as_str).collect();
        assert_eq!(ids, ["1060976163948904448", "12"]);
        assert!(forbidden_ids_in("Your account could not be authenticated").is_empty());
    }

    #[test]
    fn problems_are_read_as_their_deserialize_reads_them() {
        // `from_json` stands in for the derived `Deserialize` (smaller in wasm): the same
        // problem, or an error for the same objects.
        for text in [
            r"{}",
            r#"{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","detail":"Could not find tweet with ids: [1].","resource_type":"tweet","resource_id":"1","parameter":"ids","value":"1","section":"data"}"#,
            r#"{"title":null,"status":404,"resource_id":17,"value":[1,{"a":null}],"code":88,"message":"Rate limit exceeded","extra":{"x":1}}"#,
            r#"{"status":65535,"code":-9223372036854775808,"field":"public_metrics.x"}"#,
            r#"{"status":"404"}"#,
            r#"{"status":65536}"#,
            r#"{"status":-1}"#,
            r#"{"status":404.0}"#,
            r#"{"code":9223372036854775808}"#,
            r#"{"code":1.5}"#,
            r#"{"title":7}"#,
            r#"{"detail":{"a":1}}"#,
            r#"{"type":["x"]}"#,
            r#"{"message":true}"#,
            r#""a problem""#,
            r"17",
            r"null",
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let derived = serde_json::from_value::<ProblemDetails>(value.clone()).ok();
            let ours = ProblemDetails::from_json(&value);
            assert_eq!(ours.clone().ok(), derived, "{text}");
            if let Err(message) = ours {
                assert!(message.starts_with("invalid type: "), "{text}: {message}");
            }
        }
        let e = ProblemDetails::from_json(&serde_json::json!({"status": "x"})).unwrap_err();
        assert_eq!(
            e,
            "invalid type: `status` is a string, expected an integer 0 to 65535"
        );
    }
}
