//! Authorize.net adapter: one `POST /xml/v1/request.api` per flow, auth in the body.
//! Charge/authorize = `createTransactionRequest`; tokenize = `createCustomerProfileRequest`.
//! (docs/gateways.md, "Authorize.net", says the same with its sources.)
//!
//! - No idempotency key exists. The duplicate filter (`duplicateWindow`) refuses a second
//!   transaction with the same invoice number, amount and card inside the window with
//!   responseCode 3 / reason 11. That answer is NEVER an approval nor a decline: Authorize.net
//!   sends it for duplicates of declined transactions too (with the original's `transId`), and
//!   without a `transId` the original may still have been approved. It is
//!   `Outcome::Unavailable`, resolved by the lookup below.
//! - Rejected (nothing charged, the attempt closes): responseCode 3 with any other reason code
//!   that is not a card problem ("Error": the transaction was not processed); request-level
//!   errors without a `transactionResponse` that reject the request itself (E00003 schema,
//!   E00013/E00014/E00015/E00016 field errors, E00027 without a transaction); a card number of
//!   more than 16 digits, which `creditCardSimpleType.cardNumber` does not allow (never sent).
//!   E00001 (system error), E00007 (credentials) and HTTP failures stay unknown.
//! - Amount: `transactionResponse` carries no amount or currency (AnetApiSchema.xsd
//!   `transactionResponse`), except `prePaidCard.approvedAmount` on a partial authorization,
//!   which is compared; we also send `allowPartialAuth=false`. The lookup compares
//!   `settleAmount`.
//! - Lookup (`AuthorizeNetLookup`): charge = `getUnsettledTransactionListRequest` (newest first,
//!   1000 per page) matched on `invoiceNumber` = `reference(session, attempt)`; tokenize =
//!   `getCustomerProfileRequest` by `merchantCustomerId` (the same reference).
//! - `validationMode` of tokenize: `liveMode` (a real $0 authorization at the issuer) when the
//!   base URL is the production endpoint, `testMode` (format checks only) otherwise.

pub mod credentials;
pub mod transformers;

use super::common::{self, Adapter, LookupAdapter};
use super::{
    ApprovedStatus, AttemptRef, HttpReply, LookupResult, LookupStep, Mode, Outcome, PaymentRequest,
    Step,
};
use crate::error::DeclineCode;
use crate::money::{decimal_amount, parse_decimal_amount};
use crate::secret::Secret;
use transformers as wire;

const NAME: &str = "authorize.net";
/// Eight hours: a retry of an attempt within it is recognised as the same transaction.
pub const DUPLICATE_WINDOW_SECS: u32 = 28800;
/// `creditCardSimpleType.cardNumber` is 4 to 16 characters (AnetApiSchema.xsd).
pub const MAX_CARD_DIGITS: usize = 16;
/// Currencies Authorize.net documents for `currencyCode` (docs/gateways.md); the merchant
/// account must also be set up for the one used.
pub const CURRENCIES: [&str; 11] = [
    "aud", "cad", "chf", "dkk", "eur", "gbp", "nok", "nzd", "pln", "sek", "usd",
];

/// API hosts (GATEWAYS.md §2.1): sandbox, and production (`api2.` is the SDKs' default,
/// `api.` is also used for production). Credentials carry no mode marker: the host decides it.
pub const TEST_HOSTS: &[&str] = &["apitest.authorize.net"];
pub const LIVE_HOSTS: &[&str] = &["api2.authorize.net", "api.authorize.net"];

/// Whether `base` is Authorize.net's production endpoint (`LIVE_HOSTS`), whose credentials
/// are live: profiles are then validated at the issuer (`liveMode`).
pub fn is_production(base: &str) -> bool {
    let host = base
        .trim_start_matches("https://")
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LIVE_HOSTS.contains(&host.as_str())
}

/// `validationMode` for `createCustomerProfileRequest` at this base URL.
pub fn validation_mode(base: &str) -> &'static str {
    if is_production(base) {
        "liveMode"
    } else {
        "testMode"
    }
}

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
                            setting: vec![
                                wire::Setting {
                                    setting_name: "allowPartialAuth",
                                    setting_value: "false".into(),
                                },
                                wire::Setting {
                                    setting_name: "duplicateWindow",
                                    setting_value: DUPLICATE_WINDOW_SECS.to_string(),
                                },
                            ],
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
                    // A zero-dollar check that does not settle, so declines surface now;
                    // only `liveMode` asks the issuer (`testMode` checks the format).
                    validation_mode: validation_mode(&self.base),
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
        use wire::ResponseCode as Rc;
        match (tr.response_code, reason) {
            // A duplicate is never an approval nor a decline (module header): look it up.
            (_, Some(e)) if e.error_code.trim() == "11" => common::unavailable(format!(
                "authorize.net answered a duplicate (reason 11{}): the earlier transaction's \
                 outcome is unknown, resolve by lookup",
                trans_id
                    .as_deref()
                    .map(|id| format!(", transId {id}"))
                    .unwrap_or_default()
            )),
            (Rc::Approved | Rc::HeldForReview, _) => {
                let Some(id) = trans_id else {
                    return common::unavailable("authorize.net approved without a transId");
                };
                if let Some(detail) = self.partial_amount(&tr) {
                    return Step::Done(common::mismatch(id, NAME, detail));
                }
                // 4 = held for review: funds are held, the merchant decides later.
                let status = if tr.response_code == Rc::HeldForReview {
                    ApprovedStatus::Authorized
                } else {
                    status
                };
                let (kind, number) = (tr.account_type.as_deref(), tr.account_number.as_deref());
                self.approve(status, id, None, kind, number)
            }
            (rc @ (Rc::Declined | Rc::Error), Some(e)) => {
                match wire::decline_for_reason(rc, &e.error_code) {
                    Some(code) => common::declined(code, Some(&e.error_text)),
                    // responseCode 3 = "Error": not processed, so nothing was charged.
                    None if rc == Rc::Error => common::rejected(format!(
                        "authorize.net did not process the transaction (reason {}: {})",
                        e.error_code, e.error_text
                    )),
                    // responseCode 2 = "Declined", whatever the reason says.
                    None => common::declined(DeclineCode::CardDeclined, Some(&e.error_text)),
                }
            }
            (Rc::Declined, None) => common::declined(DeclineCode::CardDeclined, None),
            (rc @ Rc::Error, None) | (rc @ Rc::Unknown, _) => common::unavailable(format!(
                "authorize.net answered responseCode {}",
                rc.as_str()
            )),
        }
    }

    /// A partial authorization (`prePaidCard.approvedAmount` other than the amount asked).
    fn partial_amount(&self, tr: &wire::TransactionResponse) -> Option<String> {
        let approved = tr.pre_paid_card.as_ref()?.approved_amount.as_deref()?;
        let r = &self.request;
        match parse_decimal_amount(approved, &r.currency) {
            Some(minor) => common::amount_mismatch(r.amount_cents, &r.currency, Some(minor), None),
            None => Some(format!("an unreadable approvedAmount {approved:?}")),
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
        let rc = direct.first().map(|rc| wire::ResponseCode::from_field(rc));
        match (rc, direct.get(2)) {
            (Some(rc), Some(reason)) if rc != wire::ResponseCode::Approved => {
                match wire::decline_for_reason(rc, reason) {
                    Some(decline) => common::declined(decline, direct.get(3).copied()),
                    None => request_error(&resp.messages),
                }
            }
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

/// Request-level codes that reject the request itself, before any transaction exists
/// (docs/gateways.md): E00003 invalid against the schema, E00013 field invalid, E00014 field
/// required, E00015 field length, E00016 field type, E00027 unsuccessful (without a
/// `transactionResponse`).
const REQUEST_REJECTED: [&str; 6] = ["E00003", "E00013", "E00014", "E00015", "E00016", "E00027"];

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
    if REQUEST_REJECTED.contains(&code) {
        return common::rejected(format!(
            "authorize.net rejected the request ({code}: {text})"
        ));
    }
    common::unavailable(format!("authorize.net error {code}: {text}"))
}

impl Adapter for AuthorizeNet {
    fn start(&mut self) -> Step {
        let digits = self.request.card.number.expose().len();
        if digits > MAX_CARD_DIGITS {
            // Never sent: the schema refuses it, and cutting it would charge another card.
            return common::rejected(format!(
                "authorize.net accepts card numbers of at most {MAX_CARD_DIGITS} digits; \
                 this card has {digits}"
            ));
        }
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

/// Transactions per page of the unsettled list (the XSD maximum).
const PAGE: u32 = 1000;

/// The documented lookup of one attempt (module header): no card data.
#[derive(Debug)]
pub(crate) struct AuthorizeNetLookup {
    base: String,
    login: Secret,
    key: Secret,
    attempt: AttemptRef,
    /// Page asked for last (1-based), 0 before the first call.
    page: u32,
}

impl AuthorizeNetLookup {
    pub(crate) fn new(base: String, login: Secret, key: Secret, attempt: AttemptRef) -> Self {
        AuthorizeNetLookup {
            base,
            login,
            key,
            attempt,
            page: 0,
        }
    }

    fn reference(&self) -> String {
        reference(&self.attempt.session_id, self.attempt.attempt)
    }

    fn auth(&self) -> wire::MerchantAuthentication {
        wire::MerchantAuthentication {
            name: self.login.clone(),
            transaction_key: self.key.clone(),
        }
    }

    fn call(&self, body: Result<String, serde_json::Error>) -> LookupStep {
        match body {
            Ok(body) => LookupStep::Call(common::post_json(
                format!("{}/xml/v1/request.api", self.base),
                Vec::new(),
                body,
            )),
            Err(e) => common::lookup_unknown(format!("authorize.net lookup request: {e}")),
        }
    }

    fn list_page(&mut self) -> LookupStep {
        self.page += 1;
        let body = serde_json::to_string(&wire::UnsettledListEnvelope {
            request: wire::UnsettledListRequest {
                merchant_authentication: self.auth(),
                ref_id: self.reference(),
                sorting: wire::Sorting {
                    order_by: "submitTimeUTC",
                    order_descending: true,
                },
                paging: wire::Paging {
                    limit: PAGE,
                    offset: self.page,
                },
            },
        });
        self.call(body)
    }

    fn on_list(&mut self, body: &str) -> LookupStep {
        let resp: wire::UnsettledListResponse = match common::parse(NAME, body) {
            Ok(r) => r,
            Err(step) => return common::step_to_lookup(step),
        };
        if resp.messages.result_code != "Ok" {
            let m = resp.messages.message.first();
            // I00004 "No records found" comes as Ok; anything else is a failed lookup.
            return common::lookup_unknown(format!(
                "authorize.net transaction list failed ({}: {})",
                m.map(|m| m.code.as_str()).unwrap_or("?"),
                m.map(|m| m.text.as_str()).unwrap_or("no message")
            ));
        }
        let want = self.reference();
        let items = resp
            .transactions
            .map(wire::SummaryList::items)
            .unwrap_or_default();
        let count = items.len() as u32;
        let mut ours: Vec<wire::TransactionSummary> = items
            .into_iter()
            .filter(|t| t.invoice_number.as_deref() == Some(want.as_str()))
            .collect();
        // Should two exist (a declined one and its retry), money taken is the truth.
        ours.sort_by_key(|t| status_outcome(t.transaction_status).rank());
        if let Some(t) = ours.into_iter().next() {
            return self.found(t);
        }
        let total = resp.total_num_in_result_set.unwrap_or(count);
        if count >= PAGE && total > self.page * PAGE {
            return self.list_page();
        }
        LookupStep::Done(LookupResult::NotFound)
    }

    fn found(&self, t: wire::TransactionSummary) -> LookupStep {
        let a = &self.attempt;
        let approved = |status| {
            let amount = t.settle_amount.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            if let Some(amount) = amount {
                let detail = match parse_decimal_amount(&amount, &a.currency) {
                    Some(minor) => {
                        common::amount_mismatch(a.amount_cents, &a.currency, Some(minor), None)
                    }
                    None => Some(format!("an unreadable settleAmount {amount:?}")),
                };
                if let Some(detail) = detail {
                    return common::found(common::mismatch(t.trans_id.clone(), NAME, detail));
                }
            }
            common::found_approved(
                status,
                t.trans_id.clone(),
                None,
                t.account_type.as_deref().map(wire::brand),
                t.account_number.as_deref().map(wire::last4),
            )
        };
        match status_outcome(t.transaction_status) {
            ListStatus::Captured => approved(if a.capture {
                ApprovedStatus::Succeeded
            } else {
                // Captured although we asked for an authorization: still money taken.
                ApprovedStatus::Succeeded
            }),
            ListStatus::Authorized => approved(ApprovedStatus::Authorized),
            ListStatus::Declined => common::found(Outcome::Declined {
                code: DeclineCode::CardDeclined,
                message: format!("authorize.net transaction {} was declined", t.trans_id),
            }),
            ListStatus::Failed => common::found(Outcome::Declined {
                code: DeclineCode::ProcessingError,
                message: format!(
                    "authorize.net transaction {} ended in {}",
                    t.trans_id,
                    t.transaction_status.as_str()
                ),
            }),
            ListStatus::Other => common::lookup_unknown(format!(
                "authorize.net transaction {} is in status {}",
                t.trans_id,
                t.transaction_status.as_str()
            )),
        }
    }

    fn get_profile(&mut self) -> LookupStep {
        self.page = 1;
        let body = serde_json::to_string(&wire::GetCustomerProfileEnvelope {
            request: wire::GetCustomerProfileRequest {
                merchant_authentication: self.auth(),
                ref_id: self.reference(),
                merchant_customer_id: self.reference(),
            },
        });
        self.call(body)
    }

    fn on_profile(&self, body: &str) -> LookupStep {
        let resp: wire::GetCustomerProfileResponse = match common::parse(NAME, body) {
            Ok(r) => r,
            Err(step) => return common::step_to_lookup(step),
        };
        let code = resp
            .messages
            .message
            .first()
            .map(|m| m.code.as_str())
            .unwrap_or_default();
        // E00040: "The record cannot be found."
        if code == "E00040" {
            return LookupStep::Done(LookupResult::NotFound);
        }
        let profile = match resp.profile {
            Some(p) if resp.messages.result_code == "Ok" => p,
            _ => {
                return common::lookup_unknown(format!(
                    "authorize.net profile lookup failed ({code})"
                ))
            }
        };
        let (Some(profile_id), Some(pp)) = (
            profile.customer_profile_id,
            profile.payment_profiles.first(),
        ) else {
            return common::lookup_unknown("authorize.net profile without its ids");
        };
        let card = pp.payment.as_ref().and_then(|p| p.credit_card.as_ref());
        common::found_approved(
            ApprovedStatus::Tokenized,
            profile_id.clone(),
            Some(format!("{profile_id}/{}", pp.customer_payment_profile_id)),
            card.and_then(|c| c.card_type.as_deref()).map(wire::brand),
            card.and_then(|c| c.card_number.as_deref()).map(wire::last4),
        )
    }
}

/// `transactionStatusEnum` (AnetApiSchema.xsd) grouped by what it means for the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStatus {
    Captured,
    Authorized,
    Declined,
    Failed,
    Other,
}

impl ListStatus {
    fn rank(self) -> u8 {
        match self {
            ListStatus::Captured => 0,
            ListStatus::Authorized => 1,
            ListStatus::Other => 2,
            ListStatus::Declined => 3,
            ListStatus::Failed => 4,
        }
    }
}

fn status_outcome(status: wire::TransactionStatus) -> ListStatus {
    use wire::TransactionStatus as S;
    match status {
        S::CapturedPendingSettlement
        | S::SettledSuccessfully
        | S::PendingSettlement
        | S::PendingFinalSettlement => ListStatus::Captured,
        // Held for review counts as authorized, as the charge flow maps responseCode 4.
        S::AuthorizedPendingCapture
        | S::FdsPendingReview
        | S::FdsAuthorizedPendingReview
        | S::UnderReview
        | S::ApprovedReview
        | S::AuthorizedPendingRelease => ListStatus::Authorized,
        S::Declined | S::FailedReview => ListStatus::Declined,
        S::GeneralError | S::CommunicationError => ListStatus::Failed,
        S::RefundSettledSuccessfully
        | S::RefundPendingSettlement
        | S::CouldNotVoid
        | S::Expired
        | S::SettlementError
        | S::UpdatingSettlement
        | S::Voided
        | S::ReturnedItem
        | S::Chargeback
        | S::ChargebackReversal
        | S::Unknown => ListStatus::Other,
    }
}

impl LookupAdapter for AuthorizeNetLookup {
    fn start(&mut self) -> LookupStep {
        match self.attempt.mode {
            Mode::Charge => self.list_page(),
            Mode::Tokenize => self.get_profile(),
        }
    }

    fn on_reply(&mut self, reply: HttpReply) -> LookupStep {
        if let Some(step) = common::http_failure(NAME, &reply) {
            return common::step_to_lookup(step);
        }
        if reply.status != 200 {
            return common::lookup_unknown(format!("authorize.net answered HTTP {}", reply.status));
        }
        let body = reply.body.strip_prefix('\u{feff}').unwrap_or(&reply.body);
        match self.attempt.mode {
            Mode::Charge => self.on_list(body),
            Mode::Tokenize => self.on_profile(body),
        }
    }
}

#[cfg(test)]
mod tests;
