//! Rendering: the resolved customization (SPEC §5) applied to the static form page: theme as CSS custom
//! properties through CSSOM, labels as text, fields as shown / optional / required. The amount
//! comes formatted in the page's locale from the edge (`maven_core::form_page`).

use super::check::{FIELDS, NAME, POSTAL};
use super::{App, Session};
use crate::custom::{self, Kind};
use crate::dom::Cat as _;
use crate::dom::{self, get, get_f64, get_str};
#[allow(unused_imports)]
use crate::prelude::*;
use maven_core::card::FieldMode;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, HtmlInputElement};

/// `tpl` with the first `{key}` replaced by `value`.
pub fn fill(tpl: &str, key: &str, value: &str) -> String {
    match crate::dom::find(tpl, key) {
        // `get` rather than indexing: no str-slicing panic path in the wasm.
        Some(i) => [
            tpl.get(..i).unwrap_or(""),
            value,
            tpl.get(i + key.len()..).unwrap_or(""),
        ]
        .cat(),
        None => tpl.to_string(),
    }
}

/// Relative luminance of `#rgb` / `#rrggbb` (WCAG), for picking readable text on a color.
pub fn luminance(hex: &str) -> f64 {
    let h = hex.as_bytes();
    let h = h.strip_prefix(b"#").unwrap_or(h);
    let nib = |b: u8| f64::from((b as char).to_digit(16).unwrap_or(0));
    let ch = |i: usize| -> f64 {
        // `.get`: an index's bounds check would bring core's panic formatting along.
        let at = |j: usize| nib(h.get(j).copied().unwrap_or(b'0'));
        let v = if h.len() == 3 {
            at(i) * 17.0
        } else {
            at(2 * i) * 16.0 + at(2 * i + 1)
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

/// The light defaults of `maven_core::customization::Theme` and what the dark scheme shows in
/// their place. A color the project or the page chose (anything else) is kept as it is.
const DARK_SWAPS: [(&str, &str, &str); 4] = [
    ("primary_color", "#4f46e5", "#818cf8"),
    ("text_color", "#1f2937", "#e5e7eb"),
    ("error_color", "#dc2626", "#f87171"),
    // Solid, not transparent: the form cannot see the page behind it, and light text over an
    // unknown backdrop is a contrast gamble.
    ("background_color", "transparent", "#111318"),
];

/// Sets the theme's CSS custom properties on `<html>`. Invalid values were dropped by
/// `custom::sanitized` before; missing ones keep form.css defaults.
pub fn apply_theme(root: &HtmlElement, theme: &JsValue, dark: bool) {
    let st = get(root, "style");
    // `style.setProperty(k, v)`; CSSOM ignores what it cannot parse.
    let prop = |k: &str, v: &str| {
        let _ = dom::js_call(&st, "setProperty", &k.into(), &v.into());
    };
    let _ = root.set_attribute("data-scheme", if dark { "dark" } else { "light" });
    let theme = &JsValue::from(dom::merged(theme, &JsValue::UNDEFINED));
    if dark {
        for (key, light, night) in DARK_SWAPS {
            let v = get_str(theme, key);
            if v.is_none() || v.is_some_and(|v| v.eq_ignore_ascii_case(light)) {
                dom::set(theme.unchecked_ref(), key, &night.into());
            }
        }
    }
    let color = |key: &str| get_str(theme, key).filter(|c| custom::is_color(c));
    if let Some(p) = color("primary_color") {
        // The button text with the higher WCAG contrast on the primary color: white or ink.
        let l = luminance(&p);
        let on = if 1.05 / (l + 0.05) >= (l + 0.05) / 0.0597 {
            "#ffffff"
        } else {
            "#111827"
        };
        prop("--mv-primary", &p);
        prop("--mv-on-primary", on);
    }
    let text = color("text_color");
    if let Some(t) = &text {
        prop("--mv-text", t);
    }
    if let Some(e) = color("error_color") {
        prop("--mv-error", &e);
    }
    let bg = get_str(theme, "background_color");
    let base = match bg.as_deref() {
        Some(c) if custom::is_color(c) => {
            prop("--mv-bg", c);
            c.to_string()
        }
        _ => {
            prop("--mv-bg", "transparent");
            // Transparent over the merchant's page: light text means a dark page.
            let dark = text.as_deref().is_some_and(|t| luminance(t) > 0.5);
            (if dark { "#111318" } else { "#ffffff" }).to_string()
        }
    };
    prop("--mv-base", &base);
    if let Some(r) =
        get_f64(theme, "border_radius").filter(|r| (0.0..=custom::MAX_RADIUS).contains(r))
    {
        let px = [crate::dom::uint(r as u32).as_str(), "px"].cat();
        prop("--mv-radius", &px);
    }
    if let Some(f) = get_str(theme, "font_family").filter(|f| custom::is_font_family(f)) {
        prop("--mv-font", &f);
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

/// A label from the resolved labels (the session block has them all, in the page's language).
pub fn label(labels: &JsValue, key: &str) -> String {
    get_str(labels, key).unwrap_or_default()
}

/// `pay_button` with `{amount}` filled in ("Pay {amount}" → "Pay $12.34"); `tpl` is already
/// in the form's language.
pub fn pay_label(tpl: &str, amount: &str, tokenize: bool, save: &str) -> String {
    match crate::dom::find(tpl, "{amount}") {
        Some(_) if tokenize => save.into(),
        _ => fill(tpl, "{amount}", amount),
    }
}

impl App {
    /// Everything the customization decides, re-applied after load and after each update.
    /// The theme and color scheme: also before the session is known (an expired or unknown
    /// session shows its message in the page's scheme).
    pub(super) fn paint(&mut self) {
        // The page's locale, as the edge chose it (the mount's, else the session's, else English).
        // The page's own texts ("Test mode", placeholders, its title) came in that language
        // from the edge (`maven_core::l10n::localize_page`).
        let _ = self.els.root.set_attribute("lang", &self.locale);
        // The mount's scheme, else the session's, else light.
        let session = self.session.as_ref().and_then(|s| s.scheme.as_deref());
        let scheme = Some(self.scheme.as_str())
            .filter(|s| !s.is_empty())
            .or(session);
        let dark = match scheme.unwrap_or("light") {
            "dark" => true,
            "auto" => {
                let q = "(prefers-color-scheme: dark)".into();
                get(&dom::call1(&dom::window(), "matchMedia", &q), "matches").is_truthy()
            }
            _ => false,
        };
        apply_theme(&self.els.root, &self.part(Kind::Theme), dark);
    }

    pub(super) fn render(&mut self) {
        self.paint();
        let Some(s) = &self.session else { return };
        let amount = s.amount_text.clone();
        let (tokenize, test) = (s.tokenize, s.test);
        let description = s.description.clone();
        let e = &self.els;
        let title = self.label("title");
        e.title.set_text_content(Some(&title));
        e.title.set_hidden(title.is_empty());
        e.badge.set_hidden(!test);
        e.desc.set_text_content(description.as_deref());
        e.desc.set_hidden(description.is_none());
        for (i, key) in [
            "card_number",
            "expiry",
            "cvc",
            "cardholder_name",
            "postal_code",
        ]
        .into_iter()
        .enumerate()
        {
            e.labels[i].set_text_content(Some(&self.label(key)));
        }
        let pay = self.label("pay_button");
        e.submit_label.set_text_content(Some(&pay_label(
            &pay,
            &amount,
            tokenize,
            &self.t("Save card"),
        )));
        e.retry.set_text_content(Some(&self.label("try_again")));
        let (name, postal) = self.modes();
        apply_field(&e.rows[0], &e.inputs[NAME], &e.opts[0], name);
        apply_field(&e.rows[1], &e.inputs[POSTAL], &e.opts[1], postal);
        // A field the project now hides cannot keep showing an error.
        if name == FieldMode::Hidden {
            self.shown[NAME] = None;
        }
        if postal == FieldMode::Hidden {
            self.shown[POSTAL] = None;
        }
        self.render_errors();
    }

    pub(super) fn render_errors(&self) {
        for i in 0..FIELDS {
            let shown = self.shown[i].as_deref();
            self.els.errors[i].set_text_content(Some(&self.t(shown.unwrap_or(""))));
            let input = &self.els.inputs[i];
            let _ = input.set_attribute(
                "aria-invalid",
                if shown.is_some() { "true" } else { "false" },
            );
        }
    }

    /// Applies an `init` / `update-*` message from the host.
    pub(super) fn apply_override(&mut self, kind: Kind, partial: &JsValue, replace: bool) {
        let clean = custom::sanitized(kind, partial);
        let i = kind as usize;
        self.over[i] = if replace {
            clean
        } else {
            dom::merged(&self.over[i], &clean)
        };
        if self.session.is_some() {
            self.render();
            let p = self.problems();
            self.post_change(&p);
        }
    }

    pub(super) fn session_from(view: &JsValue) -> Session {
        let s = |k: &str| get_str(view, k);
        let sanitize = |kind: Kind| custom::sanitized(kind, &get(view, kind.option()));
        Session {
            amount_text: s("amount_text").unwrap_or_default(),
            tokenize: s("mode").as_deref() == Some("tokenize"),
            test: s("environment").as_deref() != Some("live"),
            description: s("description").filter(|d| !d.trim().is_empty()),
            scheme: s("color_scheme"),
            expires_ms: s("expires_at")
                .map(|t| js_sys::Date::parse(&t))
                .filter(|t| t.is_finite())
                .unwrap_or(f64::INFINITY),
            parts: [
                sanitize(Kind::Theme),
                sanitize(Kind::Labels),
                sanitize(Kind::Fields),
            ],
        }
    }
}
