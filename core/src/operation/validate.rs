//! Parsing and validation of documents: schema version, structure (with the
//! JSON path, line and column of the first structural problem) and the
//! semantic rules beyond the schema (windows in order, unique ids,
//! references that resolve inside the document), collecting every semantic
//! problem at once.

use crate::context::{Context, Schedule};
use crate::document::*;
use crate::error::{Error, Problem, Result, Warning};
use crate::foundation::hash::FxBuildHasher;
use crate::foundation::limits::Counted;
use crate::limits::Limits;
use crate::policy::Policy;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::hash_map::Entry;

/// The id sets of the uniqueness and reference checks: hashed (lookups
/// only, never iterated, so the order of what is reported is the
/// document's).
type Set<T> = std::collections::HashSet<T, FxBuildHasher>;
type Map<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

/// A [`Set`] of the ids `items` yield.
fn id_set<'a>(items: impl ExactSizeIterator<Item = &'a str>) -> Set<&'a str> {
    let mut set = Set::with_capacity_and_hasher(items.len(), FxBuildHasher::default());
    set.extend(items);
    set
}
use std::fmt;

pub use crate::document::SCHEMA_VERSION;
pub use crate::foundation::limits::MAX_JSON_DEPTH;

/// The kinds of input document of the data contract.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// [`Release`].
    Release,
    /// [`Change`].
    Change,
    /// [`ConfigurationItem`].
    ConfigurationItem,
    /// [`Cmdb`].
    Cmdb,
    /// [`Actor`].
    Actor,
    /// [`Calendar`].
    Calendar,
    /// [`Schedule`].
    Schedule,
    /// [`History`].
    History,
    /// [`Context`].
    Context,
    /// [`Policy`].
    Policy,
    /// [`crate::Command`], a lifecycle command.
    Command,
    /// [`crate::rollout::RolloutReplay`], a plan and inputs to replay.
    RolloutReplay,
    /// [`crate::rollout::CanaryComparison`], samples to judge.
    CanaryComparison,
}

/// The top-level keys of a policy document: any of them makes a document
/// fit the policy kind (`DocumentKind::detect` and `fitting`).
const POLICY_SECTIONS: [&str; 7] = [
    "lifecycle",
    "risk",
    "conflicts",
    "rollout",
    "kpi",
    "notes",
    "versions",
];

impl DocumentKind {
    /// Every input document kind.
    pub const ALL: [DocumentKind; 13] = [
        DocumentKind::Release,
        DocumentKind::Change,
        DocumentKind::ConfigurationItem,
        DocumentKind::Cmdb,
        DocumentKind::Actor,
        DocumentKind::Calendar,
        DocumentKind::Schedule,
        DocumentKind::History,
        DocumentKind::Context,
        DocumentKind::Policy,
        DocumentKind::Command,
        DocumentKind::RolloutReplay,
        DocumentKind::CanaryComparison,
    ];

    /// The snake_case name (`release`, `configuration_item`, …).
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Release => "release",
            DocumentKind::Change => "change",
            DocumentKind::ConfigurationItem => "configuration_item",
            DocumentKind::Cmdb => "cmdb",
            DocumentKind::Actor => "actor",
            DocumentKind::Calendar => "calendar",
            DocumentKind::Schedule => "schedule",
            DocumentKind::History => "history",
            DocumentKind::Context => "context",
            DocumentKind::Policy => "policy",
            DocumentKind::Command => "command",
            DocumentKind::RolloutReplay => "rollout_replay",
            DocumentKind::CanaryComparison => "canary_comparison",
        }
    }

    /// The kind with this name (`-` and `_` are interchangeable).
    pub fn from_name(name: &str) -> Option<DocumentKind> {
        let name = name.replace('-', "_");
        DocumentKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Guesses the kind of a parsed document from its distinctive keys, for
    /// front ends that accept any document (`relman validate FILE`).
    ///
    /// Rules, first match wins: `command` and `actor` → command; `plan` and
    /// `inputs` → rollout replay; `baseline` and `canary` → canary
    /// comparison; `cis` or
    /// `relationships` → cmdb;
    /// `deployments` or `incidents` → history; `blackouts` or
    /// `maintenance_windows` (an array) → calendar; `actors` or `now` →
    /// context; `releases`, or `changes` without `title` or `summary` →
    /// schedule; `lifecycle`, `risk`, `conflicts`,
    /// `rollout`, `kpi`, `notes` or `versions` → policy; `title` → release;
    /// `summary` and `kind` → change; `class` → configuration item;
    /// `roles` → actor.
    pub fn detect(document: &Value) -> Option<DocumentKind> {
        let obj = document.as_object()?;
        let has = |k: &str| obj.contains_key(k);
        let kind = if has("command") && has("actor") {
            DocumentKind::Command
        } else if has("plan") && has("inputs") {
            DocumentKind::RolloutReplay
        } else if has("baseline") && has("canary") {
            DocumentKind::CanaryComparison
        } else if has("cis") || has("relationships") {
            DocumentKind::Cmdb
        } else if has("deployments") || has("incidents") {
            DocumentKind::History
        } else if has("blackouts")
            || obj.get("maintenance_windows").is_some_and(Value::is_array) && !has("class")
        {
            DocumentKind::Calendar
        } else if has("actors") || has("now") {
            DocumentKind::Context
        } else if has("releases") || (has("changes") && !has("title") && !has("summary")) {
            DocumentKind::Schedule
        } else if POLICY_SECTIONS.iter().any(|k| has(k)) {
            DocumentKind::Policy
        } else if has("title") {
            DocumentKind::Release
        } else if has("summary") && has("kind") {
            DocumentKind::Change
        } else if has("class") {
            DocumentKind::ConfigurationItem
        } else if has("roles") {
            DocumentKind::Actor
        } else {
            return None;
        };
        Some(kind)
    }

    /// Every kind whose distinctive keys the document carries, in the order
    /// of [`DocumentKind::detect`]'s rules (empty for a document that is not
    /// an object). A front end that guesses should guess only when exactly
    /// one kind fits — that one is what `detect` returns — and ask for the
    /// kind otherwise: a release carrying `risk` (an attached assessment)
    /// fits release and policy, and validated as a policy it would pass.
    ///
    /// The keys are `detect`'s, each rule on its own; a key a kind contains
    /// by design does not make another kind fit: `releases` beside
    /// `deployments` or `incidents` is a history's, `changes` beside `title`
    /// or `summary` a release's or change's, `maintenance_windows` beside
    /// `class` a configuration item's.
    pub fn fitting(document: &Value) -> Vec<DocumentKind> {
        let Some(obj) = document.as_object() else {
            return Vec::new();
        };
        let has = |k: &str| obj.contains_key(k);
        let history = has("deployments") || has("incidents");
        [
            (DocumentKind::Command, has("command") && has("actor")),
            (DocumentKind::RolloutReplay, has("plan") && has("inputs")),
            (
                DocumentKind::CanaryComparison,
                has("baseline") && has("canary"),
            ),
            (DocumentKind::Cmdb, has("cis") || has("relationships")),
            (DocumentKind::History, history),
            (
                DocumentKind::Calendar,
                has("blackouts")
                    || obj.get("maintenance_windows").is_some_and(Value::is_array) && !has("class"),
            ),
            (DocumentKind::Context, has("actors") || has("now")),
            (
                DocumentKind::Schedule,
                has("releases") && !history || has("changes") && !has("title") && !has("summary"),
            ),
            (
                DocumentKind::Policy,
                POLICY_SECTIONS.iter().any(|k| has(k)) && policy_admits(obj),
            ),
            (DocumentKind::Release, has("title")),
            (DocumentKind::Change, has("summary") && has("kind")),
            (DocumentKind::ConfigurationItem, has("class")),
            (DocumentKind::Actor, has("roles")),
        ]
        .into_iter()
        .filter_map(|(kind, fits)| fits.then_some(kind))
        .collect()
    }
}

/// Whether a policy could hold every top-level key of `obj`: policies are
/// strict (docs/policy.md), so a document with a key no policy has — a
/// release's `id` or `title` beside its attached `risk` — is no policy.
fn policy_admits(obj: &serde_json::Map<String, Value>) -> bool {
    obj.keys().all(|k| crate::policy::is_top_level_key(k))
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What semantic validation found: problems make the document invalid,
/// warnings do not.
#[derive(Debug, Default)]
pub struct Findings {
    /// Problems of the document outside its policy.
    pub problems: Vec<Problem>,
    /// Problems of the policy (its own or an embedded one).
    pub policy_problems: Vec<Problem>,
    /// Odd but acceptable things.
    pub warnings: Vec<Warning>,
}

impl Findings {
    fn problem(&mut self, path: String, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn warn(&mut self, code: &str, path: String, message: impl Into<String>) {
        self.warnings.push(Warning::new(code, path, message));
    }

    fn version(&mut self, base: &str, version: Option<u32>) -> Option<Error> {
        match version {
            Some(v) if v != SCHEMA_VERSION => Some(Error::UnsupportedVersion {
                path: join(base, "schema_version"),
                found: Value::from(v),
                supported: SCHEMA_VERSION,
            }),
            _ => None,
        }
    }

    /// The path is written only for a problem.
    fn non_empty(&mut self, path: impl FnOnce() -> String, value: &str) {
        if value.trim().is_empty() {
            self.problem(path(), "must not be empty");
        }
    }

    /// Reports every id that appears more than once, at the later place.
    /// Paths are written only for a duplicate.
    fn unique_ids<'a>(
        &mut self,
        base: &str,
        what: &str,
        ids: impl IntoIterator<Item = (At<'a>, &'a str)>,
    ) {
        let ids = ids.into_iter();
        let mut first: Map<&str, At<'a>> =
            Map::with_capacity_and_hasher(ids.size_hint().0, FxBuildHasher::default());
        for (at, id) in ids {
            match first.entry(id) {
                Entry::Vacant(slot) => {
                    slot.insert(at);
                }
                Entry::Occupied(earlier) => {
                    let earlier = earlier.get().path();
                    let earlier = if earlier.is_empty() {
                        base.to_string()
                    } else {
                        earlier
                    };
                    self.problem(
                        join(&at.path(), "id"),
                        format!("duplicate {what} id `{id}` (first at {earlier})"),
                    );
                }
            }
        }
    }

    /// Checks that an optional window is in order and complete.
    fn window(
        &mut self,
        base: &str,
        (start_name, start): (&str, Option<&crate::Timestamp>),
        (end_name, end): (&str, Option<&crate::Timestamp>),
    ) {
        match (start, end) {
            (Some(s), Some(e)) if e <= s => self.problem(
                join(base, end_name),
                format!("must be after {start_name} ({e} is not after {s})"),
            ),
            (Some(_), None) => self.warn(
                "incomplete_window",
                join(base, end_name),
                format!("{start_name} is set but {end_name} is not"),
            ),
            (None, Some(_)) => self.warn(
                "incomplete_window",
                join(base, start_name),
                format!("{end_name} is set but {start_name} is not"),
            ),
            _ => {}
        }
    }
}

pub use crate::foundation::path::join;

/// The paths and ids of the items of a list field, for `unique_ids`.
fn ids<'a, T>(
    base: &'a str,
    field: &'a str,
    items: &'a [T],
    id: fn(&T) -> &String,
) -> impl Iterator<Item = (At<'a>, &'a str)> + 'a {
    items
        .iter()
        .enumerate()
        .map(move |(i, x)| (At { base, field, i }, id(x).as_str()))
}

/// The path of item `i` of the list `field` under `base`, written only when
/// a message needs it (most documents have no duplicate to report).
struct At<'a> {
    base: &'a str,
    field: &'a str,
    i: usize,
}

impl At<'_> {
    fn path(&self) -> String {
        index(self.base, self.field, self.i)
    }
}

fn index(base: &str, field: &str, i: usize) -> String {
    format!("{}[{i}]", join(base, field))
}

/// A document of the data contract: parseable, checkable, with a schema.
pub trait Document: DeserializeOwned + Serialize + JsonSchema {
    /// The kind of this document.
    const KIND: DocumentKind;

    /// Appends every semantic problem and warning, with paths under `base`.
    /// Returns an `unsupported_version` error found in nested documents.
    fn check(&self, base: &str, findings: &mut Findings) -> Option<Error>;

    /// Appends the problems and warnings only validation reports, after
    /// [`Document::check`]: the release versions of a release, schedule,
    /// history or context under the document's versions policy (its own,
    /// else the default; `docs/lifecycle.md`, "Versions"). Reading a
    /// document for an operation does not make these checks. None by
    /// default.
    fn check_validating(&self, findings: &mut Findings) {
        let _ = findings;
    }
}

/// Checks the versions of `releases` (at `field[i]`) against `pool` under
/// `policy` (the default when absent).
fn check_versions(
    releases: &[Release],
    field: &str,
    pool: &[&Release],
    policy: Option<&Policy>,
    f: &mut Findings,
) {
    let default = crate::policy::VersionsPolicy::default();
    let versions = policy.map_or(&default, |p| &p.versions);
    crate::versions::check_versions(
        releases,
        field,
        pool,
        versions,
        &mut f.problems,
        &mut f.warnings,
    );
}

/// Whether [`Findings::window`] has nothing to say about a window: none,
/// or complete and in order.
fn window_fine(start: Option<&crate::Timestamp>, end: Option<&crate::Timestamp>) -> bool {
    match (start, end) {
        (None, None) => true,
        (Some(s), Some(e)) => e > s,
        _ => false,
    }
}

/// Checks a change at the path `base()` (written only for a problem).
fn check_change(c: &Change, base: impl Fn() -> String, f: &mut Findings) {
    f.non_empty(|| join(&base(), "id"), &c.id);
    for (i, ci) in c.affected_cis.iter().enumerate() {
        f.non_empty(|| index(&base(), "affected_cis", i), ci);
    }
    if !window_fine(c.planned_start.as_ref(), c.planned_end.as_ref()) {
        f.window(
            &base(),
            ("planned_start", c.planned_start.as_ref()),
            ("planned_end", c.planned_end.as_ref()),
        );
    }
}

impl Document for Change {
    const KIND: DocumentKind = DocumentKind::Change;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        check_change(self, || base.to_string(), f);
        None
    }
}

impl Document for Release {
    const KIND: DocumentKind = DocumentKind::Release;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let version = f.version(base, self.schema_version);
        f.non_empty(|| join(base, "id"), &self.id);
        f.non_empty(|| join(base, "title"), &self.title);
        f.window(
            base,
            ("planned_start", self.planned_start.as_ref()),
            ("planned_end", self.planned_end.as_ref()),
        );
        f.unique_ids(
            base,
            "change",
            ids(base, "changes", &self.changes, |x| &x.id),
        );
        for (i, c) in self.changes.iter().enumerate() {
            check_change(c, || index(base, "changes", i), f);
        }
        let mut seen = Set::default();
        for (i, dep) in self.depends_on.iter().enumerate() {
            let path = || index(base, "depends_on", i);
            if *dep == self.id {
                f.problem(path(), format!("release `{dep}` cannot depend on itself"));
            } else if !seen.insert(dep) {
                f.warn(
                    "duplicate_reference",
                    path(),
                    format!("`{dep}` is listed twice"),
                );
            }
        }
        if let Some(plan) = &self.deployment {
            let (problems, warnings) = (&mut f.problems, &mut f.warnings);
            crate::rollout::check_plan(plan, &join(base, "deployment"), false, problems, warnings);
        }
        if let Some(review) = &self.review {
            for (i, fb) in review.feedback.iter().enumerate() {
                if let Some(r) = fb.rating {
                    if !(1..=5).contains(&r) {
                        let p = join(&index(&join(base, "review"), "feedback", i), "rating");
                        f.problem(p, format!("rating must be 1 to 5, got {r}"));
                    }
                }
            }
        }
        version
    }

    fn check_validating(&self, f: &mut Findings) {
        let default = crate::policy::VersionsPolicy::default();
        crate::versions::check_version(self, "", &[], &default, &mut f.problems, &mut f.warnings);
    }
}

impl Document for ConfigurationItem {
    const KIND: DocumentKind = DocumentKind::ConfigurationItem;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let version = f.version(base, self.schema_version);
        f.non_empty(|| join(base, "id"), &self.id);
        version
    }
}

impl Document for Cmdb {
    const KIND: DocumentKind = DocumentKind::Cmdb;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let mut version = f.version(base, self.schema_version);
        f.unique_ids(base, "CI", ids(base, "cis", &self.cis, |x| &x.id));
        for (i, ci) in self.cis.iter().enumerate() {
            version = version.or(ci.check(&index(base, "cis", i), f));
        }
        let ids = id_set(self.cis.iter().map(|c| c.id.as_str()));
        let mut pairs = Set::default();
        for (i, r) in self.relationships.iter().enumerate() {
            let path = index(base, "relationships", i);
            for (end, id) in [("from", &r.from), ("to", &r.to)] {
                if !ids.contains(id.as_str()) {
                    f.problem(join(&path, end), format!("CI `{id}` is not in this CMDB"));
                }
            }
            if r.from == r.to {
                f.warn(
                    "self_relationship",
                    path.clone(),
                    format!("CI `{}` relates to itself", r.from),
                );
            }
            if !pairs.insert((&r.from, &r.to, &r.kind)) {
                f.warn(
                    "duplicate_relationship",
                    path,
                    format!("`{} {} {}` is listed twice", r.from, r.kind, r.to),
                );
            }
        }
        version
    }
}

impl Document for Actor {
    const KIND: DocumentKind = DocumentKind::Actor;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let version = f.version(base, self.schema_version);
        f.non_empty(|| join(base, "id"), &self.id);
        version
    }
}

fn check_recurrence(r: &Recurrence, base: &str, f: &mut Findings) {
    if r.interval == 0 {
        f.problem(join(base, "interval"), "must be at least 1");
    }
    let well_formed = r.start_time.len() == 5 && r.start_time.as_bytes().get(2) == Some(&b':');
    if !well_formed || chrono::NaiveTime::parse_from_str(&r.start_time, "%H:%M").is_err() {
        f.problem(
            join(base, "start_time"),
            format!("`{}` is not a local time HH:MM", r.start_time),
        );
    }
    if let Some(message) = crate::calendar::duration_problem(r.duration_secs) {
        f.problem(join(base, "duration_secs"), message);
    }
    if r.time_zone.parse::<chrono_tz::Tz>().is_err() {
        f.problem(
            join(base, "time_zone"),
            format!("`{}` is not an IANA time zone name", r.time_zone),
        );
    }
    match r.freq {
        Frequency::Daily => {}
        Frequency::Weekly => {
            if r.by_day.is_empty() {
                f.problem(
                    join(base, "by_day"),
                    "a weekly recurrence needs at least one day",
                );
            }
        }
        Frequency::Monthly => match (r.day_of_month, r.nth) {
            (Some(d), None) => {
                if !(1..=31).contains(&d) {
                    f.problem(
                        join(base, "day_of_month"),
                        format!("must be 1 to 31, got {d}"),
                    );
                }
            }
            (None, Some(n)) => {
                if !(n == -1 || (1..=5).contains(&n)) {
                    f.problem(join(base, "nth"), format!("must be 1 to 5 or -1, got {n}"));
                }
                if r.by_day.len() != 1 {
                    f.problem(
                        join(base, "by_day"),
                        "a monthly nth-weekday recurrence needs exactly one day",
                    );
                }
            }
            _ => f.problem(
                base.to_string(),
                "a monthly recurrence needs exactly one of day_of_month or nth",
            ),
        },
    }
    let date = |name: &str, v: &Option<String>, f: &mut Findings| {
        v.as_ref()
            .and_then(|s| match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    f.problem(join(base, name), format!("`{s}` is not a date YYYY-MM-DD"));
                    None
                }
            })
    };
    let from = date("from", &r.from, f);
    let until = date("until", &r.until, f);
    if let (Some(a), Some(b)) = (from, until) {
        if b < a {
            f.problem(
                join(base, "until"),
                format!("must not be before from ({b} < {a})"),
            );
        }
    }
}

fn check_period(
    base: &str,
    start: Option<&crate::Timestamp>,
    end: Option<&crate::Timestamp>,
    recurrence: Option<&Recurrence>,
    scope: Option<&Scope>,
    f: &mut Findings,
) {
    match (start, end, recurrence) {
        (Some(s), Some(e), None) => {
            if e <= s {
                f.problem(
                    join(base, "end"),
                    format!("must be after start ({e} is not after {s})"),
                );
            }
        }
        (None, None, Some(r)) => check_recurrence(r, &join(base, "recurrence"), f),
        (None, None, None) => f.problem(
            base.to_string(),
            "needs either start and end, or a recurrence",
        ),
        (_, _, Some(_)) => f.problem(
            join(base, "recurrence"),
            "give either start and end, or a recurrence, not both",
        ),
        (Some(_), None, None) => f.problem(join(base, "end"), "start is set but end is not"),
        (None, Some(_), None) => f.problem(join(base, "start"), "end is set but start is not"),
    }
    if let Some(scope) = scope {
        if scope.is_empty() {
            f.problem(
                join(base, "scope"),
                "scope names nothing; use {\"all\": true} or list CIs, classes, services or environments",
            );
        }
    }
}

impl Document for Calendar {
    const KIND: DocumentKind = DocumentKind::Calendar;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let version = f.version(base, self.schema_version);
        f.unique_ids(
            base,
            "blackout",
            ids(base, "blackouts", &self.blackouts, |x| &x.id),
        );
        f.unique_ids(
            base,
            "maintenance window",
            ids(
                base,
                "maintenance_windows",
                &self.maintenance_windows,
                |x| &x.id,
            ),
        );
        for (i, b) in self.blackouts.iter().enumerate() {
            let path = index(base, "blackouts", i);
            f.non_empty(|| join(&path, "id"), &b.id);
            check_period(
                &path,
                b.start.as_ref(),
                b.end.as_ref(),
                b.recurrence.as_ref(),
                b.scope.as_ref(),
                f,
            );
        }
        for (i, w) in self.maintenance_windows.iter().enumerate() {
            let path = index(base, "maintenance_windows", i);
            f.non_empty(|| join(&path, "id"), &w.id);
            check_period(
                &path,
                w.start.as_ref(),
                w.end.as_ref(),
                w.recurrence.as_ref(),
                w.scope.as_ref(),
                f,
            );
        }
        version
    }
}

/// Checks that every maintenance window a CI names exists in the calendar.
fn check_window_refs(cmdb: &Cmdb, cmdb_base: &str, calendar: &Calendar, f: &mut Findings) {
    let windows = id_set(calendar.maintenance_windows.iter().map(|w| w.id.as_str()));
    for (i, ci) in cmdb.cis.iter().enumerate() {
        for (j, w) in ci.maintenance_windows.iter().enumerate() {
            if !windows.contains(w.as_str()) {
                f.problem(
                    index(&index(cmdb_base, "cis", i), "maintenance_windows", j),
                    format!("maintenance window `{w}` is not in the calendar"),
                );
            }
        }
    }
}

fn check_policy(policy: Option<&Policy>, base: &str, f: &mut Findings) -> Option<Error> {
    let policy = policy?;
    let path = join(base, "policy");
    f.policy_problems.extend(policy.check(&path));
    f.version(&path, policy.schema_version)
}

impl Document for Schedule {
    const KIND: DocumentKind = DocumentKind::Schedule;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let mut version = f.version(base, self.schema_version);
        let releases = ids(base, "releases", &self.releases, |r| &r.id);
        let changes = ids(base, "changes", &self.changes, |c| &c.id);
        f.unique_ids(base, "item", releases.chain(changes));
        for (i, r) in self.releases.iter().enumerate() {
            version = version.or(r.check(&index(base, "releases", i), f));
        }
        for (i, c) in self.changes.iter().enumerate() {
            let path = index(base, "changes", i);
            check_change(c, || path.clone(), f);
            if c.planned_start.is_none() || c.planned_end.is_none() {
                f.problem(
                    path,
                    "a change scheduled outside a release needs planned_start and planned_end",
                );
            }
        }
        if let Some(cmdb) = &self.cmdb {
            version = version.or(cmdb.check(&join(base, "cmdb"), f));
            let known = id_set(cmdb.cis.iter().map(|c| c.id.as_str()));
            for (i, r) in self.releases.iter().enumerate() {
                let path = index(base, "releases", i);
                for ci in r.all_affected_cis() {
                    if !known.contains(ci) {
                        f.warn(
                            "unknown_ci",
                            path.clone(),
                            format!("CI `{ci}` is not in the CMDB"),
                        );
                    }
                }
            }
        }
        if let Some(calendar) = &self.calendar {
            version = version.or(calendar.check(&join(base, "calendar"), f));
        }
        if let (Some(cmdb), Some(calendar)) = (&self.cmdb, &self.calendar) {
            check_window_refs(cmdb, &join(base, "cmdb"), calendar, f);
        }
        version.or(check_policy(self.policy.as_ref(), base, f))
    }

    fn check_validating(&self, f: &mut Findings) {
        let pool: Vec<&Release> = self.releases.iter().collect();
        check_versions(&self.releases, "releases", &pool, self.policy.as_ref(), f);
    }
}

impl Document for History {
    const KIND: DocumentKind = DocumentKind::History;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let mut version = f.version(base, self.schema_version);
        f.unique_ids(
            base,
            "deployment",
            ids(base, "deployments", &self.deployments, |x| &x.id),
        );
        f.unique_ids(
            base,
            "incident",
            ids(base, "incidents", &self.incidents, |x| &x.id),
        );
        f.unique_ids(
            base,
            "release",
            ids(base, "releases", &self.releases, |x| &x.id),
        );
        for (i, d) in self.deployments.iter().enumerate() {
            // Paths are written only for a problem.
            let path = || index(base, "deployments", i);
            if d.id.trim().is_empty() {
                f.non_empty(|| join(&path(), "id"), &d.id);
            }
            if let Some(start) = &d.started_at {
                if d.finished_at < *start {
                    f.problem(
                        join(&path(), "finished_at"),
                        format!(
                            "must not be before started_at ({} < {start})",
                            d.finished_at
                        ),
                    );
                }
            }
        }
        let deployments = id_set(self.deployments.iter().map(|d| d.id.as_str()));
        for (i, inc) in self.incidents.iter().enumerate() {
            let path = || index(base, "incidents", i);
            if inc.id.trim().is_empty() {
                f.non_empty(|| join(&path(), "id"), &inc.id);
            }
            if let Some(resolved) = &inc.resolved_at {
                if *resolved < inc.created_at {
                    f.problem(
                        join(&path(), "resolved_at"),
                        format!(
                            "must not be before created_at ({resolved} < {})",
                            inc.created_at
                        ),
                    );
                }
            }
            if let Some(cause) = &inc.caused_by {
                if !deployments.contains(cause.as_str()) {
                    f.problem(
                        join(&path(), "caused_by"),
                        format!("deployment `{cause}` is not in this history"),
                    );
                }
            }
        }
        for (i, r) in self.releases.iter().enumerate() {
            version = version.or(r.check(&index(base, "releases", i), f));
        }
        version
    }

    fn check_validating(&self, f: &mut Findings) {
        let pool: Vec<&Release> = self.releases.iter().collect();
        check_versions(&self.releases, "releases", &pool, None, f);
    }
}

impl Document for Context {
    const KIND: DocumentKind = DocumentKind::Context;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let mut version = f.version(base, self.schema_version);
        f.unique_ids(base, "actor", ids(base, "actors", &self.actors, |x| &x.id));
        for (i, a) in self.actors.iter().enumerate() {
            version = version.or(a.check(&index(base, "actors", i), f));
        }
        if let Some(cmdb) = &self.cmdb {
            version = version.or(cmdb.check(&join(base, "cmdb"), f));
        }
        if let Some(calendar) = &self.calendar {
            version = version.or(calendar.check(&join(base, "calendar"), f));
        }
        if let (Some(cmdb), Some(calendar)) = (&self.cmdb, &self.calendar) {
            check_window_refs(cmdb, &join(base, "cmdb"), calendar, f);
        }
        if let Some(schedule) = &self.schedule {
            version = version.or(schedule.check(&join(base, "schedule"), f));
        }
        if let Some(history) = &self.history {
            version = version.or(history.check(&join(base, "history"), f));
        }
        version.or(check_policy(self.policy.as_ref(), base, f))
    }

    fn check_validating(&self, f: &mut Findings) {
        let pool = crate::versions::pool_of(self);
        let policy = self.policy.as_ref();
        if let Some(schedule) = &self.schedule {
            check_versions(&schedule.releases, "schedule.releases", &pool, policy, f);
        }
        if let Some(history) = &self.history {
            check_versions(&history.releases, "history.releases", &pool, policy, f);
        }
    }
}

impl Document for Policy {
    const KIND: DocumentKind = DocumentKind::Policy;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        f.policy_problems.extend(Policy::check(self, base));
        f.version(base, self.schema_version)
    }
}

impl Document for crate::Command {
    const KIND: DocumentKind = DocumentKind::Command;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        f.non_empty(|| join(base, "actor"), &self.actor);
        match &self.action {
            crate::Action::SendBack { reason, .. } | crate::Action::Cancel { reason } => {
                f.non_empty(|| join(base, "reason"), reason)
            }
            crate::Action::RecordTests { tests } if tests.is_empty() => {
                f.problem(join(base, "tests"), "record at least one test run")
            }
            _ => {}
        }
        None
    }
}

impl Document for crate::rollout::RolloutReplay {
    const KIND: DocumentKind = DocumentKind::RolloutReplay;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        let version = f.version(base, self.schema_version);
        crate::rollout::check_plan(
            &self.plan,
            &join(base, "plan"),
            true,
            &mut f.problems,
            &mut f.warnings,
        );
        for (i, step) in self.inputs.iter().enumerate() {
            let path = index(base, "inputs", i);
            if let Err(e) = crate::rollout::check_input_at(&self.plan, &step.input, &path) {
                f.problems.extend(e.problems().iter().cloned());
            }
            if let Some(prev) = i.checked_sub(1).and_then(|p| self.inputs.get(p)) {
                if step.at < prev.at {
                    f.problem(
                        join(&path, "at"),
                        format!(
                            "inputs must be in time order ({} is before {})",
                            step.at, prev.at
                        ),
                    );
                }
            }
        }
        version
    }
}

impl Document for crate::rollout::CanaryComparison {
    const KIND: DocumentKind = DocumentKind::CanaryComparison;
    fn check(&self, base: &str, f: &mut Findings) -> Option<Error> {
        f.version(base, self.schema_version)
    }
}

/// A parsed and checked document with its warnings.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The document.
    pub document: T,
    /// What was odd but acceptable.
    pub warnings: Vec<Warning>,
}

/// True when a structural error at `path` lies inside the policy of a
/// document of `kind` (so it is `invalid_policy`, not `invalid_input`).
fn is_policy_path(kind: DocumentKind, path: &str) -> bool {
    match kind {
        DocumentKind::Policy => true,
        DocumentKind::Context | DocumentKind::Schedule => {
            path == "policy" || path.starts_with("policy.")
        }
        _ => false,
    }
}

/// The `schema_version` of a document that failed to parse, if it is a
/// number other than the supported one.
fn version_error(document: &Value) -> Option<Error> {
    let found = document.get("schema_version")?;
    if found.is_number() && found.as_u64() != Some(u64::from(SCHEMA_VERSION)) {
        return Some(Error::UnsupportedVersion {
            path: "schema_version".to_string(),
            found: found.clone(),
            supported: SCHEMA_VERSION,
        });
    }
    None
}

fn structural_error(kind: DocumentKind, mut path: String, inner: &serde_json::Error) -> Error {
    structural_errors(kind, &mut path, inner, None, None)
}

/// The first structural problem serde found (with line and column when
/// parsing text), followed by every other structural problem the schema
/// walk finds in `document`, when it is available.
fn structural_errors(
    kind: DocumentKind,
    path: &mut String,
    inner: &serde_json::Error,
    document: Option<&Value>,
    schema: Option<fn() -> Value>,
) -> Error {
    if path == "." {
        path.clear();
    }
    let (line, column) = match inner.line() {
        0 => (None, None),
        // serde_json reports column 0 at the start of a line (e.g. at end of input).
        l => (Some(l), Some(inner.column().max(1))),
    };
    let mut message = inner.to_string();
    if line.is_some() {
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    if message.starts_with("recursion limit exceeded") {
        return Error::LimitExceeded {
            path: path.clone(),
            what: "JSON nesting depth".to_string(),
            limit: MAX_JSON_DEPTH,
            found: MAX_JSON_DEPTH + 1,
        };
    }
    // Name the missing field in the path: `changes[0].summary`, not `changes[0]`.
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|s| s.strip_suffix('`'))
    {
        *path = join(path, field);
    }
    // Inside an internally tagged enum (a command) serde loses the path;
    // the message quotes the offending member or value, so find it.
    if path.is_empty() {
        if let Some(doc) = document {
            let quoted = |prefix: &str| {
                message
                    .strip_prefix(prefix)
                    .and_then(|s| s.split('`').next())
                    .map(str::to_string)
            };
            let found = if let Some(key) = quoted("unknown field `") {
                locate(doc, "", &|k, _| k == Some(key.as_str()), true)
            } else if let Some(text) = quoted("unknown variant `") {
                locate(doc, "", &|_, v| v.as_str() == Some(text.as_str()), false)
            } else {
                None
            };
            if let Some(found) = found {
                *path = found;
            }
        }
    }
    let mut problems = vec![Problem {
        path: path.clone(),
        message,
        line,
        column,
    }];
    if let (Some(doc), Some(schema)) = (document, schema.map(|generate| generate())) {
        for p in crate::structure::problems(&schema, doc) {
            if !problems.iter().any(|q| q.path == p.path) {
                problems.push(p);
            }
        }
    }
    let all_policy = problems.iter().all(|p| is_policy_path(kind, &p.path));
    if all_policy {
        Error::InvalidPolicy { problems }
    } else {
        Error::InvalidInput { problems }
    }
}

/// The path of the first member (depth first, in document order) for which
/// `hit(key, value)` holds; with `name_key`, the path ends in the key.
/// Bounded by the depth limit already checked on the document.
fn locate(
    value: &Value,
    path: &str,
    hit: &dyn Fn(Option<&str>, &Value) -> bool,
    name_key: bool,
) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = join(path, k);
            if hit(Some(k), v) {
                return Some(here);
            }
            locate(v, &here, hit, name_key)
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let here = format!("{path}[{i}]");
            if !name_key && hit(None, v) {
                return Some(here);
            }
            locate(v, &here, hit, name_key)
        }),
        _ => None,
    }
}

/// Which checks reading a document makes: every read makes the document's
/// own ([`Document::check`]); [`validate`] and [`validate_value`] add the
/// ones only validation makes ([`Document::check_validating`]: versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// The checks of every read.
    Read,
    /// Those and the checks of validation.
    Validate,
}

fn finish<T: Document>(document: T, checks: Checks) -> Result<Parsed<T>> {
    let mut findings = Findings::default();
    if let Some(version) = document.check("", &mut findings) {
        return Err(version);
    }
    if checks == Checks::Validate {
        document.check_validating(&mut findings);
    }
    let Findings {
        problems,
        policy_problems,
        warnings,
    } = findings;
    if !problems.is_empty() {
        let mut all = problems;
        all.extend(policy_problems);
        return Err(Error::InvalidInput { problems: all });
    }
    if !policy_problems.is_empty() {
        return Err(Error::InvalidPolicy {
            problems: policy_problems,
        });
    }
    Ok(Parsed { document, warnings })
}

/// Parses and checks a document from JSON text: structure first (the first
/// structural problem, with path, line and column), then every semantic
/// problem at once. The default [`Limits`] apply: larger or deeper input is
/// `limit_exceeded` before it is parsed.
pub fn parse<T: Document>(text: &str) -> Result<Parsed<T>> {
    parse_with_limits(text, &Limits::default())
}

/// [`parse`] under custom read-time limits (size, depth, items per list,
/// CIs, relationships, string length; see [`crate::limits`]).
pub fn parse_with_limits<T: Document>(text: &str, limits: &Limits) -> Result<Parsed<T>> {
    parse_checked(text, limits, Checks::Read)
}

/// [`parse_with_limits`] making `checks`.
fn parse_checked<T: Document>(text: &str, limits: &Limits, checks: Checks) -> Result<Parsed<T>> {
    // The fast path: the limits counted while deserialising, no path
    // tracking. Only a document that fails to deserialise or may exceed a
    // limit is read again the old way — the byte pre-pass, then with path
    // tracking — to build the error.
    match limits.deserialize_counted::<T>(text) {
        Counted::Within(document) => finish(document, checks),
        Counted::Unsure(document) => {
            limits.check_text(text)?;
            finish(document, checks)
        }
        Counted::Refused => parse_slow(text, limits, checks),
    }
}

/// The old way of [`parse_with_limits`], which the fast path falls back
/// to: the limits in a pre-pass over the bytes, then deserialisation with
/// path tracking.
fn parse_slow<T: Document>(text: &str, limits: &Limits, checks: Checks) -> Result<Parsed<T>> {
    limits.check_text(text)?;
    parse_tracked(text, checks)
}

/// The slow path of [`parse_with_limits`] (the limits already checked):
/// deserialisation with path tracking, for the error of a document the fast
/// path refused.
fn parse_tracked<T: Document>(text: &str, checks: Checks) -> Result<Parsed<T>> {
    let mut de = serde_json::Deserializer::from_str(text);
    // `check_text` has bounded the depth (to at most MAX_JSON_DEPTH), so
    // serde_json's own recursion limit (one level less) is not needed.
    de.disable_recursion_limit();
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(document) => match de.end() {
            Ok(()) => finish(document, checks),
            Err(trailing) => Err(structural_error(T::KIND, String::new(), &trailing)),
        },
        Err(err) => {
            let document = serde_json::from_str::<Value>(text).ok();
            // An unknown version explains a structural error better than the error itself.
            if let Some(version) = document.as_ref().and_then(version_error) {
                return Err(version);
            }
            let mut path = err.path().to_string();
            Err(structural_errors(
                T::KIND,
                &mut path,
                err.inner(),
                document.as_ref(),
                Some(crate::structure::schema_for::<T>),
            ))
        }
    }
}

/// Parses and checks a document from a JSON value (as the bindings pass it).
/// The default [`Limits`] apply (all but the size in bytes): a value nested
/// deeper than 128, with a longer list or string, is `limit_exceeded` and
/// is taken apart without recursion, so even a 100 000-deep value cannot
/// overflow the stack.
pub fn from_value<T: Document>(value: Value) -> Result<Parsed<T>> {
    from_value_with_limits(value, &Limits::default())
}

/// [`from_value`] under custom read-time limits.
pub fn from_value_with_limits<T: Document>(value: Value, limits: &Limits) -> Result<Parsed<T>> {
    from_value_checked(value, limits, Checks::Read)
}

/// [`from_value_with_limits`] making `checks`.
fn from_value_checked<T: Document>(
    value: Value,
    limits: &Limits,
    checks: Checks,
) -> Result<Parsed<T>> {
    if let Err(e) = limits.check_value(&value) {
        crate::limits::dismantle(value);
        return Err(e);
    }
    if let Some(version) = version_error(&value) {
        return Err(version);
    }
    // The fast path: no path tracking; only a refused document is read
    // again with it, to build the error.
    if let Ok(document) = T::deserialize(&value) {
        return finish(document, checks);
    }
    match serde_path_to_error::deserialize::<_, T>(&value) {
        Ok(document) => finish(document, checks),
        Err(err) => {
            let mut path = err.path().to_string();
            Err(structural_errors(
                T::KIND,
                &mut path,
                err.inner(),
                Some(&value),
                Some(crate::structure::schema_for::<T>),
            ))
        }
    }
}

/// The verdict of [`validate`] for a valid document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ValidationReport {
    /// The kind of document validated.
    pub document: DocumentKind,
    /// The document's schema version.
    pub schema_version: u32,
    /// What was odd but acceptable.
    pub warnings: Vec<Warning>,
}

fn report<T: Document>(parsed: Result<Parsed<T>>) -> Result<ValidationReport> {
    parsed.map(|p| ValidationReport {
        document: T::KIND,
        schema_version: SCHEMA_VERSION,
        warnings: p.warnings,
    })
}

/// [`parse_with_limits`] with the checks of validation.
fn validating<T: Document>(text: &str, limits: &Limits) -> Result<Parsed<T>> {
    parse_checked(text, limits, Checks::Validate)
}

/// [`from_value`] with the checks of validation.
fn validating_value<T: Document>(value: Value) -> Result<Parsed<T>> {
    from_value_checked(value, &Limits::default(), Checks::Validate)
}

/// Validates JSON text as a document of `kind`: `Ok` with warnings when it is
/// valid, else the error listing every problem found. The default
/// [`Limits`] apply.
pub fn validate(kind: DocumentKind, text: &str) -> Result<ValidationReport> {
    validate_with_limits(kind, text, &Limits::DEFAULT)
}

/// [`validate`] under custom read-time `limits` (the CLI's
/// `--max-document-bytes` and `--max-items`).
pub fn validate_with_limits(
    kind: DocumentKind,
    text: &str,
    limits: &Limits,
) -> Result<ValidationReport> {
    match kind {
        DocumentKind::Release => report(validating::<Release>(text, limits)),
        DocumentKind::Change => report(validating::<Change>(text, limits)),
        DocumentKind::ConfigurationItem => report(validating::<ConfigurationItem>(text, limits)),
        DocumentKind::Cmdb => report(validating::<Cmdb>(text, limits)),
        DocumentKind::Actor => report(validating::<Actor>(text, limits)),
        DocumentKind::Calendar => report(validating::<Calendar>(text, limits)),
        DocumentKind::Schedule => report(validating::<Schedule>(text, limits)),
        DocumentKind::History => report(validating::<History>(text, limits)),
        DocumentKind::Context => report(validating::<Context>(text, limits)),
        DocumentKind::Policy => report(validating::<Policy>(text, limits)),
        DocumentKind::Command => report(validating::<crate::Command>(text, limits)),
        DocumentKind::RolloutReplay => {
            report(validating::<crate::rollout::RolloutReplay>(text, limits))
        }
        DocumentKind::CanaryComparison => {
            report(validating::<crate::rollout::CanaryComparison>(text, limits))
        }
    }
}

/// Validates a JSON value as a document of `kind` (see [`validate`]).
pub fn validate_value(kind: DocumentKind, value: Value) -> Result<ValidationReport> {
    match kind {
        DocumentKind::Release => report(validating_value::<Release>(value)),
        DocumentKind::Change => report(validating_value::<Change>(value)),
        DocumentKind::ConfigurationItem => report(validating_value::<ConfigurationItem>(value)),
        DocumentKind::Cmdb => report(validating_value::<Cmdb>(value)),
        DocumentKind::Actor => report(validating_value::<Actor>(value)),
        DocumentKind::Calendar => report(validating_value::<Calendar>(value)),
        DocumentKind::Schedule => report(validating_value::<Schedule>(value)),
        DocumentKind::History => report(validating_value::<History>(value)),
        DocumentKind::Context => report(validating_value::<Context>(value)),
        DocumentKind::Policy => report(validating_value::<Policy>(value)),
        DocumentKind::Command => report(validating_value::<crate::Command>(value)),
        DocumentKind::RolloutReplay => {
            report(validating_value::<crate::rollout::RolloutReplay>(value))
        }
        DocumentKind::CanaryComparison => {
            report(validating_value::<crate::rollout::CanaryComparison>(value))
        }
    }
}

#[cfg(test)]
mod fast_path_tests {
    //! The fast path of [`parse_with_limits`] against the path-tracking one
    //! it falls back to: for valid and malformed text alike, the same
    //! document or the same error (code, path, line, column, message).

    use super::*;

    fn same<T: Document>(text: &str) {
        let slow = Limits::default()
            .check_text(text)
            .and_then(|()| parse_tracked::<T>(text, Checks::Read));
        agree(parse::<T>(text), slow, text);
    }

    /// The two paths gave the same document (and warnings) or the same
    /// error, message included.
    fn agree<T: Document>(fast: Result<Parsed<T>>, slow: Result<Parsed<T>>, text: &str) {
        match (fast, slow) {
            (Ok(f), Ok(s)) => {
                assert_eq!(
                    serde_json::to_value(&f.document).ok(),
                    serde_json::to_value(&s.document).ok(),
                    "{text}"
                );
                assert_eq!(f.warnings, s.warnings, "{text}");
            }
            (Err(f), Err(s)) => {
                assert_eq!(f, s, "{text}");
                assert_eq!(f.to_string(), s.to_string(), "{text}");
            }
            (f, s) => panic!("fast {:?} / slow {:?}: {text}", f.err(), s.err()),
        }
    }

    const RELEASE: &str = r#"{
  "schema_version": 1,
  "id": "R1",
  "title": "Spring",
  "kind": "minor",
  "state": "planning",
  "planned_start": "2026-03-01T10:00:00Z",
  "planned_end": "2026-03-01T12:00:00Z",
  "changes": [
    {"id": "C1", "kind": "normal", "summary": "a", "affected_cis": ["ci-1"], "x-note": {"k": [1, 2]}},
    {"id": "C2", "kind": "standard", "summary": "b", "links": {"problems": ["P1"], "other": true}}
  ],
  "approvals": [
    {"approver": "ann", "role": "cab", "decision": "approved", "at": "2026-02-01T10:00:00Z"}
  ],
  "custom": "kept"
}"#;

    const HISTORY: &str = r#"{
  "deployments": [
    {"id": "D1", "service": "s", "environment": "production", "finished_at": "2026-01-01T00:00:00Z", "outcome": "success", "changes": [{"id": "c", "committed_at": "2025-12-31T00:00:00Z", "extra": 1}]},
    {"id": "D2", "service": "s", "environment": "production", "started_at": "2026-01-02T00:00:00Z", "finished_at": "2026-01-02T01:00:00Z", "outcome": "failed", "kind": "hotfix"}
  ],
  "incidents": [{"id": "I1", "created_at": "2026-01-02T02:00:00Z", "caused_by": "D2"}]
}"#;

    const SCHEDULE: &str = r#"{
  "releases": [
    {"id": "R1", "title": "a", "kind": "minor", "state": "planning", "planned_start": "2026-03-01T10:00:00Z", "planned_end": "2026-03-01T12:00:00Z", "affected_cis": ["x"]}
  ],
  "calendar": {"blackouts": []}
}"#;

    const TABLE: &[&str] = &[
        r#"{"id": "R", "id": "S", "title": "t", "kind": "minor", "state": "planning"}"#,
        r#"{"title": "t", "kind": "minor", "state": "planning"}"#,
        r#"{"id": "R", "title": "t", "kind": "tiny", "state": "planning"}"#,
        r#"{"id": "R", "title": 3, "kind": "minor", "state": "planning"}"#,
        r#"{"schema_version": 9, "id": "R", "title": 3}"#,
        r#"["R", "t", "minor", "planning"]"#,
        r#"{"id": "R", "title": "t", "kind": "minor", "state": "planning"} []"#,
        r#"{"id": "R", "title": "t", "kind": "minor", "state": "planning", "changes": [{"id": "C", "kind": "normal"}]}"#,
        r#"{"id": "R", "title": "t", "kind": "minor", "state": "planning", "planned_start": "yesterday"}"#,
        r#"{"id": "R", "title": "t", "kind": "minor", "state": "planning", "x": 1, "x": 2}"#,
        "{\n  \"id\": \"R\",\n  \"title\": \"t\",\n  \"kind\": \"minor\",\n  \"state\": \"planning\",\n  \"approvals\": [{\"approver\": \"a\"}]\n}",
        "",
        "nul",
    ];

    /// At every fifth position of `base`: the deletion of one character
    /// and the insertion of a token (the tokens taking turns). Errors build
    /// a schema each, so not every position.
    fn mutations(base: &str) -> Vec<String> {
        let tokens = ["\"", ",", "}", "1", "null", "\"id\": \"Z\","];
        let mut out = Vec::new();
        for ((at, _), token) in base.char_indices().step_by(5).zip(tokens.iter().cycle()) {
            let (head, tail) = base.split_at(at);
            let rest = tail.chars().skip(1).collect::<String>();
            out.push(format!("{head}{rest}"));
            out.push(format!("{head}{token}{tail}"));
        }
        out
    }

    /// The fast path (limits counted while deserialising) against the old
    /// one (the byte pre-pass, then the tracked parse) under `limits`.
    fn same_under<T: Document>(limits: &Limits, text: &str) {
        agree(
            parse_with_limits::<T>(text, limits),
            parse_slow::<T>(text, limits, Checks::Read),
            text,
        );
    }

    /// Inputs at and past every read-time limit: the fast path refuses or
    /// admits exactly what the pre-pass does, with the same error.
    #[test]
    fn the_counted_limits_give_what_the_pre_pass_gives() {
        let tight = Limits {
            max_document_bytes: 400,
            max_json_depth: 4,
            max_items: 3,
            max_cis: 2,
            max_relationships: 1,
            max_string_bytes: 12,
        };
        let head = r#""id": "R", "title": "t", "kind": "minor", "state": "planning""#;
        let release = |rest: &str| format!("{{{head}{rest}}}");
        let mut texts = vec![
            release(""),
            // Size.
            release(&format!(r#", "x": "{}""#, "a".repeat(10)).repeat(40)),
            // Depth: at the limit, one past it, past it in a malformed tail.
            release(r#", "x": {"a": [[1]]}"#),
            release(r#", "x": {"a": [[[1]]]}"#),
            release(r#", "x": {"a": [[[1]]]"#),
            release(r#", "x": [{"a": [1]}]"#),
            release(r#", "x": [{"a": [{}]}]"#),
            // Items: at, past, past in an unknown field, in nested lists.
            release(r#", "depends_on": ["a", "b", "c"]"#),
            release(r#", "depends_on": ["a", "b", "c", "d"]"#),
            release(r#", "x": [1, 2, 3, 4]"#),
            release(r#", "x": [[1, 2, 3], [1, 2, 3], [1, 2, 3]]"#),
            release(r#", "x": [[1, 2, 3], [1, 2, 3, 4]]"#),
            release(r#", "x": [[], [], [], []]"#),
            // CIs and relationships are limited by their key, anywhere.
            release(r#", "x": {"cis": [1, 2]}"#),
            release(r#", "x": {"cis": [1, 2, 3]}"#),
            release(r#", "x": {"relationships": [1, 2]}"#),
            release(r#", "x": {"c\u0069s": [1, 2, 3]}"#),
            release(r#", "x": {"c\u0069s": [1, 2, 3, 4]}"#),
            release(r#", "x": {"cis": [[1, 2, 3]]}"#),
            release(r#", "x": {"cis": [[1, 2, 3, 4]]}"#),
            // Strings and keys: at, past, escaped (longer as written).
            release(r#", "x": "123456789012""#),
            release(r#", "x": "1234567890123""#),
            release(r#", "123456789012": 1"#),
            release(r#", "1234567890123": 1"#),
            release(r#", "x": "\u0041\u0041""#),
            release(r#", "x": "\u0041\u0041\u0041""#),
            release(r#", "\u0041\u0041\u0041": 1"#),
            release(r#", "x": "\n\n\n\n\n\n""#),
            release(r#", "x": "\n\n\n\n\n\n\n""#),
            release(r#", "x": ["a", "1234567890123"]"#),
            release(r#", "planned_start": "2026-03-01T10:00:00Z""#),
            // A structural error before, and after, a limit.
            release(r#", "title": 3, "x": "1234567890123""#),
            release(r#", "x": "1234567890123", "title": 3"#),
            release(r#", "x": [1, 2, 3, 4], "kind": "tiny""#),
            release(r#", "x": [1, 2, 3, 4]} ["#),
            release(r#"} {"x": [1, 2, 3, 4]}"#),
            release(r#"} "1234567890123""#),
        ];
        texts.push(format!("{}1{}", "[".repeat(200), "]".repeat(200)));
        for text in &texts {
            same_under::<Release>(&tight, text);
            same_under::<Release>(&Limits::default(), text);
        }
        let schedule = [
            r#"{"releases": [], "cmdb": {"cis": [{"id": "a"}, {"id": "b"}], "relationships": [{"from": "a", "to": "b", "kind": "depends_on"}]}}"#,
            r#"{"releases": [], "cmdb": {"cis": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}}"#,
            r#"{"releases": [], "cmdb": {"cis": [{"id": "a"}, {"id": "b"}], "relationships": [{"from": "a", "to": "b", "kind": "depends_on"}, {"from": "b", "to": "a", "kind": "depends_on"}]}}"#,
        ];
        let roomy = Limits {
            max_document_bytes: 10_000,
            max_string_bytes: 64,
            max_json_depth: 8,
            ..tight.clone()
        };
        for text in schedule {
            same_under::<Schedule>(&roomy, text);
            same_under::<Cmdb>(&roomy, text);
        }
        let deep = |n: usize| {
            format!(
                r#"{{"releases": [], "x": {}1{}}}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        for n in [126, 127, 128, 129, 1000] {
            same_under::<Schedule>(&Limits::default(), &deep(n));
        }
        for text in mutations(HISTORY) {
            same_under::<History>(&roomy, &text);
        }
    }

    /// Valid documents take the fast path: the limits counted, no pre-pass.
    #[test]
    fn valid_documents_are_counted_within_the_limits() {
        fn within<T>(c: Counted<T>) -> bool {
            matches!(c, Counted::Within(_))
        }
        let limits = Limits::default();
        assert!(within(limits.deserialize_counted::<Release>(RELEASE)));
        assert!(within(limits.deserialize_counted::<History>(HISTORY)));
        assert!(within(limits.deserialize_counted::<Schedule>(SCHEDULE)));
        let tight = Limits {
            max_string_bytes: 12,
            ..Limits::default()
        };
        let escaped = r#"{"id": "R", "title": "\n\n\n", "kind": "minor", "state": "planning"}"#;
        assert!(matches!(
            tight.deserialize_counted::<Release>(escaped),
            Counted::Unsure(_)
        ));
        let deep = format!(
            r#"{{"releases": [], "x": {}1{}}}"#,
            "[".repeat(127),
            "]".repeat(127)
        );
        assert!(within(limits.deserialize_counted::<Schedule>(&deep)));
        let deeper = format!(
            r#"{{"releases": [], "x": {}1{}}}"#,
            "[".repeat(128),
            "]".repeat(128)
        );
        assert!(matches!(
            limits.deserialize_counted::<Schedule>(&deeper),
            Counted::Refused
        ));
    }

    #[test]
    fn the_fast_path_gives_what_the_tracked_path_gives() {
        for text in TABLE {
            same::<Release>(text);
            same::<History>(text);
            same::<Schedule>(text);
        }
        for text in mutations(RELEASE) {
            same::<Release>(&text);
        }
        for text in mutations(HISTORY) {
            same::<History>(&text);
        }
        for text in mutations(SCHEDULE) {
            same::<Schedule>(&text);
        }
    }
}
