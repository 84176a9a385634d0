//! Stripe adapter: `POST /v1/payment_methods` (raw card → `pm_…`), then either
//! `POST /v1/payment_intents` (charge or authorize, confirmed at once) or `POST /v1/customers`
//! (tokenize). Every POST carries an `Idempotency-Key` derived from session + attempt + step, so
//! a retry of the same attempt is replayed by Stripe instead of charging twice.

pub mod transformers;

use super::common::{self, Adapter};
use super::{ApprovedStatus, HttpCall, HttpReply, Mode, PaymentRequest, Step};
use crate::secret::Secret;
use transformers as wire;

const NAME: &str = "stripe";

#[derive(Debug)]
enum State {
    Start,
    AwaitPaymentMethod,
    AwaitIntent(wire::PaymentMethod),
    AwaitCustomer(wire::PaymentMethod),
    Done,
}

#[derive(Debug)]
pub(crate) struct Stripe {
    base: String,
    secret_key: Secret,
    request: PaymentRequest,
    state: State,
}

impl Stripe {
    pub(crate) fn new(base: String, secret_key: Secret, request: PaymentRequest) -> Self {
        Stripe {
            base,
            secret_key,
            request,
            state: State::Start,
        }
    }

    fn post(&self, path: &str, step: &str, body: String) -> Step {
        Step::Call(HttpCall {
            method: "POST",
            url: format!("{}{path}", self.base),
            headers: vec![
                (
                    "Authorization".into(),
                    format!("Bearer {}", self.secret_key.expose()),
                ),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Idempotency-Key".into(), self.request.idempotency_key(step)),
            ],
            body,
        })
    }

    fn after_payment_method(&mut self, pm: wire::PaymentMethod) -> Step {
        let r = &self.request;
        let step = match r.mode {
            Mode::Charge => {
                let body = wire::PaymentIntentRequest {
                    amount: r.amount_cents,
                    currency: r.currency.to_ascii_lowercase(),
                    payment_method: pm.id.clone(),
                    capture_method: if r.capture {
                        wire::CaptureMethod::Automatic
                    } else {
                        wire::CaptureMethod::Manual
                    },
                    description: common::clip(r.description.as_deref(), 1000),
                    session_id: r.session_id.clone(),
                };
                self.post("/v1/payment_intents", "pi", body.encode())
            }
            Mode::Tokenize => {
                let body = wire::CustomerRequest {
                    payment_method: pm.id.clone(),
                    description: common::clip(r.description.as_deref(), 350),
                    session_id: r.session_id.clone(),
                };
                self.post("/v1/customers", "cus", body.encode())
            }
        };
        self.state = match r.mode {
            Mode::Charge => State::AwaitIntent(pm),
            Mode::Tokenize => State::AwaitCustomer(pm),
        };
        step
    }

    fn approved(
        &self,
        status: ApprovedStatus,
        id: String,
        token: Option<String>,
        pm: &wire::PaymentMethod,
    ) -> Step {
        let card = pm.card.as_ref();
        common::approved(
            &self.request,
            status,
            id,
            token,
            card.and_then(|c| c.brand.as_deref()).map(wire::brand),
            card.and_then(|c| c.last4.as_deref()),
        )
    }

    fn intent(&self, reply: &HttpReply, pm: &wire::PaymentMethod) -> Step {
        let pi: wire::PaymentIntent = match common::parse(NAME, &reply.body) {
            Ok(pi) => pi,
            Err(step) => return step,
        };
        match pi.status.as_str() {
            "succeeded" => self.approved(ApprovedStatus::Succeeded, pi.id, None, pm),
            "requires_capture" => self.approved(ApprovedStatus::Authorized, pi.id, None, pm),
            // A confirmed intent that fell back carries the decline in `last_payment_error`.
            "requires_payment_method" => match &pi.last_payment_error {
                Some(e) => common::declined(wire::decline_code(e), e.message.as_deref()),
                None => common::declined(crate::error::DeclineCode::CardDeclined, None),
            },
            other => common::unavailable(format!(
                "stripe left payment intent {} in status {other}",
                pi.id
            )),
        }
    }
}

/// Any non-200: declines (402 `card_error`) or a gateway problem.
fn error_reply(reply: &HttpReply) -> Step {
    if let Some(step) = common::http_failure(NAME, reply) {
        return step;
    }
    let err = match common::parse::<wire::ErrorResponse>(NAME, &reply.body) {
        Ok(e) => e.error,
        Err(step) => return step,
    };
    if reply.status == 402 || err.kind.as_deref() == Some("card_error") {
        return common::declined(wire::decline_code(&err), err.message.as_deref());
    }
    common::error_answer(
        NAME,
        reply.status,
        err.kind.as_deref(),
        err.message.as_deref(),
    )
}

impl Adapter for Stripe {
    fn start(&mut self) -> Step {
        self.state = State::AwaitPaymentMethod;
        let body = wire::PaymentMethodRequest::from_card(&self.request.card).encode();
        self.post("/v1/payment_methods", "pm", body)
    }

    fn on_reply(&mut self, reply: HttpReply) -> Step {
        let state = std::mem::replace(&mut self.state, State::Done);
        if !(200..300).contains(&reply.status) {
            return error_reply(&reply);
        }
        match state {
            State::AwaitPaymentMethod => match common::parse(NAME, &reply.body) {
                Ok(pm) => self.after_payment_method(pm),
                Err(step) => step,
            },
            State::AwaitIntent(pm) => self.intent(&reply, &pm),
            State::AwaitCustomer(pm) => match common::parse::<wire::Customer>(NAME, &reply.body) {
                Ok(cus) => {
                    let token = format!("{}/{}", cus.id, pm.id);
                    self.approved(ApprovedStatus::Tokenized, cus.id, Some(token), &pm)
                }
                Err(step) => step,
            },
            State::Start | State::Done => {
                common::unavailable("stripe flow got an unexpected reply")
            }
        }
    }
}

#[cfg(test)]
mod tests;
