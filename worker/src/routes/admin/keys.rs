//! Operator API for the sealing keys (docs/keys.md): `GET /v1/admin/keys` names the keys this
//! edge holds; `POST /v1/admin/keys/reseal` re-seals, one page of projects per call, every
//! gateway credential and webhook secret not yet under the current key.

use crate::http::{json, random_bytes, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::reseal::{reseal_project, Resealed};
use maven_core::validate::Fields;
use serde_json::json;
use worker::Response;

/// Projects per call by default, and at most: each is one read and at most one write, well
/// inside a request's subrequest budget.
const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;

/// `GET /v1/admin/keys`: `{"current_key_id", "previous_key_id"}`.
pub fn show(ctx: &Ctx) -> ApiResult<Response> {
    let ring = seal_key(&ctx.env)?;
    Ok(json(
        200,
        &json!({"current_key_id": ring.current_id(), "previous_key_id": ring.previous_id()}),
    ))
}

/// `POST /v1/admin/keys/reseal` `{"cursor"?, "limit"?}` → what this page did, and the cursor
/// of the next page (`null` when every project has been visited). Safe to repeat: a blob
/// already under the current key is left alone.
pub async fn reseal(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let cursor = f.string("cursor", false, true, 2000);
    let limit = f.int("limit", false, 1, MAX_PAGE).unwrap_or(DEFAULT_PAGE);
    let errors = f.finish();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let ring = seal_key(&ctx.env)?;
    let (ids, next) = store.project_page(cursor, limit as u64).await?;
    let mut total = Resealed::default();
    for id in &ids {
        let Some(mut p) = store.project(id).await? else {
            continue;
        };
        let done = reseal_project(&mut p, &ring, random_bytes::<12>)?;
        if done.changed() {
            store.put_project(&p).await?;
        }
        total.add(&done, id);
    }
    Ok(json(
        200,
        &json!({
            "current_key_id": ring.current_id(),
            "projects": ids.len(),
            "resealed": total.resealed,
            "already_current": total.current,
            "failed": total.failed,
            "next_cursor": next,
        }),
    ))
}
