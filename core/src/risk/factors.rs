//! The ten factors of the risk score, each a value from 0 to 1 with the
//! inputs it used and a one-sentence explanation. Formulas and neutral
//! values: `docs/risk.md`.

use super::RiskAssessor;
use crate::calendar::Touches;
use crate::context::Schedule;
use crate::document::{
    BlackoutSeverity, Calendar, ChangeKind, Criticality, History, Outcome, Release, ReleaseKind,
    Scope, State, Strategy, TestKind, TestRun,
};
use crate::error::Warning;
use crate::policy::{parse_hhmm, PeakHours};
use crate::Timestamp;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// One computed factor, before weighting.
pub(crate) struct Computed {
    pub(crate) value: f64,
    pub(crate) inputs: Map<String, Value>,
    pub(crate) explanation: String,
}

fn computed(value: f64, inputs: Value, explanation: String) -> Computed {
    let inputs = match inputs {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Computed {
        value,
        inputs,
        explanation,
    }
}

/// `min(1, ln(1 + n) / ln(1 + scale))`.
pub(crate) fn log_scaled(n: f64, scale: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    ((1.0 + n).ln() / (1.0 + scale).ln()).min(1.0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The history's deployments by service, in time order, for the
/// track record.
#[derive(Debug)]
pub(crate) struct TrackIndex<'a> {
    /// Per service: (finished_at in Unix seconds, failures so far including
    /// this one), sorted by time.
    by_service: HashMap<&'a str, Vec<(i64, u32)>>,
}

fn failed(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Failed | Outcome::RolledBack)
}

impl<'a> TrackIndex<'a> {
    pub(crate) fn new(history: &'a History) -> Self {
        let mut raw: HashMap<&'a str, Vec<(i64, bool)>> = HashMap::new();
        for d in &history.deployments {
            raw.entry(d.service.as_str())
                .or_default()
                .push((d.finished_at.unix_seconds(), failed(d.outcome)));
        }
        let by_service = raw
            .into_iter()
            .map(|(service, mut list)| {
                list.sort_by_key(|(t, _)| *t);
                let mut failures = 0u32;
                let cumulative = list
                    .into_iter()
                    .map(|(t, f)| {
                        failures = failures.saturating_add(u32::from(f));
                        (t, failures)
                    })
                    .collect();
                (service, cumulative)
            })
            .collect();
        TrackIndex { by_service }
    }

    /// Deployments and failures of a service finished before `as_of`.
    fn count(&self, service: &str, as_of: Option<i64>) -> (usize, u32) {
        let Some(list) = self.by_service.get(service) else {
            return (0, 0);
        };
        let n = match as_of {
            Some(t) => list.partition_point(|(at, _)| *at < t),
            None => list.len(),
        };
        let failures = n
            .checked_sub(1)
            .and_then(|i| list.get(i))
            .map_or(0, |(_, f)| *f);
        (n, failures)
    }
}

/// The schedule's releases by id, who depends on whom, and the conflicts
/// detected in it (blocking and warning counts per item id).
#[derive(Debug)]
pub(crate) struct ScheduleIndex<'a> {
    releases: HashMap<&'a str, &'a Release>,
    dependents: HashMap<&'a str, usize>,
    /// Per item id: (blocking, warning) conflicts; `Err` with the reason
    /// when detection could not run on this schedule.
    conflicts: std::result::Result<HashMap<String, (usize, usize)>, String>,
}

impl<'a> ScheduleIndex<'a> {
    pub(crate) fn new(schedule: &'a Schedule) -> Self {
        let mut releases = HashMap::new();
        let mut dependents: HashMap<&'a str, usize> = HashMap::new();
        for r in &schedule.releases {
            releases.insert(r.id.as_str(), r);
            let unique: BTreeSet<&str> = r.depends_on.iter().map(String::as_str).collect();
            for dep in unique {
                if dep != r.id {
                    let count = dependents.entry(dep).or_default();
                    *count = count.saturating_add(1);
                }
            }
        }
        let conflicts = crate::conflict::detect_conflicts(schedule)
            .map(|report| {
                let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
                for c in &report.conflicts {
                    for item in &c.items {
                        let entry = counts.entry(item.clone()).or_default();
                        match c.severity {
                            crate::conflict::Severity::Block => entry.0 = entry.0.saturating_add(1),
                            crate::conflict::Severity::Warn => entry.1 = entry.1.saturating_add(1),
                        }
                    }
                }
                counts
            })
            .map_err(|e| e.to_string());
        ScheduleIndex {
            releases,
            dependents,
            conflicts,
        }
    }
}

fn scope_matches(scope: &Scope, t: &Touches<'_>) -> bool {
    t.matches(scope)
}

/// Computes every factor in the order of `RISK_FACTORS`.
pub(crate) fn compute(
    a: &RiskAssessor<'_>,
    r: &Release,
    as_of: Option<i64>,
    warnings: &mut Vec<Warning>,
) -> Vec<Computed> {
    let policy = a.policy();
    let risk = &policy.risk;
    let cis = r.all_affected_cis();

    // The affected CIs known to the CMDB (indexes), warning about the rest.
    let mut known = Vec::new();
    if let Some(cmdb) = &a.cmdb {
        let mut warned = BTreeSet::new();
        let own = r
            .affected_cis
            .iter()
            .enumerate()
            .map(|(i, ci)| (ci, None, i));
        let of_changes = r.changes.iter().enumerate().flat_map(|(j, c)| {
            c.affected_cis
                .iter()
                .enumerate()
                .map(move |(k, ci)| (ci, Some(j), k))
        });
        for (ci, change, k) in own.chain(of_changes) {
            match cmdb.index(ci) {
                Some(i) => known.push(i),
                None if warned.insert(ci.as_str()) => {
                    let path = match change {
                        None => format!("affected_cis[{k}]"),
                        Some(j) => format!("changes[{j}].affected_cis[{k}]"),
                    };
                    warnings.push(Warning::new(
                        "unknown_ci",
                        path,
                        format!(
                            "CI `{ci}` is not in the CMDB: ignored by criticality and blast radius"
                        ),
                    ));
                }
                None => {}
            }
        }
        known.sort_unstable();
        known.dedup();
    }

    let mut out = Vec::with_capacity(10);

    // change_size
    let n = r.changes.len().saturating_add(cis.len());
    out.push(computed(
        log_scaled(n as f64, risk.scales.change_size),
        json!({"changes": r.changes.len(), "cis": cis.len(), "scale": risk.scales.change_size}),
        format!(
            "{} and {} affected, log-scaled against {}",
            plural(r.changes.len(), "change", "changes"),
            plural(cis.len(), "distinct CI", "distinct CIs"),
            risk.scales.change_size
        ),
    ));

    // ci_criticality
    out.push(match &a.cmdb {
        None => computed(
            risk.neutral.ci_criticality,
            json!({"cmdb": false, "neutral": risk.neutral.ci_criticality}),
            "no CMDB in the context: the neutral value is used".to_string(),
        ),
        Some(cmdb) => {
            let mut most: Option<(Criticality, &str)> = None;
            for &i in &known {
                if let Some(ci) = cmdb.ci(i) {
                    if let Some(c) = ci.criticality {
                        // `Critical` sorts first.
                        if most.is_none_or(|(m, _)| c < m) {
                            most = Some((c, ci.id.as_str()));
                        }
                    }
                }
            }
            match most {
                None => computed(
                    risk.neutral.ci_criticality,
                    json!({"cmdb": true, "known_cis": known.len(), "neutral": risk.neutral.ci_criticality}),
                    "no affected CI in the CMDB has a criticality: the neutral value is used"
                        .to_string(),
                ),
                Some((c, id)) => {
                    let (value, name) = match c {
                        Criticality::Critical => (1.0, "critical"),
                        Criticality::High => (0.75, "high"),
                        Criticality::Medium => (0.5, "medium"),
                        Criticality::Low => (0.25, "low"),
                    };
                    computed(
                        value,
                        json!({"most_critical": name, "ci": id, "known_cis": known.len()}),
                        format!("the most critical affected CI, `{id}`, is {name}"),
                    )
                }
            }
        }
    });

    // blast_radius
    let depth = risk.blast_radius_depth;
    out.push(match &a.cmdb {
        None => computed(
            risk.neutral.blast_radius,
            json!({"cmdb": false, "neutral": risk.neutral.blast_radius}),
            "no CMDB in the context: the neutral value is used".to_string(),
        ),
        Some(_) if known.is_empty() => computed(
            risk.neutral.blast_radius,
            json!({"cmdb": true, "known_cis": 0, "neutral": risk.neutral.blast_radius}),
            "no affected CI is in the CMDB: the neutral value is used".to_string(),
        ),
        Some(cmdb) => {
            let reach = cmdb.walk(&known, depth, false);
            let s = &risk.scales;
            let value = 0.5 * log_scaled(reach.dependents as f64, s.blast_radius_cis)
                + 0.5 * log_scaled(reach.services as f64, s.blast_radius_services);
            computed(
                value,
                json!({
                    "affected_cis": reach.affected, "dependent_cis": reach.dependents,
                    "services": reach.services, "depth": depth,
                    "scale_cis": s.blast_radius_cis, "scale_services": s.blast_radius_services,
                }),
                format!(
                    "within {}, {} on the {} affected, touching {}",
                    plural(depth as usize, "hop", "hops"),
                    plural(reach.dependents, "CI depends", "CIs depend"),
                    plural(reach.affected, "CI", "CIs"),
                    plural(reach.services, "business service", "business services")
                ),
            )
        }
    });

    // test_evidence
    out.push(test_evidence(r, policy));

    // rollback_readiness
    out.push(match &r.rollback_plan {
        None => computed(
            1.0,
            json!({"plan": false, "documented": false, "tested": false}),
            "there is no rollback plan".to_string(),
        ),
        Some(p) => {
            let value =
                1.0 - 0.5 * f64::from(u8::from(p.documented)) - 0.5 * f64::from(u8::from(p.tested));
            let how = match (p.documented, p.tested) {
                (true, true) => "documented and tested",
                (true, false) => "documented but not tested",
                (false, true) => "tested but not documented",
                (false, false) => "neither documented nor tested",
            };
            computed(
                value,
                json!({"plan": true, "documented": p.documented, "tested": p.tested}),
                format!("the rollback plan is {how}"),
            )
        }
    });

    // deployment_strategy
    out.push(match &r.deployment {
        None => computed(
            risk.neutral.deployment_strategy,
            json!({"strategy": null, "neutral": risk.neutral.deployment_strategy}),
            "no deployment strategy given: the neutral value (as big bang) is used".to_string(),
        ),
        Some(d) => {
            let (value, name) = match d.strategy {
                Strategy::BigBang => (1.0, "big_bang"),
                Strategy::Phased => (0.6, "phased"),
                Strategy::BlueGreen => (0.3, "blue_green"),
                Strategy::Canary => (0.15, "canary"),
            };
            computed(
                value,
                json!({"strategy": name}),
                format!("the deployment strategy is {}", name.replace('_', " ")),
            )
        }
    });

    // timing
    out.push(timing(a, r, &known));

    // track_record
    out.push(track_record(a, r, &known, as_of));

    // emergency
    let emergency_changes = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Emergency)
        .count();
    let is_emergency = r.kind == ReleaseKind::Emergency;
    let value = if is_emergency {
        1.0
    } else if emergency_changes > 0 {
        0.5 + 0.5 * emergency_changes as f64 / r.changes.len().max(1) as f64
    } else {
        0.0
    };
    let explanation = if is_emergency {
        "this is an emergency release".to_string()
    } else if emergency_changes > 0 {
        format!(
            "{} of {} changes are emergency changes",
            emergency_changes,
            r.changes.len()
        )
    } else {
        "neither the release nor any change is an emergency".to_string()
    };
    out.push(computed(
        value,
        json!({"emergency_release": is_emergency, "emergency_changes": emergency_changes, "changes": r.changes.len()}),
        explanation,
    ));

    // dependencies
    out.push(dependencies(a, r));
    out
}

fn test_evidence(r: &Release, policy: &crate::Policy) -> Computed {
    let gates = policy.lifecycle.gates(r.kind);
    let mut latest: [Option<&TestRun>; 5] = [None; 5];
    for t in &r.tests {
        if let Some(slot) = latest.get_mut(t.kind as usize) {
            *slot = Some(t);
        }
    }
    let run = |k: TestKind| latest.get(k as usize).copied().flatten();
    let bad = |t: Option<&TestRun>| {
        t.is_none_or(|t| t.failed > 0 || t.passed.saturating_add(t.failed) == 0)
    };
    let mut missing = Vec::new();
    let mut failing = Vec::new();
    for &k in &gates.required_tests {
        match run(k) {
            None => missing.push(k),
            t if bad(t) => failing.push(k),
            _ => {}
        }
    }
    let extra_failing: Vec<TestKind> = [
        TestKind::Unit,
        TestKind::Integration,
        TestKind::Performance,
        TestKind::Security,
        TestKind::Uat,
    ]
    .into_iter()
    .filter(|k| !gates.required_tests.contains(k))
    .filter(|&k| run(k).is_some_and(|t| t.failed > 0))
    .collect();
    let uat_required = gates.uat_signoff_required;
    let uat = run(TestKind::Uat);
    let uat_gap = uat_required
        && uat.is_none_or(|u| {
            u.failed > 0
                || u.signed_off_by
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
        });
    // Caller-controlled counts: a sum that would overflow saturates.
    let failed_cases: u64 = latest
        .iter()
        .flatten()
        .fold(0u64, |sum, t| sum.saturating_add(t.failed));
    // Lengths of lists of test kinds: never near usize::MAX.
    let gaps = missing
        .len()
        .saturating_add(failing.len())
        .saturating_add(extra_failing.len())
        .saturating_add(usize::from(uat_gap));
    let denominator = gates
        .required_tests
        .len()
        .saturating_add(usize::from(uat_required))
        .max(1);
    let value = (gaps as f64 / denominator as f64).min(1.0);
    let names =
        |ks: &[TestKind]| -> Vec<&'static str> { ks.iter().map(|k| kind_name(*k)).collect() };
    let explanation = if gaps == 0 {
        "every required test kind ran without failures".to_string()
    } else {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("missing {}", names(&missing).join(", ")));
        }
        if !failing.is_empty() || !extra_failing.is_empty() {
            let all: Vec<&str> = names(&failing)
                .into_iter()
                .chain(names(&extra_failing))
                .collect();
            parts.push(format!("failing or empty {}", all.join(", ")));
        }
        if uat_gap {
            parts.push("UAT not signed off".to_string());
        }
        format!("test evidence has gaps: {}", parts.join("; "))
    };
    computed(
        value,
        json!({
            "required": names(&gates.required_tests), "missing": names(&missing),
            "failing": names(&failing), "failing_not_required": names(&extra_failing),
            "failed_cases": failed_cases, "uat_signoff_required": uat_required,
            "uat_signoff_missing": uat_gap,
        }),
        explanation,
    )
}

fn kind_name(k: TestKind) -> &'static str {
    match k {
        TestKind::Unit => "unit",
        TestKind::Integration => "integration",
        TestKind::Performance => "performance",
        TestKind::Security => "security",
        TestKind::Uat => "uat",
    }
}

/// Whether `[start, end)` overlaps peak hours, or `None` when the policy's
/// time zone cannot place them.
fn overlaps_peak(h: &PeakHours, start: &Timestamp, end: &Timestamp) -> Option<bool> {
    if h.days.is_empty() {
        return Some(false);
    }
    let (from, to) = (parse_hhmm(&h.start)?, parse_hhmm(&h.end)?);
    let (s, e) = (start.datetime(), end.datetime());
    // Longer than a week: every weekday is inside.
    if e.signed_duration_since(s).num_days() >= 7 {
        return Some(true);
    }
    let tz: Option<chrono_tz::Tz> = match &h.time_zone {
        Some(name) => Some(name.parse().ok()?),
        None => None,
    };
    let offset = *s.offset();
    let local_date = |t: DateTime<FixedOffset>| match tz {
        Some(z) => t.with_timezone(&z).date_naive(),
        None => t.date_naive(),
    };
    let instant = |d: NaiveDate, minutes: u32| -> Option<DateTime<FixedOffset>> {
        let naive = d.and_hms_opt(minutes / 60, minutes % 60, 0)?;
        match tz {
            Some(z) => {
                let local = z.from_local_datetime(&naive);
                local
                    .earliest()
                    .or_else(|| local.latest())
                    .map(|t| t.fixed_offset())
            }
            None => offset.from_local_datetime(&naive).single(),
        }
    };
    let mut day = local_date(s).pred_opt()?;
    let last = local_date(e);
    while day <= last {
        let weekday = match day.weekday() {
            chrono::Weekday::Mon => crate::Weekday::Mon,
            chrono::Weekday::Tue => crate::Weekday::Tue,
            chrono::Weekday::Wed => crate::Weekday::Wed,
            chrono::Weekday::Thu => crate::Weekday::Thu,
            chrono::Weekday::Fri => crate::Weekday::Fri,
            chrono::Weekday::Sat => crate::Weekday::Sat,
            chrono::Weekday::Sun => crate::Weekday::Sun,
        };
        if h.days.contains(&weekday) {
            if let (Some(ps), Some(pe)) = (instant(day, from), instant(day, to)) {
                if s < pe && ps < e {
                    return Some(true);
                }
            }
        }
        day = day.succ_opt()?;
    }
    Some(false)
}

fn timing(a: &RiskAssessor<'_>, r: &Release, known: &[u32]) -> Computed {
    let risk = &a.policy().risk;
    let neutral = risk.neutral.timing;
    let window = match (&r.planned_start, &r.planned_end) {
        (Some(s), Some(e)) if s < e => Some((s, e)),
        _ => None,
    };
    let Some((start, end)) = window else {
        return computed(
            neutral,
            json!({"window": false, "neutral": neutral}),
            "no planned window: the neutral value is used".to_string(),
        );
    };
    let peak = overlaps_peak(&risk.peak_hours, start, end);
    let peak_value = match peak {
        Some(true) => 1.0,
        Some(false) => 0.0,
        None => neutral,
    };
    let Some(calendar) = a.calendar else {
        let value = 0.4 * neutral + 0.4 * neutral + 0.2 * peak_value;
        return computed(
            value,
            json!({"calendar": false, "peak_hours": peak, "neutral": neutral}),
            format!(
                "no calendar in the context (neutral for windows and blackouts); the window is {}peak hours",
                if peak == Some(true) { "in " } else { "outside " }
            ),
        );
    };
    let touches = touches(a, r, known);
    let (mw_value, mw_note) = maintenance(a, calendar, &touches, known, start, end, neutral);
    let (blackout_value, blackouts) = blackouts(calendar, &touches, start, end, neutral);
    let value = 0.4 * mw_value + 0.4 * blackout_value + 0.2 * peak_value;
    let explanation = format!(
        "{mw_note}; {}; the window is {}peak hours",
        if blackouts.is_empty() {
            if blackout_value > 0.0 {
                "a blackout could not be expanded (neutral)".to_string()
            } else {
                "no blackout overlaps the window".to_string()
            }
        } else {
            format!("the window overlaps blackout {}", blackouts.join(", "))
        },
        if peak == Some(true) {
            "in "
        } else {
            "outside "
        }
    );
    computed(
        value,
        json!({
            "maintenance_window": mw_value, "blackout": blackout_value,
            "blackouts": blackouts, "peak_hours": peak, "neutral": neutral,
        }),
        explanation,
    )
}

fn touches<'a>(a: &RiskAssessor<'a>, r: &'a Release, known: &[u32]) -> Touches<'a> {
    let mut t = Touches {
        cis: r.all_affected_cis().into_iter().collect(),
        classes: BTreeSet::new(),
        services: r.services.iter().map(String::as_str).collect(),
        environments: r.environments.iter().map(String::as_str).collect(),
    };
    if let Some(cmdb) = &a.cmdb {
        for &i in known {
            if let Some(ci) = cmdb.ci(i) {
                t.classes.insert(ci.class.as_str());
                if let Some(s) = &ci.service {
                    t.services.insert(s.as_str());
                }
                if let Some(e) = &ci.environment {
                    t.environments.insert(e.as_str());
                }
            }
        }
    }
    t
}

fn maintenance(
    a: &RiskAssessor<'_>,
    calendar: &Calendar,
    t: &Touches<'_>,
    known: &[u32],
    start: &Timestamp,
    end: &Timestamp,
    neutral: f64,
) -> (f64, String) {
    let named: BTreeSet<&str> = match &a.cmdb {
        Some(cmdb) => known
            .iter()
            .filter_map(|&i| cmdb.ci(i))
            .flat_map(|ci| ci.maintenance_windows.iter().map(String::as_str))
            .collect(),
        None => BTreeSet::new(),
    };
    let applicable: Vec<_> = calendar
        .maintenance_windows
        .iter()
        .filter(|w| {
            named.contains(w.id.as_str()) || w.scope.as_ref().is_some_and(|s| scope_matches(s, t))
        })
        .collect();
    if applicable.is_empty() {
        return (
            0.0,
            "no maintenance window applies to the release".to_string(),
        );
    }
    let range = (start.unix_seconds(), end.unix_seconds());
    for (i, w) in applicable.iter().enumerate() {
        let occurrences = crate::calendar::period_occurrences(
            w.start.as_ref(),
            w.end.as_ref(),
            w.recurrence.as_ref(),
            range,
            crate::calendar::DEFAULT_MAX_OCCURRENCES,
            &format!("calendar.maintenance_windows[{i}]"),
        );
        match occurrences {
            // Back-to-back occurrences count as one window.
            Ok(list) => {
                let merged = crate::calendar::merge(list);
                if merged
                    .iter()
                    .any(|iv| iv.start <= range.0 && range.1 <= iv.end)
                {
                    return (
                        0.0,
                        format!("the window is inside maintenance window `{}`", w.id),
                    );
                }
            }
            Err(e) => {
                return (
                    neutral,
                    format!(
                        "maintenance window `{}` could not be expanded ({e}): neutral",
                        w.id
                    ),
                )
            }
        }
    }
    (
        1.0,
        "the window is outside every applicable maintenance window".to_string(),
    )
}

fn blackouts(
    calendar: &Calendar,
    t: &Touches<'_>,
    start: &Timestamp,
    end: &Timestamp,
    neutral: f64,
) -> (f64, Vec<String>) {
    let mut hits = Vec::new();
    let mut unexpanded = false;
    let range = (start.unix_seconds(), end.unix_seconds());
    for (i, b) in calendar.blackouts.iter().enumerate() {
        if !b.scope.as_ref().is_none_or(|s| scope_matches(s, t)) {
            continue;
        }
        let occurrences = crate::calendar::period_occurrences(
            b.start.as_ref(),
            b.end.as_ref(),
            b.recurrence.as_ref(),
            range,
            crate::calendar::DEFAULT_MAX_OCCURRENCES,
            &format!("calendar.blackouts[{i}]"),
        );
        match occurrences {
            Ok(list) if list.iter().any(|iv| iv.start < range.1 && range.0 < iv.end) => {
                let severity = match b.severity {
                    BlackoutSeverity::Warn => "warn",
                    BlackoutSeverity::Block => "block",
                };
                hits.push(format!("`{}` ({severity})", b.id));
            }
            Ok(_) => {}
            Err(_) => unexpanded = true,
        }
    }
    let value = if !hits.is_empty() {
        1.0
    } else if unexpanded {
        neutral
    } else {
        0.0
    };
    (value, hits)
}

fn track_record(a: &RiskAssessor<'_>, r: &Release, known: &[u32], as_of: Option<i64>) -> Computed {
    let prior = &a.policy().risk.track_record_prior;
    let alpha = prior.failure_rate * prior.strength;
    let mut services: BTreeSet<&str> = r.services.iter().map(String::as_str).collect();
    if let Some(cmdb) = &a.cmdb {
        for &i in known {
            if let Some(s) = cmdb.ci(i).and_then(|c| c.service.as_deref()) {
                services.insert(s);
            }
        }
    }
    let Some(track) = &a.track else {
        return computed(
            prior.failure_rate,
            json!({"history": false, "prior_failure_rate": prior.failure_rate, "prior_strength": prior.strength}),
            format!(
                "no history in the context: the prior failure rate {} is used",
                prior.failure_rate
            ),
        );
    };
    let (mut n, mut f) = (0usize, 0u64);
    for s in &services {
        let (dn, df) = track.count(s, as_of);
        n = n.saturating_add(dn);
        f = f.saturating_add(u64::from(df));
    }
    let value = (f as f64 + alpha) / (n as f64 + prior.strength);
    let names: Vec<&str> = services.iter().copied().collect();
    let explanation = if services.is_empty() {
        format!(
            "the release names no service: the prior failure rate {} is used",
            prior.failure_rate
        )
    } else {
        format!(
            "{} of {} past deployments of {} failed; smoothed with the prior, the failure rate is {:.3}",
            f,
            n,
            names.join(", "),
            value
        )
    };
    computed(
        value,
        json!({
            "services": names, "deployments": n, "failures": f,
            "prior_failure_rate": prior.failure_rate, "prior_strength": prior.strength,
        }),
        explanation,
    )
}

fn dependencies(a: &RiskAssessor<'_>, r: &Release) -> Computed {
    let scale = a.policy().risk.scales.dependencies;
    let unique: BTreeSet<&str> = r.depends_on.iter().map(String::as_str).collect();
    let declared = unique.len();
    let Some(schedule) = &a.schedule else {
        return computed(
            log_scaled(declared as f64, scale),
            json!({"depends_on": declared, "schedule": false, "scale": scale}),
            format!(
                "the release depends on {}; no schedule in the context to see their state or its dependents",
                plural(declared, "release", "releases")
            ),
        );
    };
    let pending: Vec<&str> = unique
        .iter()
        .copied()
        .filter(|id| {
            schedule
                .releases
                .get(id)
                .is_some_and(|d| !matches!(d.state, State::Review | State::Closed))
        })
        .collect();
    let dependents = schedule.dependents.get(r.id.as_str()).copied().unwrap_or(0);
    let (blocking, warning, conflict_note) = match &schedule.conflicts {
        Ok(counts) => {
            let (b, w) = counts.get(r.id.as_str()).copied().unwrap_or((0, 0));
            (
                b,
                w,
                format!("{b} blocking and {w} warning conflicts detected in the schedule"),
            )
        }
        Err(why) => (
            0,
            0,
            format!("conflicts not counted: the schedule could not be checked ({why})"),
        ),
    };
    let total = declared
        .saturating_add(pending.len())
        .saturating_add(dependents)
        .saturating_add(blocking)
        .saturating_add(warning);
    computed(
        log_scaled(total as f64, scale),
        json!({
            "depends_on": declared, "pending": pending, "dependents": dependents,
            "blocking_conflicts": blocking, "warning_conflicts": warning,
            "schedule": true, "scale": scale,
        }),
        format!(
            "the release depends on {} ({} not yet deployed) and {} in the schedule; {conflict_note}",
            plural(declared, "release", "releases"),
            pending.len(),
            plural(dependents, "release depends on it", "releases depend on it")
        ),
    )
}
