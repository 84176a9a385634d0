//! Operator API for accounts: create one, and read its audit log.

use crate::http::{json, new_id, ApiResult, Ctx};
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::model::Account;
use serde_json::json;
use worker::Response;

/// `POST /v1/admin/accounts` `{"name"}`.
pub async fn create(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let new = maven_core::rules::new_account(&body)?;
    let account = Account {
        id: new_id(),
        name: new.name,
        created_at: ctx.now,
    };
    store.put_account(&account).await?;
    Ok(json(201, &account))
}

/// `GET …/accounts/{id}/audit?limit=50`: newest first (at most 1,000 are kept).
pub(crate) async fn audit_list(ctx: &Ctx, store: &Store, account_id: &str) -> ApiResult<Response> {
    store
        .account(account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    let limit = ctx
        .req
        .url()
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "limit")
                .and_then(|(_, v)| v.parse::<usize>().ok())
        })
        .unwrap_or(maven_core::audit::DEFAULT_LIMIT)
        .clamp(1, maven_core::audit::MAX_ENTRIES);
    let entries: Vec<maven_core::audit::Entry> =
        crate::objects::ObjectStub::new(&ctx.env, "TEAM", &format!("team:{account_id}"))?
            .call::<crate::api_keys_do::Reply<Vec<maven_core::audit::Entry>>>(
                "/audit-list",
                &json!({ "limit": limit }),
            )
            .await?
            .into_result()?;
    Ok(json(200, &json!({ "entries": entries })))
}
