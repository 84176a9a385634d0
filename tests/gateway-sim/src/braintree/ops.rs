//! `captureTransaction`, `reverseTransaction` and `refundTransaction` (WIRE.md §Braintree,
//! "Capture, void, refund"), with the rules and validation codes Braintree documents for its
//! transactions (developer.paypal.com/braintree/docs/reference/general/validation-errors):
//!
//! - capture (submit for settlement): an `AUTHORIZED` transaction only (91507); amount ≤ the
//!   authorized amount (91522); the transaction becomes `SUBMITTED_FOR_SETTLEMENT` for it;
//! - reverse: before settlement a void (`VOIDED`); after, a refund of what is left; a
//!   transaction already voided cannot be voided (91504);
//! - refund: a `SETTLED` or `SETTLING` transaction only (91506); amount ≤ what is left
//!   (91521); nothing left (91512). The refund is its own transaction (its `orderId` as sent,
//!   found by search).
//!
//! `settle` closes the batch: `SUBMITTED_FOR_SETTLEMENT` becomes `SETTLED`.

use super::graphql::Field;
use super::payload::{answer, field_error, global_id, input, str_of};
use super::GW;
use crate::currency;
use crate::http::Response;
use crate::ledger::{split_reference, Money, Movement};
use crate::state::Sim;
use crate::state::{lock, unix_now, CallInfo};
use serde_json::{json, Map, Value};

pub fn settle(sim: &Sim) -> usize {
    let mut store = lock(&sim.braintree);
    let mut n = 0;
    for t in store.transactions.iter_mut() {
        if t["status"] == "SUBMITTED_FOR_SETTLEMENT" || t["status"] == "SETTLING" {
            t["status"] = "SETTLED".into();
            n += 1;
        }
    }
    n
}

/// The transaction's amount in minor units and its exponent.
fn amount_of(t: &Value) -> (u64, u32) {
    let code = t["amount"]["currencyCode"].as_str().unwrap_or("USD");
    let exp = currency::exponent(code).unwrap_or(2);
    let minor = t["amount"]["value"]
        .as_str()
        .and_then(|v| currency::decimal_minor(v, exp))
        .unwrap_or(0);
    (minor, exp)
}

fn money(t: &Value, amount: u64) -> Money {
    let (reference, attempt) = t["orderId"].as_str().map_or((None, None), |o| {
        let (r, a) = split_reference(o);
        (Some(r), a)
    });
    Money {
        object_id: t["id"].as_str().unwrap_or_default().to_string(),
        reference,
        attempt,
        amount,
        currency: t["amount"]["currencyCode"]
            .as_str()
            .unwrap_or("usd")
            .to_ascii_lowercase(),
    }
}

/// An amount argument in the transaction's currency, or the error to answer.
fn parse_amount(
    sim: &Sim,
    f: &Field,
    text: Option<&str>,
    exp: u32,
    path: &[&str],
) -> Result<Option<u64>, Response> {
    let Some(text) = text else { return Ok(None) };
    match currency::exact_minor(text, exp) {
        Some(0) => Err(field_error(
            sim,
            f,
            "Amount must be greater than zero.",
            Some("81531"),
            path,
        )),
        Some(m) => Ok(Some(m)),
        None => Err(field_error(
            sim,
            f,
            "Amount is an invalid format.",
            Some("81503"),
            path,
        )),
    }
}

fn find(sim: &Sim, id: &str) -> Option<usize> {
    lock(&sim.braintree)
        .transactions
        .iter()
        .position(|t| t["id"].as_str() == Some(id))
}

fn not_found(sim: &Sim, f: &Field) -> Response {
    let data = json!({ f.key.clone(): null });
    let mut e = super::payload::gql_error(
        "An object with this ID was not found.",
        Some(&f.key),
        None,
        &["input", "transactionId"],
    );
    e["extensions"]["errorClass"] = "NOT_FOUND".into();
    answer(sim, Some(data), vec![e])
}

/// An operation's input and the transaction it names (a copy, and its index in the store).
struct Target<'a> {
    input: &'a Map<String, Value>,
    id: &'a str,
    index: usize,
    tx: Value,
}

/// The preamble every operation shares: its input, then the transaction it names (its id, index
/// and a copy), recorded as the call's object; an unknown id is Braintree's NOT_FOUND answer.
fn target<'a>(
    sim: &Sim,
    f: &'a Field,
    info: &mut CallInfo,
    input_type: &str,
) -> Result<Target<'a>, Response> {
    let input = input(sim, f, input_type)?;
    let id = input
        .get("transactionId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(i) = find(sim, id) else {
        return Err(not_found(sim, f));
    };
    info.object_id = Some(id.to_string());
    let t = lock(&sim.braintree).transactions[i].clone();
    Ok(Target {
        input,
        id,
        index: i,
        tx: t,
    })
}

fn event(status: &str, amount: &Value) -> Value {
    let name = match status {
        "VOIDED" => "VoidedEvent",
        _ => "SubmittedForSettlementEvent",
    };
    json!({"__typename": name, "status": status, "timestamp": unix_now(), "amount": amount})
}

pub fn capture(sim: &Sim, f: &Field, info: &mut CallInfo) -> Response {
    let Target {
        input,
        index: i,
        tx: t,
        ..
    } = match target(sim, f, info, "CaptureTransactionInput") {
        Ok(found) => found,
        Err(r) => return r,
    };
    let (authorized, exp) = amount_of(&t);
    let text = str_of(input.get("transaction"), "amount")
        .or_else(|| input.get("amount").and_then(Value::as_str));
    let path = ["input", "transaction", "amount"];
    let amount = match parse_amount(sim, f, text, exp, &path) {
        Ok(a) => a.unwrap_or(authorized),
        Err(r) => return r,
    };
    info.amount = Some(amount);
    if t["status"] != "AUTHORIZED" {
        info.outcome = "refused_91507".into();
        return field_error(
            sim,
            f,
            "Cannot submit for settlement unless status is authorized.",
            Some("91507"),
            &["input", "transactionId"],
        );
    }
    if amount > authorized {
        info.outcome = "refused_91522".into();
        return field_error(
            sim,
            f,
            "Settlement amount is too large.",
            Some("91522"),
            &path,
        );
    }
    let value = json!({
        "value": currency::minor_decimal(amount, exp),
        "currencyCode": t["amount"]["currencyCode"],
    });
    let updated = {
        let mut store = lock(&sim.braintree);
        let t = &mut store.transactions[i];
        t["status"] = "SUBMITTED_FOR_SETTLEMENT".into();
        t["amount"] = value.clone();
        if let Some(h) = t["statusHistory"].as_array_mut() {
            h.insert(0, event("SUBMITTED_FOR_SETTLEMENT", &value));
        }
        t.clone()
    };
    info.outcome = "captured".into();
    sim.ledger_move(
        GW,
        "captureTransaction",
        Movement::Captured,
        money(&t, amount),
    );
    answer(
        sim,
        Some(
            json!({ f.key.clone(): {"clientMutationId": input.get("clientMutationId"), "transaction": updated} }),
        ),
        vec![],
    )
}

pub fn reverse(sim: &Sim, f: &Field, info: &mut CallInfo) -> Response {
    let Target {
        input,
        id,
        index: i,
        tx: t,
    } = match target(sim, f, info, "ReverseTransactionInput") {
        Ok(found) => found,
        Err(r) => return r,
    };
    let status = t["status"].as_str().unwrap_or_default();
    let (amount, _) = amount_of(&t);
    match status {
        "AUTHORIZED" | "SUBMITTED_FOR_SETTLEMENT" => {
            let updated = {
                let mut store = lock(&sim.braintree);
                let t = &mut store.transactions[i];
                t["status"] = "VOIDED".into();
                let value = t["amount"].clone();
                if let Some(h) = t["statusHistory"].as_array_mut() {
                    h.insert(0, event("VOIDED", &value));
                }
                t.clone()
            };
            info.outcome = "voided".into();
            info.amount = Some(amount);
            sim.ledger_move(
                GW,
                "reverseTransaction",
                Movement::Voided,
                money(&t, amount),
            );
            answer(
                sim,
                Some(
                    json!({ f.key.clone(): {"clientMutationId": input.get("clientMutationId"), "reversal": updated} }),
                ),
                vec![],
            )
        }
        "SETTLED" | "SETTLING" => {
            let left = amount.saturating_sub(refunded(sim, id));
            refund_of(
                sim,
                f,
                info,
                &t,
                left,
                None,
                input.get("clientMutationId"),
                "reversal",
            )
        }
        _ => {
            info.outcome = "refused_91504".into();
            field_error(
                sim,
                f,
                "Transaction can only be voided if status is authorized, submitted_for_settlement, or - for PayPal - settlement_pending.",
                Some("91504"),
                &["input", "transactionId"],
            )
        }
    }
}

fn refunded(sim: &Sim, id: &str) -> u64 {
    lock(&sim.braintree).refunded.get(id).copied().unwrap_or(0)
}

pub fn refund(sim: &Sim, f: &Field, info: &mut CallInfo) -> Response {
    let Target {
        input, id, tx: t, ..
    } = match target(sim, f, info, "RefundTransactionInput") {
        Ok(found) => found,
        Err(r) => return r,
    };
    let (amount, exp) = amount_of(&t);
    let refund = input.get("refund");
    let path = ["input", "refund", "amount"];
    let asked = match parse_amount(sim, f, str_of(refund, "amount"), exp, &path) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !matches!(t["status"].as_str(), Some("SETTLED" | "SETTLING")) {
        info.outcome = "refused_91506".into();
        return field_error(
            sim,
            f,
            "Cannot refund transaction unless it is settled.",
            Some("91506"),
            &["input", "transactionId"],
        );
    }
    let left = amount.saturating_sub(refunded(sim, id));
    if left == 0 {
        info.outcome = "refused_91512".into();
        return field_error(
            sim,
            f,
            "Transaction has already been fully refunded.",
            Some("91512"),
            &["input", "transactionId"],
        );
    }
    let cents = asked.unwrap_or(left);
    if cents > left {
        info.outcome = "refused_91521".into();
        return field_error(sim, f, "Refund amount is too large.", Some("91521"), &path);
    }
    let order_id = str_of(refund, "orderId");
    refund_of(
        sim,
        f,
        info,
        &t,
        cents,
        order_id,
        input.get("clientMutationId"),
        "refund",
    )
}

/// Makes the refund transaction of `t` for `cents` and answers it under `object`.
#[allow(clippy::too_many_arguments)]
fn refund_of(
    sim: &Sim,
    f: &Field,
    info: &mut CallInfo,
    t: &Value,
    cents: u64,
    order_id: Option<&str>,
    client_mutation_id: Option<&Value>,
    object: &str,
) -> Response {
    let (_, exp) = amount_of(t);
    let id = t["id"].as_str().unwrap_or_default().to_string();
    let value = json!({
        "value": currency::minor_decimal(cents, exp),
        "currencyCode": t["amount"]["currencyCode"],
    });
    let legacy = sim.lower_id(8);
    let refund = json!({
        "id": global_id("transaction", &legacy), "legacyId": legacy,
        "status": "SUBMITTED_FOR_SETTLEMENT", "createdAt": unix_now(), "orderId": order_id,
        "merchantAccountId": t["merchantAccountId"], "amount": value,
        "paymentMethodSnapshot": t["paymentMethodSnapshot"],
        "refundedTransaction": {"id": id},
        "statusHistory": [event("SUBMITTED_FOR_SETTLEMENT", &value)],
    });
    {
        let mut store = lock(&sim.braintree);
        *store.refunded.entry(id.clone()).or_default() += cents;
        store.transactions.push(refund.clone());
    }
    info.outcome = "refunded".into();
    info.amount = Some(cents);
    info.reference = order_id.map(str::to_string);
    sim.ledger_move(GW, "refundTransaction", Movement::Refunded, money(t, cents));
    answer(
        sim,
        Some(json!({ f.key.clone(): {"clientMutationId": client_mutation_id, object: refund} })),
        vec![],
    )
}
