//! The CAB agenda rendered as Markdown or HTML (docs/reports.md, "CAB
//! agenda").
//!
//! Decides: nothing — it presents a [`CabAgenda`]. The text holds a heading
//! with the period, a one-line count, then one section per item in the
//! agenda's order: the release's facts (kind, owner, window, services,
//! environments, version), whether it is ready to leave approval, its
//! risk, the approval groups with their missing votes and who may still
//! vote, outstanding rejections, unmet requirements, conflicts, the top
//! risk factors and the rollback plan. Sections without content are left
//! out.
//!
//! Deterministic: the same agenda gives the same bytes. Every value from
//! the input is escaped as in release notes ([`escape_html`],
//! [`escape_markdown`]).

use crate::agenda::{AgendaItem, ApprovalGroup, CabAgenda, GroupReason, RollbackState};
use crate::error::Warning;
use crate::notes::{escape_html, escape_markdown, NotesFormat};
use crate::{ConflictKind, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A rendered CAB agenda: the result of [`render_cab_agenda`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RenderedAgenda {
    /// The format of `text`.
    pub format: NotesFormat,
    /// The agenda.
    pub text: String,
    /// The agenda's warnings, carried over.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A block of an item's section, format-neutral.
enum Block {
    /// A titled list.
    List(&'static str, Vec<String>),
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Block => "blocking",
        Severity::Warn => "warning",
    }
}

fn conflict_name(k: ConflictKind) -> &'static str {
    k.as_str()
}

fn group_line(g: &ApprovalGroup) -> String {
    let role = g.role.as_str();
    let why = match g.reason {
        GroupReason::Quorum => String::new(),
        GroupReason::RiskAboveLimit => " (risk above the limit)".to_string(),
    };
    let needed = match g.needed {
        Some(n) => format!("{} of {n} approved", g.approved_by.len()),
        None => format!(
            "{} approved; no {role} member in the directory to count a percentage from",
            g.approved_by.len()
        ),
    };
    let mut line = format!("{role}{why}: {needed}");
    if !g.approved_by.is_empty() {
        line.push_str(&format!(" ({})", g.approved_by.join(", ")));
    }
    if g.missing == 0 {
        line.push_str("; met");
    } else {
        line.push_str(&format!(
            "; missing {} vote{}",
            g.missing,
            if g.missing == 1 { "" } else { "s" }
        ));
        if g.eligible.is_empty() {
            line.push_str("; nobody in the directory may still vote");
        } else {
            line.push_str(&format!("; may vote: {}", g.eligible.join(", ")));
        }
    }
    line
}

fn facts(item: &AgendaItem) -> Vec<String> {
    let mut out = vec![format!("Kind: {}", item.kind.as_str())];
    if let Some(v) = item.version.as_deref().filter(|v| !v.is_empty()) {
        out.push(format!("Version: {v}"));
    }
    if let Some(o) = item.owner.as_deref().filter(|o| !o.is_empty()) {
        out.push(format!("Owner: {o}"));
    }
    out.push(format!(
        "Window: {} to {}",
        item.window.start, item.window.end
    ));
    if !item.services.is_empty() {
        out.push(format!("Services: {}", item.services.join(", ")));
    }
    if !item.environments.is_empty() {
        out.push(format!("Environments: {}", item.environments.join(", ")));
    }
    out.push(format!(
        "Risk: {} (score {:.1})",
        item.risk.level.as_str(),
        item.risk.score
    ));
    out.push(if item.ready {
        "Ready: every requirement of leaving approval is met".to_string()
    } else {
        let n = item.unmet.len();
        format!(
            "Ready: no, {n} unmet requirement{}",
            if n == 1 { "" } else { "s" }
        )
    });
    out
}

fn blocks(item: &AgendaItem) -> Vec<Block> {
    let mut out = vec![Block::List("Facts", facts(item))];
    let a = &item.approvals;
    let mut votes: Vec<String> = if a.standard_only {
        vec!["every change is a standard change: pre-approved, no vote needed".to_string()]
    } else {
        a.groups.iter().map(group_line).collect()
    };
    for r in &a.rejections {
        let mut line = format!("rejected by {} ({})", r.approver, r.role.as_str());
        if let Some(c) = r.comment.as_deref().filter(|c| !c.is_empty()) {
            line.push_str(&format!(": {c}"));
        }
        votes.push(line);
    }
    out.push(Block::List("Approvals", votes));
    out.push(Block::List(
        "Unmet requirements",
        item.unmet
            .iter()
            .map(|u| format!("{}: {}", u.rule, u.message))
            .collect(),
    ));
    out.push(Block::List(
        "Conflicts",
        item.conflicts
            .iter()
            .map(|c| {
                let with = if c.with.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", c.with.join(", "))
                };
                format!(
                    "{} {}{with}: {}",
                    severity_name(c.severity),
                    conflict_name(c.kind),
                    c.explanation
                )
            })
            .collect(),
    ));
    out.push(Block::List(
        "Top risk factors",
        item.risk
            .top_factors
            .iter()
            .map(|f| format!("{} (+{:.1}): {}", f.name, f.contribution, f.explanation))
            .collect(),
    ));
    let mut rollback = match item.rollback.status {
        RollbackState::None => "no documented rollback plan".to_string(),
        RollbackState::Documented => "documented, not tested".to_string(),
        RollbackState::Tested => "tested".to_string(),
    };
    if let Some(secs) = item.rollback.estimated_secs {
        rollback.push_str(&format!("; estimated {} min", secs.div_ceil(60)));
    }
    out.push(Block::List("Rollback plan", vec![rollback]));
    out.retain(|Block::List(_, items)| !items.is_empty());
    out
}

fn heading(item: &AgendaItem) -> String {
    format!("{} — {}", item.release_id, item.title)
}

fn count_line(agenda: &CabAgenda) -> String {
    match agenda.items.len() {
        0 => "No release awaits approval in this period.".to_string(),
        1 => "1 release awaits approval in this period.".to_string(),
        n => format!("{n} releases await approval in this period."),
    }
}

fn markdown(agenda: &CabAgenda) -> String {
    let m = escape_markdown;
    let mut o = String::new();
    o.push_str(&format!(
        "# CAB agenda: {} to {}\n\n",
        m(agenda.from.as_str()),
        m(agenda.to.as_str())
    ));
    o.push_str(&format!("{}\n", count_line(agenda)));
    for item in &agenda.items {
        o.push_str(&format!("\n## {}\n", m(&heading(item))));
        for Block::List(title, items) in blocks(item) {
            o.push_str(&format!("\n### {title}\n\n"));
            for i in items {
                o.push_str(&format!("- {}\n", m(&i)));
            }
        }
    }
    o
}

fn html(agenda: &CabAgenda) -> String {
    let e = escape_html;
    let mut o = String::new();
    o.push_str("<article class=\"cab-agenda\">\n");
    o.push_str(&format!(
        "<h1>CAB agenda: {} to {}</h1>\n",
        e(agenda.from.as_str()),
        e(agenda.to.as_str())
    ));
    o.push_str(&format!("<p>{}</p>\n", count_line(agenda)));
    for item in &agenda.items {
        o.push_str(&format!(
            "<section class=\"agenda-item\" id=\"{}\">\n<h2>{}</h2>\n",
            e(&item.release_id),
            e(&heading(item))
        ));
        for Block::List(title, items) in blocks(item) {
            o.push_str(&format!("<h3>{title}</h3>\n<ul>\n"));
            for i in items {
                o.push_str(&format!("<li>{}</li>\n", e(&i)));
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</section>\n");
    }
    o.push_str("</article>\n");
    o
}

/// Renders `agenda` in `format` (`markdown` or `html`). Infallible; the
/// agenda's warnings are carried over.
pub fn render_cab_agenda(agenda: &CabAgenda, format: NotesFormat) -> RenderedAgenda {
    let text = match format {
        NotesFormat::Markdown => markdown(agenda),
        NotesFormat::Html => html(agenda),
    };
    RenderedAgenda {
        format,
        text,
        warnings: agenda.warnings.clone(),
    }
}
