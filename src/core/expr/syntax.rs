//! Reading a formula: tokens with their columns, then a recursive-descent parser whose
//! recursion is bounded before it starts.
//!
//! Precedence is the usual one, not exmex's: `^` binds tightest and to the right, then unary
//! minus (`-x^2` is `-(x^2)`, `2^-x` is `2^(-x)`), then `*` and `/`, then `+` and `-`, each
//! pair from left to right, so `a*b/c` is `(a*b)/c` like in hand-written code.

use super::ExprError;
use super::tree::{Func, Op, Tree, USER_FUNCS, Var};

/// Longest formula, in characters.
pub const MAX_CHARS: usize = 2000;
/// Deepest nesting of parentheses, function calls, signs and powers.
pub const MAX_NESTING: usize = 64;
/// Deepest the formula's tree may be, in operations: in a chain such as a sum, each term is
/// one level. It bounds the depth of the derivatives and of every walk over them.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(Op),
    Open,
    Close,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// 1-based character column of the first character.
    column: usize,
    /// Width in characters.
    width: usize,
    /// The characters as written, for messages.
    source: String,
}

impl Token {
    fn show(&self) -> &str {
        &self.source
    }

    fn is_operand(&self) -> bool {
        matches!(self.tok, Tok::Num(_) | Tok::Ident(_))
    }
}

fn error(
    column: usize,
    width: usize,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> ExprError {
    ExprError {
        column,
        width: width.max(1),
        message: message.into(),
        hint: hint.into(),
    }
}

fn function_list() -> String {
    let names: Vec<&str> = USER_FUNCS.iter().map(|f| f.name()).collect();
    format!("the functions are {}", names.join(", "))
}

/// Parses a formula in x and y into its tree.
pub(crate) fn parse(text: &str) -> Result<Tree, ExprError> {
    // Counting stops past the limit, so a megabyte formula costs no more than a long one.
    let chars = text.chars().take(MAX_CHARS + 1).count();
    if chars > MAX_CHARS {
        return Err(error(
            MAX_CHARS + 1,
            1,
            format!("the formula is longer than {MAX_CHARS} characters"),
            "write a shorter formula",
        ));
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(error(
            1,
            chars,
            "the formula is empty",
            "write a formula in x and y, for example x^2 + 10*y^2",
        ));
    }
    check_parentheses(&tokens)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        nesting: 0,
    };
    let tree = parser.sum()?;
    match parser.tokens.get(parser.pos) {
        None => Ok(tree),
        Some(t) if t.tok == Tok::Close => Err(error(
            t.column,
            1,
            "')' has no matching '('",
            "remove it or add a '(' before it",
        )),
        // `sum` stops only at a ')' or the end; this arm is for safety, not expected.
        Some(t) => Err(error(
            t.column,
            t.width,
            format!("unexpected '{}'", t.show()),
            "check the formula around here",
        )),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let single = |tok| Token {
            tok,
            column,
            width: 1,
            source: c.to_string(),
        };
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '+' | '-' | '*' | '/' | '^' => {
                let op = match c {
                    '+' => Op::Add,
                    '-' => Op::Sub,
                    '*' => Op::Mul,
                    '/' => Op::Div,
                    _ => Op::Pow,
                };
                tokens.push(single(Tok::Op(op)));
                i += 1;
            }
            '(' => {
                tokens.push(single(Tok::Open));
                i += 1;
            }
            ')' => {
                tokens.push(single(Tok::Close));
                i += 1;
            }
            '0'..='9' | '.' => {
                let (value, len) = number(&chars[i..], column)?;
                tokens.push(Token {
                    tok: Tok::Num(value),
                    column,
                    width: len,
                    source: chars[i..i + len].iter().collect(),
                });
                i += len;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                let name: String = chars[i..i + len].iter().collect();
                tokens.push(Token {
                    tok: Tok::Ident(name.clone()),
                    column,
                    width: len,
                    source: name,
                });
                i += len;
            }
            ',' => {
                return Err(error(
                    column,
                    1,
                    "unexpected ','",
                    "the functions here take one argument, e.g. atan(y/x)",
                ));
            }
            other => return Err(unexpected_char(other, column)),
        }
    }
    Ok(tokens)
}

/// A number: digits with an optional fraction and exponent (`1`, `0.5`, `.5`, `1e-3`,
/// `2.5E+4`). An `e` not followed by an exponent is left for the constant e.
fn number(chars: &[char], column: usize) -> Result<(f64, usize), ExprError> {
    let digits = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut len = digits(0);
    let mut mantissa_digits = len;
    if chars.get(len) == Some(&'.') {
        let fraction = digits(len + 1);
        mantissa_digits += fraction;
        len += 1 + fraction;
    }
    if mantissa_digits == 0 {
        return Err(error(
            column,
            len,
            "a '.' without digits",
            "write numbers like 0.5 or .5",
        ));
    }
    if matches!(chars.get(len), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(len + 1), Some('+' | '-')));
        let exponent = digits(len + 1 + sign);
        if exponent > 0 {
            len += 1 + sign + exponent;
        }
    }
    let literal: String = chars[..len].iter().collect();
    match literal.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok((v, len)),
        Ok(_) => Err(error(
            column,
            len,
            format!("the number {literal} is too large"),
            "numbers must be below 1.8e308",
        )),
        Err(_) => Err(error(
            column,
            len,
            format!("'{literal}' is not a number"),
            "write numbers like 1, 0.5 or 1e-3",
        )),
    }
}

fn unexpected_char(c: char, column: usize) -> ExprError {
    let hint = match c {
        '×' | '·' | '∙' | '⋅' => "write * for a product".to_string(),
        '−' | '–' | '—' => "write - (the ASCII minus)".to_string(),
        '÷' => "write / for a division".to_string(),
        '²' => "write ^2 for a square".to_string(),
        '³' => "write ^3 for a cube".to_string(),
        'π' => "write pi".to_string(),
        '[' | ']' | '{' | '}' => "group with ( and )".to_string(),
        '|' => "write abs(...) for an absolute value".to_string(),
        '=' => "write only the right-hand side, e.g. x^2 + y^2".to_string(),
        _ => format!(
            "a formula uses numbers, x, y, pi, e, + - * / ^, parentheses, and {}",
            function_list()
        ),
    };
    error(column, 1, format!("unexpected character '{c}'"), hint)
}

/// Unbalanced parentheses are found in one pass, so the message points at the one that is
/// missing its partner, and depth is refused before the parser recurses into it.
fn check_parentheses(tokens: &[Token]) -> Result<(), ExprError> {
    let mut open: Vec<&Token> = Vec::new();
    for t in tokens {
        match t.tok {
            Tok::Open => {
                if open.len() == MAX_NESTING {
                    return Err(too_deep(t));
                }
                open.push(t);
            }
            Tok::Close if open.pop().is_none() => {
                return Err(error(
                    t.column,
                    1,
                    "')' has no matching '('",
                    "remove it or add a '(' before it",
                ));
            }
            _ => {}
        }
    }
    match open.last() {
        Some(t) => Err(error(
            t.column,
            1,
            "'(' is never closed",
            "add a ')' where it should end",
        )),
        None => Ok(()),
    }
}

fn too_deep(t: &Token) -> ExprError {
    error(
        t.column,
        t.width,
        format!("the formula nests more than {MAX_NESTING} levels deep"),
        "write a flatter formula",
    )
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    /// Current depth of parentheses, calls, signs and exponents.
    nesting: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_op(&self) -> Option<Op> {
        match self.peek()?.tok {
            Tok::Op(op) => Some(op),
            _ => None,
        }
    }

    /// Enters one level of nesting, refusing the level past the limit before recursing.
    fn enter(&mut self, at: &Token) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            Err(too_deep(at))
        } else {
            Ok(())
        }
    }

    /// Joins two operands, refusing a tree deeper than the limit (a long chain of terms).
    fn join(op: Op, at: &Token, a: Tree, b: Tree) -> Result<Tree, ExprError> {
        let tree = Tree::binary(op, a, b);
        if tree.depth() > MAX_DEPTH {
            Err(error(
                at.column,
                1,
                format!("the formula is more than {MAX_DEPTH} operations deep"),
                "each term of a long sum or product is one level: write a shorter formula",
            ))
        } else {
            Ok(tree)
        }
    }

    /// sum := product (('+' | '-') product)*
    fn sum(&mut self) -> Result<Tree, ExprError> {
        let mut tree = self.product()?;
        while let Some(op @ (Op::Add | Op::Sub)) = self.peek_op() {
            let at = self.tokens[self.pos].clone();
            self.pos += 1;
            let right = self.product_after(&at)?;
            tree = Self::join(op, &at, tree, right)?;
        }
        Ok(tree)
    }

    /// product := signed (('*' | '/') signed)*, and two operands side by side are an error.
    fn product(&mut self) -> Result<Tree, ExprError> {
        let mut tree = self.signed()?;
        loop {
            match self.peek() {
                Some(Token {
                    tok: Tok::Op(op @ (Op::Mul | Op::Div)),
                    ..
                }) => {
                    let op = *op;
                    let at = self.tokens[self.pos].clone();
                    self.pos += 1;
                    let right = self.signed_after(&at)?;
                    tree = Self::join(op, &at, tree, right)?;
                }
                Some(
                    t @ Token {
                        tok: Tok::Num(_) | Tok::Ident(_) | Tok::Open,
                        ..
                    },
                ) => return Err(self.missing_operator(t)),
                _ => return Ok(tree),
            }
        }
    }

    /// signed := ('-' | '+') signed | power
    fn signed(&mut self) -> Result<Tree, ExprError> {
        match self.peek_op() {
            Some(op @ (Op::Add | Op::Sub)) => {
                let at = self.tokens[self.pos].clone();
                self.pos += 1;
                self.enter(&at)?;
                let operand = self.signed_after(&at)?;
                self.nesting -= 1;
                Ok(if op == Op::Sub {
                    Tree::negate(operand)
                } else {
                    operand
                })
            }
            _ => self.power(),
        }
    }

    /// power := atom ('^' signed)?, so `a^b^c` is `a^(b^c)` and `2^-x` is `2^(-x)`.
    fn power(&mut self) -> Result<Tree, ExprError> {
        let base = self.atom()?;
        if self.peek_op() != Some(Op::Pow) {
            return Ok(base);
        }
        let at = self.tokens[self.pos].clone();
        self.pos += 1;
        self.enter(&at)?;
        let exponent = self.signed_after(&at)?;
        self.nesting -= 1;
        Self::join(Op::Pow, &at, base, exponent)
    }

    /// The right operand of a binary operator: it must exist.
    fn product_after(&mut self, op: &Token) -> Result<Tree, ExprError> {
        self.expect_operand(op)?;
        self.product()
    }

    fn signed_after(&mut self, op: &Token) -> Result<Tree, ExprError> {
        self.expect_operand(op)?;
        self.signed()
    }

    /// Checks that an operand follows `op`, with the message for each way it can be missing.
    fn expect_operand(&self, op: &Token) -> Result<(), ExprError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Num(_) | Tok::Ident(_) | Tok::Open,
                ..
            }) => Ok(()),
            Some(Token {
                tok: Tok::Op(Op::Add | Op::Sub),
                ..
            }) => Ok(()),
            Some(Token {
                tok: Tok::Op(Op::Mul),
                ..
            }) if op.tok == Tok::Op(Op::Mul) => Err(error(
                op.column,
                2,
                "'**' is not an operator here",
                "powers are written x^2",
            )),
            Some(
                t @ Token {
                    tok: Tok::Op(_), ..
                },
            ) => Err(error(
                t.column,
                1,
                format!("'{}' cannot follow '{}'", t.show(), op.show()),
                "remove one of the two operators, or put a number or variable between them",
            )),
            Some(Token {
                tok: Tok::Close, ..
            })
            | None => Err(error(
                op.column,
                1,
                format!("'{}' has nothing on its right", op.show()),
                format!("complete the formula after '{}' or remove it", op.show()),
            )),
        }
    }

    /// atom := number | x | y | pi | e | function '(' sum ')' | '(' sum ')'
    fn atom(&mut self) -> Result<Tree, ExprError> {
        let Some(t) = self.peek().cloned() else {
            // Callers check for an operand first; the start of an empty formula is caught
            // before parsing.
            return Err(error(
                1,
                1,
                "the formula is empty",
                "write a formula in x and y",
            ));
        };
        match &t.tok {
            Tok::Num(v) => {
                self.pos += 1;
                Ok(Tree::num(*v))
            }
            Tok::Open => {
                self.pos += 1;
                self.group(&t, None)
            }
            Tok::Ident(name) => {
                self.pos += 1;
                self.identifier(&t, name)
            }
            Tok::Op(_) => Err(error(
                t.column,
                1,
                format!("'{}' has nothing on its left", t.show()),
                format!(
                    "put a number or variable before '{}' or remove it",
                    t.show()
                ),
            )),
            Tok::Close => Err(error(
                t.column,
                1,
                "')' has no matching '('",
                "remove it or add a '(' before it",
            )),
        }
    }

    /// After an opening parenthesis (of a call to `func`, if given): the inside and the ')'.
    fn group(&mut self, open: &Token, func: Option<Func>) -> Result<Tree, ExprError> {
        if let Some(Token {
            tok: Tok::Close, ..
        }) = self.peek()
        {
            return Err(match func {
                Some(f) => error(
                    open.column,
                    2,
                    format!("{}() needs an argument", f.name()),
                    format!("write {}(x), for example", f.name()),
                ),
                None => error(
                    open.column,
                    2,
                    "empty parentheses",
                    "put a formula between them",
                ),
            });
        }
        self.enter(open)?;
        let inside = self.sum()?;
        self.nesting -= 1;
        match self.peek() {
            Some(Token {
                tok: Tok::Close, ..
            }) => {
                self.pos += 1;
                Ok(match func {
                    Some(f) => Tree::call(f, inside),
                    None => inside,
                })
            }
            // Balance was checked before parsing, and `sum` stops only at ')' or the end.
            _ => Err(error(
                open.column,
                1,
                "'(' is never closed",
                "add a ')' where it should end",
            )),
        }
    }

    fn identifier(&mut self, t: &Token, name: &str) -> Result<Tree, ExprError> {
        let called = matches!(self.peek(), Some(Token { tok: Tok::Open, .. }));
        if let Some(func) = Func::from_user_name(name) {
            if !called {
                return Err(error(
                    t.column,
                    t.width,
                    format!("{name} needs parentheses"),
                    format!("write {name}(...), e.g. {name}(x)"),
                ));
            }
            let open = self.tokens[self.pos].clone();
            self.pos += 1;
            return self.group(&open, Some(func));
        }
        let value = match name {
            "x" => Some(Tree::var(Var::X)),
            "y" => Some(Tree::var(Var::Y)),
            "pi" => Some(Tree::num(std::f64::consts::PI)),
            "e" => Some(Tree::num(std::f64::consts::E)),
            _ => None,
        };
        match value {
            // `x(2)`, `pi(x)`: not a call.
            Some(_) if called => Err(self.missing_operator(&self.tokens[self.pos])),
            Some(tree) => Ok(tree),
            None if called => Err(unknown_function(t, name)),
            None => Err(unknown_name(t, name)),
        }
    }

    /// Two operands side by side, e.g. `2x`, `x y`, `(x)(y)`, `x(2)`.
    fn missing_operator(&self, next: &Token) -> ExprError {
        let before = self.pos.checked_sub(1).map(|i| &self.tokens[i]);
        let hint = match before {
            Some(b) if b.is_operand() && next.is_operand() => {
                format!("write {}*{} for a product", b.show(), next.show())
            }
            Some(b) if b.is_operand() => format!("write {}*(...) for a product", b.show()),
            _ => "put * between them for a product".to_string(),
        };
        let message = match before {
            Some(b) => format!(
                "missing operator between '{}' and '{}'",
                b.show(),
                next.show()
            ),
            None => format!("missing operator before '{}'", next.show()),
        };
        error(next.column, next.width, message, hint)
    }
}

fn unknown_function(t: &Token, name: &str) -> ExprError {
    let lower = name.to_ascii_lowercase();
    let hint = if Func::from_user_name(&lower).is_some() {
        format!("function names are lower case: {lower}")
    } else {
        match lower.as_str() {
            "ln" => "log is the natural logarithm: log(x)".to_string(),
            "pow" => "write powers as a^b".to_string(),
            "arctan" => "write atan".to_string(),
            "exp2" | "log2" | "log10" => {
                "write them with exp and log, e.g. log(x)/log(10)".to_string()
            }
            _ => function_list(),
        }
    };
    error(
        t.column,
        t.width,
        format!("unknown function '{name}'"),
        hint,
    )
}

fn unknown_name(t: &Token, name: &str) -> ExprError {
    let hint = if name.len() > 1 && name.chars().all(|c| c == 'x' || c == 'y') {
        let product: Vec<String> = name.chars().map(String::from).collect();
        format!(
            "variables are x and y; write {} for a product",
            product.join("*")
        )
    } else if matches!(name, "X" | "Y") {
        "variables are x and y (lower case)".to_string()
    } else if matches!(name, "PI" | "Pi" | "E") {
        "the constants are pi and e (lower case)".to_string()
    } else if Func::from_user_name(&name.to_ascii_lowercase()).is_some() {
        format!(
            "{0} is a function: write {0}(...)",
            name.to_ascii_lowercase()
        )
    } else {
        "variables are x and y".to_string()
    };
    error(
        t.column,
        t.width,
        format!("unknown variable '{name}'"),
        hint,
    )
}
