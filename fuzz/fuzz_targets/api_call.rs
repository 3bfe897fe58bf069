//! See `relman_fuzz_support::check_api_call`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_api_call(data));
