//! Parse → serialise → parse is the identity for every document kind that
//! parses, and the JSON written the second time equals the first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relman::{parse, Document};

fn roundtrip<T: Document + PartialEq + std::fmt::Debug>(text: &str) {
    let Ok(first) = parse::<T>(text) else { return };
    let written = serde_json::to_string(&first.document).expect("serialise");
    let second = parse::<T>(&written).expect("a written document parses again");
    assert_eq!(first.document, second.document);
    assert_eq!(written, serde_json::to_string(&second.document).expect("serialise"));
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match selector % 10 {
        0 => roundtrip::<relman::Release>(text),
        1 => roundtrip::<relman::Change>(text),
        2 => roundtrip::<relman::ConfigurationItem>(text),
        3 => roundtrip::<relman::Cmdb>(text),
        4 => roundtrip::<relman::Actor>(text),
        5 => roundtrip::<relman::Calendar>(text),
        6 => roundtrip::<relman::Schedule>(text),
        7 => roundtrip::<relman::History>(text),
        8 => roundtrip::<relman::Context>(text),
        _ => roundtrip::<relman::Policy>(text),
    }
});
