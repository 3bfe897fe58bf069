//! Runs every check on pseudo-random inputs (no coverage feedback): a quick
//! smoke test of the generators where cargo-fuzz is not at hand.
//! `cargo run -p relman-fuzz-support --example smoke -- [inputs per target]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

fn main() {
    let n: usize = std::env::args().nth(1).map_or(200, |a| a.parse().unwrap());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for t in relman_fuzz_support::TARGETS {
        let mut failures = 0;
        for _ in 0..n {
            let len = (next() % 2048) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if std::panic::catch_unwind(|| (t.check)(&data)).is_err() {
                failures += 1;
                if failures == 1 {
                    std::fs::write(format!("/tmp/smoke-{}", t.name), &data).unwrap();
                }
            }
        }
        println!("{}: {n} inputs, {failures} failures", t.name);
    }
}
