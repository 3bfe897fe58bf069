//! Named regression tests for what fuzzing found; the inputs are kept in
//! `fuzz/regressions/<target>/` (and replayed by `replay.rs` too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn input(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../regressions")
        .join(target)
        .join(name);
    std::fs::read(path).unwrap()
}

/// `api_call` timed out (over 30 s): `compute_kpis` with a period from year
/// 1 to 9999 walked half a million empty weekly series points. Now
/// `limit_exceeded` at `options.series` (relman::kpi::MAX_SERIES_POINTS).
#[test]
fn api_call_kpi_series_over_millennia_is_a_limit_not_a_hang() {
    let data = input("api_call", "timeout-kpi-series-over-millennia");
    relman_fuzz_support::check_api_call(&data);
    let params = String::from_utf8_lossy(&data[1..]).into_owned();
    let err = relman::api::call_json("compute_kpis", &params).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("options.series"));
}

/// `api_call` crashed: `fit_risk_model` on a history with one usable
/// release panicked in `clamp(1, 0)` while sizing the hold-out. Now no
/// hold-out below two samples, and the fit fails with `invalid_input`
/// (one outcome cannot be learned from).
#[test]
fn api_call_fit_risk_model_with_one_sample_does_not_panic() {
    let data = input("api_call", "crash-fit-risk-model-one-sample");
    relman_fuzz_support::check_api_call(&data);
    let params = String::from_utf8_lossy(&data[1..]).into_owned();
    let err = relman::api::call_json("fit_risk_model", &params).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input", "{err}");
}

/// `api_call` crashed: `detect_conflicts` on a calendar with a recurrence
/// of `duration_secs` 9.3e15 panicked in chrono's `TimeDelta::days` while
/// expanding it (past `TimeDelta::MAX`). Now `invalid_input` at the
/// duration's path (relman::calendar::MAX_DURATION_SECS).
#[test]
fn api_call_recurrence_duration_past_timedelta_does_not_panic() {
    let data = input("api_call", "crash-recurrence-duration-past-timedelta");
    relman_fuzz_support::check_api_call(&data);
    let params = String::from_utf8_lossy(&data[1..]).into_owned();
    let err = relman::api::call_json("detect_conflicts", &params).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input", "{err}");
    let path = "calendar.blackouts[0].recurrence.duration_secs";
    let body = err.to_body();
    assert!(
        body.path.as_deref() == Some(path) || body.problems.iter().any(|p| p.path == path),
        "{body:?}"
    );
}

/// `api_call` crashed: `suggest_slots` with a duration of 106 751 991 167 300
/// days (the CLI's `slots --duration 106751991167300d`) overflowed
/// `end + d`. Now `invalid_input` at `duration_secs`
/// (relman::schedule::MAX_DURATION_SECS).
#[test]
fn api_call_suggest_slots_duration_of_106751991167300_days_does_not_overflow() {
    let data = input("api_call", "crash-slots-duration-106751991167300-days");
    relman_fuzz_support::check_api_call(&data);
    let params = String::from_utf8_lossy(&data[1..]).into_owned();
    let err = relman::api::call_json("suggest_slots", &params).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input", "{err}");
    assert_eq!(err.path(), Some("duration_secs"));
}

/// `suggest_slots` with `duration_secs = u64::MAX` wrapped to -1 and
/// returned slots ending before they start. Now `invalid_input` at
/// `duration_secs`.
#[test]
fn api_call_suggest_slots_duration_u64_max_does_not_wrap() {
    let data = input("api_call", "wrap-slots-duration-u64-max");
    relman_fuzz_support::check_api_call(&data);
    let params = String::from_utf8_lossy(&data[1..]).into_owned();
    let err = relman::api::call_json("suggest_slots", &params).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input", "{err}");
    assert_eq!(err.path(), Some("duration_secs"));
}

/// `cli_args`: `--duration 1067519300d730-0d` was reported as too long (the
/// parser stopped at the first part over the bound) although it is not a
/// duration at all (`-`); the oracle expects the malformed message. The
/// parser now reports malformed text wherever it is, before the length.
#[test]
fn cli_args_malformed_duration_is_malformed_even_after_a_part_too_long() {
    let data = input("cli_args", "crash-duration-malformed-after-too-long");
    relman_fuzz_support::check_cli_args(&data);
    let text = String::from_utf8_lossy(&data[1..]).into_owned();
    let err = relman_cli::parsers::parse_duration(&text).unwrap_err();
    assert!(err.contains("is not a duration"), "{err}");
}

/// The seeds of `kpi_accumulator_bytes` as this relman writes them (the
/// committed ones may be of an older version, and are then only refused):
/// they decode and pass the check.
#[test]
fn kpi_accumulator_seeds_pass_the_check() {
    for (name, bytes) in relman_fuzz_support::accbytes::seeds() {
        assert!(
            relman::KpiAccumulator::from_bytes(&bytes).is_ok(),
            "{name} does not decode"
        );
        relman_fuzz_support::check_kpi_accumulator_bytes(&bytes);
    }
}
