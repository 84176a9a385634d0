//! The form's fixed strings in its language. The edge renders them into the form page as a JSON
//! data block (`<script type="application/json" id="mv-l10n">`, from `maven_core::l10n`) for the
//! mount's locale, else the session's; an English page has none. The English text is the key:
//! every fixed string the form shows passes through `tr`, which returns the page's translation
//! when there is one and the text unchanged otherwise (a server message we have no translation
//! for stays English). Labels and result screens come already translated from the edge.
//! Keeping the catalogue out of the wasm saves every merchant page its five other languages.

use crate::dom;
#[allow(unused_imports)]
use crate::prelude::*;
use alloc::borrow::Cow;
use wasm_bindgen::JsValue;

/// The page's `{english: translation}` object, if it has one.
pub struct Strings(JsValue);

impl Strings {
    pub fn from_page() -> Strings {
        let map = super::page_json("mv-l10n").unwrap_or(JsValue::UNDEFINED);
        Strings(map)
    }

    /// `en` translated, or `en` itself.
    pub fn tr<'a>(&self, en: &'a str) -> Cow<'a, str> {
        match dom::get_str(&self.0, en) {
            Some(t) => Cow::Owned(t),
            None => Cow::Borrowed(en),
        }
    }
}
