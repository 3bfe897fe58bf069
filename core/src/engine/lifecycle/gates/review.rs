//! The gate of leaving review (closing): the post-implementation review
//! where required, and knowledge articles where the kind needs them
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::{Eval, Finding};
use crate::{Outcome, ReleaseKind};

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let rec = &e.log.record;
    let failed = matches!(
        rec.outcome,
        Some((Outcome::Failed | Outcome::RolledBack, _))
    );
    let emergency = r.kind == ReleaseKind::Emergency;
    let required = e.gates.review_required || failed || emergency;
    // Copied: findings never borrow the log's replay.
    let completed_at = rec.review_completed_at.as_ref().map(|(t, _)| t.clone());
    e.find(
        "review.completed",
        completed_at.is_some() || !required,
        Finding::ReviewCompleted {
            completed_at,
            required,
            failed,
            emergency,
            kind: r.kind,
        },
    );
    super::emergency::retrospective(e, true);
    super::emergency::incident_linked(e);
    if e.gates.knowledge_articles_required {
        let articles = r.knowledge_articles.as_slice();
        e.find(
            "review.knowledge_articles",
            !articles.is_empty(),
            Finding::ReviewKnowledgeArticles { articles },
        );
    }
}
