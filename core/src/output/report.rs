//! The visual report: the change calendar as a week-by-week timeline and,
//! with a history, the DORA KPI series as charts, in one self-contained
//! HTML page (docs/reports.md, "The visual report").
//!
//! Decides: nothing — it presents. The conflicts are
//! [`crate::detect_conflicts`]'s, the KPIs [`crate::compute_kpis_with`]'s
//! (the schedule's policy `kpi` section, overridden by `options.kpi`), the
//! blackout and maintenance occurrences [`crate::calendar`]'s.
//!
//! Output: one HTML5 document with inline CSS and inline SVG only — no
//! script, no external resource (a Content-Security-Policy of
//! `default-src 'none'` says so to the browser). Each week of the window is
//! a section with its own timeline: one row per CI (or per service), each
//! release and bare change a bar labelled with its id and title (the bars
//! of an item in a conflict highlighted), blackouts and maintenance windows
//! shaded and labelled in bands above the rows, and one numbered mark per
//! conflict at the start of its window linking to its row in the conflict
//! table beside the timeline. Every chart is an `<svg role="img">` named by
//! its `<title>` with a `<desc>` text alternative. Every value is
//! HTML-escaped; no clock is read (a "generated at" line comes from
//! `options.now`); the same input gives the same bytes.

use crate::calendar::{self, utc};
use crate::context::Schedule;
use crate::document::{History, Weekday};
use crate::error::{Error, Result, Warning};
use crate::kpi::dora::{MetricBands, Tier, DORA_2023};
use crate::kpi::{KpiOptions, KpiReport, SeriesBucket};
use crate::output::notes::escape_html as esc;
use crate::Timestamp;
use chrono::{Datelike, Days, NaiveDate, TimeZone};
use chrono_tz::Tz;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The most weeks one report may show (about ten years).
pub const MAX_WEEKS: usize = 530;

/// The most blackout or maintenance occurrences one report may shade.
pub const MAX_PERIODS: usize = 100_000;

/// What a timeline row stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportGroupBy {
    /// One row per configuration item (an item touching three CIs has a
    /// bar in each of their rows).
    #[default]
    Ci,
    /// One row per service: a release's `services`, else the CMDB's
    /// `service` of its CIs (a change's: of its CIs).
    Service,
}

/// Options of [`report`]; every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReportOptions {
    /// Rows per `ci` (default) or per `service`.
    #[serde(default)]
    pub group_by: ReportGroupBy,
    /// IANA zone the page shows times and cuts weeks in (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The first day of a week (default `mon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week_start: Option<Weekday>,
    /// The page's title (default `Release report`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Start of the calendar window (default: the earliest planned start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// End of the calendar window, exclusive (default: the latest planned
    /// end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
    /// Shown as "generated at" (default: no such line; relman reads no
    /// clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Timestamp>,
    /// Options of the KPI computation (period, series, production
    /// environments, …), as `compute_kpis` takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<KpiOptions>,
}

/// The result of [`report`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The HTML page.
    pub html: String,
    /// Releases drawn on the timeline.
    pub releases: usize,
    /// Bare changes drawn on the timeline.
    pub changes: usize,
    /// Conflicts listed in the conflict table.
    pub conflicts: usize,
    /// Weeks shown.
    pub weeks: usize,
    /// KPI charts drawn (0 without a history).
    pub charts: usize,
    /// Odd but not fatal: a release without a planned window, the
    /// conflict detection's and the KPI computation's warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

const LABEL_W: f64 = 190.0;
const DAY_W: f64 = 170.0;
const WIDTH: f64 = LABEL_W + 7.0 * DAY_W;
const HEAD_H: f64 = 24.0;
const LANE_H: f64 = 20.0;
const BAR_H: f64 = 14.0;
const CHAR_W: f64 = 6.2;
const LABEL_CHARS: usize = 48;

struct Item<'a> {
    id: &'a str,
    label: String,
    change: bool,
    start: i64,
    end: i64,
    groups: Vec<String>,
    hot: bool,
    tip: String,
}

struct Period {
    label: String,
    class: &'static str,
    start: i64,
    end: i64,
    tip: String,
}

struct Mark {
    n: usize,
    start: i64,
    tip: String,
}

fn local_date(tz: &Tz, secs: i64) -> NaiveDate {
    tz.from_utc_datetime(&utc(secs).naive_utc()).date_naive()
}

fn midnight(tz: &Tz, day: NaiveDate) -> i64 {
    calendar::resolve_local(tz, day.and_time(chrono::NaiveTime::MIN))
}

fn show(tz: &Tz, secs: i64) -> String {
    tz.from_utc_datetime(&utc(secs).naive_utc())
        .format("%a %Y-%m-%d %H:%M")
        .to_string()
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn label_px(label: &str) -> f64 {
    label.chars().count() as f64 * CHAR_W + 6.0
}

/// Where a bar's label goes: right of the bar, else left of it, else over
/// it; returns the extent bar and label take, the label's x and anchor.
fn place(x0: f64, x1: f64, label: &str) -> ((f64, f64), f64, &'static str) {
    let lp = label_px(label);
    if x1 + 3.0 + lp <= WIDTH {
        ((x0, x1 + 3.0 + lp), x1 + 3.0, "")
    } else if x0 - 3.0 - lp >= LABEL_W {
        ((x0 - 3.0 - lp, x1), x0 - 3.0, " text-anchor=\"end\"")
    } else {
        ((x0, x1.max(x0 + 3.0 + lp)), x0 + 3.0, "")
    }
}

/// Puts extents `[x0, x1)` into lanes, first fit; returns each one's lane
/// and the number of lanes.
fn pack(extents: &[(f64, f64)]) -> (Vec<usize>, usize) {
    let mut ends: Vec<f64> = Vec::new();
    let mut lanes = Vec::with_capacity(extents.len());
    for &(x0, x1) in extents {
        let lane = ends.iter().position(|e| *e + 4.0 <= x0);
        match lane {
            Some(l) => {
                if let Some(e) = ends.get_mut(l) {
                    *e = x1;
                }
                lanes.push(l);
            }
            None => {
                lanes.push(ends.len());
                ends.push(x1);
            }
        }
    }
    let n = ends.len();
    (lanes, n)
}

fn parse_zone(name: Option<&str>) -> Result<Tz> {
    match name {
        None => Ok(Tz::UTC),
        Some(n) => n.parse::<Tz>().map_err(|_| {
            Error::invalid_input(
                "options.time_zone",
                format!("`{n}` is not an IANA time zone name"),
            )
        }),
    }
}

/// Renders the report (see the module doc).
///
/// Errors: `invalid_input` at `options.time_zone` for an unknown zone, at
/// `options.to` when the window ends before it starts; `limit_exceeded` at
/// `options.to` past [`MAX_WEEKS`], at the period's path past
/// [`MAX_PERIODS`]; the errors of `detect_conflicts` and, with a history,
/// of `compute_kpis`.
pub fn report(
    schedule: &Schedule,
    history: Option<&History>,
    options: &ReportOptions,
) -> Result<Report> {
    let tz = parse_zone(options.time_zone.as_deref())?;
    let week_start = options.week_start.unwrap_or(Weekday::Mon);
    let conflicts = crate::detect_conflicts(schedule)?;
    let mut warnings = conflicts.warnings.clone();
    let kpis = match history {
        Some(h) => {
            let policy = schedule.policy.clone().unwrap_or_default();
            let report =
                crate::compute_kpis_with(h, &policy.kpi, &options.kpi.clone().unwrap_or_default())
                    .map_err(kpi_paths)?;
            warnings.extend(report.warnings.iter().cloned());
            Some(report)
        }
        None => None,
    };

    // Which release a nested change belongs to (conflicts name either).
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &schedule.releases {
        for c in &r.changes {
            parent.insert(c.id.as_str(), r.id.as_str());
        }
    }
    let mut hot: BTreeSet<&str> = BTreeSet::new();
    for c in &conflicts.conflicts {
        for id in &c.items {
            hot.insert(parent.get(id.as_str()).copied().unwrap_or(id.as_str()));
        }
    }
    let services: BTreeMap<&str, &str> = schedule
        .cmdb
        .iter()
        .flat_map(|m| m.cis.iter())
        .filter_map(|ci| ci.service.as_deref().map(|s| (ci.id.as_str(), s)))
        .collect();
    let groups_of = |cis: &[&str], own: &[String]| -> Vec<String> {
        let set: BTreeSet<String> = match options.group_by {
            ReportGroupBy::Ci => cis.iter().map(|c| (*c).to_string()).collect(),
            ReportGroupBy::Service if !own.is_empty() => own.iter().cloned().collect(),
            ReportGroupBy::Service => cis
                .iter()
                .map(|c| {
                    services
                        .get(c)
                        .copied()
                        .unwrap_or("(no service)")
                        .to_string()
                })
                .collect(),
        };
        if set.is_empty() {
            match options.group_by {
                ReportGroupBy::Ci => vec!["(no CI)".to_string()],
                ReportGroupBy::Service => vec!["(no service)".to_string()],
            }
        } else {
            set.into_iter().collect()
        }
    };

    let mut items: Vec<Item<'_>> = Vec::new();
    for (i, r) in schedule.releases.iter().enumerate() {
        let (Some(s), Some(e)) = (r.planned_start.as_ref(), r.planned_end.as_ref()) else {
            warnings.push(Warning::new(
                "release_not_scheduled",
                format!("releases[{i}]"),
                format!("release {} has no planned window; left out", r.id),
            ));
            continue;
        };
        let cis = r.all_affected_cis();
        let mut tip = format!(
            "{}: {}\n{} – {}\nstate {}",
            r.id,
            r.title,
            show(&tz, s.unix_seconds()),
            show(&tz, e.unix_seconds()),
            r.state.as_str()
        );
        for c in &r.changes {
            let _ = write!(tip, "\n{}: {}", c.id, c.summary);
        }
        if !cis.is_empty() {
            let _ = write!(tip, "\nCIs: {}", cis.join(", "));
        }
        items.push(Item {
            id: &r.id,
            label: clip(&format!("{} {}", r.id, r.title), LABEL_CHARS),
            change: false,
            start: s.unix_seconds(),
            end: e.unix_seconds(),
            groups: groups_of(&cis, &r.services),
            hot: hot.contains(r.id.as_str()),
            tip,
        });
    }
    for (i, c) in schedule.changes.iter().enumerate() {
        let (Some(s), Some(e)) = (c.planned_start.as_ref(), c.planned_end.as_ref()) else {
            warnings.push(Warning::new(
                "change_not_scheduled",
                format!("changes[{i}]"),
                format!("change {} has no planned window; left out", c.id),
            ));
            continue;
        };
        let cis: Vec<&str> = c.affected_cis.iter().map(String::as_str).collect();
        let mut tip = format!(
            "{}: {}\n{} – {}",
            c.id,
            c.summary,
            show(&tz, s.unix_seconds()),
            show(&tz, e.unix_seconds())
        );
        if !cis.is_empty() {
            let _ = write!(tip, "\nCIs: {}", cis.join(", "));
        }
        items.push(Item {
            id: &c.id,
            label: clip(&format!("{} {}", c.id, c.summary), LABEL_CHARS),
            change: true,
            start: s.unix_seconds(),
            end: e.unix_seconds(),
            groups: groups_of(&cis, &[]),
            hot: hot.contains(c.id.as_str()),
            tip,
        });
    }

    // The window and its weeks.
    let from = options
        .from
        .as_ref()
        .map(Timestamp::unix_seconds)
        .or_else(|| items.iter().map(|i| i.start).min());
    let to = options
        .to
        .as_ref()
        .map(Timestamp::unix_seconds)
        .or_else(|| items.iter().map(|i| i.end).max());
    let mut weeks: Vec<(NaiveDate, i64, i64)> = Vec::new();
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            return Err(Error::invalid_input(
                "options.to",
                "the report's window must end after it starts",
            ));
        }
        let first = local_date(&tz, from);
        let back = first
            .weekday()
            .num_days_from_monday()
            .saturating_add(7)
            .saturating_sub(u32::from(week_start.days_from_monday()))
            .checked_rem(7)
            .unwrap_or(0);
        let mut day = first
            .checked_sub_days(Days::new(u64::from(back)))
            .unwrap_or(first);
        loop {
            let start = midnight(&tz, day);
            if start >= to {
                break;
            }
            let next = day.checked_add_days(Days::new(7)).unwrap_or(day);
            if next == day {
                break;
            }
            weeks.push((day, start, midnight(&tz, next)));
            if weeks.len() > MAX_WEEKS {
                return Err(Error::LimitExceeded {
                    path: "options.to".into(),
                    what: "report weeks".into(),
                    limit: MAX_WEEKS as u64,
                    found: weeks.len() as u64,
                });
            }
            day = next;
        }
    }
    let span = (
        weeks.first().map(|w| w.1).unwrap_or(0),
        weeks.last().map(|w| w.2).unwrap_or(0),
    );
    let in_window = |s: i64, e: i64| e > span.0 && s < span.1 && !weeks.is_empty();
    items.retain(|i| in_window(i.start, i.end.max(i.start.saturating_add(1))));

    // Blackouts and maintenance windows.
    let mut periods: Vec<Period> = Vec::new();
    if let (Some(cal), false) = (&schedule.calendar, weeks.is_empty()) {
        for (i, b) in cal.blackouts.iter().enumerate() {
            let path = format!("calendar.blackouts[{i}]");
            let warn = b.severity == crate::document::BlackoutSeverity::Warn;
            for iv in calendar::period_occurrences(
                b.start.as_ref(),
                b.end.as_ref(),
                b.recurrence.as_ref(),
                span,
                MAX_PERIODS as u64,
                &path,
            )? {
                periods.push(Period {
                    label: clip(&b.name, LABEL_CHARS),
                    class: if warn { "bw" } else { "bo" },
                    start: iv.start,
                    end: iv.end,
                    tip: format!(
                        "Blackout {} ({}): {}\n{} – {}",
                        b.id,
                        if warn { "warn" } else { "block" },
                        b.name,
                        show(&tz, iv.start),
                        show(&tz, iv.end)
                    ),
                });
            }
            if periods.len() > MAX_PERIODS {
                return Err(Error::LimitExceeded {
                    path,
                    what: "calendar periods".into(),
                    limit: MAX_PERIODS as u64,
                    found: periods.len() as u64,
                });
            }
        }
        for (i, m) in cal.maintenance_windows.iter().enumerate() {
            let path = format!("calendar.maintenance_windows[{i}]");
            for iv in calendar::period_occurrences(
                m.start.as_ref(),
                m.end.as_ref(),
                m.recurrence.as_ref(),
                span,
                MAX_PERIODS as u64,
                &path,
            )? {
                periods.push(Period {
                    label: clip(&m.name, LABEL_CHARS),
                    class: "mw",
                    start: iv.start,
                    end: iv.end,
                    tip: format!(
                        "Maintenance window {}: {}\n{} – {}",
                        m.id,
                        m.name,
                        show(&tz, iv.start),
                        show(&tz, iv.end)
                    ),
                });
            }
            if periods.len() > MAX_PERIODS {
                return Err(Error::LimitExceeded {
                    path,
                    what: "calendar periods".into(),
                    limit: MAX_PERIODS as u64,
                    found: periods.len() as u64,
                });
            }
        }
    }
    let marks: Vec<Mark> = conflicts
        .conflicts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let w = c.window.as_ref()?;
            let s = w.start.unix_seconds();
            (s >= span.0 && s < span.1).then(|| Mark {
                n: i.saturating_add(1),
                start: s,
                tip: format!("Conflict {}: {}", i.saturating_add(1), c.explanation),
            })
        })
        .collect();

    let releases = items.iter().filter(|i| !i.change).count();
    let changes = items.iter().filter(|i| i.change).count();
    let by = match options.group_by {
        ReportGroupBy::Ci => "CI",
        ReportGroupBy::Service => "service",
    };
    let title = options.title.as_deref().unwrap_or("Release report");

    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    let _ = writeln!(h, "<title>{}</title>", esc(title));
    h.push_str(STYLE);
    h.push_str("</head>\n<body>\n<header>\n");
    let _ = writeln!(h, "<h1>{}</h1>", esc(title));
    let _ = write!(
        h,
        "<p>{releases} release{}, {changes} change{}, {} conflict{} ({} blocking)",
        plural(releases),
        plural(changes),
        conflicts.conflicts.len(),
        plural(conflicts.conflicts.len()),
        conflicts.blocking
    );
    if let (Some(f), Some(l)) = (weeks.first(), weeks.last()) {
        let last = l.0.checked_add_days(Days::new(6)).unwrap_or(l.0);
        let _ = write!(h, " · weeks {} to {}", f.0, last);
    }
    let _ = writeln!(h, " · times in {} · rows per {by}</p>", esc(tz.name()));
    if let Some(now) = &options.now {
        let _ = writeln!(
            h,
            "<p>Generated at {}</p>",
            esc(&show(&tz, now.unix_seconds()))
        );
    }
    h.push_str(LEGEND);
    h.push_str("</header>\n");
    if weeks.len() > 1 {
        h.push_str("<nav aria-label=\"Weeks\"><ul>");
        for w in &weeks {
            let _ = write!(h, "<li><a href=\"#w-{0}\">{0}</a></li>", w.0);
        }
        h.push_str("</ul></nav>\n");
    }
    h.push_str("<main>\n<div class=\"lay\">\n<div class=\"tl\">\n<h2>Change calendar</h2>\n");
    if weeks.is_empty() {
        h.push_str("<p>Nothing is scheduled.</p>\n");
    }
    for (k, w) in weeks.iter().enumerate() {
        let prev = k.checked_sub(1).and_then(|p| weeks.get(p));
        let next = weeks.get(k.saturating_add(1));
        week(
            &mut h,
            &tz,
            w,
            (prev.map(|p| p.0), next.map(|n| n.0)),
            &items,
            &periods,
            &marks,
            by,
        );
    }
    h.push_str("</div>\n");
    conflict_table(&mut h, &tz, &conflicts.conflicts, &marks);
    h.push_str("</div>\n");
    let mut charts = 0;
    if let Some(k) = &kpis {
        charts = kpi_section(&mut h, k);
    }
    if !warnings.is_empty() {
        h.push_str("<section aria-labelledby=\"warn-h\">\n<h2 id=\"warn-h\">Warnings</h2>\n<ul>\n");
        for w in &warnings {
            let _ = writeln!(
                h,
                "<li><code>{}</code> at <code>{}</code>: {}</li>",
                esc(&w.code),
                esc(&w.path),
                esc(&w.message)
            );
        }
        h.push_str("</ul>\n</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(Report {
        html: h,
        releases,
        changes,
        conflicts: conflicts.conflicts.len(),
        weeks: weeks.len(),
        charts,
        warnings,
    })
}

/// `compute_kpis` names its options `options.…`; here they are
/// `options.kpi.…`.
fn kpi_paths(e: Error) -> Error {
    let fix = |p: &mut String| {
        if let Some(rest) = p.strip_prefix("options.") {
            *p = format!("options.kpi.{rest}");
        }
    };
    match e {
        Error::InvalidInput { mut problems } => {
            problems.iter_mut().for_each(|p| fix(&mut p.path));
            Error::InvalidInput { problems }
        }
        Error::LimitExceeded {
            mut path,
            what,
            limit,
            found,
        } => {
            fix(&mut path);
            Error::LimitExceeded {
                path,
                what,
                limit,
                found,
            }
        }
        other => other,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

const STYLE: &str = "<style>
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1b1b;background:#fff;margin:0 24px 48px}
h1{font-size:1.6em;margin:.6em 0 .2em}h2{font-size:1.25em}h3{font-size:1.05em;margin:1.2em 0 .2em}
a{color:#0b57a4}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px}
.lay{display:flex;gap:24px;align-items:flex-start}.tl{flex:1 1 0;min-width:0}
aside{flex:0 0 40%;min-width:320px}
@media (max-width:1100px){.lay{display:block}}
svg{width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:#1b1b1b}
.wn{margin:0;font-size:.9em}
.hd text{font-weight:600}.gl{stroke:#c9c9c9}.rl{fill:#f4f4f4}
.r rect{fill:#1f5fa8}.c rect{fill:#6a3d9a}
.x rect{stroke:#b00020;stroke-width:3}.x text{fill:#b00020;font-weight:700}
.bo{fill:#fbe3e3}.bw{fill:#fff3d6}.mw{fill:#e3f2e6}
.pb rect{fill:#b3261e}.pw rect{fill:#8a6100}.pm rect{fill:#2e7d32}
.cm rect{fill:#b00020}.cm text{fill:#fff;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:.92em}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #bdbdbd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f0f0f0}
tr.b td:first-child{border-left:4px solid #b00020}
.sub{display:block}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
figure{margin:0}.ax{stroke:#5f5f5f}.gr{stroke:#e0e0e0}
.te{fill:#d9f2dd}.th{fill:#e3eefa}.tm{fill:#fff1cc}.tw{fill:#fbe3e3}
.s0{stroke:#1f5fa8;fill:none;stroke-width:2}.s1{stroke:#8a3b00;fill:none;stroke-width:2;stroke-dasharray:6 4}
.p0{fill:#1f5fa8}.p1{fill:#8a3b00}
.key{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin:0 4px 0 12px;border:1px solid #5f5f5f}
</style>
";

const LEGEND: &str = "<p class=\"legend\">Key:\
<span class=\"key\" style=\"background:#1f5fa8\"></span>release\
<span class=\"key\" style=\"background:#6a3d9a\"></span>change\
<span class=\"key\" style=\"background:#fff;border:3px solid #b00020\"></span>in a conflict\
<span class=\"key\" style=\"background:#fbe3e3\"></span>blackout\
<span class=\"key\" style=\"background:#fff3d6\"></span>blackout (warn)\
<span class=\"key\" style=\"background:#e3f2e6\"></span>maintenance window</p>
";

#[allow(clippy::too_many_arguments)]
fn week(
    h: &mut String,
    tz: &Tz,
    w: &(NaiveDate, i64, i64),
    nav: (Option<NaiveDate>, Option<NaiveDate>),
    items: &[Item<'_>],
    periods: &[Period],
    marks: &[Mark],
    by: &str,
) {
    let (day, ws, we) = *w;
    let len = we.saturating_sub(ws).max(1) as f64;
    let x_of = |t: i64| -> f64 {
        let c = t.clamp(ws, we);
        LABEL_W + (c.saturating_sub(ws)) as f64 / len * 7.0 * DAY_W
    };
    let bar = |s: i64, e: i64| -> (f64, f64) {
        let x0 = x_of(s);
        let x1 = x_of(e).max(x0 + 2.0);
        (x0, x1)
    };
    let overlaps = |s: i64, e: i64| e.max(s.saturating_add(1)) > ws && s < we;

    let mut body = String::new();
    let mut y = HEAD_H;
    let mut desc = String::new();
    let mut shade = String::new();
    // Bands: blackouts, maintenance windows, conflicts.
    for (name, classes) in [
        ("Blackouts", &["bo", "bw"][..]),
        ("Maintenance", &["mw"][..]),
    ] {
        let mine: Vec<&Period> = periods
            .iter()
            .filter(|p| classes.contains(&p.class) && overlaps(p.start, p.end))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let ext: Vec<(f64, f64)> = mine
            .iter()
            .map(|p| {
                let (x0, x1) = bar(p.start, p.end);
                place(x0, x1, &p.label).0
            })
            .collect();
        let (lanes, n) = pack(&ext);
        let hgt = n as f64 * LANE_H;
        let _ = write!(
            body,
            "<rect class=\"rl\" x=\"0\" y=\"{y:.1}\" width=\"{WIDTH}\" height=\"{hgt:.1}\"/><text x=\"6\" y=\"{:.1}\">{name}</text>",
            y + 14.0
        );
        for (p, lane) in mine.iter().zip(lanes) {
            let (x0, x1) = bar(p.start, p.end);
            let (_, tx, anchor) = place(x0, x1, &p.label);
            let ly = y + lane as f64 * LANE_H + 3.0;
            let cls = match p.class {
                "bo" => "pb",
                "bw" => "pw",
                _ => "pm",
            };
            let _ = write!(
                body,
                "<g class=\"{cls}\"><title>{}</title><rect x=\"{x0:.1}\" y=\"{ly:.1}\" width=\"{:.1}\" height=\"{BAR_H}\"/><text x=\"{tx:.1}\" y=\"{:.1}\"{anchor}>{}</text></g>",
                esc(&p.tip),
                x1 - x0,
                ly + 11.0,
                esc(&p.label)
            );
            let _ = write!(
                shade,
                "<rect class=\"{}\" x=\"{x0:.1}\" y=\"{HEAD_H}\" width=\"{:.1}\" height=\"@H\"/>",
                p.class,
                x1 - x0
            );
            let _ = write!(desc, " {}.", p.tip.replace('\n', ", "));
        }
        y += hgt;
    }
    let mine: Vec<&Mark> = marks
        .iter()
        .filter(|m| m.start >= ws && m.start < we)
        .collect();
    if !mine.is_empty() {
        let ext: Vec<(f64, f64)> = mine
            .iter()
            .map(|m| {
                let x = x_of(m.start);
                (x, x + 22.0)
            })
            .collect();
        let (lanes, n) = pack(&ext);
        let hgt = n as f64 * LANE_H;
        let _ = write!(
            body,
            "<rect class=\"rl\" x=\"0\" y=\"{y:.1}\" width=\"{WIDTH}\" height=\"{hgt:.1}\"/><text x=\"6\" y=\"{:.1}\">Conflicts</text>",
            y + 14.0
        );
        for (m, lane) in mine.iter().zip(lanes) {
            let x = x_of(m.start);
            let ly = y + lane as f64 * LANE_H + 2.0;
            let _ = write!(
                body,
                "<a class=\"cm\" href=\"#c{0}\"><title>{1}</title><rect x=\"{x:.1}\" y=\"{ly:.1}\" width=\"20\" height=\"16\" rx=\"3\"/><text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"middle\">{0}</text></a>",
                m.n,
                esc(&m.tip),
                x + 10.0,
                ly + 12.0
            );
            let _ = write!(desc, " {}.", m.tip);
        }
        y += hgt;
    }
    // Rows.
    let mut rows: BTreeMap<&str, Vec<&Item<'_>>> = BTreeMap::new();
    for it in items.iter().filter(|i| overlaps(i.start, i.end)) {
        for g in &it.groups {
            rows.entry(g.as_str()).or_default().push(it);
        }
    }
    let mut in_week: BTreeSet<&str> = BTreeSet::new();
    for (g, mut list) in rows {
        list.sort_by(|a, b| (a.start, a.end, a.id).cmp(&(b.start, b.end, b.id)));
        let ext: Vec<(f64, f64)> = list
            .iter()
            .map(|i| {
                let (x0, x1) = bar(i.start, i.end);
                place(x0, x1, &i.label).0
            })
            .collect();
        let (lanes, n) = pack(&ext);
        let hgt = n.max(1) as f64 * LANE_H;
        let _ = write!(
            body,
            "<line class=\"gl\" x1=\"0\" x2=\"{WIDTH}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"6\" y=\"{:.1}\">{}</text>",
            y + 14.0,
            esc(&clip(g, 30))
        );
        for (it, lane) in list.iter().zip(lanes) {
            let (x0, x1) = bar(it.start, it.end);
            let (_, tx, anchor) = place(x0, x1, &it.label);
            let ly = y + lane as f64 * LANE_H + 3.0;
            let cls = match (it.change, it.hot) {
                (false, false) => "r",
                (false, true) => "r x",
                (true, false) => "c",
                (true, true) => "c x",
            };
            let _ = write!(
                body,
                "<g class=\"{cls}\" data-id=\"{}\"><title>{}</title><rect x=\"{x0:.1}\" y=\"{ly:.1}\" width=\"{:.1}\" height=\"{BAR_H}\"/><text x=\"{tx:.1}\" y=\"{:.1}\"{anchor}>{}</text></g>",
                esc(it.id),
                esc(&it.tip),
                x1 - x0,
                ly + 11.0,
                esc(&it.label)
            );
            if in_week.insert(it.id) {
                let _ = write!(
                    desc,
                    " {}{}.",
                    it.tip.lines().take(2).collect::<Vec<_>>().join(", "),
                    if it.hot { " (in a conflict)" } else { "" }
                );
            }
        }
        y += hgt;
    }
    if in_week.is_empty() {
        let _ = write!(
            body,
            "<text x=\"{:.1}\" y=\"{:.1}\">Nothing scheduled this week.</text>",
            LABEL_W + 6.0,
            y + 16.0
        );
        y += LANE_H + 4.0;
    }
    let total = y + 4.0;
    // Day columns and the header.
    let mut head = String::from("<g class=\"hd\">");
    for d in 0..7u64 {
        let Some(date) = day.checked_add_days(Days::new(d)) else {
            continue;
        };
        let x = x_of(midnight(tz, date));
        let _ = write!(
            head,
            "<line class=\"gl\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"0\" y2=\"{total:.1}\"/><text x=\"{:.1}\" y=\"16\">{}</text>",
            x + 4.0,
            date.format("%a %d %b")
        );
    }
    head.push_str("</g>");
    let id = format!("w-{day}");
    let _ = writeln!(
        h,
        "<section class=\"wk\" id=\"{id}\" aria-labelledby=\"h-{id}\">"
    );
    let _ = writeln!(
        h,
        "<h3 id=\"h-{id}\">Week of {}</h3>",
        day.format("%a %d %b %Y")
    );
    h.push_str("<p class=\"wn\">");
    match nav.0 {
        Some(p) => {
            let _ = write!(h, "<a href=\"#w-{p}\">← previous week</a>");
        }
        None => h.push_str("<span>first week</span>"),
    }
    h.push_str(" · ");
    match nav.1 {
        Some(n) => {
            let _ = write!(h, "<a href=\"#w-{n}\">next week →</a>");
        }
        None => h.push_str("<span>last week</span>"),
    }
    h.push_str("</p>\n");
    let summary = if in_week.is_empty() {
        "Nothing scheduled.".to_string()
    } else {
        format!("{} item{} scheduled.", in_week.len(), plural(in_week.len()))
    };
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {WIDTH} {total:.1}\" role=\"img\" aria-labelledby=\"t-{id}\" aria-describedby=\"d-{id}\"><title id=\"t-{id}\">Change calendar, week of {day}, rows per {by}</title><desc id=\"d-{id}\">{}{}</desc>",
        esc(&summary),
        esc(&desc)
    );
    h.push_str(&shade.replace("@H", &format!("{:.1}", total - HEAD_H)));
    h.push_str(&head);
    h.push_str(&body);
    h.push_str("\n</svg>\n</section>\n");
}

fn conflict_table(h: &mut String, tz: &Tz, conflicts: &[crate::Conflict], marks: &[Mark]) {
    h.push_str("<aside aria-labelledby=\"conf-h\">\n<h2 id=\"conf-h\">Conflicts</h2>\n");
    if conflicts.is_empty() {
        h.push_str("<p>No conflicts.</p>\n</aside>\n");
        return;
    }
    let _ = writeln!(
        h,
        "<p>{} of {} marked on the timeline (one without a window in it, such as a dependency cycle, is only listed here).</p>",
        marks.len(),
        conflicts.len()
    );
    h.push_str("<table class=\"conf\">\n<caption>Conflicts found by detect_conflicts, in report order</caption>\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Kind and severity</th><th scope=\"col\">Items and window</th><th scope=\"col\">Explanation</th></tr></thead>\n<tbody>\n");
    for (i, c) in conflicts.iter().enumerate() {
        let n = i.saturating_add(1);
        let kind = serde_json::to_value(c.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let severity = serde_json::to_value(c.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let window = match &c.window {
            Some(w) => format!(
                "{} – {}",
                show(tz, w.start.unix_seconds()),
                show(tz, w.end.unix_seconds())
            ),
            None => "—".to_string(),
        };
        let mut items = c.items.join(", ");
        if !c.cis.is_empty() {
            let _ = write!(items, " (CIs {})", c.cis.join(", "));
        }
        let _ = writeln!(
            h,
            "<tr id=\"c{n}\"{}><th scope=\"row\">{n}</th><td>{}<span class=\"sub\">{}</span></td><td>{}<span class=\"sub\">{}</span></td><td>{}</td></tr>",
            if severity == "block" { " class=\"b\"" } else { "" },
            esc(&kind),
            esc(&severity),
            esc(&items),
            esc(&window),
            esc(&c.explanation)
        );
    }
    h.push_str("</tbody>\n</table>\n</aside>\n");
}

fn tier_name(t: Tier) -> &'static str {
    match t {
        Tier::Elite => "elite",
        Tier::High => "high",
        Tier::Medium => "medium",
        Tier::Low => "low",
    }
}

struct Chart<'a> {
    id: &'static str,
    name: &'static str,
    unit: &'static str,
    metric: &'static str,
    /// Multiplies a value into the unit shown.
    scale: f64,
    series: Vec<(&'static str, Vec<Option<f64>>)>,
    period: String,
    buckets: &'a [SeriesBucket],
}

fn kpi_section(h: &mut String, k: &KpiReport) -> usize {
    let dora = &k.kpis.dora;
    let col = |f: &dyn Fn(&SeriesBucket) -> Option<f64>| -> Vec<Option<f64>> {
        k.series.iter().map(f).collect()
    };
    let tier = |t: &crate::kpi::TierVerdict| match t.tier {
        Some(t) => format!("DORA tier {}", tier_name(t)),
        None => format!("no DORA tier: {}", t.explanation),
    };
    let num = |v: Option<f64>, scale: f64, unit: &str| match v {
        Some(v) => format!("{} {unit}", fmt_num(v * scale)),
        None => "no value".to_string(),
    };
    let charts = [
        Chart {
            id: "k-df",
            name: "Deployment frequency",
            unit: "deployments per week",
            metric: "deployment_frequency",
            scale: 1.0,
            series: vec![(
                "per week",
                col(&|b| b.kpis.dora.deployment_frequency.per_week),
            )],
            period: format!(
                "{} ({})",
                num(dora.deployment_frequency.per_week, 1.0, "per week"),
                tier(&dora.deployment_frequency.tier)
            ),
            buckets: &k.series,
        },
        Chart {
            id: "k-lt",
            name: "Lead time for changes",
            unit: "hours",
            metric: "lead_time",
            scale: 1.0 / 3600.0,
            series: vec![
                ("median", col(&|b| b.kpis.dora.lead_time.stats.median_secs)),
                ("p90", col(&|b| b.kpis.dora.lead_time.stats.p90_secs)),
            ],
            period: format!(
                "median {}, p90 {} ({})",
                num(dora.lead_time.stats.median_secs, 1.0 / 3600.0, "hours"),
                num(dora.lead_time.stats.p90_secs, 1.0 / 3600.0, "hours"),
                tier(&dora.lead_time.tier)
            ),
            buckets: &k.series,
        },
        Chart {
            id: "k-cfr",
            name: "Change failure rate",
            unit: "percent",
            metric: "change_failure_rate",
            scale: 100.0,
            series: vec![("rate", col(&|b| b.kpis.dora.change_failure_rate.rate.value))],
            period: format!(
                "{} ({})",
                num(dora.change_failure_rate.rate.value, 100.0, "%"),
                tier(&dora.change_failure_rate.tier)
            ),
            buckets: &k.series,
        },
        Chart {
            id: "k-rt",
            name: "Failed deployment recovery time",
            unit: "hours",
            metric: "failed_deployment_recovery_time",
            scale: 1.0 / 3600.0,
            series: vec![(
                "median",
                col(&|b| {
                    b.kpis
                        .dora
                        .failed_deployment_recovery_time
                        .stats
                        .median_secs
                }),
            )],
            period: format!(
                "median {} ({})",
                num(
                    dora.failed_deployment_recovery_time.stats.median_secs,
                    1.0 / 3600.0,
                    "hours"
                ),
                tier(&dora.failed_deployment_recovery_time.tier)
            ),
            buckets: &k.series,
        },
    ];
    h.push_str("<section aria-labelledby=\"kpi-h\">\n<h2 id=\"kpi-h\">Delivery KPIs</h2>\n");
    let _ = writeln!(
        h,
        "<p>{} to {} ({} days), {} series in {}. Shaded bands: the DORA tiers of the {} ({}).</p>",
        esc(k.period.first_day.as_deref().unwrap_or("—")),
        esc(k.period.last_day.as_deref().unwrap_or("—")),
        k.period.days,
        esc(&serde_json::to_value(k.settings.series)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()),
        esc(&k.settings.time_zone),
        esc(&k.benchmark.source),
        k.benchmark.year
    );
    h.push_str("<div class=\"charts\">\n");
    let mut n: usize = 0;
    for c in &charts {
        chart(h, c);
        n = n.saturating_add(1);
    }
    h.push_str("</div>\n</section>\n");
    n
}

/// The smallest 4 × (1, 2, 2.5 or 5 × 10^k) at or above `v` (0 < v).
fn nice_top(v: f64) -> f64 {
    let v = if v.is_finite() && v > 0.0 { v } else { 1.0 };
    let raw = v / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    step * 4.0
}

/// A number with at most two decimals, without trailing zeros.
fn fmt_num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn chart(h: &mut String, c: &Chart<'_>) {
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    const L: f64 = 56.0;
    const R: f64 = 560.0;
    const T: f64 = 16.0;
    const B: f64 = 220.0;
    let bands: Option<&MetricBands> = DORA_2023.metrics.iter().find(|m| m.metric == c.metric);
    let max_val = c
        .series
        .iter()
        .flat_map(|s| s.1.iter().flatten())
        .map(|v| v * c.scale)
        .fold(0.0_f64, f64::max);
    let reference = bands
        .and_then(|b| b.bands.get(1))
        .and_then(|b| b.max)
        .map(|v| v * c.scale)
        .unwrap_or(1.0);
    let top = nice_top((max_val * 1.1).max(reference * 1.1));
    let y_of = |v: f64| B - (v / top).clamp(0.0, 1.0) * (B - T);
    let n = c.buckets.len();
    let x_of = |i: usize| {
        if n <= 1 {
            (L + R) / 2.0
        } else {
            L + (R - L) * i as f64 / n.saturating_sub(1) as f64
        }
    };
    let mut desc = format!("{} in {}. Period: {}.", c.name, c.unit, c.period);
    let mut body = String::new();
    if let Some(b) = bands {
        // Worst tier first so a better tier sharing a band is drawn over it.
        let mut drawn: Vec<(Option<f64>, Option<f64>)> = Vec::new();
        let mut text = String::new();
        for band in b.bands.iter().rev() {
            let lo = band.min.map(|v| v * c.scale).unwrap_or(0.0);
            let hi = band.max.map(|v| v * c.scale).unwrap_or(top);
            let cls = match band.tier {
                Tier::Elite => "te",
                Tier::High => "th",
                Tier::Medium => "tm",
                Tier::Low => "tw",
            };
            let (y0, y1) = (y_of(hi), y_of(lo));
            let _ = write!(
                body,
                "<rect class=\"{cls}\" x=\"{L}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                R - L,
                (y1 - y0).max(0.0)
            );
            if !drawn.contains(&(band.min, band.max)) && y1 - y0 >= 11.0 {
                let names: Vec<&str> = b
                    .bands
                    .iter()
                    .filter(|o| (o.min, o.max) == (band.min, band.max))
                    .map(|o| tier_name(o.tier))
                    .collect();
                let _ = write!(
                    text,
                    "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    R + 4.0,
                    (y0 + y1) / 2.0 + 4.0,
                    names.join(" / ")
                );
            }
            drawn.push((band.min, band.max));
        }
        body.push_str(&text);
        let _ = write!(desc, " DORA {} bands:", DORA_2023.year);
        for band in b.bands {
            let _ = write!(
                desc,
                " {} {} to {};",
                tier_name(band.tier),
                band.min
                    .map(|v| fmt_num(v * c.scale))
                    .unwrap_or_else(|| "0".into()),
                band.max
                    .map(|v| fmt_num(v * c.scale))
                    .unwrap_or_else(|| "no limit".into())
            );
        }
    }
    for k in 0..=4u32 {
        let v = top * f64::from(k) / 4.0;
        let y = y_of(v);
        let _ = write!(
            body,
            "<line class=\"gr\" x1=\"{L}\" x2=\"{R}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            L - 4.0,
            y + 4.0,
            fmt_num(v)
        );
    }
    let _ = write!(
        body,
        "<line class=\"ax\" x1=\"{L}\" x2=\"{R}\" y1=\"{B}\" y2=\"{B}\"/><line class=\"ax\" x1=\"{L}\" x2=\"{L}\" y1=\"{T}\" y2=\"{B}\"/>"
    );
    let step = n.div_ceil(6).max(1);
    for (i, b) in c.buckets.iter().enumerate() {
        if i.checked_rem(step) == Some(0) {
            let _ = write!(
                body,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x_of(i),
                B + 16.0,
                esc(&b.bucket)
            );
        }
    }
    for (s, (name, values)) in c.series.iter().enumerate() {
        let mut path = String::new();
        let mut pen = false;
        let _ = write!(desc, " {name}:");
        for (i, v) in values.iter().enumerate() {
            let bucket = c.buckets.get(i).map(|b| b.bucket.as_str()).unwrap_or("");
            match v {
                Some(v) => {
                    let (x, y) = (x_of(i), y_of(v * c.scale));
                    let _ = write!(path, "{}{x:.1} {y:.1}", if pen { " L" } else { " M" });
                    pen = true;
                    let _ = write!(
                        body,
                        "<circle class=\"p{s}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"/>"
                    );
                    let _ = write!(desc, " {bucket} {};", fmt_num(v * c.scale));
                }
                None => {
                    pen = false;
                    let _ = write!(desc, " {bucket} no value;");
                }
            }
        }
        if !path.is_empty() {
            let _ = write!(body, "<path class=\"s{s}\" d=\"{}\"/>", path.trim_start());
        }
        if c.series.len() > 1 {
            let lx = L + 8.0 + s as f64 * 90.0;
            let _ = write!(
                body,
                "<line class=\"s{s}\" x1=\"{lx:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\">{name}</text>",
                lx + 24.0,
                H - 14.0,
                H - 14.0,
                lx + 28.0,
                H - 10.0
            );
        }
    }
    let _ = writeln!(
        h,
        "<figure>\n<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{0}-t\" aria-describedby=\"{0}-d\"><title id=\"{0}-t\">{1}</title><desc id=\"{0}-d\">{2}</desc>{3}</svg>\n<figcaption>{1} ({4}). {5}</figcaption>\n</figure>",
        c.id,
        c.name,
        esc(&desc),
        body,
        c.unit,
        esc(&c.period)
    );
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    // `balanced`, shared with core/tests/report.rs.
    include!("../../tests/support/html.rs");

    fn schedule() -> Schedule {
        crate::parse::<Schedule>(include_str!("../../../examples/data/schedule.json"))
            .unwrap()
            .document
    }

    fn history() -> History {
        crate::parse::<History>(include_str!("../../../examples/data/history.json"))
            .unwrap()
            .document
    }

    #[test]
    fn the_bundled_report_is_balanced_deterministic_and_counts_its_bars() {
        let options = ReportOptions {
            time_zone: Some("Europe/Berlin".into()),
            ..ReportOptions::default()
        };
        let a = report(&schedule(), Some(&history()), &options).unwrap();
        let b = report(&schedule(), Some(&history()), &options).unwrap();
        assert_eq!(a, b);
        balanced(&a.html).unwrap();
        let s = schedule();
        assert_eq!(a.releases, s.releases.len());
        assert_eq!(a.changes, s.changes.len());
        let ids: BTreeSet<&str> = a
            .html
            .match_indices("data-id=\"")
            .map(|(i, m)| {
                let rest = &a.html[i + m.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        assert_eq!(ids.len(), s.releases.len() + s.changes.len());
        assert_eq!(a.charts, 4);
        assert_eq!(a.html.matches("role=\"img\"").count(), a.weeks + 4);
        assert!(!a.html.contains("http://") && !a.html.contains("https://"));
    }

    /// WCAG 2 relative luminance of `#rrggbb` or `#rgb`.
    fn luminance(hex: &str) -> f64 {
        let h = hex.trim_start_matches('#');
        let h: String = if h.len() == 3 {
            h.chars().flat_map(|c| [c, c]).collect()
        } else {
            h.to_string()
        };
        let ch = |i: usize| {
            let v = f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(0) + 0.7152 * ch(2) + 0.0722 * ch(4)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// Every colour of the page's style is accounted for: text on each
    /// background it can sit on passes 4.5:1 (WCAG 1.4.3), every bar,
    /// line and mark 3:1 against white and the shadings (1.4.11); the rest
    /// are named as decoration (grid lines, table borders).
    #[test]
    fn colours_pass_contrast() {
        let backgrounds = [
            "#fff", "#f4f4f4", "#f0f0f0", "#fbe3e3", "#fff3d6", "#e3f2e6", "#d9f2dd", "#e3eefa",
            "#fff1cc",
        ];
        let text = ["#1b1b1b", "#b00020"];
        let marks = [
            "#1f5fa8", "#6a3d9a", "#b00020", "#b3261e", "#8a6100", "#2e7d32", "#8a3b00", "#5f5f5f",
        ];
        let decoration = ["#c9c9c9", "#e0e0e0", "#bdbdbd"];
        for t in text {
            for b in backgrounds {
                assert!(contrast(t, b) >= 4.5, "text {t} on {b}: {}", contrast(t, b));
            }
        }
        assert!(contrast("#0b57a4", "#fff") >= 4.5, "links");
        assert!(contrast("#fff", "#b00020") >= 4.5, "conflict mark numbers");
        for m in marks {
            for b in ["#fff", "#f4f4f4", "#fbe3e3", "#fff3d6", "#e3f2e6"] {
                assert!(contrast(m, b) >= 3.0, "mark {m} on {b}: {}", contrast(m, b));
            }
        }
        let known: BTreeSet<&str> = backgrounds
            .iter()
            .chain(&text)
            .chain(&marks)
            .chain(&decoration)
            .chain(&["#0b57a4"])
            .copied()
            .collect();
        let page = format!("{STYLE}{LEGEND}");
        for (i, _) in page.match_indices('#') {
            let hex: String = page[i..]
                .chars()
                .take(7)
                .take_while(|c| *c == '#' || c.is_ascii_hexdigit())
                .collect();
            if hex.len() > 1 {
                assert!(known.contains(hex.as_str()), "{hex} is not checked");
            }
        }
        // The check can fail.
        assert!(contrast("#c9c9c9", "#fff") < 3.0);
    }

    #[test]
    fn the_balance_check_can_fail() {
        assert!(balanced("<p><b></p></b>").is_err());
        assert!(balanced("<p>").is_err());
        assert!(balanced("<svg><rect/></svg>").is_ok());
    }

    #[test]
    fn values_are_escaped() {
        let mut s = schedule();
        s.releases[0].title = "<script>alert(1)</script> & \"q\"".into();
        let r = report(&s, None, &ReportOptions::default()).unwrap();
        assert!(!r.html.contains("<script>"));
        assert!(r
            .html
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"));
        balanced(&r.html).unwrap();
    }

    #[test]
    fn bad_options_name_their_path() {
        let at = |t: &str| Some(Timestamp::parse(t).unwrap());
        let cases = [
            (
                ReportOptions {
                    time_zone: Some("Mars/Olympus".into()),
                    ..ReportOptions::default()
                },
                false,
                ("invalid_input", "options.time_zone"),
            ),
            (
                ReportOptions {
                    from: at("2026-12-10T00:00:00Z"),
                    to: at("2026-12-01T00:00:00Z"),
                    ..ReportOptions::default()
                },
                false,
                ("invalid_input", "options.to"),
            ),
            (
                ReportOptions {
                    from: at("2000-01-01T00:00:00Z"),
                    to: at("2030-01-01T00:00:00Z"),
                    ..ReportOptions::default()
                },
                false,
                ("limit_exceeded", "options.to"),
            ),
            (
                ReportOptions {
                    kpi: Some(KpiOptions {
                        time_zone: Some("Mars/Olympus".into()),
                        ..KpiOptions::default()
                    }),
                    ..ReportOptions::default()
                },
                true,
                ("invalid_input", "options.kpi.time_zone"),
            ),
        ];
        for (options, with_history, (code, path)) in cases {
            let history = with_history.then(history);
            let e = report(&schedule(), history.as_ref(), &options).unwrap_err();
            assert_eq!((e.code().as_str(), e.path()), (code, Some(path)));
        }
    }

    #[test]
    fn weeks_start_on_the_week_start_in_the_zone() {
        let options = ReportOptions {
            time_zone: Some("Europe/Berlin".into()),
            week_start: Some(Weekday::Sun),
            ..ReportOptions::default()
        };
        let r = report(&schedule(), None, &options).unwrap();
        // The first release starts Tue 2026-12-01 21:00 Berlin: its week
        // starts Sunday 2026-11-29.
        assert!(
            r.html.contains("id=\"w-2026-11-29\""),
            "{}",
            &r.html[..2000]
        );
        let by_service = ReportOptions {
            group_by: ReportGroupBy::Service,
            ..ReportOptions::default()
        };
        let r = report(&schedule(), None, &by_service).unwrap();
        assert!(r.html.contains("rows per service"));
        assert!(r.html.contains(">shop-platform</text>") || r.html.contains("(no service)"));
    }
}
