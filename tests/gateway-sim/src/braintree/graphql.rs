//! A small GraphQL document reader: enough to find the operation type, its top-level fields
//! (alias, name, arguments with `$variables` resolved to JSON) and their sub-fields. It does not
//! type-check against Braintree's `schema.graphql`; the simulator answers fixed payload shapes.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The key of this field in `data` (the alias when there is one).
    pub key: String,
    pub name: String,
    pub args: Map<String, Value>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// "query" or "mutation" (or "subscription").
    pub kind: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Num(String),
    Punct(char),
    Spread,
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '.' if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') => {
                out.push(Tok::Spread);
                i += 3;
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ':' | '!' | '$' | '@' | '=' | '|' | '&' => {
                out.push(Tok::Punct(c));
                i += 1;
            }
            '"' if chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"') => {
                let start = i + 3;
                let rest: String = chars[start..].iter().collect();
                let end = rest.find("\"\"\"").ok_or("unterminated block string")?;
                out.push(Tok::Str(rest[..end].trim().to_string()));
                i = start + rest[..end].chars().count() + 3;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    let c = *chars.get(i).ok_or("unterminated string")?;
                    i += 1;
                    match c {
                        '"' => break,
                        '\\' => {
                            let e = *chars.get(i).ok_or("unterminated string")?;
                            i += 1;
                            s.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                'b' => '\u{8}',
                                'f' => '\u{c}',
                                'u' => {
                                    let hex: String =
                                        chars.get(i..i + 4).ok_or("bad \\u")?.iter().collect();
                                    i += 4;
                                    u32::from_str_radix(&hex, 16)
                                        .ok()
                                        .and_then(char::from_u32)
                                        .ok_or("bad \\u escape")?
                                }
                                other => other,
                            });
                        }
                        c => s.push(c),
                    }
                }
                out.push(Tok::Str(s));
            }
            c if c == '-' || c.is_ascii_digit() => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '+' | '-'))
                {
                    i += 1;
                }
                out.push(Tok::Num(chars[start..i].iter().collect()));
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push(Tok::Name(chars[start..i].iter().collect()));
            }
            other => return Err(format!("Syntax Error: Unexpected character '{other}'.")),
        }
    }
    Ok(out)
}

/// Nesting limit for values and selection sets (the parser recurses; a connection thread has a
/// small stack).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    vars: &'a Value,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Result<Tok, String> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("Syntax Error: Unexpected <EOF>.")?;
        self.pos += 1;
        Ok(t)
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "Syntax Error: Expected \"{c}\", found {:?}.",
                self.peek()
            ))
        }
    }
    fn name(&mut self) -> Result<String, String> {
        match self.next()? {
            Tok::Name(n) => Ok(n),
            other => Err(format!("Syntax Error: Expected Name, found {other:?}.")),
        }
    }

    fn descend(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "Syntax Error: nesting deeper than {MAX_DEPTH} levels."
            ));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value, String> {
        self.descend()?;
        let v = self.value_inner();
        self.depth -= 1;
        v
    }

    fn value_inner(&mut self) -> Result<Value, String> {
        Ok(match self.next()? {
            Tok::Punct('$') => {
                let n = self.name()?;
                self.vars.get(&n).cloned().unwrap_or(Value::Null)
            }
            Tok::Str(s) => Value::String(s),
            Tok::Num(n) => serde_json::from_str(&n).unwrap_or(Value::String(n)),
            Tok::Name(n) => match n.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => Value::String(n), // enum value
            },
            Tok::Punct('[') => {
                let mut items = Vec::new();
                while !self.eat(']') {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            Tok::Punct('{') => {
                let mut m = Map::new();
                while !self.eat('}') {
                    let k = self.name()?;
                    self.expect(':')?;
                    m.insert(k, self.value()?);
                }
                Value::Object(m)
            }
            other => return Err(format!("Syntax Error: Unexpected {other:?}.")),
        })
    }

    fn directives(&mut self) -> Result<(), String> {
        while self.eat('@') {
            self.name()?;
            if self.eat('(') {
                while !self.eat(')') {
                    self.name()?;
                    self.expect(':')?;
                    self.value()?;
                }
            }
        }
        Ok(())
    }

    fn ty(&mut self) -> Result<(), String> {
        if self.eat('[') {
            self.ty()?;
            self.expect(']')?;
        } else {
            self.name()?;
        }
        self.eat('!');
        Ok(())
    }

    /// `{ selection… }`; inline fragments are flattened into the parent, spreads skipped.
    fn selection_set(&mut self) -> Result<Vec<Field>, String> {
        self.descend()?;
        let fields = self.selection_set_inner();
        self.depth -= 1;
        fields
    }

    fn selection_set_inner(&mut self) -> Result<Vec<Field>, String> {
        self.expect('{')?;
        let mut fields = Vec::new();
        while !self.eat('}') {
            if self.peek() == Some(&Tok::Spread) {
                self.pos += 1;
                if self.peek() == Some(&Tok::Name("on".into())) {
                    self.pos += 1;
                    self.name()?;
                }
                if matches!(self.peek(), Some(Tok::Name(_))) {
                    self.name()?; // named fragment spread
                    self.directives()?;
                    continue;
                }
                self.directives()?;
                fields.extend(self.selection_set()?);
                continue;
            }
            let mut key = self.name()?;
            let mut name = key.clone();
            if self.eat(':') {
                name = self.name()?;
            } else {
                key = name.clone();
            }
            let mut args = Map::new();
            if self.eat('(') {
                while !self.eat(')') {
                    let k = self.name()?;
                    self.expect(':')?;
                    args.insert(k, self.value()?);
                }
            }
            self.directives()?;
            let sub = if self.peek() == Some(&Tok::Punct('{')) {
                self.selection_set()?
            } else {
                Vec::new()
            };
            fields.push(Field {
                key,
                name,
                args,
                fields: sub,
            });
        }
        Ok(fields)
    }
}

/// Parses `doc` and returns the operation named `operation_name` (or the first one).
pub fn parse(doc: &str, vars: &Value, operation_name: Option<&str>) -> Result<Operation, String> {
    let mut p = Parser {
        toks: lex(doc)?,
        pos: 0,
        vars,
        depth: 0,
    };
    let mut found = None;
    while p.peek().is_some() {
        if p.peek() == Some(&Tok::Punct('{')) {
            let fields = p.selection_set()?;
            found.get_or_insert(Operation {
                kind: "query".into(),
                fields,
            });
            continue;
        }
        let kind = p.name()?;
        if kind == "fragment" {
            p.name()?;
            if p.name()? != "on" {
                return Err("Syntax Error: Expected \"on\".".into());
            }
            p.name()?;
            p.directives()?;
            p.selection_set()?;
            continue;
        }
        if !matches!(kind.as_str(), "query" | "mutation" | "subscription") {
            return Err(format!("Syntax Error: Unexpected Name \"{kind}\"."));
        }
        let name = match p.peek() {
            Some(Tok::Name(_)) => Some(p.name()?),
            _ => None,
        };
        if p.eat('(') {
            while !p.eat(')') {
                p.expect('$')?;
                p.name()?;
                p.expect(':')?;
                p.ty()?;
                if p.eat('=') {
                    p.value()?;
                }
                p.directives()?;
            }
        }
        p.directives()?;
        let fields = p.selection_set()?;
        let wanted = operation_name.is_none_or(|w| name.as_deref() == Some(w));
        if wanted && found.is_none() {
            found = Some(Operation { kind, fields });
        }
    }
    found.ok_or_else(|| match operation_name {
        Some(n) => format!("Unknown operation named \"{n}\"."),
        None => "Syntax Error: the document has no operation.".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_mutation_with_variables_and_fragments() {
        let doc = r#"
          # charge
          mutation Charge($input: ChargeCreditCardInput!) {
            charge: chargeCreditCard(input: $input) {
              transaction { id status ... on Transaction { legacyId } }
            }
          }"#;
        let vars =
            json!({"input": {"paymentMethodId": "tokencc_1", "transaction": {"amount": "12.34"}}});
        let op = parse(doc, &vars, None).expect("parses");
        assert_eq!(op.kind, "mutation");
        let f = &op.fields[0];
        assert_eq!(
            (f.key.as_str(), f.name.as_str()),
            ("charge", "chargeCreditCard")
        );
        assert_eq!(f.args["input"]["transaction"]["amount"], "12.34");
        let tx = &f.fields[0];
        let names: Vec<&str> = tx.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "status", "legacyId"]);
    }

    #[test]
    fn reads_inline_arguments_of_nested_fields() {
        let doc = r#"query { search { transactions(input: {orderId: {is: "s-1"}, first: 5, x: [A, true, null]}) { edges { node { id } } } } }"#;
        let op = parse(doc, &Value::Null, None).expect("parses");
        assert_eq!(op.kind, "query");
        let tx = &op.fields[0].fields[0];
        assert_eq!(tx.name, "transactions");
        assert_eq!(tx.args["input"]["orderId"]["is"], "s-1");
        assert_eq!(tx.args["input"]["x"], json!(["A", true, null]));
        assert!(parse("mutation { x(", &Value::Null, None).is_err());
        let deep = format!("{{ x(a: {}1{}) }}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep, &Value::Null, None).is_err_and(|e| e.contains("nesting")));
    }
}
