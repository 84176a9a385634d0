//! Braintree adapter against the JSON of WIRE.md / GATEWAYS.md §3 (always HTTP 200 but 401).

use super::transformers as wire;
use crate::card::Brand;
use crate::error::DeclineCode;
use crate::gateway::testutil::*;
use crate::gateway::*;
use crate::secret::Secret;
use serde_json::{json, Value};

fn config(merchant_account_id: Option<&str>) -> GatewayConfig {
    GatewayConfig {
        base_url: "http://127.0.0.1:8788/braintree".into(),
        credentials: Credentials::Braintree {
            public_key: Secret::new("maven_sim_public"),
            private_key: Secret::new("maven_sim_private"),
            merchant_account_id: merchant_account_id.map(String::from),
            merchant_accounts: Default::default(),
            default_currency: None,
        },
    }
}

fn ok(data: Value) -> HttpReply {
    reply(
        200,
        &json!({"data": data, "extensions": {"requestId": "r1"}}).to_string(),
    )
}

fn tokenized() -> HttpReply {
    ok(
        json!({"tokenizeCreditCard": {"paymentMethod": {"id": "tokencc_1", "usage": "SINGLE_USE",
        "details": {"__typename": "CreditCardDetails", "brandCode": "VISA", "last4": "4242"}}}}),
    )
}

fn transaction(status: &str, legacy: Option<(&str, &str)>) -> Value {
    let history = match legacy {
        Some((code, message)) => {
            json!([{"__typename": if status == "FAILED" {"FailedEvent"} else {"ProcessorDeclinedEvent"},
            "status": status, "processorResponse": {"legacyCode": code, "message": message}}])
        }
        None => json!([{"__typename": "SubmittedForSettlementEvent", "status": status}]),
    };
    json!({"id": "dHJhbnNhY3Rpb25fMQ", "legacyId": "abc123", "orderId": format!("{SESSION}-1"), "status": status,
        "amount": {"value": "12.34", "currencyCode": "USD"},
        "paymentMethodSnapshot": {"__typename": "CreditCardDetails", "brandCode": "MASTERCARD", "last4": "4444"},
        "statusHistory": history})
}

fn charged(field: &str, tx: Value) -> HttpReply {
    ok(json!({ field: {"transaction": tx} }))
}

fn body(call: &HttpCall) -> Value {
    serde_json::from_str(&call.body).expect("JSON body")
}

#[test]
fn charge_tokenizes_then_charges() {
    let req = charge("5555555555554444");
    let (calls, outcome) = drive(
        &config(None),
        &req,
        vec![
            tokenized(),
            charged(
                "chargeCreditCard",
                transaction("SUBMITTED_FOR_SETTLEMENT", None),
            ),
        ],
    );
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(call.url, "http://127.0.0.1:8788/braintree/graphql");
        assert_eq!(
            header(call, "Authorization"),
            Some("Basic bWF2ZW5fc2ltX3B1YmxpYzptYXZlbl9zaW1fcHJpdmF0ZQ==")
        );
        assert_eq!(header(call, "Braintree-Version"), Some("2019-01-01"));
        assert_eq!(header(call, "Content-Type"), Some("application/json"));
        assert_eq!(header(call, "Idempotency-Key"), None);
    }
    assert_eq!(
        body(&calls[0]),
        json!({"query": wire::TOKENIZE, "variables": {"input": {"creditCard": {
            "number": "5555555555554444", "expirationMonth": "12", "expirationYear": "2030", "cvv": "123",
            "cardholderName": "Jane Q Doe", "billingAddress": {"postalCode": "94107"}}}}})
    );
    assert_eq!(
        body(&calls[1]),
        json!({"query": wire::CHARGE, "variables": {"input": {"paymentMethodId": "tokencc_1",
            "transaction": {"amount": "12.34", "orderId": format!("{SESSION}-1")}}}})
    );
    assert!(!calls[1].body.contains("5555555555554444"));
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            transaction_id: "dHJhbnNhY3Rpb25fMQ".into(),
            token: None,
            card_brand: Brand::Mastercard,
            card_last4: "4444".into(),
        }
    );
}

#[test]
fn authorize_only_uses_authorize_mutation_and_merchant_account() {
    let req = request("5555555555554444", Mode::Charge, false);
    let (calls, outcome) = drive(
        &config(Some("maven_eur")),
        &req,
        vec![
            tokenized(),
            charged("authorizeCreditCard", transaction("AUTHORIZED", None)),
        ],
    );
    let sent = body(&calls[1]);
    assert_eq!(sent["query"], wire::AUTHORIZE);
    assert_eq!(
        sent["variables"]["input"]["transaction"]["merchantAccountId"],
        "maven_eur"
    );
    assert!(matches!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Authorized,
            ..
        }
    ));
}

#[test]
fn the_five_declines() {
    let cases = [
        ("PROCESSOR_DECLINED", "2000", DeclineCode::CardDeclined),
        ("PROCESSOR_DECLINED", "2001", DeclineCode::InsufficientFunds),
        ("PROCESSOR_DECLINED", "2004", DeclineCode::ExpiredCard),
        ("PROCESSOR_DECLINED", "2010", DeclineCode::IncorrectCvc),
        ("FAILED", "3000", DeclineCode::ProcessingError),
    ];
    for (status, code, want) in cases {
        let tx = transaction(status, Some((code, "Do Not Honor")));
        let (_, outcome) = drive(
            &config(None),
            &charge("4000000000000002"),
            vec![tokenized(), charged("chargeCreditCard", tx)],
        );
        assert_eq!(
            outcome,
            Outcome::Declined {
                code: want,
                message: "Do Not Honor".into()
            },
            "{code}"
        );
    }
}

#[test]
fn tokenize_vaults_and_maps_verification() {
    let req = request("4242424242424242", Mode::Tokenize, true);
    let vaulted = ok(json!({"vaultPaymentMethod": {
        "paymentMethod": {"id": "cGF5bWVudG1ldGhvZF9jY18x", "usage": "MULTI_USE",
            "details": {"__typename": "CreditCardDetails", "brandCode": "VISA", "last4": "4242"}},
        "verification": {"id": "dmVyaWZpY2F0aW9uXzE", "status": "VERIFIED"}}}));
    let (calls, outcome) = drive(&config(None), &req, vec![tokenized(), vaulted]);
    assert_eq!(
        body(&calls[1]),
        json!({"query": wire::VAULT, "variables": {"input": {"paymentMethodId": "tokencc_1"}}})
    );
    assert_eq!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Tokenized,
            transaction_id: "dmVyaWZpY2F0aW9uXzE".into(),
            token: Some("cGF5bWVudG1ldGhvZF9jY18x".into()),
            card_brand: Brand::Visa,
            card_last4: "4242".into(),
        }
    );

    let declined = reply(200, &json!({"data": {"vaultPaymentMethod": {"paymentMethod": null,
        "verification": {"id": "v2", "status": "PROCESSOR_DECLINED",
            "processorResponse": {"legacyCode": "2001", "message": "Insufficient Funds"}}}},
        "errors": [{"message": "Payment method failed verification.",
            "extensions": {"errorClass": "VALIDATION", "inputPath": ["input", "paymentMethodId"]}}]}).to_string());
    let (_, outcome) = drive(&config(None), &req, vec![tokenized(), declined]);
    assert_eq!(decline_code(&outcome), DeclineCode::InsufficientFunds);
}

#[test]
fn recovering_searches_first_and_never_charges_twice() {
    let mut req = charge("5555555555554444");
    req.recovering = true;
    let found = ok(json!({"search": {"transactions": {"edges": [
        {"node": transaction("SUBMITTED_FOR_SETTLEMENT", None)}]}}}));
    let (calls, outcome) = drive(&config(None), &req, vec![found]);
    assert_eq!(calls.len(), 1, "found: no tokenize, no charge");
    assert_eq!(
        body(&calls[0]),
        json!({"query": wire::SEARCH, "variables": {"input": {"orderId": {"is": format!("{SESSION}-1")}}}})
    );
    assert!(!calls[0].body.contains("5555555555554444"));
    assert!(matches!(
        outcome,
        Outcome::Approved {
            status: ApprovedStatus::Succeeded,
            ..
        }
    ));

    // A declined earlier try is reported as that decline.
    let found = ok(json!({"search": {"transactions": {"edges": [
        {"node": transaction("PROCESSOR_DECLINED", Some(("2004", "Expired Card")))}]}}}));
    let (_, outcome) = drive(&config(None), &req, vec![found]);
    assert_eq!(decline_code(&outcome), DeclineCode::ExpiredCard);

    // Nothing found: go on with tokenize + charge.
    let empty = ok(json!({"search": {"transactions": {"edges": []}}}));
    let (calls, outcome) = drive(
        &config(None),
        &req,
        vec![
            empty,
            tokenized(),
            charged(
                "chargeCreditCard",
                transaction("SUBMITTED_FOR_SETTLEMENT", None),
            ),
        ],
    );
    assert_eq!(calls.len(), 3);
    assert!(matches!(outcome, Outcome::Approved { .. }));

    // A failed search must not lead to a charge.
    let (calls, outcome) = drive(&config(None), &req, vec![reply(200, r#"{"data":{"sea"#)]);
    assert_eq!(calls.len(), 1);
    assert!(unavailable_reason(&outcome).contains("unreadable"));
}

#[test]
fn unknown_transaction_status_is_unavailable_never_an_approval() {
    let tx = transaction("SOME_FUTURE_STATUS", None);
    let parsed: wire::Transaction = serde_json::from_value(tx.clone()).expect("it parses");
    assert_eq!(parsed.status, wire::PaymentStatus::Unknown);

    let (_, outcome) = drive(
        &config(None),
        &charge("5555555555554444"),
        vec![tokenized(), charged("chargeCreditCard", tx.clone())],
    );
    assert_eq!(
        unavailable_reason(&outcome),
        "braintree left transaction dHJhbnNhY3Rpb25fMQ in status (undocumented)"
    );

    // Found by a recovering retry: reported as unknown, and nothing is charged again.
    let mut req = charge("5555555555554444");
    req.recovering = true;
    let found = || ok(json!({"search": {"transactions": {"edges": [{"node": tx.clone()}]}}}));
    let (calls, outcome) = drive(&config(None), &req, vec![found()]);
    assert_eq!(calls.len(), 1, "no tokenize, no charge");
    unavailable_reason(&outcome);

    let (_, r) = run_lookup(&config(None), &attempt_ref(Mode::Charge), vec![found()]);
    assert!(matches!(r, LookupResult::Unknown(_)), "{r:?}");
}

#[test]
fn payment_status_names_are_the_wire_values() {
    use wire::PaymentStatus::*;
    for s in [
        AuthorizationExpired,
        Authorized,
        Authorizing,
        Failed,
        GatewayRejected,
        ProcessorDeclined,
        Settled,
        SettlementConfirmed,
        SettlementDeclined,
        SettlementPending,
        Settling,
        SubmittedForSettlement,
        Voided,
    ] {
        let parsed: wire::PaymentStatus = serde_json::from_value(json!(s.as_str())).unwrap();
        assert_eq!(parsed, s);
    }
}

#[test]
fn bad_keys_errors_500_and_malformed_are_unavailable() {
    let (_, outcome) = drive(
        &config(None),
        &charge("4242424242424242"),
        vec![reply(
            401,
            r#"{"errors":[{"message":"Authentication failed."}]}"#,
        )],
    );
    assert!(unavailable_reason(&outcome).starts_with("braintree rejected the credentials"));

    let reused = reply(
        200,
        &json!({"data": {"chargeCreditCard": null},
        "errors": [{"message": "Cannot use a single-use payment method more than once."}]})
        .to_string(),
    );
    let (_, outcome) = drive(
        &config(None),
        &charge("4242424242424242"),
        vec![tokenized(), reused],
    );
    assert_eq!(
        unavailable_reason(&outcome),
        "braintree error: Cannot use a single-use payment method more than once."
    );

    let (_, outcome) = drive(
        &config(None),
        &charge("4242424242424242"),
        vec![reply(500, "")],
    );
    assert_eq!(unavailable_reason(&outcome), "braintree answered HTTP 500");

    let (_, outcome) = drive(
        &config(None),
        &charge("4242424242424242"),
        vec![
            tokenized(),
            reply(200, r#"{"data":{"chargeCreditCard":{"transac"#),
        ],
    );
    assert!(unavailable_reason(&outcome).contains("unreadable"));
}

#[test]
fn documents_name_the_fields_the_simulator_dispatches_on() {
    assert!(wire::TOKENIZE.contains("tokenizeCreditCard(input: $input)"));
    assert!(wire::CHARGE.contains("chargeCreditCard(input: $input)"));
    assert!(wire::AUTHORIZE.contains("authorizeCreditCard(input: $input)"));
    assert!(wire::VAULT.contains("vaultPaymentMethod(input: $input)"));
    assert!(wire::SEARCH.starts_with("query ") && wire::SEARCH.contains("search { transactions("));
}

fn multi_currency() -> GatewayConfig {
    let mut c = config(Some("maven_usd"));
    if let Credentials::Braintree {
        merchant_accounts, ..
    } = &mut c.credentials
    {
        merchant_accounts.insert("jpy".into(), "maven_jpy".into());
        merchant_accounts.insert("kwd".into(), "maven_kwd".into());
    }
    c
}

fn with_amount(mut tx: Value, value: &str, currency: &str) -> Value {
    tx["amount"] = json!({"value": value, "currencyCode": currency});
    tx
}

/// Defect 2: a JPY session on a USD-only configuration was charged on the USD account on main
/// (1000 JPY became $1,000.00). It is refused without any call.
#[test]
fn currency_without_a_merchant_account_is_never_sent() {
    let mut req = charge("4242424242424242");
    req.currency = "jpy".into();
    req.amount_cents = 1000;
    let (calls, outcome) = drive(&config(Some("maven_usd")), &req, vec![]);
    assert!(calls.is_empty());
    assert!(
        matches!(outcome, Outcome::Rejected(ref r) if r.contains("JPY")),
        "{outcome:?}"
    );
}

/// Defect 2: the session's currency goes out as its merchant account.
#[test]
fn jpy_and_kwd_use_their_merchant_accounts() {
    for (currency, cents, value, account) in [
        ("jpy", 1000, "1000", "maven_jpy"),
        ("kwd", 1234, "1.234", "maven_kwd"),
        ("usd", 1234, "12.34", "maven_usd"),
    ] {
        let mut req = charge("4242424242424242");
        req.currency = currency.into();
        req.amount_cents = cents;
        let tx = with_amount(
            transaction("SUBMITTED_FOR_SETTLEMENT", None),
            value,
            &currency.to_ascii_uppercase(),
        );
        let (calls, outcome) = drive(
            &multi_currency(),
            &req,
            vec![tokenized(), charged("chargeCreditCard", tx)],
        );
        let sent = body(&calls[1]);
        assert_eq!(sent["variables"]["input"]["transaction"]["amount"], value);
        assert_eq!(
            sent["variables"]["input"]["transaction"]["merchantAccountId"],
            account
        );
        assert!(
            matches!(outcome, Outcome::Approved { .. }),
            "{currency}: {outcome:?}"
        );
    }
}

/// Defect 2: the reply's currency and amount are checked (never shown as paid on a mismatch).
#[test]
fn reply_in_another_currency_or_amount_is_a_mismatch() {
    for (value, currency) in [("12.34", "JPY"), ("1234.00", "USD")] {
        let tx = with_amount(
            transaction("SUBMITTED_FOR_SETTLEMENT", None),
            value,
            currency,
        );
        let (_, outcome) = drive(
            &config(None),
            &charge("4242424242424242"),
            vec![tokenized(), charged("chargeCreditCard", tx)],
        );
        let Outcome::Mismatch {
            transaction_id,
            detail,
        } = outcome
        else {
            panic!("expected a mismatch, got {outcome:?}")
        };
        assert_eq!(transaction_id, "dHJhbnNhY3Rpb25fMQ");
        assert!(detail.starts_with("braintree took"), "{detail}");
    }
}

/// Defect 7: the postal code is clipped by alphanumerics (9), separators not counted.
#[test]
fn postal_code_counts_alphanumerics() {
    let mut req = charge("4242424242424242");
    req.card.postal_code = Some("12345-6789".into());
    let (calls, _) = drive(
        &config(None),
        &req,
        vec![
            tokenized(),
            charged("chargeCreditCard", transaction("SETTLING", None)),
        ],
    );
    let sent = body(&calls[0]);
    assert_eq!(
        sent["variables"]["input"]["creditCard"]["billingAddress"]["postalCode"],
        "12345-6789"
    );
    assert_eq!(wire::postal_code(Some("SW1A 1AA")), Some("SW1A 1AA".into()));
    assert_eq!(
        wire::postal_code(Some("A1B2C3D4E5F6")),
        Some("A1B2C3D4E".into())
    );
    assert_eq!(wire::postal_code(Some(" -#- ")), None);
}

/// Defect 6: a GraphQL VALIDATION error means the mutation did not run: the attempt closes.
#[test]
fn validation_errors_close_the_attempt() {
    let invalid = reply(
        200,
        &json!({"data": {"chargeCreditCard": null},
        "errors": [{"message": "Amount is an invalid format.",
            "extensions": {"errorClass": "VALIDATION", "legacyCode": "81503"}}]})
        .to_string(),
    );
    let (_, outcome) = drive(
        &config(None),
        &charge("4242424242424242"),
        vec![tokenized(), invalid],
    );
    assert!(
        matches!(outcome, Outcome::Rejected(ref r) if r.contains("invalid format")),
        "{outcome:?}"
    );
}

mod lookup {
    use super::*;

    #[test]
    fn searches_by_order_id_without_card_data() {
        let found = ok(json!({"search": {"transactions": {"edges": [
            {"node": transaction("SETTLING", None)}]}}}));
        let (calls, result) = run_lookup(&config(None), &attempt_ref(Mode::Charge), vec![found]);
        let sent = body(&calls[0]);
        assert_eq!(sent["query"], wire::SEARCH);
        assert_eq!(
            sent["variables"]["input"]["orderId"]["is"],
            format!("{SESSION}-1")
        );
        assert!(!calls[0].body.contains("4242424242424242"));
        assert_eq!(
            result,
            LookupResult::Found(Outcome::Approved {
                status: ApprovedStatus::Succeeded,
                transaction_id: "dHJhbnNhY3Rpb25fMQ".into(),
                token: None,
                card_brand: Brand::Mastercard,
                card_last4: "4444".into(),
            })
        );
    }

    #[test]
    fn declined_mismatch_absent_and_failed() {
        let node = |tx: Value| ok(json!({"search": {"transactions": {"edges": [{"node": tx}]}}}));
        let a = attempt_ref(Mode::Charge);
        let (_, r) = run_lookup(
            &config(None),
            &a,
            vec![node(transaction(
                "PROCESSOR_DECLINED",
                Some(("2001", "Insufficient Funds")),
            ))],
        );
        assert!(matches!(
            r,
            LookupResult::Found(Outcome::Declined {
                code: DeclineCode::InsufficientFunds,
                ..
            })
        ));
        let (_, r) = run_lookup(
            &config(None),
            &a,
            vec![node(with_amount(
                transaction("SETTLING", None),
                "12.34",
                "EUR",
            ))],
        );
        assert!(
            matches!(r, LookupResult::Found(Outcome::Mismatch { .. })),
            "{r:?}"
        );
        let empty = ok(json!({"search": {"transactions": {"edges": []}}}));
        let (_, r) = run_lookup(&config(None), &a, vec![empty]);
        assert_eq!(r, LookupResult::NotFound);
        let (_, r) = run_lookup(&config(None), &a, vec![reply(503, "")]);
        assert!(matches!(r, LookupResult::Unknown(_)));
        let (calls, r) = run_lookup(&config(None), &attempt_ref(Mode::Tokenize), vec![]);
        assert!(calls.is_empty());
        assert_eq!(r, LookupResult::NotFound);
    }
}
