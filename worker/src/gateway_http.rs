//! Drives a `maven_core::gateway::Flow`: sends each call it asks for, with a timeout, and
//! feeds the reply back. A transport failure or timeout is an unknown outcome (`Unavailable`),
//! never a decline: the session stays payable and the retry recovers the same attempt.
//! `send` also posts webhooks (`crate::webhooks`).

use futures_util::future::{select, Either};
use maven_core::gateway::{
    Flow, GatewayConfig, HttpCall, HttpReply, Outcome, PaymentRequest, Step,
};
use std::time::Duration;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// Per call; a flow makes at most 4 calls.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(config: &GatewayConfig, request: &PaymentRequest) -> Outcome {
    let mut flow = Flow::new(config, request);
    let mut reply = None;
    loop {
        match flow.next(reply.take()) {
            Step::Done(outcome) => return outcome,
            Step::Call(call) => match send(&call, CALL_TIMEOUT).await {
                Ok(r) => reply = Some(r),
                Err(reason) => return Outcome::Unavailable(reason),
            },
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
