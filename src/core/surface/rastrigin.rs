//! Rastrigin's function: a grid of local minima around the global one.

use std::f64::consts::PI;
use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window, coef, num};
use crate::core::spec::{Key, Range, Settings};

/// 2a + Σ (xᵢ² − a·cos 2πxᵢ).
#[derive(Debug, Clone, PartialEq)]
pub struct Rastrigin {
    /// Height of the ripples.
    pub a: f64,
}

impl Surface for Rastrigin {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let a = self.a;
        2.0 * a + x * x - a * (2.0 * PI * x).cos() + y * y - a * (2.0 * PI * y).cos()
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let a = self.a;
        [
            2.0 * x + 2.0 * PI * a * (2.0 * PI * x).sin(),
            2.0 * y + 2.0 * PI * a * (2.0 * PI * y).sin(),
        ]
    }

    fn hess2(&self, [x, y]: Point) -> [[f64; 2]; 2] {
        let k = 4.0 * PI * PI * self.a;
        [
            [2.0 + k * (2.0 * PI * x).cos(), 0.0],
            [0.0, 2.0 + k * (2.0 * PI * y).cos()],
        ]
    }

    fn formula(&self) -> String {
        format!(
            "f = {} + x² + y² − {}(cos 2πx + cos 2πy)",
            num(2.0 * self.a),
            coef(self.a)
        )
    }

    fn window(&self) -> Window {
        Window {
            x: [-5.12, 5.12],
            y: [-5.12, 5.12],
        }
    }

    fn default_start(&self) -> Point {
        [2.2, 2.7]
    }

    fn minima(&self) -> Vec<Point> {
        vec![[0.0, 0.0]]
    }

    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

const KEYS: [Key; 1] = [Key::number(
    "a",
    10.0,
    Range::Positive,
    "height of the ripples",
)];

fn build(s: &Settings) -> Built {
    Ok(Arc::new(Rastrigin { a: s.number("a") }))
}

/// The `rastrigin` kind.
pub const RASTRIGIN: SurfaceKind = SurfaceKind {
    name: "rastrigin",
    about: "a grid of local minima around the global one at the origin",
    keys: &KEYS,
    needs_start: false,
    build,
    example: || RASTRIGIN.defaults(),
};
