//! Authorize.net adapter: one `POST /xml/v1/request.api` per flow, auth in the body.
//! Charge/authorize = `createTransactionRequest`; tokenize = `createCustomerProfileRequest`.
//! No idempotency key exists, so retries rely on the duplicate filter: the same invoice number,
//! amount and card within `duplicateWindow` come back as reason 11 with the original approval.

pub mod transformers;

use super::common::{self, Adapter};
use super::{ApprovedStatus, HttpReply, Mode, PaymentRequest, Step};
use crate::error::DeclineCode;
use crate::money::decimal_amount;
use crate::secret::Secret;
use transformers as wire;

const NAME: &str = "authorize.net";
/// Eight hours: a retry of an attempt within it is recognised as the same transaction.
pub const DUPLICATE_WINDOW_SECS: u32 = 28800;

#[derive(Debug)]
pub(crate) struct AuthorizeNet {
    base: String,
    login: Secret,
    key: Secret,
    request: PaymentRequest,
    sent: bool,
}

/// `refId`, `invoiceNumber` and `merchantCustomerId` (≤ 20 chars): 16 hex digits of the
/// session id, `-`, attempt.
pub fn reference(session_id: &str, attempt: u32) -> String {
    let hex: String = session_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    let mut r = format!("{hex}-{attempt}");
    r.truncate(20);
    r
}

impl AuthorizeNet {
    pub(crate) fn new(base: String, login: Secret, key: Secret, request: PaymentRequest) -> Self {
        AuthorizeNet {
            base,
            login,
            key,
            request,
            sent: false,
        }
    }

    fn auth(&self) -> wire::MerchantAuthentication {
        wire::MerchantAuthentication {
            name: self.login.clone(),
            transaction_key: self.key.clone(),
        }
    }

    fn body(&self) -> Result<String, serde_json::Error> {
        let r = &self.request;
        let reference = reference(&r.session_id, r.attempt);
        let description = common::clip(r.description.as_deref(), 255);
        match r.mode {
            Mode::Charge => serde_json::to_string(&wire::CreateTransactionEnvelope {
                request: wire::CreateTransactionRequest {
                    merchant_authentication: self.auth(),
                    ref_id: reference.clone(),
                    transaction_request: wire::TransactionRequest {
                        transaction_type: if r.capture {
                            "authCaptureTransaction"
                        } else {
                            "authOnlyTransaction"
                        },
                        amount: decimal_amount(r.amount_cents, &r.currency),
                        currency_code: (!r.currency.eq_ignore_ascii_case("usd"))
                            .then(|| r.currency.to_ascii_uppercase()),
                        payment: wire::Payment::from_card(&r.card),
                        order: wire::Order {
                            invoice_number: reference,
                            description,
                        },
                        bill_to: wire::BillTo::from_card(&r.card),
                        transaction_settings: wire::TransactionSettings {
                            setting: vec![wire::Setting {
                                setting_name: "duplicateWindow",
                                setting_value: DUPLICATE_WINDOW_SECS.to_string(),
                            }],
                        },
                    },
                },
            }),
            Mode::Tokenize => serde_json::to_string(&wire::CreateCustomerProfileEnvelope {
                request: wire::CreateCustomerProfileRequest {
                    merchant_authentication: self.auth(),
                    ref_id: reference.clone(),
                    profile: wire::CustomerProfile {
                        merchant_customer_id: reference,
                        description,
                        payment_profiles: vec![wire::PaymentProfile {
                            customer_type: "individual",
                            bill_to: wire::BillTo::from_card(&r.card),
                            payment: wire::Payment::from_card(&r.card),
                        }],
                    },
                    // A zero-dollar check that does not settle, so declines surface now.
                    validation_mode: "testMode",
                },
            }),
        }
    }

    fn approve(
        &self,
        status: ApprovedStatus,
        id: String,
        token: Option<String>,
        account_type: Option<&str>,
        account_number: Option<&str>,
    ) -> Step {
        common::approved(
            &self.request,
            status,
            id,
            token,
            account_type.map(wire::brand),
            account_number.map(wire::last4),
        )
    }

    fn transaction(&self, body: &str) -> Step {
        let resp: wire::CreateTransactionResponse = match common::parse(NAME, body) {
            Ok(r) => r,
            Err(step) => return step,
        };
        let Some(tr) = resp.transaction_response else {
            return request_error(&resp.messages);
        };
        let trans_id = tr.trans_id.clone().filter(|id| !id.is_empty() && id != "0");
        let reason = tr.errors.first();
        let status = common::charge_status(&self.request);
        match (tr.response_code.as_str(), reason) {
            ("1", _) | ("4", _) => {
                let Some(id) = trans_id else {
                    return common::unavailable("authorize.net approved without a transId");
                };
                // 4 = held for review: funds are held, the merchant decides later.
                let status = if tr.response_code == "4" {
                    ApprovedStatus::Authorized
                } else {
                    status
                };
                let (kind, number) = (tr.account_type.as_deref(), tr.account_number.as_deref());
                self.approve(status, id, None, kind, number)
            }
            // Duplicate of this same attempt: the reply carries the original when it was approved.
            ("3", Some(e)) if e.error_code == "11" => match trans_id {
                Some(id) => {
                    let (kind, number) = (tr.account_type.as_deref(), tr.account_number.as_deref());
                    self.approve(status, id, None, kind, number)
                }
                None => common::declined(DeclineCode::CardDeclined, Some(&e.error_text)),
            },
            (rc @ ("2" | "3"), Some(e)) => match wire::decline_for_reason(rc, &e.error_code) {
                Some(code) => common::declined(code, Some(&e.error_text)),
                None => common::unavailable(format!(
                    "authorize.net error {}: {}",
                    e.error_code, e.error_text
                )),
            },
            ("2", None) => common::declined(DeclineCode::CardDeclined, None),
            (rc, _) => common::unavailable(format!("authorize.net answered responseCode {rc}")),
        }
    }

    fn profile(&self, body: &str) -> Step {
        let resp: wire::CreateCustomerProfileResponse = match common::parse(NAME, body) {
            Ok(r) => r,
            Err(step) => return step,
        };
        let first = resp.messages.message.first();
        let code = first.map(|m| m.code.as_str()).unwrap_or_default();
        let direct = wire::StringList::first(&resp.validation_direct_response_list)
            .map(|d| d.split(',').collect::<Vec<_>>())
            .unwrap_or_default();
        let ok = resp.messages.result_code == "Ok";
        if ok || code == "E00039" {
            // E00039: a profile with our merchantCustomerId exists, i.e. an earlier try of
            // this attempt created it; its ids are in the reply (profile id also in the text).
            let profile_id = resp
                .customer_profile_id
                .clone()
                .or_else(|| first.and_then(|m| id_in_duplicate_text(&m.text).map(str::to_string)));
            let payment_id = wire::StringList::first(&resp.customer_payment_profile_id_list);
            let (Some(profile_id), Some(payment_id)) = (profile_id, payment_id) else {
                return common::unavailable("authorize.net created a profile without its ids");
            };
            let token = format!("{profile_id}/{payment_id}");
            // Direct response fields 51/52: account number and card type.
            let (number, kind) = (direct.get(50).copied(), direct.get(51).copied());
            return self.approve(
                ApprovedStatus::Tokenized,
                profile_id,
                Some(token),
                kind,
                number,
            );
        }
        match (direct.first(), direct.get(2)) {
            (Some(rc), Some(reason)) if *rc != "1" => match wire::decline_for_reason(rc, reason) {
                Some(decline) => common::declined(decline, direct.get(3).copied()),
                None => request_error(&resp.messages),
            },
            _ if code == "E00027" => {
                common::declined(DeclineCode::CardDeclined, first.map(|m| m.text.as_str()))
            }
            _ => request_error(&resp.messages),
        }
    }
}

/// "A duplicate record with ID 1234 already exists." → "1234".
fn id_in_duplicate_text(text: &str) -> Option<&str> {
    let rest = &text[text.find("ID ")? + 3..];
    let id = rest.split(|c: char| !c.is_ascii_digit()).next()?;
    (!id.is_empty()).then_some(id)
}

/// A request-level error (no transactionResponse): bad credentials, schema, account.
fn request_error(messages: &wire::Messages) -> Step {
    let (code, text) = messages
        .message
        .first()
        .map(|m| (m.code.as_str(), m.text.as_str()))
        .unwrap_or(("?", "no message"));
    if code == "E00007" {
        return common::unavailable(format!(
            "authorize.net rejected the credentials ({code}: {text})"
        ));
    }
    common::unavailable(format!("authorize.net error {code}: {text}"))
}

impl Adapter for AuthorizeNet {
    fn start(&mut self) -> Step {
        let body = match self.body() {
            Ok(b) => b,
            Err(e) => return common::unavailable(format!("authorize.net request: {e}")),
        };
        self.sent = true;
        Step::Call(common::post_json(
            format!("{}/xml/v1/request.api", self.base),
            Vec::new(),
            body,
        ))
    }

    fn on_reply(&mut self, reply: HttpReply) -> Step {
        if !std::mem::take(&mut self.sent) {
            return common::unavailable("authorize.net flow got an unexpected reply");
        }
        if let Some(step) = common::http_failure(NAME, &reply) {
            return step;
        }
        if reply.status != 200 {
            return common::unavailable(format!("authorize.net answered HTTP {}", reply.status));
        }
        // Every response starts with a UTF-8 BOM, which JSON parsers reject.
        let body = reply.body.strip_prefix('\u{feff}').unwrap_or(&reply.body);
        match self.request.mode {
            Mode::Charge => self.transaction(body),
            Mode::Tokenize => self.profile(body),
        }
    }
}

#[cfg(test)]
mod tests;
