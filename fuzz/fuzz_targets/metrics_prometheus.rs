//! See `relman_fuzz_support::check_metrics_prometheus`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_metrics_prometheus(data));
