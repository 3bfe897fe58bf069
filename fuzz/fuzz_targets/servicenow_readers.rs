//! See `relman_fuzz_support::check_servicenow_readers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_servicenow_readers(data));
