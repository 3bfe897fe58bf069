//! See `relman_fuzz_support::check_lifecycle_commands`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_lifecycle_commands(data));
