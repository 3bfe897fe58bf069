//! See `relman_fuzz_support::check_cli_args`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relman_fuzz_support::check_cli_args(data));
