//! See `relman_fuzz_support::check_kpi_accumulator_bytes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_kpi_accumulator_bytes(data));
