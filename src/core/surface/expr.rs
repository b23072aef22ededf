//! A surface the user writes: `kind = "expr"`, a formula in x and y, its window, and the
//! minima (and saddles) found numerically when not given.

use std::sync::Arc;

use super::{Built, Point, Surface, SurfaceKind, Window};
use crate::core::expr::{Expression, critical_points};
use crate::core::spec::{Default, Invalid, Key, KeyType, Legend, Settings, Value};

/// A formula with its exact derivatives, over a window the user chose.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprSurface {
    /// The formula.
    pub expression: Expression,
    /// Where the plots look (the formula says nothing of where it is interesting).
    pub window: Window,
    /// Given, or found numerically over the window; the lowest first.
    pub minima: Vec<Point>,
    /// Given, or found numerically over the window.
    pub saddles: Vec<Point>,
    /// The lowest value of the minima, when no point of the window goes lower.
    pub min_value: Option<f64>,
}

impl Surface for ExprSurface {
    fn value2(&self, p: Point) -> f64 {
        self.expression.value(p)
    }

    fn grad2(&self, p: Point) -> Point {
        self.expression.gradient(p)
    }

    fn hess2(&self, p: Point) -> [[f64; 2]; 2] {
        self.expression.hessian(p)
    }

    fn formula(&self) -> String {
        format!("f = {}", self.expression.text())
    }

    fn window(&self) -> Window {
        self.window
    }

    /// The window's centre: an expression surface has no start of its own (experiments must
    /// give one), but `play` and `init` need somewhere to begin.
    fn default_start(&self) -> Point {
        [
            0.5 * (self.window.x[0] + self.window.x[1]),
            0.5 * (self.window.y[0] + self.window.y[1]),
        ]
    }

    fn minima(&self) -> Vec<Point> {
        self.minima.clone()
    }

    fn saddles(&self) -> Vec<Point> {
        self.saddles.clone()
    }

    fn min_value(&self) -> Option<f64> {
        self.min_value
    }
}

/// The lowest value among `minima`, unless a point of a grid over the window is lower still
/// (the surface then goes below every minimum we know of: its minimum value is not known).
fn lowest_minimum(expression: &Expression, window: Window, minima: &[Point]) -> Option<f64> {
    let lowest = minima
        .iter()
        .map(|&m| expression.value(m))
        .filter(|v| v.is_finite())
        .fold(None, |low: Option<f64>, v| {
            Some(low.map_or(v, |l| l.min(v)))
        })?;
    const SAMPLES: usize = 64;
    let at = |range: [f64; 2], i: usize| {
        range[0] + (range[1] - range[0]) * i as f64 / (SAMPLES - 1) as f64
    };
    let below = (0..SAMPLES).any(|i| {
        (0..SAMPLES).any(|j| {
            let v = expression.value([at(window.x, i), at(window.y, j)]);
            v < lowest - 1e-9 * (1.0 + lowest.abs())
        })
    });
    (!below).then_some(lowest)
}

const KEYS: [Key; 4] = [
    Key {
        name: "f",
        ty: KeyType::Text,
        default: Default::Required,
        doc: "the formula in x and y: + - * / ^, ( ), sin cos tan exp log sqrt abs tanh sinh cosh atan, pi, e",
        legend: Legend::Never,
    },
    Key {
        name: "window",
        ty: KeyType::Window,
        default: Default::Required,
        doc: "[[x_min, x_max], [y_min, y_max]]: where the plots look",
        legend: Legend::Never,
    },
    Key {
        name: "minima",
        ty: KeyType::Points,
        default: Default::Absent {
            meaning: "found numerically over the window",
        },
        doc: "the minima to mark, the lowest first",
        legend: Legend::Never,
    },
    Key {
        name: "saddles",
        ty: KeyType::Points,
        default: Default::Absent {
            meaning: "found numerically over the window",
        },
        doc: "the saddle points to mark",
        legend: Legend::Never,
    },
];

fn build(s: &Settings) -> Built {
    let expression = Expression::parse(s.text("f")).map_err(|e| {
        Box::new(Invalid {
            key: "f",
            also: &[],
            point_at: &[],
            expected: "a formula in x and y".to_string(),
            found: Some(format!(
                "{} (column {} of the formula)",
                e.message, e.column
            )),
            note: Some(e.hint.into()),
            at: u32::try_from(e.column.saturating_sub(1)).ok(),
        })
    })?;
    let [x, y] = s.window("window").unwrap_or([[-2.0, 2.0], [-2.0, 2.0]]);
    let window = Window { x, y };
    let found = || critical_points(&expression, [x, y]);
    let (minima, saddles) = match (s.points("minima"), s.points("saddles")) {
        (Some(m), Some(sd)) => (m.to_vec(), sd.to_vec()),
        (Some(m), None) => (m.to_vec(), found().1),
        (None, Some(sd)) => (found().0, sd.to_vec()),
        (None, None) => found(),
    };
    let min_value = lowest_minimum(&expression, window, &minima);
    Ok(Arc::new(ExprSurface {
        expression,
        window,
        minima,
        saddles,
        min_value,
    }))
}

/// The `expr` kind: your own function.
pub const EXPR: SurfaceKind = SurfaceKind {
    name: "expr",
    about: "your own function: a formula in x and y, with exact gradient and Hessian",
    keys: &KEYS,
    needs_start: true,
    build,
    example,
};

/// Rosenbrock written as a formula, over its usual window: what `init --surface expr` starts
/// from.
fn example() -> Settings {
    let mut s = EXPR.defaults();
    s.set("f", Value::Text("(1 - x)^2 + 100*(y - x^2)^2".into()));
    s.set("window", Value::Window([[-2.0, 2.0], [-1.0, 3.0]]));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(f: &str) -> Settings {
        let mut s = EXPR.defaults();
        s.set("f", Value::Text(f.into()));
        s.set("window", Value::Window([[-2.0, 2.0], [-1.5, 1.5]]));
        s
    }

    #[test]
    fn minima_and_saddles_are_found_when_not_given() {
        let surface = build(&settings("x^2 - 0.5*y^2 + 0.25*y^4")).unwrap();
        let minima = surface.minima();
        assert_eq!(minima.len(), 2);
        for m in &minima {
            assert!(
                m[0].abs() < 1e-9 && (m[1].abs() - 1.0).abs() < 1e-9,
                "{m:?}"
            );
        }
        assert_eq!(surface.saddles().len(), 1);
        assert!((surface.min_value().unwrap() + 0.25).abs() < 1e-12);
    }

    #[test]
    fn given_minima_are_kept_and_an_unbounded_formula_has_no_minimum_value() {
        let mut s = settings("x^2 - y^2");
        s.set("minima", Value::Points(vec![[0.0, 0.0]]));
        let surface = build(&s).unwrap();
        assert_eq!(surface.minima(), [[0.0, 0.0]]);
        assert_eq!(surface.min_value(), None, "the window goes below f(0, 0)");
    }

    #[test]
    fn a_mistake_in_the_formula_names_its_column() {
        let e = build(&settings("x^2 + z")).unwrap_err();
        assert_eq!(e.key, "f");
        assert_eq!(e.at, Some(6));
        assert_eq!(e.note.as_deref(), Some("variables are x and y"), "{e:?}");
    }

    /// Rosenbrock written as a formula steps like the built-in Rosenbrock, for every
    /// optimizer at its default learning rate: the built-in computes its derivatives in the
    /// order the formula's are computed, so the runs are the same to the last bit (the issue
    /// asks for 1e-9; any difference at all would show a change of evaluation order).
    #[test]
    fn rosenbrock_as_a_formula_gives_the_built_in_trajectory_for_every_optimizer() {
        use crate::core::registry::{self, OPTIMIZERS};
        use crate::core::{Cancel, Limits, RunSpec, Schedule, run};

        let mut s = EXPR.defaults();
        s.set("f", Value::Text("(1 - x)^2 + 100*(y - x^2)^2".into()));
        s.set("window", Value::Window([[-2.0, 2.0], [-1.0, 3.0]]));
        let formula = build(&s).unwrap();
        let built_in = registry::default_surface("rosenbrock").unwrap();
        let start = ndarray::array![-1.2, 1.0];
        let limits = Limits {
            steps: 200,
            tolerance: None,
        };
        for kind in OPTIMIZERS {
            let spec = RunSpec {
                optimizer: (kind.build)(&kind.defaults()),
                schedule: Schedule::Constant,
                lr: kind.default_lr("rosenbrock"),
            };
            let ours = run(&formula, None, &spec, start.view(), limits, &Cancel::new());
            let theirs = run(&built_in, None, &spec, start.view(), limits, &Cancel::new());
            assert_eq!(ours.status, theirs.status, "{}", kind.name);
            assert_eq!(ours.len(), theirs.len(), "{}", kind.name);
            assert_eq!(ours.points, theirs.points, "{}", kind.name);
            assert_eq!(ours.evaluations, theirs.evaluations, "{}", kind.name);
        }
    }
}
