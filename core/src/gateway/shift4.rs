//! Shift4 adapter (api.shift4.com): charge = one `POST /charges` with the card; tokenize =
//! `POST /tokens` then `POST /customers` with that token. Every POST carries an
//! `Idempotency-Key` from session + attempt + step, so a retry is replayed, not re-charged.
//! (docs/gateways.md, "Shift4".)
//!
//! - Declines: HTTP 402 or `card_error`.
//! - Rejected (nothing charged, the attempt closes): `400 invalid_request` (Shift4 validates
//!   the request before it charges), except the idempotency conflict ("Idempotent key used for
//!   request with different parameters"), which does not prove the earlier request did not
//!   charge: unknown, like 401/403/429/5xx and unreadable replies.
//! - Amount: the charge's `amount` and `currency` are compared with the request
//!   (`Outcome::Mismatch` when they differ).
//! - `POST /customers` requires `email`: we send `customer_email(session, attempt)`, an address
//!   under the reserved `.invalid` domain (RFC 2606), so no receipt can ever reach anyone, and
//!   the lookup can find the customer by it.
//! - Lookup (`Shift4Lookup`): charge = `GET /charges?limit=100[&created[gte]=…]`, newest first,
//!   paged with `startingAfterId`, matched on `metadata.session_id` + `metadata.attempt`;
//!   tokenize = `GET /customers?email=…`.

pub mod credentials;
pub mod transformers;

use super::basic_auth::basic_auth;
use super::common::{self, Adapter, LookupAdapter};
use super::{
    ApprovedStatus, AttemptRef, HttpCall, HttpReply, LookupResult, LookupStep, Mode, Outcome,
    PaymentRequest, Step,
};
use crate::money;
use crate::secret::Secret;
use serde::Serialize;
use transformers as wire;

const NAME: &str = "shift4";
/// API hosts (GATEWAYS.md §4.1): one for test and live; the key decides the mode.
pub const TEST_HOSTS: &[&str] = &["api.shift4.com"];
pub const LIVE_HOSTS: &[&str] = &["api.shift4.com"];
/// Secret key prefixes of each mode.
pub const TEST_KEY_PREFIXES: &[&str] = &["sk_test_"];
pub const LIVE_KEY_PREFIXES: &[&str] = &["sk_live_"];

/// Whether Shift4 takes `currency`: every ISO currency with a minor unit of at most three
/// digits (amounts are in ISO minor units), but no fund codes (docs/gateways.md).
pub fn supports(currency: &str) -> bool {
    money::is_known_currency(currency)
        && !money::is_fund_code(currency)
        && money::minor_unit_exponent(currency) <= 3
}

/// The `email` of the customer an attempt creates (required by `POST /customers`): derived from
/// session and attempt under the reserved `.invalid` TLD (RFC 2606), never deliverable.
pub fn customer_email(session_id: &str, attempt: u32) -> String {
    format!("{session_id}-{attempt}@customers.invalid")
}

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
            attempt: self.request.attempt.to_string(),
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
        let r = &self.request;
        match charge_verdict(&charge, r.amount_cents, &r.currency, r.capture) {
            Verdict::Approved(status) => {
                self.approve(status, charge.id, None, charge.card.as_ref())
            }
            Verdict::Done(outcome) => Step::Done(outcome),
            Verdict::Unknown(why) => common::unavailable(why),
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

/// What a charge says about its money, for the flow and the lookup alike.
enum Verdict {
    Approved(ApprovedStatus),
    Done(Outcome),
    Unknown(String),
}

fn charge_verdict(charge: &wire::Charge, want: u64, currency: &str, capture: bool) -> Verdict {
    match charge.status {
        wire::ChargeStatus::Successful => {
            if let Some(detail) =
                common::amount_mismatch(want, currency, charge.amount, charge.currency.as_deref())
            {
                return Verdict::Done(common::mismatch(charge.id.clone(), NAME, detail));
            }
            // Trust what Shift4 did over what we asked for.
            Verdict::Approved(match charge.captured {
                Some(false) => ApprovedStatus::Authorized,
                Some(true) => ApprovedStatus::Succeeded,
                None if capture => ApprovedStatus::Succeeded,
                None => ApprovedStatus::Authorized,
            })
        }
        wire::ChargeStatus::Failed => match common::declined(
            wire::decline_code(charge.failure_code.as_deref().unwrap_or_default()),
            charge.failure_message.as_deref(),
        ) {
            Step::Done(o) => Verdict::Done(o),
            Step::Call(_) => Verdict::Unknown("unreachable".into()),
        },
        other @ (wire::ChargeStatus::Pending | wire::ChargeStatus::Unknown) => {
            Verdict::Unknown(format!(
                "shift4 left charge {} in status {}",
                charge.id,
                other.as_str()
            ))
        }
    }
}

/// Any non-2xx: declines (402 `card_error`), a proof that nothing was charged (400
/// `invalid_request` other than the idempotency conflict), or a gateway problem.
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
    let idempotency = err
        .message
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("idempoten"));
    if reply.status == 400 && err.kind.as_deref() == Some("invalid_request") && !idempotency {
        return common::rejected(format!(
            "shift4 refused the request ({}): {}",
            err.code.as_deref().unwrap_or("invalid_request"),
            err.message.as_deref().unwrap_or("no message")
        ));
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
                        email: customer_email(&self.request.session_id, self.request.attempt),
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

/// Charges per page of the list (the documented maximum).
const PAGE: u32 = 100;
/// Seconds of clock difference allowed under `AttemptRef::not_before`.
const SKEW_SECS: u64 = 300;

/// The documented lookup of one attempt (module header): no card data.
#[derive(Debug)]
pub(crate) struct Shift4Lookup {
    base: String,
    authorization: Secret,
    attempt: AttemptRef,
}

impl Shift4Lookup {
    pub(crate) fn new(base: String, secret_key: Secret, attempt: AttemptRef) -> Self {
        Shift4Lookup {
            base,
            authorization: Secret::new(basic_auth(secret_key.expose(), "")),
            attempt,
        }
    }

    fn get(&self, path_and_query: String) -> LookupStep {
        LookupStep::Call(HttpCall {
            method: "GET",
            url: format!("{}{path_and_query}", self.base),
            headers: vec![(
                "Authorization".into(),
                self.authorization.expose().to_string(),
            )],
            body: String::new(),
        })
    }

    fn charges(&self, starting_after: Option<&str>) -> LookupStep {
        let mut q = format!("/charges?limit={PAGE}");
        if let Some(t) = self.attempt.not_before {
            q.push_str(&format!("&created[gte]={}", t.saturating_sub(SKEW_SECS)));
        }
        if let Some(id) = starting_after {
            q.push_str(&format!("&startingAfterId={}", encode(id)));
        }
        self.get(q)
    }

    fn on_charges(&self, body: &str) -> LookupStep {
        let page: wire::ListResponse<wire::Charge> = match common::parse(NAME, body) {
            Ok(p) => p,
            Err(step) => return common::step_to_lookup(step),
        };
        let want = wire::Metadata {
            session_id: self.attempt.session_id.clone(),
            attempt: self.attempt.attempt.to_string(),
        };
        let last = page.list.last().map(|c| c.id.clone());
        let mut ours: Vec<wire::Charge> = page
            .list
            .into_iter()
            .filter(|c| c.metadata.as_ref() == Some(&want))
            .collect();
        ours.sort_by_key(|c| c.status != wire::ChargeStatus::Successful);
        if let Some(charge) = ours.into_iter().next() {
            let a = &self.attempt;
            return match charge_verdict(&charge, a.amount_cents, &a.currency, a.capture) {
                Verdict::Approved(status) => {
                    let card = charge.card.as_ref();
                    common::found_approved(
                        status,
                        charge.id.clone(),
                        None,
                        card.and_then(|c| c.brand.as_deref()).map(wire::brand),
                        card.and_then(|c| c.last4.as_deref()),
                    )
                }
                Verdict::Done(outcome) => common::found(outcome),
                Verdict::Unknown(why) => common::lookup_unknown(why),
            };
        }
        match (page.has_more, last) {
            (true, Some(last)) => self.charges(Some(&last)),
            _ => LookupStep::Done(LookupResult::NotFound),
        }
    }

    fn on_customers(&self, body: &str) -> LookupStep {
        let page: wire::ListResponse<wire::Customer> = match common::parse(NAME, body) {
            Ok(p) => p,
            Err(step) => return common::step_to_lookup(step),
        };
        let email = customer_email(&self.attempt.session_id, self.attempt.attempt);
        let Some(customer) = page.list.into_iter().find(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        }) else {
            return LookupStep::Done(LookupResult::NotFound);
        };
        let card = customer
            .default_card_id
            .as_deref()
            .and_then(|id| customer.cards.iter().find(|c| c.id.as_deref() == Some(id)))
            .or(customer.cards.first());
        let Some(card_id) = card
            .and_then(|c| c.id.clone())
            .or_else(|| customer.default_card_id.clone())
        else {
            return common::lookup_unknown("shift4 customer without a card");
        };
        common::found_approved(
            ApprovedStatus::Tokenized,
            customer.id.clone(),
            Some(format!("{}/{card_id}", customer.id)),
            card.and_then(|c| c.brand.as_deref()).map(wire::brand),
            card.and_then(|c| c.last4.as_deref()),
        )
    }
}

/// Percent-encodes a query value (ids and e-mail addresses).
fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl LookupAdapter for Shift4Lookup {
    fn start(&mut self) -> LookupStep {
        match self.attempt.mode {
            Mode::Charge => self.charges(None),
            Mode::Tokenize => {
                let email = customer_email(&self.attempt.session_id, self.attempt.attempt);
                self.get(format!("/customers?email={}", encode(&email)))
            }
        }
    }

    fn on_reply(&mut self, reply: HttpReply) -> LookupStep {
        if !(200..300).contains(&reply.status) {
            return common::lookup_unknown(format!("shift4 lookup answered HTTP {}", reply.status));
        }
        match self.attempt.mode {
            Mode::Charge => self.on_charges(&reply.body),
            Mode::Tokenize => self.on_customers(&reply.body),
        }
    }
}

#[cfg(test)]
mod tests;
