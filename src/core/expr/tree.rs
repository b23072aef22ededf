//! The formula as a tree: constant folding, exact symbolic derivatives, and the text exmex
//! evaluates.
//!
//! Every node knows its size and depth, so the derivatives can be refused as soon as they grow
//! past the budget, and no recursive walk ever goes deeper than the limits allow.

use std::fmt::Write as _;

/// A variable of the plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Var {
    X,
    Y,
}

/// The functions a formula may call, plus `Sign`, which only derivatives use (the derivative of
/// `abs(u)` is `sign(u)·u'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Sin,
    Cos,
    Tan,
    Exp,
    Log,
    Sqrt,
    Abs,
    Tanh,
    Sinh,
    Cosh,
    Atan,
    Sign,
}

/// The functions a user may write, in the order error hints list them.
pub(crate) const USER_FUNCS: [Func; 11] = [
    Func::Sin,
    Func::Cos,
    Func::Tan,
    Func::Exp,
    Func::Log,
    Func::Sqrt,
    Func::Abs,
    Func::Tanh,
    Func::Sinh,
    Func::Cosh,
    Func::Atan,
];

impl Func {
    /// The name in formulas and in the text handed to exmex.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Tanh => "tanh",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Atan => "atan",
            Func::Sign => "sign",
        }
    }

    /// The function a user may call by this name (`sign` is not one of them).
    pub(crate) fn from_user_name(name: &str) -> Option<Func> {
        USER_FUNCS.into_iter().find(|f| f.name() == name)
    }

    /// The function's value. Folding constants and exmex both call this, so a folded constant
    /// is bit for bit what evaluation would have computed.
    pub(crate) fn apply(self, a: f64) -> f64 {
        match self {
            Func::Sin => a.sin(),
            Func::Cos => a.cos(),
            Func::Tan => a.tan(),
            Func::Exp => a.exp(),
            Func::Log => a.ln(),
            Func::Sqrt => a.sqrt(),
            Func::Abs => a.abs(),
            Func::Tanh => a.tanh(),
            Func::Sinh => a.sinh(),
            Func::Cosh => a.cosh(),
            Func::Atan => a.atan(),
            Func::Sign => sign(a),
        }
    }
}

/// −1, 0 or 1 (NaN stays NaN). Unlike `f64::signum`, zero maps to zero, so `abs` has the
/// gradient 0 at its kink: the smallest subgradient, which leaves a run at rest there.
pub(crate) fn sign(a: f64) -> f64 {
    if a > 0.0 {
        1.0
    } else if a < 0.0 {
        -1.0
    } else {
        // 0 for ±0; NaN for NaN.
        a * 0.0
    }
}

/// A binary operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl Op {
    pub(crate) fn symbol(self) -> char {
        match self {
            Op::Add => '+',
            Op::Sub => '-',
            Op::Mul => '*',
            Op::Div => '/',
            Op::Pow => '^',
        }
    }

    /// The operation's value; shared by constant folding and exmex like [`Func::apply`].
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
            Op::Div => a / b,
            Op::Pow => power(a, b),
        }
    }

    /// How tightly exmex binds the operator inside one pair of parentheses (its default
    /// priorities: `^` 4, `/` 3, `*` 2, `-` 1, `+` 0). Note that `/` binds tighter than `*` and
    /// `-` tighter than `+`: exmex reads `a*b/c` as `a*(b/c)` and `a+b-c` as `a+(b-c)`.
    fn exmex_priority(self) -> u8 {
        match self {
            Op::Pow => 4,
            Op::Div => 3,
            Op::Mul => 2,
            Op::Sub => 1,
            Op::Add => 0,
        }
    }
}

/// `a^b`. A square is `a*a`, the one rounded product a hand-written `x * x` is: glibc's
/// `powf(a, 2)` is off by an ulp for about one double in 1200 (and is ten times slower).
/// Other exponents go through `powf`.
pub(crate) fn power(a: f64, b: f64) -> f64 {
    if b == 2.0 { a * a } else { a.powf(b) }
}

/// A node with its size (nodes in the subtree) and depth (longest path to a leaf, a leaf is 1).
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    kind: Kind,
    size: usize,
    depth: usize,
}

#[derive(Debug, Clone)]
enum Kind {
    Num(f64),
    Var(Var),
    Neg(Box<Tree>),
    Call(Func, Box<Tree>),
    Bin(Op, Box<Tree>, Box<Tree>),
}

/// A derivative outgrew [`Budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// How large a derivative may grow: its node count bounds the evaluation cost, its depth the
/// recursion of the next derivative and of the text writer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub(crate) nodes: usize,
    pub(crate) depth: usize,
}

impl Tree {
    pub(crate) fn num(value: f64) -> Tree {
        Tree {
            kind: Kind::Num(value),
            size: 1,
            depth: 1,
        }
    }

    pub(crate) fn var(var: Var) -> Tree {
        Tree {
            kind: Kind::Var(var),
            size: 1,
            depth: 1,
        }
    }

    #[cfg(test)]
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The value if the node is a number.
    pub(crate) fn as_num(&self) -> Option<f64> {
        match self.kind {
            Kind::Num(v) => Some(v),
            _ => None,
        }
    }

    fn is_num(&self, value: f64) -> bool {
        self.as_num() == Some(value)
    }

    fn unary(kind: fn(Box<Tree>) -> Kind, a: Tree) -> Tree {
        let (size, depth) = (a.size + 1, a.depth + 1);
        Tree {
            kind: kind(Box::new(a)),
            size,
            depth,
        }
    }

    // The constructors the parser uses keep the formula as written and only fold constant
    // subtrees, which is exact: the folded value is the one evaluation would compute.

    /// `-a` as written.
    pub(crate) fn negate(a: Tree) -> Tree {
        match a.as_num() {
            Some(v) => Tree::num(-v),
            None => Tree::unary(Kind::Neg, a),
        }
    }

    /// `f(a)` as written.
    pub(crate) fn call(func: Func, a: Tree) -> Tree {
        match a.as_num() {
            Some(v) => Tree::num(func.apply(v)),
            None => {
                let (size, depth) = (a.size + 1, a.depth + 1);
                Tree {
                    kind: Kind::Call(func, Box::new(a)),
                    size,
                    depth,
                }
            }
        }
    }

    /// `a op b` as written.
    pub(crate) fn binary(op: Op, a: Tree, b: Tree) -> Tree {
        if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
            return Tree::num(op.apply(x, y));
        }
        let (size, depth) = (a.size + b.size + 1, a.depth.max(b.depth) + 1);
        Tree {
            kind: Kind::Bin(op, Box::new(a), Box::new(b)),
            size,
            depth,
        }
    }

    /// The tree's value at a point: the reference the exmex text is tested against.
    #[cfg(test)]
    pub(crate) fn eval(&self, [x, y]: [f64; 2]) -> f64 {
        match &self.kind {
            Kind::Num(v) => *v,
            Kind::Var(Var::X) => x,
            Kind::Var(Var::Y) => y,
            Kind::Neg(a) => -a.eval([x, y]),
            Kind::Call(f, a) => f.apply(a.eval([x, y])),
            Kind::Bin(op, a, b) => op.apply(a.eval([x, y]), b.eval([x, y])),
        }
    }

    /// The exact partial derivative with respect to `var`, simplified where that is exact
    /// algebra (`0·u = 0`, `1·u = u`, `u^1 = u`, ...), refused once it outgrows the budget.
    ///
    /// Rules (u, v subtrees, ' the derivative): (u·v)' = u'·v + u·v';
    /// (u/v)' = u'/v when v is constant, else (u'·v − u·v')/v²; (u^c)' = c·u^(c−1)·u' for a
    /// constant c; (c^v)' = c^v·log(c)·v' for a constant c; otherwise
    /// (u^v)' = u^(v−1)·v·u' + u^v·log(u)·v'; and the chain rule f(u)' = f'(u)·u' with
    /// sin' = cos, cos' = −sin, tan' = 1/cos², exp' = exp, log(u)' = u'/u,
    /// sqrt(u)' = u'/(2·sqrt(u)), abs' = sign, tanh' = 1 − tanh², sinh' = cosh, cosh' = sinh,
    /// atan(u)' = u'/(1 + u²), sign' = 0.
    pub(crate) fn derivative(&self, var: Var, budget: Budget) -> Result<Tree, TooLarge> {
        // Each arm lives in its own function so this frame, which every level of the
        // recursion keeps, stays small (in a debug build one function with every arm's
        // temporaries takes about 7 KB a level).
        let result = match &self.kind {
            Kind::Num(_) => Tree::num(0.0),
            Kind::Var(v) => Tree::num(if *v == var { 1.0 } else { 0.0 }),
            Kind::Neg(a) => neg(a.derivative(var, budget)?),
            Kind::Bin(op, a, b) => {
                let da = a.derivative(var, budget)?;
                let db = b.derivative(var, budget)?;
                self.binary_derivative(*op, a, b, da, db)
            }
            Kind::Call(f, a) => {
                let da = a.derivative(var, budget)?;
                self.call_derivative(*f, a, da)
            }
        };
        if result.size > budget.nodes || result.depth > budget.depth {
            Err(TooLarge)
        } else {
            Ok(result)
        }
    }

    /// The derivative of `self` = a op b, given a' and b'.
    #[inline(never)]
    fn binary_derivative(&self, op: Op, a: &Tree, b: &Tree, da: Tree, db: Tree) -> Tree {
        match op {
            Op::Add => add(da, db),
            Op::Sub => sub(da, db),
            Op::Mul => add(mul(da, b.clone()), mul(a.clone(), db)),
            Op::Div if db.is_num(0.0) => div(da, b.clone()),
            Op::Div => {
                let numerator = sub(mul(da, b.clone()), mul(a.clone(), db));
                div(numerator, pow(b.clone(), Tree::num(2.0)))
            }
            Op::Pow => self.power_derivative(a, b, da, db),
        }
    }

    /// The derivative of `self` = a^b, given a' and b'.
    #[inline(never)]
    fn power_derivative(&self, a: &Tree, b: &Tree, da: Tree, db: Tree) -> Tree {
        if let Some(c) = b.as_num() {
            mul(mul(Tree::num(c), pow(a.clone(), Tree::num(c - 1.0))), da)
        } else if da.is_num(0.0) {
            mul(mul(self.clone(), call(a.clone(), Func::Log)), db)
        } else {
            let lowered = pow(a.clone(), sub(b.clone(), Tree::num(1.0)));
            let base_part = mul(mul(lowered, b.clone()), da);
            let exponent_part = mul(mul(self.clone(), call(a.clone(), Func::Log)), db);
            add(base_part, exponent_part)
        }
    }

    /// The derivative of `self` = f(a), given a'.
    #[inline(never)]
    fn call_derivative(&self, f: Func, a: &Tree, da: Tree) -> Tree {
        let u = || a.clone();
        match f {
            Func::Sign => Tree::num(0.0),
            Func::Log => div(da, u()),
            Func::Sqrt => div(da, mul(Tree::num(2.0), self.clone())),
            Func::Atan => div(da, add(Tree::num(1.0), pow(u(), Tree::num(2.0)))),
            Func::Sin => mul(call(u(), Func::Cos), da),
            Func::Cos => mul(neg(call(u(), Func::Sin)), da),
            Func::Tan => {
                let cos_squared = pow(call(u(), Func::Cos), Tree::num(2.0));
                mul(div(Tree::num(1.0), cos_squared), da)
            }
            Func::Exp => mul(self.clone(), da),
            Func::Abs => mul(call(u(), Func::Sign), da),
            Func::Tanh => {
                let outer = sub(Tree::num(1.0), pow(self.clone(), Tree::num(2.0)));
                mul(outer, da)
            }
            Func::Sinh => mul(call(u(), Func::Cosh), da),
            Func::Cosh => mul(call(u(), Func::Sinh), da),
        }
    }

    /// The text exmex parses into the same tree.
    ///
    /// exmex's reading differs from the usual one in three ways the writer must undo: a
    /// unary operator binds tighter than `^` (`-x^2` is `(-x)^2`), `/` binds tighter than `*`
    /// and `-` tighter than `+`, and it reassociates a chain of one commutative operator
    /// whose last two operands are numbers (`x+1+2` becomes `x+3`). So an operand goes
    /// without parentheses only when its operator binds strictly tighter than its parent's,
    /// a negation is always parenthesised, and numbers are written so exmex's literal
    /// matcher (digits and a dot) reads them back bit for bit.
    pub(crate) fn exmex_text(&self) -> String {
        let mut out = String::with_capacity(self.size * 4);
        self.write_exmex(&mut out);
        out
    }

    fn write_exmex(&self, out: &mut String) {
        match &self.kind {
            Kind::Num(v) => write_number(*v, out),
            Kind::Var(Var::X) => out.push('x'),
            Kind::Var(Var::Y) => out.push('y'),
            Kind::Neg(a) => {
                out.push_str("(-");
                a.write_operand(out, None);
                out.push(')');
            }
            Kind::Call(f, a) => {
                out.push_str(f.name());
                out.push('(');
                a.write_exmex(out);
                out.push(')');
            }
            Kind::Bin(op, a, b) => {
                a.write_operand(out, Some(*op));
                out.push(op.symbol());
                b.write_operand(out, Some(*op));
            }
        }
    }

    /// Writes an operand of `parent` (None: of a negation), parenthesised unless it is an
    /// atom or binds strictly tighter. Negative numbers and negations bring their own.
    fn write_operand(&self, out: &mut String, parent: Option<Op>) {
        let bare = match (&self.kind, parent) {
            // Atoms, and the nodes that write their own parentheses.
            (Kind::Var(_) | Kind::Call(..) | Kind::Num(_) | Kind::Neg(_), _) => true,
            (Kind::Bin(op, ..), Some(parent)) => op.exmex_priority() > parent.exmex_priority(),
            _ => false,
        };
        if bare {
            self.write_exmex(out);
        } else {
            out.push('(');
            self.write_exmex(out);
            out.push(')');
        }
    }
}

/// A number as exmex's literal matcher reads it: `Display` of an f64 is the shortest decimal
/// that parses back to the same double and never uses an exponent. A sign, infinities and NaN
/// (a folded constant such as `log(-1)`) are written as operations exmex folds back exactly.
fn write_number(v: f64, out: &mut String) {
    if v.is_nan() {
        out.push_str("(0/0)");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "(1/0)" } else { "(-1/0)" });
    } else if v.is_sign_negative() {
        // Also -0.0, whose sign a division by it would reveal.
        let _ = write!(out, "(-{})", -v);
    } else {
        let _ = write!(out, "{v}");
    }
}

// The simplifying constructors derivatives are built with. Each rule is exact algebra
// (0·u = 0 holds wherever the derivative is defined); constants still fold.

fn add(a: Tree, b: Tree) -> Tree {
    if a.is_num(0.0) {
        b
    } else if b.is_num(0.0) {
        a
    } else {
        Tree::binary(Op::Add, a, b)
    }
}

fn sub(a: Tree, b: Tree) -> Tree {
    if b.is_num(0.0) {
        a
    } else if a.is_num(0.0) {
        neg(b)
    } else {
        Tree::binary(Op::Sub, a, b)
    }
}

fn mul(a: Tree, b: Tree) -> Tree {
    if a.is_num(0.0) || b.is_num(0.0) {
        Tree::num(0.0)
    } else if a.is_num(1.0) {
        b
    } else if b.is_num(1.0) {
        a
    } else if a.is_num(-1.0) {
        neg(b)
    } else if b.is_num(-1.0) {
        neg(a)
    } else {
        Tree::binary(Op::Mul, a, b)
    }
}

fn div(a: Tree, b: Tree) -> Tree {
    if a.is_num(0.0) {
        Tree::num(0.0)
    } else if b.is_num(1.0) {
        a
    } else {
        Tree::binary(Op::Div, a, b)
    }
}

fn pow(a: Tree, b: Tree) -> Tree {
    if b.is_num(1.0) {
        a
    } else if b.is_num(0.0) {
        Tree::num(1.0)
    } else {
        Tree::binary(Op::Pow, a, b)
    }
}

fn neg(a: Tree) -> Tree {
    match a.kind {
        Kind::Neg(inner) => *inner,
        _ => Tree::negate(a),
    }
}

fn call(a: Tree, func: Func) -> Tree {
    Tree::call(func, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Tree {
        Tree::var(Var::X)
    }

    #[test]
    fn constants_fold_to_what_evaluation_computes() {
        let t = Tree::binary(Op::Mul, Tree::num(2.0), Tree::num(std::f64::consts::PI));
        assert_eq!(t.as_num(), Some(2.0 * std::f64::consts::PI));
        let t = Tree::call(Func::Log, Tree::num(-1.0));
        assert!(t.as_num().is_some_and(f64::is_nan));
        // A constant next to a variable is kept where it was written: x*2*3 is (x*2)*3.
        let t = Tree::binary(
            Op::Mul,
            Tree::binary(Op::Mul, x(), Tree::num(2.0)),
            Tree::num(3.0),
        );
        assert_eq!(t.size(), 5);
    }

    #[test]
    fn sizes_and_depths_add_up() {
        let t = Tree::binary(Op::Add, Tree::negate(x()), Tree::call(Func::Sin, x()));
        assert_eq!((t.size(), t.depth()), (5, 3));
    }

    #[test]
    fn sign_is_zero_at_zero_and_keeps_nan() {
        assert_eq!(sign(2.5), 1.0);
        assert_eq!(sign(-1e-300), -1.0);
        assert_eq!(sign(0.0), 0.0);
        assert_eq!(sign(-0.0), 0.0);
        assert!(sign(f64::NAN).is_nan());
    }

    #[test]
    fn a_square_is_exactly_rounded() {
        // With glibc, powf(a, 2) differs from a*a in the last bit for about one double in
        // 1200; these are such doubles. A square must be the one rounded multiplication a
        // hand-written x*x is.
        for a in [
            4.651745512171384,
            0.1645290620437052,
            -2.6621623831091847,
            1.1848076389659283,
        ] {
            assert_eq!(power(a, 2.0).to_bits(), (a * a).to_bits(), "{a}");
        }
        assert_eq!(power(2.0, 0.5), 2f64.sqrt());
        assert_eq!(power(-8.0, 3.0), -512.0);
    }

    #[test]
    fn numbers_are_written_as_exmex_reads_them() {
        let mut out = String::new();
        for v in [
            0.1,
            1e-7,
            1e300,
            5e-324,
            -2.5,
            -0.0,
            f64::INFINITY,
            f64::NAN,
        ] {
            out.clear();
            write_number(v, &mut out);
            assert!(!out.contains('e'), "{out}");
        }
    }

    #[test]
    fn the_budget_refuses_a_growing_derivative() {
        // x*x*...*x with 40 factors: the derivative has about 40² nodes.
        let mut t = x();
        for _ in 1..40 {
            t = Tree::binary(Op::Mul, t, x());
        }
        let tight = Budget {
            nodes: 500,
            depth: 1000,
        };
        assert_eq!(t.derivative(Var::X, tight).err(), Some(TooLarge));
        let shallow = Budget {
            nodes: 100_000,
            depth: 10,
        };
        assert_eq!(t.derivative(Var::X, shallow).err(), Some(TooLarge));
        let roomy = Budget {
            nodes: 100_000,
            depth: 1000,
        };
        assert!(t.derivative(Var::X, roomy).is_ok());
    }

    #[test]
    fn the_deepest_tree_the_budget_allows_fits_the_stack() {
        // On the test harness's 2 MiB stack: a tree as deep as a derivative may be,
        // differentiated, written out, evaluated and dropped.
        let depth = crate::core::expr::MAX_DERIVATIVE_DEPTH;
        let mut t = Tree::call(Func::Sin, x());
        while t.depth() < depth - 2 {
            t = Tree::binary(Op::Mul, Tree::negate(t), Tree::var(Var::Y));
        }
        let budget = Budget {
            nodes: usize::MAX,
            depth,
        };
        let d = t
            .derivative(Var::X, budget)
            .expect("within the depth budget");
        let text = d.exmex_text();
        assert!(text.len() > depth);
        let compiled = super::super::engine::Compiled::new(&d).expect("exmex reads it");
        assert!(compiled.eval([0.5, 1.0]).is_finite());
    }
}
