//! Fixtures of the risk benchmark: varied releases and a large CMDB,
//! generated deterministically (a fixed-seed SplitMix64).

use serde_json::{json, Value};

/// A fixed-seed pseudo-random sequence (SplitMix64).
#[derive(Debug, Clone)]
pub struct Seq(u64);

impl Seq {
    /// A sequence from a seed.
    pub fn new(seed: u64) -> Self {
        Seq(seed)
    }

    /// The next number below `n` (n ≥ 1).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }
}

fn pick<'a>(list: &[&'a str], i: u64) -> &'a str {
    list.get(i as usize % list.len().max(1))
        .copied()
        .unwrap_or_default()
}

const KINDS: [&str; 4] = ["major", "minor", "patch", "emergency"];
const TESTS: [&str; 5] = ["unit", "integration", "performance", "security", "uat"];
const STRATEGIES: [&str; 4] = ["big_bang", "phased", "blue_green", "canary"];

/// Release `i`: 1–8 changes with 1–3 CIs each (ids `ci{n}` below
/// `ci_space`), some test runs, a rollback plan, a strategy, a window and
/// dependencies, all varied by `seq`. With `exact_cis`, the release itself
/// lists exactly that many distinct CIs and has one change.
pub fn risk_release(i: usize, seq: &mut Seq, ci_space: u64, exact_cis: Option<usize>) -> Value {
    let n_changes = if exact_cis.is_some() {
        1
    } else {
        1 + seq.below(8) as usize
    };
    let changes: Vec<Value> = (0..n_changes)
        .map(|c| {
            let cis: Vec<String> = (0..1 + seq.below(3))
                .map(|_| format!("ci{}", seq.below(ci_space)))
                .collect();
            let kind = pick(&["standard", "normal", "normal", "emergency"], seq.below(4));
            json!({
                "id": format!("C{i}-{c}"),
                "kind": kind,
                "summary": "a change",
                "affected_cis": cis,
            })
        })
        .collect();
    let tests: Vec<Value> = (0..seq.below(6))
        .map(|_| {
            let kind = pick(&TESTS, seq.below(5));
            json!({
                "kind": kind,
                "passed": seq.below(200),
                "failed": seq.below(3),
                "signed_off_by": "qa",
            })
        })
        .collect();
    let day = 1 + seq.below(28);
    let hour = seq.below(23);
    let kind = pick(&KINDS, seq.below(4));
    let strategy = pick(&STRATEGIES, seq.below(4));
    let mut r = json!({
        "id": format!("REL-{i}"),
        "title": format!("Release {i}"),
        "kind": kind,
        "state": "approval",
        "services": [format!("svc{}", seq.below(2000))],
        "changes": changes,
        "tests": tests,
        "deployment": {"strategy": strategy},
        "rollback_plan": {"documented": seq.below(2) == 1, "tested": seq.below(2) == 1},
        "planned_start": format!("2026-12-{day:02}T{hour:02}:00:00Z"),
        "planned_end": format!("2026-12-{day:02}T{:02}:30:00Z", hour + 1),
        "depends_on": (0..seq.below(3)).map(|d| format!("REL-D{d}")).collect::<Vec<_>>(),
    });
    if let Some(n) = exact_cis {
        let mut cis = std::collections::BTreeSet::new();
        while cis.len() < n {
            cis.insert(format!("ci{}", seq.below(ci_space)));
        }
        if let Some(obj) = r.as_object_mut() {
            obj.insert("affected_cis".to_string(), json!(cis));
            obj.insert(
                "changes".to_string(),
                json!([{"id": format!("C{i}-0"), "kind": "normal", "summary": "a change"}]),
            );
        }
    }
    r
}

/// A CMDB of `cis` CIs (50 per service, criticality cycling) and
/// `relationships` relationships from random CIs to random CIs: 80%
/// `depends_on`, 10% `runs_on`, 5% `contains`, 5% `connects_to`.
pub fn risk_cmdb(cis: usize, relationships: usize, seq: &mut Seq) -> Value {
    let crit = ["critical", "high", "medium", "low"];
    let list: Vec<Value> = (0..cis)
        .map(|i| {
            let criticality = pick(&crit, i as u64);
            json!({
                "id": format!("ci{i}"), "name": format!("CI {i}"), "class": "cmdb_ci_app",
                "criticality": criticality, "service": format!("svc{}", i / 50),
            })
        })
        .collect();
    let rels: Vec<Value> = (0..relationships)
        .map(|_| {
            let from = seq.below(cis as u64);
            let mut to = seq.below(cis as u64);
            if to == from {
                to = (to + 1) % cis as u64;
            }
            let kind = match seq.below(20) {
                0..=15 => "depends_on",
                16 | 17 => "runs_on",
                18 => "contains",
                _ => "connects_to",
            };
            json!({"from": format!("ci{from}"), "to": format!("ci{to}"), "kind": kind})
        })
        .collect();
    json!({"cis": list, "relationships": rels})
}

/// `n` parsed releases of [`risk_release`] from `seed`.
pub fn releases(
    n: usize,
    ci_space: u64,
    exact_cis: Option<usize>,
    seed: u64,
) -> Result<Vec<relman::Release>, relman::Error> {
    let mut seq = Seq::new(seed);
    (0..n)
        .map(|i| {
            let v = risk_release(i, &mut seq, ci_space, exact_cis);
            relman::from_value::<relman::Release>(v).map(|p| p.document)
        })
        .collect()
}

/// The CI → service map of `cmdb`, for [`naive_blast`].
pub fn services(cmdb: &relman::Cmdb) -> std::collections::HashMap<&str, &str> {
    cmdb.cis
        .iter()
        .filter_map(|c| c.service.as_deref().map(|s| (c.id.as_str(), s)))
        .collect()
}

/// The risk baseline: the blast radius computed the naive way, one linear
/// scan of every relationship per hop with hash sets for the frontier.
/// Returns (dependent CIs reached, services touched).
pub fn naive_blast(
    cmdb: &relman::Cmdb,
    services: &std::collections::HashMap<&str, &str>,
    start: &[String],
    depth: u32,
) -> (usize, usize) {
    use std::collections::HashSet;
    let mut seen: HashSet<&str> = start.iter().map(String::as_str).collect();
    let mut frontier = seen.clone();
    let mut reached = 0;
    for _ in 0..depth {
        let mut next = HashSet::new();
        for r in &cmdb.relationships {
            let (a, b) = (r.from.as_str(), r.to.as_str());
            let hops: &[(&str, &str)] = match r.kind.as_str() {
                "contains" => &[(a, b)],
                "connects_to" => &[(a, b), (b, a)],
                _ => &[(b, a)],
            };
            for &(x, y) in hops {
                if frontier.contains(x) && !seen.contains(y) {
                    next.insert(y);
                }
            }
        }
        for y in &next {
            seen.insert(y);
        }
        reached += next.len();
        frontier = next;
    }
    let svc: HashSet<&str> = seen
        .iter()
        .filter_map(|id| services.get(id).copied())
        .collect();
    (reached, svc.len())
}
