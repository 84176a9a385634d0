//! Drives a `maven_core::gateway::Flow`: sends each call it asks for, with a timeout, and
//! feeds the reply back. A transport failure or timeout is an unknown outcome (`Unavailable`),
//! never a decline: the session stays payable and the retry recovers the same attempt.
//! `send` also posts webhooks (`crate::webhooks`).

use futures_util::future::{select, Either};
use maven_core::charge::OpOutcome;
use maven_core::error::ErrorCode;
use maven_core::gateway::ops::{OpFlow, OpRequest, OpStep};
use maven_core::gateway::{
    AttemptRef, Flow, GatewayConfig, HttpCall, HttpReply, Lookup, LookupResult, LookupStep,
    Outcome, PaymentRequest, Step,
};
use std::time::Duration;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// Per call at most; the flow's deadline cuts it shorter.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// The time left until `deadline_ms` (object clock), capped at one call's timeout.
fn time_left(deadline_ms: u64) -> Option<Duration> {
    let left = deadline_ms.saturating_sub(now_ms());
    (left > 0).then(|| Duration::from_millis(left).min(CALL_TIMEOUT))
}

/// Runs one payment flow; every call must finish by `deadline_ms`, so the flow never outlives
/// the claim that allowed it.
pub async fn run(config: &GatewayConfig, request: &PaymentRequest, deadline_ms: u64) -> Outcome {
    let mut flow = Flow::new(config, request);
    let mut reply = None;
    loop {
        match flow.next(reply.take()) {
            Step::Done(outcome) => return outcome,
            Step::Call(call) => {
                let Some(timeout) = time_left(deadline_ms) else {
                    return Outcome::Unavailable("the payment flow reached its deadline".into());
                };
                match send(&call, timeout).await {
                    Ok(r) => reply = Some(r),
                    Err(reason) => return Outcome::Unavailable(reason),
                }
            }
        }
    }
}

/// Runs one capture, void or refund (`maven_core::gateway::ops`); every call by `deadline_ms`.
/// A transport failure is an unknown outcome: the operation stays open and is resumed.
pub async fn run_op(config: &GatewayConfig, request: &OpRequest, deadline_ms: u64) -> OpOutcome {
    let mut flow = OpFlow::new(config, request);
    let mut reply = None;
    loop {
        match flow.next(reply.take()) {
            OpStep::Done(outcome) => return outcome,
            OpStep::Call(call) => {
                let Some(timeout) = time_left(deadline_ms) else {
                    return OpOutcome::Unknown("the operation reached its deadline".into());
                };
                match send(&call, timeout).await {
                    Ok(r) => reply = Some(r),
                    Err(reason) => return OpOutcome::Unknown(reason),
                }
            }
        }
    }
}

/// Looks one attempt up at its gateway, by `deadline_ms`.
pub async fn lookup(
    config: &GatewayConfig,
    attempt: &AttemptRef,
    deadline_ms: u64,
) -> LookupResult {
    let mut lookup = Lookup::new(config, attempt);
    let mut reply = None;
    loop {
        match lookup.next(reply.take()) {
            LookupStep::Done(result) => return result,
            LookupStep::Call(call) => {
                let Some(timeout) = time_left(deadline_ms) else {
                    return LookupResult::Unknown("the lookup reached its deadline".into());
                };
                match send(&call, timeout).await {
                    Ok(r) => reply = Some(r),
                    Err(reason) => return LookupResult::Unknown(reason),
                }
            }
        }
    }
}

/// Sends one call; `Err` says why no answer came (unreachable, or no answer within `timeout`).
pub async fn send(call: &HttpCall, timeout: Duration) -> Result<HttpReply, String> {
    let host = call.url.split('/').nth(2).unwrap_or("gateway").to_string();
    let headers = Headers::new();
    for (k, v) in &call.headers {
        headers
            .set(k, v)
            .map_err(|_| format!("invalid header {k} for {host}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(match call.method {
        "GET" => Method::Get,
        _ => Method::Post,
    })
    .with_headers(headers);
    if !call.body.is_empty() {
        init.with_body(Some(call.body.clone().into()));
    }
    let req = Request::new_with_init(&call.url, &init)
        .map_err(|_| format!("could not build the request to {host}"))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(req);
    let sending = Box::pin(async {
        let mut resp = fetch.send_with_signal(&signal).await?;
        let status = resp.status_code();
        let body = resp.text().await?;
        Ok::<_, worker::Error>(HttpReply { status, body })
    });
    let raced = select(sending, Box::pin(Delay::from(timeout))).await;
    let result = match raced {
        Either::Left((Ok(reply), _)) => Ok(reply),
        Either::Left((Err(_), _)) => Err(format!("{host} could not be reached")),
        Either::Right(_) => {
            controller.abort();
            Err(format!(
                "{host} did not answer within {} s",
                timeout.as_secs()
            ))
        }
    };
    result
}

/// The session's gateway, from the project's sealed credentials for the session's environment.
pub fn config(
    env: &worker::Env,
    project: &maven_core::model::Project,
    session: &maven_core::session::Session,
) -> Result<GatewayConfig, maven_core::error::ApiError> {
    use maven_core::error::ApiError;
    let stored = project
        .gateways
        .get(session.environment)
        .get(&session.gateway)
        .ok_or_else(|| ApiError::BadRequest {
            detail: "This session's gateway is no longer configured.".into(),
            code: ErrorCode::GatewayNotConfigured,
        })?;
    allowed_base_url(env, session, &stored.base_url)?;
    let slot = project.credentials_slot(session.environment, session.gateway);
    let plain = crate::keys::seal_key(env)?.open(&stored.credentials_sealed, &slot)?;
    let credentials = serde_json::from_slice(&plain)
        .map_err(|_| ApiError::Internal("stored credentials are unreadable".into()))?;
    Ok(GatewayConfig {
        base_url: stored.base_url.clone(),
        credentials,
    })
}

/// A gateway base URL is checked again at use against today's policy
/// (`maven_core::url_policy::gateway_base_url`): one stored before it, or written to KV by other
/// means, never receives a card number.
pub fn allowed_base_url(
    env: &worker::Env,
    session: &maven_core::session::Session,
    base_url: &str,
) -> Result<(), maven_core::error::ApiError> {
    maven_core::url_policy::gateway_base_url(
        base_url,
        session.gateway,
        session.environment,
        crate::http::deployment(env),
    )
    .map(|_| ())
    .map_err(|e| maven_core::error::ApiError::BadRequest {
        detail: format!(
            "This session's gateway address is not allowed ({}); the operator must set it again.",
            e.message()
        ),
        code: ErrorCode::GatewayNotConfigured,
    })
}
