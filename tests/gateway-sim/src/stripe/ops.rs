//! Capture, cancel and refund (WIRE.md §Stripe, "Capture, void, refund"), after the Stripe
//! OpenAPI (spec3) paths `POST /v1/payment_intents/{intent}/capture` (`amount_to_capture`),
//! `POST /v1/payment_intents/{intent}/cancel` and `POST /v1/refunds` (`payment_intent`,
//! `amount`, `reason`), with Stripe's documented error codes:
//!
//! - capture: only `requires_capture` (`payment_intent_unexpected_state`); `amount_to_capture`
//!   ≤ `amount_capturable` (`amount_too_large`); the rest of the authorization is released;
//! - cancel: not once `succeeded` or `canceled` (`payment_intent_unexpected_state`);
//! - refund: a `succeeded` PaymentIntent; nothing left (`charge_already_refunded`); `amount` ≤
//!   what is left (`amount_too_large`). Refunds of a card succeed at once here.
//!
//! All three run under the request's `Idempotency-Key` (`super::handle`).

use super::wire::{invalid, missing, unknown_param, Form};
use super::GW;
use crate::http::Response;
use crate::ledger::{Money, Movement};
use crate::state::{lock, unix_now, CallInfo, Sim};
use serde_json::{json, Value};

fn money(pi: &Value, amount: u64) -> Money {
    Money {
        object_id: pi["id"].as_str().unwrap_or_default().to_string(),
        reference: pi["metadata"]["session_id"].as_str().map(str::to_string),
        attempt: pi["metadata"]["attempt"]
            .as_str()
            .and_then(|a| a.parse().ok()),
        amount,
        currency: pi["currency"].as_str().unwrap_or("usd").to_string(),
    }
}

fn no_such(id: &str, param: &str) -> Response {
    let body = super::wire::error(
        "invalid_request_error",
        Some("resource_missing"),
        Some(param),
        &format!("No such payment_intent: '{id}'"),
    );
    Response::json(404, &body)
}

fn find(sim: &Sim, id: &str) -> Option<usize> {
    lock(&sim.stripe)
        .intents
        .iter()
        .position(|p| p["id"].as_str() == Some(id))
}

fn amount_param(form: &Form, name: &str) -> Result<Option<u64>, Response> {
    match form.get(name) {
        None => Ok(None),
        Some(a) => a
            .parse::<u64>()
            .ok()
            .filter(|a| *a >= 1)
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    "parameter_invalid_integer",
                    name,
                    &format!("Invalid integer: {a}"),
                )
            }),
    }
}

/// `POST /v1/payment_intents/{id}/capture` and `/cancel`.
pub fn intent_action(
    sim: &Sim,
    id: &str,
    capture: bool,
    form: &Form,
    info: &mut CallInfo,
) -> Response {
    let known: &[&str] = if capture {
        &[
            "amount_to_capture",
            "expand[]",
            "final_capture",
            "statement_descriptor",
        ]
    } else {
        &["cancellation_reason", "expand[]"]
    };
    if let Some(k) = form.unknown(known) {
        return unknown_param(&k);
    }
    let Some(i) = find(sim, id) else {
        return no_such(id, "intent");
    };
    info.object_id = Some(id.to_string());
    let pi = lock(&sim.stripe).intents[i].clone();
    info.reference = pi["metadata"]["session_id"].as_str().map(str::to_string);
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    let capturable = pi["amount_capturable"].as_u64().unwrap_or(0);
    if capture {
        let amount = match amount_param(form, "amount_to_capture") {
            Ok(a) => a.unwrap_or(capturable),
            Err(r) => return r,
        };
        info.amount = Some(amount);
        if status != "requires_capture" {
            info.outcome = "unexpected_state".into();
            return invalid(
                "payment_intent_unexpected_state",
                "intent",
                &format!("This PaymentIntent could not be captured because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture."),
            );
        }
        if amount > capturable {
            info.outcome = "amount_too_large".into();
            return invalid(
                "amount_too_large",
                "amount_to_capture",
                &format!("The amount_to_capture ({amount}) must be less than or equal to the amount_capturable ({capturable})."),
            );
        }
        let updated = {
            let mut store = lock(&sim.stripe);
            let p = &mut store.intents[i];
            p["status"] = "succeeded".into();
            p["amount_received"] = amount.into();
            p["amount_capturable"] = 0.into();
            p.clone()
        };
        info.outcome = "captured".into();
        sim.ledger_move(
            GW,
            "payment_intents/capture",
            Movement::Captured,
            money(&pi, amount),
        );
        return Response::json(200, &updated);
    }
    if matches!(status.as_str(), "succeeded" | "canceled") {
        info.outcome = "unexpected_state".into();
        return invalid(
            "payment_intent_unexpected_state",
            "intent",
            &format!("You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing."),
        );
    }
    let updated = {
        let mut store = lock(&sim.stripe);
        let p = &mut store.intents[i];
        p["status"] = "canceled".into();
        p["amount_capturable"] = 0.into();
        p["canceled_at"] = unix_now().into();
        p["cancellation_reason"] = form.get("cancellation_reason").into();
        p.clone()
    };
    info.outcome = "canceled".into();
    info.amount = Some(capturable);
    if capturable > 0 {
        sim.ledger_move(
            GW,
            "payment_intents/cancel",
            Movement::Voided,
            money(&pi, capturable),
        );
    }
    Response::json(200, &updated)
}

/// `POST /v1/refunds`.
pub fn refunds(sim: &Sim, form: &Form, info: &mut CallInfo) -> Response {
    if let Some(k) = form.unknown(&[
        "payment_intent",
        "charge",
        "amount",
        "reason",
        "expand[]",
        "metadata",
    ]) {
        if !k.starts_with("metadata[") {
            return unknown_param(&k);
        }
    }
    let Some(id) = form.get("payment_intent") else {
        return missing("payment_intent");
    };
    if let Some(r) = form.get("reason") {
        if !["duplicate", "fraudulent", "requested_by_customer"].contains(&r) {
            return invalid(
                "parameter_invalid_string",
                "reason",
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            );
        }
    }
    let Some(i) = find(sim, id) else {
        return no_such(id, "payment_intent");
    };
    info.object_id = Some(id.to_string());
    let pi = lock(&sim.stripe).intents[i].clone();
    info.reference = pi["metadata"]["session_id"].as_str().map(str::to_string);
    if pi["status"] != "succeeded" {
        info.outcome = "unexpected_state".into();
        return invalid(
            "payment_intent_unexpected_state",
            "payment_intent",
            "This PaymentIntent does not have a successful charge to refund.",
        );
    }
    let received = pi["amount_received"].as_u64().unwrap_or(0);
    let done = lock(&sim.stripe).refunded.get(id).copied().unwrap_or(0);
    let left = received.saturating_sub(done);
    if left == 0 {
        info.outcome = "charge_already_refunded".into();
        return invalid(
            "charge_already_refunded",
            "payment_intent",
            "Charge has already been refunded.",
        );
    }
    let amount = match amount_param(form, "amount") {
        Ok(a) => a.unwrap_or(left),
        Err(r) => return r,
    };
    info.amount = Some(amount);
    if amount > left {
        info.outcome = "amount_too_large".into();
        let cur = pi["currency"].as_str().unwrap_or("usd");
        return invalid(
            "amount_too_large",
            "amount",
            &format!("Refund amount ({amount} {cur}) is greater than unrefunded amount on charge ({left} {cur})"),
        );
    }
    let refund_id = sim.id("re_", 24);
    *lock(&sim.stripe)
        .refunded
        .entry(id.to_string())
        .or_default() += amount;
    info.outcome = "refunded".into();
    sim.ledger_move(GW, "refunds", Movement::Refunded, money(&pi, amount));
    Response::json(
        200,
        &json!({
            "id": refund_id, "object": "refund", "amount": amount, "currency": pi["currency"],
            "payment_intent": id, "charge": pi["latest_charge"], "reason": form.get("reason"),
            "status": "succeeded", "created": unix_now(), "metadata": form.object("metadata"),
        }),
    )
}
