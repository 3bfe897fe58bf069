//! `readiness.context`: the context holds every part readiness needs for
//! the release — the parts the policy lists for its kind
//! (`lifecycle.readiness.<kind>`) and a CMDB when its risk is assessed with
//! a blast-radius weight (`lifecycle.readiness.cmdb_when_blast_radius`).
//! A missing part is unmet here; the gates that could not look at it say
//! "not checked" (`docs/lifecycle.md`, "Readiness").

use super::super::finding::{Need, NeededPart};
use super::super::{Eval, Finding};
use crate::policy::ContextPart;

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let readiness = &e.policy.lifecycle.readiness;
    let mut needs: Vec<NeededPart> = readiness
        .parts(r.kind)
        .iter()
        .map(|&part| NeededPart {
            part,
            need: Need::Kind(r.kind),
            present: present(e, part),
        })
        .collect();
    let weight = e.policy.risk.weights.blast_radius;
    let assessed = e.context.risk_level.is_none() && r.risk.is_none();
    if readiness.cmdb_when_blast_radius
        && weight > 0.0
        && assessed
        && !needs.iter().any(|n| n.part == ContextPart::Cmdb)
    {
        needs.push(NeededPart {
            part: ContextPart::Cmdb,
            need: Need::BlastRadius(weight),
            present: present(e, ContextPart::Cmdb),
        });
    }
    let met = needs.iter().all(|n| n.present);
    let finding = Finding::ReadinessContext {
        kind: r.kind,
        needs,
    };
    e.find("readiness.context", met, finding);
}

/// Whether the context gives `part` (a calendar or CMDB inside the
/// schedule counts, as the gates and the risk read them; an empty
/// directory does not).
fn present(e: &Eval<'_, '_>, part: ContextPart) -> bool {
    let ctx = e.context;
    match part {
        ContextPart::Actors => !ctx.actors.is_empty(),
        ContextPart::Calendar => e.calendar().is_some(),
        ContextPart::Schedule => ctx.schedule.is_some(),
        ContextPart::Cmdb => e.cmdb().is_some(),
        ContextPart::History => ctx.history.is_some(),
        ContextPart::Now => ctx.now.is_some(),
    }
}
