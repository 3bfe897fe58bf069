//! See `relman_fuzz_support::check_rollout_inputs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_rollout_inputs(data));
