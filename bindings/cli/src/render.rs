//! Readable (`--format table`) forms of the lifecycle results, shared by
//! `check`, `apply`, `verify-log` and `demo`.

use relman::rollout::{CanaryJudgement, RolloutInput, RolloutReplayResult};
use relman::{Applied, Difference, Event, GateReport, LogVerdict, Notification, Warning};
use serde::Serialize;

/// The snake_case name of a data-contract enum value (`product_owner`,
/// `entered_approval`, …), as the JSON documents write it.
pub fn snake<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}

/// The first 12 hex digits of a hash, enough to tell events apart.
pub fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// `s` for plurals.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One `[ok]`/`[--]` line per requirement, rule ids aligned.
pub fn requirement_lines(report: &GateReport) -> Vec<String> {
    let width = report
        .requirements
        .iter()
        .map(|r| r.rule.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for r in &report.requirements {
        let mark = if r.met { "[ok]" } else { "[--]" };
        lines.push(format!("{mark} {:width$}  {}", r.rule, r.message));
        if r.rule == "approval.routing" {
            lines.extend(routing_lines(&r.data));
        }
    }
    lines
}

/// Under `approval.routing`: one line per required group (status, votes
/// counted of needed, quorum, approvers, the rules that matched and why),
/// one per rule left undecided for want of data.
fn routing_lines(data: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    let list = |v: &Value| {
        let items: Vec<String> = v.as_array().into_iter().flatten().map(text).collect();
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let mut lines = Vec::new();
    for g in data["groups"].as_array().into_iter().flatten() {
        let quorum = match &g["quorum"] {
            Value::Null => "any".to_string(),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{k} {}", text(v)))
                .collect::<Vec<_>>()
                .join(", "),
            other => text(other),
        };
        let mut line = format!(
            "       group {:<10} {:<8} {} of {} ({quorum}; {} member{}), approvers: {}",
            text(&g["group"]),
            text(&g["status"]),
            g["approvers"].as_array().map_or(0, Vec::len),
            text(&g["needed"]),
            text(&g["members"]),
            if g["members"] == 1 { "" } else { "s" },
            list(&g["approvers"])
        );
        if g["waiting_for"].as_array().is_some_and(|w| !w.is_empty()) {
            line.push_str(&format!("; waits for {}", list(&g["waiting_for"])));
        }
        lines.push(line);
        for rule in g["rules"].as_array().into_iter().flatten() {
            lines.push(format!(
                "         rule {}: {}",
                text(&rule["id"]),
                text(&rule["condition"])
            ));
        }
        for n in g["not_counted"].as_array().into_iter().flatten() {
            lines.push(format!(
                "         not counted: {}: {}",
                text(&n["approver"]),
                text(&n["reason"])
            ));
        }
    }
    for u in data["undecided"].as_array().into_iter().flatten() {
        lines.push(format!(
            "       undecided rule {} (missing {}): {}",
            text(&u["rule"]),
            text(&u["missing"]),
            text(&u["message"])
        ));
    }
    lines
}

/// `warning [CODE] PATH: MESSAGE`.
pub fn warning_line(w: &Warning) -> String {
    if w.path.is_empty() {
        format!("warning [{}] {}", w.code, w.message)
    } else {
        format!("warning [{}] {}: {}", w.code, w.path, w.message)
    }
}

/// The verdict of a gate report in one line.
pub fn verdict_line(report: &GateReport) -> String {
    let unmet = report.unmet().count();
    if report.allowed {
        format!(
            "verdict: allowed: {} may move from {} to {} ({} requirement{} met)",
            report.release_id,
            report.from.as_str(),
            report.target.as_str(),
            report.requirements.len(),
            plural(report.requirements.len())
        )
    } else {
        format!(
            "verdict: denied: {} cannot move from {} to {} ({unmet} unmet requirement{})",
            report.release_id,
            report.from.as_str(),
            report.target.as_str(),
            plural(unmet)
        )
    }
}

/// A gate report: its requirements, its warnings, then the verdict.
pub fn gate_report_lines(report: &GateReport) -> Vec<String> {
    let mut lines = requirement_lines(report);
    lines.extend(report.warnings.iter().map(warning_line));
    lines.push(verdict_line(report));
    lines
}

/// `#SEQ  AT  COMMAND  by ACTOR  FROM → TO  HASH…` for one audit event.
pub fn event_line(e: &Event) -> String {
    let moved = if e.from == e.to {
        format!("stays {}", e.to.as_str())
    } else {
        format!("{} → {}", e.from.as_str(), e.to.as_str())
    };
    format!(
        "#{:<2} {}  {:<19} by {:<14} {:<24} {}…",
        e.seq,
        e.at,
        e.command,
        e.actor,
        moved,
        short_hash(&e.hash)
    )
}

/// Each notification: its trigger and subject, then its recipients with why
/// they are on the list.
pub fn notification_lines(notifications: &[Notification]) -> Vec<String> {
    let mut lines = Vec::new();
    for n in notifications {
        lines.push(format!("notify on {}: {}", snake(&n.trigger), n.subject));
        let to: Vec<String> = n
            .recipients
            .iter()
            .map(|r| format!("{} ({})", r.to, r.via))
            .collect();
        lines.push(format!("  to: {}", to.join(", ")));
    }
    lines
}

/// A short summary of an applied command: the move, the event, the
/// notifications and warnings.
pub fn applied_lines(applied: &Applied) -> Vec<String> {
    let release = &applied.release;
    let mut lines = Vec::new();
    for e in &applied.events {
        let moved = if e.from == e.to {
            format!("stays in {}", e.to.as_str())
        } else {
            format!("{} → {}", e.from.as_str(), e.to.as_str())
        };
        lines.push(format!(
            "{}: {moved} ({} by {} at {})",
            release.id, e.command, e.actor, e.at
        ));
        lines.push(format!("event #{} hash {}", e.seq, e.hash));
    }
    lines.push(format!("state: {}", release.state.as_str()));
    lines.extend(notification_lines(&applied.notifications));
    lines.extend(applied.warnings.iter().map(warning_line));
    lines
}

/// The verdict on an audit log in one line.
pub fn log_verdict_line(release_id: &str, verdict: &LogVerdict) -> String {
    let events = format!("{} event{}", verdict.events, plural(verdict.events));
    match &verdict.tamper {
        None => {
            let mut line = format!(
                "{release_id}: log verified: {events}, head {}",
                verdict.head
            );
            match verdict.events_after_expected_head {
                Some(0) => line.push_str(" (the expected head)"),
                Some(n) => line.push_str(&format!(
                    " ({n} event{} appended after the expected head)",
                    plural(n)
                )),
                None => {}
            }
            line
        }
        Some(t) => format!(
            "{release_id}: log TAMPERED ({}) at {}: {} [{events}, head {}]",
            snake(&t.kind),
            t.path,
            t.message,
            verdict.head
        ),
    }
}

/// `difference [KIND] PATH (seq N): MESSAGE` for one field where a release
/// differs from its log (no seq when no event set the field).
pub fn difference_line(d: &Difference) -> String {
    let seq = d.seq.map(|n| format!(" (seq {n})")).unwrap_or_default();
    format!(
        "difference [{}] {}{seq}: {}",
        snake(&d.kind),
        d.path,
        d.message
    )
}

/// `relman rollout --format table`: one line per input, reasons below.
pub fn replay_lines(result: &RolloutReplayResult) -> Vec<String> {
    let mut lines = Vec::new();
    for step in &result.steps {
        let input = match &step.input {
            RolloutInput::Tick => "tick".to_string(),
            RolloutInput::Observation {
                metrics,
                errors,
                baseline,
                variants,
            } => {
                let mut names: Vec<String> = metrics.0.keys().cloned().collect();
                names.extend(errors.iter().map(|e| format!("{e}!")));
                let mut text = "observe".to_string();
                if !names.is_empty() {
                    text.push_str(&format!(" {}", names.join(",")));
                }
                // A judge or experiment step's samples: `+baseline`,
                // `variants a,b`.
                if baseline.is_some() {
                    text.push_str(" +baseline");
                }
                if !variants.is_empty() {
                    let names: Vec<&str> = variants.keys().map(String::as_str).collect();
                    text.push_str(&format!(" variants {}", names.join(",")));
                }
                text
            }
            RolloutInput::Command { command, .. } => snake(command),
        };
        let reason = step
            .state
            .reason
            .map(|r| format!(" ({})", snake(&r)))
            .unwrap_or_default();
        // An experiment's winner, once decided.
        let winner = step
            .state
            .experiment
            .as_ref()
            .and_then(|e| e.winner.as_ref())
            .map(|w| format!(" winner {w}"))
            .unwrap_or_default();
        lines.push(format!(
            "[{:>2}] {}  {:<24} -> {:<9} {}{} weight {}% step {}{}{winner}",
            step.index,
            step.at,
            input,
            snake(&step.decision),
            snake(&step.state.phase),
            reason,
            step.state.weight,
            step.state.step,
            flag_state(&step.state)
        ));
        for r in &step.reasons {
            lines.push(format!("       {}  {}", r.rule, r.message));
        }
        lines.extend(
            step.warnings
                .iter()
                .map(|w| format!("       {}", warning_line(w))),
        );
    }
    lines.push(format!(
        "final: {} at weight {}%{} ({} input{})",
        snake(&result.state.phase),
        result.state.weight,
        flag_state(&result.state),
        result.steps.len(),
        plural(result.steps.len())
    ));
    lines
}

/// A feature flag's cohort and percentage (`, flag: beta at 25%`; `off`
/// once turned off); empty for other strategies.
fn flag_state(state: &relman::rollout::RolloutState) -> String {
    match (&state.cohort, state.percentage) {
        (Some(_), Some(0)) => ", flag: off".to_string(),
        (Some(c), Some(p)) => format!(", flag: {c} at {p}%"),
        _ => String::new(),
    }
}

/// `v` with four decimals, never `-0.0000`: a tiny negative shift that
/// rounds to zero prints as `0.0000`.
fn fixed4(v: f64) -> String {
    let text = format!("{v:.4}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

/// The width of a table column: its widest cell or its `header`, in
/// characters.
pub fn column_width<'a>(cells: impl IntoIterator<Item = &'a str>, header: &str) -> usize {
    cells
        .into_iter()
        .map(|c| c.chars().count())
        .chain([header.chars().count()])
        .max()
        .unwrap_or(0)
}

/// `relman judge --format table`: one line per metric, then the verdict.
pub fn judgement_lines(j: &CanaryJudgement) -> Vec<String> {
    let width = column_width(j.metrics.iter().map(|m| m.name.as_str()), "metric");
    let mut lines = vec![format!(
        "{:width$}  {:<7} {:>4} {:>10} {:>11} {:>12}  {}",
        "metric", "class", "crit", "p-value", "shift", "interval", "why"
    )];
    for m in &j.metrics {
        let p = m
            .test
            .as_ref()
            .map_or("-".to_string(), |t| format!("{:.3e}", t.p_value));
        let (shift, interval) = m
            .shift
            .as_ref()
            .map_or(("-".to_string(), "-".to_string()), |s| {
                let bound = |b: Option<f64>| b.map_or("∞".to_string(), fixed4);
                (
                    fixed4(s.estimate),
                    format!("[{}, {}]", bound(s.lower), bound(s.upper)),
                )
            });
        lines.push(format!(
            "{:width$}  {:<7} {:>4} {:>10} {:>11} {:>12}  {}",
            m.name,
            snake(&m.classification),
            if m.critical { "yes" } else { "" },
            p,
            shift,
            interval,
            m.explanation
        ));
    }
    lines.extend(j.warnings.iter().map(warning_line));
    lines.extend(j.reasons.iter().map(|r| format!("- {r}")));
    lines.push(format!(
        "verdict: {} (score {:.1})",
        snake(&j.verdict).to_uppercase(),
        j.score
    ));
    lines
}
