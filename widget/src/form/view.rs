//! Applying the resolved customization (SPEC §5) to the static form page: theme as CSS custom
//! properties through CSSOM, labels as text, fields as shown / optional / required; and the
//! amount through `Intl.NumberFormat`.

use crate::custom;
use crate::dom::Cat as _;
use crate::dom::{get_f64, get_str, object};
use js_sys::{Function, Object};
use maven_core::card::FieldMode;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, HtmlInputElement};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locales: &JsValue, options: &Object) -> Result<NumberFormat, JsValue>;
    #[wasm_bindgen(method, js_name = resolvedOptions)]
    fn resolved_options(this: &NumberFormat) -> Object;
    #[wasm_bindgen(method, getter)]
    fn format(this: &NumberFormat) -> Function;
}

/// "$12.34" for 1234 usd, "¥1,000" for 1000 jpy: minor units by the currency's own digits.
pub fn money(minor: f64, currency: &str) -> String {
    let opts = object(&[
        ("style", "currency".into()),
        ("currency", currency.to_ascii_uppercase().into()),
    ]);
    let Ok(nf) = NumberFormat::new(&JsValue::UNDEFINED, &opts) else {
        return String::new();
    };
    let digits = get_f64(&nf.resolved_options(), "maximumFractionDigits").unwrap_or(2.0);
    let mut value = minor;
    for _ in 0..(digits as u32).min(4) {
        value /= 10.0;
    }
    nf.format()
        .call1(&nf, &JsValue::from_f64(value))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Relative luminance of `#rgb` / `#rrggbb` (WCAG), for picking readable text on a color.
pub fn luminance(hex: &str) -> f64 {
    let h = hex.trim_start_matches('#').as_bytes();
    let nib = |b: u8| f64::from((b as char).to_digit(16).unwrap_or(0));
    let ch = |i: usize| -> f64 {
        let v = if h.len() == 3 {
            nib(h[i]) * 17.0
        } else {
            nib(h[2 * i]) * 16.0 + nib(h[2 * i + 1])
        } / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            // Math.pow from JS: a libm pow in wasm would cost more than this whole function.
            js_sys::Math::pow((v + 0.055) / 1.055, 2.4)
        }
    };
    if h.len() != 3 && h.len() != 6 {
        return 1.0;
    }
    0.2126 * ch(0) + 0.7152 * ch(1) + 0.0722 * ch(2)
}

/// Sets the theme's CSS custom properties on `<html>`. Invalid values were dropped by
/// `custom::sanitized` before; missing ones keep form.css defaults.
pub fn apply_theme(root: &HtmlElement, theme: &JsValue) {
    let st = root.style();
    let color = |key: &str| get_str(theme, key).filter(|c| custom::is_color(c));
    if let Some(p) = color("primary_color") {
        // The button text with the higher WCAG contrast on the primary color: white or ink.
        let l = luminance(&p);
        let on = if 1.05 / (l + 0.05) >= (l + 0.05) / 0.0597 {
            "#ffffff"
        } else {
            "#111827"
        };
        let _ = st.set_property("--mv-primary", &p);
        let _ = st.set_property("--mv-on-primary", on);
    }
    let text = color("text_color");
    if let Some(t) = &text {
        let _ = st.set_property("--mv-text", t);
    }
    if let Some(e) = color("error_color") {
        let _ = st.set_property("--mv-error", &e);
    }
    let bg = get_str(theme, "background_color");
    let base = match bg.as_deref() {
        Some(c) if custom::is_color(c) => {
            let _ = st.set_property("--mv-bg", c);
            c.to_string()
        }
        _ => {
            let _ = st.set_property("--mv-bg", "transparent");
            // Transparent over the merchant's page: light text means a dark page.
            let dark = text.as_deref().is_some_and(|t| luminance(t) > 0.5);
            (if dark { "#111318" } else { "#ffffff" }).to_string()
        }
    };
    let _ = st.set_property("--mv-base", &base);
    if let Some(r) =
        get_f64(theme, "border_radius").filter(|r| (0.0..=custom::MAX_RADIUS).contains(r))
    {
        let px = [crate::dom::uint(r as u32).as_str(), "px"].cat();
        let _ = st.set_property("--mv-radius", &px);
    }
    if let Some(f) = get_str(theme, "font_family").filter(|f| custom::is_font_family(f)) {
        let _ = st.set_property("--mv-font", &f);
    }
}

pub fn field_mode(fields: &JsValue, key: &str) -> FieldMode {
    match get_str(fields, key).as_deref() {
        Some("hidden") => FieldMode::Hidden,
        Some("required") => FieldMode::Required,
        _ => FieldMode::Optional,
    }
}

/// Shows or hides an optional field and marks it required or "(optional)".
pub fn apply_field(
    row: &HtmlElement,
    input: &HtmlInputElement,
    opt: &HtmlElement,
    mode: FieldMode,
) {
    row.set_hidden(mode == FieldMode::Hidden);
    let required = mode == FieldMode::Required;
    opt.set_hidden(required);
    let _ = input.set_attribute("aria-required", if required { "true" } else { "false" });
}

/// A label from the resolved labels, or `fallback` when absent.
pub fn label(labels: &JsValue, key: &str, fallback: &str) -> String {
    get_str(labels, key).unwrap_or_else(|| fallback.to_string())
}

/// `pay_button` with `{amount}` filled in ("Pay {amount}" → "Pay $12.34").
pub fn pay_label(labels: &JsValue, amount: &str, tokenize: bool) -> String {
    let tpl = label(labels, "pay_button", "Pay {amount}");
    match crate::dom::find(&tpl, "{amount}") {
        Some(_) if tokenize => "Save card".into(),
        Some(i) => [&tpl[..i], amount, &tpl[i + 8..]].cat(),
        None => tpl,
    }
}
