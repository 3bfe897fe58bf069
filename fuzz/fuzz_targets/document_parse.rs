//! Every document kind from arbitrary bytes: never a panic, and every error
//! carries a code and a non-empty message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relman::DocumentKind;

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else { return };
    let kinds = DocumentKind::ALL;
    let kind = kinds[usize::from(*selector) % kinds.len()];
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if let Err(err) = relman::validate(kind, text) {
        let body = err.to_body();
        assert!(!body.message.is_empty());
        assert!(!body.code.as_str().is_empty());
    }
});
