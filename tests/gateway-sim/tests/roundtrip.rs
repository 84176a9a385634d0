//! Black-box: starts the `maven-gateway-sim` binary on an ephemeral port and talks HTTP/1.1 to
//! it over plain `TcpStream`s: one round trip per gateway, the control API, each fault mode,
//! keep-alive, and 50 concurrent charges. Every test kills its server, pass or fail.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A running simulator; killed on drop (also when a test panics).
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maven-gateway-sim"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn maven-gateway-sim");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    // Built before the wait, so a timeout still kills the child.
    let mut server = Server { child, port: 0 };
    let line = rx
        .recv_timeout(TIMEOUT)
        .expect("listening line within 10 s");
    let addr = line
        .trim()
        .strip_prefix("gateway-sim listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    server.port = addr.parse().expect("port number");
    server
}

struct Reply {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        let body = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "JSON body expected ({e}): {:?}",
                String::from_utf8_lossy(body)
            )
        })
    }
}

fn raw_request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    close: bool,
) -> String {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        req.push_str("Connection: close\r\n");
    }
    format!("{req}\r\n{body}")
}

/// Reads one response (head, then Content-Length bytes) from a connection.
fn read_reply<R: BufRead>(r: &mut R) -> std::io::Result<Reply> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed without a response",
            ));
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>())
        })
        .and_then(Result::ok)
        .unwrap_or(0);
    let mut body = vec![0; length];
    r.read_exact(&mut body)?;
    Ok(Reply {
        status,
        headers: head,
        body,
    })
}

fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.write_all(raw_request(method, path, headers, body, true).as_bytes())?;
    read_reply(&mut BufReader::new(stream))
}

fn ok(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    send(port, method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

const STRIPE_AUTH: (&str, &str) = ("Authorization", "Bearer sk_test_maven_sim");
const BT_AUTH: (&str, &str) = (
    "Authorization",
    "Basic bWF2ZW5fc2ltX3B1YmxpYzptYXZlbl9zaW1fcHJpdmF0ZQ==",
);
const S4_AUTH: (&str, &str) = (
    "Authorization",
    "Basic c2tfdGVzdF9tYXZlbl9zaW1fc2hpZnQ0Og==",
);

fn shift4_charge(port: u16, key: &str, number: &str) -> std::io::Result<Reply> {
    let body = json!({"amount": 1234, "currency": "USD", "captured": true,
        "card": {"number": number, "expMonth": "12", "expYear": "2030", "cvc": "987"},
        "metadata": {"session_id": "S"}});
    let headers = [
        S4_AUTH,
        ("Idempotency-Key", key),
        ("Content-Type", "application/json"),
    ];
    send(port, "POST", "/shift4/charges", &headers, &body.to_string())
}

fn calls(port: u16) -> Vec<Value> {
    let reply = ok(port, "GET", "/_sim/calls", &[], "");
    assert_eq!(reply.status, 200);
    reply.json().as_array().cloned().unwrap_or_default()
}

fn fault(port: u16, spec: Value) {
    let reply = ok(
        port,
        "POST",
        "/_sim/faults",
        &[("Content-Type", "application/json")],
        &spec.to_string(),
    );
    assert_eq!(reply.status, 200, "{spec}");
}

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
        "card_last4": "4242", "replayed": false})
    );
    assert_eq!(
        (log[3]["amount"].as_u64(), log[3]["card_last4"].as_str()),
        (Some(1234), Some("4444"))
    );
    assert_eq!(log[5]["card_last4"], "0005");
    let text = Value::Array(log).to_string();
    for secret in [
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "987",
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
