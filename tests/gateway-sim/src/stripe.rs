//! Stripe under `/stripe`: `POST /v1/payment_methods`, `/v1/payment_intents`, `/v1/customers`
//! (WIRE.md §Stripe). Form-encoded bodies, `Authorization: Bearer sk` (or Basic `sk:`),
//! `Idempotency-Key` replay. Answers follow the Stripe OpenAPI (spec3.yaml) schemas
//! `payment_method`, `payment_intent`, `customer` and `error`.

mod ops;
mod wire;

use crate::cards::{self, CardFacts, Outcome};
use crate::http::{Request, Response};
use crate::ledger::{Money, Movement};
use crate::state::{lock, unix_now, with_idempotency, CallInfo, Handled, Sim};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use wire::{auth, card_error, card_field_error, error, invalid, missing, unknown_param, Form};

pub const SECRET_KEY: &str = "sk_test_maven_sim";
const GW: &str = "stripe";

/// A PaymentMethod as kept here: facts about the card, never its number or CVC.
struct PaymentMethod {
    card: CardFacts,
    /// The object as answered at creation (`customer` is filled in when attached).
    object: Value,
    /// Confirmed on a PaymentIntent; without a customer it cannot be used again.
    used: bool,
    customer: Option<String>,
}

#[derive(Default)]
pub struct Store {
    payment_methods: HashMap<String, PaymentMethod>,
    customers: HashSet<String>,
    /// Every PaymentIntent made (declined ones too, `requires_payment_method`), oldest first:
    /// what retrieve and search read.
    intents: Vec<Value>,
    /// Customers as answered, oldest first (search).
    customer_objects: Vec<Value>,
    /// Minor units refunded so far, by PaymentIntent id.
    refunded: HashMap<String, u64>,
}

/// Stripe's three-decimal currencies (docs.stripe.com/currencies#three-decimal): amounts in
/// thousandths whose last digit must be 0.
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

/// Path → operation name for the call log (`/v1/payment_intents` → `payment_intents`;
/// `/v1/payment_intents/pi_…` → `payment_intents/retrieve`).
pub fn operation(sub: &str) -> String {
    let op = sub.trim_start_matches("/v1/").trim_matches('/');
    if let Some(action) = intent_action(sub) {
        return format!(
            "payment_intents/{}",
            if action.1 { "capture" } else { "cancel" }
        );
    }
    match op.split_once('/') {
        Some((object, "search")) => format!("{object}/search"),
        Some((object, _)) => format!("{object}/retrieve"),
        None => op.to_string(),
    }
}

/// `/v1/payment_intents/{id}/capture` → `(id, true)`, `…/cancel` → `(id, false)`.
fn intent_action(sub: &str) -> Option<(&str, bool)> {
    let rest = sub.strip_prefix("/v1/payment_intents/")?;
    match rest.trim_end_matches('/').split_once('/')? {
        (id, "capture") => Some((id, true)),
        (id, "cancel") => Some((id, false)),
        _ => None,
    }
}

pub fn handle(sim: &Sim, req: &Request, sub: &str) -> Handled {
    let info = CallInfo::new(&operation(sub), req.idempotency_key());
    if let Err(response) = auth(req) {
        let mut info = info;
        info.outcome = "unauthorized".into();
        return Handled { response, info };
    }
    if req.method == "GET" {
        let mut info = info;
        let response = lookup(sim, req, sub, &mut info);
        return Handled { response, info };
    }
    let form = Form(crate::codec::parse_form(&req.body_text()));
    let action = intent_action(sub).filter(|_| req.method == "POST");
    let endpoint: fn(&Sim, &Form, &mut CallInfo) -> Response = match (req.method.as_str(), sub) {
        _ if action.is_some() => payment_intents,
        ("POST", "/v1/payment_methods") => payment_methods,
        ("POST", "/v1/payment_intents") => payment_intents,
        ("POST", "/v1/customers") => customers,
        ("POST", "/v1/refunds") => ops::refunds,
        _ => {
            let msg = format!("Unrecognized request URL ({}: {sub}).", req.method);
            let body = error("invalid_request_error", None, None, &msg);
            let mut info = info;
            info.outcome = "not_found".into();
            return Handled {
                response: Response::json(404, &body),
                info,
            };
        }
    };
    let key = info.idempotency_key.clone().unwrap_or_default();
    with_idempotency(
        sim,
        GW,
        req,
        info,
        || {
            let msg = format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.");
            Response::json(400, &error("idempotency_error", None, None, &msg))
        },
        || {
            let msg = "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): use a different key or retry later.";
            Response::json(409, &error("idempotency_error", None, None, msg))
        },
        |info| match (form.metadata_error(), action) {
            (Some(e), _) => e,
            (None, Some((id, capture))) => ops::intent_action(sim, id, capture, &form, info),
            (None, None) => endpoint(sim, &form, info),
        },
    )
}

/// `metadata[session_id]` and `metadata[attempt]`: the ledger's reference.
fn money(form: &Form, object_id: &str, amount: u64, currency: &str) -> Money {
    Money {
        object_id: object_id.to_string(),
        reference: form.get("metadata[session_id]").map(str::to_string),
        attempt: form.get("metadata[attempt]").and_then(|a| a.parse().ok()),
        amount,
        currency: currency.to_string(),
    }
}

/// The GET lookups: `/v1/payment_intents/{id}`, `/v1/payment_intents/search`,
/// `/v1/customers/search` (spec3 paths; the Search query language subset
/// `metadata['k']:'v'` clauses joined by ` AND `).
fn lookup(sim: &Sim, req: &Request, sub: &str, info: &mut CallInfo) -> Response {
    let path = sub.trim_end_matches('/');
    let not_found = |info: &mut CallInfo| {
        info.outcome = "not_found".into();
        let msg = format!("Unrecognized request URL (GET: {sub}).");
        Response::json(404, &error("invalid_request_error", None, None, &msg))
    };
    let list = match path {
        // GET /v1/balance (spec3 `GetBalance`): the harmless authenticated call a dashboard's
        // "test connection" makes. The simulator moves no settled money: zero everywhere.
        "/v1/balance" => {
            info.outcome = "ok".into();
            let zero = json!([{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]);
            return Response::json(
                200,
                &json!({"object": "balance", "available": zero, "pending": zero, "livemode": false}),
            );
        }
        "/v1/payment_intents/search" => "payment_intents",
        "/v1/customers/search" => "customers",
        _ => {
            if let Some(cus) = path
                .strip_prefix("/v1/customers/")
                .and_then(|p| p.strip_suffix("/payment_methods"))
            {
                return customer_payment_methods(sim, req, cus, info);
            }
            let Some(id) = path.strip_prefix("/v1/payment_intents/") else {
                return not_found(info);
            };
            let found = lock(&sim.stripe)
                .intents
                .iter()
                .find(|pi| pi["id"] == id)
                .cloned();
            info.object_id = Some(id.to_string());
            return match found {
                Some(pi) => {
                    info.outcome = "found".into();
                    info.reference = pi["metadata"]["session_id"].as_str().map(str::to_string);
                    Response::json(200, &pi)
                }
                None => {
                    info.outcome = "not_found".into();
                    let msg = format!("No such payment_intent: '{id}'");
                    Response::json(
                        404,
                        &error(
                            "invalid_request_error",
                            Some("resource_missing"),
                            Some("id"),
                            &msg,
                        ),
                    )
                }
            };
        }
    };
    let Some(query) = req.query_param("query") else {
        return missing("query");
    };
    let clauses = match search_clauses(&query) {
        Ok(c) => c,
        Err(msg) => return invalid("parameter_invalid_string", "query", &msg),
    };
    let limit = match req.query_param("limit") {
        None => 10,
        Some(l) => match l.parse::<usize>().ok().filter(|l| (1..=100).contains(l)) {
            Some(l) => l,
            None => {
                return invalid(
                    "parameter_invalid_integer",
                    "limit",
                    "Invalid limit: must be an integer between 1 and 100.",
                )
            }
        },
    };
    let store = lock(&sim.stripe);
    let objects = if list == "payment_intents" {
        &store.intents
    } else {
        &store.customer_objects
    };
    let matching: Vec<Value> = objects
        .iter()
        .rev()
        .filter(|o| {
            clauses
                .iter()
                .all(|(k, v)| o["metadata"][k.as_str()].as_str() == Some(v.as_str()))
        })
        .cloned()
        .collect();
    let has_more = matching.len() > limit;
    let data: Vec<Value> = matching.into_iter().take(limit).collect();
    info.outcome = if data.is_empty() {
        "not_found"
    } else {
        "found"
    }
    .into();
    info.reference = clauses
        .iter()
        .find(|(k, _)| k == "session_id")
        .map(|(_, v)| v.clone());
    info.object_id = data
        .first()
        .and_then(|o| o["id"].as_str())
        .map(str::to_string);
    Response::json(
        200,
        &json!({
            "object": "search_result", "data": data, "has_more": has_more,
            "next_page": null, "url": format!("/v1/{list}/search"),
        }),
    )
}

/// `GET /v1/customers/{customer}/payment_methods` (spec3 `GetCustomersCustomerPaymentMethods`:
/// optional `type`, `limit`) → a `list` of the customer's attached PaymentMethods.
fn customer_payment_methods(sim: &Sim, req: &Request, cus: &str, info: &mut CallInfo) -> Response {
    let store = lock(&sim.stripe);
    if !store.customers.contains(cus) {
        info.outcome = "not_found".into();
        let msg = format!("No such customer: '{cus}'");
        return Response::json(
            404,
            &error(
                "invalid_request_error",
                Some("resource_missing"),
                Some("customer"),
                &msg,
            ),
        );
    }
    if let Some(t) = req.query_param("type") {
        if t != "card" {
            info.outcome = "invalid_request".into();
            return invalid(
                "parameter_invalid_string",
                "type",
                "Invalid type: only card is simulated.",
            );
        }
    }
    let data: Vec<Value> = store
        .payment_methods
        .iter()
        .filter(|(_, pm)| pm.customer.as_deref() == Some(cus))
        .map(|(_, pm)| {
            let mut o = pm.object.clone();
            o["customer"] = json!(cus);
            o
        })
        .collect();
    info.outcome = if data.is_empty() {
        "not_found"
    } else {
        "found"
    }
    .into();
    info.object_id = Some(cus.to_string());
    Response::json(
        200,
        &json!({"object": "list", "data": data, "has_more": false,
                "url": format!("/v1/customers/{cus}/payment_methods")}),
    )
}

/// `metadata['k']:'v' AND metadata["k2"]:"v2"` → [(k, v), …]. Other fields and operators
/// (OR, `-`, `~`, numeric comparisons) are not implemented and answer 400.
fn search_clauses(query: &str) -> Result<Vec<(String, String)>, String> {
    let quoted = |s: &str| -> Option<String> {
        let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let inner = s.strip_prefix(q)?.strip_suffix(q)?;
        (!inner.contains(q)).then(|| inner.to_string())
    };
    query
        .split(" AND ")
        .map(|clause| {
            let clause = clause.trim();
            let rest = clause
                .strip_prefix("metadata[")
                .ok_or_else(|| format!("The simulator's search supports metadata['key']:'value' clauses joined by AND only, not {clause:?}."))?;
            let (key, value) = rest
                .split_once("]:")
                .ok_or_else(|| format!("Invalid search clause {clause:?}."))?;
            let key = quoted(key).ok_or_else(|| format!("Invalid metadata key in {clause:?}."))?;
            let value = quoted(value).ok_or_else(|| format!("Invalid value in {clause:?}: values are quoted."))?;
            Ok((key, value))
        })
        .collect()
}

/// `POST /v1/payment_methods` → `payment_method`. Declining cards still get a PaymentMethod:
/// Stripe declines at confirmation.
fn payment_methods(sim: &Sim, form: &Form, info: &mut CallInfo) -> Response {
    let mut exact = vec![
        "type",
        "card[number]",
        "card[exp_month]",
        "card[exp_year]",
        "card[cvc]",
        "expand[]",
    ];
    exact.extend_from_slice(wire::BILLING_DETAILS);
    if let Some(k) = form.unknown(&exact) {
        return unknown_param(&k);
    }
    let Some(kind) = form.get("type") else {
        return missing("type");
    };
    if kind != "card" {
        return invalid(
            "parameter_invalid_string",
            "type",
            "The simulator supports only type=card.",
        );
    }
    let (Some(number), Some(exp_month), Some(exp_year)) = (
        form.get("card[number]"),
        form.get("card[exp_month]"),
        form.get("card[exp_year]"),
    ) else {
        let absent = ["card[number]", "card[exp_month]", "card[exp_year]"]
            .into_iter()
            .find(|k| form.get(k).is_none())
            .unwrap_or("card[number]");
        return missing(absent);
    };
    let Some(card) = CardFacts::of(number) else {
        info.outcome = "invalid_number".into();
        return card_field_error(
            "incorrect_number",
            "card[number]",
            "Your card number is incorrect.",
        );
    };
    info.card_last4 = Some(card.last4.clone());
    let Some(month) = cards::month(exp_month) else {
        return card_field_error(
            "invalid_expiry_month",
            "card[exp_month]",
            "Your card's expiration month is invalid.",
        );
    };
    let Some(year) = cards::year(exp_year) else {
        return card_field_error(
            "invalid_expiry_year",
            "card[exp_year]",
            "Your card's expiration year is invalid.",
        );
    };
    if form.get("card[cvc]").is_some_and(|c| !cards::cvc_ok(c)) {
        return card_field_error(
            "invalid_cvc",
            "card[cvc]",
            "Your card's security code is invalid.",
        );
    }
    let id = sim.id("pm_", 24);
    let body = json!({
        "id": id, "object": "payment_method", "type": "card", "created": unix_now(),
        "livemode": false, "customer": null, "metadata": form.object("metadata"),
        "billing_details": {
            "name": form.get("billing_details[name]"),
            "email": form.get("billing_details[email]"),
            "phone": form.get("billing_details[phone]"),
            "address": { "postal_code": form.get("billing_details[address][postal_code]") },
        },
        "card": {
            "brand": card.brand.stripe(), "last4": card.last4, "exp_month": month, "exp_year": year,
            "funding": "credit", "country": "US",
            "checks": { "cvc_check": null, "address_postal_code_check": null, "address_line1_check": null },
        },
    });
    let pm = PaymentMethod {
        card,
        object: body.clone(),
        used: false,
        customer: None,
    };
    lock(&sim.stripe).payment_methods.insert(id, pm);
    info.outcome = "created".into();
    Response::json(200, &body)
}

/// Looks up `payment_method`, checks it may be used, marks it used (or attached).
fn take_payment_method(
    sim: &Sim,
    pm_id: &str,
    attach_to: Option<&str>,
) -> Result<CardFacts, Response> {
    let mut store = lock(&sim.stripe);
    let Some(pm) = store.payment_methods.get_mut(pm_id) else {
        let msg = format!("No such PaymentMethod: '{pm_id}'");
        return Err(invalid("resource_missing", "payment_method", &msg));
    };
    if pm.used && pm.customer.is_none() {
        return Err(invalid("payment_method_unexpected_state", "payment_method",
            "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first."));
    }
    match attach_to {
        Some(_) if pm.customer.is_some() => {
            return Err(invalid(
                "resource_already_exists",
                "payment_method",
                "The payment method you provided has already been attached to a customer.",
            ));
        }
        Some(cus) if pm.card.outcome == Outcome::Approved => pm.customer = Some(cus.to_string()),
        Some(_) => {}
        None => pm.used = true,
    }
    Ok(pm.card.clone())
}

/// `POST /v1/payment_intents` (create + confirm) → `payment_intent`, or 402 `error`.
fn payment_intents(sim: &Sim, form: &Form, info: &mut CallInfo) -> Response {
    let exact = [
        "amount",
        "currency",
        "confirm",
        "payment_method_types[]",
        "error_on_requires_action",
        "payment_method",
        "capture_method",
        "description",
        "customer",
        "off_session",
        "setup_future_usage",
        "receipt_email",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "expand[]",
        "payment_method_options[card][request_three_d_secure]",
        "payment_method_options[card][capture_method]",
        "payment_method_options[card][setup_future_usage]",
    ];
    if let Some(k) = form.unknown(&exact) {
        return unknown_param(&k);
    }
    let Some(amount) = form.get("amount") else {
        return missing("amount");
    };
    let Some(amount) = amount
        .parse::<u64>()
        .ok()
        .filter(|a| (1..=99_999_999).contains(a))
    else {
        return invalid(
            "parameter_invalid_integer",
            "amount",
            &format!("Invalid integer: {amount}"),
        );
    };
    let Some(currency) = form.get("currency") else {
        return missing("currency");
    };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return invalid(
            "parameter_invalid_string",
            "currency",
            &format!("Invalid currency: {currency}."),
        );
    }
    let currency = currency.to_ascii_lowercase();
    if crate::currency::exponent(&currency).is_none() {
        return invalid(
            "parameter_invalid_string",
            "currency",
            &format!("Invalid currency: {currency}. Stripe currently supports these currencies: usd, eur, gbp, jpy, …"),
        );
    }
    if THREE_DECIMAL.contains(&currency.as_str()) && amount % 10 != 0 {
        return invalid(
            "parameter_invalid_integer",
            "amount",
            &format!("Invalid amount: {currency} amounts are in thousandths and must end in 0 (got {amount})."),
        );
    }
    let capture_method = form.get("capture_method").unwrap_or("automatic");
    if !["automatic", "automatic_async", "manual"].contains(&capture_method) {
        return invalid(
            "parameter_invalid_string",
            "capture_method",
            "Invalid capture_method: must be one of automatic, automatic_async, or manual",
        );
    }
    let confirm = match form.get("confirm") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return invalid(
                "parameter_invalid_boolean",
                "confirm",
                &format!("Invalid boolean: {other}"),
            )
        }
    };
    info.amount = Some(amount);
    info.reference = form.get("metadata[session_id]").map(str::to_string);
    let id = sim.id("pi_", 24);
    let mut pi = json!({
        "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_received": 0, "currency": currency, "capture_method": capture_method,
        "confirmation_method": "automatic", "created": unix_now(), "livemode": false,
        "description": form.get("description"), "metadata": form.object("metadata"),
        "customer": form.get("customer"), "payment_method": form.get("payment_method"),
        "payment_method_types": ["card"], "latest_charge": null, "last_payment_error": null,
        "status": "requires_payment_method",
    });
    if !confirm {
        info.outcome = "created".into();
        if form.get("payment_method").is_some() {
            pi["status"] = "requires_confirmation".into();
        }
        lock(&sim.stripe).intents.push(pi.clone());
        return Response::json(200, &pi);
    }
    if let Some(cus) = form.get("customer") {
        if !lock(&sim.stripe).customers.contains(cus) {
            return invalid(
                "resource_missing",
                "customer",
                &format!("No such customer: '{cus}'"),
            );
        }
    }
    let Some(pm_id) = form.get("payment_method") else {
        return invalid("payment_intent_unexpected_state", "payment_method",
            "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, specify a payment method.");
    };
    let card = match take_payment_method(sim, pm_id, None) {
        Ok(card) => card,
        Err(resp) => return resp,
    };
    info.card_last4 = Some(card.last4.clone());
    info.outcome = card.outcome.as_str().into();
    let charge = sim.id("ch_", 24);
    if card.outcome != Outcome::Approved {
        // Stripe keeps the declined PaymentIntent (retrievable, searchable).
        let mut kept = pi.clone();
        kept["latest_charge"] = charge.clone().into();
        kept["last_payment_error"] =
            json!({"type": "card_error", "code": card_error_code(card.outcome)});
        lock(&sim.stripe).intents.push(kept);
        sim.ledger_decline(
            GW,
            "payment_intents",
            card.outcome.as_str(),
            money(form, &id, amount, &currency),
        );
        let error_pi = json!({
            "id": id, "object": "payment_intent", "amount": amount, "currency": currency,
            "status": "requires_payment_method", "payment_method": null,
            "latest_charge": charge,
        });
        let pm = json!({ "id": pm_id, "object": "payment_method", "type": "card" });
        return card_error(
            card.outcome,
            &[
                ("payment_intent", error_pi),
                ("charge", charge.into()),
                ("payment_method", pm),
            ],
        );
    }
    pi["latest_charge"] = charge.into();
    info.object_id = Some(id.clone());
    let movement = if capture_method == "manual" {
        pi["status"] = "requires_capture".into();
        pi["amount_capturable"] = amount.into();
        Movement::Authorized
    } else {
        pi["status"] = "succeeded".into();
        pi["amount_received"] = amount.into();
        Movement::Captured
    };
    lock(&sim.stripe).intents.push(pi.clone());
    sim.ledger_move(
        GW,
        "payment_intents",
        movement,
        money(form, &id, amount, &currency),
    );
    Response::json(200, &pi)
}

fn card_error_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::ExpiredCard => "expired_card",
        Outcome::IncorrectCvc => "incorrect_cvc",
        Outcome::ProcessingError => "processing_error",
        _ => "card_declined",
    }
}

/// `POST /v1/customers` → `customer`; with `payment_method` the card is verified and attached
/// (declining cards → 402 `card_error`).
fn customers(sim: &Sim, form: &Form, info: &mut CallInfo) -> Response {
    let exact = [
        "payment_method",
        "description",
        "email",
        "name",
        "phone",
        "expand[]",
        "invoice_settings[default_payment_method]",
        "address[city]",
        "address[country]",
        "address[line1]",
        "address[line2]",
        "address[postal_code]",
        "address[state]",
    ];
    if let Some(k) = form.unknown(&exact) {
        return unknown_param(&k);
    }
    let id = sim.id("cus_", 14);
    info.outcome = "created".into();
    info.reference = form.get("metadata[session_id]").map(str::to_string);
    if let Some(pm_id) = form.get("payment_method") {
        let card = match take_payment_method(sim, pm_id, Some(&id)) {
            Ok(card) => card,
            Err(resp) => return resp,
        };
        info.card_last4 = Some(card.last4.clone());
        info.outcome = card.outcome.as_str().into();
        if card.outcome != Outcome::Approved {
            sim.ledger_decline(
                GW,
                "customers",
                card.outcome.as_str(),
                money(form, "", 0, ""),
            );
            let pm = json!({ "id": pm_id, "object": "payment_method", "type": "card" });
            return card_error(card.outcome, &[("payment_method", pm)]);
        }
        sim.ledger_move(GW, "customers", Movement::Vaulted, money(form, &id, 0, ""));
    }
    info.object_id = Some(id.clone());
    let customer = json!({
        "id": id, "object": "customer", "created": unix_now(), "livemode": false,
        "description": form.get("description"), "email": form.get("email"),
        "name": form.get("name"), "metadata": form.object("metadata"),
        "invoice_settings": { "default_payment_method": null },
    });
    let mut store = lock(&sim.stripe);
    store.customers.insert(id.clone());
    store.customer_objects.push(customer.clone());
    Response::json(200, &customer)
}

#[cfg(test)]
mod tests;
