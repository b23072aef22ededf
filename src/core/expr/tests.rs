//! The formula reader, the derivatives and the critical points, checked against hand-written
//! Rust, hand-derived derivatives, central finite differences, exmex's own derivatives and the
//! built-in Rosenbrock surface.

use std::f64::consts::{E, PI};

use exmex::{Differentiate, Express};
use proptest::prelude::*;

use super::engine::{Compiled, Flat};
use super::syntax;
use super::tree::{Budget, Var};
use super::*;
use crate::core::Surface;

fn parse(text: &str) -> Expression {
    Expression::parse(text).unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

fn parse_err(text: &str) -> ExprError {
    match Expression::parse(text) {
        Ok(f) => panic!("`{text}` parsed as {f:?}"),
        Err(e) => e,
    }
}

/// Equal as doubles: the same bits, or both NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// |a − b| within `tol` of `scale` (and at least of 1), or identical.
fn close(a: f64, b: f64, tol: f64, scale: f64) -> bool {
    same(a, b) || (a - b).abs() <= tol * scale.max(a.abs()).max(b.abs()).max(1.0)
}

/// Points of [lo, hi]² from a fixed-seed generator (deterministic, no rand dependency needed).
fn points(n: usize, lo: [f64; 2], hi: [f64; 2]) -> Vec<[f64; 2]> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            [
                lo[0] + next() * (hi[0] - lo[0]),
                lo[1] + next() * (hi[1] - lo[1]),
            ]
        })
        .collect()
}

// ---------------------------------------------------------------- reading and evaluating

#[test]
fn precedence_is_the_usual_one_not_exmexs() {
    let at = [3.0, 2.0];
    // exmex alone reads -x^2 as (-x)^2.
    assert_eq!(parse("-x^2").value(at), -9.0);
    assert_eq!(parse("-x^2 + y").value(at), -7.0);
    assert_eq!(parse("2^-y").value(at), 0.25);
    // ^ is right-associative.
    assert_eq!(parse("2^y^3").value(at), 256.0);
    assert_eq!(parse("(2^y)^3").value(at), 64.0);
    assert_eq!(parse("x - y - 1").value(at), 0.0);
    assert_eq!(parse("x / y / 2").value(at), 0.75);
    assert_eq!(parse("2*x^2*y").value(at), 36.0);
    assert_eq!(parse("--x").value(at), 3.0);
    assert_eq!(parse("+x").value(at), 3.0);
    assert_eq!(parse("-(x + y)").value(at), -5.0);
    assert_eq!(parse("x*-y").value(at), -6.0);
}

#[test]
fn evaluation_order_is_left_to_right_like_hand_written_code() {
    // exmex alone would compute x*(y/c), x+(y-c) and x*(0.1*3): different doubles.
    for p in points(200, [-3.0, -3.0], [3.0, 3.0]) {
        let [x, y] = p;
        assert!(same(parse("x*y/3").value(p), x * y / 3.0));
        assert!(same(parse("x + y - 0.1").value(p), x + y - 0.1));
        assert!(same(parse("x*0.1*3").value(p), x * 0.1 * 3.0));
        assert!(same(parse("x + 0.1 + 0.2").value(p), x + 0.1 + 0.2));
        assert!(same(parse("0.1*x*y*7").value(p), 0.1 * x * y * 7.0));
        assert!(same(
            parse("x^2 - 0.5*y^2 + 0.25*y^4").value(p),
            x * x - 0.5 * (y * y) + 0.25 * y.powf(4.0)
        ));
    }
}

#[test]
fn numbers_constants_and_whitespace() {
    let at = [0.0, 0.0];
    for (text, value) in [
        ("1", 1.0),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e-3", 1e-3),
        ("2.5E+4", 2.5e4),
        ("3e2", 300.0),
        ("pi", PI),
        ("e", E),
        ("2*pi", 2.0 * PI),
        ("e^2", E * E),
        ("  1 +\n\t2 ", 3.0),
        ("1e308", 1e308),
    ] {
        assert_eq!(parse(text).value(at), value, "{text}");
    }
}

#[test]
fn every_function_is_rusts() {
    type Reference = fn(f64) -> f64;
    let funcs: [(&str, Reference); 11] = [
        ("sin", f64::sin),
        ("cos", f64::cos),
        ("tan", f64::tan),
        ("exp", f64::exp),
        ("log", f64::ln),
        ("sqrt", f64::sqrt),
        ("abs", f64::abs),
        ("tanh", f64::tanh),
        ("sinh", f64::sinh),
        ("cosh", f64::cosh),
        ("atan", f64::atan),
    ];
    for (name, f) in funcs {
        let expr = parse(&format!("{name}(x)"));
        for x in [-2.5, -0.3, 0.0, 0.7, 1.0, 3.9] {
            assert!(same(expr.value([x, 0.0]), f(x)), "{name}({x})");
        }
    }
}

#[test]
fn variables_map_whatever_the_formula_uses() {
    let p = [2.0, 5.0];
    assert_eq!(parse("x").value(p), 2.0);
    assert_eq!(parse("y").value(p), 5.0);
    assert_eq!(parse("y - x").value(p), 3.0);
    assert_eq!(parse("7").value(p), 7.0);
    assert_eq!(parse("x").gradient(p), [1.0, 0.0]);
    assert_eq!(parse("y").gradient(p), [0.0, 1.0]);
    assert_eq!(parse("7").gradient(p), [0.0, 0.0]);
    assert_eq!(parse("7").hessian(p), [[0.0; 2]; 2]);
    assert_eq!(parse("x*y").hessian(p), [[0.0, 1.0], [1.0, 0.0]]);
    // Only y in the value, only x in a derivative: each keeps its own variables.
    let f = parse("y*x^2");
    assert_eq!(f.gradient(p), [20.0, 4.0]);
    assert_eq!(f.hessian(p), [[10.0, 4.0], [4.0, 0.0]]);
}

#[test]
fn undefined_is_a_value_not_a_panic() {
    assert!(parse("log(x)").value([-1.0, 0.0]).is_nan());
    assert_eq!(parse("log(x)").value([0.0, 0.0]), f64::NEG_INFINITY);
    assert_eq!(parse("1/x").value([0.0, 0.0]), f64::INFINITY);
    assert!(parse("sqrt(x)").gradient([-1.0, 0.0])[0].is_nan());
    assert_eq!(parse("sqrt(x)").gradient([0.0, 0.0])[0], f64::INFINITY);
    // 2x/y³ at y = 0: the quotient rule's form gives 0/0 there. Undefined either way.
    assert!(!parse("x/y").hessian([1.0, 0.0])[1][1].is_finite());
    // A constant part that is undefined is still a formula: NaN everywhere.
    let f = parse("x + log(-1)");
    assert!(f.value([1.0, 1.0]).is_nan());
    assert_eq!(f.gradient([1.0, 1.0]), [1.0, 0.0]);
    assert_eq!(parse("x + 1/0").value([1.0, 1.0]), f64::INFINITY);
    assert!(parse("x*(0/0)").value([1.0, 1.0]).is_nan());
    assert_eq!(parse("x*(-0)").value([-1.0, 0.0]).to_bits(), 0f64.to_bits());
}

#[test]
fn text_display_equality_and_clone() {
    let f = parse("x^2 + y^2");
    assert_eq!(f.text(), "x^2 + y^2");
    assert_eq!(f.to_string(), "x^2 + y^2");
    let g = f.clone();
    assert_eq!(f, g);
    assert_eq!(g.gradient([1.0, 2.0]), [2.0, 4.0]);
    // Equality is of the text, so the same function written differently is different.
    assert_ne!(f, parse("y^2 + x^2"));
    let debug = format!("{f:?}");
    assert!(
        debug.contains("x^2 + y^2") && debug.contains("f_xy"),
        "{debug}"
    );
}

#[test]
fn shared_by_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
    let f = parse("sin(x)*y^2");
    let totals: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|k| {
                let f = &f;
                s.spawn(move || {
                    (0..1000)
                        .map(|i| f.value([i as f64 * 1e-3, k as f64]))
                        .sum::<f64>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(totals[0], 0.0);
    assert!(totals[1] > 0.0);
}

// ---------------------------------------------------------------- mistakes

/// (formula, column, width, part of the message, part of the hint)
const MISTAKES: &[(&str, usize, usize, &str, &str)] = &[
    ("z", 1, 1, "unknown variable 'z'", "variables are x and y"),
    (
        "x + 2*z^2",
        7,
        1,
        "unknown variable 'z'",
        "variables are x and y",
    ),
    ("x + xy", 5, 2, "unknown variable 'xy'", "x*y"),
    ("yxx - 1", 1, 3, "unknown variable 'yxx'", "y*x*x"),
    ("X^2", 1, 1, "unknown variable 'X'", "lower case"),
    ("PI*x", 1, 2, "unknown variable 'PI'", "pi and e"),
    ("sin", 1, 3, "sin needs parentheses", "sin(x)"),
    ("sin x", 1, 3, "sin needs parentheses", "sin(x)"),
    (
        "x + foo(y)",
        5,
        3,
        "unknown function 'foo'",
        "sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, atan",
    ),
    (
        "ln(x)",
        1,
        2,
        "unknown function 'ln'",
        "log is the natural logarithm",
    ),
    ("Sin(x)", 1, 3, "unknown function 'Sin'", "lower case: sin"),
    (
        "sign(x)",
        1,
        4,
        "unknown function 'sign'",
        "the functions are",
    ),
    ("x + (y", 5, 1, "'(' is never closed", "add a ')'"),
    ("((x + y)", 1, 1, "'(' is never closed", "add a ')'"),
    ("x + y)", 6, 1, "')' has no matching '('", "remove it"),
    (")x(", 1, 1, "')' has no matching '('", "remove it"),
    (
        "x +",
        3,
        1,
        "'+' has nothing on its right",
        "complete the formula",
    ),
    (
        "(x *) + 1",
        4,
        1,
        "'*' has nothing on its right",
        "complete the formula",
    ),
    ("* x", 1, 1, "'*' has nothing on its left", "before '*'"),
    (
        "x + (/ y)",
        6,
        1,
        "'/' has nothing on its left",
        "before '/'",
    ),
    ("x + * y", 5, 1, "'*' cannot follow '+'", "remove one"),
    ("x^/2", 3, 1, "'/' cannot follow '^'", "remove one"),
    ("x**2", 2, 2, "'**'", "powers are written x^2"),
    ("", 1, 1, "empty", "x^2 + 10*y^2"),
    ("   ", 1, 3, "empty", "x^2 + 10*y^2"),
    ("()", 1, 2, "empty parentheses", "between them"),
    ("x + sin()", 8, 2, "sin() needs an argument", "sin(x)"),
    ("2x", 2, 1, "missing operator between '2' and 'x'", "2*x"),
    ("x y", 3, 1, "missing operator between 'x' and 'y'", "x*y"),
    (
        "3 sin(x)",
        3,
        3,
        "missing operator between '3' and 'sin'",
        "3*sin",
    ),
    (
        "x(y + 1)",
        2,
        1,
        "missing operator between 'x' and '('",
        "x*(...)",
    ),
    (
        "(x)(y)",
        4,
        1,
        "missing operator between ')' and '('",
        "put * between them",
    ),
    (
        "1.2.3",
        4,
        2,
        "missing operator between '1.2' and '.3'",
        "1.2*.3",
    ),
    ("x + .", 5, 1, "'.' without digits", "0.5"),
    ("1e999*x", 1, 5, "too large", "1.8e308"),
    ("atan(y, x)", 7, 1, "unexpected ','", "one argument"),
    ("x × y", 3, 1, "unexpected character '×'", "write *"),
    ("x² + y", 2, 1, "unexpected character '²'", "^2"),
    ("x − y", 3, 1, "unexpected character '−'", "ASCII minus"),
    ("πx", 1, 1, "unexpected character 'π'", "write pi"),
    ("|x|", 1, 1, "unexpected character '|'", "abs"),
    ("f = x", 3, 1, "unexpected character '='", "right-hand side"),
    (
        "x + ö",
        5,
        1,
        "unexpected character 'ö'",
        "the functions are",
    ),
    // Columns count characters, not bytes: 'é' is two bytes.
    ("é", 1, 1, "unexpected character 'é'", "numbers, x, y"),
    ("(é)", 2, 1, "unexpected character 'é'", "numbers, x, y"),
    ("éé + z", 1, 1, "unexpected character 'é'", "numbers, x, y"),
    (
        "\"x\" + z",
        1,
        1,
        "unexpected character '\"'",
        "numbers, x, y",
    ),
];

#[test]
fn mistakes_point_at_their_column_with_a_hint() {
    for &(text, column, width, message, hint) in MISTAKES {
        let e = parse_err(text);
        assert_eq!((e.column, e.width), (column, width), "`{text}`: {e}");
        assert!(e.message.contains(message), "`{text}`: {e}");
        assert!(e.hint.contains(hint), "`{text}`: {e}");
    }
}

#[test]
fn columns_count_characters_from_the_start() {
    assert_eq!(parse_err("(1 + 2)*z").column, 9);
    // A newline is one character.
    assert_eq!(parse_err("x +\n z").column, 6);
    // 1500 two-byte characters are within the 2000-character limit (though 3000 bytes), so
    // the mistake reported is the first of them, not the length.
    let e = parse_err(&"é".repeat(1500));
    assert_eq!(e.column, 1);
    assert!(e.message.contains("unexpected character"));
    let e = parse_err(&"é".repeat(2001));
    assert_eq!(e.column, 2001);
}

#[test]
fn an_error_displays_its_column_message_and_hint() {
    let e = parse_err("x + z");
    assert_eq!(
        e.to_string(),
        "column 5: unknown variable 'z' (variables are x and y)"
    );
}

// ---------------------------------------------------------------- limits

#[test]
fn nesting_is_refused_past_the_limit_and_accepted_at_it() {
    let nested = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(parse(&nested(MAX_NESTING)).value([2.0, 0.0]), 2.0);
    let e = parse_err(&nested(MAX_NESTING + 1));
    assert_eq!(e.column, MAX_NESTING + 1);
    assert!(e.message.contains("nests more than 64 levels"), "{e}");

    // abs, because its derivative sign(u)·u' stays small; 64 nested sines are refused for
    // the size of their second derivatives.
    let calls = |n: usize| format!("{}x{}", "abs(".repeat(n), ")".repeat(n));
    assert_eq!(
        parse(&calls(MAX_NESTING)).gradient([-0.5, 0.0]),
        [-1.0, 0.0]
    );
    assert!(parse_err(&calls(MAX_NESTING + 1)).message.contains("nests"));

    let signs = |n: usize| format!("{}x", "-".repeat(n));
    assert_eq!(parse(&signs(MAX_NESTING)).value([2.0, 0.0]), 2.0);
    assert!(parse_err(&signs(MAX_NESTING + 1)).message.contains("nests"));

    // x^1^1^...: each exponent nests one level (constant exponents keep the derivatives small).
    let powers = |n: usize| format!("x^{}", vec!["1"; n - 1].join("^"));
    assert_eq!(parse(&powers(MAX_NESTING + 1)).value([2.0, 0.0]), 2.0);
    assert!(
        parse_err(&powers(MAX_NESTING + 2))
            .message
            .contains("nests")
    );
}

#[test]
fn a_tree_deeper_than_the_limit_is_refused_at_its_operator() {
    let sum = |n: usize| vec!["x"; n].join("+");
    assert_eq!(parse(&sum(MAX_DEPTH)).value([1.0, 0.0]), MAX_DEPTH as f64);
    let e = parse_err(&sum(MAX_DEPTH + 1));
    // The operator that makes the chain too long: the 128th '+'.
    assert_eq!(e.column, 2 * MAX_DEPTH);
    assert!(e.message.contains("more than 128 operations deep"), "{e}");
}

#[test]
fn huge_formulas_are_refused_before_anything_recurses() {
    // 100,000 parentheses deep: recursing into it would overflow the stack.
    let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    let e = parse_err(&deep);
    assert!(e.message.contains("longer than 2000 characters"), "{e}");
    assert_eq!(e.column, MAX_CHARS + 1);
    // A megabyte.
    let long = "x+".repeat(500_000) + "x";
    assert!(parse_err(&long).message.contains("longer than 2000"));
    // Within the length, too deep: refused at the 65th '('.
    let deep = format!("{}x{}", "(".repeat(900), ")".repeat(900));
    assert_eq!(parse_err(&deep).column, 65);
    assert_eq!(
        parse(&format!("x{}", " ".repeat(MAX_CHARS - 1))).value([3.0, 0.0]),
        3.0
    );
}

#[test]
fn derivatives_that_blow_up_are_refused() {
    // A product of 100 factors: the first derivative has ~5,000 nodes, the second ~170,000.
    let product = vec!["x"; 100].join("*");
    let e = parse_err(&product);
    assert!(e.message.contains("derivatives are too large"), "{e}");
    assert_eq!((e.column, e.width), (1, product.len()));
    // Twenty factors are fine.
    let product = vec!["x"; 20].join("*");
    assert_eq!(parse(&product).hessian([1.0, 0.0])[0][0], 380.0);
}

#[test]
fn formulas_at_the_limits_fit_the_stack() {
    // These run on the test harness's thread, with its 2 MiB of stack: deep trees within the
    // limits, differentiated twice and written out, either work or are refused as too large.
    let chain = vec!["x*y"; MAX_DEPTH / 2].join("+");
    let deep_chain = format!(
        "{}{chain}{}",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    let f = parse(&deep_chain);
    assert_eq!(f.hessian([0.1, 0.1]), [[0.0, 64.0], [64.0, 0.0]]);
    for text in [
        format!(
            "{}x*y{}",
            "exp(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        ),
        format!("{}x*y{}", "sin(".repeat(20), ")".repeat(20)),
        // Each exponent nests one level and its parentheses one more, briefly.
        vec!["(x+1.1)"; MAX_NESTING - 1].join("^"),
        format!("{}{chain}{}", "sqrt(1+".repeat(30), ")".repeat(30)),
        vec!["sin(x)"; MAX_DEPTH - 1].join("*"),
    ] {
        match Expression::parse(&text) {
            Ok(f) => {
                let _ = f.hessian([0.1, 0.2]);
            }
            Err(e) => assert!(e.message.contains("too large"), "{e}"),
        }
    }
}

// ---------------------------------------------------------------- never a panic

fn check_result(text: &str) {
    match Expression::parse(text) {
        Ok(f) => {
            for p in [[0.0, 0.0], [0.5, -1.5], [-3.0, 2.0], [1e300, -1e-300]] {
                let _ = f.value(p);
                let _ = f.gradient(p);
                let _ = f.hessian(p);
            }
        }
        Err(e) => {
            // Inside the formula; one past the limit for a formula that is too long.
            let chars = text.chars().count();
            let last = chars.clamp(1, MAX_CHARS + 1);
            assert!(
                (1..=last).contains(&e.column),
                "`{text}`: column {} of {chars}",
                e.column
            );
            assert!(e.width >= 1);
            assert!(!e.message.is_empty() && !e.hint.is_empty(), "`{text}`: {e}");
        }
    }
}

/// Pieces of formulas, valid and not, so random strings of them exercise the parser deeply.
const PIECES: &[&str] = &[
    "x", "y", "pi", "e", "1", "0.5", "2", "1e-3", "+", "-", "*", "/", "^", "(", ")", "sin(",
    "abs(", "log(", "sqrt(", "atan(", "tanh(", " ", "xy", ",", "**", ".", "z", "1e", "E",
];

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        check_result(&text);
    }

    #[test]
    fn formula_pieces_never_panic(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..60)) {
        check_result(&pieces.concat());
    }

    /// What exmex evaluates is bit for bit the tree the reader built, and so are the
    /// derivatives: the text written for exmex loses nothing to its precedence rules.
    #[test]
    fn exmex_evaluates_exactly_the_tree(text in formula(), p in prop::array::uniform2(-3.0f64..3.0)) {
        let tree = syntax::parse(&text).map_err(|e| TestCaseError::fail(format!("`{text}`: {e}")))?;
        let budget = Budget { nodes: MAX_DERIVATIVE_NODES, depth: 1000 };
        let mut trees = vec![tree.clone()];
        for var in [Var::X, Var::Y] {
            if let Ok(d) = tree.derivative(var, budget) {
                if let Ok(dd) = d.derivative(Var::Y, budget) {
                    trees.push(dd);
                }
                trees.push(d);
            }
        }
        for t in trees {
            let compiled = Compiled::new(&t).expect("exmex reads every written tree");
            let (a, b) = (compiled.eval(p), t.eval(p));
            prop_assert!(same(a, b), "`{}` from `{}` at {:?}: exmex {} tree {}", compiled.text(), text, p, a, b);
        }
    }
}

/// Valid formulas of every shape: chains of one operator (where exmex would reassociate),
/// mixed precedences, signs, powers, calls, and numbers whose sums and products round.
fn formula() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec!["x", "y", "0.1", "0.3", "2", "7", "1e-3", "pi", "e"])
        .prop_map(String::from);
    leaf.prop_recursive(5, 48, 3, |inner| {
        let op = prop::sample::select(vec!["+", "-", "*", "/", "^"]);
        let func = prop::sample::select(vec![
            "sin", "cos", "exp", "log", "sqrt", "abs", "atan", "tanh",
        ]);
        prop_oneof![
            (inner.clone(), op.clone(), inner.clone()).prop_map(|(a, o, b)| format!("{a}{o}{b}")),
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("({a}){o}({b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("{a}*{b}/{c}+{a}-{b}+{c}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (func, inner).prop_map(|(f, a)| format!("{f}({a})")),
        ]
    })
}

// ---------------------------------------------------------------- derivatives

/// Formulas over every operator and function, defined and smooth on [0.4, 1.6] × [0.3, 1.5].
const SMOOTH: &[&str] = &[
    "sin(x)*cos(y)",
    "tan(x/2) + tanh(y)",
    "exp(-x^2 - y^2)",
    "log(1 + x^2 + y^2)",
    "sqrt(1 + x^2 + 2*y^2)",
    "sinh(x)*cosh(y)",
    "atan(x*y)",
    "x^y",
    "2^(x*y)",
    "(x^2 + y)^0.5",
    "x/(1 + y^2)",
    "(x + y)/(x - y + 5)",
    "e^(x/3) - pi*x^3 - y^4/4",
    "-x^2 + 3*x*y - 2*y^2",
    "x^(-2) + y^(-1)",
    "cos(x)^2 - sin(y)^3",
    "(1 - x)^2 + 100*(y - x^2)^2",
    "y^x^0.5",
    "log(x)*log(y)",
    "abs(x - 0.2)*y + abs(y)^3",
    "abs(sin(x) - 2)*abs(y + 3)",
];

/// f, ∇f and the Hessian at `p` by central differences of the value and of the gradient.
fn finite_differences(f: &Expression, [x, y]: [f64; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
    let h = 1e-6;
    let gx = (f.value([x + h, y]) - f.value([x - h, y])) / (2.0 * h);
    let gy = (f.value([x, y + h]) - f.value([x, y - h])) / (2.0 * h);
    let (px, mx) = (f.gradient([x + h, y]), f.gradient([x - h, y]));
    let (py, my) = (f.gradient([x, y + h]), f.gradient([x, y - h]));
    let hxx = (px[0] - mx[0]) / (2.0 * h);
    let hxy = (py[0] - my[0]) / (2.0 * h);
    let hyx = (px[1] - mx[1]) / (2.0 * h);
    let hyy = (py[1] - my[1]) / (2.0 * h);
    ([gx, gy], [[hxx, hxy], [hyx, hyy]])
}

#[test]
fn derivatives_match_central_finite_differences() {
    for text in SMOOTH {
        let f = parse(text);
        for p in points(40, [0.4, 0.3], [1.6, 1.5]) {
            let (g, h) = finite_differences(&f, p);
            let (exact_g, exact_h) = (f.gradient(p), f.hessian(p));
            let scale = f.value(p).abs();
            for i in 0..2 {
                assert!(
                    close(exact_g[i], g[i], 1e-6, scale),
                    "{text} at {p:?}: ∇ {exact_g:?} vs {g:?}"
                );
                for j in 0..2 {
                    assert!(
                        close(exact_h[i][j], h[i][j], 1e-5, scale),
                        "{text} at {p:?}: H {exact_h:?} vs {h:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn derivatives_match_exmexs_own() {
    // exmex differentiates recursively with frames of many KB (its expressions keep 32
    // operands inline): the second derivatives of sqrt(1 + x^2 + 2*y^2) overflow the
    // harness's 2 MiB thread (3 MiB suffice), so the comparison gets a thread of its own.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(compare_with_exmex)
        .unwrap()
        .join()
        .unwrap();
}

fn compare_with_exmex() {
    // exmex has no derivative for abs; the rest must agree to rounding.
    for text in SMOOTH.iter().filter(|t| !t.contains("abs")) {
        let f = parse(text);
        let tree = syntax::parse(text).unwrap();
        // Boxed: a flat expression is about 20 KB by value.
        let flat = Box::new(Flat::parse(&tree.exmex_text()).unwrap());
        let names = flat.var_names().to_vec();
        // exmex differentiates by the index of a variable among those that occur; a variable
        // that does not occur has the derivative 0 (None here).
        let partial = |flat: &Flat, var: &str| -> Option<Box<Flat>> {
            let index = names.iter().position(|n| n == var)?;
            Some(Box::new(flat.clone().partial(index).unwrap()))
        };
        let eval = |flat: &Option<Box<Flat>>, [x, y]: [f64; 2]| {
            flat.as_ref().map_or(0.0, |flat| {
                let values: Vec<f64> = names.iter().map(|n| if n == "x" { x } else { y }).collect();
                flat.eval(&values).unwrap()
            })
        };
        let first = ["x", "y"].map(|v| partial(&flat, v));
        let second = first
            .clone()
            .map(|d| ["x", "y"].map(|v| d.as_ref().and_then(|d| partial(d, v))));
        for p in points(40, [0.4, 0.3], [1.6, 1.5]) {
            let (grad, hess) = (f.gradient(p), f.hessian(p));
            for i in 0..2 {
                let reference = eval(&first[i], p);
                assert!(
                    close(grad[i], reference, 1e-12, 0.0),
                    "{text} ∂{i} at {p:?}: {} vs {reference}",
                    grad[i]
                );
                for j in 0..2 {
                    let reference = eval(&second[i][j], p);
                    assert!(
                        close(hess[i][j], reference, 1e-12, 0.0),
                        "{text} ∂{i}∂{j} at {p:?}: {} vs {reference}",
                        hess[i][j]
                    );
                }
            }
        }
    }
}

type Exact = fn(f64, f64) -> [f64; 6];

/// Formulas with their value, gradient and Hessian derived by hand: [f, fx, fy, fxx, fxy, fyy].
const BY_HAND: &[(&str, Exact)] = &[
    ("sin(x*y)", |x, y| {
        let (s, c) = (x * y).sin_cos();
        [s, y * c, x * c, -y * y * s, c - x * y * s, -x * x * s]
    }),
    ("x^y", |x, y| {
        let (p, l) = (x.powf(y), x.ln());
        [
            p,
            y * x.powf(y - 1.0),
            p * l,
            y * (y - 1.0) * x.powf(y - 2.0),
            x.powf(y - 1.0) * (1.0 + y * l),
            p * l * l,
        ]
    }),
    ("atan(y/x)", |x, y| {
        let r2 = x * x + y * y;
        [
            (y / x).atan(),
            -y / r2,
            x / r2,
            2.0 * x * y / (r2 * r2),
            (y * y - x * x) / (r2 * r2),
            -2.0 * x * y / (r2 * r2),
        ]
    }),
    ("sqrt(x^2 + y^2)", |x, y| {
        let r = x.hypot(y);
        [
            r,
            x / r,
            y / r,
            y * y / (r * r * r),
            -x * y / (r * r * r),
            x * x / (r * r * r),
        ]
    }),
    ("tan(x) + tanh(y)", |x, y| {
        let (t, u) = (x.tan(), y.tanh());
        [
            t + u,
            1.0 + t * t,
            1.0 - u * u,
            2.0 * t * (1.0 + t * t),
            0.0,
            -2.0 * u * (1.0 - u * u),
        ]
    }),
    ("log(x)/y", |x, y| {
        let l = x.ln();
        [
            l / y,
            1.0 / (x * y),
            -l / (y * y),
            -1.0 / (x * x * y),
            -1.0 / (x * y * y),
            2.0 * l / (y * y * y),
        ]
    }),
    ("exp(x)*cosh(y) - sinh(x*y)", |x, y| {
        let (ex, ch, sh) = (x.exp(), y.cosh(), y.sinh());
        let (a, b) = ((x * y).cosh(), (x * y).sinh());
        [
            ex * ch - b,
            ex * ch - y * a,
            ex * sh - x * a,
            ex * ch - y * y * b,
            ex * sh - a - x * y * b,
            ex * ch - x * x * b,
        ]
    }),
    ("abs(x - y)^3", |x, y| {
        let d = x - y;
        let a = d.abs();
        [
            a * a * a,
            3.0 * d * a,
            -3.0 * d * a,
            6.0 * a,
            -6.0 * a,
            6.0 * a,
        ]
    }),
    ("x^0.5*y", |x, y| {
        let s = x.sqrt();
        [s * y, 0.5 * y / s, s, -0.25 * y / (s * x), 0.5 / s, 0.0]
    }),
];

#[test]
fn derivatives_match_hand_derived_formulas() {
    for &(text, exact) in BY_HAND {
        let f = parse(text);
        for p in points(50, [0.3, -1.4], [1.7, 1.4]) {
            let [v, fx, fy, fxx, fxy, fyy] = exact(p[0], p[1]);
            let got = [
                f.value(p),
                f.gradient(p)[0],
                f.gradient(p)[1],
                f.hessian(p)[0][0],
                f.hessian(p)[0][1],
                f.hessian(p)[1][1],
            ];
            for (g, want) in got.into_iter().zip([v, fx, fy, fxx, fxy, fyy]) {
                assert!(
                    close(g, want, 1e-12, 0.0),
                    "{text} at {p:?}: {got:?} vs {:?}",
                    [v, fx, fy, fxx, fxy, fyy]
                );
            }
        }
    }
}

#[test]
fn derivatives_at_the_awkward_points() {
    // abs at its kink: the gradient is the smallest subgradient, 0.
    let f = parse("abs(x) + abs(y - 1)");
    assert_eq!(f.gradient([0.0, 1.0]), [0.0, 0.0]);
    assert_eq!(f.gradient([-2.0, 3.0]), [-1.0, 1.0]);
    assert_eq!(f.hessian([0.0, 1.0]), [[0.0; 2]; 2]);
    // x^0.5 at 0: defined, with an infinite slope (the true derivative), never a panic.
    let f = parse("x^0.5");
    assert_eq!(f.value([0.0, 0.0]), 0.0);
    assert_eq!(f.gradient([0.0, 0.0])[0], f64::INFINITY);
    assert_eq!(f.hessian([0.0, 0.0])[0][0], f64::NEG_INFINITY);
    // Integer powers at 0 and below 0: exact, no log of a negative number sneaks in.
    let f = parse("x^2 + y^3");
    assert_eq!(f.gradient([0.0, 0.0]), [0.0, 0.0]);
    assert_eq!(f.gradient([-1.5, -2.0]), [-3.0, 12.0]);
    assert_eq!(f.hessian([-1.5, -2.0]), [[2.0, 0.0], [0.0, -12.0]]);
    // A variable exponent: ∂/∂x is defined at a zero base; ∂/∂y needs log(x), so it is NaN
    // for x < 0 (where x^y itself is NaN for most y).
    let f = parse("x^y");
    assert_eq!(f.gradient([0.0, 2.0])[0], 0.0);
    assert_eq!(f.gradient([2.0, 3.0]), [12.0, 8.0 * 2f64.ln()]);
    assert!(f.gradient([-2.0, 0.5])[1].is_nan());
    // A constant base: 2^x has (2^x)·log(2).
    assert_eq!(parse("2^x").gradient([3.0, 0.0])[0], 8.0 * 2f64.ln());
}

#[test]
fn rosenbrock_written_out_matches_the_built_in() {
    let f = parse("(1 - x)^2 + 100*(y - x^2)^2");
    let built_in = crate::core::surface::rosenbrock::Rosenbrock { a: 1.0, b: 100.0 };
    let mut grid: Vec<[f64; 2]> = (0..=40)
        .flat_map(|i| (0..=40).map(move |j| [-2.0 + 0.1 * i as f64, -1.0 + 0.1 * j as f64]))
        .collect();
    grid.extend(points(2000, [-3.0, -3.0], [3.0, 5.0]));
    grid.extend([[1.0, 1.0], [0.0, 0.0], [-1.2, 1.0], [1e-8, 1e-16]]);
    for p in grid {
        let [x, y] = p;
        // The size of the terms each entry sums, so cancellation is judged fairly.
        let value_scale = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
        assert!(
            close(f.value(p), built_in.value2(p), 1e-13, value_scale),
            "f at {p:?}"
        );
        let [gx, gy] = f.gradient(p);
        let [bx, by] = built_in.grad2(p);
        let gradient_scale = 2.0 * (1.0 - x).abs() + 400.0 * (x * (y - x * x)).abs();
        assert!(
            close(gx, bx, 1e-13, gradient_scale),
            "fx at {p:?}: {gx} vs {bx}"
        );
        assert!(
            close(gy, by, 1e-13, 200.0 * (y - x * x).abs()),
            "fy at {p:?}: {gy} vs {by}"
        );
        let h = f.hessian(p);
        let b = built_in.hess2(p);
        let xx_scale = 2.0 + 400.0 * y.abs() + 1200.0 * x * x;
        assert!(
            close(h[0][0], b[0][0], 1e-13, xx_scale),
            "fxx at {p:?}: {h:?} vs {b:?}"
        );
        assert!(
            close(h[0][1], b[0][1], 1e-13, 400.0 * x.abs()),
            "fxy at {p:?}"
        );
        assert_eq!(h[1][0], h[0][1]);
        assert_eq!(h[1][1], b[1][1], "fyy at {p:?}");
    }
}

// ---------------------------------------------------------------- critical points

fn near(p: [f64; 2], q: [f64; 2], tol: f64) -> bool {
    (p[0] - q[0]).abs() <= tol && (p[1] - q[1]).abs() <= tol
}

fn assert_points(found: &[[f64; 2]], expected: &[[f64; 2]], tol: f64) {
    assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
    for e in expected {
        assert!(
            found.iter().any(|f| near(*f, *e, tol)),
            "{e:?} not in {found:?}"
        );
    }
}

#[test]
fn himmelblau_has_four_minima_and_four_saddles() {
    let f = parse("(x^2 + y - 11)^2 + (x + y^2 - 7)^2");
    let (minima, saddles) = critical_points(&f, [[-5.0, 5.0], [-5.0, 5.0]]);
    assert_points(
        &minima,
        &[
            [3.0, 2.0],
            [-2.805118, 3.131312],
            [-3.779310, -3.283186],
            [3.584428, -1.848126],
        ],
        1e-6,
    );
    assert_points(
        &saddles,
        &[
            [0.086677, 2.884254],
            [-3.073026, -0.081353],
            [3.385154, 0.073852],
            [-0.127961, -1.953715],
        ],
        1e-6,
    );
    for p in minima.iter().chain(&saddles) {
        assert!(f.gradient(*p).iter().all(|g| g.abs() < 1e-9), "{p:?}");
    }
}

#[test]
fn six_hump_camel_puts_its_two_global_minima_first() {
    let f = parse("(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2");
    let (minima, saddles) = critical_points(&f, [[-3.0, 3.0], [-2.0, 2.0]]);
    assert_eq!(minima.len(), 6, "{minima:?}");
    assert_points(&minima[..2], &[[0.0898, -0.7126], [-0.0898, 0.7126]], 1e-4);
    for p in &minima[..2] {
        assert!((f.value(*p) + 1.0316).abs() < 1e-4);
    }
    let values: Vec<f64> = minima.iter().map(|p| f.value(*p)).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    for p in &saddles {
        let [[a, b], [_, d]] = f.hessian(*p);
        assert!(a * d - b * b < 0.0, "{p:?} is not a saddle");
    }
}

#[test]
fn the_saddle_surface_has_two_minima_and_its_saddle() {
    // ∂f/∂y = −y + y³: the minima are at y = ±1 (f = −0.25), where the built-in saddle puts
    // them too (y = ±√(b/2c)).
    let f = parse("x^2 - 0.5*y^2 + 0.25*y^4");
    let (minima, saddles) = critical_points(&f, [[-2.0, 2.0], [-1.5, 1.5]]);
    assert_points(&minima, &[[0.0, 1.0], [0.0, -1.0]], 1e-12);
    assert_points(&saddles, &[[0.0, 0.0]], 1e-12);
    let built_in = crate::core::surface::saddle::Saddle {
        a: 1.0,
        b: 0.5,
        c: 0.25,
    };
    assert_points(&minima, &built_in.minima(), 1e-12);
    // A saddle whose minima are at ±√0.5.
    let f = parse("x^2 - 0.5*y^2 + 0.5*y^4");
    let (minima, _) = critical_points(&f, [[-2.0, 2.0], [-1.5, 1.5]]);
    let r = 0.5f64.sqrt();
    assert_points(&minima, &[[0.0, r], [0.0, -r]], 1e-12);
}

#[test]
fn minima_come_lowest_first() {
    // Two wells; the tilt makes the left one (x ≈ −1) the deeper.
    let f = parse("(x^2 - 1)^2 + 0.3*x + y^2");
    let (minima, saddles) = critical_points(&f, [[-2.0, 2.0], [-1.0, 1.0]]);
    assert_eq!(minima.len(), 2);
    assert!(minima[0][0] < 0.0 && minima[1][0] > 0.0, "{minima:?}");
    assert_eq!(saddles.len(), 1);
}

#[test]
fn a_plane_has_no_critical_points() {
    let f = parse("2*x - y + 3");
    assert_eq!(
        critical_points(&f, [[-2.0, 2.0], [-2.0, 2.0]]),
        (vec![], vec![])
    );
    let f = parse("4");
    assert_eq!(
        critical_points(&f, [[-2.0, 2.0], [-2.0, 2.0]]),
        (vec![], vec![])
    );
}

#[test]
fn undefined_regions_are_skipped() {
    // sqrt(x) is NaN on the left half of the window.
    let f = parse("(sqrt(x) - 1)^2 + y^2");
    let (minima, saddles) = critical_points(&f, [[-2.0, 2.0], [-2.0, 2.0]]);
    assert_points(&minima, &[[1.0, 0.0]], 1e-12);
    assert!(saddles.is_empty());
    let f = parse("sqrt(x) + y");
    assert_eq!(
        critical_points(&f, [[-2.0, 2.0], [-2.0, 2.0]]),
        (vec![], vec![])
    );
    let f = parse("log(-1 - x^2) + y^2");
    assert_eq!(
        critical_points(&f, [[-2.0, 2.0], [-2.0, 2.0]]),
        (vec![], vec![])
    );
}

#[test]
fn degenerate_critical_points_are_classified_by_their_neighbours() {
    // x⁴ + y²: the Hessian at the minimum is singular in x.
    let f = parse("x^4 + y^2");
    let (minima, saddles) = critical_points(&f, [[-1.0, 1.0], [-1.0, 1.0]]);
    assert_points(&minima, &[[0.0, 0.0]], 1e-6);
    assert!(saddles.is_empty());
    // The monkey saddle x³ − 3xy²: the Hessian vanishes at the saddle.
    let f = parse("x^3 - 3*x*y^2");
    let (minima, saddles) = critical_points(&f, [[-1.0, 1.0], [-1.0, 1.0]]);
    assert!(minima.is_empty(), "{minima:?}");
    assert_points(&saddles, &[[0.0, 0.0]], 1e-6);
}

#[test]
fn critical_points_are_deterministic_and_stay_in_the_window() {
    let f = parse("(x^2 + y - 11)^2 + (x + y^2 - 7)^2");
    let window = [[0.0, 5.0], [0.0, 5.0]];
    let first = critical_points(&f, window);
    assert_eq!(first, critical_points(&f, window));
    assert_points(&first.0, &[[3.0, 2.0]], 1e-9);
    assert_points(
        &first.1,
        &[[0.086677, 2.884254], [3.385154, 0.073852]],
        1e-6,
    );
}

#[test]
fn a_bad_window_gives_nothing() {
    let f = parse("x^2 + y^2");
    for window in [
        [[1.0, -1.0], [-1.0, 1.0]],
        [[-1.0, 1.0], [0.0, 0.0]],
        [[f64::NAN, 1.0], [-1.0, 1.0]],
        [[-1.0, f64::INFINITY], [-1.0, 1.0]],
    ] {
        assert_eq!(critical_points(&f, window), (vec![], vec![]));
    }
    assert_points(
        &critical_points(&f, [[-1.0, 1.0], [-1.0, 1.0]]).0,
        &[[0.0, 0.0]],
        1e-12,
    );
}
