//! FastAPI-shaped request validation: walk a JSON object field by field, collect every problem
//! (`loc`, `msg`, `type`) instead of stopping at the first, and reject unknown keys.

use crate::error::{ApiError, FieldError, Loc};
#[allow(unused_imports)]
use crate::prelude::*;
use serde_json::{Map, Value};

/// Parses a request body; malformed JSON is a 422 `json_invalid` at the byte position, as FastAPI does.
pub fn parse_json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde_json reports line/column; FastAPI reports a byte offset: compute it.
        let offset = if e.is_eof() {
            body.len()
        } else {
            line_col_to_offset(body, e.line(), e.column())
        };
        ApiError::validation(vec![FieldError::new(
            vec!["body".into(), Loc::Index(offset)],
            "json_invalid",
            "JSON decode error",
        )])
    })
}

fn line_col_to_offset(body: &[u8], line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in body.split(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            return offset + col.saturating_sub(1);
        }
        offset += l.len() + 1;
    }
    body.len()
}

/// Collects errors while reading one JSON object.
pub struct Fields<'a> {
    obj: Option<&'a Map<String, Value>>,
    loc: Vec<Loc>,
    known: Vec<&'static str>,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// `value` should be an object at `loc`; anything else is one `dict_type` error.
    pub fn new(value: &'a Value, loc: Vec<Loc>) -> Self {
        let mut errors = Vec::new();
        let obj = value.as_object();
        if obj.is_none() {
            errors.push(FieldError::new(
                loc.clone(),
                "dict_type",
                "Input should be a valid dictionary or object",
            ));
        }
        Fields {
            obj,
            loc,
            known: Vec::new(),
            errors,
        }
    }

    pub fn is_object(&self) -> bool {
        self.obj.is_some()
    }

    pub fn at(&self, key: &str) -> Vec<Loc> {
        let mut l = self.loc.clone();
        l.push(key.into());
        l
    }

    pub fn push(&mut self, key: &str, kind: &'static str, msg: impl Into<String>) {
        let loc = self.at(key);
        self.errors.push(FieldError::new(loc, kind, msg));
    }

    /// The raw value of `key`, `None` when absent. JSON `null` counts as present.
    pub fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        self.obj.and_then(|o| o.get(key))
    }

    fn missing(&mut self, key: &str) {
        self.push(key, "missing", "Field required");
    }

    /// A required or optional string; `null` is accepted only when `nullable`.
    pub fn string(
        &mut self,
        key: &'static str,
        required: bool,
        nullable: bool,
        max_len: usize,
    ) -> Option<String> {
        match self.get(key) {
            None if required && self.is_object() => {
                self.missing(key);
                None
            }
            None => None,
            Some(Value::Null) if nullable => None,
            Some(Value::String(s)) => {
                if s.chars().count() > max_len {
                    self.push(
                        key,
                        "string_too_long",
                        format!("String should have at most {max_len} characters"),
                    );
                    None
                } else {
                    Some(s.clone())
                }
            }
            Some(_) => {
                self.push(key, "string_type", "Input should be a valid string");
                None
            }
        }
    }

    /// A strict integer (no strings, floats or booleans) within `min..=max`.
    pub fn int(&mut self, key: &'static str, required: bool, min: i64, max: i64) -> Option<i64> {
        match self.get(key) {
            None if required && self.is_object() => {
                self.missing(key);
                None
            }
            None | Some(Value::Null) if !required => None,
            None => None,
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                let Some(v) = n.as_i64() else {
                    self.push(
                        key,
                        "less_than_equal",
                        format!("Input should be less than or equal to {max}"),
                    );
                    return None;
                };
                if v < min {
                    self.push(
                        key,
                        "greater_than_equal",
                        format!("Input should be greater than or equal to {min}"),
                    );
                    None
                } else if v > max {
                    self.push(
                        key,
                        "less_than_equal",
                        format!("Input should be less than or equal to {max}"),
                    );
                    None
                } else {
                    Some(v)
                }
            }
            Some(_) => {
                self.push(key, "int_type", "Input should be a valid integer");
                None
            }
        }
    }

    pub fn bool(&mut self, key: &'static str) -> Option<bool> {
        match self.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.push(key, "bool_type", "Input should be a valid boolean");
                None
            }
        }
    }

    /// A string that must be one of `choices` (pydantic `Literal`).
    pub fn literal(
        &mut self,
        key: &'static str,
        required: bool,
        choices: &[&'static str],
    ) -> Option<&'static str> {
        let s = self.string(key, required, false, 100)?;
        let found = choices.iter().copied().find(|c| *c == s);
        if found.is_none() {
            let list = quoted_list(choices);
            self.push(key, "literal_error", format!("Input should be {list}"));
        }
        found
    }

    /// An optional string matching a pattern, checked by `ok`; `pattern` is quoted in the
    /// message. `null` counts as absent.
    pub fn pattern(
        &mut self,
        key: &'static str,
        pattern: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let s = self.string(key, false, true, 100)?;
        if ok(&s) {
            Some(s)
        } else {
            self.push(
                key,
                "string_pattern_mismatch",
                format!("String should match pattern '{pattern}'"),
            );
            None
        }
    }

    /// Reports every key that no getter asked for. Call last.
    pub fn finish(mut self) -> Vec<FieldError> {
        if let Some(obj) = self.obj {
            for key in obj.keys() {
                if !self.known.contains(&key.as_str()) {
                    let mut loc = self.loc.clone();
                    loc.push(Loc::Key(key.clone()));
                    self.errors.push(FieldError::new(
                        loc,
                        "extra_forbidden",
                        "Extra inputs are not permitted",
                    ));
                }
            }
        }
        self.errors
    }
}

/// The field error of a currency that is not on the ISO 4217 allowlist (`crate::money`), in
/// pydantic's `value_error` shape.
pub fn currency_error(loc: Vec<Loc>, currency: &str) -> FieldError {
    let _ = currency; // never echoed: the message is the same for every unknown code
    FieldError::new(
        loc,
        "value_error",
        "Value error, currency must be an ISO 4217 currency code with a minor unit (e.g. 'usd')",
    )
}

impl Fields<'_> {
    /// An optional lower-case ISO 4217 code on the allowlist (`null` counts as absent).
    pub fn currency(&mut self, key: &'static str) -> Option<String> {
        let s = self.pattern(key, "^[a-z]{3}$", |s| {
            s.len() == 3 && s.bytes().all(|b| b.is_ascii_lowercase())
        })?;
        if crate::money::is_known_currency(&s) {
            Some(s)
        } else {
            let loc = self.at(key);
            self.errors.push(currency_error(loc, &s));
            None
        }
    }
}

/// `'a', 'b' or 'c'`, as pydantic words a literal error.
pub fn quoted_list(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_invalid_reports_offset() {
        let err = parse_json_body(b"{\"a\": ").unwrap_err();
        let body = err.body();
        assert_eq!(body["detail"][0]["type"], "json_invalid");
        assert_eq!(body["detail"][0]["loc"], json!(["body", 6]));
        let err = parse_json_body(b"{\"a\": x}").unwrap_err();
        assert_eq!(err.body()["detail"][0]["loc"], json!(["body", 6]));
    }

    #[test]
    fn collects_all_problems_and_extras() {
        let v = json!({"a": "x", "b": "12", "zzz": 1});
        let mut f = Fields::new(&v, vec!["body".into()]);
        f.int("a", true, 0, 10);
        f.int("b", true, 0, 10);
        f.string("c", true, false, 10);
        let errs = f.finish();
        let kinds: Vec<_> = errs.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec!["int_type", "int_type", "missing", "extra_forbidden"]
        );
    }

    #[test]
    fn int_bounds_and_strictness() {
        let v = json!({"a": -1, "b": 1.5, "c": true, "d": 5});
        let mut f = Fields::new(&v, vec![]);
        assert_eq!(f.int("a", true, 0, 10), None);
        assert_eq!(f.int("b", true, 0, 10), None);
        assert_eq!(f.int("c", true, 0, 10), None);
        assert_eq!(f.int("d", true, 0, 10), Some(5));
        let kinds: Vec<_> = f.finish().iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec!["greater_than_equal", "int_type", "int_type"]);
    }

    #[test]
    fn literal_message_lists_choices() {
        let v = json!({"g": "paypal"});
        let mut f = Fields::new(&v, vec![]);
        assert_eq!(f.literal("g", true, &["a", "b", "c"]), None);
        assert_eq!(f.errors[0].msg, "Input should be 'a', 'b' or 'c'");
    }

    /// Defect 6: an unknown currency is a 422 on the field, in the FastAPI shape.
    #[test]
    fn unknown_currency_is_a_field_error() {
        let v = json!({"c": "zzz", "d": "jpy", "e": "USD"});
        let mut f = Fields::new(&v, vec!["body".into()]);
        assert_eq!(f.currency("c"), None);
        assert_eq!(f.currency("d"), Some("jpy".into()));
        assert_eq!(f.currency("e"), None);
        let errs = f.finish();
        let err = ApiError::validation(errs);
        let body = err.body();
        assert_eq!(body["detail"][0]["loc"], json!(["body", "c"]));
        assert_eq!(body["detail"][0]["type"], "value_error");
        assert_eq!(body["detail"][1]["type"], "string_pattern_mismatch");
    }

    #[test]
    fn non_object_is_one_error() {
        let v = json!([1]);
        let f = Fields::new(&v, vec!["body".into()]);
        assert_eq!(f.finish()[0].kind, "dict_type");
    }
}
