//! The exact identity of a document, for a prepared context's cache-hit
//! test (`docs/lifecycle.md`, "A prepared context").
//!
//! A [`Tape`] records the stream of values a document serialises to —
//! every string, number, boolean, null, field name, element and entry, in
//! order — without writing any JSON, and [`Tape::matches`] walks another
//! document through the same serialisation comparing each value with the
//! recorded one, stopping at the first difference. Two documents match
//! exactly when they serialise to the same JSON: a timestamp written in
//! another offset (equal as an instant, so `==` on the document says equal)
//! or a float of another sign of zero is a difference here, as it is to
//! the hash chain and the seal. Every field of a release serialises (none
//! is skipped but empty ones, which are then absent from both), so nothing
//! the verification, the replay, the votes or the risk assessment reads
//! can differ between two documents that match.

use serde::ser::{self, Serialize};

/// One value of the stream; strings live in the tape's text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    /// A string: its range in the tape's text.
    Str(u32, u32),
    Bool(bool),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    /// A float, by its bits (so `-0.0` is not `0.0`).
    F64(u64),
    None,
    Some,
    Unit,
    /// A unit struct, unit variant, newtype struct or variant, or the
    /// start of a compound value, with its (static) name and variant.
    Named(&'static str, &'static str, u32),
    /// The start of a sequence, tuple or map, with its length if known.
    Open(u8, Option<usize>),
    /// A struct field's name.
    Field(&'static str),
    /// A field skipped by `skip_serializing_if`.
    Skip(&'static str),
    /// The end of a compound value.
    End,
}

/// The recorded serialisation of a document (see the [module
/// documentation](self)).
#[derive(Debug, Default)]
pub(crate) struct Tape {
    toks: Vec<Tok>,
    text: String,
}

impl Tape {
    /// The tape of `value`, or `None` if it does not serialise (a map
    /// with a non-string key…), which a document never does.
    pub(crate) fn of<T: Serialize + ?Sized>(value: &T) -> Option<Tape> {
        let mut w = Walker {
            sink: Sink::Record(Tape::default()),
        };
        value.serialize(&mut w).ok()?;
        match w.sink {
            Sink::Record(t) => Some(t),
            Sink::Compare { .. } => None,
        }
    }

    /// Whether `value` serialises exactly to this tape.
    pub(crate) fn matches<T: Serialize + ?Sized>(&self, value: &T) -> bool {
        let mut w = Walker {
            sink: Sink::Compare { tape: self, at: 0 },
        };
        if value.serialize(&mut w).is_err() {
            return false;
        }
        matches!(w.sink, Sink::Compare { at, .. } if at == self.toks.len())
    }
}

/// Where the walked values go: onto a tape, or against one.
enum Sink<'t> {
    Record(Tape),
    Compare { tape: &'t Tape, at: usize },
}

/// The first difference (or a value that does not serialise).
#[derive(Debug)]
struct Differs;

impl std::fmt::Display for Differs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the document differs from the tape")
    }
}

impl std::error::Error for Differs {}

impl ser::Error for Differs {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Differs
    }
}

struct Walker<'t> {
    sink: Sink<'t>,
}

impl Walker<'_> {
    fn tok(&mut self, tok: Tok) -> Result<(), Differs> {
        match &mut self.sink {
            Sink::Record(t) => {
                t.toks.push(tok);
                Ok(())
            }
            Sink::Compare { tape, at } => {
                let same = tape.toks.get(*at).is_some_and(|t| *t == tok);
                *at = at.saturating_add(1);
                if same {
                    Ok(())
                } else {
                    Err(Differs)
                }
            }
        }
    }

    fn str(&mut self, s: &str) -> Result<(), Differs> {
        match &mut self.sink {
            Sink::Record(t) => {
                let start = u32::try_from(t.text.len()).map_err(|_| Differs)?;
                let len = u32::try_from(s.len()).map_err(|_| Differs)?;
                t.text.push_str(s);
                t.toks.push(Tok::Str(start, len));
                Ok(())
            }
            Sink::Compare { tape, at } => {
                let same = match tape.toks.get(*at) {
                    Some(Tok::Str(start, len)) => {
                        let (start, len) = (*start as usize, *len as usize);
                        len == s.len() && tape.text.get(start..start.saturating_add(len)) == Some(s)
                    }
                    _ => false,
                };
                *at = at.saturating_add(1);
                if same {
                    Ok(())
                } else {
                    Err(Differs)
                }
            }
        }
    }
}

type R = Result<(), Differs>;

impl<'w, 't> ser::Serializer for &'w mut Walker<'t> {
    type Ok = ();
    type Error = Differs;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> R {
        self.tok(Tok::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> R {
        self.tok(Tok::I64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> R {
        self.tok(Tok::I64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> R {
        self.tok(Tok::I64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> R {
        self.tok(Tok::I64(v))
    }
    fn serialize_i128(self, v: i128) -> R {
        self.tok(Tok::I128(v))
    }
    fn serialize_u8(self, v: u8) -> R {
        self.tok(Tok::U64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> R {
        self.tok(Tok::U64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> R {
        self.tok(Tok::U64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> R {
        self.tok(Tok::U64(v))
    }
    fn serialize_u128(self, v: u128) -> R {
        self.tok(Tok::U128(v))
    }
    fn serialize_f32(self, v: f32) -> R {
        self.tok(Tok::F64(f64::from(v).to_bits()))
    }
    fn serialize_f64(self, v: f64) -> R {
        self.tok(Tok::F64(v.to_bits()))
    }
    fn serialize_char(self, v: char) -> R {
        let mut buf = [0u8; 4];
        self.str(v.encode_utf8(&mut buf))
    }
    fn serialize_str(self, v: &str) -> R {
        self.str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        self.tok(Tok::Open(0, Some(v.len())))?;
        for b in v {
            self.tok(Tok::U64(u64::from(*b)))?;
        }
        self.tok(Tok::End)
    }
    fn serialize_none(self) -> R {
        self.tok(Tok::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        self.tok(Tok::Some)?;
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.tok(Tok::Unit)
    }
    fn serialize_unit_struct(self, name: &'static str) -> R {
        self.tok(Tok::Named(name, "", 0))
    }
    fn serialize_unit_variant(self, name: &'static str, index: u32, variant: &'static str) -> R {
        self.tok(Tok::Named(name, variant, index))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> R {
        self.tok(Tok::Named(name, "", 1))?;
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        self.tok(Tok::Named(name, variant, index))?;
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Differs> {
        self.tok(Tok::Open(1, len))?;
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Differs> {
        self.tok(Tok::Open(2, Some(len)))?;
        Ok(self)
    }
    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Self, Differs> {
        self.tok(Tok::Named(name, "", 2))?;
        self.tok(Tok::Open(2, Some(len)))?;
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Differs> {
        self.tok(Tok::Named(name, variant, index))?;
        self.tok(Tok::Open(2, Some(len)))?;
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Differs> {
        // The length is left out: a struct with a flattened map serialises
        // as a map of unknown length either way.
        let _ = len;
        self.tok(Tok::Open(3, None))?;
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self, Differs> {
        self.tok(Tok::Named(name, "", 3))?;
        self.tok(Tok::Open(4, Some(len)))?;
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self, Differs> {
        self.tok(Tok::Named(name, variant, index))?;
        self.tok(Tok::Open(4, Some(len)))?;
        Ok(self)
    }
}

impl ser::SerializeSeq for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl ser::SerializeTuple for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl ser::SerializeTupleStruct for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl ser::SerializeTupleVariant for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl ser::SerializeMap for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl ser::SerializeStruct for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.tok(Tok::Field(key))?;
        value.serialize(&mut **self)
    }
    fn skip_field(&mut self, key: &'static str) -> R {
        self.tok(Tok::Skip(key))
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl ser::SerializeStructVariant for &mut Walker<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.tok(Tok::Field(key))?;
        value.serialize(&mut **self)
    }
    fn skip_field(&mut self, key: &'static str) -> R {
        self.tok(Tok::Skip(key))
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_exactly_what_serialises_alike() {
        let a = json!({"at": "2026-11-05T10:00:00Z", "n": [1, 2.5, -0.0], "o": {"k": null}});
        let tape = Tape::of(&a).unwrap_or_else(|| panic!("tape"));
        assert!(tape.matches(&a));
        assert!(tape.matches(&a.clone()));
        for b in [
            json!({"at": "2026-11-05T11:00:00+01:00", "n": [1, 2.5, -0.0], "o": {"k": null}}),
            json!({"at": "2026-11-05T10:00:00Z", "n": [1, 2.5, 0.0], "o": {"k": null}}),
            json!({"at": "2026-11-05T10:00:00Z", "n": [1.0, 2.5, -0.0], "o": {"k": null}}),
            json!({"at": "2026-11-05T10:00:00Z", "n": [1, 2.5], "o": {"k": null}}),
            json!({"at": "2026-11-05T10:00:00Z", "n": [1, 2.5, -0.0], "o": {"k": null, "j": 1}}),
            json!({"at": "2026-11-05T10:00:00Z", "n": [1, 2.5, -0.0], "o": {"k": 0}}),
            json!({"at": "2026-11-05T10:00:00Z", "n": [1, 2.5, -0.0], "o": {"kk": null}}),
            json!([]),
        ] {
            assert!(!tape.matches(&b), "{b}");
        }
    }
}
