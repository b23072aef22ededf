//! A bowl with a shallow local minimum in the way of the global one.

use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window, coef, num};
use crate::core::spec::{Invalid, Key, Range, Settings};

/// h(x) + ½·curvature·y², where h′(x) = (x−global)(x−barrier)(x−local): a minimum at
/// `global`, a shallow one at `local`, a ridge at `barrier` between them. Shifted so the
/// global minimum has value 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Bowl {
    /// x of the global minimum.
    pub global: f64,
    /// x of the ridge between the minima.
    pub barrier: f64,
    /// x of the shallow local minimum.
    pub local: f64,
    /// Curvature along y.
    pub curvature: f64,
}

impl Surface for Bowl {
    #[inline]
    fn value2(&self, [x, y]: Point) -> f64 {
        let (g, _) = self.minima_order();
        self.raw(x) - self.raw(g) + 0.5 * self.curvature * y * y
    }

    #[inline]
    fn grad2(&self, [x, y]: Point) -> Point {
        let Bowl {
            global,
            barrier,
            local,
            curvature,
        } = *self;
        [(x - global) * (x - barrier) * (x - local), curvature * y]
    }

    fn hess2(&self, [x, _]: Point) -> [[f64; 2]; 2] {
        let Bowl {
            global,
            barrier,
            local,
            curvature,
        } = *self;
        // d/dx of (x−r1)(x−r2)(x−r3).
        let h =
            (x - barrier) * (x - local) + (x - global) * (x - local) + (x - global) * (x - barrier);
        [[h, 0.0], [0.0, curvature]]
    }

    fn formula(&self) -> String {
        format!(
            "f = h(x) + {}y²,  h′ = (x − {})(x − {})(x − {})",
            coef(self.curvature / 2.0),
            num(self.global),
            num(self.barrier),
            num(self.local)
        )
        .replace("− -", "+ ")
    }

    fn window(&self) -> Window {
        let lo = self.global.min(self.local);
        let hi = self.global.max(self.local);
        let span = (hi - lo).max(1e-3);
        Window {
            x: [lo - 0.6 * span, hi + 0.6 * span],
            y: [-0.6 * span, 0.6 * span],
        }
    }

    fn default_start(&self) -> Point {
        // Beyond the shallow minimum, on the far side from the global one.
        let span = self.local - self.global;
        [self.local + 0.55 * span, 0.4 * span.abs()]
    }

    fn minima(&self) -> Vec<Point> {
        let (g, l) = self.minima_order();
        vec![[g, 0.0], [l, 0.0]]
    }

    fn saddles(&self) -> Vec<Point> {
        vec![[self.barrier, 0.0]]
    }

    fn min_value(&self) -> Option<f64> {
        Some(0.0)
    }
}

impl Bowl {
    /// Of the two minima, which is the global one (lower h) comes first.
    fn minima_order(&self) -> (f64, f64) {
        if self.raw(self.global) <= self.raw(self.local) {
            (self.global, self.local)
        } else {
            (self.local, self.global)
        }
    }

    /// ∫h′ without the shift that puts the global minimum at 0.
    fn raw(&self, x: f64) -> f64 {
        let (r1, r2, r3) = (self.global, self.barrier, self.local);
        // Elementary symmetric sums: (x−r1)(x−r2)(x−r3) = x³ − s1x² + s2x − s3.
        let (s1, s2, s3) = (r1 + r2 + r3, r1 * r2 + r1 * r3 + r2 * r3, r1 * r2 * r3);
        x * x * x * x / 4.0 - s1 * x * x * x / 3.0 + s2 * x * x / 2.0 - s3 * x
    }
}

const KEYS: [Key; 4] = [
    Key::number("global", -1.0, Range::Any, "x of the global minimum"),
    Key::number(
        "barrier",
        0.6,
        Range::Any,
        "x of the ridge between the minima (strictly between them)",
    ),
    Key::number("local", 1.2, Range::Any, "x of the shallow local minimum"),
    Key::number("curvature", 2.0, Range::Positive, "curvature along y"),
];

fn build(s: &Settings) -> Built {
    let (g, b, l) = (s.number("global"), s.number("barrier"), s.number("local"));
    let between = (g < b && b < l) || (l < b && b < g);
    if !between {
        return Err(Box::new(Invalid {
            key: "barrier",
            also: &["global", "local"],
            point_at: &[],
            expected: "`barrier` strictly between `global` and `local`".to_string(),
            found: None,
            note: None,
            at: None,
        }));
    }
    Ok(Arc::new(Bowl {
        global: g,
        barrier: b,
        local: l,
        curvature: s.number("curvature"),
    }))
}

/// The `bowl` kind.
pub const BOWL: SurfaceKind = SurfaceKind {
    name: "bowl",
    about: "a shallow local minimum before the global one: SGD stops there, momentum rolls on",
    keys: &KEYS,
    needs_start: false,
    build,
    example: || BOWL.defaults(),
};
