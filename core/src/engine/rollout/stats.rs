//! Rank statistics of the canary judge: the Mann-Whitney U test, the
//! Hodges–Lehmann shift and its Moses confidence interval.
//!
//! References: Mann & Whitney (1947); Hollander, Wolfe & Chicken,
//! *Nonparametric Statistical Methods* (3rd ed., 2014), §4.1–4.3 (the
//! normal approximation with tie correction, the Hodges–Lehmann estimator
//! and the Moses interval); SciPy's `scipy.stats.mannwhitneyu` for the exact
//! conventions of the two-sided p-value (which the fixtures check).

use serde::{Deserialize, Serialize};

/// Largest sample size per side for which the exact null distribution of
/// U is used (tie-free samples only).
pub const EXACT_MAX: usize = 8;

/// How the p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestMethod {
    /// The exact permutation distribution of U (tie-free, ≤ 8 per side).
    Exact,
    /// The normal approximation with tie and continuity correction.
    Asymptotic,
}

/// The result of a two-sided Mann-Whitney U test of `x` against `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UTest {
    /// U of the first sample: pairs with x > y, plus half the tied pairs.
    pub u: f64,
    /// The z statistic of the normal approximation (with continuity
    /// correction), when it was used and is defined.
    pub z: Option<f64>,
    /// Two-sided p-value in [0, 1].
    pub p_value: f64,
    /// Exact or asymptotic.
    pub method: TestMethod,
    /// Whether the pooled samples contain ties.
    pub ties: bool,
}

/// `x` with negative zero turned into positive zero (every other value,
/// NaN included, unchanged): the judge normalises its numbers with it so
/// that none prints as `-0.0`.
pub fn positive_zero(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// Sorts a sample in place, ascending in the order of `f64::total_cmp`
/// (callers drop NaN first): an LSD radix sort on the order-preserving
/// bit pattern for large samples (bytes every key shares are skipped), a
/// comparison sort for small ones.
// Reviewed exception: every count and prefix sum is at most keys.len().
#[allow(clippy::arithmetic_side_effects)]
pub fn sort(xs: &mut [f64]) {
    if xs.len() < 256 {
        xs.sort_unstable_by(f64::total_cmp);
        return;
    }
    const SIGN: u64 = 1 << 63;
    let key = |v: f64| {
        let b = v.to_bits();
        if b & SIGN != 0 {
            !b
        } else {
            b | SIGN
        }
    };
    let mut keys: Vec<u64> = xs.iter().map(|v| key(*v)).collect();
    let mut buf = vec![0u64; keys.len()];
    for shift in (0..64).step_by(8) {
        let mut counts = [0usize; 256];
        for k in &keys {
            if let Some(c) = counts.get_mut(((k >> shift) & 0xff) as usize) {
                *c += 1;
            }
        }
        if counts.contains(&keys.len()) {
            continue;
        }
        let mut sum = 0usize;
        for c in counts.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        for k in &keys {
            if let Some(c) = counts.get_mut(((k >> shift) & 0xff) as usize) {
                if let Some(slot) = buf.get_mut(*c) {
                    *slot = *k;
                }
                *c += 1;
            }
        }
        std::mem::swap(&mut keys, &mut buf);
    }
    for (x, k) in xs.iter_mut().zip(&keys) {
        *x = f64::from_bits(if k & SIGN != 0 { k & !SIGN } else { !k });
    }
}

/// The two-sided Mann-Whitney U test of sorted, finite `x` against sorted,
/// finite `y` (p = 1 when a side is empty; otherwise as `scipy.stats.mannwhitneyu(x,
/// y)` with `method="exact"` for tie-free samples of at most
/// [`EXACT_MAX`] per side, else `method="asymptotic"`,
/// `use_continuity=True`).
pub fn mann_whitney(x: &[f64], y: &[f64]) -> UTest {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        // No evidence either way.
        return UTest {
            u: 0.0,
            z: None,
            p_value: 1.0,
            method: TestMethod::Asymptotic,
            ties: false,
        };
    }
    let (rank_sum, tie_term) = rank_sum(x, y);
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = rank_sum - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    let u = u1.max(u2);
    let ties = tie_term > 0.0;
    if !ties && n1 <= EXACT_MAX && n2 <= EXACT_MAX {
        let dist = UDistribution::new(n1.min(n2), n1.max(n2));
        // `u` is an integer here (no ties); round away float noise.
        let k = u.round() as usize;
        let p = (2.0 * dist.sf(k)).clamp(0.0, 1.0);
        return UTest {
            u: u1,
            z: None,
            p_value: p,
            method: TestMethod::Exact,
            ties,
        };
    }
    let n = f1 + f2;
    let mu = f1 * f2 / 2.0;
    let var = f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let s = var.sqrt();
    let (z, p) = if s > 0.0 && s.is_finite() {
        let z = positive_zero((u - mu - 0.5) / s);
        (Some(z), (2.0 * normal_sf(z)).clamp(0.0, 1.0))
    } else {
        // Every value tied: no evidence of a shift.
        (None, 1.0)
    };
    UTest {
        u: u1,
        z,
        p_value: p,
        method: TestMethod::Asymptotic,
        ties,
    }
}

/// The rank sum of `x` in the pooled sample (mid-ranks for ties) and the
/// tie term Σ(t³ − t) over groups of tied values, by one merge of the two
/// sorted samples.
// Reviewed exception: indices and tie counts are at most x.len() + y.len().
#[allow(clippy::arithmetic_side_effects)]
fn rank_sum(x: &[f64], y: &[f64]) -> (f64, f64) {
    let (mut i, mut j) = (0usize, 0usize);
    let mut placed = 0usize;
    let mut sum = 0.0;
    let mut tie_term = 0.0;
    loop {
        let v = match (x.get(i), y.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        let mut ax = 0usize;
        while x.get(i).is_some_and(|a| *a == v) {
            ax += 1;
            i += 1;
        }
        let mut ay = 0usize;
        while y.get(j).is_some_and(|b| *b == v) {
            ay += 1;
            j += 1;
        }
        let t = ax + ay;
        if t == 0 {
            // Unreachable for finite input; stop rather than loop forever.
            break;
        }
        // Ranks placed+1 ..= placed+t, mean rank placed + (t+1)/2.
        let mid = placed as f64 + (t as f64 + 1.0) / 2.0;
        sum += ax as f64 * mid;
        let tf = t as f64;
        tie_term += tf * tf * tf - tf;
        placed += t;
    }
    (sum, tie_term)
}

/// The exact null distribution of U for sample sizes `m ≤ n` (no ties):
/// counts of the C(m+n, m) equally likely arrangements by U.
struct UDistribution {
    counts: Vec<f64>,
    total: f64,
}

impl UDistribution {
    // Reviewed exception: both callers pass m, n <= EXACT_MAX (8), so
    // m * n + 1 <= 65; i - 1 and j - 1 run only for i, j > 0, u - j for u >= j.
    #[allow(clippy::arithmetic_side_effects)]
    fn new(m: usize, n: usize) -> Self {
        // c[i][j][u]: arrangements of i x's and j y's with U = u; adding the
        // largest element as an x adds j to U, as a y adds nothing.
        let max_u = m * n;
        let mut table: Vec<Vec<Vec<f64>>> = vec![vec![vec![0.0; max_u + 1]; n + 1]; m + 1];
        for i in 0..=m {
            for j in 0..=n {
                let mut row = vec![0.0; max_u + 1];
                if i == 0 || j == 0 {
                    if let Some(c) = row.get_mut(0) {
                        *c = 1.0;
                    }
                } else {
                    for (u, slot) in row.iter_mut().enumerate() {
                        let from_x = if u >= j {
                            table
                                .get(i - 1)
                                .and_then(|r| r.get(j))
                                .and_then(|r| r.get(u - j))
                                .copied()
                                .unwrap_or(0.0)
                        } else {
                            0.0
                        };
                        let from_y = table
                            .get(i)
                            .and_then(|r| r.get(j - 1))
                            .and_then(|r| r.get(u))
                            .copied()
                            .unwrap_or(0.0);
                        *slot = from_x + from_y;
                    }
                }
                if let Some(cell) = table.get_mut(i).and_then(|r| r.get_mut(j)) {
                    *cell = row;
                }
            }
        }
        let counts = table
            .get(m)
            .and_then(|r| r.get(n))
            .cloned()
            .unwrap_or_default();
        let total = counts.iter().sum();
        UDistribution { counts, total }
    }

    /// P(U ≥ k).
    fn sf(&self, k: usize) -> f64 {
        self.counts.iter().skip(k).sum::<f64>() / self.total
    }

    /// P(U ≤ k).
    fn cdf(&self, k: usize) -> f64 {
        self.counts.iter().take(k.saturating_add(1)).sum::<f64>() / self.total
    }
}

/// The upper tail of the standard normal distribution, P(Z > z).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile Φ⁻¹(p) for p in (0, 1): Acklam's rational
/// approximation refined by one Halley step (relative error ≈ 1e-15).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p.is_nan() || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let low = 0.02425;
    let x = if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step on Φ(x) − p.
    let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The Hodges–Lehmann shift of `y` relative to `x` (the median of every
/// difference yⱼ − xᵢ) and its Moses confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// The median of the n·m pairwise differences.
    pub estimate: f64,
    /// Lower bound of the interval; `None` when the samples are too small
    /// for the confidence asked (the interval is unbounded below).
    pub lower: Option<f64>,
    /// Upper bound of the interval; `None` when unbounded.
    pub upper: Option<f64>,
    /// The order statistic C used: the interval is [D₍C₎, D₍nm+1−C₎].
    pub order: u64,
}

/// The Hodges–Lehmann estimate of the shift `y − x` with the Moses
/// interval at `confidence` (e.g. 0.95), for sorted, finite samples (an
/// empty side gives a NaN estimate and no interval). `exact` selects the exact null distribution of U for the
/// critical value (tie-free samples of at most [`EXACT_MAX`] per side).
pub fn hodges_lehmann(x: &[f64], y: &[f64], confidence: f64, exact: bool) -> Shift {
    let (n, m) = (x.len(), y.len());
    let total = (n as u64).saturating_mul(m as u64);
    if total == 0 {
        return Shift {
            estimate: f64::NAN,
            lower: None,
            upper: None,
            order: 0,
        };
    }
    // The exact distribution only for the sizes it is meant for.
    let exact = exact && n <= EXACT_MAX && m <= EXACT_MAX;
    let half = total / 2;
    let estimate = if total % 2 == 1 {
        kth_difference(x, y, half)
    } else {
        let (a, b) = kth_pair(x, y, half.saturating_sub(1));
        (a + b) / 2.0
    };
    let alpha = 1.0 - confidence;
    let order: u64 = if exact {
        let dist = UDistribution::new(n.min(m), n.max(m));
        // Largest c with P(U ≤ c − 1) ≤ α/2.
        let mut c = 0u64;
        while c < total && dist.cdf(c as usize) <= alpha / 2.0 {
            c = c.saturating_add(1);
        }
        c
    } else {
        let (nf, mf) = (n as f64, m as f64);
        let z = normal_quantile(1.0 - alpha / 2.0);
        let c = (nf * mf / 2.0 - z * (nf * mf * (nf + mf + 1.0) / 12.0).sqrt()).floor();
        if c >= 1.0 {
            c as u64
        } else {
            0
        }
    };
    // order <= total here (c stops at total; the normal one is below nm/2).
    let (lower, upper) = if order >= 1 && order <= total.saturating_add(1).saturating_sub(order) {
        (
            Some(kth_difference(x, y, order.saturating_sub(1))),
            Some(kth_difference(x, y, total.saturating_sub(order))),
        )
    } else {
        (None, None)
    };
    Shift {
        estimate: positive_zero(estimate),
        lower: lower.map(positive_zero),
        upper: upper.map(positive_zero),
        order,
    }
}

/// The k-th smallest (0-based) of the differences yⱼ − xᵢ and the next
/// one (k+1-th), for sorted samples with k + 1 < n·m.
fn kth_pair(x: &[f64], y: &[f64], k: u64) -> (f64, f64) {
    let (v, _, at_most) = select(x, y, k);
    if k.saturating_add(1) < at_most {
        return (v, v);
    }
    // The smallest difference greater than v: per row, the first j with
    // y[j] − x[i] > v; that j never decreases as x[i] grows (two pointers).
    let mut next = f64::INFINITY;
    let mut pos = 0usize;
    for xi in x {
        while y.get(pos).is_some_and(|yj| *yj - *xi <= v) {
            pos = pos.saturating_add(1);
        }
        if let Some(yj) = y.get(pos) {
            next = next.min(*yj - *xi);
        }
    }
    (v, next)
}

/// The k-th smallest (0-based) difference yⱼ − xᵢ.
fn kth_difference(x: &[f64], y: &[f64], k: u64) -> f64 {
    select(x, y, k).0
}

/// Below this many remaining candidates the selection collects them and
/// selects directly.
const DIRECT: u64 = 4096;

/// Rows sampled for a pivot.
const PIVOT_ROWS: usize = 1024;

/// Selection of the k-th smallest element of the implicit sorted matrix
/// D[i][j] = y[j] − x[i] (rows increase in j, columns decrease in i),
/// without forming it (after Johnson & Mizoguchi 1978; Monahan 1984):
/// every row keeps a window [lo, hi) of candidates; a round picks a pivot
/// from the candidates, counts in O(n + m) (two monotone pointers) the
/// differences below and at most the pivot, and shrinks the windows to the
/// side holding rank k. The pivot is the weighted median (by window size)
/// of each sampled row's candidate at the target's relative position in
/// the remaining candidates, so rounds converge on rank k quickly; a round
/// that removes less than a quarter of the candidates makes the next pivot
/// the weighted median of the rows' middle candidates, which always
/// removes at least a quarter.
///
/// Returns the value and how many differences are below it and at most it.
// Reviewed exception: window bounds satisfy l <= h <= m, pointers stay in
// [l, h], and every count or sum is at most n * m, which callers bound by
// the canary sample limit (n * m itself is computed saturating).
#[allow(clippy::arithmetic_side_effects)]
fn select(x: &[f64], y: &[f64], k: u64) -> (f64, u64, u64) {
    let n = x.len();
    let m = y.len();
    let mut lo = vec![0usize; n];
    let mut hi = vec![m; n];
    let mut less = vec![0usize; n];
    let mut leq = vec![0usize; n];
    let mut scratch: Vec<(f64, u64)> = Vec::with_capacity(PIVOT_ROWS + 1);
    let mut below_lo: u64 = 0;
    let mut active: u64 = (n as u64).saturating_mul(m as u64);
    let mut rows = n;
    let mut targeted = true;
    loop {
        if active <= DIRECT.max((n + m) as u64) {
            let mut cand: Vec<f64> = Vec::with_capacity(active as usize);
            for ((xi, l), h) in x.iter().zip(&lo).zip(&hi) {
                if let Some(row) = y.get(*l..*h) {
                    cand.extend(row.iter().map(|yj| *yj - *xi));
                }
            }
            if cand.is_empty() {
                return (f64::NAN, 0, 0);
            }
            let idx = (k.saturating_sub(below_lo) as usize).min(cand.len() - 1);
            cand.select_nth_unstable_by(idx, f64::total_cmp);
            let v = cand.get(idx).copied().unwrap_or(f64::NAN);
            let (below, at_most) = count(x, y, v);
            return (v, below, at_most);
        }
        // The pivot: weighted median of one candidate per sampled row, at
        // the target's relative rank among the candidates (or the middle).
        let q = if targeted {
            (k.saturating_sub(below_lo) as f64 + 0.5) / active as f64
        } else {
            0.5
        };
        scratch.clear();
        let stride = (rows / PIVOT_ROWS).max(1);
        let mut skip = 0usize;
        for ((xi, l), h) in x.iter().zip(&lo).zip(&hi) {
            if h <= l {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = stride - 1;
            let width = h - l;
            let at = l + ((q * width as f64) as usize).min(width - 1);
            if let Some(yj) = y.get(at) {
                scratch.push((*yj - *xi, width as u64));
            }
        }
        scratch.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let weight: u64 = scratch.iter().map(|s| s.1).sum();
        let mut acc = 0u64;
        let mut pivot = f64::NAN;
        for (v, w) in &scratch {
            acc += w;
            pivot = *v;
            if 2 * acc >= weight {
                break;
            }
        }
        // Count, within the windows, the candidates below and at most the
        // pivot. Windows are monotone in i, so clamped pointers stay exact.
        let mut sum_less: u64 = 0;
        let mut sum_leq: u64 = 0;
        let (mut pl, mut pe) = (0usize, 0usize);
        for ((((xi, l), h), s_less), s_leq) in x
            .iter()
            .zip(&lo)
            .zip(&hi)
            .zip(less.iter_mut())
            .zip(leq.iter_mut())
        {
            let (l, h) = (*l, (*h).max(*l));
            pl = pl.clamp(l, h);
            while pl < h && y.get(pl).is_some_and(|yj| *yj - *xi < pivot) {
                pl += 1;
            }
            pe = pe.clamp(pl, h);
            while pe < h && y.get(pe).is_some_and(|yj| *yj - *xi <= pivot) {
                pe += 1;
            }
            *s_less = pl;
            *s_leq = pe;
            sum_less += pl as u64;
            sum_leq += pe as u64;
        }
        let before = active;
        if k < sum_less {
            for (h, s) in hi.iter_mut().zip(&less) {
                *h = (*h).min(*s);
            }
        } else if k >= sum_leq {
            for ((l, h), s) in lo.iter_mut().zip(&hi).zip(&leq) {
                *l = (*s).min(*h).max(*l);
            }
        } else {
            return (pivot, sum_less, sum_leq);
        }
        active = 0;
        below_lo = 0;
        rows = 0;
        for (l, h) in lo.iter().zip(&hi) {
            below_lo += *l as u64;
            if h > l {
                active += (h - l) as u64;
                rows += 1;
            }
        }
        targeted = 4 * (before - active) >= before;
    }
}

/// How many differences are below `v` and at most `v` (two pointers).
// Reviewed exception: pl, pe <= y.len() and the sums are at most n * m.
#[allow(clippy::arithmetic_side_effects)]
fn count(x: &[f64], y: &[f64], v: f64) -> (u64, u64) {
    let (mut pl, mut pe) = (0usize, 0usize);
    let (mut less, mut leq) = (0u64, 0u64);
    for xi in x {
        while y.get(pl).is_some_and(|yj| *yj - *xi < v) {
            pl += 1;
        }
        pe = pe.max(pl);
        while y.get(pe).is_some_and(|yj| *yj - *xi <= v) {
            pe += 1;
        }
        less += pl as u64;
        leq += pe as u64;
    }
    (less, leq)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn naive(x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut d: Vec<f64> = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| *b - *a))
            .collect();
        d.sort_unstable_by(f64::total_cmp);
        d
    }

    #[test]
    fn selection_matches_sorting() {
        let mut x: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64 * 0.5).collect();
        let mut y: Vec<f64> = (0..250).map(|i| ((i * 53) % 89) as f64 * 0.7).collect();
        sort(&mut x);
        sort(&mut y);
        let d = naive(&x, &y);
        for k in [0u64, 1, 77, 5000, 37_499, 37_500, 74_999] {
            assert_eq!(kth_difference(&x, &y, k), d[k as usize], "k = {k}");
        }
        let (a, b) = kth_pair(&x, &y, 37_499);
        assert_eq!((a, b), (d[37_499], d[37_500]));
    }

    #[test]
    fn radix_sort_matches_total_cmp() {
        let mut state = 7u64;
        let mut v: Vec<f64> = (0..5000)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                match i % 7 {
                    0 => -0.0,
                    1 => 0.0,
                    2 => (u - 0.5) * 1e300,
                    3 => f64::INFINITY,
                    4 => f64::NEG_INFINITY,
                    5 => ((u - 0.5) * 100.0).round(),
                    _ => (u - 0.5) * 1e-300,
                }
            })
            .collect();
        let mut want = v.clone();
        want.sort_unstable_by(f64::total_cmp);
        sort(&mut v);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn quantile_inverts_the_tail() {
        for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999_999] {
            let z = normal_quantile(p);
            let back = 1.0 - normal_sf(z);
            assert!((back - p).abs() <= 1e-12 * p.max(1e-3), "{p} {back}");
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
    }
}
