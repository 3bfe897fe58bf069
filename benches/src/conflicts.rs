//! Fixtures for the conflict benchmark: a year of scheduled releases over a
//! large CMDB with blackouts and maintenance windows, generated from a
//! seed so every run measures the same input.

use serde_json::{json, Value};

/// A small deterministic generator (64-bit LCG, high bits), so the fixture
/// needs no random-number crate and never changes between runs.
pub struct Lcg(u64);

impl Lcg {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Lcg(seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1))
    }

    /// The next number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if n == 0 {
            0
        } else {
            (self.0 >> 33) % n
        }
    }
}

/// The sizes of a generated schedule.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Releases (each with one change).
    pub releases: usize,
    /// CIs in the CMDB.
    pub cis: usize,
    /// CIs touched per release.
    pub cis_per_release: usize,
    /// Blackouts (half one-off, half recurring).
    pub blackouts: usize,
    /// Maintenance windows (weekly, recurring); every other CI names one.
    pub maintenance_windows: usize,
}

impl Size {
    /// The sizes of issue #5's acceptance item 5, scaled to `releases`
    /// releases (CIs scale with them: 2 per release).
    pub fn issue(releases: usize) -> Size {
        Size {
            releases,
            cis: releases * 2,
            cis_per_release: 5,
            blackouts: 20,
            maintenance_windows: 5000,
        }
    }
}

/// Unix seconds of 2027-01-01T00:00:00Z, the start of the one-year horizon.
pub const YEAR_START: i64 = 1_798_761_600;

fn iso(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// One release's window and CIs, as the baselines need them.
#[derive(Debug, Clone)]
pub struct Touches {
    /// Window start, Unix seconds.
    pub start: i64,
    /// Window end, Unix seconds.
    pub end: i64,
    /// CI numbers.
    pub cis: Vec<u32>,
    /// Implementer number.
    pub implementer: u32,
}

/// A schedule of `size` as JSON, with the same releases in plain form for
/// the baselines, and the CMDB relationships (from, to).
pub fn schedule(size: Size, seed: u64) -> (Value, Vec<Touches>, Vec<(u32, u32)>) {
    let mut rng = Lcg::new(seed);
    let classes = [
        "server",
        "db_instance",
        "app",
        "lb",
        "queue",
        "cache",
        "storage",
        "network",
    ];
    let zones = ["UTC", "Europe/London", "Europe/Berlin", "Europe/Helsinki"];
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let services = 200u64;
    let mut cis = Vec::with_capacity(size.cis);
    for i in 0..size.cis {
        let mut ci = json!({
            "id": format!("ci-{i}"),
            "name": format!("CI {i}"),
            "class": super::pick(&classes, i),
            "service": format!("svc-{}", rng.below(services)),
            "environment": if i % 10 == 0 { "staging" } else { "production" },
        });
        if i % 2 == 0 && size.maintenance_windows > 0 {
            if let Some(o) = ci.as_object_mut() {
                o.insert(
                    "maintenance_windows".into(),
                    json!([format!("mw-{}", (i / 2) % size.maintenance_windows)]),
                );
            }
        }
        cis.push(ci);
    }
    let mut relationships = Vec::with_capacity(size.cis);
    let mut rels = Vec::with_capacity(size.cis);
    for i in 0..size.cis {
        let j = (i * 7 + 1 + rng.below(5) as usize) % size.cis.max(1);
        if i != j {
            relationships.push(
                json!({"from": format!("ci-{i}"), "to": format!("ci-{j}"), "kind": "depends_on"}),
            );
            rels.push((i as u32, j as u32));
        }
    }
    let windows: Vec<Value> = (0..size.maintenance_windows)
        .map(|i| {
            // Five nights a week, 20:00–06:00 local, in one of four zones.
            let skip = i % 7;
            let by_day: Vec<&str> = (0..7)
                .filter(|d| *d != skip && *d != (skip + 3) % 7)
                .map(|d| super::pick(&days, d))
                .collect();
            json!({
                "id": format!("mw-{i}"), "name": format!("Window {i}"),
                "recurrence": {"freq": "weekly", "by_day": by_day,
                               "start_time": format!("{:02}:{:02}", 19 + i % 3, (i % 4) * 15),
                               "duration_secs": 36_000, "time_zone": super::pick(&zones, i)}
            })
        })
        .collect();
    let blackouts: Vec<Value> = (0..size.blackouts)
        .map(|i| {
            let scope = match i % 4 {
                0 => json!({"services": [format!("svc-{}", i * 7)]}),
                1 => json!({"environments": ["staging"]}),
                2 => json!({"ci_classes": ["lb"]}),
                _ => json!({"services": [format!("svc-{}", i * 3), format!("svc-{}", i * 5)]}),
            };
            if i % 2 == 0 {
                let start = YEAR_START + (i as i64 * 17 % 360) * 86_400;
                json!({"id": format!("bo-{i}"), "name": format!("Freeze {i}"),
                       "start": iso(start), "end": iso(start + 2 * 86_400), "scope": scope,
                       "severity": if i % 6 == 0 { "warn" } else { "block" }})
            } else {
                json!({"id": format!("bo-{i}"), "name": format!("Batch {i}"), "scope": scope,
                       "recurrence": {"freq": "monthly", "day_of_month": 1 + i % 28, "start_time": "00:00",
                                      "duration_secs": 21_600, "time_zone": super::pick(&zones, i)}})
            }
        })
        .collect();
    let mut releases = Vec::with_capacity(size.releases);
    let mut plain = Vec::with_capacity(size.releases);
    for i in 0..size.releases {
        let day = rng.below(365) as i64;
        let start = YEAR_START + day * 86_400 + 21 * 3600 + rng.below(24) as i64 * 900;
        let end = start + 3600 * (1 + rng.below(4) as i64);
        let chosen: Vec<u32> = (0..size.cis_per_release)
            .map(|_| rng.below(size.cis as u64) as u32)
            .collect();
        let implementer = rng.below((size.releases / 5).max(1) as u64) as u32;
        let mut r = json!({
            "id": format!("R{i:06}"), "title": format!("Release {i}"), "kind": "minor", "state": "approval",
            "planned_start": iso(start), "planned_end": iso(end),
            "environments": ["production"],
            "changes": [{"id": format!("C{i:06}"), "kind": "normal", "summary": "change",
                         "affected_cis": chosen.iter().map(|c| format!("ci-{c}")).collect::<Vec<_>>(),
                         "implementer": format!("dev-{implementer}")}]
        });
        if i > 0 && i % 10 == 0 {
            if let Some(o) = r.as_object_mut() {
                o.insert(
                    "depends_on".into(),
                    json!([format!("R{:06}", rng.below(i as u64))]),
                );
            }
        }
        releases.push(r);
        plain.push(Touches {
            start,
            end,
            cis: chosen,
            implementer,
        });
    }
    let schedule = json!({
        "cmdb": {"cis": cis, "relationships": relationships},
        "calendar": {"blackouts": blackouts, "maintenance_windows": windows},
        "policy": {"conflicts": {"capacity": [{"environment": "production", "max_concurrent": 400}]}},
        "releases": releases
    });
    (schedule, plain, rels)
}

/// The property tests' oracle: every pair of items, every pair of touches.
pub fn oracle_all_pairs(
    items: &[Touches],
    related: &std::collections::HashSet<(u32, u32)>,
) -> usize {
    let mut found = 0usize;
    for (i, a) in items.iter().enumerate() {
        for b in items.iter().skip(i + 1) {
            let (mut same, mut near) = (false, false);
            for ca in &a.cis {
                for cb in &b.cis {
                    let overlap = a.start < b.end && b.start < a.end;
                    if overlap && ca == cb {
                        same = true;
                    } else if overlap && related.contains(&(*ca, *cb)) {
                        near = true;
                    }
                }
            }
            let people = a.implementer == b.implementer && a.start < b.end && b.start < a.end;
            found += usize::from(same) + usize::from(near && !same) + usize::from(people);
        }
    }
    found
}

/// The same, with the window test hoisted out of the CI loops.
pub fn oracle_window_first(
    items: &[Touches],
    related: &std::collections::HashSet<(u32, u32)>,
) -> usize {
    let mut found = 0usize;
    for (i, a) in items.iter().enumerate() {
        for b in items.iter().skip(i + 1) {
            if !(a.start < b.end && b.start < a.end) {
                continue;
            }
            let same = a.cis.iter().any(|c| b.cis.contains(c));
            let near = !same
                && a.cis
                    .iter()
                    .any(|ca| b.cis.iter().any(|cb| related.contains(&(*ca, *cb))));
            found +=
                usize::from(same) + usize::from(near) + usize::from(a.implementer == b.implementer);
        }
    }
    found
}

/// Related CI pairs in both directions.
pub fn related_set(rels: &[(u32, u32)]) -> std::collections::HashSet<(u32, u32)> {
    rels.iter()
        .flat_map(|(a, b)| [(*a, *b), (*b, *a)])
        .collect()
}

/// `schedule` without calendar, policy and release dependencies: only the
/// overlap kinds (same CI, related CI, same implementer) remain — the
/// like-for-like counterpart of the oracles.
pub fn overlap_only(s: &relman::Schedule) -> relman::Schedule {
    let mut s = s.clone();
    s.calendar = None;
    s.policy = None;
    for r in &mut s.releases {
        r.depends_on.clear();
    }
    s
}

/// The SQLite baseline's table: `touches(item, ci, start, end)` of
/// `items` (each CI once per item) in memory, indexed on `(ci, start)` and
/// analysed — all outside any timing.
pub fn sqlite_touches(items: &[Touches]) -> rusqlite::Result<rusqlite::Connection> {
    let db = rusqlite::Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE touches (item INTEGER, ci INTEGER, start INTEGER, end INTEGER);",
    )?;
    {
        let tx = db.unchecked_transaction()?;
        let mut insert = tx.prepare("INSERT INTO touches VALUES (?1, ?2, ?3, ?4)")?;
        for (i, t) in items.iter().enumerate() {
            let mut seen = std::collections::HashSet::new();
            for c in &t.cis {
                if seen.insert(*c) {
                    insert.execute((i as i64, i64::from(*c), t.start, t.end))?;
                }
            }
        }
        drop(insert);
        tx.commit()?;
    }
    db.execute_batch("CREATE INDEX touches_ci_start ON touches (ci, start); ANALYZE;")?;
    Ok(db)
}

/// The `ci_overlap` self-join of the SQLite baseline.
pub const SELF_JOIN: &str =
    "SELECT a.item, b.item, group_concat(a.ci), min(max(a.start, b.start)), max(min(a.end, b.end))
    FROM touches a JOIN touches b
      ON b.ci = a.ci AND b.item > a.item AND b.start < a.end AND a.start < b.end
    GROUP BY a.item, b.item";

/// Runs [`SELF_JOIN`] and reads every row: the number of item pairs that
/// share a CI while their windows overlap.
pub fn sqlite_ci_overlap(db: &rusqlite::Connection) -> rusqlite::Result<usize> {
    let mut stmt = db.prepare_cached(SELF_JOIN)?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut n = 0;
    for row in rows {
        std::hint::black_box(row?);
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(iso(YEAR_START), "2027-01-01T00:00:00Z");
        assert_eq!(iso(YEAR_START + 59 * 86_400 + 3661), "2027-03-01T01:01:01Z");
    }
}
