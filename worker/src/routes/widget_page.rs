//! `GET /widget/{session_id}`: the hosted card form. The HTML is a static asset (same for every
//! session: the form reads its id from the URL); the worker adds the per-project CSP, whose
//! `frame-ancestors` lists the origins allowed to embed the form.

use crate::http::{ApiResult, Ctx};
use crate::store::Store;
use maven_core::error::ApiError;
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
            .map(|p| p.frame_ancestors(s.environment))
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
    let html = asset
        .text()
        .await
        .map_err(|_| ApiError::Internal("form page asset unreadable".into()))?;
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
