//! See `relman_fuzz_support::check_kpi_diff`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_kpi_diff(data));
