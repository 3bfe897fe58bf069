//! RFC 8785 canonical JSON, the form hashed by the audit chain and policy
//! fingerprints (docs/lifecycle.md).
//!
//! [`canonical_json`] is the JSON Canonicalization Scheme of RFC 8785 (JCS):
//!
//! - no whitespace anywhere;
//! - object members sorted by their keys compared as sequences of UTF-16
//!   code units (not code points, not UTF-8 bytes: `"\u{1F600}"` sorts before
//!   `"\u{FB33}"`);
//! - strings escape only `"` → `\"`, `\` → `\\` and the control characters
//!   below U+0020: `\b`, `\t`, `\n`, `\f`, `\r` in short form, the others as
//!   `\u00XX` with lowercase hex; every other character, including U+007F,
//!   U+2028 and all non-ASCII text, is written literally in UTF-8;
//! - numbers as ECMAScript `Number.prototype.toString` writes them: the
//!   shortest digits that round-trip to the same IEEE 754 double, plain
//!   notation for magnitudes in `[1e-6, 1e21)` and `d.ddde±x` outside it
//!   (`1e+21`, `1e-7`, `0.000001`, `123.45`, `4.5`, `1e+30`); `-0` is `0`.
//!   Integers are doubles in JCS: an integer whose magnitude is above 2^53 is
//!   first rounded to the nearest double, so `18446744073709551615` is
//!   written `18446744073709552000`. `NaN` and infinities cannot occur in a
//!   JSON value.
//!
//! The output is the UTF-8 text of that canonical form.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Integers up to this magnitude are exact doubles and print as written.
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// The RFC 8785 (JCS) canonical JSON text of `value`; see the module
/// documentation for the exact rules.
///
/// ```
/// use serde_json::json;
/// let v = json!({"b": [1.0, 1e21, 1e-7], "a": "é\n"});
/// assert_eq!(relman::audit::canonical_json(&v), "{\"a\":\"é\\n\",\"b\":[1,1e+21,1e-7]}");
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

pub(crate) fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

pub(crate) fn write_object(map: &Map<String, Value>, out: &mut String) {
    if in_utf16_order(map.keys()) {
        // The usual case: serde_json's map iterates its keys in UTF-8 byte
        // order, which is UTF-16 order unless keys mix U+E000–U+FFFF with
        // characters above U+FFFF.
        write_members(map.iter().map(|(k, v)| (k.as_str(), v)), out);
    } else {
        let mut members: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        members.sort_by(|(a, _), (b, _)| utf16_cmp(a, b));
        write_members(members.into_iter(), out);
    }
}

/// `{"key":value,…}` for members already in canonical order.
fn write_members<'v>(members: impl Iterator<Item = (&'v str, &'v Value)>, out: &mut String) {
    out.push('{');
    for (i, (key, item)) in members.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(item, out);
    }
    out.push('}');
}

/// Compares two strings as sequences of UTF-16 code units (RFC 8785
/// §3.2.3) without transcoding them. UTF-8 byte order is code point order,
/// and code point order is UTF-16 order except between a character in
/// U+E000–U+FFFF (UTF-8 lead byte `EE`/`EF`) and one above U+FFFF (lead
/// byte `F0`–`F4`, a surrogate pair in UTF-16, so it sorts first). At the
/// first differing byte both strings are at the same position within a
/// character (their prefixes are equal), so comparing those two bytes —
/// reversed for that one pair of classes — decides.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).find(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some((&x, &y)) => {
            let high_bmp = |byte: u8| byte == 0xEE || byte == 0xEF;
            let astral = |byte: u8| byte >= 0xF0;
            if (high_bmp(x) && astral(y)) || (astral(x) && high_bmp(y)) {
                y.cmp(&x)
            } else {
                x.cmp(&y)
            }
        }
    }
}

/// True when `keys` are strictly increasing in UTF-16 order.
fn in_utf16_order<'k>(mut keys: impl Iterator<Item = &'k String>) -> bool {
    let Some(mut prev) = keys.next() else {
        return true;
    };
    for key in keys {
        if utf16_cmp(prev, key) != Ordering::Less {
            return false;
        }
        prev = key;
    }
    true
}

/// Whether JCS escapes this byte: `"`, `\` and the control characters.
fn escaped(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

pub(crate) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    // Most strings need no escape: one branch-free (vectorisable) pass
    // finds out, and they are copied whole.
    if !s.bytes().fold(false, |any, byte| any | escaped(byte)) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut rest = s;
    // Copy each run of characters written as they are in one piece; every
    // byte that needs escaping is ASCII, so the runs end on characters.
    while let Some(at) = rest.bytes().position(escaped) {
        let Some((plain, tail)) = rest.split_at_checked(at) else {
            break; // unreachable: `at` is the index of an ASCII byte
        };
        out.push_str(plain);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some('\u{08}') => out.push_str("\\b"),
            Some('\t') => out.push_str("\\t"),
            Some('\n') => out.push_str("\\n"),
            Some('\u{0c}') => out.push_str("\\f"),
            Some('\r') => out.push_str("\\r"),
            Some(c) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// A JSON number as JCS writes it: integers within ±2^53 as written, every
/// other number through its double value.
fn write_number(n: &Number, out: &mut String) {
    if let Some(u) = n.as_u64() {
        return write_u64(u, out);
    }
    // Writing to a String cannot fail.
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= MAX_SAFE_INTEGER {
            let _ = write!(out, "{i}");
        } else {
            out.push_str(&es_number(i as f64));
        }
        return;
    }
    match n.as_f64() {
        Some(f) => out.push_str(&es_number(f)),
        // Only reachable with serde_json's `arbitrary_precision` and a
        // number no double can hold; keep its text rather than invent one.
        None => {
            let _ = write!(out, "{n}");
        }
    }
}

/// An unsigned integer as JCS writes it (through its double above 2^53).
// Reviewed exception to the arithmetic lint: the digits and decimal exponent
// of a finite f64 (at most 17 digits, exponent within ±324) or a u64's
// decimal digits; no sum or product here comes near an integer bound.
#[allow(clippy::arithmetic_side_effects)]
pub(crate) fn write_u64(u: u64, out: &mut String) {
    if u > MAX_SAFE_INTEGER {
        out.push_str(&es_number(u as f64));
        return;
    }
    // The decimal digits, last first, without the formatting machinery.
    let mut digits = [b'0'; 20];
    let mut rest = u;
    let mut start = digits.len();
    for (i, slot) in digits.iter_mut().enumerate().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        start = i;
        if rest == 0 {
            break;
        }
    }
    let text = digits.get(start..).unwrap_or_default();
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
}

/// ECMAScript `Number.prototype.toString(f)` (ECMA-262 §6.1.6.1.20) for a
/// finite double; `null` for NaN and infinities, as `JSON.stringify` does.
// Reviewed exception to the arithmetic lint: the digits and decimal exponent
// of a finite f64 (at most 17 digits, exponent within ±324) or a u64's
// decimal digits; no sum or product here comes near an integer bound.
#[allow(clippy::arithmetic_side_effects)]
fn es_number(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string(); // also -0
    }
    if !f.is_finite() {
        return "null".to_string();
    }
    // Rust's `{:e}` writes the shortest digits that round-trip, e.g.
    // `1.2345e2`, `1e21`, `5e-324`: split them into the digit string `s`
    // (k digits) and the exponent `n` such that f = 0.s × 10^n.
    let abs = f.abs();
    let (digits, exponent) = split_scientific(&format!("{abs:e}"));
    let digits = break_tie_to_even(digits, exponent, abs);
    let k = digits.len() as i64;
    let n = exponent + 1;

    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        // An integer: the digits, then n - k zeros.
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        // A decimal point inside the digits.
        out.extend(digits.chars().take(n as usize));
        out.push('.');
        out.extend(digits.chars().skip(n as usize));
    } else if -6 < n && n <= 0 {
        // 0.000ddd
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        // d.ddde±x
        let mut chars = digits.chars();
        out.extend(chars.next());
        let rest: String = chars.collect();
        if !rest.is_empty() {
            out.push('.');
            out.push_str(&rest);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).unsigned_abs().to_string());
    }
    out
}

/// The significant digits (no point, no sign) and the decimal exponent of a
/// number written by Rust's `{:e}` (`1.2345e2` → `("12345", 2)`).
// Reviewed exception to the arithmetic lint: the digits and decimal exponent
// of a finite f64 (at most 17 digits, exponent within ±324) or a u64's
// decimal digits; no sum or product here comes near an integer bound.
#[allow(clippy::arithmetic_side_effects)]
fn split_scientific(text: &str) -> (String, i64) {
    let mut digits = String::new();
    let mut exponent: i64 = 0;
    let mut negative = false;
    let mut in_exponent = false;
    for c in text.chars() {
        match (c, c.to_digit(10)) {
            ('e', _) => in_exponent = true,
            ('-', _) if in_exponent => negative = true,
            (_, Some(d)) if in_exponent => exponent = exponent * 10 + i64::from(d),
            (_, Some(_)) => digits.push(c),
            _ => {} // the decimal point or a sign of the number
        }
    }
    (digits, if negative { -exponent } else { exponent })
}

/// ECMAScript picks, among the shortest digit strings that round-trip, the
/// one closest to the exact value and, on an exact tie, the even one
/// (`1424953923781206.25` → `…206.2`); Rust's shortest form may pick the odd
/// one. `digits`/`exponent` are Rust's shortest form of `abs` (> 0).
// Reviewed exception to the arithmetic lint: the digits and decimal exponent
// of a finite f64 (at most 17 digits, exponent within ±324) or a u64's
// decimal digits; no sum or product here comes near an integer bound.
#[allow(clippy::arithmetic_side_effects)]
fn break_tie_to_even(digits: String, exponent: i64, abs: f64) -> String {
    let odd = digits
        .chars()
        .last()
        .and_then(|c| c.to_digit(10))
        .is_some_and(|d| d % 2 == 1);
    if !odd {
        return digits;
    }
    // A double's exact decimal expansion has at most 767 significant digits,
    // so 800 digits of precision print it exactly.
    let (exact, exact_exponent) = split_scientific(&format!("{abs:.800e}"));
    let exact = exact.trim_end_matches('0');
    let k = digits.len();
    if exact_exponent != exponent || exact.len() != k + 1 || !exact.ends_with('5') {
        return digits; // not a tie
    }
    let lower: String = exact.chars().take(k).collect();
    let lower_is_even = lower
        .chars()
        .last()
        .and_then(|c| c.to_digit(10))
        .is_some_and(|d| d % 2 == 0);
    let even = if lower_is_even {
        lower
    } else {
        increment_decimal(&lower)
    };
    // Keep Rust's digits unless the even candidate is as short and also
    // reads back as the same double.
    let scale = exponent - (k as i64 - 1);
    let round_trips = format!("{even}e{scale}").parse::<f64>() == Ok(abs);
    if even.len() == k && round_trips {
        even
    } else {
        digits
    }
}

/// A decimal digit string plus one (`"129"` → `"130"`, `"99"` → `"100"`).
// Reviewed exception to the arithmetic lint: the digits and decimal exponent
// of a finite f64 (at most 17 digits, exponent within ±324) or a u64's
// decimal digits; no sum or product here comes near an integer bound.
#[allow(clippy::arithmetic_side_effects)]
fn increment_decimal(digits: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(digits.len() + 1);
    let mut carry = true;
    for c in digits.chars().rev() {
        match (carry, c) {
            (true, '9') => out.push('0'),
            (true, c) => {
                let bumped = c.to_digit(10).and_then(|d| char::from_digit(d + 1, 10));
                out.push(bumped.unwrap_or(c)); // `c` is a digit below 9: always bumped
                carry = false;
            }
            (false, c) => out.push(c),
        }
    }
    if carry {
        out.push('1');
    }
    out.into_iter().rev().collect()
}
