//! Black-box: starts the `maven-gateway-sim` binary on an ephemeral port and does one real
//! HTTP round trip per gateway, then reads and clears the call log.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn each_gateway_round_trips_and_the_log_keeps_last4_only() {
    let server = start();
    let port = server.port;

    // Stripe: payment method, then payment intent.
    let pm_body = "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=987";
    let pm = ok(
        port,
        "POST",
        "/stripe/v1/payment_methods",
        &[STRIPE_AUTH, ("Idempotency-Key", "mvn-S-1-pm")],
        pm_body,
    );
    assert_eq!(pm.status, 200);
    let pm_id = pm.json()["id"].as_str().unwrap_or_default().to_string();
    let pi_body = format!("amount=1234&currency=usd&confirm=true&payment_method_types[]=card&error_on_requires_action=true&payment_method={pm_id}&capture_method=automatic&metadata[session_id]=S");
    let pi = ok(
        port,
        "POST",
        "/stripe/v1/payment_intents",
        &[STRIPE_AUTH, ("Idempotency-Key", "mvn-S-1-pi")],
        &pi_body,
    );
    assert_eq!(
        (pi.status, pi.json()["status"].as_str()),
        (200, Some("succeeded"))
    );
    let replay = ok(
        port,
        "POST",
        "/stripe/v1/payment_intents",
        &[STRIPE_AUTH, ("Idempotency-Key", "mvn-S-1-pi")],
        &pi_body,
    );
    assert_eq!(replay.json(), pi.json());
    assert!(replay.headers.contains("Idempotent-Replayed: true"));

    // Authorize.net: BOM-prefixed JSON.
    let anet = r#"{"createTransactionRequest":{"merchantAuthentication":{"name":"maven_sim_login","transactionKey":"maven_sim_key"},"refId":"1a2b3c4d5e6f7a8b-1","transactionRequest":{"transactionType":"authCaptureTransaction","amount":"12.34","payment":{"creditCard":{"cardNumber":"5555555555554444","expirationDate":"2030-12","cardCode":"987"}},"order":{"invoiceNumber":"1a2b3c4d5e6f7a8b-1"},"transactionSettings":{"setting":[{"settingName":"duplicateWindow","settingValue":"28800"}]}}}}"#;
    let reply = ok(
        port,
        "POST",
        "/authorizenet/xml/v1/request.api",
        &[("Content-Type", "application/json")],
        anet,
    );
    assert_eq!(reply.status, 200);
    assert!(reply.body.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(reply.json()["transactionResponse"]["responseCode"], "1");

    // Braintree: tokenize, then charge.
    let bt_headers = [
        BT_AUTH,
        ("Braintree-Version", "2019-01-01"),
        ("Content-Type", "application/json"),
    ];
    let tok = json!({"query": "mutation T($input: TokenizeCreditCardInput!) { tokenizeCreditCard(input: $input) { paymentMethod { id } } }",
        "variables": {"input": {"creditCard": {"number": "378282246310005", "expirationMonth": "12", "expirationYear": "2030", "cvv": "9876"}}}});
    let reply = ok(
        port,
        "POST",
        "/braintree/graphql",
        &bt_headers,
        &tok.to_string(),
    );
    let token = reply.json()["data"]["tokenizeCreditCard"]["paymentMethod"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let charge = json!({"query": "mutation C($input: ChargeCreditCardInput!) { chargeCreditCard(input: $input) { transaction { id status } } }",
        "variables": {"input": {"paymentMethodId": token, "transaction": {"amount": "12.34", "orderId": "S-1"}}}});
    let reply = ok(
        port,
        "POST",
        "/braintree/graphql",
        &bt_headers,
        &charge.to_string(),
    );
    assert_eq!(
        reply.json()["data"]["chargeCreditCard"]["transaction"]["status"],
        "SUBMITTED_FOR_SETTLEMENT"
    );

    // Shift4: one charge, and a decline.
    let reply = shift4_charge(port, "mvn-S-1-ch", "4242424242424242").expect("shift4");
    assert_eq!(
        (reply.status, reply.json()["status"].as_str()),
        (200, Some("successful"))
    );
    let reply = shift4_charge(port, "mvn-S-2-ch", "4000000000000002").expect("shift4");
    assert_eq!(
        (reply.status, reply.json()["error"]["code"].as_str()),
        (402, Some("card_declined"))
    );

    let log = calls(port);
    let ops: Vec<(&str, &str, &str, bool)> = log
        .iter()
        .map(|c| {
            (
                c["gateway"].as_str().unwrap_or(""),
                c["operation"].as_str().unwrap_or(""),
                c["outcome"].as_str().unwrap_or(""),
                c["replayed"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("stripe", "payment_methods", "created", false),
            ("stripe", "payment_intents", "approved", false),
            ("stripe", "payment_intents", "approved", true),
            (
                "authorizenet",
                "createTransactionRequest",
                "approved",
                false
            ),
            ("braintree", "tokenizeCreditCard", "created", false),
            ("braintree", "chargeCreditCard", "approved", false),
            ("shift4", "charges", "approved", false),
            ("shift4", "charges", "card_declined", false),
        ]
    );
    assert_eq!(
        log[1],
        json!({"seq": log[1]["seq"], "gateway": "stripe", "operation": "payment_intents",
        "idempotency_key": "mvn-S-1-pi", "status": 200, "outcome": "approved", "amount": 1234,
        "card_last4": "4242", "replayed": false, "object_id": pi.json()["id"], "reference": "S",
        "fault": null})
    );
    // The replay names the same object.
    assert_eq!(log[2]["object_id"], pi.json()["id"]);
    assert_eq!(
        (log[3]["amount"].as_u64(), log[3]["card_last4"].as_str()),
        (Some(1234), Some("4444"))
    );
    assert_eq!(log[5]["card_last4"], "0005");
    let text = Value::Array(log).to_string();
    // The CVC as a JSON value: bare digits could occur inside a random id.
    for secret in [
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "\"987\"",
    ] {
        assert!(!text.contains(secret), "the call log holds {secret}");
    }

    let cleared = ok(port, "DELETE", "/_sim/calls", &[], "");
    assert_eq!(
        (cleared.status, cleared.json()["cleared"].as_u64()),
        (200, Some(8))
    );
    assert!(calls(port).is_empty());
    // Idempotency state survives the clear.
    let replay = ok(
        port,
        "POST",
        "/stripe/v1/payment_intents",
        &[STRIPE_AUTH, ("Idempotency-Key", "mvn-S-1-pi")],
        &pi_body,
    );
    assert_eq!(replay.json(), pi.json());
}
