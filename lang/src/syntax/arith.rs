//! Bash arithmetic (`$((...))`, `$[...]`, `((...))`, `let`): integers with bash's 64-bit
//! wrapping, truncating division, operator precedence, comparisons, logic, `?:`, `,`, and
//! assignments to variables. The lexer folds constant expressions (`$[65536 * 2]`) with
//! [`eval`]; the shell evaluator passes its variables through [`Vars`].

/// The variables an expression reads and assigns. A bare name's value is itself evaluated as an
/// expression, as bash does (`A=B+1; B=2; $((A))` is 3).
pub trait Vars {
    /// The value of `name` as text (`None` when unset: it counts as 0).
    fn get(&self, name: &str) -> Option<String>;
    /// Assigns `name`; `Err` when it cannot (read-only, or assignments are not allowed here).
    fn set(&mut self, name: &str, value: i64) -> Result<(), String>;
}

/// No variables: a name or an assignment makes the expression not constant.
struct Constant;

impl Vars for Constant {
    fn get(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
    fn set(&mut self, _: &str, _: i64) -> Result<(), String> {
        Err("not constant".into())
    }
}

/// Evaluates a constant arithmetic expression (no variables, no assignments).
pub fn eval(text: &str) -> Option<i64> {
    let toks = tokens(text).ok()?;
    if toks.iter().any(|t| matches!(t, Tok::Name(_))) {
        return None;
    }
    eval_with(text, &mut Constant).ok()
}

/// Evaluates an expression with variables. The error is a message for a sysadmin.
pub fn eval_with(text: &str, vars: &mut dyn Vars) -> Result<i64, String> {
    eval_nested(text, vars, 0)
}

/// How deep variables may refer to variables (`A=B`, `B=C` ...) and parentheses may nest.
const MAX_DEPTH: usize = 64;

fn eval_nested(text: &str, vars: &mut dyn Vars, depth: usize) -> Result<i64, String> {
    if depth > MAX_DEPTH {
        return Err("expression recursion level exceeded".into());
    }
    let toks = tokens(text)?;
    if toks.is_empty() {
        return Ok(0);
    }
    let mut p = Parser {
        toks: &toks,
        at: 0,
        depth,
        vars,
    };
    let v = p.comma(true)?;
    match p.toks.get(p.at) {
        None => Ok(v),
        Some(t) => Err(format!("syntax error in expression (error token is `{t}`)")),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(i64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Num(n) => write!(f, "{n}"),
            Tok::Name(n) => f.write_str(n),
            Tok::Op(o) => f.write_str(o),
            Tok::Open => f.write_str("("),
            Tok::Close => f.write_str(")"),
        }
    }
}

/// Longest first, so `<<=` is not read as `<<` then `=`.
const OPS: &[&str] = &[
    "<<=", ">>=", "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=",
    "*=", "/=", "%=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">",
    "=", "?", ":", ",",
];

fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if c.is_ascii_digit() {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#' || c == '_' || c == '@'))
                .unwrap_or(rest.len());
            let n = number(&rest[..len]).ok_or_else(|| {
                format!(
                    "value too great for base (error token is `{}`)",
                    &rest[..len]
                )
            })?;
            out.push(Tok::Num(n));
            rest = &rest[len..];
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push(Tok::Name(rest[..len].to_string()));
            rest = &rest[len..];
            continue;
        }
        let (tok, len) = match c {
            '(' => (Tok::Open, 1),
            ')' => (Tok::Close, 1),
            _ => {
                let op = OPS
                    .iter()
                    .find(|o| rest.starts_with(**o))
                    .ok_or_else(|| format!("syntax error: invalid arithmetic operator `{c}`"))?;
                (Tok::Op(op), op.len())
            }
        };
        out.push(tok);
        rest = &rest[len..];
    }
    Ok(out)
}

/// A literal as bash reads it: decimal, `0x` hex, leading-zero octal, `BASE#DIGITS`.
fn number(s: &str) -> Option<i64> {
    if let Some((base, digits)) = s.split_once('#') {
        let base: u32 = base.parse().ok()?;
        if !(2..=36).contains(&base) {
            return None;
        }
        return u64::from_str_radix(digits, base).ok().map(|v| v as i64);
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok().map(|v| v as i64)
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok().map(|v| v as i64)
    } else {
        s.parse::<u64>().ok().map(|v| v as i64)
    }
}

/// Binding power of a binary operator (bash's order, loosest first).
fn power(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | "<=" | ">" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        "**" => 11,
        _ => return None,
    })
}

struct Parser<'a> {
    toks: &'a [Tok],
    at: usize,
    /// Nesting of parentheses, unary operators and variable references, bounded (crafted input
    /// must not overflow the stack).
    depth: usize,
    vars: &'a mut dyn Vars,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        Ok(())
    }

    /// `a, b`: the value of the last.
    fn comma(&mut self, live: bool) -> Result<i64, String> {
        let mut v = self.assign(live)?;
        while self.peek_op() == Some(",") {
            self.at += 1;
            v = self.assign(live)?;
        }
        Ok(v)
    }

    /// `NAME = expr`, `NAME += expr` ... (right-associative), else a conditional.
    fn assign(&mut self, live: bool) -> Result<i64, String> {
        if let (Some(Tok::Name(name)), Some(Tok::Op(op))) =
            (self.toks.get(self.at), self.toks.get(self.at + 1))
            && (*op == "="
                || (op.len() >= 2
                    && op.ends_with('=')
                    && !matches!(*op, "==" | "!=" | "<=" | ">=")))
        {
            let name = name.clone();
            let op = *op;
            self.at += 2;
            self.enter()?;
            let rhs = self.assign(live)?;
            self.depth -= 1;
            if !live {
                return Ok(rhs);
            }
            let value = if op == "=" {
                rhs
            } else {
                let cur = self.value_of(&name)?;
                apply(&op[..op.len() - 1], cur, rhs)?
            };
            self.vars.set(&name, value)?;
            return Ok(value);
        }
        self.conditional(live)
    }

    /// `c ? a : b`; only the chosen branch is evaluated (assignments in the other do not run).
    fn conditional(&mut self, live: bool) -> Result<i64, String> {
        let c = self.binary(0, live)?;
        if self.peek_op() != Some("?") {
            return Ok(c);
        }
        self.at += 1;
        self.enter()?;
        let a = self.comma(live && c != 0)?;
        if self.peek_op() != Some(":") {
            return Err("`:` expected for conditional expression".into());
        }
        self.at += 1;
        let b = self.conditional(live && c == 0)?;
        self.depth -= 1;
        Ok(if c != 0 { a } else { b })
    }

    fn binary(&mut self, min: u8, live: bool) -> Result<i64, String> {
        let mut lhs = self.unary(live)?;
        while let Some(op) = self.peek_op() {
            let Some(p) = power(op) else { break };
            if p <= min && !(op == "**" && p == min) {
                break;
            }
            self.at += 1;
            // `&&`/`||` short-circuit: the right side runs only when it decides.
            let rhs_live = match op {
                "&&" => live && lhs != 0,
                "||" => live && lhs == 0,
                _ => live,
            };
            // `**` is right-associative: its right side binds at its own level.
            let rhs = self.binary(if op == "**" { p - 1 } else { p }, rhs_live)?;
            lhs = if live { apply(op, lhs, rhs)? } else { 0 };
        }
        Ok(lhs)
    }

    fn unary(&mut self, live: bool) -> Result<i64, String> {
        self.enter()?;
        let v = self.unary_inner(live);
        self.depth -= 1;
        v
    }

    fn unary_inner(&mut self, live: bool) -> Result<i64, String> {
        let tok = self
            .peek()
            .cloned()
            .ok_or_else(|| "syntax error: operand expected".to_string())?;
        self.at += 1;
        match tok {
            Tok::Num(n) => Ok(n),
            Tok::Name(name) => match self.peek_op() {
                Some(op @ ("++" | "--")) => {
                    self.at += 1;
                    let cur = self.value_of(&name)?;
                    if live {
                        let new = if op == "++" {
                            cur.wrapping_add(1)
                        } else {
                            cur.wrapping_sub(1)
                        };
                        self.vars.set(&name, new)?;
                    }
                    Ok(cur)
                }
                _ => self.value_of(&name),
            },
            Tok::Op(op @ ("++" | "--")) => {
                let Some(Tok::Name(name)) = self.peek().cloned() else {
                    return Err(format!("syntax error: `{op}` needs a variable"));
                };
                self.at += 1;
                let cur = self.value_of(&name)?;
                let new = if op == "++" {
                    cur.wrapping_add(1)
                } else {
                    cur.wrapping_sub(1)
                };
                if live {
                    self.vars.set(&name, new)?;
                }
                Ok(new)
            }
            Tok::Op("-") => self.unary(live).map(i64::wrapping_neg),
            Tok::Op("+") => self.unary(live),
            Tok::Op("~") => self.unary(live).map(|v| !v),
            Tok::Op("!") => self.unary(live).map(|v| i64::from(v == 0)),
            Tok::Open => {
                let v = self.comma(live)?;
                match self.peek() {
                    Some(Tok::Close) => {
                        self.at += 1;
                        Ok(v)
                    }
                    _ => Err("missing `)`".into()),
                }
            }
            t => Err(format!(
                "syntax error: operand expected (error token is `{t}`)"
            )),
        }
    }

    /// A variable's value: unset or empty is 0, otherwise its text evaluated as an expression.
    fn value_of(&mut self, name: &str) -> Result<i64, String> {
        match self.vars.get(name) {
            None => Ok(0),
            Some(text) if text.trim().is_empty() => Ok(0),
            Some(text) => {
                if let Some(n) = number(text.trim()) {
                    return Ok(n);
                }
                eval_nested(&text, self.vars, self.depth + 1)
            }
        }
    }
}

fn apply(op: &str, a: i64, b: i64) -> Result<i64, String> {
    Ok(match op {
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err("division by 0".into()),
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "**" => {
            let e = u32::try_from(b).map_err(|_| "exponent less than 0".to_string())?;
            a.wrapping_pow(e)
        }
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "&" => a & b,
        "|" => a | b,
        "^" => a ^ b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        "<=" => i64::from(a <= b),
        ">" => i64::from(a > b),
        ">=" => i64::from(a >= b),
        "&&" => i64::from(a != 0 && b != 0),
        "||" => i64::from(a != 0 || b != 0),
        _ => return Err(format!("syntax error: `{op}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn constants_as_bash_computes_them() {
        for (text, want) in [
            ("65536 * 2", 131072),
            ("1 + 2 * 3", 7),
            ("(1 + 2) * 3", 9),
            ("7 / 2", 3),
            ("-7 / 2", -3),
            ("7 % 3", 1),
            ("1 << 4", 16),
            ("2 ** 3 ** 2", 512),
            ("0x10 + 010", 24),
            ("~0", -1),
            ("6 & 3 | 8", 10),
            ("2#101 + 16#ff", 260),
            ("1 > 2", 0),
            ("3 >= 3 && 1 || 0", 1),
            ("!0", 1),
            ("1 ? 5 : 6", 5),
            ("1, 2", 2),
        ] {
            assert_eq!(eval(text), Some(want), "{text}");
        }
    }

    #[test]
    fn not_constant_is_none() {
        for text in ["X * 2", "$X + 1", "1 / 0", "1 +", "(1", "a = 2"] {
            assert_eq!(eval(text), None, "{text}");
        }
    }

    struct Map(HashMap<String, String>);
    impl Vars for Map {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn set(&mut self, name: &str, value: i64) -> Result<(), String> {
            self.0.insert(name.into(), value.to_string());
            Ok(())
        }
    }

    #[test]
    fn variables_and_assignments() {
        let mut m = Map(HashMap::from([
            ("BASE".to_string(), "8000".to_string()),
            ("A".to_string(), "B+1".to_string()),
            ("B".to_string(), "2".to_string()),
        ]));
        assert_eq!(eval_with("BASE + 80", &mut m), Ok(8080));
        assert_eq!(eval_with("A * 2", &mut m), Ok(6));
        assert_eq!(eval_with("I = 3, I += 2, I++", &mut m), Ok(5));
        assert_eq!(m.0["I"], "6");
        assert_eq!(eval_with("0 && (J = 1)", &mut m), Ok(0));
        assert!(
            !m.0.contains_key("J"),
            "the dead side of && does not assign"
        );
        assert_eq!(eval_with("UNSET + 1", &mut m), Ok(1));
        assert!(eval_with("1 / 0", &mut m).is_err());
        m.0.insert("LOOP".into(), "LOOP".into());
        assert!(eval_with("LOOP", &mut m).is_err(), "self reference ends");
    }
}
