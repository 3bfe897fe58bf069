//! Calendar occurrences expanded once per distinct period and range, and
//! merged once per distinct set of periods: 5,000 maintenance windows
//! that share a few dozen recurrence patterns cost a few dozen expansions.
//! Kept by the model for one detection, or by a [`super::PreparedSchedule`]
//! across calls (its range never changes).

use crate::calendar::{self, Interval, Rule};
use crate::document::Recurrence;
use crate::error::Result;
use crate::foundation::hash::HashMap;
use crate::Timestamp;
use std::sync::{Arc, Mutex, PoisonError};

/// What a period's occurrences depend on besides the range and limit.
#[derive(PartialEq, Eq, Hash)]
enum Period {
    /// A one-off period, start and end in Unix seconds.
    Once(i64, i64),
    /// A recurrence, parsed.
    Rule(Rule),
}

/// A period's occurrences are a function of this key.
type Key = (Period, (i64, i64), u64);

#[derive(Default)]
struct Cache {
    ids: HashMap<Key, u32>,
    /// The pattern of maintenance window `i` for a range and limit.
    windows: HashMap<(usize, (i64, i64), u64), u32>,
    expanded: Vec<Arc<Vec<Interval>>>,
    merged: HashMap<Vec<u32>, Arc<Vec<Interval>>>,
}

/// The cache of expansions (`Send + Sync`: a lock around it, taken only
/// to look up or store, never while expanding).
#[derive(Default)]
pub(crate) struct Occurrences {
    cache: Mutex<Cache>,
}

impl Occurrences {
    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves the maps consistent
        // (every insert is one call): keep using them.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The occurrences of a period (as [`calendar::period_occurrences`],
    /// same errors at the same paths), and the id of its pattern; only
    /// successful expansions are kept.
    pub(crate) fn expand(
        &self,
        start: Option<&Timestamp>,
        end: Option<&Timestamp>,
        recurrence: Option<&Recurrence>,
        range: (i64, i64),
        limit: u64,
        path: &str,
    ) -> Result<(u32, Arc<Vec<Interval>>)> {
        let period = match (start, end, recurrence) {
            (Some(s), Some(e), None) => Period::Once(s.unix_seconds(), e.unix_seconds()),
            (None, None, Some(r)) => {
                match Rule::new(r, &crate::foundation::path::join(path, "recurrence")) {
                    Ok(rule) => Period::Rule(rule),
                    // The same error the expansion reports.
                    Err(_) => {
                        let v = calendar::period_occurrences(
                            start, end, recurrence, range, limit, path,
                        )?;
                        return Ok((u32::MAX, Arc::new(v)));
                    }
                }
            }
            _ => {
                let v = calendar::period_occurrences(start, end, recurrence, range, limit, path)?;
                return Ok((u32::MAX, Arc::new(v)));
            }
        };
        let key = (period, range, limit);
        {
            let cache = self.lock();
            if let Some(id) = cache.ids.get(&key) {
                if let Some(v) = cache.expanded.get(*id as usize) {
                    return Ok((*id, v.clone()));
                }
            }
        }
        let v = Arc::new(calendar::period_occurrences(
            start, end, recurrence, range, limit, path,
        )?);
        let mut cache = self.lock();
        if let Some(id) = cache.ids.get(&key) {
            if let Some(v) = cache.expanded.get(*id as usize) {
                return Ok((*id, v.clone()));
            }
        }
        let id = u32::try_from(cache.expanded.len()).unwrap_or(u32::MAX);
        cache.expanded.push(v.clone());
        cache.ids.insert(key, id);
        Ok((id, v))
    }

    /// The pattern of maintenance window `index` of the calendar (as
    /// [`Occurrences::expand`] at `calendar.maintenance_windows[index]`),
    /// remembered by index: each window is read once.
    pub(crate) fn window(
        &self,
        index: usize,
        start: Option<&Timestamp>,
        end: Option<&Timestamp>,
        recurrence: Option<&Recurrence>,
        range: (i64, i64),
        limit: u64,
    ) -> Result<u32> {
        let key = (index, range, limit);
        if let Some(id) = self.lock().windows.get(&key) {
            return Ok(*id);
        }
        let path = format!("calendar.maintenance_windows[{index}]");
        let (id, _) = self.expand(start, end, recurrence, range, limit, &path)?;
        self.lock().windows.insert(key, id);
        Ok(id)
    }

    /// The merged occurrences of the patterns `ids` (ids from
    /// [`Occurrences::expand`], in any order).
    pub(crate) fn merged(&self, mut ids: Vec<u32>) -> Arc<Vec<Interval>> {
        ids.sort_unstable();
        ids.dedup();
        let parts: Vec<Arc<Vec<Interval>>> = {
            let cache = self.lock();
            if let Some(m) = cache.merged.get(&ids) {
                return m.clone();
            }
            ids.iter()
                .filter_map(|i| cache.expanded.get(*i as usize).cloned())
                .collect()
        };
        let merged = Arc::new(calendar::merge(
            parts.iter().flat_map(|p| p.iter().copied()).collect(),
        ));
        self.lock().merged.insert(ids, merged.clone());
        merged
    }
}
