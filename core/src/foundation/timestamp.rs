//! RFC 3339 timestamps that keep their offset and their original spelling.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// An instant written as RFC 3339 with an offset (`2026-03-01T22:00:00Z`,
/// `2026-03-01T23:00:00+01:00`).
///
/// The original text is kept and written back unchanged, so documents
/// round-trip byte for byte; comparisons, ordering and hashing use the
/// instant only (`…T23:00:00+01:00` equals `…T22:00:00Z`).
#[derive(Clone)]
pub struct Timestamp {
    at: DateTime<FixedOffset>,
    text: Box<str>,
}

impl Timestamp {
    /// Parses RFC 3339 text; an offset is required.
    pub fn parse(text: &str) -> Result<Self, String> {
        // chrono also takes a space between date and time; RFC 3339 §5.6
        // (and JSON Schema's `date-time`) want `T`.
        if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
            return Err(format!(
                "`{text}` is not an RFC 3339 timestamp with an offset (date and time are joined by `T`)"
            ));
        }
        let at = DateTime::parse_from_rfc3339(text)
            .map_err(|e| format!("`{text}` is not an RFC 3339 timestamp with an offset ({e})"))?;
        Ok(Timestamp {
            at,
            text: text.into(),
        })
    }

    /// A timestamp for an instant with its offset, written canonically
    /// (`Z` for UTC, seconds precision unless sub-second parts exist).
    pub fn from_datetime(at: DateTime<FixedOffset>) -> Self {
        let use_z = at.offset().local_minus_utc() == 0;
        let text = at.to_rfc3339_opts(SecondsFormat::AutoSi, use_z);
        Timestamp {
            at,
            text: text.into(),
        }
    }

    /// A UTC timestamp.
    pub fn from_utc(at: DateTime<Utc>) -> Self {
        Self::from_datetime(at.fixed_offset())
    }

    /// The instant with the offset it was written in.
    pub fn datetime(&self) -> DateTime<FixedOffset> {
        self.at
    }

    /// The instant in UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        self.at.with_timezone(&Utc)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.at.timestamp()
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at.cmp(&other.at)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.at.timestamp().hash(state);
        self.at.timestamp_subsec_nanos().hash(state);
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Straight from the borrowed text where the deserializer lends it
        // (`Cow<str>`'s own Deserialize would copy it into a String first).
        deserializer.deserialize_str(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl serde::de::Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
        Timestamp::parse(text).map_err(E::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 timestamp with an offset (`Z` or `+02:00`)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_and_compares_instants() {
        let a = Timestamp::parse("2026-03-01T23:00:00+01:00").unwrap();
        let b = Timestamp::parse("2026-03-01T22:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            "\"2026-03-01T23:00:00+01:00\""
        );
        assert_eq!(a.datetime().offset().local_minus_utc(), 3600);
    }

    #[test]
    fn rejects_missing_offset() {
        let err = Timestamp::parse("2026-03-01T22:00:00").unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
    }

    #[test]
    fn rejects_space_separator() {
        assert!(Timestamp::parse("2026-11-01 10:00:00Z").is_err());
        assert!(Timestamp::parse("2026-11-01T10:00:00Z").is_ok());
    }

    #[test]
    fn canonical_text_uses_z_for_utc() {
        let t = Timestamp::from_datetime(
            DateTime::parse_from_rfc3339("2026-03-01T22:00:00+00:00").unwrap(),
        );
        assert_eq!(t.as_str(), "2026-03-01T22:00:00Z");
    }
}
