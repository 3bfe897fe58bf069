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
mod finding;
mod planning;
mod record;
mod review;
mod testing;
mod transition;

use super::approval::{votes, Votes};
use super::prepared::RiskCell;
use super::{GateReport, GateVerdict, LogCheck};
use crate::error::Warning;
use crate::policy::Gates;
use crate::{Calendar, Cmdb, Context, Policy, Release, State};
pub(crate) use approval::role_name as approval_role_name;
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

/// The evaluation state: `'a` is what findings may borrow (the release,
/// context and policy), `'l` the log's replay and the risk cell, which
/// findings never borrow (a prepared context's cached log may not outlive
/// the evaluation).
struct Eval<'a: 'l, 'l> {
    release: &'a Release,
    context: &'a Context,
    policy: &'a Policy,
    gates: Gates,
    out: Vec<Req<'a>>,
    warnings: Vec<Warning>,
    votes: Option<Votes<'l>>,
    /// The log's replay: the gates count only what it yields.
    log: &'l LogCheck,
    /// Where a prepared context keeps the release's assessed risk.
    risk: Option<&'l RiskCell>,
}

impl<'a: 'l, 'l> Eval<'a, 'l> {
    /// A requirement with its typed finding, rendered late.
    fn find(&mut self, rule: &'static str, met: bool, finding: Finding<'a>) {
        self.out.push(Req { rule, met, finding });
    }

    fn votes(&mut self) -> &Votes<'l> {
        let (release, record, actors, sod) = (
            self.release,
            &self.log.record,
            &self.context.actors,
            &self.policy.lifecycle.separation_of_duties,
        );
        self.votes
            .get_or_insert_with(|| votes(release, record, actors, sod))
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
    evaluate_with(release, target, context, policy, log, None).into_report()
}

/// [`evaluate`], with the cell a prepared context keeps the release's
/// assessed risk in (assessed at most once per cached release).
pub(crate) fn evaluate_with<'a>(
    release: &'a Release,
    target: State,
    context: &'a Context,
    policy: &'a Policy,
    log: &LogCheck,
    risk: Option<&RiskCell>,
) -> GateVerdict<'a> {
    let mut e = Eval {
        release,
        context,
        policy,
        gates: policy.lifecycle.gates(release.kind),
        out: Vec::new(),
        warnings: Vec::new(),
        votes: None,
        log,
        risk,
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
