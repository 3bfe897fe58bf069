//! Local days, weeks, months and series buckets of the KPIs, in the
//! report's time zone (`docs/kpi.md`, "Records, period and time" and
//! "Series and groups").

use super::KpiAccumulator;
use crate::document::Weekday;
use crate::policy::SeriesInterval;
use chrono::{Datelike, NaiveDate, TimeZone};

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
pub(super) const EPOCH_CE_DAYS: i32 = 719_163;

impl KpiAccumulator {
    /// The local day (days since 1970-01-01 in the time zone) of an instant.
    pub(super) fn day(&self, secs: i64) -> i32 {
        match self.tz {
            None => i32::try_from(secs.div_euclid(86_400)).unwrap_or(0),
            Some(tz) => match tz.timestamp_opt(secs, 0).single() {
                Some(t) => t
                    .date_naive()
                    .num_days_from_ce()
                    .saturating_sub(EPOCH_CE_DAYS),
                None => i32::try_from(secs.div_euclid(86_400)).unwrap_or(0),
            },
        }
    }

    /// The series bucket key of a local day: the first day of its week, or
    /// `year·12 + month0`.
    pub(super) fn bucket(&self, day: i32) -> i32 {
        match self.settings.series {
            SeriesInterval::Week => week_of(day, self.settings.week_start),
            SeriesInterval::Month => {
                let d = date(day);
                d.year()
                    .saturating_mul(12)
                    .saturating_add(d.month0() as i32)
            }
        }
    }
}

/// The first day of the week holding `day` (1970-01-01 was a Thursday).
pub(super) fn week_of(day: i32, start: Weekday) -> i32 {
    // Local days are within chrono's dates (about ±10^8): nothing saturates.
    let wd = day.saturating_add(3).rem_euclid(7);
    day.saturating_sub(
        wd.saturating_sub(i32::from(start.days_from_monday()))
            .rem_euclid(7),
    )
}

pub(super) fn date(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day.saturating_add(EPOCH_CE_DAYS)).unwrap_or_default()
}

pub(super) fn day_text(day: i32) -> String {
    date(day).format("%Y-%m-%d").to_string()
}

/// A set of local days: `first ..= last`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) first: i32,
    pub(super) last: i32,
}

pub(super) fn days_of(s: Span) -> u64 {
    u64::try_from(
        i64::from(s.last)
            .saturating_sub(i64::from(s.first))
            .saturating_add(1),
    )
    .unwrap_or(0)
}

/// The first local day of a bucket and the first day of the next one.
pub(super) fn bucket_days(b: i32, series: SeriesInterval) -> (i32, i32) {
    match series {
        SeriesInterval::Week => (b, b.saturating_add(7)),
        SeriesInterval::Month => (month_first_day(b), month_first_day(b.saturating_add(1))),
    }
}

pub(super) fn month_first_day(key: i32) -> i32 {
    let (y, m0) = (key.div_euclid(12), key.rem_euclid(12));
    NaiveDate::from_ymd_opt(y, (m0 as u32).saturating_add(1), 1)
        .map_or(0, |d| d.num_days_from_ce().saturating_sub(EPOCH_CE_DAYS))
}

pub(super) fn bucket_key_after(b: i32, series: SeriesInterval) -> i32 {
    match series {
        SeriesInterval::Week => b.saturating_add(7),
        SeriesInterval::Month => b.saturating_add(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_the_chosen_day() {
        // 1970-01-01 (day 0) was a Thursday.
        assert_eq!(week_of(0, Weekday::Mon), -3);
        assert_eq!(week_of(0, Weekday::Sun), -4);
        assert_eq!(week_of(0, Weekday::Thu), 0);
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(month_first_day(1970 * 12 + 1), 31);
    }
}
