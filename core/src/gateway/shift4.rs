//! Shift4 adapter (api.shift4.com): charge = one `POST /charges` with the card; tokenize =
//! `POST /tokens` then `POST /customers` with that token. Every POST carries an
//! `Idempotency-Key` from session + attempt + step, so a retry is replayed, not re-charged.

pub mod transformers;

use super::basic_auth::basic_auth;
use super::common::{self, Adapter};
use super::{ApprovedStatus, HttpReply, Mode, PaymentRequest, Step};
use crate::secret::Secret;
use serde::Serialize;
use transformers as wire;

const NAME: &str = "shift4";

#[derive(Debug)]
enum State {
    Start,
    AwaitCharge,
    AwaitToken,
    AwaitCustomer(wire::Card),
    Done,
}

#[derive(Debug)]
pub(crate) struct Shift4 {
    base: String,
    /// The whole `Authorization` value: it embeds the secret key.
    authorization: Secret,
    request: PaymentRequest,
    state: State,
}

impl Shift4 {
    pub(crate) fn new(base: String, secret_key: Secret, request: PaymentRequest) -> Self {
        Shift4 {
            base,
            authorization: Secret::new(basic_auth(secret_key.expose(), "")),
            request,
            state: State::Start,
        }
    }

    fn post<B: Serialize>(&self, path: &str, step: &str, body: &B) -> Step {
        let body = match serde_json::to_string(body) {
            Ok(b) => b,
            Err(e) => return common::unavailable(format!("shift4 request: {e}")),
        };
        Step::Call(common::post_json(
            format!("{}{path}", self.base),
            vec![
                (
                    "Authorization".into(),
                    self.authorization.expose().to_string(),
                ),
                ("Idempotency-Key".into(), self.request.idempotency_key(step)),
            ],
            body,
        ))
    }

    fn metadata(&self) -> wire::Metadata {
        wire::Metadata {
            session_id: self.request.session_id.clone(),
        }
    }

    fn approve(
        &self,
        status: ApprovedStatus,
        id: String,
        token: Option<String>,
        card: Option<&wire::Card>,
    ) -> Step {
        common::approved(
            &self.request,
            status,
            id,
            token,
            card.and_then(|c| c.brand.as_deref()).map(wire::brand),
            card.and_then(|c| c.last4.as_deref()),
        )
    }

    fn charge(&self, charge: wire::Charge) -> Step {
        match charge.status.as_str() {
            "successful" => {
                // Trust what Shift4 did over what we asked for.
                let status = match charge.captured {
                    Some(false) => ApprovedStatus::Authorized,
                    Some(true) => ApprovedStatus::Succeeded,
                    None => common::charge_status(&self.request),
                };
                self.approve(status, charge.id, None, charge.card.as_ref())
            }
            "failed" => common::declined(
                wire::decline_code(charge.failure_code.as_deref().unwrap_or_default()),
                charge.failure_message.as_deref(),
            ),
            other => common::unavailable(format!(
                "shift4 left charge {} in status {other}",
                charge.id
            )),
        }
    }

    fn customer(&self, customer: wire::Customer, token_card: &wire::Card) -> Step {
        let card = customer
            .default_card_id
            .as_deref()
            .and_then(|id| customer.cards.iter().find(|c| c.id.as_deref() == Some(id)))
            .or(customer.cards.first());
        let Some(card_id) = card
            .and_then(|c| c.id.clone())
            .or_else(|| customer.default_card_id.clone())
        else {
            return common::unavailable("shift4 created a customer without a card");
        };
        let token = format!("{}/{card_id}", customer.id);
        let shown = card.filter(|c| c.last4.is_some()).unwrap_or(token_card);
        self.approve(
            ApprovedStatus::Tokenized,
            customer.id,
            Some(token),
            Some(shown),
        )
    }
}

/// Any non-2xx: declines (402 `card_error`) or a gateway problem.
fn error_reply(reply: &HttpReply) -> Step {
    if let Some(step) = common::http_failure(NAME, reply) {
        return step;
    }
    let err = match common::parse::<wire::ErrorResponse>(NAME, &reply.body) {
        Ok(e) => e.error,
        Err(step) => return step,
    };
    if reply.status == 402 || err.kind.as_deref() == Some("card_error") {
        let code = wire::decline_code(err.code.as_deref().unwrap_or_default());
        return common::declined(code, err.message.as_deref());
    }
    common::error_answer(
        NAME,
        reply.status,
        err.kind.as_deref(),
        err.message.as_deref(),
    )
}

impl Adapter for Shift4 {
    fn start(&mut self) -> Step {
        let r = &self.request;
        let card = wire::CardRequest::from_card(&r.card);
        match r.mode {
            Mode::Charge => {
                let body = wire::ChargeRequest {
                    amount: r.amount_cents,
                    currency: r.currency.to_ascii_uppercase(),
                    description: common::clip(r.description.as_deref(), 500),
                    captured: r.capture,
                    card,
                    metadata: self.metadata(),
                };
                self.state = State::AwaitCharge;
                self.post("/charges", "ch", &body)
            }
            Mode::Tokenize => {
                self.state = State::AwaitToken;
                self.post("/tokens", "tok", &card)
            }
        }
    }

    fn on_reply(&mut self, reply: HttpReply) -> Step {
        let state = std::mem::replace(&mut self.state, State::Done);
        if !(200..300).contains(&reply.status) {
            return error_reply(&reply);
        }
        let body = reply.body.as_str();
        match state {
            State::AwaitCharge => match common::parse(NAME, body) {
                Ok(charge) => self.charge(charge),
                Err(step) => step,
            },
            State::AwaitToken => match common::parse::<wire::Token>(NAME, body) {
                Ok(token) => {
                    let customer = wire::CustomerRequest {
                        card: token.id,
                        description: common::clip(self.request.description.as_deref(), 500),
                        metadata: self.metadata(),
                    };
                    self.state = State::AwaitCustomer(token.card);
                    self.post("/customers", "cus", &customer)
                }
                Err(step) => step,
            },
            State::AwaitCustomer(card) => match common::parse(NAME, body) {
                Ok(customer) => self.customer(customer, &card),
                Err(step) => step,
            },
            State::Start | State::Done => {
                common::unavailable("shift4 flow got an unexpected reply")
            }
        }
    }
}

#[cfg(test)]
mod tests;
