//! Batch work on every core: with the default-on `parallel` feature the
//! helpers here run on rayon's pool (the global one, sized by
//! `RAYON_NUM_THREADS` or the core count, or the one [`with_threads`]
//! installs); without the feature, or on one thread, they run in order on
//! the calling thread. Either way
//! the result is the same, in input order — a parallel run never changes an
//! output (each helper is a map whose results are put back in place, or a
//! fold whose merge the caller makes associative).

/// Whether batch helpers may use more than one thread in this build.
pub const ENABLED: bool = cfg!(feature = "parallel");

/// The number of threads batch work uses (1 without the `parallel`
/// feature).
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Runs `f` with batch work limited to `threads` threads (at least 1): a
/// host or a benchmark comparing one core with all of them. Without the
/// `parallel` feature, `f` simply runs.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    #[cfg(feature = "parallel")]
    {
        match rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
        {
            Ok(pool) => pool.install(f),
            // No thread could be started: run on this one.
            Err(_) => f(),
        }
    }
    #[cfg(not(feature = "parallel"))]
    {
        let _ = threads;
        f()
    }
}

/// Maps `f` over `items`, on every core when the feature is on and the
/// batch is large enough to be worth splitting; the results are in input
/// order.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        if items.len() > 1 && threads() > 1 {
            use rayon::prelude::*;
            return items.par_iter().map(f).collect();
        }
    }
    items.iter().map(f).collect()
}

/// Maps `f` over `0..n` (in order), in parallel like [`map`].
pub fn map_range<R, F>(n: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        if n > 1 && threads() > 1 {
            use rayon::prelude::*;
            return (0..n).into_par_iter().map(f).collect();
        }
    }
    (0..n).map(f).collect()
}

/// Splits `0..n` into at most `parts` contiguous ranges of near-equal
/// length (none empty), in order: the shards a fold runs on.
pub fn ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    // `parts` is at least 1: neither division can fail.
    let base = n.checked_div(parts).unwrap_or(n);
    let extra = n.checked_rem(parts).unwrap_or(0);
    let mut out = Vec::with_capacity(parts);
    let mut start = 0usize;
    for i in 0..parts {
        let len = base.saturating_add(usize::from(i < extra));
        // The lengths sum to `n`: `end` never saturates.
        let end = start.saturating_add(len);
        if len > 0 {
            out.push(start..end);
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_input_order() {
        let items: Vec<u64> = (0..10_000).collect();
        let out = map(&items, |x| x * 3);
        let serial: Vec<u64> = items.iter().map(|x| x * 3).collect();
        assert_eq!(out, serial);
        assert_eq!(map_range(1000, |i| i + 1), (1..=1000).collect::<Vec<_>>());
    }

    #[test]
    fn one_thread_gives_the_same_result() {
        let items: Vec<u64> = (0..5_000).collect();
        let one = with_threads(1, || (threads(), map(&items, |x| x ^ 0x55)));
        let all = map(&items, |x| x ^ 0x55);
        assert_eq!(one.0, 1);
        assert_eq!(one.1, all);
    }

    #[test]
    fn ranges_cover_everything_once() {
        for n in [0usize, 1, 2, 7, 100, 101] {
            for parts in [1usize, 2, 3, 8, 200] {
                let r = ranges(n, parts);
                let flat: Vec<usize> = r.iter().flat_map(|r| r.clone()).collect();
                assert_eq!(flat, (0..n).collect::<Vec<_>>(), "n={n} parts={parts}");
                assert!(r.iter().all(|r| !r.is_empty()));
                assert!(r.len() <= parts.max(1));
            }
        }
    }
}
