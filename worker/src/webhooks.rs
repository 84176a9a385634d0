//! Webhook delivery (SPEC §7), at least once, through the `WEBHOOKS` queue. The charge route
//! `emit`s: a `delivery:<id>` record in KV (the body, no secret), its index key, then a queue
//! message holding only the id. The consumer loads the record, signs the body with the
//! project's current secret, POSTs it to the project's current URL (so a fixed URL or a new
//! secret applies to retries and re-sends), records the attempt, and acks on 2xx or asks the
//! queue to retry after the schedule's delay (`maven_core::webhook::delivery`).

use crate::gateway_http;
use crate::http::ApiResult;
use crate::keys::seal_key;
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::model::Project;
use maven_core::session::Session;
use maven_core::webhook::delivery::{
    Attempt, Delivery, DeliveryStatus, Next, DEFAULT_RETRY_BASE_SECS,
};
use maven_core::webhook::{http_call, LastDecline, Operation, Payload};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use worker::{Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

/// The receiver must answer within this.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A queue message: only the delivery id (the body stays in KV, the secret sealed in the project).
#[derive(Debug, Serialize, Deserialize)]
pub struct Job {
    pub delivery_id: String,
}

fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// Records and queues the delivery of the session's event, under `delivery_id` (chosen when
/// the outcome was committed, so a retried emit rewrites the same delivery, never a second
/// one). Nothing happens when the project has no webhook URL or the status raises no event.
/// `decline` is the last declined card of a session that just failed; `at` the commit time;
/// `operation` the capture, void or refund the event reports.
#[allow(clippy::too_many_arguments)]
pub async fn emit(
    env: &Env,
    store: &Store,
    project: &Project,
    session: &Session,
    decline: Option<&LastDecline>,
    delivery_id: &str,
    at: u64,
    operation: Option<&Operation>,
) -> ApiResult<()> {
    if project.webhook_url_for(Some(session.environment)).is_none() {
        return Ok(());
    }
    let Some(payload) = Payload::for_session(session, decline, at) else {
        return Ok(());
    };
    let payload = payload.for_event(delivery_id, operation);
    if let Some(done) = store.delivery(delivery_id).await? {
        if done.status != DeliveryStatus::Pending {
            // Already delivered (or given up) by an earlier emit whose outbox entry survived.
            return Ok(());
        }
    }
    let delivery = Delivery::new(delivery_id.to_string(), project.id.clone(), &payload, at);
    store.put_delivery(&delivery, at).await?;
    store.index_delivery(&delivery).await?;
    crate::dev_faults::check(env, store, crate::dev_faults::Fault::QueueSend).await?;
    enqueue(env, &delivery.id).await
}

pub async fn enqueue(env: &Env, delivery_id: &str) -> ApiResult<()> {
    let queue = env
        .queue("WEBHOOKS")
        .map_err(|_| ApiError::Internal("WEBHOOKS queue binding is missing".into()))?;
    let job = Job {
        delivery_id: delivery_id.to_string(),
    };
    queue
        .send(job)
        .await
        .map_err(|_| ApiError::Internal("could not queue a webhook".into()))
}

/// The `WEBHOOKS` consumer. Every message is acked or retried explicitly; the batch's messages
/// are delivered side by side, so one slow receiver does not hold the others back.
pub async fn consume(batch: MessageBatch<Job>, env: Env) {
    // A message that is not a `Job` is dropped: what is neither acked nor retried is acked
    // when the handler returns.
    let messages: Vec<Message<Job>> = batch.iter().filter_map(Result::ok).collect();
    let store = match Store::from_env(&env) {
        Ok(s) => s,
        Err(e) => {
            worker::console_error!("webhooks: {e}");
            return batch.retry_all();
        }
    };
    let base = retry_base(&env);
    let handled = messages.iter().map(|m| handle(&env, &store, base, m));
    futures_util::future::join_all(handled).await;
}

/// `WEBHOOK_RETRY_BASE_SECS` scales the back-off schedule (default 10 s; tests use 1).
fn retry_base(env: &Env) -> u32 {
    env.var("WEBHOOK_RETRY_BASE_SECS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(DEFAULT_RETRY_BASE_SECS)
}

async fn handle(env: &Env, store: &Store, base: u32, message: &Message<Job>) {
    let id = &message.body().delivery_id;
    let retry_in = |secs: u32| {
        message.retry_with_options(
            &QueueRetryOptionsBuilder::new()
                .with_delay_seconds(secs)
                .build(),
        )
    };
    match deliver(env, store, base, id).await {
        Ok(Next::RetryIn(secs)) => retry_in(secs),
        Ok(Next::Ack | Next::GiveUp) => message.ack(),
        Err(e) => {
            // Storage trouble before any attempt: nothing recorded, try again shortly.
            worker::console_error!("webhook delivery {id}: {e}");
            retry_in(base);
        }
    }
}

async fn deliver(env: &Env, store: &Store, base: u32, id: &str) -> ApiResult<Next> {
    let Some(mut delivery) = store.delivery(id).await? else {
        worker::console_warn!("webhook delivery {id} no longer exists");
        return Ok(Next::Ack);
    };
    if delivery.status != DeliveryStatus::Pending {
        // A duplicate message of a delivery already done (queues deliver at least once).
        return Ok(Next::Ack);
    }
    let project = store.project(&delivery.project_id).await?;
    let now = now_secs();
    let attempt = attempt(env, project.as_ref(), &delivery, now).await;
    let next = delivery.record(attempt, base);
    if let Err(e) = store.put_delivery(&delivery, now).await {
        // The receiver's answer still decides: acking a 2xx never sends the event twice.
        worker::console_error!("webhook delivery {id}: attempt not recorded: {e}");
    }
    Ok(next)
}

/// One signed POST to the project's URL, timed.
async fn attempt(env: &Env, project: Option<&Project>, d: &Delivery, now: u64) -> Attempt {
    let started = worker::Date::now().as_millis();
    let url = project.and_then(|p| p.webhook_url_for(d.environment).map(str::to_string));
    let result = match (project, &url) {
        (None, _) => Err("the project no longer exists".to_string()),
        (Some(_), None) => Err("the project has no webhook URL".to_string()),
        // Checked again at send: a URL stored before today's policy (a private address, plain
        // http in production) is never called.
        (Some(p), Some(url)) => match allowed(env, url).and_then(|()| secrets(env, p, now)) {
            Ok(secrets) => {
                let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
                let call = http_call(url, &secrets, &d.id, &d.body, now);
                gateway_http::send(&call, TIMEOUT).await.map(|r| r.status)
            }
            Err(e) => Err(e),
        },
    };
    Attempt {
        at: now,
        url,
        status_code: result.as_ref().ok().copied(),
        error: result.err(),
        duration_ms: worker::Date::now().as_millis().saturating_sub(started),
    }
}

fn allowed(env: &Env, url: &str) -> Result<(), String> {
    maven_core::url_policy::webhook_url(url, crate::http::deployment(env))
        .map(|_| ())
        .map_err(|e| format!("the webhook URL is not allowed: {}", e.message()))
}

/// The secrets that sign now: the current one, and the previous one while a roll overlaps.
fn secrets(env: &Env, p: &Project, now: u64) -> Result<Vec<String>, String> {
    let sealed = p.webhook_secrets_sealed(now);
    if sealed.is_empty() {
        return Err("the project has no webhook secret: roll one in the dashboard".into());
    }
    let key = seal_key(env).map_err(|e| e.to_string())?;
    sealed
        .into_iter()
        .map(|s| {
            let plain = key
                .open(s, &p.webhook_secret_slot())
                .map_err(|e| e.to_string())?;
            String::from_utf8(plain)
                .map_err(|_| "the stored webhook secret is unreadable".to_string())
        })
        .collect()
}
