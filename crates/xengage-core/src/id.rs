//! Post ids: kept as decimal strings (they exceed 2^53, so JSON numbers would lose digits), with
//! the creation time that snowflake ids carry.

use crate::facts::limits::{FIRST_SNOWFLAKE_ID, MAX_POST_ID_DIGITS, SNOWFLAKE_EPOCH_MS};
use time::OffsetDateTime;

/// A post id: 1 to 19 ASCII digits, kept exactly as given (leading zeros included, since the API
/// compares ids as strings).
///
/// Stored inline (20 bytes, `Copy`, no allocation), so millions of rows cost no heap per id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostId {
    len: u8,
    digits: [u8; MAX_POST_ID_DIGITS],
}

impl std::fmt::Debug for PostId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PostId").field(&self.as_str()).finish()
    }
}

impl PartialOrd for PostId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered as their strings are.
impl Ord for PostId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// Why a string is not a post id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PostIdError {
    /// The string is empty.
    #[error("a post id cannot be empty; it is 1 to 19 digits")]
    Empty,
    /// The string has a character other than `0`..`9`.
    #[error("post id `{0}` has a character other than the digits 0-9 (`^[0-9]{{1,19}}$`)")]
    NotDigits(String),
    /// The string has more than 19 digits.
    #[error("post id `{0}` has more than 19 digits (`^[0-9]{{1,19}}$`)")]
    TooLong(String),
}

impl PostId {
    /// Parses a post id: valid iff it matches `^[0-9]{1,19}$`.
    pub fn parse(s: &str) -> Result<PostId, PostIdError> {
        if s.is_empty() {
            return Err(PostIdError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PostIdError::NotDigits(s.to_owned()));
        }
        if s.len() > MAX_POST_ID_DIGITS {
            return Err(PostIdError::TooLong(s.to_owned()));
        }
        let mut digits = [0; MAX_POST_ID_DIGITS];
        digits[..s.len()].copy_from_slice(s.as_bytes());
        #[allow(clippy::cast_possible_truncation)] // at most 19
        Ok(PostId {
            len: s.len() as u8,
            digits,
        })
    }

    /// The id as the decimal string the API uses.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The id as a number. Nineteen digits can exceed `u64::MAX` (ids above
    /// 18446744073709551615), so this is `None` for those.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_str().parse().ok()
    }

    /// Whether the id is a snowflake (created on or after 2010-11-04) and so carries its
    /// creation time.
    pub fn is_snowflake(&self) -> bool {
        self.as_u64().is_some_and(|n| n >= FIRST_SNOWFLAKE_ID)
    }

    /// The creation time a snowflake id carries: `(id >> 22) + 1288834974657` ms since the Unix
    /// epoch. `None` for sequential ids from before snowflakes.
    pub fn created_at(&self) -> Option<OffsetDateTime> {
        let n = self.as_u64().filter(|n| *n >= FIRST_SNOWFLAKE_ID)?;
        // `n >> 22` is below 2^42, so it fits an i64 and the sum cannot overflow.
        let ms = i64::try_from(n >> 22).ok()? + SNOWFLAKE_EPOCH_MS;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
    }

    /// The latest time the post can have been created: its snowflake time, or the start of
    /// snowflakes for older sequential ids. Age rules use this bound, so a notice is never
    /// given for a post that might be young enough.
    pub fn created_no_later_than(&self) -> OffsetDateTime {
        self.created_at().unwrap_or(snowflake_epoch())
    }
}

fn snowflake_epoch() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(SNOWFLAKE_EPOCH_MS) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl std::fmt::Display for PostId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PostId {
    type Err = PostIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostId::parse(s)
    }
}

impl AsRef<str> for PostId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl serde::Serialize for PostId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PostId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        PostId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A post id as the text [`RequestSpec::post_ids`](crate::RequestSpec::post_ids) takes.
impl From<PostId> for String {
    fn from(id: PostId) -> String {
        id.as_str().to_owned()
    }
}

impl From<&PostId> for String {
    fn from(id: &PostId) -> String {
        id.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn accepts_one_to_nineteen_digits() {
        assert!(PostId::parse("0").is_ok());
        assert!(PostId::parse("9999999999999999999").is_ok());
        assert_eq!(PostId::parse(""), Err(PostIdError::Empty));
        assert!(matches!(
            PostId::parse("12345678901234567890"),
            Err(PostIdError::TooLong(_))
        ));
        assert!(matches!(
            PostId::parse("12a"),
            Err(PostIdError::NotDigits(_))
        ));
        assert!(matches!(
            PostId::parse("-1"),
            Err(PostIdError::NotDigits(_))
        ));
        assert!(matches!(
            PostId::parse(" 1"),
            Err(PostIdError::NotDigits(_))
        ));
        assert!(matches!(
            PostId::parse("١٢"),
            Err(PostIdError::NotDigits(_))
        ));
    }

    #[test]
    fn keeps_leading_zeros_and_large_values_exactly() {
        assert_eq!(PostId::parse("0042").unwrap().as_str(), "0042");
        let big = PostId::parse("9999999999999999999").unwrap();
        assert_eq!(big.as_str(), "9999999999999999999");
        assert_eq!(big.as_u64(), Some(9_999_999_999_999_999_999));
    }

    #[test]
    fn snowflake_creation_time() {
        // The id of the v2 documentation's example.
        let id = PostId::parse("1346889436626259968").unwrap();
        assert_eq!(
            id.created_at(),
            Some(datetime!(2021-01-06 18:40:40.344 UTC))
        );
        // The example ids of the Enterprise docs (2018).
        let id = PostId::parse("1070059276213702656").unwrap();
        assert_eq!(id.created_at().map(time::OffsetDateTime::year), Some(2018));
    }

    #[test]
    fn sequential_ids_have_no_creation_time() {
        let id = PostId::parse("123456789").unwrap();
        assert!(!id.is_snowflake());
        assert_eq!(id.created_at(), None);
        assert_eq!(
            id.created_no_later_than(),
            datetime!(2010-11-04 01:42:54.657 UTC)
        );
    }
}
