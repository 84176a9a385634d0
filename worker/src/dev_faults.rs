//! Local development only (`DEV_MODE=true`): a switch that makes the outbox's KV writes and
//! queue sends fail at a given rate, so the fault-injection suite can show that an approval
//! whose view or webhook fails to go out is delayed, never lost. In production the switch does
//! not exist: `check` returns at once and the route answers 404.

use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use serde::{Deserialize, Serialize};
use worker::Env;

const KEY: &str = "dev:faults";

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Rates {
    #[serde(default)]
    pub kv_put_fail_rate: f64,
    #[serde(default)]
    pub queue_send_fail_rate: f64,
}

#[derive(Debug, Clone, Copy)]
pub enum Fault {
    KvPut,
    QueueSend,
}

pub fn enabled(env: &Env) -> bool {
    env.var("DEV_MODE")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false)
}

/// Fails with the configured probability (never outside local development).
pub async fn check(env: &Env, store: &Store, fault: Fault) -> Result<(), ApiError> {
    if !enabled(env) {
        return Ok(());
    }
    let rates: Rates = store.get(KEY).await?.unwrap_or_default();
    let rate = match fault {
        Fault::KvPut => rates.kv_put_fail_rate,
        Fault::QueueSend => rates.queue_send_fail_rate,
    };
    if rate > 0.0 && worker::js_sys::Math::random() < rate {
        return Err(ApiError::Internal(format!("injected {fault:?} failure")));
    }
    Ok(())
}

/// `POST /v1/dev/faults` (operator token): sets the rates, `{}` clears them.
pub async fn set(ctx: &mut crate::http::Ctx) -> Result<worker::Response, ApiError> {
    if !enabled(&ctx.env) {
        return Err(ApiError::NotFound("Not Found".into()));
    }
    crate::auth::operator(ctx)?;
    let body = ctx.json_body().await?;
    let rates: Rates = serde_json::from_value(body).map_err(|e| ApiError::BadRequest {
        detail: format!("Invalid fault rates: {e}"),
        code: ErrorCode::InvalidRequest,
    })?;
    let valid = |r: f64| (0.0..=1.0).contains(&r);
    if !valid(rates.kv_put_fail_rate) || !valid(rates.queue_send_fail_rate) {
        return Err(ApiError::BadRequest {
            detail: "Rates are between 0 and 1.".into(),
            code: ErrorCode::InvalidRequest,
        });
    }
    Store::from_env(&ctx.env)?.put(KEY, &rates, None).await?;
    Ok(crate::http::json(200, &rates))
}
