//! Reports how deep the lifecycle generator gets on a set of inputs: the
//! states reached and the commands applied (to judge a corpus).
//! `cargo run -p relman-fuzz-support --example lifecycle_depth -- FILE…`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use relman_fuzz_support::gen::Gen;
use relman_fuzz_support::lifecycle::{command, context, release};
use std::collections::BTreeMap;

fn main() {
    let mut reached: BTreeMap<String, usize> = BTreeMap::new();
    let (mut applied, mut denied) = (0, 0);
    for file in std::env::args().skip(1) {
        let data = std::fs::read(&file).unwrap();
        let mut g = Gen::new(&data);
        let Ok(ctx) = relman::from_value::<relman::Context>(context(&mut g)) else {
            continue;
        };
        let Ok(r) = relman::from_value::<relman::Release>(release(&mut g)) else {
            continue;
        };
        let mut r = r.document;
        for minute in 1..=32 {
            if g.is_empty() {
                break;
            }
            let Ok(cmd) = relman::from_value::<relman::Command>(command(&mut g, minute)) else {
                continue;
            };
            let _target = g.below(relman::State::ALL.len());
            match relman::apply(&r, &cmd.document, &ctx.document) {
                Ok(a) => {
                    applied += 1;
                    if a.release.state != r.state {
                        *reached.entry(format!("{:?}", a.release.state)).or_default() += 1;
                    }
                    r = a.release;
                }
                Err(_) => denied += 1,
            }
        }
    }
    println!("applied {applied}, denied {denied}; state changes into: {reached:?}");
}
