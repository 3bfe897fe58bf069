//! The common row — every value present and valid, times as timestamps,
//! within the limits — is read in place into the accumulator; every other
//! row takes the general path (a `DeploymentRecord` or `Incident` built and
//! checked). Times written as RFC 3339 text always take the general path,
//! so the same tables with timestamp columns and with text columns must
//! give the same report, or the same error (code, path and message), for
//! any rows: generated here by the thousand, with bad values, nulls,
//! sub-second times and limits mixed in.

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::limits::Limits;
use relman::policy::{KpiGroupBy, KpiPolicy};
use relman::{KpiOptions, KpiSettings};
use relman_arrow::arrow::datatypes::TimeUnit;
use relman_arrow::ArrowHistory;
use serde_json::{json, Value};

#[path = "support/columnar.rs"]
#[allow(dead_code)]
mod columnar;
use columnar::Times;

/// A small deterministic generator (SplitMix64); `faults` scales the odds
/// of bad values (a history with rare faults reads through).
struct Rng(u64, u64);

impl Rng {
    /// A bad value, once in `n · faults` times.
    fn fault(&mut self, n: u64) -> bool {
        let n = n.saturating_mul(self.1);
        self.one_in(n)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True once in `n` times.
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const BASE: i64 = 1_793_000_000;

/// A time as relman writes a UTC instant (`Z`, sub-second digits only
/// when present): what the timestamp columns give back in messages.
fn time(at: i64, rng: &mut Rng) -> String {
    let millis = if rng.one_in(4) { 250 } else { 0 };
    let t = chrono::DateTime::from_timestamp(at, millis * 1_000_000).unwrap();
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `value`, or (a fault) null.
fn maybe(value: Value, one_in: u64, rng: &mut Rng) -> Value {
    if rng.fault(one_in) {
        Value::Null
    } else {
        value
    }
}

fn history(rng: &mut Rng) -> Value {
    rng.1 = if rng.one_in(2) { 1 } else { 1_000 };
    let n = 1 + rng.below(14);
    let mut deployments = Vec::new();
    for k in 0..n {
        let finished = BASE + rng.below(30 * 86_400) as i64;
        let mut d = json!({
            "id": if rng.fault(40) { rng.pick(&["", " "]).to_string() } else if rng.fault(30) { "d0".into() } else { format!("d{k}") },
            "service": maybe(json!(rng.pick(&["pay", "web", "a-rather-long-service"])), 60, rng),
            "environment": maybe(json!(rng.pick(&["production", "production", "staging"])), 60, rng),
            "finished_at": maybe(json!(time(finished, rng)), 80, rng),
            "outcome": maybe(json!(if rng.fault(40) { rng.pick(&["Success", "huge"]) } else { rng.pick(&["success", "success", "success_with_issues", "failed", "rolled_back"]) }), 80, rng),
        });
        if rng.one_in(2) {
            d["kind"] = maybe(
                json!(if rng.fault(20) {
                    "replanned"
                } else {
                    rng.pick(&["planned", "emergency", "hotfix", "rework"])
                }),
                4,
                rng,
            );
        }
        if rng.one_in(2) {
            d["team"] = if rng.one_in(3) {
                Value::Null
            } else {
                json!(rng.pick(&["core", "a-rather-long-team"]))
            };
        }
        if rng.one_in(3) {
            d["release_id"] = json!(rng.pick(&["R1", "R2"]));
        }
        if rng.one_in(2) {
            // Now and then a fraction of a second after the finish.
            let started = if rng.fault(15) {
                time(finished, rng)
            } else {
                time(finished - rng.below(7_200) as i64 - 1, rng)
            };
            d["started_at"] = json!(started);
        }
        if !rng.one_in(5) {
            let changes: Vec<Value> = (0..rng.below(4))
                .map(|_| {
                    let mut c = json!({"id": maybe(json!(format!("c{}", rng.below(12))), 50, rng)});
                    if !rng.one_in(5) {
                        c["committed_at"] =
                            json!(time(finished - rng.below(10 * 86_400) as i64, rng));
                    }
                    c
                })
                .collect();
            d["changes"] = json!(changes);
        }
        if rng.one_in(3) {
            let cis: Vec<Value> = (0..rng.below(3))
                .map(|_| maybe(json!(rng.pick(&["ci-db", "ci-a-long-name"])), 40, rng))
                .collect();
            d["cis"] = json!(cis);
        }
        deployments.push(d);
    }
    let incidents: Vec<Value> = (0..rng.below(8))
        .map(|k| {
            let created = BASE + rng.below(30 * 86_400) as i64;
            let mut i = json!({
                "id": if rng.fault(40) { String::new() } else { format!("i{k}") },
                "created_at": maybe(json!(time(created, rng)), 80, rng),
            });
            if !rng.one_in(3) {
                i["service"] = json!(rng.pick(&["pay", "web", "a-rather-long-service"]));
            }
            if rng.one_in(2) {
                i["severity"] = json!(rng.pick(&["sev1", "sev2"]));
            }
            if !rng.one_in(4) {
                // Now and then a fraction of a second before the creation.
                i["resolved_at"] = if rng.fault(15) {
                    json!(time(created - 1, rng))
                } else {
                    json!(time(created + rng.below(86_400) as i64, rng))
                };
            }
            if rng.one_in(2) {
                i["caused_by"] = json!(format!("d{}", rng.below(n + 2)));
            }
            i
        })
        .collect();
    json!({"deployments": deployments, "incidents": incidents})
}

fn limits(rng: &mut Rng) -> Limits {
    match rng.below(5) {
        0 => Limits {
            max_string_bytes: 12,
            ..Limits::DEFAULT
        },
        1 => Limits {
            max_items: 2,
            ..Limits::DEFAULT
        },
        2 => Limits {
            max_cis: 1,
            ..Limits::DEFAULT
        },
        _ => Limits::DEFAULT,
    }
}

/// The report, or the first error as (code, path, message).
fn read(h: &Value, mode: Times, options: &KpiOptions, limits: Limits) -> Value {
    let settings = KpiSettings::resolve(&KpiPolicy::default(), options).unwrap();
    let mut r = ArrowHistory::new(settings, limits).unwrap();
    let result = r
        .push_deployments(&columnar::deployments(h, mode))
        .and_then(|()| r.push_incidents(&columnar::incidents(h, mode)))
        .and_then(|()| r.finish());
    match result {
        Ok(report) => serde_json::to_value(report).unwrap(),
        Err(e) => {
            let body = e.to_body();
            json!({"code": body.code.as_str(), "path": body.path, "message": body.message})
        }
    }
}

#[test]
fn timestamp_columns_read_in_place_equal_the_general_path() {
    let mut rng = Rng(25, 1);
    let (mut reports, mut errors) = (0, 0);
    for case in 0..1_500 {
        let h = history(&mut rng);
        let limits = limits(&mut rng);
        let options = if rng.one_in(3) {
            KpiOptions {
                from: Some("2026-10-26T00:00:00Z".parse().unwrap()),
                group_by: Some(KpiGroupBy::Team),
                ..KpiOptions::default()
            }
        } else {
            KpiOptions::default()
        };
        let general = read(&h, Times::Text, &options, limits.clone());
        for unit in [
            TimeUnit::Millisecond,
            TimeUnit::Microsecond,
            TimeUnit::Nanosecond,
        ] {
            let in_place = read(&h, Times::Unit(unit), &options, limits.clone());
            assert_eq!(in_place, general, "case {case}, {unit:?}: {h}");
        }
        if general.get("code").is_some() {
            errors += 1;
        } else {
            reports += 1;
        }
    }
    // Both outcomes are exercised in quantity.
    assert!(
        reports > 300 && errors > 300,
        "{reports} reports, {errors} errors"
    );
}
