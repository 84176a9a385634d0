//! Shift4 (api.shift4.com Payments API) under `/shift4`: `POST /charges`, `/tokens`,
//! `/customers` (WIRE.md §Shift4). JSON camelCase, Basic `sk:`, `Idempotency-Key` replay.
//! Answers follow shift4-java `response/Charge.java`, `Token.java`, `Customer.java`, `Card.java`
//! and `ErrorResponse.java`.

mod ops;

use crate::cards::{self, CardFacts, Outcome};
use crate::http::{self, Request, Response};
use crate::ledger::{Money, Movement};
use crate::state::{lock, unix_now, with_idempotency, CallInfo, Handled, Sim};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub const SECRET_KEY: &str = "sk_test_maven_sim_shift4";
const GW: &str = "shift4";

/// A card as kept here (never the number or CVC).
#[derive(Clone)]
struct Card {
    facts: CardFacts,
    exp_month: String,
    exp_year: String,
    cardholder: Option<String>,
}

struct Token {
    card: Card,
    used: bool,
}

struct Customer {
    /// (card id, card); the first is the default.
    cards: Vec<(String, Card)>,
}

#[derive(Default)]
pub struct Store {
    tokens: HashMap<String, Token>,
    customers: HashMap<String, Customer>,
    /// Every charge made (failed ones too, `status: "failed"`), oldest first: what
    /// `GET /charges` lists.
    charges: Vec<Value>,
    /// Customers as answered, oldest first: what `GET /customers` lists.
    customer_objects: Vec<Value>,
}

/// Known JSON fields per request body, from shift4-java's request classes
/// (`ChargeRequest`, `CardRequest`, `TokenRequest`, `CustomerRequest`): anything else is
/// an unknown parameter.
const CHARGE_FIELDS: &[&str] = &[
    "amount",
    "currency",
    "description",
    "customerId",
    "card",
    "paymentMethod",
    "flow",
    "type",
    "captured",
    "shipping",
    "billing",
    "threeDSecure",
    "merchantAccountId",
    "external",
    "metadata",
];
const CARD_FIELDS: &[&str] = &[
    "id",
    "number",
    "expMonth",
    "expYear",
    "cvc",
    "cardholderName",
    "customerId",
    "addressCountry",
    "addressCity",
    "addressState",
    "addressZip",
    "addressLine1",
    "addressLine2",
    "fraudCheckData",
];
const CUSTOMER_FIELDS: &[&str] = &["email", "description", "card", "paymentMethod", "metadata"];

/// The first field of `obj` not in `known`, as `prefix` + name.
fn unknown_field(obj: &Map<String, Value>, known: &[&str], prefix: &str) -> Option<Response> {
    obj.keys()
        .find(|k| !known.contains(&k.as_str()))
        .map(|k| invalid(&format!("Unknown parameter: {prefix}{k}.")))
}

/// `metadata`: a map of strings (shift4-java `Map<String, String>`).
fn metadata_error(obj: &Map<String, Value>) -> Option<Response> {
    match obj.get("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.values().all(Value::is_string) => None,
        Some(_) => Some(invalid(
            "Invalid parameter: metadata must be an object of string values.",
        )),
    }
}

pub fn operation(sub: &str) -> String {
    let path = sub.trim_matches('/');
    if path.starts_with("charges/") && path.ends_with("/capture") {
        return "charges/capture".into();
    }
    path.split('/').next().unwrap_or("").to_string()
}

/// `ErrorResponse.java`: `{"error": {type, code?, message, chargeId?}}`.
fn error(
    status: u16,
    kind: &str,
    code: Option<&str>,
    message: &str,
    charge: Option<&str>,
) -> Response {
    let mut e = Map::new();
    e.insert("type".into(), kind.into());
    if let Some(c) = code {
        e.insert("code".into(), c.into());
    }
    e.insert("message".into(), message.into());
    if let Some(id) = charge {
        e.insert("chargeId".into(), id.into());
    }
    Response::json(status, &json!({ "error": e }))
}

/// The ledger's view of a request: `metadata.session_id` and `metadata.attempt`.
fn money(body: &Map<String, Value>, object_id: &str, amount: u64, currency: &str) -> Money {
    let meta = |k: &str| {
        body.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
    };
    Money {
        object_id: object_id.to_string(),
        reference: meta("session_id").map(str::to_string),
        attempt: meta("attempt").and_then(|a| a.parse().ok()),
        amount,
        currency: currency.to_ascii_lowercase(),
    }
}

/// `metadata.session_id`, for the call log.
fn session_ref(body: &Map<String, Value>) -> Option<String> {
    body.get("metadata")
        .and_then(|m| m.get("session_id"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn invalid(message: &str) -> Response {
    error(400, "invalid_request", None, message, None)
}

fn card_error(outcome: Outcome, charge: Option<&str>) -> Response {
    let message = match outcome {
        Outcome::InsufficientFunds => "The card has insufficient funds to complete the purchase.",
        Outcome::ExpiredCard => "The card has expired.",
        Outcome::IncorrectCvc => "The card's security code failed verification.",
        Outcome::ProcessingError => "An error occurred while processing the card.",
        Outcome::CardDeclined | Outcome::Approved => "The card was declined.",
    };
    error(402, "card_error", Some(outcome.as_str()), message, charge)
}

pub fn handle(sim: &Sim, req: &Request, sub: &str) -> Handled {
    let mut info = CallInfo::new(&operation(sub), req.idempotency_key());
    let key = http::basic_auth(req).map(|(user, _)| user);
    if key.as_deref() != Some(SECRET_KEY) {
        info.outcome = "unauthorized".into();
        let msg = if key.is_some() {
            "Provided API key is invalid."
        } else {
            "Missing API key: use HTTP Basic auth with the secret key as user name."
        };
        return Handled {
            response: error(401, "invalid_request", None, msg, None),
            info,
        };
    }
    if req.method == "GET" && sub.trim_end_matches('/') == "/charges" {
        let response = list_charges(sim, req, &mut info);
        return Handled { response, info };
    }
    if req.method == "GET" && sub.trim_end_matches('/') == "/customers" {
        let response = list_customers(sim, req, &mut info);
        return Handled { response, info };
    }
    // `/charges/{id}/capture`: the id is in the path.
    let capture = sub
        .trim_end_matches('/')
        .strip_prefix("/charges/")
        .and_then(|r| r.strip_suffix("/capture"))
        .filter(|id| !id.is_empty() && !id.contains('/') && req.method == "POST")
        .map(str::to_string);
    let endpoint: fn(&Sim, &Map<String, Value>, &mut CallInfo) -> Response =
        match (req.method.as_str(), sub.trim_end_matches('/')) {
            _ if capture.is_some() => charges,
            ("POST", "/refunds") => ops::refunds,
            ("POST", "/charges") => charges,
            ("POST", "/tokens") => tokens,
            ("POST", "/customers") => customers,
            _ => {
                info.outcome = "not_found".into();
                let msg = format!("Unrecognized request URL ({} {sub}).", req.method);
                return Handled {
                    response: error(404, "invalid_request", None, &msg, None),
                    info,
                };
            }
        };
    with_idempotency(
        sim,
        GW,
        req,
        info,
        || invalid("Idempotent key used for request with different parameters."),
        || {
            error(
                409,
                "invalid_request",
                None,
                "Another request with this idempotent key is in progress.",
                None,
            )
        },
        |info| match (serde_json::from_slice::<Value>(&req.body), &capture) {
            (Ok(Value::Object(body)), Some(id)) => ops::capture(sim, id, &body, info),
            (Ok(Value::Object(body)), None) => endpoint(sim, &body, info),
            // A capture may come with an empty body.
            (_, Some(id)) if req.body.is_empty() => ops::capture(sim, id, &Map::new(), info),
            _ => invalid("The request body must be a JSON object."),
        },
    )
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `CardRequest` fields (`number`, `expMonth`, `expYear`, `cvc`, `cardholderName`); `at` names
/// the object in messages ("card." or "").
fn card_input(obj: &Map<String, Value>, at: &str, info: &mut CallInfo) -> Result<Card, Response> {
    let required = |k: &str| {
        text(obj.get(k)).ok_or_else(|| invalid(&format!("Missing required parameter: {at}{k}.")))
    };
    let number = required("number")?;
    let Some(facts) = CardFacts::of(&number) else {
        info.outcome = "invalid_number".into();
        let msg = "The card number is not a valid credit card number.";
        return Err(error(402, "card_error", Some("invalid_number"), msg, None));
    };
    info.card_last4 = Some(facts.last4.clone());
    let exp_month = required("expMonth")?;
    let exp_year = required("expYear")?;
    if cards::month(&exp_month).is_none() {
        let msg = "The card's expiration month is invalid.";
        return Err(error(
            402,
            "card_error",
            Some("invalid_expiry_month"),
            msg,
            None,
        ));
    }
    if cards::year(&exp_year).is_none() {
        let msg = "The card's expiration year is invalid.";
        return Err(error(
            402,
            "card_error",
            Some("invalid_expiry_year"),
            msg,
            None,
        ));
    }
    if text(obj.get("cvc")).is_some_and(|c| !cards::cvc_ok(&c)) {
        let msg = "The card's security code is invalid.";
        return Err(error(402, "card_error", Some("invalid_cvc"), msg, None));
    }
    let cardholder = text(obj.get("cardholderName"));
    Ok(Card {
        facts,
        exp_month,
        exp_year,
        cardholder,
    })
}

/// Consumes a single-use token.
fn take_token(sim: &Sim, id: &str) -> Result<Card, Response> {
    let mut store = lock(&sim.shift4);
    let Some(token) = store.tokens.get_mut(id) else {
        return Err(invalid(&format!("Token '{id}' does not exist.")));
    };
    if token.used {
        return Err(invalid(&format!("Token '{id}' has already been used.")));
    }
    token.used = true;
    Ok(token.card.clone())
}

/// `Card.java`.
fn card_json(id: &str, card: &Card, customer: Option<&str>) -> Value {
    json!({
        "id": id, "created": unix_now(), "objectType": "card", "first6": card.facts.first6,
        "last4": card.facts.last4, "fingerprint": format!("{:016x}", card.facts.fingerprint),
        "expMonth": card.exp_month, "expYear": card.exp_year, "cardholderName": card.cardholder,
        "brand": card.facts.brand.shift4(), "type": "Credit Card", "customerId": customer,
    })
}

/// `POST /charges` → `Charge`, or 402 `card_error` with `chargeId`.
fn charges(sim: &Sim, body: &Map<String, Value>, info: &mut CallInfo) -> Response {
    if let Some(e) = unknown_field(body, CHARGE_FIELDS, "").or_else(|| metadata_error(body)) {
        return e;
    }
    if let Some(Value::Object(card)) = body.get("card") {
        if let Some(e) = unknown_field(card, CARD_FIELDS, "card.") {
            return e;
        }
    }
    let Some(amount) = body.get("amount") else {
        return invalid("Missing required parameter: amount.");
    };
    let Some(amount) = amount.as_u64() else {
        return invalid("Invalid parameter: amount must be a positive integer in minor units.");
    };
    if amount == 0 {
        return error(
            400,
            "invalid_request",
            Some("amount_too_low"),
            "Amount is too low.",
            None,
        );
    }
    let Some(currency) = body.get("currency").and_then(Value::as_str) else {
        return invalid("Missing required parameter: currency.");
    };
    if crate::currency::exponent(currency).is_none() {
        return invalid(&format!("Invalid currency: {currency}."));
    }
    let captured = match body.get("captured") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return invalid("Invalid parameter: captured must be a boolean."),
    };
    info.amount = Some(amount);
    info.reference = session_ref(body);
    let customer_id = body.get("customerId").and_then(Value::as_str);
    let (card_id, card) = match (body.get("card"), customer_id) {
        (Some(Value::Object(obj)), _) => match card_input(obj, "card.", info) {
            Ok(card) => (sim.id("card_", 24), card),
            Err(r) => return r,
        },
        (Some(Value::String(id)), _) if id.starts_with("tok_") => match take_token(sim, id) {
            Ok(card) => (sim.id("card_", 24), card),
            Err(r) => return r,
        },
        (card, Some(cus)) => {
            let store = lock(&sim.shift4);
            let Some(customer) = store.customers.get(cus) else {
                return invalid(&format!("Customer '{cus}' does not exist."));
            };
            let wanted = card.and_then(Value::as_str);
            let found = customer
                .cards
                .iter()
                .find(|(id, _)| wanted.is_none_or(|w| w == id));
            match found {
                Some((id, card)) => (id.clone(), card.clone()),
                None => {
                    return invalid(&format!("Card '{}' does not exist.", wanted.unwrap_or("")))
                }
            }
        }
        (Some(_), None) => {
            return invalid("Invalid parameter: card must be an object or a token id.")
        }
        (None, None) => return invalid("Missing required parameter: card."),
    };
    info.card_last4 = Some(card.facts.last4.clone());
    info.outcome = card.facts.outcome.as_str().into();
    let id = sim.id("char_", 24);
    let mut charge = json!({
        "id": id, "created": unix_now(), "objectType": "charge", "amount": amount,
        "amountRefunded": 0, "currency": currency, "description": body.get("description"),
        "card": card_json(&card_id, &card, customer_id), "customerId": customer_id,
        "captured": captured, "refunded": false, "disputed": false, "status": "successful",
        "metadata": body.get("metadata").cloned().unwrap_or(json!({})),
    });
    let money = money(body, &id, amount, currency);
    if card.facts.outcome != Outcome::Approved {
        charge["status"] = "failed".into();
        charge["captured"] = false.into();
        charge["failureCode"] = card.facts.outcome.as_str().into();
        lock(&sim.shift4).charges.push(charge);
        sim.ledger_decline(GW, "charges", card.facts.outcome.as_str(), money);
        return card_error(card.facts.outcome, Some(&id));
    }
    info.object_id = Some(id.clone());
    lock(&sim.shift4).charges.push(charge.clone());
    let movement = if captured {
        Movement::Captured
    } else {
        Movement::Authorized
    };
    sim.ledger_move(GW, "charges", movement, money);
    Response::json(200, &charge)
}

/// `GET /charges` (shift4-java `ChargeListRequest`: `limit`, `startingAfterId`,
/// `endingBeforeId`, `includeTotalCount`, `customerId`, `created` as `CreatedFilter`
/// `created[gt|gte|lt|lte]` in unix seconds) → `ListResponse` `{"list", "hasMore",
/// "totalCount"?}`, newest first.
fn list_charges(sim: &Sim, req: &Request, info: &mut CallInfo) -> Response {
    let known = [
        "limit",
        "startingAfterId",
        "endingBeforeId",
        "includeTotalCount",
        "customerId",
        "created[gt]",
        "created[gte]",
        "created[lt]",
        "created[lte]",
    ];
    let pairs = req.query_pairs();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        info.outcome = "invalid_request".into();
        return invalid(&format!("Unknown parameter: {k}."));
    }
    let number = |k: &str| -> Result<Option<u64>, Response> {
        match pairs.iter().find(|(n, _)| n == k) {
            None => Ok(None),
            Some((_, v)) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| invalid(&format!("Invalid parameter: {k} must be an integer."))),
        }
    };
    let text = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let parsed = (|| {
        Ok::<_, Response>((
            number("limit")?.unwrap_or(10),
            number("created[gt]")?,
            number("created[gte]")?,
            number("created[lt]")?,
            number("created[lte]")?,
        ))
    })();
    let (limit, gt, gte, lt, lte) = match parsed {
        Ok(p) => p,
        Err(e) => {
            info.outcome = "invalid_request".into();
            return e;
        }
    };
    if !(1..=100).contains(&limit) {
        info.outcome = "invalid_request".into();
        return invalid("Invalid parameter: limit must be between 1 and 100.");
    }
    let store = lock(&sim.shift4);
    let mut list: Vec<&Value> = store
        .charges
        .iter()
        .rev()
        .filter(|c| {
            let created = c["created"].as_u64().unwrap_or(0);
            gt.is_none_or(|t| created > t)
                && gte.is_none_or(|t| created >= t)
                && lt.is_none_or(|t| created < t)
                && lte.is_none_or(|t| created <= t)
                && text("customerId").is_none_or(|cus| c["customerId"] == cus)
        })
        .collect();
    if let Some(after) = text("startingAfterId") {
        match list.iter().position(|c| c["id"] == after) {
            Some(i) => list.drain(..=i).for_each(drop),
            None => list.clear(),
        }
    }
    if let Some(before) = text("endingBeforeId") {
        if let Some(i) = list.iter().position(|c| c["id"] == before) {
            list.truncate(i);
        }
    }
    let total = list.len();
    let page: Vec<Value> = list.into_iter().take(limit as usize).cloned().collect();
    info.outcome = if page.is_empty() {
        "not_found"
    } else {
        "found"
    }
    .into();
    info.object_id = page
        .first()
        .and_then(|c| c["id"].as_str())
        .map(str::to_string);
    let mut out = json!({"list": page, "hasMore": total > limit as usize});
    if text("includeTotalCount") == Some("true") {
        out["totalCount"] = total.into();
    }
    Response::json(200, &out)
}

/// `POST /tokens` → `Token` (single use).
fn tokens(sim: &Sim, body: &Map<String, Value>, info: &mut CallInfo) -> Response {
    if let Some(e) = unknown_field(body, CARD_FIELDS, "") {
        return e;
    }
    let card = match card_input(body, "", info) {
        Ok(card) => card,
        Err(r) => return r,
    };
    let id = sim.id("tok_", 24);
    let mut token = card_json(&id, &card, None);
    if let Some(t) = token.as_object_mut() {
        t.insert("objectType".into(), "token".into());
        t.insert("used".into(), false.into());
        t.remove("customerId");
        t.remove("type");
    }
    lock(&sim.shift4)
        .tokens
        .insert(id, Token { card, used: false });
    info.outcome = "created".into();
    Response::json(200, &token)
}

/// `POST /customers` → `Customer`; a card (token id or object) is verified: declining cards
/// answer the 402 `card_error` and no customer is created.
fn customers(sim: &Sim, body: &Map<String, Value>, info: &mut CallInfo) -> Response {
    if let Some(e) = unknown_field(body, CUSTOMER_FIELDS, "").or_else(|| metadata_error(body)) {
        return e;
    }
    if let Some(Value::Object(card)) = body.get("card") {
        if let Some(e) = unknown_field(card, CARD_FIELDS, "card.") {
            return e;
        }
    }
    // `CustomerRequest(String email)`: a customer is created with an email.
    match body.get("email") {
        Some(Value::String(e)) if !e.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return invalid("Missing required parameter: email.")
        }
        Some(_) => return invalid("Invalid parameter: email must be a string."),
    }
    let card = match body.get("card") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => match take_token(sim, id) {
            Ok(card) => Some(card),
            Err(r) => return r,
        },
        Some(Value::Object(obj)) => match card_input(obj, "card.", info) {
            Ok(card) => Some(card),
            Err(r) => return r,
        },
        Some(_) => return invalid("Invalid parameter: card must be an object or a token id."),
    };
    info.outcome = "created".into();
    info.reference = session_ref(body);
    let id = sim.id("cus_", 24);
    let mut cards_json = Vec::new();
    let mut cards = Vec::new();
    if let Some(card) = card {
        info.card_last4 = Some(card.facts.last4.clone());
        info.outcome = card.facts.outcome.as_str().into();
        if card.facts.outcome != Outcome::Approved {
            let money = money(body, "", 0, "");
            sim.ledger_decline(GW, "customers", card.facts.outcome.as_str(), money);
            return card_error(card.facts.outcome, None);
        }
        sim.ledger_move(GW, "customers", Movement::Vaulted, money(body, &id, 0, ""));
        let card_id = sim.id("card_", 24);
        cards_json.push(card_json(&card_id, &card, Some(&id)));
        cards.push((card_id, card));
    }
    let default_card = cards.first().map(|(c, _)| c.clone());
    info.object_id = Some(id.clone());
    let customer = json!({
        "id": id, "created": unix_now(), "objectType": "customer", "deleted": false,
        "email": body.get("email"), "description": body.get("description"),
        "defaultCardId": default_card, "cards": cards_json,
        "metadata": body.get("metadata").cloned().unwrap_or(json!({})),
    });
    let mut store = lock(&sim.shift4);
    store.customers.insert(id.clone(), Customer { cards });
    store.customer_objects.push(customer.clone());
    Response::json(200, &customer)
}

/// `GET /customers` (shift4-java `CustomerListRequest`: limit, email, deleted, created filter,
/// cursors) → `{list, hasMore}`, newest first. Only `limit` and `email` are simulated; other
/// known parameters are accepted and ignored, unknown ones are 400.
fn list_customers(sim: &Sim, req: &Request, info: &mut CallInfo) -> Response {
    let known = [
        "limit",
        "startingAfterId",
        "endingBeforeId",
        "includeTotalCount",
        "deleted",
        "email",
        "created[gt]",
        "created[gte]",
        "created[lt]",
        "created[lte]",
    ];
    let pairs = req.query_pairs();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        info.outcome = "invalid_request".into();
        return invalid(&format!("Unknown parameter: {k}."));
    }
    let text = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let limit = match text("limit").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => {
            info.outcome = "invalid_request".into();
            return invalid("Invalid parameter: limit must be between 1 and 100.");
        }
    };
    let store = lock(&sim.shift4);
    let matching: Vec<Value> = store
        .customer_objects
        .iter()
        .rev()
        .filter(|c| text("email").is_none_or(|e| c["email"].as_str() == Some(e)))
        .cloned()
        .collect();
    let has_more = matching.len() > limit;
    let page: Vec<Value> = matching.into_iter().take(limit).collect();
    info.outcome = if page.is_empty() {
        "not_found"
    } else {
        "found"
    }
    .into();
    info.object_id = page
        .first()
        .and_then(|c| c["id"].as_str())
        .map(str::to_string);
    Response::json(200, &json!({"list": page, "hasMore": has_more}))
}

#[cfg(test)]
mod tests;
