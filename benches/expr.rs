//! User-written surfaces: what a formula costs to read and differentiate, to evaluate (value,
//! gradient, Hessian) beside the same surface written in Rust, over a figure's 400×400 grid,
//! and to search for its critical points.
//!
//! cargo bench --bench expr

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use optplay::core::Surface;
use optplay::core::expr::{Expression, critical_points};

const ROSENBROCK: &str = "(1 - x)^2 + 100*(y - x^2)^2";
const GOLDSTEIN_PRICE: &str = "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2)) \
    * (30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))";
const HIMMELBLAU: &str = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";

/// The grid a figure samples: 400×400 points over [-2, 2]².
fn grid() -> Vec<[f64; 2]> {
    (0..400)
        .flat_map(|j| (0..400).map(move |i| [-2.0 + i as f64 * 0.01, -2.0 + j as f64 * 0.01]))
        .collect()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("expr/parse");
    for (name, text) in [
        ("rosenbrock", ROSENBROCK),
        ("goldstein_price", GOLDSTEIN_PRICE),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| Expression::parse(black_box(text)).unwrap())
        });
    }
    group.finish();
}

fn evaluate(c: &mut Criterion) {
    let expr = Expression::parse(ROSENBROCK).unwrap();
    let gp = Expression::parse(GOLDSTEIN_PRICE).unwrap();
    let built_in = optplay::core::surface::rosenbrock::Rosenbrock { a: 1.0, b: 100.0 };
    let p = [-1.2, 1.0];
    let mut group = c.benchmark_group("expr/eval");
    group.bench_function("rosenbrock/value", |b| b.iter(|| expr.value(black_box(p))));
    group.bench_function("rosenbrock/gradient", |b| {
        b.iter(|| expr.gradient(black_box(p)))
    });
    group.bench_function("rosenbrock/hessian", |b| {
        b.iter(|| expr.hessian(black_box(p)))
    });
    group.bench_function("rosenbrock_built_in/value", |b| {
        b.iter(|| built_in.value2(black_box(p)))
    });
    group.bench_function("rosenbrock_built_in/gradient", |b| {
        b.iter(|| built_in.grad2(black_box(p)))
    });
    group.bench_function("goldstein_price/value", |b| {
        b.iter(|| gp.value(black_box(p)))
    });
    group.bench_function("goldstein_price/gradient", |b| {
        b.iter(|| gp.gradient(black_box(p)))
    });
    group.bench_function("goldstein_price/hessian", |b| {
        b.iter(|| gp.hessian(black_box(p)))
    });
    group.finish();
}

fn sample_grid(c: &mut Criterion) {
    let points = grid();
    let expr = Expression::parse(ROSENBROCK).unwrap();
    let gp = Expression::parse(GOLDSTEIN_PRICE).unwrap();
    let built_in = optplay::core::surface::rosenbrock::Rosenbrock { a: 1.0, b: 100.0 };
    let mut group = c.benchmark_group("expr/grid_400x400");
    group.sample_size(20);
    let sum = |f: &dyn Fn([f64; 2]) -> f64| points.iter().map(|&p| f(p)).sum::<f64>();
    group.bench_function("rosenbrock", |b| b.iter(|| sum(&|p| expr.value(p))));
    group.bench_function("rosenbrock_built_in", |b| {
        b.iter(|| sum(&|p| built_in.value2(p)))
    });
    group.bench_function("goldstein_price", |b| b.iter(|| sum(&|p| gp.value(p))));
    group.finish();
}

fn critical(c: &mut Criterion) {
    let himmelblau = Expression::parse(HIMMELBLAU).unwrap();
    let mut group = c.benchmark_group("expr/critical_points");
    group.sample_size(20);
    group.bench_function("himmelblau", |b| {
        b.iter(|| critical_points(&himmelblau, black_box([[-5.0, 5.0], [-5.0, 5.0]])))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Without plots: criterion's plotting backend needs fonts a bare machine lacks.
    config = Criterion::default().without_plots();
    targets = parse, evaluate, sample_grid, critical
}
criterion_main!(benches);
