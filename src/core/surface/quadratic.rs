//! The lecture's elongated bowl, or any quadratic: f = ½ (p−c)ᵀ A (p−c).

use std::sync::Arc;

use super::{
    Built, Point, Surface, SurfaceKind, Window, coef, eigenvalues, is_positive_definite, num,
};
use crate::core::spec::{Default, Key, KeyType, Legend, Range, Settings};

/// ½ (p−c)ᵀ A (p−c) with A symmetric.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadratic {
    /// A, symmetric.
    pub matrix: [[f64; 2]; 2],
    /// c, the stationary point.
    pub center: Point,
}

impl Surface for Quadratic {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let (a, center) = (self.matrix, self.center);
        let (dx, dy) = (x - center[0], y - center[1]);
        0.5 * (a[0][0] * dx * dx + (a[0][1] + a[1][0]) * dx * dy + a[1][1] * dy * dy)
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let (a, center) = (self.matrix, self.center);
        let (dx, dy) = (x - center[0], y - center[1]);
        // The matrix is symmetric (checked on input), so ∇ = A (p − c).
        [a[0][0] * dx + a[0][1] * dy, a[1][0] * dx + a[1][1] * dy]
    }

    fn hess2(&self, _: Point) -> [[f64; 2]; 2] {
        self.matrix
    }

    fn formula(&self) -> String {
        let (matrix, center) = (self.matrix, self.center);
        let p = if center == [0.0, 0.0] {
            "p".to_string()
        } else {
            format!("(p − ({}, {}))", num(center[0]), num(center[1]))
        };
        if matrix[0][1] == 0.0 {
            let shifted = |v: &str, c: f64| {
                if c == 0.0 {
                    v.to_string()
                } else {
                    format!("({v} − {})", num(c))
                }
            };
            format!(
                "f = ½·({}{}² + {}{}²)",
                coef(matrix[0][0]),
                shifted("x", center[0]),
                coef(matrix[1][1]),
                shifted("y", center[1])
            )
        } else {
            format!(
                "f = ½·{p}ᵀ A {p},  A = [[{}, {}], [{}, {}]]",
                num(matrix[0][0]),
                num(matrix[0][1]),
                num(matrix[1][0]),
                num(matrix[1][1])
            )
        }
    }

    fn window(&self) -> Window {
        // Wide enough for the default start and the zigzag across the narrow axis.
        let center = self.center;
        Window {
            x: [center[0] - 3.5, center[0] + 3.5],
            y: [center[1] - 2.5, center[1] + 2.5],
        }
    }

    fn default_start(&self) -> Point {
        [self.center[0] - 3.0, self.center[1] + 2.0]
    }

    fn minima(&self) -> Vec<Point> {
        if is_positive_definite(self.matrix) {
            vec![self.center]
        } else {
            Vec::new()
        }
    }

    fn saddles(&self) -> Vec<Point> {
        let (lo, hi) = eigenvalues(self.matrix);
        if lo < 0.0 && hi > 0.0 {
            vec![self.center]
        } else {
            Vec::new()
        }
    }

    fn min_value(&self) -> Option<f64> {
        is_positive_definite(self.matrix).then_some(0.0)
    }
}

const KEYS: [Key; 2] = [
    Key {
        name: "matrix",
        ty: KeyType::Matrix,
        default: Default::Matrix([[1.0, 0.0], [0.0, 20.0]]),
        doc: "A, symmetric 2×2; its eigenvalues are the curvatures",
        legend: Legend::Changed,
    },
    Key::pair("center", [0.0, 0.0], Range::Any, "c, the minimum"),
];

fn build(s: &Settings) -> Built {
    Ok(Arc::new(Quadratic {
        matrix: s.matrix("matrix"),
        center: s.pair("center"),
    }))
}

/// The `quadratic` kind.
pub const QUADRATIC: SurfaceKind = SurfaceKind {
    name: "quadratic",
    about: "the lecture's elongated bowl: SGD zigzags across it and crawls along it",
    keys: &KEYS,
    needs_start: false,
    build,
    example: || QUADRATIC.defaults(),
};
