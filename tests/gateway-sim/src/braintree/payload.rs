//! Braintree's answer shapes (`schema.graphql`): the response envelope with
//! `extensions.requestId`, GraphQL `errors[]` elements with `extensions.errorClass`,
//! `PaymentMethod` + `CreditCardDetails`, processor responses and global ids.

use super::graphql::Field;
use super::PaymentMethod;
use crate::cards::{CardFacts, Outcome};
use crate::codec;
use crate::http::Response;
use crate::state::{unix_now, Sim};
use serde_json::{json, Map, Value};

/// A GraphQL `errors[]` element.
pub fn gql_error(message: &str, path: Option<&str>, legacy: Option<&str>, input: &[&str]) -> Value {
    let mut ext = Map::new();
    ext.insert("errorClass".into(), "VALIDATION".into());
    ext.insert("errorType".into(), "user_error".into());
    if let Some(code) = legacy {
        ext.insert("legacyCode".into(), code.into());
    }
    if !input.is_empty() {
        ext.insert("inputPath".into(), json!(input));
    }
    let mut e = json!({"message": message, "extensions": ext});
    if let Some(p) = path {
        e["path"] = json!([p]);
    }
    e
}

pub fn answer(sim: &Sim, data: Option<Value>, errors: Vec<Value>) -> Response {
    let request_id = format!(
        "{}-{}-{}-{}-{}",
        sim.lower_id(8),
        sim.lower_id(4),
        sim.lower_id(4),
        sim.lower_id(4),
        sim.lower_id(12)
    );
    let mut out = json!({"extensions": {"requestId": request_id}});
    if let Some(d) = data {
        out["data"] = d;
    }
    if !errors.is_empty() {
        out["errors"] = Value::Array(errors);
    }
    Response::json(200, &out)
}

/// A mutation that failed validation: `data.<key>: null` plus one error.
pub fn field_error(
    sim: &Sim,
    f: &Field,
    msg: &str,
    legacy: Option<&str>,
    input: &[&str],
) -> Response {
    let data = json!({ f.key.clone(): null });
    answer(
        sim,
        Some(data),
        vec![gql_error(msg, Some(&f.key), legacy, input)],
    )
}

/// `input` as an object, or the GraphQL error for a missing non-null variable.
/// `input` checked against its type in `schema.graphql` (a type error is `errors` with no
/// `data`, as GraphQL answers).
pub fn input<'a>(sim: &Sim, f: &'a Field, ty: &str) -> Result<&'a Map<String, Value>, Response> {
    let value = f.args.get("input").unwrap_or(&Value::Null);
    if value.is_null() {
        let msg = format!("Variable 'input' has coerced Null value for NonNull type '{ty}!'");
        return Err(answer(sim, None, vec![gql_error(&msg, None, None, &[])]));
    }
    if let Err(msg) = super::schema::check(ty, value, "input") {
        return Err(answer(sim, None, vec![gql_error(&msg, None, None, &[])]));
    }
    value.as_object().ok_or_else(|| {
        let msg =
            format!("Variable 'input' has an invalid value: expected an object of type '{ty}'.");
        answer(sim, None, vec![gql_error(&msg, None, None, &[])])
    })
}

pub fn str_of<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a str> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str)
}

/// `PaymentMethod` with `CreditCardDetails`.
pub fn payment_method_json(id: &str, pm: &PaymentMethod) -> Value {
    json!({
        "id": id, "usage": if pm.multi_use { "MULTI_USE" } else { "SINGLE_USE" },
        "createdAt": unix_now(),
        "details": {
            "__typename": "CreditCardDetails", "brandCode": pm.card.brand.braintree(),
            "last4": pm.card.last4, "bin": pm.card.first6, "expirationMonth": pm.exp_month,
            "expirationYear": pm.exp_year, "cardholderName": pm.cardholder,
        },
    })
}

/// (legacyCode, message) of each outcome's processor response.
pub fn processor_response(outcome: Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Approved => ("1000", "Approved"),
        Outcome::CardDeclined => ("2000", "Do Not Honor"),
        Outcome::InsufficientFunds => ("2001", "Insufficient Funds"),
        Outcome::ExpiredCard => ("2004", "Expired Card"),
        Outcome::IncorrectCvc => ("2010", "Card Issuer Declined CVV"),
        Outcome::ProcessingError => ("3000", "Processor Network Unavailable - Try Again"),
    }
}

/// Braintree's global ids: base64 of "<type>_<legacy id>".
pub fn global_id(kind: &str, legacy: &str) -> String {
    codec::base64_encode(format!("{kind}_{legacy}").as_bytes())
        .trim_end_matches('=')
        .to_string()
}

/// `Transaction` (`TransactionPayload.transaction`): status and a one-event `statusHistory`
/// (`SubmittedForSettlementEvent`, `AuthorizedEvent`, `ProcessorDeclinedEvent`, `FailedEvent`).
pub fn transaction_json(
    legacy: &str,
    capture: bool,
    card: &CardFacts,
    amount_text: &str,
    currency: &str,
    order_id: Option<&str>,
    merchant_account: &str,
) -> Value {
    let (code, message) = processor_response(card.outcome);
    let (status, event) = match card.outcome {
        Outcome::Approved if capture => ("SUBMITTED_FOR_SETTLEMENT", "SubmittedForSettlementEvent"),
        Outcome::Approved => ("AUTHORIZED", "AuthorizedEvent"),
        Outcome::ProcessingError => ("FAILED", "FailedEvent"),
        _ => ("PROCESSOR_DECLINED", "ProcessorDeclinedEvent"),
    };
    let amount = json!({"value": amount_text, "currencyCode": currency});
    let mut history = json!({
        "__typename": event, "status": status, "timestamp": unix_now(), "amount": amount,
        "processorResponse": {"legacyCode": code, "message": message},
    });
    if event == "ProcessorDeclinedEvent" {
        let hard = card.outcome == Outcome::ExpiredCard;
        history["declineType"] = if hard { "HARD" } else { "SOFT" }.into();
    }
    json!({
        "id": global_id("transaction", legacy), "legacyId": legacy, "status": status,
        "createdAt": unix_now(), "orderId": order_id, "merchantAccountId": merchant_account,
        "amount": amount,
        "paymentMethodSnapshot": {
            "__typename": "CreditCardDetails", "brandCode": card.brand.braintree(),
            "last4": card.last4, "bin": card.first6,
        },
        "processorResponse": {"legacyCode": code, "message": message},
        "statusHistory": [history],
    })
}
