//! Maven Chat Payments edge worker: a thin shell that turns HTTP requests into `maven-core`
//! calls and KV / Durable Object operations, and back.

mod auth;
mod gateway_http;
mod http;
mod memo;
mod router;
mod routes;
mod session_do;
mod store;
mod webhooks;

pub use session_do::SessionState;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(router::handle(http::Ctx::new(req, env)).await)
}

/// The `maven-webhooks` queue: webhook deliveries (`webhooks.rs`).
#[event(queue)]
async fn queue(batch: MessageBatch<webhooks::Job>, env: Env, _ctx: Context) -> Result<()> {
    webhooks::consume(batch, env).await;
    Ok(())
}
