//! `optplay sweep`'s speed in runs per second: the grid of configs/sweep_rosenbrock.toml
//! (6 optimizers × 25 lrs × 4 seeds × 1000 noisy steps, 600 runs) on one thread and on all
//! of this machine's, each run keeping only its outcome. The summary (medians, best lrs) is
//! timed with it: it is part of every sweep.
//!
//! cargo bench --bench sweep

use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use optplay::config;
use optplay::core::Cancel;
use optplay::sweep::{Plan, run_range, summarize};

fn sweep(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/sweep_rosenbrock.toml");
    let experiment = config::load(&file).expect("the gallery sweep is valid");
    let settings = experiment.sweep.clone().expect("it has a [sweep]");
    let plan = Plan::new(&experiment, &settings);
    let cancel = Cancel::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("sweep_rosenbrock");
    group.throughput(Throughput::Elements(plan.len() as u64));
    group.sample_size(20);
    for threads in [1, cores] {
        group.bench_with_input(
            BenchmarkId::new("jobs", threads),
            &threads,
            |b, &threads| {
                b.iter(|| {
                    let rows = run_range(
                        &experiment,
                        &plan,
                        0..plan.len(),
                        threads,
                        &cancel,
                        &mut |_, _| {},
                    )
                    .expect("threads start");
                    summarize(&plan, &rows)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
