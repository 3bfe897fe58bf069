//! `approval.blackout`: the planned window overlaps no blocking blackout
//! in scope, or an ECAB member overrode it for an emergency
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::{Eval, Finding};
use crate::calendar::Touches;
use crate::error::Warning;
use crate::{BlackoutSeverity, Cmdb, Decision, Release, ReleaseKind, Role};
use std::collections::BTreeSet;

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let (Some(start), Some(end)) = (&r.planned_start, &r.planned_end) else {
        return e.find("approval.blackout", false, Finding::BlackoutNoWindow);
    };
    let Some(calendar) = e.calendar() else {
        return e.find("approval.blackout", true, Finding::BlackoutNoCalendar);
    };
    let t = touches(r, e.cmdb());
    let mut hits = Vec::new();
    let range = (start.unix_seconds(), end.unix_seconds());
    let limit = e.policy.conflicts.max_occurrences;
    // A prepared context's compiled calendar: each blackout expanded once
    // per window, its path written once.
    let window = e.blackouts.map(|c| (c, c.window(range, limit)));
    for (i, b) in calendar.blackouts.iter().enumerate() {
        if !scope_matches(b.scope.as_ref(), &t) {
            continue;
        }
        // One-off and recurring blackouts alike: the first occurrence
        // that intersects the window.
        let expand = |path: &str| {
            crate::calendar::period_occurrences(
                b.start.as_ref(),
                b.end.as_ref(),
                b.recurrence.as_ref(),
                range,
                limit,
                path,
            )
            .map(|occ| occ.first().copied())
        };
        let compiled = window.as_ref().and_then(|(c, w)| {
            let path = c.path(i)?;
            Some((path, w.get(i)?.get_or_init(|| expand(path))))
        });
        let fresh;
        let (path, first) = match compiled {
            Some((path, first)) => (std::borrow::Cow::Borrowed(path), first.as_ref()),
            None => {
                let path = format!("calendar.blackouts[{i}]");
                fresh = expand(&path);
                (std::borrow::Cow::Owned(path), fresh.as_ref())
            }
        };
        let (bs, be) = match first {
            Ok(first) => match (first, &b.start, &b.end) {
                (None, _, _) => continue,
                (Some(_), Some(s), Some(t)) => (s.clone(), t.clone()),
                (Some(o), _, _) => (
                    crate::Timestamp::from_utc(o.start_utc()),
                    crate::Timestamp::from_utc(o.end_utc()),
                ),
            },
            Err(err) => {
                e.warnings.push(Warning::new(
                    "blackout_not_checked",
                    path.into_owned(),
                    format!("blackout `{}` could not be expanded: {err}", b.id),
                ));
                continue;
            }
        };
        match b.severity {
            BlackoutSeverity::Warn => e.warnings.push(Warning::new(
                "warning_blackout",
                "planned_start",
                format!(
                    "the window overlaps warning blackout `{}` ({})",
                    b.id, b.name
                ),
            )),
            BlackoutSeverity::Block => hits.push((b, bs, be)),
        }
    }
    if hits.is_empty() {
        return e.find("approval.blackout", true, Finding::BlackoutClear);
    }
    let emergency = r.kind == ReleaseKind::Emergency;
    let mut override_by: Option<String> = if emergency {
        e.votes()
            .valid()
            .find(|a| {
                a.role == Role::Ecab && a.decision == Decision::Approved && a.override_blackout
            })
            .map(|a| a.approver.clone())
    } else {
        None
    };
    // Besides the ECAB vote's flag: an `override` of approval.blackout
    // (emergency releases only; docs/lifecycle.md, "ECAB overrides").
    let override_ = match (&override_by, emergency) {
        (None, true) => e.override_of("approval.blackout"),
        _ => None,
    };
    if let Some(o) = &override_ {
        override_by = Some(o.by.clone());
    }
    let met = override_by.is_some();
    let finding = Finding::BlackoutHit {
        hits,
        override_by,
        emergency,
        override_,
    };
    e.find("approval.blackout", met, finding);
}

fn touches<'a>(release: &'a Release, cmdb: Option<&'a Cmdb>) -> Touches<'a> {
    let cis: BTreeSet<&str> = release.all_affected_cis().into_iter().collect();
    let mut classes = BTreeSet::new();
    let mut services: BTreeSet<&str> = release.services.iter().map(String::as_str).collect();
    let mut environments: BTreeSet<&str> =
        release.environments.iter().map(String::as_str).collect();
    if let Some(cmdb) = cmdb {
        for ci in cmdb.cis.iter().filter(|c| cis.contains(c.id.as_str())) {
            classes.insert(ci.class.as_str());
            if let Some(s) = &ci.service {
                services.insert(s.as_str());
            }
            if let Some(env) = &ci.environment {
                environments.insert(env.as_str());
            }
        }
    }
    Touches {
        cis,
        classes,
        services,
        environments,
    }
}

fn scope_matches(scope: Option<&crate::Scope>, t: &Touches<'_>) -> bool {
    scope.is_none_or(|s| t.matches(s))
}
