//! See `relman_fuzz_support::check_kpi_ndjson`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_kpi_ndjson(data));
