//! Stripe adapter against the JSON of WIRE.md / GATEWAYS.md §1.

use crate::card::Brand;
use crate::error::DeclineCode;
use crate::gateway::testutil::*;
use crate::gateway::*;
use crate::secret::Secret;

fn config() -> GatewayConfig {
    GatewayConfig {
        base_url: "http://127.0.0.1:8788/stripe/".into(),
        credentials: Credentials::Stripe {
            secret_key: Secret::new("sk_test_maven_sim"),
        },
    }
}

const PM: &str = r#"{"id":"pm_1","object":"payment_method","type":"card","card":{"brand":"visa","last4":"4242","exp_month":12,"exp_year":2030}}"#;

fn pi(status: &str) -> String {
    format!(
        r#"{{"id":"pi_1","object":"payment_intent","amount":1234,"currency":"usd","status":"{status}","payment_method":"pm_1","latest_charge":"ch_1"}}"#
    )
}

fn card_error(code: &str, decline_code: &str, message: &str) -> HttpReply {
    reply(
        402,
        &format!(
            r#"{{"error":{{"type":"card_error","code":"{code}","decline_code":"{decline_code}","message":"{message}","payment_intent":{{"id":"pi_1","status":"requires_payment_method"}}}}}}"#
        ),
    )
}

#[test]
fn charge_sends_documented_requests_and_succeeds() {
    let req = charge("4242424242424242");
    let (calls, outcome) = drive(
        &config(),
        &req,
        vec![reply(200, PM), reply(200, &pi("succeeded"))],
    );
    assert_eq!(calls.len(), 2);

    let pm = &calls[0];
    assert_eq!(pm.method, "POST");
    assert_eq!(pm.url, "http://127.0.0.1:8788/stripe/v1/payment_methods");
    assert_eq!(
        header(pm, "Authorization"),
        Some("Bearer sk_test_maven_sim")
    );
    assert_eq!(
        header(pm, "Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        header(pm, "Idempotency-Key"),
        Some(&*format!("mvn-{SESSION}-1-pm"))
    );
    assert_eq!(
        pm.body,
        "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123\
         &billing_details[name]=Jane+Q+Doe&billing_details[address][postal_code]=94107"
    );

    let intent = &calls[1];
    assert_eq!(
        intent.url,
        "http://127.0.0.1:8788/stripe/v1/payment_intents"
    );
    assert_eq!(
        header(intent, "Idempotency-Key"),
        Some(&*format!("mvn-{SESSION}-1-pi"))
    );
    assert_eq!(
        intent.body,
        format!(
            "amount=1234&currency=usd&confirm=true&payment_method_types[]=card\
             &error_on_requires_action=true&payment_method=pm_1&capture_method=automatic\
             &description=Order+%2342&metadata[session_id]={SESSION}&metadata[attempt]=1"
        )
    );
    // The card travels only in the payment-method body.
    for call in &calls[1..] {
        assert!(!call.body.contains("4242424242424242") && !call.body.contains("cvc"));
    }
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            transaction_id: "pi_1".into(),
            token: None,
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    );
}

#[test]
fn authorize_only_is_manual_capture() {
    let req = request("4242424242424242", Mode::Charge, false);
    let (calls, outcome) = drive(
        &config(),
        &req,
        vec![reply(200, PM), reply(200, &pi("requires_capture"))],
    );
    assert!(calls[1].body.contains("&capture_method=manual&"));
    assert!(matches!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Authorized,
            ..
        }
    ));
}

#[test]
fn tokenize_creates_a_customer() {
    let mut req = request("5555555555554444", Mode::Tokenize, true);
    req.description = None;
    let pm = PM.replace("visa", "mastercard").replace("4242", "4444");
    let (calls, outcome) = drive(
        &config(),
        &req,
        vec![
            reply(200, &pm),
            reply(200, r#"{"id":"cus_9","object":"customer"}"#),
        ],
    );
    assert_eq!(calls[1].url, "http://127.0.0.1:8788/stripe/v1/customers");
    assert_eq!(
        header(&calls[1], "Idempotency-Key"),
        Some(&*format!("mvn-{SESSION}-1-cus"))
    );
    assert_eq!(
        calls[1].body,
        format!("payment_method=pm_1&metadata[session_id]={SESSION}&metadata[attempt]=1")
    );
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Tokenized,
            transaction_id: "cus_9".into(),
            token: Some("cus_9/pm_1".into()),
            card_brand: Brand::Mastercard,
            card_last4: "4444".into(),
        }
    );
}

#[test]
fn the_five_declines() {
    let cases = [
        (
            "card_declined",
            "generic_decline",
            DeclineCode::CardDeclined,
        ),
        (
            "card_declined",
            "insufficient_funds",
            DeclineCode::InsufficientFunds,
        ),
        ("expired_card", "expired_card", DeclineCode::ExpiredCard),
        ("incorrect_cvc", "incorrect_cvc", DeclineCode::IncorrectCvc),
        (
            "processing_error",
            "processing_error",
            DeclineCode::ProcessingError,
        ),
    ];
    for (code, decline, want) in cases {
        let (_, outcome) = drive(
            &config(),
            &charge("4000000000000002"),
            vec![
                reply(200, PM),
                card_error(code, decline, "Your card was declined."),
            ],
        );
        assert_eq!(
            outcome,
            Outcome::Declined {
                code: want,
                message: "Your card was declined.".into()
            },
            "{code}/{decline}"
        );
    }
}

#[test]
fn tokenize_decline_comes_from_customers() {
    let req = request("4000000000009995", Mode::Tokenize, true);
    let (_, outcome) = drive(
        &config(),
        &req,
        vec![
            reply(200, PM),
            card_error("card_declined", "insufficient_funds", ""),
        ],
    );
    assert_eq!(decline_code(&outcome), DeclineCode::InsufficientFunds);
}

#[test]
fn bad_key_500_and_malformed_are_unavailable() {
    let bad_key = reply(
        401,
        r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_***"}}"#,
    );
    let (calls, outcome) = drive(&config(), &charge("4242424242424242"), vec![bad_key]);
    assert_eq!(calls.len(), 1);
    assert!(unavailable_reason(&outcome).contains("stripe rejected the credentials"));

    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![
            reply(200, PM),
            reply(500, r#"{"error":{"type":"api_error"}}"#),
        ],
    );
    assert_eq!(unavailable_reason(&outcome), "stripe answered HTTP 500");

    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, PM), reply(200, r#"{"id":"pi_1","obj"#)],
    );
    assert!(unavailable_reason(&outcome).contains("unreadable"));

    let idem = reply(
        400,
        r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#,
    );
    let (_, outcome) = drive(&config(), &charge("4242424242424242"), vec![idem]);
    assert!(unavailable_reason(&outcome).contains("idempotency_error"));
}

#[test]
fn processing_intent_is_an_unknown_outcome() {
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, PM), reply(200, &pi("processing"))],
    );
    assert!(unavailable_reason(&outcome).contains("processing"));
}

#[test]
fn unknown_intent_status_is_unavailable_never_an_approval() {
    use super::transformers::{IntentStatus, PaymentIntent};
    let body = pi("some_future_status");
    let parsed: PaymentIntent = serde_json::from_str(&body).expect("an unknown status parses");
    assert_eq!(parsed.status, IntentStatus::Unknown);

    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, PM), reply(200, &body)],
    );
    assert_eq!(
        unavailable_reason(&outcome),
        "stripe left payment intent pi_1 in status (undocumented)"
    );

    let search = format!(r#"{{"object":"search_result","has_more":false,"data":[{body}]}}"#);
    let (_, r) = run_lookup(
        &config(),
        &attempt_ref(Mode::Charge),
        vec![reply(200, &search)],
    );
    assert!(matches!(r, LookupResult::Unknown(_)), "{r:?}");
}

#[test]
fn debug_of_flow_and_calls_hides_card_and_key() {
    let req = charge("4242424242424242");
    let mut flow = Flow::new(&config(), &req);
    let step = flow.next(None);
    let shown = format!("{flow:?} {step:?}");
    assert!(!shown.contains("4242424242424242"), "{shown}");
    assert!(!shown.contains("sk_test_maven_sim"), "{shown}");
    assert!(!shown.contains("cvc]=123"), "{shown}");
}

/// Defect 6: a 400 invalid_request_error on the payment-method step proves nothing was charged.
#[test]
fn invalid_request_on_payment_method_closes_the_attempt() {
    let bad = reply(
        400,
        r#"{"error":{"type":"invalid_request_error","code":"parameter_unknown","param":"billing_details[foo]","message":"Received unknown parameter: billing_details[foo]"}}"#,
    );
    let (calls, outcome) = drive(&config(), &charge("4242424242424242"), vec![bad]);
    assert_eq!(calls.len(), 1);
    assert!(
        matches!(outcome, Outcome::Rejected(ref r) if r.contains("billing_details[foo]")),
        "{outcome:?}"
    );
}

/// Defect 6: a parameter error on the intent closes the attempt; an unexplained 400 there and
/// `idempotency_error` stay unknown (the earlier request may have charged).
#[test]
fn parameter_errors_on_the_intent_close_other_400s_stay_unknown() {
    let param = reply(
        400,
        r#"{"error":{"type":"invalid_request_error","code":"amount_too_small","param":"amount","message":"Amount must be at least $0.50 usd"}}"#,
    );
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, PM), param],
    );
    assert!(matches!(outcome, Outcome::Rejected(_)), "{outcome:?}");

    let vague = reply(
        400,
        r#"{"error":{"type":"invalid_request_error","message":"Something went wrong."}}"#,
    );
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, PM), vague],
    );
    unavailable_reason(&outcome);

    let idem = reply(
        400,
        r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#,
    );
    let (_, outcome) = drive(
        &config(),
        &charge("4242424242424242"),
        vec![reply(200, PM), idem],
    );
    assert!(unavailable_reason(&outcome).contains("idempotency_error"));
}

/// Defect 7: Stripe's three-decimal amounts must end in 0: never sent otherwise.
#[test]
fn three_decimal_amount_must_end_in_zero() {
    let mut req = charge("4242424242424242");
    req.currency = "kwd".into();
    let (calls, outcome) = drive(&config(), &req, vec![reply(200, PM)]);
    assert_eq!(calls.len(), 1, "no payment intent may be created");
    assert!(
        matches!(outcome, Outcome::Rejected(ref r) if r.contains("end in 0")),
        "{outcome:?}"
    );
    req.amount_cents = 1230;
    let kwd = pi("succeeded")
        .replace(r#""currency":"usd""#, r#""currency":"kwd""#)
        .replace("1234", "1230");
    let (calls, outcome) = drive(&config(), &req, vec![reply(200, PM), reply(200, &kwd)]);
    assert!(calls[1].body.starts_with("amount=1230&currency=kwd&"));
    assert!(matches!(outcome, Outcome::Approved { .. }), "{outcome:?}");
}

#[test]
fn stripe_exponent_deviations() {
    use super::amount_for;
    assert_eq!(amount_for(1000, "isk"), Ok(100000));
    assert_eq!(amount_for(1200, "mga"), Ok(12));
    assert!(amount_for(1250, "mga").is_err());
    assert_eq!(amount_for(1000, "jpy"), Ok(1000));
    assert_eq!(amount_for(1234, "usd"), Ok(1234));
}

/// Every approval's amount and currency are checked.
#[test]
fn intent_in_another_amount_or_currency_is_a_mismatch() {
    for body in [
        pi("succeeded").replace("1234", "123400"),
        pi("requires_capture").replace(r#""currency":"usd""#, r#""currency":"eur""#),
    ] {
        let (_, outcome) = drive(
            &config(),
            &charge("4242424242424242"),
            vec![reply(200, PM), reply(200, &body)],
        );
        assert!(
            matches!(outcome, Outcome::Mismatch { ref transaction_id, .. } if transaction_id == "pi_1"),
            "{outcome:?}"
        );
    }
}

mod lookup {
    use super::*;

    fn found(items: &str) -> HttpReply {
        reply(
            200,
            &format!(
                r#"{{"object":"search_result","url":"/v1/payment_intents/search","has_more":false,"data":[{items}]}}"#
            ),
        )
    }

    #[test]
    fn searches_intents_by_metadata() {
        let expanded = pi("succeeded").replace(
            r#""payment_method":"pm_1""#,
            &format!(r#""payment_method":{PM}"#),
        );
        let (calls, result) = run_lookup(
            &config(),
            &attempt_ref(Mode::Charge),
            vec![found(&expanded)],
        );
        assert_eq!(calls[0].method, "GET");
        assert_eq!(
            calls[0].url,
            format!(
                "http://127.0.0.1:8788/stripe/v1/payment_intents/search?query=metadata%5B%27session_id%27%5D%3A%27{SESSION}%27+AND+metadata%5B%27attempt%27%5D%3A%271%27&expand[]=data.payment_method"
            )
        );
        assert_eq!(header(&calls[0], "Idempotency-Key"), None);
        assert_eq!(
            result,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Succeeded,
                transaction_id: "pi_1".into(),
                token: None,
                card_brand: Brand::Visa,
                card_last4: "4242".into(),
            })
        );
    }

    #[test]
    fn authorized_declined_mismatch_absent() {
        let a = attempt_ref(Mode::Charge);
        let (_, r) = run_lookup(&config(), &a, vec![found(&pi("requires_capture"))]);
        assert!(matches!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Authorized,
                ..
            })
        ));
        let declined = pi("requires_payment_method").replace(
            r#""latest_charge""#,
            r#""last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."},"latest_charge""#,
        );
        let (_, r) = run_lookup(&config(), &a, vec![found(&declined)]);
        assert!(matches!(
            r,
            LookupResult::Found(Outcome::Declined {
                code: DeclineCode::InsufficientFunds,
                ..
            })
        ));
        let (_, r) = run_lookup(
            &config(),
            &a,
            vec![found(&pi("succeeded").replace("1234", "999"))],
        );
        assert!(matches!(r, LookupResult::Found(Outcome::Mismatch { .. })));
        let (_, r) = run_lookup(&config(), &a, vec![found("")]);
        assert_eq!(r, LookupResult::NotFound);
        let (_, r) = run_lookup(&config(), &a, vec![reply(500, "")]);
        assert!(matches!(r, LookupResult::Unknown(_)));
    }

    #[test]
    fn tokenize_finds_the_customer_and_its_card() {
        let customers = reply(
            200,
            r#"{"object":"search_result","has_more":false,"data":[{"id":"cus_1","object":"customer","metadata":{"attempt":"1"}}]}"#,
        );
        let pms = reply(
            200,
            &format!(r#"{{"object":"list","data":[{PM}],"has_more":false}}"#),
        );
        let (calls, r) = run_lookup(
            &config(),
            &attempt_ref(Mode::Tokenize),
            vec![customers, pms],
        );
        assert!(calls[0].url.contains("/v1/customers/search?query="));
        assert_eq!(
            calls[1].url,
            "http://127.0.0.1:8788/stripe/v1/customers/cus_1/payment_methods?type=card"
        );
        assert_eq!(
            r,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Tokenized,
                transaction_id: "cus_1".into(),
                token: Some("cus_1/pm_1".into()),
                card_brand: Brand::Visa,
                card_last4: "4242".into(),
            })
        );
    }
}
