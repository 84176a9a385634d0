//! `GET /widget/{session_id}`: the hosted card form. The HTML is a static asset (same for every
//! session: the form reads its id from the URL); the worker adds the per-project CSP, whose
//! `frame-ancestors` lists the origins allowed to embed the form, and, for a known session, the
//! form token (`<meta name="maven-form-token">`, `maven_core::form_token`) the form sends with
//! its charge.
//!
//! The page also carries the form's fixed strings in its language (`maven_core::l10n`): the
//! mount's `locale` (query parameter `l`, set by the controller), else the session's, else
//! English. The form's wasm then carries no translation catalogue.

use crate::http::{ApiResult, Ctx};
use crate::keys::form_token_key;
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::form_token;
use maven_core::l10n;
use maven_core::model::is_uuid;
use worker::{Headers, Response};

const FORM_ASSET: &str = "https://assets.invalid/widget/v1/form.html";

pub async fn serve(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let session = if is_uuid(id) {
        store.session(id).await?
    } else {
        None
    };
    // Unknown sessions still get the page (it shows "not found"), embeddable anywhere: it
    // holds no form a customer could type into.
    let ancestors = match &session {
        Some(s) => store
            .project(&s.project_id)
            .await?
            .map(|p| p.frame_ancestors(s.environment, crate::http::deployment(&ctx.env)))
            .unwrap_or_else(|| "'none'".into()),
        None => "*".into(),
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
    let mount_locale = ctx.req.url().ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "l")
            .map(|(_, v)| v.into_owned())
    });
    let locale = l10n::page_locale(
        mount_locale.as_deref(),
        session.as_ref().and_then(|s| s.locale.as_deref()),
    );
    if let Some(strings) = l10n::page_strings(locale) {
        html = with_head(&html, &strings_element(&strings))
            .ok_or_else(|| ApiError::Internal("form page asset has no <head>".into()))?;
    }
    if let Some(s) = &session {
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
