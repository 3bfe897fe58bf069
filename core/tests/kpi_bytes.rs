//! `KpiAccumulator::to_bytes` / `from_bytes` (docs/kpi.md, "Scale-out:
//! bytes"): small accumulators round-trip byte for byte and finish to the
//! same report; corrupt bytes (every truncation, flipped bytes, another
//! magic, format version or relman version, a byte left over, hostile
//! counts) are `invalid_input` at `bytes` and never panic. And `merge` of
//! accumulators with different settings names the option that differs
//! (the random round trips are in `kpi_props.rs`).

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::policy::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
use relman::{
    Error, ErrorCode, History, KpiAccumulator, KpiOptions, KpiSettings, Timestamp, Weekday,
};
use relman_oracles::kpi::{self, at};
use serde_json::{json, Value};

/// A small history: every kind of record the accumulator keeps (changes
/// with and without commit times, incidents with and without service,
/// resolution and `caused_by`, releases with logs, UAT runs, reviews and
/// linked incidents), and records it only counts (staging, outside the
/// period).
fn history() -> History {
    let deployments: Vec<Value> = (0..6)
        .map(|i| {
            kpi::deployment(
                i,
                i % 3,
                i % 3,
                (i as i64) * 86_400 + 3_600,
                i % 4,
                (i + 1) % 4,
                &[(i, Some(7_200)), (i + 1, None)],
                i % 2,
            )
        })
        .collect();
    let incidents: Vec<Value> = (0..4)
        .map(|j| {
            kpi::incident(
                j,
                j,
                (j as i64) * 86_400 + 7_200,
                (j != 2).then_some(900),
                (j % 2 == 0).then_some(j),
                6,
            )
        })
        .collect();
    let mut releases: Vec<Value> = (0..3)
        .map(|i| {
            kpi::release(
                i,
                (i as i64 + 1) * 86_400,
                i,
                i,
                &[3_600, 7_200, 600],
                (5, 1),
                i == 1,
            )
        })
        .collect();
    releases[0]["links"] = json!({"incidents": ["i0", "i9"]});
    serde_json::from_value(
        json!({"deployments": deployments, "incidents": incidents, "releases": releases}),
    )
    .unwrap()
}

fn settings(options: &KpiOptions) -> KpiSettings {
    KpiSettings::resolve(&KpiPolicy::default(), options).unwrap()
}

fn grouped_by_team() -> KpiOptions {
    KpiOptions {
        group_by: Some(KpiGroupBy::Team),
        time_zone: Some("Europe/Paris".into()),
        ..KpiOptions::default()
    }
}

fn bounded() -> KpiOptions {
    KpiOptions {
        from: Some(Timestamp::parse(&at(86_400)).unwrap()),
        to: Some(Timestamp::parse(&at(4 * 86_400)).unwrap()),
        ..KpiOptions::default()
    }
}

fn accumulator(options: &KpiOptions) -> KpiAccumulator {
    let mut acc = KpiAccumulator::new(settings(options)).unwrap();
    acc.add_history(&history()).unwrap();
    acc
}

/// A report as its JSON text, an error as itself.
fn report(acc: KpiAccumulator) -> Result<String, Error> {
    acc.finish().map(|r| serde_json::to_string(&r).unwrap())
}

/// The single problem of an `invalid_input` error: path and message.
fn problem(e: &Error) -> (String, String) {
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{e:?}");
    match e {
        Error::InvalidInput { problems } => {
            assert_eq!(problems.len(), 1, "{e:?}");
            (problems[0].path.clone(), problems[0].message.clone())
        }
        _ => panic!("not invalid_input: {e:?}"),
    }
}

/// `from_bytes` of corrupt bytes: an error at `bytes` naming a byte
/// offset; returns the message.
fn refused(bytes: &[u8]) -> String {
    let e = KpiAccumulator::from_bytes(bytes).expect_err("corrupt bytes decode");
    let (path, message) = problem(&e);
    assert_eq!(path, "bytes");
    assert!(message.starts_with("at byte "), "{message}");
    message
}

fn all_options() -> Vec<KpiOptions> {
    vec![KpiOptions::default(), grouped_by_team(), bounded()]
}

#[test]
fn small_accumulators_round_trip_byte_for_byte_and_report_alike() {
    for options in all_options() {
        let acc = accumulator(&options);
        let bytes = acc.to_bytes();
        assert_eq!(&bytes[..4], b"RMKA");
        assert_eq!(&bytes[4..6], &1u16.to_le_bytes());
        let read = KpiAccumulator::from_bytes(&bytes).unwrap();
        assert_eq!(read.settings(), acc.settings());
        assert!(read.to_bytes() == bytes, "{options:?}: bytes differ");
        assert_eq!(report(read).unwrap(), report(acc).unwrap());
    }
    // An empty accumulator, and one with an undated release (no bounds).
    let empty = KpiAccumulator::new(settings(&KpiOptions::default())).unwrap();
    let bytes = empty.to_bytes();
    assert!(KpiAccumulator::from_bytes(&bytes).unwrap().to_bytes() == bytes);
    let mut undated = KpiAccumulator::new(settings(&KpiOptions::default())).unwrap();
    let r: relman::Release = serde_json::from_value(
        json!({"id": "R", "title": "t", "kind": "minor", "state": "planning"}),
    )
    .unwrap();
    undated.add_release(&r);
    let bytes = undated.to_bytes();
    let read = KpiAccumulator::from_bytes(&bytes).unwrap();
    assert!(read.to_bytes() == bytes);
    assert_eq!(report(read).unwrap(), report(undated).unwrap());
}

#[test]
fn merged_accumulators_read_back_merge_and_report_alike() {
    let h = history();
    let s = settings(&grouped_by_team());
    let mut a = KpiAccumulator::new(s.clone()).unwrap();
    let mut b = KpiAccumulator::new(s.clone()).unwrap();
    a.add_deployments(&h.deployments[..3]).unwrap();
    b.add_deployments(&h.deployments[3..]).unwrap();
    a.add_incidents(&h.incidents).unwrap();
    for r in &h.releases {
        b.add_release(r);
    }
    let mut read = KpiAccumulator::from_bytes(&a.to_bytes()).unwrap();
    read.merge(KpiAccumulator::from_bytes(&b.to_bytes()).unwrap())
        .unwrap();
    // The same accumulator as merging without bytes; the report of the
    // whole (whose names are interned in another order).
    let mut direct = a.clone();
    direct.merge(b).unwrap();
    assert!(read.to_bytes() == direct.to_bytes(), "merged bytes differ");
    let whole = KpiAccumulator::of_history(s, &h).unwrap();
    assert_eq!(report(read).unwrap(), report(whole).unwrap());
}

#[test]
fn every_truncation_is_refused() {
    for options in all_options() {
        let bytes = accumulator(&options).to_bytes();
        for len in 0..bytes.len() {
            let message = refused(&bytes[..len]);
            assert!(
                message.contains("truncated")
                    || message.contains("does not fit")
                    || message.contains("do not fit"),
                "{len}: {message}"
            );
        }
    }
}

#[test]
fn flipped_bytes_are_refused_or_read_back_consistently() {
    let bytes = accumulator(&grouped_by_team()).to_bytes();
    let mut decoded = 0;
    for pos in 0..bytes.len() {
        for mask in [0x01u8, 0x10, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[pos] ^= mask;
            match KpiAccumulator::from_bytes(&b) {
                Err(e) => {
                    let (path, message) = problem(&e);
                    assert_eq!(path, "bytes");
                    assert!(message.starts_with("at byte "), "{message}");
                }
                Ok(acc) => {
                    // A flip inside an id or a time may still be a valid
                    // accumulator: the encoding is canonical, so its bytes
                    // are those read.
                    decoded += 1;
                    assert!(acc.to_bytes() == b, "byte {pos} ^ {mask:#x}");
                    let _ = acc.finish();
                }
            }
        }
    }
    assert!(decoded > 0);
}

#[test]
fn another_magic_version_or_relman_is_refused() {
    let bytes = accumulator(&KpiOptions::default()).to_bytes();
    let mut b = bytes.clone();
    b[0] = b'X';
    assert!(refused(&b).contains("not a KPI accumulator"));
    assert!(refused(b"").contains("truncated"));
    assert!(refused(b"{\"deployments\": []}").contains("not a KPI accumulator"));

    let mut b = bytes.clone();
    b[4..6].copy_from_slice(&2u16.to_le_bytes());
    let message = refused(&b);
    assert!(
        message.starts_with("at byte 4: format version 2"),
        "{message}"
    );

    // The relman version: one length byte, then the text.
    let mine = env!("CARGO_PKG_VERSION");
    assert_eq!(usize::from(bytes[6]), mine.len());
    assert_eq!(&bytes[7..7 + mine.len()], mine.as_bytes());
    let mut b = bytes[..6].to_vec();
    b.push(5);
    b.extend_from_slice(b"9.9.9");
    b.extend_from_slice(&bytes[7 + mine.len()..]);
    let message = refused(&b);
    assert!(
        message.starts_with("at byte 6: written by relman 9.9.9, this is relman "),
        "{message}"
    );
}

#[test]
fn a_byte_left_over_is_refused() {
    let mut bytes = accumulator(&bounded()).to_bytes();
    let end = bytes.len();
    bytes.push(0);
    assert_eq!(
        refused(&bytes),
        format!("at byte {end}: 1 bytes left over after the accumulator")
    );
}

/// The offset of the first occurrence of `needle` in `bytes`.
fn find(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn hostile_counts_and_ids_are_refused_before_allocating() {
    let empty = KpiAccumulator::new(settings(&KpiOptions::default()))
        .unwrap()
        .to_bytes();
    // The deployment count follows the names ("production" is the only
    // one): a count of u64::MAX is refused, nothing is allocated.
    let name_len = find(&empty, b"\x0a\x00\x00\x00production");
    let at = name_len + 4 + "production".len();
    let mut b = empty.clone();
    b[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let message = refused(&b);
    assert!(
        message.starts_with(&format!(
            "at byte {at}: deployments: a count of 18446744073709551615 does not fit"
        )),
        "{message}"
    );
    // A string longer than the bytes left.
    let mut b = empty.clone();
    b[name_len..name_len + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(refused(&b).contains("truncated"));

    // The counts (8 + 1 u64s at the end) must add up.
    let mut b = empty.clone();
    let counts = b.len() - 72;
    b[counts..counts + 8].copy_from_slice(&1u64.to_le_bytes());
    let message = refused(&b);
    assert!(message.contains("the counts do not add up"), "{message}");

    // A deployment's service id past the names.
    let mut one = KpiAccumulator::new(settings(&KpiOptions::default())).unwrap();
    one.add_deployments(&history().deployments[..1]).unwrap();
    let bytes = one.to_bytes();
    let id = find(&bytes, b"d0") + 2;
    let mut b = bytes.clone();
    b[id + 8..id + 12].copy_from_slice(&99u32.to_le_bytes());
    let message = refused(&b);
    assert!(
        message.starts_with(&format!(
            "at byte {}: a service 99 is not a name id",
            id + 8
        )),
        "{message}"
    );
    // Its environment not a production one (the service's id).
    let mut b = bytes.clone();
    let service = b[id + 8..id + 12].to_vec();
    b[id + 12..id + 16].copy_from_slice(&service);
    assert!(refused(&b).contains("is not a production environment"));
    // Its finish time far outside what a timestamp can write.
    let mut b = bytes.clone();
    b[id..id + 8].copy_from_slice(&i64::MIN.to_le_bytes());
    assert!(refused(&b).contains("is not a time of years 0000 to 9999"));
    // An outcome code past the four outcomes.
    let mut b = bytes.clone();
    b[id + 24] = 4;
    assert!(refused(&b).contains("outcome code 4 is not 0 to 3"));
}

#[test]
fn settings_that_do_not_read_are_refused() {
    let bytes = KpiAccumulator::new(settings(&KpiOptions::default()))
        .unwrap()
        .to_bytes();
    let mut b = bytes.clone();
    let at = find(&b, b"\"UTC\"");
    b[at + 1..at + 4].copy_from_slice(b"XYZ");
    let message = refused(&b);
    assert!(
        message.contains("the settings do not make an accumulator"),
        "{message}"
    );
    let mut b = bytes.clone();
    let at = find(&b, b"time_zone");
    b[at] = b'T';
    assert!(refused(&b).contains("the settings do not read"));
    // The same settings spelt otherwise: not canonical.
    let v = 7 + usize::from(bytes[6]);
    let len = u32::from_le_bytes(bytes[v..v + 4].try_into().unwrap()) as usize;
    let mut b = bytes[..v].to_vec();
    b.extend_from_slice(&(len as u32 + 1).to_le_bytes());
    b.push(b' ');
    b.extend_from_slice(&bytes[v + 4..]);
    let message = refused(&b);
    assert!(message.starts_with(&format!("at byte {v}: ")), "{message}");
    assert!(
        message.contains("not written as to_bytes writes them"),
        "{message}"
    );
}

/// Merging an accumulator of `other` options into one of the defaults:
/// path and message.
fn merge_error(other: KpiOptions) -> (String, String) {
    let mut a = KpiAccumulator::new(settings(&KpiOptions::default())).unwrap();
    let b = KpiAccumulator::new(settings(&other)).unwrap();
    problem(&a.merge(b).unwrap_err())
}

#[test]
fn merging_different_settings_names_the_first_option_that_differs() {
    let (path, message) = merge_error(KpiOptions {
        time_zone: Some("Asia/Tokyo".into()),
        ..KpiOptions::default()
    });
    assert_eq!(path, "options.time_zone");
    assert_eq!(
        message,
        "accumulators built with different settings cannot be merged: time_zone is \"UTC\" \
         in this accumulator and \"Asia/Tokyo\" in the one merged into it"
    );

    let (path, message) = merge_error(KpiOptions {
        production_environments: Some(vec!["prod".into(), "production".into()]),
        ..KpiOptions::default()
    });
    assert_eq!(path, "options.production_environments");
    assert!(
        message.contains("is [\"production\"] in this accumulator and [\"prod\",\"production\"]"),
        "{message}"
    );

    let from = at(0);
    let (path, message) = merge_error(KpiOptions {
        from: Some(Timestamp::parse(&from).unwrap()),
        ..KpiOptions::default()
    });
    assert_eq!(path, "options.from");
    assert!(
        message.contains(&format!("from is null in this accumulator and \"{from}\"")),
        "{message}"
    );

    let (path, message) = merge_error(KpiOptions {
        attribution_window_secs: Some(60),
        ..KpiOptions::default()
    });
    assert_eq!(path, "options.attribution_window_secs");
    assert!(
        message.contains("and 60 in the one merged into it"),
        "{message}"
    );

    for (options, field) in [
        (
            KpiOptions {
                week_start: Some(Weekday::Sun),
                ..KpiOptions::default()
            },
            "week_start",
        ),
        (
            KpiOptions {
                incident_attribution: Some(IncidentAttribution::Explicit),
                ..KpiOptions::default()
            },
            "incident_attribution",
        ),
        (
            KpiOptions {
                series: Some(SeriesInterval::Month),
                ..KpiOptions::default()
            },
            "series",
        ),
        (
            KpiOptions {
                group_by: Some(KpiGroupBy::Service),
                ..KpiOptions::default()
            },
            "group_by",
        ),
    ] {
        let (path, message) = merge_error(options);
        assert_eq!(path, format!("options.{field}"));
        assert!(message.contains(&format!(": {field} is ")), "{message}");
    }

    // Several differences: the first in the order of the options.
    let (path, _) = merge_error(KpiOptions {
        group_by: Some(KpiGroupBy::Service),
        time_zone: Some("Asia/Tokyo".into()),
        to: Some(Timestamp::parse(&at(86_400)).unwrap()),
        ..KpiOptions::default()
    });
    assert_eq!(path, "options.to");
}
