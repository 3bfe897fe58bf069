//! Release notes: a release rendered as Markdown or HTML.
//!
//! Decides: nothing — it presents ([`crate::closure::decide`] decides
//! whether the fixes are delivered). Needs: one [`Release`]. The notes hold,
//! in this order and each only when it has content: title and version,
//! summary (`scope`) and objectives, highlights (`extra.highlights`, strings),
//! changes grouped by `category` (categories sorted, `uncategorised` last;
//! changes in document order), the linked problems, known errors, incidents
//! and requests (from the release's and its changes' `links`, deduplicated,
//! sorted) — listed as fixed only when the release's log records a
//! successful deployment, as planned before a deployment and as still open
//! after a failure, a rollback or a cancellation, by the same decision as
//! [`crate::closure()`] —, known
//! issues (`extra.known_issues`, strings), deployment (strategy, window,
//! environments, `extra.deployment_instructions`) and rollback instructions,
//! affected services and CIs, knowledge-article links.
//!
//! Deterministic: the same release gives the same bytes. HTML escapes every
//! input value (`& < > " '`); Markdown backslash-escapes the characters that
//! would change the layout (`\ ` `` ` `` `* _ [ ] < > # | ~`, and a leading
//! `-`, `+` or `1.`) and folds newlines inside a value into spaces.

use crate::closure::{decide, ClosureDecision, Disposition, Linked, OpenReason};
use crate::document::{Release, Strategy};
use crate::error::Warning;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The output format of [`release_notes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotesFormat {
    /// CommonMark / GitHub-flavoured Markdown.
    #[serde(alias = "md")]
    Markdown,
    /// An HTML fragment (an `<article>`), every value escaped.
    Html,
}

/// Rendered release notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseNotes {
    /// The format of `text`.
    pub format: NotesFormat,
    /// The notes.
    pub text: String,
    /// Odd but not fatal: e.g. a non-string entry in `extra.known_issues`.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Escapes a value for HTML text and attribute content.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a value for inline Markdown: layout characters get a backslash,
/// newlines become spaces, a leading list or heading marker is escaped.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len().saturating_add(8));
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    let trimmed = out.trim_start();
    let lead = out.len().saturating_sub(trimmed.len());
    let needs = trimmed.starts_with('-')
        || trimmed.starts_with('+')
        || trimmed.starts_with('=')
        || trimmed
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if needs {
        if let Some(first) = trimmed.chars().next() {
            if first.is_ascii_digit() {
                // `1. x` → `1\. x`
                if let Some(dot) = trimmed.find('.') {
                    let (num, rest) = trimmed.split_at(dot);
                    return format!("{}{num}\\{rest}", out.get(..lead).unwrap_or(""));
                }
            }
            return format!("{}\\{trimmed}", out.get(..lead).unwrap_or(""));
        }
    }
    out
}

/// One section of the notes, format-neutral.
enum Block {
    Paragraph(String),
    List(Vec<String>),
    /// A sub-heading followed by a list.
    Group(String, Vec<String>),
}

struct Section {
    title: &'static str,
    blocks: Vec<Block>,
}

fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::BigBang => "big bang",
        Strategy::Phased => "phased",
        Strategy::BlueGreen => "blue-green",
        Strategy::Canary => "canary",
        Strategy::FeatureFlag => "feature flag",
    }
}

fn strings(release: &Release, key: &str, warnings: &mut Vec<Warning>) -> Vec<String> {
    let mut out = Vec::new();
    match release.extra.get(key) {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(s)) => out.push(s.clone()),
        Some(serde_json::Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                match v {
                    serde_json::Value::String(s) => out.push(s.clone()),
                    _ => warnings.push(Warning::new(
                        "notes_entry_ignored",
                        format!("{key}[{i}]"),
                        "not a string; left out of the notes",
                    )),
                }
            }
        }
        Some(_) => warnings.push(Warning::new(
            "notes_entry_ignored",
            key,
            "not a string or a list of strings; left out of the notes",
        )),
    }
    out
}

/// The linked problems, known errors, incidents and requests, headed by
/// what the closure decision says of them: fixed only after a successful
/// deployment; planned before one; still open after a failure, a rollback
/// or a cancellation, or when the log vouches for no outcome.
fn fixes(release: &Release, decision: &ClosureDecision) -> Option<Section> {
    let linked = Linked::of(release);
    if linked.is_empty() {
        return None;
    }
    let (title, names, note) = match (decision.disposition, decision.reason) {
        (Disposition::Resolve, _) => (FIXED_TITLE, FIXED, None),
        (Disposition::ResolveWithIssues, _) => (FIXED_TITLE, FIXED, Some(WITH_ISSUES.to_string())),
        (Disposition::KeepOpen, Some(OpenReason::NotDeployed) | None) => (
            "Planned fixes and requests",
            PLANNED,
            Some(format!(
                "Not deployed yet (state {}): these fixes are planned, not delivered.",
                decision.state.as_str()
            )),
        ),
        (Disposition::KeepOpen, Some(reason)) => {
            ("Still open", OPEN, Some(still_open(reason).to_string()))
        }
    };
    let [p, k, i, r] = names;
    let mut blocks: Vec<Block> = note.into_iter().map(Block::Paragraph).collect();
    for (name, ids) in [
        (p, linked.problems),
        (k, linked.known_errors),
        (i, linked.incidents),
        (r, linked.requests),
    ] {
        if !ids.is_empty() {
            blocks.push(Block::Group(name.into(), ids));
        }
    }
    Some(Section { title, blocks })
}

/// Why nothing below is fixed, for the notes' "Still open" section.
fn still_open(reason: OpenReason) -> &'static str {
    match reason {
        OpenReason::Failed => {
            "The deployment failed: nothing below is fixed; every record stays open."
        }
        OpenReason::RolledBack => {
            "The deployment was rolled back: nothing below is fixed; every record stays open."
        }
        OpenReason::Cancelled => {
            "The release was cancelled: nothing below is fixed; every record stays open."
        }
        OpenReason::NotDeployed | OpenReason::LogNotVerified => {
            "The audit log vouches for no deployment: nothing below is fixed; every record stays open."
        }
    }
}

/// The title of the fixes a successful deployment delivered.
const FIXED_TITLE: &str = "Fixed problems and fulfilled requests";

/// The note of a deployment with issues.
const WITH_ISSUES: &str =
    "Deployed with issues: each fix is to be confirmed before its record is resolved.";

/// The group names of fixes planned, not yet deployed.
const PLANNED: [&str; 4] = [
    "Problems to fix",
    "Known errors to fix",
    "Incidents to resolve",
    "Requests to fulfil",
];

/// The group names of records that stay open.
const OPEN: [&str; 4] = [
    "Open problems",
    "Open known errors",
    "Open incidents",
    "Open requests",
];

/// The group names of fixes delivered by a successful deployment.
const FIXED: [&str; 4] = [
    "Problems fixed",
    "Known errors fixed",
    "Incidents resolved",
    "Requests fulfilled",
];

fn sections(
    release: &Release,
    decision: &ClosureDecision,
    warnings: &mut Vec<Warning>,
) -> Vec<Section> {
    let mut out = Vec::new();
    let mut summary = Vec::new();
    if let Some(scope) = &release.scope {
        summary.push(Block::Paragraph(scope.clone()));
    }
    if !release.objectives.is_empty() {
        summary.push(Block::Group(
            "Objectives".into(),
            release.objectives.clone(),
        ));
    }
    out.push(Section {
        title: "Summary",
        blocks: summary,
    });
    let highlights = strings(release, "highlights", warnings);
    if !highlights.is_empty() {
        out.push(Section {
            title: "Highlights",
            blocks: vec![Block::List(highlights)],
        });
    }
    let mut groups: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
    for c in &release.changes {
        let cat = c.category.clone().filter(|s| !s.trim().is_empty());
        let key = (cat.is_none(), cat.unwrap_or_else(|| "uncategorised".into()));
        groups.entry(key).or_default().push(format!(
            "{} ({}): {}",
            c.id,
            c.kind.as_str(),
            c.summary
        ));
    }
    if !groups.is_empty() {
        out.push(Section {
            title: "Changes",
            blocks: groups
                .into_iter()
                .map(|((_, k), v)| Block::Group(k, v))
                .collect(),
        });
    }
    if let Some(section) = fixes(release, decision) {
        out.push(section);
    }
    let known = strings(release, "known_issues", warnings);
    if !known.is_empty() {
        out.push(Section {
            title: "Known issues",
            blocks: vec![Block::List(known)],
        });
    }
    let mut deploy = Vec::new();
    let mut facts = Vec::new();
    if let (Some(s), Some(e)) = (&release.planned_start, &release.planned_end) {
        facts.push(format!("Window: {s} to {e}"));
    }
    if let Some(d) = &release.deployment {
        facts.push(format!("Strategy: {}", strategy_name(d.strategy)));
    }
    if !release.environments.is_empty() {
        facts.push(format!("Environments: {}", release.environments.join(", ")));
    }
    if !facts.is_empty() {
        deploy.push(Block::List(facts));
    }
    for s in strings(release, "deployment_instructions", warnings) {
        deploy.push(Block::Paragraph(s));
    }
    if !deploy.is_empty() {
        out.push(Section {
            title: "Deployment",
            blocks: deploy,
        });
    }
    if let Some(rb) = &release.rollback_plan {
        let mut facts = vec![format!(
            "Documented: {}; tested: {}",
            yes(rb.documented),
            yes(rb.tested)
        )];
        if let Some(secs) = rb.estimated_secs {
            facts.push(format!("Estimated duration: {} min", secs.div_ceil(60)));
        }
        let mut blocks = vec![Block::List(facts)];
        if let Some(i) = &rb.instructions {
            blocks.push(Block::Paragraph(i.clone()));
        }
        out.push(Section {
            title: "Rollback",
            blocks,
        });
    }
    let mut affected = Vec::new();
    if !release.services.is_empty() {
        affected.push(Block::Group("Services".into(), release.services.clone()));
    }
    let cis: Vec<String> = release
        .all_affected_cis()
        .into_iter()
        .map(String::from)
        .collect();
    if !cis.is_empty() {
        affected.push(Block::Group("Configuration items".into(), cis));
    }
    if !affected.is_empty() {
        out.push(Section {
            title: "Affected services and CIs",
            blocks: affected,
        });
    }
    if !release.knowledge_articles.is_empty() {
        out.push(Section {
            title: "Knowledge articles",
            blocks: vec![Block::List(release.knowledge_articles.clone())],
        });
    }
    out.retain(|s| !s.blocks.is_empty());
    out
}

fn release_kind(k: crate::document::ReleaseKind) -> &'static str {
    match k {
        crate::document::ReleaseKind::Major => "major",
        crate::document::ReleaseKind::Minor => "minor",
        crate::document::ReleaseKind::Patch => "patch",
        crate::document::ReleaseKind::Emergency => "emergency",
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `, outcome rolled back` when the log records an outcome.
fn outcome_words(decision: &ClosureDecision) -> String {
    match decision.outcome {
        Some(o) => format!(
            ", outcome {}",
            match o {
                crate::document::Outcome::Success => "success",
                crate::document::Outcome::SuccessWithIssues => "success with issues",
                crate::document::Outcome::Failed => "failed",
                crate::document::Outcome::RolledBack => "rolled back",
            }
        ),
        None => String::new(),
    }
}

fn heading(release: &Release) -> String {
    match &release.version {
        Some(v) if !v.is_empty() => format!("{} — {v}", release.title),
        _ => release.title.clone(),
    }
}

fn markdown(release: &Release, decision: &ClosureDecision, sections: &[Section]) -> String {
    let mut o = String::new();
    o.push_str(&format!("# {}\n\n", escape_markdown(&heading(release))));
    o.push_str(&format!(
        "Release {} ({}), state {}{}.\n",
        escape_markdown(&release.id),
        release_kind(release.kind),
        release.state.as_str(),
        outcome_words(decision)
    ));
    for s in sections {
        o.push_str(&format!("\n## {}\n", s.title));
        for b in &s.blocks {
            o.push('\n');
            match b {
                Block::Paragraph(p) => o.push_str(&format!("{}\n", escape_markdown(p))),
                Block::List(items) => {
                    for i in items {
                        o.push_str(&format!("- {}\n", escape_markdown(i)));
                    }
                }
                Block::Group(h, items) => {
                    o.push_str(&format!("### {}\n\n", escape_markdown(h)));
                    for i in items {
                        o.push_str(&format!("- {}\n", escape_markdown(i)));
                    }
                }
            }
        }
    }
    o
}

fn html(release: &Release, decision: &ClosureDecision, sections: &[Section]) -> String {
    let e = escape_html;
    let mut o = String::new();
    o.push_str(&format!(
        "<article class=\"release-notes\" id=\"{}\">\n",
        e(&release.id)
    ));
    o.push_str(&format!("<h1>{}</h1>\n", e(&heading(release))));
    o.push_str(&format!(
        "<p>Release {} ({}), state {}{}.</p>\n",
        e(&release.id),
        release_kind(release.kind),
        release.state.as_str(),
        outcome_words(decision)
    ));
    let list = |o: &mut String, items: &[String]| {
        o.push_str("<ul>\n");
        for i in items {
            o.push_str(&format!("<li>{}</li>\n", e(i)));
        }
        o.push_str("</ul>\n");
    };
    for s in sections {
        o.push_str(&format!("<section>\n<h2>{}</h2>\n", s.title));
        for b in &s.blocks {
            match b {
                Block::Paragraph(p) => o.push_str(&format!("<p>{}</p>\n", e(p))),
                Block::List(items) => list(&mut o, items),
                Block::Group(h, items) => {
                    o.push_str(&format!("<h3>{}</h3>\n", e(h)));
                    list(&mut o, items);
                }
            }
        }
        o.push_str("</section>\n");
    }
    o.push_str("</article>\n");
    o
}

/// Renders `release` as notes in `format`. Infallible on any valid release;
/// odd `extra` entries are left out with a warning.
pub fn release_notes(release: &Release, format: NotesFormat) -> ReleaseNotes {
    let decision = decide(release);
    let mut warnings = decision.warnings.clone();
    let s = sections(release, &decision, &mut warnings);
    let text = match format {
        NotesFormat::Markdown => markdown(release, &decision, &s),
        NotesFormat::Html => html(release, &decision, &s),
    };
    ReleaseNotes {
        format,
        text,
        warnings,
    }
}
