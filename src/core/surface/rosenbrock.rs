//! Rosenbrock's banana: f = (a−x)² + b·(y−x²)².

use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window, coef, num};
use crate::core::spec::{Key, Range, Settings};

/// (a−x)² + b·(y−x²)².
#[derive(Debug, Clone, PartialEq)]
pub struct Rosenbrock {
    /// The minimum is at (a, a²).
    pub a: f64,
    /// Steepness of the valley's walls.
    pub b: f64,
}

/// Each derivative is computed operation for operation as the formula
/// `(a - x)^2 + b*(y - x^2)^2` differentiates (see `core::expr`), so Rosenbrock written as an
/// `expr` surface gives the same doubles and the same trajectories as this one.
impl Surface for Rosenbrock {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let u = self.a - x;
        let v = y - x * x;
        u * u + self.b * (v * v)
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let Rosenbrock { a, b } = *self;
        let v = y - x * x;
        [
            -(2.0 * (a - x)) + b * ((2.0 * v) * -(2.0 * x)),
            b * (2.0 * v),
        ]
    }

    fn hess2(&self, [x, y]: Point) -> [[f64; 2]; 2] {
        let b = self.b;
        let v = y - x * x;
        let xy = b * (2.0 * -(2.0 * x));
        [
            [
                2.0 + b * ((2.0 * -(2.0 * x)) * -(2.0 * x) + (2.0 * v) * -2.0),
                xy,
            ],
            [xy, 2.0 * b],
        ]
    }

    fn formula(&self) -> String {
        format!("f = ({} − x)² + {}(y − x²)²", num(self.a), coef(self.b))
    }

    fn window(&self) -> Window {
        let a = self.a;
        Window {
            x: [-2.0 * a.abs().max(1.0), 2.0 * a.abs().max(1.0)],
            y: [-1.0, 3.0 * (a * a).max(1.0)],
        }
    }

    fn default_start(&self) -> Point {
        [-1.2, 1.0]
    }

    fn minima(&self) -> Vec<Point> {
        vec![[self.a, self.a * self.a]]
    }

    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

const KEYS: [Key; 2] = [
    Key::number("a", 1.0, Range::Any, "the minimum is at (a, a²)"),
    Key::number(
        "b",
        100.0,
        Range::Positive,
        "steepness of the valley's walls",
    ),
];

fn build(s: &Settings) -> Built {
    Ok(Arc::new(Rosenbrock {
        a: s.number("a"),
        b: s.number("b"),
    }))
}

/// The `rosenbrock` kind.
pub const ROSENBROCK: SurfaceKind = SurfaceKind {
    name: "rosenbrock",
    about: "a curved valley with a flat floor (the banana function)",
    keys: &KEYS,
    needs_start: false,
    build,
    example: || ROSENBROCK.defaults(),
};
