//! Numbers that blow up are results: every optimizer on every surface at absurd learning
//! rates, as `optplay compare` would run them.

use optplay::config::{CompareRequest, LrRequest};

use crate::{compare, optimizers, small, summary, without_embedded_images, write};

/// The built-in surfaces (every key with a default), from the registry: a new one is covered
/// as soon as it is listed.
pub fn surfaces() -> Vec<&'static str> {
    optplay::core::registry::built_in_surfaces()
        .map(|k| k.name)
        .collect()
}

#[test]
fn every_optimizer_on_every_surface_at_absurd_learning_rates_is_a_result() {
    let tmp = tempfile::tempdir().unwrap();
    for surface in surfaces() {
        for lr in [1e-12, 1e-2, 1e2, 1e6] {
            let what = format!("{surface} at lr {lr:e}");
            // compare --opt <every kind> --surface SURFACE --lr LR --steps 40 --format svg
            let request = CompareRequest {
                optimizers: optimizers(&optplay::core::registry::optimizer_names()),
                surface: optplay::core::registry::surface(surface),
                steps: Some(40),
                lr: LrRequest::All(lr),
                formats: Some(vec!["svg".to_string()]),
                ..CompareRequest::default()
            };
            let out = tmp.path().join("o");
            write(&small(compare(&request)), &out);
            let dir = out.join(format!("compare-{surface}"));
            for figure in ["trajectories.svg", "loss.svg"] {
                let svg =
                    without_embedded_images(&std::fs::read_to_string(dir.join(figure)).unwrap());
                assert!(
                    !svg.contains("NaN") && !svg.contains("inf"),
                    "{what}: {figure} holds a non-finite number"
                );
            }
            let csv = std::fs::read_to_string(dir.join("trajectory.csv")).unwrap();
            for line in csv.lines().skip(1) {
                let cells: Vec<&str> = line.split(',').collect();
                for cell in &cells[3..7] {
                    let v: f64 = cell.parse().unwrap();
                    assert!(v.is_finite(), "{what}: {line}");
                }
            }
            for run in summary(&dir)["runs"].as_array().unwrap() {
                let rows = csv
                    .lines()
                    .filter(|l| l.starts_with(&format!("{},", run["label"].as_str().unwrap())))
                    .count() as u64;
                assert_eq!(rows, run["steps"].as_u64().unwrap() + 1, "{what}: {run}");
                match run["status"].as_str().unwrap() {
                    "diverged" => {
                        let at = run["diverged_at_step"].as_u64().unwrap();
                        assert!(rows <= at + 1, "{what}: rows beyond the divergence: {run}");
                    }
                    "converged" | "max_steps" => {}
                    other => panic!("{what}: status {other}"),
                }
            }
        }
    }
}
