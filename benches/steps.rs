//! The stepping core's speed: one optimizer step on 2-D and on long parameter vectors, with
//! the memory-bandwidth floor (a STREAM-style triad) measured beside it.
//!
//! cargo bench --bench steps

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array1;
use optplay::core::registry;
use optplay::core::{Counted, Objective, Optimizer, Value};

/// Each optimizer with the f64 streams one step moves over memory: momentum reads p, g, buf
/// and writes p, buf (5); RMSProp reads p, g, v, writes p, v (5); Adam reads p, g, m, v,
/// writes p, m, v (7).
fn streams(name: &str) -> u64 {
    match name {
        "adam" => 7,
        _ => 5,
    }
}

/// The optimizers timed, built through the registry as an experiment file builds them (Adam
/// with torch's eps, so the numbers compare with torch's).
fn optimizers() -> Vec<(&'static str, std::sync::Arc<dyn Optimizer>)> {
    ["momentum", "rmsprop", "adam"]
        .into_iter()
        .map(|name| {
            let kind = registry::optimizer(name).expect("a built-in kind");
            let mut settings = kind.defaults();
            if name == "adam" {
                settings.set("eps", Value::Number(1e-8));
            }
            (name, (kind.build)(&settings))
        })
        .collect()
}

/// A objective of any length for the step benches; its gradient is never asked for.
struct Flat(usize);

impl Objective for Flat {
    fn dim(&self) -> usize {
        self.0
    }
    fn value(&self, _p: ndarray::ArrayView1<'_, f64>) -> f64 {
        0.0
    }
    fn gradient(&self, _p: ndarray::ArrayView1<'_, f64>, mut out: ndarray::ArrayViewMut1<'_, f64>) {
        out.fill(0.0);
    }
}

fn step_2d(c: &mut Criterion) {
    let surface = registry::default_surface("rosenbrock").unwrap();
    let mut group = c.benchmark_group("step_2d");
    for (name, optimizer) in optimizers() {
        group.bench_function(name, |b| {
            let mut problem = Counted::new(&surface);
            let mut stepper = optimizer.start(2);
            let mut p = Array1::from(vec![-1.2, 1.0]);
            let g = Array1::from(vec![0.3, -0.2]);
            b.iter(|| {
                stepper.step(&mut p, g.view(), black_box(1e-9), &mut problem);
            });
        });
    }
    group.finish();
}

fn step_long(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_long");
    group.sample_size(20);
    for n in [1_000usize, 100_000, 1_000_000, 10_000_000] {
        // Throughput in bytes moved, so criterion prints GB/s for the triad and each step alike.
        // The floor: a = b + s·c reads two streams and writes one (3 counted; the hardware
        // also reads `a` before writing it, which BENCHMARKS.md accounts for).
        group.throughput(Throughput::Bytes(3 * 8 * n as u64));
        group.bench_with_input(BenchmarkId::new("triad", n), &n, |b, &n| {
            let x = Array1::from_elem(n, 1.0);
            let y = Array1::from_elem(n, 2.0);
            // Written, not zeroed: a calloc'd buffer would take its page faults in the timing.
            let mut z = Array1::from_elem(n, 0.5);
            b.iter(|| {
                ndarray::Zip::from(&mut z)
                    .and(&x)
                    .and(&y)
                    .for_each(|z, &x, &y| *z = x + black_box(3.0) * y);
            });
        });
        let objective = Flat(n);
        for (name, optimizer) in optimizers() {
            group.throughput(Throughput::Bytes(streams(name) * 8 * n as u64));
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
                let mut problem = Counted::new(&objective);
                let mut stepper = optimizer.start(n);
                let mut p = Array1::from_elem(n, 1.0);
                let g = Array1::from_elem(n, 0.5);
                // One untimed step: the state starts as zeroed (lazily mapped) memory, and its
                // page faults are not what a step costs.
                stepper.step(&mut p, g.view(), 1e-9, &mut problem);
                b.iter(|| {
                    stepper.step(&mut p, g.view(), black_box(1e-9), &mut problem);
                });
            });
        }
    }
    group.finish();
}

// No plots: criterion's plotters would look for a system font, and this build has none.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = step_2d, step_long
}
criterion_main!(benches);
