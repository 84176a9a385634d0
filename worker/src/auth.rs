//! Who is calling: a merchant server with an API key, or the operator with the admin token.

use crate::http::{ApiResult, Ctx};
use crate::memo;
use crate::objects::ObjectStub;
use crate::store::Store;
use maven_core::api_keys::Verdict;
use maven_core::auth::{constant_time_eq, parse_bearer, Environment};
use maven_core::error::ApiError;
use serde_json::json;

/// A merchant server, authenticated by its API key.
pub struct Caller {
    pub account_id: String,
    pub environment: Environment,
}

/// The account's key registry (`api_keys_do.rs`).
pub fn registry(ctx: &Ctx, account_id: &str) -> ApiResult<ObjectStub> {
    ObjectStub::new(&ctx.env, "API_KEYS", &format!("keys:{account_id}"))
}

/// KV says which account a key belongs to (written once, never changed, so its staleness is
/// harmless); the account's registry says whether it still works. Its verdict is memoized in
/// this isolate for `VERDICT_TTL_MS`, which bounds how long a revoked key goes on working.
pub async fn merchant(ctx: &Ctx, store: &Store) -> ApiResult<Caller> {
    let presented = parse_bearer(ctx.header("authorization").as_deref())?;
    let unknown = || ApiError::Unauthorized("Unknown API key.".into());
    let (rec, verdict) = match memo::verdict(&presented.hash) {
        Some(hit) => hit,
        None => {
            let rec = store
                .api_key(&presented.hash)
                .await?
                .filter(|r| r.environment == presented.environment)
                .ok_or_else(unknown)?;
            let verdict: Verdict = registry(ctx, &rec.account_id)?
                .call("/check", &json!({"key_id": rec.key_id, "now": ctx.now}))
                .await?;
            memo::put_verdict(&presented.hash, rec.clone(), verdict);
            (rec, verdict)
        }
    };
    match verdict {
        v if v.allows(ctx.now) => Ok(Caller {
            account_id: rec.account_id,
            environment: rec.environment,
        }),
        Verdict::Revoked => Err(ApiError::Unauthorized("This API key was revoked.".into())),
        Verdict::Active { .. } | Verdict::Expired => Err(ApiError::Unauthorized(
            "This API key has expired (it was rolled).".into(),
        )),
        Verdict::Unknown => Err(unknown()),
    }
}

/// The operator (dashboard, seed scripts): `Authorization: Bearer <ADMIN_TOKEN secret>`.
pub fn operator(ctx: &Ctx) -> ApiResult<()> {
    let expected = ctx
        .env
        .secret("ADMIN_TOKEN")
        .map(|s| s.to_string())
        .unwrap_or_default();
    let presented = ctx
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_string))
        .unwrap_or_default();
    // An unset or short token disables the admin API rather than opening it.
    if expected.len() < 16 || !constant_time_eq(expected.as_bytes(), presented.as_bytes()) {
        return Err(ApiError::Unauthorized(
            "Invalid or missing operator token.".into(),
        ));
    }
    Ok(())
}
