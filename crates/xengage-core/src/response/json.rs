//! JSON helpers shared by both generations: counts, ids, depth-limited values, paths, and the
//! error bodies of non-2xx answers.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::id::PostId;

use super::ParseOptions;
use super::error::{ApiError, ApiErrorKind, MalformedKind, ProblemDetails, forbidden_ids_in};

/// The largest integer a JSON number (an f64) holds exactly.
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// A count written as a string: ASCII digits only, within `u64`.
#[inline]
pub(crate) fn count_from_str(s: &str) -> Result<u64, MalformedKind> {
    // Up to 19 digits always fit a u64: the common short count needs no overflow checks, and is
    // read inline; the rest, and every error, out of line.
    if s.is_empty() || s.len() > 19 {
        return long_count_from_str(s);
    }
    let mut value: u64 = 0;
    for b in s.bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return long_count_from_str(s);
        }
        value = value * 10 + u64::from(digit);
    }
    Ok(value)
}

#[cold]
fn long_count_from_str(s: &str) -> Result<u64, MalformedKind> {
    // One pass: digits only, and no overflow.
    let mut value: u64 = 0;
    let mut overflow = false;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(MalformedKind::NotACount {
                found: format!("{s:?}"),
            });
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if s.is_empty() {
        return Err(MalformedKind::NotACount {
            found: format!("{s:?}"),
        });
    }
    if overflow {
        return Err(MalformedKind::Overflow {
            found: format!("{s:?}"),
        });
    }
    Ok(value)
}

/// A count written as a JSON number that is not an integer to serde_json.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn count_from_f64(v: f64) -> Result<u64, MalformedKind> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_EXACT_FLOAT {
        Ok(v as u64)
    } else if v.is_finite() && v > MAX_EXACT_FLOAT {
        Err(MalformedKind::Overflow {
            found: v.to_string(),
        })
    } else {
        Err(MalformedKind::NotACount {
            found: v.to_string(),
        })
    }
}

/// A count written as a negative JSON integer.
pub(crate) fn count_from_i64(v: i64) -> Result<u64, MalformedKind> {
    u64::try_from(v).map_err(|_| MalformedKind::NotACount {
        found: v.to_string(),
    })
}

/// A key or string: borrowed from the input when it has no escapes.
pub(crate) struct CowStr;

impl<'de> DeserializeSeed<'de> for CowStr {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CowStr {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Why a body could not be read as JSON at all.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Nested deeper than the caller's limit or the reader's own (see
    /// [`ParseOptions::depth_limit`]).
    TooDeep,
    /// Not JSON: the reader's message, one line, with its line and column.
    Syntax(String),
}

/// Which JSON reader reads an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonReader {
    /// `sonic-rs` on native builds with the `sonic` feature, else `serde_json`.
    Default,
    /// `serde_json`, whatever the features.
    SerdeJson,
}

/// Reads all of `body` (one JSON value, then only whitespace) through `seed`: the one place that
/// picks the JSON reader. Native builds with the `sonic` feature read with `sonic-rs`
/// (SIMD); every other build, wasm among them, with `serde_json`. Both give the seed the same
/// calls, so results and errors are the same (the core's tests and the fuzz targets compare
/// them), but on a body that is not JSON, which both refuse, maybe naming different faults.
pub(crate) fn read<'de, S: DeserializeSeed<'de>>(
    reader: JsonReader,
    body: &'de [u8],
    seed: S,
) -> Result<S::Value, ReadError> {
    // sonic-rs reads UTF-8 text only. Given bytes that are not, it reports their bad UTF-8 in
    // place of whatever error stopped it, even one before them (a nesting limit, say): such a
    // body goes to serde_json, which reports the first fault in reading order.
    #[cfg(all(feature = "sonic", not(target_arch = "wasm32")))]
    if let (JsonReader::Default, Ok(text)) = (reader, std::str::from_utf8(body)) {
        let mut de = sonic_rs::Deserializer::from_str(text);
        let result = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
        return result.map_err(|e| read_error(&e.to_string(), "layers deep"));
    }
    let _ = reader;
    // UTF-8 text is checked once, in one pass over the whole body, and then read as a `str`:
    // serde_json's reader of a `str` is its reader of bytes without a UTF-8 check per string
    // (a third of the reading of an hourly answer's short keys and counts). Bytes that are not
    // UTF-8 are read as bytes, so that the error is the one serde_json gives, where it is.
    let result = if let Ok(text) = std::str::from_utf8(body) {
        let mut de = serde_json::Deserializer::from_str(text);
        seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v))
    } else {
        let mut de = serde_json::Deserializer::from_slice(body);
        seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v))
    };
    result.map_err(|e| read_error(&e.to_string(), "recursion limit"))
}

/// The error of a reader whose own depth limit says `deep` in its message.
fn read_error(message: &str, deep: &str) -> ReadError {
    if message.contains(TOO_DEEP) || message.contains(deep) {
        ReadError::TooDeep
    } else {
        // sonic-rs appends the text around the error on further lines: keep the first.
        let first = message.lines().next().unwrap_or_default();
        ReadError::Syntax(first.to_owned())
    }
}

/// A JSON value, refused past `limit` levels of nesting so hostile input cannot exhaust the
/// stack. Fails with the message [`TOO_DEEP`].
pub(crate) struct DepthValue {
    pub(crate) remaining: usize,
}

/// The message a [`DepthValue`] fails with, recognised by the callers.
pub(crate) const TOO_DEEP: &str = "xengage: nesting limit";

impl<'de> DeserializeSeed<'de> for DepthValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DepthValue {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // `-0` is 0.0 to sonic-rs and -0.0 to serde_json: 0.0 to both (adding 0.0 drops the sign).
        Ok(Value::from(v + 0.0))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let remaining = deeper(self.remaining)?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(DepthValue { remaining })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let remaining = deeper(self.remaining)?;
        let mut out = Map::new();
        while let Some(k) = map.next_key_seed(CowStr)? {
            let v = map.next_value_seed(DepthValue { remaining })?;
            out.insert(k.into_owned(), v);
        }
        Ok(Value::Object(out))
    }
}

/// The levels left below a list or object read with `remaining` left: an error at the limit.
pub(crate) fn deeper<E: de::Error>(remaining: usize) -> Result<usize, E> {
    remaining
        .checked_sub(1)
        .filter(|&r| r > 0)
        .ok_or_else(|| E::custom(TOO_DEEP))
}

/// What kind of JSON value `v` is, in words for an error message.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Renders a path of keys as `$.a."b c".0`.
pub(crate) fn render_path<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("$");
    for s in segments {
        let plain = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if plain {
            out.push('.');
            out.push_str(s);
        } else {
            out.push_str(".\"");
            out.push_str(&s.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        }
    }
    out
}

/// Post ids of an id list, written as strings or (losing nothing below 2^53) numbers.
pub(crate) fn ids_of(value: &Value) -> Vec<PostId> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => PostId::parse(s).ok(),
            Value::Number(n) => n.as_u64().and_then(|n| PostId::parse(&n.to_string()).ok()),
            _ => None,
        })
        .collect()
}

/// The error of a non-2xx answer: its `errors` (strings or RFC 7807 problems), the id lists and
/// the ids named in messages; a body that is not JSON becomes its (shortened) text.
pub(crate) fn api_error(
    status: u16,
    body: &[u8],
    options: &ParseOptions,
    reader: JsonReader,
) -> ApiError {
    let mut e = ApiError {
        status,
        kind: ApiErrorKind::of(status),
        messages: Vec::new(),
        problems: Vec::new(),
        forbidden_ids: Vec::new(),
        unavailable_ids: Vec::new(),
        unsupported_impressions_ids: Vec::new(),
        unsupported_video_views_ids: Vec::new(),
    };
    // An error body is read only when it can be: its status decides what to do either way.
    if body.len() > options.max_body_bytes {
        e.messages.push(format!(
            "the error body ({} bytes) is over ParseOptions::max_body_bytes ({}); it was not read",
            body.len(),
            options.max_body_bytes
        ));
        return e;
    }
    if body.starts_with(super::GZIP_MAGIC) {
        e.messages.push(
            "the error body is gzip-compressed; decompress it to read the API's words".into(),
        );
        return e;
    }
    let parsed = read(
        reader,
        body,
        DepthValue {
            remaining: options.depth_limit(),
        },
    )
    .ok();
    match parsed {
        Some(Value::Object(map)) => {
            if let Some(Value::Array(errors)) = map.get("errors") {
                for item in errors {
                    match item {
                        Value::String(s) => e.messages.push(s.clone()),
                        Value::Object(_) => {
                            if let Ok(p) = ProblemDetails::from_json(item) {
                                e.problems.push(p);
                            }
                        }
                        other => e.messages.push(other.to_string()),
                    }
                }
            }
            for key in ["detail", "title", "message", "error"] {
                if let Some(Value::String(s)) = map.get(key) {
                    e.messages.push(s.clone());
                }
            }
            e.unavailable_ids = map
                .get("unavailable_tweet_ids")
                .map(ids_of)
                .unwrap_or_default();
            e.unsupported_impressions_ids = map
                .get("unsupported_for_impressions_engagements_tweet_ids")
                .map(ids_of)
                .unwrap_or_default();
            e.unsupported_video_views_ids = map
                .get("unsupported_for_video_views_tweet_ids")
                .map(ids_of)
                .unwrap_or_default();
        }
        Some(other) => e.messages.push(shorten(&other.to_string())),
        None => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if !text.is_empty() {
                e.messages.push(shorten(text));
            }
        }
    }
    // Each id once, told apart by a hash set: a problem's detail may name very many posts.
    let mut listed: std::collections::HashSet<PostId> = e.forbidden_ids.iter().copied().collect();
    let mut named = Vec::new();
    for m in e
        .messages
        .iter()
        .chain(e.problems.iter().filter_map(|p| p.detail.as_ref()))
    {
        for id in forbidden_ids_in(m) {
            if listed.insert(id) {
                named.push(id);
            }
        }
    }
    e.forbidden_ids.extend(named);
    e
}

fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_whole_non_negative_numbers() {
        assert_eq!(count_from_str("530"), Ok(530));
        assert_eq!(count_from_str("18446744073709551615"), Ok(u64::MAX));
        assert!(matches!(
            count_from_str("18446744073709551616"),
            Err(MalformedKind::Overflow { .. })
        ));
        for bad in ["", "-1", "1.5", "+1", " 1", "1e3", "abc"] {
            assert!(
                matches!(count_from_str(bad), Err(MalformedKind::NotACount { .. })),
                "{bad}"
            );
        }
        assert_eq!(count_from_f64(26.0), Ok(26));
        assert!(matches!(
            count_from_f64(2.5),
            Err(MalformedKind::NotACount { .. })
        ));
        assert!(matches!(
            count_from_f64(-1.0),
            Err(MalformedKind::NotACount { .. })
        ));
        assert!(matches!(
            count_from_f64(1e30),
            Err(MalformedKind::Overflow { .. })
        ));
        assert!(matches!(
            count_from_i64(-3),
            Err(MalformedKind::NotACount { .. })
        ));
    }

    #[test]
    fn paths_quote_what_is_not_plain() {
        assert_eq!(render_path(["g", "123", "a b"]), "$.g.123.\"a b\"");
    }

    #[test]
    fn error_bodies_give_messages_and_ids() {
        let e = api_error(
            403,
            br#"{"errors":["Forbidden to access tweets: 1060976163948904448"]}"#,
            &ParseOptions::default(),
            JsonReader::Default,
        );
        assert_eq!(e.kind, ApiErrorKind::Forbidden);
        assert_eq!(e.forbidden_ids.len(), 1);
        let e = api_error(
            400,
            br#"{"errors":["1 Tweet ID(s) are unavailable"],"unavailable_tweet_ids":["323456789"]}"#,
            &ParseOptions::default(),
            JsonReader::Default,
        );
        assert_eq!(e.unavailable_ids[0].as_str(), "323456789");
        let e = api_error(
            502,
            b"<html>Bad Gateway</html>",
            &ParseOptions::default(),
            JsonReader::Default,
        );
        assert_eq!(e.messages, ["<html>Bad Gateway</html>"]);
        let e = api_error(
            401,
            br#"{"errors":[{"title":"Unauthorized","type":"about:blank","detail":"Unauthorized","status":401}]}"#,
            &ParseOptions::default(),
            JsonReader::Default,
        );
        assert_eq!(e.problems.len(), 1);
        assert!(e.to_string().contains("check the credentials"));
    }
}
