//! Black-box: faults before and after a charge is recorded, the seeded chaos mode, and the
//! ledger of what the gateways really charged.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn ledger(port: u16) -> Value {
    let reply = ok(port, "GET", "/_sim/ledger", &[], "");
    assert_eq!(reply.status, 200);
    reply.json()
}

fn charged(port: u16) -> usize {
    ledger(port)["ledger"].as_array().map_or(0, Vec::len)
}

fn stripe_pm(port: u16) -> String {
    let body = "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030";
    let pm = ok(
        port,
        "POST",
        "/stripe/v1/payment_methods",
        &[STRIPE_AUTH],
        body,
    );
    pm.json()["id"].as_str().unwrap_or_default().to_string()
}

fn stripe_pi(port: u16, key: &str, pm: &str) -> std::io::Result<Reply> {
    let body = format!("amount=1234&currency=usd&confirm=true&payment_method={pm}&metadata[session_id]=S&metadata[attempt]=1");
    send(
        port,
        "POST",
        "/stripe/v1/payment_intents",
        &[STRIPE_AUTH, ("Idempotency-Key", key)],
        &body,
    )
}

#[test]
fn error500_after_processing_charges_and_is_replayed_for_the_key() {
    let server = start();
    let port = server.port;
    let pm = stripe_pm(port);
    fault(
        port,
        json!({"gateway": "stripe", "mode": "error500", "phase": "after", "operation": "payment_intents"}),
    );
    let first = stripe_pi(port, "k-500", &pm).expect("answer");
    assert_eq!(first.status, 500);
    assert_eq!(charged(port), 1, "processed before the 500");
    let again = stripe_pi(port, "k-500", &pm).expect("replay");
    assert_eq!(
        again.status, 500,
        "Stripe replays the stored 500 for that key"
    );
    assert!(again.headers.contains("Idempotent-Replayed: true"));
    assert_eq!(charged(port), 1);
    let entry = &ledger(port)["ledger"][0];
    assert_eq!(
        (
            entry["reference"].as_str(),
            entry["attempt"].as_u64(),
            entry["status"].as_str(),
            entry["amount"].as_u64(),
            entry["currency"].as_str()
        ),
        (
            Some("S"),
            Some(1),
            Some("captured"),
            Some(1234),
            Some("usd")
        )
    );
    let log = calls(port);
    assert_eq!(
        log.last().map(|c| c["fault"].clone()),
        Some(Value::Null),
        "the replay had no fault"
    );
    assert!(log
        .iter()
        .any(|c| c["fault"] == "error500:after" && c["outcome"] == "approved"));

    // Before processing: nothing charged, nothing stored; the same key then charges.
    let pm = stripe_pm(port);
    fault(
        port,
        json!({"gateway": "stripe", "mode": "error500", "phase": "before"}),
    );
    assert_eq!(
        stripe_pi(port, "k-before", &pm).expect("answer").status,
        500
    );
    assert_eq!(charged(port), 1);
    assert_eq!(
        stripe_pi(port, "k-before", &pm).expect("answer").status,
        200
    );
    assert_eq!(charged(port), 2);
}

#[test]
fn reset_after_processing_charges_without_an_answer() {
    let server = start();
    let port = server.port;
    fault(
        port,
        json!({"gateway": "shift4", "mode": "reset", "phase": "after"}),
    );
    assert!(shift4_charge(port, "k-reset", "4242424242424242").is_err());
    assert_eq!(charged(port), 1, "the charge happened");
    // The retry with the key finds it.
    let replay = shift4_charge(port, "k-reset", "4242424242424242").expect("replay");
    assert_eq!(replay.status, 200);
    assert_eq!(replay.json()["id"], ledger(port)["ledger"][0]["object_id"]);
    assert_eq!(charged(port), 1);
    // A decline is a decline in the ledger, never a charge.
    shift4_charge(port, "k-d", "4000000000000002").expect("decline");
    let l = ledger(port);
    assert_eq!(l["ledger"].as_array().map(Vec::len), Some(1));
    assert_eq!(l["declines"][0]["code"], "card_declined");
    // The ledger outlives a cleared call log.
    ok(port, "DELETE", "/_sim/calls", &[], "");
    assert_eq!(charged(port), 1);
}

#[test]
fn slow_before_lands_the_charge_late_slow_after_answers_late() {
    let server = start();
    let port = server.port;
    fault(
        port,
        json!({"gateway": "shift4", "mode": "slow", "phase": "before", "delay_ms": 400}),
    );
    let handle = std::thread::spawn(move || shift4_charge(port, "k-late", "4242424242424242"));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(charged(port), 0, "not processed while it waits");
    assert_eq!(handle.join().expect("thread").expect("answer").status, 200);
    assert_eq!(charged(port), 1);

    fault(
        port,
        json!({"gateway": "shift4", "mode": "slow", "phase": "after", "delay_ms": 400}),
    );
    let t = Instant::now();
    let handle = std::thread::spawn(move || shift4_charge(port, "k-slow", "4242424242424242"));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(charged(port), 2, "processed at once");
    assert_eq!(handle.join().expect("thread").expect("answer").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(400));
}

#[test]
fn malformed_before_does_not_process() {
    let server = start();
    let port = server.port;
    fault(
        port,
        json!({"gateway": "shift4", "mode": "malformed", "phase": "before"}),
    );
    let reply = shift4_charge(port, "k-m", "4242424242424242").expect("answer");
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
    assert_eq!(charged(port), 0);
    let bad = ok(
        port,
        "POST",
        "/_sim/faults",
        &[],
        r#"{"gateway":"shift4","mode":"slow","phase":"during"}"#,
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn chaos_injects_by_seed_and_reports_counts() {
    let run = || {
        let server = start();
        let port = server.port;
        let spec = json!({"seed": 42, "rate": 0.5, "modes": ["error500", "malformed"], "phases": ["before", "after"],
            "delay_ms": 1, "gateways": ["shift4"], "operations": ["charges"]});
        let set = ok(port, "POST", "/_sim/chaos", &[], &spec.to_string());
        assert_eq!(set.status, 200, "{}", String::from_utf8_lossy(&set.body));
        let statuses: Vec<u16> = (0..40)
            .map(|i| {
                shift4_charge(port, &format!("k{i}"), "4242424242424242").map_or(0, |r| r.status)
            })
            .collect();
        // Other gateways and operations are untouched.
        let body = "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030";
        assert_eq!(
            ok(
                port,
                "POST",
                "/stripe/v1/payment_methods",
                &[STRIPE_AUTH],
                body
            )
            .status,
            200
        );
        let report = ok(port, "GET", "/_sim/chaos", &[], "").json();
        let faulted = calls(port).iter().filter(|c| !c["fault"].is_null()).count() as u64;
        assert_eq!(report["total"].as_u64(), Some(faulted));
        let off = ok(port, "POST", "/_sim/chaos", &[], r#"{"rate":0}"#);
        assert_eq!(off.json()["config"], Value::Null);
        assert_eq!(
            shift4_charge(port, "k-off", "4242424242424242")
                .map(|r| r.status)
                .ok(),
            Some(200)
        );
        (statuses, report["injected"].clone(), charged(port))
    };
    let (a, injected, charges) = run();
    let (b, _, _) = run();
    assert_eq!(a, b, "same seed, same faults");
    let hits = a.iter().filter(|s| **s != 200).count();
    assert!(
        hits > 0 && injected.as_object().is_some_and(|m| !m.is_empty()),
        "{injected}"
    );
    // Faults before processing charged nothing; the rest charged once each (+1 with chaos off).
    let before: u64 = ["error500:before", "malformed:before"]
        .iter()
        .map(|k| injected[*k].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(charges as u64, 40 - before + 1);
}
