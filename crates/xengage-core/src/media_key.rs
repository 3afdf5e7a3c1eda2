//! Media keys (`media_keys` of media analytics): `<media type>_<media id>`, kept as given.

use crate::facts::limits::MAX_MEDIA_KEY_PART_DIGITS;

const MAX_LEN: usize = 2 * MAX_MEDIA_KEY_PART_DIGITS + 1;

/// A media key: two runs of ASCII digits joined by `_` (`^([0-9]+)_([0-9]+)$`), such as
/// `3_1346889436626259968` (a media type, then the media id), kept exactly as given.
///
/// The spec sets no length on either part; media types are small numbers and media ids are
/// 64-bit like post ids, so each part is held to 20 digits (the length of `u64::MAX`). That keeps
/// a key inline (42 bytes, `Copy`, no allocation) like a [`PostId`](crate::PostId); a longer part
/// is refused with [`MediaKeyError::PartTooLong`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaKey {
    len: u8,
    bytes: [u8; MAX_LEN],
}

/// Why a string is not a media key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaKeyError {
    /// The string is not two runs of digits joined by one `_`.
    #[error(
        "media key `{0}` is not two runs of digits joined by `_` (`^([0-9]+)_([0-9]+)$`, e.g. `3_1346889436626259968`)"
    )]
    Shape(String),
    /// A part has more digits than any 64-bit number.
    #[error(
        "media key `{0}` has a part of more than 20 digits; media types and ids are 64-bit numbers"
    )]
    PartTooLong(String),
}

impl MediaKey {
    /// Parses a media key: valid iff it matches `^([0-9]+)_([0-9]+)$` with parts of at most 20
    /// digits.
    pub fn parse(s: &str) -> Result<MediaKey, MediaKeyError> {
        let shape = || MediaKeyError::Shape(s.to_owned());
        let (kind, id) = s.split_once('_').ok_or_else(shape)?;
        for part in [kind, id] {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(shape());
            }
            if part.len() > MAX_MEDIA_KEY_PART_DIGITS {
                return Err(MediaKeyError::PartTooLong(s.to_owned()));
            }
        }
        let mut bytes = [0; MAX_LEN];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        #[allow(clippy::cast_possible_truncation)] // at most 41
        Ok(MediaKey {
            len: s.len() as u8,
            bytes,
        })
    }

    /// The key as the API writes it.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and one `_` are ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The media type: the digits before `_`.
    pub fn media_type(&self) -> &str {
        self.as_str().split_once('_').map_or("", |(k, _)| k)
    }

    /// The media id: the digits after `_`.
    pub fn media_id(&self) -> &str {
        self.as_str().split_once('_').map_or("", |(_, id)| id)
    }
}

impl std::fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("MediaKey").field(&self.as_str()).finish()
    }
}

impl std::fmt::Display for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for MediaKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered as their strings are.
impl Ord for MediaKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::str::FromStr for MediaKey {
    type Err = MediaKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MediaKey::parse(s)
    }
}

impl serde::Serialize for MediaKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for MediaKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        MediaKey::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A media key as the text [`RequestSpec::media_keys`](crate::RequestSpec::media_keys) takes.
impl From<MediaKey> for String {
    fn from(key: MediaKey) -> String {
        key.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_pattern() {
        let key = MediaKey::parse("3_1346889436626259968").unwrap();
        assert_eq!(key.as_str(), "3_1346889436626259968");
        assert_eq!(key.media_type(), "3");
        assert_eq!(key.media_id(), "1346889436626259968");
        assert!(MediaKey::parse("0_0").is_ok());
        let longest = format!("{}_{}", "9".repeat(20), "9".repeat(20));
        assert_eq!(MediaKey::parse(&longest).unwrap().as_str(), longest);
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in ["", "_", "3_", "_1", "3-1", "3_1_2", "a_1", "3_1 ", " 3_1", "١_1"] {
            assert!(
                matches!(MediaKey::parse(bad), Err(MediaKeyError::Shape(_))),
                "{bad:?}"
            );
        }
        let long = format!("3_{}", "1".repeat(21));
        assert!(matches!(
            MediaKey::parse(&long),
            Err(MediaKeyError::PartTooLong(_))
        ));
    }
}
