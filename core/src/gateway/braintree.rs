//! Braintree adapter (GraphQL, `POST /graphql`): `tokenizeCreditCard` (single-use id), then
//! `chargeCreditCard` / `authorizeCreditCard` with `orderId` = session-attempt, or
//! `vaultPaymentMethod` to tokenize. Braintree has no idempotency key, so a retry of an attempt
//! whose outcome is unknown (`recovering`) first searches transactions by that order id and
//! answers with what it finds instead of charging again. (docs/gateways.md, "Braintree".)
//!
//! - Currency: a merchant account has one currency, so each transaction names the merchant
//!   account of the session's currency (`Credentials::braintree_account`); a currency without
//!   one is refused (at session creation, and here as `Rejected` without a call).
//! - Amount: the transaction's `amount { value currencyCode }` is compared with the session;
//!   a difference is `Outcome::Mismatch`.
//! - Rejected (nothing charged, the attempt closes): a GraphQL error of class `VALIDATION` on
//!   the tokenize, charge or authorize mutation (the mutation did not run). Other errors
//!   (`AUTHENTICATION`, `INTERNAL`, `SERVICE_AVAILABILITY`, …), HTTP failures and Braintree's
//!   own duplicate rejection stay unknown.
//! - Lookup (`BraintreeLookup`): charge = `search { transactions(input: {orderId: {is}}) }`, the
//!   same search the recovering flow makes. Tokenize: no documented lookup of a vaulted payment
//!   method by our reference exists, so it answers `NotFound`; vaulting again moves no money.

pub mod credentials;
pub mod transformers;

use super::basic_auth::basic_auth;
use super::common::{self, Adapter, LookupAdapter};
use super::{
    ApprovedStatus, AttemptRef, HttpReply, LookupResult, LookupStep, Mode, Outcome, PaymentRequest,
    Step,
};
use crate::card::Brand;
use crate::error::DeclineCode;
use crate::money::{decimal_amount, parse_decimal_amount};
use crate::secret::Secret;
use serde::de::DeserializeOwned;
use serde::Serialize;
use transformers as wire;

const NAME: &str = "braintree";
/// API hosts (GATEWAYS.md §3.1). Keys carry no mode marker: the host decides it.
pub const TEST_HOSTS: &[&str] = &["payments.sandbox.braintree-api.com"];
pub const LIVE_HOSTS: &[&str] = &["payments.braintree-api.com"];
/// The API version our documents are written against (Braintree's docs use it too).
pub const API_VERSION: &str = "2019-01-01";

#[derive(Debug)]
enum State {
    Start,
    AwaitSearch,
    AwaitTokenize,
    AwaitCharge(wire::PaymentMethod),
    AwaitVault(wire::PaymentMethod),
    Done,
}

#[derive(Debug)]
pub(crate) struct Braintree {
    base: String,
    /// The whole `Authorization` value: it embeds the private key.
    authorization: Secret,
    /// The merchant account of the request's currency (`Some(None)`: the gateway's default
    /// account); `None` when no account takes it.
    merchant_account: Option<Option<String>>,
    request: PaymentRequest,
    state: State,
}

/// Braintree `orderId` of an attempt: `S-A`.
pub fn order_id(request: &PaymentRequest) -> String {
    order_id_of(&request.session_id, request.attempt)
}

fn order_id_of(session_id: &str, attempt: u32) -> String {
    format!("{session_id}-{attempt}")
}

fn graphql_call<I: Serialize>(
    base: &str,
    authorization: &Secret,
    query: &'static str,
    input: I,
) -> Result<super::HttpCall, String> {
    let body = wire::GraphQlRequest {
        query,
        variables: wire::Variables { input },
    };
    let body = serde_json::to_string(&body).map_err(|e| format!("braintree request: {e}"))?;
    Ok(common::post_json(
        format!("{base}/graphql"),
        vec![
            ("Authorization".into(), authorization.expose().to_string()),
            ("Braintree-Version".into(), API_VERSION.into()),
        ],
        body,
    ))
}

impl Braintree {
    pub(crate) fn new(
        base: String,
        public_key: &Secret,
        private_key: &Secret,
        merchant_account: Option<Option<String>>,
        request: PaymentRequest,
    ) -> Self {
        Braintree {
            base,
            authorization: Secret::new(basic_auth(public_key.expose(), private_key.expose())),
            merchant_account,
            request,
            state: State::Start,
        }
    }

    fn call<I: Serialize>(&self, query: &'static str, input: I) -> Step {
        match graphql_call(&self.base, &self.authorization, query, input) {
            Ok(call) => Step::Call(call),
            Err(why) => common::unavailable(why),
        }
    }

    fn tokenize(&mut self) -> Step {
        self.state = State::AwaitTokenize;
        let input = wire::TokenizeInput {
            credit_card: wire::CreditCardInput::from_card(&self.request.card),
        };
        self.call(wire::TOKENIZE, input)
    }

    fn after_tokenize(&mut self, pm: wire::PaymentMethod) -> Step {
        let r = &self.request;
        let step = match r.mode {
            Mode::Charge => {
                let input = wire::ChargeInput {
                    payment_method_id: pm.id.clone(),
                    transaction: wire::TransactionInput {
                        amount: decimal_amount(r.amount_cents, &r.currency),
                        order_id: order_id(r),
                        merchant_account_id: self.merchant_account.clone().flatten(),
                    },
                };
                let doc = if r.capture {
                    wire::CHARGE
                } else {
                    wire::AUTHORIZE
                };
                self.call(doc, input)
            }
            Mode::Tokenize => self.call(
                wire::VAULT,
                wire::VaultInput {
                    payment_method_id: pm.id.clone(),
                },
            ),
        };
        self.state = match r.mode {
            Mode::Charge => State::AwaitCharge(pm),
            Mode::Tokenize => State::AwaitVault(pm),
        };
        step
    }

    /// A transaction (just made or found by search) → outcome.
    fn transaction(&self, tx: wire::Transaction, card: Option<&wire::CardDetails>) -> Step {
        let r = &self.request;
        let (verdict, brand, last4) = tx_verdict(&tx, r.amount_cents, &r.currency, card);
        match verdict {
            Verdict::Approved(status) => {
                common::approved(r, status, tx.id.clone(), None, brand, last4.as_deref())
            }
            Verdict::Done(outcome) => Step::Done(outcome),
            Verdict::Unknown(why) => common::unavailable(why),
        }
    }

    fn search(&mut self, data: wire::SearchData) -> Step {
        let want = order_id(&self.request);
        let mut nodes: Vec<wire::Transaction> = data
            .search
            .and_then(|s| s.transactions)
            .and_then(|t| t.edges)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .filter_map(|e| e.node)
            .filter(|n| n.order_id.as_deref().is_none_or(|o| o == want))
            .collect();
        // Should two exist, the approved one is the truth about the money.
        nodes.sort_by_key(|n| {
            !(n.status.is_settling() || n.status == wire::PaymentStatus::Authorized)
        });
        match nodes.into_iter().next() {
            Some(node) => self.transaction(node, None),
            None => self.tokenize(),
        }
    }

    fn vault(&self, payload: wire::VaultPayload, tokenized: &wire::PaymentMethod) -> Step {
        let verification = payload.verification;
        if let Some(pm) = payload.payment_method {
            let card = pm.details.as_ref().or(tokenized.details.as_ref());
            let id = verification
                .and_then(|v| v.id)
                .unwrap_or_else(|| pm.id.clone());
            return common::approved(
                &self.request,
                ApprovedStatus::Tokenized,
                id,
                Some(pm.id.clone()),
                card.and_then(|c| c.brand_code.as_deref()).map(wire::brand),
                card.and_then(|c| c.last4.as_deref()),
            );
        }
        let Some(v) = verification else {
            return common::unavailable("braintree vaulted nothing and sent no verification");
        };
        let response = v.processor_response.as_ref();
        let message = response.and_then(|p| p.message.as_deref());
        match v.status.as_deref() {
            Some("PROCESSOR_DECLINED") => common::declined(
                wire::decline_for_legacy(response.and_then(|p| p.legacy_code.as_deref())),
                message,
            ),
            Some("FAILED") => common::declined(DeclineCode::ProcessingError, message),
            Some("GATEWAY_REJECTED") if v.gateway_rejection_reason.as_deref() == Some("CVV") => {
                common::declined(DeclineCode::IncorrectCvc, message)
            }
            Some("GATEWAY_REJECTED") => common::declined(DeclineCode::CardDeclined, message),
            other => common::unavailable(format!(
                "braintree verification ended in status {}",
                other.unwrap_or("unknown")
            )),
        }
    }
}

/// What a transaction says about its money, for the flow and the lookup alike.
enum Verdict {
    Approved(ApprovedStatus),
    Done(Outcome),
    Unknown(String),
}

fn done(step: Step) -> Verdict {
    match step {
        Step::Done(o) => Verdict::Done(o),
        Step::Call(_) => Verdict::Unknown("unreachable".into()),
    }
}

/// The verdict on a transaction, with the brand and last 4 it shows.
fn tx_verdict(
    tx: &wire::Transaction,
    want: u64,
    currency: &str,
    card: Option<&wire::CardDetails>,
) -> (Verdict, Option<Brand>, Option<String>) {
    let snapshot = tx
        .payment_method_snapshot
        .as_ref()
        .map(wire::Snapshot::card);
    let card = snapshot.or(card);
    let brand = card.and_then(|c| c.brand_code.as_deref()).map(wire::brand);
    let last4 = card.and_then(|c| c.last4.clone());
    let (response, rejection) = tx.reason();
    let message = response.and_then(|p| p.message.as_deref());
    let approved = |status| {
        // The amount Braintree took, in the session's currency's minor units.
        let detail = match &tx.amount {
            Some(m) => {
                let got_currency = m.currency_code.as_deref();
                let in_currency = got_currency.unwrap_or(currency);
                match parse_decimal_amount(&m.value, in_currency) {
                    Some(minor) => {
                        common::amount_mismatch(want, currency, Some(minor), got_currency)
                    }
                    None => Some(format!("an unreadable amount {:?}", m.value)),
                }
            }
            None => None,
        };
        match detail {
            Some(detail) => Verdict::Done(common::mismatch(tx.id.clone(), NAME, detail)),
            None => Verdict::Approved(status),
        }
    };
    use wire::PaymentStatus as S;
    let verdict = match tx.status {
        S::SubmittedForSettlement
        | S::Settling
        | S::Settled
        | S::SettlementPending
        | S::SettlementConfirmed => approved(ApprovedStatus::Succeeded),
        S::Authorized => approved(ApprovedStatus::Authorized),
        S::ProcessorDeclined | S::SettlementDeclined => done(common::declined(
            wire::decline_for_legacy(response.and_then(|p| p.legacy_code.as_deref())),
            message,
        )),
        S::Failed => done(common::declined(DeclineCode::ProcessingError, message)),
        S::GatewayRejected => match rejection {
            Some("CVV") => done(common::declined(DeclineCode::IncorrectCvc, message)),
            // Braintree's own duplicate check: the earlier one's outcome is what counts,
            // and a `recovering` retry will look it up.
            Some("DUPLICATE") => Verdict::Unknown(
                "braintree rejected the transaction as a duplicate of an earlier one".into(),
            ),
            other => done(common::declined(
                DeclineCode::CardDeclined,
                Some(&format!(
                    "Gateway rejected: {}",
                    other.unwrap_or("no reason given")
                )),
            )),
        },
        other @ (S::AuthorizationExpired | S::Authorizing | S::Voided | S::Unknown) => {
            Verdict::Unknown(format!(
                "braintree left transaction {} in status {}",
                tx.id,
                other.as_str()
            ))
        }
    };
    (verdict, brand, last4)
}

/// Parses a GraphQL reply; `data` null means failure, reported with the first error message.
fn data<D: DeserializeOwned>(body: &str) -> Result<D, Step> {
    let resp: wire::Response<D> = common::parse(NAME, body)?;
    match resp.data {
        Some(d) => Ok(d),
        None => Err(graphql_errors(&resp.errors)),
    }
}

/// A mutation that did not run: `VALIDATION` errors close the attempt (module header), any
/// other error leaves the outcome unknown.
fn graphql_errors(errors: &[wire::GraphQlError]) -> Step {
    let first = errors.first();
    let message = first
        .map(|e| e.message.as_str())
        .unwrap_or("no data and no error message");
    let class = first
        .and_then(|e| e.extensions.as_ref())
        .and_then(|x| x.error_class.as_deref());
    if class == Some("VALIDATION") {
        return common::rejected(format!("braintree refused the request: {message}"));
    }
    common::unavailable(format!("braintree error: {message}"))
}

/// Unwraps a payload that must be there, else the GraphQL errors explain why it is not.
fn payload<P>(p: Option<P>, body: &str) -> Result<P, Step> {
    match p {
        Some(p) => Ok(p),
        None => Err(
            match common::parse::<wire::Response<serde_json::Value>>(NAME, body) {
                Ok(r) => graphql_errors(&r.errors),
                Err(step) => step,
            },
        ),
    }
}

impl Adapter for Braintree {
    fn start(&mut self) -> Step {
        if self.request.mode == Mode::Charge && self.merchant_account.is_none() {
            return common::rejected(format!(
                "braintree has no merchant account for {} in these credentials",
                self.request.currency.to_ascii_uppercase()
            ));
        }
        // Vaulting moves no money, so only charges need the look-up first.
        if self.request.recovering && self.request.mode == Mode::Charge {
            self.state = State::AwaitSearch;
            let input = wire::SearchInput {
                order_id: wire::SearchText {
                    is: order_id(&self.request),
                },
            };
            return self.call(wire::SEARCH, input);
        }
        self.tokenize()
    }

    fn on_reply(&mut self, reply: HttpReply) -> Step {
        let state = std::mem::replace(&mut self.state, State::Done);
        if let Some(step) = common::http_failure(NAME, &reply) {
            return step;
        }
        if reply.status != 200 {
            return common::unavailable(format!("braintree answered HTTP {}", reply.status));
        }
        let body = reply.body.as_str();
        let result = match state {
            // A failed search proves nothing about the earlier charge.
            State::AwaitSearch => data::<wire::SearchData>(body)
                .map_err(|step| match step {
                    Step::Done(Outcome::Rejected(why)) => common::unavailable(why),
                    other => other,
                })
                .map(|d| self.search(d)),
            State::AwaitTokenize => data::<wire::TokenizeData>(body)
                .and_then(|d| payload(d.tokenize_credit_card, body))
                .and_then(|p| payload(p.payment_method, body))
                .map(|pm| self.after_tokenize(pm)),
            State::AwaitCharge(pm) => data::<wire::ChargeData>(body)
                .and_then(|d| payload(d.charge_credit_card, body))
                .and_then(|p| payload(p.transaction, body))
                .map(|tx| self.transaction(tx, pm.details.as_ref())),
            State::AwaitVault(pm) => data::<wire::VaultData>(body)
                .and_then(|d| payload(d.vault_payment_method, body))
                .map(|v| self.vault(v, &pm)),
            State::Start | State::Done => Err(common::unavailable(
                "braintree flow got an unexpected reply",
            )),
        };
        result.unwrap_or_else(|step| step)
    }
}

/// The documented lookup of one attempt (module header): no card data.
#[derive(Debug)]
pub(crate) struct BraintreeLookup {
    base: String,
    authorization: Secret,
    attempt: AttemptRef,
}

impl BraintreeLookup {
    pub(crate) fn new(
        base: String,
        public_key: &Secret,
        private_key: &Secret,
        attempt: AttemptRef,
    ) -> Self {
        BraintreeLookup {
            base,
            authorization: Secret::new(basic_auth(public_key.expose(), private_key.expose())),
            attempt,
        }
    }
}

impl LookupAdapter for BraintreeLookup {
    fn start(&mut self) -> LookupStep {
        if self.attempt.mode == Mode::Tokenize {
            // No documented search finds a vaulted payment method by our reference; a vaulted
            // card whose answer was lost stays unused, and vaulting again moves no money.
            return LookupStep::Done(LookupResult::NotFound);
        }
        let input = wire::SearchInput {
            order_id: wire::SearchText {
                is: order_id_of(&self.attempt.session_id, self.attempt.attempt),
            },
        };
        match graphql_call(&self.base, &self.authorization, wire::SEARCH, input) {
            Ok(call) => LookupStep::Call(call),
            Err(why) => common::lookup_unknown(why),
        }
    }

    fn on_reply(&mut self, reply: HttpReply) -> LookupStep {
        if let Some(step) = common::http_failure(NAME, &reply) {
            return common::step_to_lookup(step);
        }
        if reply.status != 200 {
            return common::lookup_unknown(format!("braintree answered HTTP {}", reply.status));
        }
        let found = match data::<wire::SearchData>(&reply.body) {
            Ok(d) => d,
            Err(Step::Done(Outcome::Rejected(why) | Outcome::Unavailable(why))) => {
                return common::lookup_unknown(why)
            }
            Err(step) => return common::step_to_lookup(step),
        };
        let want = order_id_of(&self.attempt.session_id, self.attempt.attempt);
        let mut nodes: Vec<wire::Transaction> = found
            .search
            .and_then(|s| s.transactions)
            .and_then(|t| t.edges)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .filter_map(|e| e.node)
            .filter(|n| n.order_id.as_deref() == Some(want.as_str()))
            .collect();
        nodes.sort_by_key(|n| {
            !(n.status.is_settling() || n.status == wire::PaymentStatus::Authorized)
        });
        let Some(tx) = nodes.into_iter().next() else {
            return LookupStep::Done(LookupResult::NotFound);
        };
        let a = &self.attempt;
        match tx_verdict(&tx, a.amount_cents, &a.currency, None) {
            (Verdict::Approved(status), brand, last4) => {
                common::found_approved(status, tx.id.clone(), None, brand, last4.as_deref())
            }
            (Verdict::Done(outcome), _, _) => common::found(outcome),
            (Verdict::Unknown(why), _, _) => common::lookup_unknown(why),
        }
    }
}

#[cfg(test)]
mod tests;
