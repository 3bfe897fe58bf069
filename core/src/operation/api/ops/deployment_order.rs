//! `deployment_order`: waves and the critical path.

use crate::{DeploymentOrder, Release};

operation! {
    /// Deployment waves and the critical path of `releases` by their
    /// dependencies.
    name: deployment_order,
    position: 10,
    summary: "Deployment waves and the critical path of releases by their dependencies",
    params DeploymentOrderParams {
        /// The releases; the first that cannot be read fails the call
        /// (paths under `releases[i]`).
        releases: req Vec<Release> as DocList,
    }
    result: DeploymentOrder,
    run(p) {
        crate::deployment_order(&p.releases)
    }
}
