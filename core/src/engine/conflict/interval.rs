//! Window arithmetic shared by the rules: overlap (with or without
//! back-to-back windows counting), intersection, hull, and fitting inside
//! merged windows.

use crate::calendar::Interval;

/// Whether two windows overlap; with `strict`, back-to-back windows do not.
pub(crate) fn overlaps(a: Interval, b: Interval, strict: bool) -> bool {
    if strict {
        a.start < b.end && b.start < a.end
    } else {
        a.start <= b.end && b.start <= a.end
    }
}

/// The part of `a` inside `b` (empty or inverted when they do not overlap).
pub(super) fn intersection(a: Interval, b: Interval) -> Interval {
    Interval {
        start: a.start.max(b.start),
        end: a.end.min(b.end),
    }
}

/// The smallest window holding `a` (when there is one) and `b`.
pub(super) fn hull(a: Option<Interval>, b: Interval) -> Interval {
    match a {
        None => b,
        Some(a) => Interval {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        },
    }
}

/// Whether `iv` lies inside one of the merged, sorted intervals.
pub(crate) fn fits(merged: &[Interval], iv: Interval) -> bool {
    let i = merged.partition_point(|m| m.start <= iv.start);
    i.checked_sub(1)
        .and_then(|p| merged.get(p))
        .is_some_and(|m| iv.end <= m.end)
}
