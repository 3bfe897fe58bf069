//! The measured KPI run at scale (issue #6, acceptance 5): `N` deployments
//! (default 10 000 000) and `M` incidents (default 1 000 000), generated
//! deterministically in slices of 100 000 and fed to one `KpiAccumulator`
//! on one core; only the accumulator's work (feeding and `finish`) is
//! timed, generation is not. Run under `/usr/bin/time -v` for the peak
//! memory (scripts/bench-kpi does). Prints the timings and the headline
//! KPIs.
//!
//!     kpi-scale [N] [M]

use relman::policy::KpiPolicy;
use relman::{KpiAccumulator, KpiOptions, KpiSettings};
use relman_benches::kpi::history_slice;
use std::time::{Duration, Instant};

const SLICE: u64 = 100_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(Ok(10_000_000), |s| s.parse())?;
    let m: u64 = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &KpiOptions::default())?;
    let mut acc = KpiAccumulator::new(settings)?;
    let mut feeding = Duration::ZERO;
    let mut generating = Duration::ZERO;
    let (mut d, mut i) = (0u64, 0u64);
    while d < n || i < m {
        let t = Instant::now();
        let dn = SLICE.min(n - d);
        let im = (SLICE * m / n.max(1)).max(1).min(m - i);
        let slice = history_slice(d..d + dn, n, i..i + im, m);
        generating += t.elapsed();
        let t = Instant::now();
        acc.add_history(&slice)?;
        feeding += t.elapsed();
        d += dn;
        i += im;
    }
    let t = Instant::now();
    let report = acc.finish()?;
    let finishing = t.elapsed();
    let dora = &report.kpis.dora;
    println!(
        "kpi-scale: {n} deployments, {m} incidents (slices of {SLICE})\n\
         generate (not timed): {:.2} s\nfeed: {:.2} s\nfinish: {:.2} s\ntotal (feed + finish): {:.2} s\n\
         production deployments {}, lead times {}, change failure rate {:?}, recovery median {:?} s, series buckets {}",
        generating.as_secs_f64(),
        feeding.as_secs_f64(),
        finishing.as_secs_f64(),
        (feeding + finishing).as_secs_f64(),
        dora.production_deployments,
        dora.lead_time.stats.count,
        dora.change_failure_rate.rate.value,
        dora.failed_deployment_recovery_time.stats.median_secs,
        report.series.len(),
    );
    Ok(())
}
