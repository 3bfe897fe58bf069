//! `fit_risk_model`: risk weights fitted to a history.

use crate::{Context, FitOptions, FittedRiskModel, History};

operation! {
    /// Fits the risk weights to a release `history` (logistic regression):
    /// the model, its quality (AUC, Brier) and sample counts.
    name: fit_risk_model,
    position: 7,
    summary: "Fits the risk weights to a release history (logistic regression)",
    params FitRiskModelParams {
        /// Past deployments, incidents and releases.
        history: req History as Doc,
        /// Held-out fraction, L2 penalty, iterations.
        options: opt FitOptions as Val,
        /// The CMDB, calendar and policy the risk factors consult.
        context: opt Context as Doc,
    }
    result: FittedRiskModel,
    run(p) {
        crate::fit_risk_model(
            &p.history,
            &p.options.unwrap_or_default(),
            &p.context.unwrap_or_default(),
        )
    }
}
