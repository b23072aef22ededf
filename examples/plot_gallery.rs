//! Renders the plot module's figures for a few lecture scenes, to look at them.
//!
//! `cargo run --release --example plot_gallery [DIR]` (default DIR: /tmp/optplay-gallery).

use std::time::Instant;

use ndarray::arr1;
use optplay::core::{
    Adam, Grid, Limits, Optimizer, RunSpec, Schedule, Sgd, Surface, Trace, Window, run,
};
use optplay::plot::{self, Format, PlotRun, Scene};

fn sgd(lr: f64, momentum: f64, nesterov: bool) -> RunSpec {
    RunSpec {
        optimizer: Optimizer::Sgd(Sgd {
            momentum,
            dampening: 0.0,
            nesterov,
            weight_decay: 0.0,
        }),
        schedule: Schedule::Constant,
        lr,
    }
}

fn adam(lr: f64) -> RunSpec {
    RunSpec {
        optimizer: Optimizer::Adam(Adam {
            betas: (0.9, 0.999),
            eps: 1e-7,
            weight_decay: 0.0,
            amsgrad: false,
            decoupled_weight_decay: false,
            bias_correction: true,
        }),
        schedule: Schedule::Constant,
        lr,
    }
}

struct Case {
    name: &'static str,
    surface: Surface,
    window: Option<Window>,
    start: [f64; 2],
    steps: u64,
    runs: Vec<(&'static str, String, RunSpec)>,
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/optplay-gallery".into());
    std::fs::create_dir_all(&dir).unwrap();
    let sgdr = RunSpec {
        schedule: Schedule::CosineRestarts {
            t_0: 200,
            t_mult: 2,
            eta_min: 0.0,
        },
        ..sgd(0.003, 0.9, false)
    };
    let cases = vec![
        Case {
            name: "saddle",
            surface: Surface::default_of("saddle").unwrap(),
            window: None,
            start: [1.0, 0.001],
            steps: 120,
            runs: vec![
                ("sgd", "sgd (lr=0.05)".into(), sgd(0.05, 0.0, false)),
                (
                    "momentum",
                    "momentum (lr=0.05, ρ=0.9)".into(),
                    sgd(0.05, 0.9, false),
                ),
                ("adam", "adam (lr=0.1, β=(0.9, 0.999))".into(), adam(0.1)),
            ],
        },
        Case {
            name: "elongated-bowl",
            surface: Surface::default_of("quadratic").unwrap(),
            window: None,
            start: [-3.0, 2.0],
            steps: 60,
            runs: vec![
                ("sgd", "sgd (lr=0.09)".into(), sgd(0.09, 0.0, false)),
                (
                    "nesterov",
                    "nesterov (lr=0.01, ρ=0.9)".into(),
                    sgd(0.01, 0.9, true),
                ),
                ("too-big", "sgd (lr=0.11)".into(), sgd(0.11, 0.0, false)),
            ],
        },
        Case {
            name: "rosenbrock",
            surface: Surface::default_of("rosenbrock").unwrap(),
            window: None,
            start: [-1.2, 1.0],
            steps: 3000,
            runs: vec![
                ("sgd", "sgd (lr=0.001)".into(), sgd(0.001, 0.0, false)),
                (
                    "momentum",
                    "momentum (lr=0.001, ρ=0.9)".into(),
                    sgd(0.001, 0.9, false),
                ),
                ("adam", "adam (lr=0.05)".into(), adam(0.05)),
                ("sgdr", "sgd+SGDR (lr=0.003, ρ=0.9, T₀=200)".into(), sgdr),
            ],
        },
        Case {
            name: "bowl-eight-runs",
            surface: Surface::default_of("bowl").unwrap(),
            window: None,
            start: Surface::default_of("bowl").unwrap().default_start(),
            steps: 200,
            runs: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.9]
                .iter()
                .map(|&lr| {
                    (
                        "momentum",
                        format!("momentum (lr={lr})"),
                        sgd(lr, 0.9, false),
                    )
                })
                .collect(),
        },
    ];
    for case in cases {
        let window = case.window.unwrap_or_else(|| case.surface.window());
        let limits = Limits {
            steps: case.steps,
            tolerance: None,
        };
        let traces: Vec<Trace> = case
            .runs
            .iter()
            .map(|(_, _, spec)| run(&case.surface, None, spec, arr1(&case.start).view(), limits))
            .collect();
        let t = Instant::now();
        let grid = Grid::sample(&case.surface, window, 300, 300);
        let sample = t.elapsed();
        let scene = Scene {
            title: case.name.to_string(),
            formula: case.surface.formula(),
            grid: &grid,
            minima: case.surface.minima(),
            saddles: case.surface.saddles(),
            min_value: case.surface.min_value(),
            runs: case
                .runs
                .iter()
                .zip(&traces)
                .map(|((label, legend, spec), trace)| PlotRun {
                    label,
                    legend: legend.clone(),
                    trace,
                    snapshots: spec
                        .schedule
                        .restarts(trace.steps())
                        .into_iter()
                        .map(|s| s as usize)
                        .collect(),
                })
                .collect(),
            levels: 30,
            log_levels: None,
            width: 1000,
            height: 800,
        };
        for format in [Format::Png, Format::Svg] {
            for (figure, f) in [
                (
                    "trajectories",
                    plot::trajectories as fn(&Scene, Format) -> _,
                ),
                ("loss", plot::loss),
            ] {
                let t = Instant::now();
                let bytes = f(&scene, format).unwrap();
                let took = t.elapsed();
                let path = format!("{dir}/{}-{figure}.{}", case.name, format.extension());
                std::fs::write(&path, &bytes).unwrap();
                eprintln!(
                    "{path}: {} KB in {:.1} ms (grid sampled in {:.1} ms)",
                    bytes.len() / 1024,
                    took.as_secs_f64() * 1e3,
                    sample.as_secs_f64() * 1e3
                );
            }
        }
    }
}
