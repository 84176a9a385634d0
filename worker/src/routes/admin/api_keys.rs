//! Operator API for an account's API keys: create (the plaintext shown once), list, revoke and
//! roll. The registry is the account's `AccountKeys` object; KV maps each key's hash to it.

use crate::audit;
use crate::auth::registry;
use crate::http::{json, new_id, random_bytes, ApiResult, Ctx};
use crate::memo;
use crate::store::Store;
use maven_core::api_keys::{KeyEntry, KeyView, MAX_NAME_CHARS, MAX_ROLL_EXPIRY_SECS};
use maven_core::audit::Actor;
use maven_core::auth::{new_key, sha256_hex, Environment};
use maven_core::error::ApiError;
use maven_core::model::ApiKeyRecord;
use maven_core::validate::Fields;
use serde_json::{json, Value};
use worker::Response;

use super::done;
use crate::api_keys_do::Reply;

async fn account(store: &Store, id: &str) -> ApiResult<()> {
    store
        .account(id)
        .await?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("Account"))
}

/// A new key and its registry entry (the plaintext is returned once, never stored). Callers
/// register the entry before indexing the hash in KV: a key KV knows of is always registered.
fn mint(ctx: &Ctx, environment: Environment, name: String) -> ApiResult<(KeyEntry, String)> {
    let key = new_key(environment, &random_bytes::<24>()?);
    let entry = KeyEntry::new(new_id(), name, environment, &key, ctx.now);
    Ok((entry, key))
}

async fn index(store: &Store, entry: &KeyEntry, account_id: &str, key: &str) -> ApiResult<()> {
    let rec = ApiKeyRecord {
        key_id: entry.key_id.clone(),
        account_id: account_id.to_string(),
        environment: entry.environment,
        hint: format!("mvn_{}_…{}", entry.environment.as_str(), entry.last4),
        created_at: entry.created_at,
    };
    store.put_api_key(&sha256_hex(key.as_bytes()), &rec).await
}

/// The create and roll answer: the key's list view plus its plaintext, the only time it exists
/// outside the merchant's hands.
fn revealed(view: &KeyView, key: &str) -> Value {
    let mut v = json!(view);
    v["key"] = json!(key);
    v
}

pub async fn create(
    ctx: &mut Ctx,
    store: &Store,
    account_id: &str,
    actor: &Actor,
) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let env = f.literal("environment", true, &["test", "live"]);
    let name = f.string("name", false, false, MAX_NAME_CHARS);
    done(f)?;
    account(store, account_id).await?;
    let environment = env
        .and_then(Environment::parse)
        .unwrap_or(Environment::Test);
    let name = name.unwrap_or_else(|| format!("{} key", environment.as_str()));
    let (entry, key) = mint(ctx, environment, name)?;
    registry(ctx, account_id)?
        .call::<Reply<()>>("/add", &json!(entry))
        .await?
        .into_result()?;
    index(store, &entry, account_id, &key).await?;
    let details =
        json!({"name": entry.name, "environment": entry.environment, "last4": entry.last4});
    audit::record(
        ctx,
        account_id,
        actor,
        "api_key.created",
        &entry.key_id,
        details,
    )
    .await;
    Ok(json(201, &revealed(&entry.view(ctx.now), &key)))
}

pub async fn list(ctx: &Ctx, store: &Store, account_id: &str) -> ApiResult<Response> {
    account(store, account_id).await?;
    let keys: Vec<KeyView> = registry(ctx, account_id)?
        .call::<Reply<Vec<KeyView>>>("/list", &json!({"now": ctx.now}))
        .await?
        .into_result()?;
    Ok(json(200, &json!({ "keys": keys })))
}

pub async fn revoke(
    ctx: &Ctx,
    store: &Store,
    account_id: &str,
    key_id: &str,
    actor: &Actor,
) -> ApiResult<Response> {
    account(store, account_id).await?;
    let view: KeyView = registry(ctx, account_id)?
        .call::<Reply<KeyView>>("/revoke", &json!({"key_id": key_id, "now": ctx.now}))
        .await?
        .into_result()?;
    memo::forget_account(account_id);
    let details = json!({"name": view.name, "environment": view.environment, "last4": view.last4});
    audit::record(ctx, account_id, actor, "api_key.revoked", key_id, details).await;
    Ok(json(200, &view))
}

pub async fn roll(
    ctx: &mut Ctx,
    store: &Store,
    account_id: &str,
    key_id: &str,
    actor: &Actor,
) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let expires_in = f.int("expires_in_secs", true, 0, MAX_ROLL_EXPIRY_SECS as i64);
    done(f)?;
    account(store, account_id).await?;
    // Environment and name are the old key's; the registry copies them onto the new entry,
    // and the plaintext's prefix must match, so read the old key first.
    let keys: Vec<KeyView> = registry(ctx, account_id)?
        .call::<Reply<Vec<KeyView>>>("/list", &json!({"now": ctx.now}))
        .await?
        .into_result()?;
    let old = keys
        .iter()
        .find(|k| k.key_id == key_id)
        .ok_or_else(|| ApiError::not_found("API key"))?;
    let (entry, key) = mint(ctx, old.environment, old.name.clone())?;
    let (old, new): (KeyView, KeyView) = registry(ctx, account_id)?
        .call::<Reply<(KeyView, KeyView)>>(
            "/roll",
            &json!({"key_id": key_id, "new": entry, "expires_in": expires_in.unwrap_or(0), "now": ctx.now}),
        )
        .await?
        .into_result()?;
    index(store, &entry, account_id, &key).await?;
    memo::forget_account(account_id);
    let details =
        json!({"name": new.name, "new_key_id": new.key_id, "old_expires_at": old.expires_at});
    audit::record(ctx, account_id, actor, "api_key.rolled", key_id, details).await;
    Ok(json(
        201,
        &json!({"key": revealed(&new, &key), "rolled": old}),
    ))
}
