//! See `relman_fuzz_support::check_document_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_document_parse(data));
