//! Constant bash arithmetic (`$((65536 * 2))`, `$[1 << 4]`): integers and operators only, with
//! bash's 64-bit wrapping, truncating division and operator precedence. Anything else (a
//! variable, an assignment, a comparison) is `None`: the caller reports it as not evaluable.

/// Evaluates a constant arithmetic expression.
pub fn eval(text: &str) -> Option<i64> {
    let toks = tokens(text)?;
    let mut p = Parser {
        toks: &toks,
        at: 0,
        depth: 0,
    };
    let v = p.binary(0)?;
    (p.at == toks.len()).then_some(v)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Num(i64),
    Op(&'static str),
    Open,
    Close,
}

const OPS: &[&str] = &[
    "<<", ">>", "**", "+", "-", "*", "/", "%", "&", "|", "^", "~",
];

fn tokens(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let c = rest.chars().next()?;
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if c.is_ascii_digit() {
            let len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            out.push(Tok::Num(number(&rest[..len])?));
            rest = &rest[len..];
            continue;
        }
        let (tok, len) = match c {
            '(' => (Tok::Open, 1),
            ')' => (Tok::Close, 1),
            _ => {
                let op = OPS.iter().find(|o| rest.starts_with(**o))?;
                (Tok::Op(op), op.len())
            }
        };
        out.push(tok);
        rest = &rest[len..];
    }
    Some(out)
}

/// A literal as bash reads it: decimal, `0x` hex, leading-zero octal.
fn number(s: &str) -> Option<i64> {
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
        "|" => 1,
        "^" => 2,
        "&" => 3,
        "<<" | ">>" => 4,
        "+" | "-" => 5,
        "*" | "/" | "%" => 6,
        "**" => 7,
        _ => return None,
    })
}

struct Parser<'a> {
    toks: &'a [Tok],
    at: usize,
    /// Nesting of parentheses and unary operators, bounded (crafted input must not overflow
    /// the stack).
    depth: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).copied();
        self.at += 1;
        t
    }

    fn unary(&mut self) -> Option<i64> {
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let v = self.unary_inner();
        self.depth -= 1;
        v
    }

    fn unary_inner(&mut self) -> Option<i64> {
        match self.next()? {
            Tok::Num(n) => Some(n),
            Tok::Op("-") => self.unary().map(i64::wrapping_neg),
            Tok::Op("+") => self.unary(),
            Tok::Op("~") => self.unary().map(|v| !v),
            Tok::Open => {
                let v = self.binary(0)?;
                (self.next()? == Tok::Close).then_some(v)
            }
            _ => None,
        }
    }

    fn binary(&mut self, min: u8) -> Option<i64> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Op(op)) = self.toks.get(self.at).copied() {
            let p = power(op)?;
            if p <= min && !(op == "**" && p == min) {
                break;
            }
            self.at += 1;
            // `**` is right-associative: its right side binds at its own level.
            let rhs = self.binary(if op == "**" { p - 1 } else { p })?;
            lhs = apply(op, lhs, rhs)?;
        }
        Some(lhs)
    }
}

fn apply(op: &str, a: i64, b: i64) -> Option<i64> {
    Some(match op {
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" => a.checked_div(b)?,
        "%" => a.checked_rem(b)?,
        "**" => a.wrapping_pow(u32::try_from(b).ok()?),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "&" => a & b,
        "|" => a | b,
        "^" => a ^ b,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::eval;

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
        ] {
            assert_eq!(eval(text), Some(want), "{text}");
        }
    }

    #[test]
    fn not_constant_is_none() {
        for text in [
            "X * 2", "$X + 1", "1 / 0", "1 +", "(1", "a = 2", "1 > 2", "",
        ] {
            assert_eq!(eval(text), None, "{text}");
        }
    }
}
