//! A saddle point between two minima: f = a·x² − b·y² + c·y⁴.

use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window, coef};
use crate::core::spec::{Key, Range, Settings};

/// a·x² − b·y² + c·y⁴.
#[derive(Debug, Clone, PartialEq)]
pub struct Saddle {
    /// Curvature along x.
    pub a: f64,
    /// Curvature along y at the origin (downwards).
    pub b: f64,
    /// The y⁴ term.
    pub c: f64,
}

impl Surface for Saddle {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let Saddle { a, b, c } = *self;
        a * x * x - b * y * y + c * y * y * y * y
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let Saddle { a, b, c } = *self;
        [2.0 * a * x, -2.0 * b * y + 4.0 * c * y * y * y]
    }

    fn hess2(&self, [_, y]: Point) -> [[f64; 2]; 2] {
        let Saddle { a, b, c } = *self;
        [[2.0 * a, 0.0], [0.0, -2.0 * b + 12.0 * c * y * y]]
    }

    fn formula(&self) -> String {
        let Saddle { a, b, c } = *self;
        if c == 0.0 {
            format!("f = {}x² − {}y²", coef(a), coef(b))
        } else {
            format!("f = {}x² − {}y² + {}y⁴", coef(a), coef(b), coef(c))
        }
    }

    fn window(&self) -> Window {
        let reach = self.reach();
        Window {
            x: [-1.5 * reach.max(1.0), 1.5 * reach.max(1.0)],
            y: [-1.6 * reach, 1.6 * reach],
        }
    }

    fn default_start(&self) -> Point {
        // On the ridge, a hair off it: exactly on it the gradient never leaves y = 0.
        [1.0, 0.001]
    }

    fn minima(&self) -> Vec<Point> {
        if self.c > 0.0 {
            let y = self.reach();
            vec![[0.0, y], [0.0, -y]]
        } else {
            Vec::new()
        }
    }

    fn saddles(&self) -> Vec<Point> {
        vec![[0.0, 0.0]]
    }

    fn min_value(&self) -> Option<f64> {
        let Saddle { b, c, .. } = *self;
        (c > 0.0).then(|| -b * b / (4.0 * c))
    }
}

impl Saddle {
    /// |y| of the minima, √(b/2c); 1 for the unbounded saddle.
    fn reach(&self) -> f64 {
        if self.c > 0.0 {
            (self.b / (2.0 * self.c)).sqrt()
        } else {
            1.0
        }
    }
}

const KEYS: [Key; 3] = [
    Key::number("a", 1.0, Range::Positive, "curvature along x (upwards)"),
    Key::number(
        "b",
        0.5,
        Range::Positive,
        "curvature along y at the origin (downwards)",
    ),
    Key::number(
        "c",
        0.25,
        Range::NonNegative,
        "the y⁴ term: minima at y = ±√(b/2c); 0 gives the unbounded saddle",
    ),
];

fn build(s: &Settings) -> Built {
    Ok(Arc::new(Saddle {
        a: s.number("a"),
        b: s.number("b"),
        c: s.number("c"),
    }))
}

/// The `saddle` kind.
pub const SADDLE: SurfaceKind = SurfaceKind {
    name: "saddle",
    about: "a saddle point at the origin between two minima: SGD crawls off the ridge",
    keys: &KEYS,
    needs_start: false,
    build,
    example: || SADDLE.defaults(),
};
