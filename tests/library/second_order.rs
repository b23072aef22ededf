//! Newton's method and L-BFGS, run as `optplay run` runs them: the lecture's claims and the
//! published anchors (iterations and evaluations to f < 1e-10 on Rosenbrock from (−1.2, 1)).

use std::path::Path;

use optplay::app::AppError;
use optplay::config::{self, Overrides};

use crate::{experiment_file, load_with, run_small, small, summary, svg_only, table, write};

/// Runs `toml` as an experiment named `name` with `steps` overriding its own, and returns
/// its summary and CSV rows.
fn run(
    dir: &Path,
    name: &str,
    toml: &str,
    steps: Option<u64>,
) -> (serde_json::Value, Vec<Vec<String>>) {
    let file = experiment_file(dir, name, toml);
    let overrides = Overrides {
        steps,
        ..svg_only()
    };
    let written = run_small(&file, &overrides, dir);
    let csv = std::fs::read_to_string(written.dir.join("trajectory.csv")).unwrap();
    let rows = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (summary(&written.dir), rows)
}

fn run_of<'a>(summary: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no run {label}"))
}

/// The first step at which `label`'s loss is below `threshold`.
fn first_below(rows: &[Vec<String>], label: &str, threshold: f64) -> Option<u64> {
    rows.iter()
        .filter(|r| r[0] == label)
        .find(|r| r[5].parse::<f64>().unwrap() < threshold)
        .map(|r| r[2].parse().unwrap())
}

const ROSENBROCK: &str = r#"
steps = 100
start = [-1.2, 1.0]
[surface]
kind = "rosenbrock"
[[optimizer]]
kind = "lbfgs"
[[optimizer]]
kind = "newton"
"#;

#[test]
fn lbfgs_and_newton_meet_the_published_anchors_on_rosenbrock() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, rows) = run(tmp.path(), "rb", ROSENBROCK, None);
    // scipy L-BFGS-B: iteration 36 (44 evaluations); torch.optim.LBFGS: 35 (44).
    let lbfgs = first_below(&rows, "lbfgs", 1e-10).expect("L-BFGS reaches f < 1e-10");
    assert_eq!(lbfgs, 35, "L-BFGS iterations to f < 1e-10");
    // Newton with backtracking: 20 iterations published, scipy trust-exact 24.
    let newton = first_below(&rows, "newton", 1e-10).expect("Newton reaches f < 1e-10");
    assert_eq!(newton, 20, "Newton iterations to f < 1e-10");

    // Evaluations up to that iteration: run exactly that many steps.
    let (s, _) = run(tmp.path(), "rb", ROSENBROCK, Some(35));
    let e = &run_of(&s, "lbfgs")["evaluations"];
    assert_eq!(
        e["gradient"], 44,
        "torch's 44: one at the start, then the line searches"
    );
    assert_eq!(e["value"], 44);
    assert_eq!(e["hessian"], 0);
    let (s, _) = run(tmp.path(), "rb", ROSENBROCK, Some(20));
    let e = &run_of(&s, "newton")["evaluations"];
    assert_eq!(
        (e["gradient"].as_u64(), e["hessian"].as_u64()),
        (Some(21), Some(20))
    );
    assert_eq!(
        e["value"], 28,
        "f at the start and at every backtracking trial"
    );
    assert!(run_of(&s, "newton")["final_loss"].as_f64().unwrap() < 1e-10);
}

#[test]
fn newton_lands_on_the_quadratic_minimum_in_exactly_one_step() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = r#"
steps = 10
tolerance = 1e-12
[surface]
kind = "quadratic"
matrix = [[1.0, 0.0], [0.0, 20.0]]
[[optimizer]]
kind = "newton"
[[optimizer]]
kind = "newton"
label = "pure"
line_search = "none"
"#;
    let (s, rows) = run(tmp.path(), "quad", toml, None);
    for label in ["newton", "pure"] {
        let r = run_of(&s, label);
        assert_eq!(r["status"], "converged", "{label}");
        assert_eq!(r["steps"], 1, "{label}");
        assert_eq!(r["final"], serde_json::json!([0.0, 0.0]), "{label}");
        assert_eq!(r["final_loss"], 0.0, "{label}");
        assert_eq!(r["evaluations"]["hessian"], 1, "{label}");
        assert_eq!(first_below(&rows, label, 1e-300), Some(1));
    }
}

#[test]
fn pure_newton_converges_to_the_saddle_and_the_default_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let toml = r#"
steps = 50
start = [0.8, 0.3]
[surface]
kind = "saddle"
[[optimizer]]
kind = "newton"
label = "pure"
line_search = "none"
[[optimizer]]
kind = "newton"
"#;
    let (s, _) = run(tmp.path(), "saddle", toml, None);
    let pure = run_of(&s, "pure");
    let p = &pure["final"];
    // The nearest stationary point is the saddle at the origin, not a minimum (0, ±1).
    assert!(p[0].as_f64().unwrap().abs() < 1e-12 && p[1].as_f64().unwrap().abs() < 1e-12);
    assert_eq!(pure["final_grad_norm"], 0.0);
    assert_eq!(
        pure["distance"], 1.0,
        "a whole unit from the nearest minimum"
    );
    let newton = run_of(&s, "newton");
    assert!(newton["distance"].as_f64().unwrap() < 1e-9, "{newton}");
    assert_eq!(newton["final_loss"], -0.25);
}

#[test]
fn the_table_and_summary_count_evaluations_and_the_loss_plot_can_use_them() {
    let tmp = tempfile::tempdir().unwrap();
    let file = experiment_file(
        tmp.path(),
        "evals",
        &format!("{ROSENBROCK}[[optimizer]]\nkind = \"adam\"\n[plot]\nx_axis = \"evaluations\"\n"),
    );
    let overrides = Overrides {
        steps: Some(35),
        ..svg_only()
    };
    let experiment = small(load_with(&file, &overrides));
    let written = write(&experiment, tmp.path());
    let table = table(&experiment, &written);
    assert!(table.contains("evals f/∇f/H"), "{table}");
    assert!(table.contains(" 44/44/0 "), "{table}");
    assert!(
        table.contains(" 0/36/0 "),
        "Adam: one gradient per row\n{table}"
    );
    let svg = std::fs::read_to_string(tmp.path().join("evals/loss.svg")).unwrap();
    assert!(svg.contains("gradient evaluations"));

    let bad = experiment_file(
        tmp.path(),
        "bad",
        &format!("{ROSENBROCK}[plot]\nx_axis = \"evals\"\n"),
    );
    let error = AppError::Config(config::load_all(&bad, &Overrides::default()).unwrap_err());
    assert_eq!(error.exit_code(), 2);
    let err = error.to_string();
    assert!(
        err.contains("plot.x_axis") && err.contains("evaluations"),
        "{err}"
    );
}

#[test]
fn compare_runs_newton_and_lbfgs_without_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    // compare --opt newton,lbfgs --surface rosenbrock --format svg --steps 50
    let request = optplay::config::CompareRequest {
        optimizers: crate::optimizers(&["newton", "lbfgs"]),
        surface: optplay::core::registry::surface("rosenbrock"),
        steps: Some(50),
        formats: Some(vec!["svg".to_string()]),
        ..Default::default()
    };
    write(&small(crate::compare(&request)), tmp.path());
    let s = summary(&tmp.path().join("compare-rosenbrock"));
    for label in ["newton", "lbfgs"] {
        assert!(run_of(&s, label)["final_loss"].as_f64().unwrap() < 1e-10);
    }
}
