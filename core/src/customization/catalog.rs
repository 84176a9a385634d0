//! What the dashboard's Customize page builds its controls from
//! (`GET /v1/dashboard/customization`): the keys the API takes, their defaults, each label's
//! name and group, and the limits, all from this module's own definitions, so the page keeps
//! no copy of them.

use super::{
    FormFields, Labels, Theme, FIELD_KEYS, LABEL_KEYS, MAX_LABEL_CHARS, MAX_RADIUS_PX, MODES,
    THEME_KEYS,
};
use serde_json::{json, Value};

/// Theme keys whose value is a color (`#rgb`, `#rrggbb`; the background also `transparent`).
pub const COLOR_KEYS: [&str; 4] = [
    "primary_color",
    "background_color",
    "text_color",
    "error_color",
];

/// Where a label shows (`form` or `result`), its name in the dashboard, and a hint.
const LABEL_INFO: [(&str, &str, &str, Option<&str>); 10] = [
    ("title", "form", "Title", None),
    ("card_number", "form", "Card number", None),
    ("expiry", "form", "Expiry", None),
    ("cvc", "form", "CVC", None),
    ("cardholder_name", "form", "Name on card", None),
    ("postal_code", "form", "Postal code", None),
    (
        "pay_button",
        "form",
        "Pay button",
        Some("{amount} becomes the formatted amount, e.g. $12.34."),
    ),
    ("success", "result", "Success title", None),
    ("failure", "result", "Failure title", None),
    ("try_again", "result", "Try again button", None),
];

pub fn catalog() -> Value {
    let defaults = serde_json::to_value(Labels::default()).unwrap_or_default();
    let labels: Vec<Value> = LABEL_KEYS
        .iter()
        .map(|key| {
            let (_, group, name, hint) = LABEL_INFO
                .iter()
                .find(|(k, ..)| k == key)
                .copied()
                .unwrap_or((key, "form", key, None));
            json!({"key": key, "group": group, "name": name, "default": defaults[key], "hint": hint})
        })
        .collect();
    json!({
        "theme": {"keys": THEME_KEYS, "color_keys": COLOR_KEYS, "defaults": Theme::default()},
        "labels": labels,
        "fields": {"keys": FIELD_KEYS, "modes": MODES, "defaults": FormFields::default()},
        "limits": {"max_label_chars": MAX_LABEL_CHARS, "max_radius_px": MAX_RADIUS_PX},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_described_with_its_default() {
        let c = catalog();
        let labels = c["labels"].as_array().unwrap();
        assert_eq!(labels.len(), LABEL_KEYS.len());
        for (l, key) in labels.iter().zip(LABEL_KEYS) {
            assert_eq!(l["key"], key);
            assert!(
                LABEL_INFO.iter().any(|(k, ..)| *k == key),
                "{key} has a name"
            );
            assert!(matches!(l["group"].as_str(), Some("form" | "result")));
            assert!(
                l["default"].as_str().is_some_and(|d| !d.is_empty()),
                "{key}"
            );
        }
        assert_eq!(labels[2]["default"], "Expiry (MM/YY)");
        assert_eq!(c["theme"]["defaults"]["primary_color"], "#4f46e5");
        assert_eq!(c["fields"]["defaults"]["postal_code"], "hidden");
        for k in COLOR_KEYS {
            assert!(THEME_KEYS.contains(&k));
        }
        assert_eq!(c["limits"]["max_radius_px"], 32);
    }
}
