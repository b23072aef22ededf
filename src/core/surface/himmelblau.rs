//! Himmelblau's function: four global minima.

use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window, refine_stationary};
use crate::core::spec::Settings;

/// (x² + y − 11)² + (x + y² − 7)².
#[derive(Debug, Clone, PartialEq)]
pub struct Himmelblau;

impl Surface for Himmelblau {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let u = x * x + y - 11.0;
        let v = x + y * y - 7.0;
        u * u + v * v
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let u = x * x + y - 11.0;
        let v = x + y * y - 7.0;
        [4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v]
    }

    fn hess2(&self, [x, y]: Point) -> [[f64; 2]; 2] {
        let xy = 4.0 * (x + y);
        [
            [12.0 * x * x + 4.0 * y - 42.0, xy],
            [xy, 12.0 * y * y + 4.0 * x - 26.0],
        ]
    }

    fn formula(&self) -> String {
        "f = (x² + y − 11)² + (x + y² − 7)²".to_string()
    }

    fn window(&self) -> Window {
        Window {
            x: [-5.0, 5.0],
            y: [-5.0, 5.0],
        }
    }

    fn default_start(&self) -> Point {
        [0.0, 0.0]
    }

    fn minima(&self) -> Vec<Point> {
        [
            [3.0, 2.0],
            [-2.805118, 3.131312],
            [-3.779310, -3.283186],
            [3.584428, -1.848126],
        ]
        .iter()
        .map(|&p| refine_stationary(self, p))
        .collect()
    }

    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

fn build(_: &Settings) -> Built {
    Ok(Arc::new(Himmelblau))
}

/// The `himmelblau` kind.
pub const HIMMELBLAU: SurfaceKind = SurfaceKind {
    name: "himmelblau",
    about: "four global minima: where a run ends depends on the method",
    keys: &[],
    needs_start: false,
    build,
    example: || HIMMELBLAU.defaults(),
};
