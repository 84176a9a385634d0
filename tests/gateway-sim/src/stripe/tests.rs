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

#[test]
fn unknown_nested_params_and_metadata_limits_are_400() {
    let sim = Sim::new();
    for extra in [
        "&billing_details[address][zip]=94107",
        "&billing_details[nickname]=J",
        "&metadata[a][b]=c",
        "&card[postal_code]=94107",
    ] {
        let (status, body, _) = call(
            &sim,
            "/v1/payment_methods",
            None,
            &format!("{PM_BODY}{extra}"),
        );
        assert_eq!(status, 400, "{extra}");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], "parameter_unknown", "{extra}");
    }
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let long_key = format!(
        "{}&metadata[{}]=x",
        intent_body(&pm, "automatic"),
        "k".repeat(41)
    );
    let long_value = format!(
        "{}&metadata[note]={}",
        intent_body(&pm, "automatic"),
        "v".repeat(501)
    );
    let many: String = (0..50).map(|i| format!("&metadata[k{i}]=v")).collect();
    let too_many = format!("{}{many}", intent_body(&pm, "automatic"));
    for body in [long_key, long_value, too_many] {
        let (status, e, _) = call(&sim, "/v1/payment_intents", None, &body);
        assert_eq!(
            (status, e["error"]["type"].as_str()),
            (400, Some("invalid_request_error"))
        );
    }
    // 40-character keys, 500-character values and 50 keys are fine (session_id is one).
    let many: String = (0..49).map(|i| format!("&metadata[k{i}]=v")).collect();
    let body = format!(
        "{}&metadata[{}]={}{many}",
        intent_body(&pm, "automatic"),
        "k".repeat(40),
        "v".repeat(500)
    );
    let body = body.replace("&metadata[k48]=v", "");
    let (status, e, _) = call(&sim, "/v1/payment_intents", None, &body);
    assert_eq!(status, 200, "{e}");
}

#[test]
fn three_decimal_amounts_end_in_zero_and_currencies_must_exist() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let kwd = intent_body(&pm, "automatic").replace("currency=usd", "currency=kwd");
    let (status, e, _) = call(&sim, "/v1/payment_intents", None, &kwd);
    assert_eq!(
        (status, e["error"]["param"].as_str()),
        (400, Some("amount")),
        "1234 kwd"
    );
    let ok = kwd.replace("amount=1234", "amount=1230");
    let (status, pi, _) = call(&sim, "/v1/payment_intents", None, &ok);
    assert_eq!((status, pi["currency"].as_str()), (200, Some("kwd")));
    let zzz = intent_body(&pm, "automatic").replace("currency=usd", "currency=zzz");
    assert_eq!(call(&sim, "/v1/payment_intents", None, &zzz).0, 400);
    let ledger = sim.ledger_report()["ledger"].clone();
    assert_eq!(
        (ledger[0]["amount"].as_u64(), ledger[0]["currency"].as_str()),
        (Some(1230), Some("kwd"))
    );
}

#[test]
fn a_stored_500_is_not_a_mismatch_and_other_params_are_idempotency_error() {
    // The router stores an `error500` after processing; here: a body change under the same key
    // is an `idempotency_error` that is not stored, so the first answer still replays.
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let body = intent_body(&pm, "automatic");
    let (s1, first, _) = call(&sim, "/v1/payment_intents", Some("k"), &body);
    let (s2, e, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("k"),
        &body.replace("Order+1", "Order+2"),
    );
    let (s3, again, info) = call(&sim, "/v1/payment_intents", Some("k"), &body);
    assert_eq!((s1, s2, s3), (200, 400, 200));
    assert_eq!(e["error"]["type"], "idempotency_error");
    assert_eq!(first, again);
    assert!(info.replayed);
    // Another secret key is refused outright (keys are stored per Authorization header).
    let (status, _, _) = call_as(
        &sim,
        "Bearer sk_test_other",
        "/v1/payment_intents",
        Some("k"),
        &body,
    );
    assert_eq!(status, 401);
}

fn get(sim: &Sim, target: &str) -> (u16, Value, CallInfo) {
    let req = Request::new(
        "GET",
        &format!("/stripe{target}"),
        &[("Authorization", "Bearer sk_test_maven_sim")],
        "",
    );
    let path = target.split('?').next().unwrap_or("");
    let h = handle(sim, &req, path);
    (
        h.response.status,
        h.response.json_body().unwrap_or(Value::Null),
        h.info,
    )
}

#[test]
fn search_and_retrieve_find_intents_and_customers_by_metadata() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let body = format!("{}&metadata[attempt]=1", intent_body(&pm, "automatic"));
    let (_, pi, _) = call(&sim, "/v1/payment_intents", None, &body);
    let declined = payment_method(&sim, "4000000000000002", "k-pm2");
    let body = format!(
        "{}&metadata[attempt]=2",
        intent_body(&declined, "automatic")
    );
    call(&sim, "/v1/payment_intents", None, &body);

    let q =
        "metadata%5B%27session_id%27%5D%3A%27S%27%20AND%20metadata%5B%27attempt%27%5D%3A%271%27";
    let (status, v, info) = get(&sim, &format!("/v1/payment_intents/search?query={q}"));
    assert_eq!(status, 200);
    assert_eq!(info.operation, "payment_intents/search");
    assert_eq!(v["object"], "search_result");
    assert_eq!(
        (v["has_more"].as_bool(), v["next_page"].is_null()),
        (Some(false), true)
    );
    let data = v["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 1);
    assert_eq!(
        (data[0]["id"].clone(), data[0]["status"].as_str()),
        (pi["id"].clone(), Some("succeeded"))
    );

    let (_, v, _) = get(
        &sim,
        "/v1/payment_intents/search?query=metadata['session_id']:'S'",
    );
    let statuses: Vec<&str> = v["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|p| p["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        statuses,
        ["requires_payment_method", "succeeded"],
        "declines are searchable too, newest first"
    );
    assert_eq!(
        get(&sim, "/v1/payment_intents/search?query=amount>100").0,
        400
    );

    let id = pi["id"].as_str().unwrap_or("");
    let (status, found, info) = get(&sim, &format!("/v1/payment_intents/{id}"));
    assert_eq!((status, found["amount"].as_u64()), (200, Some(1234)));
    assert_eq!(info.operation, "payment_intents/retrieve");
    assert_eq!(get(&sim, "/v1/payment_intents/pi_nope").0, 404);

    call(
        &sim,
        "/v1/customers",
        None,
        "description=x&metadata[session_id]=S2",
    );
    let (_, v, _) = get(
        &sim,
        "/v1/customers/search?query=metadata%5B%22session_id%22%5D%3A%22S2%22",
    );
    assert_eq!(v["data"][0]["object"], "customer");
    assert_eq!(v["url"], "/v1/customers/search");
}

#[test]
fn a_customers_payment_methods_are_listed_after_vaulting() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "k-pm");
    let body = format!("payment_method={pm}&metadata[session_id]=S&metadata[attempt]=1");
    let (_, cus, _) = call(&sim, "/v1/customers", Some("mvn-S-1-cus"), &body);
    let id = cus["id"].as_str().unwrap_or_default().to_string();
    let (status, v, info) = get(
        &sim,
        &format!("/v1/customers/{id}/payment_methods?type=card"),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(info.outcome, "found");
    assert_eq!(v["object"], "list");
    let data = v["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 1);
    assert_eq!(
        (data[0]["id"].as_str(), data[0]["customer"].as_str()),
        (Some(pm.as_str()), Some(id.as_str()))
    );
    assert_eq!(get(&sim, "/v1/customers/cus_nope/payment_methods").0, 404);
}

fn moved(sim: &Sim, id: &str, status: &str) -> u64 {
    sim.ledger_report()["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["object_id"] == id && e["status"] == status)
        .map(|e| e["amount"].as_u64().unwrap())
        .sum()
}

#[test]
fn capture_partially_then_refund_in_parts_with_idempotent_replays() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "pm1");
    let (_, pi, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("pi1"),
        &intent_body(&pm, "manual"),
    );
    let id = pi["id"].as_str().unwrap().to_string();
    let (status, e, _) = call(
        &sim,
        "/v1/refunds",
        Some("r0"),
        &format!("payment_intent={id}"),
    );
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "payment_intent_unexpected_state");
    let cap = format!("/v1/payment_intents/{id}/capture");
    let (status, e, _) = call(&sim, &cap, Some("c0"), "amount_to_capture=1235");
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("amount_too_large"))
    );
    let (status, pi, info) = call(&sim, &cap, Some("c1"), "amount_to_capture=1000");
    assert_eq!(
        (status, pi["status"].as_str()),
        (200, Some("succeeded")),
        "{pi}"
    );
    assert_eq!(info.operation, "payment_intents/capture");
    assert_eq!(pi["amount_received"], 1000);
    let refund = |n: u64| format!("payment_intent={id}&amount={n}");
    let (status, r, _) = call(&sim, "/v1/refunds", Some("r1"), &refund(400));
    assert_eq!((status, r["object"].as_str()), (200, Some("refund")), "{r}");
    let (_, again, info) = call(&sim, "/v1/refunds", Some("r1"), &refund(400));
    assert!(info.replayed);
    assert_eq!(again["id"], r["id"]);
    let (status, e, _) = call(&sim, "/v1/refunds", Some("r2"), &refund(601));
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("amount_too_large"))
    );
    let (status, _, _) = call(&sim, "/v1/refunds", Some("r3"), &refund(600));
    assert_eq!(status, 200);
    let (_, e, _) = call(&sim, "/v1/refunds", Some("r4"), &refund(1));
    assert_eq!(e["error"]["code"], "charge_already_refunded");
    assert_eq!(
        (moved(&sim, &id, "captured"), moved(&sim, &id, "refunded")),
        (1000, 1000)
    );
}

#[test]
fn cancel_releases_an_authorization_but_not_a_payment() {
    let sim = Sim::new();
    let pm = payment_method(&sim, "4242424242424242", "pm1");
    let (_, pi, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("pi1"),
        &intent_body(&pm, "manual"),
    );
    let id = pi["id"].as_str().unwrap().to_string();
    let (status, pi, _) = call(
        &sim,
        &format!("/v1/payment_intents/{id}/cancel"),
        Some("x1"),
        "",
    );
    assert_eq!((status, pi["status"].as_str()), (200, Some("canceled")));
    assert_eq!(moved(&sim, &id, "voided"), 1234);
    let pm = payment_method(&sim, "4242424242424242", "pm2");
    let (_, pi, _) = call(
        &sim,
        "/v1/payment_intents",
        Some("pi2"),
        &intent_body(&pm, "automatic"),
    );
    let id = pi["id"].as_str().unwrap().to_string();
    let (status, e, _) = call(
        &sim,
        &format!("/v1/payment_intents/{id}/cancel"),
        Some("x2"),
        "",
    );
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("payment_intent_unexpected_state"))
    );
}

#[test]
fn balance_answers_an_authenticated_get_and_refuses_a_wrong_key() {
    let sim = Sim::new();
    let (status, body, info) = get(&sim, "/v1/balance");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "balance");
    assert_eq!(body["available"][0]["amount"], 0);
    assert_eq!(info.outcome, "ok");
    let req = Request::new(
        "GET",
        "/stripe/v1/balance",
        &[("Authorization", "Bearer sk_test_wrong")],
        "",
    );
    let h = handle(&sim, &req, "/v1/balance");
    assert_eq!(h.response.status, 401);
}
