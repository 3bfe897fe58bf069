//! Release notes: snapshot tests on the bundled samples in both formats
//! (`RELMAN_BLESS=1` rewrites the snapshots under tests/snapshots/), an HTML
//! injection test and Markdown escaping.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{release_notes, NotesFormat, Release};
use std::path::Path;

fn sample(name: &str) -> Release {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name);
    relman::parse::<Release>(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .document
}

#[path = "support/snapshot.rs"]
mod snapshots;
use snapshots::snapshot;

#[test]
fn notes_snapshots_on_every_sample_release() {
    for name in ["release-major", "release-minor", "release-emergency"] {
        let release = sample(&format!("{name}.json"));
        for (format, ext) in [(NotesFormat::Markdown, "md"), (NotesFormat::Html, "html")] {
            let notes = release_notes(&release, format);
            assert!(notes.warnings.is_empty(), "{:?}", notes.warnings);
            // Deterministic: a second rendering is byte-identical.
            assert_eq!(notes.text, release_notes(&release, format).text);
            snapshot(&format!("notes-{name}.{ext}"), &notes.text);
        }
    }
}

#[test]
fn notes_have_every_section_for_the_minor_sample() {
    let mut release = sample("release-minor.json");
    release.extra.insert(
        "known_issues".into(),
        serde_json::json!(["Facet counts lag by up to 60 s"]),
    );
    release
        .extra
        .insert("highlights".into(), serde_json::json!(["Faceted search"]));
    // (`knowledge_articles` is sealed: pushing one would make the log
    // diverge, and the notes would then vouch for nothing.)
    let md = release_notes(&release, NotesFormat::Markdown).text;
    for h in [
        "# Catalog 3.8: search facets and faster listings — 3.8.0",
        "## Summary",
        "### Objectives",
        "## Highlights",
        "## Changes",
        "### feature",
        "### fix",
        // In approval: the fixes are planned, not delivered (a deployed
        // release lists them as fixed: tests/closure.rs).
        "## Planned fixes and requests",
        "Not deployed yet (state approval)",
        "### Problems to fix",
        "- PRB0040117",
        "- RITM0018802",
        "## Known issues",
        "## Deployment",
        "## Rollback",
        "## Affected services and CIs",
        "## Knowledge articles",
        "- KB0012044",
    ] {
        assert!(md.contains(h), "missing {h:?} in\n{md}");
    }
}

#[test]
fn html_injection_in_a_title_comes_out_inert() {
    let mut release = sample("release-minor.json");
    release.title = "<script>alert('x')</script> & \"quotes\"".into();
    release.changes[0].summary = "<img src=x onerror=alert(1)>".into();
    release.changes[0].category = Some("</h3><script>".into());
    release
        .extra
        .insert("known_issues".into(), serde_json::json!(["<b>bold</b>"]));
    let html = release_notes(&release, NotesFormat::Html).text;
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;")
    );
    // Every tag left is one relman wrote.
    let allowed = ["article", "h1", "h2", "h3", "p", "ul", "li", "section"];
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            allowed.contains(&name.as_str()),
            "unexpected tag {name:?} in {html}"
        );
    }
}

#[test]
fn markdown_escapes_layout_breaking_characters() {
    let mut release = sample("release-minor.json");
    release.title = "# not a heading *bold* [link](x) | pipe\nsecond line".into();
    release.changes[0].summary = "- not a list".into();
    let md = release_notes(&release, NotesFormat::Markdown).text;
    assert!(
        md.starts_with("# \\# not a heading \\*bold\\* \\[link\\](x) \\| pipe second line"),
        "{md}"
    );
    assert!(
        md.contains("CHG0041101 (normal): - not a list") || md.contains("\\- not a list"),
        "{md}"
    );
    assert_eq!(relman::notes::escape_markdown("1. one"), "1\\. one");
    assert_eq!(relman::notes::escape_markdown("- x"), "\\- x");
}

#[test]
fn odd_extra_entries_are_warnings_not_errors() {
    let mut release = sample("release-minor.json");
    release
        .extra
        .insert("known_issues".into(), serde_json::json!(["ok", 3]));
    let notes = release_notes(&release, NotesFormat::Markdown);
    assert_eq!(notes.warnings.len(), 1);
    assert_eq!(notes.warnings[0].path, "known_issues[1]");
}
