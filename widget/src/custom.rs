//! Customization partials (theme, labels, fields: SPEC §5) as they cross the JS boundary.
//! The host checks them to throw a clear error at the merchant's call; the form checks them
//! again because a message is untrusted input, and ignores what fails.

// Each mode's build (feature `host` or `form`) uses part of this module.
#![cfg_attr(not(all(feature = "host", feature = "form")), allow(dead_code))]

use crate::dom::Cat as _;
use crate::dom::{get, is_plain_object};
#[allow(unused_imports)]
use crate::prelude::*;
use js_sys::{JsString, Object};
use maven_core::customization::{
    FIELD_KEYS, LABEL_KEYS, MAX_LABEL_CHARS as MAX_LABEL, MAX_RADIUS_PX, THEME_KEYS,
};
use wasm_bindgen::{JsCast, JsValue};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Theme,
    Labels,
    Fields,
}

pub const MAX_RADIUS: f64 = MAX_RADIUS_PX as f64;

impl Kind {
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Theme => &THEME_KEYS,
            Kind::Labels => &LABEL_KEYS,
            Kind::Fields => &FIELD_KEYS,
        }
    }

    pub fn option(self) -> &'static str {
        match self {
            Kind::Theme => "theme",
            Kind::Labels => "labels",
            Kind::Fields => "fields",
        }
    }
}

// The same rules as the server (maven-core), so the SDK accepts what the API would.
pub use maven_core::customization::{is_font_stack as is_font_family, is_hex_color as is_color};

/// Why one value is not acceptable for `key`, or `None` when it is.
fn value_problem(kind: Kind, key: &str, v: &JsValue) -> Option<&'static str> {
    match kind {
        Kind::Theme => match key {
            "border_radius" => match v.as_f64() {
                Some(n) if (0.0..=MAX_RADIUS).contains(&n) => None,
                _ => Some("must be 0 to 32 (pixels)"),
            },
            "font_family" => match v.as_string() {
                Some(s) if is_font_family(&s) => None,
                _ => Some("must be a CSS font-family list"),
            },
            "background_color" => match v.as_string() {
                Some(s) if s == "transparent" || is_color(&s) => None,
                _ => Some("must be \"transparent\" or a #rgb / #rrggbb color"),
            },
            _ => match v.as_string() {
                Some(s) if is_color(&s) => None,
                _ => Some("must be a #rgb / #rrggbb color"),
            },
        },
        Kind::Labels => match v.dyn_ref::<JsString>() {
            Some(s) if s.length() as usize <= MAX_LABEL => None,
            _ => Some("must be a string of at most 120 characters"),
        },
        Kind::Fields => match v.as_string().as_deref() {
            Some("hidden" | "optional" | "required") => None,
            _ => Some("must be \"hidden\", \"optional\" or \"required\""),
        },
    }
}

/// Checks a partial; the error names the option, the key and what is expected.
pub fn check(kind: Kind, partial: &JsValue) -> Result<(), String> {
    let what = kind.option();
    if !is_plain_object(partial) {
        return Err([what, " must be an object such as ", example(kind)].cat());
    }
    for key in Object::keys(partial.unchecked_ref::<Object>()).iter() {
        // The key as one of ours (a static string), without copying the page's into Rust.
        let Some(known) = kind.keys().iter().find(|k| key == JsValue::from_str(k)) else {
            let key = key.as_string().unwrap_or_default();
            let all = crate::dom::list(kind.keys());
            return Err([
                what,
                ": unknown key \"",
                &key,
                "\" (expected one of: ",
                &all,
                ")",
            ]
            .cat());
        };
        if let Some(problem) = value_problem(kind, known, &get(partial, known)) {
            return Err([what, ".", known, " ", problem].cat());
        }
    }
    Ok(())
}

/// The entries of `partial` the form can use (its view of a partial it did not check): known
/// keys; labels as strings; fields as one of the three modes; theme values as they are, since
/// the form checks each one where it applies it (`view::apply_theme`: colors, radius, font)
/// and the controller refused anything else with a clear error before sending it.
pub fn sanitized(kind: Kind, partial: &JsValue) -> Object {
    let out = Object::new();
    if is_plain_object(partial) {
        for key in kind.keys() {
            let v = get(partial, key);
            let usable = match kind {
                Kind::Theme => !v.is_undefined(),
                Kind::Labels => v.is_string(),
                Kind::Fields => matches!(
                    v.as_string().as_deref(),
                    Some("hidden" | "optional" | "required")
                ),
            };
            if usable {
                crate::dom::set(&out, key, &v);
            }
        }
    }
    out
}

fn example(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "{ primary_color: \"#4f46e5\" }",
        Kind::Labels => "{ pay_button: \"Pay {amount}\" }",
        Kind::Fields => "{ postal_code: \"required\" }",
    }
}
