//! Writes the seeds of the `kpi_accumulator_bytes` fuzz target (valid
//! encodings of small KPI accumulators) into
//! `fuzz/corpus/kpi_accumulator_bytes/`:
//! `cargo run -p relman-fuzz-support --example kpi_accumulator_seeds`.
//! Run it again when the relman version or the byte format changes.
#![allow(clippy::unwrap_used)]

fn main() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/kpi_accumulator_bytes");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in relman_fuzz_support::accbytes::seeds() {
        relman_fuzz_support::check_kpi_accumulator_bytes(&bytes);
        std::fs::write(dir.join(name), &bytes).unwrap();
        println!("{name}: {} bytes", bytes.len());
    }
}
