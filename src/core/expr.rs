//! User-written surfaces: a formula in x and y with its exact gradient and Hessian.
//!
//! ```
//! use optplay::core::expr::Expression;
//!
//! let f = Expression::parse("x^2 - 0.5*y^2 + 0.25*y^4").unwrap();
//! assert_eq!(f.value([1.0, 0.0]), 1.0);
//! assert_eq!(f.gradient([1.0, 0.0]), [2.0, 0.0]);
//! assert_eq!(f.hessian([0.0, 0.0]), [[2.0, 0.0], [0.0, -1.0]]);
//! ```
//!
//! How it works, and why this way:
//! - `syntax` reads the formula itself (columns and hints for mistakes, the usual
//!   precedence, limits on length and nesting checked before anything recurses) into a tree.
//! - `tree` differentiates the tree symbolically, exactly, under a size budget, and writes
//!   each formula as text for exmex.
//! - `engine` evaluates those texts with exmex's flat expressions.
//!
//! exmex can differentiate too, but it is not used for that here. Measured with exmex 0.21:
//! its second derivative of a product of 25 factors takes 0.6 s, of 50 factors 13 s and of
//! 100 factors over 3 minutes (release build); a product of 50 factors overflows an 8 MiB
//! stack and the second derivatives of `sqrt(1 + x^2 + 2*y^2)` a 2 MiB one; it has no rule
//! for `abs`; and its parser reads `-x^2` as `(-x)^2`. The differentiator here is about 150
//! lines, refuses derivatives past [`MAX_DERIVATIVE_NODES`] as they grow, and the tests
//! check it against exmex's own derivatives, central finite differences and hand-derived
//! formulas.
//!
//! Exactness: a formula is evaluated as written, operator by operator from left to right
//! (`a*b/c` is `(a*b)/c`, `x + 0.1 + 0.2` is `(x + 0.1) + 0.2`), a square `u^2` is the one
//! rounded product `u*u`, other powers are `powf`, and constant parts (`2*pi`) are folded to
//! the double evaluation would give. So a formula written like a hand-coded surface gives the
//! same doubles; one written differently (`100*(y - x^2)^2` against Rust's `b * v * v`) may
//! differ in the last bit.

mod critical;
mod engine;
mod syntax;
mod tree;

use std::fmt;

pub use critical::critical_points;
pub use syntax::{MAX_CHARS, MAX_DEPTH, MAX_NESTING};

use engine::Compiled;
use tree::{Budget, TooLarge, Var};

/// Most nodes a first or second derivative may have: it bounds the cost of evaluating it.
pub const MAX_DERIVATIVE_NODES: usize = 20_000;

/// Deepest a derivative's tree may be, which bounds every recursive walk over it: the next
/// derivative takes about 1.2 KB of stack a level in a debug build, so a thread's default
/// 2 MiB holds it with room to spare. Real formulas stay far below (Goldstein–Price's second
/// derivatives are 13 deep).
const MAX_DERIVATIVE_DEPTH: usize = 1_000;

/// A mistake in a formula, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message} ({hint})")]
pub struct ExprError {
    /// 1-based column, in characters, inside the formula (a newline counts as one).
    pub column: usize,
    /// How many characters the mistake spans, at least 1 (for underlining).
    pub width: usize,
    /// What is wrong, e.g. "unknown variable 'z'".
    pub message: String,
    /// What to do, e.g. "variables are x and y".
    pub hint: String,
}

/// A parsed formula in x and y, ready to evaluate with its exact gradient and Hessian.
///
/// Cheap to share: `Send + Sync`, and every method takes `&self`. Where the formula is
/// undefined (the log of a negative number, a division by zero) the results are NaN or
/// infinite, never a panic.
#[derive(Clone)]
pub struct Expression {
    text: String,
    value: Compiled,
    gradient: [Compiled; 2],
    /// ∂²/∂x², ∂²/∂x∂y, ∂²/∂y².
    hessian: [Compiled; 3],
}

impl Expression {
    /// Parses a formula: numbers (`1`, `0.5`, `1e-3`), `x`, `y`, `pi`, `e`, `+ - * / ^` with
    /// the usual precedence (`^` first and to the right, `-x^2` is `-(x^2)`), parentheses,
    /// and the functions sin cos tan exp log sqrt abs tanh sinh cosh atan (`log` is natural).
    pub fn parse(text: &str) -> Result<Expression, ExprError> {
        let tree = syntax::parse(text)?;
        let budget = Budget {
            nodes: MAX_DERIVATIVE_NODES,
            depth: MAX_DERIVATIVE_DEPTH,
        };
        let too_large = |_: TooLarge| ExprError {
            column: 1,
            width: text.chars().count().max(1),
            message: format!(
                "the formula's derivatives are too large (more than {MAX_DERIVATIVE_NODES} operations)"
            ),
            hint: "write a shorter formula, e.g. with fewer factors multiplied together".into(),
        };
        let fx = tree.derivative(Var::X, budget).map_err(too_large)?;
        let fy = tree.derivative(Var::Y, budget).map_err(too_large)?;
        let fxx = fx.derivative(Var::X, budget).map_err(too_large)?;
        let fxy = fx.derivative(Var::Y, budget).map_err(too_large)?;
        let fyy = fy.derivative(Var::Y, budget).map_err(too_large)?;
        let compile = |t: &tree::Tree| {
            Compiled::new(t).map_err(|reason| ExprError {
                column: 1,
                width: 1,
                message: format!("internal error: {reason}"),
                hint: "please report this formula".into(),
            })
        };
        Ok(Expression {
            text: text.to_string(),
            value: compile(&tree)?,
            gradient: [compile(&fx)?, compile(&fy)?],
            hessian: [compile(&fxx)?, compile(&fxy)?, compile(&fyy)?],
        })
    }

    /// The formula as it was given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// f(x, y).
    #[inline]
    pub fn value(&self, p: [f64; 2]) -> f64 {
        self.value.eval(p)
    }

    /// ∇f(x, y).
    #[inline]
    pub fn gradient(&self, p: [f64; 2]) -> [f64; 2] {
        [self.gradient[0].eval(p), self.gradient[1].eval(p)]
    }

    /// The Hessian at (x, y), row-major and symmetric (∂²f/∂x∂y is computed once).
    #[inline]
    pub fn hessian(&self, p: [f64; 2]) -> [[f64; 2]; 2] {
        let [xx, xy, yy] = &self.hessian;
        let xy = xy.eval(p);
        [[xx.eval(p), xy], [xy, yy.eval(p)]]
    }
}

/// Shows the formula and its derivatives as exmex evaluates them.
impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expression")
            .field("text", &self.text)
            .field("f", &self.value.text())
            .field("f_x", &self.gradient[0].text())
            .field("f_y", &self.gradient[1].text())
            .field("f_xx", &self.hessian[0].text())
            .field("f_xy", &self.hessian[1].text())
            .field("f_yy", &self.hessian[2].text())
            .finish()
    }
}

/// The formula as it was given.
impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Two expressions are equal when their formulas are the same text.
impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Expression {}

#[cfg(test)]
mod tests;
