//! Release versions (docs/lifecycle.md, "Versions"; docs/policy.md,
//! "Versions"): a release's `version` checked against the policy's scheme
//! (`semver` by default, `calver`, `none`) and against the previous
//! release of the same service, by the bump its kind must make.
//!
//! - **Syntax.** A version that is not of the scheme is a problem at its
//!   path (`version`, `releases[3].version`). A release without a
//!   `version` is not checked.
//! - **Bump** (`versions.check_bump`, default true). The *previous*
//!   release of a release R is, among the other releases of the pool (a
//!   schedule's releases, a history's releases, a context's schedule and
//!   history) that share a service with R, are not cancelled and carry a
//!   version, the latest one whose time — `deployed_at`, else
//!   `planned_start` — is before R's (ties: the first in pool order). R's
//!   version must then make the bump `versions.bump` names for R's kind:
//!   under semver `major` raises the major version, `minor` keeps the major
//!   and raises the minor, `patch` keeps both and raises the patch, `any`
//!   is any greater version; a version of the same `MAJOR.MINOR.PATCH` as a
//!   pre-release before it (`2.0.0` after `2.0.0-rc.1`) completes that
//!   version and satisfies every rule. Under calver every rule but `none`
//!   asks for a greater version. A release without a time, or without a
//!   previous release, is not bump-checked; when the previous release's own
//!   version is not of the scheme the bump is not checked either, with a
//!   `version_unchecked` warning.
//!
//! Pure: the caller passes every document; nothing is read from a clock.

use crate::context::Context;
use crate::document::{Release, ReleaseKind, State};
use crate::error::{Error, Problem, Result, Warning};
use crate::foundation::path::join;
use crate::policy::{BumpRule, VersionScheme, VersionsPolicy};
use crate::Timestamp;
use std::cmp::Ordering;
use std::fmt;

/// A pre-release identifier of a semantic version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PreId {
    /// Digits only, without leading zeros: compared numerically.
    Numeric(u64),
    /// Letters, digits and hyphens with at least one non-digit: compared
    /// in ASCII order.
    Alpha(String),
}

impl PartialOrd for PreId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PreId {
    /// Numeric identifiers have lower precedence than alphanumeric ones
    /// (semver.org 2.0.0, item 11).
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PreId::Numeric(a), PreId::Numeric(b)) => a.cmp(b),
            (PreId::Numeric(_), PreId::Alpha(_)) => Ordering::Less,
            (PreId::Alpha(_), PreId::Numeric(_)) => Ordering::Greater,
            (PreId::Alpha(a), PreId::Alpha(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl fmt::Display for PreId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreId::Numeric(n) => write!(f, "{n}"),
            PreId::Alpha(s) => f.write_str(s),
        }
    }
}

/// A semantic version (semver.org 2.0.0).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SemVer {
    /// The major version.
    pub major: u64,
    /// The minor version.
    pub minor: u64,
    /// The patch version.
    pub patch: u64,
    /// The pre-release identifiers (empty: a normal version).
    pub pre: Vec<PreId>,
    /// The build metadata identifiers (ignored by precedence).
    pub build: Vec<String>,
}

impl SemVer {
    /// Parses a semantic version strictly: `MAJOR.MINOR.PATCH` with
    /// optional `-PRERELEASE` and `+BUILD`; numbers without leading zeros
    /// (and within 64 bits), identifiers non-empty and of `[0-9A-Za-z-]`,
    /// numeric pre-release identifiers without leading zeros. The error
    /// says what is wrong.
    pub fn parse(text: &str) -> std::result::Result<SemVer, String> {
        let (rest, build) = match text.split_once('+') {
            Some((head, build)) => (head, Some(build)),
            None => (text, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((head, pre)) => (head, Some(pre)),
            None => (rest, None),
        };
        let mut parts = core.split('.');
        let mut number = |what: &str| -> std::result::Result<u64, String> {
            let part = parts
                .next()
                .ok_or_else(|| format!("the {what} version is missing"))?;
            numeric(part).map_err(|why| format!("the {what} version {why}"))
        };
        let major = number("major")?;
        let minor = number("minor")?;
        let patch = number("patch")?;
        if parts.next().is_some() {
            return Err("it has more than three numbers before any `-` or `+`".to_string());
        }
        let pre = match pre {
            None => Vec::new(),
            Some(pre) => pre
                .split('.')
                .map(|id| {
                    identifier(id, "pre-release")?;
                    if id.bytes().all(|b| b.is_ascii_digit()) {
                        numeric(id)
                            .map(PreId::Numeric)
                            .map_err(|why| format!("the pre-release identifier `{id}` {why}"))
                    } else {
                        Ok(PreId::Alpha(id.to_string()))
                    }
                })
                .collect::<std::result::Result<Vec<_>, String>>()?,
        };
        let build = match build {
            None => Vec::new(),
            Some(build) => build
                .split('.')
                .map(|id| identifier(id, "build").map(|()| id.to_string()))
                .collect::<std::result::Result<Vec<_>, String>>()?,
        };
        Ok(SemVer {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }

    /// Precedence (semver.org 2.0.0, item 11): major, minor, patch
    /// numerically, then a pre-release below the normal version, then the
    /// pre-release identifiers one by one (a shorter list first when all
    /// before are equal). Build metadata is ignored.
    pub fn cmp_precedence(&self, other: &SemVer) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl fmt::Display for SemVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            write!(f, "{id}")?;
        }
        for (i, id) in self.build.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            f.write_str(id)?;
        }
        Ok(())
    }
}

/// A number of a version: digits only, no leading zero, within 64 bits.
fn numeric(part: &str) -> std::result::Result<u64, String> {
    if part.is_empty() {
        return Err("is empty".to_string());
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{part}` is not a number"));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!("`{part}` has a leading zero"));
    }
    part.parse::<u64>()
        .map_err(|_| format!("`{part}` is larger than 18446744073709551615"))
}

/// A pre-release or build identifier: non-empty, of `[0-9A-Za-z-]`.
fn identifier(id: &str, what: &str) -> std::result::Result<(), String> {
    if id.is_empty() {
        return Err(format!("a {what} identifier is empty"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "the {what} identifier `{id}` holds `{c}` (only 0-9, A-Z, a-z and - are allowed)"
        ));
    }
    Ok(())
}

/// A calendar version `YYYY.MM[.N]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalVer {
    /// The year (four digits).
    pub year: u16,
    /// The month, 1–12.
    pub month: u8,
    /// The sequence number within the month (absent: 0).
    pub n: u64,
}

impl CalVer {
    /// Parses `YYYY.MM` or `YYYY.MM.N`: a four-digit year, a month 1–12
    /// (`4` or `04`), a sequence number without leading zeros.
    pub fn parse(text: &str) -> std::result::Result<CalVer, String> {
        let mut parts = text.split('.');
        let year = parts.next().unwrap_or_default();
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("the year `{year}` is not four digits"));
        }
        let year = year
            .parse::<u16>()
            .map_err(|_| format!("the year `{year}` is not four digits"))?;
        let month_text = parts
            .next()
            .ok_or_else(|| "the month is missing".to_string())?;
        let month = (1..=2)
            .contains(&month_text.len())
            .then(|| month_text.parse::<u8>().ok())
            .flatten()
            .filter(|m| (1..=12).contains(m) && month_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("the month `{month_text}` is not 1 to 12"))?;
        let n = match parts.next() {
            None => 0,
            Some(n) => numeric(n).map_err(|why| format!("the sequence number {why}"))?,
        };
        if parts.next().is_some() {
            return Err("it has more than three parts".to_string());
        }
        Ok(CalVer { year, month, n })
    }
}

/// A version parsed under a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// A semantic version.
    Semver(SemVer),
    /// A calendar version.
    Calver(CalVer),
}

/// Parses `text` under `scheme`: `Ok(None)` under `none` (anything goes),
/// else the version or why it is not one of the scheme.
pub fn parse_version(
    scheme: VersionScheme,
    text: &str,
) -> std::result::Result<Option<Version>, String> {
    match scheme {
        VersionScheme::Semver => SemVer::parse(text).map(|v| Some(Version::Semver(v))),
        VersionScheme::Calver => CalVer::parse(text).map(|v| Some(Version::Calver(v))),
        VersionScheme::None => Ok(None),
    }
}

/// How a version relates to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Lower than the previous.
    Lower,
    /// The same precedence.
    Same,
    /// Raises the major version.
    Major,
    /// Keeps the major, raises the minor.
    Minor,
    /// Keeps major and minor, raises the patch.
    Patch,
    /// The same `MAJOR.MINOR.PATCH`, greater: completes or advances a
    /// pre-release.
    PreRelease,
    /// Greater (calendar versions).
    Greater,
}

fn step(version: &Version, previous: &Version) -> Option<Step> {
    let order = |o: Ordering, greater: Step| match o {
        Ordering::Less => Step::Lower,
        Ordering::Equal => Step::Same,
        Ordering::Greater => greater,
    };
    match (version, previous) {
        (Version::Semver(v), Version::Semver(p)) => {
            let greater = if v.major != p.major {
                Step::Major
            } else if v.minor != p.minor {
                Step::Minor
            } else if v.patch != p.patch {
                Step::Patch
            } else {
                Step::PreRelease
            };
            Some(order(v.cmp_precedence(p), greater))
        }
        (Version::Calver(v), Version::Calver(p)) => Some(order(v.cmp(p), Step::Greater)),
        _ => None,
    }
}

/// Whether a step satisfies a rule (`None` never fails).
fn satisfies(step: Step, rule: BumpRule) -> bool {
    match (rule, step) {
        (BumpRule::None, _) => true,
        (_, Step::Lower | Step::Same) => false,
        (BumpRule::Any, _) | (_, Step::PreRelease | Step::Greater) => true,
        (BumpRule::Major, s) => s == Step::Major,
        (BumpRule::Minor, s) => s == Step::Minor,
        (BumpRule::Patch, s) => s == Step::Patch,
    }
}

/// One version problem, rendered when it is reported.
#[derive(Debug, Clone, PartialEq)]
enum Finding<'a> {
    /// Not of the scheme.
    Syntax {
        text: &'a str,
        scheme: VersionScheme,
        why: String,
    },
    /// Not the bump the kind asks for.
    Bump {
        kind: ReleaseKind,
        rule: BumpRule,
        scheme: VersionScheme,
        version: &'a str,
        previous: &'a str,
        previous_id: &'a str,
        step: Step,
    },
}

/// The kind with its article, as a message reads it (`a minor`).
fn kind_with_article(kind: ReleaseKind) -> &'static str {
    match kind {
        ReleaseKind::Major => "a major",
        ReleaseKind::Minor => "a minor",
        ReleaseKind::Patch => "a patch",
        ReleaseKind::Emergency => "an emergency",
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Syntax { text, scheme, why } => {
                let what = match scheme {
                    VersionScheme::Semver => {
                        "a semantic version MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (semver.org 2.0.0; policy versions.scheme `semver`)"
                    }
                    VersionScheme::Calver => {
                        "a calendar version YYYY.MM or YYYY.MM.N (policy versions.scheme `calver`)"
                    }
                    VersionScheme::None => "a version",
                };
                write!(f, "`{text}` is not {what}: {why}")
            }
            Finding::Bump {
                kind,
                rule,
                scheme,
                version,
                previous,
                previous_id,
                step,
            } => {
                let kind = kind_with_article(*kind);
                let semver_level = *scheme == VersionScheme::Semver;
                match rule {
                    BumpRule::Major | BumpRule::Minor | BumpRule::Patch if semver_level => write!(
                        f,
                        "{kind} release must bump the {} version of {previous} (release {previous_id}): ",
                        rule.name()
                    )?,
                    _ => write!(
                        f,
                        "{kind} release must have a version greater than {previous} (release {previous_id}): "
                    )?,
                }
                match step {
                    Step::Lower => write!(f, "{version} is lower"),
                    Step::Same => write!(f, "{version} is the same version"),
                    Step::Major => write!(f, "{version} bumps the major"),
                    Step::Minor => write!(f, "{version} bumps the minor"),
                    Step::Patch => write!(f, "{version} bumps the patch"),
                    Step::PreRelease | Step::Greater => write!(f, "{version} is greater"),
                }
            }
        }
    }
}

/// When a release happens, for ordering: `deployed_at`, else
/// `planned_start`.
fn when(release: &Release) -> Option<&Timestamp> {
    release
        .deployed_at
        .as_ref()
        .or(release.planned_start.as_ref())
}

/// The previous release of `release` in `pool` (see the module docs).
fn previous<'a>(release: &Release, pool: &[&'a Release]) -> Option<&'a Release> {
    let at = when(release)?;
    let mut best: Option<(&Timestamp, &'a Release)> = None;
    for &other in pool {
        if other.id == release.id || other.state == State::Cancelled || other.version.is_none() {
            continue;
        }
        let Some(t) = when(other) else { continue };
        if t >= at || !other.services.iter().any(|s| release.services.contains(s)) {
            continue;
        }
        if best.is_none_or(|(b, _)| t > b) {
            best = Some((t, other));
        }
    }
    best.map(|(_, r)| r)
}

/// Checks the version of `release` (at `base`: `""` for a release on its
/// own, `releases[3]` in a schedule) under `policy` against the other
/// releases of `pool`: appends a problem at `base.version` for a version
/// not of the scheme or not the bump its kind asks for, and a
/// `version_unchecked` warning when the previous release's version cannot
/// be compared.
pub fn check_version(
    release: &Release,
    base: &str,
    pool: &[&Release],
    policy: &VersionsPolicy,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) {
    let Some(text) = release.version.as_deref() else {
        return;
    };
    let path = || join(base, "version");
    let version = match parse_version(policy.scheme, text) {
        Ok(Some(v)) => v,
        Ok(None) => return,
        Err(why) => {
            let finding = Finding::Syntax {
                text,
                scheme: policy.scheme,
                why,
            };
            problems.push(Problem::new(path(), finding.to_string()));
            return;
        }
    };
    let rule = policy.bump.of(release.kind);
    if !policy.check_bump || rule == BumpRule::None {
        return;
    }
    let Some(prev) = previous(release, pool) else {
        return;
    };
    let previous_text = prev.version.as_deref().unwrap_or_default();
    let parsed = match parse_version(policy.scheme, previous_text) {
        Ok(Some(p)) => p,
        _ => {
            warnings.push(Warning::new(
                "version_unchecked",
                path(),
                format!(
                    "the bump is not checked: the previous release {} carries `{previous_text}`, which is not of the scheme `{}`",
                    prev.id,
                    policy.scheme.name()
                ),
            ));
            return;
        }
    };
    let Some(step) = step(&version, &parsed) else {
        return;
    };
    if !satisfies(step, rule) {
        let finding = Finding::Bump {
            kind: release.kind,
            rule,
            scheme: policy.scheme,
            version: text,
            previous: previous_text,
            previous_id: &prev.id,
            step,
        };
        problems.push(Problem::new(path(), finding.to_string()));
    }
}

/// Checks every release of `releases` (at `field[i]` under `base`) against
/// `pool` (see [`check_version`]).
pub fn check_versions(
    releases: &[Release],
    field: &str,
    pool: &[&Release],
    policy: &VersionsPolicy,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) {
    for (i, r) in releases.iter().enumerate() {
        check_version(
            r,
            &format!("{field}[{i}]"),
            pool,
            policy,
            problems,
            warnings,
        );
    }
}

/// The releases a context offers as previous releases: its schedule's,
/// then its history's.
pub fn pool_of(context: &Context) -> Vec<&Release> {
    let schedule = context.schedule.iter().flat_map(|s| s.releases.iter());
    let history = context.history.iter().flat_map(|h| h.releases.iter());
    schedule.chain(history).collect()
}

/// The version check of the lifecycle entry points (`check`, `apply`):
/// `release`'s version under the context's policy (else the default)
/// against the context's schedule and history. `invalid_input` at
/// `version` when it is not of the scheme or not the bump its kind asks
/// for; else the warnings.
pub fn check_release(release: &Release, context: &Context) -> Result<Vec<Warning>> {
    let default = VersionsPolicy::default();
    let policy = context.policy.as_ref().map_or(&default, |p| &p.versions);
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    if release.version.is_some() {
        check_version(
            release,
            "",
            &pool_of(context),
            policy,
            &mut problems,
            &mut warnings,
        );
    }
    if problems.is_empty() {
        Ok(warnings)
    } else {
        Err(Error::InvalidInput { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_parses_strictly() {
        for ok in [
            "0.0.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0-x-y-z.--",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "1.0.0+21AF26D3----117B344092BD",
            "1.0.0+001",
        ] {
            let v = SemVer::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(v.to_string(), ok);
        }
        for bad in [
            "banana",
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3+a..b",
            "1.2.3-a_b",
            "v1.2.3",
            " 1.2.3",
            "1.2.3 ",
            "-1.2.3",
            "1.2.-3",
            "1.2.99999999999999999999",
        ] {
            assert!(SemVer::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn semver_precedence_follows_the_spec() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            let [a, b] = pair else { unreachable!() };
            let (a, b) = (SemVer::parse(a).unwrap(), SemVer::parse(b).unwrap());
            assert_eq!(a.cmp_precedence(&b), Ordering::Less, "{a} < {b}");
        }
        let a = SemVer::parse("1.0.0+a").unwrap();
        let b = SemVer::parse("1.0.0+b").unwrap();
        assert_eq!(a.cmp_precedence(&b), Ordering::Equal);
    }

    #[test]
    fn calver_parses_strictly() {
        assert_eq!(
            CalVer::parse("2026.04").unwrap(),
            CalVer {
                year: 2026,
                month: 4,
                n: 0
            }
        );
        assert_eq!(CalVer::parse("2026.4.2").unwrap().n, 2);
        for bad in [
            "26.04",
            "2026",
            "2026.13",
            "2026.0",
            "2026.004",
            "2026.4.01",
            "2026.4.1.1",
            "banana",
            "2026.+4",
        ] {
            assert!(CalVer::parse(bad).is_err(), "{bad}");
        }
    }
}
