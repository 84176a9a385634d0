//! Stripe adapter: `POST /v1/payment_methods` (raw card → `pm_…`), then either
//! `POST /v1/payment_intents` (charge or authorize, confirmed at once) or `POST /v1/customers`
//! (tokenize). Every POST carries an `Idempotency-Key` derived from session + attempt + step, so
//! a retry of the same attempt is replayed by Stripe instead of charging twice; every create
//! carries `metadata[session_id]` and `metadata[attempt]` for the lookup.
//! (docs/gateways.md, "Stripe".)
//!
//! - Declines: HTTP 402 or `card_error`.
//! - Rejected (nothing charged, the attempt closes): `400 invalid_request_error` on the
//!   payment-method step (it moves no money), and on the intent/customer step when the error
//!   names a parameter (`param`, or a `parameter_*` / amount code): Stripe validates parameters
//!   before it creates anything, and stores no idempotent result for such a request.
//! - Unknown (lookup): `idempotency_error` (same key, other parameters: the earlier request may
//!   have charged), 409, any other 4xx, 401/403/429/5xx, unreadable replies.
//! - Amount: the PaymentIntent's `amount` and `currency` are compared with what we sent;
//!   a difference is `Outcome::Mismatch`.
//! - Exponents: Stripe counts ISK with two decimals and MGA with none (ISO: 0 and 2), and its
//!   three-decimal currencies must end in 0 (`amount_for`).
//! - Lookup (`StripeLookup`): the Search API by metadata, `GET /v1/payment_intents/search`
//!   (charge) or `GET /v1/customers/search` then `GET /v1/customers/{id}/payment_methods`
//!   (tokenize). Search is eventually consistent (about a minute), which is why `NotFound` is
//!   trusted only after a quiet period.

pub mod credentials;
pub mod transformers;

use super::common::{self, Adapter, LookupAdapter};
use super::{
    ApprovedStatus, AttemptRef, HttpCall, HttpReply, LookupResult, LookupStep, Mode, Outcome,
    PaymentRequest, Step,
};
use crate::money;
use crate::secret::Secret;
use transformers as wire;

const NAME: &str = "stripe";
/// API hosts (GATEWAYS.md §1.1): one for test and live; the key decides the mode.
pub const TEST_HOSTS: &[&str] = &["api.stripe.com"];
pub const LIVE_HOSTS: &[&str] = &["api.stripe.com"];
/// Secret (`sk_`) and restricted (`rk_`) key prefixes of each mode.
pub const TEST_KEY_PREFIXES: &[&str] = &["sk_test_", "rk_test_"];
pub const LIVE_KEY_PREFIXES: &[&str] = &["sk_live_", "rk_live_"];

/// ISO currencies Stripe does not take although they have an ISO minor unit (docs/gateways.md):
/// the dinar currencies it does not list and sanctioned currencies.
const NOT_SUPPORTED: [&str; 7] = ["cuc", "cup", "iqd", "irr", "kpw", "lyd", "syp"];

/// Whether Stripe takes `currency` (lower-case, on the ISO allowlist).
pub fn supports(currency: &str) -> bool {
    let c = currency.to_ascii_lowercase();
    money::is_known_currency(&c)
        && !money::is_fund_code(&c)
        && money::minor_unit_exponent(&c) <= 3
        && !NOT_SUPPORTED.contains(&c.as_str())
}

/// Stripe's exponent of a currency where it differs from ISO 4217.
fn stripe_exponent(currency: &str) -> u32 {
    match currency.to_ascii_lowercase().as_str() {
        // Stripe: "ISK is a zero-decimal currency in ISO but two-decimal in the API".
        "isk" => 2,
        // Stripe lists MGA among its zero-decimal currencies.
        "mga" => 0,
        c => money::minor_unit_exponent(c),
    }
}

/// The session's amount (ISO minor units) in Stripe's minor units, or why Stripe cannot take it:
/// three-decimal amounts must end in 0, and converting to fewer decimals must be exact.
pub fn amount_for(iso_minor: u64, currency: &str) -> Result<u64, String> {
    let (iso, stripe) = (
        money::minor_unit_exponent(currency),
        stripe_exponent(currency),
    );
    let code = currency.to_ascii_uppercase();
    if stripe == 3 && !iso_minor.is_multiple_of(10) {
        return Err(format!(
            "Stripe takes {code} amounts in multiples of 10 thousandths (the amount must end in 0)."
        ));
    }
    if stripe >= iso {
        return iso_minor
            .checked_mul(10u64.pow(stripe - iso))
            .ok_or_else(|| format!("The amount is too large for {code}."));
    }
    let div = 10u64.pow(iso - stripe);
    if !iso_minor.is_multiple_of(div) {
        return Err(format!(
            "Stripe takes {code} in whole units: the amount must be a multiple of {div}."
        ));
    }
    Ok(iso_minor / div)
}

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

fn headers(secret_key: &Secret) -> Vec<(String, String)> {
    vec![(
        "Authorization".into(),
        format!("Bearer {}", secret_key.expose()),
    )]
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
        let mut headers = headers(&self.secret_key);
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        headers.push(("Idempotency-Key".into(), self.request.idempotency_key(step)));
        Step::Call(HttpCall {
            method: "POST",
            url: format!("{}{path}", self.base),
            headers,
            body,
        })
    }

    fn after_payment_method(&mut self, pm: wire::PaymentMethod) -> Step {
        let r = &self.request;
        let step = match r.mode {
            Mode::Charge => {
                let amount = match amount_for(r.amount_cents, &r.currency) {
                    Ok(a) => a,
                    Err(why) => return common::rejected(why),
                };
                let body = wire::PaymentIntentRequest {
                    amount,
                    currency: r.currency.to_ascii_lowercase(),
                    payment_method: pm.id.clone(),
                    capture_method: if r.capture {
                        wire::CaptureMethod::Automatic
                    } else {
                        wire::CaptureMethod::Manual
                    },
                    description: common::clip(r.description.as_deref(), 1000),
                    session_id: r.session_id.clone(),
                    attempt: r.attempt,
                };
                self.post("/v1/payment_intents", "pi", body.encode())
            }
            Mode::Tokenize => {
                let body = wire::CustomerRequest {
                    payment_method: pm.id.clone(),
                    description: common::clip(r.description.as_deref(), 350),
                    session_id: r.session_id.clone(),
                    attempt: r.attempt,
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
        let r = &self.request;
        match intent_verdict(&pi, r.amount_cents, &r.currency) {
            Verdict::Approved(status) => self.approved(status, pi.id, None, pm),
            Verdict::Done(outcome) => Step::Done(outcome),
            Verdict::Unknown(why) => common::unavailable(why),
        }
    }
}

/// What a PaymentIntent says about its money, for the flow and the lookup alike.
enum Verdict {
    Approved(ApprovedStatus),
    Done(Outcome),
    Unknown(String),
}

fn intent_verdict(pi: &wire::PaymentIntent, want_minor: u64, want_currency: &str) -> Verdict {
    let status = match pi.status {
        wire::IntentStatus::Succeeded => ApprovedStatus::Succeeded,
        wire::IntentStatus::RequiresCapture => ApprovedStatus::Authorized,
        // A confirmed intent that fell back carries the decline in `last_payment_error`.
        wire::IntentStatus::RequiresPaymentMethod => {
            let outcome = match &pi.last_payment_error {
                Some(e) => common::declined(wire::decline_code(e), e.message.as_deref()),
                None => common::declined(crate::error::DeclineCode::CardDeclined, None),
            };
            return match outcome {
                Step::Done(o) => Verdict::Done(o),
                Step::Call(_) => Verdict::Unknown("unreachable".into()),
            };
        }
        wire::IntentStatus::Canceled => {
            return Verdict::Done(Outcome::Rejected(format!(
                "stripe payment intent {} was canceled",
                pi.id
            )))
        }
        other @ (wire::IntentStatus::RequiresConfirmation
        | wire::IntentStatus::RequiresAction
        | wire::IntentStatus::Processing
        | wire::IntentStatus::Unknown) => {
            return Verdict::Unknown(format!(
                "stripe left payment intent {} in status {}",
                pi.id,
                other.as_str()
            ))
        }
    };
    // Stripe counts some currencies with other exponents: compare in its units.
    let want_amount = amount_for(want_minor, want_currency).ok();
    let amount_differs = match (pi.amount, want_amount) {
        (Some(got), Some(want)) => got != want,
        (Some(_), None) => true,
        _ => false,
    };
    let detail = common::amount_mismatch(want_minor, want_currency, None, pi.currency.as_deref());
    let detail = match (detail, amount_differs) {
        (d, false) => d,
        (Some(d), true) => Some(format!(
            "{d}, amount {} instead of {}",
            pi.amount.unwrap_or_default(),
            want_amount.unwrap_or_default()
        )),
        (None, true) => Some(format!(
            "amount {} instead of {} (Stripe minor units)",
            pi.amount.unwrap_or_default(),
            want_amount.unwrap_or_default()
        )),
    };
    match detail {
        Some(detail) => Verdict::Done(common::mismatch(pi.id.clone(), NAME, detail)),
        None => Verdict::Approved(status),
    }
}

/// Error codes of `invalid_request_error` that are about the parameters we sent.
fn is_parameter_error(err: &wire::ApiErrorBody) -> bool {
    let code = err.code.as_deref().unwrap_or_default();
    err.param.as_deref().is_some_and(|p| !p.is_empty())
        || code.starts_with("parameter_")
        || matches!(
            code,
            "amount_too_small"
                | "amount_too_large"
                | "invalid_charge_amount"
                | "currency_not_supported"
        )
}

/// Any non-2xx: declines (402 `card_error`), a proof that nothing was charged, or a gateway
/// problem (module header). `money_step` is false on the payment-method step.
fn error_reply(reply: &HttpReply, money_step: bool) -> Step {
    if let Some(step) = common::http_failure(NAME, reply) {
        return step;
    }
    let err = match common::parse::<wire::ErrorResponse>(NAME, &reply.body) {
        Ok(e) => e.error,
        Err(step) => return step,
    };
    let kind = err.kind.as_deref();
    if reply.status == 402 || kind == Some("card_error") {
        return common::declined(wire::decline_code(&err), err.message.as_deref());
    }
    if kind == Some("idempotency_error") || reply.status == 409 {
        return common::error_answer(NAME, reply.status, kind, err.message.as_deref());
    }
    if reply.status == 400
        && kind == Some("invalid_request_error")
        && (!money_step || is_parameter_error(&err))
    {
        return common::rejected(format!(
            "stripe refused the request ({}{}): {}",
            err.code.as_deref().unwrap_or("invalid_request_error"),
            err.param
                .as_deref()
                .map(|p| format!(", parameter {p}"))
                .unwrap_or_default(),
            err.message.as_deref().unwrap_or("no message")
        ));
    }
    common::error_answer(NAME, reply.status, kind, err.message.as_deref())
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
            let money_step = !matches!(state, State::AwaitPaymentMethod);
            return error_reply(&reply, money_step);
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

#[derive(Debug)]
enum LookupState {
    Start,
    AwaitIntents,
    AwaitCustomers,
    AwaitPaymentMethods(String),
    Done,
}

/// The documented lookup of one attempt (module header): Search API by metadata, no card data.
#[derive(Debug)]
pub(crate) struct StripeLookup {
    base: String,
    secret_key: Secret,
    attempt: AttemptRef,
    state: LookupState,
}

impl StripeLookup {
    pub(crate) fn new(base: String, secret_key: Secret, attempt: AttemptRef) -> Self {
        StripeLookup {
            base,
            secret_key,
            attempt,
            state: LookupState::Start,
        }
    }

    fn get(&self, path_and_query: String) -> LookupStep {
        LookupStep::Call(HttpCall {
            method: "GET",
            url: format!("{}{path_and_query}", self.base),
            headers: headers(&self.secret_key),
            body: String::new(),
        })
    }

    fn search(&self, what: &str, expand: Option<&str>) -> LookupStep {
        let q = wire::search_query(&self.attempt.session_id, self.attempt.attempt, expand);
        self.get(format!("/v1/{what}/search?{q}"))
    }

    fn on_intents(&self, body: &str) -> LookupStep {
        let found: wire::SearchResult<wire::PaymentIntent> = match common::parse(NAME, body) {
            Ok(r) => r,
            Err(step) => return common::step_to_lookup(step),
        };
        let mut intents = found.data;
        // Should two exist, money taken is the truth.
        intents.sort_by_key(|pi| match pi.status {
            wire::IntentStatus::Succeeded => 0,
            wire::IntentStatus::RequiresCapture => 1,
            wire::IntentStatus::Processing => 2,
            _ => 3,
        });
        let Some(pi) = intents.into_iter().next() else {
            return LookupStep::Done(LookupResult::NotFound);
        };
        let a = &self.attempt;
        match intent_verdict(&pi, a.amount_cents, &a.currency) {
            Verdict::Approved(status) => {
                let pm = pi.expanded_payment_method();
                let card = pm.as_ref().and_then(|p| p.card.as_ref());
                common::found_approved(
                    status,
                    pi.id.clone(),
                    None,
                    card.and_then(|c| c.brand.as_deref()).map(wire::brand),
                    card.and_then(|c| c.last4.as_deref()),
                )
            }
            Verdict::Done(outcome) => common::found(outcome),
            Verdict::Unknown(why) => common::lookup_unknown(why),
        }
    }
}

impl LookupAdapter for StripeLookup {
    fn start(&mut self) -> LookupStep {
        match self.attempt.mode {
            Mode::Charge => {
                self.state = LookupState::AwaitIntents;
                self.search("payment_intents", Some("data.payment_method"))
            }
            Mode::Tokenize => {
                self.state = LookupState::AwaitCustomers;
                self.search("customers", None)
            }
        }
    }

    fn on_reply(&mut self, reply: HttpReply) -> LookupStep {
        let state = std::mem::replace(&mut self.state, LookupState::Done);
        if !(200..300).contains(&reply.status) {
            return common::lookup_unknown(format!("stripe lookup answered HTTP {}", reply.status));
        }
        match state {
            LookupState::AwaitIntents => self.on_intents(&reply.body),
            LookupState::AwaitCustomers => {
                match common::parse::<wire::SearchResult<wire::Customer>>(NAME, &reply.body) {
                    Ok(r) => match r.data.into_iter().next() {
                        Some(cus) => {
                            self.state = LookupState::AwaitPaymentMethods(cus.id.clone());
                            self.get(format!(
                                "/v1/customers/{}/payment_methods?type=card",
                                cus.id
                            ))
                        }
                        None => LookupStep::Done(LookupResult::NotFound),
                    },
                    Err(step) => common::step_to_lookup(step),
                }
            }
            LookupState::AwaitPaymentMethods(customer) => {
                match common::parse::<wire::List<wire::PaymentMethod>>(NAME, &reply.body) {
                    Ok(list) => match list.data.into_iter().next() {
                        Some(pm) => {
                            let card = pm.card.as_ref();
                            common::found_approved(
                                ApprovedStatus::Tokenized,
                                customer.clone(),
                                Some(format!("{customer}/{}", pm.id)),
                                card.and_then(|c| c.brand.as_deref()).map(wire::brand),
                                card.and_then(|c| c.last4.as_deref()),
                            )
                        }
                        // The customer exists but holds no card: the attach failed.
                        None => common::found(Outcome::Rejected(format!(
                            "stripe customer {customer} holds no card"
                        ))),
                    },
                    Err(step) => common::step_to_lookup(step),
                }
            }
            LookupState::Start | LookupState::Done => {
                common::lookup_unknown("stripe lookup got an unexpected reply")
            }
        }
    }
}

#[cfg(test)]
mod tests;
