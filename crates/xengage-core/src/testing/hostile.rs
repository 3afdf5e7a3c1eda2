//! Hostile variants of an answer: the bytes a broken proxy, a buggy server or an attacker could
//! hand a parser, each with what parsing it must give.

use serde_json::Value;

use crate::facts::limits::RESERVED_TOP_LEVEL_KEYS;
use crate::response::{MalformedKind, Outcome, ResponseError};

use super::{Answer, Derived, Draw};

/// How a hostile answer was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostileKind {
    /// The body cut short, anywhere.
    Cut,
    /// Every object's keys in the reverse order: nothing is broken, the outcome is the same.
    Reordered,
    /// A count (or, without counts, a grouping or the data) of the wrong JSON type.
    WrongType,
    /// A count larger than the largest count, `u64::MAX`.
    HugeNumber,
    /// A count that is not a non-negative whole number (negative, a fraction, text).
    NotACount,
    /// A value nested far deeper than any answer of the API.
    DeepNesting,
    /// A key of a v1 answer written twice in the same object (v2 answers, whose lists carry
    /// their keys, get [`HostileKind::WrongType`] instead).
    DuplicateKey,
    /// A byte that is not UTF-8 inside a string.
    InvalidUtf8,
}

impl HostileKind {
    /// Every kind.
    pub const ALL: [HostileKind; 8] = [
        HostileKind::Cut,
        HostileKind::Reordered,
        HostileKind::WrongType,
        HostileKind::HugeNumber,
        HostileKind::NotACount,
        HostileKind::DeepNesting,
        HostileKind::DuplicateKey,
        HostileKind::InvalidUtf8,
    ];
}

/// The kind of a [`MalformedKind`], which a hostile answer must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MalformedAt {
    /// [`MalformedKind::Syntax`].
    Syntax,
    /// [`MalformedKind::NotACount`].
    NotACount,
    /// [`MalformedKind::Overflow`].
    Overflow,
    /// [`MalformedKind::UnexpectedType`].
    UnexpectedType,
    /// [`MalformedKind::UnexpectedKey`].
    UnexpectedKey,
    /// [`MalformedKind::DuplicateKey`].
    DuplicateKey,
}

impl MalformedAt {
    /// Whether `kind` is of this kind.
    pub fn matches(self, kind: &MalformedKind) -> bool {
        matches!(
            (self, kind),
            (MalformedAt::Syntax, MalformedKind::Syntax { .. })
                | (MalformedAt::NotACount, MalformedKind::NotACount { .. })
                | (MalformedAt::Overflow, MalformedKind::Overflow { .. })
                | (
                    MalformedAt::UnexpectedType,
                    MalformedKind::UnexpectedType { .. }
                )
                | (
                    MalformedAt::UnexpectedKey,
                    MalformedKind::UnexpectedKey { .. }
                )
                | (
                    MalformedAt::DuplicateKey,
                    MalformedKind::DuplicateKey { .. }
                )
        )
    }
}

/// What [`parse_response`](crate::response::parse_response) must give for an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expected {
    /// An outcome (a 2xx answer of the API).
    Outcome,
    /// An outcome with the same rows (in any order) and ledger as the answer the variant was
    /// made from.
    SameOutcome,
    /// [`ResponseError::Api`] with this status: the status decides, whatever the body.
    Api {
        /// The HTTP status.
        status: u16,
    },
    /// [`ResponseError::Malformed`] of this kind.
    Malformed(MalformedAt),
    /// [`ResponseError::TooDeep`], with the default [`ParseOptions`](crate::response::ParseOptions).
    TooDeep,
}

impl Expected {
    /// What a true answer must give: an outcome for a 2xx, an API error otherwise.
    pub fn of_true_answer(answer: &Answer) -> Expected {
        if (200..300).contains(&answer.status) {
            Expected::Outcome
        } else {
            Expected::Api {
                status: answer.status,
            }
        }
    }

    /// Whether `result` is what is expected. For [`Expected::SameOutcome`] this checks that
    /// there is an outcome; compare it with the original's with [`same_rows`].
    pub fn matches(&self, result: &Result<Outcome, ResponseError>) -> bool {
        match (self, result) {
            (Expected::Outcome | Expected::SameOutcome, Ok(_)) => true,
            (Expected::Api { status }, Err(ResponseError::Api(e))) => e.status == *status,
            (Expected::Malformed(kind), Err(ResponseError::Malformed(m))) => kind.matches(&m.kind),
            (Expected::TooDeep, Err(ResponseError::TooDeep { .. })) => true,
            _ => false,
        }
    }
}

/// Whether two outcomes hold the same rows per grouping and totals (in any order) and the
/// same ledger.
pub fn same_rows(a: &Outcome, b: &Outcome) -> bool {
    let sorted = |o: &Outcome| -> Vec<(String, Vec<String>)> {
        o.results()
            .map(|g| {
                let mut rows: Vec<String> = g.rows.iter().map(|r| format!("{r:?}")).collect();
                rows.sort();
                (g.name.clone(), rows)
            })
            .collect()
    };
    sorted(a) == sorted(b) && a.ledger == b.ledger
}

/// A broken variant of an answer, and what parsing it must give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostile {
    /// How it was broken.
    pub kind: HostileKind,
    /// The variant: the original's status and headers, a broken body.
    pub answer: Answer,
    /// What [`parse_response`](crate::response::parse_response) must give for it, with the
    /// request of the original and default options.
    pub expected: Expected,
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// What to change while writing a body out again.
#[derive(Debug, Default)]
struct Edits {
    /// Objects' keys in reverse order.
    reverse: bool,
    /// A value to write as this raw text instead.
    replace: Option<(Vec<Seg>, String)>,
    /// An object whose first member is written again after the others.
    duplicate: Option<Vec<Seg>>,
    /// A raw member added to the top-level object.
    extra: Option<String>,
}

fn write(v: &Value, path: &mut Vec<Seg>, edits: &Edits, out: &mut Vec<u8>) {
    if let Some((at, raw)) = &edits.replace {
        if at == path {
            out.extend_from_slice(raw.as_bytes());
            return;
        }
    }
    let string = |s: &str, out: &mut Vec<u8>| {
        out.extend_from_slice(&serde_json::to_vec(s).unwrap_or_default());
    };
    match v {
        Value::Object(map) => {
            out.push(b'{');
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            if edits.reverse {
                members.reverse();
            }
            let mut first = true;
            for (k, value) in &members {
                if !first {
                    out.push(b',');
                }
                first = false;
                string(k, out);
                out.push(b':');
                path.push(Seg::Key((*k).clone()));
                write(value, path, edits, out);
                path.pop();
            }
            if let (Some(at), Some((k, value))) = (&edits.duplicate, members.first()) {
                if at == path {
                    out.push(b',');
                    string(k, out);
                    out.push(b':');
                    path.push(Seg::Key((*k).clone()));
                    write(value, path, edits, out);
                    path.pop();
                }
            }
            if let (Some(extra), true) = (&edits.extra, path.is_empty()) {
                if !first {
                    out.push(b',');
                }
                out.extend_from_slice(extra.as_bytes());
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push(Seg::Index(i));
                write(item, path, edits, out);
                path.pop();
            }
            out.push(b']');
        }
        other => out.extend_from_slice(&serde_json::to_vec(other).unwrap_or_default()),
    }
}

/// The counts of a body: v2 `metric_value`s, v1 strings and numbers nested in a grouping (see
/// [`analytics_counts`] for post and media analytics).
fn counts(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Object(map) => {
            for (k, value) in map {
                let top = path.is_empty();
                if top && RESERVED_TOP_LEVEL_KEYS.contains(&k.as_str()) {
                    continue;
                }
                path.push(Seg::Key(k.clone()));
                let v1_leaf = !top && (value.is_string() || value.is_number()) && !is_v2(path);
                if v1_leaf || k == "metric_value" {
                    out.push(path.clone());
                } else {
                    counts(value, path, out);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                counts(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The counts of a post or media analytics answer: its items' top-level metric fields and
/// their buckets' values (strings of digits included; nulls left out).
fn analytics_counts(v: &Value, out: &mut Vec<Vec<Seg>>) {
    let key = |k: &str| Seg::Key(k.to_owned());
    let items = v
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (i, item) in items.enumerate() {
        let Some(item) = item.as_object() else {
            continue;
        };
        let Some(buckets) = item.get("timestamped_metrics").and_then(Value::as_array) else {
            continue;
        };
        for (k, value) in item {
            if value.is_number() {
                out.push(vec![key("data"), Seg::Index(i), key(k)]);
            }
        }
        for (j, bucket) in buckets.iter().enumerate() {
            let metrics = bucket.get("metrics").and_then(Value::as_object);
            for (k, value) in metrics.into_iter().flatten() {
                if value.is_number() || value.is_string() {
                    out.push(vec![
                        key("data"),
                        Seg::Index(i),
                        key("timestamped_metrics"),
                        Seg::Index(j),
                        key("metrics"),
                        key(k),
                    ]);
                }
            }
        }
    }
}

fn is_v2(path: &[Seg]) -> bool {
    path.first() == Some(&Seg::Key("data".to_owned()))
}

/// The objects of a v1 answer with a member to repeat: the top level and grouping trees.
fn objects(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Object(map) => {
            if !map.is_empty() {
                out.push(path.clone());
            }
            for (k, value) in map {
                if path.is_empty() && RESERVED_TOP_LEVEL_KEYS.contains(&k.as_str()) {
                    continue;
                }
                path.push(Seg::Key(k.clone()));
                objects(value, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                objects(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn pick<T: Clone>(d: &mut Derived, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[d.index(items.len())].clone())
}

/// The body cut after 1 to `len - 1` bytes: a strict prefix of a JSON text is never JSON.
fn cut(d: &mut Derived, body: &[u8]) -> Vec<u8> {
    let at = 1 + d.index(body.len().saturating_sub(1).max(1));
    body[..at.min(body.len())].to_vec()
}

/// The body with a byte that is never UTF-8 (0xFF) at the start of its first string.
fn invalid_utf8(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    let at = body.iter().position(|&b| b == b'"').map_or(0, |i| i + 1);
    out.insert(at, 0xff);
    out
}

/// A broken variant of `answer`, a function of `seed`, and what parsing it must give with the
/// request `answer` answers and default [`ParseOptions`](crate::response::ParseOptions).
///
/// A 2xx answer whose body is JSON can be broken every way of [`HostileKind`]. An error
/// answer (or a body that is not JSON) is cut or given invalid UTF-8, and must still give an
/// API error of its status (or a syntax error).
pub fn hostile(answer: &Answer, seed: u64) -> Hostile {
    let mut d = Derived::new(seed ^ 0x4057_11e5);
    let variant = |kind, body, expected| Hostile {
        kind,
        answer: Answer {
            status: answer.status,
            headers: answer.headers.clone(),
            body,
        },
        expected,
    };
    let value = serde_json::from_slice::<Value>(&answer.body).ok();
    let is_success = (200..300).contains(&answer.status);
    let Some(value) = value.filter(|v| is_success && v.is_object()) else {
        let expected = if is_success {
            Expected::Malformed(MalformedAt::Syntax)
        } else {
            Expected::Api {
                status: answer.status,
            }
        };
        return if answer.body.len() > 1 && d.below(2) == 0 {
            variant(HostileKind::Cut, cut(&mut d, &answer.body), expected)
        } else {
            variant(
                HostileKind::InvalidUtf8,
                invalid_utf8(&answer.body),
                expected,
            )
        };
    };
    let mut leaves = Vec::new();
    counts(&value, &mut Vec::new(), &mut leaves);
    // Post and media analytics read a string that is not a count as an unknown value, not an
    // error: their counts are broken with JSON values only.
    let analytics = leaves.is_empty() && {
        analytics_counts(&value, &mut leaves);
        !leaves.is_empty()
    };
    let mut kind = HostileKind::ALL[d.index(HostileKind::ALL.len())];
    let v2 = value.get("data").is_some();
    if (leaves.is_empty() && matches!(kind, HostileKind::HugeNumber | HostileKind::NotACount))
        || (v2 && kind == HostileKind::DuplicateKey)
    {
        kind = HostileKind::WrongType;
    }
    let mut edits = Edits::default();
    let expected = match kind {
        HostileKind::Cut => {
            return variant(
                kind,
                cut(&mut d, &answer.body),
                Expected::Malformed(MalformedAt::Syntax),
            );
        }
        HostileKind::InvalidUtf8 => {
            return variant(
                kind,
                invalid_utf8(&answer.body),
                Expected::Malformed(MalformedAt::Syntax),
            );
        }
        HostileKind::Reordered => {
            edits.reverse = true;
            Expected::SameOutcome
        }
        HostileKind::WrongType => {
            let raw = ["true", "[1]", "false"][d.index(3)].to_owned();
            let at = pick(&mut d, &leaves).unwrap_or_else(|| {
                // No count: the first grouping (v1) or the data (v2) is of the wrong type.
                let mut top = value.as_object().into_iter().flatten().map(|(k, _)| k);
                let key = top
                    .find(|k| !RESERVED_TOP_LEVEL_KEYS.contains(&k.as_str()))
                    .cloned()
                    .unwrap_or_else(|| "data".to_owned());
                vec![Seg::Key(key)]
            });
            edits.replace = Some((at, raw));
            Expected::Malformed(MalformedAt::UnexpectedType)
        }
        HostileKind::HugeNumber => {
            let raws: &[&str] = if analytics {
                &["18446744073709551616", "1e30"]
            } else {
                &[
                    "18446744073709551616",
                    "\"99999999999999999999999\"",
                    "1e30",
                ]
            };
            let raw = raws[d.index(raws.len())];
            edits.replace = pick(&mut d, &leaves).map(|at| (at, raw.to_owned()));
            Expected::Malformed(MalformedAt::Overflow)
        }
        HostileKind::NotACount => {
            let raws: &[&str] = if analytics {
                &["-3", "1.5"]
            } else {
                &["-3", "1.5", "\"12a\"", "\"-1\""]
            };
            let raw = raws[d.index(raws.len())];
            edits.replace = pick(&mut d, &leaves).map(|at| (at, raw.to_owned()));
            Expected::Malformed(MalformedAt::NotACount)
        }
        HostileKind::DeepNesting => {
            let depth = 100 + d.index(400);
            edits.extra = Some(format!(
                "\"deep\":{}{}",
                "[".repeat(depth),
                "]".repeat(depth)
            ));
            Expected::TooDeep
        }
        HostileKind::DuplicateKey => {
            let mut found = Vec::new();
            objects(&value, &mut Vec::new(), &mut found);
            edits.duplicate = pick(&mut d, &found);
            Expected::Malformed(MalformedAt::DuplicateKey)
        }
    };
    let mut body = Vec::with_capacity(answer.body.len() + 64);
    write(&value, &mut Vec::new(), &edits, &mut body);
    variant(kind, body, expected)
}
