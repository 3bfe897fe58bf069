//! Deterministic KPI fixtures: `n` deployments (1–3 changes each; the
//! changes of a failed or rolled-back deployment ship again with the next
//! one) over 50 services and one year, and `m` incidents (70 % linked by
//! `caused_by`, the rest attributed by service and time window). Every
//! record depends only on its index, so the data can be generated in
//! slices of any size and always comes out the same.

use relman::Timestamp;
use relman::{CommitRef, DeploymentKind, DeploymentRecord, Extra, History, Incident, Outcome};

/// 2026-01-05T00:00:00Z, a Monday.
pub const BASE: i64 = 1_767_571_200;
/// The span the records cover: one year.
pub const SPAN: i64 = 365 * 86_400;

/// SplitMix64: a well-mixed 64-bit value for an index.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_utc(chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default())
}

/// A compact description of deployment `i` of `n`, shared by the relman
/// records, the CSV files for pandas and the SQLite tables.
#[derive(Debug, Clone)]
pub struct Dep {
    /// `d{i}`.
    pub id: String,
    /// `svc0` … `svc49`.
    pub service: String,
    /// `production` (90 %) or `staging`.
    pub env: &'static str,
    /// Unix seconds.
    pub finished: i64,
    /// Outcome as the documents write it.
    pub outcome: &'static str,
    /// Kind as the documents write it.
    pub kind: &'static str,
    /// `team0` … `team9`.
    pub team: String,
    /// (change id, committed_at unix seconds or none).
    pub changes: Vec<(String, Option<i64>)>,
}

fn outcome_of(i: u64) -> &'static str {
    match (mix(i) >> 24) % 100 {
        0..80 => "success",
        80..85 => "success_with_issues",
        85..95 => "failed",
        _ => "rolled_back",
    }
}

fn finish_of(i: u64, n: u64) -> i64 {
    let step = SPAN as f64 / n.max(1) as f64;
    BASE + (i as f64 * step) as i64 + (mix(i) >> 16) as i64 % 600
}

fn own_changes(i: u64, n: u64) -> Vec<(String, Option<i64>)> {
    let r = mix(i);
    let count = 1 + (r >> 40) % 3;
    let finish = finish_of(i, n);
    (0..count)
        .map(|k| {
            let c = mix(i.wrapping_mul(4).wrapping_add(k) ^ 0x5EED);
            let committed =
                (!c.is_multiple_of(50)).then(|| finish - 600 - (c >> 8) as i64 % (7 * 86_400));
            (format!("c{i}-{k}"), committed)
        })
        .collect()
}

/// Deployment `i` of `n`.
pub fn dep(i: u64, n: u64) -> Dep {
    let r = mix(i);
    let mut changes = own_changes(i, n);
    if i > 0 && matches!(outcome_of(i - 1), "failed" | "rolled_back") {
        changes.extend(own_changes(i - 1, n));
    }
    Dep {
        id: format!("d{i}"),
        service: format!("svc{}", r % 50),
        env: if (r >> 8).is_multiple_of(10) {
            "staging"
        } else {
            "production"
        },
        finished: finish_of(i, n),
        outcome: outcome_of(i),
        kind: match (r >> 32) % 100 {
            0..85 => "planned",
            85..88 => "emergency",
            88..95 => "hotfix",
            _ => "rework",
        },
        team: format!("team{}", r % 10),
        changes,
    }
}

/// A compact incident `j` of `m` (with `n` deployments).
#[derive(Debug, Clone)]
pub struct Inc {
    /// `i{j}`.
    pub id: String,
    /// The service.
    pub service: String,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds, or none while open.
    pub resolved: Option<i64>,
    /// A deployment id, for 70 % of incidents.
    pub caused_by: Option<String>,
}

/// Incident `j` of `m`, over `n` deployments.
pub fn inc(j: u64, m: u64, n: u64) -> Inc {
    let r = mix(j ^ 0xFACE_FEED_0000_0000);
    let k = (j as u128 * n as u128 / m.max(1) as u128) as u64;
    let linked = (r % 10) < 7 && n > 0;
    let (service, created) = if linked {
        let d = dep(k, n);
        (d.service, d.finished + 60 + (r >> 12) as i64 % 7_200)
    } else {
        (
            format!("svc{}", (r >> 4) % 50),
            BASE + (j as f64 * SPAN as f64 / m.max(1) as f64) as i64,
        )
    };
    Inc {
        id: format!("i{j}"),
        service,
        created,
        resolved: (!(r >> 20).is_multiple_of(50))
            .then(|| created + 300 + (r >> 28) as i64 % (8 * 3_600)),
        caused_by: linked.then(|| format!("d{k}")),
    }
}

impl Dep {
    /// The relman record.
    pub fn record(&self) -> DeploymentRecord {
        let outcome = match self.outcome {
            "success" => Outcome::Success,
            "success_with_issues" => Outcome::SuccessWithIssues,
            "failed" => Outcome::Failed,
            _ => Outcome::RolledBack,
        };
        let kind = match self.kind {
            "planned" => DeploymentKind::Planned,
            "emergency" => DeploymentKind::Emergency,
            "hotfix" => DeploymentKind::Hotfix,
            _ => DeploymentKind::Rework,
        };
        DeploymentRecord {
            id: self.id.clone(),
            release_id: None,
            service: self.service.clone(),
            environment: self.env.to_string(),
            team: Some(self.team.clone()),
            started_at: Some(at(self.finished - 600)),
            finished_at: at(self.finished),
            outcome,
            kind,
            changes: self
                .changes
                .iter()
                .map(|(id, c)| CommitRef {
                    id: id.clone(),
                    committed_at: c.map(at),
                    extra: Extra::new(),
                })
                .collect(),
            cis: Vec::new(),
            extra: Extra::new(),
        }
    }
}

impl Inc {
    /// The relman record.
    pub fn record(&self) -> Incident {
        Incident {
            id: self.id.clone(),
            service: Some(self.service.clone()),
            severity: Some("3".to_string()),
            created_at: at(self.created),
            resolved_at: self.resolved.map(at),
            caused_by: self.caused_by.clone(),
            extra: Extra::new(),
        }
    }
}

/// Deployments `range` of `n` and incidents `range` of `m` as a history
/// slice.
pub fn history_slice(
    deps: std::ops::Range<u64>,
    n: u64,
    incs: std::ops::Range<u64>,
    m: u64,
) -> History {
    History {
        deployments: deps.map(|i| dep(i, n).record()).collect(),
        incidents: incs.map(|j| inc(j, m, n).record()).collect(),
        ..History::default()
    }
}
