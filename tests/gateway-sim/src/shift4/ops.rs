//! Capture and refunds (WIRE.md §Shift4, "Capture, void, refund"), after the shift4-java SDK:
//! `CaptureRequest` carries only the charge id (`POST /charges/{chargeId}/capture`: the whole
//! authorization is captured), `RefundRequest` `{chargeId, amount?, reason?}` (`POST
//! /refunds`) answered with a `Refund` (`id`, `created`, `amount`, `currency`, `charge`,
//! `reason`, `status`). The charge's `amountRefunded` and `refunded` follow.
//!
//! - capture: a successful, uncaptured, unrefunded charge; else 400 `invalid_request`;
//! - refund of an uncaptured charge: releases the authorization (its void), whole only;
//! - refund: `amount` (default: what is left) ≤ `amount - amountRefunded`, else 400.

use super::{error, invalid, GW};
use crate::http::Response;
use crate::ledger::{Money, Movement};
use crate::state::{lock, unix_now, CallInfo, Sim};
use serde_json::{json, Map, Value};

fn money(charge: &Value, amount: u64) -> Money {
    Money {
        object_id: charge["id"].as_str().unwrap_or_default().to_string(),
        reference: charge["metadata"]["session_id"]
            .as_str()
            .map(str::to_string),
        attempt: charge["metadata"]["attempt"]
            .as_str()
            .and_then(|a| a.parse().ok()),
        amount,
        currency: charge["currency"]
            .as_str()
            .unwrap_or("usd")
            .to_ascii_lowercase(),
    }
}

fn find(sim: &Sim, id: &str) -> Option<usize> {
    lock(&sim.shift4)
        .charges
        .iter()
        .position(|c| c["id"].as_str() == Some(id) && c["status"] == "successful")
}

fn no_such(id: &str) -> Response {
    error(
        404,
        "invalid_request",
        None,
        &format!("Charge '{id}' does not exist."),
        None,
    )
}

/// `POST /charges/{id}/capture`.
pub fn capture(sim: &Sim, id: &str, body: &Map<String, Value>, info: &mut CallInfo) -> Response {
    if let Some(k) = body.keys().next() {
        return invalid(&format!("Unknown parameter: {k}."));
    }
    let Some(i) = find(sim, id) else {
        return no_such(id);
    };
    info.object_id = Some(id.to_string());
    let c = lock(&sim.shift4).charges[i].clone();
    info.reference = c["metadata"]["session_id"].as_str().map(str::to_string);
    if c["captured"] == json!(true) || c["refunded"] == json!(true) {
        info.outcome = "refused".into();
        return invalid("Charge has already been captured or refunded.");
    }
    let amount = c["amount"].as_u64().unwrap_or(0);
    info.amount = Some(amount);
    let updated = {
        let mut store = lock(&sim.shift4);
        store.charges[i]["captured"] = true.into();
        store.charges[i].clone()
    };
    info.outcome = "captured".into();
    sim.ledger_move(GW, "charges/capture", Movement::Captured, money(&c, amount));
    Response::json(200, &updated)
}

/// `POST /refunds`.
pub fn refunds(sim: &Sim, body: &Map<String, Value>, info: &mut CallInfo) -> Response {
    if let Some(k) = body
        .keys()
        .find(|k| !["chargeId", "amount", "reason"].contains(&k.as_str()))
    {
        return invalid(&format!("Unknown parameter: {k}."));
    }
    let Some(id) = body.get("chargeId").and_then(Value::as_str) else {
        return invalid("Missing required parameter: chargeId.");
    };
    let asked = match body.get("amount") {
        None | Some(Value::Null) => None,
        Some(a) => match a.as_u64().filter(|a| *a > 0) {
            Some(a) => Some(a),
            None => {
                return invalid(
                    "Invalid parameter: amount must be a positive integer in minor units.",
                )
            }
        },
    };
    let Some(i) = find(sim, id) else {
        return no_such(id);
    };
    info.object_id = Some(id.to_string());
    let c = lock(&sim.shift4).charges[i].clone();
    info.reference = c["metadata"]["session_id"].as_str().map(str::to_string);
    let amount = c["amount"].as_u64().unwrap_or(0);
    let done = c["amountRefunded"].as_u64().unwrap_or(0);
    let left = amount.saturating_sub(done);
    let captured = c["captured"] == json!(true);
    let cents = asked.unwrap_or(left);
    info.amount = Some(cents);
    if left == 0 {
        info.outcome = "refused".into();
        return invalid("Charge has already been fully refunded.");
    }
    if cents > left {
        info.outcome = "refused".into();
        return invalid("Refund amount exceeds the amount left on the charge.");
    }
    if !captured && cents != amount {
        info.outcome = "refused".into();
        return invalid("An uncaptured charge can only be refunded in full.");
    }
    let refund_id = sim.id("re_", 24);
    {
        let mut store = lock(&sim.shift4);
        let ch = &mut store.charges[i];
        ch["amountRefunded"] = (done + cents).into();
        ch["refunded"] = (done + cents == amount).into();
    }
    let movement = if captured {
        Movement::Refunded
    } else {
        Movement::Voided
    };
    info.outcome = if captured { "refunded" } else { "voided" }.into();
    sim.ledger_move(GW, "refunds", movement, money(&c, cents));
    Response::json(
        200,
        &json!({
            "id": refund_id, "created": unix_now(), "objectType": "refund", "amount": cents,
            "currency": c["currency"], "charge": id, "reason": body.get("reason"),
            "status": "successful",
        }),
    )
}
