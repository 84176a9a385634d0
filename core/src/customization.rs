//! Theme, labels and fields of the card form (SPEC §5): defaults, validated partial updates,
//! and the merge "project customization, then the session's overrides".

use crate::card::FieldMode;
use crate::error::{FieldError, Loc};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::validate::Fields;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Theme {
    /// Buttons, focus rings, links. `#rgb` or `#rrggbb`.
    pub primary_color: String,
    /// Form background: `#rgb`, `#rrggbb` or `transparent` (default, fits any chat bubble).
    pub background_color: String,
    pub text_color: String,
    pub error_color: String,
    /// Corner radius of inputs and button, in px (0–32).
    pub border_radius: u32,
    /// CSS font stack.
    pub font_family: String,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            primary_color: "#4f46e5".into(),
            background_color: "transparent".into(),
            text_color: "#1f2937".into(),
            error_color: "#dc2626".into(),
            border_radius: 8,
            font_family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Labels {
    pub title: String,
    pub card_number: String,
    pub expiry: String,
    pub cvc: String,
    pub cardholder_name: String,
    pub postal_code: String,
    /// `{amount}` is replaced by the formatted amount.
    pub pay_button: String,
    pub success: String,
    pub failure: String,
    pub try_again: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            title: "Secure payment".into(),
            card_number: "Card number".into(),
            expiry: "Expiry (MM/YY)".into(),
            cvc: "CVC".into(),
            cardholder_name: "Name on card".into(),
            postal_code: "Postal code".into(),
            pay_button: "Pay {amount}".into(),
            success: "Payment successful".into(),
            failure: "Payment failed".into(),
            try_again: "Try again".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormFields {
    pub cardholder_name: FieldMode,
    pub postal_code: FieldMode,
}

impl Default for FormFields {
    fn default() -> Self {
        FormFields {
            cardholder_name: FieldMode::Optional,
            postal_code: FieldMode::Hidden,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customization {
    #[serde(default)]
    pub theme: Theme,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub fields: FormFields,
}

/// A validated partial update: only the keys given, as JSON, ready to merge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overrides {
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub theme: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub labels: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

pub const THEME_KEYS: [&str; 6] = [
    "primary_color",
    "background_color",
    "text_color",
    "error_color",
    "border_radius",
    "font_family",
];
pub const LABEL_KEYS: [&str; 10] = [
    "title",
    "card_number",
    "expiry",
    "cvc",
    "cardholder_name",
    "postal_code",
    "pay_button",
    "success",
    "failure",
    "try_again",
];
pub const FIELD_KEYS: [&str; 2] = ["cardholder_name", "postal_code"];
const MODES: [&str; 3] = ["hidden", "optional", "required"];

/// The dashboard's view of the above (edge only: the widget builds without std).
#[cfg(feature = "std")]
pub mod catalog;

pub fn is_hex_color(s: &str) -> bool {
    let hex = s.strip_prefix('#').unwrap_or("");
    (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A font stack that stays a font stack: names (any non-ASCII letter too), commas, quotes,
/// spaces, dots, dashes, underscores; nothing that could end a CSS value or open a `url(`.
/// Byte-wise on purpose: the widget shares it and Unicode tables would weigh on its wasm.
pub fn is_font_stack(s: &str) -> bool {
    s.len() <= MAX_FONT_BYTES
        && s.bytes().any(|b| b.is_ascii_alphanumeric() || b >= 0x80)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b >= 0x80 || b" ,-_.'\"".contains(&b))
}

/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 120;
pub const MAX_RADIUS_PX: i64 = 32;
const MAX_FONT_BYTES: usize = 200;

impl Overrides {
    /// Validates the `theme`, `labels` and `fields` members of `obj` (each optional) and
    /// records problems under `loc` + member name.
    pub fn parse(obj: &mut Fields<'_>) -> Overrides {
        let mut out = Overrides::default();
        if let Some(v) = obj.get("theme").filter(|v| !v.is_null()) {
            out.theme = parse_theme(v, obj.at("theme"), &mut obj.errors);
        }
        if let Some(v) = obj.get("labels").filter(|v| !v.is_null()) {
            out.labels = parse_labels(v, obj.at("labels"), &mut obj.errors);
        }
        if let Some(v) = obj.get("fields").filter(|v| !v.is_null()) {
            out.fields = parse_fields(v, obj.at("fields"), &mut obj.errors);
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.theme.is_empty() && self.labels.is_empty() && self.fields.is_empty()
    }

    /// Later overrides win key by key.
    pub fn extend(&mut self, other: &Overrides) {
        for (dst, src) in [
            (&mut self.theme, &other.theme),
            (&mut self.labels, &other.labels),
            (&mut self.fields, &other.fields),
        ] {
            dst.extend(src.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
}

fn collect(
    v: &Value,
    loc: Vec<Loc>,
    errors: &mut Vec<FieldError>,
    keys: &[&'static str],
    check: impl Fn(&mut Fields<'_>, &'static str),
) -> Map<String, Value> {
    let mut f = Fields::new(v, loc);
    for &k in keys {
        check(&mut f, k);
    }
    let local = f.finish();
    // One bad or unknown key makes the whole object invalid: nothing partial is kept.
    let ok = local.is_empty();
    errors.extend(local);
    match v.as_object() {
        Some(o) if ok => o.clone(),
        _ => Map::new(),
    }
}

fn parse_theme(v: &Value, loc: Vec<Loc>, errors: &mut Vec<FieldError>) -> Map<String, Value> {
    collect(v, loc, errors, &THEME_KEYS, |f, k| match k {
        "border_radius" => {
            f.int(k, false, 0, MAX_RADIUS_PX);
        }
        "font_family" => {
            if let Some(s) = f.string(k, false, false, MAX_FONT_BYTES) {
                if !is_font_stack(&s) {
                    f.push(k, "value_error", "Value error, font_family may contain only letters, digits, spaces, quotes, commas, dots, dashes and underscores");
                }
            }
        }
        "background_color" => {
            if let Some(s) = f.string(k, false, false, 20) {
                if s != "transparent" && !is_hex_color(&s) {
                    f.push(k, "value_error", "Value error, background_color must be a #rgb or #rrggbb color or 'transparent'");
                }
            }
        }
        _ => {
            if let Some(s) = f.string(k, false, false, 20) {
                if !is_hex_color(&s) {
                    f.push(
                        k,
                        "value_error",
                        format!("Value error, {k} must be a #rgb or #rrggbb color"),
                    );
                }
            }
        }
    })
}

fn parse_labels(v: &Value, loc: Vec<Loc>, errors: &mut Vec<FieldError>) -> Map<String, Value> {
    collect(v, loc, errors, &LABEL_KEYS, |f, k| {
        if let Some(s) = f.string(k, false, false, MAX_LABEL_CHARS) {
            if s.trim().is_empty() {
                f.push(
                    k,
                    "string_too_short",
                    "String should have at least 1 character",
                );
            }
        }
    })
}

fn parse_fields(v: &Value, loc: Vec<Loc>, errors: &mut Vec<FieldError>) -> Map<String, Value> {
    collect(v, loc, errors, &FIELD_KEYS, |f, k| {
        f.literal(k, false, &MODES);
    })
}

impl Customization {
    /// This customization with `o` applied on top. `o` was validated by `Overrides::parse`, so
    /// a value that does not fit is impossible; it would be skipped.
    pub fn merged(&self, o: &Overrides) -> Customization {
        Customization {
            theme: merge_into(&self.theme, &o.theme),
            labels: merge_into(&self.labels, &o.labels),
            fields: merge_into(&self.fields, &o.fields),
        }
    }
}

fn merge_into<T: Serialize + serde::de::DeserializeOwned + Clone>(
    base: &T,
    patch: &Map<String, Value>,
) -> T {
    if patch.is_empty() {
        return base.clone();
    }
    let Ok(Value::Object(mut m)) = serde_json::to_value(base) else {
        return base.clone();
    };
    m.extend(patch.iter().map(|(k, v)| (k.clone(), v.clone())));
    serde_json::from_value(Value::Object(m)).unwrap_or_else(|_| base.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> (Overrides, Vec<FieldError>) {
        let mut f = Fields::new(&v, vec!["body".into()]);
        let o = Overrides::parse(&mut f);
        (o, f.finish())
    }

    #[test]
    fn valid_overrides_merge_over_defaults() {
        let (o, errs) = parse(json!({
            "theme": {"primary_color": "#ff0000", "border_radius": 12},
            "labels": {"pay_button": "Send {amount}"},
            "fields": {"postal_code": "required"}
        }));
        assert!(errs.is_empty(), "{errs:?}");
        let c = Customization::default().merged(&o);
        assert_eq!(c.theme.primary_color, "#ff0000");
        assert_eq!(c.theme.border_radius, 12);
        assert_eq!(c.theme.text_color, Theme::default().text_color);
        assert_eq!(c.labels.pay_button, "Send {amount}");
        assert_eq!(c.fields.postal_code, FieldMode::Required);
    }

    #[test]
    fn bad_values_are_reported_with_locs() {
        let (o, errs) = parse(json!({
            "theme": {"primary_color": "red", "border_radius": 99, "font_family": "x;}", "nope": 1},
            "fields": {"postal_code": "always"}
        }));
        assert!(o.is_empty());
        let locs: Vec<Value> = errs
            .iter()
            .map(|e| serde_json::to_value(&e.loc).unwrap())
            .collect();
        assert!(locs.contains(&json!(["body", "theme", "primary_color"])));
        assert!(locs.contains(&json!(["body", "theme", "border_radius"])));
        assert!(locs.contains(&json!(["body", "theme", "font_family"])));
        assert!(locs.contains(&json!(["body", "theme", "nope"])));
        assert!(locs.contains(&json!(["body", "fields", "postal_code"])));
    }

    #[test]
    fn font_stacks() {
        assert!(is_font_stack("Inter, \"Helvetica Neue\", sans-serif"));
        assert!(is_font_stack("微软雅黑, sans-serif"));
        assert!(!is_font_stack("x; background: url(evil)"));
        assert!(!is_font_stack("  "));
    }

    #[test]
    fn hex_colors() {
        assert!(is_hex_color("#fff"));
        assert!(is_hex_color("#A1b2C3"));
        assert!(!is_hex_color("fff"));
        assert!(!is_hex_color("#ffff"));
        assert!(!is_hex_color("#ggg"));
    }

    #[test]
    fn later_overrides_win() {
        let (mut a, _) = parse(json!({"theme": {"primary_color": "#111"}}));
        let (b, _) = parse(json!({"theme": {"primary_color": "#222"}}));
        a.extend(&b);
        assert_eq!(a.theme["primary_color"], "#222");
    }
}
