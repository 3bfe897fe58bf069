//! The gates of each state, evaluated into requirements
//! (`docs/lifecycle.md`, "Gates (rule ids)").
//!
//! One file per gate: [`record`] (`record.log`, first in every report),
//! [`transition`] (`lifecycle.transition`, `lifecycle.path`), then the gate
//! of each state left on the way: [`planning`], [`development`],
//! [`testing`], [`approval`] (one file per approval rule), [`deployment`]
//! and [`review`] (the close gate). This module holds what they share: the
//! main line of states and the evaluation state [`Eval`].

mod approval;
mod deployment;
mod development;
mod emergency;
mod finding;
mod planning;
mod record;
mod review;
mod testing;
mod transition;

use super::approval::{votes, VotesOf};
use super::overrides::{self, OverrideNote};
use super::prepared::{Blackouts, Derived};
use super::{GateReport, GateVerdict, LogCheck};
use crate::error::Warning;
use crate::policy::Gates;
use crate::{Calendar, Cmdb, Context, Policy, Release, State};
pub(crate) use finding::Finding;

/// The main line of states, in order: every state but `cancelled`, which
/// `State::ALL` lists last.
fn line() -> &'static [State] {
    State::ALL.split_last().map_or(&[], |(_, line)| line)
}

fn position(state: State) -> Option<usize> {
    line().iter().position(|s| *s == state)
}

/// The state after `state` on the main line.
pub(crate) fn next(state: State) -> Option<State> {
    position(state)
        .and_then(|i| line().get(i.saturating_add(1)))
        .copied()
}

/// True for `closed` and `cancelled`.
pub(crate) fn is_terminal(state: State) -> bool {
    matches!(state, State::Closed | State::Cancelled)
}

/// One requirement as evaluated: its rule, whether it is met and what the
/// gate found (rendered into a message and data only for a report).
pub(crate) struct Req<'a> {
    pub(crate) rule: &'static str,
    pub(crate) met: bool,
    pub(crate) finding: Finding<'a>,
}

/// What the gates read besides the release, context and policy: the
/// resolved gates of the release's kind, the log's replay, what is derived
/// from it once (votes, assessed risk) and, in a prepared context, the
/// blackout calendar compiled once. A prepared context keeps all of them;
/// a plain `check` makes them for one evaluation.
pub(crate) struct Inputs<'l> {
    /// The gates of the release's kind, defaults filled in.
    pub(crate) gates: &'l Gates,
    /// The log's replay: the gates count only what it yields.
    pub(crate) log: &'l LogCheck,
    /// What is derived from the log (and the release it verified) once.
    pub(crate) derived: &'l Derived,
    /// The context's blackouts, expanded once per planned window.
    pub(crate) blackouts: Option<&'l Blackouts>,
}

/// The evaluation state: `'a` is what findings may borrow (the release,
/// context and policy), `'l` the log's replay and what is derived from
/// it, which findings never borrow (a prepared context's cached log may
/// not outlive the evaluation).
struct Eval<'a: 'l, 'l> {
    release: &'a Release,
    context: &'a Context,
    policy: &'a Policy,
    gates: &'l Gates,
    out: Vec<Req<'a>>,
    warnings: Vec<Warning>,
    /// The log's replay: the gates count only what it yields.
    log: &'l LogCheck,
    /// The votes and the assessed risk, each computed at most once.
    derived: &'l Derived,
    blackouts: Option<&'l Blackouts>,
}

impl<'a: 'l, 'l> Eval<'a, 'l> {
    /// A requirement with its typed finding, rendered late.
    fn find(&mut self, rule: &'static str, met: bool, finding: Finding<'a>) {
        self.out.push(Req { rule, met, finding });
    }

    /// The current round's votes, counted once per log (and, in a
    /// prepared context, kept with the cached log).
    fn votes(&self) -> VotesOf<'l> {
        let record = &self.log.record;
        let votes = self.derived.votes.get_or_init(|| {
            votes(
                self.release,
                record,
                &self.context.actors,
                &self.policy.lifecycle.separation_of_duties,
            )
        });
        VotesOf { votes, record }
    }

    /// The ECAB override of `rule` in force for the current round, copied
    /// from the log's replay (`docs/lifecycle.md`, "ECAB overrides").
    fn override_of(&self, rule: &str) -> Option<OverrideNote> {
        overrides::in_force(
            &self.log.record,
            self.release,
            &self.context.actors,
            self.policy,
            rule,
        )
        .cloned()
    }

    fn calendar(&self) -> Option<&'a Calendar> {
        let ctx = self.context;
        ctx.calendar
            .as_ref()
            .or_else(|| ctx.schedule.as_ref().and_then(|s| s.calendar.as_ref()))
    }

    fn cmdb(&self) -> Option<&'a Cmdb> {
        let ctx = self.context;
        ctx.cmdb
            .as_ref()
            .or_else(|| ctx.schedule.as_ref().and_then(|s| s.cmdb.as_ref()))
    }
}

/// Evaluates every requirement of moving `release` to `target`.
pub(crate) fn evaluate(
    release: &Release,
    target: State,
    context: &Context,
    policy: &Policy,
    log: &LogCheck,
) -> GateReport {
    let gates = policy.lifecycle.gates(release.kind);
    let derived = Derived::default();
    let inputs = Inputs {
        gates: &gates,
        log,
        derived: &derived,
        blackouts: None,
    };
    evaluate_with(release, target, context, policy, &inputs).into_report()
}

/// [`evaluate`] with what a prepared context keeps ([`Inputs`]).
pub(crate) fn evaluate_with<'a>(
    release: &'a Release,
    target: State,
    context: &'a Context,
    policy: &'a Policy,
    inputs: &Inputs<'_>,
) -> GateVerdict<'a> {
    let mut e = Eval {
        release,
        context,
        policy,
        gates: inputs.gates,
        out: Vec::new(),
        warnings: Vec::new(),
        log: inputs.log,
        derived: inputs.derived,
        blackouts: inputs.blackouts,
    };
    let from = release.state;
    record::check(&mut e);
    if let Some((i, j)) = transition::check(&mut e, from, target) {
        // The gate of every state left on the way, in order.
        for state in line().iter().take(j).skip(i) {
            match state {
                State::Planning => planning::leave(&mut e),
                State::Development => development::leave(&mut e),
                State::Testing => testing::leave(&mut e),
                State::Approval => approval::leave(&mut e),
                State::Deployment => deployment::leave(&mut e),
                State::Review => review::leave(&mut e),
                State::Closed | State::Cancelled => {}
            }
        }
    }
    GateVerdict {
        release,
        target,
        requirements: e.out,
        warnings: e.warnings,
    }
}
