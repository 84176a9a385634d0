//! `GET /widget/{session_id}`: the hosted card form. The HTML is a static asset (same for every
//! session: the form reads its id from the URL); the worker adds the per-project CSP, whose
//! `frame-ancestors` lists the origins allowed to embed the form, and, for a known session, the
//! form token (`<meta name="maven-form-token">`, `maven_core::form_token`) the form sends with
//! its charge.
//!
//! The page also carries the form's fixed strings in its language (`maven_core::l10n`): the
//! mount's `locale` (query parameter `l`, set by the controller), else the session's, else
//! English. The form's wasm then carries no translation catalogue.
//!
//! And the session itself (`maven_core::form_page`): its public view with the amount as the
//! page's locale writes money, so the form starts without fetching it, and the screen to show
//! when it cannot take a card. `GET /widget/{id}/state` answers that block alone, as JSON: the
//! form's poll while another payment is processing.

use crate::http::{ApiResult, Ctx};
use crate::keys::form_token_key;
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::form_page::{self, PageSession};
use maven_core::form_token;
use maven_core::l10n;
use maven_core::model::is_uuid;
use wasm_bindgen::prelude::*;
use worker::js_sys::{Object, Reflect};
use worker::{Headers, Response};

const FORM_ASSET: &str = "https://assets.invalid/widget/v1/form.html";

/// What the page (and its poll) knows of the session: the stored session and its project, and
/// the locale the page is in.
struct Found {
    session: Option<maven_core::session::Session>,
    project: Option<maven_core::model::Project>,
    locale: String,
}

async fn find(ctx: &Ctx, id: &str) -> ApiResult<Found> {
    let store = Store::from_env(&ctx.env)?;
    let session = if is_uuid(id) {
        store.session(id).await?
    } else {
        None
    };
    let project = match &session {
        Some(s) => store.project(&s.project_id).await?,
        None => None,
    };
    let mount_locale = ctx.req.url().ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "l")
            .map(|(_, v)| v.into_owned())
    });
    let locale = l10n::page_locale(
        mount_locale.as_deref(),
        session.as_ref().and_then(|s| s.locale.as_deref()),
    )
    .to_string();
    Ok(Found {
        session,
        project,
        locale,
    })
}

/// The session block's JSON (`maven_core::form_page`): as `GET /v1/widget-sessions/{id}`
/// answers, expired once past its expiry without a result, unknown for an unknown session (or
/// one whose project is gone); with the screen to show when the form cannot take a card.
fn block(ctx: &Ctx, f: &Found) -> serde_json::Value {
    let expired = f
        .session
        .as_ref()
        .is_some_and(|s| s.is_expired(ctx.now) && s.result.is_none());
    let view = match (&f.session, &f.project) {
        (Some(s), Some(p)) if !expired => Some(s.public_view(p)),
        _ => None,
    };
    let amount_text = view
        .as_ref()
        .map(|v| money_text(v.amount_cents, &v.currency, &f.locale))
        .unwrap_or_default();
    let page_session = match &view {
        Some(view) => PageSession::Live {
            view,
            amount_text: &amount_text,
        },
        None if expired => PageSession::Expired,
        None => PageSession::Unknown,
    };
    form_page::session_json(&page_session, &f.locale)
}

/// `GET /widget/{session_id}/state`: the page's session block as it is now, for the form's
/// poll while another payment on the session is processing (same locale parameter `l`).
pub async fn state(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let found = find(ctx, id).await?;
    let mut r = crate::http::json(200, &block(ctx, &found));
    let _ = r.headers_mut().set("cache-control", "no-store");
    Ok(r)
}

pub async fn serve(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let found = find(ctx, id).await?;
    let (session, project, locale) = (&found.session, &found.project, found.locale.as_str());
    // Unknown sessions still get the page (it shows "not found"), embeddable anywhere: it
    // holds no form a customer could type into.
    let ancestors = match (session, project) {
        (Some(s), Some(p)) => p.frame_ancestors(s.environment, crate::http::deployment(&ctx.env)),
        (Some(_), None) => "'none'".into(),
        (None, _) => "*".into(),
    };
    let assets = ctx
        .env
        .assets("ASSETS")
        .map_err(|_| ApiError::Internal("ASSETS binding is missing".into()))?;
    let mut asset = assets
        .fetch(FORM_ASSET, None)
        .await
        .map_err(|_| ApiError::Internal("form page asset unavailable".into()))?;
    if asset.status_code() != 200 {
        return Err(ApiError::Internal(
            "form page asset missing: build the widget".into(),
        ));
    }
    let mut html = asset
        .text()
        .await
        .map_err(|_| ApiError::Internal("form page asset unreadable".into()))?;
    // The page's own texts (title, "Test mode", placeholders…) in its language.
    html = l10n::localize_page(&html, locale);
    html = with_head(&html, &form_page::session_element(&block(ctx, &found)))
        .ok_or_else(|| ApiError::Internal("form page asset has no <head>".into()))?;
    if let Some(strings) = l10n::page_strings(locale) {
        html = with_head(&html, &strings_element(&strings))
            .ok_or_else(|| ApiError::Internal("form page asset has no <head>".into()))?;
    }
    if let Some(s) = session {
        let token = form_token::issue(&form_token_key(&ctx.env)?, &s.id, ctx.now, s.expires_at);
        html = with_head(&html, &token_element(&token))
            .ok_or_else(|| ApiError::Internal("form page asset has no <head>".into()))?;
    }
    let headers = Headers::new();
    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         connect-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'none'; \
         base-uri 'none'; frame-ancestors {ancestors}"
    );
    for (k, v) in [
        ("content-type", "text/html; charset=utf-8"),
        ("content-security-policy", csp.as_str()),
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
    ] {
        let _ = headers.set(k, v);
    }
    Ok(Response::ok(html)
        .map_err(|_| ApiError::Internal("response".into()))?
        .with_headers(headers))
}

/// "CHF 1'234.50" for 123450 chf in de-CH (workerd's ICU; browsers write ’): `Intl.NumberFormat`
/// for the symbol, grouping and order, with exactly the currency's ISO 4217 minor digits from
/// `maven_core::money` (the digits the amount is charged in), so the page never shows an amount
/// other than the one charged. Empty when the runtime refuses the locale or currency (the form
/// then shows its labels without an amount).
pub(crate) fn money_text(minor: u64, currency: &str, locale: &str) -> String {
    let exp = maven_core::money::minor_unit_exponent(currency);
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"style".into(), &"currency".into());
    let _ = Reflect::set(
        &opts,
        &"currency".into(),
        &currency.to_ascii_uppercase().into(),
    );
    for key in ["minimumFractionDigits", "maximumFractionDigits"] {
        let _ = Reflect::set(&opts, &key.into(), &exp.into());
    }
    // The constructor throws a RangeError for an unknown currency: caught, not a 500.
    let Ok(nf) = MoneyFormat::new(&form_page::canonical_locale(locale), &opts) else {
        return String::new();
    };
    nf.format(minor as f64 / 10f64.powi(exp as i32))
}

#[wasm_bindgen]
extern "C" {
    /// `Intl.NumberFormat`, whose constructor can throw (js-sys' binding does not catch).
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type MoneyFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locale: &str, options: &Object) -> Result<MoneyFormat, JsValue>;
    #[wasm_bindgen(method)]
    fn format(this: &MoneyFormat, value: f64) -> String;
}

/// The form token as a `<meta>` element. The token is digits, a dot and hex digits: nothing in
/// it needs escaping.
fn token_element(token: &str) -> String {
    format!("<meta name=\"maven-form-token\" content=\"{token}\">")
}

/// The form's strings (a JSON object whose `<` are escaped) as a data block: never executed, so
/// the page's `script-src` does not apply to it.
fn strings_element(json: &str) -> String {
    format!("<script type=\"application/json\" id=\"mv-l10n\">{json}</script>")
}

/// The page with `element` as the first element of `<head>`.
fn with_head(html: &str, element: &str) -> Option<String> {
    const HEAD: &str = "<head>";
    let at = html.find(HEAD)? + HEAD.len();
    Some(format!("{}\n{element}{}", &html[..at], &html[at..]))
}
