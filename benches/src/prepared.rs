//! The "prepared" side of every benchmark that reports one: one small
//! type per area, so the benchmark harness (`bench-report`,
//! `bench-headlines`) never names the prepared API itself. Issue #24 adds
//! reusable prepared objects (a prepared context for `check`, a
//! `PreparedSchedule` for conflicts, the `RiskAssessor`); where one is not
//! in the public API yet, its type here calls the cold path and its
//! `KIND` says so, and the report prints that instead of a prepared figure
//! — never a cold figure under a prepared label. After the prepared API
//! lands, swap the body of `new` / the call and the `KIND` constant here;
//! nothing else changes.

use relman::{
    ConflictReport, Context, GateReport, PreparedContext, PreparedSchedule, Release, Result,
    RiskAssessment, RiskAssessor, Schedule, State,
};

/// What a "prepared" figure of an area measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A reusable prepared object, built once outside the timing.
    Prepared(&'static str),
    /// No prepared API yet: the cold path (the text says so in the report).
    Cold(&'static str),
}

impl Kind {
    /// Whether the figure is a genuinely prepared one.
    pub fn is_prepared(self) -> bool {
        matches!(self, Kind::Prepared(_))
    }

    /// The label the report prints.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Prepared(s) | Kind::Cold(s) => s,
        }
    }
}

/// Lifecycle `check` with the context prepared once ([`PreparedContext`]:
/// the policy resolved once, the verified log of a release checked before
/// kept and reused for an equal release).
pub struct CheckPrepared<'a> {
    prepared: PreparedContext,
    _context: std::marker::PhantomData<&'a Context>,
}

impl<'a> CheckPrepared<'a> {
    /// What [`CheckPrepared::check`] measures.
    pub const KIND: Kind = Kind::Prepared("prepared `PreparedContext`, built once, warm");

    /// Prepares `context`.
    pub fn new(context: &'a Context) -> Result<Self> {
        Ok(CheckPrepared {
            prepared: PreparedContext::new(context.clone()),
            _context: std::marker::PhantomData,
        })
    }

    /// `check(release, target, context)` through the prepared context.
    pub fn check(&self, release: &Release, target: State) -> GateReport {
        self.prepared.check(release, target)
    }
}

/// Risk assessment with a prepared [`RiskAssessor`] (in the public API).
pub struct RiskPrepared<'a> {
    assessor: RiskAssessor<'a>,
}

impl<'a> RiskPrepared<'a> {
    /// What [`RiskPrepared::assess`] measures.
    pub const KIND: Kind = Kind::Prepared(
        "prepared `RiskAssessor`, built once; each assessment as its JSON text (`assess_json`)",
    );

    /// Prepares `context` (policy check, CMDB index and graph).
    pub fn new(context: &'a Context) -> Result<Self> {
        Ok(RiskPrepared {
            assessor: RiskAssessor::new(context)?,
        })
    }

    /// One release.
    pub fn assess(&self, release: &Release) -> Result<RiskAssessment> {
        self.assessor.assess(release)
    }

    /// One release as a host gets it: the assessment's JSON text, written
    /// straight from the typed verdict (`RiskAssessor::assess_json`; the
    /// same bytes as `serde_json::to_string(&assess(release)?)`).
    pub fn assess_json(&self, release: &Release) -> Result<String> {
        self.assessor.assess_json(release)
    }
}

/// Conflict detection with the schedule prepared once ([`PreparedSchedule`]:
/// validated once, calendar occurrences expanded once).
pub struct ConflictsPrepared<'a> {
    prepared: PreparedSchedule,
    _schedule: std::marker::PhantomData<&'a Schedule>,
}

impl<'a> ConflictsPrepared<'a> {
    /// What [`ConflictsPrepared::detect`] measures.
    pub const KIND: Kind = Kind::Prepared("prepared `PreparedSchedule`, built once");

    /// Prepares `schedule`.
    pub fn new(schedule: &'a Schedule) -> Result<Self> {
        Ok(ConflictsPrepared {
            prepared: PreparedSchedule::new(schedule.clone())?,
            _schedule: std::marker::PhantomData,
        })
    }

    /// Every conflict of the prepared schedule.
    pub fn detect(&self) -> Result<ConflictReport> {
        self.prepared.conflicts()
    }
}
