//! Fixtures for the relman benchmarks: realistic documents of a given size,
//! generated deterministically so every run measures the same input.

pub mod conflicts;
pub mod e2e;
pub mod prepared;

use serde_json::{json, Value};

pub mod kpi;
pub mod kpi_baselines;
pub mod risk;
pub mod servicenow;

/// The `i`-th item of `list`, cycling.
fn pick<'a>(list: &[&'a str], i: usize) -> &'a str {
    list.get(i % list.len().max(1)).copied().unwrap_or_default()
}

/// A minor release with `changes` changes (3 CIs each), 5 test runs and
/// `approvals` approvals, as a JSON value.
pub fn release(changes: usize, approvals: usize) -> Value {
    let changes: Vec<Value> = (0..changes)
        .map(|i| {
            json!({
                "id": format!("CHG{i:05}"),
                "kind": if i % 3 == 0 { "standard" } else { "normal" },
                "summary": format!("Change number {i} of the checkout service"),
                "category": pick(&["feature", "fix", "security"], i),
                "affected_cis": [format!("web-{}", i % 7), format!("app-{}", i % 5), "db-1"],
                "implementer": format!("dev{}", i % 9),
                "approved": true,
                "committed_at": "2026-11-02T10:00:00Z",
                "links": {"problems": [format!("PRB{i}")]},
                "u_custom": {"team": "web", "points": i}
            })
        })
        .collect();
    let approvals: Vec<Value> = (0..approvals)
        .map(|i| {
            json!({
                "approver": format!("cab{i}"),
                "role": if i == 0 { "product_owner" } else { "cab" },
                "decision": "approved",
                "at": "2026-11-10T12:00:00+01:00",
                "comment": "looks good"
            })
        })
        .collect();
    let tests: Vec<Value> = ["unit", "integration", "performance", "security", "uat"]
        .iter()
        .map(|k| json!({"kind": k, "passed": 500, "failed": 0, "skipped": 3, "signed_off_by": "qa1"}))
        .collect();
    json!({
        "schema_version": 1,
        "id": "RLSE0001",
        "title": "Checkout 4.2",
        "version": "4.2.0",
        "kind": "minor",
        "state": "approval",
        "owner": "alice",
        "team": ["bob", "dev1"],
        "planned_start": "2026-11-20T22:00:00Z",
        "planned_end": "2026-11-21T02:00:00Z",
        "scope": "Checkout redesign",
        "changes": changes,
        "services": ["checkout"],
        "environments": ["staging", "production"],
        "rollback_plan": {"documented": true, "tested": true, "estimated_secs": 900},
        "tests": tests,
        "approvals": approvals
    })
}

/// A history with `deployments` deployments over three services and one
/// incident per ten deployments, as a JSON value.
pub fn history(deployments: usize) -> Value {
    let services = ["checkout", "catalog", "payments"];
    let deps: Vec<Value> = (0..deployments)
        .map(|i| {
            let day = i / 10;
            json!({
                "id": format!("D{i}"),
                "service": pick(&services, i),
                "environment": if i % 2 == 0 { "production" } else { "staging" },
                "started_at": format!("2026-{:02}-{:02}T10:00:00Z", 1 + (day / 28) % 12, 1 + day % 28),
                "finished_at": format!("2026-{:02}-{:02}T10:20:00Z", 1 + (day / 28) % 12, 1 + day % 28),
                "outcome": if i % 11 == 0 { "failed" } else { "success" },
                "kind": if i % 13 == 0 { "hotfix" } else { "planned" },
                "changes": [{"id": format!("c{i}"), "committed_at": "2025-12-30T08:00:00Z"}]
            })
        })
        .collect();
    let incidents: Vec<Value> = (0..deployments / 10)
        .map(|i| {
            json!({
                "id": format!("INC{i}"),
                "service": pick(&services, i),
                "created_at": "2026-01-01T11:00:00Z",
                "resolved_at": "2026-01-01T12:00:00Z",
                "caused_by": format!("D{}", i * 10)
            })
        })
        .collect();
    json!({"deployments": deps, "incidents": incidents})
}

/// An actor directory for `release(…)`: the owner `alice`, release team
/// `bob` and `dev0`…`dev8`, QA `qa1`, product owner `cab0`'s namesake roles,
/// and CAB members `cab0`…`cab{cab-1}`.
pub fn context(cab: usize) -> Value {
    let mut actors = vec![
        json!({"id": "alice", "roles": ["release_manager"]}),
        json!({"id": "bob", "roles": ["release_team"]}),
        json!({"id": "qa1", "roles": ["qa"]}),
    ];
    actors.extend((0..9).map(|i| json!({"id": format!("dev{i}"), "roles": ["release_team"]})));
    actors.extend(
        (0..cab).map(|i| json!({"id": format!("cab{i}"), "roles": ["cab", "product_owner"]})),
    );
    json!({"actors": actors, "now": "2026-11-15T09:00:00Z"})
}

/// A deterministic pseudo-random stream (SplitMix64), so fixtures need no
/// random-number crate and every run sees the same samples.
pub struct SplitMix(u64);

impl SplitMix {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// The next value in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Canary-judge samples: `metrics` metrics with `n` samples each for the
/// baseline and the canary. Latency-like metrics (log-normal-ish, rounded
/// to 0.1 ms, so with ties) for most, error counts (mostly zero) for every
/// fifth; the canary is 2% slower on every third metric.
pub fn canary_samples(metrics: usize, n: usize, seed: u64) -> (Value, Value) {
    let mut rng = SplitMix::new(seed);
    let mut base = serde_json::Map::new();
    let mut canary = serde_json::Map::new();
    for m in 0..metrics {
        let name = format!("metric_{m:02}");
        let errors = m % 5 == 4;
        let shift = if m % 3 == 0 { 1.02 } else { 1.0 };
        let mut side = |scale: f64| -> Vec<f64> {
            (0..n)
                .map(|_| {
                    let u = rng.next_f64();
                    if errors {
                        if u < 0.01 {
                            1.0
                        } else {
                            0.0
                        }
                    } else {
                        let v = 100.0 * (0.35 * (u * 6.0 - 3.0)).exp() * scale;
                        (v * 10.0).round() / 10.0
                    }
                })
                .collect()
        };
        base.insert(name.clone(), json!(side(1.0)));
        canary.insert(name, json!(side(shift)));
    }
    (Value::Object(base), Value::Object(canary))
}

/// A command by `actor` at `at` from its JSON form (`{"command": …}`).
fn command(actor: &str, at: &str, mut c: Value) -> Result<relman::Command, relman::Error> {
    if let Some(o) = c.as_object_mut() {
        o.insert("actor".into(), json!(actor));
        o.insert("at".into(), json!(at));
    }
    serde_json::from_value(c).map_err(|e| relman::Error::invalid_input("command", e.to_string()))
}

/// [`release`]`(changes, …)` as a planning document with an empty log —
/// no votes (a planning release cannot carry any), its five test runs
/// still there (the genesis seals them as they stand) — and the parsed
/// [`context`]`(cab)` with a policy whose readiness needs no CMDB.
pub fn lifecycle_planning(
    changes: usize,
    cab: usize,
) -> Result<(relman::Release, relman::Context), relman::Error> {
    let mut doc = release(changes, 0);
    if let Some(o) = doc.as_object_mut() {
        o.insert("state".into(), json!("planning"));
        o.remove("approvals");
    }
    let r: relman::Release = relman::from_value(doc)?.document;
    let mut ctx = context(cab);
    // The lifecycle benches measure `check` with the risk assessed and no
    // CMDB (the risk area measures the CMDB cost): readiness is told not to
    // require one, or the release would never be ready.
    if let Some(o) = ctx.as_object_mut() {
        o.insert(
            "policy".into(),
            json!({"lifecycle": {"readiness": {"cmdb_when_blast_radius": false}}}),
        );
    }
    let ctx: relman::Context = relman::from_value(ctx)?.document;
    Ok((r, ctx))
}

/// The commands that take a [`lifecycle_planning`] release to approval and
/// approve it there with `approvals` votes: `advance` ×3 by the owner
/// `alice`, then one `approve` in the CAB role by each of `cab0`…
/// `cab{approvals-1}` — so `3 + approvals` commands.
pub fn lifecycle_approval_steps(approvals: usize) -> Result<Vec<relman::Command>, relman::Error> {
    let mut steps = Vec::with_capacity(approvals.saturating_add(3));
    for _ in 0..3 {
        steps.push(command(
            "alice",
            "2026-11-05T10:00:00Z",
            json!({"command": "advance"}),
        )?);
    }
    for i in 0..approvals {
        steps.push(command(
            &format!("cab{i}"),
            "2026-11-10T12:00:00+01:00",
            json!({"command": "approve", "role": "cab", "comment": "looks good"}),
        )?);
    }
    Ok(steps)
}

/// A release of [`release`]`(changes, approvals)` in approval with its
/// record present, and the parsed [`context`]`(approvals)` — ready for
/// `check`. Built genuinely: the [`lifecycle_planning`] document walked
/// by real `apply` calls ([`lifecycle_approval_steps`]), so its log holds
/// `3 + approvals` chained events, the genesis sealing the fields and the
/// test runs, and every vote comes from an `approve` event.
pub fn lifecycle_fixture(
    changes: usize,
    approvals: usize,
) -> Result<(relman::Release, relman::Context), relman::Error> {
    let (mut r, ctx) = lifecycle_planning(changes, approvals)?;
    for step in lifecycle_approval_steps(approvals)? {
        r = relman::apply(&r, &step, &ctx)?.release;
    }
    Ok((r, ctx))
}

/// The eleven commands that take a [`lifecycle_planning`] release from
/// planning to closed: three CAB approvals by `cab0`…`cab2`; the
/// deployment started by the owner and completed by `bob`, neither of whom
/// approved (`sod.approver_deployment`). Every command is dated inside the
/// approved window of [`release`] (22:00–02:00 UTC), where
/// `deployment.window` lets the deployment start.
pub fn lifecycle_steps() -> Result<Vec<relman::Command>, relman::Error> {
    [
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("qa1", json!({"command": "record_tests", "tests": [{"kind": "unit", "passed": 10, "failed": 0}]})),
        ("alice", json!({"command": "advance"})),
        ("cab0", json!({"command": "approve", "role": "cab"})),
        ("cab1", json!({"command": "approve", "role": "cab"})),
        ("cab2", json!({"command": "approve", "role": "cab"})),
        ("alice", json!({"command": "start_deployment"})),
        ("bob", json!({"command": "complete_deployment", "outcome": "success"})),
        ("alice", json!({"command": "complete_review", "summary": "ok"})),
        ("alice", json!({"command": "close"})),
    ]
    .into_iter()
    .map(|(actor, c)| command(actor, "2026-11-20T23:00:00Z", c))
    .collect()
}

/// The naive canary judge of one metric (the rollout baseline): U by
/// counting every pair, the Hodges–Lehmann shift and the Moses interval
/// from every pairwise difference, materialised and sorted. Returns
/// (U, shift, lower, upper); NaN when a side is empty.
pub fn naive_judge_one(x: &[f64], y: &[f64]) -> (f64, f64, f64, f64) {
    let mut u = 0.0;
    let mut d = Vec::with_capacity(x.len() * y.len());
    for a in x {
        for b in y {
            if b > a {
                u += 1.0;
            } else if b == a {
                u += 0.5;
            }
            d.push(b - a);
        }
    }
    d.sort_unstable_by(f64::total_cmp);
    let n = d.len();
    let at = |k: usize| d.get(k).copied().unwrap_or(f64::NAN);
    let hl = if n % 2 == 1 {
        at(n / 2)
    } else {
        (at((n / 2).wrapping_sub(1)) + at(n / 2)) / 2.0
    };
    let half =
        (1.96 * ((x.len() * y.len() * (x.len() + y.len() + 1)) as f64 / 12.0).sqrt()) as usize;
    let c = (n / 2).saturating_sub(half).max(1);
    (u, hl, at(c - 1), at(n.saturating_sub(c)))
}

/// FNV-1a, 64 bits, as an `io::Write` sink: hashes a value's JSON text as
/// it is written, so a digest of a large output needs no buffer.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for b in buf {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The FNV-1a hash of `value`'s JSON text (`serde_json::to_writer`), in
/// hex: equal digests, equal outputs (the one-core / two-core check).
pub fn digest<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    serde_json::to_writer(&mut h, value)?;
    Ok(format!("{:016x}", h.0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn digest_is_fnv1a_of_the_json_text() {
        // FNV-1a 64 of "1", as bench-headlines computes it.
        assert_eq!(digest(&1).unwrap(), "af63ac4c86019afc");
        assert_ne!(
            digest(&json!({"a": 1})).unwrap(),
            digest(&json!({"a": 2})).unwrap()
        );
    }

    #[test]
    fn a_cold_stand_in_says_so() {
        use prepared::{CheckPrepared, ConflictsPrepared, Kind, RiskPrepared};
        for k in [
            CheckPrepared::KIND,
            RiskPrepared::KIND,
            ConflictsPrepared::KIND,
        ] {
            assert_eq!(k.is_prepared(), !k.label().starts_with("cold"));
        }
        assert!(!Kind::Cold("cold (no prepared API yet)").is_prepared());
    }
}
