//! Evaluation by exmex: a tree is written as text and parsed into exmex's flat expression,
//! which evaluates without recursion or allocation for formulas of up to 32 operands.

use exmex::prelude::*;
use exmex::{BinOp, MakeOperators, Operator};

use super::tree::{Func, Op, Tree};

/// The operators exmex knows here. Their functions are the ones constant folding uses
/// ([`Op::apply`], [`Func::apply`]), so a folded constant equals its evaluated value; the
/// priorities are exmex's defaults, which [`Tree::exmex_text`] writes for. `ln` is there only
/// for exmex's own derivatives of `^`, which the tests compare with ours.
#[derive(Clone, Debug)]
pub(crate) struct Ops;

fn binary(
    op: Op,
    apply: fn(f64, f64) -> f64,
    prio: i64,
    is_commutative: bool,
) -> Operator<'static, f64> {
    let name = match op {
        Op::Add => "+",
        Op::Sub => "-",
        Op::Mul => "*",
        Op::Div => "/",
        Op::Pow => "^",
    };
    let bin = BinOp {
        apply,
        prio,
        is_commutative,
    };
    match op {
        Op::Add => Operator::make_bin_unary(name, bin, |a| a),
        Op::Sub => Operator::make_bin_unary(name, bin, |a| -a),
        _ => Operator::make_bin(name, bin),
    }
}

impl MakeOperators<f64> for Ops {
    fn make<'a>() -> Vec<Operator<'a, f64>> {
        vec![
            binary(Op::Pow, |a, b| Op::Pow.apply(a, b), 4, false),
            binary(Op::Div, |a, b| Op::Div.apply(a, b), 3, false),
            binary(Op::Mul, |a, b| Op::Mul.apply(a, b), 2, true),
            binary(Op::Sub, |a, b| Op::Sub.apply(a, b), 1, false),
            binary(Op::Add, |a, b| Op::Add.apply(a, b), 0, true),
            Operator::make_unary(Func::Sin.name(), |a| Func::Sin.apply(a)),
            Operator::make_unary(Func::Cos.name(), |a| Func::Cos.apply(a)),
            Operator::make_unary(Func::Tan.name(), |a| Func::Tan.apply(a)),
            Operator::make_unary(Func::Exp.name(), |a| Func::Exp.apply(a)),
            Operator::make_unary(Func::Log.name(), |a| Func::Log.apply(a)),
            Operator::make_unary("ln", |a| Func::Log.apply(a)),
            Operator::make_unary(Func::Sqrt.name(), |a| Func::Sqrt.apply(a)),
            Operator::make_unary(Func::Abs.name(), |a| Func::Abs.apply(a)),
            Operator::make_unary(Func::Tanh.name(), |a| Func::Tanh.apply(a)),
            Operator::make_unary(Func::Sinh.name(), |a| Func::Sinh.apply(a)),
            Operator::make_unary(Func::Cosh.name(), |a| Func::Cosh.apply(a)),
            Operator::make_unary(Func::Atan.name(), |a| Func::Atan.apply(a)),
            Operator::make_unary(Func::Sign.name(), |a| Func::Sign.apply(a)),
        ]
    }
}

/// exmex's flat expression over [`Ops`].
pub(crate) type Flat = FlatEx<f64, Ops>;

/// Which of x and y the flat expression takes: exmex counts only the variables that occur,
/// in alphabetical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Args {
    None,
    X,
    Y,
    Xy,
}

/// One formula (the surface or one of its derivatives), ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Boxed: exmex keeps up to 32 operands and operators inline, which makes a flat
    /// expression about 20 KB, too much to move around on the stack six at a time.
    flat: Box<Flat>,
    args: Args,
}

impl Compiled {
    /// Writes the tree as text and lets exmex parse it. Fails only if exmex refuses the text,
    /// which would be a bug in the writer.
    pub(crate) fn new(tree: &Tree) -> Result<Compiled, String> {
        let text = tree.exmex_text();
        let flat =
            Box::new(Flat::parse(&text).map_err(|e| format!("exmex refused `{text}`: {e}"))?);
        let args = match flat.var_names() {
            [] => Args::None,
            [v] if v == "x" => Args::X,
            [v] if v == "y" => Args::Y,
            [a, b] if a == "x" && b == "y" => Args::Xy,
            other => return Err(format!("exmex read the variables {other:?} in `{text}`")),
        };
        Ok(Compiled { flat, args })
    }

    /// The value at (x, y). exmex fails only when the number of values passed does not match
    /// its variables, which `args` rules out; NaN stands in for that impossible case rather
    /// than a panic.
    #[inline]
    pub(crate) fn eval(&self, [x, y]: [f64; 2]) -> f64 {
        let result = match self.args {
            Args::None => self.flat.eval(&[]),
            Args::X => self.flat.eval(&[x]),
            Args::Y => self.flat.eval(&[y]),
            Args::Xy => self.flat.eval(&[x, y]),
        };
        result.unwrap_or(f64::NAN)
    }

    /// The text exmex parsed.
    pub(crate) fn text(&self) -> &str {
        self.flat.unparse()
    }
}
