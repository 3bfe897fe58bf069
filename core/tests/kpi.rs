//! KPIs (issue #6): a hand-built history with every expected value worked
//! out below, time zones and week starts, bad input with codes and paths,
//! and feeding the accumulator by slices.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::policy::{KpiGroupBy, KpiPolicy, SeriesInterval};
use relman::{
    compute_kpis, compute_kpis_with, ErrorCode, History, KpiAccumulator, KpiOptions, KpiReport,
    KpiSettings, Timestamp, Weekday,
};
use serde_json::{json, Value};

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::group_keys;

const HISTORY: &str = include_str!("data/kpi-history.json");

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn history() -> History {
    relman::parse::<History>(HISTORY).unwrap().document
}

/// The three weeks Mon 2026-11-02 .. Sun 2026-11-22, UTC.
fn three_weeks() -> KpiOptions {
    KpiOptions {
        from: Some(ts("2026-11-02T00:00:00Z")),
        to: Some(ts("2026-11-23T00:00:00Z")),
        ..KpiOptions::default()
    }
}

fn report(options: &KpiOptions) -> Value {
    serde_json::to_value(compute_kpis(&history(), options).unwrap()).unwrap()
}

fn close(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {actual}"));
    assert!(
        (a - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{a} != {expected}"
    );
}

// The hand-built history (core/tests/data/kpi-history.json): services
// checkout and search, period Mon 2026-11-02 .. Sun 2026-11-22 (3 weeks,
// 21 days). Times are UTC; every deployment is to production unless said.
//
// id   service  finished    outcome        kind    changes (lead = finish − commit)
// D0   checkout 10-30 10:00 success        planned c0            outside the period
// D1   checkout 11-02 10:00 success        planned c1 24h = 86400
// D2   search   11-02 12:00 success        planned c2  2h =  7200
// D3   checkout 11-03 10:00 failed         planned c3 (not shipped: failed)  ← I1
// D4   checkout 11-03 14:00 success        hotfix  c3 6h = 21600, c4 2h = 7200
// D5   search   11-04 09:00 success_w_iss. planned c5 48h = 172800
// D6   checkout 11-05 10:00 success        planned c6 (no committed_at: excluded)
// D7   search   11-05 11:00 (staging: ignored)
// D8   checkout 11-06 16:00 success        planned c7 8h = 28800
// D9   search   11-09 10:00 success        planned c8 24h = 86400   ← I4 by window
// D10  search   11-10 10:00 rolled_back    planned c9 (not shipped)
// D11  search   11-10 15:00 success        rework  c9 9h = 32400
// D12  checkout 11-11 10:00 success        planned c10 1h = 3600
// D13  checkout 11-12 10:00 success        planned c11 72h = 259200 ← I2, I3 (two incidents)
// D14  checkout 11-13 10:00 success        planned c12 2h = 7200
// D15  search   11-14 10:00 success        planned c13 30m = 1800
// D16  checkout 11-16 10:00 success        planned c14 24h = 86400
// D17  checkout 11-17 10:00 failed         planned c15 (not shipped)
// D18  search   11-18 10:00 success        planned c16 4h = 14400
// D19  checkout 11-19 10:00 success        hotfix  c15 49h = 176400
// D20  search   11-20 10:00 success        planned c17 2h = 7200
// D21  search   11-21 10:00 failed         planned —
//
// Incidents: I1 caused_by D3 (10:30 → 13:00); I2, I3 caused_by D13
// (resolved 15:00 and 14:00); I4 search, no link, 11-09 20:00, 10 h after
// D9 (≤ 24 h window) → D9, resolved 22:00; I5 no service (no deployment)
// → unattributable; I6 search 11-19 12:00, 26 h after D18 → unattributable.
//
// Production deployments N = 20 (D1..D21 without D7).
// Deployment frequency: successful S = 16 (all but D3, D10, D17, D21);
//   per day = 16/21 = 0.761904…, per week = 16·7/21 = 5.333… → high (1..7).
//   Deploy days per week: W1 {2,3,4,5,6} = 5, W2 {9,10,11,12,13,14} = 6,
//   W3 {16,18,19,20} = 4 → median 5.
// Lead time: 16 values sorted 1800, 3600, 7200×4, 14400, 21600, 28800,
//   32400, 86400×3, 172800, 176400, 259200. Even count: median = (21600 +
//   28800)/2 = 25200; p90: h = 15·0.9 = 13.5 → 172800 + 0.5·3600 = 174600;
//   mean = 999000/16 = 62437.5; without commit time 1 (c6) → elite (< 1 day).
// Change failure rate: failures D3 (failed + I1), D9 (I4), D10 (rolled
//   back), D13 (I2, I3: counted once), D17, D21 → 6/20 = 0.3 → low.
//   failed_or_rolled_back 4 (D3, D10, D17, D21), with_incident 3.
// Recovery ("whichever comes first"): D3 min(I1 13:00, D4 14:00) = 3 h =
//   10800; D9 min(I4 22:00 = 12 h, D11 next day) = 43200; D10 → D11 5 h =
//   18000; D13 min(I3 14:00 = 4 h, D14 24 h) = 14400; D17 → D19 48 h =
//   172800; D21: nothing → unrecovered 1. Sorted 10800, 14400, 18000,
//   43200, 172800: median 18000 (5 h → high: elite needs ≤ 1 h); p90 h =
//   3.6 → 43200 + 0.6·129600 = 120960; mean 259200/5 = 51840.
// Rework: D4, D11, D19 → 3/20 = 0.15.
// Attribution: 6 incidents, explicit 3, window 1, unattributable 2.
//
// Releases in the period: R1..R8 (R9 deployed 10-25: ignored) = 8.
//   With an outcome: R1..R7 = 7. Success (R1 success_with_issues, R2, R3,
//   R4, R5, R7) 6/7; rolled back R6 1/7; emergency R7 1/8 = 0.125.
//   On schedule (deployed inside planned window), over R1..R6 (R7 has no
//   window): R1 yes, R2 late, R3 yes, R4 yes, R5 early, R6 yes → 4/6.
//   UAT: passed 10 + 7 + 18 + 5 = 40, failed 0 + 3 + 2 + 5 = 10 → 0.8.
//   Incidents per release: R1 {I1 via D3}, R4 {I4 via D9}, R5 {I2, I3 via
//   D13 ∪ links I2} = 2, R7 {INC-EXT linked} → 5/8 = 0.625.
//   PIR: R1, R3, R5, R6, R7 completed over 7 with an outcome → 5/7.
//   Knowledge: R1, R5 → 2/8 = 0.25.
// Time in state (audit logs of R1, R2, R3):
//   planning    R1 86400, R2 43200, R3 86400 → median 86400, mean 72000
//   development R1 432000, R2 216000 + 86400 (sent back) = 302400,
//               R3 172800 → median 302400, p90 302400 + 0.8·129600 = 406080
//   testing     R1 172800, R2 86400 + 86400 = 172800, R3 86400 → median 172800
//   approval    R1 129600, R2 129600 (the approve self-loop is ignored),
//               R3 21600 → median 129600 (CAB approval lead time), mean 93600
//   deployment  R1 439200, R2 86400, R3 122400 → median 122400, p90 375840
//   review      R1 172800, R3 86400 (R2 still in review) → even count:
//               median 129600, p90 86400 + 0.9·86400 = 164160
#[test]
fn hand_built_history_every_kpi() {
    let r = report(&three_weeks());
    let d = &r["kpis"]["dora"];
    assert_eq!(r["period"]["days"], 21);
    assert_eq!(d["production_deployments"], 20);

    let f = &d["deployment_frequency"];
    assert_eq!(f["deployments"], 16);
    close(&f["per_day"], 16.0 / 21.0);
    close(&f["per_week"], 16.0 / 3.0);
    assert_eq!(f["weeks"], 3);
    close(&f["median_deploy_days_per_week"], 5.0);
    assert_eq!(f["tier"]["tier"], "high");

    let lt = &d["lead_time"];
    assert_eq!(lt["stats"]["count"], 16);
    close(&lt["stats"]["median_secs"], 25200.0);
    close(&lt["stats"]["p90_secs"], 174600.0);
    close(&lt["stats"]["mean_secs"], 62437.5);
    assert_eq!(lt["without_commit_time"], 1);
    assert_eq!(lt["negative"], 0);
    assert_eq!(lt["tier"]["tier"], "elite");

    let cfr = &d["change_failure_rate"];
    assert_eq!(cfr["rate"]["numerator"], 6);
    assert_eq!(cfr["rate"]["denominator"], 20);
    close(&cfr["rate"]["value"], 0.3);
    assert_eq!(cfr["failed_or_rolled_back"], 4);
    assert_eq!(cfr["with_incident"], 3);
    assert_eq!(cfr["tier"]["tier"], "low");

    let rec = &d["failed_deployment_recovery_time"];
    assert_eq!(rec["stats"]["count"], 5);
    close(&rec["stats"]["median_secs"], 18000.0);
    close(&rec["stats"]["p90_secs"], 120960.0);
    close(&rec["stats"]["mean_secs"], 51840.0);
    assert_eq!(rec["unrecovered"], 1);
    assert_eq!(rec["tier"]["tier"], "high");

    close(&d["rework_rate"]["rate"]["value"], 0.15);
    assert_eq!(d["rework_rate"]["tier"]["tier"], Value::Null);
    assert_eq!(d["attributed_incidents"], 4);
    assert_eq!(d["unattributable_incidents"], 2);

    let a = &r["attribution"];
    assert_eq!(
        (
            a["incidents"].as_u64(),
            a["explicit"].as_u64(),
            a["window"].as_u64()
        ),
        (Some(6), Some(3), Some(1))
    );
    assert_eq!(a["unattributable"], 2);
    assert_eq!(a["linked_to_uncounted"], 0);
    assert!(r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "unattributable_incidents"));
    assert_eq!(r["records"]["deployments_outside_period"], 1);
    assert_eq!(r["records"]["deployments_not_production"], 1);
    assert_eq!(r["records"]["releases_outside_period"], 1);

    let i = &r["kpis"]["itil"];
    assert_eq!(i["releases"], 8);
    close(&i["release_success_rate"]["value"], 6.0 / 7.0);
    close(&i["rollback_rate"]["value"], 1.0 / 7.0);
    close(&i["emergency_release_ratio"]["value"], 0.125);
    close(&i["on_schedule_rate"]["value"], 4.0 / 6.0);
    close(&i["uat_pass_rate"]["value"], 0.8);
    close(&i["incidents_per_release"]["value"], 0.625);
    close(&i["pir_share"]["value"], 5.0 / 7.0);
    close(&i["knowledge_article_share"]["value"], 0.25);

    let s = &i["time_in_state"];
    close(&s["planning"]["median_secs"], 86400.0);
    close(&s["planning"]["mean_secs"], 72000.0);
    close(&s["development"]["median_secs"], 302400.0);
    close(&s["development"]["p90_secs"], 406080.0);
    close(&s["testing"]["median_secs"], 172800.0);
    close(&s["approval"]["median_secs"], 129600.0);
    close(&s["approval"]["mean_secs"], 93600.0);
    close(&s["deployment"]["median_secs"], 122400.0);
    close(&s["deployment"]["p90_secs"], 375840.0);
    assert_eq!(s["review"]["count"], 2);
    close(&s["review"]["median_secs"], 129600.0);
    close(&s["review"]["p90_secs"], 164160.0);
}

// Weekly series (UTC, Monday): W1 D1..D8 without D7 = 7 deployments, one
// failure (D3) → 1/7; W2 D9..D15 = 7, failures D9, D10, D13 → 3/7; W3
// D16..D21 = 6, failures D17, D21 → 2/6. W2 leads 1800, 3600, 7200,
// 32400, 86400, 259200 → even-count median (7200 + 32400)/2 = 19800.
// Unattributable: I5 (11-15) in W2, I6 (11-19) in W3.
#[test]
fn weekly_series_of_the_hand_built_history() {
    let r = report(&three_weeks());
    let series = r["series"].as_array().unwrap();
    let buckets: Vec<&str> = series
        .iter()
        .map(|b| b["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["2026-11-02", "2026-11-09", "2026-11-16"]);
    let cfr: Vec<(u64, u64)> = series
        .iter()
        .map(|b| {
            let rate = &b["kpis"]["dora"]["change_failure_rate"]["rate"];
            (
                rate["numerator"].as_u64().unwrap(),
                rate["denominator"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(cfr, [(1, 7), (3, 7), (2, 6)]);
    close(
        &series[1]["kpis"]["dora"]["lead_time"]["stats"]["median_secs"],
        19800.0,
    );
    let loose: Vec<u64> = series
        .iter()
        .map(|b| {
            b["kpis"]["dora"]["unattributable_incidents"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(loose, [0, 1, 1]);
    // Releases by deployed_at: W1 R1, R2, R3; W2 R4, R5, R6; W3 R7, R8.
    let releases: Vec<u64> = series
        .iter()
        .map(|b| b["kpis"]["itil"]["releases"].as_u64().unwrap())
        .collect();
    assert_eq!(releases, [3, 3, 2]);
}

// Monthly: the period lies in November only.
#[test]
fn monthly_series() {
    let r = report(&KpiOptions {
        series: Some(SeriesInterval::Month),
        ..three_weeks()
    });
    let series = r["series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["bucket"], "2026-11");
    assert_eq!(series[0]["first_day"], "2026-11-02");
    assert_eq!(series[0]["last_day"], "2026-11-22");
    assert_eq!(series[0]["kpis"]["dora"]["production_deployments"], 20);
}

// By service: checkout D1, D3, D4, D6, D8, D12, D13, D14, D16, D17, D19 =
// 11, failures D3, D13, D17 → 3/11; search D2, D5, D9, D10, D11, D15, D18,
// D20, D21 = 9, failures D9, D10, D21 → 3/9. Unattributable per service:
// I6 (search) → search 1, checkout 0 (I5 has no service).
#[test]
fn grouped_by_service_and_environment() {
    let r = report(&KpiOptions {
        group_by: Some(KpiGroupBy::Service),
        ..three_weeks()
    });
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["key"], "checkout");
    let c = &groups[0]["kpis"]["dora"];
    assert_eq!(c["change_failure_rate"]["rate"]["numerator"], 3);
    assert_eq!(c["change_failure_rate"]["rate"]["denominator"], 11);
    assert_eq!(c["unattributable_incidents"], 0);
    assert_eq!(groups[1]["key"], "search");
    let s = &groups[1]["kpis"]["dora"];
    assert_eq!(s["change_failure_rate"]["rate"]["numerator"], 3);
    assert_eq!(s["change_failure_rate"]["rate"]["denominator"], 9);
    assert_eq!(s["unattributable_incidents"], 1);
    // Releases: checkout R1, R3, R5, R7; search R2, R4, R6, R8.
    assert_eq!(groups[0]["kpis"]["itil"]["releases"], 4);
    assert_eq!(groups[1]["kpis"]["itil"]["releases"], 4);

    let r = report(&KpiOptions {
        group_by: Some(KpiGroupBy::Team),
        ..three_weeks()
    });
    let keys = group_keys(&r);
    assert_eq!(
        keys,
        ["discovery", "discovery-team", "payments", "payments-team"]
    );
}

#[test]
fn explicit_attribution_only_leaves_window_incidents_unattributed() {
    let r = report(&KpiOptions {
        incident_attribution: Some(relman::policy::IncidentAttribution::Explicit),
        ..three_weeks()
    });
    // I4 is no longer attributed to D9: failures 5/20, unattributable 3.
    assert_eq!(r["attribution"]["unattributable"], 3);
    assert_eq!(r["attribution"]["window"], 0);
    assert_eq!(
        r["kpis"]["dora"]["change_failure_rate"]["rate"]["numerator"],
        5
    );
}

#[test]
fn empty_history_gives_null_with_reasons() {
    let r =
        serde_json::to_value(compute_kpis(&History::default(), &three_weeks()).unwrap()).unwrap();
    let d = &r["kpis"]["dora"];
    assert_eq!(d["change_failure_rate"]["rate"]["value"], Value::Null);
    assert!(d["change_failure_rate"]["rate"]["reason"].is_string());
    assert_eq!(d["lead_time"]["stats"]["median_secs"], Value::Null);
    assert!(d["lead_time"]["stats"]["reason"].is_string());
    close(&d["deployment_frequency"]["per_day"], 0.0);
    assert_eq!(
        r["kpis"]["itil"]["release_success_rate"]["value"],
        Value::Null
    );
    // No period bounds and no records: no frequency at all.
    let r =
        serde_json::to_value(compute_kpis(&History::default(), &KpiOptions::default()).unwrap())
            .unwrap();
    assert_eq!(
        r["kpis"]["dora"]["deployment_frequency"]["per_day"],
        Value::Null
    );
    assert!(r["kpis"]["dora"]["deployment_frequency"]["reason"].is_string());
}

/// One production deployment at 2026-11-01T23:30:00Z (a Sunday in UTC,
/// Monday 08:30 in Tokyo).
fn late_night() -> History {
    serde_json::from_value(json!({"deployments": [{
        "id": "D", "service": "s", "environment": "production",
        "finished_at": "2026-11-01T23:30:00Z", "outcome": "success"
    }]}))
    .unwrap()
}

fn single_bucket(options: KpiOptions) -> (String, String) {
    let r = compute_kpis(&late_night(), &options).unwrap();
    assert_eq!(r.series.len(), 1);
    (
        r.series[0].bucket.clone(),
        r.period.first_day.clone().unwrap(),
    )
}

#[test]
fn time_zone_moves_a_late_deployment_to_another_day_and_week() {
    // UTC: Sunday 2026-11-01, in the Monday week of 2026-10-26.
    assert_eq!(
        single_bucket(KpiOptions::default()),
        ("2026-10-26".to_string(), "2026-11-01".to_string())
    );
    // Tokyo (+09:00): Monday 2026-11-02, a new week.
    assert_eq!(
        single_bucket(KpiOptions {
            time_zone: Some("Asia/Tokyo".into()),
            ..KpiOptions::default()
        }),
        ("2026-11-02".to_string(), "2026-11-02".to_string())
    );
}

#[test]
fn week_start_changes_the_weekly_series() {
    // Deployments on Sat 11-07, Sun 11-08 and Mon 11-09 (UTC).
    let h: History = serde_json::from_value(json!({"deployments": [
        {"id": "a", "service": "s", "environment": "production", "finished_at": "2026-11-07T12:00:00Z", "outcome": "success"},
        {"id": "b", "service": "s", "environment": "production", "finished_at": "2026-11-08T12:00:00Z", "outcome": "success"},
        {"id": "c", "service": "s", "environment": "production", "finished_at": "2026-11-09T12:00:00Z", "outcome": "success"}
    ]}))
    .unwrap();
    let series = |week_start| {
        let r = compute_kpis(
            &h,
            &KpiOptions {
                week_start: Some(week_start),
                ..KpiOptions::default()
            },
        )
        .unwrap();
        r.series
            .iter()
            .map(|b| (b.bucket.clone(), b.kpis.dora.production_deployments))
            .collect::<Vec<_>>()
    };
    // Monday weeks: {Sat, Sun} in the week of 11-02, Mon in the week of 11-09.
    assert_eq!(
        series(Weekday::Mon),
        [("2026-11-02".to_string(), 2), ("2026-11-09".to_string(), 1)]
    );
    // Sunday weeks: Sat in the week of 11-01, {Sun, Mon} in the week of 11-08.
    assert_eq!(
        series(Weekday::Sun),
        [("2026-11-01".to_string(), 1), ("2026-11-08".to_string(), 2)]
    );
}

#[test]
fn time_zone_of_the_policy_applies_unless_overridden() {
    let policy = KpiPolicy {
        time_zone: "Asia/Tokyo".into(),
        ..KpiPolicy::default()
    };
    let r = compute_kpis_with(&late_night(), &policy, &KpiOptions::default()).unwrap();
    assert_eq!(r.series[0].bucket, "2026-11-02");
    let r = compute_kpis_with(
        &late_night(),
        &policy,
        &KpiOptions {
            time_zone: Some("UTC".into()),
            ..KpiOptions::default()
        },
    )
    .unwrap();
    assert_eq!(r.series[0].bucket, "2026-10-26");
}

// ---------------------------------------------------------------------------
// Bad input: codes and paths.
// ---------------------------------------------------------------------------

fn error_of(result: relman::Result<KpiReport>) -> (ErrorCode, String) {
    let err = result.unwrap_err();
    (err.code(), err.path().unwrap_or_default().to_string())
}

#[test]
fn deployment_finishing_before_it_started() {
    let h: History = serde_json::from_value(json!({"deployments": [
        {"id": "ok", "service": "s", "environment": "production", "finished_at": "2026-11-07T12:00:00Z", "outcome": "success"},
        {"id": "bad", "service": "s", "environment": "production", "started_at": "2026-11-07T12:00:00Z",
         "finished_at": "2026-11-07T11:00:00Z", "outcome": "success"}
    ]}))
    .unwrap();
    assert_eq!(
        error_of(compute_kpis(&h, &KpiOptions::default())),
        (ErrorCode::InvalidInput, "deployments[1].finished_at".into())
    );
}

#[test]
fn incident_resolved_before_created() {
    let h: History = serde_json::from_value(json!({"incidents": [
        {"id": "i", "created_at": "2026-11-07T12:00:00Z", "resolved_at": "2026-11-07T11:00:00Z"}
    ]}))
    .unwrap();
    assert_eq!(
        error_of(compute_kpis(&h, &KpiOptions::default())),
        (ErrorCode::InvalidInput, "incidents[0].resolved_at".into())
    );
}

#[test]
fn unknown_outcome() {
    let err = relman::parse::<History>(
        r#"{"deployments": [{"id": "d", "service": "s", "environment": "production",
            "finished_at": "2026-11-07T12:00:00Z", "outcome": "exploded"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.path(), Some("deployments[0].outcome"));
}

#[test]
fn from_after_to() {
    let options = KpiOptions {
        from: Some(ts("2026-11-23T00:00:00Z")),
        to: Some(ts("2026-11-02T00:00:00Z")),
        ..KpiOptions::default()
    };
    assert_eq!(
        error_of(compute_kpis(&history(), &options)),
        (ErrorCode::InvalidInput, "options.to".into())
    );
    // The same in the policy is an invalid policy.
    let policy = KpiPolicy {
        period_from: Some(ts("2026-11-23T00:00:00Z")),
        period_to: Some(ts("2026-11-02T00:00:00Z")),
        ..KpiPolicy::default()
    };
    assert_eq!(
        error_of(compute_kpis_with(
            &history(),
            &policy,
            &KpiOptions::default()
        )),
        (ErrorCode::InvalidPolicy, "kpi.period_to".into())
    );
    let err = relman::parse::<relman::Policy>(
        r#"{"kpi": {"period_from": "2026-11-23T00:00:00Z", "period_to": "2026-11-02T00:00:00Z"}}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidPolicy);
    assert_eq!(err.path(), Some("kpi.period_to"));
}

#[test]
fn unknown_time_zone() {
    let options = KpiOptions {
        time_zone: Some("Mars/Olympus_Mons".into()),
        ..KpiOptions::default()
    };
    assert_eq!(
        error_of(compute_kpis(&history(), &options)),
        (ErrorCode::InvalidInput, "options.time_zone".into())
    );
    let policy = KpiPolicy {
        time_zone: "Mars/Olympus_Mons".into(),
        ..KpiPolicy::default()
    };
    assert_eq!(
        error_of(compute_kpis_with(
            &history(),
            &policy,
            &KpiOptions::default()
        )),
        (ErrorCode::InvalidPolicy, "kpi.time_zone".into())
    );
}

#[test]
fn records_outside_the_period_are_ignored_not_errors() {
    // A bad-looking but valid far-past deployment is simply left out.
    let options = KpiOptions {
        from: Some(ts("2026-11-10T00:00:00Z")),
        to: Some(ts("2026-11-11T00:00:00Z")),
        ..KpiOptions::default()
    };
    let r = compute_kpis(&history(), &options).unwrap();
    // 11-10: D10 (rolled back) and D11 (rework).
    assert_eq!(r.kpis.dora.production_deployments, 2);
    assert_eq!(r.records.deployments_outside_period, 20);
    assert_eq!(r.records.incidents_outside_period, 6);
}

#[test]
fn duplicate_deployment_ids_across_slices() {
    let h = history();
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &three_weeks()).unwrap();
    let mut a = KpiAccumulator::new(settings.clone()).unwrap();
    a.add_deployments(&h.deployments[1..3]).unwrap();
    let mut b = KpiAccumulator::new(settings).unwrap();
    b.add_deployments(&h.deployments[2..4]).unwrap();
    a.merge(b).unwrap();
    let err = a.finish().unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.path(), Some("deployments"));
}

#[test]
fn merging_different_settings_is_refused() {
    let a = KpiSettings::resolve(&KpiPolicy::default(), &KpiOptions::default()).unwrap();
    let b = KpiSettings::resolve(&KpiPolicy::default(), &three_weeks()).unwrap();
    let mut a = KpiAccumulator::new(a).unwrap();
    let err = a.merge(KpiAccumulator::new(b).unwrap()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}

#[test]
fn record_by_record_and_slices_equal_the_whole() {
    let h = history();
    let options = KpiOptions {
        group_by: Some(KpiGroupBy::Service),
        ..three_weeks()
    };
    let whole = compute_kpis(&h, &options).unwrap();
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &options).unwrap();

    // One by one, releases first and deployments backwards.
    let mut one = KpiAccumulator::new(settings.clone()).unwrap();
    for r in &h.releases {
        one.add_release(r);
    }
    for d in h.deployments.iter().rev() {
        one.add_deployment(d).unwrap();
    }
    for i in &h.incidents {
        one.add_incident(i).unwrap();
    }
    assert_eq!(one.finish().unwrap(), whole);

    // Three shards merged.
    let mut shards: Vec<KpiAccumulator> = (0..3)
        .map(|_| KpiAccumulator::new(settings.clone()).unwrap())
        .collect();
    for (k, d) in h.deployments.iter().enumerate() {
        shards[k % 3].add_deployment(d).unwrap();
    }
    for (k, i) in h.incidents.iter().enumerate() {
        shards[(k + 1) % 3].add_incident(i).unwrap();
    }
    for (k, r) in h.releases.iter().enumerate() {
        shards[(k + 2) % 3].add_release(r);
    }
    let mut merged = shards.pop().unwrap();
    for s in shards {
        merged.merge(s).unwrap();
    }
    assert_eq!(merged.finish().unwrap(), whole);
}
