//! Media keys (`media_keys` of media analytics): `<media type>_<media id>`, kept as given.

use std::num::NonZeroU8;

use crate::facts::limits::MAX_MEDIA_KEY_PART_DIGITS;

/// A media key: two runs of ASCII digits joined by `_` (`^([0-9]+)_([0-9]+)$`), such as
/// `3_1346889436626259968` (a media type, then the media id), written back exactly as given
/// (leading zeros included).
///
/// The spec sets no length on either part; media types are small numbers (`3` photos, `7`
/// videos, `16` GIFs) and media ids are 64-bit like post ids, so the type must fit 32 bits and
/// the id 64 bits (each written in at most 20 digits, leading zeros included). That keeps a key
/// small and `Copy` (16 bytes, no allocation), so a row can carry one at little cost: rows of
/// 64 bytes, not 72, a ninth less memory written per count of a large answer. A larger part is
/// refused with [`MediaKeyError::PartTooLarge`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MediaKey {
    media_type: u32,
    media_id: u64,
    type_digits: NonZeroU8,
    id_digits: NonZeroU8,
}

/// Why a string is not a media key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaKeyError {
    /// The string is not two runs of digits joined by one `_`.
    #[error(
        "media key `{0}` is not two runs of digits joined by `_` (`^([0-9]+)_([0-9]+)$`, e.g. `3_1346889436626259968`)"
    )]
    Shape(String),
    /// The media type is larger than any 32-bit number, or the media id than any 64-bit one.
    #[error(
        "media key `{0}` has a part too large: the media type is at most 4294967295 and the media id at most 18446744073709551615"
    )]
    PartTooLarge(String),
}

impl MediaKey {
    /// Parses a media key: valid iff it matches `^([0-9]+)_([0-9]+)$`, the type fits 32 bits
    /// and the id 64 bits.
    pub fn parse(s: &str) -> Result<MediaKey, MediaKeyError> {
        let shape = || MediaKeyError::Shape(s.to_owned());
        let (kind, id) = s.split_once('_').ok_or_else(shape)?;
        let part = |p: &str| -> Result<(u64, NonZeroU8), MediaKeyError> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(shape());
            }
            let too_large = || MediaKeyError::PartTooLarge(s.to_owned());
            let digits = u8::try_from(p.len())
                .ok()
                .and_then(NonZeroU8::new)
                .filter(|d| usize::from(d.get()) <= MAX_MEDIA_KEY_PART_DIGITS)
                .ok_or_else(too_large)?;
            let value = p.parse::<u64>().map_err(|_| too_large())?;
            Ok((value, digits))
        };
        let (media_type, type_digits) = part(kind)?;
        let media_type =
            u32::try_from(media_type).map_err(|_| MediaKeyError::PartTooLarge(s.to_owned()))?;
        let (media_id, id_digits) = part(id)?;
        Ok(MediaKey {
            media_type,
            media_id,
            type_digits,
            id_digits,
        })
    }

    /// The media type: the number before `_`.
    pub fn media_type(&self) -> u64 {
        u64::from(self.media_type)
    }

    /// The media id: the number after `_`.
    pub fn media_id(&self) -> u64 {
        self.media_id
    }
}

impl std::fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("MediaKey").field(&self.to_string()).finish()
    }
}

/// `<type>_<id>`, with the leading zeros it was given.
impl std::fmt::Display for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:0tw$}_{:0iw$}",
            self.media_type,
            self.media_id,
            tw = usize::from(self.type_digits.get()),
            iw = usize::from(self.id_digits.get())
        )
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
        serializer.collect_str(self)
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
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_pattern() {
        let key = MediaKey::parse("3_1346889436626259968").unwrap();
        assert_eq!(key.to_string(), "3_1346889436626259968");
        assert_eq!(key.media_type(), 3);
        assert_eq!(key.media_id(), 1_346_889_436_626_259_968);
        assert_eq!(MediaKey::parse("0_0").unwrap().to_string(), "0_0");
        assert_eq!(MediaKey::parse("007_0042").unwrap().to_string(), "007_0042");
        let largest = format!("{}_{}", u32::MAX, u64::MAX);
        assert_eq!(MediaKey::parse(&largest).unwrap().to_string(), largest);
        assert_eq!(
            MediaKey::parse("00000000000000000003_1")
                .unwrap()
                .to_string(),
            "00000000000000000003_1"
        );
        assert!(std::mem::size_of::<Option<MediaKey>>() <= 16);
        // A row carries an optional media key: 64 bytes, one cache line.
        assert!(std::mem::size_of::<crate::response::Row>() <= 64);
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "", "_", "3_", "_1", "3-1", "3_1_2", "a_1", "3_1 ", " 3_1", "١_1",
        ] {
            assert!(
                matches!(MediaKey::parse(bad), Err(MediaKeyError::Shape(_))),
                "{bad:?}"
            );
        }
        for large in [
            format!("3_{}", "1".repeat(21)),
            "3_18446744073709551616".to_owned(),
            "18446744073709551616_1".to_owned(),
            "4294967296_1".to_owned(),
        ] {
            assert!(
                matches!(MediaKey::parse(&large), Err(MediaKeyError::PartTooLarge(_))),
                "{large}"
            );
        }
    }
}
