//! A [`KpiAccumulator`] as bytes and back, to ship accumulators between
//! processes (Spark workers to the driver) before merging them
//! (`docs/kpi.md`, "Bytes: shipping accumulators between processes").
//!
//! The format (version 1; every integer little-endian, fixed width):
//!
//! ```text
//! header      "RMKA", u16 format version (1), u8 length + the relman
//!             version that wrote it (e.g. "0.1.0")
//! settings    str: the KpiSettings as JSON
//! names       u32 count, each a str (services, environments, teams,
//!             release ids; a name's id is its position; the production
//!             environments come first, as KpiAccumulator::new interns them)
//! deployments u64 count, each: id str, finish i64, service u32, env u32,
//!             team u32, release u32 (u32::MAX: none), outcome u8, kind u8
//! shipments   u64 count, each: change id str, finish i64, committed opt
//!             i64, service u32, env u32, team u32
//! incidents   u64 count, each: id str, created i64, resolved opt i64,
//!             service u32, caused_by opt str
//! releases    u64 count, each: id str, time opt i64, flags u8 (1
//!             emergency, 2 review completed, 4 knowledge articles, 8 on
//!             schedule known, 16 on schedule), outcome u8 (0 none, 1 + the
//!             outcome code), u8 count of (state u8, seconds i64), UAT passed
//!             u64, failed u64, services, teams, environments (each u32
//!             count + u32 name ids), incidents (u32 count + str each)
//! counts      the eight RecordCounts (u64 each, in field order), then the
//!             negative stays (u64)
//! ```
//!
//! `str` is a u32 byte length and UTF-8 bytes; `opt X` a byte 0 (absent) or
//! 1 followed by X. Outcome codes: success 0, success_with_issues 1, failed
//! 2, rolled_back 3; deployment kinds: planned 0, emergency 1, hotfix 2,
//! rework 3; states: their position in `State::ALL`. Ids are written as
//! text, not as spans of the arenas: decoding pushes them back in order.
//!
//! The encoding is canonical: bytes that read are exactly the `to_bytes`
//! of what they read (the settings must be the compact JSON `to_bytes`
//! writes, sets sorted, flags and presence bytes without stray bits).
//! Decoding checks everything the accumulator relies on and nothing is
//! trusted: every name id in range, the state a real accumulator could be
//! in (records in the period, production environments, sorted sets), the
//! counts consistent, no byte left over. A length is checked against the
//! bytes left before anything is allocated for it.

use super::accumulate::{Dep, FirstShip, Inc, Rel, Shipment};
use super::intern::{fx_hash, NONE};
use super::{KpiAccumulator, KpiSettings, RecordCounts};
use crate::document::{DeploymentKind, Outcome, State};
use crate::error::{Error, Result};
use crate::policy::KpiGroupBy;

/// The first bytes of every encoded accumulator.
const MAGIC: &[u8; 4] = b"RMKA";

/// The relman version that writes and reads these bytes.
const RELMAN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The earliest instant an RFC 3339 timestamp can write
/// (`0000-01-01T00:00:00`, a day of offset earlier).
const MIN_TIME: i64 = -62_167_305_600;
/// The latest (`9999-12-31T23:59:59`, a day of offset later).
const MAX_TIME: i64 = 253_402_387_199;

/// The fewest bytes one record of each list takes (to bound a count by the
/// bytes left before allocating for it).
const MIN_NAME: usize = 4;
const MIN_DEP: usize = 4 + 8 + 16 + 2;
const MIN_SHIPMENT: usize = 4 + 8 + 1 + 12;
const MIN_INCIDENT: usize = 4 + 8 + 1 + 4 + 1;
const MIN_RELEASE: usize = 4 + 1 + 1 + 1 + 1 + 16 + 16;

const FLAG_EMERGENCY: u8 = 1;
const FLAG_PIR: u8 = 2;
const FLAG_KNOWLEDGE: u8 = 4;
const FLAG_SCHEDULE_KNOWN: u8 = 8;
const FLAG_ON_SCHEDULE: u8 = 16;
const FLAGS: u8 = 31;

const OUTCOMES: [Outcome; 4] = [
    Outcome::Success,
    Outcome::SuccessWithIssues,
    Outcome::Failed,
    Outcome::RolledBack,
];
const KINDS: [DeploymentKind; 4] = [
    DeploymentKind::Planned,
    DeploymentKind::Emergency,
    DeploymentKind::Hotfix,
    DeploymentKind::Rework,
];

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Success => 0,
        Outcome::SuccessWithIssues => 1,
        Outcome::Failed => 2,
        Outcome::RolledBack => 3,
    }
}

fn kind_code(k: DeploymentKind) -> u8 {
    match k {
        DeploymentKind::Planned => 0,
        DeploymentKind::Emergency => 1,
        DeploymentKind::Hotfix => 2,
        DeploymentKind::Rework => 3,
    }
}

fn state_code(s: State) -> u8 {
    State::ALL
        .iter()
        .position(|x| *x == s)
        .and_then(|p| u8::try_from(p).ok())
        .unwrap_or(u8::MAX)
}

/// The bytes being written.
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len32(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn len64(&mut self, n: usize) {
        self.u64(u64::try_from(n).unwrap_or(u64::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len32(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.i64(v);
            }
        }
    }
    fn ids(&mut self, ids: &[u32]) {
        self.len32(ids.len());
        for i in ids {
            self.u32(*i);
        }
    }
}

impl KpiAccumulator {
    /// The version of the byte format of [`to_bytes`](Self::to_bytes).
    pub const BYTES_FORMAT_VERSION: u16 = 1;

    /// This accumulator as bytes, to ship it to another process of the
    /// same relman version, which reads it back with
    /// [`from_bytes`](Self::from_bytes) and merges it. The format is
    /// versioned and documented in `docs/kpi.md` ("Bytes: shipping
    /// accumulators between processes"); it is compact (ids as their text,
    /// names once, integers of fixed width) and the same accumulator always
    /// gives the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(
            64usize
                .saturating_add(self.ids.text.len())
                .saturating_add(self.change_ids.text.len())
                .saturating_add(self.incident_text.text.len())
                .saturating_add(self.deps.len().saturating_mul(40))
                .saturating_add(self.shipments.len().saturating_mul(40))
                .saturating_add(self.incidents.len().saturating_mul(32)),
        ));
        w.0.extend_from_slice(MAGIC);
        w.0.extend_from_slice(&Self::BYTES_FORMAT_VERSION.to_le_bytes());
        w.u8(u8::try_from(RELMAN_VERSION.len()).unwrap_or(u8::MAX));
        w.0.extend_from_slice(RELMAN_VERSION.as_bytes());
        // Settings are plain data: their JSON cannot fail to write.
        let settings = serde_json::to_vec(&self.settings).unwrap_or_default();
        w.len32(settings.len());
        w.0.extend_from_slice(&settings);
        let names: Vec<&str> = self.names.iter().collect();
        w.len32(names.len());
        for n in names {
            w.str(n);
        }
        w.len64(self.deps.len());
        for d in &self.deps {
            w.str(self.ids.get(d.id));
            w.i64(d.finish);
            w.u32(d.service);
            w.u32(d.env);
            w.u32(d.team);
            w.u32(d.release);
            w.u8(outcome_code(d.outcome));
            w.u8(kind_code(d.kind));
        }
        w.len64(self.shipments.len());
        for s in &self.shipments {
            w.str(self.change_ids.get(s.id));
            w.i64(s.ship.finish);
            w.opt_i64(s.ship.committed);
            w.u32(s.ship.service);
            w.u32(s.ship.env);
            w.u32(s.ship.team);
        }
        w.len64(self.incidents.len());
        for i in &self.incidents {
            w.str(self.incident_text.get(i.id));
            w.i64(i.created);
            w.opt_i64(i.resolved);
            w.u32(i.service);
            match i.caused_by {
                None => w.u8(0),
                Some(c) => {
                    w.u8(1);
                    w.str(self.incident_text.get(c));
                }
            }
        }
        w.len64(self.releases.len());
        for r in &self.releases {
            w.str(&r.id);
            w.opt_i64(r.time);
            let mut flags = 0u8;
            if r.emergency {
                flags |= FLAG_EMERGENCY;
            }
            if r.pir {
                flags |= FLAG_PIR;
            }
            if r.knowledge {
                flags |= FLAG_KNOWLEDGE;
            }
            if let Some(on) = r.on_schedule {
                flags |= FLAG_SCHEDULE_KNOWN;
                if on {
                    flags |= FLAG_ON_SCHEDULE;
                }
            }
            w.u8(flags);
            w.u8(r.outcome.map_or(0, |o| outcome_code(o).saturating_add(1)));
            w.u8(u8::try_from(r.states.len()).unwrap_or(u8::MAX));
            for (state, secs) in &r.states {
                w.u8(state_code(*state));
                w.i64(*secs);
            }
            w.u64(r.uat_passed);
            w.u64(r.uat_failed);
            w.ids(&r.services);
            w.ids(&r.teams);
            w.ids(&r.envs);
            w.len32(r.incidents.len());
            for i in &r.incidents {
                w.str(i);
            }
        }
        let c = &self.counts;
        for n in [
            c.deployments_read,
            c.deployments_outside_period,
            c.deployments_not_production,
            c.incidents_read,
            c.incidents_outside_period,
            c.releases_read,
            c.releases_outside_period,
            c.releases_undated,
            self.negative_stays,
        ] {
            w.u64(n);
        }
        w.0
    }

    /// Reads an accumulator written by [`to_bytes`](Self::to_bytes) in a
    /// process of the same relman version.
    ///
    /// Errors: `invalid_input` at path `bytes`, the message saying what is
    /// wrong and at which byte offset, for anything but such bytes: another
    /// magic prefix, format version or relman version, truncated input, a
    /// byte left over, settings that do not read, a name id, time, code or
    /// count out of range, a record the accumulator could not hold (outside
    /// the period, not in production), counts that do not add up. Bytes
    /// from elsewhere may be corrupt or hostile: nothing is allocated for a
    /// length before it is checked against the bytes left.
    pub fn from_bytes(bytes: &[u8]) -> Result<KpiAccumulator> {
        Reader { bytes, pos: 0 }.accumulator()
    }
}

/// The bytes being read and the offset of the next one.
struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

/// The error for bytes at `at`.
fn bad(at: usize, message: impl std::fmt::Display) -> Error {
    Error::invalid_input("bytes", format!("at byte {at}: {message}"))
}

impl<'b> Reader<'b> {
    fn left(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'b [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        match end.and_then(|e| self.bytes.get(self.pos..e).map(|s| (e, s))) {
            Some((e, s)) => {
                self.pos = e;
                Ok(s)
            }
            None => Err(bad(
                self.pos,
                format!(
                    "truncated: {what} needs {n} bytes, {} are left",
                    self.left()
                ),
            )),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let at = self.pos;
        let s = self.take(N, what)?;
        <[u8; N]>::try_from(s).map_err(|_| bad(at, format!("truncated: {what}")))
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(u8::from_le_bytes(self.array(what)?))
    }
    fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A time: within what an RFC 3339 timestamp can write.
    fn time(&mut self, what: &str) -> Result<i64> {
        let at = self.pos;
        let t = i64::from_le_bytes(self.array(what)?);
        if (MIN_TIME..=MAX_TIME).contains(&t) {
            Ok(t)
        } else {
            Err(bad(
                at,
                format!("{what} {t} is not a time of years 0000 to 9999"),
            ))
        }
    }

    fn flag(&mut self, what: &str) -> Result<bool> {
        let at = self.pos;
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(bad(
                at,
                format!("{what}: presence byte {b} is neither 0 nor 1"),
            )),
        }
    }

    fn opt_time(&mut self, what: &str) -> Result<Option<i64>> {
        if self.flag(what)? {
            self.time(what).map(Some)
        } else {
            Ok(None)
        }
    }

    fn str(&mut self, what: &str) -> Result<&'b str> {
        let n = self.u32(what)?;
        let at = self.pos;
        let n = usize::try_from(n).map_err(|_| bad(at, format!("{what}: too long")))?;
        let s = self.take(n, what)?;
        std::str::from_utf8(s).map_err(|e| bad(at, format!("{what} is not UTF-8 ({e})")))
    }

    /// A count of records each taking at least `min` bytes: checked against
    /// the bytes left.
    fn count(&mut self, wide: bool, min: usize, what: &str) -> Result<usize> {
        let at = self.pos;
        let n = if wide {
            self.u64(what)?
        } else {
            u64::from(self.u32(what)?)
        };
        let fits = usize::try_from(n)
            .ok()
            .filter(|n| n.checked_mul(min).is_some_and(|b| b <= self.left()));
        fits.ok_or_else(|| {
            bad(
                at,
                format!(
                    "{what}: a count of {n} does not fit in the {} bytes left",
                    self.left()
                ),
            )
        })
    }

    fn accumulator(mut self) -> Result<KpiAccumulator> {
        let magic = self.take(4, "the magic prefix")?;
        if magic != MAGIC {
            return Err(bad(
                0,
                "not a KPI accumulator (the bytes do not start with `RMKA`)",
            ));
        }
        let at = self.pos;
        let version = self.u16("the format version")?;
        if version != KpiAccumulator::BYTES_FORMAT_VERSION {
            return Err(bad(
                at,
                format!(
                    "format version {version}, this relman ({RELMAN_VERSION}) reads version {}",
                    KpiAccumulator::BYTES_FORMAT_VERSION
                ),
            ));
        }
        let at = self.pos;
        let n = usize::from(self.u8("the relman version")?);
        let writer = self.take(n, "the relman version")?;
        if writer != RELMAN_VERSION.as_bytes() {
            return Err(bad(
                at,
                format!(
                    "written by relman {}, this is relman {RELMAN_VERSION}: accumulators \
                     are shipped between processes of one relman version",
                    String::from_utf8_lossy(writer)
                ),
            ));
        }
        let at = self.pos;
        let text = self.str("the settings")?;
        let settings: KpiSettings = serde_json::from_str(text)
            .map_err(|e| bad(at, format!("the settings do not read ({e})")))?;
        // One accumulator, one encoding: the settings as `to_bytes` writes
        // them, so that bytes that read are the bytes of what they read.
        if serde_json::to_string(&settings).ok().as_deref() != Some(text) {
            return Err(bad(
                at,
                "the settings are not written as to_bytes writes them (compact JSON, fields in order)",
            ));
        }
        let mut acc = KpiAccumulator::new(settings).map_err(|e| {
            bad(
                at,
                format!("the settings do not make an accumulator ({})", first(&e)),
            )
        })?;
        self.names(&mut acc)?;
        self.deps(&mut acc)?;
        self.shipments(&mut acc)?;
        self.incidents(&mut acc)?;
        self.releases(&mut acc)?;
        self.counts(&mut acc)?;
        if self.left() > 0 {
            return Err(bad(
                self.pos,
                format!("{} bytes left over after the accumulator", self.left()),
            ));
        }
        Ok(acc)
    }

    fn names(&mut self, acc: &mut KpiAccumulator) -> Result<()> {
        let n = self.count(false, MIN_NAME, "names")?;
        let known = acc.names.len();
        for i in 0..n {
            let at = self.pos;
            let name = self.str("a name")?;
            if i < known {
                // The production environments, interned by `new`.
                if acc.names.find(name) != u32::try_from(i).ok() {
                    return Err(bad(
                        at,
                        format!(
                            "name {i} `{name}` is not the production environment `{}`",
                            acc.names.get(u32::try_from(i).unwrap_or(NONE))
                        ),
                    ));
                }
            } else if acc.names.find(name).is_some() {
                return Err(bad(at, format!("name {i} `{name}` is a duplicate")));
            } else {
                acc.names.intern(name);
            }
        }
        if n < known {
            return Err(bad(
                self.pos,
                format!("{n} names, fewer than the {known} production environments"),
            ));
        }
        Ok(())
    }

    /// A name id: in range, or [`NONE`] when `none` allows it.
    fn name(&mut self, acc: &KpiAccumulator, none: bool, what: &str) -> Result<u32> {
        let at = self.pos;
        let id = self.u32(what)?;
        let count = acc.names.len();
        if (id == NONE && none) || usize::try_from(id).is_ok_and(|i| i < count) {
            Ok(id)
        } else {
            Err(bad(
                at,
                format!("{what} {id} is not a name id ({count} names)"),
            ))
        }
    }

    /// A production environment's name id.
    fn env(&mut self, acc: &KpiAccumulator) -> Result<u32> {
        let at = self.pos;
        let id = self.u32("an environment")?;
        if acc.prod_names.contains(&id) {
            Ok(id)
        } else {
            Err(bad(
                at,
                format!("environment {id} is not a production environment"),
            ))
        }
    }

    /// A team's name id: none unless grouping by team.
    fn team(&mut self, acc: &KpiAccumulator) -> Result<u32> {
        let at = self.pos;
        let by_team = acc.settings.group_by == Some(KpiGroupBy::Team);
        let team = self.name(acc, true, "a team")?;
        if team != NONE && !by_team {
            return Err(bad(at, "a team is kept only when grouping by team"));
        }
        Ok(team)
    }

    fn in_period(&self, acc: &KpiAccumulator, at: usize, t: i64, what: &str) -> Result<()> {
        if acc.in_period(t) {
            Ok(())
        } else {
            Err(bad(at, format!("{what} {t} is outside the period")))
        }
    }

    fn deps(&mut self, acc: &mut KpiAccumulator) -> Result<()> {
        let n = self.count(true, MIN_DEP, "deployments")?;
        acc.deps.reserve(n);
        for _ in 0..n {
            let id = self.str("a deployment id")?;
            let at = self.pos;
            let finish = self.time("a deployment's finish")?;
            self.in_period(acc, at, finish, "a deployment's finish")?;
            let service = self.name(acc, false, "a service")?;
            let env = self.env(acc)?;
            let team = self.team(acc)?;
            let release = self.name(acc, true, "a release")?;
            let at = self.pos;
            let outcome = self.u8("an outcome")?;
            let outcome = *OUTCOMES
                .get(usize::from(outcome))
                .ok_or_else(|| bad(at, format!("outcome code {outcome} is not 0 to 3")))?;
            let at = self.pos;
            let kind = self.u8("a deployment kind")?;
            let kind = *KINDS
                .get(usize::from(kind))
                .ok_or_else(|| bad(at, format!("deployment kind code {kind} is not 0 to 3")))?;
            let id = acc.ids.push(id);
            acc.deps.push(Dep {
                finish,
                id,
                service,
                env,
                team,
                release,
                outcome,
                kind,
            });
        }
        Ok(())
    }

    fn shipments(&mut self, acc: &mut KpiAccumulator) -> Result<()> {
        let n = self.count(true, MIN_SHIPMENT, "shipments")?;
        acc.shipments.reserve(n);
        for _ in 0..n {
            let id = self.str("a change id")?;
            let at = self.pos;
            let finish = self.time("a shipment's finish")?;
            self.in_period(acc, at, finish, "a shipment's finish")?;
            let committed = self.opt_time("a commit time")?;
            let service = self.name(acc, false, "a service")?;
            let env = self.env(acc)?;
            let team = self.team(acc)?;
            let hash = fx_hash(id);
            let id = acc.change_ids.push(id);
            acc.shipments.push(Shipment {
                hash,
                id,
                ship: FirstShip {
                    finish,
                    committed,
                    service,
                    env,
                    team,
                },
            });
        }
        Ok(())
    }

    fn incidents(&mut self, acc: &mut KpiAccumulator) -> Result<()> {
        let n = self.count(true, MIN_INCIDENT, "incidents")?;
        acc.incidents.reserve(n);
        for _ in 0..n {
            let id = self.str("an incident id")?;
            let at = self.pos;
            let created = self.time("an incident's creation")?;
            self.in_period(acc, at, created, "an incident's creation")?;
            let at = self.pos;
            let resolved = self.opt_time("an incident's resolution")?;
            if resolved.is_some_and(|r| r < created) {
                return Err(bad(at, "an incident is resolved before it was created"));
            }
            let service = self.name(acc, true, "a service")?;
            let caused_by = if self.flag("a caused_by")? {
                Some(self.str("a caused_by")?)
            } else {
                None
            };
            let id = acc.incident_text.push(id);
            let caused_by = caused_by.map(|c| acc.incident_text.push(c));
            acc.incidents.push(Inc {
                id,
                created,
                resolved,
                service,
                caused_by,
            });
        }
        Ok(())
    }

    /// A sorted set of name ids.
    fn id_set(&mut self, acc: &KpiAccumulator, what: &str) -> Result<Vec<u32>> {
        let n = self.count(false, 4, what)?;
        let mut ids: Vec<u32> = Vec::with_capacity(n);
        for _ in 0..n {
            let at = self.pos;
            let id = self.name(acc, false, what)?;
            if ids.last().is_some_and(|last| *last >= id) {
                return Err(bad(at, format!("{what} are not in increasing order")));
            }
            ids.push(id);
        }
        Ok(ids)
    }

    fn releases(&mut self, acc: &mut KpiAccumulator) -> Result<()> {
        let n = self.count(true, MIN_RELEASE, "releases")?;
        acc.releases.reserve(n);
        let bounded = acc.from.is_some() || acc.to.is_some();
        for _ in 0..n {
            let id = self.str("a release id")?;
            let at = self.pos;
            let time = self.opt_time("a release's time")?;
            match time {
                Some(t) => self.in_period(acc, at, t, "a release's time")?,
                None if bounded => {
                    return Err(bad(at, "an undated release with period bounds"));
                }
                None => {}
            }
            let at = self.pos;
            let flags = self.u8("release flags")?;
            if flags & !FLAGS != 0
                || (flags & FLAG_ON_SCHEDULE != 0 && flags & FLAG_SCHEDULE_KNOWN == 0)
            {
                return Err(bad(at, format!("release flags {flags:#04x} are not valid")));
            }
            let at = self.pos;
            let outcome =
                match self.u8("a release outcome")? {
                    0 => None,
                    c => Some(*OUTCOMES.get(usize::from(c).saturating_sub(1)).ok_or_else(
                        || bad(at, format!("release outcome code {c} is not 0 to 4")),
                    )?),
                };
            let states_at = self.pos;
            let count = usize::from(self.u8("a count of states")?);
            if count.saturating_mul(9) > self.left() {
                return Err(bad(
                    states_at,
                    format!("{count} states do not fit in the bytes left"),
                ));
            }
            let mut states: Vec<(State, i64)> = Vec::with_capacity(count);
            for _ in 0..count {
                let at = self.pos;
                let code = self.u8("a state")?;
                let state = *State::ALL
                    .get(usize::from(code))
                    .ok_or_else(|| bad(at, format!("state code {code} is not 0 to 7")))?;
                if states.last().is_some_and(|(last, _)| *last >= state) {
                    return Err(bad(at, "states are not in increasing order"));
                }
                let at = self.pos;
                let secs = i64::from_le_bytes(self.array("a time in state")?);
                if secs < 0 {
                    return Err(bad(at, format!("a time in state of {secs} s is negative")));
                }
                states.push((state, secs));
            }
            let uat_passed = self.u64("UAT passed")?;
            let uat_failed = self.u64("UAT failed")?;
            let services = self.id_set(acc, "services")?;
            let teams = self.id_set(acc, "teams")?;
            let envs = self.id_set(acc, "environments")?;
            let n = self.count(false, 4, "release incidents")?;
            let mut incidents: Vec<Box<str>> = Vec::with_capacity(n);
            for _ in 0..n {
                let at = self.pos;
                let i = self.str("a release incident")?;
                if incidents.last().is_some_and(|last| **last >= *i) {
                    return Err(bad(at, "release incidents are not in increasing order"));
                }
                incidents.push(i.into());
            }
            acc.releases.push(Rel {
                id: id.into(),
                time,
                emergency: flags & FLAG_EMERGENCY != 0,
                outcome,
                on_schedule: (flags & FLAG_SCHEDULE_KNOWN != 0)
                    .then_some(flags & FLAG_ON_SCHEDULE != 0),
                states,
                uat_passed,
                uat_failed,
                pir: flags & FLAG_PIR != 0,
                knowledge: flags & FLAG_KNOWLEDGE != 0,
                services,
                teams,
                envs,
                incidents,
            });
        }
        Ok(())
    }

    fn counts(&mut self, acc: &mut KpiAccumulator) -> Result<()> {
        let at = self.pos;
        let mut next = |what: &str| self.u64(what);
        let c = RecordCounts {
            deployments_read: next("deployments read")?,
            deployments_outside_period: next("deployments outside the period")?,
            deployments_not_production: next("deployments not in production")?,
            incidents_read: next("incidents read")?,
            incidents_outside_period: next("incidents outside the period")?,
            releases_read: next("releases read")?,
            releases_outside_period: next("releases outside the period")?,
            releases_undated: next("undated releases")?,
        };
        acc.negative_stays = self.u64("negative stays")?;
        let len = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        let sum = |parts: &[u64]| {
            parts
                .iter()
                .try_fold(0u64, |total, p| total.checked_add(*p))
        };
        let undated_kept = len(acc.releases.iter().filter(|r| r.time.is_none()).count());
        let bounded = acc.from.is_some() || acc.to.is_some();
        let checks = [
            (
                sum(&[
                    c.deployments_outside_period,
                    c.deployments_not_production,
                    len(acc.deps.len()),
                ]) == Some(c.deployments_read),
                "deployments read are not those outside the period, not in production and kept",
            ),
            (
                sum(&[c.incidents_outside_period, len(acc.incidents.len())])
                    == Some(c.incidents_read),
                "incidents read are not those outside the period and kept",
            ),
            (
                sum(&[c.releases_outside_period, len(acc.releases.len())]) == Some(c.releases_read),
                "releases read are not those outside the period and kept",
            ),
            (
                if bounded {
                    c.releases_undated <= c.releases_outside_period
                } else {
                    c.releases_undated == undated_kept
                },
                "undated releases are not those outside the period or kept undated",
            ),
        ];
        if let Some((_, message)) = checks.iter().find(|(ok, _)| !ok) {
            return Err(bad(at, format!("the counts do not add up: {message}")));
        }
        acc.counts = c;
        Ok(())
    }
}

/// The first problem's message of an error.
fn first(e: &Error) -> String {
    match e {
        Error::InvalidInput { problems } => problems
            .first()
            .map_or_else(|| e.to_string(), |p| format!("{}: {}", p.path, p.message)),
        _ => e.to_string(),
    }
}
