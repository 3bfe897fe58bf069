//! `suggest_slots`: free deployment slots.

use crate::{Schedule, SlotSuggestion, Timestamp};

operation! {
    /// Up to `count` free deployment slots of `duration_secs` for `item` (a
    /// release or change id of `schedule`), from `now` to
    /// `now + horizon_secs`.
    name: suggest_slots,
    position: 9,
    summary: "Free deployment slots for one release or change of a schedule",
    params SuggestSlotsParams {
        /// The schedule.
        schedule: req Schedule as Doc,
        /// The id of the release or change to place.
        item: req String as Val,
        /// How long its deployment takes, in seconds.
        duration_secs: req u64 as Val,
        /// Where the search starts.
        now: req Timestamp as Val,
        /// How far ahead to look, in seconds.
        horizon_secs: req u64 as Val,
        /// How many slots at most.
        count: req usize as Val,
    }
    result: SlotSuggestion,
    run(p) {
        crate::suggest_slots(
            &p.item,
            &p.schedule,
            p.duration_secs,
            &p.now,
            p.horizon_secs,
            p.count,
        )
    }
}
