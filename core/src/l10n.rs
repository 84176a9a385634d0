//! The card form's fixed strings in the built-in languages (`l10n.json`, one row per English
//! text: en, es, fr, de, pt-BR, ja). The worker renders the column of one language into the
//! form page (`page_strings`), so the form's wasm carries no catalogue: it looks each English
//! text up in that map and shows it unchanged when it is not there (a merchant's own label, a
//! server message we have no translation for).
//!
//! The texts listed under `edge_only` are shown only through what the edge words itself (the
//! screens of `form_screen`, the session block's labels; translated here by `translate`), and
//! those under `page` are the form page's own (form.html holds them in English; the edge writes
//! them in the page's language with `localize_page`): the page's block leaves both out.

use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Deserialize)]
struct Catalog {
    langs: Vec<String>,
    /// English texts only the edge shows: not in the page's block.
    edge_only: Vec<String>,
    /// English texts of form.html itself.
    page: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    // The file is part of this crate and checked by the tests below: it always parses.
    CATALOG.get_or_init(|| {
        serde_json::from_str(include_str!("l10n.json")).unwrap_or(Catalog {
            langs: vec!["en".into()],
            edge_only: Vec::new(),
            page: Vec::new(),
            rows: Vec::new(),
        })
    })
}

/// The catalogue column for a BCP 47 tag: the exact tag, then its language subtag ("de-CH" →
/// "de", "pt-PT" → "pt-BR"), then English (0).
pub fn lang_index(tag: &str) -> usize {
    let langs = &catalog().langs;
    let lang = tag.split(['-', '_']).next().unwrap_or("");
    langs
        .iter()
        .position(|l| l.eq_ignore_ascii_case(tag))
        .or_else(|| {
            langs.iter().position(|l| {
                l.split('-')
                    .next()
                    .is_some_and(|p| p.eq_ignore_ascii_case(lang))
            })
        })
        .unwrap_or(0)
}

/// The locale the form page is rendered in: the mount's `locale` (when it is a well-formed
/// BCP 47 tag), else the session's, else English.
pub fn page_locale<'a>(mount: Option<&'a str>, session: Option<&'a str>) -> &'a str {
    mount
        .filter(|t| t.len() <= 35 && icu_locale_core::Locale::try_from_str(t).is_ok())
        .or(session)
        .unwrap_or("en")
}

/// The JSON object `{english: translation}` for `tag`'s language, or `None` for English (the
/// form then shows its English texts as they are).
pub fn page_strings(tag: &str) -> Option<String> {
    let col = lang_index(tag);
    if col == 0 {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = catalog()
        .rows
        .iter()
        .filter(|r| {
            r.first()
                .is_some_and(|en| !catalog().edge_only.contains(en) && !catalog().page.contains(en))
        })
        .filter_map(|r| Some((r.first()?.clone(), r.get(col)?.clone().into())))
        .collect();
    // `<` escaped: the object goes inside a <script> element of the page.
    Some(
        serde_json::Value::Object(map)
            .to_string()
            .replace('<', "\\u003c"),
    )
}

/// `en` in `tag`'s language, or `en` itself (English, or a text the catalogue lacks: a
/// merchant's own label, a gateway's message).
pub fn translate(tag: &str, en: &str) -> String {
    let col = lang_index(tag);
    catalog()
        .rows
        .iter()
        .find(|r| r.first().is_some_and(|e| e == en))
        .and_then(|r| r.get(col))
        .map_or_else(|| en.to_string(), String::clone)
}

/// The form page's HTML with its own texts (`page`: a text node `>…<` or an attribute value
/// `="…"` holding exactly that English text) in `tag`'s language, HTML-escaped.
pub fn localize_page(html: &str, tag: &str) -> String {
    if lang_index(tag) == 0 {
        return html.to_string();
    }
    let mut out = html.to_string();
    for en in &catalog().page {
        let tr = escape_html(&translate(tag, en));
        out = out
            .replace(&format!(">{en}<"), &format!(">{tr}<"))
            .replace(&format!("=\"{en}\""), &format!("=\"{tr}\""));
    }
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_chain() {
        let l = |t| catalog().langs[lang_index(t)].as_str();
        assert_eq!(l("de-CH"), "de");
        assert_eq!(l("DE"), "de");
        assert_eq!(l("pt-BR"), "pt-BR");
        assert_eq!(l("pt-PT"), "pt-BR");
        assert_eq!(l("ja-JP"), "ja");
        assert_eq!(l("it-IT"), "en");
        assert_eq!(l(""), "en");
    }

    #[test]
    fn page_strings_hold_one_language() {
        assert_eq!(page_strings("en-GB"), None);
        let de: serde_json::Value = serde_json::from_str(&page_strings("de-CH").unwrap()).unwrap();
        assert_eq!(
            de["Enter the card number"],
            "Geben Sie die Kartennummer ein"
        );
        assert!(de.get("Numéro").is_none());
        // What only the edge's screens show stays out of the page.
        assert!(de.get("Your card was declined.").is_none());
        assert!(de.get("Card number is incomplete").is_some());
        // Nor the labels: the edge translates them into the session block.
        assert!(de.get("Pay {amount}").is_none());
    }

    #[test]
    fn translate_falls_back_to_the_text() {
        assert_eq!(translate("de-CH", "Card number"), "Kartennummer");
        // Label texts a merchant may choose besides the defaults ("Expiry", the mock's).
        assert_eq!(translate("de", "Expiry"), "Gültig bis");
        assert_eq!(
            translate("de", "Your card was declined."),
            "Ihre Karte wurde abgelehnt."
        );
        assert_eq!(translate("en", "Card number"), "Card number");
        assert_eq!(translate("fr", "Merci !"), "Merci !");
    }

    #[test]
    fn the_pages_own_texts_in_its_language() {
        let html = "<title>Secure payment form</title><span id=\"badge\">Test mode</span>\
            <input placeholder=\"MM / YY\"><span>(optional)</span><b>Test mode!</b>";
        let de = localize_page(html, "de-CH");
        assert!(de.contains(&format!(
            "<title>{}</title>",
            translate("de", "Secure payment form")
        )));
        assert!(de.contains(&format!(">{}<", translate("de", "Test mode"))));
        assert!(de.contains(&format!("placeholder=\"{}\"", translate("de", "MM / YY"))));
        assert!(localize_page(html, "ja").contains("<span>(任意)</span>"));
        // Only whole texts: a longer text that starts the same is not touched.
        assert!(de.contains("<b>Test mode!</b>"));
        assert_eq!(localize_page(html, "en-US"), html);
        assert_eq!(escape_html("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        let strings: serde_json::Value =
            serde_json::from_str(&page_strings("de").unwrap()).unwrap();
        assert!(
            strings.get("Test mode").is_none(),
            "in the page, not the block"
        );
    }

    #[test]
    fn edge_only_texts_are_rows() {
        let c = catalog();
        assert!(c.edge_only.len() > 20);
        for e in c.edge_only.iter().chain(&c.page) {
            assert!(c.rows.iter().any(|r| &r[0] == e), "{e}");
        }
    }

    #[test]
    fn mount_locale_wins_when_well_formed() {
        assert_eq!(page_locale(Some("fr"), Some("de")), "fr");
        assert_eq!(page_locale(Some("not a tag!"), Some("de")), "de");
        assert_eq!(page_locale(None, None), "en");
    }

    #[test]
    fn every_row_is_filled_and_keys_are_unique() {
        let c = catalog();
        assert_eq!(c.langs, ["en", "es", "fr", "de", "pt-BR", "ja"]);
        assert!(c.rows.len() > 50, "the file parsed");
        for (i, row) in c.rows.iter().enumerate() {
            assert_eq!(row.len(), c.langs.len(), "{row:?}");
            assert!(row.iter().all(|s| !s.is_empty()), "{row:?}");
            assert!(c.rows[..i].iter().all(|r| r[0] != row[0]), "{}", row[0]);
            // Placeholders survive translation.
            for ph in ["{amount}", "{card}", "{n}"] {
                assert!(
                    row.iter().all(|s| s.contains(ph) == row[0].contains(ph)),
                    "{ph} in {row:?}"
                );
            }
        }
    }
}
