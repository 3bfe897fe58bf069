//! The gate of leaving development: change records, each naming its
//! affected CIs (`docs/lifecycle.md`, "Gates (rule ids)").

use super::{Eval, Finding};

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let changes = r.changes.len();
    e.find(
        "development.changes",
        changes > 0,
        Finding::DevelopmentChanges { changes },
    );

    let without: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.affected_cis.is_empty())
        .map(|c| c.id.as_str())
        .collect();
    e.find(
        "development.affected_cis",
        without.is_empty(),
        Finding::DevelopmentAffectedCis { without },
    );
}
