//! Beale's function: flat plateaus and steep ridges.

use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window};
use crate::core::spec::Settings;

/// (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².
#[derive(Debug, Clone, PartialEq)]
pub struct Beale;

impl Surface for Beale {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let t1 = 1.5 - x + x * y;
        let t2 = 2.25 - x + x * y * y;
        let t3 = 2.625 - x + x * y * y * y;
        t1 * t1 + t2 * t2 + t3 * t3
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let (y2, y3) = (y * y, y * y * y);
        let t = [1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3];
        let dx = [y - 1.0, y2 - 1.0, y3 - 1.0];
        let dy = [x, 2.0 * x * y, 3.0 * x * y2];
        [
            2.0 * (t[0] * dx[0] + t[1] * dx[1] + t[2] * dx[2]),
            2.0 * (t[0] * dy[0] + t[1] * dy[1] + t[2] * dy[2]),
        ]
    }

    fn hess2(&self, [x, y]: Point) -> [[f64; 2]; 2] {
        let (y2, y3) = (y * y, y * y * y);
        let t = [1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3];
        let dx = [y - 1.0, y2 - 1.0, y3 - 1.0];
        let dy = [x, 2.0 * x * y, 3.0 * x * y2];
        // Second derivatives of each term: t_xx = 0, t_xy = i·y^(i−1), t_yy = i(i−1)·x·y^(i−2).
        let dxy = [1.0, 2.0 * y, 3.0 * y2];
        let dyy = [0.0, 2.0 * x, 6.0 * x * y];
        let mut h = [[0.0; 2]; 2];
        for i in 0..3 {
            h[0][0] += 2.0 * dx[i] * dx[i];
            h[0][1] += 2.0 * (dx[i] * dy[i] + t[i] * dxy[i]);
            h[1][1] += 2.0 * (dy[i] * dy[i] + t[i] * dyy[i]);
        }
        h[1][0] = h[0][1];
        h
    }

    fn formula(&self) -> String {
        "f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²".to_string()
    }

    fn window(&self) -> Window {
        Window {
            x: [-4.5, 4.5],
            y: [-4.5, 4.5],
        }
    }

    fn default_start(&self) -> Point {
        [1.0, 1.4]
    }

    fn minima(&self) -> Vec<Point> {
        vec![[3.0, 0.5]]
    }

    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

fn build(_: &Settings) -> Built {
    Ok(Arc::new(Beale))
}

/// The `beale` kind.
pub const BEALE: SurfaceKind = SurfaceKind {
    name: "beale",
    about: "flat plateaus and steep ridges around one minimum",
    keys: &[],
    needs_start: false,
    build,
    example: || BEALE.defaults(),
};
