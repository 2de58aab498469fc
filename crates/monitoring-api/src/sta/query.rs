//! SensorThings query options: `$top`, `$skip`, `$count`, `$orderby`, `$expand`, `$select`
//! (ignored) and `$filter` with comparisons, `and`/`or`/`not`, parentheses, numbers, strings,
//! booleans, `null` and ISO 8601 time literals (OData's grammar, the subset STA clients use).
//!
//! Written by hand: the OData crates on crates.io target other frameworks or are unmaintained,
//! and this subset is small.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::cmp::Ordering;

pub const DEFAULT_TOP: usize = 100;
pub const MAX_TOP: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct QueryError(pub String);

type Result<T> = std::result::Result<T, QueryError>;

fn bad<T>(message: impl Into<String>) -> Result<T> {
    Err(QueryError(message.into()))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    pub top: Option<usize>,
    pub skip: usize,
    pub count: bool,
    pub order_by: Vec<(String, bool)>,
    pub filter: Option<Expr>,
    pub expand: Vec<Expand>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expand {
    pub name: String,
    pub options: Options,
}

impl Options {
    pub fn top_or_default(&self) -> usize {
        self.top.unwrap_or(DEFAULT_TOP).min(MAX_TOP)
    }

    /// From `(name, value)` pairs of a query string (already percent-decoded).
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut options = Options::default();
        for (name, value) in pairs {
            options.set(name, value)?;
        }
        Ok(options)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let value = value.trim();
        match name {
            "$top" => {
                self.top = Some(value.parse().or_else(|_| {
                    bad(format!(
                        "$top must be a non-negative integer, got {value:?}"
                    ))
                })?)
            }
            "$skip" => {
                self.skip = value.parse().or_else(|_| {
                    bad(format!(
                        "$skip must be a non-negative integer, got {value:?}"
                    ))
                })?
            }
            "$count" => {
                self.count = match value {
                    "true" => true,
                    "false" => false,
                    _ => return bad(format!("$count must be true or false, got {value:?}")),
                }
            }
            "$orderby" => {
                for part in split_top_level(value, ',') {
                    let mut words = part.split_whitespace();
                    let path = words
                        .next()
                        .ok_or_else(|| QueryError("$orderby: empty term".into()))?;
                    // Clients send `ASC`/`DESC` as often as the spec's lower case.
                    let direction = words.next().map(str::to_ascii_lowercase);
                    let descending = match direction.as_deref() {
                        None | Some("asc") => false,
                        Some("desc") => true,
                        Some(other) => {
                            return bad(format!("$orderby: expected asc or desc, got {other:?}"))
                        }
                    };
                    self.order_by.push((path.to_string(), descending));
                }
            }
            "$filter" => self.filter = Some(parse_filter(value)?),
            "$expand" => {
                for item in split_top_level(value, ',') {
                    self.expand.push(parse_expand(item.trim())?);
                }
            }
            "$select" | "$resultFormat" => {}
            other if other.starts_with('$') => {
                return bad(format!("unknown query option {other}"));
            }
            _ => {}
        }
        Ok(())
    }
}

/// `Datastreams/Observations($top=2;$orderby=phenomenonTime desc)`
fn parse_expand(item: &str) -> Result<Expand> {
    let (head, inner) = match item.find('(') {
        Some(open) if item.ends_with(')') => (&item[..open], Some(&item[open + 1..item.len() - 1])),
        Some(_) => return bad(format!("$expand: unbalanced parentheses in {item:?}")),
        None => (item, None),
    };
    let mut names = head.split('/').map(str::trim);
    let first = names.next().unwrap_or_default().to_string();
    let rest: Vec<&str> = names.collect();
    let mut leaf_options = Options::default();
    if let Some(inner) = inner {
        for option in split_top_level(inner, ';') {
            let (name, value) = option
                .split_once('=')
                .ok_or_else(|| QueryError(format!("$expand: bad option {option:?}")))?;
            leaf_options.set(name.trim(), value)?;
        }
    }
    // Build the chain from the leaf up: a/b/c(opts) = a{expand b{expand c(opts)}}.
    let mut chain = rest.into_iter().rev();
    let options = match chain.next() {
        None => leaf_options,
        Some(leaf) => {
            let mut expand = Expand {
                name: leaf.to_string(),
                options: leaf_options,
            };
            for name in chain {
                expand = Expand {
                    name: name.to_string(),
                    options: Options {
                        expand: vec![expand],
                        ..Options::default()
                    },
                };
            }
            Options {
                expand: vec![expand],
                ..Options::default()
            }
        }
    };
    if first.is_empty() {
        return bad("$expand: empty item");
    }
    Ok(Expand {
        name: first,
        options,
    })
}

fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            c if c == separator && depth == 0 && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Op::Eq => ordering == Ordering::Equal,
            Op::Ne => ordering != Ordering::Equal,
            Op::Gt => ordering == Ordering::Greater,
            Op::Ge => ordering != Ordering::Less,
            Op::Lt => ordering == Ordering::Less,
            Op::Le => ordering != Ordering::Greater,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(String),
    Number(f64),
    Text(String),
    Time(DateTime<Utc>),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Operand, Op, Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Operand(Operand),
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            tokens.push(Token::Open);
            i += 1;
        } else if c == ')' {
            tokens.push(Token::Close);
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return bad("$filter: unterminated string literal"),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        s.push(c);
                        i += 1;
                    }
                }
            }
            tokens.push(Token::Operand(Operand::Text(s)));
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')'
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(classify(word)?);
        }
    }
    Ok(tokens)
}

fn classify(word: String) -> Result<Token> {
    let first = word.chars().next().unwrap_or(' ');
    if first.is_ascii_digit() || first == '-' || first == '+' {
        if let Ok(n) = word.parse::<f64>() {
            return Ok(Token::Operand(Operand::Number(n)));
        }
        return match parse_time(&word) {
            Some(t) => Ok(Token::Operand(Operand::Time(t))),
            None => bad(format!(
                "$filter: {word:?} is neither a number nor an ISO 8601 time"
            )),
        };
    }
    Ok(match word.as_str() {
        "true" => Token::Operand(Operand::Bool(true)),
        "false" => Token::Operand(Operand::Bool(false)),
        "null" => Token::Operand(Operand::Null),
        "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "and" | "or" | "not" => Token::Word(word),
        _ => Token::Operand(Operand::Path(word)),
    })
}

/// An ISO 8601 instant; for an interval `start/end`, its start (what comparisons use).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let start = text.split('/').next()?;
    DateTime::parse_from_rfc3339(start)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn parse_filter(text: &str) -> Result<Expr> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let expr = parser.or()?;
    if parser.at != parser.tokens.len() {
        return bad(format!(
            "$filter: unexpected {:?} after a complete expression",
            parser.tokens[parser.at]
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn word(&self, w: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(x)) if x == w)
    }

    fn or(&mut self) -> Result<Expr> {
        let mut left = self.and()?;
        while self.word("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut left = self.unary()?;
        while self.word("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            if self.tokens.get(self.at) != Some(&Token::Close) {
                return bad("$filter: missing ')'");
            }
            self.at += 1;
            return Ok(inner);
        }
        let left = self.operand()?;
        let op = match self.tokens.get(self.at) {
            Some(Token::Word(w)) => match w.as_str() {
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "lt" => Op::Lt,
                "le" => Op::Le,
                other => return bad(format!("$filter: expected a comparison, got {other:?}")),
            },
            other => return bad(format!("$filter: expected a comparison, got {other:?}")),
        };
        self.at += 1;
        let right = self.operand()?;
        Ok(Expr::Compare(left, op, right))
    }

    fn operand(&mut self) -> Result<Operand> {
        match self.tokens.get(self.at) {
            Some(Token::Operand(o)) => {
                self.at += 1;
                Ok(o.clone())
            }
            other => bad(format!(
                "$filter: expected a property or literal, got {other:?}"
            )),
        }
    }
}

/// Looks a path (`result`, `properties/town_code`, `id`) up in an entity's JSON.
fn lookup<'a>(entity: &'a Value, path: &str) -> Option<&'a Value> {
    let path = if path == "id" { "@iot.id" } else { path };
    path.split('/').try_fold(entity, |v, key| v.get(key))
}

fn resolve(entity: &Value, operand: &Operand) -> Operand {
    match operand {
        Operand::Path(path) => match lookup(entity, path) {
            Some(Value::Number(n)) => n.as_f64().map_or(Operand::Null, Operand::Number),
            Some(Value::String(s)) => Operand::Text(s.clone()),
            Some(Value::Bool(b)) => Operand::Bool(*b),
            _ => Operand::Null,
        },
        other => other.clone(),
    }
}

fn compare(left: &Operand, right: &Operand) -> Option<Ordering> {
    use Operand::*;
    match (left, right) {
        (Number(a), Number(b)) => a.partial_cmp(b),
        (Text(a), Text(b)) => Some(a.cmp(b)),
        (Time(a), Time(b)) => Some(a.cmp(b)),
        (Text(a), Time(b)) => parse_time(a).map(|a| a.cmp(b)),
        (Time(a), Text(b)) => parse_time(b).map(|b| a.cmp(&b)),
        (Bool(a), Bool(b)) => Some(a.cmp(b)),
        (Null, Null) => Some(Ordering::Equal),
        _ => None,
    }
}

/// Whether an entity (as served) passes the filter. Comparisons of mismatched types are false
/// except `ne`, as in OData.
pub fn matches(expr: &Expr, entity: &Value) -> bool {
    match expr {
        Expr::And(a, b) => matches(a, entity) && matches(b, entity),
        Expr::Or(a, b) => matches(a, entity) || matches(b, entity),
        Expr::Not(a) => !matches(a, entity),
        Expr::Compare(l, op, r) => match compare(&resolve(entity, l), &resolve(entity, r)) {
            Some(ordering) => op.holds(ordering),
            None => *op == Op::Ne,
        },
    }
}

/// Orders served entities by `$orderby` terms.
pub fn order(entities: &mut [Value], terms: &[(String, bool)]) {
    entities.sort_by(|a, b| {
        for (path, descending) in terms {
            let path = Operand::Path(path.clone());
            let ordering =
                compare(&resolve(a, &path), &resolve(b, &path)).unwrap_or(Ordering::Equal);
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_combine_comparisons_and_times() {
        let f = parse_filter(
            "result gt 5 and (phenomenonTime ge 2023-07-30T00:00:00Z or result eq -1)",
        )
        .unwrap();
        assert!(matches(
            &f,
            &json!({"result": 6, "phenomenonTime": "2023-07-30T01:00:00.000Z"})
        ));
        assert!(!matches(
            &f,
            &json!({"result": 6, "phenomenonTime": "2023-07-29T01:00:00.000Z"})
        ));
        assert!(!matches(
            &f,
            &json!({"result": 4, "phenomenonTime": "2023-07-30T01:00:00.000Z"})
        ));
        let names = parse_filter("name eq 'O''Brien' and not properties/x eq 1").unwrap();
        assert!(matches(
            &names,
            &json!({"name": "O'Brien", "properties": {"x": 2}})
        ));
    }

    #[test]
    fn malformed_filters_are_refused_with_a_reason() {
        for bad in [
            "result gt",
            "result zz 3",
            "(result gt 3",
            "result gt 2023-13-01",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expand_paths_nest() {
        let o = Options::parse([(
            "$expand",
            "Datastreams/Observations($top=2;$orderby=result desc),Locations",
        )])
        .unwrap();
        assert_eq!(o.expand.len(), 2);
        assert_eq!(o.expand[0].name, "Datastreams");
        let inner = &o.expand[0].options.expand[0];
        assert_eq!(
            (inner.name.as_str(), inner.options.top),
            ("Observations", Some(2))
        );
    }
}
