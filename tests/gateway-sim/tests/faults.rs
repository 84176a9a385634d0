//! Black-box: the fault modes of `/_sim/faults`, keep-alive connections, and 50 concurrent
//! charges against the simulator binary.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn fault_modes() {
    let server = start();
    let port = server.port;

    // slow: processed (the charge happens), answered after delay_ms.
    fault(
        port,
        json!({"gateway": "shift4", "mode": "slow", "delay_ms": 300, "count": 1}),
    );
    let t = Instant::now();
    let reply = shift4_charge(port, "k-slow", "4242424242424242").expect("slow answer");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(reply.status, 200);
    // count 1: the next request is normal again, and the retry replays the first charge.
    let t = Instant::now();
    let again = shift4_charge(port, "k-slow", "4242424242424242").expect("replay");
    assert!(t.elapsed() < Duration::from_millis(300));
    assert_eq!(again.json()["id"], reply.json()["id"]);

    // error500: not processed.
    fault(port, json!({"gateway": "stripe", "mode": "error500"}));
    let reply = ok(
        port,
        "POST",
        "/stripe/v1/customers",
        &[STRIPE_AUTH],
        "description=x",
    );
    assert_eq!(reply.status, 500);
    assert_eq!(
        ok(
            port,
            "POST",
            "/stripe/v1/customers",
            &[STRIPE_AUTH],
            "description=x"
        )
        .status,
        200
    );

    // malformed: processed, 200 with a body that does not parse.
    fault(port, json!({"gateway": "shift4", "mode": "malformed"}));
    let reply = shift4_charge(port, "k-malformed", "4242424242424242").expect("malformed answer");
    assert_eq!(reply.status, 200);
    assert!(!reply.body.is_empty());
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());

    // reset: the connection closes without an answer, nothing processed.
    fault(port, json!({"gateway": "*", "mode": "reset", "count": 0}));
    assert!(shift4_charge(port, "k-reset", "4242424242424242").is_err());
    assert!(send(port, "POST", "/authorizenet/xml/v1/request.api", &[], "{}").is_err());
    let listed = ok(port, "GET", "/_sim/faults", &[], "");
    assert_eq!(listed.json()[0]["mode"], "reset");
    fault(port, json!({"gateway": "*", "mode": "none"}));
    assert_eq!(
        shift4_charge(port, "k-reset", "4242424242424242")
            .expect("after clear")
            .status,
        200
    );

    let log = calls(port);
    let summary: Vec<(&str, u64, &str)> = log
        .iter()
        .filter(|c| c["replayed"] == false)
        .map(|c| {
            (
                c["operation"].as_str().unwrap_or(""),
                c["status"].as_u64().unwrap_or(9),
                c["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("charges", 200, "approved"),
            ("customers", 500, "error500"),
            ("customers", 200, "created"),
            ("charges", 200, "approved"),
            ("charges", 0, "reset"),
            ("unknown", 0, "reset"),
            ("charges", 200, "approved"),
        ]
    );

    // Bad fault specs are 400.
    let bad = ok(
        port,
        "POST",
        "/_sim/faults",
        &[],
        r#"{"gateway":"paypal","mode":"slow"}"#,
    );
    assert_eq!(bad.status, 400);
}

/// `echo`: each gateway's own error shape, its message quoting the request's card number.
#[test]
fn echo_quotes_the_card_number_in_each_gateways_error_shape() {
    let server = start();
    let port = server.port;
    let msg = |v: &Value, pointer: &str| {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };

    fault(port, json!({"gateway": "stripe", "mode": "echo"}));
    let form = "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030";
    let reply = ok(
        port,
        "POST",
        "/stripe/v1/payment_methods",
        &[STRIPE_AUTH],
        form,
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["type"], "api_error");
    assert!(msg(&reply.json(), "/error/message").contains("card 4242424242424242 "));

    fault(port, json!({"gateway": "shift4", "mode": "echo"}));
    let reply = shift4_charge(port, "k-echo", "5555555555554444").expect("answer");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["type"], "processing_error");
    assert!(msg(&reply.json(), "/error/message").contains("5555555555554444"));

    fault(port, json!({"gateway": "braintree", "mode": "echo"}));
    let gql = json!({"query": "mutation T($input: TokenizeCreditCardInput!) { tokenizeCreditCard(input: $input) { paymentMethod { id } } }",
        "variables": {"input": {"creditCard": {"number": "4111111111111111", "expirationMonth": "12", "expirationYear": "2030"}}}});
    let bt = [BT_AUTH, ("Braintree-Version", "2019-01-01")];
    let reply = ok(port, "POST", "/braintree/graphql", &bt, &gql.to_string());
    assert_eq!(reply.status, 200);
    let v = reply.json();
    assert_eq!(v["data"], Value::Null);
    assert_eq!(v["errors"][0]["extensions"]["errorClass"], "INTERNAL");
    assert!(msg(&v, "/errors/0/message").contains("4111111111111111"));

    fault(port, json!({"gateway": "authorizenet", "mode": "echo"}));
    let anet = json!({"createTransactionRequest": {"transactionRequest": {"payment": {"creditCard": {"cardNumber": "378282246310005", "expirationDate": "2030-12"}}}}});
    let reply = ok(
        port,
        "POST",
        "/authorizenet/xml/v1/request.api",
        &[],
        &anet.to_string(),
    );
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.starts_with(b"\xEF\xBB\xBF"),
        "Authorize.net's BOM"
    );
    let v = reply.json();
    assert_eq!(v["messages"]["resultCode"], "Error");
    assert_eq!(v["messages"]["message"][0]["code"], "E00001");
    assert!(msg(&v, "/messages/message/0/text").contains("378282246310005"));

    // A request without a card number (Luhn-valid, 13–19 digits) says so.
    fault(port, json!({"gateway": "stripe", "mode": "echo"}));
    let reply = ok(
        port,
        "POST",
        "/stripe/v1/customers",
        &[STRIPE_AUTH],
        "description=1234567890123",
    );
    assert!(msg(&reply.json(), "/error/message").contains("no card number"));

    // Phase after: the charge is made, then the echoing error is the answer.
    fault(
        port,
        json!({"gateway": "shift4", "mode": "echo", "phase": "after"}),
    );
    let reply = shift4_charge(port, "k-echo-after", "4242424242424242").expect("answer");
    assert_eq!(reply.status, 400);
    let ledger = ok(port, "GET", "/_sim/ledger", &[], "").json();
    assert_eq!(
        ledger["ledger"].as_array().map(Vec::len),
        Some(1),
        "{ledger}"
    );

    // Logged with the fault; the call log itself never holds the number.
    let log = calls(port);
    let faults: Vec<(u64, &str)> = log
        .iter()
        .map(|c| {
            (
                c["status"].as_u64().unwrap_or(0),
                c["fault"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        faults,
        [
            (400, "echo:before"),
            (400, "echo:before"),
            (200, "echo:before"),
            (200, "echo:before"),
            (400, "echo:before"),
            (400, "echo:after"),
        ]
    );
    assert_eq!(log[0]["outcome"], "echo");
    let text = serde_json::to_string(&log).expect("json");
    for number in [
        "4242424242424242",
        "5555555555554444",
        "4111111111111111",
        "378282246310005",
    ] {
        assert!(!text.contains(number), "{text}");
    }
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    for i in 0..3 {
        let body = "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030";
        let req = raw_request(
            "POST",
            "/stripe/v1/payment_methods",
            &[STRIPE_AUTH, ("Idempotency-Key", &format!("k{i}"))],
            body,
            false,
        );
        stream.write_all(req.as_bytes()).expect("write");
        let reply = read_reply(&mut reader).expect("reply on the same connection");
        assert_eq!(reply.status, 200);
        assert!(reply.headers.contains("Connection: keep-alive"));
    }
}

#[test]
fn fifty_concurrent_charges() {
    let server = start();
    let port = server.port;
    let threads: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || {
                shift4_charge(port, &format!("mvn-{i}-1-ch"), "4242424242424242").map(|r| r.status)
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .map(|t| t.join().expect("thread").expect("answer"))
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let log = calls(port);
    let charged = log
        .iter()
        .filter(|c| c["outcome"] == "approved" && c["replayed"] == false)
        .count();
    assert_eq!(charged, 50);
}

#[test]
fn hostile_input_never_takes_the_server_down() {
    let server = start();
    let port = server.port;
    // Nesting at and past serde_json's limit, on every JSON-reading gateway.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let anet = format!("{{\"createTransactionRequest\":{deep}}}");
    let reply = ok(port, "POST", "/authorizenet/xml/v1/request.api", &[], &anet);
    assert_eq!(reply.json()["messages"]["message"][0]["code"], "E00003");
    let gql = json!({"query": format!("{{ x(a: {deep}) }}")}).to_string();
    let bt = [BT_AUTH, ("Braintree-Version", "2019-01-01")];
    let reply = ok(port, "POST", "/braintree/graphql", &bt, &gql);
    assert!(reply.json()["errors"][0]["message"].is_string());
    assert_eq!(
        ok(port, "POST", "/shift4/charges", &[S4_AUTH], &deep).status,
        400
    );
    assert_eq!(ok(port, "POST", "/_sim/faults", &[], &deep).status, 400);

    // A broken request line, an oversized body: 400 / 413, then the connection closes.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.write_all(b"garbage\r\n\r\n").expect("write");
    let reply = read_reply(&mut BufReader::new(stream)).expect("an answer");
    assert_eq!(reply.status, 400);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let head = "POST /stripe/v1/customers HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n";
    stream.write_all(head.as_bytes()).expect("write");
    assert_eq!(
        read_reply(&mut BufReader::new(stream))
            .expect("an answer")
            .status,
        413
    );

    // Still serving.
    let health = ok(port, "GET", "/health", &[], "");
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (200, Some("ok"))
    );
}
