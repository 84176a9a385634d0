//! Fixtures for the adapter tests: one request shape, a driver that feeds canned replies.

use super::{Flow, GatewayConfig, HttpCall, HttpReply, Mode, Outcome, PaymentRequest, Step};
use crate::card::{detect_brand, last4, ValidCard};
use crate::secret::Secret;

pub const SESSION: &str = "1a2b3c4d-5e6f-7a8b-9c0d-112233445566";

pub fn request(number: &str, mode: Mode, capture: bool) -> PaymentRequest {
    PaymentRequest {
        session_id: SESSION.into(),
        attempt: 1,
        recovering: false,
        amount_cents: 1234,
        currency: "usd".into(),
        mode,
        capture,
        description: Some("Order #42".into()),
        card: ValidCard {
            number: Secret::new(number),
            exp_month: 12,
            exp_year: 2030,
            cvc: Secret::new("123"),
            name: Some("Jane Q Doe".into()),
            postal_code: Some("94107".into()),
            brand: detect_brand(number),
            last4: last4(number).to_string(),
        },
    }
}

pub fn charge(number: &str) -> PaymentRequest {
    request(number, Mode::Charge, true)
}

pub fn reply(status: u16, body: &str) -> HttpReply {
    HttpReply {
        status,
        body: body.to_string(),
    }
}

/// Runs a flow to the end with the given replies; returns the calls it made and its outcome.
pub fn drive(
    config: &GatewayConfig,
    request: &PaymentRequest,
    replies: Vec<HttpReply>,
) -> (Vec<HttpCall>, Outcome) {
    let mut flow = Flow::new(config, request);
    let mut replies = replies.into_iter();
    let mut calls = Vec::new();
    let mut reply = None;
    loop {
        match flow.next(reply.take()) {
            Step::Call(call) => {
                calls.push(call);
                reply = Some(
                    replies
                        .next()
                        .expect("the flow made more calls than expected"),
                );
            }
            Step::Done(outcome) => {
                assert!(
                    replies.next().is_none(),
                    "the flow ended early: {outcome:?}"
                );
                return (calls, outcome);
            }
        }
    }
}

pub fn header<'a>(call: &'a HttpCall, name: &str) -> Option<&'a str> {
    call.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The decline code of an outcome, or a panic naming what came instead.
pub fn decline_code(outcome: &Outcome) -> crate::error::DeclineCode {
    match outcome {
        Outcome::Declined { code, .. } => *code,
        other => panic!("expected a decline, got {other:?}"),
    }
}

pub fn unavailable_reason(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Unavailable(reason) => reason,
        other => panic!("expected unavailable, got {other:?}"),
    }
}

/// The attempt of `request(…)` as a lookup sees it.
pub fn attempt_ref(mode: Mode) -> super::AttemptRef {
    request("4242424242424242", mode, true).attempt_ref()
}

/// Runs a lookup to the end with the given replies; returns its calls and result.
pub fn run_lookup(
    config: &GatewayConfig,
    attempt: &super::AttemptRef,
    replies: Vec<HttpReply>,
) -> (Vec<HttpCall>, super::LookupResult) {
    let mut lookup = super::Lookup::new(config, attempt);
    let mut replies = replies.into_iter();
    let mut calls = Vec::new();
    let mut reply = None;
    loop {
        match lookup.next(reply.take()) {
            super::LookupStep::Call(call) => {
                calls.push(call);
                reply = Some(
                    replies
                        .next()
                        .expect("the lookup made more calls than expected"),
                );
            }
            super::LookupStep::Done(result) => {
                assert!(
                    replies.next().is_none(),
                    "the lookup ended early: {result:?}"
                );
                return (calls, result);
            }
        }
    }
}
