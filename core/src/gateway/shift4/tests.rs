//! Shift4 adapter against the JSON of WIRE.md / GATEWAYS.md §4.

use crate::card::Brand;
use crate::error::DeclineCode;
use crate::gateway::testutil::*;
use crate::gateway::*;
use crate::secret::Secret;

fn config() -> GatewayConfig {
    GatewayConfig {
        base_url: "http://127.0.0.1:8788/shift4".into(),
        credentials: Credentials::Shift4 {
            secret_key: Secret::new("sk_test_maven_sim_shift4"),
        },
    }
}

fn charge_reply(captured: bool) -> HttpReply {
    reply(
        200,
        &format!(
            r#"{{"id":"char_1","amount":1234,"currency":"USD","status":"successful","captured":{captured},"card":{{"id":"card_1","first6":"378282","last4":"0005","brand":"American Express","expMonth":"12","expYear":"2030"}}}}"#
        ),
    )
}

fn card_error(code: &str) -> HttpReply {
    reply(
        402,
        &format!(
            r#"{{"error":{{"type":"card_error","code":"{code}","message":"The card was declined.","chargeId":"char_2"}}}}"#
        ),
    )
}

#[test]
fn charge_request_and_success() {
    let req = charge("378282246310005");
    let (calls, outcome) = drive(&config(), &req, vec![charge_reply(true)]);
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.url, "http://127.0.0.1:8788/shift4/charges");
    // base64("sk_test_maven_sim_shift4:")
    assert_eq!(
        header(call, "Authorization"),
        Some("Basic c2tfdGVzdF9tYXZlbl9zaW1fc2hpZnQ0Og==")
    );
    assert_eq!(header(call, "Content-Type"), Some("application/json"));
    assert_eq!(
        header(call, "Idempotency-Key"),
        Some(&*format!("mvn-{SESSION}-1-ch"))
    );
    assert_eq!(
        call.body,
        format!(
            concat!(
                r#"{{"amount":1234,"currency":"USD","description":"Order #42","captured":true,"#,
                r#""card":{{"number":"378282246310005","expMonth":"12","expYear":"2030","cvc":"123","#,
                r#""cardholderName":"Jane Q Doe","addressZip":"94107"}},"metadata":{{"session_id":"{}","attempt":"1"}}}}"#
            ),
            SESSION
        )
    );
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            transaction_id: "char_1".into(),
            token: None,
            card_brand: Brand::Amex,
            card_last4: "0005".into(),
        }
    );
}

#[test]
fn authorize_only_sends_captured_false() {
    let mut req = request("378282246310005", Mode::Charge, false);
    req.description = None;
    req.currency = "jpy".into();
    let mut jpy = charge_reply(false);
    jpy.body = jpy
        .body
        .replace(r#""currency":"USD""#, r#""currency":"JPY""#);
    let (calls, outcome) = drive(&config(), &req, vec![jpy]);
    assert!(calls[0]
        .body
        .starts_with(r#"{"amount":1234,"currency":"JPY","captured":false,"card""#));
    assert!(matches!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Authorized,
            ..
        }
    ));
}

#[test]
fn tokenize_makes_token_then_customer() {
    let req = request("4242424242424242", Mode::Tokenize, true);
    let (calls, outcome) = drive(
        &config(),
        &req,
        vec![
            reply(
                200,
                r#"{"id":"tok_1","used":false,"first6":"424242","last4":"4242","brand":"Visa"}"#,
            ),
            reply(
                200,
                r#"{"id":"cus_1","defaultCardId":"card_7","cards":[{"id":"card_7","last4":"4242","brand":"Visa"}]}"#,
            ),
        ],
    );
    assert_eq!(calls[0].url, "http://127.0.0.1:8788/shift4/tokens");
    assert_eq!(
        header(&calls[0], "Idempotency-Key"),
        Some(&*format!("mvn-{SESSION}-1-tok"))
    );
    assert_eq!(
        calls[0].body,
        r#"{"number":"4242424242424242","expMonth":"12","expYear":"2030","cvc":"123","cardholderName":"Jane Q Doe","addressZip":"94107"}"#
    );
    assert_eq!(calls[1].url, "http://127.0.0.1:8788/shift4/customers");
    assert_eq!(
        header(&calls[1], "Idempotency-Key"),
        Some(&*format!("mvn-{SESSION}-1-cus"))
    );
    assert_eq!(
        calls[1].body,
        format!(
            r#"{{"email":"{SESSION}-1@customers.invalid","card":"tok_1","description":"Order #42","metadata":{{"session_id":"{SESSION}","attempt":"1"}}}}"#
        )
    );
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Tokenized,
            transaction_id: "cus_1".into(),
            token: Some("cus_1/card_7".into()),
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    );
}

#[test]
fn the_five_declines_map_one_to_one() {
    let cases = [
        ("card_declined", DeclineCode::CardDeclined),
        ("insufficient_funds", DeclineCode::InsufficientFunds),
        ("expired_card", DeclineCode::ExpiredCard),
        ("incorrect_cvc", DeclineCode::IncorrectCvc),
        ("processing_error", DeclineCode::ProcessingError),
    ];
    for (code, want) in cases {
        let (_, outcome) = drive(
            &config(),
            &charge("4000000000000002"),
            vec![card_error(code)],
        );
        assert_eq!(
            outcome,
            Outcome::Declined {
                code: want,
                message: "The card was declined.".into()
            },
            "{code}"
        );
    }
    // Tokenize declines at /customers.
    let req = request("4000000000000069", Mode::Tokenize, true);
    let token = reply(
        200,
        r#"{"id":"tok_2","used":false,"first6":"400000","last4":"0069","brand":"Visa"}"#,
    );
    let (_, outcome) = drive(&config(), &req, vec![token, card_error("expired_card")]);
    assert_eq!(decline_code(&outcome), DeclineCode::ExpiredCard);
}

#[test]
fn bad_key_500_malformed_and_idempotency_conflict() {
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(
            401,
            r#"{"error":{"type":"invalid_request","message":"Provided API key is invalid"}}"#,
        )],
    );
    assert!(unavailable_reason(&outcome).starts_with("shift4 rejected the credentials"));

    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(502, "<html>")],
    );
    assert_eq!(unavailable_reason(&outcome), "shift4 answered HTTP 502");

    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, r#"{"id":"char_1","amount":12"#)],
    );
    assert!(unavailable_reason(&outcome).contains("unreadable"));

    let conflict = reply(
        400,
        r#"{"error":{"type":"invalid_request","message":"Idempotent key used for request with different parameters."}}"#,
    );
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![conflict]);
    assert!(unavailable_reason(&outcome).contains("Idempotent key used"));
}

/// Defect 7: `POST /customers` requires `email`; we send a derived, undeliverable one.
#[test]
fn customers_post_carries_the_required_email() {
    let req = request("4242424242424242", Mode::Tokenize, true);
    let token = reply(
        200,
        r#"{"id":"tok_1","used":false,"first6":"424242","last4":"4242","brand":"Visa"}"#,
    );
    let customer = reply(
        200,
        r#"{"id":"cust_1","email":"x@customers.invalid","defaultCardId":"card_1","cards":[{"id":"card_1","last4":"4242","brand":"Visa"}]}"#,
    );
    let (calls, _) = drive(&config(), &req, vec![token, customer]);
    let sent: serde_json::Value = serde_json::from_str(&calls[1].body).unwrap();
    assert_eq!(
        sent["email"],
        format!("{SESSION}-1@customers.invalid").as_str()
    );
}

/// Defect 6: 400 invalid_request proves nothing was charged (except the idempotency conflict,
/// tested in `bad_key_500_malformed_and_idempotency_conflict`).
#[test]
fn invalid_request_closes_the_attempt() {
    let bad = reply(
        400,
        r#"{"error":{"type":"invalid_request","code":"invalid_currency","message":"Currency is not supported."}}"#,
    );
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![bad]);
    assert!(
        matches!(outcome, Outcome::Rejected(ref r) if r.contains("invalid_currency")),
        "{outcome:?}"
    );
}

#[test]
fn charge_in_another_amount_or_currency_is_a_mismatch() {
    for (from, to) in [
        (r#""amount":1234"#, r#""amount":123400"#),
        (r#""currency":"USD""#, r#""currency":"EUR""#),
    ] {
        let mut r = charge_reply(true);
        r.body = r.body.replace(from, to);
        let (_, outcome) = drive(&config(), &charge("378282246310005"), vec![r]);
        assert!(
            matches!(outcome, Outcome::Mismatch { ref transaction_id, .. } if transaction_id == "char_1"),
            "{outcome:?}"
        );
    }
}

#[test]
fn unknown_charge_status_is_unavailable_never_an_approval() {
    use super::transformers::{Charge, ChargeStatus};
    let mut r = charge_reply(true);
    r.body = r.body.replace(
        r#""status":"successful""#,
        r#""status":"some_future_status""#,
    );
    let parsed: Charge = serde_json::from_str(&r.body).expect("an unknown status parses");
    assert_eq!(parsed.status, ChargeStatus::Unknown);

    let (_, outcome) = drive(&config(), &charge("378282246310005"), vec![r]);
    assert_eq!(
        unavailable_reason(&outcome),
        "shift4 left charge char_1 in status (undocumented)"
    );

    let item = lookup::charge_item("char_1", SESSION, "1", "some_future_status");
    let (_, r) = run_lookup(
        &config(),
        &attempt_ref(Mode::Charge),
        vec![lookup::page(&[item], false)],
    );
    assert!(matches!(r, LookupResult::Unknown(_)), "{r:?}");
}

#[test]
fn charge_status_names_are_the_wire_values() {
    use super::transformers::ChargeStatus::{self, *};
    for s in [Successful, Pending, Failed] {
        let parsed: ChargeStatus = serde_json::from_str(&format!("\"{}\"", s.as_str())).unwrap();
        assert_eq!(parsed, s);
    }
}

mod lookup {
    use super::*;

    pub(super) fn charge_item(id: &str, session: &str, attempt: &str, status: &str) -> String {
        format!(
            r#"{{"id":"{id}","created":1764400000,"amount":1234,"currency":"USD","status":"{status}","captured":true,"card":{{"id":"card_1","last4":"0005","brand":"American Express"}},"metadata":{{"session_id":"{session}","attempt":"{attempt}"}}}}"#
        )
    }

    pub(super) fn page(items: &[String], has_more: bool) -> HttpReply {
        reply(
            200,
            &format!(r#"{{"list":[{}],"hasMore":{has_more}}}"#, items.join(",")),
        )
    }

    #[test]
    fn lists_charges_and_matches_metadata() {
        let mut a = attempt_ref(Mode::Charge);
        a.not_before = Some(1764400000);
        let first = page(&[charge_item("char_9", SESSION, "2", "successful")], true);
        let second = page(&[charge_item("char_1", SESSION, "1", "successful")], false);
        let (calls, r) = run_lookup(&config(), &a, vec![first, second]);
        assert_eq!(
            calls[0].url,
            "http://127.0.0.1:8788/shift4/charges?limit=100&created[gte]=1764399700"
        );
        assert_eq!(
            calls[1].url,
            "http://127.0.0.1:8788/shift4/charges?limit=100&created[gte]=1764399700&startingAfterId=char_9"
        );
        assert_eq!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Succeeded,
                transaction_id: "char_1".into(),
                token: None,
                card_brand: Brand::Amex,
                card_last4: "0005".into(),
            })
        );
    }

    #[test]
    fn failed_absent_and_customers() {
        let a = attempt_ref(Mode::Charge);
        let failed = charge_item("char_2", SESSION, "1", "failed").replace(
            r#""metadata""#,
            r#""failureCode":"insufficient_funds","failureMessage":"Insufficient funds","metadata""#,
        );
        let (_, r) = run_lookup(&config(), &a, vec![page(&[failed], false)]);
        assert!(matches!(
            r,
            LookupResult::Found(Outcome::Declined {
                code: DeclineCode::InsufficientFunds,
                ..
            })
        ));
        let (calls, r) = run_lookup(&config(), &a, vec![page(&[], false)]);
        assert_eq!(
            calls[0].url,
            "http://127.0.0.1:8788/shift4/charges?limit=100"
        );
        assert_eq!(r, LookupResult::NotFound);

        let customers = reply(
            200,
            &format!(
                r#"{{"list":[{{"id":"cust_1","email":"{SESSION}-1@customers.invalid","defaultCardId":"card_1","cards":[{{"id":"card_1","last4":"4242","brand":"Visa"}}]}}],"hasMore":false}}"#
            ),
        );
        let (calls, r) = run_lookup(&config(), &attempt_ref(Mode::Tokenize), vec![customers]);
        assert_eq!(
            calls[0].url,
            format!("http://127.0.0.1:8788/shift4/customers?email={SESSION}-1%40customers.invalid")
        );
        assert_eq!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Tokenized,
                transaction_id: "cust_1".into(),
                token: Some("cust_1/card_1".into()),
                card_brand: Brand::Visa,
                card_last4: "4242".into(),
            })
        );
    }
}
