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
}
