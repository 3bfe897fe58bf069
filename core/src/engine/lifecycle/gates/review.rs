//! The gate of leaving review (closing): the post-implementation review
//! where required, and knowledge articles where the kind needs them
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::Eval;
use crate::{Outcome, ReleaseKind};
use serde_json::json;

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let rec = &e.log.record;
    let failed = matches!(
        rec.outcome,
        Some((Outcome::Failed | Outcome::RolledBack, _))
    );
    let emergency = r.kind == ReleaseKind::Emergency;
    let required = e.gates.review_required || failed || emergency;
    let done = rec.review_completed_at.as_ref().map(|(t, _)| t);
    let why = if emergency {
        "emergency releases"
    } else if failed {
        "failed or rolled-back releases"
    } else {
        "this release kind"
    };
    let msg = match (done, required) {
        (Some(at), _) => format!("post-implementation review completed at {at}"),
        (None, true) => format!("a post-implementation review is mandatory for {why}"),
        (None, false) => format!(
            "no post-implementation review is required for a successful {} release",
            format!("{:?}", r.kind).to_lowercase()
        ),
    };
    e.req(
        "review.completed",
        done.is_some() || !required,
        msg,
        json!({"completed_at": done, "required": required, "failed": failed, "emergency": emergency}),
    );
    if e.gates.knowledge_articles_required {
        let n = r.knowledge_articles.len();
        let msg = if n > 0 {
            format!(
                "{n} knowledge article{} linked",
                if n == 1 { "" } else { "s" }
            )
        } else {
            "no knowledge article linked".to_string()
        };
        e.req(
            "review.knowledge_articles",
            n > 0,
            msg,
            json!({"knowledge_articles": r.knowledge_articles}),
        );
    }
}
