//! Braintree under `/braintree`: `POST /graphql` (WIRE.md §Braintree). Basic `public:private`,
//! `Braintree-Version` required, always HTTP 200 except bad keys (401). Dispatches on the first
//! top-level field of the operation, arguments from `input` (variables or inline). Payloads
//! follow `schema.graphql`: `TokenizeCreditCardPayload`, `TransactionPayload`,
//! `VaultPaymentMethodPayload`, `Search.transactions` (`TransactionConnection`).

mod graphql;
mod ops;
mod payload;
mod schema;

pub use ops::settle;

use crate::cards::{self, CardFacts, Outcome};
use crate::currency;
use crate::http::{self, Request, Response};
use crate::ledger::{split_reference, Money, Movement};
use crate::state::{lock, CallInfo, Handled, Sim};
use graphql::Field;
use payload::{
    answer, field_error, global_id, gql_error, input, payment_method_json, processor_response,
    str_of, transaction_json,
};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const PUBLIC_KEY: &str = "maven_sim_public";
pub const PRIVATE_KEY: &str = "maven_sim_private";
const GW: &str = "braintree";

/// The simulated merchant's accounts, one currency each (WIRE.md): the default account (no
/// `merchantAccountId`) settles in USD.
pub const MERCHANT_ACCOUNTS: &[(&str, &str)] = &[
    ("maven_usd", "USD"),
    ("maven_eur", "EUR"),
    ("maven_gbp", "GBP"),
    ("maven_jpy", "JPY"),
    ("maven_kwd", "KWD"),
    ("maven_bhd", "BHD"),
];
pub const DEFAULT_ACCOUNT: (&str, &str) = ("maven_default", "USD");

struct PaymentMethod {
    card: CardFacts,
    exp_month: String,
    exp_year: String,
    cardholder: Option<String>,
    multi_use: bool,
    used: bool,
}

#[derive(Default)]
pub struct Store {
    payment_methods: HashMap<String, PaymentMethod>,
    /// `Transaction` objects as answered, in creation order.
    transactions: Vec<Value>,
    /// Minor units refunded so far, by transaction id.
    refunded: HashMap<String, u64>,
}

struct Body {
    query: String,
    variables: Value,
    operation_name: Option<String>,
}

fn body(req: &Request) -> Option<Body> {
    let v: Value = serde_json::from_slice(&req.body).ok()?;
    Some(Body {
        query: v.get("query")?.as_str()?.to_string(),
        variables: v.get("variables").cloned().unwrap_or(Value::Null),
        operation_name: v
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn first_field(req: &Request) -> Result<(String, Field), String> {
    let b = body(req).ok_or("The request body must be JSON with a \"query\" string.")?;
    let op = graphql::parse(&b.query, &b.variables, b.operation_name.as_deref())?;
    let field = op
        .fields
        .into_iter()
        .next()
        .ok_or("The operation selects no field.")?;
    Ok((op.kind, field))
}

/// The top-level field name (e.g. `chargeCreditCard`) for the call log.
pub fn operation(req: &Request) -> String {
    first_field(req)
        .map(|(_, f)| f.name)
        .unwrap_or_else(|_| "unknown".to_string())
}

pub fn handle(sim: &Sim, req: &Request, sub: &str) -> Handled {
    let mut info = CallInfo::new(&operation(req), None);
    if req.method != "POST" || sub != "/graphql" {
        info.outcome = "not_found".into();
        let body = json!({"errors": [{"message": "The simulator serves POST /graphql only."}]});
        return Handled {
            response: Response::json(404, &body),
            info,
        };
    }
    let authorized = http::basic_auth(req)
        .is_some_and(|(public, private)| public == PUBLIC_KEY && private == PRIVATE_KEY);
    if !authorized {
        info.outcome = "unauthorized".into();
        let body = json!({"errors": [{"message": "Authentication failed: check the public and private keys.",
            "extensions": {"errorClass": "AUTHENTICATION"}}]});
        return Handled {
            response: Response::json(401, &body),
            info,
        };
    }
    if req
        .header("braintree-version")
        .is_none_or(|v| v.trim().is_empty())
    {
        let e = gql_error(
            "The Braintree-Version header is required (e.g. 2019-01-01).",
            None,
            None,
            &[],
        );
        return Handled {
            response: answer(sim, None, vec![e]),
            info,
        };
    }
    let (kind, field) = match first_field(req) {
        Ok(f) => f,
        Err(msg) => {
            let response = answer(sim, None, vec![gql_error(&msg, None, None, &[])]);
            return Handled { response, info };
        }
    };
    let response = match (kind.as_str(), field.name.as_str()) {
        ("mutation", "tokenizeCreditCard") => tokenize(sim, &field, &mut info),
        ("mutation", "chargeCreditCard") => transact(sim, &field, true, &mut info),
        ("mutation", "authorizeCreditCard") => transact(sim, &field, false, &mut info),
        ("mutation", "vaultPaymentMethod") => vault(sim, &field, &mut info),
        ("mutation", "captureTransaction") => ops::capture(sim, &field, &mut info),
        ("mutation", "reverseTransaction") => ops::reverse(sim, &field, &mut info),
        ("mutation", "refundTransaction") => ops::refund(sim, &field, &mut info),
        ("query", "search") => search(sim, &field, &mut info),
        ("query", "ping") => {
            info.outcome = "ok".into();
            answer(sim, Some(json!({ field.key.clone(): "pong" })), vec![])
        }
        (kind, name) => {
            let ty = if kind == "mutation" {
                "Mutation"
            } else {
                "Query"
            };
            let msg = format!("Cannot query field \"{name}\" on type \"{ty}\" (the simulator implements tokenizeCreditCard, chargeCreditCard, authorizeCreditCard, vaultPaymentMethod, captureTransaction, reverseTransaction, refundTransaction, search, ping).");
            answer(sim, None, vec![gql_error(&msg, None, None, &[])])
        }
    };
    Handled { response, info }
}

/// `tokenizeCreditCard` → `TokenizeCreditCardPayload` with a single-use payment method.
fn tokenize(sim: &Sim, f: &Field, info: &mut CallInfo) -> Response {
    let input = match input(sim, f, "TokenizeCreditCardInput") {
        Ok(i) => i,
        Err(r) => return r,
    };
    let cc = input.get("creditCard");
    let path = |k: &'static str| ["input", "creditCard", k];
    let Some(number) = str_of(cc, "number") else {
        return field_error(
            sim,
            f,
            "Credit card number is required.",
            Some("81714"),
            &path("number"),
        );
    };
    let Some(card) = CardFacts::of(number) else {
        info.outcome = "invalid_number".into();
        return field_error(
            sim,
            f,
            "Credit card number is invalid.",
            Some("81715"),
            &path("number"),
        );
    };
    info.card_last4 = Some(card.last4.clone());
    let (Some(month), Some(year)) = (str_of(cc, "expirationMonth"), str_of(cc, "expirationYear"))
    else {
        return field_error(
            sim,
            f,
            "Expiration date is required.",
            Some("81709"),
            &path("expirationMonth"),
        );
    };
    if cards::month(month).is_none() {
        return field_error(
            sim,
            f,
            "Expiration month is invalid.",
            Some("81712"),
            &path("expirationMonth"),
        );
    }
    if cards::year(year).is_none() {
        return field_error(
            sim,
            f,
            "Expiration year is invalid.",
            Some("81713"),
            &path("expirationYear"),
        );
    }
    if str_of(cc, "cvv").is_some_and(|c| !cards::cvc_ok(c)) {
        let msg = "CVV must be 4 digits for American Express and 3 digits for other card types.";
        return field_error(sim, f, msg, Some("81707"), &path("cvv"));
    }
    let id = format!(
        "tokencc_{}_{}_{}_{}",
        sim.lower_id(2),
        sim.lower_id(6),
        sim.lower_id(6),
        sim.lower_id(6)
    );
    let pm = PaymentMethod {
        card,
        exp_month: month.to_string(),
        exp_year: year.to_string(),
        cardholder: str_of(cc, "cardholderName").map(str::to_string),
        multi_use: false,
        used: false,
    };
    let payload = json!({
        "clientMutationId": input.get("clientMutationId"),
        "paymentMethod": payment_method_json(&id, &pm),
    });
    lock(&sim.braintree).payment_methods.insert(id, pm);
    info.outcome = "created".into();
    answer(sim, Some(json!({ f.key.clone(): payload })), vec![])
}

/// Takes `paymentMethodId` for use: single-use ids are consumed (even by a decline).
fn take(sim: &Sim, f: &Field, id: Option<&str>) -> Result<(CardFacts, bool), Response> {
    let Some(id) = id else {
        let msg = "Field 'paymentMethodId' of required type 'ID!' was not provided.";
        return Err(answer(sim, None, vec![gql_error(msg, None, None, &[])]));
    };
    let input = ["input", "paymentMethodId"];
    let mut store = lock(&sim.braintree);
    let Some(pm) = store.payment_methods.get_mut(id) else {
        return Err(field_error(
            sim,
            f,
            "Unknown or expired payment method ID.",
            Some("91565"),
            &input,
        ));
    };
    if pm.used {
        let msg = "Cannot use a single-use payment method more than once.";
        return Err(field_error(sim, f, msg, Some("93107"), &input));
    }
    if !pm.multi_use {
        pm.used = true;
    }
    Ok((pm.card.clone(), pm.multi_use))
}

/// `chargeCreditCard` / `authorizeCreditCard` → `TransactionPayload`.
fn transact(sim: &Sim, f: &Field, capture: bool, info: &mut CallInfo) -> Response {
    let ty = if capture {
        "ChargeCreditCardInput"
    } else {
        "AuthorizeCreditCardInput"
    };
    let input = match input(sim, f, ty) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let tx = input.get("transaction");
    let amount_path = ["input", "transaction", "amount"];
    // Types were checked: transaction and amount are present.
    let amount_text = match tx.and_then(|t| t.get("amount")) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let requested = str_of(tx, "merchantAccountId");
    let (account, currency) = match requested {
        None => DEFAULT_ACCOUNT,
        Some(id) => match MERCHANT_ACCOUNTS.iter().find(|(a, _)| *a == id) {
            Some(found) => *found,
            None => {
                let path = ["input", "transaction", "merchantAccountId"];
                return field_error(
                    sim,
                    f,
                    "Merchant account ID is invalid.",
                    Some("91577"),
                    &path,
                );
            }
        },
    };
    // The amount must have exactly the decimals of the account's currency.
    let exp = currency::exponent(currency).unwrap_or(2);
    let Some(minor) = currency::exact_minor(&amount_text, exp) else {
        return field_error(
            sim,
            f,
            "Amount is an invalid format.",
            Some("81503"),
            &amount_path,
        );
    };
    if minor == 0 {
        return field_error(
            sim,
            f,
            "Amount must be greater than zero.",
            Some("81531"),
            &amount_path,
        );
    }
    info.amount = Some(minor);
    let pm_id = input.get("paymentMethodId").and_then(Value::as_str);
    let (card, _) = match take(sim, f, pm_id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    info.card_last4 = Some(card.last4.clone());
    info.outcome = card.outcome.as_str().into();
    let order_id = str_of(tx, "orderId");
    info.reference = order_id.map(str::to_string);
    let legacy = sim.lower_id(8);
    let transaction = transaction_json(
        &legacy,
        capture,
        &card,
        &currency::minor_decimal(minor, exp),
        currency,
        order_id,
        account,
    );
    let id = transaction["id"].as_str().unwrap_or("").to_string();
    let (reference, attempt) = order_id.map_or((None, None), |o| {
        let (r, a) = split_reference(o);
        (Some(r), a)
    });
    let money = Money {
        object_id: id.clone(),
        reference,
        attempt,
        amount: minor,
        currency: currency.to_ascii_lowercase(),
    };
    let op = if capture {
        "chargeCreditCard"
    } else {
        "authorizeCreditCard"
    };
    if card.outcome == Outcome::Approved {
        info.object_id = Some(id);
        let movement = if capture {
            Movement::Captured
        } else {
            Movement::Authorized
        };
        sim.ledger_move(GW, op, movement, money);
    } else {
        sim.ledger_decline(GW, op, card.outcome.as_str(), money);
    }
    lock(&sim.braintree).transactions.push(transaction.clone());
    let payload =
        json!({"clientMutationId": input.get("clientMutationId"), "transaction": transaction});
    answer(sim, Some(json!({ f.key.clone(): payload })), vec![])
}

/// `vaultPaymentMethod` → `VaultPaymentMethodPayload` (verifies the card first).
fn vault(sim: &Sim, f: &Field, info: &mut CallInfo) -> Response {
    let input = match input(sim, f, "VaultPaymentMethodInput") {
        Ok(i) => i,
        Err(r) => return r,
    };
    let id = input.get("paymentMethodId").and_then(Value::as_str);
    let (card, multi_use) = match take(sim, f, id) {
        Ok(c) => c,
        Err(r) => return r,
    };
    info.card_last4 = Some(card.last4.clone());
    if multi_use {
        let msg = "Payment method is already vaulted.";
        return field_error(sim, f, msg, Some("93108"), &["input", "paymentMethodId"]);
    }
    info.outcome = card.outcome.as_str().into();
    let (code, message) = processor_response(card.outcome);
    let status = match card.outcome {
        Outcome::Approved => "VERIFIED",
        Outcome::ProcessingError => "FAILED",
        _ => "PROCESSOR_DECLINED",
    };
    let legacy = sim.lower_id(8);
    let verification = json!({
        "id": global_id("verification", &legacy), "legacyId": legacy, "status": status,
        "processorResponse": {"legacyCode": code, "message": message},
    });
    if card.outcome != Outcome::Approved {
        let payload = json!({"clientMutationId": input.get("clientMutationId"), "paymentMethod": null, "verification": verification});
        let e = gql_error(
            "Payment method failed verification.",
            Some(&f.key),
            None,
            &["input", "paymentMethodId"],
        );
        return answer(sim, Some(json!({ f.key.clone(): payload })), vec![e]);
    }
    let pm = {
        let mut store = lock(&sim.braintree);
        let Some(single) = id.and_then(|id| store.payment_methods.get(id)) else {
            return field_error(
                sim,
                f,
                "Unknown or expired payment method ID.",
                Some("91565"),
                &["input", "paymentMethodId"],
            );
        };
        let pm = PaymentMethod {
            card: single.card.clone(),
            exp_month: single.exp_month.clone(),
            exp_year: single.exp_year.clone(),
            cardholder: single.cardholder.clone(),
            multi_use: true,
            used: false,
        };
        let vaulted_id = global_id("paymentmethod_cc", &sim.lower_id(7));
        let json = payment_method_json(&vaulted_id, &pm);
        store.payment_methods.insert(vaulted_id, pm);
        json
    };
    info.object_id = verification["id"].as_str().map(str::to_string);
    let money = Money {
        object_id: info.object_id.clone().unwrap_or_default(),
        reference: None,
        attempt: None,
        amount: 0,
        currency: String::new(),
    };
    sim.ledger_move(GW, "vaultPaymentMethod", Movement::Vaulted, money);
    let payload = json!({"clientMutationId": input.get("clientMutationId"), "paymentMethod": pm, "verification": verification});
    answer(sim, Some(json!({ f.key.clone(): payload })), vec![])
}

/// `search { transactions(input: {orderId: {is | in}}) { edges { node } } }`.
fn search(sim: &Sim, f: &Field, info: &mut CallInfo) -> Response {
    let Some(sub) = f.fields.iter().find(|s| s.name == "transactions") else {
        let msg = "The simulator's search implements transactions only.";
        return answer(sim, None, vec![gql_error(msg, None, None, &[])]);
    };
    let search_input = sub.args.get("input").unwrap_or(&Value::Null);
    if let Err(msg) = schema::check("TransactionSearchInput!", search_input, "input") {
        return answer(sim, None, vec![gql_error(&msg, None, None, &[])]);
    }
    if let Some(first) = sub.args.get("first") {
        if let Err(msg) = schema::check("Int", first, "first") {
            return answer(sim, None, vec![gql_error(&msg, None, None, &[])]);
        }
    }
    let order = search_input.get("orderId");
    let wanted: Vec<&str> = match order {
        Some(o) => match (o.get("is"), o.get("in")) {
            (Some(Value::String(s)), _) => vec![s.as_str()],
            (_, Some(Value::Array(list))) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    // `id: {is}` (SearchValueInput) finds one transaction by its id.
    let by_id = search_input
        .get("id")
        .and_then(|i| i.get("is"))
        .and_then(Value::as_str);
    let edges: Vec<Value> = lock(&sim.braintree)
        .transactions
        .iter()
        .filter(|t| {
            wanted.iter().any(|w| t["orderId"].as_str() == Some(w))
                || by_id.is_some_and(|id| t["id"].as_str() == Some(id))
        })
        .map(|t| json!({"node": t}))
        .collect();
    info.outcome = if edges.is_empty() {
        "not_found"
    } else {
        "found"
    }
    .into();
    info.reference = wanted.first().map(|w| w.to_string());
    info.object_id = edges
        .first()
        .and_then(|e| e["node"]["id"].as_str())
        .map(str::to_string);
    let connection = json!({"pageInfo": {"hasNextPage": false}, "edges": edges});
    let data = json!({ f.key.clone(): { sub.key.clone(): connection } });
    answer(sim, Some(data), vec![])
}

#[cfg(test)]
mod tests;
