//! Every surface's derivatives, minima and saddles checked against their definitions.

use std::sync::Arc;

use super::*;
use crate::core::registry::SURFACES;

/// Every surface kind with a default, with its name.
fn all_default() -> Vec<(&'static str, Arc<dyn Surface>)> {
    SURFACES
        .iter()
        .filter_map(|k| k.build_default().map(|s| (k.name, s)))
        .collect()
}

/// Deterministic points spread over the window (a few beyond it too).
fn sample_points(s: &dyn Surface) -> Vec<Point> {
    let w = s.window();
    let mut points = Vec::new();
    for i in 0..13 {
        for j in 0..11 {
            let u = -0.1 + 1.2 * (i as f64 + 0.37) / 13.0;
            let v = -0.1 + 1.2 * (j as f64 + 0.61) / 11.0;
            points.push([
                w.x[0] + u * (w.x[1] - w.x[0]),
                w.y[0] + v * (w.y[1] - w.y[0]),
            ]);
        }
    }
    points
}

#[test]
fn gradients_match_central_differences() {
    for (kind, s) in all_default() {
        for p in sample_points(&*s) {
            let g = s.grad2(p);
            for k in 0..2 {
                let h = 1e-6 * (1.0 + p[k].abs());
                let (mut lo, mut hi) = (p, p);
                lo[k] -= h;
                hi[k] += h;
                let fd = (s.value2(hi) - s.value2(lo)) / (2.0 * h);
                let scale = 1.0 + g[k].abs() + s.value2(p).abs() * 1e-3;
                assert!(
                    (fd - g[k]).abs() <= 1e-5 * scale,
                    "{}: ∂f/∂p{k} at {p:?}: analytic {} vs difference {fd}",
                    kind,
                    g[k]
                );
            }
        }
    }
}

#[test]
fn hessians_match_central_differences_of_the_gradient() {
    for (kind, s) in all_default() {
        for p in sample_points(&*s) {
            let hess = s.hess2(p);
            for k in 0..2 {
                let h = 1e-6 * (1.0 + p[k].abs());
                let (mut lo, mut hi) = (p, p);
                lo[k] -= h;
                hi[k] += h;
                let (gl, gh) = (s.grad2(lo), s.grad2(hi));
                for i in 0..2 {
                    let fd = (gh[i] - gl[i]) / (2.0 * h);
                    let scale = 1.0 + hess[i][k].abs() + s.grad2(p)[i].abs() * 1e-3;
                    assert!(
                        (fd - hess[i][k]).abs() <= 1e-5 * scale,
                        "{}: H[{i}][{k}] at {p:?}: analytic {} vs difference {fd}",
                        kind,
                        hess[i][k]
                    );
                }
            }
        }
    }
}

#[test]
fn minima_are_stationary_with_the_stated_value() {
    for (kind, s) in all_default() {
        let minima = s.minima();
        assert!(!minima.is_empty(), "{} lists no minimum", kind);
        let f_star = s.min_value().expect("default surfaces are bounded below");
        let global = minima[0];
        assert!(
            (s.value2(global) - f_star).abs() < 1e-9,
            "{}: f at its global minimum is {} not {f_star}",
            kind,
            s.value2(global)
        );
        for m in minima {
            let g = s.grad2(m);
            assert!(g[0].hypot(g[1]) < 1e-9, "{}: ∇f at {m:?} is {g:?}", kind);
            let (lo, _) = eigenvalues(s.hess2(m));
            assert!(lo > 0.0, "{}: {m:?} is not a minimum", kind);
            assert!(s.value2(m) >= f_star - 1e-12);
        }
    }
}

#[test]
fn saddles_are_stationary_and_indefinite() {
    for (kind, s) in all_default() {
        for p in s.saddles() {
            let g = s.grad2(p);
            assert!(g[0].hypot(g[1]) < 1e-12, "{}: ∇f at {p:?}", kind);
            let (lo, hi) = eigenvalues(s.hess2(p));
            assert!(lo < 0.0 && hi > 0.0, "{}: {p:?} is not a saddle", kind);
        }
    }
}

#[test]
fn bowl_local_minimum_is_shallow_and_above_the_global_one() {
    let s = bowl::BOWL.build_default().unwrap();
    let [global, local] = [s.minima()[0], s.minima()[1]];
    assert_eq!(global, [-1.0, 0.0]);
    assert_eq!(local, [1.2, 0.0]);
    let barrier = s.value2([0.6, 0.0]);
    assert!(
        s.value2(local) > 0.1,
        "the local minimum must sit visibly higher"
    );
    assert!(
        barrier - s.value2(local) < 0.1,
        "the local dip must be shallow"
    );
}

#[test]
fn default_start_lies_inside_the_window() {
    for (kind, s) in all_default() {
        let [x, y] = s.default_start();
        let w = s.window();
        assert!(
            w.x[0] < x && x < w.x[1] && w.y[0] < y && y < w.y[1],
            "{}",
            kind
        );
    }
}

#[test]
fn every_kind_builds_from_its_defaults_and_keys_are_unique() {
    for kind in crate::core::registry::built_in_surfaces() {
        assert!(kind.build_default().is_some(), "{}", kind.name);
        for (i, key) in kind.keys.iter().enumerate() {
            assert!(
                kind.keys[..i].iter().all(|k| k.name != key.name),
                "{}: {} twice",
                kind.name,
                key.name
            );
            assert!(
                !key.doc.is_empty(),
                "{}.{} is not documented",
                kind.name,
                key.name
            );
        }
    }
}

#[test]
fn sampled_rows_are_the_values_at_those_points() {
    for (kind, s) in all_default() {
        let mut row = [0.0; 7];
        s.sample_row(0.3, -1.0, 0.25, &mut row);
        for (i, v) in row.iter().enumerate() {
            assert_eq!(
                v.to_bits(),
                s.value2([-1.0 + i as f64 * 0.25, 0.3]).to_bits(),
                "{kind}"
            );
        }
    }
}
