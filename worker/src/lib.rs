//! Maven Chat Payments edge worker: a thin shell that turns HTTP requests into `maven-core`
//! calls and KV / Durable Object operations, and back.

mod api_keys_do;
mod audit;
mod auth;
mod batch;
mod created_rows;
mod dev_faults;
mod gateway_http;
mod guard_do;
mod http;
mod idempotency_do;
mod keys;
mod ledger_do;
mod memo;
mod objects;
mod password;
mod router;
mod routes;
mod session_do;
mod store;
mod team_do;
mod webhooks;

pub use api_keys_do::AccountKeys;
pub use guard_do::ProjectGuard;
pub use idempotency_do::IdempotencySlot;
pub use ledger_do::ProjectLedger;
pub use session_do::SessionState;
pub use team_do::AccountTeam;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    Ok(router::handle(http::Ctx::new(req, env, ctx)).await)
}

/// The `maven-webhooks` queue: webhook deliveries (`webhooks.rs`).
#[event(queue)]
async fn queue(batch: MessageBatch<webhooks::Job>, env: Env, _ctx: Context) -> Result<()> {
    webhooks::consume(batch, env).await;
    Ok(())
}
