//! Who is calling: a merchant server with an API key, or the operator with the admin token.

use crate::http::{ApiResult, Ctx};
use crate::store::Store;
use maven_core::auth::{constant_time_eq, parse_bearer, Environment};
use maven_core::error::ApiError;

/// A merchant server, authenticated by its API key.
pub struct Caller {
    pub account_id: String,
    pub environment: Environment,
}

pub async fn merchant(ctx: &Ctx, store: &Store) -> ApiResult<Caller> {
    let presented = parse_bearer(ctx.header("authorization").as_deref())?;
    let rec = store
        .api_key(&presented.hash)
        .await?
        .filter(|r| r.environment == presented.environment)
        .ok_or_else(|| ApiError::Unauthorized("Unknown API key.".into()))?;
    Ok(Caller {
        account_id: rec.account_id,
        environment: rec.environment,
    })
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
