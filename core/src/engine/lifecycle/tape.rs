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
#[derive(Debug, Clone, Copy)]
enum Tok {
    /// A string: its range in the tape's text.
    Str(u32, u32),
    Bool(bool),
    I64(i64),
    U64(u64),
    /// A 128-bit integer, high and low halves, with its sign.
    Wide(bool, u64, u64),
    /// A float, by its bits (so `-0.0` is not `0.0`).
    F64(u64),
    None,
    Some,
    Unit,
    /// A unit struct, unit variant, newtype struct or variant, or the
    /// start of a compound value: its type's (static) name and the
    /// variant's index (a kind of compound for a struct).
    Named(&'static str, u32),
    /// The start of a sequence, tuple or map, with its length if known.
    Open(u8, Option<usize>),
    /// A struct field's name.
    Field(&'static str),
    /// A field skipped by `skip_serializing_if`.
    Skip(&'static str),
    /// The end of a compound value.
    End,
}

/// Static names compare by address first (the same literal of the same
/// `Serialize` impl), then by content.
#[inline(always)]
fn same_name(a: &'static str, b: &'static str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

impl PartialEq for Tok {
    #[inline(always)]
    fn eq(&self, other: &Tok) -> bool {
        use Tok::*;
        match (self, other) {
            (Str(a, b), Str(c, d)) => a == c && b == d,
            (Bool(a), Bool(b)) => a == b,
            (I64(a), I64(b)) => a == b,
            (U64(a), U64(b)) | (F64(a), F64(b)) => a == b,
            (Wide(a, b, c), Wide(d, e, f)) => a == d && b == e && c == f,
            (None, None) | (Some, Some) | (Unit, Unit) | (End, End) => true,
            (Named(a, i), Named(b, j)) => i == j && same_name(a, b),
            (Open(a, m), Open(b, n)) => a == b && m == n,
            (Field(a), Field(b)) | (Skip(a), Skip(b)) => same_name(a, b),
            _ => false,
        }
    }
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
        let mut w = Walker(Tape::default());
        value.serialize(&mut w).ok()?;
        Some(w.0)
    }

    /// Whether `value` serialises exactly to this tape.
    pub(crate) fn matches<T: Serialize + ?Sized>(&self, value: &T) -> bool {
        let mut w = Walker(Against {
            toks: &self.toks,
            text: self.text.as_bytes(),
            at: 0,
        });
        value.serialize(&mut w).is_ok() && w.0.at == self.toks.len()
    }
}

/// Where the walked values go: onto a tape ([`Tape`]), or against one
/// ([`Against`]).
trait Sink {
    fn tok(&mut self, tok: Tok) -> R;
    fn str(&mut self, s: &str) -> R;
}

impl Sink for Tape {
    fn tok(&mut self, tok: Tok) -> R {
        self.toks.push(tok);
        Ok(())
    }

    fn str(&mut self, s: &str) -> R {
        let start = u32::try_from(self.text.len()).map_err(|_| Differs)?;
        let len = u32::try_from(s.len()).map_err(|_| Differs)?;
        self.text.push_str(s);
        self.toks.push(Tok::Str(start, len));
        Ok(())
    }
}

/// A tape being compared with, and how far.
struct Against<'t> {
    toks: &'t [Tok],
    text: &'t [u8],
    at: usize,
}

impl Sink for Against<'_> {
    #[inline(always)]
    fn tok(&mut self, tok: Tok) -> R {
        match self.toks.get(self.at) {
            Some(t) if *t == tok => {
                self.at = self.at.saturating_add(1);
                Ok(())
            }
            _ => Err(Differs),
        }
    }

    #[inline(always)]
    fn str(&mut self, s: &str) -> R {
        let Some(Tok::Str(start, len)) = self.toks.get(self.at) else {
            return Err(Differs);
        };
        let start = usize::try_from(*start).map_err(|_| Differs)?;
        let len = usize::try_from(*len).map_err(|_| Differs)?;
        if len != s.len() || self.text.get(start..start.saturating_add(len)) != Some(s.as_bytes()) {
            return Err(Differs);
        }
        self.at = self.at.saturating_add(1);
        Ok(())
    }
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

/// A serde serialiser feeding a [`Sink`].
struct Walker<S>(S);

impl<S: Sink> Walker<S> {
    #[inline(always)]
    fn tok(&mut self, tok: Tok) -> R {
        self.0.tok(tok)
    }

    #[inline(always)]
    fn str(&mut self, s: &str) -> R {
        self.0.str(s)
    }
}

type R = Result<(), Differs>;

impl<S: Sink> ser::Serializer for &mut Walker<S> {
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
        let u = v.unsigned_abs();
        self.tok(Tok::Wide(v < 0, (u >> 64) as u64, u as u64))
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
        self.tok(Tok::Wide(false, (v >> 64) as u64, v as u64))
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
        self.tok(Tok::Named(name, u32::MAX))
    }
    fn serialize_unit_variant(self, name: &'static str, index: u32, _variant: &'static str) -> R {
        self.tok(Tok::Named(name, index))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> R {
        self.tok(Tok::Named(name, u32::MAX - 1))?;
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> R {
        self.tok(Tok::Named(name, index))?;
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
        self.tok(Tok::Named(name, u32::MAX - 2))?;
        self.tok(Tok::Open(2, Some(len)))?;
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self, Differs> {
        self.tok(Tok::Named(name, index))?;
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
        self.tok(Tok::Named(name, u32::MAX - 3))?;
        self.tok(Tok::Open(4, Some(len)))?;
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self, Differs> {
        self.tok(Tok::Named(name, index))?;
        self.tok(Tok::Open(4, Some(len)))?;
        Ok(self)
    }
}

impl<S: Sink> ser::SerializeSeq for &mut Walker<S> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl<S: Sink> ser::SerializeTuple for &mut Walker<S> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl<S: Sink> ser::SerializeTupleStruct for &mut Walker<S> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl<S: Sink> ser::SerializeTupleVariant for &mut Walker<S> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.tok(Tok::End)
    }
}

impl<S: Sink> ser::SerializeMap for &mut Walker<S> {
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

impl<S: Sink> ser::SerializeStruct for &mut Walker<S> {
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

impl<S: Sink> ser::SerializeStructVariant for &mut Walker<S> {
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
