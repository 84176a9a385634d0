use super::*;

fn post_as(
    sim: &Sim,
    key: &str,
    path: &str,
    idem: Option<&str>,
    body: &str,
) -> (u16, Value, CallInfo) {
    let auth = format!(
        "Basic {}",
        crate::codec::base64_encode(format!("{key}:").as_bytes())
    );
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    if let Some(k) = idem {
        headers.push(("Idempotency-Key", k));
    }
    let req = Request::new("POST", &format!("/shift4{path}"), &headers, body);
    let h = handle(sim, &req, path);
    (
        h.response.status,
        h.response.json_body().unwrap_or(Value::Null),
        h.info,
    )
}

fn post(sim: &Sim, path: &str, idem: Option<&str>, body: &str) -> (u16, Value, CallInfo) {
    post_as(sim, SECRET_KEY, path, idem, body)
}

fn charge_body(number: &str, captured: bool) -> String {
    json!({"amount": 1234, "currency": "USD", "description": "Order 1", "captured": captured,
        "card": {"number": number, "expMonth": "12", "expYear": "2030", "cvc": "123", "cardholderName": "Jane Doe", "addressZip": "94107"},
        "metadata": {"session_id": "S"}})
    .to_string()
}

#[test]
fn charge_approves_as_charge_java() {
    let sim = Sim::new();
    let (status, c, info) = post(
        &sim,
        "/charges",
        Some("mvn-S-1-ch"),
        &charge_body("4242424242424242", true),
    );
    assert_eq!(status, 200, "{c}");
    assert!(c["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("char_") && id.len() == 29));
    assert_eq!(
        (c["amount"].as_u64(), c["currency"].as_str()),
        (Some(1234), Some("USD"))
    );
    assert_eq!(
        (c["status"].as_str(), c["captured"].as_bool()),
        (Some("successful"), Some(true))
    );
    let card = &c["card"];
    assert!(card["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("card_")));
    assert_eq!(
        (card["first6"].as_str(), card["last4"].as_str()),
        (Some("424242"), Some("4242"))
    );
    assert_eq!(
        (
            card["brand"].as_str(),
            card["expMonth"].as_str(),
            card["expYear"].as_str()
        ),
        (Some("Visa"), Some("12"), Some("2030"))
    );
    assert_eq!(c["metadata"]["session_id"], "S");
    assert!(!c.to_string().contains("4242424242424242"));
    assert_eq!(
        (info.operation.as_str(), info.outcome.as_str(), info.amount),
        ("charges", "approved", Some(1234))
    );
    assert_eq!(info.object_id.as_deref(), c["id"].as_str());
    assert_eq!(info.reference.as_deref(), Some("S"));

    let (_, c, _) = post(
        &sim,
        "/charges",
        Some("k2"),
        &charge_body("5555555555554444", false),
    );
    assert_eq!(
        (c["captured"].as_bool(), c["card"]["brand"].as_str()),
        (Some(false), Some("MasterCard"))
    );
}

#[test]
fn each_decline_is_a_card_error_with_charge_id() {
    let sim = Sim::new();
    for (number, code) in [
        ("4000000000000002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvc"),
        ("4000000000000119", "processing_error"),
    ] {
        let (status, e, info) = post(&sim, "/charges", Some(number), &charge_body(number, true));
        assert_eq!(status, 402, "{number}");
        assert_eq!(
            (e["error"]["type"].as_str(), e["error"]["code"].as_str()),
            (Some("card_error"), Some(code))
        );
        assert!(e["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert!(e["error"]["chargeId"]
            .as_str()
            .is_some_and(|id| id.starts_with("char_")));
        assert_eq!(info.outcome, code);
    }
}

#[test]
fn idempotent_replay_and_different_body() {
    let sim = Sim::new();
    let body = charge_body("4242424242424242", true);
    let (s1, first, i1) = post(&sim, "/charges", Some("mvn-S-1-ch"), &body);
    let (s2, again, i2) = post(&sim, "/charges", Some("mvn-S-1-ch"), &body);
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first, again);
    assert!(!i1.replayed && i2.replayed);
    let (status, e, _) = post(
        &sim,
        "/charges",
        Some("mvn-S-1-ch"),
        &body.replace("1234", "1235"),
    );
    assert_eq!(status, 400);
    assert_eq!(
        e,
        json!({"error": {"type": "invalid_request", "message": "Idempotent key used for request with different parameters."}})
    );
}

#[test]
fn tokens_then_customers_vault_the_card() {
    let sim = Sim::new();
    let tok_body = r#"{"number":"4242424242424242","expMonth":"12","expYear":"2030","cvc":"123","cardholderName":"Jane Doe","addressZip":"94107"}"#;
    let (status, t, info) = post(&sim, "/tokens", Some("mvn-S-1-tok"), tok_body);
    assert_eq!(status, 200, "{t}");
    assert!(t["id"].as_str().is_some_and(|id| id.starts_with("tok_")));
    assert_eq!(
        (
            t["used"].as_bool(),
            t["first6"].as_str(),
            t["last4"].as_str(),
            t["brand"].as_str()
        ),
        (Some(false), Some("424242"), Some("4242"), Some("Visa"))
    );
    assert_eq!(info.outcome, "created");

    let tok = t["id"].as_str().unwrap_or_default();
    let cus_body =
        json!({"email": "jane@example.com", "card": tok, "description": "Order 1", "metadata": {"session_id": "S"}}).to_string();
    let (status, c, info) = post(&sim, "/customers", Some("mvn-S-1-cus"), &cus_body);
    assert_eq!(status, 200, "{c}");
    assert!(c["id"].as_str().is_some_and(|id| id.starts_with("cus_")));
    let default = c["defaultCardId"].as_str().unwrap_or_default();
    assert!(default.starts_with("card_"));
    assert_eq!(c["cards"][0]["id"], default);
    assert_eq!(
        (
            c["cards"][0]["last4"].as_str(),
            c["cards"][0]["brand"].as_str()
        ),
        (Some("4242"), Some("Visa"))
    );
    assert_eq!(
        (info.outcome.as_str(), info.card_last4.as_deref()),
        ("approved", Some("4242"))
    );

    // The token was used up; the saved card charges by customer + card id.
    let (status, e, _) = post(&sim, "/customers", None, &cus_body);
    assert_eq!(
        (status, e["error"]["type"].as_str()),
        (400, Some("invalid_request"))
    );
    let saved = json!({"amount": 500, "currency": "USD", "customerId": c["id"], "card": default})
        .to_string();
    let (status, ch, _) = post(&sim, "/charges", None, &saved);
    assert_eq!((status, ch["card"]["id"].as_str()), (200, Some(default)));

    // Declining cards tokenize fine and fail at /customers.
    let (_, t, _) = post(
        &sim,
        "/tokens",
        None,
        &tok_body.replace("4242424242424242", "4000000000000069"),
    );
    let body = json!({"email": "jane@example.com", "card": t["id"]}).to_string();
    let (status, e, info) = post(&sim, "/customers", None, &body);
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (402, Some("expired_card"))
    );
    assert_eq!(info.outcome, "expired_card");
}

#[test]
fn bad_key_is_401() {
    let sim = Sim::new();
    let (status, e, info) = post_as(
        &sim,
        "sk_test_wrong",
        "/charges",
        None,
        &charge_body("4242424242424242", true),
    );
    assert_eq!(status, 401);
    assert_eq!(e["error"]["type"], "invalid_request");
    assert_eq!(info.outcome, "unauthorized");
}

#[test]
fn missing_fields_are_400_invalid_request() {
    let sim = Sim::new();
    let (status, e, _) = post(
        &sim,
        "/charges",
        Some("m"),
        r#"{"currency":"USD","card":{"number":"4242424242424242","expMonth":"12","expYear":"2030"}}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(e["error"]["type"], "invalid_request");
    assert!(e["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("amount")));
    let (status, e, _) = post(
        &sim,
        "/charges",
        None,
        r#"{"amount":100,"currency":"USD","card":{"expMonth":"12","expYear":"2030"}}"#,
    );
    assert_eq!(status, 400);
    assert!(e["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("card.number")));
    let (status, e, _) = post(
        &sim,
        "/charges",
        None,
        &charge_body("4242424242424241", true),
    );
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (402, Some("invalid_number"))
    );
    let (status, _, _) = post(&sim, "/charges", None, "not json");
    assert_eq!(status, 400);
    // The key of a request that failed validation is not kept.
    let (status, _, _) = post(
        &sim,
        "/charges",
        Some("m"),
        &charge_body("4242424242424242", true),
    );
    assert_eq!(status, 200);
}

#[test]
fn customers_require_an_email() {
    let sim = Sim::new();
    let (status, e, _) = post(&sim, "/customers", None, r#"{"description":"x"}"#);
    assert_eq!(status, 400);
    assert_eq!(e["error"]["type"], "invalid_request");
    assert!(e["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("email")));
    let (status, _, _) = post(&sim, "/customers", None, r#"{"email":"a@b.c"}"#);
    assert_eq!(status, 200);
}

#[test]
fn unknown_fields_are_400_invalid_request() {
    let sim = Sim::new();
    let mut body: Value =
        serde_json::from_str(&charge_body("4242424242424242", true)).unwrap_or_default();
    body["card"]["postalCode"] = "94107".into();
    let (status, e, _) = post(&sim, "/charges", None, &body.to_string());
    assert_eq!(
        (status, e["error"]["type"].as_str()),
        (400, Some("invalid_request"))
    );
    assert!(e["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("card.postalCode")));
    let mut body: Value =
        serde_json::from_str(&charge_body("4242424242424242", true)).unwrap_or_default();
    body["sessionId"] = "S".into();
    assert_eq!(post(&sim, "/charges", None, &body.to_string()).0, 400);
    let (status, _, _) = post(&sim, "/customers", None, r#"{"email":"a@b.c","name":"x"}"#);
    assert_eq!(status, 400);
    assert_eq!(sim.ledger_report()["ledger"], json!([]));
}

#[test]
fn the_same_key_with_another_body_is_rejected_with_shift4s_message() {
    let sim = Sim::new();
    let body = charge_body("4242424242424242", true);
    assert_eq!(post(&sim, "/charges", Some("k1"), &body).0, 200);
    let other = body.replace("1234", "1235");
    let (status, e, _) = post(&sim, "/charges", Some("k1"), &other);
    assert_eq!(status, 400);
    assert_eq!(
        e["error"]["message"],
        "Idempotent key used for request with different parameters."
    );
    assert_eq!(
        sim.ledger_report()["ledger"].as_array().map(Vec::len),
        Some(1)
    );
}

fn get(sim: &Sim, target: &str) -> (u16, Value, CallInfo) {
    let req = Request::new(
        "GET",
        &format!("/shift4{target}"),
        &[(
            "Authorization",
            "Basic c2tfdGVzdF9tYXZlbl9zaW1fc2hpZnQ0Og==",
        )],
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
fn charges_list_with_created_filter_and_limit() {
    let sim = Sim::new();
    for number in ["4242424242424242", "4000000000000002", "5555555555554444"] {
        post(&sim, "/charges", None, &charge_body(number, true));
    }
    let since = unix_now() - 60;
    let (status, v, info) = get(
        &sim,
        &format!("/charges?limit=2&created%5Bgte%5D={since}&includeTotalCount=true"),
    );
    assert_eq!(status, 200);
    assert_eq!(info.operation, "charges");
    assert_eq!(v["hasMore"], true);
    assert_eq!(v["totalCount"], 3);
    let list = v["list"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["card"]["last4"], "4444", "newest first");
    assert_eq!(list[1]["status"], "failed");
    assert_eq!(list[0]["metadata"]["session_id"], "S");
    let (_, v, _) = get(&sim, &format!("/charges?created[gt]={}", unix_now() + 10));
    assert_eq!(
        (v["list"].as_array().map(Vec::len), v["hasMore"].as_bool()),
        (Some(0), Some(false))
    );
    assert_eq!(get(&sim, "/charges?since=1").0, 400);
}

#[test]
fn customers_list_filters_by_email() {
    let sim = Sim::new();
    for email in ["s-1@customers.invalid", "s-2@customers.invalid"] {
        let body = format!(r#"{{"email":"{email}","metadata":{{"session_id":"S"}}}}"#);
        assert_eq!(post(&sim, "/customers", None, &body).0, 200);
    }
    let (status, v, info) = get(&sim, "/customers?email=s-2%40customers.invalid&limit=10");
    assert_eq!(status, 200, "{v}");
    assert_eq!(info.outcome, "found");
    let list = v["list"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["email"], "s-2@customers.invalid");
    let (_, v, info) = get(&sim, "/customers?email=nobody%40customers.invalid");
    assert_eq!(
        (v["list"].as_array().map(Vec::len), info.outcome.as_str()),
        (Some(0), "not_found")
    );
    assert_eq!(get(&sim, "/customers?name=x").0, 400);
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
fn capture_whole_then_refunds_up_to_the_amount_with_replays() {
    let sim = Sim::new();
    let (_, c, _) = post(
        &sim,
        "/charges",
        Some("k1"),
        &charge_body("4242424242424242", false),
    );
    let id = c["id"].as_str().unwrap().to_string();
    let (status, c, _) = post(&sim, &format!("/charges/{id}/capture"), Some("k2"), "{}");
    assert_eq!((status, &c["captured"]), (200, &json!(true)), "{c}");
    let (status, _, _) = post(&sim, &format!("/charges/{id}/capture"), Some("k3"), "{}");
    assert_eq!(status, 400);
    let amount = c["amount"].as_u64().unwrap();
    let refund = |n: u64| format!(r#"{{"chargeId":"{id}","amount":{n}}}"#);
    let (status, r, _) = post(&sim, "/refunds", Some("r1"), &refund(200));
    assert_eq!((status, &r["charge"]), (200, &json!(id)), "{r}");
    // The same key replays the first answer: refunded once.
    let (_, again, info) = post(&sim, "/refunds", Some("r1"), &refund(200));
    assert!(info.replayed);
    assert_eq!(again["id"], r["id"]);
    let (status, e, _) = post(&sim, "/refunds", Some("r2"), &refund(amount));
    assert_eq!(status, 400, "{e}");
    let (status, _, _) = post(&sim, "/refunds", Some("r3"), &refund(amount - 200));
    assert_eq!(status, 200);
    assert_eq!(moved(&sim, &id, "refunded"), amount);
}

#[test]
fn an_uncaptured_charge_is_released_by_a_whole_refund() {
    let sim = Sim::new();
    let (_, c, _) = post(
        &sim,
        "/charges",
        Some("k1"),
        &charge_body("4242424242424242", false),
    );
    let id = c["id"].as_str().unwrap().to_string();
    let (status, _, _) = post(
        &sim,
        "/refunds",
        Some("p"),
        &format!(r#"{{"chargeId":"{id}","amount":1}}"#),
    );
    assert_eq!(status, 400, "partial release");
    let (status, _, _) = post(
        &sim,
        "/refunds",
        Some("v"),
        &format!(r#"{{"chargeId":"{id}"}}"#),
    );
    assert_eq!(status, 200);
    assert_eq!(moved(&sim, &id, "voided"), c["amount"].as_u64().unwrap());
    let (status, _, _) = post(&sim, &format!("/charges/{id}/capture"), Some("k2"), "{}");
    assert_eq!(status, 400, "a released charge cannot be captured");
}
