use super::*;
use serde_json::Value;

const PM_BODY: &str = "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123&billing_details[name]=Jane+Doe&billing_details[address][postal_code]=94107";

fn call_as(
    sim: &Sim,
    auth: &str,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> (u16, Value, CallInfo) {
    let mut headers = vec![
        ("Authorization", auth),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    let req = Request::new("POST", &format!("/stripe{path}"), &headers, body);
    let h = handle(sim, &req, path);
    let json = h.response.json_body().unwrap_or(Value::Null);
    (h.response.status, json, h.info)
}

fn call(sim: &Sim, path: &str, key: Option<&str>, body: &str) -> (u16, Value, CallInfo) {
    call_as(sim, "Bearer sk_test_maven_sim", path, key, body)
}

fn payment_method(sim: &Sim, number: &str, key: &str) -> String {
    let body = PM_BODY.replace("4242424242424242", number);
    let (status, pm, info) = call(sim, "/v1/payment_methods", Some(key), &body);
    assert_eq!(status, 200, "{pm}");
    assert_eq!(info.outcome, "created");
    pm["id"].as_str().expect("pm id").to_string()
}

fn intent_body(pm: &str, capture: &str) -> String {
    format!("amount=1234&currency=usd&confirm=true&payment_method_types[]=card&error_on_requires_action=true&payment_method={pm}&capture_method={capture}&description=Order+1&metadata[session_id]=S")
}

#[test]
fn payment_method_then_intent_approves() {
    let sim = Sim::new();
    let (status, pm, info) = call(&sim, "/v1/payment_methods", Some("mvn-S-1-pm"), PM_BODY);
    assert_eq!(status, 200);
    assert!(pm["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("pm_") && id.len() == 27));
    assert_eq!(pm["object"], "payment_method");
    assert_eq!(
        pm["card"],
        json!({"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
        "funding": "credit", "country": "US", "checks": pm["card"]["checks"]})
    );
    assert_eq!(pm["billing_details"]["name"], "Jane Doe");
    assert_eq!(info.card_last4.as_deref(), Some("4242"));
    assert!(!pm.to_string().contains("4242424242424242"));

    let pm_id = pm["id"].as_str().unwrap_or_default();
    let (status, pi, info) = call(
        &sim,
        "/v1/payment_intents",
        Some("mvn-S-1-pi"),
        &intent_body(pm_id, "automatic"),
    );
    assert_eq!(status, 200, "{pi}");
    assert_eq!(pi["object"], "payment_intent");
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(
        (pi["amount"].as_u64(), pi["currency"].as_str()),
        (Some(1234), Some("usd"))
    );
    assert_eq!(pi["payment_method"], pm_id);
    assert!(pi["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("pi_") && id.len() == 27));
    assert!(pi["latest_charge"]
        .as_str()
        .is_some_and(|id| id.starts_with("ch_")));
    assert_eq!(pi["metadata"]["session_id"], "S");
    assert_eq!(
        (info.outcome.as_str(), info.amount),
        ("approved", Some(1234))
    );
    assert_eq!(info.card_last4.as_deref(), Some("4242"));
    assert_eq!(info.object_id.as_deref(), pi["id"].as_str());
    assert_eq!(info.reference.as_deref(), Some("S"));
}

#[test]
fn manual_capture_answers_requires_capture() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "5555555555554444", "k-pm");
    let (status, pi, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("k-pi"),
        &intent_body(&pm, "manual"),
    );
    assert_eq!(status, 200);
    assert_eq!(pi["status"], "requires_capture");
    assert_eq!(pi["amount_capturable"], 1234);
}

#[test]
fn each_decline_has_stripes_codes() {
    let cases = [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000000069", "expired_card", "expired_card"),
        ("4000000000000127", "incorrect_cvc", "incorrect_cvc"),
        ("4000000000000119", "processing_error", "processing_error"),
    ];
    let sim = Sim::new();
    for (i, (number, code, decline)) in cases.into_iter().enumerate() {
        let pm = payment_method(&sim, number, &format!("pm-{i}"));
        let (status, body, info) = call(
            &sim,
            "/v1/payment_intents",
            Some(&format!("pi-{i}")),
            &intent_body(&pm, "automatic"),
        );
        assert_eq!(status, 402, "{number}");
        let e = &body["error"];
        assert_eq!(
            (e["type"].as_str(), e["code"].as_str()),
            (Some("card_error"), Some(code))
        );
        assert_eq!(e["decline_code"], decline);
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(e["payment_intent"]["status"], "requires_payment_method");
        assert!(e["payment_intent"]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("pi_")));
        assert_ne!(info.outcome, "approved");
    }
}

#[test]
fn idempotent_replay_and_different_body() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let body = intent_body(&pm, "automatic");
    let (s1, first, i1) = call(&sim, "/v1/payment_intents", Some("mvn-S-1-pi"), &body);
    let (s2, again, i2) = call(&sim, "/v1/payment_intents", Some("mvn-S-1-pi"), &body);
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first, again, "the first answer is replayed");
    assert!(!i1.replayed && i2.replayed);
    assert_eq!(i2.outcome, "approved");

    let (status, err, info) = call(
        &sim,
        "/v1/payment_intents",
        Some("mvn-S-1-pi"),
        &body.replace("1234", "999"),
    );
    assert_eq!(status, 400);
    assert_eq!(err["error"]["type"], "idempotency_error");
    assert_eq!(info.outcome, "idempotency_error");

    // A decline is replayed too (the endpoint ran).
    let pm = payment_method(&sim, "4000000000000002", "k-pm2");
    let body = intent_body(&pm, "automatic");
    let (s1, d1, _) = call(&sim, "/v1/payment_intents", Some("k-d"), &body);
    let (s2, d2, i2) = call(&sim, "/v1/payment_intents", Some("k-d"), &body);
    assert_eq!((s1, s2), (402, 402));
    assert_eq!(d1, d2);
    assert!(i2.replayed);
}

#[test]
fn a_payment_method_is_single_use_without_customer() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let (s1, _, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("a"),
        &intent_body(&pm, "automatic"),
    );
    let (s2, err, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("b"),
        &intent_body(&pm, "automatic"),
    );
    assert_eq!((s1, s2), (200, 400));
    assert_eq!(err["error"]["code"], "payment_method_unexpected_state");
}

#[test]
fn bad_or_missing_key_is_401() {
    let sim = Sim::new();
    let (status, body, info) = call_as(
        &sim,
        "Bearer sk_test_wrong_key",
        "/v1/payment_methods",
        None,
        PM_BODY,
    );
    assert_eq!(status, 401);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Invalid API Key provided")));
    assert_eq!(info.outcome, "unauthorized");
    // Basic `sk:` is accepted like Bearer.
    let basic = format!(
        "Basic {}",
        crate::codec::base64_encode(b"sk_test_maven_sim:")
    );
    let (status, _, _) = call_as(&sim, &basic, "/v1/payment_methods", None, PM_BODY);
    assert_eq!(status, 200);
    let req = Request::new("POST", "/stripe/v1/customers", &[], "");
    assert_eq!(handle(&sim, &req, "/v1/customers").response.status, 401);
}

#[test]
fn missing_and_unknown_params_are_400() {
    let sim = Sim::new();
    let (status, body, _) = call(
        &sim,
        "/v1/payment_methods",
        None,
        "type=card&card[exp_month]=12&card[exp_year]=2030",
    );
    assert_eq!(status, 400);
    let e = &body["error"];
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("invalid_request_error"), Some("parameter_missing"))
    );
    assert_eq!(e["param"], "card[number]");
    assert_eq!(e["message"], "Missing required param: card[number].");

    let (status, body, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("x"),
        "currency=usd&confirm=true",
    );
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("amount"))
    );
    // A validation error is not stored under the key: the corrected request goes through.
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let (status, _, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("x"),
        &intent_body(&pm, "automatic"),
    );
    assert_eq!(status, 200);

    let (status, body, _) = call(
        &sim,
        "/v1/payment_intents",
        None,
        "amount=1&currency=usd&card[number]=4242424242424242",
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("parameter_unknown"))
    );

    let (status, body, _) = call(
        &sim,
        "/v1/payment_intents",
        None,
        "amount=100&currency=usd&confirm=true&payment_method=pm_nope",
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("resource_missing"))
    );

    let (status, body, info) = call(
        &sim,
        "/v1/payment_methods",
        None,
        &PM_BODY.replace("4242424242424242", "4242424242424241"),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (402, Some("incorrect_number"))
    );
    assert_eq!(info.outcome, "invalid_number");
}

#[test]
fn customers_vault_or_decline() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let body = format!("payment_method={pm}&description=Order+1&metadata[session_id]=S");
    let (status, cus, info) = call(&sim, "/v1/customers", Some("mvn-S-1-cus"), &body);
    assert_eq!(status, 200, "{cus}");
    assert_eq!(cus["object"], "customer");
    assert!(cus["id"].as_str().is_some_and(|id| id.starts_with("cus_")));
    assert_eq!(
        (info.outcome.as_str(), info.card_last4.as_deref()),
        ("approved", Some("4242"))
    );
    // Attached: the payment method can now be charged repeatedly.
    for key in ["a", "b"] {
        let (status, _, _) = call(
            &sim,
            "/v1/payment_intents",
            Some(key),
            &intent_body(&pm, "automatic"),
        );
        assert_eq!(status, 200);
    }

    let pm = payment_method(&sim, "4000000000009995", "k-pm2");
    let (status, err, info) = call(
        &sim,
        "/v1/customers",
        Some("k-cus2"),
        &format!("payment_method={pm}"),
    );
    assert_eq!(status, 402);
    assert_eq!(err["error"]["decline_code"], "insufficient_funds");
    assert_eq!(info.outcome, "insufficient_funds");
}

#[test]
fn unknown_route_is_404() {
    let sim = Sim::new();
    let (status, body, _) = call(&sim, "/v1/charges", None, "");
    assert_eq!(status, 404);
    assert_eq!(body["error"]["type"], "invalid_request_error");
}
