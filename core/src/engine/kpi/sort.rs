//! Sorting large fact lists on every core: contiguous chunks sorted on
//! their own threads, then merged in order (`docs/kpi.md`, "Scale-out").
//! With a comparison that is a total order (every caller breaks ties down
//! to a unique key), the result is the one sort of the whole list, at
//! any thread count.

use crate::foundation::parallel;
use std::cmp::Ordering;

/// Below this many items one thread sorts the whole list.
const MIN_PARALLEL: usize = 65_536;

/// `items` sorted by `cmp` (a total order: no two items compare equal).
pub(super) fn sort_by<T, F>(mut items: Vec<T>, cmp: F) -> Vec<T>
where
    T: Copy + Send + Sync,
    F: Fn(&T, &T) -> Ordering + Sync + Send,
{
    let threads = parallel::threads();
    if threads < 2 || items.len() < MIN_PARALLEL {
        items.sort_unstable_by(&cmp);
        return items;
    }
    let ranges = parallel::ranges(items.len(), threads);
    let mut runs: Vec<Vec<T>> = parallel::map(&ranges, |r| {
        let mut run = items.get(r.clone()).unwrap_or(&[]).to_vec();
        run.sort_unstable_by(&cmp);
        run
    });
    drop(items);
    // Merge pairs of neighbouring runs (in parallel) until one is left.
    while runs.len() > 1 {
        let pairs: Vec<(Vec<T>, Vec<T>)> = {
            let mut pairs = Vec::with_capacity(runs.len().div_ceil(2));
            let mut it = runs.into_iter();
            while let Some(a) = it.next() {
                pairs.push((a, it.next().unwrap_or_default()));
            }
            pairs
        };
        runs = parallel::map(&pairs, |(a, b)| merge(a, b, &cmp));
    }
    runs.pop().unwrap_or_default()
}

/// Below this many items a distribution sort is one comparison sort.
const MIN_DISTRIBUTED: usize = 4_096;

/// `items` sorted by `cmp`, a total order that orders by `key` first
/// (`key(a) < key(b)` implies `a < b`): a distribution sort. The items
/// are scattered into `len / 16` to `len / 8` buckets by where their key
/// falls between the smallest and the largest key (the high bits of its
/// offset; one counting pass, one scattering pass), then each bucket — a few items on even keys, such as
/// hashes or times spread over a year — is sorted by `cmp` on its own,
/// in cache. On every core, each thread scatters and sorts its own range
/// of buckets; the runs are concatenated in order. The result is the one
/// sort of the whole list by `cmp`, at any thread count: skewed keys only
/// make some buckets larger.
pub(super) fn sort_by_key_then<T, K, F>(items: Vec<T>, key: K, cmp: F) -> Vec<T>
where
    T: Copy + Send + Sync,
    K: Fn(&T) -> u64 + Sync + Send,
    F: Fn(&T, &T) -> Ordering + Sync + Send,
{
    let n = items.len();
    let (Some(lo), Some(hi)) = (items.iter().map(&key).min(), items.iter().map(&key).max()) else {
        return items;
    };
    if n < MIN_DISTRIBUTED || lo == hi {
        return sort_by(items, cmp);
    }
    let Some(&fill) = items.first() else {
        return items;
    };
    // Buckets: the key's offset from the smallest shifted right so that
    // there are between `n / 16` and `n / 8` of them (at most 2^20): a
    // shift, not a division, per item.
    let want = (n / 16).clamp(1, 1 << 20);
    let span = hi.saturating_sub(lo);
    let span_bits = u64::BITS.saturating_sub(span.leading_zeros());
    let want_bits = usize::BITS.saturating_sub(want.leading_zeros());
    let shift = span_bits.saturating_sub(want_bits);
    let buckets = usize::try_from(span.checked_shr(shift).unwrap_or(0))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let bucket_of = |t: &T| -> usize {
        let offset = key(t).saturating_sub(lo).checked_shr(shift).unwrap_or(0);
        usize::try_from(offset).unwrap_or(usize::MAX)
    };
    let threads = parallel::threads();
    let parts = if threads < 2 || n < MIN_PARALLEL {
        1
    } else {
        threads
    };
    let ranges = parallel::ranges(buckets, parts);
    let runs: Vec<Vec<T>> = parallel::map(&ranges, |r| {
        let (first, width) = (r.start, r.len());
        // counts[b + 1]: items of bucket `first + b`; then prefix sums.
        let mut starts = vec![0usize; width.saturating_add(1)];
        for t in &items {
            let b = bucket_of(t);
            if r.contains(&b) {
                if let Some(c) = starts.get_mut(b.saturating_sub(first).saturating_add(1)) {
                    *c = c.saturating_add(1);
                }
            }
        }
        for b in 1..starts.len() {
            let before = starts.get(b.saturating_sub(1)).copied().unwrap_or(0);
            if let Some(c) = starts.get_mut(b) {
                *c = c.saturating_add(before);
            }
        }
        let total = starts.last().copied().unwrap_or(0);
        let mut out = vec![fill; total];
        let mut next = starts.clone();
        for t in &items {
            let b = bucket_of(t);
            if r.contains(&b) {
                if let Some(at) = next.get_mut(b.saturating_sub(first)) {
                    if let Some(slot) = out.get_mut(*at) {
                        *slot = *t;
                    }
                    *at = at.saturating_add(1);
                }
            }
        }
        for w in starts.windows(2) {
            if let [s, e] = w {
                if let Some(bucket) = out.get_mut(*s..*e) {
                    bucket.sort_unstable_by(&cmp);
                }
            }
        }
        out
    });
    drop(items);
    // The first run grows in place to hold the others.
    let mut runs = runs.into_iter();
    let mut out = runs.next().unwrap_or_default();
    out.reserve(n.saturating_sub(out.len()));
    for run in runs {
        out.extend_from_slice(&run);
    }
    out
}

fn merge<T: Copy, F: Fn(&T, &T) -> Ordering>(a: &[T], b: &[T], cmp: &F) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len().saturating_add(b.len()));
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => {
                if cmp(y, x) == Ordering::Less {
                    out.push(*y);
                    j = j.saturating_add(1);
                } else {
                    out.push(*x);
                    i = i.saturating_add(1);
                }
            }
            (Some(_), None) => {
                out.extend_from_slice(a.get(i..).unwrap_or(&[]));
                break;
            }
            (None, Some(_)) => {
                out.extend_from_slice(b.get(j..).unwrap_or(&[]));
                break;
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_same_order_at_any_thread_count() {
        let items: Vec<(u64, u32)> = (0..200_000u32)
            .map(|i| (u64::from(i.wrapping_mul(2_654_435_761)) % 1_000, i))
            .collect();
        let mut serial = items.clone();
        serial.sort_unstable();
        for threads in [1, 2, 3, 5] {
            let sorted =
                parallel::with_threads(threads, || sort_by(items.clone(), |a, b| a.cmp(b)));
            assert_eq!(sorted, serial, "{threads} threads");
        }
    }

    #[test]
    fn the_distribution_sort_is_the_comparison_sort() {
        // Even keys, skewed keys (most items in one bucket), full-range
        // hashes and ties broken by the second field.
        let even: Vec<(u64, u32)> = (0..200_000u32)
            .map(|i| (u64::from(i.wrapping_mul(2_654_435_761)) % 100_000, i))
            .collect();
        let skewed: Vec<(u64, u32)> = (0..100_000u32)
            .map(|i| (if i % 10 == 0 { u64::from(i) << 40 } else { 7 }, i))
            .collect();
        let hashes: Vec<(u64, u32)> = (0..100_000u32)
            .map(|i| {
                (
                    crate::foundation::hash::hash_str(&format!("c{}", i % 70_000)),
                    i,
                )
            })
            .collect();
        let extremes: Vec<(u64, u32)> = (0..10_000u32)
            .map(|i| {
                (
                    if i % 2 == 0 {
                        0
                    } else {
                        u64::MAX - u64::from(i % 3)
                    },
                    i,
                )
            })
            .collect();
        for items in [even, skewed, hashes, extremes] {
            let mut serial = items.clone();
            serial.sort_unstable();
            for threads in [1, 2, 3] {
                let sorted = parallel::with_threads(threads, || {
                    sort_by_key_then(items.clone(), |t| t.0, |a, b| a.cmp(b))
                });
                assert_eq!(sorted, serial, "{threads} threads");
            }
        }
    }
}
