//! `closure`: what the host may resolve, publish and keep open once a
//! release is done.

use crate::{Closure, Release};

operation! {
    /// What the host may do in its ITSM tool now that `release` is where
    /// its log says it is: the problems, known errors, requests and
    /// incidents it may resolve and the knowledge articles it may publish
    /// (after a successful deployment), or every one of them kept open with
    /// the reason (`not_deployed`, `cancelled`, `failed`, `rolled_back`,
    /// `log_not_verified`). The outcome is the one the replay of the
    /// release's verified log yields (docs/reports.md, "Closure").
    name: closure,
    position: 23,
    summary: "What the host may resolve, publish or must keep open for a release",
    params ClosureParams {
        /// The release.
        release: req Release as Doc,
    }
    result: Closure,
    run(p) {
        Ok(crate::closure(&p.release))
    }
}
