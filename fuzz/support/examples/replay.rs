//! Runs one input file through a target's check and says how long it took:
//! `cargo run -p relman-fuzz-support --example replay -- TARGET FILE…`
//! (for triage of crashes and slow units found by fuzzing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().expect("a target name");
    let target = relman_fuzz_support::TARGETS
        .iter()
        .find(|t| t.name == name)
        .expect("a known target");
    for file in args {
        let data = std::fs::read(&file).unwrap();
        let start = std::time::Instant::now();
        let ok = std::panic::catch_unwind(|| (target.check)(&data)).is_ok();
        println!(
            "{file}: {} in {:?}",
            if ok { "ok" } else { "PANIC" },
            start.elapsed()
        );
    }
}
