//! The ITIL release KPIs of one set of releases: success, rollback,
//! emergency and on-schedule rates, time in each state, UAT pass rate,
//! incidents per release, PIR and knowledge-article shares (`docs/kpi.md`,
//! "ITIL release KPIs").

use super::accumulate::{is_success, Rel};
use super::finish::RelFact;
use super::stats::{DurationStats, Rate};
use super::ItilKpis;
use crate::document::{Outcome, State};
use std::collections::BTreeMap;

/// The ITIL KPIs of `rels`.
pub(super) fn itil(rels: &[&RelFact<'_>]) -> ItilKpis {
    let n = rels.len() as u64;
    let with_outcome = rels.iter().filter(|r| r.rel.outcome.is_some()).count() as u64;
    let count = |f: &dyn Fn(&Rel) -> bool| rels.iter().filter(|r| f(r.rel)).count() as u64;
    let success = count(&|r| r.outcome.is_some_and(is_success));
    let rolled_back = count(&|r| r.outcome == Some(Outcome::RolledBack));
    let emergency = count(&|r| r.emergency);
    let scheduled = count(&|r| r.on_schedule.is_some());
    let on_time = count(&|r| r.on_schedule == Some(true));
    let pir = count(&|r| r.outcome.is_some() && r.pir);
    let knowledge = count(&|r| r.knowledge);
    // Caller-controlled case counts: `Iterator::sum` would overflow.
    let uat_passed = rels
        .iter()
        .fold(0u64, |sum, r| sum.saturating_add(r.rel.uat_passed));
    let uat_failed = rels
        .iter()
        .fold(0u64, |sum, r| sum.saturating_add(r.rel.uat_failed));
    let incidents: u64 = rels.iter().map(|r| r.incidents).sum();
    let mut time_in_state = BTreeMap::new();
    for state in [
        State::Planning,
        State::Development,
        State::Testing,
        State::Approval,
        State::Deployment,
        State::Review,
    ] {
        let mut values: Vec<i64> = rels
            .iter()
            .filter_map(|r| {
                r.rel
                    .states
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map(|(_, v)| *v)
            })
            .collect();
        time_in_state.insert(
            state.as_str().to_string(),
            DurationStats::of(&mut values, "no release left this state in its audit log"),
        );
    }
    ItilKpis {
        releases: n,
        release_success_rate: Rate::new(success, with_outcome, "no release with an outcome"),
        rollback_rate: Rate::new(rolled_back, with_outcome, "no release with an outcome"),
        emergency_release_ratio: Rate::new(emergency, n, "no releases"),
        on_schedule_rate: Rate::new(
            on_time,
            scheduled,
            "no release with deployed_at and a planned window",
        ),
        time_in_state,
        uat_pass_rate: Rate::new(
            uat_passed,
            uat_passed.saturating_add(uat_failed),
            "no passed or failed UAT cases",
        ),
        incidents_per_release: Rate::new(incidents, n, "no releases"),
        pir_share: Rate::new(pir, with_outcome, "no release with an outcome"),
        knowledge_article_share: Rate::new(knowledge, n, "no releases"),
    }
}
