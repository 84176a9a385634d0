//! Braintree adapter (GraphQL, `POST /graphql`): `tokenizeCreditCard` (single-use id), then
//! `chargeCreditCard` / `authorizeCreditCard` with `orderId` = session-attempt, or
//! `vaultPaymentMethod` to tokenize. Braintree has no idempotency key, so a retry of an attempt
//! whose outcome is unknown (`recovering`) first searches transactions by that order id and
//! answers with what it finds instead of charging again.

pub mod transformers;

use super::basic_auth::basic_auth;
use super::common::{self, Adapter};
use super::{ApprovedStatus, HttpReply, Mode, PaymentRequest, Step};
use crate::error::DeclineCode;
use crate::money::decimal_amount;
use crate::secret::Secret;
use serde::de::DeserializeOwned;
use serde::Serialize;
use transformers as wire;

const NAME: &str = "braintree";
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
    merchant_account_id: Option<String>,
    request: PaymentRequest,
    state: State,
}

/// Braintree `orderId` of an attempt: `S-A`.
pub fn order_id(request: &PaymentRequest) -> String {
    format!("{}-{}", request.session_id, request.attempt)
}

impl Braintree {
    pub(crate) fn new(
        base: String,
        public_key: &Secret,
        private_key: &Secret,
        merchant_account_id: Option<String>,
        request: PaymentRequest,
    ) -> Self {
        Braintree {
            base,
            authorization: Secret::new(basic_auth(public_key.expose(), private_key.expose())),
            merchant_account_id: merchant_account_id.filter(|m| !m.trim().is_empty()),
            request,
            state: State::Start,
        }
    }

    fn call<I: Serialize>(&self, query: &'static str, input: I) -> Step {
        let body = wire::GraphQlRequest {
            query,
            variables: wire::Variables { input },
        };
        let body = match serde_json::to_string(&body) {
            Ok(b) => b,
            Err(e) => return common::unavailable(format!("braintree request: {e}")),
        };
        Step::Call(common::post_json(
            format!("{}/graphql", self.base),
            vec![
                (
                    "Authorization".into(),
                    self.authorization.expose().to_string(),
                ),
                ("Braintree-Version".into(), API_VERSION.into()),
            ],
            body,
        ))
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
                        merchant_account_id: self.merchant_account_id.clone(),
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
        let snapshot = tx
            .payment_method_snapshot
            .as_ref()
            .map(wire::Snapshot::card);
        let card = snapshot.or(card);
        let brand = card.and_then(|c| c.brand_code.as_deref()).map(wire::brand);
        let last4 = card.and_then(|c| c.last4.as_deref());
        let (response, rejection) = tx.reason();
        let message = response.and_then(|p| p.message.as_deref());
        match tx.status.as_str() {
            s if wire::is_settling(s) => {
                let id = tx.id.clone();
                common::approved(
                    &self.request,
                    ApprovedStatus::Succeeded,
                    id,
                    None,
                    brand,
                    last4,
                )
            }
            "AUTHORIZED" => {
                let id = tx.id.clone();
                common::approved(
                    &self.request,
                    ApprovedStatus::Authorized,
                    id,
                    None,
                    brand,
                    last4,
                )
            }
            "PROCESSOR_DECLINED" | "SETTLEMENT_DECLINED" => common::declined(
                wire::decline_for_legacy(response.and_then(|p| p.legacy_code.as_deref())),
                message,
            ),
            "FAILED" => common::declined(DeclineCode::ProcessingError, message),
            "GATEWAY_REJECTED" => match rejection {
                Some("CVV") => common::declined(DeclineCode::IncorrectCvc, message),
                // Braintree's own duplicate check: the earlier one's outcome is what counts,
                // and a `recovering` retry will look it up.
                Some("DUPLICATE") => common::unavailable(
                    "braintree rejected the transaction as a duplicate of an earlier one",
                ),
                other => common::declined(
                    DeclineCode::CardDeclined,
                    Some(&format!(
                        "Gateway rejected: {}",
                        other.unwrap_or("no reason given")
                    )),
                ),
            },
            other => common::unavailable(format!(
                "braintree left transaction {} in status {other}",
                tx.id
            )),
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
        nodes.sort_by_key(|n| !(wire::is_settling(&n.status) || n.status == "AUTHORIZED"));
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

/// Parses a GraphQL reply; `data` null means failure, reported with the first error message.
fn data<D: DeserializeOwned>(body: &str) -> Result<D, Step> {
    let resp: wire::Response<D> = common::parse(NAME, body)?;
    match resp.data {
        Some(d) => Ok(d),
        None => Err(graphql_errors(&resp.errors)),
    }
}

fn graphql_errors(errors: &[wire::GraphQlError]) -> Step {
    let first = errors.first().map(|e| e.message.as_str());
    common::unavailable(format!(
        "braintree error: {}",
        first.unwrap_or("no data and no error message")
    ))
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
            State::AwaitSearch => data::<wire::SearchData>(body).map(|d| self.search(d)),
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

#[cfg(test)]
mod tests;
