//! The generator of random conflict items both conflict property tests
//! use (`conflicts_props`, `prepared_schedule`), over the shared oracle's
//! [`Item`].

use proptest::prelude::*;
use relman_oracles::conflicts::{Item, BASE, CIS, STEP};

/// A generated item, built by proptest.
pub fn gen_item() -> impl Strategy<Value = Item> {
    (
        0i64..300,
        1i64..12,
        proptest::collection::vec(0..CIS, 1..4),
        0usize..5,
        proptest::option::of((0i64..300, 1i64..8)),
        proptest::collection::vec(0..CIS, 0..3),
        0usize..3,
        proptest::collection::vec(0usize..1000, 0..3),
    )
        .prop_map(|(s, l, cis, who, own, own_cis, service, deps)| Item {
            start: BASE + s * STEP,
            len: l * STEP,
            cis,
            who,
            own: own.map(|(s, l)| (BASE + s * STEP, BASE + (s + l) * STEP)),
            own_cis,
            service,
            deps,
        })
}
