//! The compare, whole and stage by stage, in-process:
//!
//! optplay compare --opt sgd,momentum,nesterov,adagrad,rmsprop,adam --surface rosenbrock \
//!   --start=-1.5,2 --steps 1000 \
//!   --lr sgd=1e-3,momentum=2e-4,nesterov=2e-4,adagrad=0.5,rmsprop=3e-3,adam=0.05 --format png,svg
//!
//! cargo bench --bench render
//!
//! and the same compare's `trajectory.csv` streamed (`cargo bench --bench render -- csv/`),
//! and the own marching squares and median cut against the crates they replace
//! and the own polygon filler against plotters' (`cargo bench --bench render -- kept/`).

use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use optplay::config::{self, CompareRequest, Experiment, LrRequest};
use optplay::core::{Cancel, Trace};
use optplay::export;
use optplay::output;
use optplay::plot::{self, Figure, Format, choose_levels, stages, style};

fn experiment() -> Experiment {
    let lr = [
        ("sgd", 1e-3),
        ("momentum", 2e-4),
        ("nesterov", 2e-4),
        ("adagrad", 0.5),
        ("rmsprop", 3e-3),
        ("adam", 0.05),
    ];
    config::compare_experiment(&CompareRequest {
        optimizers: lr
            .iter()
            .filter_map(|(k, _)| optplay::core::registry::optimizer(k))
            .collect(),
        surface: optplay::core::registry::surface("rosenbrock"),
        start: Some([-1.5, 2.0]),
        steps: Some(1000),
        lr: LrRequest::PerKind(lr.iter().map(|&(k, v)| (k.to_string(), v)).collect()),
        noise: None,
        formats: Some(vec!["png".into(), "svg".into()]),
        seed: None,
        ..CompareRequest::default()
    })
    .expect("a valid request")
}

/// Everything `optplay compare` does but parse arguments and print the table.
fn compare_once(experiment: &Experiment, dir: &Path) {
    let formats = output::picture_formats(experiment);
    let runs = output::run_results(experiment);
    let files = output::render_files(experiment, &runs, &formats, dir, None).expect("renders");
    output::write_all(dir, &files, &Cancel::new()).expect("writes");
}

fn whole(c: &mut Criterion) {
    let e = experiment();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(&e.name);
    let mut group = c.benchmark_group("compare");
    group.sample_size(20);
    group.bench_function("whole", |b| b.iter(|| compare_once(&e, &dir)));
    group.finish();
}

fn stage_benches(c: &mut Criterion) {
    let e = experiment();
    let runs = output::run_results(&e);
    let problem = e.surface().expect("compare runs on a surface");
    let grid = output::sample_grid(problem);
    let scene = output::scene(&e, problem, runs.iter().map(|run| &run.trace), &grid);
    let levels = choose_levels(&grid, scene.min_value, scene.levels, scene.log_levels);
    let formats = output::picture_formats(&e);
    let dir = Path::new("unused");

    let mut group = c.benchmark_group("stage");
    group.sample_size(20);
    group.bench_function("runs", |b| b.iter(|| output::run_all(black_box(&e))));
    group.bench_function("grid_400x400", |b| {
        b.iter(|| output::sample_grid(black_box(problem)))
    });
    group.bench_function("levels", |b| {
        b.iter(|| choose_levels(&grid, scene.min_value, scene.levels, scene.log_levels))
    });
    group.bench_function("isolines_30", |b| {
        b.iter(|| stages::isolines(&grid, &levels.values))
    });
    let map = stages::ColorMap::pale();
    group.bench_function("background_700x560", |b| {
        b.iter(|| stages::background(&grid, &levels, &map, 700, 560))
    });
    // The trajectories figure's plot at the default size.
    group.bench_function("contoured_raster_837x665", |b| {
        b.iter(|| stages::contoured_raster(&scene, &levels, &map, (837, 665)))
    });
    for figure in [Figure::Trajectories, Figure::Loss] {
        let name = figure.stem();
        group.bench_function(format!("{name}_raster"), |b| {
            b.iter(|| stages::raster(&scene, figure).unwrap())
        });
        let rgb = stages::raster(&scene, figure).unwrap();
        group.bench_function(format!("{name}_png_encode"), |b| {
            b.iter(|| stages::encode_png(&rgb, scene.width, scene.height).unwrap())
        });
        for format in [Format::Png, Format::Svg] {
            group.bench_function(format!("{name}.{format}"), |b| {
                b.iter(|| stages::figure(&scene, figure, format).unwrap())
            });
        }
    }
    group.bench_function("all_figures_parallel", |b| {
        b.iter(|| plot::render_all(&scene, &formats, None))
    });
    group.bench_function("csv_json_figures", |b| {
        b.iter(|| output::render_files(&e, &runs, &formats, dir, None).unwrap())
    });
    group.finish();
}

/// `trajectory.csv` streamed as `run` writes it (through a 64 KiB buffer), to a sink: the
/// cost per row of formatting and quoting, not of the disk.
fn csv_bench(c: &mut Criterion) {
    let e = experiment();
    let results = output::run_results(&e);
    let runs = output::outcomes(&e, &results);
    let bytes = export::trajectory_csv(&runs).len() as u64;
    let mut group = c.benchmark_group("csv");
    group.sample_size(30);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("trajectory_6x1000", |b| {
        b.iter(|| {
            let mut out = BufWriter::with_capacity(1 << 16, std::io::sink());
            export::write_trajectory_csv(&mut out, black_box(&runs), 1).unwrap();
            out.flush().unwrap();
        })
    });
    group.finish();
}

/// The own code kept where a crate exists, against that crate, on the compare's figure:
/// marching squares against `contour` (both on one thread, the 400×400 grid and its 30
/// levels), median cut against `color_quant`'s NeuQuant (what the `gif` crate quantises with;
/// sample factor 10, 255 colours as ours) on the trajectories raster, paths drawn. The
/// palettes' errors over that raster are printed once.
fn kept_bench(c: &mut Criterion) {
    let e = experiment();
    let traces: Vec<Trace> = output::run_all(&e);
    let problem = e.surface().expect("compare runs on a surface");
    let grid = output::sample_grid(problem);
    let scene = output::scene(&e, problem, &traces, &grid);
    let levels = choose_levels(&grid, scene.min_value, scene.levels, scene.log_levels);
    let (dx, dy) = (grid.nx, grid.ny);
    let rgb = stages::raster(&scene, Figure::Trajectories).unwrap();
    let mut exact = vec![[255, 255, 255], [0, 0, 0]];
    exact.extend((0..scene.runs.len()).map(|i| {
        let c = style::run_color(i);
        [c.0, c.1, c.2]
    }));
    let rgba: Vec<u8> = rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    let neuquant = || -> Vec<[u8; 3]> {
        let nq = color_quant::NeuQuant::new(10, 255, &rgba);
        nq.color_map_rgb()
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect()
    };
    for (name, palette) in [
        ("median cut", stages::median_cut(&rgb, &exact, 255)),
        ("NeuQuant", neuquant()),
    ] {
        let (rms, worst) = palette_error(&rgb, &palette);
        eprintln!("palette {name}: RMS error {rms:.2}, worst channel error {worst}");
    }

    let mut group = c.benchmark_group("kept");
    group.sample_size(20);
    group.bench_function("isolines_own_march", |b| {
        b.iter(|| stages::march_rings(&grid.values, dx, dy, &levels.values))
    });
    group.bench_function("isolines_contour_crate", |b| {
        b.iter(|| {
            contour::ContourBuilder::new(dx, dy, true)
                .lines(&grid.values, &levels.values)
                .unwrap()
        })
    });
    group.bench_function("palette_median_cut", |b| {
        b.iter(|| stages::median_cut(&rgb, &exact, 255))
    });
    group.bench_function("palette_neuquant", |b| b.iter(neuquant));

    // A 3-pixel path as plotters turns it into a polygon, filled on a figure-sized bitmap by
    // the own filler and by plotters' (the same pixels): a winding walk of 400 points, as a
    // trajectory is.
    let (w, h) = (600u32, 450u32);
    let mut seed = 12345u64;
    let mut next = |range: i32| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as i32 % range - range / 2
    };
    let mut at = (300, 225);
    let path: Vec<(i32, i32)> = (0..400)
        .map(|_| {
            at = (
                (at.0 + next(25)).clamp(0, w as i32),
                (at.1 + next(25)).clamp(0, h as i32),
            );
            at
        })
        .collect();
    group.bench_function("thick_path_own_outline", |b| {
        b.iter(|| stages::polygonize(&path, 3))
    });
    group.bench_function("thick_path_plotters_outline", |b| {
        b.iter(|| plotters_backend::rasterizer::polygonize(&path, 3))
    });
    let polygon = plotters_backend::rasterizer::polygonize(&path, 3);
    let color = plotters_backend::BackendColor {
        alpha: 1.0,
        rgb: (200, 30, 60),
    };
    let mut buffer = vec![255u8; w as usize * h as usize * 3];
    group.bench_function("thick_path_own_fill", |b| {
        b.iter(|| {
            let mut back = plotters::prelude::BitMapBackend::with_buffer(&mut buffer, (w, h));
            stages::fill_polygon(&mut back, &polygon, &color).unwrap();
        })
    });
    group.bench_function("thick_path_plotters_fill", |b| {
        b.iter(|| {
            let mut back = plotters::prelude::BitMapBackend::with_buffer(&mut buffer, (w, h));
            plotters_backend::rasterizer::fill_polygon(&mut back, &polygon, &color).unwrap();
        })
    });
    group.finish();
}

/// The root mean square and the largest channel error of an RGB image shown with `palette`,
/// each pixel as its nearest palette colour.
fn palette_error(rgb: &[u8], palette: &[[u8; 3]]) -> (f64, i32) {
    let (mut squares, mut worst) = (0.0, 0);
    for p in rgb.chunks_exact(3) {
        let distance =
            |q: &[u8; 3]| -> i32 { (0..3).map(|k| (q[k] as i32 - p[k] as i32).pow(2)).sum() };
        let best = palette.iter().min_by_key(|q| distance(q)).unwrap();
        squares += distance(best) as f64;
        worst = worst.max(
            (0..3)
                .map(|k| (best[k] as i32 - p[k] as i32).abs())
                .max()
                .unwrap(),
        );
    }
    ((squares / rgb.len() as f64).sqrt(), worst)
}

// No plots: criterion's plotters would look for a system font, and this build has none.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = whole, stage_benches, csv_bench, kept_bench
}
criterion_main!(benches);
