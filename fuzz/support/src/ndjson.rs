//! NDJSON histories: any bytes as NDJSON text never panic
//! `compute_kpis_ndjson`; an error names a line of the text (path `line N`
//! or `line N: …`, and the `line` field for `invalid_input`); a text that
//! reads is, as one history document of the same records (when that
//! document reads), the same report as `compute_kpis`.

use relman::limits::Limits;
use relman::ndjson::compute_kpis_ndjson;
use relman::policy::KpiPolicy;
use relman::{compute_kpis, History, KpiOptions};
use serde_json::{json, Value};

/// `kpi_ndjson`: the bytes (as UTF-8, lossily) as an NDJSON history.
pub fn check_kpi_ndjson(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let options = KpiOptions::default();
    let lines = text.split_inclusive('\n').count();
    match compute_kpis_ndjson(&text, &KpiPolicy::default(), &options, &Limits::DEFAULT) {
        Err(err) => {
            crate::check_error(&err);
            let body = err.to_body();
            // Duplicate deployment ids are found at the end, with no line.
            if body.message.contains("duplicate deployment id") {
                return;
            }
            let path = body.path.unwrap_or_default();
            let number: usize = path
                .strip_prefix("line ")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("the error names no line: {path:?} ({err})"));
            assert!(number >= 1 && number <= lines, "line {number} of {lines}");
            if body.code == relman::ErrorCode::InvalidInput {
                assert_eq!(body.line, Some(number), "{err}");
            }
        }
        Ok(report) => {
            let mut doc = json!({"deployments": [], "incidents": [], "releases": []});
            for (i, line) in text.lines().enumerate() {
                // A byte order mark is skipped before the first line only.
                let line = match i {
                    0 => line.strip_prefix('\u{feff}').unwrap_or(line),
                    _ => line,
                };
                if line.trim().is_empty() {
                    continue;
                }
                let Ok(Value::Object(record)) = serde_json::from_str::<Value>(line) else {
                    panic!("a line that read is not an object: {line:?}");
                };
                for (key, value) in record {
                    let list = format!("{key}s");
                    if let Some(Value::Array(items)) = doc.get_mut(&list) {
                        items.push(value);
                    }
                }
            }
            // The document refuses what NDJSON only counts (an unknown
            // `caused_by`, duplicate ids): compare only when it reads.
            if let Ok(parsed) = relman::from_value::<History>(doc) {
                let whole = compute_kpis(&parsed.document, &options)
                    .expect("the document's report, as the NDJSON one succeeded");
                assert_eq!(
                    serde_json::to_string(&whole).expect("a report serialises"),
                    serde_json::to_string(&report).expect("a report serialises")
                );
            }
        }
    }
}
