//! A light JSON tree for the analytics answers: keys and strings borrowed from the body where
//! they have no escapes, each object one list of pairs. A `serde_json::Value` tree allocates a
//! `String` per key and a B-tree per object; for the benchmark's 7 MB post analytics answer
//! building it took half the parse (`cargo xtask bench parse`).
//!
//! A key written twice keeps its last value, as in a `serde_json::Map`; keys stay in the order
//! written. Parts the SDK keeps as they came (unknown keys and values, problems) become `Value`s.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::json::{CowStr, deeper};

/// A JSON value, borrowing from the body it was read from.
#[derive(Debug)]
pub(crate) enum Lite<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'de, str>),
    List(Vec<Lite<'de>>),
    Object(LiteMap<'de>),
}

/// A JSON object: its pairs in the order written, one per key (the last, where a key is written
/// twice, as `serde_json::Map` keeps it).
///
/// Not sorted: a sort would add two of the standard library's sorts to the wasm module (12 KB
/// before `wasm-opt`), and an answer's order is as good as any (the v1 reader keeps it too).
#[derive(Debug)]
pub(crate) struct LiteMap<'de>(Vec<(Cow<'de, str>, Lite<'de>)>);

impl<'de> LiteMap<'de> {
    /// Past this many keys, an object finds its repeated keys through a map, not by comparing
    /// each key with those after it.
    const COMPARED: usize = 32;

    /// Drops the pairs whose key is written again later.
    fn new(mut pairs: Vec<(Cow<'de, str>, Lite<'de>)>) -> LiteMap<'de> {
        let repeated: Vec<bool> = if pairs.len() <= Self::COMPARED {
            let written_later = |i: usize| pairs[i + 1..].iter().any(|(k, _)| *k == pairs[i].0);
            // Most objects repeat no key: they cost no list of flags.
            if !(0..pairs.len()).any(written_later) {
                return LiteMap(pairs);
            }
            (0..pairs.len()).map(written_later).collect()
        } else {
            // serde_json's own map, which the module holds anyway, as the set of keys met.
            let mut later = Map::new();
            let mut flags: Vec<bool> = pairs
                .iter()
                .rev()
                .map(|(k, _)| later.insert(k.as_ref().to_owned(), Value::Null).is_some())
                .collect();
            flags.reverse();
            flags
        };
        let mut flags = repeated.into_iter();
        pairs.retain(|_| !flags.next().unwrap_or(false));
        LiteMap(pairs)
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Lite<'de>> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The pairs, in the order written.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Lite<'de>)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The object as `serde_json` holds it.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for (k, v) in self.iter() {
            map.insert(k.to_owned(), v.to_value());
        }
        map
    }
}

impl Lite<'_> {
    /// The value as `serde_json` holds it.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Lite::Null => Value::Null,
            Lite::Bool(b) => Value::Bool(*b),
            Lite::U64(n) => Value::from(*n),
            Lite::I64(n) => Value::from(*n),
            Lite::F64(n) => Value::from(*n),
            Lite::Str(s) => Value::String(s.as_ref().to_owned()),
            Lite::List(items) => Value::Array(items.iter().map(Lite::to_value).collect()),
            Lite::Object(map) => Value::Object(map.to_map()),
        }
    }

    /// What kind of value it is, in words for an error message (as `json::kind_of` says).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Lite::Null => "null",
            Lite::Bool(_) => "a boolean",
            Lite::U64(_) | Lite::I64(_) | Lite::F64(_) => "a number",
            Lite::Str(_) => "a string",
            Lite::List(_) => "a list",
            Lite::Object(_) => "an object",
        }
    }
}

/// Reads a [`Lite`] tree at most `remaining` levels deep, as `json::DepthValue` reads a `Value`.
pub(crate) struct LiteSeed<'s, 'de> {
    pub(crate) remaining: usize,
    pub(crate) scratch: &'s mut Scratch<'de>,
}

/// Where the lists and objects being read gather their parts: each then takes exactly its own
/// from the end, in one allocation, not the four or five of a `Vec` growing from empty.
#[derive(Default)]
pub(crate) struct Scratch<'de> {
    items: Vec<Lite<'de>>,
    pairs: Vec<(Cow<'de, str>, Lite<'de>)>,
}

impl<'de> DeserializeSeed<'de> for LiteSeed<'_, 'de> {
    type Value = Lite<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Lite<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LiteSeed<'_, 'de> {
    type Value = Lite<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lite<'de>, E> {
        Ok(Lite::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lite<'de>, E> {
        Ok(Lite::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lite<'de>, E> {
        Ok(Lite::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lite<'de>, E> {
        // As `DepthValue`: `-0` is 0.0 whichever reader read it.
        Ok(Lite::F64(v + 0.0))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Lite<'de>, E> {
        Ok(Lite::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Lite<'de>, E> {
        Ok(Lite::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Lite<'de>, E> {
        Ok(Lite::Str(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Lite<'de>, E> {
        Ok(Lite::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Lite<'de>, E> {
        Ok(Lite::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lite<'de>, A::Error> {
        let remaining = deeper(self.remaining)?;
        let start = self.scratch.items.len();
        while let Some(v) = seq.next_element_seed(LiteSeed {
            remaining,
            scratch: &mut *self.scratch,
        })? {
            self.scratch.items.push(v);
        }
        Ok(Lite::List(self.scratch.items.drain(start..).collect()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lite<'de>, A::Error> {
        let remaining = deeper(self.remaining)?;
        let start = self.scratch.pairs.len();
        while let Some(k) = map.next_key_seed(CowStr)? {
            let v = map.next_value_seed(LiteSeed {
                remaining,
                scratch: &mut *self.scratch,
            })?;
            self.scratch.pairs.push((k, v));
        }
        Ok(Lite::Object(LiteMap::new(
            self.scratch.pairs.drain(start..).collect(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Lite<'_> {
        let mut de = serde_json::Deserializer::from_str(text);
        let mut scratch = Scratch::default();
        LiteSeed {
            remaining: 128,
            scratch: &mut scratch,
        }
        .deserialize(&mut de)
        .unwrap()
    }

    #[test]
    fn a_tree_becomes_the_value_serde_json_reads() {
        for text in [
            r#"{"b": 1, "a": [true, null, -2, 1.5, -0.0, "x\u0041"], "a": {"z": {}, "y": []}}"#,
            r#"[{"k": 1, "k": 2, "j": "\"q\""}, 18446744073709551615, -9223372036854775808]"#,
            r#""only a string""#,
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            // serde_json's own reader keeps `-0.0`; the parser's readers read it as 0.0.
            let expected = if text.contains("-0.0") {
                serde_json::from_str(&text.replace("-0.0", "0.0")).unwrap()
            } else {
                expected
            };
            assert_eq!(read(text).to_value(), expected, "{text}");
        }
    }

    #[test]
    fn a_key_written_twice_keeps_its_last_value_and_keys_stay_in_order() {
        let Lite::Object(map) = read(r#"{"m": 1, "c": 2, "m": 3, "a": 4}"#) else {
            panic!("an object");
        };
        let keys: Vec<&str> = map.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["c", "m", "a"]);
        assert!(matches!(map.get("m"), Some(Lite::U64(3))));
        assert!(map.get("b").is_none());
    }

    #[test]
    fn a_large_object_keeps_the_last_of_each_key_too() {
        // More keys than are compared pair by pair: repeats are found through a map.
        let pairs: Vec<String> = (0..100).map(|i| format!("\"k{}\": {i}", i % 40)).collect();
        let text = format!("{{{}}}", pairs.join(","));
        let Lite::Object(map) = read(&text) else {
            panic!("an object");
        };
        assert_eq!(map.iter().count(), 40);
        assert!(matches!(map.get("k3"), Some(Lite::U64(83))));
        let expected: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(Lite::Object(map).to_value(), expected);
    }

    /// JSON text with keys from a small set (so that objects repeat keys), escapes, and every
    /// kind of value.
    fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec!["a", "b", "id", "metrics", "k\\u0041", "\\\"q"]);
        let leaf = prop_oneof![
            Just("null".to_owned()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            (-1e6f64..1e6).prop_map(|f| format!("{f:?}")),
            "[a-z0-9 ]{0,6}".prop_map(|s| format!("\"{s}\"")),
            Just("\"x\\n\\u00e9\"".to_owned()),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|pairs| {
                    let pairs: Vec<String> =
                        pairs.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", pairs.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever the text, the tree is the `Value` serde_json reads from it (with the
        /// parser's own reading of `-0.0`): so the analytics parser sees what it saw before.
        #[test]
        fn every_tree_is_the_value_serde_json_reads(text in json_text()) {
            let expected: Value = serde_json::from_str(&text).unwrap();
            let zeroed = |v: &Value| -> Value {
                serde_json::from_str(&v.to_string().replace("-0.0", "0.0")).unwrap()
            };
            proptest::prop_assert_eq!(zeroed(&read(&text).to_value()), zeroed(&expected));
        }
    }

    #[test]
    fn too_deep_a_tree_is_refused() {
        let mut de = serde_json::Deserializer::from_str("[[[1]]]");
        let mut scratch = Scratch::default();
        let e = LiteSeed {
            remaining: 3,
            scratch: &mut scratch,
        }
        .deserialize(&mut de)
        .unwrap_err();
        assert!(e.to_string().contains(super::super::json::TOO_DEEP), "{e}");
    }
}
