//! Authorize.net under `/authorizenet`: `POST /xml/v1/request.api` with a JSON body whose root
//! key is the method (WIRE.md §Authorize.net). Auth in the body, keys in XSD order (see
//! `xsd.rs`), every answer HTTP 200 and prefixed with a UTF-8 BOM. Answers follow the XSD types
//! `createTransactionResponse` (`transactionResponse`) and `createCustomerProfileResponse`.

mod lookup;
mod ops;
pub(crate) mod wire;
mod xsd;

use crate::cards::{self, CardFacts, Outcome};
use crate::http::{Request, Response};
use crate::ledger::{split_reference, Money, Movement};
use crate::ojson::Node;
use crate::state::{fnv, lock, unix_now, CallInfo, Handled, Sim};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use wire::{
    direct_response, messages, reason, reply, request_error, strip_bom, transaction_reply,
    transaction_response, TxIds,
};

pub const LOGIN: &str = "maven_sim_login";
pub const TRANSACTION_KEY: &str = "maven_sim_key";
const GW: &str = "authorizenet";
/// Authorize.net's default duplicate window when the request sets none.
const DEFAULT_WINDOW_SECS: u64 = 120;
/// The largest window Authorize.net accepts (8 h): older approvals are forgotten.
const MAX_WINDOW_SECS: u64 = 28_800;

/// A transaction the gateway processed (approved, declined or errored), kept for duplicate
/// detection and the reporting lookups.
struct Tx {
    /// Fingerprint of the fields Authorize.net compares for duplicates.
    key: u64,
    at: Instant,
    submitted: u64,
    ids: TxIds,
    tx_type: String,
    response_code: &'static str,
    reason_code: &'static str,
    reason_text: &'static str,
    invoice: Option<String>,
    description: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    cents: u64,
    /// The card's last 4 (a refund must name it).
    last4: String,
    /// What a `priorAuthCaptureTransaction` captured of an authorization.
    captured: Option<u64>,
    /// Refunded so far (the sum of its refund transactions).
    refunded: u64,
    voided: bool,
    /// The batch that held it settled (`/_sim/settle`, or the schedule).
    settled: bool,
    /// A refund: the transaction it credits.
    ref_trans_id: Option<String>,
}

impl Tx {
    /// XSD `transactionStatusEnum`.
    fn status(&self) -> &'static str {
        match (self.response_code, self.tx_type.as_str()) {
            ("1", _) if self.voided => "voided",
            ("1", "refundTransaction") if self.settled => "refundSettledSuccessfully",
            ("1", "refundTransaction") => "refundPendingSettlement",
            ("1", "authOnlyTransaction") if self.captured.is_none() => "authorizedPendingCapture",
            ("1", _) if self.settled => "settledSuccessfully",
            ("1", _) => "capturedPendingSettlement",
            ("2", _) => "declined",
            _ => "generalError",
        }
    }

    /// What it took (or will take) from the card once settled.
    fn settle_cents(&self) -> u64 {
        match self.tx_type.as_str() {
            "authOnlyTransaction" => self.captured.unwrap_or(0),
            _ => self.cents,
        }
    }

    /// Captured money settles with the batch; an uncaptured authorization or a void does not.
    fn settles(&self) -> bool {
        self.response_code == "1"
            && !self.voided
            && (self.tx_type != "authOnlyTransaction" || self.captured.is_some())
    }
}

/// Closes the batch: every captured, unvoided transaction settles. Returns how many did.
pub fn settle(sim: &Sim) -> usize {
    let mut store = lock(&sim.authorizenet);
    let mut n = 0;
    for t in store.transactions.iter_mut() {
        if t.settles() && !t.settled {
            t.settled = true;
            n += 1;
        }
    }
    n
}

struct Profile {
    id: String,
    merchant_customer_id: String,
    description: Option<String>,
    payment_profile_ids: Vec<String>,
    /// The card of each payment profile, in the same order (facts only, never the number).
    cards: Vec<CardFacts>,
}

#[derive(Default)]
pub struct Store {
    /// Oldest first.
    transactions: Vec<Tx>,
    /// By merchantCustomerId.
    profiles: HashMap<String, Profile>,
}

/// The root key (method name) for the call log, without validating anything.
pub fn operation(req: &Request) -> String {
    match serde_json::from_slice::<Node>(strip_bom(&req.body)) {
        Ok(Node::Obj(entries)) if entries.len() == 1 => entries[0].0.clone(),
        _ => "unknown".to_string(),
    }
}

pub fn handle(sim: &Sim, req: &Request, sub: &str) -> Handled {
    let mut info = CallInfo::new(&operation(req), None);
    if req.method != "POST" || sub != "/xml/v1/request.api" {
        info.outcome = "not_found".into();
        let body = json!({"messages": messages(false, "E00003", "The simulator serves POST /xml/v1/request.api only.")});
        let mut response = reply(&body);
        response.status = 404;
        return Handled { response, info };
    }
    let response = match serde_json::from_slice::<Node>(strip_bom(&req.body)) {
        Err(e) => request_error("E00003", &format!("Data at the root level is invalid. {e}")),
        Ok(Node::Obj(entries)) if entries.len() == 1 => {
            let (method, body) = &entries[0];
            match xsd::validate(method, body) {
                Err(text) => request_error("E00003", &text),
                Ok(()) if !authenticated(body) => {
                    info.outcome = "unauthorized".into();
                    request_error(
                        "E00007",
                        "User authentication failed due to invalid authentication values.",
                    )
                }
                Ok(()) => match method.as_str() {
                    "createTransactionRequest" => create_transaction(sim, body, &mut info),
                    "createCustomerProfileRequest" => create_profile(sim, body, &mut info),
                    "getUnsettledTransactionListRequest" => {
                        lookup::unsettled_list(sim, body, &mut info)
                    }
                    "getTransactionDetailsRequest" => {
                        lookup::transaction_details(sim, body, &mut info)
                    }
                    // Checks the credentials and nothing else (a dashboard's "test connection").
                    "authenticateTestRequest" => {
                        info.outcome = "ok".into();
                        reply(&json!({"messages": messages(true, "I00001", "Successful.")}))
                    }
                    _ => lookup::customer_profile(sim, body, &mut info),
                },
            }
        }
        Ok(_) => request_error(
            "E00003",
            "The root element must be one method, e.g. {\"createTransactionRequest\": {…}}.",
        ),
    };
    Handled { response, info }
}

fn authenticated(body: &Node) -> bool {
    body.str_at(&["merchantAuthentication", "name"]) == Some(LOGIN)
        && body.str_at(&["merchantAuthentication", "transactionKey"]) == Some(TRANSACTION_KEY)
}

/// "2030-12", "2030-12-…"-less gYearMonth, "1230", "12/30", "122030" → valid?
fn expiration_ok(s: &str) -> bool {
    let (month, year) = if let Some((y, m)) = s.split_once('-') {
        (m, y)
    } else if let Some((m, y)) = s.split_once('/') {
        (m, y)
    } else if s.len() == 4 || s.len() == 6 {
        s.split_at(2)
    } else {
        return false;
    };
    cards::month(month).is_some() && month.len() == 2 && cards::year(year).is_some()
}

/// Validates `payment.creditCard`: Ok(facts) or the reason (code, text) it fails with.
fn credit_card(payment: Option<&Node>) -> Result<CardFacts, (&'static str, &'static str)> {
    let card = payment.and_then(|p| p.get("creditCard"));
    let Some(number) = card.and_then(|c| c.str_at(&["cardNumber"])) else {
        return Err(("33", "Credit card number is required."));
    };
    // The XSD allows 4–16 characters (masked numbers elsewhere); a card must be 13–16 digits.
    let facts = Some(number)
        .filter(|n| (13..=16).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(CardFacts::of)
        .ok_or(("6", "The credit card number is invalid."))?;
    let exp = card
        .and_then(|c| c.str_at(&["expirationDate"]))
        .unwrap_or("");
    if !expiration_ok(exp) {
        return Err(("7", "Credit card expiration date is invalid."));
    }
    if card
        .and_then(|c| c.str_at(&["cardCode"]))
        .is_some_and(|c| !cards::cvc_ok(c))
    {
        return Err(("78", "The Card Code is invalid."));
    }
    Ok(facts)
}

/// `transactionRequest.profile {customerProfileId, paymentProfile {paymentProfileId}}`: the
/// card saved by `createCustomerProfileRequest` (a tokenize result is reusable).
fn saved_card(sim: &Sim, profile: &Node) -> Option<CardFacts> {
    let id = profile.str_at(&["customerProfileId"])?;
    let pp = profile.str_at(&["paymentProfile", "paymentProfileId"])?;
    let store = lock(&sim.authorizenet);
    let p = store.profiles.values().find(|p| p.id == id)?;
    let i = p.payment_profile_ids.iter().position(|x| x == pp)?;
    p.cards.get(i).cloned()
}

/// `createTransactionRequest` (authCaptureTransaction / authOnlyTransaction) →
/// `createTransactionResponse`.
fn create_transaction(sim: &Sim, body: &Node, info: &mut CallInfo) -> Response {
    let ref_id = body.str_at(&["refId"]);
    let tx = body.get("transactionRequest");
    let field = |path: &[&str]| tx.and_then(|t| t.str_at(path));
    let finish = |tr, ok| transaction_reply(ref_id, tr, ok);
    let error = |code: &str, text: &str| {
        let ids = TxIds {
            trans_id: "0".into(),
            ..TxIds::default()
        };
        finish(transaction_response("3", code, text, &ids, ""), false)
    };
    let tx_type = field(&["transactionType"]).unwrap_or("");
    if matches!(
        tx_type,
        "priorAuthCaptureTransaction" | "voidTransaction" | "refundTransaction"
    ) {
        return ops::follow_on(sim, ref_id, tx_type, tx, info);
    }
    if !matches!(tx_type, "authCaptureTransaction" | "authOnlyTransaction") {
        // The XSD enum was checked already: these are real types the simulator lacks.
        return error(
            "3",
            "The simulator implements authCaptureTransaction, authOnlyTransaction, \
             priorAuthCaptureTransaction, voidTransaction and refundTransaction only.",
        );
    }
    let Some(cents) = field(&["amount"])
        .and_then(|a| crate::currency::decimal_minor(a, 2))
        .filter(|c| *c > 0)
    else {
        return error("5", "A valid amount is required.");
    };
    info.amount = Some(cents);
    // The simulated merchant account settles in USD only (an account has one currency).
    if field(&["currencyCode"]).is_some_and(|c| c != "USD") {
        return error("39", "The supplied currency code is either invalid, not supported, not allowed for this merchant or doesn't have an exchange rate.");
    }
    let saved = tx.and_then(|t| t.get("profile"));
    let card = match saved.map_or_else(
        || credit_card(tx.and_then(|t| t.get("payment"))),
        |p| saved_card(sim, p).ok_or(("E00040", "The record cannot be found.")),
    ) {
        Ok(card) => card,
        Err(("E00040", text)) => {
            info.outcome = "not_found".into();
            return request_error("E00040", text);
        }
        Err((code, text)) => {
            info.outcome = if code == "6" {
                "invalid_number"
            } else {
                "invalid_request"
            }
            .into();
            return error(code, text);
        }
    };
    info.card_last4 = Some(card.last4.clone());
    let window = tx
        .and_then(|t| t.at(&["transactionSettings", "setting"]))
        .map(|s| s.items())
        .unwrap_or_default()
        .into_iter()
        .find(|s| s.str_at(&["settingName"]) == Some("duplicateWindow"))
        .and_then(|s| s.str_at(&["settingValue"]))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(DEFAULT_WINDOW_SECS)
        .min(MAX_WINDOW_SECS);
    let window = Duration::from_secs(window);
    let invoice = field(&["order", "invoiceNumber"]).filter(|i| !i.is_empty());
    info.reference = invoice.map(str::to_string);
    let key = duplicate_key(tx_type, cents, &card, tx);
    let mut store = lock(&sim.authorizenet);
    let duplicate = store
        .transactions
        .iter()
        .rev()
        .find(|t| t.key == key && t.at.elapsed() < window);
    if let Some(first) = duplicate.filter(|_| !window.is_zero()) {
        // Approved or declined, the resubmission is answered with the original's ids and
        // nothing is charged.
        info.outcome = "duplicate".into();
        info.replayed = true;
        info.object_id = Some(first.ids.trans_id.clone());
        let text = "A duplicate transaction has been submitted.";
        return finish(transaction_response("3", "11", text, &first.ids, ""), false);
    }
    info.outcome = card.outcome.as_str().into();
    let (rc, code, text) = reason(card.outcome);
    let cvv = if card.outcome == Outcome::IncorrectCvc {
        "N"
    } else {
        "M"
    };
    let mut ids = TxIds {
        trans_id: sim.digits(11),
        auth_code: String::new(),
        account_number: format!("XXXX{}", card.last4),
        account_type: card.brand.anet(),
    };
    info.object_id = Some(ids.trans_id.clone());
    let (reference, attempt) = invoice.map_or((None, None), |i| {
        let (r, a) = split_reference(i);
        (Some(r), a)
    });
    let money = Money {
        object_id: ids.trans_id.clone(),
        reference,
        attempt,
        amount: cents,
        currency: "usd".into(),
    };
    if rc == "1" {
        ids.auth_code = sim.id("", 6).to_ascii_uppercase();
        let movement = if tx_type == "authOnlyTransaction" {
            Movement::Authorized
        } else {
            Movement::Captured
        };
        sim.ledger_move(GW, "createTransactionRequest", movement, money);
    } else {
        sim.ledger_decline(GW, "createTransactionRequest", card.outcome.as_str(), money);
    }
    let tr = transaction_response(rc, code, text, &ids, cvv);
    let text_of = |path: &[&str]| field(path).map(str::to_string);
    store.transactions.push(Tx {
        key,
        at: Instant::now(),
        submitted: unix_now(),
        ids,
        tx_type: tx_type.to_string(),
        response_code: rc,
        reason_code: code,
        reason_text: text,
        invoice: invoice.map(str::to_string),
        description: text_of(&["order", "description"]),
        first_name: text_of(&["billTo", "firstName"]),
        last_name: text_of(&["billTo", "lastName"]),
        cents,
        last4: card.last4.clone(),
        captured: None,
        refunded: 0,
        voided: false,
        settled: false,
        ref_trans_id: None,
    });
    finish(tr, rc == "1")
}

/// The fields Authorize.net compares to find a duplicate ("Duplicate Transaction Window"
/// support article): transaction type, amount, card number, expiration date, invoice number,
/// purchase order number, customer id, and the billing name and address. Another expiry or
/// postal code is a new transaction.
fn duplicate_key(tx_type: &str, cents: u64, card: &CardFacts, tx: Option<&Node>) -> u64 {
    let text = |path: &[&str]| tx.and_then(|t| t.str_at(path)).unwrap_or("");
    let mut parts: Vec<Vec<u8>> = vec![
        tx_type.as_bytes().to_vec(),
        cents.to_le_bytes().to_vec(),
        card.fingerprint.to_le_bytes().to_vec(),
    ];
    let fields: [&[&str]; 14] = [
        &["payment", "creditCard", "expirationDate"],
        &["profile", "customerProfileId"],
        &["profile", "paymentProfile", "paymentProfileId"],
        &["order", "invoiceNumber"],
        &["poNumber"],
        &["customer", "id"],
        &["billTo", "firstName"],
        &["billTo", "lastName"],
        &["billTo", "company"],
        &["billTo", "address"],
        &["billTo", "city"],
        &["billTo", "state"],
        &["billTo", "zip"],
        &["billTo", "country"],
    ];
    for path in fields {
        parts.push(text(path).as_bytes().to_vec());
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    fnv(&refs)
}

/// `createCustomerProfileRequest` → `createCustomerProfileResponse`.
fn create_profile(sim: &Sim, body: &Node, info: &mut CallInfo) -> Response {
    let ref_id = body.str_at(&["refId"]);
    let answer = |mut out: serde_json::Value| {
        if let Some(r) = ref_id {
            out["refId"] = r.into();
        }
        reply(&out)
    };
    let profile = body.get("profile");
    let text_of = |k: &str| {
        profile
            .and_then(|p| p.str_at(&[k]))
            .filter(|s| !s.is_empty())
    };
    let customer_id = text_of("merchantCustomerId");
    info.reference = customer_id.map(str::to_string);
    if customer_id.is_none() && text_of("description").is_none() && text_of("email").is_none() {
        return answer(
            json!({"messages": messages(false, "E00041", "One or more fields in the profile must contain a value.")}),
        );
    }
    // The XSD enum is checked already: none (or absent) stores without checking the card.
    let validate = !matches!(body.str_at(&["validationMode"]), None | Some("none"));
    let mut store = lock(&sim.authorizenet);
    if let Some(existing) = customer_id.and_then(|id| store.profiles.get(id)) {
        info.outcome = "duplicate".into();
        info.replayed = true;
        info.object_id = Some(existing.id.clone());
        let text = format!("A duplicate record with ID {} already exists.", existing.id);
        return answer(json!({
            "customerProfileId": existing.id,
            "customerPaymentProfileIdList": existing.payment_profile_ids,
            "customerShippingAddressIdList": [], "validationDirectResponseList": [],
            "messages": messages(false, "E00039", &text),
        }));
    }
    let payment_profiles = profile
        .and_then(|p| p.get("paymentProfiles"))
        .map(|p| p.items())
        .unwrap_or_default();
    let mut responses = Vec::new();
    let mut ids = Vec::new();
    let mut cards = Vec::new();
    for pp in &payment_profiles {
        let card = match credit_card(pp.get("payment")) {
            Ok(card) => card,
            Err((_, text)) => {
                return answer(json!({
                    "customerPaymentProfileIdList": [], "customerShippingAddressIdList": [],
                    "validationDirectResponseList": [], "messages": messages(false, "E00027", text),
                }));
            }
        };
        info.card_last4.get_or_insert(card.last4.clone());
        if validate {
            let line = direct_response(card.outcome, &card, customer_id.unwrap_or(""));
            if card.outcome != Outcome::Approved {
                info.outcome = card.outcome.as_str().into();
                let (reference, attempt) = customer_id.map_or((None, None), |c| {
                    let (r, a) = split_reference(c);
                    (Some(r), a)
                });
                let money = Money {
                    object_id: String::new(),
                    reference,
                    attempt,
                    amount: 0,
                    currency: String::new(),
                };
                sim.ledger_decline(
                    GW,
                    "createCustomerProfileRequest",
                    card.outcome.as_str(),
                    money,
                );
                return answer(json!({
                    "customerPaymentProfileIdList": [], "customerShippingAddressIdList": [],
                    "validationDirectResponseList": [line],
                    "messages": messages(false, "E00027", reason(card.outcome).2),
                }));
            }
            responses.push(line);
        }
        ids.push(sim.digits(10));
        cards.push(card);
    }
    let id = sim.digits(10);
    info.object_id = Some(id.clone());
    let (reference, attempt) = customer_id.map_or((None, None), |c| {
        let (r, a) = split_reference(c);
        (Some(r), a)
    });
    if !ids.is_empty() {
        let money = Money {
            object_id: id.clone(),
            reference,
            attempt,
            amount: 0,
            currency: String::new(),
        };
        sim.ledger_move(GW, "createCustomerProfileRequest", Movement::Vaulted, money);
    }
    if let Some(cid) = customer_id {
        let p = Profile {
            id: id.clone(),
            merchant_customer_id: cid.to_string(),
            description: text_of("description").map(str::to_string),
            payment_profile_ids: ids.clone(),
            cards,
        };
        store.profiles.insert(cid.to_string(), p);
    }
    info.outcome = if ids.is_empty() {
        "created"
    } else {
        "approved"
    }
    .into();
    answer(json!({
        "customerProfileId": id, "customerPaymentProfileIdList": ids,
        "customerShippingAddressIdList": [], "validationDirectResponseList": responses,
        "messages": messages(true, "I00001", "Successful."),
    }))
}

#[cfg(test)]
mod tests;
